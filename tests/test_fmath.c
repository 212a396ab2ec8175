/* Tests of fmath.h: every function against the x86-64 long double libm
 * (expl, logl, expm1l, sinl, cosl; 64-bit mantissa, so the reference is
 * good to about 2^-11 ulp of a double), errors in ulps of the double (or
 * float) result, the ulp taken at the reference value (Muller, "Elementary
 * Functions", 2016: ulp(x) of the exact x).
 * Each function gets (a) a dense sweep over its whole input range, (b) a
 * million random inputs from a fresh seed per run (printed on failure), and
 * (c) its special values. The comments give the maxima measured over these
 * sweeps and 10^8 further random inputs; the asserted bounds sit a little
 * above them (fmath.h states both), well inside 1 ulp, so a change that
 * loses the compensated summation fails here. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "stampede/fmath.h"
#include "seed.h"

#define N_RANDOM 1000000
#define N_SWEEP  4000000


/* Uniform on [lo, hi) with 53 random bits. */
static double next_in(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(next_u64(state) >> 11) * 0x1p-53);
}

/* A double of random sign, binade 2^[-e_max, 0) and mantissa. */
static double next_small(uint64_t *state, int e_max)
{
    const uint64_t w = next_u64(state);
    const double m = 1.0 + (double)(w >> 12) * 0x1p-52;
    return ldexp((w & 1u) ? -m : m, -1 - (int)((w >> 1) % (uint64_t)e_max));
}

/* |got - ref| in ulps of ref's binade (2^-1074 below DBL_MIN); a ref past
 * DBL_MAX + ulp/2 must give infinity. */
static double ulps(double got, long double ref)
{
    int e;
    long double u;
    if (got == ref) return 0.0;
    if (fabsl(ref) >= (long double)DBL_MAX + 0x1p970L)
        return isinf(got) && signbit(got) == signbit(ref) ? 0.0 : INFINITY;
    if (isnan(got) || isinf(got)) return INFINITY;
    (void)frexpl(ref, &e);
    u = ldexpl(1.0L, e - 53);
    if (u < 0x1p-1074L) u = 0x1p-1074L;
    return (double)(fabsl((long double)got - ref) / u);
}

/* The same in ulps of float (2^-149 below FLT_MIN). */
static double ulps_f(float got, long double ref)
{
    int e;
    long double u;
    if (got == ref) return 0.0;
    if (fabsl(ref) >= (long double)FLT_MAX + 0x1p103L)
        return isinf(got) && signbit(got) == signbit(ref) ? 0.0 : INFINITY;
    if (isnan(got) || isinf(got)) return INFINITY;
    (void)frexpl(ref, &e);
    u = ldexpl(1.0L, e - 24);
    if (u < 0x1p-149L) u = 0x1p-149L;
    return (double)(fabsl((long double)got - ref) / u);
}

typedef struct worst {
    double ulps, x;
} worst;

static void track(worst *w, double e, double x)
{
    if (e > w->ulps) {
        w->ulps = e;
        w->x = x;
    }
}

/* ---------------------------------------------------------------------------
 * exp
 * ------------------------------------------------------------------------- */

/* Normal results and subnormal ones (below 2^-1022, x < -708.40) tracked
 * apart: the latter round twice (to 53 bits, then in the scaling). */
static void check_exp(worst *normal, worst *subnormal, double x)
{
    const long double ref = expl((long double)x);
    const double e = ulps(stp_exp(x), ref);
    track(ref < 0x1p-1022L ? subnormal : normal, e, x);
}

/* Measured: 0.53 ulp for normal results (0.53 over this sweep, 0.5303 over
 * 10^8 random x), 0.75 ulp of the subnormal ones. */
