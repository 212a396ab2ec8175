/* config_schema.c: the config schema of DESIGN §5a (one table of keys and
 * defaults, plus the type and range of every scalar) and the readers that
 * turn a resolved tree into stp_config. See config.c for the pipeline. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* stat */
#endif
#include "config_schema.h"

#include "stampede/models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The installed data folder (cmake: ${CMAKE_INSTALL_FULL_DATADIR}/stampede),
 * the last place a family's model file is looked for. */
#ifndef STP_INSTALL_DATADIR
#define STP_INSTALL_DATADIR ""
#endif

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SHARE_TOL  1e-6
#define MAX_STEPS  1e7 /* horizon_s / dt_s: per-step arrays and 4x the step count stay ints */
/* The log price's reach over a run (check_log_reach): on a 6-sd path e^30,
 * so USD x price / price0 stays near 1e28, ten orders inside float32. */
#define LOG_REACH_MAX 5.0
/* |size.mean| + 6 size.sd of a shock whose size is a log return or a
 * factor (gap, exploit, oracle_error): sizes are clamped to it (scenario.h) */
#define SIZE_CAP_MAX 10.0
#define TWO_POW_53   9007199254740992.0 /* integers above it are not exact in JSON numbers */

typedef stp_cfg_ctx ctx;

/* ---------------------------------------------------------------------------
 * The schema and its defaults, one table. Each object lists every key allowed
 * at its level, in the order `stampede validate` prints them, with its default
 * value; null marks a key without a default (required, or optional such as
 * experiment.sweep: the readers below decide). A key "k[]" is not a key: it
 * is the schema of the items of array "k". Values are those of DESIGN §5a. */
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
    "   \"jumps\": {\"rate_per_s\": 2e-5, \"log_mean\": -0.02, \"log_sd\": 0.03}},"
    " \"pool\": {\"depth_usd\": 8e8, \"fee\": 0.003, \"arb_half_life_s\": 12,"
    "           \"refill_per_s\": 0.002},"
    " \"oracle\": {\"delay_s\": 2},"
    " \"protocols\": null,"
    " \"protocols[]\": {\"name\": null, \"share\": null, \"liquidation_threshold\": null,"
    "                   \"liquidation_bonus\": null, \"close_factor\": 0.5,"
    "                   \"full_close_hf\": 0.95},"
    " \"liquidators\": {\"capital_usd_per_s\": 5e6},"
    " \"population\": {\"agents\": 1024, \"passive_share\": 0.3, \"passive_positions\": 4096,"
    "   \"lp_share\": 0.2, \"lp_pool_share\": 0.5,"
    "   \"families\": null, \"families[]\": {\"model\": null, \"share\": null},"
    "   \"max_family_share\": 1.0, \"weight_noise\": 0.05,"
    "   \"threshold\": {\"mean\": 0.6, \"sd\": 0.05},"
    "   \"latency_s\": {\"median\": 0.5, \"log_sd\": 0.5},"
    "   \"sell_fraction\": 0.25, \"cooldown_s\": 30,"
    "   \"collateral_usd\": {\"total\": 4e8, \"log_sd\": 1.0},"
    "   \"hf0\": {\"min\": 1.05, \"median\": 1.4, \"log_sd\": 0.15}},"
    " \"mitigations\": {"
    "   \"circuit_breaker\": {\"enabled\": false, \"window_s\": 3, \"max_sync_fraction\": 0.2,"
    "                         \"cooldown_s\": 30, \"release\": \"gradual\", \"release_s\": 60},"
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
    "   \"risk_signal\": {\"enabled\": false, \"stagger_s\": 5},"
    "   \"grace_period\": {\"enabled\": false, \"sync_threshold\": 0.2, \"hf_floor\": 0.95,"
    "                      \"grace_s\": 60}},"
    " \"scenario\": {\"mode\": \"random\", \"shocks\": [],"
    "   \"shocks[]\": {\"kind\": null, \"rate_per_path\": null, \"count\": null, \"time_s\": null,"
    "                  \"duration_s\": 0, \"size\": {\"mean\": null, \"sd\": 0},"
    "                  \"protocol\": null},"
    "   \"importance\": {\"tilt\": 1.0, \"pilot_paths\": 0, \"count_tilt\": 0, \"jump_tilt\": 0,"
    "                  \"defensive\": 0.1}, \"qmc\": {\"points\": 1024}},"
    " \"cascade\": {\"drawdown\": 0.2, \"liquidation_usd\": 5e7},"
    " \"output\": {\"quantiles\": [0.5, 0.9, 0.99, 0.999], \"es_levels\": [0.99, 0.999],"
    "   \"worst_paths\": 32, \"sample_paths\": 16, \"histogram_bins\": 64, \"sync_window_s\": 3}}";

/* clang-format on */

/* Enum spellings, in the order of the enums in config.h. */
static const char *const EXPERIMENT_KINDS[] = {"single", "compare", "sweep", "search", NULL};
static const char *const NOISE_DISTS[] = {"normal", "student_t", NULL};
static const char *const SCENARIO_MODES[] = {"random", "blind_spot", "importance", "qmc", NULL};
static const char *const OBJECTIVES[] = {"es_bad_debt_usd", "p_cascade", NULL};
static const char *const SHOCK_KINDS[] = {
    "gap", "exploit", "liquidity_withdrawal", "oracle_delay", "vol_regime", "oracle_error", NULL};
static const char *const RELEASES[] = {"gradual", "batch", NULL};

/* Scalar keys: dotted path below the object read, type, allowed range, and
 * where the value goes (an offset into the struct being filled). */
