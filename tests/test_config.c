/* test_config.c: host/config/config.c + host/config/config_schema.c against DESIGN §5a
 * (schema, defaults, model search order) and §8 (one-line errors naming the
 * JSON path, the range, line:column, the nearest key). Expected values are
 * the §5a example's own numbers; expected messages are the exact text. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "stampede/config.h"

#include "seed.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* DESIGN §5a's example, comments removed. */
static const char EXAMPLE[] =
    "{\n"
    "  \"experiment\": { \"kind\": \"single\", \"name\": \"baseline\",\n"
    "    \"variants\": [ { \"name\": \"breaker\", \"set\": { "
    "\"mitigations.circuit_breaker.enabled\": "
    "true } } ],\n"
    "    \"sweep\": { \"param\": \"population.weight_noise\", \"values\": [0, 0.05, 0.1, 0.2, 0.5] "
    "},\n"
    "    \"search\": { \"objective\": \"es_bad_debt_usd\", \"iterations\": 20, "
    "\"paths_per_iter\": 4096, \"elite_fraction\": 0.1 } },\n"
    "  \"run\": { \"paths\": 20000, \"seed\": 1, \"batch\": 4096 },\n"
    "  \"time\": { \"dt_s\": 1.0, \"horizon_s\": 3600 },\n"
    "  \"market\": { \"price0_usd\": 2500, \"mu_per_s\": 0,\n"
    "    \"vol\": { \"calm_per_sqrt_s\": 1.5e-4, \"stress_per_sqrt_s\": 6e-4,\n"
    "               \"calm_to_stress_per_s\": 1e-5, \"stress_to_calm_per_s\": 1e-3 },\n"
    "    \"noise\": { \"dist\": \"student_t\", \"nu\": 4 },\n"
    "    \"jumps\": { \"rate_per_s\": 2e-5, \"log_mean\": -0.02, \"log_sd\": 0.03 } },\n"
    "  \"pool\": { \"depth_usd\": 8e8, \"fee\": 0.003, \"arb_half_life_s\": 12, \"refill_per_s\": "
    "0.002 },\n"
    "  \"oracle\": { \"delay_s\": 2 },\n"
    "  \"protocols\": [ { \"name\": \"lend_a\", \"share\": 0.6, \"liquidation_threshold\": 0.83,\n"
    "                   \"liquidation_bonus\": 0.05, \"close_factor\": 0.5, \"full_close_hf\": "
    "0.95 "
    "},\n"
    "                 { \"name\": \"lend_b\", \"share\": 0.4, \"liquidation_threshold\": 0.80,\n"
    "                   \"liquidation_bonus\": 0.075, \"close_factor\": 0.5, \"full_close_hf\": "
    "0.95 } ],\n"
    "  \"liquidators\": { \"capital_usd_per_s\": 5e6 },\n"
    "  \"population\": { \"agents\": 1024, \"passive_share\": 0.3, \"passive_positions\": 4096,\n"
    "    \"lp_share\": 0.2, \"lp_pool_share\": 0.5,\n"
    "    \"families\": [ { \"model\": \"models/consensus_mlp.json\",   \"share\": 0.7 },\n"
    "                  { \"model\": \"models/second_mlp.json\",      \"share\": 0.1 },\n"
    "                  { \"model\": \"models/drawdown_rule.json\",   \"share\": 0.1 },\n"
    "                  { \"model\": \"models/vol_target_rule.json\", \"share\": 0.1 } ],\n"
    "    \"max_family_share\": 1.0, \"weight_noise\": 0.05,\n"
    "    \"threshold\": { \"mean\": 0.6, \"sd\": 0.05 },\n"
    "    \"latency_s\": { \"median\": 0.5, \"log_sd\": 0.5 },\n"
    "    \"sell_fraction\": 0.25, \"cooldown_s\": 30,\n"
    "    \"collateral_usd\": { \"total\": 4e8, \"log_sd\": 1.0 },\n"
    "    \"hf0\": { \"min\": 1.05, \"median\": 1.4, \"log_sd\": 0.15 } },\n"
    "  \"mitigations\": {\n"
    "    \"circuit_breaker\": { \"enabled\": false, \"window_s\": 3, \"max_sync_fraction\": 0.2, "
    "\"cooldown_s\": 30 },\n"
    "    \"random_delay\": { \"enabled\": false, \"max_s\": 10 },\n"
    "    \"progressive_fee\": { \"enabled\": false, \"base\": 0.003, \"slope\": 0.05,\n"
    "                         \"tolerance\": { \"mean\": 0.01, \"sd\": 0.005 } },\n"
    "    \"tiered_liquidation\": { \"enabled\": false,\n"
    "      \"bands\": [ { \"hf_below\": 1.0, \"close_factor\": 0.1 },\n"
    "                 { \"hf_below\": 0.97, \"close_factor\": 0.25 },\n"
    "                 { \"hf_below\": 0.95, \"close_factor\": 0.5 } ],\n"
    "      \"max_step_fraction\": 0.01 },\n"
    "    \"risk_signal\": { \"enabled\": false, \"stagger_s\": 5 },\n"
    "    \"grace_period\": { \"enabled\": false, \"sync_threshold\": 0.2, \"hf_floor\": 0.95, "
    "\"grace_s\": 60 } },\n"
    "  \"scenario\": { \"mode\": \"random\",\n"
    "    \"shocks\": [ { \"kind\": \"gap\", \"rate_per_path\": 0.5, \"time_s\": [0, 1800], "
    "\"duration_s\": 3,\n"
    "                  \"size\": { \"mean\": -0.08, \"sd\": 0.05 }, \"protocol\": \"lend_a\" } ],\n"
    "    \"importance\": { \"tilt\": 1.0 }, \"qmc\": { \"points\": 1024 } },\n"
    "  \"cascade\": { \"drawdown\": 0.2, \"liquidation_usd\": 5e7 },\n"
    "  \"output\": { \"quantiles\": [0.5, 0.9, 0.99, 0.999], \"es_levels\": [0.99, 0.999],\n"
    "              \"worst_paths\": 32, \"sample_paths\": 16, \"histogram_bins\": 64,\n"
    "              \"sync_window_s\": 3 }\n"
    "}\n";

static const char *const MODELS[] = {"consensus_mlp.json", "second_mlp.json", "drawdown_rule.json",
                                     "vol_target_rule.json"};

/* A temporary tree DIR/{configs,models}/ with copies of the shipped model
 * files (loading a config loads its models). One per test process. */
static char dir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* The shipped models/NAME copied to path. */
static void copy_model(const char *name, const char *path)
{
    char from[512], buf[4096];
    FILE *in, *out;
    size_t n;
    snprintf(from, sizeof from, "%s/models/%s", STP_SOURCE_DIR, name);
    in = fopen(from, "rb");
    out = fopen(path, "wb");
    cr_assert(in && out, "cannot copy %s to %s", from, path);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

static void make_tree(void)
{
    char path[256];
    size_t i;
    snprintf(dir, sizeof dir, "/tmp/stp_test_config_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/configs", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/models", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    for (i = 0; i < sizeof MODELS / sizeof *MODELS; i++) {
        snprintf(path, sizeof path, "%s/models/%s", dir, MODELS[i]);
        copy_model(MODELS[i], path);
    }
}

static void remove_tree(void)
{
    char cmd[128];
    /* the tree is ours (mkdtemp), under /tmp */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0) cr_log_warn("could not remove %s", dir);
}

TestSuite(config, .init = make_tree, .fini = remove_tree);

/* Writes text to DIR/configs/NAME and loads it. */
static stp_status load_text(const char *name, const char *text, const char *const *sets, int n_sets,
                            stp_config **out, stp_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s/configs/%s", dir, name);
    write_file(path, text);
    return stp_config_load(out, path, sets, n_sets, err);
}

/* A minimal valid config (only the required keys), parsed with origin
 * "t.json" and an absolute model path so messages are exact. */
static stp_status parse_min(const char *const *sets, int n_sets, stp_config **out, stp_error *err)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"protocols\": [{\"name\": \"lend_a\", \"share\": 0.6, \"liquidation_threshold\": "
             "0.83, \"liquidation_bonus\": 0.05},\n"
             "               {\"name\": \"lend_b\", \"share\": 0.4, \"liquidation_threshold\": "
             "0.8, \"liquidation_bonus\": 0.075}],\n"
             " \"population\": {\"families\": [{\"model\": \"%s/models/consensus_mlp.json\", "
             "\"share\": 1}]}}",
             dir);
    return stp_config_parse(out, text, "t.json", sets, n_sets, err);
}

/* Expects failure with exactly `msg`. */
static void expect_error(stp_status st, stp_config *cfg, const stp_error *err, stp_status want,
                         const char *msg)
{
    cr_assert_eq(st, want, "status %d, message: %s", st, err->msg);
    cr_assert_null(cfg);
    cr_assert_eq(err->status, want);
    cr_assert_str_eq(err->msg, msg);
    cr_assert_null(strchr(err->msg, '\n'), "one line");
}

static void expect_set_error(const char *set, const char *msg)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *sets[1] = {set};
    expect_error(parse_min(sets, 1, &cfg, &err), cfg, &err, STP_EUSAGE, msg);
}

