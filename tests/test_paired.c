/* test_paired.c: host/stats/paired.c against hand-computed delta-method intervals
 * (discordant pairs for proportions, the ES influence (x - VaR)^+ / (1 - a),
 * the relative reduction's influence (k phi_b - phi_v) / B), the degenerate
 * cases, and Monte Carlo coverage on correlated normals with fresh seeds
 * (tests/seed.h prints each; STAMPEDE_TEST_SEED replays it). */
#include "stampede/paired.h"
#include "stampede/rng.h"
#include "stampede/stats.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"

/* Two-sided 95% normal quantile, Phi^-1(0.975), to 16 digits (Abramowitz &
 * Stegun 26.2.23 table / any normal table); written here, not taken from
 * paired.c, so the tests do not share the implementation's constant. */
#define Z95 1.959963984540054

/* Phi^-1(0.9) to 17 digits (any normal table; scipy.stats.norm.ppf(0.9)),
 * and 1 / sqrt(2 pi) for the normal density (M_PI is not C11). */
#define Z90          1.2815515655446004
#define INV_SQRT_2PI 0.3989422804014327

// --- helpers ------------------------------------------------------------------

/* 0/1 pairs with n11 paths (1, 1), n10 paths (1, 0), n01 paths (0, 1) and
 * the rest (0, 0), laid out in a scrambled order (i * 7 mod n is a
 * permutation when gcd(7, n) = 1) so nothing depends on the paths' order. */
static void fill_binary_pairs(double *xb, double *xv, size_t n, size_t n11, size_t n10, size_t n01)
{
    cr_assert(n % 7 != 0 && n11 + n10 + n01 <= n);
    for (size_t i = 0; i < n; i++) {
        const size_t j = (i * 7) % n; /* category rank of path i */
        xb[i] = j < n11 + n10 ? 1.0 : 0.0;
        xv[i] = j < n11 || (j >= n11 + n10 && j < n11 + n10 + n01) ? 1.0 : 0.0;
    }
}

/* Sample variance (n - 1 denominator) of one array, two passes: the
 * one-variable reference the tests compare paired.c's var/cov sums with. */
static double sample_var(const double *x, size_t n)
{
    double m = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / (double)(n - 1);
}

/* Path `path` of replication `rep`: X ~ N(0, 1) and an independent Z from
 * one Box-Muller pair, Y = X + 0.3 Z + 0.1, so Var(X - Y) = 0.09 and the
 * true mean difference E[X] - E[Y] = -0.1. */
static void draw_correlated(uint64_t seed, uint32_t rep, uint32_t path, double *x, double *y)
{
    const stp_u32x4 w = stp_philox(seed, STP_STREAM_MARKET, path, rep, 0, 0);
    float n0, n1;
    stp_box_muller(w.v[0], w.v[1], &n0, &n1);
    *x = (double)n0;
    *y = (double)n0 + 0.3 * (double)n1 + 0.1;
}

// --- closed forms -------------------------------------------------------------

/* 50 paths: n11 = 12, n10 = 9, n01 = 4, n00 = 25, so p_b = 21/50 = 0.42 and
 * p_v = 16/50 = 0.32. d = b - v is +1 on the 9 discordant (1, 0) paths, -1
 * on the 4 (0, 1) paths, 0 elsewhere: mean 5/50 = 0.1 and sample variance
 * (n10 + n01 - (n10 - n01)^2 / n) / (n - 1) = (13 - 0.5) / 49 = 12.5 / 49,
 * so se = sqrt(12.5 / (49 * 50)) = 1/14 exactly (by hand).
 * Unpaired: paired.c takes each sample's variance with the n - 1
 * denominator, which for 0/1 values is (k - k^2 / n) / (n - 1) =
 * n p (1 - p) / (n - 1): 12.18 / 49 and 10.88 / 49 here.
 * Tolerance 1e-12 relative: sums of 50 terms round near 1e-15; a formula
 * slip (n for n - 1 is 2%, a dropped covariance is 35%) is far larger. */
