/* Tests of rng.h: Philox4x32-10 against the Random123 known-answer vectors
 * (Random123 1.14 tests/kat_vectors, "philox4x32 10" lines), our key and
 * counter mapping, cuRAND's uniform conversion, the normal and Student-t
 * transforms against their defining formulas in long double, and their
 * distributions with the Monte Carlo error stated. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "stampede/rng.h"
#include "seed.h"

typedef struct kat {
    uint32_t ctr[4], key[2], out[4];
} kat;

/* Random123 tests/kat_vectors: CTR (4 words), KEY (2 words), EXPECTED. */
static const kat kats[3] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

Test(rng, random123_philox4x32_10_known_answers)
{
    int i, j;
    for (i = 0; i < 3; i++) {
        philox4x32_ctr_t c = {{kats[i].ctr[0], kats[i].ctr[1], kats[i].ctr[2], kats[i].ctr[3]}};
        philox4x32_key_t k = {{kats[i].key[0], kats[i].key[1]}};
        philox4x32_ctr_t r = philox4x32(c, k);
        for (j = 0; j < 4; j++)
            cr_assert_eq(r.v[j], kats[i].out[j], "vector %d word %d: %08x", i, j, r.v[j]);
    }
}

/* The same vectors through stp_philox's (seed, stream, path, step, agent,
 * draw) mapping: key = {seed lo, stream << 24 | seed >> 32}, ctr = {draw,
 * agent, step, path}. */
Test(rng, key_counter_mapping_reproduces_known_answers)
{
    int i, j;
    for (i = 0; i < 3; i++) {
        const kat *v = &kats[i];
        const uint32_t stream = v->key[1] >> 24;
        const uint64_t seed = ((uint64_t)(v->key[1] & 0xffffffu) << 32) | v->key[0];
        const stp_u32x4 r = stp_philox(seed, stream, v->ctr[3], v->ctr[2], v->ctr[1], v->ctr[0]);
        for (j = 0; j < 4; j++)
            cr_assert_eq(r.v[j], v->out[j], "vector %d word %d", i, j);
    }
}

/* cuRAND's _curand_uniform: x 2^-32 + 2^-33, in (0, 1]. */
Test(rng, uniform_matches_curand_conversion)
{
    cr_assert_eq(stp_uniform(0u), 2.3283064e-10f / 2.0f);
    cr_assert_eq(stp_uniform(0xffffffffu), 1.0f);
    cr_assert_float_eq(stp_uniform(0x80000000u), 0.5f, 1e-7f);
}

/* |got - ref| in ulps of float at ref (2^-149 below FLT_MIN). */
static double ulps_f(float got, long double ref)
{
    int e;
    long double u;
    if (got == ref) return 0.0;
    if (!isfinite(got)) return INFINITY;
    (void)frexpl(ref, &e);
    u = ldexpl(1.0L, e - 24);
    if (u < 0x1p-149L) u = 0x1p-149L;
    return (double)(fabsl((long double)got - ref) / u);
}

/* sin(2 pi v), cos(2 pi v) in long double, reduced by quarter turns
 * (4v - rint(4v) is exact) so the rounded pi costs nothing near the zeros. */
static void ref_sincos_turns(long double v, long double *s, long double *c)
{
    const long double q = rintl(4.0L * v), z = 4.0L * v - q;
    const long double a = z * 1.570796326794896619231321691639751442L;
    const int quadrant = (int)(q - 4.0L * floorl(q / 4.0L));
    const long double sa = sinl(a), ca = cosl(a);
    *s = quadrant == 0 ? sa : quadrant == 1 ? ca : quadrant == 2 ? -sa : -ca;
    *c = quadrant == 0 ? ca : quadrant == 1 ? -sa : quadrant == 2 ? -ca : sa;
}

/* rng.h's definition, n0 = sqrt(-2 ln u) sin(2 pi v), n1 = ... cos(2 pi v)
 * with u, v cuRAND's uniforms of the two words, evaluated in long double:
 * the float normals are within one float ulp (measured 0.5001: the double
 * computation's error, below 2^-36, almost never moves the rounding), for
 * fresh random words and the extreme ones (u = 2^-33, u = 1). */
Test(rng, box_muller_within_one_float_ulp_of_its_definition)
{
    const uint64_t seed = test_seed();
    double worst = 0.0;
    uint32_t wx = 0, wy = 0;
    int i;
    for (i = 0; i < 1000000; i++) {
        const stp_u32x4 r = stp_philox(seed, STP_STREAM_MARKET, (uint32_t)i, 7, 0, 0);
        const uint32_t x = i < 4 ? (i & 1 ? 0xffffffffu : 0u) : r.v[0];
        const uint32_t y = i < 4 ? (i & 2 ? 0xffffffffu : 0x40000000u) : r.v[1];
        const long double radius = sqrtl(-2.0L * logl(stp_uniform(x)));
        long double s, c;
        float n0, n1;
        double e;
        ref_sincos_turns(stp_uniform(y), &s, &c);
        stp_box_muller(x, y, &n0, &n1);
        e = fmax(ulps_f(n0, radius * s), ulps_f(n1, radius * c));
        if (e > worst) {
            worst = e;
            wx = x;
            wy = y;
        }
    }
    cr_assert_leq(worst, 1.0, "seed %llu: %.4f float ulp at words %08x %08x",
                  (unsigned long long)seed, worst, wx, wy);
}

/* Bailey's T = U sqrt(nu (W^(-2/nu) - 1) / W) in long double from the same
 * float U, V, W: within one float ulp (measured 0.5000) for nu from 2.1 to
 * 1000, fresh random words. */
