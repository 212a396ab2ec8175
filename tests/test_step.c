/* Tests of the per-step model math in step.h against closed forms:
 * Uniswap v2 swap arithmetic (and an independent long-double
 * recomputation), Aave v3 liquidation arithmetic, arbitrage, and the
 * backend-independent elementary functions. Random inputs use fresh seeds,
 * printed on failure. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stampede/step.h"
#include "seed.h"


/* log-uniform in [lo, hi] */
static double log_uniform(uint64_t *s, double lo, double hi)
{
    const double u = (double)(next_u64(s) >> 11) / 9007199254740992.0;
    return exp(log(lo) + u * (log(hi) - log(lo)));
}

/* Uniswap v2 getAmountOut: y q (1-f) / (x + q (1-f)). A pool of 100 units
 * and $250,000, selling 10 units at 0.3%: 250000 * 9.97 / 109.97. */
Test(amm, sell_matches_uniswap_v2_closed_form)
{
    const double out = stp_amm_sell_usd(100.0, 250000.0, 10.0, 0.003);
    cr_assert_float_eq(out, 250000.0 * 9.97 / 109.97, 1e-9);
}

/* On random reserves, sizes (up to the whole collateral reserve: a 75%
 * price drop) and fees: the double result equals a long double
 * recomputation to 1e-12 relative, and x y never falls. */
Test(amm, random_reserves_match_long_double_and_k_never_falls)
{
    uint64_t seed = test_seed(), s = seed;
    int i;
    for (i = 0; i < 100000; i++) {
        const double x = log_uniform(&s, 1e-3, 1e9), y = log_uniform(&s, 1e-3, 1e12);
        const double q = log_uniform(&s, 1e-9, 1.0) * x;
        const double fee = (double)(next_u64(&s) % 10000) / 100000.0; /* [0, 0.1) */
        const long double ql = (long double)q * (1.0L - (long double)fee);
        const long double ref = (long double)y * ql / ((long double)x + ql);
        double px = x, py = y;
        const double out = stp_amm_sell(&px, &py, q, fee);
        cr_assert_lt(fabsl((long double)out - ref) / ref, 1e-12L, "seed %llu case %d",
                     (unsigned long long)seed, i);
        /* k = x y: the fee can only add to k; what may be lost is the
         * rounding of the two reserve updates (a few ulp, < 1e-15) */
        cr_assert_geq((long double)px * py, (long double)x * y * (1.0L - 1e-15L),
                      "seed %llu case %d: k fell", (unsigned long long)seed, i);
    }
}

/* A batch many times the pool (a drained pool in a cascade) leaves a small
 * but positive USD reserve, so the pool keeps a finite, positive price and
 * arbitrage can act on it: y x / (x + q) with x = 1, y = 1e-20, q = 1e12. */
Test(amm, huge_sell_leaves_positive_reserve_and_finite_price)
{
    double x = 1.0, y = 1e-20;
    const double out = stp_amm_sell(&x, &y, 1e12, 0.003);
    cr_assert_gt(y, 0.0);
    cr_assert_float_eq(y, 1e-20 / (1.0 + 1e12 * 0.997), 1e-35);
    cr_assert_float_eq(out, 1e-20, 1e-31);
    cr_assert(isfinite(log(y / x)));
    stp_arbitrage(&x, &y, log(2500.0), 0.05);
    cr_assert(isfinite(x) && isfinite(y) && y > 0.0);
}

/* Arbitrage closes `frac` of the log gap and keeps k. */
Test(amm, arbitrage_closes_stated_fraction_of_log_gap)
{
    uint64_t seed = test_seed(), s = seed;
    int i;
    for (i = 0; i < 10000; i++) {
        double x = log_uniform(&s, 1.0, 1e7), y = log_uniform(&s, 1.0, 1e10);
        const double k = x * y, log_p0 = log(y / x);
        const double log_star = log_p0 + (log_uniform(&s, 1e-4, 1.0) - 0.5);
        const double frac = log_uniform(&s, 1e-3, 1.0);
        stp_arbitrage(&x, &y, log_star, frac);
        cr_assert_float_eq(log(y / x) - log_p0, frac * (log_star - log_p0), 1e-9,
                           "seed %llu case %d", (unsigned long long)seed, i);
        cr_assert_float_eq(x * y / k, 1.0, 1e-12, "seed %llu case %d", (unsigned long long)seed, i);
    }
}

/* Aave v3: HF = c P LT / d. c = 10, P = 2000, LT = 0.8, d = 16400:
 * HF = 0.97561 (above full_close_hf 0.95) so the close factor is 0.5:
 * repay 8200, seize 8200 * 1.05 / 2000 = 4.305 units, no bad debt. */
Test(liquidation, close_factor_half_above_full_close_hf)
{
    const stp_liquidation l = stp_liquidate(10.0f, 16400.0f, 2000.0f, 0.8f, 0.05f, 0.5f, 0.95f);
    cr_assert_float_eq(l.repay_usd, 8200.0f, 1e-3f);
    cr_assert_float_eq(l.seize, 4.305f, 1e-5f);
    cr_assert_eq(l.bad_debt_usd, 0.0f);
}