/* ---------------------------------------------------------------------------
 * The example and the defaults */

Test(config, design_example_parses_with_its_values)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    cr_assert_eq(load_text("example.json", EXAMPLE, NULL, 0, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->experiment.kind, STP_EXP_SINGLE);
    cr_assert_str_eq(cfg->experiment.name, "baseline");
    cr_assert_eq(cfg->experiment.n_variants, 1);
    cr_assert_str_eq(cfg->experiment.variants[0].name, "breaker");
    cr_assert_str_eq(cfg->experiment.variants[0].set_json,
                     "{\"mitigations.circuit_breaker.enabled\":true}");
    cr_assert_str_eq(cfg->experiment.sweep_param, "population.weight_noise");
    cr_assert_eq(cfg->experiment.n_sweep_values, 5);
    cr_assert_eq(cfg->experiment.sweep_values[1], 0.05);
    cr_assert_eq(cfg->experiment.sweep_values[4], 0.5);
    cr_assert_eq(cfg->experiment.search_objective, STP_OBJECTIVE_ES_BAD_DEBT);
    cr_assert_eq(cfg->experiment.search_iterations, 20);
    cr_assert_eq(cfg->experiment.search_paths_per_iter, 4096);
    cr_assert_eq(cfg->experiment.search_elite_fraction, 0.1);
    cr_assert_eq(cfg->run.paths, 20000);
    cr_assert_eq(cfg->run.seed, 1);
    cr_assert_eq(cfg->run.batch, 4096);
    cr_assert_eq(cfg->time.dt_s, 1.0);
    cr_assert_eq(cfg->time.horizon_s, 3600.0);
    cr_assert_eq(cfg->market.price0_usd, 2500.0);
    cr_assert_eq(cfg->market.mu_per_s, 0.0);
    cr_assert_eq(cfg->market.vol_calm_per_sqrt_s, 1.5e-4);
    cr_assert_eq(cfg->market.vol_stress_per_sqrt_s, 6e-4);
    cr_assert_eq(cfg->market.calm_to_stress_per_s, 1e-5);
    cr_assert_eq(cfg->market.stress_to_calm_per_s, 1e-3);
    cr_assert_eq(cfg->market.noise_dist, STP_NOISE_STUDENT_T);
    cr_assert_eq(cfg->market.noise_nu, 4.0);
    cr_assert_eq(cfg->market.jump_rate_per_s, 2e-5);
    cr_assert_eq(cfg->market.jump_log_mean, -0.02);
    cr_assert_eq(cfg->market.jump_log_sd, 0.03);
    cr_assert_eq(cfg->pool.depth_usd, 8e8);
    cr_assert_eq(cfg->pool.fee, 0.003);
    cr_assert_eq(cfg->pool.arb_half_life_s, 12.0);
    cr_assert_eq(cfg->pool.refill_per_s, 0.002);
    cr_assert_eq(cfg->oracle.delay_s, 2.0);
    cr_assert_eq(cfg->n_protocols, 2);
    cr_assert_str_eq(cfg->protocols[1].name, "lend_b");
    cr_assert_eq(cfg->protocols[0].share, 0.6);
    cr_assert_eq(cfg->protocols[1].liquidation_threshold, 0.80);
    cr_assert_eq(cfg->protocols[1].liquidation_bonus, 0.075);
    cr_assert_eq(cfg->protocols[1].close_factor, 0.5);
    cr_assert_eq(cfg->protocols[1].full_close_hf, 0.95);
    cr_assert_eq(cfg->liquidators.capital_usd_per_s, 5e6);
    stp_config_destroy(cfg);
}

Test(config, design_example_population_mitigations_scenario_output)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char want[256];
    cr_assert_eq(load_text("example.json", EXAMPLE, NULL, 0, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->population.agents, 1024);
    cr_assert_eq(cfg->population.passive_share, 0.3);
    cr_assert_eq(cfg->population.passive_positions, 4096);
    cr_assert_eq(cfg->population.lp_share, 0.2);
    cr_assert_eq(cfg->population.lp_pool_share, 0.5);
    cr_assert_eq(cfg->population.n_families, 4);
    cr_assert_str_eq(cfg->population.families[3].model, "models/vol_target_rule.json");
    cr_assert_eq(cfg->population.families[0].share, 0.7);
    /* not in configs/models/, so found in the config folder's parent */
    snprintf(want, sizeof want, "%s/configs/../models/vol_target_rule.json", dir);
    cr_assert_str_eq(cfg->population.families[3].model_resolved, want);
    cr_assert_eq(cfg->population.max_family_share, 1.0);
    cr_assert_eq(cfg->population.weight_noise, 0.05);
    cr_assert_eq(cfg->population.threshold.mean, 0.6);
    cr_assert_eq(cfg->population.threshold.sd, 0.05);
    cr_assert_eq(cfg->population.latency_median_s, 0.5);
    cr_assert_eq(cfg->population.latency_log_sd, 0.5);
    cr_assert_eq(cfg->population.sell_fraction, 0.25);
    cr_assert_eq(cfg->population.cooldown_s, 30.0);
    cr_assert_eq(cfg->population.collateral_total_usd, 4e8);
    cr_assert_eq(cfg->population.collateral_log_sd, 1.0);
    cr_assert_eq(cfg->population.hf0_min, 1.05);
    cr_assert_eq(cfg->population.hf0_median, 1.4);
    cr_assert_eq(cfg->population.hf0_log_sd, 0.15);
    cr_assert_eq(cfg->mitigations.circuit_breaker.enabled, 0);
    cr_assert_eq(cfg->mitigations.circuit_breaker.max_sync_fraction, 0.2);
    cr_assert_eq(cfg->mitigations.progressive_fee.tolerance.sd, 0.005);
    cr_assert_eq(cfg->mitigations.tiered_liquidation.n_bands, 3);
    cr_assert_eq(cfg->mitigations.tiered_liquidation.bands[1].hf_below, 0.97);
    cr_assert_eq(cfg->mitigations.tiered_liquidation.bands[2].close_factor, 0.5);
    cr_assert_eq(cfg->mitigations.tiered_liquidation.max_step_fraction, 0.01);
    cr_assert_eq(cfg->mitigations.grace_period.grace_s, 60.0);
    cr_assert_eq(cfg->scenario.mode, STP_SCENARIO_RANDOM);
    cr_assert_eq(cfg->scenario.n_shocks, 1);
    cr_assert_eq(cfg->scenario.shocks[0].kind, STP_SHOCK_GAP);
    cr_assert_eq(cfg->scenario.shocks[0].has_count, 0);
    cr_assert_eq(cfg->scenario.shocks[0].rate_per_path, 0.5);
    cr_assert_eq(cfg->scenario.shocks[0].time_s.lo, 0.0);
    cr_assert_eq(cfg->scenario.shocks[0].time_s.hi, 1800.0);
    cr_assert_eq(cfg->scenario.shocks[0].duration_s.lo, 3.0);
    cr_assert_eq(cfg->scenario.shocks[0].duration_s.hi, 3.0);
    cr_assert_eq(cfg->scenario.shocks[0].size.mean, -0.08);
    cr_assert_eq(cfg->scenario.shocks[0].size.sd, 0.05);
    cr_assert_eq(cfg->scenario.shocks[0].protocol, -1, "a gap's protocol is checked, not used");
    cr_assert_eq(cfg->scenario.importance_tilt, 1.0);
    cr_assert_eq(cfg->scenario.qmc_points, 1024);
    cr_assert_eq(cfg->cascade.drawdown, 0.2);
    cr_assert_eq(cfg->cascade.liquidation_usd, 5e7);
    cr_assert_eq(cfg->output.n_quantiles, 4);
    cr_assert_eq(cfg->output.quantiles[3], 0.999);
    cr_assert_eq(cfg->output.n_es_levels, 2);
    cr_assert_eq(cfg->output.es_levels[0], 0.99);
    cr_assert_eq(cfg->output.worst_paths, 32);
    cr_assert_eq(cfg->output.sample_paths, 16);
    cr_assert_eq(cfg->output.histogram_bins, 64);
    cr_assert_eq(cfg->output.sync_window_s, 3.0);
    snprintf(want, sizeof want, "%s/configs/example.json", dir);
    cr_assert_str_eq(cfg->source_path, want);
    stp_config_destroy(cfg);
}

