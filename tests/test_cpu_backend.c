/* test_cpu_backend.c: the OpenMP backend (host/sim/cpu_backend.c, engine.h's
 * stp_cpu_run_batch) end to end: the no-agent market against the lognormal
 * closed form, and bit-identical outcomes for any thread count and batch
 * split. Run from the repository root (models/ paths). */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/engine.h"
#include "stampede/params.h"
#include "stampede/scenario.h"
#include "engine_fixture.h"
#include "seed.h"
#include "stress_shocks.h"

static const char families[] =
    "\"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 0.7},"
    "{\"model\": \"models/second_mlp.json\", \"share\": 0.1},"
    "{\"model\": \"models/drawdown_rule.json\", \"share\": 0.1},"
    "{\"model\": \"models/vol_target_rule.json\", \"share\": 0.1}]";

static const char protocols[] =
    "\"protocols\": [{\"name\": \"lend_a\", \"share\": 0.6, \"liquidation_threshold\": 0.83,"
    "\"liquidation_bonus\": 0.05, \"close_factor\": 0.5, \"full_close_hf\": 0.95},"
    "{\"name\": \"lend_b\", \"share\": 0.4, \"liquidation_threshold\": 0.80,"
    "\"liquidation_bonus\": 0.075, \"close_factor\": 0.5, \"full_close_hf\": 0.95}]";