Test(fmath, exp_within_one_ulp_over_the_whole_range)
{
    worst n = {0, 0}, s = {0, 0};
    const double lo = -745.13321910194111, hi = 709.78271289338397;
    int i, e;
    for (i = 0; i <= N_SWEEP; i++)
        check_exp(&n, &s, lo + (hi - lo) * ((double)i / N_SWEEP));
    for (e = 1; e <= 1074; e++) /* tiny |x|, where e^x is 1 + x + ... */
        for (i = 0; i < 64; i++) {
            check_exp(&n, &s, ldexp(1.0 + i / 64.0, -e));
            check_exp(&n, &s, -ldexp(1.0 + i / 64.0, -e));
        }
    cr_assert_leq(n.ulps, 0.6, "normal results: %.4f ulp at x = %a", n.ulps, n.x);
    cr_assert_leq(s.ulps, 1.0, "subnormal results: %.4f ulp at x = %a", s.ulps, s.x);
}

Test(fmath, exp_within_one_ulp_for_random_inputs)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    worst n = {0, 0}, s = {0, 0};
    int i;
    for (i = 0; i < N_RANDOM; i++) {
        check_exp(&n, &s, next_in(&st, -745.2, 709.8));
        if (i % 4 == 0) check_exp(&n, &s, next_small(&st, 60));
    }
    cr_assert_leq(n.ulps, 0.6, "seed %llu: %.4f ulp at x = %a", (unsigned long long)seed, n.ulps,
                  n.x);
    cr_assert_leq(s.ulps, 1.0, "seed %llu: subnormal %.4f ulp at x = %a", (unsigned long long)seed,
                  s.ulps, s.x);
}

/* The boundaries are the libm's (glibc exp): the largest x whose e^x is
 * finite, the smallest whose e^x rounds up to 2^-1074. */
Test(fmath, exp_special_values_and_range_ends)
{
    const double x_max = 709.78271289338397;
    cr_assert_eq(stp_exp(0.0), 1.0);
    cr_assert_eq(stp_exp(-0.0), 1.0);
    cr_assert_eq(stp_exp(0x1p-60), 1.0);
    cr_assert_eq(stp_exp(-0x1p-60), 1.0);
    cr_assert_eq(stp_exp(INFINITY), INFINITY);
    cr_assert_eq(stp_exp(-INFINITY), 0.0);
    cr_assert(isnan(stp_exp(NAN)));
    cr_assert_leq(ulps(stp_exp(1.0), expl(1.0L)), 0.5, "e");
    cr_assert(isfinite(stp_exp(x_max)));
    cr_assert_leq(ulps(stp_exp(x_max), expl((long double)x_max)), 0.6);
    cr_assert_eq(stp_exp(709.78271289338409), INFINITY);
    cr_assert_eq(stp_exp(710.0), INFINITY);
    cr_assert_eq(stp_exp(-745.13321910194111), 0x1p-1074);
    cr_assert_eq(stp_exp(-745.13321910194122), 0.0);
    cr_assert_eq(stp_exp(-746.0), 0.0);
}

/* e^(k ln 2) for every k of the range, with ln 2 rounded to double: the
 * results straddle the exact powers of two. */
Test(fmath, exp_of_multiples_of_ln2_is_near_powers_of_two)
{
    int k;
    for (k = -1074; k <= 1023; k++) {
        const double x = (double)k * 0.6931471805599453;
        cr_assert_leq(ulps(stp_exp(x), expl((long double)x)), 1.0, "k = %d", k);
        cr_assert_lt(fabs(stp_exp(x) / ldexp(1.0, k) - 1.0), 1e-12, "k = %d", k);
    }
}

/* ---------------------------------------------------------------------------
 * log
 * ------------------------------------------------------------------------- */

static void check_log(worst *w, double x)
{
    track(w, ulps(stp_log(x), logl((long double)x)), x);
}

/* Every binade from the smallest subnormal to DBL_MAX, 2048 mantissas
 * each, and the neighbourhood of 1 where log x ~ x - 1. Measured: 0.54 ulp
 * over this sweep, 0.67 ulp over 10^8 random x in [1/2, 2] (fdlibm's plain
 * summation: 0.90). */
