/* config_schema.c: the config schema of DESIGN §5a as data
 * (config_schema.h): one table of keys and defaults, the enums'
 * spellings, and the type and range of every scalar, with the reasons for
 * the bounds. The code that walks a tree against it is config_read.c; the
 * pipeline is config_parse.c. */
#include "config_schema.h"

#include <math.h>

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define TWO_POW_53 9007199254740992.0 /* integers above it are not exact in JSON numbers */

/* ---------------------------------------------------------------------------
 * The schema and its defaults, one table. Each object lists every key allowed
 * at its level, in the order `stampede validate` prints them, with its default
 * value; null marks a key without a default (required, or optional such as
 * experiment.sweep: the readers of config_read.c decide). A key "k[]" is not
 * a key: it is the schema of the items of array "k". Values are those of
 * DESIGN §5a. The keys of DESIGN §10 (assets, venues, market.correlation,
 * cascade.venues, a protocol's venue, a shock's venue and asset) are all
 * null: a config without them resolves to the text it did before them
 * (the config hash is in every results file); config_venues.c reads them. */
/* clang-format off */
const char stp_cfg_schema_json[] =
    "{\"experiment\": {\"kind\": \"single\", \"name\": \"baseline\","
    "   \"variants\": [], \"variants[]\": {\"name\": null, \"set\": null},"
    "   \"sweep\": {\"param\": null, \"values\": null},"
    "   \"search\": {\"objective\": \"es_bad_debt_usd\", \"iterations\": 20,"
    "                \"paths_per_iter\": 4096, \"elite_fraction\": 0.1}},"
    " \"run\": {\"paths\": 20000, \"seed\": 1, \"batch\": 4096, \"populations\": 1},"
    " \"time\": {\"dt_s\": 1.0, \"horizon_s\": 3600},"
    " \"market\": {\"price0_usd\": 2500, \"mu_per_s\": 0,"
    "   \"vol\": {\"calm_per_sqrt_s\": 1.5e-4, \"stress_per_sqrt_s\": 6e-4,"
    "            \"calm_to_stress_per_s\": 1e-5, \"stress_to_calm_per_s\": 1e-3},"
    "   \"noise\": {\"dist\": \"student_t\", \"nu\": 4},"
    "   \"jumps\": {\"rate_per_s\": 2e-5, \"log_mean\": -0.02, \"log_sd\": 0.03,"
    "              \"shared\": null},"
    "   \"correlation\": null},"
    " \"assets\": null, \"assets[]\": {\"name\": null, \"set\": null, \"parent\": null,"
    "                  \"peg0\": null},"
    " \"pool\": {\"depth_usd\": 8e8, \"fee\": 0.003, \"arb_half_life_s\": 12,"
    "           \"refill_per_s\": 0.002},"
    " \"oracle\": {\"delay_s\": 2, \"source\": null},"
    " \"venues\": null, \"venues[]\": {\"name\": null, \"asset\": null, \"set\": null},"
    " \"links\": null, \"links[]\": {\"name\": null, \"a\": null, \"b\": null,"
    "                 \"latency_s\": null, \"capacity_usd_per_s\": null, \"cost\": null},"
    " \"protocols\": null,"
    " \"protocols[]\": {\"name\": null, \"share\": null, \"liquidation_threshold\": null,"
    "                   \"liquidation_bonus\": null, \"close_factor\": 0.5,"
    "                   \"full_close_hf\": 0.95, \"venue\": null},"
    " \"liquidators\": {\"capital_usd_per_s\": 5e6},"
    " \"population\": {\"agents\": 1024, \"passive_share\": 0.3, \"passive_positions\": 4096,"
    "   \"lp_share\": 0.2, \"lp_pool_share\": 0.5,"
    "   \"families\": null, \"families[]\": {\"model\": null, \"share\": null},"
    "   \"max_family_share\": 1.0, \"weight_noise\": 0.05,"
    "   \"threshold\": {\"mean\": 0.6, \"sd\": 0.05},"
    "   \"latency_s\": {\"median\": 0.5, \"log_sd\": 0.5},"
    "   \"sell_fraction\": 0.25, \"cooldown_s\": 30,"
    "   \"collateral_usd\": {\"total\": 4e8, \"log_sd\": 1.0},"
    "   \"hf0\": {\"min\": 1.05, \"median\": 1.4, \"log_sd\": 0.15},"
    "   \"cross_venue_share\": null, \"features_from\": null},"
    " \"mitigations\": {"
    "   \"circuit_breaker\": {\"enabled\": false, \"window_s\": 3, \"max_sync_fraction\": 0.2,"
    "                         \"cooldown_s\": 30, \"release\": \"gradual\", \"release_s\": 60,"
    "                         \"global\": null},"
    "   \"random_delay\": {\"enabled\": false, \"max_s\": 10},"
    "   \"progressive_fee\": {\"enabled\": false, \"base\": 0.003, \"slope\": 0.05,"
    "                         \"tolerance\": {\"mean\": 0.01, \"sd\": 0.005},"
    "                         \"exempt_liquidations\": true},"
    "   \"tiered_liquidation\": {\"enabled\": false,"
    "     \"bands\": [{\"hf_below\": 1.0, \"close_factor\": 0.1},"
    "                {\"hf_below\": 0.97, \"close_factor\": 0.25},"
    "                {\"hf_below\": 0.95, \"close_factor\": 0.5}],"
    "     \"bands[]\": {\"hf_below\": null, \"close_factor\": null},"
    "     \"max_step_fraction\": 0.01},"
    "   \"risk_signal\": {\"enabled\": false, \"stagger_s\": 5, \"global\": null},"
    "   \"grace_period\": {\"enabled\": false, \"sync_threshold\": 0.2, \"hf_floor\": 0.95,"
    "                      \"grace_s\": 60}},"
    " \"scenario\": {\"mode\": \"random\", \"shocks\": [],"
    "   \"shocks[]\": {\"kind\": null, \"rate_per_path\": null, \"count\": null, \"time_s\": null,"
    "                  \"duration_s\": 0, \"size\": {\"mean\": null, \"sd\": 0},"
    "                  \"protocol\": null, \"venue\": null, \"asset\": null},"
    "   \"importance\": {\"tilt\": 1.0, \"pilot_paths\": 0, \"count_tilt\": 0, \"jump_tilt\": 0,"
    "                  \"defensive\": 0.1}, \"qmc\": {\"points\": 1024}},"
    " \"cascade\": {\"drawdown\": 0.2, \"liquidation_usd\": 5e7, \"venues\": null},"
    " \"output\": {\"quantiles\": [0.5, 0.9, 0.99, 0.999], \"es_levels\": [0.99, 0.999],"
    "   \"worst_paths\": 32, \"sample_paths\": 16, \"histogram_bins\": 64, \"sync_window_s\": 3}}";

