/* tanh_check.c: stp_tanhf (step.h) over every float, against long double
 * tanhl: its largest absolute error, that it is odd bit for bit, and that
 * the device's division (stp_divf_from_rcp, from any start within 4 ulps
 * of 1/d, rcp.approx being within 1) rounds every quotient the tanh forms
 * as the host's IEEE division does, so both backends get the same bits.
 * Prints one line per check and exits 1 when one fails.
 *
 * Build and run (about 2 minutes on one core; bench/NOTES.md records it):
 *   cc -O2 -ffp-contract=off -Iinclude bench/tanh_check.c -o /tmp/tanh_check -lm
 *   /tmp/tanh_check [STEP]        # every STEP-th float (default 1: all)
 *
 * The coefficients are a minimax fit of the clamped function's absolute
 * error on [0, 9.5] (a linear program on x P(s) - tanh(x) Q(s), bisecting
 * on the level; P of degree 3, Q of degree 4 in s = x^2, clamp at 8),
 * rounded to float: 1.5e-7 in real arithmetic, the rest is float's. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/step.h"

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int main(int argc, char **argv)
{
    const uint32_t step = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1u;
    const uint32_t last = bits_of(9.5f); /* tanh(x) rounds to 1 past 9.01 */
    long double worst = 0.0L;
    float worst_x = 0.0f, dmin = INFINITY, dmax = 0.0f;
    long long checked = 0, not_odd = 0, div_wrong = 0, not_one = 0;
    uint32_t u;
    int k, failed = 0;
    if (step < 1) return fprintf(stderr, "tanh_check: STEP must be >= 1\n"), 2;
    for (u = 0; u <= last; u += step) {
        const float x = from_bits(u), s = stp_clampf(x, -STP_TANH_CLAMP, STP_TANH_CLAMP);
        const float n = stp_tanh_num(s, s * s), d = stp_tanh_den(s * s), t = stp_tanhf(x);
        const long double e = fabsl((long double)t - tanhl((long double)x));
        if (e > worst) worst = e, worst_x = x;
        if (d < dmin) dmin = d;
        if (d > dmax) dmax = d;
        if (bits_of(stp_tanhf(-x)) != (bits_of(t) ^ 0x80000000u)) not_odd++;
        for (k = -4; k <= 4; k++) /* every start rcp.approx may give, and more */
            if (bits_of(stp_divf_from_rcp(n, d, from_bits(bits_of(1.0f / d) + (uint32_t)k))) !=
                bits_of(t))
                div_wrong++;
        checked++;
    }
    for (u = last; u < 0x7f800000u; u += step) /* the clamped tail: exactly 1 */
        if (stp_tanhf(from_bits(u)) != 1.0f) not_one++;
    printf("floats checked in [0, 9.5]: %lld (every %u-th)\n", checked, step);
    printf("max |stp_tanhf - tanhl| = %.4Lg at x = %.9g (%.2f ulps of 1)\n", worst,
           (double)worst_x, (double)(worst / ldexpl(1.0L, -24)));
    printf("denominator range [%.9g, %.9g]\n", (double)dmin, (double)dmax);
    printf("odd bit for bit: %s (%lld failures)\n", not_odd ? "FAIL" : "ok", not_odd);
    printf("device division = host division for 9 starts each: %s (%lld failures)\n",
           div_wrong ? "FAIL" : "ok", div_wrong);
    printf("1 from 9.5 to the largest float: %s (%lld failures)\n", not_one ? "FAIL" : "ok",
           not_one);
    failed = not_odd || div_wrong || not_one || worst > 4.3e-7L;
    printf("%s\n", failed ? "FAIL" : "PASS: error <= 4.3e-7, the backends' divisions agree");
    return failed;
}
