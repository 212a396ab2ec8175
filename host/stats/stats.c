/* stats.c: tail statistics of one outcome over the paths (DESIGN §3.8).
 *
 * Every estimator is written once for weighted data; NULL weights mean
 * w_i = 1, so the unweighted numbers are the special case, not a second copy.
 * With weights we plug the effective sample size n_eff = (sum w)^2 / sum w^2
 * (Kish 1965) into each CI in place of n; without weights n_eff = n exactly.
 *
 * Quantiles are the inverse of the (weighted) empirical CDF: q_a is the
 * smallest sorted x_(k) with F(x_(k)) >= a. Unweighted this is Hyndman & Fan
 * (1996) type 1, x_(ceil(n a)); it is always an observed outcome, which is what
 * a risk reader expects of a VaR. Confidence intervals are those of stats.h:
 * order-statistic ranks for quantiles, Manistre & Hancock (2005) for ES,
 * normal for the mean. They are asymptotic, not batch means or bootstrap. */
#include "stampede/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

/* Levels are decimal fractions held in binary: 0.07 * 100 evaluates to
 * 7.000000000000001, and a strict F >= a would then skip to rank 8. We forgive
 * rounding up to this fraction of the total weight; it is far below one path's
 * weight for any n we will see (< 1e12 paths). */
#define LEVEL_SLACK 1e-12

/* One path after sorting: value, weight and the running weight sum F * W. */
typedef struct sorted_point {
    double x;
    double w;
    double cum;  /* sum of w over this point and all sorted before it */
    size_t path; /* original index: the tie-break that makes the order unique */
} sorted_point;

/* Sample-wide sums that every estimator needs. */
typedef struct weight_sums {
    double total;  /* W = sum w */
    double n_eff;  /* (sum w)^2 / sum w^2; exactly n when unweighted */
    double unit_w; /* W / n_eff: the weight of one "effective" path */
} weight_sums;

static double z95(void)
{
    /* 1.959963984540054: the two-sided 95% normal quantile. */
    return gsl_cdf_ugaussian_Pinv(0.975);
}

/* Order by value, then by path index: a total order, so the sorted array (and
 * every sum taken along it) is the same whatever algorithm qsort uses. */
static int cmp_point(const void *pa, const void *pb)
{
    const sorted_point *a = (const sorted_point *)pa;
    const sorted_point *b = (const sorted_point *)pb;
    if (a->x < b->x) return -1;
    if (a->x > b->x) return 1;
    return (a->path > b->path) - (a->path < b->path);
}

static int level_ok(double a)
{
    return a > 0.0 && a < 1.0; /* false for NaN too */
}

/* Everything a caller can get wrong, checked before any allocation. */
static stp_status check_inputs(const double *x, const double *w, size_t n, const double *q_levels,
                               int n_q, const double *es_levels, int n_es, const char *what,
                               stp_error *err)
{
    if (n == 0)
        return stp_error_set(err, STP_EUSAGE, "no values for %s: statistics need n >= 1", what);
    if (n_q < 0 || n_q > STP_STATS_MAX_LEVELS || n_es < 0 || n_es > STP_STATS_MAX_LEVELS)
        return stp_error_set(err, STP_EUSAGE,
                             "%s: %d quantile and %d ES levels requested; each must be 0..%d", what,
                             n_q, n_es, STP_STATS_MAX_LEVELS);
    for (int j = 0; j < n_q; j++)
        if (!level_ok(q_levels[j]))
            return stp_error_set(err, STP_EUSAGE, "%s: quantile level %g must lie in (0, 1)", what,
                                 q_levels[j]);
    for (int j = 0; j < n_es; j++)
        if (!level_ok(es_levels[j]))
            return stp_error_set(err, STP_EUSAGE, "%s: ES level %g must lie in (0, 1)", what,
                                 es_levels[j]);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return stp_error_set(err, STP_EUSAGE, "non-finite value in %s at path %zu", what, i);
        if (w && !(isfinite(w[i]) && w[i] > 0.0))
            return stp_error_set(err, STP_EUSAGE,
                                 "weight %g of %s at path %zu must be finite and positive", w[i],
                                 what, i);
    }
    return STP_OK;
}

