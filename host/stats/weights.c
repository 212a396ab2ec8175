/* weights.c: importance-weight diagnostics (weights.h). */
#include "stampede/weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Grid points of the Zhang-Stephens quadrature below 30 + sqrt(n):
 * gpdfit's min_grid_pts 30, and n is at most PSIS's tail (3 sqrt(paths)). */
#define GRID_MIN 30

/* Zhang & Stephens' profile log likelihood per observation at theta (their
 * eq. 7, as gpdfit's lx): with b = -theta, k = mean log(1 + b x),
 * log(b / k) - k - 1. */
static double profile_loglik(const double *x, size_t n, double theta)
{
    const double b = -theta;
    double k = 0.0;
    size_t i;
    for (i = 0; i < n; i++)
        k += log1p(b * x[i]);
    k /= (double)n;
    return log(b / k) - k - 1.0;
}

double stp_gpd_khat(const double *x, size_t n)
{
    const double prior = 3.0;
    const size_t m = GRID_MIN + (size_t)floor(sqrt((double)n));
    const double xstar = x[(size_t)floor((double)n / 4.0 + 0.5) - (n >= 2 ? 1 : 0)];
    double l_max = -HUGE_VAL, sum_w = 0.0, theta_hat = 0.0, k = 0.0;
    size_t j, i;
    if (!(x[n - 1] > 0.0) || !(xstar > 0.0)) return NAN;
    /* the posterior mean of theta over the grid theta_j = 1 / x_(n) + (1 -
     * sqrt(m / (j - 1/2))) / (prior x*), x* the first quartile, with weights
     * proportional to exp(n l(theta_j)); two passes, the first for the max */
    for (j = 1; j <= m; j++) {
        const double th = 1.0 / x[n - 1] + (1.0 - sqrt((double)m / ((double)j - 0.5))) / prior / xstar;
        const double l = (double)n * profile_loglik(x, n, th);
        if (l > l_max) l_max = l;
    }
    for (j = 1; j <= m; j++) {
        const double th = 1.0 / x[n - 1] + (1.0 - sqrt((double)m / ((double)j - 0.5))) / prior / xstar;
        const double w = exp((double)n * profile_loglik(x, n, th) - l_max);
        sum_w += w;
        theta_hat += th * w;
    }
    theta_hat /= sum_w;
    for (i = 0; i < n; i++)
        k += log1p(-theta_hat * x[i]);
    k /= (double)n;
    /* PSIS's weakly informative prior: shrink towards 0.5 as if 10 more
     * observations had k 0.5 (loo's adjust_k_wip) */
    return k * (double)n / ((double)n + 10.0) + 0.5 * 10.0 / ((double)n + 10.0);
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* M of PSIS for n draws: ceil(min(0.2 n, 3 sqrt(n))) (Vehtari et al. 2024,
 * §3; r_eff 1: our paths are independent). */
static size_t tail_length(size_t n)
{
    return (size_t)ceil(fmin(0.2 * (double)n, 3.0 * sqrt((double)n)));
}

stp_status stp_weights_diagnose(stp_weight_diag *out, const double *w, size_t n, stp_error *err)
{
    const size_t m = tail_length(n);
    double *s = NULL, sum = 0.0, top = 0.0;
    size_t i;
    memset(out, 0, sizeof *out);
    out->khat = NAN;
    out->computed = 1;
    for (i = 0; i < n; i++) {
        sum += w[i];
        top = fmax(top, w[i]);
    }
    out->max_share = sum > 0.0 ? top / sum : NAN;
    if (m < 5 || m >= n) return STP_OK; /* too few for a fit: PSIS asks for 5 */
    if (STP_ALLOC(err, s, n)) return err->status;
    memcpy(s, w, sizeof(double) * n);
    qsort(s, n, sizeof *s, by_value);
    /* exceedances of the M largest over the largest one left out, scaled
     * by the largest (k does not depend on the scale; the scale keeps the
     * grid's 1 / x_(M) finite) */
    for (i = 0; i < m; i++)
        s[i] = (s[n - m + i] - s[n - m - 1]) / s[n - 1];
    /* an atom of equal weights at the cutoff (every path without events of
     * a tilted Poisson count weighs the same) is not tail: exceedances of
     * 0 would make Zhang-Stephens' first quartile 0; fit those above it */
    for (i = 0; i < m && !(s[i] > 0.0); i++)
        ;
    if (m - i >= 5) {
        out->khat = stp_gpd_khat(s + i, m - i);
        out->tail = (long long)(m - i);
    }
    free(s);
    return STP_OK;
}

double stp_weights_share_bound(long long n)
{
    return fmax(STP_MAX_SHARE_MAX, n > 0 ? STP_SHARE_EQUALS / (double)n : 1.0);
}

int stp_weights_reliable(const stp_weight_diag *d, long long n)
{
    if (!d->computed) return 1;
    if (isfinite(d->khat) && d->khat > STP_KHAT_MAX) return 0;
    return !(d->max_share > stp_weights_share_bound(n));
}