static void engine_run(engine *e, int threads, long long batch)
{
    stp_error err = {STP_OK, ""};
    long long p;
    for (p = 0; p < e->out.n; p += batch) {
        const long long n = e->out.n - p < batch ? e->out.n - p : batch;
        cr_assert_eq(stp_cpu_run_batch(&e->ctx, p, n, threads, &err), STP_OK, "%s", err.msg);
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* No agents, no jumps, no shocks, one regime (no switching), normal noise,
 * zero fee, a pool so deep that the one tiny passive position cannot move
 * it, and arbitrage that closes the whole gap each step: the pool price is
 * P*, so P_T / P0 is lognormal with m = (mu - s^2/2) T, sd = s sqrt(T).
 * Each empirical quantile q has Monte Carlo sd sqrt(q (1-q) / n) / f(x_q);
 * we allow 4 of them (a correct engine fails ~1e-4 of runs per quantile).
 * Fresh seed each run, printed on failure. */
Test(engine, no_agent_market_matches_lognormal_quantiles, .timeout = 120)
{
    const unsigned long long seed = test_seed();
    const double qs[5] = {0.01, 0.1, 0.5, 0.9, 0.99};
    const double mu = 2e-6, s = 1e-3, T = 400.0;
    const int n = 20000;
    char json[4096], seed_set[64];
    const char *sets[1] = {seed_set};
    engine e;
    double *x;
    int i;
    snprintf(seed_set, sizeof seed_set, "run.seed=%llu", seed);
    snprintf(
        json, sizeof json,
        "{\"run\": {\"paths\": %d, \"batch\": 4096}, \"time\": {\"dt_s\": 1, \"horizon_s\": %g},"
        "\"market\": {\"price0_usd\": 2500, \"mu_per_s\": %g, \"vol\": {\"calm_per_sqrt_s\": %g,"
        "\"stress_per_sqrt_s\": %g, \"calm_to_stress_per_s\": 0, \"stress_to_calm_per_s\": 0},"
        "\"noise\": {\"dist\": \"normal\"}, \"jumps\": {\"rate_per_s\": 0}},"
        "\"pool\": {\"depth_usd\": 1e15, \"fee\": 0, \"arb_half_life_s\": 1e-6},"
        "%s, \"population\": {\"agents\": 0, \"passive_positions\": 1,"
        "\"collateral_usd\": {\"total\": 1}, %s}, \"scenario\": {\"shocks\": []}}",
        n, T, mu, s, s, protocols, families);
    engine_open(&e, json, sets, 1);
    engine_run(&e, 2, 4096);
    x = e.out.v[STP_OUT_FINAL_PRICE_RATIO];
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    for (i = 0; i < 5; i++) {
        const double m = (mu - 0.5 * s * s) * T, sd = s * sqrt(T);
        const double z = gsl_cdf_ugaussian_Pinv(qs[i]);
        const double exact = exp(m + sd * z);
        const double pdf = exp(-0.5 * z * z) / (sqrt(2.0 * 3.14159265358979323846) * sd * exact);
        const double mc_sd = sqrt(qs[i] * (1.0 - qs[i]) / n) / pdf;
        const double est = x[(int)ceil(qs[i] * n) - 1];
        cr_expect_lt(fabs(est - exact), 4.0 * mc_sd, "seed %llu q %g: %.8g vs %.8g (sd %.3g)", seed,
                     qs[i], est, exact, mc_sd);
    }
    engine_close(&e);
}

/* A small stressed market with agents, LPs, shocks of every kind, jumps
 * and Student-t noise: outcomes must not depend on threads or batches. */
static const char *small_market(char *json, size_t n)
{
    snprintf(
        json, n,
        "{\"run\": {\"paths\": 48, \"seed\": 7}, \"time\": {\"dt_s\": 1, \"horizon_s\": 240},"
        "\"market\": {\"jumps\": {\"rate_per_s\": 0.002}},"
        "\"pool\": {\"depth_usd\": 2e8},"
        "%s, \"population\": {\"agents\": 96, \"passive_positions\": 64, %s},"
        "\"scenario\": {\"shocks\": ["
        "{\"kind\": \"gap\", \"rate_per_path\": 1.0, \"time_s\": [0, 200], \"duration_s\": 3,"
        " \"size\": {\"mean\": -0.1, \"sd\": 0.05}},"
        "{\"kind\": \"exploit\", \"count\": 1, \"time_s\": [0, 200], \"duration_s\": [1, 5],"
        " \"size\": {\"mean\": -0.05, \"sd\": 0.02}, \"protocol\": \"lend_b\"},"
        "{\"kind\": \"liquidity_withdrawal\", \"count\": 1, \"time_s\": 100, \"duration_s\": 10,"
        " \"size\": {\"mean\": 0.3, \"sd\": 0.1}},"
        "{\"kind\": \"oracle_delay\", \"rate_per_path\": 0.5, \"time_s\": [0, 200],"
        " \"duration_s\": 20, \"size\": {\"mean\": 5, \"sd\": 2}},"
        "{\"kind\": \"vol_regime\", \"count\": 1, \"time_s\": 50, \"duration_s\": 60}]}}",
        protocols, families);
    return json;
}

static void assert_same_outcomes(const stp_outcomes *a, const stp_outcomes *b, const char *what)
{
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        cr_assert_eq(memcmp(a->v[m], b->v[m], sizeof(double) * (size_t)a->n), 0, "%s: %s differs",
                     what, stp_outcome_names[m]);
}

Test(engine, identical_outcomes_for_any_threads_and_batch, .timeout = 120)
{
    char json[8192];
    engine a, b, c;
    engine_open(&a, small_market(json, sizeof json), NULL, 0);
    engine_open(&b, json, NULL, 0);
    engine_open(&c, json, NULL, 0);
    engine_run(&a, 1, 48);
    engine_run(&b, 2, 48);
    engine_run(&c, 2, 7);
    assert_same_outcomes(&a.out, &b.out, "threads 1 vs 2");
    assert_same_outcomes(&a.out, &c.out, "batch 48 vs 7");
    /* the scenario must have done something, or the test proves nothing */
    {
        double liq = 0.0, acted = 0.0;
        int p;
        for (p = 0; p < a.out.n; p++) {
            liq += a.out.v[STP_OUT_LIQUIDATED_USD][p];
            acted += a.out.v[STP_OUT_AGENTS_ACTED][p];
        }
        cr_assert_gt(liq, 0.0, "no liquidations in the stressed market");
        cr_assert_gt(acted, 0.0, "no agent acted in the stressed market");
    }
    engine_close(&a);
    engine_close(&b);
    engine_close(&c);
}

/* A vol_regime shock forces stress only for its duration (DESIGN §3.9):
 * with calm vol ~0, stress vol s and no regime switching of its own, the
 * log price ratio over the horizon has sd s sqrt(duration). The sample sd
 * of n = 4000 paths has relative MC error 1/sqrt(2n) = 1.1%; we allow 5%.
 * (Were stress to persist to the horizon the sd would be s sqrt(300).) */
Test(engine, vol_regime_lasts_its_duration, .timeout = 120)
{
    const unsigned long long seed = test_seed();
    const double s = 1e-3;
    char json[4096], seed_set[64];
    const char *sets[1] = {seed_set};
    engine e;
    double m = 0.0, m2 = 0.0;
    int i;
    snprintf(seed_set, sizeof seed_set, "run.seed=%llu", seed);
    snprintf(json, sizeof json,
             "{\"run\": {\"paths\": 4000}, \"time\": {\"dt_s\": 1, \"horizon_s\": 400},"
             "\"market\": {\"vol\": {\"calm_per_sqrt_s\": 1e-9, \"stress_per_sqrt_s\": %g,"
             "\"calm_to_stress_per_s\": 0, \"stress_to_calm_per_s\": 0},"
             "\"noise\": {\"dist\": \"normal\"}, \"jumps\": {\"rate_per_s\": 0}},"
             "\"pool\": {\"depth_usd\": 1e15, \"fee\": 0, \"arb_half_life_s\": 1e-6},"
             "%s, \"population\": {\"agents\": 0, \"passive_positions\": 1,"
             "\"collateral_usd\": {\"total\": 1}, %s}, \"scenario\": {\"shocks\": ["
             "{\"kind\": \"vol_regime\", \"count\": 1, \"time_s\": 100, \"duration_s\": 50}]}}",
             s, protocols, families);
    engine_open(&e, json, sets, 1);
    engine_run(&e, 2, 4000);
    for (i = 0; i < 4000; i++) {
        const double x = log(e.out.v[STP_OUT_FINAL_PRICE_RATIO][i]);
        m += x;
        m2 += x * x;
    }
    m /= 4000.0;
    cr_expect_float_eq(sqrt(m2 / 4000.0 - m * m), s * sqrt(50.0), 0.05 * s * sqrt(50.0),
                       "seed %llu", seed);
    engine_close(&e);
}

/* peak_sync is a fraction of agents: with a window far longer than the
 * cooldown an agent acting twice in it still counts once, so it stays in
 * [0, 1] (and something must have happened for the test to mean anything). */
Test(engine, peak_sync_counts_distinct_agents, .timeout = 120)
{
    char json[8192];
    const char *sets[2] = {"output.sync_window_s=200", "population.cooldown_s=2"};
    engine e;
    double top = 0.0;
    int p;
    engine_open(&e, small_market(json, sizeof json), sets, 2);
    engine_run(&e, 2, 48);
    for (p = 0; p < e.out.n; p++) {
        const double v = e.out.v[STP_OUT_PEAK_SYNC][p];
        cr_assert_leq(v, 1.0, "path %d: peak_sync %g", p, v);
        cr_assert_leq(v * 96.0, e.out.v[STP_OUT_AGENTS_ACTED][p] + 1e-9, "path %d", p);
        top = fmax(top, v);
    }
    cr_assert_gt(top, 0.0, "no agent acted");
    engine_close(&e);
}

/* One passive position (hf0 = 1.1) crashed by a -0.7 log gap at t = 10
 * (HF about 0.55: full close wanted) with liquidators' capital of $1,000/s:
 * every later step repays at most $1,000, so at most $1,000 (1 + LB) of
 * collateral is seized per step (pro rata budget, DESIGN §3.9), and it keeps
 * liquidating step after step. */
static const char one_position[] =
    "{\"run\": {\"paths\": 4, \"seed\": 3}, \"time\": {\"dt_s\": 1, \"horizon_s\": 100},"
    "\"market\": {\"vol\": {\"calm_per_sqrt_s\": 1e-6, \"stress_per_sqrt_s\": 1e-6},"
    " \"noise\": {\"dist\": \"normal\"}, \"jumps\": {\"rate_per_s\": 0}},"
    "\"pool\": {\"depth_usd\": %s, \"fee\": 0, \"arb_half_life_s\": 1e-6},"
    "\"oracle\": {\"delay_s\": 0}, \"liquidators\": {\"capital_usd_per_s\": %s},"
    "\"protocols\": [{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": 0.8,"
    " \"liquidation_bonus\": 0.05}],"
    "\"population\": {\"agents\": 0, \"passive_positions\": 1,"
    " \"collateral_usd\": {\"total\": 1e6, \"log_sd\": 0},"
    " \"hf0\": {\"min\": 1.05, \"median\": 1.1, \"log_sd\": 0},"
    " \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 1}]},"
    "\"scenario\": {\"shocks\": [{\"kind\": \"gap\", \"count\": 1, \"time_s\": 10,"
    " \"duration_s\": 1, \"size\": {\"mean\": -0.7, \"sd\": 0}}]}}";

Test(engine, liquidator_budget_caps_each_step, .timeout = 60)
{
    char json[4096];
    engine e;
    int p;
    snprintf(json, sizeof json, one_position, "1e12", "1000");
    engine_open(&e, json, NULL, 0);
    engine_run(&e, 1, 4);
    for (p = 0; p < 4; p++) {
        const double liq = e.out.v[STP_OUT_LIQUIDATED_USD][p];
        const double n = e.out.v[STP_OUT_LIQUIDATIONS][p];
        /* seized USD per step = repay (1 + LB) <= 1000 * 1.05 (+ float rounding) */
        cr_assert_leq(liq, 1050.0 * n * (1.0 + 1e-5), "path %d: %g over %g steps", p, liq, n);
        cr_assert_geq(liq, 1050.0 * n * (1.0 - 1e-5), "path %d: budget not used", p);
        cr_assert_geq(n, 80.0, "path %d: %g liquidation steps after the crash", p, n);
    }
    engine_close(&e);
}

/* The same crash into a pool of $1,000 USD: selling any seizure of the $1M
 * position would pay far less than the debt repaid, so the liquidators skip
 * every step (DESIGN §3.3, the March-2020 dynamic) and the shortfall stays
 * as bad debt at the horizon. */
Test(engine, liquidators_skip_when_the_pool_cannot_pay, .timeout = 60)
{
    char json[4096];
    engine e;
    int p;
    snprintf(json, sizeof json, one_position, "1e3", "1e9");
    engine_open(&e, json, NULL, 0);
    engine_run(&e, 1, 4);
    for (p = 0; p < 4; p++) {
        cr_assert_eq(e.out.v[STP_OUT_LIQUIDATIONS][p], 0.0, "path %d", p);
        cr_assert_eq(e.out.v[STP_OUT_LIQUIDATED_USD][p], 0.0, "path %d", p);
        cr_assert_gt(e.out.v[STP_OUT_BAD_DEBT_USD][p], 0.0, "path %d: no shortfall", p);
    }
    engine_close(&e);
}

/* A stressed pool stays a pool: with every shock kind at once (two 50%
 * liquidity withdrawals, a 30% exploit haircut, oracle delays, forced
 * stress), seed 1 of the quickstart market once drained paths 133 and 445
 * to a price of 1e-27 and then NaN: LP agents took their share of the
 * *initial* liquidity after the shocks had halved it, and a batch many
 * times the remaining pool rounded its USD reserve to 0. Every outcome of
 * every path must stay finite, and the market must crash hard. */
static void expect_finite_crash(const char *const *sets, int n_sets, double crash_ratio)
{
    static char json[65536];
    FILE *f = fopen(STP_SOURCE_DIR "/configs/quickstart.json", "r");
    double min_ratio = 1.0;
    engine e;
    size_t got;
    int p, m;
    cr_assert_not_null(f);
    got = fread(json, 1, sizeof json - 1, f);
    json[got] = '\0';
    fclose(f);
    engine_open(&e, json, sets, n_sets);
    engine_run(&e, 0, 160);
    for (p = 0; p < e.out.n; p++) {
        for (m = 0; m < STP_N_OUTCOMES; m++)
            cr_assert(isfinite(e.out.v[m][p]), "path %d %s = %g", p, stp_outcome_names[m],
                      e.out.v[m][p]);
        min_ratio = fmin(min_ratio, e.out.v[STP_OUT_MIN_PRICE_RATIO][p]);
    }
    /* the scenario did crash some pool, or the test proves nothing */
    cr_assert_lt(min_ratio, crash_ratio, "no pool fell below %g of its price (min ratio %g)",
                 crash_ratio, min_ratio);
    engine_close(&e);
}

Test(engine, every_shock_kind_at_once_keeps_outcomes_finite, .timeout = 300)
{
    const char *sets[3] = {stress_shocks, "run.paths=160", "run.seed=1"}; /* path 133 among them */
    expect_finite_crash(sets, 3, 0.5);
}

/* The same with every mitigation on: held queues released into a drained
 * pool, high fees, capped and deferred liquidations (the mitigations soften
 * the worst crash: its pool kept 0.54 of the price at seed 1). */
Test(engine, every_shock_kind_and_every_mitigation_keep_outcomes_finite, .timeout = 300)
{
    const char *sets[4] = {stress_shocks, all_mitigations, "run.paths=160", "run.seed=1"};
    expect_finite_crash(sets, 4, 0.7);
}