/* Same position, d = 17000: HF = 0.941 < 0.95, close factor 1.0: repay
 * 17000, seize 17000 * 1.05 / 2000 = 8.925 units (< 10, no bad debt). */
Test(liquidation, close_factor_one_below_full_close_hf)
{
    const stp_liquidation l = stp_liquidate(10.0f, 17000.0f, 2000.0f, 0.8f, 0.05f, 0.5f, 0.95f);
    cr_assert_float_eq(l.repay_usd, 17000.0f, 1e-3f);
    cr_assert_float_eq(l.seize, 8.925f, 1e-5f);
    cr_assert_eq(l.bad_debt_usd, 0.0f);
}

/* d = 20000 (HF 0.8): full close wants 21 units of 10: the liquidator takes
 * all 10 and repays 10 * 2000 / 1.05 = 19047.62; 952.38 is bad debt. */
Test(liquidation, seizure_capped_at_collateral_leaves_bad_debt)
{
    const stp_liquidation l = stp_liquidate(10.0f, 20000.0f, 2000.0f, 0.8f, 0.05f, 0.5f, 0.95f);
    cr_assert_eq(l.seize, 10.0f);
    cr_assert_float_eq(l.repay_usd, 20000.0f / 1.05f, 1e-2f);
    cr_assert_float_eq(l.bad_debt_usd, 20000.0f - 20000.0f / 1.05f, 1e-2f);
}

Test(liquidation, healthy_position_untouched)
{
    /* HF = 10 * 2000 * 0.8 / 15000 = 1.0667 */
    const stp_liquidation l = stp_liquidate(10.0f, 15000.0f, 2000.0f, 0.8f, 0.05f, 0.5f, 0.95f);
    cr_assert_eq(l.repay_usd, 0.0f);
    cr_assert_eq(l.seize, 0.0f);
    cr_assert_float_eq(stp_health_factor(10.0f, 2000.0f, 0.8f, 15000.0f), 16000.0f / 15000.0f,
                       1e-6f);
}

/* The liquidator repays r and sells r (1 + LB) / P_oracle units at the
 * batch's average price: profitable iff avg (1 + LB) >= P_oracle. At
 * oracle 2000 and LB 5% the break-even average is 2000 / 1.05 = 1904.76. */
Test(liquidation, skipped_when_pool_proceeds_do_not_cover_repay)
{
    cr_assert(stp_liquidation_profitable(1905.0, 0.05f, 2000.0f));
    cr_assert_not(stp_liquidation_profitable(1904.0, 0.05f, 2000.0f));
}

/* Our tanh is built from +, *, fmaf and one division only, so every
 * backend gets the same bits; its absolute error against libm's double
 * tanh, on a grid through the clamp at 8 and the saturation past 9. The
 * bound, 4.3e-7, is bench/tanh_check.c's over every float (4.29e-7 at
 * x = 7.84); the exp-based tanh before 0.4.0 had 3e-7. */
Test(elementary, tanh_within_4_3e7_of_libm)
{
    double worst = 0.0, worst_x = 0.0;
    int i;
    for (i = 0; i <= 200000; i++) {
        const float x = -12.0f + 24.0f * (float)i / 200000.0f;
        const double e = fabs((double)stp_tanhf(x) - tanh((double)x));
        if (e > worst) worst = e, worst_x = x;
    }
    cr_assert_lt(worst, 4.3e-7, "worst %g at x = %.9g", worst, worst_x);
    cr_assert_gt(worst, 1e-8, "a tanh this exact is not the rational form: %g", worst);
    cr_assert(isnan(stp_tanhf(NAN)));
    cr_assert_eq(stp_tanhf(INFINITY), 1.0f);
    cr_assert_eq(stp_tanhf(-INFINITY), -1.0f);
}

static float bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t float_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* The device's division (stp_divf_from_rcp from rcp.approx's start, within
 * 1 ulp of 1/d) equals the host's IEEE n / d on the tanh's operands, from
 * every start within 4 ulps: 10^6 random floats x of [-9, 9], uniform in
 * their bits (so every binade is drawn, down to the subnormals). Fresh
 * seed; bench/tanh_check.c does every float. A wrong correction step
 * (say q + (n - d q) without y, or no Newton step) fails it. */
Test(elementary, device_division_rounds_as_ieee_on_tanh_operands)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    const uint32_t top = float_to_bits(9.0f);
    long wrong = 0;
    int i, k;
    for (i = 0; i < 1000000; i++) {
        const uint64_t r = next_u64(&s);
        const float x = bits_to_float((uint32_t)(r % (top + 1u)) | (uint32_t)(r >> 63) << 31);
        const float xc = stp_clampf(x, -STP_TANH_CLAMP, STP_TANH_CLAMP), sq = xc * xc;
        const float n = stp_tanh_num(xc, sq), d = stp_tanh_den(sq);
        const uint32_t want = float_to_bits(n / d);
        for (k = -4; k <= 4; k++) {
            const float y0 = bits_to_float(float_to_bits(1.0f / d) + (uint32_t)k);
            if (float_to_bits(stp_divf_from_rcp(n, d, y0)) != want && wrong++ < 5)
                cr_log_error("seed %llu: x %a start %+d ulps", (unsigned long long)seed, x, k);
        }
        cr_assert_eq(float_to_bits(stp_tanhf(x)), want);
    }
    cr_assert_eq(wrong, 0, "seed %llu: %ld quotients differ", (unsigned long long)seed, wrong);
}