typedef enum { F_NUM, F_INT, F_LLONG, F_SEED, F_BOOL, F_RANGE } field_kind;
typedef struct bounds {
    double lo, hi;
    int lo_open, hi_open;
    const char *why; /* the bound's reason, shown in its message; NULL: evident */
} bounds;
typedef struct field {
    const char *key;
    field_kind kind;
    bounds b;
    size_t off;
} field;

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
/* brace initializers of `bounds`, kept on one line each */
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

static const field FIELDS[] = {
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

static const field PROTOCOL_FIELDS[] = {
    P("share", F_NUM, FRAC, share),
    P("liquidation_threshold", F_NUM, FRAC_GT0, liquidation_threshold),
    P("liquidation_bonus", F_NUM, FRAC_LT1, liquidation_bonus),
    P("close_factor", F_NUM, FRAC_GT0, close_factor),
    P("full_close_hf", F_NUM, FRAC_GT0, full_close_hf),
};
static const field FAMILY_FIELDS[] = {
    {"share", F_NUM, FRAC, offsetof(stp_family_spec, share)},
};
/* size is a log return (gap, exploit), a fraction (liquidity_withdrawal,
 * oracle_error) or seconds (oracle_delay): the kinds' own caps are in
 * read_shock and check_size_cap */
static const field SHOCK_FIELDS[] = {
    S("time_s", F_RANGE, SECONDS, time_s),
    S("duration_s", F_RANGE, SECONDS, duration_s),
    S("size.mean", F_NUM, UP_TO(-1e9, 1e9), size.mean),
    S("size.sd", F_NUM, UP_TO(0, 1e9), size.sd),
};
static const field BAND_FIELDS[] = {
    {"hf_below", F_NUM, FRAC_GT0, offsetof(stp_band_spec, hf_below)},
    {"close_factor", F_NUM, FRAC_GT0, offsetof(stp_band_spec, close_factor)},
};

/* ---------------------------------------------------------------------------
 * Typed getters */

static const cJSON *lookup(const cJSON *obj, const char *dotted)
{
    char seg[STP_NAME_MAX];
    while (obj && *dotted) {
        size_t n = strcspn(dotted, ".");
        if (n >= sizeof seg) return NULL;
        memcpy(seg, dotted, n);
        seg[n] = '\0';
        obj = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, seg) : NULL;
        dotted += n + (dotted[n] == '.');
    }
    return obj;
}

static int in_bounds(double x, bounds b)
{
    return (b.lo_open ? x > b.lo : x >= b.lo) && (b.hi_open ? x < b.hi : x <= b.hi);
}

/* A bound as people write it: 1e15 and 1e-6 rather than 1000000000000000
 * and 1e-06; other numbers as stp_cfg_fmt_num. */
static void fmt_bound(char *buf, size_t cap, double x)
{
    char sci[40], *e, *m;
    int exponent;
    stp_cfg_fmt_num(buf, cap, x);
    snprintf(sci, sizeof sci, "%.14e", x); /* d.dddddddddddddde+XX */
    if (!(e = strchr(sci, 'e'))) return;
    exponent = atoi(e + 1);
    for (m = e; m[-1] == '0'; m--)
        ;
    if (m[-1] == '.') m--;
    snprintf(m, sizeof sci - (size_t)(m - sci), "e%d", exponent);
    /* printf's own exponents (1e-06, 1e+15) always; 1e7 over 10000000 */
    if (strtod(sci, NULL) == x && (strchr(buf, 'e') || strlen(sci) + 2 <= strlen(buf)))
        snprintf(buf, cap, "%s", sci);
}

/* "a number in [0, 1)", "an integer >= 0", ..., with the bound's reason */
static void fmt_bounds(char *buf, size_t cap, bounds b, int integer)
{
    const char *what = integer ? "an integer" : "a number";
    char lo[40], hi[40], why[128] = "";
    fmt_bound(lo, sizeof lo, b.lo);
    fmt_bound(hi, sizeof hi, b.hi);
    if (b.why) snprintf(why, sizeof why, " (%s)", b.why);
    if (isinf(b.lo) && isinf(b.hi))
        snprintf(buf, cap, "%s", what);
    else if (isinf(b.hi))
        snprintf(buf, cap, "%s %s %s%s", what, b.lo_open ? ">" : ">=", lo, why);
    else
        snprintf(buf, cap, "%s in %c%s, %s%c%s", what, b.lo_open ? '(' : '[', lo, hi,
                 b.hi_open ? ')' : ']', why);
}

static stp_status get_number(ctx *c, const char *key, const cJSON *v, int integer, bounds b,
                             double *x)
{
    char want[256], got[96];
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
        (!integer || v->valuedouble == floor(v->valuedouble)) && in_bounds(v->valuedouble, b)) {
        *x = v->valuedouble;
        return STP_OK;
    }
    if (!v) return stp_cfg_fail(c, key, "missing required key");
    fmt_bounds(want, sizeof want, b, integer);
    stp_cfg_describe(got, sizeof got, v);
    return stp_cfg_fail(c, key, "must be %s; got %s", want, got);
}

static stp_status range_end(ctx *c, const cJSON *v, int i, bounds b, double *x)
{
    size_t mark = stp_cfg_push_index(c, i);
    stp_status st = get_number(c, NULL, v, 0, b, x);
    stp_cfg_pop(c, mark);
    return st;
}

