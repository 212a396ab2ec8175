/* test_stats.c: host/stats/stats.c against hand-computed order statistics, the
 * Acerbi-Tasche ES, the Wilson closed form, and a Monte Carlo coverage check
 * on fresh seeds (tests/seed.h prints each; STAMPEDE_TEST_SEED replays it). */
#include "stampede/stats.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"

/* Two-sided 95% normal quantile, Phi^-1(0.975), to 16 digits (Abramowitz &
 * Stegun 26.2.23 table / any normal table); deliberately not taken from GSL so
 * the tests do not share the implementation's source of it. */
#define Z95 1.959963984540054

// --- a small generator for the statistical tests ------------------------------

/* Uniform on (0, 1]: never 0, so log() in Box-Muller stays finite. */
static double uniform01(uint64_t *state)
{
    return (double)((next_u64(state) >> 11) + 1) * 0x1.0p-53;
}

/* Box & Muller (1958): one standard normal per call (the sine twin is thrown
 * away; simplicity over speed here). */
static double std_normal(uint64_t *state)
{
    const double u1 = uniform01(state), u2 = uniform01(state);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void fill_normal(double *x, size_t n, uint64_t *state)
{
    for (size_t i = 0; i < n; i++)
        x[i] = std_normal(state);
}

/* 1..n in a scrambled order (i * 7 mod n is a permutation when gcd(7, n) = 1),
 * so the tests exercise the sort, not a presorted input. */
static void fill_scrambled_ranks(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7) % n + 1);
}

// --- quantiles and VaR --------------------------------------------------------

Test(stats, quantiles_of_1_to_1000_are_the_type1_order_statistic)
{
    enum { N = 1000, NQ = 10 };
    double x[N];
    fill_scrambled_ranks(x, N);
    /* Type 1 (inverse empirical CDF): q_a = x_(ceil(n a)), and x_(k) = k here. */
    const double levels[NQ] = {0.001, 0.0005, 0.07, 0.123, 0.1234, 0.5, 0.9, 0.95, 0.99, 0.9995};
    const double expect[NQ] = {1, 1, 70, 123, 124, 500, 900, 950, 990, 1000};
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, levels, NQ, NULL, 0, "ranks", &err), STP_OK,
                 "%s", err.msg);
    cr_assert_eq(s.n, N);
    cr_assert_eq(s.n_quantiles, NQ);
    for (int j = 0; j < NQ; j++) {
        cr_assert(eq(dbl, s.quantile_levels[j], levels[j]));
        cr_assert(eq(dbl, s.quantiles[j], expect[j]), "level %g", levels[j]);
        /* CI ranks floor/ceil(n a -+ z sqrt(n a (1-a))) clamped to [1, n], stats.h. */
        const double na = N * levels[j], h = Z95 * sqrt(na * (1.0 - levels[j]));
        cr_assert(eq(dbl, s.quantile_ci_lo[j], fmax(floor(na - h), 1.0)), "level %g", levels[j]);
        cr_assert(eq(dbl, s.quantile_ci_hi[j], fmin(ceil(na + h), N)), "level %g", levels[j]);
    }
    /* Worked by hand at a = 0.5: h = 1.96 sqrt(250) = 30.99, ranks 469 and 531. */
    cr_assert(eq(dbl, s.quantile_ci_lo[5], 469.0));
    cr_assert(eq(dbl, s.quantile_ci_hi[5], 531.0));
    /* Mean (n + 1) / 2 and sd sqrt(n (n + 1) / 12) of 1..n (n - 1 divisor):
     * closed forms; 1e-12 relative covers summation rounding of 1000 terms. */
    cr_assert(epsilon_eq(dbl, s.mean, 500.5, 1e-12 * 500.5));
    cr_assert(epsilon_eq(dbl, s.sd, sqrt(1000.0 * 1001.0 / 12.0), 1e-12 * 300.0));
}

/* In double, 0.07 * 100 = 7.000000000000001 (likewise 0.14, 0.28, 0.55, 0.56;
 * checked in Python, which uses the same IEEE doubles). A literal F >= a would
 * give x_(8); the user asked for the 7th of 100. */
Test(stats, decimal_levels_are_not_pushed_up_by_binary_rounding)
{
    enum { N = 100, NQ = 5 };
    double x[N];
    fill_scrambled_ranks(x, N);
    const double levels[NQ] = {0.07, 0.14, 0.28, 0.55, 0.56};
    const double expect[NQ] = {7, 14, 28, 55, 56};
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, levels, NQ, NULL, 0, "ranks", &err), STP_OK);
    for (int j = 0; j < NQ; j++)
        cr_assert(eq(dbl, s.quantiles[j], expect[j]), "level %g", levels[j]);
}

