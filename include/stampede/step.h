/* step.h: the model, once (DESIGN §3, §3.9): the per-step formulas that
 * path.h's step and liquidation.h's batch are built from, so every backend
 * runs them: the OpenMP loop (host/sim/cpu_backend.c), the calm market
 * (host/world/equilibrium.c) and the CUDA kernel (kernels/path_kernel.cu
 * through block.h); must compile as C11 and as CUDA C++. Pure functions:
 * no allocation, no I/O, no globals. Per-agent math is float with explicit
 * fmaf so every backend rounds alike; pool reserves and money sums are double
 * (k = XY must never fall through rounding). */
#ifndef STAMPEDE_STEP_H
#define STAMPEDE_STEP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stampede/fmath.h"
#include "stampede/hd.h"
#include "stampede/model_shape.h"

/* Comparisons rather than fminf/fmaxf: compilers vectorise them without
 * fast-math, and they behave the same in C and CUDA. */
static inline STP_HD float stp_clampf(float x, float lo, float hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* fmaxf's result (the larger, or the one that is a number) without a call
 * to the library, so loops over agents vectorise; signed zeros aside,
 * which the one caller subtracts 1 from. */
static inline STP_HD float stp_maxf(float a, float b)
{
    return (a > b || b != b) ? a : b;
}

/* ---------------------------------------------------------------------------
 * Elementary functions written out so that the CPU and the GPU produce the
 * same bits (only +, *, fmaf, division and exact scaling by 2^n); the double
 * ones (exp, log, expm1, sin/cos) are in fmath.h.
 * ------------------------------------------------------------------------- */

/* n / d rounded to nearest from y0, an approximation of 1/d within 4 ulps:
 * one Newton step, then Markstein's correction q + (n - d q) y, whose
 * remainder n - d q is exact. For the tanh's operands (stp_tanhf: d in
 * [1, 194], |n| <= 194, n = 0 or |n| >= 2^-149 with d = 1) it returns
 * RN(n / d) for every y0 within 4 ulps of 1/d: checked over every float
 * x by bench/tanh_check.c, sampled on fresh seeds by tests/test_step.c.
 * Not a general division: operands near the exponent limits need the
 * scaling nvcc's `/` does. */
static inline STP_HD float stp_divf_from_rcp(float n, float d, float y0)
{
    const float y = fmaf(y0, fmaf(-d, y0, 1.0f), y0);
    const float q = n * y;
    return fmaf(fmaf(-d, q, n), y, q);
}

/* n / d rounded to nearest, for the tanh's operands only. The host
 * divides. On the device nvcc's `/` is a reciprocal, its refinement, a
 * range check (FCHK) and a branch to a slow path for operands near the
 * exponent limits, which ours never reach, so the device starts from
 * rcp.approx (within 1 ulp of 1/d, PTX ISA) and refines it itself: the
 * same bits in 6 instructions and no branch. */
static inline STP_HD float stp_tanh_divf(float n, float d)
{
#ifdef __CUDA_ARCH__
    float y0;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y0) : "f"(d));
    return stp_divf_from_rcp(n, d, y0);
#else
    return n / d;
#endif
}

/* tanh's rational approximation on |x| <= STP_TANH_CLAMP, beyond which
 * the argument is clamped: tanh(x) ~ x P(x^2) / Q(x^2), P of degree 3 and
 * Q of degree 4 in x^2, minimax for the absolute error of the clamped
 * function on [0, 9.5] (how: bench/tanh_check.c's header), the
 * coefficients then rounded to float. Absolute error of stp_tanhf <= 4.3e-7
 * (4.29e-7 at x = 7.84) over every float, against long double tanhl
 * (bench/tanh_check.c); 1.5e-7 of it is the fit's, the rest the float
 * evaluation's. The exp-based tanh before 0.4.0 had 3e-7. */