Test(config, defaults_fill_in_everything_but_protocols_and_families)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    cr_assert_eq(parse_min(NULL, 0, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->experiment.kind, STP_EXP_SINGLE);
    cr_assert_str_eq(cfg->experiment.name, "baseline");
    cr_assert_eq(cfg->experiment.n_variants, 0);
    cr_assert_eq(cfg->experiment.n_sweep_values, 0);
    cr_assert_eq(cfg->run.paths, 20000);
    cr_assert_eq(cfg->run.seed, 1);
    cr_assert_eq(cfg->run.batch, 4096);
    cr_assert_eq(cfg->time.dt_s, 1.0);
    cr_assert_eq(cfg->time.horizon_s, 3600.0);
    cr_assert_eq(cfg->market.vol_calm_per_sqrt_s, 1.5e-4);
    cr_assert_eq(cfg->market.noise_dist, STP_NOISE_STUDENT_T);
    cr_assert_eq(cfg->pool.depth_usd, 8e8);
    cr_assert_eq(cfg->protocols[0].close_factor, 0.5);
    cr_assert_eq(cfg->protocols[0].full_close_hf, 0.95);
    cr_assert_eq(cfg->population.agents, 1024);
    cr_assert_eq(cfg->population.hf0_median, 1.4);
    cr_assert_eq(cfg->mitigations.circuit_breaker.enabled, 0);
    cr_assert_eq(cfg->mitigations.random_delay.enabled, 0);
    cr_assert_eq(cfg->mitigations.progressive_fee.enabled, 0);
    cr_assert_eq(cfg->mitigations.tiered_liquidation.enabled, 0);
    cr_assert_eq(cfg->mitigations.risk_signal.enabled, 0);
    cr_assert_eq(cfg->mitigations.grace_period.enabled, 0);
    cr_assert_eq(cfg->mitigations.tiered_liquidation.n_bands, 3);
    cr_assert_eq(cfg->mitigations.random_delay.max_s, 10.0);
    /* the deployed designs by default (docs/config.md) */
    cr_assert_eq(cfg->mitigations.circuit_breaker.release, STP_RELEASE_GRADUAL);
    cr_assert_eq(cfg->mitigations.circuit_breaker.release_s, 60.0);
    cr_assert_eq(cfg->mitigations.progressive_fee.exempt_liquidations, 1);
    cr_assert_eq(cfg->scenario.mode, STP_SCENARIO_RANDOM);
    cr_assert_eq(cfg->scenario.n_shocks, 0);
    cr_assert_eq(cfg->scenario.importance_tilt, 1.0);
    cr_assert_eq(cfg->scenario.qmc_points, 1024);
    cr_assert_eq(cfg->cascade.drawdown, 0.2);
    cr_assert_eq(cfg->cascade.liquidation_usd, 5e7);
    cr_assert_eq(cfg->output.n_quantiles, 4);
    cr_assert_eq(cfg->output.quantiles[0], 0.5);
    cr_assert_eq(cfg->output.histogram_bins, 64);
    cr_assert_eq(cfg->output.sync_window_s, 3.0);
    cr_assert_not_null(strstr(cfg->resolved_json, "\"histogram_bins\":\t64"));
    cr_assert_null(strstr(cfg->resolved_json, "[]\":"), "no item schema leaks out");
    cr_assert_null(strstr(cfg->resolved_json, "\"sweep\""), "sweep has no default");
    stp_config_destroy(cfg);
}

Test(config, required_arrays_must_be_present_and_non_empty)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_error(stp_config_parse(&cfg, "{}", "t.json", NULL, 0, &err), cfg, &err, STP_EUSAGE,
                 "t.json: config error at protocols: missing required key");
    expect_set_error("protocols=[]", "t.json: config error at protocols: must have 1 to 8 items; "
                                     "got 0");
    expect_set_error("population.families=[]",
                     "t.json: config error at population.families: must have 1 to 8 items; got 0");
}

/* ---------------------------------------------------------------------------
 * Round trip */

static void assert_same_config(const stp_config *a, const stp_config *b)
{
    stp_config *x = malloc(sizeof *x), *y = malloc(sizeof *y);
    int i;
    cr_assert(x && y);
    memcpy(x, a, sizeof *x);
    memcpy(y, b, sizeof *y);
    cr_assert_str_eq(a->resolved_json, b->resolved_json);
    for (i = 0; i < STP_MAX_VARIANTS; i++) {
        cr_assert_eq(a->experiment.variants[i].set_json == NULL,
                     b->experiment.variants[i].set_json == NULL);
        if (a->experiment.variants[i].set_json)
            cr_assert_str_eq(a->experiment.variants[i].set_json,
                             b->experiment.variants[i].set_json);
        x->experiment.variants[i].set_json = y->experiment.variants[i].set_json = NULL;
    }
    x->resolved_json = y->resolved_json = NULL;
    for (i = 0; i < (int)sizeof *x; i++)
        if (((const unsigned char *)x)[i] != ((const unsigned char *)y)[i])
            cr_log_error("differs at byte %d", i);
    cr_assert_eq(memcmp(x, y, sizeof *x), 0, "every field equal");
    free(x);
    free(y);
}

Test(config, resolved_json_parses_back_to_the_same_config)
{
    stp_config *a = NULL, *b = NULL;
    stp_error err = {0};
    const char *sets[] = {"scenario.shocks.1={\"kind\": \"vol_regime\", \"count\": 2, "
                          "\"time_s\": 60, \"duration_s\": [10, 30]}",
                          "run.seed=9007199254740991", "population.weight_noise=0.1234567890123"};
    cr_assert_eq(load_text("example.json", EXAMPLE, sets, 3, &a, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(a->run.seed, 9007199254740991ULL);
    cr_assert_eq(a->scenario.shocks[1].size.mean, 0.0, "vol_regime size defaults to 0");
    cr_assert_not_null(strstr(a->resolved_json, "\"size\":\t{\n\t\t\t\t\t\"mean\":\t0,"));
    cr_assert_eq(stp_config_parse(&b, a->resolved_json, a->source_path, NULL, 0, &err), STP_OK,
                 "%s", err.msg);
    assert_same_config(a, b);
    stp_config_destroy(a);
    stp_config_destroy(b);
}

/* ---------------------------------------------------------------------------
 * Malformed text, unknown keys, types, ranges */

Test(config, malformed_json_gives_line_and_column)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *text = "{\n  \"run\": {\n    \"paths\": 10,\n    \"seed\": ?\n  }\n}";
    /* '?' is line 4, column 13 (4 spaces + `"seed": ` = 12 characters) */
    expect_error(stp_config_parse(&cfg, text, "t.json", NULL, 0, &err), cfg, &err, STP_EUSAGE,
                 "t.json:4:13: malformed JSON near '\"seed\": ?'");
    /* a missing comma: cJSON stops at the next key, line 3 column 2 */
    expect_error(
        stp_config_parse(&cfg, "{\n\t\"run\": {}\n\t\"time\": {}\n}", "t.json", NULL, 0, &err), cfg,
        &err, STP_EUSAGE, "t.json:3:2: malformed JSON near '\"time\": '");
    expect_error(stp_config_parse(&cfg, "", "t.json", NULL, 0, &err), cfg, &err, STP_EUSAGE,
                 "t.json:1:1: malformed JSON: the text is empty");
    expect_error(stp_config_parse(&cfg, "[1, 2]", "t.json", NULL, 0, &err), cfg, &err, STP_EUSAGE,
                 "t.json: config error: the config must be a JSON object {...}; got an array");
}

Test(config, malformed_file_names_the_file)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char want[256];
    snprintf(want, sizeof want, "%s/configs/bad.json:2:12: malformed JSON near '{\"paths\": ]}}'",
             dir);
    expect_error(load_text("bad.json", "{\"run\":\n {\"paths\": ]}}", NULL, 0, &cfg, &err), cfg,
                 &err, STP_EUSAGE, want);
}

Test(config, unknown_key_suggests_the_nearest_name)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char text[1024];
    snprintf(text, sizeof text,
             "{\"protocols\": [{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": 0.8, "
             "\"liquidation_bonus\": 0.05}],\n"
             " \"population\": {\"weight_nosie\": 0.1, \"families\": [{\"model\": "
             "\"%s/models/second_mlp.json\", \"share\": 1}]}}",
             dir);
    expect_error(stp_config_parse(&cfg, text, "t.json", NULL, 0, &err), cfg, &err, STP_EUSAGE,
                 "t.json: config error at population.weight_nosie: unknown key; did you mean "
                 "'weight_noise'?");
    expect_set_error("population.wieght_noise=0.1", "t.json: config error at "
                                                    "population.wieght_noise: unknown key; did "
                                                    "you mean 'weight_noise'?");
    expect_set_error("mitigations.circuit_braker.enabled=true",
                     "t.json: config error at mitigations.circuit_braker: unknown key; did you "
                     "mean 'circuit_breaker'?");
    expect_set_error("protocols.0.liquidation_treshold=0.5",
                     "t.json: config error at protocols[0].liquidation_treshold: unknown key; did "
                     "you mean 'liquidation_threshold'?");
    expect_set_error("zzz=1", "t.json: config error at zzz: unknown key; valid keys here: "
                              "experiment, run, time, market, assets, pool, oracle, venues, links, "
                              "protocols, liquidators, population, mitigations, scenario, "
                              "cascade, output");
}

Test(config, duplicate_keys_are_rejected)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_error(
        stp_config_parse(&cfg, "{\"run\": {\"seed\": 1, \"seed\": 2}}", "t.json", NULL, 0, &err),
        cfg, &err, STP_EUSAGE,
        "t.json: config error at run.seed: duplicate key; give it "
        "once");
}