Test(paired, proportions_match_discordant_pair_closed_form)
{
    enum { N = 50, N11 = 12, N10 = 9, N01 = 4 };
    double xb[N], xv[N];
    fill_binary_pairs(xb, xv, N, N11, N10, N01);
    const stp_paired_diff r = stp_paired_mean(xb, xv, NULL, N);

    const double pb = (N11 + N10) / (double)N, pv = (N11 + N01) / (double)N;
    const double diff = (N10 - N01) / (double)N;
    const double var_d = (N10 + N01 - (double)(N10 - N01) * (N10 - N01) / N) / (N - 1);
    const double se = sqrt(var_d / N);
    cr_assert(epsilon_eq(dbl, se, 1.0 / 14.0, 1e-15), "se %.17g, by hand 1/14", se);
    cr_assert(epsilon_eq(dbl, r.base, pb, 1e-15));
    cr_assert(epsilon_eq(dbl, r.variant, pv, 1e-15));
    cr_assert(epsilon_eq(dbl, r.diff, diff, 1e-15));
    cr_assert(epsilon_eq(dbl, r.ci_lo, diff - Z95 * se, 1e-12 * Z95 * se), "ci_lo %.17g", r.ci_lo);
    cr_assert(epsilon_eq(dbl, r.ci_hi, diff + Z95 * se, 1e-12 * Z95 * se), "ci_hi %.17g", r.ci_hi);

    const double kb = N11 + N10, kv = N11 + N01;
    const double var_b = (kb - kb * kb / N) / (N - 1), var_v = (kv - kv * kv / N) / (N - 1);
    cr_assert(epsilon_eq(dbl, var_b, N * pb * (1.0 - pb) / (N - 1), 1e-15));
    const double se_u = sqrt((var_b + var_v) / N);
    cr_assert(epsilon_eq(dbl, r.unpaired_ci_lo, diff - Z95 * se_u, 1e-12 * Z95 * se_u),
              "unpaired_ci_lo %.17g", r.unpaired_ci_lo);
    cr_assert(epsilon_eq(dbl, r.unpaired_ci_hi, diff + Z95 * se_u, 1e-12 * Z95 * se_u),
              "unpaired_ci_hi %.17g", r.unpaired_ci_hi);
    /* The pairs are positively correlated (12 concordant ones), so pairing helps. */
    cr_assert(r.ci_hi - r.ci_lo < r.unpaired_ci_hi - r.unpaired_ci_lo);
}

/* ES at a = 0.8 of xb = 1..10: VaR = x_(8) = 8 and ES = (9 + 10) / 2 = 9.5
 * (n a = 8 is whole, so no fractional boundary weight). xv = xb paired-off
 * and halved: sorted 0.5, 1, ..., 5, VaR = 4, ES = (4.5 + 5) / 2 = 4.75.
 * Influence (x - VaR)^+ / 0.2: phi_b = 5 and 10 on the paths holding 9 and 10;
 * phi_v = 2.5 and 5 on the paths holding 4.5 and 5. By hand:
 *   d = phi_b - phi_v = (-2.5, 5, 5) on paths 7, 8, 9, zero elsewhere:
 *     mean 0.75, sum d^2 = 56.25, s^2 = (56.25 - 10 * 0.75^2) / 9 = 5.625,
 *     se = sqrt(5.625 / 10) = 0.75;
 *   unpaired: s_b^2 = (125 - 10 * 1.5^2) / 9 = 102.5 / 9,
 *     s_v^2 = (31.25 - 10 * 0.75^2) / 9 = 25.625 / 9.
 * Catches a wrong 1/(1 - a) scale, a missing positive part or a wrong shift. */
Test(paired, es_matches_hand_computed_influence_values)
{
    enum { N = 10 };
    const double xb[N] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const double xv[N] = {0.5, 1.5, 1, 2.5, 2, 3.5, 3, 4.5, 4, 5};
    const stp_paired_diff r = stp_paired_es(xb, 8.0, 9.5, xv, 4.0, 4.75, NULL, N, 0.8);
    cr_assert(eq(dbl, r.base, 9.5));
    cr_assert(eq(dbl, r.variant, 4.75));
    cr_assert(eq(dbl, r.diff, 4.75));
    const double se = 0.75, se_u = sqrt((102.5 + 25.625) / 9.0 / N);
    cr_assert(epsilon_eq(dbl, r.ci_lo, 4.75 - Z95 * se, 1e-12), "ci_lo %.17g", r.ci_lo);
    cr_assert(epsilon_eq(dbl, r.ci_hi, 4.75 + Z95 * se, 1e-12), "ci_hi %.17g", r.ci_hi);
    cr_assert(epsilon_eq(dbl, r.unpaired_ci_lo, 4.75 - Z95 * se_u, 1e-12), "%.17g",
              r.unpaired_ci_lo);
    cr_assert(epsilon_eq(dbl, r.unpaired_ci_hi, 4.75 + Z95 * se_u, 1e-12), "%.17g",
              r.unpaired_ci_hi);
}