#define STP_TANH_CLAMP 8.0f
#define STP_TANH_P0    0.999999225f
#define STP_TANH_P1    0.128979877f
#define STP_TANH_P2    0.00292218011f
#define STP_TANH_P3    1.1133634e-05f
#define STP_TANH_Q1    0.462310404f
#define STP_TANH_Q2    0.0236952938f
#define STP_TANH_Q3    0.000234695253f
#define STP_TANH_Q4    2.36803203e-07f

/* The numerator x P(s) and the denominator Q(s), s = x^2, by Horner. */
static inline STP_HD float stp_tanh_num(float xc, float s)
{
    const float p = fmaf(fmaf(fmaf(STP_TANH_P3, s, STP_TANH_P2), s, STP_TANH_P1), s, STP_TANH_P0);
    return xc * p;
}

static inline STP_HD float stp_tanh_den(float s)
{
    return fmaf(fmaf(fmaf(fmaf(STP_TANH_Q4, s, STP_TANH_Q3), s, STP_TANH_Q2), s, STP_TANH_Q1), s,
                1.0f);
}

/* stp_clampf(x, -STP_TANH_CLAMP, STP_TANH_CLAMP). On the device from
 * sm_80 it is max.NaN then min.NaN (PTX ISA: the result is NaN when an
 * operand is), two instructions where nvcc makes three of stp_clampf's
 * comparisons; the same value for every x (-0 stays -0; NaN stays NaN,
 * and every float operation of the device returns its one canonical NaN
 * anyway). */
static inline STP_HD float stp_tanh_clamp(float x)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    float y;
    asm("max.NaN.f32 %0, %1, %2;" : "=f"(y) : "f"(x), "f"(-STP_TANH_CLAMP));
    asm("min.NaN.f32 %0, %1, %2;" : "=f"(y) : "f"(y), "f"(STP_TANH_CLAMP));
    return y;
#else
    return stp_clampf(x, -STP_TANH_CLAMP, STP_TANH_CLAMP);
#endif
}

/* tanh(x), the same bits on every backend: + x fma and one division
 * rounded to nearest (stp_tanh_divf). Odd exactly, NaN in NaN out.
 * Cost: 12 operations (clamp 2, square, 4 and 4 Horner, divide): 12 vector
 * instructions with AVX-512 (host/model/cpu_mlp.c), 17 on the device
 * (the clamp 2, the division 6) with no branch; bench/NOTES.md. */
static inline STP_HD float stp_tanhf(float x)
{
    const float xc = stp_tanh_clamp(x);
    const float s = xc * xc;
    return stp_tanh_divf(stp_tanh_num(xc, s), stp_tanh_den(s));
}

/* ---------------------------------------------------------------------------
 * Risk models: features -> logit. Parameters of agent a live at
 * p[k * stride] (structure of arrays: stride = agents in the family block),
 * canonical order in models.h.
 * ------------------------------------------------------------------------- */
/* Pre-activation of hidden unit h: b1[h] + sum_f w1[h][f] x[f], the
 * features of this agent at x[f * xstride]. */
static inline STP_HD float stp_mlp_unit(const float *p, long stride, int hidden, int h,
                                        const float *x, long xstride)
{
    float acc = p[(8L * hidden + h) * stride];
    int f;
    for (f = 0; f < STP_FEATURES; f++)
        acc = fmaf(p[((long)h * STP_FEATURES + f) * stride], x[f * xstride], acc);
    return acc;
}

/* One hidden unit's contribution added to the running output:
 * out + w2[h] tanh(unit h). The output starts at b2 (stp_mlp_b2). */
static inline STP_HD float stp_mlp_accumulate(const float *p, long stride, int hidden, int h,
                                              const float *x, long xstride, float out)
{
    return fmaf(p[(9L * hidden + h) * stride],
                stp_tanhf(stp_mlp_unit(p, stride, hidden, h, x, xstride)), out);
}

static inline STP_HD float stp_mlp_b2(const float *p, long stride, int hidden)
{
    return p[10L * hidden * stride];
}

