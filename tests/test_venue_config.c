/* test_venue_config.c: the config side of venues and assets (DESIGN §10;
 * host/config/config_venues.c, config_venue.c, correlation.c): every new
 * key's refusal names the key and the fix, a two-venue two-asset config
 * loads with the values drawn from a fresh seed, each venue's config
 * (stp_config_venue) carries its venue's and its asset's overrides and the
 * base's other keys, and a config without the keys resolves to what it
 * did before them. */
#define _POSIX_C_SOURCE 200809L
#include "stampede/config.h"

#include "seed.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * A two-venue, two-asset config built from parts; each refusal changes one */

typedef struct parts {
    const char *market;    /* extra keys inside "market" */
    const char *assets;    /* the "assets" member with its comma, or "" */
    const char *venues;    /* the "venues" member with its comma, or "" */
    const char *protocols; /* the "protocols" array */
    const char *shocks;    /* the "scenario.shocks" array */
    const char *cascade;   /* extra keys inside "cascade" */
    const char *head;      /* members first in the object (experiment...) */
} parts;

static const parts GOOD = {
    ", \"correlation\": [[1, 0.6], [0.6, 1]]",
    "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": {\"market.price0_usd\": "
    "60000}}],",
    "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": {\"pool.depth_usd\": 1e8}},"
    " {\"name\": \"L2\", \"asset\": \"BTC\", \"set\": {\"population.agents\": 64}}],",
    "[{\"name\": \"lend_a\", \"venue\": \"L1\", \"share\": 0.6, \"liquidation_threshold\": "
    "0.83, \"liquidation_bonus\": 0.05},"
    " {\"name\": \"lend_b\", \"venue\": \"L1\", \"share\": 0.4, \"liquidation_threshold\": 0.8, "
    "\"liquidation_bonus\": 0.075},"
    " {\"name\": \"lend_c\", \"venue\": \"L2\", \"share\": 1, \"liquidation_threshold\": 0.8, "
    "\"liquidation_bonus\": 0.075}]",
    "[{\"kind\": \"gap\", \"venue\": \"L1\", \"count\": 1, \"time_s\": 10, \"size\": {\"mean\": "
    "-0.05}},"
    " {\"kind\": \"gap\", \"asset\": \"BTC\", \"count\": 1, \"time_s\": 20, \"size\": {\"mean\": "
    "-0.05}},"
    " {\"kind\": \"exploit\", \"protocol\": \"lend_c\", \"count\": 1, \"time_s\": 30, \"size\": "
    "{\"mean\": -0.05}}]",
    ", \"venues\": \"any\"",
    "",
};

static stp_status parse_parts(const parts *p, stp_config **out, stp_error *err)
{
    static char text[16384];
    snprintf(text, sizeof text,
             "{%s\"run\": {\"paths\": 256}, \"time\": {\"horizon_s\": 600},\n"
             " \"market\": {\"price0_usd\": 2500%s},\n %s\n %s\n"
             " \"protocols\": %s,\n"
             " \"population\": {\"agents\": 128, \"families\": [{\"model\": "
             "\"%s/models/consensus_mlp.json\", \"share\": 1}]},\n"
             " \"scenario\": {\"shocks\": %s},\n"
             " \"cascade\": {\"drawdown\": 0.2%s}}",
             p->head, p->market, p->assets, p->venues, p->protocols, STP_SOURCE_DIR, p->shocks,
             p->cascade);
    return stp_config_parse(out, text, "t.json", NULL, 0, err);
}

/* Refused (STP_EUSAGE, nothing left) with one line naming KEY and saying
 * `why`. */
static void expect_refused(const parts *p, const char *key, const char *why)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char at[256];
    const stp_status st = parse_parts(p, &cfg, &err);
    snprintf(at, sizeof at, "t.json: config error at %s: ", key);
    cr_assert_eq(st, STP_EUSAGE, "status %d for %s: %s", st, key, err.msg);
    cr_assert_null(cfg);
    cr_assert(strncmp(err.msg, at, strlen(at)) == 0, "want '%s...', got '%s'", at, err.msg);
    cr_assert_not_null(strstr(err.msg, why), "want '%s' in '%s'", why, err.msg);
    cr_assert_null(strchr(err.msg, '\n'), "one line");
}

Test(venue_config, the_good_config_loads_with_its_scopes)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    cr_assert_eq(parse_parts(&GOOD, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->n_assets, 2);
    cr_assert_eq(cfg->n_venues, 2);
    cr_assert_str_eq(cfg->assets[1].name, "BTC");
    cr_assert_str_eq(cfg->assets[0].set_json, "{}");
    cr_assert_eq(cfg->venues[1].asset, 1);
    cr_assert_eq(cfg->correlation[0][1], 0.6);
    cr_assert_eq(cfg->correlation[1][0], 0.6);
    cr_assert_eq(cfg->correlation[2][2], 1.0); /* identity beyond the assets */
    cr_assert_eq(cfg->protocols[1].venue, 0);
    cr_assert_eq(cfg->protocols[2].venue, 1);
    cr_assert_eq(cfg->cascade.venues, 1);
    cr_assert_eq(cfg->scenario.shocks[0].venue, 0);
    cr_assert_eq(cfg->scenario.shocks[0].asset, -1);
    cr_assert_eq(cfg->scenario.shocks[1].venue, -1);
    cr_assert_eq(cfg->scenario.shocks[1].asset, 1);
    cr_assert_eq(cfg->scenario.shocks[2].venue, 1, "an exploit is on its protocol's venue");
    /* validate prints them */
    cr_assert_not_null(strstr(cfg->resolved_json, "\"venues\":\t\"any\""));
    cr_assert_not_null(strstr(cfg->resolved_json, "\"venue\":\t\"L2\""));
    stp_config_destroy(cfg);
}

/* The good config with values from a fresh seed: pool depths, agents,
 * market vols, the protocols' split within venue L1, the cascade count. */
Test(venue_config, each_venue_config_has_its_own_and_the_bases_keys)
{
    uint64_t s = test_seed();
    const double u1 = (double)(next_u64(&s) >> 11) * 0x1p-53,
                 u2 = (double)(next_u64(&s) >> 11) * 0x1p-53;
    const double depth1 = 1e7 * (1 + 99 * u1), depth2 = 1e7 * (1 + 99 * u2);
    const int agents1 = 16 + (int)(next_u64(&s) % 1000), agents2 = 16 + (int)(next_u64(&s) % 1000);
    const double vol_eth = 1e-4 * (1 + (double)(next_u64(&s) % 1000) / 1000);
    const double vol_btc = 1e-4 * (1 + (double)(next_u64(&s) % 1000) / 1000);
    const double share = 0.05 + 0.9 * (double)(next_u64(&s) >> 11) * 0x1p-53;
    const double rho = -0.9 + 1.8 * (double)(next_u64(&s) >> 11) * 0x1p-53;
    const int all = (int)(next_u64(&s) & 1);
    char market[256], assets[512], venues[512], protocols[1024], cascade[64];
    parts p = GOOD;
    stp_config *cfg = NULL, *v0 = NULL, *v1 = NULL;
    stp_error err = {0};
    double sum;
    snprintf(market, sizeof market,
             ", \"vol\": {\"calm_per_sqrt_s\": %.17g}, \"correlation\": [[1, %.17g], [%.17g, 1]]",
             vol_eth, rho, rho);
    snprintf(assets, sizeof assets,
             "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": "
             "{\"market.price0_usd\": 60000, \"market.vol.calm_per_sqrt_s\": %.17g}}],",
             vol_btc);
    snprintf(
        venues, sizeof venues,
        "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": {\"pool.depth_usd\": "
        "%.17g, \"population.agents\": %d}}, {\"name\": \"L2\", \"asset\": \"BTC\", \"set\": "
        "{\"pool.depth_usd\": %.17g, \"population.agents\": %d, \"cascade.drawdown\": 0.35}}],",
        depth1, agents1, depth2, agents2);
    snprintf(protocols, sizeof protocols,
             "[{\"name\": \"lend_a\", \"venue\": \"L1\", \"share\": %.17g, "
             "\"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
             " {\"name\": \"lend_b\", \"share\": %.17g, \"liquidation_threshold\": 0.8, "
             "\"liquidation_bonus\": 0.075},"
             " {\"name\": \"lend_c\", \"venue\": \"L2\", \"share\": 1, \"liquidation_threshold\": "
             "0.8, \"liquidation_bonus\": 0.075}]",
             share, 1 - share);
    snprintf(cascade, sizeof cascade, ", \"venues\": %s", all ? "\"all\"" : "2");
    p.market = market;
    p.assets = assets;
    p.venues = venues;
    p.protocols = protocols;
    p.cascade = cascade;
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->cascade.venues, all ? STP_CASCADE_ALL : 2);
    cr_assert_eq(cfg->correlation[1][0], rho);
    cr_assert_eq(cfg->protocols[1].venue, 0, "no venue: the first");
    cr_assert_eq(stp_config_venue(&v0, cfg, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_config_venue(&v1, cfg, 1, &err), STP_OK, "%s", err.msg);
    /* the venue's own keys */
    cr_assert_eq(v0->pool.depth_usd, depth1);
    cr_assert_eq(v1->pool.depth_usd, depth2);
    cr_assert_eq(v0->population.agents, agents1);
    cr_assert_eq(v1->population.agents, agents2);
    cr_assert_eq(v0->cascade.drawdown, 0.2);
    cr_assert_eq(v1->cascade.drawdown, 0.35);
    /* its asset's market */
    cr_assert_eq(v0->market.vol_calm_per_sqrt_s, vol_eth);
    cr_assert_eq(v0->market.price0_usd, 2500);
    cr_assert_eq(v1->market.vol_calm_per_sqrt_s, vol_btc);
    cr_assert_eq(v1->market.price0_usd, 60000);
    cr_assert_eq(v1->market.vol_stress_per_sqrt_s, cfg->market.vol_stress_per_sqrt_s);
    /* the shares within the venue, 0 on the other's protocols */
    sum = cfg->protocols[0].share + cfg->protocols[1].share;
    cr_assert_eq(v0->protocols[0].share, cfg->protocols[0].share / sum);
    cr_assert_leq(fabs(v0->protocols[1].share - cfg->protocols[1].share / sum), 1e-15);
    /* the venue's last protocol closes the cumulative shares at exactly 1,
     * so the population never falls through to a foreign protocol */
    cr_assert_eq(v0->protocols[0].share + v0->protocols[1].share, 1.0);
    cr_assert_eq(v0->protocols[2].share, 0.0);
    cr_assert_eq(v1->protocols[0].share, 0.0);
    cr_assert_eq(v1->protocols[1].share, 0.0);
    cr_assert_eq(v1->protocols[2].share, 1.0);
    /* a plain single-venue config, with the scopes copied back */
    cr_assert_eq(v1->n_venues, 0);
    cr_assert_eq(v1->n_assets, 0);
    cr_assert_eq(v1->cascade.venues, 1);
    cr_assert_null(strstr(v1->resolved_json, "\"venues\""));
    cr_assert_null(strstr(v1->resolved_json, "\"correlation\""));
    cr_assert_eq(v1->protocols[2].venue, 1);
    cr_assert_eq(v1->scenario.shocks[1].asset, 1);
    cr_assert_eq(v1->scenario.shocks[2].venue, 1);
    /* and the base's other keys */
    cr_assert_eq(v1->n_protocols, 3);
    cr_assert_eq(v1->scenario.n_shocks, 3);
    cr_assert_eq(v1->scenario.shocks[2].protocol, 2);
    cr_assert_eq(v1->time.horizon_s, 600);
    cr_assert_eq(v1->run.paths, 256);
    cr_assert_eq(v1->oracle.delay_s, cfg->oracle.delay_s);
    cr_assert_str_eq(v1->population.families[0].model_resolved,
                     cfg->population.families[0].model_resolved);
    cr_assert_str_eq(v1->source_path, "t.json");
    stp_config_destroy(v0);
    stp_config_destroy(v1);
    cr_assert_eq(stp_config_venue(&v0, cfg, 2, &err), STP_EUSAGE, "only 2 venues");
    cr_assert_null(v0);
    stp_config_destroy(cfg);
}

Test(venue_config, a_bad_overlay_is_refused_at_load_naming_its_key)
{
    parts p = GOOD;
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"BTC\", \"set\": {\"pool.depth_usd\": 0}}],";
    expect_refused(&p, "venues[1].set.pool.depth_usd", "must be a number in (0, 1e15]");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"BTC\", \"set\": {\"pool\": {\"depht_usd\": 1}}}],";
    expect_refused(&p, "venues[1].set.pool.depht_usd", "unknown key; did you mean 'depth_usd'?");
    p = GOOD;
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": "
               "{\"market.price0_usd\": -1}}],";
    expect_refused(&p, "assets[1].set.market.price0_usd", "must be a number in [1e-6, 1e9]");
}

Test(venue_config, names_are_plain_unique_and_known)
{
    parts p = GOOD;
    p.venues = "\"venues\": [{\"name\": \"L 1\", \"asset\": \"ETH\"}],";
    expect_refused(&p, "venues[0].name", "from A-Z a-z 0-9 _ . -");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L1\", "
               "\"asset\": \"BTC\"}],";
    expect_refused(&p, "venues[1].name", "duplicate venue name 'L1'");
    p = GOOD;
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"ETH\"}],";
    expect_refused(&p, "assets[1].name", "duplicate asset name 'ETH'");
    p = GOOD;
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"SOL\"}],";
    expect_refused(&p, "venues[1].asset", "unknown asset \"SOL\"; assets[].name are: ETH, BTC");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\"}],";
    expect_refused(&p, "venues[1].asset", "missing; with \"assets\"");
    p = GOOD;
    p.shocks = "[]";
    p.protocols = "[{\"name\": \"lend_a\", \"venue\": \"L9\", \"share\": 1, "
                  "\"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05}]";
    expect_refused(&p, "protocols[0].venue", "unknown venue \"L9\"; venues[].name are: L1, L2");
}

Test(venue_config, counts_are_bounded)
{
    parts p = GOOD;
    char venues[2048] = "\"venues\": [", one[96];
    int i;
    for (i = 0; i < STP_MAX_VENUES + 1; i++) {
        snprintf(one, sizeof one, "%s{\"name\": \"V%d\", \"asset\": \"ETH\"}", i ? ", " : "", i);
        strcat(venues, one);
    }
    strcat(venues, "],");
    p.venues = venues;
    expect_refused(&p, "venues", "must have 1 to 8 items; got 9");
    p = GOOD;
    p.assets = "\"assets\": [{\"name\": \"A\"}, {\"name\": \"B\"}, {\"name\": \"C\"}, "
               "{\"name\": \"D\"}, {\"name\": \"E\"}],";
    expect_refused(&p, "assets", "must have 1 to 4 items; got 5");
    p = GOOD;
    p.venues = "\"venues\": [],";
    expect_refused(&p, "venues", "must have 1 to 8 items; got 0");
}

Test(venue_config, the_correlation_is_a_square_psd_matrix_of_the_assets)
{
    parts p = GOOD;
    p.market = ", \"correlation\": [[1, 0.5]]";
    expect_refused(&p, "market.correlation", "must be a 2 x 2 matrix of numbers");
    p.market = ", \"correlation\": [[1, 0.5], [0.5, 1, 0]]";
    expect_refused(&p, "market.correlation", "must be a 2 x 2 matrix of numbers");
    p.market = ", \"correlation\": [[1, 0.5], [0.4, 1]]";
    expect_refused(&p, "market.correlation[0][1]", "make the matrix symmetric");
    p.market = ", \"correlation\": [[1, 1.5], [1.5, 1]]";
    expect_refused(&p, "market.correlation[0][1]", "1.5 is not a correlation");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\"}, {\"name\": \"SOL\"}],";
    p.market = ", \"correlation\": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]";
    expect_refused(&p, "market.correlation",
                   "the matrix is not positive semi-definite (smallest eigenvalue -0.8");
    p = GOOD;
    p.assets = "";
    p.venues = "\"venues\": [{\"name\": \"L1\"}, {\"name\": \"L2\"}],";
    expect_refused(&p, "market.correlation", "but the config has no \"assets\"");
}

Test(venue_config, overrides_stay_in_their_sections)
{
    parts p = GOOD;
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": "
               "{\"market.mu_per_s\": 0.001}}, {\"name\": \"L2\", \"asset\": \"BTC\"}],";
    expect_refused(&p, "venues[0].set.market.mu_per_s",
                   "a venue's set may change only pool.*, oracle.*, liquidators.*, population.*, "
                   "mitigations.*, cascade.drawdown and cascade.liquidation_usd");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": "
               "{\"cascade.venues\": 1}}, {\"name\": \"L2\", \"asset\": \"BTC\"}],";
    expect_refused(&p, "venues[0].set.cascade.venues", "a venue's set may change only");
    p = GOOD;
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": "
               "{\"market.noise.nu\": 5}}],";
    expect_refused(&p, "assets[1].set.market.noise.nu",
                   "the noise law (market.noise.*) is one for every asset");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": "
               "{\"pool.depth_usd\": 5}}],";
    expect_refused(&p, "assets[1].set.pool.depth_usd", "an asset's set may change only");
    p.assets = "\"assets\": [{\"name\": \"ETH\", \"set\": [1]}, {\"name\": \"BTC\"}],";
    expect_refused(&p, "assets[0].set", "must be an object of overrides");
}

Test(venue_config, protocols_split_each_venue)
{
    parts p = GOOD;
    p.protocols = "[{\"name\": \"lend_a\", \"venue\": \"L1\", \"share\": 0.6, "
                  "\"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
                  " {\"name\": \"lend_b\", \"venue\": \"L1\", \"share\": 0.4, "
                  "\"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075}]";
    p.shocks = "[]";
    expect_refused(&p, "protocols", "venue 'L2' has no protocol");
    p = GOOD;
    p.protocols = "[{\"name\": \"lend_a\", \"venue\": \"L1\", \"share\": 0.6, "
                  "\"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
                  " {\"name\": \"lend_b\", \"venue\": \"L1\", \"share\": 0.2, "
                  "\"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075},"
                  " {\"name\": \"lend_c\", \"venue\": \"L2\", \"share\": 1, "
                  "\"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075}]";
    expect_refused(&p, "protocols",
                   "the shares of venue 'L1''s protocols sum to 0.8; with \"venues\" they must "
                   "sum to 1 within each venue");
}

Test(venue_config, cascade_venues_is_any_all_or_a_count)
{
    parts p = GOOD;
    p.cascade = ", \"venues\": 0";
    expect_refused(&p, "cascade.venues",
                   "must be \"any\", \"all\" or an integer in [1, 2] (venues); got 0");
    p.cascade = ", \"venues\": 3";
    expect_refused(&p, "cascade.venues", "got 3");
    p.cascade = ", \"venues\": \"some\"";
    expect_refused(&p, "cascade.venues", "got \"some\"");
    p.cascade = ", \"venues\": 1.5";
    expect_refused(&p, "cascade.venues", "got 1.5");
}

Test(venue_config, shocks_hit_a_venue_or_an_asset)
{
    parts p = GOOD;
    p.shocks = "[{\"kind\": \"gap\", \"venue\": \"L1\", \"asset\": \"ETH\", \"count\": 1, "
               "\"time_s\": 10, \"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0]", "give venue or asset, not both");
    p.shocks = "[{\"kind\": \"exploit\", \"protocol\": \"lend_c\", \"venue\": \"L1\", "
               "\"count\": 1, \"time_s\": 10, \"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].venue",
                   "an exploit hits its protocol's venue: protocol 'lend_c' is on venue 'L2', "
                   "not 'L1'");
    p.shocks = "[{\"kind\": \"exploit\", \"protocol\": \"lend_c\", \"asset\": \"BTC\", "
               "\"count\": 1, \"time_s\": 10, \"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].asset", "an exploit hits its protocol's venue");
    p.shocks = "[{\"kind\": \"gap\", \"asset\": \"DOGE\", \"count\": 1, \"time_s\": 10, "
               "\"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].asset", "unknown asset \"DOGE\"");
}

