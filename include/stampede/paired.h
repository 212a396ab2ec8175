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
 * independent: (Var phi_b + Var phi_v) / n. */
#ifndef STAMPEDE_PAIRED_H
#define STAMPEDE_PAIRED_H

#include <stddef.h>

#include "stampede/results.h"

/* Means of xb and xv (paths 0..n-1 of each, n >= 2): a proportion when the
 * values are 0/1. */
stp_paired_diff stp_paired_mean(const double *xb, const double *xv, size_t n);

/* ES at `level` of xb and xv, given each one's VaR and ES estimates (from
 * stp_stats_compute). */
stp_paired_diff stp_paired_es(const double *xb, double var_b, double es_b, const double *xv,
                              double var_v, double es_v, size_t n, double level);

#endif
