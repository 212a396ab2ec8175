/* params.h: the per-step constants of a run, derived once on the host from
 * the config (rates per second -> per step). Plain data, passed by value to
 * both backends. */
#ifndef STAMPEDE_PARAMS_H
#define STAMPEDE_PARAMS_H

#include <math.h>

#include "stampede/config.h"
#include "stampede/hd.h"

typedef struct stp_params {
    int n_steps;
    float dt_s;
    unsigned long long seed;

    /* market (§3.1); DESIGN §10: the path's asset, whose draws are its
     * own (path.h, STP_ASSET_DRAWS) and whose noise is row `asset` of the
     * correlation's factor, corr_l [STP_MAX_ASSETS x (asset + 1)] row-major
     * with row length asset + 1 (stp_correlate's layout for n = asset + 1
     * reads only rows <= asset) */
    int asset;
    int asset_id; /* the asset its venue trades: asset, or a derivative of it (its shocks' scope) */
    int jumps_shared; /* market.jumps.shared: asset 0's jump draws for every asset */
    int jumps_lr_asset; /* shared jumps: the asset whose venues carry their ratio */
    float corr_l[STP_MAX_ASSETS * STP_MAX_ASSETS];
    double log_price0;
    float mu_step;         /* mu dt */
    float sigma_calm_step; /* sigma_calm sqrt(dt) */
    float sigma_stress_step;
    float p_calm_to_stress; /* 1 - exp(-rate dt) */
    float p_stress_to_calm;
    int student_t;
    float nu, t_scale; /* sqrt((nu - 2) / nu): unit variance */
    float jump_rate_step, jump_log_mean, jump_log_sd; /* jump_rate_step: as drawn */
    /* importance sampling of the jumps (scenario.importance count_tilt,
     * jump_tilt): the count drawn at rate x e^count_tilt, the log size's
     * standard normal shifted by jump_size_tilt (signed towards the mean);
     * each step adds jump_lr_step - count_tilt k (+ the size's term) to the
     * path's log likelihood ratio. 0: untilted, nothing added. */
    int jump_tilted;
    float jump_count_tilt, jump_size_tilt;
    double jump_lr_step;
    /* the defensive mixture (mixture.h): a path that draws from the untilted
     * component draws its jumps at jump_rate0_step (the configured rate)
     * with unshifted sizes, the same ratio added; defensive: its share a */
    float jump_rate0_step;
    double defensive;

    /* pool, oracle (§3.2) */
    double price0, pool_x0, pool_y0; /* pool_y0 = depth_usd */
    double fee, arb_frac, refill_frac;
    float oracle_delay_s;
    int price_ring; /* capacity of the pool-price history */

    /* features (step.h) */
    float inv_ret1_sd; /* 1 / (sigma_calm sqrt(dt)) */
    float inv_retw_sd; /* 1 / (sigma_calm sqrt(window)) */
    int window_steps;
    float ewma_alpha;
    double inv_depth_usd;

    /* lending (§3.3) */
    int n_protocols;
    float lt[STP_MAX_PROTOCOLS], lb[STP_MAX_PROTOCOLS];
    float close_factor[STP_MAX_PROTOCOLS], full_close_hf[STP_MAX_PROTOCOLS];
    double liq_budget_step; /* capital_usd_per_s dt */

    /* agents (§3.4) */
    int cooldown_steps;

    /* mitigations (§3.5): each inert unless its flag is set */
    int breaker_on, breaker_window_steps, breaker_cooldown_steps;
    int breaker_release_steps; /* gradual release window; 0: the whole queue in one batch */
    double breaker_max_sync;
    int delay_on;
    float delay_max_s;
    int fee_on, fee_exempt_liq;
    double fee_base, fee_slope;
    int tiered_on, n_bands;
    float band_hf[STP_MAX_BANDS], band_cf[STP_MAX_BANDS]; /* strictly decreasing hf_below */
    double cap_frac; /* liquidated collateral per step / pool collateral reserve */
    int signal_on;
    float stagger_s;
    /* DESIGN §10, a path over venues: the system's breaker and signal
     * (system_step.h) instead of the venue's own; 0 on one venue */
    int breaker_global, signal_global;
    int grace_on, grace_steps;
    double grace_sync;
    float grace_hf_floor;

    /* outcomes (§3.7) */
    int sync_window_steps;
    double cascade_drawdown, cascade_liquidation_usd;
} stp_params;

/* Seconds to whole steps, rounded half up and clamped to [0, cap] in
 * double first, so absurd but valid inputs (a 1e10 s cooldown) saturate
 * instead of overflowing int. */
static inline STP_HD int stp_steps_of(double seconds, double dt_s, int cap)
{
    const double n = floor(seconds / dt_s + 0.5);
    return n <= 0.0 ? 0 : (n >= (double)cap ? cap : (int)n);
}

/* Derives the per-step constants. Pure; cannot fail on a validated config. */
stp_params stp_params_derive(const stp_config *cfg);

/* Pool-price history the oracle may reach back into, in steps: the base
 * delay plus the largest oracle_delay shock the scenario sampler can draw. */
int stp_params_max_delay_steps(const stp_config *cfg);

#endif
