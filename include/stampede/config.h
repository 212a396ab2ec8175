/* config.h: the validated run configuration (DESIGN §5a). Every JSON key of
 * the schema has a field here, in the config's own units (per second, USD);
 * per-step quantities are derived once in stp_params (params.h). The points
 * of a compare or sweep experiment, each a config of its own, are built
 * here too (last section), so loading can check them as the run builds
 * them. */
#ifndef STAMPEDE_CONFIG_H
#define STAMPEDE_CONFIG_H

#include "stampede/error.h"

#define STP_MAX_PROTOCOLS 8
#define STP_MAX_FAMILIES  8
#define STP_MAX_SHOCKS    16
#define STP_MAX_LEVELS    16
#define STP_MAX_BANDS     8
#define STP_MAX_VARIANTS  32
#define STP_MAX_SWEEP     64
#define STP_MAX_SETS      64 /* --set overrides on one command line */
#define STP_NAME_MAX      64
#define STP_PATH_MAX      1024
#define STP_MAX_VENUES    8 /* DESIGN §10: venues of a path */
#define STP_MAX_ASSETS    4 /* collateral assets of a path */
#define STP_MAX_LINKS     16 /* links between venues */
/* Objects and arrays nested in a config or model file, at most (the
 * schema needs 5; deeper text is refused as "nested too deeply"). */
#define STP_JSON_MAX_DEPTH 64
#define STP_CASCADE_ALL    (-1) /* cascade.venues "all" */

typedef enum { STP_EXP_SINGLE, STP_EXP_COMPARE, STP_EXP_SWEEP, STP_EXP_SEARCH } stp_experiment_kind;
typedef enum { STP_NOISE_NORMAL, STP_NOISE_STUDENT_T } stp_noise_dist;
/* How a circuit breaker releases the actions it held (DESIGN §3.5). */
typedef enum { STP_RELEASE_GRADUAL, STP_RELEASE_BATCH } stp_release;
typedef enum {
    STP_SHOCK_GAP,
    STP_SHOCK_EXPLOIT,
    STP_SHOCK_LIQUIDITY_WITHDRAWAL,
    STP_SHOCK_ORACLE_DELAY,
    STP_SHOCK_VOL_REGIME,
    STP_SHOCK_ORACLE_ERROR, /* new kinds go last: the codes of older results files stay valid */
    STP_SHOCK_BRIDGE_HALT,  /* DESIGN §10: the venue's links take no new crossing */
    STP_SHOCK_DEPEG,        /* DESIGN §10: a derivative asset's peg moves by exp(size) */
    STP_SHOCK_KINDS
} stp_shock_kind;
typedef enum {
    STP_SCENARIO_RANDOM,
    STP_SCENARIO_BLIND_SPOT,
    STP_SCENARIO_IMPORTANCE,
    STP_SCENARIO_QMC
} stp_scenario_mode;
typedef enum { STP_OBJECTIVE_ES_BAD_DEBT, STP_OBJECTIVE_P_CASCADE } stp_search_objective;

/* A number or a [lo, hi] uniform range; lo == hi when fixed. */
typedef struct stp_range {
    double lo, hi;
} stp_range;

typedef struct stp_mean_sd {
    double mean, sd;
} stp_mean_sd;

typedef struct stp_variant_spec {
    char name[STP_NAME_MAX];
    char *set_json; /* owned: the "set" object as compact JSON text */
} stp_variant_spec;

typedef struct stp_protocol_spec {
    char name[STP_NAME_MAX];
    int venue; /* index into venues[] whose positions it holds; 0 without "venues" */
    double share, liquidation_threshold, liquidation_bonus, close_factor, full_close_hf;
} stp_protocol_spec;

typedef struct stp_family_spec {
    char model[STP_PATH_MAX];          /* as written in the config */
    char model_resolved[STP_PATH_MAX]; /* file found by the search order of §5a */
    double share;
    int n_params; /* its model's parameter count, noted when the load checked the file */
} stp_family_spec;

typedef struct stp_shock_spec {
    stp_shock_kind kind;
    int has_count; /* 1: exactly `count` events; 0: Poisson(rate_per_path) */
    int count;
    double rate_per_path;
    stp_range time_s;
    stp_range duration_s;
    stp_mean_sd size;
    int protocol; /* exploit: index into protocols[]; otherwise -1 */
    /* DESIGN §10 scope: the venue (index into venues[]) or asset (index
     * into assets[]) it hits; -1 for every one. An exploit's venue is its
     * protocol's. Both -1 without "venues". */
    int venue, asset;
} stp_shock_spec;

