/* contagion.c: the system's contagion estimates of a multi-venue run
 * (contagion.h). */
#include "stampede/contagion.h"

#include <math.h>
#include <string.h>

#define Z95 1.959963984540054

void stp_contagion_indicator(double *c, const double *venues_in_cascade, size_t n, int at_least)
{
    for (size_t i = 0; i < n; i++)
        c[i] = venues_in_cascade[i] >= (double)at_least ? 1.0 : 0.0;
}

/* No conditioning event on any path: the ratio is undefined, which the
 * summary shows as n/a rather than a made-up 0. */
static stp_cascade_stats undefined(void)
{
    stp_cascade_stats c;
    memset(&c, 0, sizeof c);
    c.p = c.ci_lo = c.ci_hi = c.se = NAN;
    return c;
}

/* The ratio estimate over all n paths (c1 >= 1 venue, c2 >= 2 venues). */
static stp_cascade_stats weighted_ratio(const double *vic, const double *w, size_t n)
{
    double sx = 0.0, sy = 0.0, sx2 = 0.0, ss = 0.0;
    long long k1 = 0, k2 = 0;
    stp_cascade_stats c;
    for (size_t i = 0; i < n; i++) {
        const double x = vic[i] >= 1.0 ? w[i] : 0.0, y = vic[i] >= 2.0 ? w[i] : 0.0;
        sx += x;
        sy += y;
        sx2 += x * x;
        k1 += vic[i] >= 1.0;
        k2 += vic[i] >= 2.0;
    }
    if (k1 == 0 || !(sx > 0.0)) return undefined();
    memset(&c, 0, sizeof c);
    c.p = sy / sx;
    for (size_t i = 0; i < n; i++) { /* residual of the ratio: w c1 (c2 - R) */
        const double x = vic[i] >= 1.0 ? w[i] : 0.0, y = vic[i] >= 2.0 ? w[i] : 0.0;
        ss += (y - c.p * x) * (y - c.p * x);
    }
    {
        const double nd = (double)n, xbar = sx / nd;
        c.se = n > 1 ? sqrt(ss / (nd * (nd - 1.0))) / xbar : NAN;
    }
    c.ci_lo = fmax(c.p - Z95 * c.se, 0.0);
    c.ci_hi = fmin(c.p + Z95 * c.se, 1.0);
    c.n = k1;
    c.k = k2;
    c.weighted = 1;
    c.ess = sx2 > 0.0 ? sx * sx / sx2 : 0.0;
    return c;
}

stp_cascade_stats stp_contagion_conditional(const double *venues_in_cascade, const double *w,
                                            size_t n)
{
    long long k1 = 0, k2 = 0;
    if (w) return weighted_ratio(venues_in_cascade, w, n);
    for (size_t i = 0; i < n; i++) {
        k1 += venues_in_cascade[i] >= 1.0;
        k2 += venues_in_cascade[i] >= 2.0;
    }
    return k1 > 0 ? stp_wilson(k2, k1) : undefined();
}