Test(config, wrong_type_names_the_path)
{
    expect_set_error("protocols[1].liquidation_bonus=high",
                     "t.json: config error at protocols[1].liquidation_bonus: must be a number in "
                     "[0, 1); got \"high\"");
    expect_set_error("market=5", "t.json: config error at market: must be an object; got 5");
    expect_set_error("protocols={}", "t.json: config error at protocols: must be an array; got an "
                                     "object");
    expect_set_error("mitigations.random_delay.enabled=1",
                     "t.json: config error at mitigations.random_delay.enabled: must be true or "
                     "false; got 1");
    expect_set_error("scenario.mode=monte_carlo",
                     "t.json: config error at scenario.mode: must be one of \"random\" | "
                     "\"blind_spot\" | \"importance\" | \"qmc\"; got \"monte_carlo\"");
    expect_set_error("output.quantiles=[0.5, 1]",
                     "t.json: config error at output.quantiles[1]: must be a number in (0, 1); "
                     "got 1");
}

Test(config, out_of_range_names_path_and_range)
{
    expect_set_error("pool.fee=1.5",
                     "t.json: config error at pool.fee: must be a number in [0, 1); got 1.5");
    expect_set_error("time.dt_s=0", "t.json: config error at time.dt_s: must be a number in "
                                    "[0.001, 86400] (an hour of calm history is 3600 / dt_s "
                                    "steps); got 0");
    expect_set_error("market.noise.nu=2",
                     "t.json: config error at market.noise.nu: must be a number in (2, 1e6]; "
                     "got 2");
    expect_set_error("population.agents=10000001",
                     "t.json: config error at population.agents: must be an integer in [0, "
                     "1e7]; got 10000001");
    expect_set_error("protocols.0.liquidation_threshold=0",
                     "t.json: config error at protocols[0].liquidation_threshold: must be a "
                     "number in (0, 1]; got 0");
    expect_set_error("time.horizon_s=0.5",
                     "t.json: config error at time.horizon_s: must be >= time.dt_s (1)");
    expect_set_error("population.hf0.median=1.01",
                     "t.json: config error at population.hf0.median: must be >= "
                     "population.hf0.min");
    expect_set_error("run.seed=-1", "t.json: config error at run.seed: must be an integer in [0, "
                                    "9007199254740992); got -1");
}

Test(config, integer_fields_reject_fractions)
{
    expect_set_error("run.paths=1.5",
                     "t.json: config error at run.paths: must be an integer in [1, "
                     "4294967295] (a path is a 32-bit Philox counter word; split larger studies "
                     "by seed); got 1.5");
    expect_set_error("run.batch=1.5", "t.json: config error at run.batch: must be an integer in "
                                      "[1, 2147483647]; got 1.5");
    expect_set_error("output.worst_paths=1.5",
                     "t.json: config error at output.worst_paths: must be an integer in [0, "
                     "4096]; got 1.5");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1.5, \"time_s\": 0, "
                     "\"size\": {\"mean\": -0.1}}]",
                     "t.json: config error at scenario.shocks[0].count: must be an integer in [0, "
                     "64]; got 1.5");
}

/* ---------------------------------------------------------------------------
 * Cross-key rules */

Test(config, shares_must_sum_to_one)
{
    expect_set_error("protocols.1.share=0.5",
                     "t.json: config error at protocols: the shares of protocols[].share sum to "
                     "1.1; they must sum to 1 (within 1e-6)");
    expect_set_error("population.families.0.share=0.9",
                     "t.json: config error at population.families: the shares of "
                     "families[].share sum to 0.9; they must sum to 1 (within 1e-6)");
}

Test(config, family_share_above_the_cap_names_the_family)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *sets[] = {"population.max_family_share=0.5"};
    char want[512];
    snprintf(want, sizeof want,
             "t.json: config error at population.families[0].share: family "
             "'%s/models/consensus_mlp.json' has share 1, above population.max_family_share 0.5; "
             "lower it or raise the cap",
             dir);
    expect_error(parse_min(sets, 1, &cfg, &err), cfg, &err, STP_EUSAGE, want);
}

Test(config, exploit_needs_a_known_protocol)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *ok[] = {"scenario.shocks=[{\"kind\": \"exploit\", \"count\": 1, \"time_s\": [0, "
                        "60], \"size\": {\"mean\": -0.3}, \"protocol\": \"lend_b\"}]"};
    expect_set_error("scenario.shocks=[{\"kind\": \"exploit\", \"count\": 1, \"time_s\": 0, "
                     "\"size\": {\"mean\": -0.3}}]",
                     "t.json: config error at scenario.shocks[0].protocol: missing; an exploit "
                     "shock names the protocol it hits");
    expect_set_error("scenario.shocks=[{\"kind\": \"exploit\", \"count\": 1, \"time_s\": 0, "
                     "\"size\": {\"mean\": -0.3}, \"protocol\": \"lend_c\"}]",
                     "t.json: config error at scenario.shocks[0].protocol: unknown protocol "
                     "\"lend_c\"; protocols[].name are: lend_a, lend_b");
    cr_assert_eq(parse_min(ok, 1, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->scenario.shocks[0].kind, STP_SHOCK_EXPLOIT);
    cr_assert_eq(cfg->scenario.shocks[0].protocol, 1);
    cr_assert_eq(cfg->scenario.shocks[0].has_count, 1);
    cr_assert_eq(cfg->scenario.shocks[0].count, 1);
    cr_assert_eq(cfg->scenario.shocks[0].time_s.hi, 60.0);
    cr_assert_eq(cfg->scenario.shocks[0].size.sd, 0.0, "sd defaults to 0: a fixed size");
    stp_config_destroy(cfg);
}

Test(config, shock_rules)
{
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"time_s\": 0, \"size\": {\"mean\": "
                     "-0.1}}]",
                     "t.json: config error at scenario.shocks[0]: needs rate_per_path (Poisson "
                     "mean per path) or count (exact number)");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"rate_per_path\": 1, "
                     "\"time_s\": 0, \"size\": {\"mean\": -0.1}}]",
                     "t.json: config error at scenario.shocks[0]: give rate_per_path or count, "
                     "not both");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": 0}]",
                     "t.json: config error at scenario.shocks[0].size.mean: missing required key");
    expect_set_error("scenario.shocks=[{\"kind\": \"liquidity_withdrawal\", \"count\": 1, "
                     "\"time_s\": 0, \"size\": {\"mean\": 1.5}}]",
                     "t.json: config error at scenario.shocks[0].size.mean: must be in [-1, 1] "
                     "for liquidity_withdrawal (|size| is the fraction of the pool's liquidity "
                     "removed)");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": [50, 20], "
                     "\"size\": {\"mean\": -0.1}}]",
                     "t.json: config error at scenario.shocks[0].time_s: range [lo, hi] needs lo "
                     "<= hi");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": 4000, "
                     "\"size\": {\"mean\": -0.1}}]",
                     "t.json: config error at scenario.shocks[0].time_s: must end by "
                     "time.horizon_s; a later shock never happens");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": 0, "
                     "\"size\": {\"mean\": -0.1}, \"duration_s\": -1}]",
                     "t.json: config error at scenario.shocks[0].duration_s: must be a number in "
                     "[0, 1e9]; got -1");
    expect_set_error("scenario.shocks=[{\"kind\": \"oracle_error\", \"count\": 1, \"time_s\": 0, "
                     "\"size\": {\"mean\": -1}}]",
                     "t.json: config error at scenario.shocks[0].size.mean: must be in (-1, 1) "
                     "for oracle_error (the oracle reports the price times 1 + size)");
}

Test(config, breaker_release_is_gradual_or_batch)
{
    expect_set_error("mitigations.circuit_breaker.release=\"slow\"",
                     "t.json: config error at mitigations.circuit_breaker.release: must be one of "
                     "\"gradual\" | \"batch\"; got \"slow\"");
    expect_set_error("mitigations.circuit_breaker.release_s=-1",
                     "t.json: config error at mitigations.circuit_breaker.release_s: must be a "
                     "number in [0, 1e9]; got -1");
}

Test(config, range_items_name_their_index)
{
    expect_set_error("scenario.shocks=[{\"kind\": \"vol_regime\", \"count\": 1, \"time_s\": "
                     "[0, \"late\"]}]",
                     "t.json: config error at scenario.shocks[0].time_s[1]: must be a number in "
                     "[0, 1e9]; got \"late\"");
    expect_set_error("scenario.shocks=[{\"kind\": \"vol_regime\", \"count\": 1, \"time_s\": "
                     "[0, 1, 2]}]",
                     "t.json: config error at scenario.shocks[0].time_s: must be a number in [0, "
                     "1e9] or a range [lo, hi] of them; got an array");
}

Test(config, passive_positions_must_exist_when_they_hold_collateral)
{
    expect_set_error("population.passive_positions=0",
                     "t.json: config error at population.passive_positions: must be > 0 when "
                     "passive_share > 0 or agents is 0");
}

Test(config, bands_must_decrease)
{
    expect_set_error("mitigations.tiered_liquidation.bands.1.hf_below=1.0",
                     "t.json: config error at mitigations.tiered_liquidation.bands[1].hf_below: "
                     "bands must be listed by strictly decreasing hf_below");
}

/* ---------------------------------------------------------------------------
 * Experiment */

