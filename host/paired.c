/* paired.c: paired differences by the delta method (paired.h). */
#include "stampede/paired.h"

#include <math.h>

#define Z95 1.959963984540054

/* phi(x) = (x - shift) * scale, or its positive part when `plus`. */
typedef struct influence {
    double shift, scale;
    int plus;
} influence;

static double phi(influence f, double x)
{
    const double d = x - f.shift;
    return (f.plus && d < 0.0 ? 0.0 : d) * f.scale;
}

/* One path: the estimates, but no spread to put an interval on. */
static stp_paired_diff no_spread(double b, double v)
{
    stp_paired_diff r;
    r.base = b;
    r.variant = v;
    r.diff = b - v;
    r.ci_lo = r.ci_hi = r.unpaired_ci_lo = r.unpaired_ci_hi = NAN;
    r.rel = b != 0.0 ? r.diff / b : NAN;
    r.rel_ci_lo = r.rel_ci_hi = NAN;
    return r;
}

/* Two passes (means, then centred sums): money outcomes reach 1e9 and their
 * squares would cancel in one pass. */
static stp_paired_diff paired(const double *xb, influence fb, double b, const double *xv,
                              influence fv, double v, size_t n)
{
    stp_paired_diff r;
    double mb = 0.0, mv = 0.0, sbb = 0.0, svv = 0.0, sbv = 0.0, var_b, var_v, cov, se, k;
    size_t i;
    if (n < 2) return no_spread(b, v);
    for (i = 0; i < n; i++) {
        mb += phi(fb, xb[i]);
        mv += phi(fv, xv[i]);
    }
    mb /= (double)n;
    mv /= (double)n;
    for (i = 0; i < n; i++) {
        const double db = phi(fb, xb[i]) - mb, dv = phi(fv, xv[i]) - mv;
        sbb += db * db;
        svv += dv * dv;
        sbv += db * dv;
    }
    var_b = sbb / (double)(n - 1);
    var_v = svv / (double)(n - 1);
    cov = sbv / (double)(n - 1);
    r.base = b;
    r.variant = v;
    r.diff = b - v;
    se = sqrt(fmax(var_b + var_v - 2.0 * cov, 0.0) / (double)n);
    r.ci_lo = r.diff - Z95 * se;
    r.ci_hi = r.diff + Z95 * se;
    se = sqrt((var_b + var_v) / (double)n);
    r.unpaired_ci_lo = r.diff - Z95 * se;
    r.unpaired_ci_hi = r.diff + Z95 * se;
    if (b == 0.0) {
        r.rel = r.rel_ci_lo = r.rel_ci_hi = NAN;
        return r;
    }
    k = v / b;
    r.rel = r.diff / b;
    se = sqrt(fmax(k * k * var_b + var_v - 2.0 * k * cov, 0.0) / (double)n) / fabs(b);
    r.rel_ci_lo = r.rel - Z95 * se;
    r.rel_ci_hi = r.rel + Z95 * se;
    return r;
}

stp_paired_diff stp_paired_mean(const double *xb, const double *xv, size_t n)
{
    const influence f = {0.0, 1.0, 0};
    double b = 0.0, v = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        b += xb[i];
        v += xv[i];
    }
    return paired(xb, f, b / (double)n, xv, f, v / (double)n, n);
}

stp_paired_diff stp_paired_es(const double *xb, double var_b, double es_b, const double *xv,
                              double var_v, double es_v, size_t n, double level)
{
    const influence fb = {var_b, 1.0 / (1.0 - level), 1}, fv = {var_v, 1.0 / (1.0 - level), 1};
    return paired(xb, fb, es_b, xv, fv, es_v, n);
}