/* A number (lo == hi) or [lo, hi] with lo <= hi, both within b. */
static stp_status read_range(ctx *c, const char *key, const cJSON *v, bounds b, stp_range *out)
{
    char want[256], got[96];
    size_t mark;
    stp_status st;
    if (cJSON_IsNumber(v)) {
        st = get_number(c, key, v, 0, b, &out->lo);
        out->hi = out->lo;
        return st;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) {
        fmt_bounds(want, sizeof want, b, 0);
        stp_cfg_describe(got, sizeof got, v);
        return stp_cfg_fail(c, key, "must be %s or a range [lo, hi] of them; got %s", want, got);
    }
    mark = stp_cfg_push_key(c, key);
    st = range_end(c, v->child, 0, b, &out->lo);
    if (!st) st = range_end(c, v->child->next, 1, b, &out->hi);
    if (!st && out->lo > out->hi) st = stp_cfg_fail(c, NULL, "range [lo, hi] needs lo <= hi");
    stp_cfg_pop(c, mark);
    return st;
}

static void store(field_kind kind, void *dst, double x)
{
    if (kind == F_NUM)
        *(double *)dst = x;
    else if (kind == F_INT)
        *(int *)dst = (int)x;
    else if (kind == F_LLONG)
        *(long long *)dst = (long long)x;
    else if (kind == F_SEED)
        *(unsigned long long *)dst = (unsigned long long)x;
}

static stp_status read_field(ctx *c, const cJSON *obj, const field *f, void *dst)
{
    const cJSON *v = lookup(obj, f->key);
    char got[96];
    double x;
    if (!v) return stp_cfg_fail(c, f->key, "missing required key");
    if (f->kind == F_RANGE) return read_range(c, f->key, v, f->b, (stp_range *)dst);
    if (f->kind == F_BOOL) {
        if (cJSON_IsBool(v))
            *(int *)dst = cJSON_IsTrue(v);
        else
            stp_cfg_describe(got, sizeof got, v);
        return cJSON_IsBool(v) ? STP_OK
                               : stp_cfg_fail(c, f->key, "must be true or false; got %s", got);
    }
    if (get_number(c, f->key, v, f->kind != F_NUM, f->b, &x)) return c->err->status;
    store(f->kind, dst, x);
    return STP_OK;
}

static stp_status read_fields(ctx *c, const cJSON *obj, const field *f, size_t n, void *base)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (read_field(c, obj, &f[i], (char *)base + f[i].off)) return c->err->status;
    return STP_OK;
}

static stp_status get_enum(ctx *c, const cJSON *obj, const char *key, const char *const *names,
                           int *out)
{
    const cJSON *v = lookup(obj, key);
    char got[96], list[160] = "", quoted[40];
    size_t used = 0;
    int i;
    for (i = 0; names[i]; i++) {
        if (cJSON_IsString(v) && strcmp(v->valuestring, names[i]) == 0) {
            *out = i;
            return STP_OK;
        }
        snprintf(quoted, sizeof quoted, "\"%s\"", names[i]);
        stp_cfg_append(list, sizeof list, &used, " | ", quoted);
    }
    if (!v) return stp_cfg_fail(c, key, "missing required key");
    stp_cfg_describe(got, sizeof got, v);
    return stp_cfg_fail(c, key, "must be one of %s; got %s", list, got);
}

/* A non-empty string shorter than cap; with `name`, also no '/', no
 * control characters and not "." or ".." (names become HDF5 group names,
 * where those mean paths). */
static stp_status get_string(ctx *c, const cJSON *obj, const char *key, char *out, size_t cap,
                             int name)
{
    const cJSON *v = lookup(obj, key);
    const char *p;
    char got[96];
    int ok = cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) < cap;
    for (p = ok && name ? v->valuestring : ""; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f) ok = 0;
    if (ok && name && (!strcmp(v->valuestring, ".") || !strcmp(v->valuestring, ".."))) ok = 0;
    if (ok) {
        memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
        return STP_OK;
    }
    if (!v) return stp_cfg_fail(c, key, "missing required key");
    stp_cfg_describe(got, sizeof got, v);
    if (name)
        return stp_cfg_fail(c, key,
                            "must be a name of 1 to %zu characters without '/' or control "
                            "characters, not \".\" or \"..\"; got %s",
                            cap - 1, got);
    return stp_cfg_fail(c, key, "must be a non-empty string of at most %zu bytes; got %s", cap - 1,
                        got);
}

typedef stp_status (*item_reader)(ctx *c, cJSON *item, int i, stp_config *cfg);

/* Array `key` of obj, min..max objects, each read by fn; *n counts them. */
static stp_status read_items(ctx *c, const cJSON *obj, const char *key, int min, int max, int *n,
                             item_reader fn, stp_config *cfg)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
    size_t mark = stp_cfg_push_key(c, key);
    int size = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0, i = 0;
    char got[96];
    stp_status st = STP_OK;
    stp_cfg_describe(got, sizeof got, arr);
    if (!arr && min > 0)
        st = stp_cfg_fail(c, NULL, "missing required key");
    else if (arr && !cJSON_IsArray(arr))
        st = stp_cfg_fail(c, NULL, "must be an array; got %s", got);
    else if (size < min || size > max)
        st = stp_cfg_fail(c, NULL, "must have %d to %d items; got %d", min, max, size);
    for (it = st ? NULL : arr ? arr->child : NULL; it && !st; it = it->next, i++) {
        size_t m = stp_cfg_push_index(c, i);
        stp_cfg_describe(got, sizeof got, it);
        st = cJSON_IsObject(it) ? fn(c, it, i, cfg)
                                : stp_cfg_fail(c, NULL, "must be an object; got %s", got);
        stp_cfg_pop(c, m);
    }
    *n = st ? 0 : i;
    stp_cfg_pop(c, mark);
    return st;
}

/* Shares of an array's items must sum to 1 (they split one total). */
static stp_status check_shares(ctx *c, const char *array, double sum)
{
    char got[40];
    if (fabs(sum - 1.0) <= SHARE_TOL) return STP_OK;
    stp_cfg_fmt_num(got, sizeof got, sum);
    return stp_cfg_fail(c, array,
                        "the shares of %s[].share sum to %s; they must sum to 1 (within 1e-6)",
                        array, got);
}

