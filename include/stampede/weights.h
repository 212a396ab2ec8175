/* weights.h: diagnostics of a run's importance weights (DESIGN §3.6):
 * whether a weighted estimate can be trusted. Kish's effective sample size
 * (stats.h keeps it as the cascade's ess) says how many plain paths the
 * weights are worth when their variance is finite; the two here say when
 * it is not, or when a few paths carry the estimate. */
#ifndef STAMPEDE_WEIGHTS_H
#define STAMPEDE_WEIGHTS_H

#include <stddef.h>

#include "stampede/error.h"

/* PSIS's threshold (Vehtari et al. 2024, §3.2): above 0.7 the weights'
 * tail is so heavy that no feasible sample size makes the estimate stable. */
#define STP_KHAT_MAX 0.7
/* One path holding more than this share of the total weight (and more than
 * ten times an equal share, STP_SHARE_EQUALS / n): the estimate rests on a
 * handful of paths, whatever k-hat says. */
#define STP_MAX_SHARE_MAX 0.05
#define STP_SHARE_EQUALS  10.0

typedef struct stp_weight_diag {
    int computed;     /* 0: an unweighted run, or a file from before them */
    double max_share; /* the largest weight over the sum of weights */
    double khat;      /* Pareto k-hat of the upper tail; NaN when not fitted */
    long long tail;   /* M: the largest weights the Pareto fit used (0: none) */
} stp_weight_diag;

/* The generalized Pareto's shape k of x[0..n) (exceedances >= 0, sorted
 * ascending, n >= 1), by Zhang & Stephens (2009), "A new and efficient
 * estimation method for the generalized Pareto distribution",
 * Technometrics 51(3), with the weakly informative prior PSIS adds (its
 * gpdfit: k n / (n + 10) + 0.5 * 10 / (n + 10)). NaN when the largest is
 * not positive (no tail to fit). Pure: no allocation. */
double stp_gpd_khat(const double *x, size_t n);

/* Fills *out for weights w[0..n) (> 0): the largest weight's share and
 * k-hat of the largest M = ceil(min(n / 5, 3 sqrt(n))) weights' exceedances
 * over the next largest (PSIS: Vehtari, Simpson, Gelman, Yao & Gabry,
 * "Pareto Smoothed Importance Sampling", JMLR 25 (2024), §3), NaN when
 * M < 5. O(n) scratch memory: STP_ENOMEM on failure. */
stp_status stp_weights_diagnose(stp_weight_diag *out, const double *w, size_t n, stp_error *err);

/* 1 when d does not flag the estimate: not computed, or k-hat (where
 * fitted) <= STP_KHAT_MAX and the share within its bound for n paths. */
int stp_weights_reliable(const stp_weight_diag *d, long long n);

/* The bound on the largest share for n paths: max(STP_MAX_SHARE_MAX,
 * STP_SHARE_EQUALS / n). */
double stp_weights_share_bound(long long n);

#endif