/* Fills pts[0..n) sorted, with running weight sums, and the sample sums. */
static void sort_points(sorted_point *pts, weight_sums *s, const double *x, const double *w,
                        size_t n)
{
    double sum_w2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        pts[i].x = x[i];
        pts[i].w = w ? w[i] : 1.0;
        pts[i].path = i;
    }
    qsort(pts, n, sizeof *pts, cmp_point);
    s->total = 0.0;
    for (size_t i = 0; i < n; i++) {
        s->total += pts[i].w;
        pts[i].cum = s->total;
        sum_w2 += pts[i].w * pts[i].w;
    }
    /* Unweighted, n * n / n is inexact past 2^26 paths; use n itself. */
    s->n_eff = w ? s->total * s->total / sum_w2 : (double)n;
    s->unit_w = s->total / s->n_eff;
}

/* Weighted mean and sd with the reliability-weight correction
 * Var = sum w (x - m)^2 / (W - sum w^2 / W) = biased var * n_eff / (n_eff - 1),
 * which is the usual n - 1 sample variance when all weights are equal.
 * Two passes (mean first) avoid the cancellation of E[x^2] - m^2. */
static void mean_sd(stp_metric_stats *out, const sorted_point *pts, size_t n, const weight_sums *s)
{
    double sum_wx = 0.0, sum_wd2 = 0.0;
    for (size_t i = 0; i < n; i++)
        sum_wx += pts[i].w * pts[i].x;
    out->mean = sum_wx / s->total;
    for (size_t i = 0; i < n; i++) {
        const double d = pts[i].x - out->mean;
        sum_wd2 += pts[i].w * d * d;
    }
    /* One effective path carries no spread information: report sd 0 and a
     * zero-width CI rather than NaN, so files stay NaN-free. */
    out->sd = s->n_eff > 1.0 ? sqrt(sum_wd2 / s->total * s->n_eff / (s->n_eff - 1.0)) : 0.0;
    const double half = z95() * out->sd / sqrt(s->n_eff);
    out->mean_ci_lo = out->mean - half;
    out->mean_ci_hi = out->mean + half;
}

/* Index of the smallest sorted point with running weight >= target: the
 * inverse empirical CDF at target / W. Targets past W give the maximum. */
