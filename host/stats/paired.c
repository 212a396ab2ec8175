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

/* How an estimate weighs the paths (paired.h): w NULL means every weight
 * is 1, and then both forms are the plain mean, bit for bit. */
typedef struct weighting {
    const double *w; /* [path]: likelihood ratios, or NULL */
    int ratio;       /* 1: sum w g / sum w (stats.c); 0: sum w g / n (stp_weighted_probability) */
} weighting;

static double wt(weighting wg, size_t i)
{
    return wg.w ? wg.w[i] : 1.0;
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

/* The centred influence values of both estimators at path i, given the
 * weighted centres mb, mv and the mean weight wbar. The ratio estimator
 * sum w g / sum w linearises to (w_i / wbar) (g_i - m) (Hesterberg 1995,
 * "Weighted average importance sampling", §2); the unbiased sum w g / n
 * has the plain w_i g_i - m. Both sum to zero over the paths. */
static void centred(const double *xb, influence fb, double mb, const double *xv, influence fv,
                    double mv, weighting wg, double wbar, size_t i, double *db, double *dv)
{
    const double w = wt(wg, i);
    if (wg.ratio) {
        const double s = w / wbar;
        *db = s * (phi(fb, xb[i]) - mb);
        *dv = s * (phi(fv, xv[i]) - mv);
    } else {
        *db = w * phi(fb, xb[i]) - mb;
        *dv = w * phi(fv, xv[i]) - mv;
    }
}

/* Two passes (means, then centred sums): money outcomes reach 1e9 and their
 * squares would cancel in one pass. Both samples carry the same weights:
 * the paths are the same scenario rows (experiment.h). */
static stp_paired_diff paired(const double *xb, influence fb, double b, const double *xv,
                              influence fv, double v, weighting wg, size_t n)
{
    stp_paired_diff r;
    double mb = 0.0, mv = 0.0, sw = 0.0, sbb = 0.0, svv = 0.0, sbv = 0.0, var_b, var_v, cov, se, k;
    size_t i;
    if (n < 2) return no_spread(b, v);
    for (i = 0; i < n; i++) {
        sw += wt(wg, i);
        mb += wt(wg, i) * phi(fb, xb[i]);
        mv += wt(wg, i) * phi(fv, xv[i]);
    }
    mb /= wg.ratio ? sw : (double)n;
    mv /= wg.ratio ? sw : (double)n;
    for (i = 0; i < n; i++) {
        double db, dv;
        centred(xb, fb, mb, xv, fv, mv, wg, sw / (double)n, i, &db, &dv);
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

/* Both means in path order, each the estimator `wg` names. */
static stp_paired_diff paired_means(const double *xb, const double *xv, weighting wg, size_t n)
{
    const influence f = {0.0, 1.0, 0};
    double b = 0.0, v = 0.0, sw = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        sw += wt(wg, i);
        b += wt(wg, i) * xb[i];
        v += wt(wg, i) * xv[i];
    }
    sw = wg.ratio ? sw : (double)n;
    return paired(xb, f, b / sw, xv, f, v / sw, wg, n);
}

stp_paired_diff stp_paired_mean(const double *xb, const double *xv, const double *w, size_t n)
{
    weighting wg;
    wg.w = w;
    wg.ratio = 1;
    return paired_means(xb, xv, wg, n);
}

stp_paired_diff stp_paired_probability(const double *cb, const double *cv, const double *w,
                                       size_t n)
{
    weighting wg;
    wg.w = w;
    wg.ratio = 0;
    return paired_means(cb, cv, wg, n);
}

stp_paired_diff stp_paired_es(const double *xb, double var_b, double es_b, const double *xv,
                              double var_v, double es_v, const double *w, size_t n, double level)
{
    const influence fb = {var_b, 1.0 / (1.0 - level), 1}, fv = {var_v, 1.0 / (1.0 - level), 1};
    weighting wg;
    wg.w = w;
    wg.ratio = 1;
    return paired(xb, fb, es_b, xv, fv, es_v, wg, n);
}