/* Relative reduction with B = 0.2, V = 0.1 on 100 paths: n11 = 6, n10 = 14,
 * n01 = 4, n00 = 76. rel = (0.2 - 0.1) / 0.2 = 0.5 exactly in binary:
 * fl(20/100) = 2 fl(10/100), so the difference is fl(0.1) and the ratio 0.5.
 * Influence of r = 1 - V/B with k = V/B = 0.5: w = (k b - v) / B, which is
 * -2.5 on (1, 1), +2.5 on (1, 0), -5 on (0, 1), 0 on (0, 0): mean 0, sum of
 * squares 6 * 6.25 + 14 * 6.25 + 4 * 25 = 225, so se = sqrt(225 / 99 / 100)
 * = 1.5 / sqrt(99) (by hand). The test also takes the sample variance of w
 * path by path, a computation independent of paired.c's var/cov terms. */
Test(paired, relative_reduction_matches_influence_of_ratio)
{
    enum { N = 100, N11 = 6, N10 = 14, N01 = 4 };
    double xb[N], xv[N], w[N];
    fill_binary_pairs(xb, xv, N, N11, N10, N01);
    const stp_paired_diff r = stp_paired_mean(xb, xv, NULL, N);
    cr_assert(eq(dbl, r.rel, 0.5), "rel %.17g", r.rel);

    const double b = 0.2, k = 0.5;
    for (size_t i = 0; i < N; i++)
        w[i] = (k * xb[i] - xv[i]) / b;
    const double se = sqrt(sample_var(w, N) / N);
    cr_assert(epsilon_eq(dbl, se, 1.5 / sqrt(99.0), 1e-14), "se %.17g", se);
    cr_assert(epsilon_eq(dbl, r.rel_ci_lo, 0.5 - Z95 * se, 1e-12), "rel_ci_lo %.17g", r.rel_ci_lo);
    cr_assert(epsilon_eq(dbl, r.rel_ci_hi, 0.5 + Z95 * se, 1e-12), "rel_ci_hi %.17g", r.rel_ci_hi);
}

// --- degenerate inputs --------------------------------------------------------

/* Identical samples: every influence difference is exactly zero, and
 * paired.c's var_b + var_v - 2 cov is then 2 s - 2 s with all three sums
 * bit-identical, so the paired width is exactly 0; the unpaired width is
 * not (each sample alone has spread). Checked for the mean and for ES. */
Test(paired, identical_samples_give_zero_paired_width)
{
    enum { N = 1000 };
    const uint64_t seed = test_seed();
    double x[N], y[N];
    for (uint32_t i = 0; i < N; i++)
        draw_correlated(seed, 0, i, &x[i], &y[i]);
    stp_paired_diff r[2];
    r[0] = stp_paired_mean(x, x, NULL, N);
    stp_metric_stats s;
    stp_error err = {0};
    const double a = 0.9;
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, NULL, 0, &a, 1, "x", &err), STP_OK);
    r[1] = stp_paired_es(x, s.var[0], s.es[0], x, s.var[0], s.es[0], NULL, N, a);
    for (int j = 0; j < 2; j++) {
        const char *what = j ? "es" : "mean";
        cr_assert(eq(dbl, r[j].diff, 0.0), "seed %llu %s", (unsigned long long)seed, what);
        cr_assert(eq(dbl, r[j].ci_lo, 0.0), "seed %llu %s: ci_lo %.17g", (unsigned long long)seed,
                  what, r[j].ci_lo);
        cr_assert(eq(dbl, r[j].ci_hi, 0.0), "seed %llu %s: ci_hi %.17g", (unsigned long long)seed,
                  what, r[j].ci_hi);
        cr_assert(r[j].unpaired_ci_hi - r[j].unpaired_ci_lo > 0.0, "seed %llu %s",
                  (unsigned long long)seed, what);
        cr_assert(eq(dbl, r[j].rel, 0.0), "seed %llu %s", (unsigned long long)seed, what);
        cr_assert(eq(dbl, r[j].rel_ci_lo, 0.0), "seed %llu %s", (unsigned long long)seed, what);
        cr_assert(eq(dbl, r[j].rel_ci_hi, 0.0), "seed %llu %s", (unsigned long long)seed, what);
    }
}

