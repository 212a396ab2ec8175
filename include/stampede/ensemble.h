/* ensemble.h: statistics for "populations like this" (DESIGN §3.4).
 *
 * A run of K = run.populations populations draws each from its own counter
 * words and gives each P / K paths (batches.h). Population k's estimate
 * theta_k of any statistic is the single-population one over its own
 * paths (stats.h); the ensemble's is their mean, theta = mean_k theta_k,
 * an unbiased estimate of E[theta | a population drawn as configured].
 * The theta_k are independent and identically distributed (independent
 * populations, independent paths), so the two-level variance of theta is
 * simply S^2 / K, S^2 the sample variance of the theta_k: it holds the
 * between-population variance and the Monte Carlo error of each
 * population's estimate together, with no model of either.
 *   means and P(cascade): t interval with K - 1 degrees of freedom;
 *   quantiles, VaR and ES: percentile bootstrap over populations
 *     (STP_ENSEMBLE_RESAMPLES resamples of the K estimates, stream
 *     STP_STREAM_ENSEMBLE of the run's seed), since a tail estimate of a
 *     few populations is skewed; with few populations it runs narrow
 *     (its width ~ sqrt((K - 1) / K) of the t interval's), which
 *     docs/model.md says.
 *
 * The share of variance the population draw explains, for P(cascade):
 * with within-population variance per path sigma_w^2 and between-population
 * variance sigma_b^2 of the populations' true P, E[S^2] = sigma_b^2 +
 * sigma_w^2 / n (n paths a population), so sigma_b^2 = max(0, S^2 -
 * mean_k se_k^2) and sigma_w^2 = n mean_k se_k^2; the intra-class
 * correlation sigma_b^2 / (sigma_b^2 + sigma_w^2) is the share of a path's
 * variance, and sigma_b^2 / (sigma_b^2 + sigma_w^2 / n) the share of the
 * ensemble estimate's.
 *
 * Allocation (two-stage sampling; Cochran, "Sampling Techniques", 3rd ed.,
 * 1977, §10.6): a population costs c_pop seconds to draw and screen, a path
 * c_path; for a fixed time the variance (sigma_b^2 + sigma_w^2 / n) / K is
 * least at n* = sqrt(c_pop sigma_w^2 / (c_path sigma_b^2)) paths a
 * population. */
#ifndef STAMPEDE_ENSEMBLE_H
#define STAMPEDE_ENSEMBLE_H

#include <stddef.h>

#include "stampede/error.h"
#include "stampede/outcomes.h"
#include "stampede/stats.h"

#define STP_ENSEMBLE_RESAMPLES 4000

/* What the file and the summary say of the intervals. */
#define STP_ENSEMBLE_CI_METHOD                                                                     \
    "two-level over populations: the mean of the populations' estimates; 95% t interval with "     \
    "populations - 1 df for means and P(cascade), percentile bootstrap over populations (4000 "    \
    "resamples) for quantiles, VaR and ES"

/* One population's own figures over its paths. */
typedef struct stp_population_stats {
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_cascade_stats cascade;
    int redraws, fallbacks; /* its calm-market screen (population.h) */
} stp_population_stats;

typedef struct stp_ensemble {
    int k;                            /* populations; 0: a single population (nothing here) */
    long long paths;                  /* paths a population */
    stp_population_stats *pop;        /* [k], owned */
    double p_min, p_median, p_max;    /* the populations' P(cascade) */
    double var_between, var_within;   /* sigma_b^2, sigma_w^2 (per path) of P(cascade) */
    double icc, between_share;        /* shares of variance the draw explains (above) */
    double pop_s, path_s;             /* measured: one population's draw, one path; 0: unknown */
    double best_paths;                /* n*; +inf when sigma_b^2 = 0: all paths in one */
    double halfwidth, best_halfwidth; /* P(cascade)'s 95% half-width now, and at n* */
    long long best_populations;       /* K at n* for the same time */
} stp_ensemble;

/* Allocates e for k >= 2 populations of `paths` paths each. */
stp_status stp_ensemble_init(stp_ensemble *e, int k, long long paths, stp_error *err);
void stp_ensemble_free(stp_ensemble *e);

/* The ensemble figures from the populations' own (e->pop filled): stats
 * and cascade get the means over populations and their two-level
 * intervals (sd and n stay the pooled ones); then the spread, the shares
 * and, given pop_s and path_s, the allocation. seed keys the bootstrap. */
stp_status stp_ensemble_combine(stp_ensemble *e, stp_metric_stats *stats,
                                stp_cascade_stats *cascade, unsigned long long seed,
                                stp_error *err);

/* A paired difference over populations from each population's own
 * (per_pop[0..k), paired.h): base, variant and diff the means over
 * populations, diff's interval t over the populations' differences, the
 * unpaired one t over (S_b^2 + S_v^2) / k, and the relative reduction
 * diff / base with the delta method's interval over populations
 * (influence (D_k - rel B_k) / base). */
struct stp_paired_diff;
void stp_ensemble_paired(struct stp_paired_diff *out, const struct stp_paired_diff *per_pop, int k);

/* Percentile bootstrap interval (95%) of the mean of v[0..k), stream `key`
 * of seed: resamples of k estimates with replacement. */
void stp_ensemble_bootstrap(const double *v, int k, unsigned long long seed, unsigned key,
                            double *lo, double *hi);

#endif