/* clang-format on */

/* Enum spellings, in the order of the enums in config.h. */
const char *const stp_cfg_experiment_kinds[] = {"single", "compare", "sweep", "search", NULL};
const char *const stp_cfg_noise_dists[] = {"normal", "student_t", NULL};
const char *const stp_cfg_scenario_modes[] = {"random", "blind_spot", "importance", "qmc", NULL};
const char *const stp_cfg_objectives[] = {"es_bad_debt_usd", "p_cascade", NULL};
const char *const stp_cfg_shock_kinds[] = {
    "gap",          "exploit",     "liquidity_withdrawal", "oracle_delay", "vol_regime",
    "oracle_error", "bridge_halt", "depeg",                NULL};
const char *const stp_cfg_releases[] = {"gradual", "batch", NULL};

/* Every numeric key has an upper bound (issue 21): a value that passed
 * validation must never turn a path non-finite after the simulation. The
 * per-step model is float32 (step.h, path.h): prices, collateral units,
 * debts and collateral x price must stay far below FLT_MAX = 3.4e38, and
 * counts must fit an int. Key by key:
 * - money held in float state (pool.depth_usd, collateral_usd.total):
 *   <= 1e15 USD, a thousand times all of DeFi. Collateral units are USD /
 *   price0 <= 1e21, and collateral x price = USD x price / price0, which
 *   check_log_reach keeps below e^30 on a 6-sd path: <= 1e28;
 * - market.price0_usd in [1e-6, 1e9]: the float prices and units above;
 * - money only in double sums (the liquidators' budget, the cascade's
 *   threshold): <= 1e30 (the shipped configs' "unlimited" budget is 1e18);
 * - time.dt_s >= 1e-3: the agents' calm history of an hour is 3600 / dt_s
 *   steps, four of them counted in one int (equilibrium.c); seconds keys
 *   <= 1e9, and steps (horizon / dt) <= MAX_STEPS (check_steps);
 * - rates per second <= 1e6: they enter 1 - exp(-rate dt), 1 already;
 * - lognormal spreads (log_sd) <= 5: e^(5 x 6.7), at the largest
 *   Box-Muller draw of a 32-bit word, is 3e14, inside float and double;
 * - counts: run.paths <= 2^32 - 1 (the path is a 32-bit Philox counter
 *   word); agents <= 1e7 and passive positions <= 1e8 (positions, and
 *   agents x 161 parameters, index an int); a shock's rate_per_path and
 *   count <= 64 (slots per path: rate + 10 sqrt(rate) + 10, an int);
 * - importance tilts: a size tilt of 10 is a 10-sd shift (every weight
 *   underflows far before), a count tilt of 5 multiplies rates by 148;
 *   the defensive mixture's share is in [0, 1): at 1 nothing is tilted. */