static void assert_no_intervals(stp_paired_diff r, const char *what)
{
    cr_assert(isnan(r.ci_lo) && isnan(r.ci_hi), "%s: paired CI not NaN", what);
    cr_assert(isnan(r.unpaired_ci_lo) && isnan(r.unpaired_ci_hi), "%s: unpaired CI not NaN", what);
    cr_assert(isnan(r.rel_ci_lo) && isnan(r.rel_ci_hi), "%s: rel CI not NaN", what);
}

/* One path has no spread to put an interval on: the estimates stand, every
 * interval is NaN. */
Test(paired, one_path_gives_estimates_and_nan_intervals)
{
    const double xb[1] = {3.0}, xv[1] = {1.0};
    const stp_paired_diff m = stp_paired_mean(xb, xv, NULL, 1);
    cr_assert(eq(dbl, m.base, 3.0));
    cr_assert(eq(dbl, m.variant, 1.0));
    cr_assert(eq(dbl, m.diff, 2.0));
    cr_assert(eq(dbl, m.rel, 2.0 / 3.0));
    assert_no_intervals(m, "mean, n = 1");
    const stp_paired_diff e = stp_paired_es(xb, 3.0, 3.0, xv, 1.0, 1.0, NULL, 1, 0.9);
    cr_assert(eq(dbl, e.diff, 2.0));
    assert_no_intervals(e, "es, n = 1");
    const double zero[1] = {0.0};
    cr_assert(isnan(stp_paired_mean(zero, xv, NULL, 1).rel), "n = 1, B = 0: rel not NaN");
}

/* B = 0: the relative reduction is undefined, the difference is not. */
Test(paired, zero_baseline_gives_nan_relative_reduction)
{
    enum { N = 10 };
    const double xb[N] = {0};
    const double xv[N] = {0, 1, 0, 0, 1, 0, 0, 0, 0, 0};
    const stp_paired_diff r = stp_paired_mean(xb, xv, NULL, N);
    cr_assert(eq(dbl, r.base, 0.0));
    cr_assert(epsilon_eq(dbl, r.diff, -0.2, 1e-15));
    cr_assert(isfinite(r.ci_lo) && isfinite(r.ci_hi) && r.ci_lo < r.diff && r.diff < r.ci_hi);
    cr_assert(isnan(r.rel) && isnan(r.rel_ci_lo) && isnan(r.rel_ci_hi));
}

// --- coverage on correlated normals ------------------------------------------

enum { REPS = 400, PATHS = 2000 };

/* One paired estimator over the x and y of a replication. */
typedef stp_paired_diff (*paired_fn)(const double *x, const double *y, size_t n);

static stp_paired_diff paired_mean(const double *x, const double *y, size_t n)
{
    return stp_paired_mean(x, y, NULL, n);
}

static stp_paired_diff paired_es90(const double *x, const double *y, size_t n)
{
    const double a = 0.9;
    stp_metric_stats sx, sy;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&sx, x, NULL, n, NULL, 0, &a, 1, "x", &err), STP_OK);
    cr_assert_eq(stp_stats_compute(&sy, y, NULL, n, NULL, 0, &a, 1, "y", &err), STP_OK);
    return stp_paired_es(x, sx.var[0], sx.es[0], y, sy.var[0], sy.es[0], NULL, n, a);
}

/* REPS replications of PATHS correlated pairs: how many paired CIs cover
 * the truth, and the mean paired over the mean unpaired width. */
