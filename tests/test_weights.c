/* Importance-weight diagnostics (host/stats/weights.c): PSIS's Pareto k-hat
 * against samples of known shape, and the largest weight's share. Fresh
 * seeds each run, printed on failure. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "seed.h"
#include "stampede/weights.h"

static double uniform01(uint64_t *s) /* (0, 1] */
{
    return ((double)(next_u64(s) >> 11) + 1.0) * 0x1p-53;
}

/* A generalized Pareto draw of shape k > 0, scale 1, by inversion:
 * F(x) = 1 - (1 + k x)^(-1/k), x = (u^-k - 1) / k. */
static double gpd_draw(uint64_t *s, double k)
{
    return (pow(uniform01(s), -k) - 1.0) / k;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Zhang-Stephens on n = 4,000 exceedances of a known GPD: its sd is about
 * the MLE's, (1 + k) / sqrt(n) (Zhang & Stephens 2009, §4: efficiency near
 * 1 for k in (-0.5, 1)) = 0.021 at k 0.3 and 0.028 at 0.8, and PSIS's prior
 * moves it by 10 / (n + 10) |0.5 - k| < 0.001: within 5 sd. */
Test(weights, zhang_stephens_recovers_the_shape)
{
    enum { N = 4000 };
    const double shapes[2] = {0.3, 0.8};
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    double *x = malloc(sizeof(double) * N);
    cr_assert_not_null(x);
    for (int j = 0; j < 2; j++) {
        const double k = shapes[j], tol = 5.0 * (1.0 + k) / sqrt((double)N);
        for (int i = 0; i < N; i++)
            x[i] = gpd_draw(&s, k);
        qsort(x, N, sizeof *x, by_value);
        const double khat = stp_gpd_khat(x, N);
        cr_assert(fabs(khat - k) < tol, "seed %llu: k-hat %.4f vs %.1f (tolerance %.3f)",
                  (unsigned long long)seed, khat, k, tol);
    }
    free(x);
}

/* The whole diagnosis on n = 20,000 weights: a GPD's tail above any
 * threshold is a GPD of the same shape, so k-hat of the largest M =
 * 3 sqrt(n) = 425 estimates k with sd about (1 + k) / sqrt(M) (0.063 at
 * 0.3, 0.087 at 0.8) and the prior's pull 10 / (M + 10) |0.5 - k| <= 0.007:
 * within 4 sd plus the pull. Light tails (exponential, k = 0; uniform,
 * k = -1) stay below 0.5, 10 sd away for the exponential. */
Test(weights, pareto_khat_of_known_tails)
{
    enum { N = 20000 };
    const double shapes[2] = {0.3, 0.8};
    const uint64_t seed = test_seed();
    const double m = ceil(3.0 * sqrt((double)N));
    stp_error err = {STP_OK, ""};
    stp_weight_diag d;
    uint64_t s = seed;
    double *w = malloc(sizeof(double) * N);
    cr_assert_not_null(w);
    for (int j = 0; j < 2; j++) {
        const double k = shapes[j];
        const double tol = 4.0 * (1.0 + k) / sqrt(m) + 10.0 / (m + 10.0) * fabs(0.5 - k);
        for (int i = 0; i < N; i++)
            w[i] = 1.0 + gpd_draw(&s, k);
        cr_assert_eq(stp_weights_diagnose(&d, w, N, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(d.tail, (long long)m);
        cr_assert(fabs(d.khat - k) < tol, "seed %llu: k-hat %.4f vs %.1f (tolerance %.3f)",
                  (unsigned long long)seed, d.khat, k, tol);
        cr_assert_eq(stp_weights_reliable(&d, N), d.khat <= STP_KHAT_MAX && d.max_share <= 0.05);
    }
    for (int i = 0; i < N; i++)
        w[i] = -log(uniform01(&s));
    cr_assert_eq(stp_weights_diagnose(&d, w, N, &err), STP_OK, "%s", err.msg);
    cr_assert(d.khat < 0.5, "seed %llu: exponential k-hat %.3f", (unsigned long long)seed, d.khat);
    cr_assert(stp_weights_reliable(&d, N));
    for (int i = 0; i < N; i++)
        w[i] = 0.5 + uniform01(&s);
    cr_assert_eq(stp_weights_diagnose(&d, w, N, &err), STP_OK, "%s", err.msg);
    cr_assert(d.khat < 0.5, "seed %llu: uniform k-hat %.3f", (unsigned long long)seed, d.khat);
    free(w);
}

/* The largest share, exactly; too few weights for a fit leave k-hat NaN
 * (PSIS asks M >= 5); the share's bound is 5%, or ten equal shares. */
Test(weights, largest_share_and_its_bound)
{
    const double w4[4] = {1.0, 1.0, 1.0, 7.0};
    double w100[100];
    stp_error err = {STP_OK, ""};
    stp_weight_diag d;
    cr_assert_eq(stp_weights_diagnose(&d, w4, 4, &err), STP_OK);
    cr_assert_eq(d.max_share, 0.7);
    cr_assert(isnan(d.khat) && d.tail == 0 && d.computed == 1);
    cr_assert(stp_weights_reliable(&d, 4)); /* 0.7 < 10 / 4: one of four paths */
    for (int i = 0; i < 100; i++)
        w100[i] = 1.0;
    w100[17] = 20.0; /* 20 / 119 = 16.8% > 10 / 100 */
    cr_assert_eq(stp_weights_diagnose(&d, w100, 100, &err), STP_OK);
    cr_assert_eq(d.max_share, 20.0 / 119.0);
    /* M = min(100 / 5, 3 sqrt(100)) = 20, but 19 of them tie with the cutoff:
     * an atom, not tail, and one exceedance is too few to fit */
    cr_assert(d.tail == 0 && isnan(d.khat));
    cr_assert_not(stp_weights_reliable(&d, 100));
    cr_assert_eq(stp_weights_share_bound(100), 0.1);
    cr_assert_eq(stp_weights_share_bound(100000), STP_MAX_SHARE_MAX);
    d.max_share = 0.01;
    d.khat = 0.71;
    cr_assert_not(stp_weights_reliable(&d, 100000));
    d.khat = 0.69;
    cr_assert(stp_weights_reliable(&d, 100000));
    d.computed = 0; /* an unweighted run, or a file from before the diagnostics */
    d.khat = 5.0;
    cr_assert(stp_weights_reliable(&d, 100000));
}
