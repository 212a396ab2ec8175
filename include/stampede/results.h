/* results.h: everything one `stampede run` hands to the results writer
 * (DESIGN §6). All pointers are borrowed from the run. */
#ifndef STAMPEDE_RESULTS_H
#define STAMPEDE_RESULTS_H

#include "stampede/attribution.h"
#include "stampede/config.h"
#include "stampede/outcomes.h"
#include "stampede/population.h"
#include "stampede/stats.h"

/* The per-path scenario table: slot s of path p is one scheduled shock of
 * spec slot_spec[s]; unused slots (a Poisson count below the slot cap) have
 * active = 0 and NaN time/duration/size. Arrays are [path - base][slot] for
 * paths [base, base + n_paths). */
struct stp_scenario_plan;
typedef struct stp_scenario_table {
    const struct stp_scenario_plan *plan; /* the law its rows are drawn from */
    struct stp_scenario_plan *own_plan;   /* the same when the table made it, else NULL */
    long long base, n_paths;
    int n_slots;
    int *slot_spec; /* [slot]: index into cfg->scenario.shocks */
    int *slot_kind; /* [slot]: stp_shock_kind */
    unsigned char *active;
    float *time_s;
    float *duration_s;
    float *size;
    /* [path - base]: the row's likelihood ratio p / q (importance mode), else
     * 1; the path's weight joins it with the jumps' (backend.c, mixture.h) */
    double *weight;
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
    const struct stp_scenario_plan *plan; /* the law of its scenario rows */
    const stp_samples *samples;
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_metric_stats peak_sync_acted; /* over paths where an agent acted; n = 0 if none */
    stp_cascade_stats cascade;
    stp_histogram hist[STP_N_OUTCOMES];
    long long *worst; /* [worst_paths]: path indices, worst bad debt first */
    int n_worst;
    stp_attribution attribution;         /* tail attribution and first movers; computed 0: none */
    const struct stp_ensemble *ensemble; /* run.populations > 1; NULL: one population */
} stp_variant_results;

/* A variant against the baseline, paired over paths: both ran on the same
 * market noise and scenario rows (common random numbers), so path i of one
 * is compared with path i of the other (DESIGN §3.8). The CIs are normal
 * (delta method) on the per-path influence values of each estimator; the
 * unpaired interval is the same difference as if the two samples were
 * independent, reported so the gain from pairing shows. */
typedef struct stp_paired_diff {
    double base, variant;      /* the two estimates */
    double diff, ci_lo, ci_hi; /* base - variant (a reduction is positive), paired 95% CI */
    double unpaired_ci_lo, unpaired_ci_hi;
    double rel, rel_ci_lo, rel_ci_hi; /* (base - variant) / base; NaN when base is 0 */
} stp_paired_diff;

/* One row of /comparison: a variant's headline figures and its reductions
 * against row 0, the baseline (whose own differences are all zero). */
typedef struct stp_comparison_row {
    char name[STP_NAME_MAX];       /* the variant, as under /variants */
    char series[STP_NAME_MAX];     /* sweep: the series it belongs to; compare: its name */
    double value;                  /* sweep: the swept parameter's value; compare: NaN */
    stp_cascade_stats cascade;     /* P(cascade): Wilson, or weighted (importance sampling) */
    double es, es_ci_lo, es_ci_hi; /* ES of bad_debt_usd at es_level */
    double bad_debt_mean, bad_debt_ci_lo, bad_debt_ci_hi;
    stp_paired_diff d_cascade, d_es, d_bad_debt;
} stp_comparison_row;

/* /comparison (compare and sweep experiments) and, for a sweep, /sweep:
 * the same rows read as curves, one per series, in value order as listed. */
typedef struct stp_comparison {
    int n; /* rows; rows[0] is the baseline */
    double es_level;
    char sweep_param[STP_NAME_MAX * 2]; /* "" unless the experiment is a sweep */
    stp_comparison_row *rows;
    /* population ensembles (run.populations > 1, else 0 and NULL): the rows'
     * differences are over populations (ensemble.h), and each population's
     * own paired difference is kept, [row][population], owned */
    int populations;
    double *pop_d_cascade, *pop_d_es, *pop_d_bad_debt;
} stp_comparison;

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
    const stp_comparison *comparison; /* NULL for a single experiment */
    const struct stp_search *search;  /* search experiments: /search, else NULL */
    const struct stp_pilot *pilot; /* the importance tilt's pilot: /importance_pilot, else NULL */
    int verify; /* read the finished file back as a reader would before it replaces the output */
} stp_results;

#endif