static int coverage_of(uint64_t seed, paired_fn f, double truth, double *ratio)
{
    double *x = malloc(PATHS * sizeof *x), *y = malloc(PATHS * sizeof *y);
    double w_paired = 0.0, w_unpaired = 0.0;
    int covered = 0;
    cr_assert(x && y);
    for (uint32_t rep = 0; rep < REPS; rep++) {
        for (uint32_t i = 0; i < PATHS; i++)
            draw_correlated(seed, rep, i, &x[i], &y[i]);
        const stp_paired_diff r = f(x, y, PATHS);
        covered += r.ci_lo <= truth && truth <= r.ci_hi;
        w_paired += r.ci_hi - r.ci_lo;
        w_unpaired += r.unpaired_ci_hi - r.unpaired_ci_lo;
    }
    free(x);
    free(y);
    *ratio = w_paired / w_unpaired;
    return covered;
}

/* R = 400 replications of n = 2000 paths of (X, Y = X + 0.3 Z + 0.1).
 * Paired sd of X - Y is 0.3; unpaired sqrt(Var X + Var Y) = sqrt(2.09), so
 * the widths' ratio is 0.3 / sqrt(2.09) = 0.2075 (the band 0.15-0.27 only
 * has to reject a missing or sign-flipped covariance, ratio >= 1).
 * Covered count ~ Binomial(400, 0.95): MC standard error of the coverage
 * sqrt(0.95 * 0.05 / 400) = 0.011. Accepting [0.91, 0.985] (364..394 of 400)
 * is about -3.7 / +3.2 se: a correct implementation fails by chance with
 * exact binomial probability 0.034% per run. A CI too narrow by 20% covers
 * ~88%, one without the 1/n covers 100%: both fail. */
Test(paired, mean_ci_covers_true_difference_on_correlated_normals, .timeout = 60)
{
    const uint64_t seed = test_seed();
    double ratio;
    const int covered = coverage_of(seed, paired_mean, -0.1, &ratio);
    const double coverage = covered / (double)REPS;
    cr_log_info("paired mean: seed %llu coverage %.4f width ratio %.4f", (unsigned long long)seed,
                coverage, ratio);
    cr_assert(coverage >= 0.91 && coverage <= 0.985,
              "seed %llu: paired mean CI covered %d of %d (%.4f), want [0.91, 0.985]",
              (unsigned long long)seed, covered, REPS, coverage);
    cr_assert(ratio >= 0.15 && ratio <= 0.27,
              "seed %llu: paired / unpaired width %.4f, want ~0.2075 (0.15-0.27)",
              (unsigned long long)seed, ratio);
}

/* ES at a = 0.9. The upper ES of N(mu, s) is mu + s phi(z_a) / (1 - a)
 * (closed form of E[X | X > VaR]), phi the standard normal density; here
 * X ~ N(0, 1) and Y ~ N(0.1, sqrt(1.09)), so the true difference is
 * -0.1 - (sqrt(1.09) - 1) phi(z_0.9) / 0.1.
 * The ES interval is asymptotic (delta method, estimated VaR, a skewed
 * tail of ~200 points per sample), so at n = 2000 its coverage may sit a
 * little under 95%: accept [0.89, 0.99] (356..396 of 400). At a true
 * coverage of 0.935 the exact binomial chance of falling outside is below 0.1%.
 * The expected width ratio is sqrt(Var(phi_b - phi_v) / (Var phi_b +
 * Var phi_v)) = 0.315 for these tail influences (correlation 0.90; estimated
 * offline from 2e7 draws with the true VaRs); the band 0.25-0.38 rejects a
 * dropped covariance (ratio 1). */
Test(paired, es_ci_covers_true_difference_on_correlated_normals, .timeout = 60)
{
    const uint64_t seed = test_seed();
    const double a = 0.9;
    const double pdf_z = exp(-0.5 * Z90 * Z90) * INV_SQRT_2PI;
    const double truth = -0.1 - (sqrt(1.09) - 1.0) * pdf_z / (1.0 - a);
    double ratio;
    const int covered = coverage_of(seed, paired_es90, truth, &ratio);
    const double coverage = covered / (double)REPS;
    cr_log_info("paired ES: seed %llu coverage %.4f width ratio %.4f", (unsigned long long)seed,
                coverage, ratio);
    cr_assert(coverage >= 0.89 && coverage <= 0.99,
              "seed %llu: paired ES CI covered %d of %d (%.4f), want [0.89, 0.99]",
              (unsigned long long)seed, covered, REPS, coverage);
    cr_assert(ratio >= 0.25 && ratio <= 0.38,
              "seed %llu: paired / unpaired ES width %.4f, want ~0.315 (0.25-0.38)",
              (unsigned long long)seed, ratio);
}

