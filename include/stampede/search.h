/* search.h: the adversarial search (DESIGN §3.6, experiment.kind search):
 * the cross-entropy method (Rubinstein & Kroese, "The Cross-Entropy
 * Method", 2004) over the shock parameters.
 *
 * Each configured spec becomes one slot whose law the search moves: the
 * probability that the shock happens on a path (the kind mix), and normal
 * laws of its size (clamped to the spec's cap, so the oracle history's
 * bound holds), time and duration (clamped to the configured ranges). Each
 * iteration draws experiment.search.paths_per_iter paths from the current
 * law on the same market noise and the same scenario uniforms (common
 * random numbers: iteration k and k + 1 differ only by the law), ranks the
 * paths by their score, and refits the law to the elite (the best
 * elite_fraction), smoothed: new = a fit + (1 - a) old, a = STP_CE_SMOOTHING.
 * The worst scenario found is the final law's mode: each shock on when its
 * probability is at least 1/2, at its mean size, time and duration. */
#ifndef STAMPEDE_SEARCH_H
#define STAMPEDE_SEARCH_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/results.h"
#include "stampede/scenario.h"


/* The starting law: each spec with probability 1/2 (0 for a spec with count
 * 0, which is switched off), its configured mean size with sd max(sd, cap /
 * 3), times and durations centred on their ranges with a uniform's sd. */
stp_status stp_search_init(stp_search *s, const stp_config *cfg, stp_error *err);

/* The plan drawing one slot per spec from law[] (mode random otherwise). */
stp_status stp_search_plan(stp_scenario_plan **out, const stp_config *cfg,
                           const stp_search_law *law, stp_error *err);

/* min(dd / cascade.drawdown, 1) + min(liq / cascade.liquidation_usd, 1):
 * 2 exactly on a cascade (DESIGN §3.7), below it otherwise. */
double stp_cascade_score(const stp_config *cfg, double max_drawdown, double liquidated_usd);

/* A path's score, higher is worse: bad_debt_usd for es_bad_debt_usd; for
 * p_cascade min(dd / cascade.drawdown, 1) + min(liq / cascade.liquidation_usd,
 * 1), which is 2 exactly on a cascade and grows towards one elsewhere, so
 * the search has a slope to climb before any path cascades. */
double stp_search_score(const stp_config *cfg, double bad_debt_usd, double max_drawdown,
                        double liquidated_usd);

/* Records iteration s->done (its objective; the paths' scores and the
 * rows they drew, one slot per spec, [path][spec]) and refits the law to
 * its elite. STP_EINTR on a stop request (interrupt.h), s unchanged. */
stp_status stp_search_update(stp_search *s, const stp_config *cfg, double objective,
                             const double *score, const unsigned char *active, const float *size,
                             const float *time_s, const float *duration_s, long long n,
                             stp_error *err);

/* The worst scenario: the current law's mode (sd 0, p 0 or 1). */
void stp_search_worst(const stp_search *s, stp_search_law *out);

#endif