/* The MLP's logit, units in order h = 0..H-1 (every backend sums in this
 * order, so they agree bit for bit). */
static inline STP_HD float stp_mlp_logit(const float *p, long stride, int hidden, const float *x)
{
    float out = stp_mlp_b2(p, stride, hidden);
    int h;
    for (h = 0; h < hidden; h++)
        out = stp_mlp_accumulate(p, stride, hidden, h, x, 1, out);
    return out;
}

/* Drawdown / VaR-breach rule: breach = max(DD / dd_limit, -RETW / var_z);
 * logit = gain (breach - 1) + offset, so the score crosses 1/2 near the
 * limit when offset = 0. Features at x[f * xstride]. */
static inline STP_HD float stp_drawdown_rule_logit(const float *p, long stride, const float *x,
                                                   long xstride)
{
    const float dd_limit = p[0], var_z = p[stride], gain = p[2 * stride], offset = p[3 * stride];
    const float breach =
        stp_maxf(x[STP_F_DD * xstride] / dd_limit, -x[STP_F_RETW * xstride] / var_z);
    return fmaf(gain, breach - 1.0f, offset);
}

/* Volatility targeting: de-risk as realised vol exceeds the target ratio,
 * more urgently when the own health factor is low. */
static inline STP_HD float stp_vol_target_logit(const float *p, long stride, const float *x,
                                                long xstride)
{
    const float target = p[0], gain = p[stride], hf_weight = p[2 * stride], offset = p[3 * stride];
    return fmaf(gain, x[STP_F_VOL * xstride] / target - 1.0f,
                fmaf(hf_weight, 1.0f - x[STP_F_HF * xstride], offset));
}

/* A rule family's logit (kind is not STP_FAMILY_MLP). */
static inline STP_HD float stp_rule_logit(stp_family_kind kind, const float *p, long stride,
                                          const float *x)
{
    if (kind == STP_FAMILY_DRAWDOWN_RULE) return stp_drawdown_rule_logit(p, stride, x, 1);
    return stp_vol_target_logit(p, stride, x, 1);
}

static inline STP_HD float stp_model_logit(stp_family_kind kind, int hidden, const float *p,
                                           long stride, const float *x)
{
    if (kind == STP_FAMILY_MLP) return stp_mlp_logit(p, stride, hidden, x);
    return stp_rule_logit(kind, p, stride, x);
}

/* ---------------------------------------------------------------------------
 * Fundamental price (DESIGN §3.1).
 * ------------------------------------------------------------------------- */

/* Two-regime Markov chain: leave the current regime with the per-step
 * probability. The chain runs unforced; a vol_regime shock overrides the
 * volatility only while it lasts (the caller takes stress when forced), so
 * the regime after the shock, and the common random numbers of runs with
 * and without it, are untouched. */
static inline STP_HD int stp_regime_next(int regime, float u, float p_calm_to_stress,
                                         float p_stress_to_calm)
{
    if (regime == 0) return u < p_calm_to_stress ? 1 : 0;
    return u < p_stress_to_calm ? 0 : 1;
}

/* Number of Poisson(lambda) events by inversion of one uniform u in (0, 1],
 * in double so the CDF can reach u; u = 1 (the top bucket of the 32-bit
 * word) is taken as 1 - 2^-33, the middle of that bucket, which the CDF
 * reaches after a few terms. Capped at `cap` (a safety net, not a model).
 * e^-lambda is fmath.h's, so the count is the same on every backend. */
static inline STP_HD int stp_poisson_inverse(float u, double lambda, int cap)
{
    const double v = u < 1.0f ? (double)u : 1.0 - 1.1641532182693481e-10;
    double p = stp_exp(-lambda), cdf = p;
    int k = 0;
    while (v > cdf && k < cap) {
        k++;
        p *= lambda / (double)k;
        cdf += p;
    }
    return k;
}