// --- importance weights -----------------------------------------------------------

/* Path `path` of replication `rep` drawn from the tilted law Z ~ N(theta, 1)
 * with an independent Z2 ~ N(0, 1): X = Z, Y = Z + 0.3 Z2 + 0.1 as in
 * draw_correlated, and the likelihood ratio of N(0, 1) to N(theta, 1) at Z,
 * w = exp(-theta Z + theta^2 / 2), so E_q[w g] = E_p[g] for any g. */
static void draw_tilted(uint64_t seed, uint32_t rep, uint32_t path, double theta, double *x,
                        double *y, double *w)
{
    const stp_u32x4 u = stp_philox(seed, STP_STREAM_MARKET, path, rep, 1, 0);
    float n0, n1;
    stp_box_muller(u.v[0], u.v[1], &n0, &n1);
    *x = (double)n0 + theta;
    *y = *x + 0.3 * (double)n1 + 0.1;
    *w = exp(-theta * *x + 0.5 * theta * theta);
}

/* Upper normal tail P(Z > x) (erfc is C99 libm, correctly rounded to a few
 * ulp; the tests' tolerances are MC errors, 1e-3 relative or more). */
static double upper_tail(double x)
{
    return 0.5 * erfc(x / sqrt(2.0));
}

static void assert_same_diff(stp_paired_diff a, stp_paired_diff b, const char *what)
{
    cr_assert(memcmp(&a, &b, sizeof a) == 0, "%s: unit weights differ from unweighted", what);
}

/* Unit weights are the unweighted estimators bit for bit (paired.h): the
 * ratio form's w / wbar is 1 / 1 and sum w is n exactly, the unbiased form
 * divides the same sum by the same n. And an unweighted proportion is the
 * same whether asked for as a mean or as a probability. */
Test(paired, unit_weights_reproduce_unweighted_results_exactly)
{
    enum { N = 1500 };
    const uint64_t seed = test_seed();
    static double x[N], y[N], w[N], cb[N], cv[N];
    const double a = 0.9;
    stp_metric_stats sx, sy;
    stp_error err = {0};
    for (uint32_t i = 0; i < N; i++) {
        draw_correlated(seed, 0, i, &x[i], &y[i]);
        w[i] = 1.0;
        cb[i] = x[i] > 1.0;
        cv[i] = y[i] > 1.0;
    }
    cr_assert_eq(stp_stats_compute(&sx, x, NULL, N, NULL, 0, &a, 1, "x", &err), STP_OK);
    cr_assert_eq(stp_stats_compute(&sy, y, NULL, N, NULL, 0, &a, 1, "y", &err), STP_OK);
    assert_same_diff(stp_paired_mean(x, y, w, N), stp_paired_mean(x, y, NULL, N), "mean");
    assert_same_diff(stp_paired_probability(cb, cv, w, N), stp_paired_mean(cb, cv, NULL, N),
                     "probability");
    assert_same_diff(stp_paired_probability(cb, cv, NULL, N), stp_paired_mean(cb, cv, NULL, N),
                     "probability, NULL weights");
    assert_same_diff(stp_paired_es(x, sx.var[0], sx.es[0], y, sy.var[0], sy.es[0], w, N, a),
                     stp_paired_es(x, sx.var[0], sx.es[0], y, sy.var[0], sy.es[0], NULL, N, a),
                     "es");
}

/* The weighted paired P(event) difference on one sample against
 * stp_weighted_probability: its base and variant are that function's p
 * (same sum, same order), and the influence w c - p makes the one-sample
 * variance that function's se^2 — so with the variant's event never
 * happening (c_v = 0: no variance, no covariance) the paired half-width
 * is 1.96 se exactly up to rounding (1e-12 relative). */
