/* stats.h: tail statistics of one outcome over the paths (DESIGN §3.8).
 *
 * Conventions: VaR at level a is the a-quantile of the outcome (the upper
 * tail is the loss tail for every money and drawdown outcome); ES at level a
 * is the mean of the outcomes at or above VaR_a (the upper (1 - a) tail,
 * Acerbi-Tasche, with the fractional weight of the boundary order statistic).
 * Confidence intervals (95%):
 *   quantiles / VaR: distribution-free order-statistic interval (the ranks
 *     n a -+ 1.96 sqrt(n a (1 - a)), binomial normal approximation);
 *   ES: asymptotic normal, Var = [Var(X | X >= VaR) + a (ES - VaR)^2] /
 *     (n (1 - a)) (Manistre & Hancock 2005);
 *   mean: normal, sd / sqrt(n);
 *   P(cascade): Wilson score interval.
 * Weights (importance sampling) are accepted and must be positive; NULL
 * means every path weighs 1. */
#ifndef STAMPEDE_STATS_H
#define STAMPEDE_STATS_H

#include <stddef.h>

#include "stampede/weights.h"

#include "stampede/error.h"

#define STP_STATS_MAX_LEVELS 16

typedef struct stp_metric_stats {
    long long n;
    double mean, sd, mean_ci_lo, mean_ci_hi;
    int n_quantiles;
    double quantile_levels[STP_STATS_MAX_LEVELS];
    double quantiles[STP_STATS_MAX_LEVELS];
    double quantile_ci_lo[STP_STATS_MAX_LEVELS];
    double quantile_ci_hi[STP_STATS_MAX_LEVELS];
    int n_es;
    double es_levels[STP_STATS_MAX_LEVELS];
    double var[STP_STATS_MAX_LEVELS];
    double var_ci_lo[STP_STATS_MAX_LEVELS];
    double var_ci_hi[STP_STATS_MAX_LEVELS];
    double es[STP_STATS_MAX_LEVELS];
    double es_ci_lo[STP_STATS_MAX_LEVELS];
    double es_ci_hi[STP_STATS_MAX_LEVELS];
} stp_metric_stats;

/* P(cascade) over the paths: Wilson's (stp_wilson) or, under importance
 * sampling, the weighted estimate (stp_weighted_probability). */
typedef struct stp_cascade_stats {
    long long n, k; /* paths, cascading paths */
    double p, ci_lo, ci_hi;
    double se;    /* standard error of p: sqrt(p (1 - p) / n) for Wilson's */
    int weighted; /* 1: importance-weighted estimate and normal interval; 0: k / n, Wilson */
    double ess;   /* effective sample size of the weights (n unweighted) */
    int replicates; /* > 0: the mean of that many randomized-QMC replicates, t interval */
    int populations; /* > 0: the mean over that many populations, t interval (ensemble.h) */
    stp_weight_diag diag; /* weighted runs: the weights' diagnostics (weights.h); else zero */
} stp_cascade_stats;

typedef struct stp_histogram {
    int bins;
    double *edges;     /* [bins + 1], owned */
    long long *counts; /* [bins], owned: paths that fell in the bin */
    /* [bins], owned; NULL unless weighted: sum of the bin's weights / n, the
     * unbiased estimate of the bin's probability under the untilted law
     * (the estimator of stp_weighted_probability, so the masses sum to
     * mean(w), about 1, not exactly 1). */
    double *mass;
} stp_histogram;

/* Fills *out for x[0..n) (n >= 1; weights may be NULL). Levels must lie in
 * (0, 1); at most STP_STATS_MAX_LEVELS of each. Non-finite x are an error
 * (STP_EUSAGE naming `what`). Uses O(n) scratch memory. */
stp_status stp_stats_compute(stp_metric_stats *out, const double *x, const double *w, size_t n,
                             const double *q_levels, int n_q, const double *es_levels, int n_es,
                             const char *what, stp_error *err);

/* Wilson score interval for k successes in n trials at 95%. */
stp_cascade_stats stp_wilson(long long k, long long n);

/* P(event) under importance sampling (DESIGN §3.8): indicators c[0..n) in
 * {0, 1} of paths drawn from a tilted law with likelihood-ratio weights
 * w[i] (finite, >= 0; E[w] = 1). p is the unbiased sum(w c) / n; se its
 * standard error sqrt(sum (w c - p)^2 / (n (n - 1))); the 95% interval
 * p -+ 1.96 se, clamped to [0, 1]; ess the Kish effective sample size
 * (sum w)^2 / sum w^2; weighted = 1. */
stp_cascade_stats stp_weighted_probability(const double *c, const double *w, size_t n);

/* Randomized QMC (scenario.mode qmc): x[0..n) holds R replicates of n / R
 * paths each, contiguous, every replicate an independent unbiased estimate
 * (its mean). The estimate is the grand mean, its standard error the
 * replicate means' sd / sqrt(R), and the 95% interval Student's t with
 * R - 1 degrees of freedom: the points within a replicate are not
 * independent, so an interval from the paths' spread would be wrong (too
 * wide for smooth outcomes; no better founded for others). n % R == 0,
 * R >= 2. */
typedef struct stp_replicate_mean {
    double mean, se, ci_lo, ci_hi;
} stp_replicate_mean;
stp_replicate_mean stp_replicate_estimate(const double *x, size_t n, int replicates);

/* The mean of k >= 2 independent estimates v[0..k) with its standard error
 * and 95% t interval (k - 1 df): what stp_replicate_estimate does with its
 * replicates' means, and an ensemble with its populations' (ensemble.h). */
stp_replicate_mean stp_t_mean(const double *v, int k);

/* qsort's comparison of doubles, ascending. */
int stp_cmp_double(const void *a, const void *b);

/* The q-quantile of sorted v[0..n) (n >= 1), linear between order
 * statistics (the sample's summaries: the blind-spot probe's points, an
 * ensemble's median and bootstrap percentiles; stp_stats_compute's
 * quantiles are order statistics instead). */
double stp_sorted_quantile(const double *v, size_t n, double q);

/* P(event) from indicators c under randomized QMC (stp_replicate_estimate,
 * clamped to [0, 1]); replicates set, weighted 0, ess = n. */
stp_cascade_stats stp_replicate_probability(const double *c, size_t n, int replicates);

/* P(cascade) from indicators c[0..n) as every reader of a run takes it:
 * under qmc (replicates > 0) stp_replicate_probability, else with weights
 * (w not NULL: importance sampling) stp_weighted_probability, else
 * Wilson's interval on the count. */
stp_cascade_stats stp_cascade_estimate(const double *c, const double *w, size_t n,
                                       int replicates);

/* Equal-width histogram over [min, max] of x (a single bin edge pair when
 * all values are equal). With weights w (importance sampling; finite and
 * positive, else STP_EUSAGE) it also fills mass; w NULL leaves mass NULL.
 * Owns edges/counts/mass: free with stp_histogram_free. */
stp_status stp_histogram_compute(stp_histogram *out, const double *x, const double *w, size_t n,
                                 int bins, stp_error *err);
void stp_histogram_free(stp_histogram *h);

#endif
