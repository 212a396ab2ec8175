/* fmath.h: the transcendentals of the model path, written once so the CPU
 * (glibc) and the GPU (CUDA libdevice) produce the same bits (DESIGN §4).
 * Library exp/log/sin/pow round differently on the two; these functions use
 * only + - * /, fma, sqrt, floor, integer operations and exact bit moves
 * through memcpy, which IEEE 754 rounds alike everywhere once no compiler
 * fuses a*b+c behind our back (gcc -ffp-contract=off, nvcc --fmad=false:
 * every fused operation here is an explicit fma). No tables, no long double.
 * Must compile as C11 and as CUDA C++.
 *
 * Errors below are the maxima measured against the x86-64 long double libm
 * (64-bit mantissa) over dense sweeps of each whole input range and 10^8
 * random inputs; tests/test_fmath.c repeats the sweeps with a million fresh
 * random inputs per run and asserts the bounds given. Every function is
 * within 0.75 ulp (float results: 0.51 ulp of float). */
#ifndef STAMPEDE_FMATH_H
#define STAMPEDE_FMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stampede/hd.h"

/* ln 2 split for Cody and Waite's reduction (fdlibm e_exp.c, e_log.c): the
 * high part has 32 significant bits, so k * STP_LN2_HI is exact for
 * |k| < 2^21; STP_LN2_HI + STP_LN2_LO is ln 2 to about 2^-85. */
#define STP_LN2_HI  6.93147180369123816490e-01 /* 0x3fe62e42fee00000 */
#define STP_LN2_LO  1.90821492927058770002e-10 /* 0x3dea39ef35793c76 */
#define STP_INV_LN2 1.44269504088896338700e+00 /* 0x3ff71547652b82fe */

/* 2^n for n in [-1022, 1023], built in the exponent bits. */
static inline STP_HD double stp_pow2i(int n)
{
    const uint64_t bits = (uint64_t)(n + 1023) << 52;
    double p;
    memcpy(&p, &bits, sizeof p);
    return p;
}

/* e^x = 2^n (1 + r + h2 + rest), the parts stp_exp and stp_expm1 sum in
 * their own order: h2 is r^2/2 rounded, rest the small remainder (below
 * 2^-7 |r|^3 + 2^-52 h2). */
typedef struct stp_exp_parts {
    double r, h2, rest;
    int n;
} stp_exp_parts;

/* The shared core, for |x| <= 746. Cody and Waite's reduction (Cody &
 * Waite 1980, "Software Manual for the Elementary Functions"; fdlibm
 * e_exp.c): n = rint(x / ln 2), r = x - n ln2_hi - n ln2_lo with
 * |r| <= ln2 / 2; the first step is exact (n ln2_hi has 43 bits and cancels
 * x), the rounding error c of the second is kept (Knuth's TwoSum), and
 * e^(r + c) ~ e^r (1 + c). e^r = 1 + r + r^2/2 + r^3 q(r), q of degree 9
 * fitted by Chebyshev interpolation on |r| <= 1.0001 ln2/2 (mpmath
 * chebyfit, coefficients rounded to double): |r^3 (q - q_true)| < 7e-19 =
 * 0.006 2^-53. r^2/2 is split exactly by fma, so the callers can sum the
 * leading terms exactly and round once at the scale of the result (Muller,
 * "Elementary Functions", 3rd ed. 2016: range reduction, and the Fast2Sum
 * and 2Sum error-free transforms). */
static inline STP_HD stp_exp_parts stp_exp_core(double x)
{
    stp_exp_parts p;
    /* adding and removing 1.5 * 2^52 rounds to an integer exactly (|.| < 2^51) */
    const double nd = (x * STP_INV_LN2 + 6755399441055744.0) - 6755399441055744.0;
    const double r_hi = fma(-nd, STP_LN2_HI, x);
    const double d = nd * STP_LN2_LO;
    const double r = r_hi - d;
    const double rb = r - r_hi; /* TwoSum(r_hi, -d): c is exactly r_hi - d - r */
    const double c = (r_hi - (r - rb)) - (d + rb);
    const double h2 = (0.5 * r) * r;
    double q = 2.0911236630261545e-09;
    q = fma(q, r, 2.5100385495510320e-08);
    q = fma(q, r, 2.7557282969549950e-07);
    q = fma(q, r, 2.7557268459997064e-06);
    q = fma(q, r, 2.4801587317144498e-05);
    q = fma(q, r, 1.9841269863053618e-04);
    q = fma(q, r, 1.3888888888886552e-03);
    q = fma(q, r, 8.3333333333300620e-03);
    q = fma(q, r, 4.1666666666666664e-02);
    q = fma(q, r, 1.6666666666666669e-01);
    p.r = r;
    p.h2 = h2;
    /* fma(r/2, r, -h2) is the exact error of h2 */
    p.rest = fma(0.5 * r, r, -h2) + fma(r * r, r * q, fma(c, r, c));
    p.n = (int)nd;
    return p;
}