Test(paired, weighted_probability_difference_matches_weighted_probability)
{
    enum { N = 3000 };
    const uint64_t seed = test_seed();
    static double x[N], y[N], w[N], cb[N], cv[N];
    for (uint32_t i = 0; i < N; i++) {
        draw_tilted(seed, 0, i, 2.0, &x[i], &y[i], &w[i]);
        cb[i] = x[i] > 2.0;
        cv[i] = 0.0;
    }
    const stp_paired_diff d = stp_paired_probability(cb, cv, w, N);
    const stp_cascade_stats p = stp_weighted_probability(cb, w, N);
    cr_assert(eq(dbl, d.base, p.p), "seed %llu: %.17g vs %.17g", (unsigned long long)seed, d.base,
              p.p);
    cr_assert(eq(dbl, d.variant, 0.0));
    cr_assert(epsilon_eq(dbl, d.ci_hi - d.diff, Z95 * p.se, 1e-12 * p.se), "seed %llu: %.17g %.17g",
              (unsigned long long)seed, d.ci_hi - d.diff, Z95 * p.se);
}

/* One replication's weighted estimator. */
typedef stp_paired_diff (*weighted_fn)(const double *x, const double *y, const double *w, size_t n);

/* P(X > 2) - P(X > 2.5): the difference of two nested events. */
static stp_paired_diff weighted_tails(const double *x, const double *y, const double *w, size_t n)
{
    double *cb = malloc(n * sizeof *cb), *cv = malloc(n * sizeof *cv);
    cr_assert(cb && cv);
    (void)y;
    for (size_t i = 0; i < n; i++) {
        cb[i] = x[i] > 2.0;
        cv[i] = x[i] > 2.5;
    }
    const stp_paired_diff r = stp_paired_probability(cb, cv, w, n);
    free(cb);
    free(cv);
    return r;
}

static stp_paired_diff weighted_mean(const double *x, const double *y, const double *w, size_t n)
{
    return stp_paired_mean(x, y, w, n);
}

static stp_paired_diff weighted_es90(const double *x, const double *y, const double *w, size_t n)
{
    const double a = 0.9;
    stp_metric_stats sx, sy;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&sx, x, w, n, NULL, 0, &a, 1, "x", &err), STP_OK);
    cr_assert_eq(stp_stats_compute(&sy, y, w, n, NULL, 0, &a, 1, "y", &err), STP_OK);
    return stp_paired_es(x, sx.var[0], sx.es[0], y, sy.var[0], sy.es[0], w, n, a);
}

/* REPS replications of PATHS tilted draws: covered count, the mean paired
 * over unpaired width, and the mean of n se^2 (the per-path variance the
 * paired interval assumed). */
static int weighted_coverage(uint64_t seed, double theta, weighted_fn f, double truth,
                             double *ratio, double *var_per_path)
{
    double *x = malloc(PATHS * sizeof *x), *y = malloc(PATHS * sizeof *y),
           *w = malloc(PATHS * sizeof *w);
    double w_paired = 0.0, w_unpaired = 0.0, v = 0.0;
    int covered = 0;
    cr_assert(x && y && w);
    for (uint32_t rep = 0; rep < REPS; rep++) {
        for (uint32_t i = 0; i < PATHS; i++)
            draw_tilted(seed, rep, i, theta, &x[i], &y[i], &w[i]);
        const stp_paired_diff r = f(x, y, w, PATHS);
        const double se = (r.ci_hi - r.ci_lo) / (2.0 * Z95);
        covered += r.ci_lo <= truth && truth <= r.ci_hi;
        w_paired += r.ci_hi - r.ci_lo;
        w_unpaired += r.unpaired_ci_hi - r.unpaired_ci_lo;
        v += se * se * PATHS;
    }
    free(x);
    free(y);
    free(w);
    *ratio = w_paired / w_unpaired;
    *var_per_path = v / REPS;
    return covered;
}