Test(config, variants_cannot_change_the_experiment)
{
    expect_set_error("experiment.variants=[{\"name\": \"v\", \"set\": {\"experiment.kind\": "
                     "\"single\"}}]",
                     "t.json: config error at experiment.variants[0].set.experiment.kind: a "
                     "variant cannot change experiment settings (every variant runs the same "
                     "paths, seed and batch, so their paths pair up); set them for the whole "
                     "experiment");
}

Test(config, variants_cannot_change_the_seed)
{
    expect_set_error("experiment.variants=[{\"name\": \"v\", \"set\": {\"run.seed\": 7}}]",
                     "t.json: config error at experiment.variants[0].set.run.seed: a variant "
                     "cannot change run settings (every variant runs the same paths, seed and "
                     "batch, so their paths pair up); set them for the whole experiment");
}

Test(config, variant_names_are_group_names)
{
    expect_set_error("experiment.variants=[{\"name\": \"a@b\", \"set\": {}}]",
                     "t.json: config error at experiment.variants[0].name: 'a@b' cannot be a "
                     "variant name: drop the '@'");
}

Test(config, experiment_kinds_need_their_parts)
{
    expect_set_error("experiment.kind=compare",
                     "t.json: config error at experiment.variants: must list at least one "
                     "variant when experiment.kind is \"compare\"");
    expect_set_error("experiment.kind=sweep",
                     "t.json: config error at experiment.sweep: missing; experiment.kind "
                     "\"sweep\" needs {\"param\": \"a.b.c\", \"values\": [...]}");
}

Test(config, variants_and_sweep_points_are_validated)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *ok[] = {"experiment.kind=sweep",
                        "experiment.sweep={\"param\": \"population.weight_noise\", "
                        "\"values\": [0, 0.5]}"};
    expect_set_error("experiment.variants=[{\"name\": \"b\", \"set\": "
                     "{\"population.wieght_noise\": 0}}]",
                     "t.json (variant 'b'): config error at population.wieght_noise: unknown "
                     "key; did you mean 'weight_noise'?");
    expect_set_error("experiment.variants=[{\"name\": \"baseline\", \"set\": {}}]",
                     "t.json: config error at experiment.variants[0].name: 'baseline' is already "
                     "taken (variant names and experiment.name must be unique)");
    expect_set_error("experiment.sweep={\"param\": \"pool.fee\", \"values\": [0.003, 2]}",
                     "t.json (sweep pool.fee=2): config error at pool.fee: must be a number in "
                     "[0, 1); got 2");
    cr_assert_eq(parse_min(ok, 2, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->experiment.kind, STP_EXP_SWEEP);
    cr_assert_eq(cfg->experiment.n_sweep_values, 2);
    cr_assert_eq(cfg->experiment.sweep_values[1], 0.5);
    stp_config_destroy(cfg);
}

/* ---------------------------------------------------------------------------
 * --set */

Test(config, set_overrides_numbers_booleans_strings_arrays)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *sets[] = {"run.paths=1000",           "mitigations.circuit_breaker.enabled=true",
                          "market.noise.dist=normal", "experiment.name=\"stress run\"",
                          "scenario.shocks=[]",       "output.quantiles=[0.95]"};
    cr_assert_eq(load_text("example.json", EXAMPLE, sets, 6, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->run.paths, 1000);
    cr_assert_eq(cfg->mitigations.circuit_breaker.enabled, 1);
    cr_assert_eq(cfg->market.noise_dist, STP_NOISE_NORMAL);
    cr_assert_str_eq(cfg->experiment.name, "stress run");
    cr_assert_eq(cfg->scenario.n_shocks, 0);
    cr_assert_eq(cfg->output.n_quantiles, 1);
    cr_assert_eq(cfg->output.quantiles[0], 0.95);
    cr_assert_not_null(strstr(cfg->resolved_json, "\"paths\":\t1000"), "resolved shows overrides");
    stp_config_destroy(cfg);
}

Test(config, set_indexes_arrays_both_ways)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *sets[] = {"protocols[0].share=0.5", "protocols.1.share=0.5",
                          "mitigations.tiered_liquidation.bands.2.close_factor=1",
                          "protocols[1].name=lend_z"};
    cr_assert_eq(parse_min(sets, 4, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->protocols[0].share, 0.5);
    cr_assert_eq(cfg->protocols[1].share, 0.5);
    cr_assert_str_eq(cfg->protocols[1].name, "lend_z");
    cr_assert_eq(cfg->mitigations.tiered_liquidation.bands[2].close_factor, 1.0);
    stp_config_destroy(cfg);
}

Test(config, bad_set_is_a_usage_error)
{
    expect_set_error("abc", "--set 'abc': expected a.b.c=VALUE");
    expect_set_error("=1", "--set '=1': expected a.b.c=VALUE");
    expect_set_error("run..paths=1", "--set 'run..paths=1': expected a.b.c=VALUE (array items as "
                                     "a[0].b or a.0.b)");
    expect_set_error("run=[1", "--set 'run=[1': VALUE is not valid JSON");
    expect_set_error("protocols.5.share=1",
                     "--set 'protocols.5.share=1': '5' is not an index of an array of 2 items");
    expect_set_error("run.paths.x=1", "--set 'run.paths.x=1': 'paths' holds a value, not an "
                                      "object");
    expect_set_error("run[0]=1", "--set 'run[0]=1': [0] indexes an object, not an array");
}

/* ---------------------------------------------------------------------------
 * Files and model paths */

Test(config, missing_file_is_an_io_error)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_error(stp_config_load(&cfg, "/nonexistent/x.json", NULL, 0, &err), cfg, &err, STP_EIO,
                 "cannot read config '/nonexistent/x.json': No such file or directory");
}

Test(config, nul_byte_in_file_is_malformed)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char path[256], want[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/configs/nul.json", dir);
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite("{\n  \"run\"\0: {}}", 1, 16, f);
    fclose(f);
    snprintf(want, sizeof want, "%s:2:8: malformed JSON: a NUL byte", path);
    expect_error(stp_config_load(&cfg, path, NULL, 0, &err), cfg, &err, STP_EUSAGE, want);
}

Test(config, model_paths_search_config_folder_then_parent)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char path[256], want[512];
    snprintf(path, sizeof path, "%s/configs/models", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/configs/models/consensus_mlp.json", dir);
    copy_model("consensus_mlp.json", path);
    cr_assert_eq(load_text("example.json", EXAMPLE, NULL, 0, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_str_eq(cfg->population.families[0].model_resolved, path, "config folder first");
    snprintf(want, sizeof want, "%s/configs/../models/second_mlp.json", dir);
    cr_assert_str_eq(cfg->population.families[1].model_resolved, want, "then its parent");
    cr_assert_str_eq(cfg->population.families[0].model, "models/consensus_mlp.json", "as written");
    stp_config_destroy(cfg);
}

Test(config, missing_model_file_lists_where_it_looked)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *sets[] = {"population.families.1.model=models/nope.json"};
    char want[1024];
    cr_assert_eq(load_text("example.json", EXAMPLE, sets, 1, &cfg, &err), STP_EUSAGE);
    cr_assert_null(cfg);
    snprintf(want, sizeof want,
             "%s/configs/example.json: config error at population.families[1].model: model file "
             "'models/nope.json' not found (looked in %s/configs/models/nope.json, "
             "%s/configs/../models/nope.json",
             dir, dir, dir);
    cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "); fix the path"), "%s", err.msg);
}

/* ---------------------------------------------------------------------------
 * Issue 21: `validate` refuses everything `run` refuses before it simulates,
 * and nothing that passes may fail only after the simulation */

/* The minimal config of parse_min with `extra` members first, on line 1
 * right after the '{' (so `extra` starts at column 2). */
static stp_status parse_min_with(const char *extra, const char *const *sets, int n_sets,
                                 stp_config **out, stp_error *err)
{
    char text[16384];
    snprintf(text, sizeof text,
             "{%s\"protocols\": [{\"name\": \"lend_a\", \"share\": 0.6, \"liquidation_threshold\": "
             "0.83, \"liquidation_bonus\": 0.05},\n"
             "               {\"name\": \"lend_b\", \"share\": 0.4, \"liquidation_threshold\": "
             "0.8, \"liquidation_bonus\": 0.075}],\n"
             " \"population\": {\"families\": [{\"model\": \"%s/models/consensus_mlp.json\", "
             "\"share\": 1}]}}",
             extra, dir);
    return stp_config_parse(out, text, "t.json", sets, n_sets, err);
}

static void expect_text_error(const char *extra, const char *msg)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_error(parse_min_with(extra, NULL, 0, &cfg, &err), cfg, &err, STP_EUSAGE, msg);
}

static void expect_sets_error(const char *const *sets, int n, const char *msg)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_error(parse_min(sets, n, &cfg, &err), cfg, &err, STP_EUSAGE, msg);
}