/* e^r summed as (1 + r) + h2 + the rest: both leading additions by
 * Fast2Sum (|r| < 1, h2 < 1 + r), so one rounding at the result's scale. */
static inline STP_HD double stp_exp_sum(stp_exp_parts p, double *lo)
{
    const double s1 = 1.0 + p.r;
    const double e1 = (1.0 - s1) + p.r;
    const double s2 = s1 + p.h2;
    const double e2 = (s1 - s2) + p.h2;
    *lo = (e1 + e2) + p.rest;
    return s2;
}

/* e^x over the whole double range: +inf above 709.78 (where it overflows),
 * 0 below -745.13; subnormal results are kept (gradual underflow), rounded
 * a second time by the scaling. NaN gives NaN. Max error measured 0.53 ulp
 * for normal results, 0.75 ulp of the subnormal ones (asserted: 0.6 and
 * 1). 2^n is applied in two halves so that n = 1024 and n < -1022 need no
 * branch. */
static inline STP_HD double stp_exp(double x)
{
    stp_exp_parts p;
    double lo, hi;
    int n1;
    if (x != x) return x + x;
    if (x > 709.8) return (double)INFINITY;
    if (x < -745.2) return 0.0;
    p = stp_exp_core(x);
    hi = stp_exp_sum(p, &lo);
    n1 = p.n / 2;
    return ((hi + lo) * stp_pow2i(n1)) * stp_pow2i(p.n - n1);
}

/* e^x - 1, accurate near 0 (W^(-2/nu) - 1 for W close to 1 in the
 * Student-t transform), after fdlibm s_expm1.c and Tang (ACM TOMS 18, 1992):
 * for n = 0, r + h2 + rest by Fast2Sum, so tiny x keeps its relative
 * accuracy; otherwise 2^n (hi + lo) - 1 with 2^n hi - 1 formed exactly by
 * TwoSum and the small terms added last. Beyond |x| = 40 the -1 is below
 * 2^-57 of the result: e^x for x > 40, -1 for x < -40. Max error measured
 * 0.60 ulp (asserted: 0.7). */
static inline STP_HD double stp_expm1(double x)
{
    stp_exp_parts p;
    double lo, hi, a, ae, ph, h, hb, err;
    if (x != x) return x + x;
    if (x > 40.0) return stp_exp(x);
    if (x < -40.0) return -1.0;
    if (x == 0.0) return x; /* keeps the sign of -0 */
    p = stp_exp_core(x);
    if (p.n == 0) {
        a = p.r + p.h2;
        ae = (p.r - a) + p.h2; /* Fast2Sum: h2 <= |r| / 4 */
        return a + (ae + p.rest);
    }
    hi = stp_exp_sum(p, &lo);
    ph = stp_pow2i(p.n) * hi; /* exact: |n| <= 58 */
    h = ph - 1.0;
    hb = h - ph; /* TwoSum(ph, -1) */
    err = (ph - (h - hb)) - (1.0 + hb);
    return h + (err + stp_pow2i(p.n) * lo);
}

/* Natural logarithm. Reduction and polynomial of fdlibm e_log.c (Sun
 * Microsystems 1993): x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)),
 * s = f / (2 + f), log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R) with
 * R = 2s^2/3 + 2s^4/5 + ... a Remez polynomial in s^2 (Lg1..Lg7, error
 * < 2^-58.45). fdlibm sums this in plain double (< 1 ulp; 0.90 ulp
 * measured); here f - f^2/2 and k ln2_hi + that are formed exactly
 * (fma and Fast2Sum/TwoSum, Muller 2016) and only the small terms
 * round: max error measured 0.67 ulp (asserted: 0.75). Subnormal x is
 * scaled by 2^54 first. log(+-0) = -inf, log(x < 0) = NaN,
 * log(+inf) = +inf, NaN gives NaN. */