Test(fmath, log_within_one_ulp_over_every_binade)
{
    worst w = {0, 0};
    int e, j;
    for (e = -1074; e <= 1023; e++)
        for (j = 0; j < 2048; j++)
            check_log(&w, ldexp(1.0 + j / 2048.0, e));
    check_log(&w, DBL_MAX);
    for (j = 1; j <= 100000; j++) {
        check_log(&w, 1.0 + j * 0x1p-52);
        check_log(&w, 1.0 - j * 0x1p-53);
    }
    for (e = 1; e <= 52; e++)
        for (j = 0; j < 64; j++) {
            check_log(&w, 1.0 + ldexp(1.0 + j / 64.0, -e - 1));
            check_log(&w, 1.0 - ldexp(1.0 + j / 64.0, -e - 2));
        }
    cr_assert_leq(w.ulps, 0.75, "%.4f ulp at x = %a", w.ulps, w.x);
}

Test(fmath, log_within_one_ulp_for_random_inputs)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    worst w = {0, 0};
    int i;
    for (i = 0; i < N_RANDOM; i++) {
        /* every positive finite double's bit pattern, and [1/2, 2] */
        const uint64_t bits = next_u64(&st) % 0x7ff0000000000000ull;
        double x;
        memcpy(&x, &bits, sizeof x);
        if (x > 0.0) check_log(&w, x);
        check_log(&w, next_in(&st, 0.5, 2.0));
    }
    cr_assert_leq(w.ulps, 0.75, "seed %llu: %.4f ulp at x = %a", (unsigned long long)seed, w.ulps,
                  w.x);
}

Test(fmath, log_special_values_and_powers_of_two)
{
    int k;
    cr_assert_eq(stp_log(1.0), 0.0);
    cr_assert(!signbit(stp_log(1.0)));
    cr_assert_eq(stp_log(0.0), -INFINITY);
    cr_assert_eq(stp_log(-0.0), -INFINITY);
    cr_assert(isnan(stp_log(-1.0)));
    cr_assert(isnan(stp_log(-0x1p-1074)));
    cr_assert(isnan(stp_log(-INFINITY)));
    cr_assert(isnan(stp_log(NAN)));
    cr_assert_eq(stp_log(INFINITY), INFINITY);
    cr_assert_leq(ulps(stp_log(0x1p-1074), logl(0x1p-1074L)), 0.5);
    cr_assert_leq(ulps(stp_log(DBL_MIN), logl(DBL_MIN)), 0.5);
    cr_assert_leq(ulps(stp_log(DBL_MAX), logl(DBL_MAX)), 0.5);
    for (k = -1074; k <= 1023; k++)
        cr_assert_leq(ulps(stp_log(ldexp(1.0, k)), (long double)k * logl(2.0L)), 0.6, "2^%d", k);
}

/* ---------------------------------------------------------------------------
 * expm1
 * ------------------------------------------------------------------------- */

static void check_expm1(worst *w, double x)
{
    track(w, ulps(stp_expm1(x), expm1l((long double)x)), x);
}

/* [-40, 40] densely, |x| from 2^-1074 to 1 in every binade, and the tails
 * up to the overflow (e^x) and down to -745 (-1). Measured: 0.59 ulp over
 * this sweep, 0.60 over 10^8 random x in [-1.5, 1.5] (the worst near
 * |x| = ln2/2, where n = 1 and 2 e^r - 1 cancels). */
Test(fmath, expm1_within_one_ulp_over_the_whole_range)
{
    worst w = {0, 0};
    int i, e;
    for (i = 0; i <= N_SWEEP; i++)
        check_expm1(&w, -40.0 + 80.0 * ((double)i / N_SWEEP));
    for (e = 1; e <= 1074; e++)
        for (i = 0; i < 256; i++) {
            check_expm1(&w, ldexp(1.0 + i / 256.0, -e));
            check_expm1(&w, -ldexp(1.0 + i / 256.0, -e));
        }
    for (i = 0; i <= 100000; i++) {
        check_expm1(&w, 40.0 + (709.78271289338397 - 40.0) * (i / 100000.0));
        check_expm1(&w, -40.0 - 705.0 * (i / 100000.0));
    }
    cr_assert_leq(w.ulps, 0.7, "%.4f ulp at x = %a", w.ulps, w.x);
}

Test(fmath, expm1_within_one_ulp_for_random_inputs)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    worst w = {0, 0};
    int i;
    for (i = 0; i < N_RANDOM; i++) {
        check_expm1(&w, next_in(&st, -45.0, 45.0));
        check_expm1(&w, next_small(&st, 60));
    }
    cr_assert_leq(w.ulps, 0.7, "seed %llu: %.4f ulp at x = %a", (unsigned long long)seed, w.ulps,
                  w.x);
}