static size_t inverse_cdf(const sorted_point *pts, size_t n, const weight_sums *s, double target)
{
    const double t = target - LEVEL_SLACK * s->total;
    size_t lo = 0, hi = n - 1; /* answer in [lo, hi]; pts[n - 1].cum = W >= t */
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (pts[mid].cum >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Quantile at level a and its distribution-free 95% CI: the order statistics
 * of ranks floor(n a - z sqrt(n a (1-a))) and ceil(n a + z sqrt(n a (1-a))),
 * clamped to [1, n] (binomial count below q_a, normal approximation; David &
 * Nagaraja, Order Statistics, 3rd ed., §7.1). With weights, ranks count
 * effective paths of weight W / n_eff each. */
static size_t quantile_ci(const sorted_point *pts, size_t n, const weight_sums *s, double a,
                          double *q, double *lo, double *hi)
{
    const double na = s->n_eff * a;
    const double h = z95() * sqrt(na * (1.0 - a));
    const double rank_lo = fmax(floor(na - h), 1.0);
    const double target_hi = fmin(ceil(na + h) * s->unit_w, s->total);
    const size_t k = inverse_cdf(pts, n, s, a * s->total);
    *q = pts[k].x;
    *lo = pts[inverse_cdf(pts, n, s, rank_lo * s->unit_w)].x;
    *hi = pts[inverse_cdf(pts, n, s, target_hi)].x;
    return k;
}

/* ES_a and its 95% CI, given k = the VaR point's index.
 * Acerbi & Tasche (2002), eq. (3.8) mirrored to the upper tail: the tail holds
 * mass T = (1 - a) W, made of every point above VaR plus the part
 * F(VaR) W - a W of the VaR point itself, so
 *   ES = [sum_{i>k} w_i x_i + (cum_k - a W) x_k] / T.
 * We divide by the sum of those same tail weights rather than by (1 - a) W:
 * equal in exact arithmetic, but this way ES is a true weighted mean of tail
 * points and cannot leave [VaR, max] through rounding of 1 - a. When T is
 * below one path's weight the tail is only part of the maximum: ES = max.
 * CI: Manistre & Hancock (2005), Var(ES) = [Var(X | X >= VaR) + a (ES - VaR)^2]
 * / (n_eff (1 - a)), Var(X | X >= VaR) the plug-in over the same tail weights.
 * A tail of fewer than 2 points has no spread to estimate: the CI is then
 * [ES, ES], knowingly too narrow, rather than NaN. */
static void expected_shortfall(const sorted_point *pts, size_t n, const weight_sums *s, double a,
                               size_t k, double *es, double *lo, double *hi)
{
    const double boundary_w = fmax(pts[k].cum - a * s->total, 0.0);
    double tail = boundary_w, sum_wx = boundary_w * pts[k].x;
    for (size_t i = k + 1; i < n; i++) {
        tail += pts[i].w;
        sum_wx += pts[i].w * pts[i].x;
    }
    /* tail == 0 only if a * W rounded up to W (a within an ulp of 1). */
    *es = tail > 0.0 ? sum_wx / tail : pts[k].x;
    *lo = *hi = *es;
    const size_t tail_points = (n - 1 - k) + (boundary_w > 0.0);
    if (tail_points < 2) return;
    double sum_wd2 = boundary_w * (pts[k].x - *es) * (pts[k].x - *es);
    for (size_t i = k + 1; i < n; i++)
        sum_wd2 += pts[i].w * (pts[i].x - *es) * (pts[i].x - *es);
    const double gap = *es - pts[k].x;
    const double var = (sum_wd2 / tail + a * gap * gap) / (s->n_eff * (1.0 - a));
    const double half = z95() * sqrt(var);
    *lo = *es - half;
    *hi = *es + half;
}

/* Fills *out; see stats.h. All scratch (one sorted copy, O(n)) is freed
 * before return; on failure *out is zeroed and err says why. */
stp_status stp_stats_compute(stp_metric_stats *out, const double *x, const double *w, size_t n,
                             const double *q_levels, int n_q, const double *es_levels, int n_es,
                             const char *what, stp_error *err)
{
    sorted_point *pts = NULL;
    weight_sums s;
    memset(out, 0, sizeof *out);
    if (!what) what = "(unnamed outcome)";
    if (check_inputs(x, w, n, q_levels, n_q, es_levels, n_es, what, err)) goto fail;
    if (STP_ALLOC(err, pts, n)) goto fail;
    sort_points(pts, &s, x, w, n);
    out->n = (long long)n;
    mean_sd(out, pts, n, &s);
    out->n_quantiles = n_q;
    for (int j = 0; j < n_q; j++) {
        out->quantile_levels[j] = q_levels[j];
        quantile_ci(pts, n, &s, q_levels[j], &out->quantiles[j], &out->quantile_ci_lo[j],
                    &out->quantile_ci_hi[j]);
    }
    out->n_es = n_es;
    for (int j = 0; j < n_es; j++) {
        const double a = es_levels[j];
        out->es_levels[j] = a;
        const size_t k =
            quantile_ci(pts, n, &s, a, &out->var[j], &out->var_ci_lo[j], &out->var_ci_hi[j]);
        expected_shortfall(pts, n, &s, a, k, &out->es[j], &out->es_ci_lo[j], &out->es_ci_hi[j]);
    }
    free(pts);
    return STP_OK;
fail:
    free(pts);
    memset(out, 0, sizeof *out);
    return err->status;
}

/* Wilson (1927) score interval at 95%, in the form of Agresti & Coull (1998)
 * eq. (2): centre (p + z^2/2n) / (1 + z^2/n), half-width
 * z / (1 + z^2/n) * sqrt(p (1-p) / n + z^2 / 4n^2). Unlike the Wald interval
 * it stays inside [0, 1] and is not degenerate at k = 0 or k = n, which is
 * where a rare cascade probability lives. The ends are pinned to 0 and 1
 * exactly at k = 0 and k = n (rounding would leave +-1e-18). n <= 0 (no paths)
 * gives p = 0 and the uninformative [0, 1]. */
stp_cascade_stats stp_wilson(long long k, long long n)
{
    stp_cascade_stats c;
    memset(&c, 0, sizeof c); /* every field, replicates too, is written to the file */
    c.n = n;
    c.k = k;
    c.weighted = 0;
    c.ess = (double)n;
    if (n <= 0) {
        c.p = 0.0;
        c.se = 0.0;
        c.ci_lo = 0.0;
        c.ci_hi = 1.0;
        return c;
    }
    const double z = z95(), nd = (double)n;
    const double p = (double)k / nd;
    const double denom = 1.0 + z * z / nd;
    const double centre = (p + z * z / (2.0 * nd)) / denom;
    const double half = z / denom * sqrt(p * (1.0 - p) / nd + z * z / (4.0 * nd * nd));
    c.p = p;
    c.se = sqrt(p * (1.0 - p) / nd);
    c.ci_lo = k <= 0 ? 0.0 : fmax(centre - half, 0.0);
    c.ci_hi = k >= n ? 1.0 : fmin(centre + half, 1.0);
    return c;
}

stp_cascade_stats stp_weighted_probability(const double *c, const double *w, size_t n)
{
    stp_cascade_stats r;
    double sum = 0.0, sum_w = 0.0, sum_w2 = 0.0, ss = 0.0;
    size_t i;
    memset(&r, 0, sizeof r);
    r.n = (long long)n;
    r.weighted = 1;
    for (i = 0; i < n; i++) {
        const double y = c[i] > 0.5 ? w[i] : 0.0;
        r.k += c[i] > 0.5;
        sum += y;
        sum_w += w[i];
        sum_w2 += w[i] * w[i];
    }
    if (n == 0) return r;
    r.p = sum / (double)n;
    /* two passes: the squares of the deviations, not sum y^2 - n p^2,
     * which cancels when the event is rare and the weights small */
    for (i = 0; i < n; i++) {
        const double d = (c[i] > 0.5 ? w[i] : 0.0) - r.p;
        ss += d * d;
    }
    r.se = n > 1 ? sqrt(ss / ((double)n * (double)(n - 1))) : INFINITY;
    r.ci_lo = fmax(r.p - z95() * r.se, 0.0);
    r.ci_hi = fmin(r.p + z95() * r.se, 1.0);
    r.ess = sum_w2 > 0.0 ? sum_w * sum_w / sum_w2 : 0.0;
    return r;
}

/* mean, and ss = the sum of squared deviations of k estimates from it */
static stp_replicate_mean t_interval(double mean, double ss, int k)
{
    const double t = gsl_cdf_tdist_Pinv(0.975, k - 1.0);
    stp_replicate_mean r;
    r.mean = mean;
    r.se = sqrt(ss / ((double)k * (k - 1)));
    r.ci_lo = mean - t * r.se;
    r.ci_hi = mean + t * r.se;
    return r;
}

stp_replicate_mean stp_t_mean(const double *v, int k)
{
    double sum = 0.0, ss = 0.0, mean;
    int i;
    for (i = 0; i < k; i++)
        sum += v[i];
    mean = sum / k;
    for (i = 0; i < k; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return t_interval(mean, ss, k);
}

int stp_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double stp_sorted_quantile(const double *v, size_t n, double q)
{
    const double at = q * (double)(n - 1);
    const size_t i = (size_t)floor(at);
    return i + 1 < n ? v[i] + (at - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

stp_replicate_mean stp_replicate_estimate(const double *x, size_t n, int replicates)
{
    const size_t per = n / (size_t)replicates;
    double sum = 0.0, ss = 0.0, mean;
    int k;
    size_t i;
    for (k = 0; k < replicates; k++) {
        double m = 0.0;
        for (i = 0; i < per; i++)
            m += x[(size_t)k * per + i];
        sum += m / (double)per;
    }
    mean = sum / replicates;
    for (k = 0; k < replicates; k++) { /* second pass: deviations, not sums of squares */
        double m = 0.0;
        for (i = 0; i < per; i++)
            m += x[(size_t)k * per + i];
        ss += (m / (double)per - mean) * (m / (double)per - mean);
    }
    return t_interval(mean, ss, replicates);
}

stp_cascade_stats stp_replicate_probability(const double *c, size_t n, int replicates)
{
    stp_cascade_stats r;
    const stp_replicate_mean m = stp_replicate_estimate(c, n, replicates);
    size_t i;
    memset(&r, 0, sizeof r);
    r.n = (long long)n;
    for (i = 0; i < n; i++)
        r.k += c[i] > 0.5;
    r.p = m.mean;
    r.se = m.se;
    r.ci_lo = fmax(m.ci_lo, 0.0);
    r.ci_hi = fmin(m.ci_hi, 1.0);
    r.ess = (double)n;
    r.replicates = replicates;
    return r;
}

/* Bin of x: [e_b, e_{b+1}) with the last bin closed at max. The division
 * guesses; the two loops make the answer agree with the stored edges even
 * where rounding put the guess one bin off. Halving first keeps hi - lo
 * finite for outcomes near +-DBL_MAX, so the cast never sees inf or NaN. */
static int bin_of(double x, const double *edges, int bins)
{
    const double lo = edges[0], hi = edges[bins];
    const double frac = (0.5 * x - 0.5 * lo) / (0.5 * hi - 0.5 * lo);
    int b = (int)(fmin(fmax(frac, 0.0), 1.0) * bins);
    if (b > bins - 1) b = bins - 1;
    while (b > 0 && x < edges[b])
        b--;
    while (b < bins - 1 && x >= edges[b + 1])
        b++;
    return b;
}

/* Bin masses under importance sampling: sum w / n per bin, not sum w / W,
 * so a bin's mass is the same unbiased estimator as P(cascade) and a reader
 * can add bins into a tail probability that agrees with /cascade. */
static void weighted_mass(stp_histogram *h, const double *x, const double *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h->mass[h->edges[0] == h->edges[h->bins] ? 0 : bin_of(x[i], h->edges, h->bins)] += w[i];
    for (int b = 0; b < h->bins; b++)
        h->mass[b] /= (double)n;
}

/* Everything the histogram can be handed wrong, checked before allocation. */
static stp_status check_histogram(const double *x, const double *w, size_t n, int bins,
                                  stp_error *err)
{
    if (n == 0 || bins < 1)
        return stp_error_set(err, STP_EUSAGE,
                             "histogram of %zu values in %d bins: need n >= 1, bins >= 1", n, bins);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return stp_error_set(err, STP_EUSAGE, "non-finite value in histogram input at path %zu",
                                 i);
        if (w && !(isfinite(w[i]) && w[i] > 0.0))
            return stp_error_set(err, STP_EUSAGE,
                                 "histogram weight %g at path %zu must be finite and positive",
                                 w[i], i);
    }
    return STP_OK;
}

/* Equal-width histogram; see stats.h. On failure *out is empty (safe to free). */
stp_status stp_histogram_compute(stp_histogram *out, const double *x, const double *w, size_t n,
                                 int bins, stp_error *err)
{
    double lo, hi;
    memset(out, 0, sizeof *out);
    if (check_histogram(x, w, n, bins, err)) goto fail;
    lo = hi = x[0];
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    if (lo == hi) bins = 1; /* one value: equal-width bins would all be empty but one */
    out->bins = bins;
    if (STP_ALLOC(err, out->edges, (size_t)bins + 1) || STP_ALLOC(err, out->counts, (size_t)bins))
        goto fail;
    if (w && STP_ALLOC(err, out->mass, (size_t)bins)) goto fail;
    /* Each edge from its own t = b / bins rather than a running sum: no drift.
     * lo (1 - t) + hi t cannot overflow where hi - lo would, is lo exactly at
     * t = 0, and the last edge is set to hi so the span is exactly [min, max]. */
    for (int b = 0; b < bins; b++) {
        const double t = (double)b / bins;
        out->edges[b] = lo * (1.0 - t) + hi * t;
    }
    out->edges[bins] = hi;
    for (size_t i = 0; i < n; i++)
        out->counts[lo == hi ? 0 : bin_of(x[i], out->edges, bins)]++;
    if (w) weighted_mass(out, x, w, n);
    return STP_OK;
fail:
    stp_histogram_free(out);
    return err->status;
}

/* Frees what stp_histogram_compute allocated; accepts NULL and a zeroed or
 * half-built histogram, and leaves *h zeroed so a second free is harmless. */
void stp_histogram_free(stp_histogram *h)
{
    if (!h) return;
    free(h->edges);
    free(h->counts);
    free(h->mass);
    memset(h, 0, sizeof *h);
}

stp_cascade_stats stp_cascade_estimate(const double *c, const double *w, size_t n, int replicates)
{
    long long k = 0;
    if (replicates > 0) return stp_replicate_probability(c, n, replicates);
    if (w) return stp_weighted_probability(c, w, n);
    for (size_t i = 0; i < n; i++)
        k += c[i] > 0.5;
    return stp_wilson(k, (long long)n);
}