/* Independent actions with the binomial variance give herding 1; all N
 * agents acting in one step of T gives var/(N p (1-p)) computed by hand. */
Test(herding, index_of_synchronised_actions)
{
    /* T = 100 steps, N = 10 agents, all 10 act at one step: counts {10, 0 x 99}.
     * mean 0.1, sample var = (100 - 100 * 0.01) / 99 = 1, p = 0.01,
     * N p (1 - p) = 0.099: index 10.101 */
    cr_assert_float_eq(stp_herding_index(10.0, 100.0, 100.0, 10.0), 1.0 / 0.099, 1e-9);
    cr_assert_eq(stp_herding_index(0.0, 0.0, 100.0, 10.0), 0.0);
}

/* Removing 30% over 3 steps multiplies liquidity by 0.7 in total. */
Test(shocks, withdrawal_factor_compounds_to_the_stated_fraction)
{
    const double f = stp_withdrawal_step_factor(-0.3, 3);
    cr_assert_float_eq(f * f * f, 0.7, 1e-12);
    cr_assert_eq(stp_withdrawal_step_factor(0.3, 1), 0.7, "one step is 1 - frac exactly");
    cr_assert_eq(stp_withdrawal_step_factor(0.3, 0), 0.7);
    cr_assert_eq(stp_withdrawal_step_factor(2.0, 1), 1.0 - (1.0 - 1e-9), "frac capped");
}

/* exp(log(1 - f) / n) against powl: log's and the division's relative
 * errors grow by |y| = |log(1 - f)| / n through exp, so the bound is
 * 0.6 + 2.4 |y| ulp (measured 0.5 + 1.6 |y|, at most 3.8 ulp at f -> 1,
 * n = 2; 0.6 ulp for withdrawals spread over many steps). Fresh seed. */
Test(shocks, withdrawal_factor_within_stated_ulps_of_powl)
{
    const uint64_t seed0 = test_seed();
    uint64_t s = seed0;
    int i;
    for (i = 0; i < 1000000; i++) {
        const double f = (double)(next_u64(&s) >> 11) / 9007199254740992.0;
        const int n = 2 + (int)(next_u64(&s) % (i % 3 ? 100000u : 20u));
        const double keep = 1.0 - fmin(f, 1.0 - 1e-9);
        const long double ref = powl(keep, 1.0L / n);
        const double y = fabs(log(keep) / n);
        int e;
        (void)frexpl(ref, &e);
        cr_assert_leq(fabsl(stp_withdrawal_step_factor(f, n) - ref) / ldexpl(1.0L, e - 53),
                      0.6 + 2.4 * y, "seed %llu: f %a n %d", (unsigned long long)seed0, f, n);
    }
}

/* Inversion of u in (0, 1]: the top word (u = 1) must map to a small
 * count, not to the cap (float CDFs never reach 1). */
Test(poisson, top_uniform_bucket_gives_a_small_count)
{
    double lambda;
    for (lambda = 1e-8; lambda < 3.0; lambda *= 1.07) {
        /* the Poisson quantile at 1 - 2^-33 (GSL's CDF), within one for the
         * rounding of the double CDF sum near the boundary */
        unsigned int q = 0;
        while (gsl_cdf_poisson_P(q, lambda) < 1.0 - 1.1641532182693481e-10)
            q++;
        cr_assert_leq(abs(stp_poisson_inverse(1.0f, lambda, 64) - (int)q), 1, "lambda %g", lambda);
    }
}

/* E[N] = lambda: midpoint quadrature over 2^20 uniforms (discretisation
 * error O(2^-20), far below the 1e-4 relative tolerance). */
Test(poisson, inversion_has_the_poisson_mean_and_variance)
{
    const double lambdas[4] = {1e-3, 0.05, 0.5, 2.0};
    const int n = 1 << 20;
    int j, i;
    for (j = 0; j < 4; j++) {
        double s = 0.0, s2 = 0.0;
        for (i = 0; i < n; i++) {
            const int k = stp_poisson_inverse(((float)i + 0.5f) / (float)n, lambdas[j], 64);
            s += k;
            s2 += (double)k * k;
        }
        s /= n;
        s2 = s2 / n - s * s;
        cr_assert_float_eq(s, lambdas[j], 1e-4 * lambdas[j] + 2.0 / n, "mean, lambda %g",
                           lambdas[j]);
        cr_assert_float_eq(s2, lambdas[j], 1e-3 * lambdas[j] + 4.0 / n, "var, lambda %g",
                           lambdas[j]);
    }
}