/* brace initializers of stp_cfg_bounds, kept on one line each */
/* clang-format off */
#define ANY      {-HUGE_VAL, HUGE_VAL, 0, 0, NULL}
#define FRAC     {0, 1, 0, 0, NULL}        /* [0, 1] */
#define FRAC_LT1 {0, 1, 0, 1, NULL}        /* [0, 1) */
#define FRAC_GT0 {0, 1, 1, 0, NULL}        /* (0, 1] */
#define OPEN01   {0, 1, 1, 1, NULL}        /* (0, 1) */
#define UP_TO(lo, hi) {lo, hi, 0, 0, NULL} /* [lo, hi] */
#define ABOVE(lo, hi) {lo, hi, 1, 0, NULL} /* (lo, hi] */
#define INT_TO(lo, hi) {lo, hi, 0, 0, NULL}
#define BELOW_2_53(lo) {lo, TWO_POW_53, 0, 1, NULL}
#define WHY_PATHS "a path is a 32-bit Philox counter word; split larger studies by seed"
#define WHY_USD   "USD held in float32: positions x prices stay far below 3.4e38"
#define WHY_PRICE "float32 prices; collateral units are USD / price0"
#define WHY_DT    "an hour of calm history is 3600 / dt_s steps"
#define PATHS    {1, 4294967295.0, 0, 0, WHY_PATHS}
#define WHY_POPS  "population k is a counter word of its draws (population.c), 16 bits"
#define POPULATIONS {1, 65535, 0, 0, WHY_POPS}
#define USD_F32  {0, 1e15, 1, 0, WHY_USD}
#define USD_F64  {0, 1e30, 0, 0, NULL}     /* [0, 1e30] */
#define PRICE    {1e-6, 1e9, 0, 0, WHY_PRICE}
#define DT       {1e-3, 86400, 0, 0, WHY_DT}
#define SECONDS  {0, 1e9, 0, 0, NULL}      /* [0, 1e9]: saturates at the horizon */
#define SECONDS_GT0 {0, 1e9, 1, 0, NULL}   /* (0, 1e9] */
#define RATE     {0, 1e6, 0, 0, NULL}      /* per second, in 1 - exp(-rate dt) */
#define LOG_SD   {0, 5, 0, 0, NULL}
#define HF       {0.01, 1e6, 0, 0, NULL}
#define ABOVE_2  {2, 1e6, 1, 0, NULL}      /* beyond 1e6 a Student-t is a normal */
/* a key of the config, of protocols[], of scenario.shocks[] */
#define C(key, kind, b, member) {key, kind, b, offsetof(stp_config, member)}
#define P(key, kind, b, member) {key, kind, b, offsetof(stp_protocol_spec, member)}
#define S(key, kind, b, member) {key, kind, b, offsetof(stp_shock_spec, member)}

