/* pilot.h: importance sampling's tilt chosen without a guess
 * (scenario.importance.pilot_paths > 0): multilevel cross-entropy
 * (Rubinstein & Kroese, "The Cross-Entropy Method", 2004, ch. 3).
 *
 * The zero-variance law for P(cascade) is the nominal law conditioned on a
 * cascade; among the tilted laws (scenario.c: each size's standard normal
 * z shifted by t towards its mean's sign) the one closest to it in
 * cross-entropy has t = E[d z | cascade], d = sign(mean), averaged over
 * the tilted slots. Level l draws pilot_paths paths at tilt t_l (t_0 = 0),
 * takes as its event the paths scoring at least gamma_l (the top 10% by
 * the cascade score of search.h, gamma capped at a cascade; over venues the
 * score of the cascade.venues-th most cascaded venue), and sets
 * t_{l+1} = sum_E w d z / sum_E w n, the likelihood ratios w making it an
 * estimate under the nominal law; it stops after the first level whose
 * event is the cascade itself. The pilot runs on its own seed (pilot_seed),
 * so the run's estimate uses none of its paths and stays unbiased. */
#ifndef STAMPEDE_PILOT_H
#define STAMPEDE_PILOT_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/population.h"
#include "stampede/results.h"


/* The pilot's seed: fresh paths, a function of the run's seed. */
unsigned long long stp_pilot_seed(unsigned long long seed);

/* Runs the pilot for cfg (importance mode, pilot_paths > 0) on pop, on the
 * OpenMP backend or the GPU (use_gpu). A config with venues (DESIGN §10)
 * runs on population 0 of each venue, drawn here (pop is ignored and may
 * be NULL), and scores a path by its venues (the system's cascade rule). STP_EINTR on a stop request
 * (interrupt.h), within a batch on the OpenMP backend, between batches on
 * the GPU. */
stp_status stp_importance_pilot(stp_pilot *out, const stp_config *cfg, const stp_population *pop,
                                int use_gpu, int threads, stp_error *err);

#endif
