/* Importance sampling (scenario.mode "importance", host/world/scenario.c): the
 * tilted scenario law and its likelihood ratios, against the untilted law
 * and against a closed form, the pilot's tilt (host/experiment/pilot.c) and
 * the weights' diagnostics on a run. Named for the feature, which spans
 * those modules. Fresh seeds each run (tests/seed.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"
#include "small_market.h"
#include "seed.h"
#include "stampede/backend.h"
#include "stampede/mixture.h"
#include "stampede/pilot.h"
#include "stampede/stats.h"
#include "stampede/weights.h"

#define BREACH STP_SOURCE_DIR "/configs/validation/breach_rule.json"

static stp_config *load(const char *const *sets, int n)
{
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_config_load(&cfg, BREACH, sets, n, &err), STP_OK, "%s", err.msg);
    return cfg;
}

/* A tilt of 0 draws the random table exactly, with weights 1. */
Test(importance, tilt_zero_is_the_random_table)
{
    char seed[64];
    const char *plain[1] = {seed};
    const char *tilted[3] = {seed, "scenario.mode=\"importance\"", "scenario.importance.tilt=0"};
    stp_config *a, *b;
    stp_scenario_table *ta = NULL, *tb = NULL;
    stp_error err = {STP_OK, ""};
    size_t cells;
    long long p;
    snprintf(seed, sizeof seed, "run.seed=%llu", (unsigned long long)test_seed());
    a = load(plain, 1);
    b = load(tilted, 3);
    cr_assert_eq(stp_scenario_table_create(&ta, a, 0, 500, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&tb, b, 0, 500, &err), STP_OK, "%s", err.msg);
    cells = (size_t)500 * (size_t)ta->n_slots;
    cr_assert(memcmp(ta->active, tb->active, cells) == 0);
    cr_assert(memcmp(ta->size, tb->size, cells * sizeof(float)) == 0, "%s", seed);
    cr_assert(memcmp(ta->time_s, tb->time_s, cells * sizeof(float)) == 0);
    for (p = 0; p < 500; p++)
        cr_assert(ta->weight[p] == 1.0 && tb->weight[p] == 1.0);
    stp_scenario_table_destroy(ta);
    stp_scenario_table_destroy(tb);
    stp_config_destroy(a);
    stp_config_destroy(b);
}

/* The tilted law alone (defensive 0: every path tilted), whose rows carry
 * the product ratio p / q; the mixture's weight is tested below. */
