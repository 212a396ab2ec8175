/* paired.h: a variant against the baseline on the same paths (DESIGN §3.8).
 *
 * Under common random numbers path i of every variant saw the same market
 * noise and scenario, so the two estimates are correlated and the variance
 * of their difference is Var(phi_b - phi_v) / n, where phi is each
 * estimator's influence value at path i (the delta method):
 *   mean:      phi(x) = x - mean
 *   ES at a:   phi(x) = (x - VaR_a)^+ / (1 - a)   (+ a constant)
 * which for one sample gives back stats.h's intervals. The relative
 * reduction r = (B - V) / B has phi_r = (V/B phi_b - phi_v) / B. All CIs
 * are normal at 95%. The unpaired interval treats the samples as
 * independent: (Var phi_b + Var phi_v) / n.
 *
 * Importance sampling: w[0..n) are the paths' likelihood ratios, the same
 * in both samples (every point of an experiment draws the same scenario
 * rows; experiment.c refuses overrides of scenario.*), or NULL for all 1.
 * Each estimate is the one the single run reports, so a row's figures and
 * its differences agree:
 *   means and ES: self-normalised, sum w g / sum w (stats.c), influence
 *     (w_i / wbar) (g_i - estimate), g = x for the mean and
 *     VaR + (x - VaR)^+ / (1 - a) for ES (the ratio estimator's delta
 *     method; Hesterberg 1995);
 *   P(event): unbiased, sum w c / n (stp_weighted_probability), influence
 *     w_i c_i - p, whose variance over n is exactly that function's se^2.
 * With all weights 1 (or w NULL) each is the unweighted one bit for bit.
 * Under weights these intervals are the delta method's, not stats.h's
 * Kish-n_eff approximations, so a one-sample interval from here is close
 * to, not equal to, the row's own. */
#ifndef STAMPEDE_PAIRED_H
#define STAMPEDE_PAIRED_H

#include <stddef.h>

#include "stampede/config.h"
#include "stampede/stats.h"

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

/* Means of xb and xv (paths 0..n-1 of each, n >= 2), self-normalised
 * under weights w (NULL: unweighted). */
stp_paired_diff stp_paired_mean(const double *xb, const double *xv, const double *w, size_t n);

/* P(event) from 0/1 indicators cb and cv: sum w c / n (w NULL: the plain
 * proportion, identical to stp_paired_mean's). */
stp_paired_diff stp_paired_probability(const double *cb, const double *cv, const double *w,
                                       size_t n);

/* ES at `level` of xb and xv, given each one's VaR and ES estimates (from
 * stp_stats_compute with the same weights w; NULL: unweighted). */
stp_paired_diff stp_paired_es(const double *xb, double var_b, double es_b, const double *xv,
                              double var_v, double es_v, const double *w, size_t n, double level);

#endif