/* clang-format on */

static const stp_cfg_field FIELDS[] = {
    C("experiment.search.iterations", F_INT, INT_TO(1, 1e6), experiment.search_iterations),
    C("experiment.search.paths_per_iter", F_INT, INT_TO(1, 2147483647.0),
      experiment.search_paths_per_iter),
    C("experiment.search.elite_fraction", F_NUM, OPEN01, experiment.search_elite_fraction),
    C("run.paths", F_LLONG, PATHS, run.paths),
    C("run.seed", F_SEED, BELOW_2_53(0), run.seed),
    C("run.batch", F_INT, INT_TO(1, 2147483647.0), run.batch),
    C("run.populations", F_INT, POPULATIONS, run.populations),
    C("time.dt_s", F_NUM, DT, time.dt_s),
    C("time.horizon_s", F_NUM, SECONDS_GT0, time.horizon_s),
    C("market.price0_usd", F_NUM, PRICE, market.price0_usd),
    /* drift and volatility are also bounded over the horizon: check_log_reach */
    C("market.mu_per_s", F_NUM, UP_TO(-1, 1), market.mu_per_s),
    C("market.vol.calm_per_sqrt_s", F_NUM, UP_TO(0, 1), market.vol_calm_per_sqrt_s),
    C("market.vol.stress_per_sqrt_s", F_NUM, UP_TO(0, 1), market.vol_stress_per_sqrt_s),
    C("market.vol.calm_to_stress_per_s", F_NUM, RATE, market.calm_to_stress_per_s),
    C("market.vol.stress_to_calm_per_s", F_NUM, RATE, market.stress_to_calm_per_s),
    /* unit-variance Student-t scales by sqrt((nu-2)/nu): finite only for nu > 2 */
    C("market.noise.nu", F_NUM, ABOVE_2, market.noise_nu),
    C("market.jumps.rate_per_s", F_NUM, UP_TO(0, 1), market.jump_rate_per_s),
    C("market.jumps.log_mean", F_NUM, UP_TO(-1, 1), market.jump_log_mean),
    C("market.jumps.log_sd", F_NUM, UP_TO(0, 1), market.jump_log_sd),
    C("pool.depth_usd", F_NUM, USD_F32, pool.depth_usd),
    C("pool.fee", F_NUM, FRAC_LT1, pool.fee),
    C("pool.arb_half_life_s", F_NUM, ABOVE(0, 1e15), pool.arb_half_life_s),
    C("pool.refill_per_s", F_NUM, RATE, pool.refill_per_s),
    C("oracle.delay_s", F_NUM, SECONDS, oracle.delay_s),
    C("liquidators.capital_usd_per_s", F_NUM, USD_F64, liquidators.capital_usd_per_s),
    C("population.agents", F_INT, INT_TO(0, 1e7), population.agents),
    C("population.passive_share", F_NUM, FRAC, population.passive_share),
    C("population.passive_positions", F_INT, INT_TO(0, 1e8), population.passive_positions),
    C("population.lp_share", F_NUM, FRAC, population.lp_share),
    C("population.lp_pool_share", F_NUM, FRAC, population.lp_pool_share),
    C("population.max_family_share", F_NUM, FRAC_GT0, population.max_family_share),
    C("population.weight_noise", F_NUM, FRAC, population.weight_noise),
    C("population.threshold.mean", F_NUM, OPEN01, population.threshold.mean),
    C("population.threshold.sd", F_NUM, FRAC, population.threshold.sd),
    C("population.latency_s.median", F_NUM, ABOVE(0, 1e6), population.latency_median_s),
    C("population.latency_s.log_sd", F_NUM, LOG_SD, population.latency_log_sd),
    C("population.sell_fraction", F_NUM, FRAC_GT0, population.sell_fraction),
    C("population.cooldown_s", F_NUM, SECONDS, population.cooldown_s),
    C("population.collateral_usd.total", F_NUM, USD_F32, population.collateral_total_usd),
    C("population.collateral_usd.log_sd", F_NUM, LOG_SD, population.collateral_log_sd),
    /* debt = collateral x LT / hf0, in float */
    C("population.hf0.min", F_NUM, HF, population.hf0_min),
    C("population.hf0.median", F_NUM, HF, population.hf0_median),
    C("population.hf0.log_sd", F_NUM, LOG_SD, population.hf0_log_sd),
    C("mitigations.circuit_breaker.enabled", F_BOOL, ANY, mitigations.circuit_breaker.enabled),
    C("mitigations.circuit_breaker.window_s", F_NUM, SECONDS_GT0,
      mitigations.circuit_breaker.window_s),
    C("mitigations.circuit_breaker.max_sync_fraction", F_NUM, FRAC,
      mitigations.circuit_breaker.max_sync_fraction),
    C("mitigations.circuit_breaker.cooldown_s", F_NUM, SECONDS,
      mitigations.circuit_breaker.cooldown_s),
    C("mitigations.circuit_breaker.release_s", F_NUM, SECONDS,
      mitigations.circuit_breaker.release_s),
    C("mitigations.random_delay.enabled", F_BOOL, ANY, mitigations.random_delay.enabled),
    C("mitigations.random_delay.max_s", F_NUM, SECONDS, mitigations.random_delay.max_s),
    C("mitigations.progressive_fee.enabled", F_BOOL, ANY, mitigations.progressive_fee.enabled),
    C("mitigations.progressive_fee.base", F_NUM, FRAC_LT1, mitigations.progressive_fee.base),
    C("mitigations.progressive_fee.slope", F_NUM, FRAC, mitigations.progressive_fee.slope),
    C("mitigations.progressive_fee.tolerance.mean", F_NUM, FRAC,
      mitigations.progressive_fee.tolerance.mean),
    C("mitigations.progressive_fee.tolerance.sd", F_NUM, FRAC,
      mitigations.progressive_fee.tolerance.sd),
    C("mitigations.progressive_fee.exempt_liquidations", F_BOOL, ANY,
      mitigations.progressive_fee.exempt_liquidations),
    C("mitigations.tiered_liquidation.enabled", F_BOOL, ANY,
      mitigations.tiered_liquidation.enabled),
    C("mitigations.tiered_liquidation.max_step_fraction", F_NUM, FRAC_GT0,
      mitigations.tiered_liquidation.max_step_fraction),
    C("mitigations.risk_signal.enabled", F_BOOL, ANY, mitigations.risk_signal.enabled),
    C("mitigations.risk_signal.stagger_s", F_NUM, SECONDS, mitigations.risk_signal.stagger_s),
    C("mitigations.grace_period.enabled", F_BOOL, ANY, mitigations.grace_period.enabled),
    C("mitigations.grace_period.sync_threshold", F_NUM, FRAC,
      mitigations.grace_period.sync_threshold),
    C("mitigations.grace_period.hf_floor", F_NUM, FRAC_GT0, mitigations.grace_period.hf_floor),
    C("mitigations.grace_period.grace_s", F_NUM, SECONDS, mitigations.grace_period.grace_s),
    C("scenario.importance.tilt", F_NUM, UP_TO(0, 10), scenario.importance_tilt),
    C("scenario.importance.pilot_paths", F_INT, INT_TO(0, 1e8), scenario.importance_pilot_paths),
    C("scenario.importance.count_tilt", F_NUM, UP_TO(0, 5), scenario.importance_count_tilt),
    C("scenario.importance.jump_tilt", F_NUM, UP_TO(0, 10), scenario.importance_jump_tilt),
    C("scenario.importance.defensive", F_NUM, FRAC_LT1, scenario.importance_defensive),
    C("scenario.qmc.points", F_INT, INT_TO(1, 1e7), scenario.qmc_points),
    C("cascade.drawdown", F_NUM, FRAC_GT0, cascade.drawdown),
    C("cascade.liquidation_usd", F_NUM, USD_F64, cascade.liquidation_usd),
    C("output.worst_paths", F_INT, INT_TO(0, 4096), output.worst_paths),
    C("output.sample_paths", F_INT, INT_TO(0, 4096), output.sample_paths),
    C("output.histogram_bins", F_INT, INT_TO(1, 100000), output.histogram_bins),
    C("output.sync_window_s", F_NUM, SECONDS_GT0, output.sync_window_s),
};