/* ---------------------------------------------------------------------------
 * Sections */

static stp_status read_protocol(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_protocol_spec *p = &cfg->protocols[i];
    int j;
    if (get_string(c, it, "name", p->name, sizeof p->name, 1) ||
        read_fields(c, it, PROTOCOL_FIELDS, N_ITEMS(PROTOCOL_FIELDS), p))
        return c->err->status;
    for (j = 0; j < i; j++)
        if (strcmp(cfg->protocols[j].name, p->name) == 0)
            return stp_cfg_fail(c, "name", "duplicate protocol name '%s'; names must be unique",
                                p->name);
    /* Aave v3 (PoolConfigurator.configureReserveAsCollateral) requires
     * LT * (1 + LB) <= 1: otherwise liquidating a position at HF just below 1
     * seizes more collateral than it has, and every liquidation is bad debt. */
    if (p->liquidation_threshold * (1.0 + p->liquidation_bonus) > 1.0 + 1e-12)
        return stp_cfg_fail(
            c, "liquidation_bonus",
            "liquidation_threshold * (1 + liquidation_bonus) must be <= 1 (Aave v3 rule)");
    return STP_OK;
}

static stp_status read_protocols(ctx *c, const cJSON *root, stp_config *cfg)
{
    double sum = 0;
    int i;
    if (read_items(c, root, "protocols", 1, STP_MAX_PROTOCOLS, &cfg->n_protocols, read_protocol,
                   cfg))
        return c->err->status;
    for (i = 0; i < cfg->n_protocols; i++)
        sum += cfg->protocols[i].share;
    return check_shares(c, "protocols", sum);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* DESIGN §5a: a relative model path is looked for in the config's folder,
 * its parent, then the installed models folder; the first file found wins. */
static stp_status resolve_model(ctx *c, stp_family_spec *f)
{
    char cand[3][STP_PATH_MAX], tried[3 * STP_PATH_MAX + 8] = "";
    const char *base = strrchr(f->model, '/') ? strrchr(f->model, '/') + 1 : f->model;
    int n = 0, i;
    size_t used = 0;
    if (f->model[0] == '/')
        n += snprintf(cand[n], STP_PATH_MAX, "%s", f->model) < STP_PATH_MAX;
    else {
        n += snprintf(cand[n], STP_PATH_MAX, "%s%s", c->dir, f->model) < STP_PATH_MAX;
        n += snprintf(cand[n], STP_PATH_MAX, "%s../%s", c->dir, f->model) < STP_PATH_MAX;
        if (STP_INSTALL_DATADIR[0] && base[0])
            n += snprintf(cand[n], STP_PATH_MAX, "%s/models/%s", STP_INSTALL_DATADIR, base) <
                 STP_PATH_MAX;
    }
    for (i = 0; i < n; i++) {
        if (is_file(cand[i])) {
            memcpy(f->model_resolved, cand[i], strlen(cand[i]) + 1);
            return STP_OK;
        }
        stp_cfg_append(tried, sizeof tried, &used, ", ", cand[i]);
    }
    return stp_cfg_fail(c, "model", "model file '%s' not found (looked in %s); fix the path",
                        f->model, tried);
}

/* The family's model file, loaded and checked by the loader the population
 * uses (stp_model_load), so a file `validate` accepts is one `run` loads.
 * Keeps the loader's status: a file that cannot be read is STP_EIO. */
static stp_status check_model(ctx *c, stp_family_spec *f)
{
    stp_model m;
    stp_error why = {STP_OK, ""};
    const stp_status st = stp_model_load(&m, f->model_resolved, &why);
    f->n_params = st == STP_OK ? m.n_params : 0;
    if (st == STP_OK) return STP_OK;
    if (st == STP_ENOMEM) return stp_cfg_oom(c);
    stp_cfg_fail(c, "model",
                 "model file '%s' cannot be used (%s); fix or regenerate it, or choose another",
                 f->model, why.msg);
    c->err->status = st;
    return st;
}

static stp_status read_family(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_family_spec *f = &cfg->population.families[i];
    if (get_string(c, it, "model", f->model, sizeof f->model, 0) ||
        read_fields(c, it, FAMILY_FIELDS, N_ITEMS(FAMILY_FIELDS), f) || resolve_model(c, f))
        return c->err->status;
    return check_model(c, f);
}

/* Model diversity (DESIGN §3.5) is a requirement on the population. */
static stp_status check_family_caps(ctx *c, stp_config *cfg)
{
    char share[40], cap[40];
    int i;
    for (i = 0; i < cfg->population.n_families; i++) {
        const stp_family_spec *f = &cfg->population.families[i];
        size_t mark;
        stp_status st;
        if (f->share <= cfg->population.max_family_share) continue;
        stp_cfg_fmt_num(share, sizeof share, f->share);
        stp_cfg_fmt_num(cap, sizeof cap, cfg->population.max_family_share);
        mark = stp_cfg_push_key(c, "population.families");
        stp_cfg_push_index(c, i);
        st = stp_cfg_fail(
            c, "share",
            "family '%s' has share %s, above population.max_family_share %s; lower it or "
            "raise the cap",
            f->model, share, cap);
        stp_cfg_pop(c, mark);
        return st;
    }
    return STP_OK;
}

static stp_status read_population(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *pop_obj = cJSON_GetObjectItemCaseSensitive(root, "population");
    size_t mark = stp_cfg_push_key(c, "population");
    double sum = 0;
    int i;
    stp_status st = read_items(c, pop_obj, "families", 1, STP_MAX_FAMILIES,
                               &cfg->population.n_families, read_family, cfg);
    for (i = 0; i < cfg->population.n_families; i++)
        sum += cfg->population.families[i].share;
    if (!st) st = check_shares(c, "families", sum);
    stp_cfg_pop(c, mark);
    return st ? st : check_family_caps(c, cfg);
}

static stp_status read_band(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_band_spec *b = &cfg->mitigations.tiered_liquidation.bands[i];
    if (read_fields(c, it, BAND_FIELDS, N_ITEMS(BAND_FIELDS), b)) return c->err->status;
    if (i > 0 && b->hf_below >= b[-1].hf_below)
        return stp_cfg_fail(c, "hf_below", "bands must be listed by strictly decreasing hf_below");
    return STP_OK;
}

static stp_status read_bands(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *tl = lookup(root, "mitigations.tiered_liquidation");
    size_t mark = stp_cfg_push_key(c, "mitigations.tiered_liquidation");
    stp_status st = read_items(c, tl, "bands", 0, STP_MAX_BANDS,
                               &cfg->mitigations.tiered_liquidation.n_bands, read_band, cfg);
    if (!st && cfg->mitigations.tiered_liquidation.enabled &&
        cfg->mitigations.tiered_liquidation.n_bands == 0)
        st = stp_cfg_fail(c, "bands", "needs at least one band when tiered_liquidation is enabled");
    stp_cfg_pop(c, mark);
    return st;
}

/* The AMM needs a fee below 1 at any sync fraction, full sync included. */
static stp_status check_fee(ctx *c, const stp_config *cfg)
{
    char sum[40];
    const double top =
        cfg->mitigations.progressive_fee.base + cfg->mitigations.progressive_fee.slope;
    size_t mark;
    stp_status st;
    if (top < 1.0) return STP_OK;
    stp_cfg_fmt_num(sum, sizeof sum, top);
    mark = stp_cfg_push_key(c, "mitigations.progressive_fee");
    st = stp_cfg_fail(c, "slope",
                      "base + slope is %s, the fee at full sync; it must stay below 1: lower the "
                      "slope",
                      sum);
    stp_cfg_pop(c, mark);
    return st;
}

/* Exactly one of rate_per_path (Poisson mean) and count (exact number). */
static stp_status read_shock_count(ctx *c, const cJSON *it, stp_shock_spec *s)
{
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(it, "rate_per_path");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(it, "count");
    const bounds rate_b = UP_TO(0, 64), count_b = INT_TO(0, 64); /* slots: an int */
    double x;
    if (!rate && !count)
        return stp_cfg_fail(c, NULL,
                            "needs rate_per_path (Poisson mean per path) or count (exact number)");
    if (rate && count) return stp_cfg_fail(c, NULL, "give rate_per_path or count, not both");
    s->has_count = count != NULL;
    if (get_number(c, count ? "count" : "rate_per_path", count ? count : rate, count != NULL,
                   count ? count_b : rate_b, &x))
        return c->err->status;
    if (count)
        s->count = (int)x;
    else
        s->rate_per_path = x;
    return STP_OK;
}

/* exploit: the protocol whose collateral is hit, by name. Other kinds may
 * name one too (the §5a example does on a gap): it must exist, and is
 * ignored (protocol -1). */
static stp_status read_shock_protocol(ctx *c, const cJSON *it, stp_shock_spec *s,
                                      const stp_config *cfg)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "protocol");
    char got[96], names[STP_MAX_PROTOCOLS * (STP_NAME_MAX + 2)] = "";
    size_t used = 0;
    int i;
    s->protocol = -1;
    if (!p && s->kind != STP_SHOCK_EXPLOIT) return STP_OK;
    if (!p)
        return stp_cfg_fail(c, "protocol", "missing; an exploit shock names the protocol it hits");
    for (i = 0; i < cfg->n_protocols; i++) {
        if (cJSON_IsString(p) && strcmp(p->valuestring, cfg->protocols[i].name) == 0) {
            s->protocol = s->kind == STP_SHOCK_EXPLOIT ? i : -1;
            return STP_OK;
        }
        stp_cfg_append(names, sizeof names, &used, ", ", cfg->protocols[i].name);
    }
    stp_cfg_describe(got, sizeof got, p);
    return stp_cfg_fail(c, "protocol", "unknown protocol %s; protocols[].name are: %s", got, names);
}