Test(stats, var_equals_quantile_and_shares_its_ci)
{
    enum { N = 1000 };
    double x[N];
    fill_scrambled_ranks(x, N);
    const double a = 0.99;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, &a, 1, &a, 1, "ranks", &err), STP_OK);
    cr_assert(eq(dbl, s.var[0], 990.0));
    cr_assert(eq(dbl, s.var[0], s.quantiles[0]));
    cr_assert(eq(dbl, s.var_ci_lo[0], s.quantile_ci_lo[0]));
    cr_assert(eq(dbl, s.var_ci_hi[0], s.quantile_ci_hi[0]));
}

// --- expected shortfall -------------------------------------------------------

Test(stats, es_of_1_to_100_at_0_9_is_mean_of_91_to_100)
{
    enum { N = 100 };
    double x[N];
    fill_scrambled_ranks(x, N);
    const double a = 0.9;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, NULL, 0, &a, 1, "ranks", &err), STP_OK);
    cr_assert(eq(dbl, s.var[0], 90.0));
    /* (91 + ... + 100) / 10 = 95.5. Exact: stats.c divides by the summed tail
     * weights (10), not by the inexact n (1 - 0.9), and these sums are exact. */
    cr_assert(eq(dbl, s.es[0], 95.5));
}

/* Acerbi & Tasche (2002) with a fractional boundary, by hand: 1..10 at
 * a = 0.75 (exact in binary). n (1 - a) = 2.5 paths of tail: 10, 9 and half
 * of VaR = x_(8) = 8, so ES = (10 + 9 + 0.5 * 8) / 2.5 = 9.2.
 * Manistre & Hancock CI: tail variance about ES with the same weights
 * [0.5 (8 - 9.2)^2 + (9 - 9.2)^2 + (10 - 9.2)^2] / 2.5 = 1.4 / 2.5 = 0.56;
 * a (ES - VaR)^2 = 0.75 * 1.44 = 1.08; Var = (0.56 + 1.08) / 2.5 = 0.656. */
Test(stats, es_fractional_boundary_matches_hand_computation)
{
    enum { N = 10 };
    double x[N];
    fill_scrambled_ranks(x, N);
    const double a = 0.75;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, NULL, 0, &a, 1, "ranks", &err), STP_OK);
    cr_assert(eq(dbl, s.var[0], 8.0));
    /* 23 / 2.5 with both exact: the correctly rounded quotient is the double 9.2. */
    cr_assert(eq(dbl, s.es[0], 9.2));
    const double half = Z95 * sqrt(0.656);
    /* 1e-12: a handful of roundings in sums of order 10, and Z95 vs GSL's
     * Phi^-1 differ in the last digit at most. */
    cr_assert(epsilon_eq(dbl, s.es_ci_lo[0], 9.2 - half, 1e-12));
    cr_assert(epsilon_eq(dbl, s.es_ci_hi[0], 9.2 + half, 1e-12));
}

Test(stats, es_fractional_boundary_1_to_100_at_0_975)
{
    enum { N = 100 };
    double x[N];
    fill_scrambled_ranks(x, N);
    const double a = 0.975;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, NULL, 0, &a, 1, "ranks", &err), STP_OK);
    /* n a = 97.5: VaR = x_(98); tail 2.5 = 100 + 99 + 0.5 * 98, ES = 248 / 2.5. */
    cr_assert(eq(dbl, s.var[0], 98.0));
    cr_assert(eq(dbl, s.es[0], 99.2)); /* exact sums, one rounding */
}

/* When n (1 - a) < 1 the tail is a fraction of the largest path: ES = max,
 * and with one tail point the CI collapses to [ES, ES] (documented). */
Test(stats, es_beyond_the_sample_is_the_max_with_a_point_ci)
{
    enum { N = 10 };
    double x[N];
    fill_scrambled_ranks(x, N);
    const double a = 0.95;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, N, NULL, 0, &a, 1, "ranks", &err), STP_OK);
    cr_assert(eq(dbl, s.var[0], 10.0));
    cr_assert(eq(dbl, s.es[0], 10.0)); /* 0.5 * 10 / 0.5 */
    cr_assert(eq(dbl, s.es_ci_lo[0], s.es[0]));
    cr_assert(eq(dbl, s.es_ci_hi[0], s.es[0]));
}

// --- Wilson interval ----------------------------------------------------------

/* Wilson (1927), written as in Agresti & Coull (1998), Am. Stat. 52(2), p. 120:
 *   (2k + z^2 -+ z sqrt(z^2 + 4 k (n - k) / n)) / (2 (n + z^2)),
 * an algebraically different form from the centre/half-width one in stats.c. */
static void wilson_closed_form(double k, double n, double *lo, double *hi)
{
    const double z2 = Z95 * Z95;
    const double root = Z95 * sqrt(z2 + 4.0 * k * (n - k) / n);
    *lo = (2.0 * k + z2 - root) / (2.0 * (n + z2));
    *hi = (2.0 * k + z2 + root) / (2.0 * (n + z2));
}