/* One collateral asset (DESIGN §10): its fundamental process is the
 * base's market.* with the overrides of `set` (market.price0_usd,
 * market.mu_per_s, market.vol.*, market.jumps.*; the noise's law is the
 * market's, one for every asset, so their shocks can be correlated). */
typedef struct stp_asset_spec {
    char name[STP_NAME_MAX];
    char *set_json; /* owned: the "set" object as compact JSON text, "{}" when none */
    /* A derivative asset (stETH-like): its price is its parent's times a
     * peg, peg0 at the start, moved by depeg shocks; its market is its
     * parent's (its set is empty) and it draws its parent's numbers.
     * parent -1: an asset of its own. */
    int parent;
    double peg0;
} stp_asset_spec;

/* One venue (DESIGN §10): a chain or DEX with one pool of one asset, its
 * oracle, its share of the protocols' positions and its own agents. Its
 * config (stp_config_venue) is the base with the asset's overrides, then
 * the venue's `set` (pool.*, oracle.*, liquidators.*, population.*,
 * mitigations.*, cascade.drawdown, cascade.liquidation_usd). */
typedef struct stp_venue_spec {
    char name[STP_NAME_MAX];
    int asset;      /* index into assets[] (0 when the config has no "assets") */
    char *set_json; /* owned: the "set" object as compact JSON text, "{}" when none */
} stp_venue_spec;

/* A link between two venues' pools of one asset (DESIGN §10): cross-venue
 * arbitrage whose units land latency_s after they leave, at most
 * capacity_usd_per_s bought a second each way, the crossing keeping
 * `cost` of the units. A bridge_halt on either venue closes it. */
typedef struct stp_link_spec {
    char name[STP_NAME_MAX];
    int a, b; /* indices into venues[], a != b, on one asset */
    double latency_s, capacity_usd_per_s, cost;
} stp_link_spec;

typedef struct stp_band_spec {
    double hf_below, close_factor;
} stp_band_spec;