static const stp_cfg_field PROTOCOL_FIELDS[] = {
    P("share", F_NUM, FRAC, share),
    P("liquidation_threshold", F_NUM, FRAC_GT0, liquidation_threshold),
    P("liquidation_bonus", F_NUM, FRAC_LT1, liquidation_bonus),
    P("close_factor", F_NUM, FRAC_GT0, close_factor),
    P("full_close_hf", F_NUM, FRAC_GT0, full_close_hf),
};
static const stp_cfg_field FAMILY_FIELDS[] = {
    {"share", F_NUM, FRAC, offsetof(stp_family_spec, share)},
};
/* size is a log return (gap, exploit), a fraction (liquidity_withdrawal,
 * oracle_error) or seconds (oracle_delay): the kinds' own caps are in
 * read_shock and check_size_cap */
static const stp_cfg_field SHOCK_FIELDS[] = {
    S("time_s", F_RANGE, SECONDS, time_s),
    S("duration_s", F_RANGE, SECONDS, duration_s),
    S("size.mean", F_NUM, UP_TO(-1e9, 1e9), size.mean),
    S("size.sd", F_NUM, UP_TO(0, 1e9), size.sd),
};
static const stp_cfg_field BAND_FIELDS[] = {
    {"hf_below", F_NUM, FRAC_GT0, offsetof(stp_band_spec, hf_below)},
    {"close_factor", F_NUM, FRAC_GT0, offsetof(stp_band_spec, close_factor)},
};