/* log P* += (mu - sigma^2/2) dt + sigma sqrt(dt) eps + J + S, with sigma_step
 * = sigma sqrt(dt) and mu_step = mu dt precomputed. */
static inline STP_HD double stp_log_price_step(double log_p, float mu_step, float sigma_step,
                                               float eps, float jump, float shock)
{
    const float drift = fmaf(-0.5f * sigma_step, sigma_step, mu_step);
    return log_p + (double)(fmaf(sigma_step, eps, drift) + jump + shock);
}

/* ---------------------------------------------------------------------------
 * Constant-product pool (Uniswap v2), DESIGN §3.2.
 * ------------------------------------------------------------------------- */

/* USD out for selling qty collateral: the fee stays in the pool, so only
 * qty (1 - fee) moves along the curve (Uniswap v2 getAmountOut). */
static inline STP_HD double stp_amm_sell_usd(double pool_x, double pool_y_usd, double qty,
                                             double fee)
{
    const double q_eff = qty * (1.0 - fee);
    return pool_y_usd * q_eff / (pool_x + q_eff);
}

/* Executes sells of qty units on the pool whose after-fee input is q_eff
 * (one fee: qty (1 - fee); several fee tiers: their sum); returns the USD
 * paid out. With the fee retained, x y never falls. Both the payout and the new reserve
 * y x / (x + q_eff) come from their own closed form: y - out would lose the
 * small trade's precision to cancellation in the one, and round to 0 in the
 * other when one batch is many times the pool (a pool with no USD has no
 * price); they agree to an ulp of y. */
static inline STP_HD double stp_amm_swap_eff(double *pool_x, double *pool_y_usd, double qty,
                                             double q_eff)
{
    const double out = *pool_y_usd * q_eff / (*pool_x + q_eff);
    *pool_y_usd *= *pool_x / (*pool_x + q_eff);
    *pool_x += qty;
    return out;
}

/* stp_amm_swap_eff for one seller paying `fee`. */
static inline STP_HD double stp_amm_sell(double *pool_x, double *pool_y_usd, double qty, double fee)
{
    if (!(qty > 0.0)) return 0.0;
    return stp_amm_swap_eff(pool_x, pool_y_usd, qty, qty * (1.0 - fee));
}

/* Arbitrage closes `frac` of the log gap between pool and fundamental price,
 * trading along the curve without fee (k preserved exactly up to rounding),
 * frac = 1 - exp(-dt ln2 / half_life). log and exp are fmath.h's (identical
 * on every backend, within 1 ulp). */
static inline STP_HD void stp_arbitrage(double *pool_x, double *pool_y_usd, double log_p_star,
                                        double frac)
{
    const double k = *pool_x * *pool_y_usd;
    const double log_p = stp_log(*pool_y_usd / *pool_x);
    const double p_new = stp_exp(log_p + frac * (log_p_star - log_p));
    *pool_x = sqrt(k / p_new);
    *pool_y_usd = sqrt(k * p_new);
}

/* Scales both reserves by `factor` (LP withdrawal < 1, refill > 1): the
 * price is unchanged and liquidity L = sqrt(x y) scales by `factor`. */
static inline STP_HD void stp_pool_scale(double *pool_x, double *pool_y_usd, double factor)
{
    *pool_x *= factor;
    *pool_y_usd *= factor;
}

/* ---------------------------------------------------------------------------
 * Lending (Aave v3), DESIGN §3.3 and §3.9.
 * ------------------------------------------------------------------------- */

static inline STP_HD float stp_health_factor(float collateral, float price, float lt,
                                             float debt_usd)
{
    return debt_usd > 0.0f ? collateral * price * lt / debt_usd : INFINITY;
}

/* Conservative screen for HF < 1 without a division: true whenever
 * stp_liquidate could act (the 1e-4 margin covers the rounding of c P LT
 * against the division in the HF), so callers may skip stp_liquidate when
 * it is false. */