Test(wilson, k5_n100_matches_closed_form)
{
    double lo, hi;
    wilson_closed_form(5.0, 100.0, &lo, &hi);
    const stp_cascade_stats c = stp_wilson(5, 100);
    cr_assert_eq(c.n, 100);
    cr_assert_eq(c.k, 5);
    cr_assert(eq(dbl, c.p, 0.05));
    /* 1e-12 absolute: two forms of one expression in double, ends ~0.02-0.11. */
    cr_assert(epsilon_eq(dbl, c.ci_lo, lo, 1e-12));
    cr_assert(epsilon_eq(dbl, c.ci_hi, hi, 1e-12));
    /* Hand-evaluated to 4 decimals: [0.0215, 0.1118]. */
    cr_assert(epsilon_eq(dbl, c.ci_lo, 0.0215, 1e-4));
    cr_assert(epsilon_eq(dbl, c.ci_hi, 0.1118, 1e-4));
}

Test(wilson, k0_has_lower_end_exactly_zero)
{
    double lo, hi;
    wilson_closed_form(0.0, 1000.0, &lo, &hi);
    const stp_cascade_stats c = stp_wilson(0, 1000);
    cr_assert(eq(dbl, c.p, 0.0));
    cr_assert(eq(dbl, c.ci_lo, 0.0));
    /* At k = 0 the upper end is z^2 / (n + z^2) (the "rule of 3.84"). */
    cr_assert(epsilon_eq(dbl, c.ci_hi, hi, 1e-12));
    cr_assert(epsilon_eq(dbl, c.ci_hi, Z95 * Z95 / (1000.0 + Z95 * Z95), 1e-12));
}

Test(wilson, k_equals_n_has_upper_end_exactly_one)
{
    const stp_cascade_stats c = stp_wilson(50, 50);
    cr_assert(eq(dbl, c.p, 1.0));
    cr_assert(eq(dbl, c.ci_hi, 1.0));
    cr_assert(c.ci_lo > 0.9 && c.ci_lo < 1.0);
}

// --- coverage on the normal ---------------------------------------------------

/* The normal's 0.99 quantile, Phi^-1(0.99) = 2.326347874040841, and its upper
 * ES phi(q) / 0.01 = 2.665214220345808 (closed form of E[X | X > q]). */
#define NORMAL_Q99  2.326347874040841
#define NORMAL_ES99 2.665214220345808

/* 200 samples of n = 20000 N(0, 1). The order-statistic interval at a = 0.99
 * (ranks 19772 and 19828) covers the true quantile with exact binomial
 * probability 0.9535, so the covered count is Binomial(200, 0.9535): mean
 * 190.7, sd sqrt(200 p (1 - p)) = 2.98. Requiring >= 180 (90%) sits 3.6 sd
 * below the mean: a correct implementation fails about once in 2000 runs
 * (exact binomial tail 4.7e-4). A CI that is too narrow by a factor of 2
 * would cover ~68% and fail every time.
 * ES: its CI half-width is 1.96 se, so "within 4 half-widths" is 7.8 se,
 * never crossed by chance; it catches a wrong ES or a wildly wrong CI. */
Test(stats, normal_q99_ci_covers_and_es99_is_within_its_ci, .timeout = 60)
{
    enum { N = 20000, REPS = 200 };
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    double *x = malloc(N * sizeof *x);
    cr_assert_not_null(x);
    const double a = 0.99;
    int covered = 0;
    for (int r = 0; r < REPS; r++) {
        stp_metric_stats s;
        stp_error err = {0};
        fill_normal(x, N, &state);
        cr_assert_eq(stp_stats_compute(&s, x, NULL, N, &a, 1, &a, 1, "normal", &err), STP_OK);
        covered += s.quantile_ci_lo[0] <= NORMAL_Q99 && NORMAL_Q99 <= s.quantile_ci_hi[0];
        const double half = 0.5 * (s.es_ci_hi[0] - s.es_ci_lo[0]);
        cr_assert(half > 0.0, "seed %llu rep %d: zero-width ES CI", (unsigned long long)seed, r);
        cr_assert(fabs(s.es[0] - NORMAL_ES99) <= 4.0 * half,
                  "seed %llu rep %d: ES %.6f vs true %.6f, CI half-width %.6f",
                  (unsigned long long)seed, r, s.es[0], NORMAL_ES99, half);
    }
    free(x);
    cr_assert(covered >= 180, "seed %llu: q99 CI covered the truth in %d of %d samples",
              (unsigned long long)seed, covered, REPS);
}

// --- weights ------------------------------------------------------------------

/* Field by field, bitwise (eq on doubles); not memcmp, whose result would
 * depend on the struct's padding bytes. */
static void assert_arrays_equal(const double *u, const double *v, int n, const char *name,
                                unsigned long long seed)
{
    for (int j = 0; j < n; j++)
        cr_assert(eq(dbl, u[j], v[j]), "seed %llu: %s[%d] differs", seed, name, j);
}