/* An 8 -> 1 -> 1 MLP file with each part replaceable. */
static void mlp_file(const char *name, const char *kind, const char *feature, const char *hidden,
                     const char *w1_row, const char *b1, const char *b2, char *path, size_t cap)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"format\": \"stampede-model\", \"format_version\": 1, \"name\": \"t\", \"kind\": "
             "\"%s\", \"feature_version\": \"%s\", \"architecture\": {\"inputs\": 8, \"hidden\": "
             "%s, \"activation\": \"tanh\", \"output\": \"sigmoid\"}, \"weights\": {\"w1\": [%s], "
             "\"b1\": %s, \"w2\": [0.5], \"b2\": %s}}\n",
             kind, feature, hidden, w1_row, b1, b2);
    snprintf(path, cap, "%s/models/%s", dir, name);
    write_file(path, text);
}

#define ROW8 "[0, 0.1, 0, 0, 0, 0, 0, 0]"

/* The family's model file is loaded at validation by the loader the
 * population uses, so its message is the loader's, inside one naming the
 * family's key and the file. */
static void expect_model_error(const char *path, const char *inner)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char set[512], want[1024];
    const char *sets[1] = {set};
    snprintf(set, sizeof set, "population.families.0.model=%s", path);
    snprintf(want, sizeof want,
             "t.json: config error at population.families[0].model: model file '%s' cannot be "
             "used (%s); fix or regenerate it, or choose another",
             path, inner);
    expect_error(parse_min(sets, 1, &cfg, &err), cfg, &err, STP_EUSAGE, want);
}

Test(config, broken_model_files_are_refused_naming_the_family)
{
    char path[256], inner[512];
    mlp_file("good.json", "mlp", "stp-features-1", "1", ROW8, "[0]", "0", path, sizeof path);
    {
        stp_config *cfg = NULL;
        stp_error err = {0};
        char set[512];
        const char *sets[1] = {set};
        snprintf(set, sizeof set, "population.families.0.model=%s", path);
        cr_assert_eq(parse_min(sets, 1, &cfg, &err), STP_OK, "the control file: %s", err.msg);
        stp_config_destroy(cfg);
    }
    mlp_file("ragged.json", "mlp", "stp-features-1", "1", "[0, 0, 0, 0, 0, 0, 0]", "[0]", "0", path,
             sizeof path);
    snprintf(inner, sizeof inner, "%s: model error at weights.w1[0]: expected 8 numbers, got 7",
             path);
    expect_model_error(path, inner);
    mlp_file("short.json", "mlp", "stp-features-1", "1", ROW8, "[]", "0", path, sizeof path);
    snprintf(inner, sizeof inner, "%s: model error at weights.b1: expected 1 numbers, got 0", path);
    expect_model_error(path, inner);
    mlp_file("absurd.json", "mlp", "stp-features-1", "1000000", ROW8, "[0]", "0", path,
             sizeof path);
    snprintf(inner, sizeof inner,
             "%s: model error at architecture.hidden: expected an integer in [1, 16], got 1000000",
             path);
    expect_model_error(path, inner);
    mlp_file("inf.json", "mlp", "stp-features-1", "1", ROW8, "[0]", "1e309", path, sizeof path);
    snprintf(inner, sizeof inner,
             "%s: model error at weights.b2: expected a finite number with |w| <= 1e+06, got inf",
             path);
    expect_model_error(path, inner);
    mlp_file("string.json", "mlp", "stp-features-1", "1", ROW8, "[0]", "\"0\"", path, sizeof path);
    snprintf(inner, sizeof inner, "%s: model error at weights.b2: expected a number, got a string",
             path);
    expect_model_error(path, inner);
    mlp_file("kind.json", "cnn", "stp-features-1", "1", ROW8, "[0]", "0", path, sizeof path);
    snprintf(inner, sizeof inner,
             "%s: model error at kind: expected \"mlp\", \"drawdown_rule\" or \"vol_target_rule\", "
             "got \"cnn\"",
             path);
    expect_model_error(path, inner);
    mlp_file("old.json", "mlp", "stp-features-0", "1", ROW8, "[0]", "0", path, sizeof path);
    snprintf(inner, sizeof inner,
             "%s: model error at feature_version: expected \"stp-features-1\", got "
             "\"stp-features-0\"",
             path);
    expect_model_error(path, inner);
    mlp_file("zero.json", "mlp", "stp-features-1", "1", ROW8, "[0]", "01", path, sizeof path);
    snprintf(inner, sizeof inner,
             "%s:1:281: malformed JSON at weights.b2: number '01' has a leading zero (RFC 8259); "
             "write 1",
             path);
    expect_model_error(path, inner);
    snprintf(path, sizeof path, "%s/models/empty.json", dir);
    write_file(path, "");
    snprintf(inner, sizeof inner, "%s:1:1: malformed JSON: the file is empty", path);
    expect_model_error(path, inner);
}

/* Each variant's families are loaded too: a variant may point elsewhere. */
Test(config, a_variants_broken_model_is_refused)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char path[256], set[512];
    const char *sets[1] = {set};
    mlp_file("v_short.json", "mlp", "stp-features-1", "1", ROW8, "[]", "0", path, sizeof path);
    snprintf(set, sizeof set,
             "experiment.variants=[{\"name\": \"v\", \"set\": "
             "{\"population.families[0].model\": \"%s\"}}]",
             path);
    cr_assert_eq(parse_min(sets, 1, &cfg, &err), STP_EUSAGE, "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "t.json (variant 'v'): config error at "
                                       "population.families[0].model: model file"),
                       "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "weights.b1: expected 1 numbers, got 0"), "%s", err.msg);
}