/* A vol regime has no size: default its mean to 0, in the tree too (first,
 * as in the schema), so the resolved config shows what was used. */
static stp_status default_size_mean(ctx *c, cJSON *size)
{
    cJSON *mean;
    if (!cJSON_IsObject(size) || cJSON_GetObjectItemCaseSensitive(size, "mean")) return STP_OK;
    if (!(mean = cJSON_AddNumberToObject(size, "mean", 0))) return stp_cfg_oom(c);
    cJSON_DetachItemViaPointer(size, mean);
    cJSON_InsertItemInArray(size, 0, mean); /* cannot fail: size has a child (sd) */
    return STP_OK;
}

/* A gap's or an exploit's size is a log return, an oracle_error's a
 * factor 1 + size: the largest drawn, |mean| + 6 sd (scenario.h clamps to
 * it), must keep float32 prices finite. Withdrawals are clamped to the
 * pool, delays to the horizon, and a vol regime has no size. */
static stp_status check_size_cap(ctx *c, const stp_shock_spec *s)
{
    const double cap = fabs(s->size.mean) + 6.0 * s->size.sd;
    char got[40];
    if (s->kind != STP_SHOCK_GAP && s->kind != STP_SHOCK_EXPLOIT &&
        s->kind != STP_SHOCK_ORACLE_ERROR)
        return STP_OK;
    if (cap <= SIZE_CAP_MAX) return STP_OK;
    stp_cfg_fmt_num(got, sizeof got, cap);
    return stp_cfg_fail(c, "size",
                        "|size.mean| + 6 size.sd is %s, the largest %s size drawn; at most 10, "
                        "or float32 prices overflow: lower size.mean or size.sd",
                        got, stp_shock_kind_name(s->kind));
}