static void assert_stats_equal(const stp_metric_stats *u, const stp_metric_stats *v,
                               unsigned long long seed)
{
    cr_assert_eq(u->n, v->n);
    cr_assert_eq(u->n_quantiles, v->n_quantiles);
    cr_assert_eq(u->n_es, v->n_es);
    const double mu[4] = {u->mean, u->sd, u->mean_ci_lo, u->mean_ci_hi};
    const double mv[4] = {v->mean, v->sd, v->mean_ci_lo, v->mean_ci_hi};
    assert_arrays_equal(mu, mv, 4, "mean, sd, mean CI", seed);
    assert_arrays_equal(u->quantiles, v->quantiles, u->n_quantiles, "quantiles", seed);
    assert_arrays_equal(u->quantile_ci_lo, v->quantile_ci_lo, u->n_quantiles, "q ci_lo", seed);
    assert_arrays_equal(u->quantile_ci_hi, v->quantile_ci_hi, u->n_quantiles, "q ci_hi", seed);
    assert_arrays_equal(u->var, v->var, u->n_es, "var", seed);
    assert_arrays_equal(u->var_ci_lo, v->var_ci_lo, u->n_es, "var ci_lo", seed);
    assert_arrays_equal(u->var_ci_hi, v->var_ci_hi, u->n_es, "var ci_hi", seed);
    assert_arrays_equal(u->es, v->es, u->n_es, "es", seed);
    assert_arrays_equal(u->es_ci_lo, v->es_ci_lo, u->n_es, "es ci_lo", seed);
    assert_arrays_equal(u->es_ci_hi, v->es_ci_hi, u->n_es, "es ci_hi", seed);
}

/* Equal weights carry no information: weighted numbers must equal the
 * unweighted ones exactly (scaling every weight by 2 is exact in binary, and
 * n_eff = (2n)^2 / 4n = n exactly). */
Test(stats, all_weights_two_equal_unweighted)
{
    enum { N = 1001 };
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    double x[N], w[N];
    fill_normal(x, N, &state);
    for (size_t i = 0; i < N; i++)
        w[i] = 2.0;
    const double q[3] = {0.05, 0.5, 0.99}, es[2] = {0.95, 0.999};
    stp_metric_stats u, v;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&u, x, NULL, N, q, 3, es, 2, "x", &err), STP_OK);
    cr_assert_eq(stp_stats_compute(&v, x, w, N, q, 3, es, 2, "x", &err), STP_OK);
    assert_stats_equal(&u, &v, (unsigned long long)seed);
}

/* Integer weights act as repeat counts for the weighted empirical CDF, so
 * quantiles and ES equal those of the data with each point repeated w times
 * (integer-valued x keeps every sum exact, so equality is exact up to the
 * final division). sd and CIs differ by design (n_eff is not the count). */
Test(stats, integer_weights_match_repeated_data)
{
    enum { N = 50 };
    double x[N], w[N], rep[N * 3];
    size_t m = 0;
    fill_scrambled_ranks(x, N);
    for (size_t i = 0; i < N; i++) {
        w[i] = (double)(i % 3 + 1);
        for (int c = 0; c < (int)w[i]; c++)
            rep[m++] = x[i];
    }
    const double q[4] = {0.1, 0.5, 0.77, 0.9}, es[3] = {0.5, 0.9, 0.99};
    stp_metric_stats u, v;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&u, rep, NULL, m, q, 4, es, 3, "x", &err), STP_OK);
    cr_assert_eq(stp_stats_compute(&v, x, w, N, q, 4, es, 3, "x", &err), STP_OK);
    cr_assert(ieee_ulp_eq(dbl, v.mean, u.mean, 4));
    for (int j = 0; j < 4; j++)
        cr_assert(eq(dbl, v.quantiles[j], u.quantiles[j]), "level %g", q[j]);
    for (int j = 0; j < 3; j++) {
        cr_assert(eq(dbl, v.var[j], u.var[j]), "level %g", es[j]);
        cr_assert(ieee_ulp_eq(dbl, v.es[j], u.es[j], 4), "level %g", es[j]);
    }
}

/* Importance weights, by hand: x = {1, 2, 3, 4}, w = {1, 1, 1, 3}.
 * W = 6, sum w^2 = 12, n_eff = 36 / 12 = 3 (Kish 1965). Mean 18 / 6 = 3.
 * Reliability-weighted variance: sum w (x - m)^2 / W = (4 + 1 + 0 + 3) / 6 = 4/3,
 * times n_eff / (n_eff - 1) = 3/2 gives 2; mean CI half-width z sqrt(2 / 3).
 * Weighted CDF: F(3) = 3/6, F(4) = 1, so q_0.5 = 3 and q_0.6 = 4.
 * ES_0.5: tail mass 3, all of it the point 4 (weight 3 > tail): ES = 4. */