/* P(Z > 2) - P(Z > 2.5) of N(0, 1) = Phi(-2) - Phi(-2.5) = 0.0165404 from
 * draws tilted to N(2, 1). Per-path variance of w (c_b - c_v) in closed
 * form: E_q[w^2 1_A] - d^2 = e^{theta^2} (Phi(-2 - theta) - Phi(-2.5 -
 * theta)) - d^2 (w(z) phi(z) = e^{theta^2} phi(z + theta)) = 1.2701e-3,
 * 12.8x below plain sampling's d (1 - d) = 0.01627. Coverage band as for
 * the unweighted mean ([0.91, 0.985] of 400: 0.034% false alarms at 95%);
 * the mean of 400 variance estimates within 10% of the closed form (their
 * own MC error is ~1%: w 1_A is bounded by e^{theta^2/2 - 2 theta}).
 * Nested events are positively correlated: paired narrower than unpaired. */
Test(paired, weighted_tail_difference_covers_closed_form, .timeout = 60)
{
    const uint64_t seed = test_seed();
    const double theta = 2.0, d = upper_tail(2.0) - upper_tail(2.5);
    const double var_true =
        exp(theta * theta) * (upper_tail(2.0 + theta) - upper_tail(2.5 + theta)) - d * d;
    double ratio, var;
    const int covered = weighted_coverage(seed, theta, weighted_tails, d, &ratio, &var);
    const double coverage = covered / (double)REPS;
    cr_assert(fabs(d - 0.0165404) < 1e-6 && fabs(var_true - 1.2701e-3) < 1e-6, "%g %g", d,
              var_true);
    cr_log_info("weighted tails: seed %llu coverage %.4f var/path %.4g (closed form %.4g)",
                (unsigned long long)seed, coverage, var, var_true);
    cr_assert(coverage >= 0.91 && coverage <= 0.985, "seed %llu: covered %d of %d",
              (unsigned long long)seed, covered, REPS);
    cr_assert(fabs(var / var_true - 1.0) < 0.10, "seed %llu: var/path %.4g, closed form %.4g",
              (unsigned long long)seed, var, var_true);
    cr_assert(ratio < 1.0, "seed %llu: paired / unpaired width %.4f", (unsigned long long)seed,
              ratio);
}

/* The self-normalised weighted mean difference E[X] - E[Y] = -0.1 under a
 * tilt theta = 1 of X's law (Y - X does not depend on Z, so pairing still
 * removes X's spread: width ratio ~0.3 / sqrt(Var_w X + Var_w Y), well
 * under 0.5). Coverage band as the unweighted test's. */
Test(paired, weighted_mean_difference_covers_closed_form, .timeout = 60)
{
    const uint64_t seed = test_seed();
    double ratio, var;
    const int covered = weighted_coverage(seed, 1.0, weighted_mean, -0.1, &ratio, &var);
    const double coverage = covered / (double)REPS;
    cr_log_info("weighted mean: seed %llu coverage %.4f ratio %.4f", (unsigned long long)seed,
                coverage, ratio);
    cr_assert(coverage >= 0.91 && coverage <= 0.985, "seed %llu: covered %d of %d",
              (unsigned long long)seed, covered, REPS);
    cr_assert(ratio < 0.5, "seed %llu: paired / unpaired width %.4f", (unsigned long long)seed,
              ratio);
}

/* Weighted ES at 0.9 of N(0, 1) minus that of N(0.1, sqrt(1.09)) (the
 * closed form of the unweighted ES test) from draws tilted by theta = 1
 * towards the tail. Band [0.89, 0.99] as the unweighted ES test's: the
 * interval is asymptotic and the tail has ~200 effective points. */
Test(paired, weighted_es_difference_covers_closed_form, .timeout = 60)
{
    const uint64_t seed = test_seed();
    const double pdf_z = exp(-0.5 * Z90 * Z90) * INV_SQRT_2PI;
    const double truth = -0.1 - (sqrt(1.09) - 1.0) * pdf_z / 0.1;
    double ratio, var;
    const int covered = weighted_coverage(seed, 1.0, weighted_es90, truth, &ratio, &var);
    const double coverage = covered / (double)REPS;
    cr_log_info("weighted ES: seed %llu coverage %.4f ratio %.4f", (unsigned long long)seed,
                coverage, ratio);
    cr_assert(coverage >= 0.89 && coverage <= 0.99, "seed %llu: covered %d of %d",
              (unsigned long long)seed, covered, REPS);
    cr_assert(ratio < 0.5, "seed %llu: paired / unpaired width %.4f", (unsigned long long)seed,
              ratio);
}