static stp_status read_shock(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_shock_spec *s = &cfg->scenario.shocks[i];
    cJSON *size = cJSON_GetObjectItemCaseSensitive(it, "size");
    int kind;
    if (get_enum(c, it, "kind", SHOCK_KINDS, &kind)) return c->err->status;
    s->kind = (stp_shock_kind)kind;
    if (s->kind == STP_SHOCK_VOL_REGIME && default_size_mean(c, size)) return c->err->status;
    if (read_shock_count(c, it, s) || read_fields(c, it, SHOCK_FIELDS, N_ITEMS(SHOCK_FIELDS), s) ||
        read_shock_protocol(c, it, s, cfg))
        return c->err->status;
    if (s->kind == STP_SHOCK_LIQUIDITY_WITHDRAWAL && fabs(s->size.mean) > 1)
        return stp_cfg_fail(c, "size.mean",
                            "must be in [-1, 1] for liquidity_withdrawal (|size| is the "
                            "fraction of the pool's liquidity removed)");
    if (s->kind == STP_SHOCK_ORACLE_ERROR && !(fabs(s->size.mean) < 1))
        return stp_cfg_fail(c, "size.mean",
                            "must be in (-1, 1) for oracle_error (the oracle reports the price "
                            "times 1 + size)");
    if (s->time_s.hi > cfg->time.horizon_s)
        return stp_cfg_fail(c, "time_s", "must end by time.horizon_s; a later shock never happens");
    return check_size_cap(c, s);
}

static stp_status read_levels(ctx *c, const cJSON *output, const char *key, double *dst, int *n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(output, key), *v;
    const bounds open01 = OPEN01;
    size_t mark = stp_cfg_push_key(c, key);
    char got[96];
    stp_status st = STP_OK;
    *n = 0;
    stp_cfg_describe(got, sizeof got, arr);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > STP_MAX_LEVELS)
        st = stp_cfg_fail(c, NULL, "must be an array of at most %d levels in (0, 1); got %s",
                          STP_MAX_LEVELS, got);
    for (v = st ? NULL : arr->child; v && !st; v = v->next) {
        size_t m = stp_cfg_push_index(c, *n);
        st = get_number(c, NULL, v, 0, open01, &dst[*n]);
        stp_cfg_pop(c, m);
        *n += !st;
    }
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_output(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(root, "output");
    size_t mark = stp_cfg_push_key(c, "output");
    stp_status st =
        read_levels(c, output, "quantiles", cfg->output.quantiles, &cfg->output.n_quantiles);
    if (!st)
        st = read_levels(c, output, "es_levels", cfg->output.es_levels, &cfg->output.n_es_levels);
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_enums(ctx *c, const cJSON *root, stp_config *cfg)
{
    int kind, dist, mode, objective, release;
    if (get_enum(c, root, "experiment.kind", EXPERIMENT_KINDS, &kind) ||
        get_enum(c, root, "mitigations.circuit_breaker.release", RELEASES, &release) ||
        get_enum(c, root, "experiment.search.objective", OBJECTIVES, &objective) ||
        get_enum(c, root, "market.noise.dist", NOISE_DISTS, &dist) ||
        get_enum(c, root, "scenario.mode", SCENARIO_MODES, &mode))
        return c->err->status;
    cfg->experiment.kind = (stp_experiment_kind)kind;
    cfg->experiment.search_objective = (stp_search_objective)objective;
    cfg->market.noise_dist = (stp_noise_dist)dist;
    cfg->scenario.mode = (stp_scenario_mode)mode;
    cfg->mitigations.circuit_breaker.release = (stp_release)release;
    return STP_OK;
}

/* Steps are ints everywhere (params.h); counted in double here, so a
 * horizon of 1e9 steps is refused instead of wrapping. */
static stp_status check_steps(ctx *c, const stp_config *cfg)
{
    char dt[40], steps[40];
    const double n = cfg->time.horizon_s / cfg->time.dt_s;
    stp_cfg_fmt_num(dt, sizeof dt, cfg->time.dt_s);
    if (cfg->time.horizon_s < cfg->time.dt_s)
        return stp_cfg_fail(c, "time.horizon_s", "must be >= time.dt_s (%s)", dt);
    if (n <= MAX_STEPS) return STP_OK;
    snprintf(steps, sizeof steps, "%.4g", n);
    return stp_cfg_fail(c, "time.horizon_s",
                        "time.horizon_s / time.dt_s is %s steps; at most 1e7 (step counts and "
                        "per-step arrays): shorten the horizon or raise time.dt_s (%s)",
                        steps, dt);
}

/* How far the log price can reach over the run, term by term: the drift
 * |mu| H, the larger volatility's sd vol sqrt(H), and the jumps' mean
 * absolute move rate H (|log_mean| + log_sd). Prices, collateral units and
 * collateral x price are float32 (step.h): LOG_REACH_MAX keeps even a 6-sd
 * path far inside its range. The message names the largest term's key. */
static stp_status check_log_reach(ctx *c, const stp_config *cfg)
{
    const double h = cfg->time.horizon_s;
    const int stress = cfg->market.vol_stress_per_sqrt_s > cfg->market.vol_calm_per_sqrt_s;
    const double term[3] = {
        fabs(cfg->market.mu_per_s) * h,
        (stress ? cfg->market.vol_stress_per_sqrt_s : cfg->market.vol_calm_per_sqrt_s) * sqrt(h),
        cfg->market.jump_rate_per_s * h *
            (fabs(cfg->market.jump_log_mean) + cfg->market.jump_log_sd)};
    const char *const keys[3] = {
        "market.mu_per_s", stress ? "market.vol.stress_per_sqrt_s" : "market.vol.calm_per_sqrt_s",
        "market.jumps.rate_per_s"};
    char reach[40];
    int k, big = 0;
    for (k = 1; k < 3; k++)
        if (term[k] > term[big]) big = k;
    if (term[0] + term[1] + term[2] <= LOG_REACH_MAX) return STP_OK;
    snprintf(reach, sizeof reach, "%.4g", term[0] + term[1] + term[2]);
    return stp_cfg_fail(c, keys[big],
                        "over time.horizon_s the log price reaches %s (|mu_per_s| H + vol "
                        "sqrt(H) + jumps.rate_per_s H (|log_mean| + log_sd)); it must stay <= 5 "
                        "so float32 prices stay finite: lower this key or shorten the horizon",
                        reach);
}

/* Rules across keys. */
static stp_status check_cross(ctx *c, const stp_config *cfg)
{
    if (check_steps(c, cfg) || check_log_reach(c, cfg)) return c->err->status;
    if (cfg->population.hf0_median < cfg->population.hf0_min)
        return stp_cfg_fail(c, "population.hf0.median", "must be >= population.hf0.min");
    /* agents == 0 leaves all collateral to passive positions (passive_share
     * is then treated as 1 by the population builder), so they must exist */
    if ((cfg->population.passive_share > 0 || cfg->population.agents == 0) &&
        cfg->population.passive_positions == 0)
        return stp_cfg_fail(c, "population.passive_positions",
                            "must be > 0 when passive_share > 0 or agents is 0");
    return STP_OK;
}

stp_status stp_config_check_qmc(const stp_config *cfg, stp_error *err)
{
    const long long pts = cfg->scenario.qmc_points;
    if (cfg->scenario.mode != STP_SCENARIO_QMC) return STP_OK;
    if (pts <= 0 || (pts & (pts - 1)) != 0)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at scenario.qmc.points: %lld is not a power of two "
                             "(a Sobol net is balanced at 2^k points); use e.g. 1024",
                             pts);
    if (cfg->run.paths % pts != 0 || cfg->run.paths / pts < 2)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at run.paths: qmc needs whole replicates of "
                             "scenario.qmc.points = %lld paths, at least 2 of them (for the "
                             "error estimate); use run.paths = k x %lld with k >= 2",
                             pts, pts);
    return STP_OK;
}

