/* outcomes.h: the per-path outcome records of DESIGN §3.7. */
#ifndef STAMPEDE_OUTCOMES_H
#define STAMPEDE_OUTCOMES_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/hd.h"

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

/* DESIGN §10, a path over V > 1 venues: the columns above are the
 * system's (docs/model.md says how each aggregates the venues'), then the
 * system's contagion columns, then one record per venue: that venue alone
 * (its pool, its agents: first_mover is its own agent index) in the
 * columns of stp_outcome, and the time its cascade began. With one venue
 * there are none of these: the system is the venue. */
typedef enum stp_system_outcome {
    STP_SYS_VENUES_IN_CASCADE, /* venues whose own cascade rule held */
    STP_SYS_CONTAGION_LAG_S,   /* second venue's cascade start - first's; -1: fewer than two */
    STP_N_SYSTEM_OUTCOMES
} stp_system_outcome;
#define STP_VOUT_T_CASCADE_S STP_N_OUTCOMES /* end of the step it began; -1: none */
#define STP_N_VENUE_OUTCOMES (STP_N_OUTCOMES + 1)
#define STP_MAX_OUTCOME_COLS                                                                       \
    (STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES + STP_MAX_VENUES * STP_N_VENUE_OUTCOMES)

/* Dataset names of the system's contagion columns and of a venue record's
 * columns past stp_outcome ("venues_in_cascade", "contagion_lag_s";
 * "t_cascade_s"). */
extern const char *const stp_system_outcome_names[STP_N_SYSTEM_OUTCOMES];
extern const char *const stp_venue_t_cascade_name;

/* Columns of a path's record over n_venues venues. */
static inline STP_HD int stp_outcome_columns(int n_venues)
{
    return n_venues > 1 ? STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES + n_venues * STP_N_VENUE_OUTCOMES
                        : STP_N_OUTCOMES;
}
/* The column of system contagion outcome c, and of venue v's metric m
 * (m < STP_N_VENUE_OUTCOMES). */
static inline STP_HD int stp_system_column(int c) { return STP_N_OUTCOMES + c; }
static inline STP_HD int stp_venue_column(int v, int m)
{
    return STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES + v * STP_N_VENUE_OUTCOMES + m;
}

/* Per-path outcomes of paths [base, base + n): v[column][path - base].
 * n_cols: stp_outcome_columns of the run's venues; a record whose n_cols
 * is 0 or STP_N_OUTCOMES holds the system's columns only, and a backend
 * writes no column past n_cols. */
typedef struct stp_outcomes {
    long long base, n;
    int n_cols;
    double *v[STP_MAX_OUTCOME_COLS];
} stp_outcomes;

/* stp_path_source.outcome_column over in-memory outcomes (user: the
 * stp_outcomes, base 0, holding every path). */
stp_status stp_outcomes_column(const void *user, int metric, double *dst, stp_error *err);

/* K sample paths, [k][step], of the first K paths of the run. */
/* Per-step series of the first k paths. A path over V venues (DESIGN §10)
 * has a row per venue: venue v's row of path p starts at
 * ((size_t)v * k + p) * n_steps, so venue 0's rows sit where a one-venue
 * run's do. */
typedef struct stp_samples {
    int k, n_steps;
    int n_venues; /* rows per path: 1, or the venues; 0 is read as 1 */
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