Test(fmath, expm1_special_values)
{
    cr_assert_eq(stp_expm1(0.0), 0.0);
    cr_assert(!signbit(stp_expm1(0.0)));
    cr_assert(signbit(stp_expm1(-0.0)), "expm1(-0) = -0");
    cr_assert_eq(stp_expm1(0x1p-1074), 0x1p-1074);
    cr_assert_eq(stp_expm1(-0x1p-1074), -0x1p-1074);
    cr_assert_eq(stp_expm1(DBL_MIN), DBL_MIN);
    cr_assert_eq(stp_expm1(INFINITY), INFINITY);
    cr_assert_eq(stp_expm1(-INFINITY), -1.0);
    cr_assert(isnan(stp_expm1(NAN)));
    cr_assert_eq(stp_expm1(-40.5), -1.0);
    cr_assert(isfinite(stp_expm1(709.78271289338397)));
    cr_assert_eq(stp_expm1(709.78271289338409), INFINITY);
    cr_assert_leq(ulps(stp_expm1(1.0), expm1l(1.0L)), 0.5, "e - 1");
}

/* ---------------------------------------------------------------------------
 * sin and cos of turns
 * ------------------------------------------------------------------------- */

/* sin(2 pi u), cos(2 pi u) reduced exactly as in fmath.h (4u - rint(4u) is
 * exact), so the long double pi costs no relative accuracy near the zeros. */
static void ref_sincos_turns(double u, long double *s, long double *c)
{
    const long double q = rintl(4.0L * u), z = 4.0L * u - q;
    const long double a = z * 1.570796326794896619231321691639751442L;
    const long double sa = sinl(a), ca = cosl(a);
    switch ((int)(q - 4.0L * floorl(q / 4.0L))) {
    case 0:
        *s = sa;
        *c = ca;
        break;
    case 1:
        *s = ca;
        *c = -sa;
        break;
    case 2:
        *s = -sa;
        *c = -ca;
        break;
    default:
        *s = -ca;
        *c = sa;
        break;
    }
}

typedef struct sincos_worst {
    worst rel, f;
} sincos_worst;

/* Relative error of the doubles (the fits promise 2^-37) and ulps of
 * float after rounding. */
static void check_sincos(sincos_worst *w, double u)
{
    double s, c;
    long double rs, rc;
    stp_sincos_turns(u, &s, &c);
    ref_sincos_turns(u, &rs, &rc);
    if (rs != 0.0L) track(&w->rel, (double)fabsl((s - rs) / rs), u);
    if (rc != 0.0L) track(&w->rel, (double)fabsl((c - rc) / rc), u);
    track(&w->f, ulps_f((float)s, rs), u);
    track(&w->f, ulps_f((float)c, rc), u);
}

/* u over (0, 1] in steps of 2^-22, every float near the quarter turns, and
 * tiny u. Measured: relative error 2^-37.6, float results within 0.5001
 * ulp. */
Test(fmath, sincos_turns_within_one_float_ulp_over_the_turn)
{
    sincos_worst w = {{0, 0}, {0, 0}};
    int i, k;
    for (i = 1; i <= (1 << 22); i++)
        check_sincos(&w, i * 0x1p-22);
    for (k = 0; k <= 4; k++)
        for (i = -2000; i <= 2000; i++)
            if (k / 4.0 + i * 0x1p-26 > 0.0 && k / 4.0 + i * 0x1p-26 <= 1.0)
                check_sincos(&w, k / 4.0 + i * 0x1p-26);
    for (i = 1; i <= 149; i++)
        check_sincos(&w, ldexp(1.0, -i));
    cr_assert_leq(w.rel.ulps, 0x1p-36, "relative error %g at u = %a", w.rel.ulps, w.rel.x);
    cr_assert_leq(w.f.ulps, 0.51, "%.4f float ulp at u = %a", w.f.ulps, w.f.x);
}