Test(stats, importance_weights_use_n_eff_by_hand)
{
    const double x[4] = {4, 2, 1, 3}, w[4] = {3, 1, 1, 1};
    const double q[2] = {0.5, 0.6}, es = 0.5;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, w, 4, q, 2, &es, 1, "w", &err), STP_OK, "%s", err.msg);
    cr_assert(eq(dbl, s.mean, 3.0));
    cr_assert(ieee_ulp_eq(dbl, s.sd, sqrt(2.0), 2)); /* 8/6 * 3/2 rounds twice */
    cr_assert(epsilon_eq(dbl, s.mean_ci_hi - s.mean, Z95 * sqrt(2.0 / 3.0), 1e-12));
    cr_assert(eq(dbl, s.quantiles[0], 3.0));
    cr_assert(eq(dbl, s.quantiles[1], 4.0));
    cr_assert(eq(dbl, s.es[0], 4.0));
    /* Quantile CI at a = 0.5 in effective paths of W / n_eff = 2: n_eff a = 1.5,
     * h = z sqrt(0.75) = 1.70; ranks floor(-0.2) -> 1 (weight 2, reached at
     * x = 2) and ceil(3.2) = 4 (weight 8, clamped to W = 6: x = 4). */
    cr_assert(eq(dbl, s.quantile_ci_lo[0], 2.0));
    cr_assert(eq(dbl, s.quantile_ci_hi[0], 4.0));
}

// --- determinism and degenerate samples ---------------------------------------

Test(stats, input_order_does_not_change_any_bit)
{
    enum { N = 5000 };
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    static double x[N], y[N];
    fill_normal(x, N, &state);
    for (size_t i = 0; i < N; i++)
        y[i] = x[(i * 7919) % N]; /* 7919 is prime and does not divide 5000 */
    const double q[2] = {0.01, 0.99}, es[1] = {0.99};
    stp_metric_stats u, v;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&u, x, NULL, N, q, 2, es, 1, "x", &err), STP_OK);
    cr_assert_eq(stp_stats_compute(&v, y, NULL, N, q, 2, es, 1, "x", &err), STP_OK);
    assert_stats_equal(&u, &v, (unsigned long long)seed);
}

/* 2.5 is exact in binary and so are its sums: every statistic is 2.5 and
 * every interval has zero width. */
Test(stats, single_repeated_value)
{
    enum { N = 64 };
    double x[N];
    for (size_t i = 0; i < N; i++)
        x[i] = 2.5;
    const double q[2] = {0.01, 0.99}, es[2] = {0.5, 0.999};
    stp_metric_stats s;
    stp_error err = {0};
    for (size_t n = 1; n <= N; n += N - 1) { /* n = 1 and n = 64 */
        cr_assert_eq(stp_stats_compute(&s, x, NULL, n, q, 2, es, 2, "flat", &err), STP_OK);
        cr_assert(eq(dbl, s.mean, 2.5));
        cr_assert(eq(dbl, s.sd, 0.0));
        cr_assert(eq(dbl, s.mean_ci_lo, 2.5));
        cr_assert(eq(dbl, s.mean_ci_hi, 2.5));
        for (int j = 0; j < 2; j++) {
            cr_assert(eq(dbl, s.quantiles[j], 2.5));
            cr_assert(eq(dbl, s.quantile_ci_lo[j], 2.5));
            cr_assert(eq(dbl, s.quantile_ci_hi[j], 2.5));
            cr_assert(epsilon_eq(dbl, s.es[j], 2.5, 1e-15 * 2.5), "n %zu level %g", n, es[j]);
            cr_assert(epsilon_eq(dbl, s.es_ci_lo[j], 2.5, 1e-15 * 2.5));
            cr_assert(epsilon_eq(dbl, s.es_ci_hi[j], 2.5, 1e-15 * 2.5));
        }
    }
    stp_histogram h;
    cr_assert_eq(stp_histogram_compute(&h, x, NULL, N, 20, &err), STP_OK);
    cr_assert_eq(h.bins, 1); /* stats.h: a single bin edge pair */
    cr_assert(eq(dbl, h.edges[0], 2.5));
    cr_assert(eq(dbl, h.edges[1], 2.5));
    cr_assert_eq(h.counts[0], N);
    stp_histogram_free(&h);
    stp_histogram_free(&h); /* second free is harmless */
}

// --- histogram ----------------------------------------------------------------

