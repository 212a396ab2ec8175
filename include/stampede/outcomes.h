/* outcomes.h: the per-path outcome records of DESIGN §3.7. */
#ifndef STAMPEDE_OUTCOMES_H
#define STAMPEDE_OUTCOMES_H

#include "stampede/error.h"

typedef enum stp_outcome {
    STP_OUT_MAX_DRAWDOWN,
    STP_OUT_MIN_PRICE_RATIO,
    STP_OUT_FINAL_PRICE_RATIO,
    STP_OUT_LIQUIDATED_USD,
    STP_OUT_LIQUIDATIONS,
    STP_OUT_BAD_DEBT_USD,
    STP_OUT_BAD_DEBT_REALIZED_USD,
    STP_OUT_DEFENSIVE_SELL_USD,
    STP_OUT_AGENTS_ACTED,
    STP_OUT_PEAK_SYNC,
    STP_OUT_HERDING_INDEX,
    STP_OUT_T_TROUGH_S,
    STP_OUT_CASCADE,
    STP_OUT_FIRST_MOVER,    /* the first AI agent to decide (its index), -1 when none did */
    STP_OUT_T_FIRST_MOVE_S, /* the start of the step it decided in, -1 when none did */
    STP_OUT_WEIGHT,         /* last: the likelihood ratio the scenario table carries */
    STP_N_OUTCOMES
} stp_outcome;

/* Dataset names under outcomes/, indexed by stp_outcome. */
extern const char *const stp_outcome_names[STP_N_OUTCOMES];

/* Per-path outcomes of paths [base, base + n): v[metric][path - base]. */
typedef struct stp_outcomes {
    long long base, n;
    double *v[STP_N_OUTCOMES];
} stp_outcomes;

/* stp_path_source.outcome_column over in-memory outcomes (user: the
 * stp_outcomes, base 0, holding every path). */
stp_status stp_outcomes_column(const void *user, int metric, double *dst, stp_error *err);

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

#endif