typedef struct stp_config {
    char source_path[STP_PATH_MAX]; /* the config file, for resolving model paths */

    struct {
        stp_experiment_kind kind;
        char name[STP_NAME_MAX];
        int n_variants;
        stp_variant_spec variants[STP_MAX_VARIANTS];
        char sweep_param[STP_NAME_MAX * 2];
        int n_sweep_values;
        double sweep_values[STP_MAX_SWEEP];
        stp_search_objective search_objective;
        int search_iterations, search_paths_per_iter;
        double search_elite_fraction;
    } experiment;

    struct {
        long long paths;
        unsigned long long seed; /* < 2^53 (a JSON number) */
        int batch;
        int populations; /* K: population ensembles (DESIGN §3.4); paths split evenly */
    } run;

    struct {
        double dt_s, horizon_s;
    } time;

    struct {
        double price0_usd, mu_per_s;
        double vol_calm_per_sqrt_s, vol_stress_per_sqrt_s;
        double calm_to_stress_per_s, stress_to_calm_per_s;
        stp_noise_dist noise_dist;
        double noise_nu;
        double jump_rate_per_s, jump_log_mean, jump_log_sd;
    } market;

    struct {
        double depth_usd, fee, arb_half_life_s, refill_per_s;
    } pool;

    struct {
        double delay_s;
    } oracle;

    int n_protocols;
    stp_protocol_spec protocols[STP_MAX_PROTOCOLS];

    struct {
        double capital_usd_per_s;
    } liquidators;

    struct {
        int agents;
        double passive_share;
        int passive_positions;
        double lp_share, lp_pool_share;
        int n_families;
        stp_family_spec families[STP_MAX_FAMILIES];
        double max_family_share, weight_noise;
        stp_mean_sd threshold;
        double latency_median_s, latency_log_sd;
        double sell_fraction, cooldown_s;
        double collateral_total_usd, collateral_log_sd;
        double hf0_min, hf0_median, hf0_log_sd;
        /* DESIGN §10: the share of this venue's borrowing AI agents that
         * also hold a position on every other venue (0 without venues) */
        double cross_venue_share;
        /* population.features_from: 0 "home", the venue it lives on; 1
         * "largest_move": a cross-venue agent's model reads the venue with
         * the deepest drawdown feature in the row it sees (its own health
         * factor stays its home position's) */
        int features_largest_move;
    } population;

    struct {
        struct {
            int enabled;
            double window_s, max_sync_fraction, cooldown_s;
            stp_release release;
            double release_s;
            /* DESIGN §10: one breaker that watches the sync of every
             * venue's agents together and halts them all (venues only) */
            int global;
        } circuit_breaker;
        struct {
            int enabled;
            double max_s;
        } random_delay;
        struct {
            int enabled;
            double base, slope;
            stp_mean_sd tolerance;
            int exempt_liquidations;
        } progressive_fee;
        struct {
            int enabled;
            int n_bands;
            stp_band_spec bands[STP_MAX_BANDS];
            double max_step_fraction;
        } tiered_liquidation;
        struct {
            int enabled;
            double stagger_s;
            int global; /* DESIGN §10: every venue publishes the system's sync */
        } risk_signal;
        struct {
            int enabled;
            double sync_threshold, hf_floor, grace_s;
        } grace_period;
    } mitigations;

    struct {
        stp_scenario_mode mode;
        int n_shocks;
        stp_shock_spec shocks[STP_MAX_SHOCKS];
        double importance_tilt;
        int importance_pilot_paths;   /* > 0: choose the tilt by a cross-entropy pilot (pilot.h) */
        double importance_count_tilt; /* Poisson counts (shocks, market jumps): rate x e^tilt */
        double importance_jump_tilt;  /* the market jumps' log sizes, like tilt for shocks */
        double importance_defensive;  /* share of paths from the untilted law (mixture.h) */
        int qmc_points;
    } scenario;

    struct {
        double drawdown, liquidation_usd;
        /* "venues" (DESIGN §10): the path cascades when at least this many
         * venues do; "any" is 1, "all" STP_CASCADE_ALL (every venue). 1
         * without "venues" */
        int venues;
    } cascade;

    /* DESIGN §10. n_venues 0: the config has no "venues" key, one venue
     * which is the config itself (every file of before §10, bit for bit);
     * n_assets 0: no "assets" key, one asset which is market.*. The
     * correlation of the assets' Gaussian shocks (market.correlation,
     * identity by default) is checked positive semi-definite at load. */
    /* a venue's own config (stp_config_venue): oracle.source, the venue
     * whose pool its oracle reads: 0 its own, v + 1 the base's venue v */
    int oracle_from;
    int n_assets;
    stp_asset_spec assets[STP_MAX_ASSETS];
    double correlation[STP_MAX_ASSETS][STP_MAX_ASSETS];
    /* market.jumps.shared: the assets' jumps are one set of events, asset
     * 0's draws at the market's rate, each asset's sizes from its own
     * log_mean and log_sd on the same normal */
    int jumps_shared;
    int n_venues;
    stp_venue_spec venues[STP_MAX_VENUES];
    int n_links; /* 0 without "links" */
    stp_link_spec links[STP_MAX_LINKS];

    struct {
        int n_quantiles;
        double quantiles[STP_MAX_LEVELS];
        int n_es_levels;
        double es_levels[STP_MAX_LEVELS];
        int worst_paths, sample_paths, histogram_bins;
        double sync_window_s;
    } output;

    char *resolved_json; /* owned: the whole resolved config, pretty-printed JSON */
    /* Not a key: the key of the venue this config is (venues.h; set on each
     * venue's config), so each venue draws its own population; 0 for a
     * config as loaded. */
    int venue;
} stp_config;

/* Reads and validates a config file, applying `n_sets` overrides of the form
 * "a.b.c=VALUE" (VALUE parsed as JSON; a bare word is taken as a string)
 * before validation. Validation refuses everything `stampede run` would
 * refuse before it simulates: the text must be strict RFC 8259 JSON
 * nested at most STP_JSON_MAX_DEPTH deep; every numeric key is bounded
 * (config_schema.c says why: float32 paths stay finite, counts fit an
 * int); every family's model file is loaded and checked (stp_model_load);
 * the scenario mode's and the search's rules (stp_config_check_qmc); and
 * every point of a compare or sweep is built as the run builds it
 * (stp_config_check_points). On success *out owns a config to free with
 * stp_config_destroy. On failure *out is NULL and err holds one line naming
 * the file, the JSON path (or line:column for malformed JSON) and the fix:
 * STP_EUSAGE for bad content, STP_EIO when the file (or a model file)
 * cannot be read. */
stp_status stp_config_load(stp_config **out, const char *path, const char *const *sets, int n_sets,
                           stp_error *err);

/* Same, from JSON text; `origin` names the source in messages and is the
 * base for resolving model paths (may be NULL: paths resolve against the
 * current directory). */
stp_status stp_config_parse(stp_config **out, const char *json, const char *origin,
                            const char *const *sets, int n_sets, stp_error *err);

void stp_config_destroy(stp_config *cfg);