/* Every key of §10 but "venues" needs "venues" (and "asset" keys need
 * "assets"): the config without them is one venue of one market. */
Test(venue_config, venue_keys_need_venues)
{
    parts p = GOOD;
    p.market = "";
    p.assets = "";
    p.venues = "";
    p.cascade = "";
    p.shocks = "[]";
    p.protocols = "[{\"name\": \"lend_a\", \"venue\": \"L1\", \"share\": 1, "
                  "\"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05}]";
    expect_refused(&p, "protocols[0].venue", "but the config has no \"venues\"");
    p.protocols = "[{\"name\": \"lend_a\", \"share\": 1, \"liquidation_threshold\": 0.83, "
                  "\"liquidation_bonus\": 0.05}]";
    p.cascade = ", \"venues\": \"all\"";
    expect_refused(&p, "cascade.venues", "but the config has no \"venues\"");
    p.cascade = "";
    p.shocks = "[{\"kind\": \"gap\", \"venue\": \"L1\", \"count\": 1, \"time_s\": 10, "
               "\"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].venue", "but the config has no \"venues\"");
    p.shocks = "[{\"kind\": \"gap\", \"asset\": \"ETH\", \"count\": 1, \"time_s\": 10, "
               "\"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].asset", "but the config has no \"assets\"");
    p.shocks = "[]";
    p.assets = "\"assets\": [{\"name\": \"ETH\"}],";
    expect_refused(&p, "assets", "assets are traded on venues");
    p.assets = "";
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}],";
    expect_refused(&p, "venues[0].asset", "but the config has no \"assets\"");
}

