/* params.c: config units (per second) -> per-step constants, once. */
#include "stampede/params.h"

#include <math.h>
#include <string.h>

#include "stampede/shocks.h"
#include "stampede/step.h"

/* Every step count saturates past the horizon: nothing longer can matter. */
static int steps_of(double seconds, double dt_s, int n_steps)
{
    return stp_steps_of(seconds, dt_s, n_steps + 1);
}

int stp_params_max_delay_steps(const stp_config *cfg)
{
    double extra_s = 0.0;
    int i;
    for (i = 0; i < cfg->scenario.n_shocks; i++) {
        const stp_shock_spec *s = &cfg->scenario.shocks[i];
        if (s->kind == STP_SHOCK_ORACLE_DELAY)
            extra_s += stp_shock_size_cap(s) * stp_shock_slots(cfg, s);
    }
    return steps_of(cfg->oracle.delay_s + extra_s, cfg->time.dt_s,
                    stp_steps_of(cfg->time.horizon_s, cfg->time.dt_s, 1000000000));
}

/* Windows are at least one step: a breaker window shorter than dt still
 * sees the step's own actions. */
static int window_steps(double seconds, double dt_s, int n_steps)
{
    const int n = steps_of(seconds, dt_s, n_steps);
    return n > 1 ? n : 1;
}

static void derive_mitigations(stp_params *p, const stp_config *cfg)
{
    const double dt = cfg->time.dt_s;
    int b;
    p->breaker_on = cfg->mitigations.circuit_breaker.enabled;
    p->breaker_window_steps =
        window_steps(cfg->mitigations.circuit_breaker.window_s, dt, p->n_steps);
    /* a halt lasts at least the step that trips it */
    p->breaker_cooldown_steps =
        window_steps(cfg->mitigations.circuit_breaker.cooldown_s, dt, p->n_steps);
    p->breaker_max_sync = cfg->mitigations.circuit_breaker.max_sync_fraction;
    /* a gradual release takes at least one step */
    p->breaker_release_steps =
        cfg->mitigations.circuit_breaker.release == STP_RELEASE_BATCH
            ? 0
            : window_steps(cfg->mitigations.circuit_breaker.release_s, dt, p->n_steps);
    p->delay_on = cfg->mitigations.random_delay.enabled;
    p->delay_max_s = (float)cfg->mitigations.random_delay.max_s;
    p->fee_on = cfg->mitigations.progressive_fee.enabled;
    p->fee_base = cfg->mitigations.progressive_fee.base;
    p->fee_exempt_liq = cfg->mitigations.progressive_fee.exempt_liquidations;
    p->fee_slope = cfg->mitigations.progressive_fee.slope;
    p->tiered_on = cfg->mitigations.tiered_liquidation.enabled;
    p->n_bands = cfg->mitigations.tiered_liquidation.n_bands;
    for (b = 0; b < p->n_bands; b++) {
        p->band_hf[b] = (float)cfg->mitigations.tiered_liquidation.bands[b].hf_below;
        p->band_cf[b] = (float)cfg->mitigations.tiered_liquidation.bands[b].close_factor;
    }
    p->cap_frac = cfg->mitigations.tiered_liquidation.max_step_fraction;
    p->signal_on = cfg->mitigations.risk_signal.enabled;
    p->stagger_s = (float)cfg->mitigations.risk_signal.stagger_s;
    p->grace_on = cfg->mitigations.grace_period.enabled;
    p->grace_steps = steps_of(cfg->mitigations.grace_period.grace_s, dt, p->n_steps);
    p->grace_sync = cfg->mitigations.grace_period.sync_threshold;
    p->grace_hf_floor = (float)cfg->mitigations.grace_period.hf_floor;
}