static inline STP_HD int stp_maybe_liquidatable(float collateral, float price, float lt,
                                                float debt_usd)
{
    return (debt_usd > 0.0f) & (collateral * price * lt < debt_usd * 1.0001f);
}

typedef struct stp_liquidation {
    float repay_usd;    /* debt repaid by the liquidator */
    float seize;        /* collateral units taken */
    float bad_debt_usd; /* debt left when the collateral ran out */
} stp_liquidation;

/* Aave v3 LiquidationLogic: close factor 1 below full_close_hf (0.95 in v3),
 * else close_factor; seizure r (1 + LB) / P. When that exceeds the
 * collateral, the liquidator takes it all and repays c P / (1 + LB); the rest
 * of the debt is bad debt. Zero when HF >= 1. */
static inline STP_HD stp_liquidation stp_liquidate(float collateral, float debt_usd, float price,
                                                   float lt, float lb, float close_factor,
                                                   float full_close_hf)
{
    stp_liquidation r;
    const float hf = stp_health_factor(collateral, price, lt, debt_usd);
    r.repay_usd = 0.0f;
    r.seize = 0.0f;
    r.bad_debt_usd = 0.0f;
    if (!(hf < 1.0f) || collateral <= 0.0f) return r;
    r.repay_usd = (hf < full_close_hf ? 1.0f : close_factor) * debt_usd;
    r.seize = r.repay_usd * (1.0f + lb) / price;
    if (r.seize >= collateral) {
        r.seize = collateral;
        r.repay_usd = collateral * price / (1.0f + lb);
        r.bad_debt_usd = debt_usd - r.repay_usd;
    }
    return r;
}

/* A protocol's liquidators sell the seizure into the batch: they skip the
 * step when the batch's average price times (1 + LB) is below the oracle
 * price, i.e. the pool pays less than the debt they repaid (the March-2020
 * dynamic: slippage kills the incentive). */
static inline STP_HD int stp_liquidation_profitable(double batch_avg_price, float lb,
                                                    float oracle_price)
{
    return batch_avg_price * (1.0 + (double)lb) >= (double)oracle_price;
}

/* ---------------------------------------------------------------------------
 * Scenario shocks spread over their duration (DESIGN §3.9).
 * ------------------------------------------------------------------------- */

/* Per-step factor that removes `frac` of liquidity over n steps in total:
 * (1 - |frac|)^(1/n) = exp(log(1 - |frac|) / n) through fmath.h, with
 * |frac| capped at 1 - 1e-9. log's and the division's relative errors grow
 * by |y| = |log(1 - |frac|)| / n through exp: measured 0.5 + 1.6 |y| ulp
 * against powl (tests/test_step.c asserts 0.6 + 2.4 |y|), so 0.6 ulp for a
 * withdrawal spread over many steps and 3.8 ulp at worst (frac -> 1, two
 * steps). One step (or none) returns 1 - |frac| exactly, as pow did. */
static inline STP_HD double stp_withdrawal_step_factor(double frac, int n_steps)
{
    const double keep = 1.0 - fmin(fabs(frac), 1.0 - 1e-9);
    if (n_steps <= 1) return keep;
    return stp_exp(stp_log(keep) / (double)n_steps);
}

/* Herding: variance of per-step action counts over the binomial variance
 * N p (1 - p) they would have if the N agents acted independently with the
 * same overall rate p. 0 when nobody acts. */
static inline STP_HD double stp_herding_index(double sum, double sum_sq, double n_steps,
                                              double n_agents)
{
    double mean, var, p, indep;
    if (sum <= 0.0 || n_steps < 2.0 || n_agents <= 0.0) return 0.0;
    mean = sum / n_steps;
    var = (sum_sq - n_steps * mean * mean) / (n_steps - 1.0);
    var = var > 0.0 ? var : 0.0; /* cancellation can leave a tiny negative */
    p = mean / n_agents;
    indep = n_agents * p * (1.0 - p);
    return indep > 0.0 ? var / indep : 0.0;
}

#endif
