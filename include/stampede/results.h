/* results.h: everything one `stampede run` hands to the results writer
 * (DESIGN §6). All pointers are borrowed from the run. */
#ifndef STAMPEDE_RESULTS_H
#define STAMPEDE_RESULTS_H

#include "stampede/config.h"
#include "stampede/outcomes.h"
#include "stampede/population.h"
#include "stampede/stats.h"

/* The per-path scenario table: slot s of path p is one scheduled shock of
 * spec slot_spec[s]; unused slots (a Poisson count below the slot cap) have
 * active = 0 and NaN time/duration/size. Arrays are [path][slot]. */
typedef struct stp_scenario_table {
    long long n_paths;
    int n_slots;
    int *slot_spec; /* [slot]: index into cfg->scenario.shocks */
    int *slot_kind; /* [slot]: stp_shock_kind */
    unsigned char *active;
    float *time_s;
    float *duration_s;
    float *size;
} stp_scenario_table;

/* K sample paths, [k][step], of the first K paths of the run. */
typedef struct stp_samples {
    int k, n_steps;
    float dt_s;
    float *price;        /* pool price, USD */
    float *pool_depth;   /* pool USD reserve */
    float *sync;         /* fraction of AI agents that acted within sync_window_s */
    float *liquidations; /* liquidated USD in the step */
} stp_samples;

typedef struct stp_variant_results {
    char name[STP_NAME_MAX];
    const char *overrides_json; /* "{}" for the baseline */
    long long paths_done;
    const stp_outcomes *outcomes;
    const stp_scenario_table *scenarios;
    const stp_samples *samples;
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_metric_stats peak_sync_acted; /* over paths where an agent acted; n = 0 if none */
    stp_cascade_stats cascade;
    stp_histogram hist[STP_N_OUTCOMES];
    long long *worst; /* [worst_paths]: path indices, worst bad debt first */
    int n_worst;
} stp_variant_results;

typedef struct stp_results {
    const stp_config *cfg;
    const stp_population *pop;
    const char *engine_version;
    const char *backend; /* "openmp" | "cuda" */
    const char *device;  /* CPU model name or GPU name */
    unsigned long long seed;
    long long paths;
    double wall_s, agent_steps_per_s;
    int n_variants;
    stp_variant_results *variants;
} stp_results;

#endif