/* run.populations = K > 1 (DESIGN §3.4): whole populations of equal paths,
 * and only where every population can be simulated alike. The modes
 * refused build their law from one population (blind_spot's probe, the
 * search's iterations) or read their error from replicates that a
 * population split would cut (qmc). */
static stp_status check_populations(ctx *c, const stp_config *cfg)
{
    const long long k = cfg->run.populations;
    if (k == 1) return STP_OK;
    if (cfg->run.paths % k != 0 || cfg->run.paths / k < 2)
        return stp_cfg_fail(c, "run.paths",
                            "%lld paths do not split into run.populations = %lld equal shares "
                            "of at least 2 paths; use a multiple of %lld, at least %lld",
                            cfg->run.paths, k, k, 2 * k);
    if (cfg->experiment.kind == STP_EXP_SEARCH)
        return stp_cfg_fail(c, "run.populations",
                            "a search fits its laws against one population; use 1 (run the "
                            "worst scenario found as a single experiment with populations)");
    if (cfg->scenario.mode == STP_SCENARIO_BLIND_SPOT)
        return stp_cfg_fail(c, "run.populations",
                            "blind_spot centres its shocks on one population's firing sizes; "
                            "use 1, or scenario.mode \"random\" or \"importance\"");
    if (cfg->scenario.mode == STP_SCENARIO_QMC)
        return stp_cfg_fail(c, "run.populations",
                            "qmc reads its error from replicates of one net, which populations "
                            "would cut; use 1, or scenario.mode \"random\"");
    return STP_OK;
}

/* What a scenario mode or the search needs of the rest (run refuses the
 * same before it simulates; README "Config reference"). */
static stp_status check_modes(ctx *c, const stp_config *cfg)
{
    stp_error qmc = {STP_OK, ""};
    if (check_populations(c, cfg)) return c->err->status;
    if (cfg->experiment.kind == STP_EXP_SEARCH && cfg->scenario.mode != STP_SCENARIO_RANDOM)
        return stp_cfg_fail(c, "scenario.mode",
                            "a search draws from its own laws and re-runs against \"random\"; "
                            "set scenario.mode to \"random\"");
    if (cfg->experiment.kind == STP_EXP_SEARCH && cfg->scenario.n_shocks == 0)
        return stp_cfg_fail(c, "scenario.shocks",
                            "a search needs at least one shock spec to move; add one");
    if (stp_config_check_qmc(cfg, &qmc) == STP_OK) return STP_OK;
    return stp_error_set(c->err, qmc.status, "%s: %s", c->origin, qmc.msg);
}

/* ---------------------------------------------------------------------------
 * Experiment */

static int names_section(const char *key, const char *section)
{
    const size_t n = strlen(section);
    return strncmp(key, section, n) == 0 && (key[n] == '\0' || key[n] == '.' || key[n] == '[');
}

/* Keys every point of an experiment shares: the experiment itself, and
 * run.* (paths, seed, batch), so that path i of every variant sees the
 * same market noise and the variants pair up path by path. */