static inline STP_HD double stp_log(double x)
{
    uint64_t bits;
    uint32_t hx;
    int k = 0;
    double m, f, s, z, w, r, dk, hf, hfsq, hfsq_e, a, ae, kh, b, bb, be;
    if (!(x > 0.0)) return x == 0.0 ? -(double)INFINITY : (double)NAN;
    if (x > 1.7976931348623157e308) return x; /* +inf */
    if (x < 2.2250738585072014e-308) {
        x *= 18014398509481984.0; /* 2^54 */
        k = -54;
    }
    memcpy(&bits, &x, sizeof bits);
    hx = (uint32_t)(bits >> 32);
    k += (int)(hx >> 20) - 1023;
    hx &= 0x000fffffu;
    {
        /* i = 2^20 when the mantissa is at least sqrt(2): then use x / 2 */
        const uint32_t i = (hx + 0x95f64u) & 0x100000u;
        const uint64_t mbits = ((uint64_t)(hx | (i ^ 0x3ff00000u)) << 32) | (bits & 0xffffffffu);
        memcpy(&m, &mbits, sizeof m);
        k += (int)(i >> 20);
    }
    f = m - 1.0; /* exact: m in [sqrt(2)/2, sqrt(2)) */
    dk = (double)k;
    s = f / (2.0 + f);
    z = s * s;
    w = z * z;
    r = z * (6.666666666666735130e-01 +
             w * (2.857142874366239149e-01 +
                  w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01))) +
        w * (3.999999999940941908e-01 +
             w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    hf = 0.5 * f;
    hfsq = hf * f;
    hfsq_e = fma(hf, f, -hfsq); /* f^2/2 = hfsq + hfsq_e exactly */
    a = f - hfsq;
    ae = (f - a) - hfsq;  /* Fast2Sum, |hfsq| < |f|: exact */
    kh = dk * STP_LN2_HI; /* exact: 43 bits */
    b = kh + a;
    bb = b - kh; /* TwoSum(kh, a) */
    be = (kh - (b - bb)) + (a - bb);
    return b + (be + ((ae - hfsq_e) + fma(s, hfsq + r, dk * STP_LN2_LO)));
}

/* sin(2 pi u) and cos(2 pi u) to float accuracy, computed in double, for
 * |u| < 2^49 (the model passes uniforms in (0, 1]). Turns make the
 * reduction exact: q = rint(4u) and z = 4u - q in [-1/2, 1/2] are exact in
 * binary (Sterbenz), angle = q pi/2 + z pi/2, and the quadrant q mod 4
 * swaps and negates. On |z| <= 1/2, sin(z pi/2) = z S(z^2) and cos(z pi/2)
 * = 1 + z^2 C(z^2) with S, C of degree 4 fitted by Chebyshev interpolation
 * (mpmath chebyfit): relative errors < 2^-37.6 and < 2^-41.5, so the
 * results rounded to float are within 0.5 + 2^-12 ulp of float (measured
 * 0.50006); sin and cos are exactly 0 and +-1 at the quarter turns. Float
 * accuracy is all Box-Muller needs; a double-accurate version would need
 * degree 6 and 7. */
static inline STP_HD void stp_sincos_turns(double u, double *s, double *c)
{
    const double q = (4.0 * u + 6755399441055744.0) - 6755399441055744.0;
    const double z = 4.0 * u - q;
    const double z2 = z * z;
    double ps = 1.582054153418526e-04, pc = -2.4909112219923097e-05, sz, cz;
    ps = fma(ps, z2, -4.681265867999628e-03);
    ps = fma(ps, z2, 7.969258267354878e-02);
    ps = fma(ps, z2, -6.459640961446242e-01);
    ps = fma(ps, z2, 1.5707963267880862);
    pc = fma(pc, z2, 9.191962833415267e-04);
    pc = fma(pc, z2, -2.0863475052045815e-02);
    pc = fma(pc, z2, 2.5366950772256197e-01);
    pc = fma(pc, z2, -1.2337005501352771);
    sz = z * ps;
    cz = fma(z2, pc, 1.0);
    switch ((int)(q - 4.0 * floor(q * 0.25))) { /* q mod 4, exact */
    case 0:
        *s = sz;
        *c = cz;
        break;
    case 1:
        *s = cz;
        *c = -sz;
        break;
    case 2:
        *s = -sz;
        *c = -cz;
        break;
    default:
        *s = -cz;
        *c = sz;
        break;
    }
}

/* Float conveniences: the double function rounded to float, so within
 * 0.5 ulp of float plus the double's error, 2^-29 ulp of float (measured
 * 0.5000 ulp of float). */
static inline STP_HD float stp_expf(float x)
{
    return (float)stp_exp((double)x);
}

static inline STP_HD float stp_logf(float x)
{
    return (float)stp_log((double)x);
}

#endif