Test(histogram, counts_sum_to_n_and_edges_span_min_max)
{
    enum { N = 10000, BINS = 37 };
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    static double x[N];
    fill_normal(x, N, &state);
    double lo = x[0], hi = x[0];
    for (size_t i = 0; i < N; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    stp_histogram h;
    stp_error err = {0};
    cr_assert_eq(stp_histogram_compute(&h, x, NULL, N, BINS, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(h.bins, BINS);
    cr_assert(eq(dbl, h.edges[0], lo), "seed %llu", (unsigned long long)seed);
    cr_assert(eq(dbl, h.edges[BINS], hi), "seed %llu", (unsigned long long)seed);
    long long total = 0, recount[BINS] = {0};
    for (int b = 0; b < BINS; b++) {
        total += h.counts[b];
        cr_assert(h.edges[b] < h.edges[b + 1], "edges increase");
    }
    cr_assert_eq(total, N, "seed %llu", (unsigned long long)seed);
    /* Every count agrees with the stored edges: [e_b, e_b+1), last bin closed. */
    for (size_t i = 0; i < N; i++) {
        int b = 0;
        while (b < BINS - 1 && x[i] >= h.edges[b + 1])
            b++;
        recount[b]++;
    }
    for (int b = 0; b < BINS; b++)
        cr_assert_eq(h.counts[b], recount[b], "seed %llu bin %d", (unsigned long long)seed, b);
    stp_histogram_free(&h);
}

/* Points one ulp either side of every edge, on a span where the first-guess
 * division lands one bin off in both directions (0.1..0.7 in 100 bins: 11
 * guesses too high and 32 too low, counted in Python with the same doubles).
 * The edges come from a first call on {min, max}; the second call keeps that
 * span, so it reuses them, and each count must agree with the stored edges. */
Test(histogram, points_next_to_edges_land_where_the_edges_say)
{
    enum { BINS = 100, M = 2 + 3 * (BINS - 1) };
    double span[2] = {0.1, 0.7}, x[M];
    stp_histogram h;
    stp_error err = {0};
    cr_assert_eq(stp_histogram_compute(&h, span, NULL, 2, BINS, &err), STP_OK);
    size_t m = 0;
    x[m++] = 0.1;
    x[m++] = 0.7;
    for (int b = 1; b < BINS; b++) {
        x[m++] = nextafter(h.edges[b], -INFINITY);
        x[m++] = h.edges[b];
        x[m++] = nextafter(h.edges[b], INFINITY);
    }
    stp_histogram g;
    cr_assert_eq(stp_histogram_compute(&g, x, NULL, M, BINS, &err), STP_OK);
    long long recount[BINS] = {0};
    for (int b = 0; b <= BINS; b++)
        cr_assert(eq(dbl, g.edges[b], h.edges[b]), "edge %d", b);
    for (size_t i = 0; i < M; i++) {
        int b = 0;
        while (b < BINS - 1 && x[i] >= g.edges[b + 1])
            b++;
        recount[b]++;
    }
    for (int b = 0; b < BINS; b++)
        cr_assert_eq(g.counts[b], recount[b], "bin %d", b);
    stp_histogram_free(&h);
    stp_histogram_free(&g);
}

// --- errors -------------------------------------------------------------------

Test(stats, nan_input_is_a_usage_error_naming_what)
{
    double x[100];
    fill_scrambled_ranks(x, 100);
    x[17] = NAN;
    const double a = 0.9;
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert_eq(stp_stats_compute(&s, x, NULL, 100, &a, 1, &a, 1, "bad_debt_usd", &err),
                 STP_EUSAGE);
    cr_assert_eq(err.status, STP_EUSAGE);
    cr_assert_str_eq(err.msg, "non-finite value in bad_debt_usd at path 17");
    x[17] = INFINITY;
    cr_assert_eq(stp_stats_compute(&s, x, NULL, 100, &a, 1, &a, 1, "drawdown", &err), STP_EUSAGE);
    cr_assert_str_eq(err.msg, "non-finite value in drawdown at path 17");
    stp_histogram h;
    cr_assert_eq(stp_histogram_compute(&h, x, NULL, 100, 10, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "path 17"), "%s", err.msg);
    cr_assert_null(h.edges);
    cr_assert_null(h.counts);
}

Test(stats, bad_weights_levels_and_sizes_are_usage_errors)
{
    double x[10], w[10];
    fill_scrambled_ranks(x, 10);
    for (int i = 0; i < 10; i++)
        w[i] = 1.0;
    const double ok = 0.9, one = 1.0, zero = 0.0;
    stp_metric_stats s;
    stp_error err = {0};
    w[3] = 0.0;
    cr_assert_eq(stp_stats_compute(&s, x, w, 10, &ok, 1, NULL, 0, "w", &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "path 3"), "%s", err.msg);
    w[3] = 1.0;
    cr_assert_eq(stp_stats_compute(&s, x, w, 10, &one, 1, NULL, 0, "w", &err), STP_EUSAGE);
    cr_assert_eq(stp_stats_compute(&s, x, w, 10, NULL, 0, &zero, 1, "w", &err), STP_EUSAGE);
    cr_assert_eq(stp_stats_compute(&s, x, w, 0, NULL, 0, NULL, 0, "w", &err), STP_EUSAGE);
    cr_assert_eq(stp_stats_compute(&s, x, w, 10, &ok, STP_STATS_MAX_LEVELS + 1, NULL, 0, "w", &err),
                 STP_EUSAGE);
    stp_histogram h;
    cr_assert_eq(stp_histogram_compute(&h, x, NULL, 10, 0, &err), STP_EUSAGE);
}

// --- importance sampling -------------------------------------------------------

/* Standard normal upper tail P(Z > c) and density, from erfc and exp
 * (closed forms, not the implementation's GSL). */
static double normal_tail(double c)
{
    return 0.5 * erfc(c / 1.4142135623730951);
}

static double normal_pdf(double x)
{
    return exp(-0.5 * x * x) / 2.5066282746310002;
}

/* x ~ N(theta, 1), the law N(0, 1) tilted by theta; w = phi(x) / phi(x -
 * theta) = exp(-theta x + theta^2 / 2), so E[w f(x)] = E_N(0,1)[f]. */
static void fill_tilted(double *x, double *w, size_t n, double theta, uint64_t *state)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = theta + std_normal(state);
        w[i] = exp(-theta * x[i] + 0.5 * theta * theta);
    }
}

/* P(Z > 3) = 1.35e-3 from 20,000 paths tilted to the threshold: the
 * estimate lies within 4 of its standard errors of the closed form (false
 * failure ~6e-5), the standard error within 25% of the closed-form IS
 * variance e^(theta^2) P(Z > c + theta) - p^2, and that variance is at
 * least 20x below plain sampling's p (1 - p): the variance reduction the
 * importance mode exists for. */
Test(weighted_p, tilted_normal_tail_is_unbiased_with_the_closed_form_error)
{
    enum { N = 20000 };
    const double c = 3.0, theta = 3.0, truth = normal_tail(c);
    const double var_is = exp(theta * theta) * normal_tail(c + theta) - truth * truth;
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    double *x = malloc(N * sizeof *x), *w = malloc(N * sizeof *w), *hit = malloc(N * sizeof *hit);
    cr_assert(x && w && hit);
    fill_tilted(x, w, N, theta, &state);
    for (int i = 0; i < N; i++)
        hit[i] = x[i] > c;
    const stp_cascade_stats r = stp_weighted_probability(hit, w, N);
    cr_assert(fabs(r.p - truth) <= 4.0 * r.se, "seed %llu: p %.6g vs %.6g, se %.3g",
              (unsigned long long)seed, r.p, truth, r.se);
    cr_assert(fabs(r.se * r.se * N / var_is - 1.0) < 0.25,
              "seed %llu: se^2 n %.4g vs closed form %.4g", (unsigned long long)seed,
              r.se * r.se * N, var_is);
    cr_assert(truth * (1.0 - truth) / var_is > 20.0, "variance reduction %.1f",
              truth * (1.0 - truth) / var_is);
    cr_assert(fabs(r.ci_lo - fmax(r.p - Z95 * r.se, 0.0)) < 1e-15 && r.ci_hi > r.p);
    cr_assert(r.ess > 0.0 && r.ess < N, "ess %g", r.ess);
    free(x);
    free(w);
    free(hit);
}

/* Unit weights: p = k / n exactly and se = sqrt(p (1 - p) / (n - 1)), the
 * sample standard error of a Bernoulli mean; ess = n. */
Test(weighted_p, unit_weights_are_the_binomial_estimate)
{
    enum { N = 1000 };
    static double c[N], w[N];
    for (int i = 0; i < N; i++) {
        c[i] = (i * 7) % 40 == 3; /* 25 hits */
        w[i] = 1.0;
    }
    const stp_cascade_stats r = stp_weighted_probability(c, w, N);
    cr_assert_eq(r.k, 25);
    cr_assert(eq(dbl, r.p, 0.025));
    cr_assert(fabs(r.se - sqrt(0.025 * 0.975 / (N - 1))) < 1e-15, "se %.17g", r.se);
    cr_assert(eq(dbl, r.ess, (double)N));
}

/* Weighted quantile and ES of N(0, 1) from a sample tilted towards the
 * tail (theta = 2), against the closed forms q_0.99 = 2.3263 and ES_0.99 =
 * phi(q) / 0.01: each within 4 of its reported CI half-widths / 1.96 on a
 * fresh seed (the CIs use the Kish n_eff; a false failure needs a 4-sigma
 * miss). */
Test(weighted_p, tilted_normal_quantile_and_es_match_closed_forms)
{
    enum { N = 40000 };
    const double a = 0.99, q = 2.3263478740408408, es = normal_pdf(q) / (1.0 - a);
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    double *x = malloc(N * sizeof *x), *w = malloc(N * sizeof *w);
    stp_metric_stats s;
    stp_error err = {0};
    cr_assert(x && w);
    fill_tilted(x, w, N, 2.0, &state);
    cr_assert_eq(stp_stats_compute(&s, x, w, N, &a, 1, &a, 1, "tilted", &err), STP_OK, "%s",
                 err.msg);
    const double q_sd = 0.5 * (s.quantile_ci_hi[0] - s.quantile_ci_lo[0]) / Z95;
    const double es_sd = 0.5 * (s.es_ci_hi[0] - s.es_ci_lo[0]) / Z95;
    cr_assert(q_sd > 0.0 && es_sd > 0.0);
    cr_assert(fabs(s.quantiles[0] - q) <= 4.0 * q_sd, "seed %llu: q %.5f vs %.5f (sd %.4f)",
              (unsigned long long)seed, s.quantiles[0], q, q_sd);
    cr_assert(fabs(s.es[0] - es) <= 4.0 * es_sd, "seed %llu: ES %.5f vs %.5f (sd %.4f)",
              (unsigned long long)seed, s.es[0], es, es_sd);
    free(x);
    free(w);
}

// --- weighted histogram -------------------------------------------------------------

/* Bin masses are sum w / n per bin, by hand: 0, 1 | 2, 3 over edges
 * 0, 1.5, 3 with weights 1, 2, 3, 4 give 3 / 4 and 7 / 4 (exact in
 * binary). Unweighted histograms have no mass; a bad weight is a usage
 * error naming the path, and leaves nothing allocated. */
Test(histogram, weighted_mass_is_sum_of_weights_over_n)
{
    double x[4] = {0.0, 1.0, 2.0, 3.0}, w[4] = {1.0, 2.0, 3.0, 4.0};
    stp_histogram h;
    stp_error err = {0};
    cr_assert_eq(stp_histogram_compute(&h, x, w, 4, 2, &err), STP_OK, "%s", err.msg);
    cr_assert(h.mass && h.mass[0] == 0.75 && h.mass[1] == 1.75);
    cr_assert(h.counts[0] == 2 && h.counts[1] == 2);
    stp_histogram_free(&h);
    cr_assert_null(h.mass);
    cr_assert_eq(stp_histogram_compute(&h, x, NULL, 4, 2, &err), STP_OK);
    cr_assert_null(h.mass, "an unweighted histogram has no mass");
    stp_histogram_free(&h);
    w[2] = -1.0;
    cr_assert_eq(stp_histogram_compute(&h, x, w, 4, 2, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "path 2"), "%s", err.msg);
    cr_assert(h.edges == NULL && h.counts == NULL && h.mass == NULL);
}

/* The bin of x among the stored edges (last bin closed), by linear search:
 * the test's own reading of stats.h's contract. */
static int bin_by_search(const stp_histogram *h, double x)
{
    int b = 0;
    while (b < h->bins - 1 && x >= h->edges[b + 1])
        b++;
    return b;
}

/* 20,000 draws of N(1.5, 1), the law N(0, 1) tilted by 1.5, weighted by
 * their likelihood ratios: each bin's mass estimates the N(0, 1)
 * probability of the bin, Phi(e_{b+1}) - Phi(e_b) (closed form through
 * erfc). MC error per bin: se = sqrt(sum (w 1_b - mass)^2 / (n (n - 1))),
 * the standard error of the unbiased mean of w 1_b; every bin holding at
 * least 100 draws (the se of a sparser bin is itself too noisy to test
 * against) lies within 4.5 se: a false failure has probability below
 * 7e-6 per bin, 1e-4 over 16. The masses sum to mean(w) exactly (to
 * rounding), not 1: the estimator is unbiased, not normalised. */
Test(histogram, weighted_mass_of_tilted_normal_matches_normal_bin_probabilities)
{
    enum { N = 20000, BINS = 16 };
    const double theta = 1.5;
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    double *x = malloc(N * sizeof *x), *w = malloc(N * sizeof *w), ss[BINS] = {0}, sum_w = 0.0,
           total = 0.0;
    stp_histogram h;
    stp_error err = {0};
    int tested = 0;
    cr_assert(x && w);
    fill_tilted(x, w, N, theta, &state);
    cr_assert_eq(stp_histogram_compute(&h, x, w, N, BINS, &err), STP_OK, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        const int b = bin_by_search(&h, x[i]);
        sum_w += w[i];
        for (int c = 0; c < BINS; c++) {
            const double d = (c == b ? w[i] : 0.0) - h.mass[c];
            ss[c] += d * d;
        }
    }
    for (int b = 0; b < BINS; b++) {
        const double p = normal_tail(h.edges[b]) - normal_tail(h.edges[b + 1]);
        const double se = sqrt(ss[b] / ((double)N * (N - 1)));
        total += h.mass[b];
        if (h.counts[b] < 100) continue;
        tested++;
        cr_assert(fabs(h.mass[b] - p) <= 4.5 * se,
                  "seed %llu: bin %d [%g, %g) mass %.5g, closed form %.5g, se %.3g",
                  (unsigned long long)seed, b, h.edges[b], h.edges[b + 1], h.mass[b], p, se);
    }
    cr_assert(tested >= 8, "seed %llu: only %d bins with 100 draws", (unsigned long long)seed,
              tested);
    cr_assert(fabs(total - sum_w / N) < 1e-12, "seed %llu: sum of mass %.17g, mean w %.17g",
              (unsigned long long)seed, total, sum_w / N);
    stp_histogram_free(&h);
    free(x);
    free(w);
}