/* A compare of a venues config: each point keeps "venues", and each
 * point's venues build. */
Test(venue_config, experiment_points_keep_their_venues)
{
    parts p = GOOD;
    stp_config *cfg = NULL, *point = NULL, *venue = NULL;
    stp_point_spec pts[STP_MAX_POINTS];
    char *overrides = NULL;
    stp_error err = {0};
    int n = 0;
    p.head = "\"experiment\": {\"kind\": \"compare\", \"variants\": [{\"name\": \"thin\", "
             "\"set\": {\"pool.depth_usd\": 3e8}}]}, ";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_config_points(cfg, pts, &n, &err), STP_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(stp_config_point_of(&point, &overrides, cfg, &pts[1], &err), STP_OK, "%s",
                 err.msg);
    cr_assert_eq(point->n_venues, 2);
    cr_assert_eq(point->pool.depth_usd, 3e8);
    cr_assert_eq(stp_config_venue(&venue, point, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(venue->pool.depth_usd, 1e8, "the venue's own depth wins");
    stp_config_destroy(venue);
    cr_assert_eq(stp_config_venue(&venue, point, 1, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(venue->pool.depth_usd, 3e8, "the variant's depth where the venue sets none");
    stp_config_destroy(venue);
    stp_config_destroy(point);
    free(overrides);
    stp_config_destroy(cfg);
}

/* A variant that every base check passes but one venue's config does not
 * (no agents there, and that venue has no passive positions either) is
 * refused at load, naming the venue: each point's venues are built. */
Test(venue_config, a_point_whose_venue_breaks_is_refused)
{
    parts p = GOOD;
    stp_config *cfg = NULL;
    stp_error err = {0};
    p.head = "\"experiment\": {\"kind\": \"compare\", \"variants\": [{\"name\": \"idle\", "
             "\"set\": {\"population.agents\": 0}}]}, ";
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"BTC\", \"set\": {\"population.passive_share\": 0, "
               "\"population.passive_positions\": 0}}],";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_EUSAGE, "loaded: the point's L2 has nobody");
    cr_assert_null(cfg);
    cr_assert_str_eq(err.msg, "t.json (point 'idle'): config error at "
                              "venues[1].set.population.passive_positions: must be > 0 when "
                              "passive_share > 0 or agents is 0");
    p.head = "";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "without the variant: %s", err.msg);
    stp_config_destroy(cfg);
}

/* Without the keys nothing of §10 shows: the resolved text of every
 * shipped config names none of them, and the one venue is the base. */
Test(venue_config, configs_without_venues_resolve_as_before)
{
    static const char *const NEW_KEYS[] = {"\"venues\"",      "\"assets\"",
                                           "\"correlation\"", "\"venue\"",
                                           "\"asset\"",       "\"links\"",
                                           "\"cross_venue_share\"", "\"features_from\"",
                                           "\"global\"", "\"shared\"", "\"source\""};
    char path[1024];
    DIR *d = opendir(STP_SOURCE_DIR "/configs");
    struct dirent *e;
    int seen = 0;
    size_t k;
    cr_assert_not_null(d);
    while ((e = readdir(d))) {
        stp_config *cfg = NULL, *venue = NULL;
        stp_error err = {0};
        const size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".json")) continue;
        snprintf(path, sizeof path, "%s/configs/%s", STP_SOURCE_DIR, e->d_name);
        cr_assert_eq(stp_config_load(&cfg, path, NULL, 0, &err), STP_OK, "%s", err.msg);
        if (cfg->n_venues > 0) { /* the venue configs (two_venues, contagion...) */
            stp_config_destroy(cfg);
            continue;
        }
        for (k = 0; k < sizeof NEW_KEYS / sizeof *NEW_KEYS; k++)
            cr_assert_null(strstr(cfg->resolved_json, NEW_KEYS[k]), "%s names %s", e->d_name,
                           NEW_KEYS[k]);
        cr_assert_eq(cfg->n_venues, 0);
        cr_assert_eq(cfg->cascade.venues, 1);
        cr_assert_eq(stp_config_venue(&venue, cfg, 0, &err), STP_OK, "%s", err.msg);
        cr_assert_str_eq(venue->resolved_json, cfg->resolved_json);
        cr_assert_eq(venue->pool.depth_usd, cfg->pool.depth_usd);
        stp_config_destroy(venue);
        stp_config_destroy(cfg);
        seen++;
    }
    closedir(d);
    cr_assert_geq(seen, 5);
}

