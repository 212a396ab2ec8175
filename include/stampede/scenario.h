/* scenario.h: the per-path table of scheduled adversarial shocks
 * (DESIGN §3.6). A point draws its rows from a plan: the config's shock
 * specs as its mode reshapes them (`random` as configured, `importance`
 * tilted, `blind_spot` centred on the population's firing sizes, `qmc` on
 * shifted Sobol points, and the laws of a cross-entropy search iteration).
 * Each path's shocks are a pure function of (plan, seed, path), stream
 * STP_STREAM_SCENARIO, so any batch, thread or shard layout draws the same
 * table. */
#ifndef STAMPEDE_SCENARIO_H
#define STAMPEDE_SCENARIO_H

#include "stampede/blind_spot.h"
#include "stampede/config.h"
#include "stampede/population.h"
#include "stampede/outcomes.h"
#include "stampede/shocks.h"

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

typedef enum {
    STP_COUNT_EXACT,    /* `count` events */
    STP_COUNT_POISSON,  /* Poisson(rate) events */
    STP_COUNT_BERNOULLI /* one event with probability rate (search) */
} stp_count_law;

/* A time or duration law on [lo, hi]: uniform when sd < 0, else a normal
 * (mean, sd) clamped to the range (the search's family). */
typedef struct stp_span_law {
    double lo, hi, mean, sd;
} stp_span_law;

/* The law one spec's rows are drawn from. */
typedef struct stp_shock_law {
    stp_count_law count_law;
    int count;                           /* EXACT */
    double rate;                         /* POISSON mean (as drawn), BERNOULLI probability */
    double count_tilt, rate0;            /* importance: rate = rate0 e^count_tilt (0: untilted) */
    int slots;                           /* cells the spec occupies in a row */
    double size_mean, size_sd, size_cap; /* normal, clamped to [-cap, cap] */
    double size_lo, size_hi;             /* size_sd < 0: uniform on [lo, hi] instead */
    double tilt;                         /* importance: signed shift of z (0: none) */
    stp_span_law time_s, duration_s;
} stp_shock_law;

typedef struct stp_scenario_plan {
    const stp_config *cfg; /* borrowed: the seed and the specs' kinds */
    stp_scenario_mode mode;
    int search;           /* 1: a search's laws (search.h) */
    int n_specs, n_slots; /* n_slots: the laws' slots summed (stp_scenario_plan_layout) */
    double defensive;     /* importance: the mixture's untilted share a (mixture.h), else 0 */
    stp_shock_law law[STP_MAX_SHOCKS];
    /* qmc (qmc_net set): paths [r P, (r + 1) P) are replicate r over the P points of one
     * Sobol net, each replicate shifted by its own uniform vector */
    int qmc_points, qmc_dims;
    double *qmc_net; /* [point][dim], owned */
    int *cell_dim;   /* [slot][3]: dims of (size, time, duration), -1: Philox */
    int count_dim[STP_MAX_SHOCKS];
    stp_blind_probe blind[STP_MAX_SHOCKS];
} stp_scenario_plan;

/* Whether importance sampling tilts spec s: a size with sd > 0 and a mean
 * that gives the direction. */
int stp_scenario_tiltable(const stp_shock_spec *s);

/* Most Sobol dimensions GSL's generator offers. */
#define STP_QMC_MAX_DIMS 40

/* The plan of cfg's scenario.mode; pop is needed by blind_spot only (may be
 * NULL otherwise). qmc: STP_EUSAGE unless scenario.qmc.points is a power of
 * two and run.paths a multiple of it, at least twice. STP_EINTR on a stop
 * request (interrupt.h) while the Sobol net or the blind-spot probe runs. */
stp_status stp_scenario_plan_create(stp_scenario_plan **out, const stp_config *cfg,
                                    const stp_population *pop, stp_error *err);
void stp_scenario_plan_destroy(stp_scenario_plan *plan);

/* Sets plan->n_slots from its laws, after a caller reshaped them. */
void stp_scenario_plan_layout(stp_scenario_plan *plan);

/* qmc: replicates in a run of cfg (run.paths / points); 0 in other modes.
 * Inline: the results writer (h5_plan.c) records it without calling up
 * into world/. */
static inline int stp_scenario_replicates(const stp_scenario_plan *plan)
{
    return plan->qmc_net ? (int)(plan->cfg->run.paths / plan->qmc_points) : 0;
}

/* Allocates the table for paths [base, base + n_paths) of plan (borrowed:
 * it must outlive the table) and fills every row; STP_EINTR on a stop
 * request (interrupt.h), with *out NULL. */
stp_status stp_scenario_table_from_plan(stp_scenario_table **out, const stp_scenario_plan *plan,
                                        long long base, long long n_paths, stp_error *err);

/* The same with a plan of its own, made from cfg (modes that need no
 * population: random, importance, qmc). */
stp_status stp_scenario_table_create(stp_scenario_table **out, const stp_config *cfg,
                                     long long base, long long n_paths, stp_error *err);

/* stp_path_source.scenario_rows over an in-memory table (user: the table). */
void stp_scenario_table_rows(const void *user, long long path0, long long n, unsigned char *active,
                             float *time_s, float *duration_s, float *size);

/* stp_path_source.scenario_rows drawing the rows afresh (user: the plan). */
void stp_scenario_sampled_rows(const void *user, long long path0, long long n,
                               unsigned char *active, float *time_s, float *duration_s,
                               float *size);
void stp_scenario_table_destroy(stp_scenario_table *t);

/* Fills the row of `path` from the table's plan; base <= path < base + n_paths. */
void stp_scenario_sample_path(stp_scenario_table *t, long long path);

#endif
