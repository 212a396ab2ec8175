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

#include "stampede/results.h"

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