/* Random 32-bit words through cuRAND's uniform conversion (the inputs
 * Box-Muller sees) and random doubles in (0, 1]. */
Test(fmath, sincos_turns_within_one_float_ulp_for_random_inputs)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    sincos_worst w = {{0, 0}, {0, 0}};
    int i;
    for (i = 0; i < N_RANDOM; i++) {
        const uint32_t word = (uint32_t)next_u64(&st);
        check_sincos(&w, (double)fmaf((float)word, 2.3283064e-10f, 2.3283064e-10f / 2.0f));
        check_sincos(&w, 1.0 - next_in(&st, 0.0, 1.0));
    }
    cr_assert_leq(w.rel.ulps, 0x1p-36, "seed %llu: relative error %g at u = %a",
                  (unsigned long long)seed, w.rel.ulps, w.rel.x);
    cr_assert_leq(w.f.ulps, 0.51, "seed %llu: %.4f float ulp at u = %a", (unsigned long long)seed,
                  w.f.ulps, w.f.x);
}

Test(fmath, sincos_turns_exact_at_quarter_turns)
{
    double s, c;
    stp_sincos_turns(0.25, &s, &c);
    cr_assert(s == 1.0 && c == 0.0, "u = 1/4: %a %a", s, c);
    stp_sincos_turns(0.5, &s, &c);
    cr_assert(s == 0.0 && c == -1.0, "u = 1/2: %a %a", s, c);
    stp_sincos_turns(0.75, &s, &c);
    cr_assert(s == -1.0 && c == 0.0, "u = 3/4: %a %a", s, c);
    stp_sincos_turns(1.0, &s, &c);
    cr_assert(s == 0.0 && c == 1.0, "u = 1: %a %a", s, c);
    stp_sincos_turns(0.125, &s, &c);
    cr_assert_leq(ulps_f((float)s, sqrtl(0.5L)), 0.5);
    cr_assert_leq(ulps_f((float)c, sqrtl(0.5L)), 0.5);
    stp_sincos_turns(0x1p-40, &s, &c);
    cr_assert_leq(ulps_f((float)s, 0x1p-40L * 6.283185307179586476925286766559L), 0.5);
    cr_assert_eq(c, 1.0);
}

/* ---------------------------------------------------------------------------
 * Float conveniences
 * ------------------------------------------------------------------------- */

/* Every 257th float bit pattern (both signs for exp) and random floats.
 * Measured: 0.5000 ulp of float (the double's error is far below). */
Test(fmath, expf_and_logf_within_one_float_ulp)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    worst we = {0, 0}, wl = {0, 0};
    uint32_t b;
    int i;
    for (b = 0; b < 0x7f800000u; b += 257) {
        float x;
        memcpy(&x, &b, sizeof x);
        if (x < 88.72f) track(&we, ulps_f(stp_expf(x), expl(x)), x);
        if (-x > -103.97f) track(&we, ulps_f(stp_expf(-x), expl(-x)), -x);
        if (x > 0.0f) track(&wl, ulps_f(stp_logf(x), logl(x)), x);
    }
    for (i = 0; i < N_RANDOM; i++) {
        const uint32_t bits = (uint32_t)next_u64(&st) % 0x7f800000u;
        float x;
        memcpy(&x, &bits, sizeof x);
        if (x > 0.0f) track(&wl, ulps_f(stp_logf(x), logl(x)), x);
        x = (float)next_in(&st, -103.9, 88.7);
        track(&we, ulps_f(stp_expf(x), expl(x)), x);
    }
    cr_assert_leq(we.ulps, 0.51, "seed %llu: expf %.4f ulp at %a", (unsigned long long)seed,
                  we.ulps, we.x);
    cr_assert_leq(wl.ulps, 0.51, "seed %llu: logf %.4f ulp at %a", (unsigned long long)seed,
                  wl.ulps, wl.x);
    cr_assert_eq(stp_expf(0.0f), 1.0f);
    cr_assert_eq(stp_expf(89.0f), INFINITY);
    cr_assert_eq(stp_logf(1.0f), 0.0f);
    cr_assert_eq(stp_logf(0.0f), -INFINITY);
    cr_assert(isnan(stp_logf(-1.0f)));
}
