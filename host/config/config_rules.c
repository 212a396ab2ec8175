/* config_rules.c: the config's rules across keys (config_rules.h), checked
 * once the keys they relate are read: steps and the log price's reach
 * against float32, hf0's order, passive positions, populations, and what
 * a scenario mode or the search needs of the rest. The per-key types and
 * bounds are the schema's (config_schema.c). */
#include "config_rules.h"

#include <math.h>
#include <stdio.h>

#define MAX_STEPS 1e7 /* horizon_s / dt_s: per-step arrays and 4x the step count stay ints */
/* The log price's reach over a run (check_log_reach): on a 6-sd path e^30,
 * so USD x price / price0 stays near 1e28, ten orders inside float32. */
#define LOG_REACH_MAX 5.0

typedef stp_cfg_ctx ctx;

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
stp_status stp_cfg_check_cross(ctx *c, const stp_config *cfg)
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
 * same before it simulates; docs/config.md). */
stp_status stp_cfg_check_modes(ctx *c, const stp_config *cfg)
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