Test(rng, student_t_within_one_float_ulp_of_its_definition)
{
    const uint64_t seed = test_seed();
    const float nus[5] = {2.1f, 4.0f, 10.0f, 100.0f, 1000.0f};
    double worst = 0.0;
    int i, j, accepted = 0;
    for (j = 0; j < 5; j++)
        for (i = 0; i < 200000; i++) {
            const stp_u32x4 r = stp_philox(seed, STP_STREAM_MARKET, (uint32_t)i, 9, 0, 0);
            const float nu = nus[j], u = stp_uniform_pm1(r.v[0]), v = stp_uniform_pm1(r.v[1]);
            const float w = fmaf(u, u, v * v);
            float t;
            if (!stp_student_t_try(r.v[0], r.v[1], nu, &t)) continue;
            accepted++;
            worst = fmax(worst, ulps_f(t, u * sqrtl(nu * expm1l(-2.0L * logl(w) / nu) / w)));
        }
    cr_assert_gt(accepted, 700000); /* pi/4 of 10^6 */
    cr_assert_leq(worst, 1.0, "seed %llu: %.4f float ulp", (unsigned long long)seed, worst);
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of sorted x from the CDF cdf(x, arg). */
static double ks_distance(float *x, int n, double (*cdf)(double, double), double arg)
{
    double d = 0.0;
    int i;
    qsort(x, (size_t)n, sizeof *x, cmp_float);
    for (i = 0; i < n; i++) {
        const double f = cdf(x[i], arg);
        d = fmax(d, fmax(f - (double)i / n, (double)(i + 1) / n - f));
    }
    return d;
}

static double normal_cdf(double x, double unused)
{
    (void)unused;
    return gsl_cdf_ugaussian_P(x);
}

#define N_DRAWS 200000

/* Mean within 4 standard errors (sd 1/sqrt(n) = 0.0022), variance within 4
 * (sd sqrt(2/n) = 0.0032); KS distance below 1.95/sqrt(n) = 0.0044 (the
 * 0.1% critical value): a correct generator fails this test about 1 time in
 * 1000 runs; the seed is printed for replay. */
Test(rng, box_muller_normals_have_unit_moments_and_pass_ks)
{
    const uint64_t seed = test_seed();
    float *x = malloc(sizeof(float) * N_DRAWS);
    double s = 0.0, s2 = 0.0;
    int i;
    cr_assert_not_null(x);
    for (i = 0; i < N_DRAWS; i += 2) {
        const stp_u32x4 r = stp_philox(seed, STP_STREAM_MARKET, (uint32_t)i, 0, 0, 0);
        stp_box_muller(r.v[0], r.v[1], &x[i], &x[i + 1]);
        s += x[i] + x[i + 1];
        s2 += (double)x[i] * x[i] + (double)x[i + 1] * x[i + 1];
    }
    s /= N_DRAWS;
    s2 = s2 / N_DRAWS - s * s;
    cr_expect_lt(fabs(s), 4.0 / sqrt(N_DRAWS), "seed %llu mean %g", (unsigned long long)seed, s);
    cr_expect_lt(fabs(s2 - 1.0), 4.0 * sqrt(2.0 / N_DRAWS), "seed %llu var %g",
                 (unsigned long long)seed, s2);
    cr_expect_lt(ks_distance(x, N_DRAWS, normal_cdf, 0.0), 1.95 / sqrt(N_DRAWS), "seed %llu",
                 (unsigned long long)seed);
    free(x);
}

static double student_cdf(double x, double nu)
{
    return gsl_cdf_tdist_P(x, nu);
}

/* Bailey's polar method against the Student-t CDF (GSL), for nu = 4 (the
 * default market noise) and nu = 10; KS threshold as above. For nu = 10 the
 * unit-variance scaling sqrt((nu-2)/nu) must give variance 1: the variance
 * estimator's sd is sqrt((kurtosis - 1)/n) = sqrt(3/n) here (excess
 * kurtosis 6/(nu-4) = 1), so 4 sd = 0.0155. */
Test(rng, polar_student_t_matches_cdf_and_unit_variance)
{
    const uint64_t seed = test_seed();
    const float nus[2] = {4.0f, 10.0f};
    float *x = malloc(sizeof(float) * N_DRAWS);
    int j;
    cr_assert_not_null(x);
    for (j = 0; j < 2; j++) {
        const float nu = nus[j], scale = sqrtf((nu - 2.0f) / nu);
        double s2 = 0.0;
        int i, n = 0;
        for (i = 0; n < N_DRAWS; i++) {
            const stp_u32x4 r = stp_philox(seed, STP_STREAM_MARKET, (uint32_t)i, 1, 0, 0);
            float t;
            if (stp_student_t_try(r.v[0], r.v[1], nu, &t)) x[n++] = t;
            if (n < N_DRAWS && stp_student_t_try(r.v[2], r.v[3], nu, &t)) x[n++] = t;
        }
        for (i = 0; i < N_DRAWS; i++)
            s2 += (double)(x[i] * scale) * (x[i] * scale);
        if (nu > 5.0f)
            cr_expect_lt(fabs(s2 / N_DRAWS - 1.0), 4.0 * sqrt(3.0 / N_DRAWS), "seed %llu var %g",
                         (unsigned long long)seed, s2 / N_DRAWS);
        cr_expect_lt(ks_distance(x, N_DRAWS, student_cdf, nu), 1.95 / sqrt(N_DRAWS),
                     "seed %llu nu %g", (unsigned long long)seed, nu);
    }
    free(x);
}
