/* engine.h: one variant's simulation over a range of paths, shared by the
 * backends. The context is read-only during a batch except for the output
 * rows of the batch's own paths. */
#ifndef STAMPEDE_ENGINE_H
#define STAMPEDE_ENGINE_H

#include "stampede/config.h"
#include "stampede/outcomes.h"
#include "stampede/params.h"
#include "stampede/population.h"
#include "stampede/scenario.h"

STP_EXTERN_C_BEGIN

typedef struct stp_sim_ctx {
    stp_params prm;
    const stp_config *cfg;          /* borrowed */
    const stp_population *pop;      /* borrowed */
    const stp_scenario_table *scen; /* borrowed: rows of the batch's paths */
    stp_outcomes *out;              /* borrowed: rows of the batch's paths */
    stp_samples *samples;           /* borrowed: the first samples->k paths */
    /* borrowed: the venues of a multi-venue config (DESIGN §10), each with
     * its own config, constants and population (then pop and prm above
     * are venue 0's); NULL: one venue, the config itself */
    const struct stp_venues *venues;
} stp_sim_ctx;

/* OpenMP backend: simulates paths [path0, path0 + n) on `threads` threads
 * (0: OpenMP's default). Results do not depend on threads or on how the
 * caller splits paths into batches. */
stp_status stp_cpu_run_batch(const stp_sim_ctx *ctx, long long path0, long long n, int threads,
                             stp_error *err);

STP_EXTERN_C_END

#endif
