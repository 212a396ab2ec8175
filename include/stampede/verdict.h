/* verdict.h: the conclusions a report draws from a run's statistics: whether
 * a weighted estimate can be trusted and what it is worth in plain paths,
 * whether an adversarial search beat random by more than both intervals,
 * and where an ensemble's next second is best spent. The report prints
 * them; the decisions live here, beside the statistics they read. Pure: no
 * allocation, I/O or globals. */
#ifndef STAMPEDE_VERDICT_H
#define STAMPEDE_VERDICT_H

#include "stampede/config.h"
#include "stampede/ensemble.h"
#include "stampede/paired.h"
#include "stampede/stats.h"
#include "stampede/weights.h"

/* Why a P(cascade) estimate's importance weights are not to be believed. */
typedef enum stp_weights_verdict {
    STP_WEIGHTS_TRUSTED,    /* unweighted, not diagnosed (older files), or within both bounds */
    STP_WEIGHTS_HEAVY_TAIL, /* Pareto k-hat above STP_KHAT_MAX: effectively infinite variance */
    STP_WEIGHTS_DOMINATED   /* the largest weight above stp_weights_share_bound(n) of the sum */
} stp_weights_verdict;

/* c's verdict by stp_weights_reliable (weights.h); a heavy tail is named
 * before a dominant weight when both hold. */
stp_weights_verdict stp_cascade_weights_verdict(const stp_cascade_stats *c);

/* The plain (unweighted) paths whose binomial standard error equals c's,
 * p (1 - p) / se^2: what the importance tilt saved. Returns 1 and sets
 * *paths for a weighted estimate with se > 0 (files before 0.3.0 store no
 * se) whose weights are trusted; 0, leaving *paths alone, otherwise (a
 * rejected estimate's standard error is itself not to be believed). */
int stp_cascade_plain_equivalent(const stp_cascade_stats *c, double *paths);

/* The search's objective (P(cascade) or ES of bad debt, by `kind`) on one
 * row of its re-run's /comparison, with its 95% CI. */
void stp_search_objective_ci(stp_search_objective kind, const stp_comparison_row *r, double *x,
                             double *lo, double *hi);

/* 1 when the worst scenario's objective lies above random's by more than
 * both 95% CIs (worst's lower bound above random's upper bound), else 0;
 * rows[0..n) is the re-run's /comparison, rows[0] random and rows[1] the
 * worst (0 when n < 2: no re-run). */
int stp_search_beyond_cis(stp_search_objective kind, const stp_comparison_row *rows, int n);

/* Where an ensemble's time is best spent (ensemble.h, Cochran §10.6). */
typedef enum stp_ensemble_advice {
    STP_ADVICE_NONE,             /* n* is undefined (NaN): nothing to say */
    STP_ADVICE_NOT_MEASURED,     /* no costs measured (a checkpoint's or shards' batches) */
    STP_ADVICE_WITHIN_ERROR,     /* n* infinite: the spread is Monte Carlo error, add paths */
    STP_ADVICE_MORE_POPULATIONS, /* n* below the paths a population: more, smaller ones */
    STP_ADVICE_MORE_PATHS        /* n* at or above it: more paths per population */
} stp_ensemble_advice;

stp_ensemble_advice stp_ensemble_allocation_advice(const stp_ensemble *e);

#endif