Test(venue_config, the_shipped_two_venue_config_validates)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    cr_assert_eq(stp_config_load(&cfg, STP_SOURCE_DIR "/configs/two_venues.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->n_venues, 3);
    cr_assert_eq(cfg->n_assets, 2);
    cr_assert_eq(cfg->population.agents, 256);
    cr_assert_eq(cfg->run.paths, 2000);
    cr_assert_eq(cfg->time.horizon_s, 600);
    stp_config_destroy(cfg);
}

/* ---------------------------------------------------------------------------
 * Links, cross-venue agents, bridge halts */

static parts two_eth(void)
{
    parts p = GOOD;
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"ETH\"}, {\"name\": \"L3\", \"asset\": \"BTC\"}],";
    p.protocols = "[{\"name\": \"a\", \"venue\": \"L1\", \"share\": 1, \"liquidation_threshold\": "
                  "0.83, \"liquidation_bonus\": 0.05},"
                  " {\"name\": \"b\", \"venue\": \"L2\", \"share\": 1, \"liquidation_threshold\": "
                  "0.8, \"liquidation_bonus\": 0.075},"
                  " {\"name\": \"c\", \"venue\": \"L3\", \"share\": 1, \"liquidation_threshold\": "
                  "0.8, \"liquidation_bonus\": 0.075}]";
    p.shocks = "[]";
    return p;
}

Test(venue_config, links_join_two_venues_of_one_asset)
{
    const uint64_t seed = test_seed();
    const double lat = (double)(seed % 600), cap = 1e5 * (1 + (double)(seed % 97));
    char head[512];
    parts p = two_eth();
    stp_config *cfg = NULL;
    stp_error err = {0};
    snprintf(head, sizeof head,
             "\"links\": [{\"name\": \"bridge\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": %g, "
             "\"capacity_usd_per_s\": %g, \"cost\": 0.001}],",
             lat, cap);
    p.head = head;
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->n_links, 1);
    cr_assert_eq(cfg->links[0].a, 0);
    cr_assert_eq(cfg->links[0].b, 1);
    cr_assert_eq(cfg->links[0].latency_s, lat);
    cr_assert_eq(cfg->links[0].capacity_usd_per_s, cap);
    cr_assert_eq(cfg->links[0].cost, 0.001);
    stp_config_destroy(cfg);
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L3\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 1}],";
    expect_refused(&p, "links[0].b", "a link joins two pools of one asset");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L1\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 1}],";
    expect_refused(&p, "links[0].b", "two different venues");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L9\", \"b\": \"L2\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 1}],";
    expect_refused(&p, "links[0].a", "unknown venue \"L9\"");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": 601, "
             "\"capacity_usd_per_s\": 1}],";
    expect_refused(&p, "links[0].latency_s", "at most the horizon");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 0}],";
    expect_refused(&p, "links[0].capacity_usd_per_s", "must be a number in (0, 1000000000000000]");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": 1}],";
    expect_refused(&p, "links[0].capacity_usd_per_s", "missing required key");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 1, \"cost\": 0.9}],";
    expect_refused(&p, "links[0].cost", "the share of the units the crossing keeps");
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 1}, {\"name\": \"y\", \"a\": \"L2\", \"b\": \"L1\", "
             "\"latency_s\": 1, \"capacity_usd_per_s\": 1}],";
    expect_refused(&p, "links[1].b", "links[0] already joins these venues");
    p.head = "\"links\": [],";
    expect_refused(&p, "links", "must have 1 to 16 items");
    p = GOOD;
    p.venues = "";
    p.assets = "";
    p.market = "";
    p.cascade = "";
    p.shocks = "[]";
    p.protocols = "[{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": 0.83, "
                  "\"liquidation_bonus\": 0.05}]";
    p.head = "\"links\": [{\"name\": \"x\", \"a\": \"L1\", \"b\": \"L2\", \"latency_s\": 1, "
             "\"capacity_usd_per_s\": 1}],";
    expect_refused(&p, "links", "but the config has no \"venues\"");
}

