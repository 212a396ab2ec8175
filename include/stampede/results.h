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
 * active = 0 and NaN time/duration/size. Arrays are [path - base][slot] for
 * paths [base, base + n_paths). */
typedef struct stp_scenario_table {
    long long base, n_paths;
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

/* Where the writer reads per-path data, so a run never holds every path's
 * outcomes and scenario rows at once: one outcome column at a time, and the
 * scenario table a range of rows at a time. */
typedef struct stp_path_source {
    long long n_paths;
    int n_slots;
    const int *slot_spec, *slot_kind; /* [n_slots], borrowed */
    /* dst[0, n_paths) = outcome `metric` of every path */
    stp_status (*outcome_column)(const void *user, int metric, double *dst, stp_error *err);
    const void *outcome_user;
    /* rows [path0, path0 + n) of the table, each [n][n_slots] */
    void (*scenario_rows)(const void *user, long long path0, long long n, unsigned char *active,
                          float *time_s, float *duration_s, float *size);
    const void *scenario_user;
} stp_path_source;

typedef struct stp_variant_results {
    char name[STP_NAME_MAX];
    const char *overrides_json; /* "{}" for the baseline */
    long long paths_done;
    stp_path_source source;
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
