/* test_contagion.c: the system's contagion estimates of a multi-venue run
 * (contagion.h) on hand-built columns of venues in cascade, each expected
 * number worked out here by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "seed.h"

#include "stampede/contagion.h"

/* 10 paths: 6 with a cascading venue (counts 1, 2, 3, 1, 1, 2), 3 of
 * them with two or more: P(second | one) = 3 / 6, with Wilson's interval
 * for 3 of 6 at z = 1.959964: centre (0.5 + z^2/12) / (1 + z^2/6) = 0.5,
 * half z / (1 + z^2/6) sqrt(0.25/6 + z^2/144) = 0.312384: [0.187616, 0.812384]. */
Test(contagion, unweighted_is_wilson_on_the_conditional_subsample)
{
    const double vic[10] = {0, 1, 2, 3, 0, 1, 1, 2, 0, 0};
    const double z = 1.959963984540054;
    const double half = z / (1 + z * z / 6) * sqrt(0.25 / 6 + z * z / 144);
    const stp_cascade_stats c = stp_contagion_conditional(vic, NULL, 10);
    cr_assert_eq(c.n, 6);
    cr_assert_eq(c.k, 3);
    cr_assert_eq(c.p, 0.5);
    cr_assert_eq(c.weighted, 0);
    cr_assert_float_eq(c.ci_lo, 0.5 - half, 1e-12);
    cr_assert_float_eq(c.ci_hi, 0.5 + half, 1e-12);
    cr_assert_float_eq(c.ci_lo, 0.187616, 1e-6);
}

/* Weighted: paths (count, weight) (0, 0.5), (1, 1), (2, 2), (1, 0.5).
 * sum w c1 = 3.5, sum w c2 = 2, R = 4/7; residuals w c1 (c2 - R): 0,
 * -4/7, 6/7, -2/7, squares summing to 56/49 = 8/7; se = sqrt((8/7) / (4 x
 * 3)) / (3.5 / 4) = (8/7) sqrt(2/21); ess = 3.5^2 / (1 + 4 + 0.25). */
Test(contagion, weighted_is_the_ratio_with_a_delta_method_interval)
{
    const double vic[4] = {0, 1, 2, 1}, w[4] = {0.5, 1, 2, 0.5};
    const double se = 8.0 / 7.0 * sqrt(2.0 / 21.0), z = 1.959963984540054;
    const stp_cascade_stats c = stp_contagion_conditional(vic, w, 4);
    cr_assert_float_eq(c.p, 4.0 / 7.0, 1e-15);
    cr_assert_float_eq(c.se, se, 1e-15);
    cr_assert_float_eq(c.ci_lo, fmax(4.0 / 7.0 - z * se, 0.0), 1e-12);
    cr_assert_float_eq(c.ci_hi, fmin(4.0 / 7.0 + z * se, 1.0), 1e-12);
    cr_assert_eq(c.n, 3);
    cr_assert_eq(c.k, 1);
    cr_assert_eq(c.weighted, 1);
    cr_assert_float_eq(c.ess, 3.5 * 3.5 / 5.25, 1e-12);
}

/* Drawn counts: the conditional is P(>= 2) / P(>= 1), and with weights all
 * 1 the ratio estimate is the same k / n. */
Test(contagion, drawn_counts_agree_with_the_two_indicators)
{
    uint64_t st = test_seed();
    enum { N = 5000 };
    static double vic[N], one[N], two[N], w[N];
    long long k1 = 0, k2 = 0;
    const int nv = 2 + (int)(next_u64(&st) % 7);
    for (int i = 0; i < N; i++) {
        vic[i] = (double)(next_u64(&st) % (uint64_t)(nv + 1));
        w[i] = 1.0;
    }
    stp_contagion_indicator(one, vic, N, 1);
    stp_contagion_indicator(two, vic, N, 2);
    for (int i = 0; i < N; i++) {
        k1 += one[i] == 1.0;
        k2 += two[i] == 1.0;
        cr_assert(one[i] == (vic[i] >= 1) && two[i] == (vic[i] >= 2));
    }
    const stp_cascade_stats c = stp_contagion_conditional(vic, NULL, N);
    const stp_cascade_stats cw = stp_contagion_conditional(vic, w, N);
    cr_assert(k1 > 0 && k2 > 0, "%d venues: draws gave %lld, %lld", nv, k1, k2);
    cr_assert_eq(c.n, k1);
    cr_assert_eq(c.k, k2);
    cr_assert_eq(c.p, (double)k2 / (double)k1);
    cr_assert_float_eq(cw.p, c.p, 1e-12);
    cr_assert(cw.ci_lo < cw.p && cw.p < cw.ci_hi, "%g [%g, %g]", cw.p, cw.ci_lo, cw.ci_hi);
}

/* No venue cascaded on any path: undefined, not 0. */
Test(contagion, no_cascading_venue_is_undefined)
{
    const double vic[3] = {0, 0, 0}, w[3] = {0.2, 1.7, 1.1};
    const stp_cascade_stats c = stp_contagion_conditional(vic, NULL, 3);
    const stp_cascade_stats cw = stp_contagion_conditional(vic, w, 3);
    cr_assert(isnan(c.p) && isnan(c.ci_lo) && c.n == 0 && c.k == 0);
    cr_assert(isnan(cw.p) && cw.n == 0);
}