Test(venue_config, cross_venue_keys_per_venue)
{
    const uint64_t seed = test_seed();
    const double share = (double)(seed % 1000) / 1000.0;
    char venues[512];
    parts p = two_eth();
    stp_config *cfg = NULL, *own = NULL;
    stp_error err = {0};
    snprintf(venues, sizeof venues,
             "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": {"
             "\"population.cross_venue_share\": %g, \"population.features_from\": "
             "\"largest_move\"}}, {\"name\": \"L2\", \"asset\": \"ETH\"}, {\"name\": \"L3\", "
             "\"asset\": \"BTC\"}],",
             share);
    p.venues = venues;
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_config_venue(&own, cfg, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(own->population.cross_venue_share, share);
    cr_assert_eq(own->population.features_largest_move, 1);
    stp_config_destroy(own);
    cr_assert_eq(stp_config_venue(&own, cfg, 1, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(own->population.cross_venue_share, 0.0);
    cr_assert_eq(own->population.features_largest_move, 0);
    stp_config_destroy(own);
    stp_config_destroy(cfg);
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": {"
               "\"population.cross_venue_share\": 1.5}}, {\"name\": \"L2\", \"asset\": \"ETH\"},"
               " {\"name\": \"L3\", \"asset\": \"BTC\"}],";
    expect_refused(&p, "venues[0].set.population.cross_venue_share", "must be a number in [0, 1]");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": {"
               "\"population.features_from\": \"loudest\"}}, {\"name\": \"L2\", \"asset\": "
               "\"ETH\"}, {\"name\": \"L3\", \"asset\": \"BTC\"}],";
    expect_refused(&p, "venues[0].set.population.features_from",
                   "must be \"home\" or \"largest_move\"");
}

Test(venue_config, cross_venue_keys_and_bridge_halts_need_venues)
{
    stp_config *cfg = NULL;
    stp_error err = {0};
    char text[2048];
    snprintf(text, sizeof text,
             "{\"protocols\": [{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": 0.8, "
             "\"liquidation_bonus\": 0.05}], \"population\": {\"cross_venue_share\": 0.1, "
             "\"families\": [{\"model\": \"%s/models/consensus_mlp.json\", \"share\": 1}]}}",
             STP_SOURCE_DIR);
    cr_assert_eq(stp_config_parse(&cfg, text, "t.json", NULL, 0, &err), STP_EUSAGE);
    cr_assert_null(cfg);
    cr_assert_not_null(strstr(err.msg, "config error at population.cross_venue_share: is about "
                                       "agents on several venues, but the config has no"),
                       "%s", err.msg);
    snprintf(text, sizeof text,
             "{\"protocols\": [{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": 0.8, "
             "\"liquidation_bonus\": 0.05}], \"population\": {\"families\": [{\"model\": "
             "\"%s/models/consensus_mlp.json\", \"share\": 1}]}, \"scenario\": {\"shocks\": "
             "[{\"kind\": \"bridge_halt\", \"count\": 1, \"time_s\": 10, \"duration_s\": 60}]}}",
             STP_SOURCE_DIR);
    cr_assert_eq(stp_config_parse(&cfg, text, "t.json", NULL, 0, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "config error at scenario.shocks[0].kind: bridge_halt "
                                       "closes the links between venues"),
                       "%s", err.msg);
}

Test(venue_config, a_derivative_names_an_asset_of_its_own)
{
    parts p = GOOD;
    stp_config *cfg = NULL, *own = NULL;
    stp_error err = {0};
    p.market = "";
    p.assets = "\"assets\": [{\"name\": \"ETH\", \"set\": {\"market.price0_usd\": 3000}},"
               " {\"name\": \"BTC\", \"parent\": \"ETH\", \"peg0\": 0.99}],";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->assets[1].parent, 0);
    cr_assert_eq(cfg->assets[1].peg0, 0.99);
    cr_assert_eq(stp_config_venue(&own, cfg, 1, &err), STP_OK, "%s", err.msg);
    cr_assert_float_eq(own->market.price0_usd, 3000 * 0.99, 1e-9, "%g", own->market.price0_usd);
    stp_config_destroy(own);
    stp_config_destroy(cfg);
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"parent\": \"BTC\"}],";
    expect_refused(&p, "assets[1].parent", "an asset cannot track itself");
    p.assets = "\"assets\": [{\"name\": \"ETH\", \"parent\": \"BTC\"}, {\"name\": \"BTC\", "
               "\"parent\": \"ETH\"}],";
    expect_refused(&p, "assets[0].parent", "is itself a derivative");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"parent\": \"ETH\", "
               "\"peg0\": 0}],";
    expect_refused(&p, "assets[1].peg0", "must be a number in (0, 10]");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"peg0\": 0.9}],";
    expect_refused(&p, "assets[1].peg0", "names no \"parent\"");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"parent\": \"ETH\", "
               "\"set\": {\"market.mu_per_s\": 0}}],";
    expect_refused(&p, "assets[1].set", "a derivative moves with its parent");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"parent\": \"ETH\"}],";
    p.shocks = "[{\"kind\": \"depeg\", \"asset\": \"ETH\", \"count\": 1, \"time_s\": 10, "
               "\"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].asset", "a depeg moves a derivative asset's peg");
    p.shocks = "[{\"kind\": \"depeg\", \"count\": 1, \"time_s\": 10, \"size\": {\"mean\": -0.05}}]";
    expect_refused(&p, "scenario.shocks[0].kind", "a depeg moves a derivative asset's peg");
}

Test(venue_config, global_mitigations_are_the_systems)
{
    static const char *const on =
        "\"mitigations\": {\"circuit_breaker\": {\"enabled\": true, \"global\": true},"
        " \"risk_signal\": {\"enabled\": true, \"global\": true}},";
    const uint64_t seed = test_seed();
    char venues[512];
    parts p = GOOD;
    stp_config *cfg = NULL, *own = NULL;
    stp_error err = {0};
    int v;
    p.head = on;
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->mitigations.circuit_breaker.global, 1);
    cr_assert_eq(cfg->mitigations.risk_signal.global, 1);
    for (v = 0; v < 2; v++) { /* each venue's own config is one venue's, enabled */
        cr_assert_eq(stp_config_venue(&own, cfg, v, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(own->mitigations.circuit_breaker.enabled, 1);
        cr_assert_eq(own->mitigations.risk_signal.enabled, 1);
        cr_assert_eq(own->mitigations.circuit_breaker.global + own->mitigations.risk_signal.global,
                     0);
        stp_config_destroy(own);
    }
    stp_config_destroy(cfg);
    /* a per-venue breaker may differ by venue: the seed's limit on L2 */
    snprintf(venues, sizeof venues,
             "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", \"asset\": "
             "\"BTC\", \"set\": {\"mitigations.circuit_breaker.max_sync_fraction\": %g}}],",
             0.05 + (double)(seed % 90) / 100.0);
    p.venues = venues;
    p.head = "\"mitigations\": {\"circuit_breaker\": {\"enabled\": true, \"global\": false}},";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->mitigations.circuit_breaker.global, 0);
    stp_config_destroy(cfg);
    p.head = on;
    expect_refused(&p, "venues[1].set.mitigations.circuit_breaker.max_sync_fraction",
                   "is global (mitigations.circuit_breaker.global), so its settings are the base's");
    p.venues = GOOD.venues;
    p.head = "\"mitigations\": {\"circuit_breaker\": {\"enabled\": true, \"global\": 1}},";
    expect_refused(&p, "mitigations.circuit_breaker.global", "must be true or false");
    p.head = "\"mitigations\": {\"risk_signal\": {\"global\": true}},";
    expect_refused(&p, "mitigations.risk_signal.global",
                   "is true but mitigations.risk_signal.enabled is false");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\", \"set\": "
               "{\"mitigations.risk_signal.global\": true}}, {\"name\": \"L2\", \"asset\": "
               "\"BTC\"}],";
    p.head = "";
    expect_refused(&p, "venues[0].set.mitigations.risk_signal.global",
                   "whether a mitigation is global is the system's choice");
}

Test(venue_config, shared_jumps_are_the_markets)
{
    parts p = GOOD;
    stp_config *cfg = NULL, *own = NULL;
    stp_error err = {0};
    int v;
    p.market = ", \"jumps\": {\"shared\": true}";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(cfg->jumps_shared, 1);
    for (v = 0; v < 2; v++) { /* each venue's own config is one asset's */
        cr_assert_eq(stp_config_venue(&own, cfg, v, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(own->jumps_shared, 0);
        stp_config_destroy(own);
    }
    stp_config_destroy(cfg);
    p.market = ", \"jumps\": {\"shared\": 1}";
    expect_refused(&p, "market.jumps.shared", "must be true or false");
    p.market = ", \"jumps\": {\"shared\": true}";
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": "
               "{\"market.jumps.rate_per_s\": 1e-4}}],";
    expect_refused(&p, "assets[1].set.market.jumps.rate_per_s",
                   "shared jumps (market.jumps.shared) come at the market's one rate");
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\", \"set\": "
               "{\"market.jumps.log_sd\": 0.05}}],"; /* sizes may differ */
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
    p.market = "";
    p.assets = "\"assets\": [{\"name\": \"ETH\", \"set\": {\"market.jumps.shared\": true}},"
               " {\"name\": \"BTC\"}],";
    expect_refused(&p, "assets[0].set.market.jumps.shared",
                   "whether the assets share their jumps is the market's");
}

Test(venue_config, an_oracle_reads_a_venue_of_its_own_asset)
{
    parts p = GOOD;
    stp_config *cfg = NULL, *own = NULL;
    stp_error err = {0};
    p.assets = "\"assets\": [{\"name\": \"ETH\"}, {\"name\": \"BTC\"}],";
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"BTC\"}, {\"name\": \"L3\", \"asset\": \"ETH\", \"set\": "
               "{\"oracle.source\": \"L1\"}}],";
    p.protocols = "[{\"name\": \"a\", \"venue\": \"L1\", \"share\": 1, \"liquidation_threshold\": "
                  "0.8, \"liquidation_bonus\": 0.05}, {\"name\": \"b\", \"venue\": \"L2\", "
                  "\"share\": 1, \"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.05}, "
                  "{\"name\": \"c\", \"venue\": \"L3\", \"share\": 1, \"liquidation_threshold\": "
                  "0.8, \"liquidation_bonus\": 0.05}]";
    p.shocks = "[]";
    cr_assert_eq(parse_parts(&p, &cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_config_venue(&own, cfg, 2, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(own->oracle_from, 1); /* L1, venue 0 */
    stp_config_destroy(own);
    cr_assert_eq(stp_config_venue(&own, cfg, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(own->oracle_from, 0);
    stp_config_destroy(own);
    stp_config_destroy(cfg);
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"BTC\"}, {\"name\": \"L3\", \"asset\": \"ETH\", \"set\": "
               "{\"oracle.source\": \"L2\"}}],";
    expect_refused(&p, "venues[2].set.oracle.source",
                   "names venue 'L2', whose pool trades BTC, not this venue's ETH");
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", "
               "\"asset\": \"BTC\"}, {\"name\": \"L3\", \"asset\": \"ETH\", \"set\": "
               "{\"oracle.source\": \"L9\"}}],";
    expect_refused(&p, "venues[2].set.oracle.source", "unknown venue \"L9\"");
}

Test(venue_config, a_venue_cannot_replace_a_global_mitigation_whole)
{
    parts p = GOOD;
    p.head = "\"mitigations\": {\"circuit_breaker\": {\"enabled\": true, \"global\": true}},";
    p.venues = "\"venues\": [{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", \"asset\": "
               "\"BTC\", \"set\": {\"mitigations\": {\"random_delay\": {\"enabled\": true}}}}],";
    expect_refused(&p, "venues[1].set.mitigations",
                   "is global (mitigations.circuit_breaker.global), so its settings are the base's");
}

/* Keys about several venues or assets in a config with neither: each
 * refused with one line naming it. */
Test(venue_config, system_keys_need_venues_or_assets)
{
    static const struct {
        const char *member, *message;
    } cases[] = {
        {"\"mitigations\": {\"circuit_breaker\": {\"enabled\": true, \"global\": true}}",
         "config error at mitigations.circuit_breaker.global: makes one mechanism of every "
         "venue's, but the config has no"},
        {"\"market\": {\"jumps\": {\"shared\": true}}",
         "config error at market.jumps.shared: makes the assets jump together, but the config "
         "has no \"assets\""},
        {"\"oracle\": {\"source\": \"L1\"}",
         "config error at oracle.source: names the venue whose pool the oracle reads, but the "
         "config has no"},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        stp_config *cfg = NULL;
        stp_error err = {0};
        char text[2048];
        snprintf(text, sizeof text,
                 "{\"protocols\": [{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": "
                 "0.8, \"liquidation_bonus\": 0.05}], \"population\": {\"families\": "
                 "[{\"model\": \"%s/models/consensus_mlp.json\", \"share\": 1}]}, %s}",
                 STP_SOURCE_DIR, cases[k].member);
        cr_assert_eq(stp_config_parse(&cfg, text, "t.json", NULL, 0, &err), STP_EUSAGE, "%s",
                     cases[k].member);
        cr_assert_null(cfg);
        cr_assert_not_null(strstr(err.msg, cases[k].message), "%s", err.msg);
        cr_assert_null(strchr(err.msg, '\n'), "one line");
    }
}