/* run.c's check_runnable refused these only once `run` started. */
Test(config, search_needs_random_mode_and_a_shock)
{
    const char *mode[] = {"experiment.kind=search", "scenario.mode=blind_spot"};
    const char *none[] = {"experiment.kind=search"};
    const char *ok[] = {"experiment.kind=search",
                        "scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": 0, "
                        "\"size\": {\"mean\": -0.1}}]"};
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_sets_error(mode, 2,
                      "t.json: config error at scenario.mode: a search draws from its own laws "
                      "and re-runs against \"random\"; set scenario.mode to \"random\"");
    expect_sets_error(none, 1,
                      "t.json: config error at scenario.shocks: a search needs at least one shock "
                      "spec to move; add one");
    cr_assert_eq(parse_min(ok, 2, &cfg, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
}

/* The path index is one 32-bit word of the Philox counter (rng.h). */
Test(config, run_paths_fit_the_philox_counter)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *top[] = {"run.paths=4294967295"};
    expect_set_error("run.paths=4294967296",
                     "t.json: config error at run.paths: must be an integer in [1, 4294967295] (a "
                     "path is a 32-bit Philox counter word; split larger studies by seed); got "
                     "4294967296");
    expect_set_error("run.paths=1e15",
                     "t.json: config error at run.paths: must be an integer in [1, 4294967295] (a "
                     "path is a 32-bit Philox counter word; split larger studies by seed); got "
                     "1000000000000000");
    cr_assert_eq(parse_min(top, 1, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->run.paths, 4294967295LL);
    stp_config_destroy(cfg);
}

/* scenario.c's plan refused these once `run` had drawn the population;
 * both now call stp_config_check_qmc. */
Test(config, qmc_needs_a_balanced_net_and_whole_replicates)
{
    const char *pow2[] = {"scenario.mode=qmc", "scenario.qmc.points=100", "run.paths=400"};
    const char *whole[] = {"scenario.mode=qmc", "scenario.qmc.points=64", "run.paths=96"};
    const char *two[] = {"scenario.mode=qmc", "scenario.qmc.points=256", "run.paths=256"};
    const char *ok[] = {"scenario.mode=qmc", "scenario.qmc.points=64", "run.paths=128"};
    const char *other[] = {"scenario.qmc.points=100"}; /* ignored outside qmc */
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_sets_error(pow2, 3,
                      "t.json: config error at scenario.qmc.points: 100 is not a power of two (a "
                      "Sobol net is balanced at 2^k points); use e.g. 1024");
    expect_sets_error(whole, 3,
                      "t.json: config error at run.paths: qmc needs whole replicates of "
                      "scenario.qmc.points = 64 paths, at least 2 of them (for the error "
                      "estimate); use run.paths = k x 64 with k >= 2");
    expect_sets_error(two, 3,
                      "t.json: config error at run.paths: qmc needs whole replicates of "
                      "scenario.qmc.points = 256 paths, at least 2 of them (for the error "
                      "estimate); use run.paths = k x 256 with k >= 2");
    cr_assert_eq(parse_min(ok, 3, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_config_check_qmc(cfg, &err), STP_OK);
    stp_config_destroy(cfg);
    cr_assert_eq(parse_min(other, 1, &cfg, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
}

/* experiment.c refused these only when `run` built the points. */
Test(config, importance_points_may_not_override_the_scenario)
{
    const char *variant[] = {"scenario.mode=importance", "experiment.kind=compare",
                             "experiment.variants=[{\"name\": \"imp\", \"set\": "
                             "{\"scenario.importance.tilt\": 2}}]"};
    const char *sweep[] = {"scenario.mode=importance", "experiment.kind=sweep",
                           "experiment.sweep={\"param\": \"scenario.importance.tilt\", "
                           "\"values\": [1, 2]}"};
    const char *plain[] = {"experiment.kind=compare",
                           "experiment.variants=[{\"name\": \"imp\", \"set\": "
                           "{\"scenario.importance.tilt\": 2}}]"};
    stp_config *cfg = NULL;
    stp_error err = {0};
    expect_sets_error(variant, 3,
                      "t.json: config error at experiment.variants[0].set.scenario.importance."
                      "tilt: a variant may not change scenario.* under scenario.mode "
                      "\"importance\" (its paths would carry other weights than the baseline's); "
                      "drop the override or run it as its own experiment");
    expect_sets_error(
        sweep, 3,
        "t.json: config error at experiment.sweep.param: \"scenario.importance.tilt\" "
        "is under scenario.*, which under scenario.mode \"importance\" changes the "
        "weights every point must share; sweep another parameter or use "
        "scenario.mode \"random\"");
    cr_assert_eq(parse_min(plain, 2, &cfg, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
}

/* Names become HDF5 group names, where "." and ".." mean paths. */
Test(config, names_are_not_paths)
{
    expect_set_error("experiment.name=.",
                     "t.json: config error at experiment.name: must be a name of 1 to 63 "
                     "characters without '/' or control characters, not \".\" or \"..\"; got "
                     "\".\"");
    expect_set_error("experiment.variants=[{\"name\": \"..\", \"set\": {}}]",
                     "t.json: config error at experiment.variants[0].name: must be a name of 1 "
                     "to 63 characters without '/' or control characters, not \".\" or \"..\"; "
                     "got \"..\"");
    expect_set_error("experiment.variants=[{\"name\": \"a/b\", \"set\": {}}]",
                     "t.json: config error at experiment.variants[0].name: must be a name of 1 "
                     "to 63 characters without '/' or control characters, not \".\" or \"..\"; "
                     "got \"a/b\"");
    expect_set_error("experiment.name=\"a\\u0001b\"",
                     "t.json: config error at experiment.name: must be a name of 1 to 63 "
                     "characters without '/' or control characters, not \".\" or \"..\"; got "
                     "\"a?b\"");
}

/* The points as run builds them: their count, their names, and each
 * series x value pair, which neither the variant nor the value alone
 * shows. */
Test(config, every_experiment_point_is_built_at_validation)
{
    char variants[4096], values[1024], name[96];
    const char *many[] = {"experiment.kind=sweep", variants, values};
    const char *longname[] = {"experiment.kind=sweep", variants,
                              "experiment.sweep={\"param\": \"pool.fee\", \"values\": [0.001]}"};
    const char *pair[] = {"experiment.kind=sweep",
                          "experiment.variants=[{\"name\": \"v\", \"set\": "
                          "{\"mitigations.progressive_fee.base\": 0.5}}]",
                          "experiment.sweep={\"param\": \"mitigations.progressive_fee.slope\", "
                          "\"values\": [0.1, 0.6]}"};
    size_t used;
    int i;
    used = (size_t)snprintf(variants, sizeof variants, "experiment.variants=[");
    for (i = 0; i < 32; i++)
        used += (size_t)snprintf(variants + used, sizeof variants - used,
                                 "%s{\"name\": \"v%d\", \"set\": {}}", i ? ", " : "", i);
    snprintf(variants + used, sizeof variants - used, "]");
    /* 64 fees 0, 0.001, ..., 0.063 */
    used = (size_t)snprintf(values, sizeof values,
                            "experiment.sweep={\"param\": \"pool.fee\", \"values\": [");
    for (i = 0; i < 64; i++)
        used += (size_t)snprintf(values + used, sizeof values - used, "%s%g", i ? ", " : "",
                                 i / 1000.0);
    snprintf(values + used, sizeof values - used, "]}");
    /* 33 series (the base and 32 variants) x 64 values: 2112 points */
    expect_sets_error(many, 3,
                      "t.json: config error at experiment: more than 256 points (variants, or "
                      "series x sweep values); split the study into several runs");
    memset(name, 'v', 60);
    name[60] = '\0';
    snprintf(variants, sizeof variants, "experiment.variants=[{\"name\": \"%s\", \"set\": {}}]",
             name);
    expect_sets_error(longname, 3,
                      "t.json: config error at experiment: point name "
                      "'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv@0....' is "
                      "longer than 63 characters; shorten the variant name");
    expect_sets_error(pair, 3,
                      "t.json (point 'v@0.6'): config error at mitigations.progressive_fee.slope: "
                      "base + slope is 1.1, the fee at full sync; it must stay below 1: lower the "
                      "slope");
}

/* A point is built from the base's resolved text and the variant's
 * overrides as JSON: values that need 17 digits (drawn from a fresh seed)
 * come through bit for bit, where cJSON alone prints 15 digits that read
 * back merely close. */
Test(config, points_keep_every_value_bit_for_bit)
{
    uint64_t s = test_seed();
    char extra[512], digits[2][40];
    double vol, fee;
    stp_config *cfg = NULL, *point = NULL;
    stp_point_spec pts[STP_MAX_POINTS];
    stp_error err = {0};
    char *overrides = NULL;
    int n = 0, i;
    /* one ulp above a 15-digit decimal: the values cJSON's printing rounds */
    snprintf(digits[0], sizeof digits[0], "1.%014llue-4",
             (unsigned long long)(next_u64(&s) % 100000000000000ull));
    snprintf(digits[1], sizeof digits[1], "1.%014llue-3",
             (unsigned long long)(next_u64(&s) % 100000000000000ull));
    vol = nextafter(strtod(digits[0], NULL), 1.0);
    fee = nextafter(strtod(digits[1], NULL), 1.0);
    snprintf(extra, sizeof extra,
             "\"experiment\": {\"kind\": \"compare\", \"variants\": [{\"name\": \"v\", \"set\": "
             "{\"pool.fee\": %.17g}}]}, \"market\": {\"vol\": {\"calm_per_sqrt_s\": %.17g}}, ",
             fee, vol);
    cr_assert_eq(parse_min_with(extra, NULL, 0, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->market.vol_calm_per_sqrt_s, vol);
    cr_assert_eq(stp_config_points(cfg, pts, &n, &err), STP_OK);
    for (i = 0; i < n; i++) {
        cr_assert_eq(stp_config_point_of(&point, &overrides, cfg, &pts[i], &err), STP_OK, "%s",
                     err.msg);
        cr_assert_eq(point->market.vol_calm_per_sqrt_s, vol, "point %s: %a, base %a", pts[i].name,
                     point->market.vol_calm_per_sqrt_s, vol);
        cr_assert_eq(point->pool.fee, i ? fee : cfg->pool.fee, "point %s: fee %a", pts[i].name,
                     point->pool.fee);
        stp_config_destroy(point);
        free(overrides);
    }
    stp_config_destroy(cfg);
}

/* Values that passed validation and overflowed a float32 path (or an int
 * step count) only after the simulation. */
Test(config, every_number_has_a_bound_that_keeps_paths_finite)
{
    expect_set_error("pool.depth_usd=1e308",
                     "t.json: config error at pool.depth_usd: must be a number in (0, 1e15] (USD "
                     "held in float32: positions x prices stay far below 3.4e38); got 1e+308");
    expect_set_error("market.price0_usd=1e300",
                     "t.json: config error at market.price0_usd: must be a number in [1e-6, 1e9] "
                     "(float32 prices; collateral units are USD / price0); got 1e+300");
    expect_set_error("market.vol.calm_per_sqrt_s=1e10",
                     "t.json: config error at market.vol.calm_per_sqrt_s: must be a number in [0, "
                     "1]; got 10000000000");
    expect_set_error("population.collateral_usd.total=1e20",
                     "t.json: config error at population.collateral_usd.total: must be a number "
                     "in (0, 1e15] (USD held in float32: positions x prices stay far below "
                     "3.4e38); got 1e+20");
    expect_set_error("population.collateral_usd.log_sd=50",
                     "t.json: config error at population.collateral_usd.log_sd: must be a number "
                     "in [0, 5]; got 50");
    expect_set_error("population.hf0.min=1e-300",
                     "t.json: config error at population.hf0.min: must be a number in [0.01, "
                     "1e6]; got 1e-300");
    expect_set_error("scenario.importance.count_tilt=100",
                     "t.json: config error at scenario.importance.count_tilt: must be a number in "
                     "[0, 5]; got 100");
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"rate_per_path\": 1e12, \"time_s\": 0, "
                     "\"size\": {\"mean\": -0.1}}]",
                     "t.json: config error at scenario.shocks[0].rate_per_path: must be a number "
                     "in [0, 64]; got 1000000000000");
    expect_set_error("population.agents=1e8",
                     "t.json: config error at population.agents: must be an integer in [0, 1e7]; "
                     "got 100000000");
    expect_set_error("population.passive_positions=1e9",
                     "t.json: config error at population.passive_positions: must be an integer in "
                     "[0, 1e8]; got 1000000000");
    expect_set_error("output.sample_paths=5000",
                     "t.json: config error at output.sample_paths: must be an integer in [0, "
                     "4096]; got 5000");
    expect_set_error("liquidators.capital_usd_per_s=1e300",
                     "t.json: config error at liquidators.capital_usd_per_s: must be a number in "
                     "[0, 1e30]; got 1e+300");
}

/* Step counts are ints; counted in double, a horizon of 1e9 steps is
 * refused naming both keys instead of wrapping. */
Test(config, steps_are_bounded_naming_both_time_keys)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *ok[] = {"time.horizon_s=1e7", "market.vol.stress_per_sqrt_s=1e-4",
                        "market.jumps.rate_per_s=0"};
    expect_set_error("time.horizon_s=999999999",
                     "t.json: config error at time.horizon_s: time.horizon_s / time.dt_s is "
                     "1e+09 steps; at most 1e7 (step counts and per-step arrays): shorten the "
                     "horizon or raise time.dt_s (1)");
    cr_assert_eq(parse_min(ok, 3, &cfg, &err), STP_OK, "1e7 steps: %s", err.msg);
    stp_config_destroy(cfg);
}

/* Drift, volatility and jumps together: the log price's reach over the
 * horizon, each key within its own bound. */
Test(config, the_log_price_reach_is_bounded_over_the_horizon)
{
    expect_set_error("market.vol.calm_per_sqrt_s=0.5",
                     "t.json: config error at market.vol.calm_per_sqrt_s: over time.horizon_s "
                     "the log price reaches 30 (|mu_per_s| H + vol sqrt(H) + jumps.rate_per_s H "
                     "(|log_mean| + log_sd)); it must stay <= 5 so float32 prices stay finite: "
                     "lower this key or shorten the horizon");
    expect_set_error("market.mu_per_s=0.01",
                     "t.json: config error at market.mu_per_s: over time.horizon_s the log price "
                     "reaches 36.04 (|mu_per_s| H + vol sqrt(H) + jumps.rate_per_s H (|log_mean| "
                     "+ log_sd)); it must stay <= 5 so float32 prices stay finite: lower this key "
                     "or shorten the horizon");
    expect_set_error("market.jumps.rate_per_s=0.5",
                     "t.json: config error at market.jumps.rate_per_s: over time.horizon_s the "
                     "log price reaches 90.04 (|mu_per_s| H + vol sqrt(H) + jumps.rate_per_s H "
                     "(|log_mean| + log_sd)); it must stay <= 5 so float32 prices stay finite: "
                     "lower this key or shorten the horizon");
}

Test(config, shock_sizes_are_capped_where_they_move_prices)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *delay[] = {"scenario.shocks=[{\"kind\": \"oracle_delay\", \"count\": 1, "
                           "\"time_s\": 0, \"size\": {\"mean\": 60, \"sd\": 10}}]"};
    expect_set_error("scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": 0, "
                     "\"size\": {\"mean\": -20}}]",
                     "t.json: config error at scenario.shocks[0].size: |size.mean| + 6 size.sd "
                     "is 20, the largest gap size drawn; at most 10, or float32 prices overflow: "
                     "lower size.mean or size.sd");
    expect_set_error("scenario.shocks=[{\"kind\": \"oracle_error\", \"count\": 1, \"time_s\": 0, "
                     "\"size\": {\"mean\": 0.5, \"sd\": 2}}]",
                     "t.json: config error at scenario.shocks[0].size: |size.mean| + 6 size.sd "
                     "is 12.5, the largest oracle_error size drawn; at most 10, or float32 prices "
                     "overflow: lower size.mean or size.sd");
    cr_assert_eq(parse_min(delay, 1, &cfg, &err), STP_OK, "delays are seconds: %s", err.msg);
    stp_config_destroy(cfg);
}

/* RFC 8259 numbers: cJSON alone reads 00.003 as 0.003. */
Test(config, json_numbers_are_strict)
{
    expect_text_error("\"pool\": {\"fee\": 00.003}, ",
                      "t.json:1:18: malformed JSON at pool.fee: number '00.003' has a leading "
                      "zero (RFC 8259); write 0.003");
    expect_text_error("\"run\": {\"paths\": 01}, ",
                      "t.json:1:19: malformed JSON at run.paths: number '01' has a leading zero "
                      "(RFC 8259); write 1");
    expect_text_error("\"run\": {\"paths\": -007}, ",
                      "t.json:1:19: malformed JSON at run.paths: number '-007' has a leading zero "
                      "(RFC 8259); write -7");
    expect_text_error("\"pool\": {\"fee\": 1.}, ",
                      "t.json:1:18: malformed JSON at pool.fee: number '1.' needs a digit after "
                      "its '.' (RFC 8259)");
    expect_text_error("\"pool\": {\"fee\": 1e}, ",
                      "t.json:1:18: malformed JSON at pool.fee: number '1e' needs digits in its "
                      "exponent (RFC 8259)");
    expect_set_error("run.paths=01", "t.json: config error at run.paths: must be an integer in [1, "
                                     "4294967295] (a path is a 32-bit Philox counter word; split "
                                     "larger studies by seed); got \"01\"");
}

/* Strings: UTF-8 (RFC 3629) and escapes; \u0000 would end a C string. */
Test(config, json_strings_are_utf8_without_nul)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    const char *nul[] = {"experiment.name=\"a\\u0000b\""};
    expect_text_error("\"experiment\": {\"name\": \"a\xff"
                      "b\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: invalid UTF-8 (byte 0xff) "
                      "in a string; save the file as UTF-8");
    expect_text_error("\"experiment\": {\"name\": \"a\xc0\xaf\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: invalid UTF-8 (byte 0xc0) "
                      "in a string; save the file as UTF-8");
    expect_text_error("\"experiment\": {\"name\": \"a\xed\xa0\x80\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: invalid UTF-8 (byte 0xed) "
                      "in a string; save the file as UTF-8");
    expect_text_error("\"experiment\": {\"name\": \"a\\u0000b\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: \\u0000 (a NUL character) "
                      "in a string; remove it");
    expect_text_error("\"experiment\": {\"name\": \"a\\ud800b\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: unpaired UTF-16 surrogate "
                      "\\uD800 in a string: a low one (\\uDC00 to \\uDFFF) must follow it");
    expect_text_error("\"experiment\": {\"name\": \"a\\udc00\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: unpaired UTF-16 surrogate "
                      "\\uDC00 in a string; write the character");
    expect_text_error("\"experiment\": {\"name\": \"a\tb\"}, ",
                      "t.json:1:27: malformed JSON at experiment.name: a raw control character "
                      "(0x09) in a string; escape it (\\n, \\t, \\u0009)");
    expect_text_error("\"a\xff\": 1, ", "t.json:1:4: malformed JSON: invalid UTF-8 (byte 0xff) in "
                                        "a key; save the file as UTF-8");
    expect_set_error("experiment.name=caf\xe9", "--set 'experiment.name=caf\xe9': VALUE is not "
                                                "UTF-8 text");
    expect_sets_error(nul, 1,
                      "--set 'experiment.name=\"a\\u0000b\"': VALUE is not valid JSON (\\u0000 (a "
                      "NUL character) in a string; remove it)");
    /* well-formed: 2-, 3- and 4-byte UTF-8, and a surrogate pair */
    cr_assert_eq(parse_min_with("\"experiment\": {\"name\": \"caf\xc3\xa9 \xe2\x82\xac "
                                "\xf0\x9f\x98\x80 \\ud83d\\ude00\"}, ",
                                NULL, 0, &cfg, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_str_eq(cfg->experiment.name, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
                                           "\xf0\x9f\x98\x80");
    stp_config_destroy(cfg);
}

/* Depth: a limit, named as such; a control byte cJSON would skip as white
 * space is a syntax error in the usual form. */
Test(config, json_nesting_has_a_documented_limit)
{
    char extra[512];
    stp_config *cfg = NULL;
    stp_error err = {0};
    int n = 0, i;
    /* the config object and 64 arrays: 65 levels */
    n += snprintf(extra + n, sizeof extra - (size_t)n, "\"x\": ");
    for (i = 0; i < STP_JSON_MAX_DEPTH; i++)
        extra[n++] = '[';
    for (i = 0; i < STP_JSON_MAX_DEPTH; i++)
        extra[n++] = ']';
    snprintf(extra + n, sizeof extra - (size_t)n, ", ");
    expect_text_error(extra, "t.json:1:70: JSON nested too deeply (limit 64 levels of objects and "
                             "arrays)");
    /* 64 levels parse (and x is then an unknown key) */
    memmove(extra + 5, extra + 6, strlen(extra + 6) + 1);
    memmove(extra + 5 + 63, extra + 5 + 64, strlen(extra + 5 + 64) + 1);
    cr_assert_eq(parse_min_with(extra, NULL, 0, &cfg, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "t.json: config error at x: unknown key"), "%s", err.msg);
    expect_text_error("\f", "t.json:1:2: malformed JSON near '{?\"protoc'");
    cr_assert_eq(parse_min_with("", NULL, 0, &cfg, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
}

Test(config, destroy_accepts_null)
{
    stp_config_destroy(NULL);
    cr_assert_str_eq(stp_shock_kind_name(STP_SHOCK_LIQUIDITY_WITHDRAWAL), "liquidity_withdrawal");
    cr_assert_str_eq(stp_shock_kind_name(STP_SHOCK_KINDS), "unknown");
}