stp_params stp_params_derive(const stp_config *cfg)
{
    stp_params p;
    const double dt = cfg->time.dt_s;
    const double calm_step = cfg->market.vol_calm_per_sqrt_s * sqrt(dt);
    int k;

    memset(&p, 0, sizeof p);
    p.n_steps = stp_steps_of(cfg->time.horizon_s, dt, 1000000000);
    p.dt_s = (float)dt;
    p.seed = cfg->run.seed;
    p.log_price0 = log(cfg->market.price0_usd);
    p.mu_step = (float)(cfg->market.mu_per_s * dt);
    p.sigma_calm_step = (float)calm_step;
    p.sigma_stress_step = (float)(cfg->market.vol_stress_per_sqrt_s * sqrt(dt));
    p.p_calm_to_stress = (float)(1.0 - exp(-cfg->market.calm_to_stress_per_s * dt));
    p.p_stress_to_calm = (float)(1.0 - exp(-cfg->market.stress_to_calm_per_s * dt));
    p.student_t = cfg->market.noise_dist == STP_NOISE_STUDENT_T;
    p.nu = (float)cfg->market.noise_nu;
    p.t_scale =
        p.student_t ? (float)sqrt((cfg->market.noise_nu - 2.0) / cfg->market.noise_nu) : 1.0f;
    p.jump_rate_step = (float)(cfg->market.jump_rate_per_s * dt);
    if (cfg->scenario.mode == STP_SCENARIO_IMPORTANCE &&
        (cfg->scenario.importance_count_tilt > 0.0 || cfg->scenario.importance_jump_tilt > 0.0) &&
        p.jump_rate_step > 0.0f) {
        const double th = cfg->scenario.importance_count_tilt;
        p.jump_tilted = 1;
        p.jump_count_tilt = (float)th;
        p.jump_size_tilt = (float)(cfg->market.jump_log_mean > 0.0 ? cfg->scenario.importance_jump_tilt
                                                                   : -cfg->scenario.importance_jump_tilt);
        /* the drawn rate, and the LR's per-step constant, from the float
         * rate the untilted draw uses: lambda (e^th - 1) */
        p.jump_lr_step = (double)p.jump_rate_step * expm1(th);
        p.jump_rate0_step = p.jump_rate_step;
        p.defensive = cfg->scenario.importance_defensive;
        p.jump_rate_step = (float)((double)p.jump_rate_step * exp(th));
    }
    p.jump_log_mean = (float)cfg->market.jump_log_mean;
    p.jump_log_sd = (float)cfg->market.jump_log_sd;

    p.price0 = cfg->market.price0_usd;
    p.pool_y0 = cfg->pool.depth_usd;
    p.pool_x0 = cfg->pool.depth_usd / cfg->market.price0_usd;
    p.fee = cfg->pool.fee;
    p.arb_frac = 1.0 - exp(-dt * log(2.0) / cfg->pool.arb_half_life_s);
    p.refill_frac = 1.0 - exp(-cfg->pool.refill_per_s * dt);
    p.oracle_delay_s = (float)cfg->oracle.delay_s;
    p.price_ring = stp_params_max_delay_steps(cfg) + 2;

    p.inv_ret1_sd = calm_step > 0.0 ? (float)(1.0 / calm_step) : 0.0f;
    p.window_steps =
        steps_of(STP_WINDOW_S, dt, p.n_steps) > 1 ? steps_of(STP_WINDOW_S, dt, p.n_steps) : 1;
    p.inv_retw_sd =
        calm_step > 0.0 ? (float)(1.0 / (calm_step * sqrt((double)p.window_steps))) : 0.0f;
    p.ewma_alpha = (float)(1.0 - exp(-dt / STP_EWMA_S));
    p.inv_depth_usd = 1.0 / cfg->pool.depth_usd;

    p.n_protocols = cfg->n_protocols;
    for (k = 0; k < cfg->n_protocols; k++) {
        p.lt[k] = (float)cfg->protocols[k].liquidation_threshold;
        p.lb[k] = (float)cfg->protocols[k].liquidation_bonus;
        p.close_factor[k] = (float)cfg->protocols[k].close_factor;
        p.full_close_hf[k] = (float)cfg->protocols[k].full_close_hf;
    }
    p.liq_budget_step = cfg->liquidators.capital_usd_per_s * dt;
    p.cooldown_steps = steps_of(cfg->population.cooldown_s, dt, p.n_steps);
    p.sync_window_steps = steps_of(cfg->output.sync_window_s, dt, p.n_steps) > 1
                              ? steps_of(cfg->output.sync_window_s, dt, p.n_steps)
                              : 1;
    derive_mitigations(&p, cfg);
    p.cascade_drawdown = cfg->cascade.drawdown;
    p.cascade_liquidation_usd = cfg->cascade.liquidation_usd;
    return p;
}