static stp_scenario_table *tilted_table(double tilt, long long n, char *seed, size_t cap)
{
    char tilt_set[64];
    const char *sets[6] = {seed,
                           "scenario.mode=\"importance\"",
                           tilt_set,
                           "scenario.shocks[0].size.mean=-0.05",
                           "scenario.shocks[0].size.sd=0.05",
                           "scenario.importance.defensive=0"};
    stp_config *cfg;
    stp_scenario_table *t = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(seed, cap, "run.seed=%llu", (unsigned long long)test_seed());
    snprintf(tilt_set, sizeof tilt_set, "scenario.importance.tilt=%g", tilt);
    cfg = load(sets, 6);
    cr_assert_eq(stp_scenario_table_create(&t, cfg, 0, n, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
    return t;
}

/* E[w] = 1 under the tilted law (tilt 1, where the weights' variance
 * e^(tilt^2) - 1 = 1.72 is finite and the sample mean of 200,000 has sd
 * 0.0029: within 4 of it), and the tilted sizes are deeper on average by
 * tilt sd = 0.05. */
Test(importance, weights_average_one)
{
    enum { N = 200000 };
    char seed[64];
    stp_scenario_table *t = tilted_table(1.0, N, seed, sizeof seed);
    const double sd = sqrt((exp(1.0) - 1.0) / N);
    double sum = 0.0, size = 0.0;
    long long p;
    for (p = 0; p < N; p++) {
        sum += t->weight[p];
        size += t->size[p * t->n_slots];
    }
    cr_assert(fabs(sum / N - 1.0) < 4.0 * sd, "%s: mean weight %.5f, sd %.5f", seed, sum / N, sd);
    cr_assert(fabs(size / N + 0.10) < 4.0 * 0.05 / sqrt((double)N), "%s: mean size %.5f", seed,
              size / N);
    stp_scenario_table_destroy(t);
}

/* Each path's ratio against its closed form (erfc and exp here, GSL's
 * log-erfc there), at a tilt of 5 where P(z' < -6) = P(Z < -1) = 16% of
 * the sizes sit on the cap |mean| + 6 sd = 0.35: a clamped size carries
 * Phi(-6) / Phi(-1), any other exp(-t z' + t^2 / 2) with t = -5 and z' =
 * (size - mean) / sd (the size is stored in float: 1e-4 relative). */
Test(importance, each_ratio_matches_its_closed_form_also_on_the_cap)
{
    enum { N = 20000 };
    char seed[64];
    stp_scenario_table *t = tilted_table(5.0, N, seed, sizeof seed);
    const double t5 = -5.0, capped_w = erfc(6.0 / sqrt(2.0)) / erfc(1.0 / sqrt(2.0));
    long long p, capped = 0;
    for (p = 0; p < N; p++) {
        const double size = t->size[p * t->n_slots], w = t->weight[p];
        if (size <= -0.35 * (1.0 - 1e-6)) {
            /* a draw within float rounding of the cap (z' just above -6 in
             * double, stored as -0.35) may carry the unclamped ratio */
            const double edge = exp(-t5 * -6.0 + 0.5 * t5 * t5);
            capped++;
            cr_assert(fabs(w / capped_w - 1.0) < 1e-9 || fabs(w / edge - 1.0) < 1e-4,
                      "%s path %lld: %.10g vs %.10g", seed, p, w, capped_w);
        } else {
            const double z = (size + 0.05) / 0.05, want = exp(-t5 * z + 0.5 * t5 * t5);
            cr_assert(fabs(w / want - 1.0) < 1e-4, "%s path %lld: %.6g vs %.6g", seed, p, w, want);
        }
    }
    /* binomial: 0.1587 N +- 4 sqrt(N p q) */
    cr_assert(fabs((double)capped - 0.158655 * N) < 4.0 * sqrt(N * 0.158655 * 0.841345), "%s: %lld",
              seed, capped);
    stp_scenario_table_destroy(t);
}

/* One gap of size m ~ N(-0.05, 0.05^2) on a frictionless market (the
 * validation pack's breach_rule case): the drawdown is 1 - e^m, so with
 * cascade at a 15% drawdown and any liquidation, P(cascade) = P(m <
 * ln 0.85) = Phi(-2.2504) = 0.0122125 in closed form. Simulated on the CPU
 * backend, the tilted estimate (tilt 2.25, 2,000 paths) and the plain one
 * (20,000 paths) each lie within 4 of their standard errors of it, and the
 * tilted law's variance per path is at least 10x below plain sampling's
 * (measured about 30x). */
/* Opens the one-gap market with sets (and run.paths = paths) and runs
 * every path on the CPU backend into e->out. */
static void run_breach(engine *e, const char *const *sets, int n_sets, long long paths)
{
    const char *all[16];
    char n_paths[64];
    stp_error err = {STP_OK, ""};
    cr_assert(n_sets < 16);
    memcpy(all, sets, (size_t)n_sets * sizeof *all);
    snprintf(n_paths, sizeof n_paths, "run.paths=%lld", paths);
    all[n_sets] = n_paths;
    engine_open_file(e, BREACH, all, n_sets + 1);
    cr_assert_eq(stp_backend_run_batch(&e->ctx, e->scen, NULL, 0, paths, 0, &err), STP_OK, "%s",
                 err.msg);
}

static void cascade_estimate(const char *const *sets, int n_sets, long long paths, double *p,
                             double *se)
{
    engine e;
    stp_cascade_stats r;
    run_breach(&e, sets, n_sets, paths);
    r = stp_weighted_probability(e.out.v[STP_OUT_CASCADE], e.out.v[STP_OUT_WEIGHT], (size_t)paths);
    *p = r.p;
    *se = r.se;
    engine_close(&e);
}

Test(importance, tilted_cascade_probability_matches_the_closed_form, .timeout = 120)
{
    char seed[64];
    const char *sets[7] = {seed,
                           "cascade.drawdown=0.15",
                           "cascade.liquidation_usd=0",
                           "scenario.shocks[0].size.mean=-0.05",
                           "scenario.shocks[0].size.sd=0.05",
                           "scenario.mode=\"importance\"",
                           "scenario.importance.tilt=2.25"};
    const double truth = 0.5 * erfc((-log(0.85) - 0.05) / 0.05 / sqrt(2.0)); /* Phi(-2.2504) */
    double p_is, se_is, p_plain, se_plain;
    snprintf(seed, sizeof seed, "run.seed=%llu", (unsigned long long)test_seed());
    cascade_estimate(sets, 7, 2000, &p_is, &se_is);
    cascade_estimate(sets, 5, 20000, &p_plain, &se_plain);
    cr_assert(fabs(truth - 0.0122125) < 1e-6, "closed form %.7f", truth);
    cr_assert(fabs(p_is - truth) < 4.0 * se_is, "%s: tilted %.5f +- %.5f vs %.5f", seed, p_is,
              se_is, truth);
    cr_assert(fabs(p_plain - truth) < 4.0 * se_plain, "%s: plain %.5f +- %.5f vs %.5f", seed,
              p_plain, se_plain, truth);
    cr_assert(se_plain * se_plain * 20000 > 10.0 * se_is * se_is * 2000,
              "%s: variance per path plain %.3g, tilted %.3g", seed,
              se_plain * se_plain * 20000, se_is * se_is * 2000);
}

/* The cross-entropy pilot (pilot.h) on the same closed-form case: the
 * event is z < -2.2504 for the gap's standard normal z, so the tilt
 * closest to the zero-variance law is E[-Z | Z < -2.2504] =
 * phi(2.2504) / Phi(-2.2504) = 2.5967. From tilt 0 (where 1.2% of paths
 * cascade, below the 10% elite) the pilot needs a second level, whose event
 * is the cascade itself; its estimate from 2,000 paths must be within 0.25
 * of 2.5967 (its spread over seeds, measured, is about 0.01), and a
 * run at that tilt must estimate P(cascade) within 4 standard errors. */
Test(importance, pilot_finds_the_cross_entropy_tilt, .timeout = 120)
{
    char seed[64], tilt[64];
    const char *sets[8] = {seed,
                           "cascade.drawdown=0.15",
                           "cascade.liquidation_usd=0",
                           "scenario.shocks[0].size.mean=-0.05",
                           "scenario.shocks[0].size.sd=0.05",
                           "scenario.mode=\"importance\"",
                           "scenario.importance.pilot_paths=2000",
                           tilt};
    const double a = (-log(0.85) - 0.05) / 0.05;
    const double truth = 0.5 * erfc(a / sqrt(2.0));
    const double t_star = exp(-0.5 * a * a) / sqrt(2.0 * 3.14159265358979323846) / truth;
    stp_error err = {STP_OK, ""};
    stp_pilot pilot;
    double p, se;
    engine e;
    snprintf(seed, sizeof seed, "run.seed=%llu", (unsigned long long)test_seed());
    snprintf(tilt, sizeof tilt, "scenario.importance.tilt=0");
    engine_open_file(&e, BREACH, sets, 8);
    cr_assert_eq(stp_importance_pilot(&pilot, e.cfg, e.pop, 0, 0, &err), STP_OK, "%s", err.msg);
    engine_close(&e);
    cr_assert(fabs(t_star - 2.5967) < 1e-4, "closed form %.4f", t_star);
    cr_assert_eq(pilot.reached, 1, "%s: no level reached the cascade", seed);
    cr_assert_geq(pilot.levels, 2, "%s: one level cannot reach a 1.2%% event", seed);
    cr_assert_eq(pilot.level_tilt[0], 0.0);
    cr_assert_eq(pilot.level_gamma[pilot.levels - 1], 2.0);
    cr_assert(fabs(pilot.tilt - t_star) < 0.25, "%s: pilot tilt %.3f vs %.3f", seed, pilot.tilt,
              t_star);
    snprintf(tilt, sizeof tilt, "scenario.importance.tilt=%.17g", pilot.tilt);
    cascade_estimate(sets, 8, 2000, &p, &se);
    cr_assert(fabs(p - truth) < 4.0 * se, "%s: at the pilot's tilt %.5f +- %.5f vs %.5f", seed, p,
              se, truth);
}

/* The pilot over venues (DESIGN §10) on the same closed-form case: the gap
 * hits asset x, traded on venue alpha; venue beta trades asset y, which
 * nothing moves, so beta never cascades. Under cascade.venues "any" the
 * system's event is alpha's, and the pilot must find the same tilt as on
 * one venue; under "all" no path ever reaches the event (beta's score
 * stays 0), so no level may claim to reach it. */
static void venue_pilot(const char *rule, stp_pilot *pilot, char *seed, size_t n_seed)
{
    char rule_set[64];
    const char *sets[13] = {seed,
                            "cascade.drawdown=0.15",
                            "cascade.liquidation_usd=0",
                            "scenario.shocks[0].size.mean=-0.05",
                            "scenario.shocks[0].size.sd=0.05",
                            "scenario.shocks[0].asset=\"x\"",
                            "scenario.mode=\"importance\"",
                            "scenario.importance.pilot_paths=2000",
                            "scenario.importance.tilt=0",
                            "assets=[{\"name\": \"x\"}, {\"name\": \"y\"}]",
                            "venues=[{\"name\": \"alpha\", \"asset\": \"x\"}, {\"name\": "
                            "\"beta\", \"asset\": \"y\"}]",
                            "protocols=[{\"name\": \"a\", \"venue\": \"alpha\", \"share\": 1, "
                            "\"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.05}, "
                            "{\"name\": \"b\", \"venue\": \"beta\", \"share\": 1, "
                            "\"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.05}]",
                            rule_set};
    stp_config *cfg;
    stp_error err = {STP_OK, ""};
    snprintf(seed, n_seed, "run.seed=%llu", (unsigned long long)test_seed());
    snprintf(rule_set, sizeof rule_set, "cascade.venues=\"%s\"", rule);
    cfg = load(sets, 13);
    cr_assert_eq(cfg->n_venues, 2);
    cr_assert_eq(stp_importance_pilot(pilot, cfg, NULL, 0, 0, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
}

Test(importance, pilot_over_venues_scores_by_the_cascade_rule, .timeout = 240)
{
    char seed[64];
    stp_pilot pilot;
    venue_pilot("any", &pilot, seed, sizeof seed);
    cr_assert_eq(pilot.reached, 1, "%s: no level reached the cascade", seed);
    cr_assert_geq(pilot.levels, 2, "%s: one level cannot reach a 1.2%% event", seed);
    cr_assert(fabs(pilot.tilt - 2.5967) < 0.25, "%s: pilot tilt %.3f vs 2.5967", seed, pilot.tilt);
    venue_pilot("all", &pilot, seed, sizeof seed);
    cr_assert_eq(pilot.reached, 0, "%s: 'all' reached with beta never moving", seed);
    cr_assert(pilot.level_gamma[pilot.levels - 1] < 2.0, "%s", seed);
}

/* count_tilt th draws a Poisson(r) count at rate r e^th: each path's
 * weight is exactly e^(r (e^th - 1) - th k) for its k events (its sizes
 * untilted at tilt 0), and reweighted the counts follow Poisson(r): the
 * weighted frequency of each k within 4 standard errors of its pmf. */
Test(importance, count_tilt_reweights_to_the_poisson_law)
{
    static char json[4096];
    const long long n = 20000;
    const double r = 1.0, th = 0.7;
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_scenario_table *t = NULL;
    double mass[5] = {0}, mass2[5] = {0};
    long long p;
    int k, s;
    snprintf(json, sizeof json, small_market_fmt, "{\"name\": \"count\"}", 8, 0);
    cr_assert_eq(stp_config_parse(&cfg, json, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    cfg->run.seed = test_seed();
    cfg->scenario.mode = STP_SCENARIO_IMPORTANCE;
    cfg->scenario.importance_tilt = 0.0;
    cfg->scenario.importance_count_tilt = th;
    cfg->scenario.importance_defensive = 0.0; /* the tilted law's own ratio */
    cr_assert_eq(cfg->scenario.shocks[0].rate_per_path, r);
    cr_assert_eq(stp_scenario_table_create(&t, cfg, 0, n, &err), STP_OK, "%s", err.msg);
    cr_assert_geq(t->n_slots, (int)ceil(r * exp(th) + 10.0 * sqrt(r * exp(th)) + 10.0));
    for (p = 0; p < n; p++) {
        int events = 0;
        for (s = 0; s < t->n_slots; s++)
            events += t->active[(size_t)p * (size_t)t->n_slots + (size_t)s];
        const double want = exp(r * expm1(th) - th * events);
        cr_assert(fabs(t->weight[p] - want) <= 1e-12 * want, "seed %llu path %lld: %g vs %g",
                  (unsigned long long)cfg->run.seed, p, t->weight[p], want);
        if (events < 5) {
            mass[events] += t->weight[p];
            mass2[events] += t->weight[p] * t->weight[p];
        }
    }
    for (k = 0; k < 5; k++) {
        const double pmf = exp(-r) * pow(r, k) / tgamma(k + 1.0), est = mass[k] / (double)n;
        const double se = sqrt((mass2[k] / (double)n - est * est) / (double)n);
        cr_assert(fabs(est - pmf) < 4.0 * se, "seed %llu: P(K = %d) %.5f +- %.5f vs %.5f",
                  (unsigned long long)cfg->run.seed, k, est, se, pmf);
    }
    stp_scenario_table_destroy(t);
    stp_config_destroy(cfg);
}

/* The market's own jumps tilted (count_tilt 1, jump_tilt 1; path.h
 * carries their likelihood ratio into the weight): on the frictionless
 * one-gap market with the gap switched off and Poisson jumps of log size
 * N(-0.05, 0.05^2) at 0.6 a path, P(cascade) (a 15% drawdown) is about
 * 3.4%; 4,000 tilted paths and 20,000 plain ones agree within 4 combined
 * standard errors, on a fresh seed, the weights average 1 within 4 of
 * their standard errors, and the tilted variance per path is at least 2x
 * below plain sampling's (measured 6.6x at seed 1; harder tilts, 1.5 or 2
 * on the sizes, raise it here: every jump of a path is tilted, and the
 * ratios of several multiply). */
static void jump_estimate(const char *seed, int tilted, long long paths, double *p, double *se,
                          double *w_mean, double *w_se)
{
    const char *sets[12] = {seed,
                            "cascade.drawdown=0.15",
                            "cascade.liquidation_usd=0",
                            "scenario.shocks[0].size.mean=0",
                            "scenario.shocks[0].size.sd=0",
                            "market.jumps.rate_per_s=0.02",
                            "market.jumps.log_mean=-0.05",
                            "market.jumps.log_sd=0.05",
                            "scenario.mode=\"importance\"",
                            "scenario.importance.tilt=0",
                            "scenario.importance.count_tilt=1",
                            "scenario.importance.jump_tilt=1"};
    engine e;
    stp_cascade_stats r;
    double s = 0.0, s2 = 0.0;
    long long i;
    run_breach(&e, sets, tilted ? 12 : 8, paths);
    r = stp_weighted_probability(e.out.v[STP_OUT_CASCADE], e.out.v[STP_OUT_WEIGHT], (size_t)paths);
    for (i = 0; i < paths; i++) {
        s += e.out.v[STP_OUT_WEIGHT][i];
        s2 += e.out.v[STP_OUT_WEIGHT][i] * e.out.v[STP_OUT_WEIGHT][i];
    }
    *p = r.p;
    *se = r.se;
    *w_mean = s / (double)paths;
    *w_se = sqrt((s2 / (double)paths - *w_mean * *w_mean) / (double)paths);
    engine_close(&e);
}

Test(importance, jump_tilts_are_unbiased, .timeout = 120)
{
    char seed[64];
    double p_is, se_is, w_is, wse_is, p_plain, se_plain, w_plain, wse_plain;
    snprintf(seed, sizeof seed, "run.seed=%llu", (unsigned long long)test_seed());
    jump_estimate(seed, 1, 4000, &p_is, &se_is, &w_is, &wse_is);
    jump_estimate(seed, 0, 20000, &p_plain, &se_plain, &w_plain, &wse_plain);
    cr_assert_eq(w_plain, 1.0, "untilted weights must all be 1");
    cr_assert(p_plain > 0.005 && p_plain < 0.05, "%s: plain P %.4f", seed, p_plain);
    cr_assert(fabs(w_is - 1.0) < 4.0 * wse_is, "%s: E[w] %.4f +- %.4f", seed, w_is, wse_is);
    cr_assert(fabs(p_is - p_plain) < 4.0 * sqrt(se_is * se_is + se_plain * se_plain),
              "%s: tilted %.5f +- %.5f, plain %.5f +- %.5f", seed, p_is, se_is, p_plain, se_plain);
    cr_assert_lt(2.0 * se_is * se_is * 4000, se_plain * se_plain * 20000,
                 "%s: variance per path tilted %.3g, plain %.3g", seed, se_is * se_is * 4000,
                 se_plain * se_plain * 20000);
}

/* The defensive mixture (mixture.h). Its weight 1 / (a + (1 - a) / L)
 * against the direct formula, bounded by 1 / a, and a = 0 the product L. */
Test(importance, mixture_weight_is_bounded_and_a_zero_is_the_product)
{
    const double logs[6] = {-800.0, -3.0, -1e-9, 0.5, 40.0, 800.0};
    for (int i = 0; i < 6; i++) {
        const double l = logs[i], w = stp_mixture_weight(l, 0.1);
        if (fabs(l) < 700.0) {
            const double want = 1.0 / (0.1 + 0.9 * exp(-l));
            cr_assert(fabs(w / want - 1.0) < 1e-14, "log L %g: %.17g vs %.17g", l, w, want);
        }
        cr_assert(w > 0.0 && w <= 10.0 * (1.0 + 1e-15), "log L %g: %g", l, w);
        if (fabs(l) < 700.0) cr_assert_eq(stp_mixture_weight(l, 0.0), exp(l));
    }
    cr_assert(fabs(stp_mixture_weight(800.0, 0.1) - 10.0) < 1e-13); /* 1 / e^log(0.1) */
    cr_assert_eq(stp_mixture_weight(0.0, 0.1), 1.0);
    cr_assert_eq(stp_mixture_weight(HUGE_VAL, 0.25), 4.0); /* 1 / 0.25: exact in binary */
}

/* Poisson(0.5) gaps, every size tilted by 2.5 sd and the count by e^1:
 * rows drawn by the mixture of a (scenario.c picks each path's component)
 * weigh stp_mixture_weight(log L, a), and the weight mass of the paths with
 * exactly k active slots, sum w 1{K = k} / n, estimates the Poisson pmf
 * within 4 of its standard errors (bounded weights: the se is honest) for
 * k = 0..3, on 20,000 paths of a fresh seed; the weights' k-hat is below
 * 0.7. Without the mixture (a = 0, the product of per-slot ratios) the same
 * check failed on 11 of 12 seeds (measured: P(K = 3) 0.0010 to 0.0021 for
 * 0.0126, 12 to 45 of its own se off; k-hat 0.81 to 1.55): the paths
 * that carry the mass are almost never drawn. */
static void poisson_masses(double a, double tilt, double count_tilt, long long n,
                           unsigned long long seed, double *est, double *se, stp_weight_diag *d)
{
    static char json[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_scenario_table *t = NULL;
    double m[4] = {0}, m2[4] = {0}, *w = malloc(sizeof(double) * (size_t)n);
    cr_assert_not_null(w);
    snprintf(json, sizeof json, small_market_fmt, "{\"name\": \"mix\"}", 8, 0);
    cr_assert_eq(stp_config_parse(&cfg, json, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    cfg->run.seed = seed;
    cfg->scenario.mode = STP_SCENARIO_IMPORTANCE;
    cfg->scenario.importance_tilt = tilt;
    cfg->scenario.importance_count_tilt = count_tilt;
    cfg->scenario.importance_defensive = a;
    cfg->scenario.shocks[0].rate_per_path = 0.5;
    cr_assert_eq(stp_scenario_table_create(&t, cfg, 0, n, &err), STP_OK, "%s", err.msg);
    for (long long p = 0; p < n; p++) {
        int events = 0;
        for (int s = 0; s < t->n_slots; s++)
            events += t->active[(size_t)p * (size_t)t->n_slots + (size_t)s];
        w[p] = stp_mixture_weight(log(t->weight[p]), a);
        cr_assert(a == 0.0 || w[p] <= 1.0 / a * (1.0 + 1e-12));
        if (events < 4) {
            m[events] += w[p];
            m2[events] += w[p] * w[p];
        }
    }
    for (int k = 0; k < 4; k++) {
        est[k] = m[k] / (double)n;
        se[k] = sqrt((m2[k] / (double)n - est[k] * est[k]) / (double)n);
    }
    cr_assert_eq(stp_weights_diagnose(d, w, (size_t)n, &err), STP_OK, "%s", err.msg);
    free(w);
    stp_scenario_table_destroy(t);
    stp_config_destroy(cfg);
}

Test(importance, mixture_reweights_multi_shock_paths_to_the_poisson_law)
{
    const unsigned long long seed = test_seed();
    double est[4], se[4];
    stp_weight_diag d;
    poisson_masses(0.1, 2.5, 1.0, 20000, seed, est, se, &d);
    for (int k = 0; k < 4; k++) {
        const double pmf = exp(-0.5) * pow(0.5, k) / tgamma(k + 1.0);
        cr_assert(fabs(est[k] - pmf) < 4.0 * se[k], "seed %llu: P(K = %d) %.5f +- %.5f vs %.5f",
                  seed, k, est[k], se[k], pmf);
    }
    cr_assert(d.khat < STP_KHAT_MAX && stp_weights_reliable(&d, 20000), "seed %llu: k-hat %.2f",
              seed, d.khat);
}

/* Exploding weights are flagged: a = 0, sizes tilted 3.5 sd, the Poisson
 * count by e^1 (measured k-hat 0.80 to 1.4 over 40 seeds); the mixture at
 * the same tilts is not (k-hat below 0: weights bounded by 1 / a). */
Test(importance, exploding_weights_are_flagged_and_the_mixture_is_not)
{
    const unsigned long long seed = test_seed();
    double est[4], se[4];
    stp_weight_diag d;
    poisson_masses(0.0, 3.5, 1.0, 20000, seed, est, se, &d);
    cr_assert_not(stp_weights_reliable(&d, 20000), "seed %llu: k-hat %.2f, share %.4f", seed,
                  d.khat, d.max_share);
    poisson_masses(0.1, 3.5, 1.0, 20000, seed, est, se, &d);
    cr_assert(stp_weights_reliable(&d, 20000), "seed %llu: k-hat %.2f, share %.4f", seed, d.khat,
              d.max_share);
}

/* The component is a pure function of (seed, path): a share a of the
 * paths (binomial, within 4 sd at n = 100,000), the same whichever table
 * or batch draws the path, and never at a = 0. */
Test(importance, mixture_component_is_a_pure_share_of_the_paths)
{
    const unsigned long long seed = test_seed();
    const long long n = 100000;
    long long hits = 0;
    for (long long p = 0; p < n; p++) {
        const int u = stp_mixture_untilted(seed, p, 0.1);
        hits += u;
        cr_assert_eq(u, stp_mixture_untilted(seed, p, 0.1));
        cr_assert_eq(stp_mixture_untilted(seed, p, 0.0), 0);
    }
    cr_assert(fabs((double)hits - 0.1 * (double)n) < 4.0 * sqrt((double)n * 0.09),
              "seed %llu: %lld untilted of %lld", seed, hits, n);
}