static const char *names_shared(const char *key)
{
    if (names_section(key, "experiment")) return "experiment";
    return names_section(key, "run") ? "run" : NULL;
}

static stp_status read_variant(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_variant_spec *v = &cfg->experiment.variants[i];
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(it, "set"), *m;
    char got[96], *text;
    int j;
    if (get_string(c, it, "name", v->name, sizeof v->name, 1)) return c->err->status;
    if (strchr(v->name, '@')) /* "SERIES@VALUE" names a sweep's points */
        return stp_cfg_fail(c, "name", "'%s' cannot be a variant name: drop the '@'", v->name);
    for (j = 0; j <= i; j++)
        if (strcmp(j < i ? cfg->experiment.variants[j].name : cfg->experiment.name, v->name) == 0)
            return stp_cfg_fail(c, "name",
                                "'%s' is already taken (variant names and experiment.name "
                                "must be unique)",
                                v->name);
    stp_cfg_describe(got, sizeof got, set);
    if (!cJSON_IsObject(set))
        return stp_cfg_fail(c, "set", "must be an object of overrides {\"a.b.c\": value}; got %s",
                            got);
    for (m = set->child; m; m = m->next) {
        size_t mark;
        stp_status st;
        const char *shared = names_shared(m->string);
        if (!shared) continue;
        mark = stp_cfg_push_key(c, "set");
        stp_cfg_push_key(c, m->string);
        st = stp_cfg_fail(c, NULL,
                          "a variant cannot change %s settings (every variant runs the same "
                          "paths, seed and batch, so their paths pair up); set them for the "
                          "whole experiment",
                          shared);
        stp_cfg_pop(c, mark);
        return st;
    }
    if (!(text = cJSON_PrintUnformatted(set))) return stp_cfg_oom(c);
    v->set_json = malloc(strlen(text) + 1);
    if (v->set_json) memcpy(v->set_json, text, strlen(text) + 1);
    cJSON_free(text);
    return v->set_json ? STP_OK : stp_cfg_oom(c);
}

static stp_status read_sweep(ctx *c, const cJSON *exp, stp_config *cfg)
{
    const cJSON *sweep = cJSON_GetObjectItemCaseSensitive(exp, "sweep"), *vals, *v;
    const bounds any = ANY;
    size_t mark;
    stp_status st;
    int n = 0;
    if (!sweep)
        return cfg->experiment.kind == STP_EXP_SWEEP
                   ? stp_cfg_fail(c, "sweep",
                                  "missing; experiment.kind \"sweep\" needs "
                                  "{\"param\": \"a.b.c\", \"values\": [...]}")
                   : STP_OK;
    mark = stp_cfg_push_key(c, "sweep");
    st = get_string(c, sweep, "param", cfg->experiment.sweep_param,
                    sizeof cfg->experiment.sweep_param, 0);
    if (!st && names_shared(cfg->experiment.sweep_param))
        st = stp_cfg_fail(c, "param",
                          "a sweep cannot change %s settings (every point runs the same paths, "
                          "seed and batch); sweep a model parameter",
                          names_shared(cfg->experiment.sweep_param));
    vals = cJSON_GetObjectItemCaseSensitive(sweep, "values");
    if (!st && (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) < 1 ||
                cJSON_GetArraySize(vals) > STP_MAX_SWEEP))
        st = stp_cfg_fail(c, "values", "must be an array of 1 to %d numbers", STP_MAX_SWEEP);
    for (v = st ? NULL : vals->child; v && !st; v = v->next, n++) {
        size_t m = stp_cfg_push_key(c, "values");
        stp_cfg_push_index(c, n);
        st = get_number(c, NULL, v, 0, any, &cfg->experiment.sweep_values[n]);
        stp_cfg_pop(c, m);
    }
    cfg->experiment.n_sweep_values = st ? 0 : n;
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_experiment(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "experiment");
    size_t mark = stp_cfg_push_key(c, "experiment");
    stp_status st =
        get_string(c, exp, "name", cfg->experiment.name, sizeof cfg->experiment.name, 1);
    if (!st)
        st = read_items(c, exp, "variants", 0, STP_MAX_VARIANTS, &cfg->experiment.n_variants,
                        read_variant, cfg);
    if (!st && cfg->experiment.kind == STP_EXP_COMPARE && cfg->experiment.n_variants == 0)
        st = stp_cfg_fail(c, "variants",
                          "must list at least one variant when experiment.kind is "
                          "\"compare\"");
    if (!st) st = read_sweep(c, exp, cfg);
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_scenario(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *scenario = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    size_t mark = stp_cfg_push_key(c, "scenario");
    stp_status st = read_items(c, scenario, "shocks", 0, STP_MAX_SHOCKS, &cfg->scenario.n_shocks,
                               read_shock, cfg);
    stp_cfg_pop(c, mark);
    return st;
}

/* ---------------------------------------------------------------------------
 * Entry points */

stp_status stp_cfg_read(ctx *c, cJSON *root, stp_config *cfg)
{
    /* scalars and time first: shocks are checked against the horizon,
     * family shares against max_family_share */
    if (read_fields(c, root, FIELDS, N_ITEMS(FIELDS), cfg) || read_enums(c, root, cfg) ||
        check_cross(c, cfg) || read_protocols(c, root, cfg) || read_population(c, root, cfg) ||
        read_bands(c, root, cfg) || check_fee(c, cfg) || read_scenario(c, root, cfg) ||
        read_output(c, root, cfg) || read_experiment(c, root, cfg) || check_modes(c, cfg))
        return c->err->status;
    return STP_OK;
}

const char *stp_shock_kind_name(stp_shock_kind kind)
{
    return (unsigned)kind < STP_SHOCK_KINDS ? SHOCK_KINDS[kind] : "unknown";
}