#define TABLE(a)                                                                                   \
    {                                                                                              \
        a, N_ITEMS(a)                                                                              \
    }
const stp_cfg_fields stp_cfg_config_fields = TABLE(FIELDS);
const stp_cfg_fields stp_cfg_protocol_fields = TABLE(PROTOCOL_FIELDS);
const stp_cfg_fields stp_cfg_family_fields = TABLE(FAMILY_FIELDS);
const stp_cfg_fields stp_cfg_shock_fields = TABLE(SHOCK_FIELDS);
const stp_cfg_fields stp_cfg_band_fields = TABLE(BAND_FIELDS);

/* a shock's rate_per_path and count: slots per path are an int (above) */
const stp_cfg_bounds stp_cfg_shock_rate_bounds = UP_TO(0, 64);
const stp_cfg_bounds stp_cfg_shock_count_bounds = INT_TO(0, 64);
const stp_cfg_bounds stp_cfg_level_bounds = OPEN01; /* quantiles, ES levels */
const stp_cfg_bounds stp_cfg_any_bounds = ANY;      /* a sweep value: its key's check follows */

const char *stp_shock_kind_name(stp_shock_kind kind)
{
    return (unsigned)kind < STP_SHOCK_KINDS ? stp_cfg_shock_kinds[kind] : "unknown";
}