/* Venue v's config (DESIGN §10), a single-venue config of its own: the
 * base without "venues", "assets", market.correlation and
 * cascade.venues, with assets[venues[v].asset].set and then
 * venues[v].set applied, and each protocol's share kept on the protocols
 * of venue v (renormalised there) and 0 on the others, so protocol
 * indices, shock protocols and liquidation parameters stay the base's.
 * Checked at load for every venue, so it fails only on memory (STP_ENOMEM)
 * once the base loaded. With n_venues 0 it is a copy of the base. Free
 * with stp_config_destroy. */
stp_status stp_config_venue(stp_config **out, const stp_config *base, int v, stp_error *err);

/* qmc's rule (docs/config.md): under scenario.mode "qmc",
 * scenario.qmc.points is a power of two (a Sobol net is balanced at 2^k
 * points) and run.paths whole replicates of it, at least 2 (their spread
 * is the error estimate). STP_OK otherwise; else STP_EUSAGE naming the key
 * ("config error at KEY: ..."). Validation and the scenario plan both call
 * it, so they cannot disagree. */
stp_status stp_config_check_qmc(const stp_config *cfg, stp_error *err);

/* The config's spelling of a shock kind ("gap", "liquidity_withdrawal",
 * ...), as results files and summaries name it; "unknown" outside
 * [0, STP_SHOCK_KINDS). A static string. */
const char *stp_shock_kind_name(stp_shock_kind kind);

/* ---------------------------------------------------------------------------
 * The points an experiment runs (DESIGN §5: single, compare, sweep), each a
 * single-run config of its own (config_points.c). Every point runs the
 * same paths and seed, so the points pair up path by path. */

#define STP_MAX_POINTS 256 /* variants, or sweep series x values, in one results file */

typedef struct stp_point_spec {
    char name[STP_NAME_MAX];   /* its group under /variants */
    char series[STP_NAME_MAX]; /* sweep: the base's name or a variant's; else = name */
    int variant;               /* experiment.variants[] whose overrides apply; -1: none */
    int has_value;             /* sweep: experiment.sweep.param = value */
    double value;
} stp_point_spec;

/* Fills pts[0, *n) baseline first: single, the base; compare, the base and
 * then each variant; sweep, for each series (the base, then each variant)
 * each value in order, named "SERIES@VALUE". STP_EUSAGE when there are more
 * than STP_MAX_POINTS or two names collide. */
stp_status stp_config_points(const stp_config *cfg, stp_point_spec *pts, int *n, stp_error *err);

/* One point of a compare or sweep experiment as a single-run config: the
 * base without its experiment section, with the overrides of
 * experiment.variants[variant] (none when variant < 0), then, when
 * sweep_value is not NULL, experiment.sweep.param = *sweep_value; its
 * experiment.name is `name`. *overrides_json (owned, malloc) gets those
 * overrides as one JSON object. Each variant and each sweep value was
 * validated on the base; a series x value pair fails here (STP_EUSAGE, the
 * key and the fix) if the two do not fit together. */
stp_status stp_config_point(stp_config **out, char **overrides_json, const stp_config *base,
                            int variant, const double *sweep_value, const char *name,
                            stp_error *err);

/* Whether a point's overrides (experiment.variants[variant].set, none when
 * variant < 0, then experiment.sweep.param when has_sweep) change anything
 * under `section` (e.g. "scenario": the key itself, "scenario.x" or
 * "scenario[..."): 0 none; 1 a variant key, 2 the swept parameter, whose
 * key goes to key[0, cap); -1 out of memory. */
int stp_config_point_sets_under(const stp_config *base, int variant, int has_sweep,
                                const char *section, char *key, size_t cap);

/* The point's config and its overrides as JSON (stp_config_point; both
 * owned). For a single experiment the base itself is the point: *out is
 * NULL and the overrides are "{}". Under scenario.mode "importance" (of
 * the base or the point) a point that overrides anything under scenario.*
 * is STP_EUSAGE naming the key: its weights would differ from the
 * baseline's and the pairing would be undefined (*out, *overrides_json
 * NULL). */
stp_status stp_config_point_of(stp_config **out, char **overrides_json, const stp_config *cfg,
                               const stp_point_spec *pt, stp_error *err);

/* Every point of a compare or sweep built and checked as the run does
 * before it simulates (stp_config_points, then each point's config and
 * its pairing under importance sampling), so `validate` refuses what `run`
 * would: more than STP_MAX_POINTS points, colliding or too long names, a
 * series x value pair that does not validate, an importance point that
 * overrides scenario.*. STP_OK for single and search experiments. On
 * failure err names the config file, the key and the fix. Called by config
 * loading on the loaded config (cfg->resolved_json set). */
stp_status stp_config_check_points(const stp_config *cfg, stp_error *err);

#endif
