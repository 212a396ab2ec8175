/* path.h: one path's step, written once for every backend.
 *
 * The order of a step (DESIGN §3.9), stated here once:
 *   stp_path_step_open   (1) regime switch and fundamental price
 *                        (2) the step's shocks, the liquidity refill and
 *                            the exploit haircut
 *                        (3) oracle read and features
 *   the backend's screens: the candidates (agents over their threshold,
 *                        w->cand) and the positions the liquidation screen
 *                        passes (w->liq), each list in index order
 *   stp_path_step_close  (4) the candidates decide, due actions execute
 *                            (LP withdrawals at once, sells queued)
 *                        (5) liquidations at the oracle price on
 *                            start-of-step positions (liquidation.h)
 *                        (6) ONE batch of the queued sells (liquidation.h)
 *                        (7) arbitrage, (8) bookkeeping
 * The screens are where the work is (every agent's model, every
 * position's test), so each backend builds the lists its own way; both
 * read collateral and debt, which (4) does not change, so both lists are
 * built before the decisions.
 *
 * Who runs it: host/sim/cpu_backend.c, one path per OpenMP thread with
 * SIMD screens; host/world/equilibrium.c, the calm market, a path with no
 * agents and no positions (empty lists); the CUDA kernel
 * (kernels/path_kernel.cu running block.h), STP_BLOCK_PATHS paths per
 * block whose threads split the haircut and the screens, each path's
 * stp_path_step_close on one thread of its own. The kernel's one
 * deviation: it computes (1) and (3) of step t + 1 at the end of step t's
 * serial lane, and the exploit haircut of (2) after them, in parallel, at
 * the start of step t + 1. The features read no position, so this cannot
 * change them (block.h, stp_block_serial); tests/test_kernel_order.c runs
 * the kernel's body on the host against this order bit for bit, and
 * tests/test_cuda.c the kernel on a device.
 *
 * Every transcendental here comes from fmath.h (+ - * / fma sqrt only), so
 * the backends agree bit for bit (DESIGN §4). What may run in parallel,
 * and why the result cannot depend on it: the exploit haircut and the
 * screens touch one element each; every sum (the batch, the settlements,
 * the outcomes) runs over an index-ordered list in one thread. The data a
 * path works on is workspace.h's. Must compile as C11 and CUDA C++. */
#ifndef STAMPEDE_PATH_H
#define STAMPEDE_PATH_H

#include "stampede/config.h"
#include "stampede/correlation.h"
#include "stampede/liquidation.h"
#include "stampede/mixture.h"
#include "stampede/outcomes.h"
#include "stampede/params.h"
#include "stampede/model_shape.h"
#include "stampede/rng.h"
#include "stampede/step.h"
#include "stampede/workspace.h"

#define STP_STUDENT_T_TRIES 16           /* blocks of two polar pairs; all rejected: p ~ 1e-21 */
#define STP_LP_FLOOR_FRAC   0.01         /* an LP exit never drains the pool below 1% */
#define STP_MAX_JUMPS       64           /* per step: a safety cap, never reached at sane rates */
#define STP_NEVER           (-(1 << 30)) /* a step long before any window or streak */
#define STP_PENDING         0x7fffffff   /* next_ok of an agent whose action is pending */
#define STP_LEFT            0x7fffffff   /* next_ok of an LP that has left the pool */
#define STP_ASSET_DRAWS     32u /* market draw indices of one asset: today's use 0..16 */

/* ---------------------------------------------------------------------------
 * Initial state
 * ------------------------------------------------------------------------- */

static inline STP_HD void stp_path_init_state(stp_path_state *s, const stp_params *p)
{
    int k;
    memset(s, 0, sizeof *s);
    s->log_ps = p->log_price0;
    s->x = p->pool_x0;
    s->y = p->pool_y0;
    s->lp_scale = 1.0;
    s->oracle_factor = 1.0; /* no oracle_error before the first step's shocks */
    s->first_mover = s->t_first_move = s->t_cascade = -1;
    s->fee = p->fee;
    s->ewma_var = (double)p->sigma_calm_step * p->sigma_calm_step;
    s->max_oracle = s->oracle = s->max_pool = s->min_pool = p->price0;
    for (k = 0; k < STP_MAX_PROTOCOLS; k++)
        s->exploit_factor[k] = 1.0f;
}

static inline STP_HD void stp_path_init_agent(const stp_path_ws *w, const stp_params *p, int a)
{
    (void)p;
    w->next_ok[a] = 0;
    w->due[a] = 0;
    w->acted[a] = 0;
    w->sell_q[a] = 0.0f;
    w->last_act[a] = STP_NEVER; /* in no window */
}

static inline STP_HD void stp_path_init_position(const stp_path_ws *w, const stp_path_tables *tb,
                                                 int i)
{
    w->c[i] = tb->c0[i];
    w->d[i] = tb->d0[i];
    w->seize[i] = 0.0f;
    w->grace_since[i] = 0;
    w->grace_last[i] = STP_NEVER;
}

/* The calm market's steady state as an agent sees it (§3.4): no return,
 * calm volatility, no drawdown, no liquidations, no signal, its own health
 * factor hf (capped; LPs see the cap). The population is drawn in
 * equilibrium with it (population.c) and the histories start in it. */
static inline STP_HD void stp_calm_features(float *x, float hf)
{
    int j;
    for (j = 0; j < STP_FEATURES; j++)
        x[j] = 0.0f;
    x[STP_F_VOL] = 1.0f;
    x[STP_F_HF] = hf < STP_FEATURE_HF_CAP ? hf : STP_FEATURE_HF_CAP;
    x[STP_F_BIAS] = 1.0f;
}

/* Ring entries k of the histories; before step 0 the agents remember a
 * flat market at P0. k < max(price_ring, window_steps + 1, STP_LAG_RING,
 * sync_window_steps), entries past a ring's length are left alone. */
static inline STP_HD void stp_path_init_history(const stp_path_ws *w, const stp_params *p, int k)
{
    if (k < p->price_ring) w->pool_ring[k] = p->price0;
    if (k <= p->window_steps) w->oracle_ring[k] = p->log_price0;
    if (k < p->sync_window_steps) w->sync_ring[k] = 0;
    if (k < p->breaker_window_steps) w->brk_ring[k] = 0;
    if (k < STP_LAG_RING) {
        float *f = w->feat_ring + (size_t)k * STP_RING_ROW;
        int j;
        stp_calm_features(f, STP_FEATURE_HF_CAP);
        f[STP_FEATURES] = (float)p->price0;
        for (j = STP_FEATURES + 1; j < STP_RING_ROW; j++) /* read, never used */
            f[j] = 0.0f;
    }
}

static inline STP_HD int stp_path_history_len(const stp_params *p)
{
    int n = p->price_ring > p->window_steps + 1 ? p->price_ring : p->window_steps + 1;
    n = n > STP_LAG_RING ? n : STP_LAG_RING;
    n = n > p->breaker_window_steps ? n : p->breaker_window_steps;
    return n > p->sync_window_steps ? n : p->sync_window_steps;
}

/* A path's start on one thread: its scalars, every agent, position and
 * history entry (the kernel splits the same calls over its threads:
 * stp_block_init, stp_block_start). */
static inline STP_HD void stp_path_init(stp_path_state *s, const stp_path_ws *w,
                                        const stp_path_tables *tb)
{
    const int nh = stp_path_history_len(&tb->prm);
    int i;
    stp_path_init_state(s, &tb->prm);
    for (i = 0; i < tb->n_agents; i++)
        stp_path_init_agent(w, &tb->prm, i);
    for (i = 0; i < tb->n_positions; i++)
        stp_path_init_position(w, tb, i);
    for (i = 0; i < nh; i++)
        stp_path_init_history(w, &tb->prm, i);
}

/* ---------------------------------------------------------------------------
 * (1) regime and fundamental price; (2) shocks and refill
 * ------------------------------------------------------------------------- */

/* The market noise of asset `asset`'s own draws (DESIGN §10: asset k
 * draws at STP_ASSET_DRAWS k + today's draw index, so asset 0 draws
 * exactly what a path drew before assets existed). */
static inline STP_HD float stp_asset_noise(const stp_params *p, long long path, int t, int asset)
{
    const uint32_t base = (uint32_t)asset * STP_ASSET_DRAWS;
    int k;
    if (!p->student_t) {
        const stp_u32x4 r =
            stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0, base + 1u);
        float n0, n1;
        stp_box_muller(r.v[0], r.v[1], &n0, &n1);
        return n0;
    }
    for (k = 0; k < STP_STUDENT_T_TRIES; k++) {
        const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0,
                                       base + 1u + (uint32_t)k);
        float tv;
        if (stp_student_t_try(r.v[0], r.v[1], p->nu, &tv) ||
            stp_student_t_try(r.v[2], r.v[3], p->nu, &tv))
            return tv * p->t_scale;
    }
    return 0.0f;
}

/* The noise of the path's asset: asset 0's draw itself, else row `asset`
 * of the correlation's factor times every lower asset's own noise
 * (correlation.h, stp_correlate's fmaf order). */
static inline STP_HD float stp_market_noise(const stp_params *p, long long path, int t)
{
    float z[STP_MAX_ASSETS], out[STP_MAX_ASSETS];
    int j;
    if (p->asset == 0) return stp_asset_noise(p, path, t, 0);
    for (j = 0; j <= p->asset; j++)
        z[j] = stp_asset_noise(p, path, t, j);
    stp_correlate(p->corr_l, p->asset + 1, z, out);
    return out[p->asset];
}

/* Whether slot k of the scenario hits the venue these tables are
 * (DESIGN §10: a shock names its venue, its asset, or neither: every
 * venue); every slot does on a one-venue path (no scope table). */
static inline STP_HD int stp_slot_hits(const stp_path_tables *tb, int k)
{
    if (!tb->slot_venue) return 1;
    /* a derivative's venue is hit by its own asset's shocks and by its
     * parent's (it draws the parent's numbers: prm.asset) */
    return (tb->slot_venue[k] < 0 || tb->slot_venue[k] == tb->venue) &&
           (tb->slot_asset[k] < 0 || tb->slot_asset[k] == tb->prm.asset_id ||
            tb->slot_asset[k] == tb->prm.asset);
}

/* Sums the effect of the shocks active at step t (§3.9 shock semantics). */
static inline STP_HD void stp_active_shocks(stp_path_state *s, const stp_path_tables *tb,
                                            long long path, int t)
{
    const double dt = tb->prm.dt_s;
    float exploit_log[STP_MAX_PROTOCOLS];
    int k;
    s->gap = s->pool_gap = 0.0;
    s->liq_factor = 1.0;
    s->extra_delay_s = 0.0;
    s->oracle_factor = 1.0;
    s->forced_stress = 0;
    s->bridge_halt = 0;
    for (k = 0; k < STP_MAX_PROTOCOLS; k++)
        exploit_log[k] = 0.0f;
    for (k = 0; k < tb->n_slots; k++) {
        const size_t i = (size_t)(path - tb->scen_base) * (size_t)tb->n_slots + (size_t)k;
        int start, n;
        if (!tb->active[i] || !stp_slot_hits(tb, k)) continue;
        start = stp_steps_of(tb->time_s[i], dt, tb->prm.n_steps + 1);
        n = stp_steps_of(tb->duration_s[i], dt, tb->prm.n_steps + 1);
        n = n > 0 ? n : 1;
        if (t < start || t - start >= n) continue;
        switch (tb->slot_kind[k]) {
        case STP_SHOCK_GAP: /* one venue's: its pool, not the asset (DESIGN §10) */
            if (tb->slot_venue && tb->slot_venue[k] >= 0)
                s->pool_gap += tb->size[i] / n;
            else
                s->gap += tb->size[i] / n;
            break;
        case STP_SHOCK_EXPLOIT: /* a haircut whatever the sign written: -|size| */
            exploit_log[tb->slot_protocol[k]] -= fabsf(tb->size[i]) / (float)n;
            break;
        case STP_SHOCK_LIQUIDITY_WITHDRAWAL:
            s->liq_factor *= stp_withdrawal_step_factor(tb->size[i], n);
            break;
        case STP_SHOCK_ORACLE_DELAY:
            s->extra_delay_s += fabs((double)tb->size[i]);
            break;
        case STP_SHOCK_ORACLE_ERROR: /* floored: an oracle never reports a price <= 0 */
            s->oracle_factor *= 1.0 + (tb->size[i] > -0.99f ? (double)tb->size[i] : -0.99);
            break;
        case STP_SHOCK_DEPEG: /* its derivative's peg: the fundamental of its venues */
            s->gap += tb->size[i] / n;
            break;
        case STP_SHOCK_BRIDGE_HALT: /* the venue's links (link.h); its own pool trades on */
            s->bridge_halt = 1;
            break;
        default:
            s->forced_stress = 1;
        }
    }
    s->any_exploit = 0;
    for (k = 0; k < STP_MAX_PROTOCOLS; k++) {
        s->exploit_factor[k] = exploit_log[k] != 0.0f ? stp_expf(exploit_log[k]) : 1.0f;
        s->any_exploit |= s->exploit_factor[k] != 1.0f;
    }
}

/* Steps (1) and (2) but the exploit haircut, which the caller applies to
 * every position with stp_exploit_position when s->any_exploit. */
static inline STP_HD void stp_market_step(stp_path_state *s, const stp_path_tables *tb,
                                          long long path, int t)
{
    const stp_params *p = &tb->prm;
    const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0,
                                   (uint32_t)p->asset * STP_ASSET_DRAWS);
    const stp_u32x4 r0 =
        p->asset == 0 ? r
                      : stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0, 0);
    /* the regime is the market's, one chain for every asset (a stress
     * regime is systemic): asset 0's draw */
    const float u_regime = stp_uniform(r0.v[0]);
    /* shared jumps (market.jumps.shared): every asset's are asset 0's
     * events, and their likelihood ratio counts once, on the venues of one
     * asset (venues.c: the lowest drawn) */
    const stp_u32x4 rj = p->jumps_shared ? r0 : r;
    const int own_lr = p->jump_tilted && !(p->jumps_shared && p->asset != p->jumps_lr_asset);
    /* the defensive mixture's untilted paths (mixture.h) draw the configured
     * jumps and add the same ratio; asked each step, a Philox call, rather
     * than kept in the state: only when jumps are tilted and a > 0 */
    const int untilted = p->jump_tilted && stp_mixture_untilted(p->seed, path, p->defensive);
    float jump = 0.0f, n0, n1;
    int k;

    stp_active_shocks(s, tb, path, t);
    s->regime = stp_regime_next(s->regime, u_regime, p->p_calm_to_stress, p->p_stress_to_calm);
    k = stp_poisson_inverse(stp_uniform(rj.v[1]),
                            (double)(untilted ? p->jump_rate0_step : p->jump_rate_step),
                            STP_MAX_JUMPS);
    if (k > 0) {
        stp_box_muller(rj.v[2], rj.v[3], &n0, &n1);
        if (p->jump_tilted) { /* z' = z + tilt: ratio phi(z') / phi(z' - tilt) */
            if (!untilted) n0 += p->jump_size_tilt;
            if (own_lr)
                s->log_lr += 0.5 * (double)p->jump_size_tilt * (double)p->jump_size_tilt -
                             (double)p->jump_size_tilt * (double)n0;
        }
        jump = fmaf(sqrtf((float)k) * p->jump_log_sd, n0, (float)k * p->jump_log_mean);
    }
    /* Poisson(lambda e^th) for Poisson(lambda): ratio e^(lambda (e^th - 1) - th k) */
    if (own_lr) s->log_lr += p->jump_lr_step - (double)p->jump_count_tilt * k;
    s->log_ps = stp_log_price_step(s->log_ps, p->mu_step,
                                   s->regime || s->forced_stress ? p->sigma_stress_step
                                                                 : p->sigma_calm_step,
                                   stp_market_noise(p, path, t), jump, (float)s->gap);
    if (s->pool_gap != 0.0) /* a dump (or a squeeze) moving the pool's price by it */
        stp_arbitrage(&s->x, &s->y, stp_log(s->y / s->x) + s->pool_gap, 1.0);
    if (s->liq_factor < 1.0) {
        s->l_out += sqrt(s->x * s->y) * (1.0 - s->liq_factor);
        stp_pool_scale(&s->x, &s->y, s->liq_factor);
    }
    if (s->l_out > 0.0) { /* withdrawn liquidity returns at the current price */
        const double back = s->l_out * p->refill_frac, l = sqrt(s->x * s->y);
        stp_pool_scale(&s->x, &s->y, (l + back) / l);
        s->l_out -= back;
        s->lp_scale *= l / (l + back); /* new liquidity dilutes the LP agents */
    }
}

/* (2) exploit haircut on position i's collateral (one element: any order). */
static inline STP_HD void stp_exploit_position(const stp_path_state *s, const stp_path_ws *w,
                                               const stp_path_tables *tb, int i)
{
    const int k = tb->prot[i];
    if (k >= 0 && s->exploit_factor[k] != 1.0f) w->c[i] *= s->exploit_factor[k];
}

/* ---------------------------------------------------------------------------
 * (3) oracle and market features
 * ------------------------------------------------------------------------- */

/* The oracle at step t: the price of the pool it reads at the end of
 * step t - 1 - round(delay / dt) (DESIGN §3.9), the delay the reader's
 * (p); P0 before the first step. The pool is the venue's own (ow = w, op
 * = p) or, over venues, another venue's of the same asset (oracle.source:
 * its ring ow and constants op, whose ring venues.c sizes for every
 * reader's delay). */
static inline STP_HD double stp_oracle_from(const stp_path_ws *ow, const stp_params *op,
                                            const stp_params *p, int t, double extra_delay_s)
{
    const int d =
        stp_steps_of((double)p->oracle_delay_s + extra_delay_s, p->dt_s, op->price_ring - 2);
    const int src = t - 1 - d;
    return src < 0 ? op->price0 : ow->pool_ring[src % op->price_ring];
}

static inline STP_HD double stp_oracle_at(const stp_path_ws *w, const stp_params *p, int t,
                                          double extra_delay_s)
{
    return stp_oracle_from(w, p, p, t, extra_delay_s);
}

/* (3) of step t with the oracle reading pool ow (stp_oracle_from). */
static inline STP_HD void stp_features_step_from(stp_path_state *s, const stp_path_ws *w,
                                                 const stp_params *p, int n_agents, int t,
                                                 const stp_path_ws *ow, const stp_params *op)
{
    const int wn = p->window_steps + 1;
    float *f = w->feat_ring + (size_t)(t % STP_LAG_RING) * STP_RING_ROW;
    double log_o, ret1, retw;

    s->oracle = stp_oracle_from(ow, op, p, t, s->extra_delay_s) * s->oracle_factor;
    s->signal = p->signal_global ? s->sys_signal
                                 : n_agents > 0 ? (double)s->sync_sum / n_agents : 0.0;
    log_o = stp_log(s->oracle);
    ret1 = log_o - w->oracle_ring[(t + wn - 1) % wn];
    retw = log_o - w->oracle_ring[(t + wn - p->window_steps) % wn];
    w->oracle_ring[t % wn] = log_o;
    s->ewma_var += p->ewma_alpha * (ret1 * ret1 - s->ewma_var);
    s->max_oracle = fmax(s->max_oracle, s->oracle);

    f[STP_F_RET1] = stp_clampf((float)ret1 * p->inv_ret1_sd, -STP_FEATURE_Z_MAX, STP_FEATURE_Z_MAX);
    f[STP_F_RETW] = stp_clampf((float)retw * p->inv_retw_sd, -STP_FEATURE_Z_MAX, STP_FEATURE_Z_MAX);
    f[STP_F_VOL] = stp_clampf((float)sqrt(s->ewma_var) * p->inv_ret1_sd, 0.0f, STP_FEATURE_Z_MAX);
    f[STP_F_DD] = stp_clampf(STP_DD_SCALE * (float)(1.0 - s->oracle / s->max_oracle), 0.0f,
                             STP_FEATURE_Z_MAX);
    f[STP_F_HF] = STP_FEATURE_HF_CAP;
    f[STP_F_LIQ] = stp_clampf(STP_LIQ_SCALE * (float)(s->last_liq_usd * p->inv_depth_usd), 0.0f,
                              STP_FEATURE_Z_MAX);
    f[STP_F_SIG] = p->signal_on ? (float)s->signal : 0.0f;
    f[STP_F_BIAS] = 1.0f;
    f[STP_FEATURES] = (float)s->oracle;
}

static inline STP_HD void stp_features_step(stp_path_state *s, const stp_path_ws *w,
                                            const stp_params *p, int n_agents, int t)
{
    stp_features_step_from(s, w, p, n_agents, t, w, p);
}

/* ---------------------------------------------------------------------------
 * (4) agent decisions
 * ------------------------------------------------------------------------- */

/* An agent's HF feature at the oracle price it saw: a borrower's own
 * health factor (collateral c, debt d, threshold lt), capped; an LP keeps
 * the ring's entry (the cap). */
static inline STP_HD float stp_agent_hf(int role, float c, float d, float lt, float price,
                                        float ring_hf)
{
    if (role == STP_ROLE_BORROWER) {
        const float hf = stp_health_factor(c, price, lt, d);
        return hf < STP_FEATURE_HF_CAP ? hf : STP_FEATURE_HF_CAP;
    }
    return ring_hf;
}

/* Where the features agent a saw at step t sit in the feature ring: the
 * row of step t - lag (floats from feat_ring's start). The index in int
 * arithmetic: back & 63 is back mod 64, also for back < 0, without two
 * divisions. */
static inline STP_HD int stp_agent_ring_row(const stp_path_tables *tb, int a, int t)
{
    return ((t - tb->lag_steps[a]) & (STP_LAG_RING - 1)) * STP_RING_ROW;
}

/* stp_agent_features from agent a's table entries, read once by a caller
 * that evaluates the agent on several paths (block.h): its ring row
 * (stp_agent_ring_row), role and liquidation threshold lt. */
static inline STP_HD void stp_agent_features_of(float *x, long xstride, const stp_path_ws *w, int a,
                                                int row, int role, float lt)
{
    float f[STP_RING_ROW];
    int k;
    stp_ring_row_load(f, w->feat_ring + row);
    for (k = 0; k < STP_FEATURES; k++)
        x[k * xstride] = f[k];
    x[STP_F_HF * xstride] = stp_agent_hf(role, w->c[a], w->d[a], lt, f[STP_FEATURES], f[STP_F_HF]);
}

/* The features agent a saw lag steps ago, x[k * xstride]; its own HF from
 * its current position at that step's oracle price (docs/model.md).
 * Before step 0 the ring holds the flat market of stp_path_init_history. */
static inline STP_HD void stp_agent_features(float *x, long xstride, const stp_path_ws *w,
                                             const stp_path_tables *tb, int a, int t)
{
    stp_agent_features_of(x, xstride, w, a, stp_agent_ring_row(tb, a, t), tb->role[a], tb->lt[a]);
}

/* Whether agent a, of the given role, may act at step t whatever its
 * model says: out of cooldown and with something to do (a borrower with
 * collateral and debt; an LP that has left the pool is never out of
 * cooldown: stp_agent_execute). Every operand is read and combined
 * without a branch (each index is in its array's bounds), so a caller
 * evaluating 8 paths at once runs straight-line code. */
static inline STP_HD int stp_agent_ready_as(const stp_path_ws *w, int role, int a, int t)
{
    const int has = (role == STP_ROLE_LP) | ((w->c[a] > 0.0f) & (w->d[a] > 0.0f));
    return (w->next_ok[a] <= t) & has;
}

static inline STP_HD int stp_agent_ready(const stp_path_ws *w, const stp_path_tables *tb, int a,
                                         int t)
{
    return stp_agent_ready_as(w, tb->role[a], a, t);
}

/* Whether agent a's model output `logit` is strictly over its threshold
 * (logits: the sigmoid is monotone). */
static inline STP_HD int stp_agent_over_threshold(const stp_path_tables *tb, int a, float logit)
{
    return logit > tb->logit_threshold[a];
}

/* Whether agent a, whose model gave `logit`, acts at step t: over its
 * threshold and ready. Reads only agent a's own state, which no other
 * agent's action changes, so every agent may be screened before any acts. */
static inline STP_HD int stp_agent_candidate(const stp_path_ws *w, const stp_path_tables *tb, int a,
                                             int t, float logit)
{
    return stp_agent_over_threshold(tb, a, logit) && stp_agent_ready(w, tb, a, t);
}

/* The sync windows count distinct agents (DESIGN §3.7: the fraction of AI
 * agents that started a defensive action within the window), also when one
 * decides twice in it: ring[s] holds the agents whose latest decision was at
 * a step = s modulo the window, and they leave the window together. The
 * output's window (sync_ring) and the circuit breaker's (brk_ring) share
 * last_act. */
static inline STP_HD void stp_window_expire(int *ring, int *sum, int ws, int t)
{
    *sum -= ring[t % ws];
    ring[t % ws] = 0;
}

static inline STP_HD void stp_window_enter(int *ring, int *sum, int ws, int last, int t)
{
    if (last > t - ws)
        ring[last % ws]--; /* already counted: move it */
    else
        ++*sum;
    ring[t % ws]++;
}

/* Extra steps before agent a (of the venue keyed venue_key: tables) acts: random_delay's uniform
 * [0, max_s] and risk_signal's staggering, uniform [0, stagger_s x the
 * published sync fraction]. One Philox block per decision, keyed by
 * (path, step, agent), so every variant that decides alike delays alike. */
static inline STP_HD int stp_action_delay(const stp_path_state *s, const stp_params *p,
                                          long long path, int a, int t, int venue_key)
{
    float sec = 0.0f;
    stp_u32x4 r;
    if (!p->delay_on && !p->signal_on) return 0;
    r = stp_philox(p->seed, STP_STREAM_AGENT, (uint32_t)path, (uint32_t)t, (uint32_t)a,
                   (uint32_t)venue_key << 8);
    if (p->delay_on) sec += stp_uniform(r.v[0]) * p->delay_max_s;
    if (p->signal_on) sec += stp_uniform(r.v[1]) * p->stagger_s * (float)s->signal;
    return stp_steps_of((double)sec, (double)p->dt_s, p->n_steps + 1);
}

/* Candidate a decides at step t: it counts in the sync windows now and its
 * action joins the pending list, due after its delay. It is no candidate
 * again until the action has executed and its cooldown passed. The path's
 * first decision marks its first mover: the decision, not the execution,
 * so a delay or a circuit breaker does not hide who triggered the herd. */
static inline STP_HD void stp_agent_decide(stp_path_state *s, const stp_path_ws *w,
                                           const stp_path_tables *tb, long long path, int a, int t)
{
    const stp_params *p = &tb->prm;
    if (s->first_mover < 0 || t == s->t_first_move) {
        /* reservoir sampling (Vitter 1985): the k-th decider of the first
         * step replaces the pick with probability 1/k, so each of them is
         * the first mover with equal chance. Agents are sorted by family:
         * the lowest index would always credit family 0 with the herd's
         * common step. Decisions run in index order on every backend and
         * the draw is keyed (path, step, agent), so the pick is theirs too. */
        const int k = ++s->first_count;
        const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_AGENT, (uint32_t)path, (uint32_t)t,
                                       (uint32_t)a, 1u | (uint32_t)tb->venue_key << 8);
        if (k == 1 || stp_uniform(r.v[0]) * (float)k <= 1.0f) {
            s->first_mover = a;
            s->t_first_move = t;
        }
    }
    stp_window_enter(w->sync_ring, &s->sync_sum, p->sync_window_steps, w->last_act[a], t);
    if (p->breaker_on)
        stp_window_enter(w->brk_ring, &s->brk_sum, p->breaker_window_steps, w->last_act[a], t);
    w->last_act[a] = t;
    w->due[a] = t + stp_action_delay(s, p, path, a, t, tb->venue_key);
    w->next_ok[a] = STP_PENDING;
    w->pend[s->n_pend++] = a;
}

/* Agent a's pending action executes. LP exits take effect at once; borrower
 * sells are queued for the step's batch. */
static inline STP_HD void stp_agent_execute(stp_path_state *s, const stp_path_ws *w,
                                            const stp_path_tables *tb, int a, int t)
{
    if (tb->role[a] == STP_ROLE_LP) {
        /* its share of the pool as it is now: withdrawal shocks shrink every
         * holding alike, earlier exits raise the others' share, refills
         * dilute it (lp_scale), so the LP agents together never take more
         * than they own and the pool keeps its other liquidity */
        const double l = sqrt(s->x * s->y);
        const double out =
            fmin((double)tb->lp_share[a] * s->lp_scale * l, l * (1.0 - STP_LP_FLOOR_FRAC));
        stp_pool_scale(&s->x, &s->y, (l - out) / l);
        s->l_out += out;
        s->lp_scale *= l / (l - out);
        /* it has nothing left to do: never ready again, so readiness
         * reads one array for both roles */
        w->next_ok[a] = STP_LEFT;
    } else {
        w->sell_q[a] = tb->sell_fraction[a] * w->c[a];
        w->sellers[s->n_sellers++] = a;
        w->next_ok[a] = t + 1 + tb->prm.cooldown_steps;
    }
    w->acted[a] = 1;
    s->acted++;
}

/* Whether pending agent a waits another step: its delay has not passed,
 * the circuit breaker holds every defensive action (queued, not lost), or
 * the progressive fee is above what a seller tolerates. */
static inline STP_HD int stp_action_held(const stp_path_state *s, const stp_path_ws *w,
                                         const stp_path_tables *tb, int a, int t, int halted)
{
    if (halted || w->due[a] > t) return 1;
    /* in float, as the tolerance is stored: one floored at the base fee
     * always sells at it */
    return tb->prm.fee_on && tb->role[a] == STP_ROLE_BORROWER &&
           tb->fee_tolerance[a] < (float)s->fee;
}

/* A borrower whose action was held may have been liquidated or repaid
 * meanwhile: with nothing left to sell its action lapses, uncounted. (A
 * candidate always has both, so without mitigations nothing lapses.) */
static inline STP_HD int stp_action_lapsed(const stp_path_ws *w, const stp_path_tables *tb, int a)
{
    return tb->role[a] == STP_ROLE_BORROWER && !(w->c[a] > 0.0f && w->d[a] > 0.0f);
}

/* The first step after a halt: a gradual release lets the queue it held
 * execute at most ceil(queue / release_steps) actions a step, in decision
 * order, until the queue is empty (actions decided meanwhile join its
 * back); a batch release (release_steps 0) lets every due action go at
 * once, the naive design that dumps the queue into one batch. */
static inline STP_HD void stp_breaker_release(stp_path_state *s, const stp_params *p, int halted)
{
    if (halted || !s->halt_open) return;
    s->halt_open = 0;
    if (p->breaker_release_steps > 0 && s->n_pend > 0)
        s->release_rate = (s->n_pend + p->breaker_release_steps - 1) / p->breaker_release_steps;
}

/* (4), its first half: the step's candidates decide, in index order, and
 * the step's sync fraction follows. A path over venues runs every venue's
 * decisions before any venue's actions, so that a global breaker sees the
 * whole system's (system_step.h); a venue's actions read only its own
 * state, so the split changes no bit. */
static inline STP_HD void stp_agents_decide(stp_path_state *s, const stp_path_ws *w,
                                            const stp_path_tables *tb, long long path, int t)
{
    const stp_params *p = &tb->prm;
    int j;
    s->n_sellers = 0;
    s->acted = 0;
    stp_window_expire(w->sync_ring, &s->sync_sum, p->sync_window_steps, t);
    if (p->breaker_on) stp_window_expire(w->brk_ring, &s->brk_sum, p->breaker_window_steps, t);
    for (j = 0; j < s->n_cand; j++)
        stp_agent_decide(s, w, tb, path, w->cand[j], t);
    s->sync_frac = tb->n_agents > 0 ? (double)s->sync_sum / tb->n_agents : 0.0;
}

/* The circuit breaker halts defensive actions for its cooldown once the
 * sync fraction in its window, brk_sum of n agents, passes its limit (a
 * venue's own, or the system's: system_step.h). */
static inline STP_HD void stp_breaker_trip(stp_path_state *s, const stp_params *p, double brk_sum,
                                           double n, int t)
{
    if (t >= s->halt_until && n > 0 && brk_sum / n > p->breaker_max_sync) {
        s->halt_until = t + p->breaker_cooldown_steps;
        s->halt_open = 1;
    }
}

/* (4), its second half: the circuit breaker and the fee look at the sync
 * fraction, then every pending action that is due and not held executes,
 * in decision order. Without mitigations every action is due the step it
 * is decided, so (4) is "every candidate acts, in index order". */
static inline STP_HD void stp_agents_execute(stp_path_state *s, const stp_path_ws *w,
                                             const stp_path_tables *tb, int t)
{
    const stp_params *p = &tb->prm;
    int j, keep = 0, halted;
    if (p->breaker_on && !p->breaker_global)
        stp_breaker_trip(s, p, (double)s->brk_sum, (double)tb->n_agents, t);
    halted = p->breaker_on && t < s->halt_until;
    stp_breaker_release(s, p, halted);
    s->fee = p->fee_on ? p->fee_base + p->fee_slope * s->sync_frac : p->fee;
    for (j = 0; j < s->n_pend; j++) {
        const int a = w->pend[j];
        if (stp_action_lapsed(w, tb, a))
            w->next_ok[a] = t + 1;
        else if (stp_action_held(s, w, tb, a, t, halted) ||
                 (s->release_rate > 0 && s->acted >= s->release_rate))
            w->pend[keep++] = a;
        else
            stp_agent_execute(s, w, tb, a, t);
    }
    s->n_pend = keep;
    if (keep == 0) s->release_rate = 0; /* the queue has drained */
}

/* (4) */
static inline STP_HD void stp_agents_act(stp_path_state *s, const stp_path_ws *w,
                                         const stp_path_tables *tb, long long path, int t)
{
    stp_agents_decide(s, w, tb, path, t);
    stp_agents_execute(s, w, tb, t);
}

/* ---------------------------------------------------------------------------
 * (7) arbitrage and (8) bookkeeping
 * ------------------------------------------------------------------------- */

/* (7) the venue's own arbitrage, toward its fundamental */
static inline STP_HD void stp_path_arbitrage(stp_path_state *s, const stp_params *p)
{
    stp_arbitrage(&s->x, &s->y, s->log_ps, p->arb_frac);
}

/* (8) */
static inline STP_HD void stp_path_bookkeeping(stp_path_state *s, const stp_path_ws *w,
                                               const stp_path_tables *tb, stp_sample_row row, int t)
{
    const stp_params *p = &tb->prm;
    const double price = s->y / s->x;
    w->pool_ring[t % p->price_ring] = price;
    s->max_pool = fmax(s->max_pool, price);
    s->max_dd = fmax(s->max_dd, 1.0 - price / s->max_pool);
    if (price < s->min_pool) {
        s->min_pool = price;
        s->t_trough = t + 1;
    }
    if (tb->n_agents > 0) s->peak_sync = fmax(s->peak_sync, (double)s->sync_sum / tb->n_agents);
    /* the end of the first step at which the cascade rule holds (§3.7): a
     * venue's cascade start, whose order across venues is the contagion */
    if (s->t_cascade < 0 && s->max_dd >= p->cascade_drawdown &&
        s->liq_usd >= p->cascade_liquidation_usd)
        s->t_cascade = t + 1;
    s->act_sum += s->acted;
    s->act_sq += (double)s->acted * s->acted;
    if (row.price) {
        row.price[t] = (float)price;
        row.pool_depth[t] = (float)s->y;
        row.sync[t] = tb->n_agents > 0 ? (float)s->sync_sum / (float)tb->n_agents : 0.0f;
        row.liquidations[t] = (float)s->last_liq_usd;
    }
}

/* ---------------------------------------------------------------------------
 * The step, in the order of DESIGN §3.9 (this file's opening comment)
 * ------------------------------------------------------------------------- */

/* (1)-(3) of step t on one thread: the market, the shocks, the exploit
 * haircut on every position hit, the oracle and the features. The kernel
 * runs the same calls but the haircut after the features (block.h,
 * stp_block_serial says why). */
static inline STP_HD void stp_path_step_open_from(stp_path_state *s, const stp_path_ws *w,
                                                  const stp_path_tables *tb, long long path,
                                                  int t, const stp_path_ws *ow,
                                                  const stp_params *op)
{
    int i;
    stp_market_step(s, tb, path, t);
    for (i = 0; s->any_exploit && i < tb->n_positions; i++)
        stp_exploit_position(s, w, tb, i);
    stp_features_step_from(s, w, &tb->prm, tb->n_agents, t, ow, op);
}

static inline STP_HD void stp_path_step_open(stp_path_state *s, const stp_path_ws *w,
                                             const stp_path_tables *tb, long long path, int t)
{
    stp_path_step_open_from(s, w, tb, path, t, w, &tb->prm);
}

/* (4)'s actions to (7) of step t, after stp_agents_decide: for a path
 * over several venues, whose global breaker looks at every venue's
 * decisions in between (system_step.h). */
static inline STP_HD void stp_path_step_execute(stp_path_state *s, const stp_path_ws *w,
                                                const stp_path_tables *tb, int t)
{
    stp_agents_execute(s, w, tb, t);
    stp_liquidation_and_batch(s, w, tb, t);
    stp_path_arbitrage(s, &tb->prm);
}

/* (4)-(7) of step t: stp_path_step_close without its bookkeeping, for a
 * path over several venues whose links trade between every venue's (7)
 * and (8) (link.h). */
static inline STP_HD void stp_path_step_trade(stp_path_state *s, const stp_path_ws *w,
                                              const stp_path_tables *tb, long long path, int t)
{
    stp_agents_decide(s, w, tb, path, t);
    stp_path_step_execute(s, w, tb, t);
}

/* (4)-(8) of step t on one thread, once the backend has listed the step's
 * candidates (w->cand, s->n_cand: stp_agent_candidate in index order) and
 * the positions its screen passes (w->liq, s->n_liq: stp_position_screen
 * in index order): the decisions, the liquidations and the batch,
 * arbitrage and bookkeeping. Every backend runs exactly this. */
static inline STP_HD void stp_path_step_close(stp_path_state *s, const stp_path_ws *w,
                                              const stp_path_tables *tb, long long path,
                                              stp_sample_row row, int t)
{
    stp_path_step_trade(s, w, tb, path, t);
    stp_path_bookkeeping(s, w, tb, row, t);
}

/* The path's outcome record (DESIGN §3.7), o[stp_outcome], its oracle
 * reading pool ow (stp_oracle_from). */
static inline STP_HD void stp_path_outcomes_from(const stp_path_state *s, const stp_path_ws *w,
                                                 const stp_path_tables *tb, const stp_path_ws *ow,
                                                 const stp_params *op, double *o)
{
    const stp_params *p = &tb->prm;
    /* positions still open at the horizon, valued at the horizon's oracle */
    const double oracle = stp_oracle_from(ow, op, p, p->n_steps, 0.0);
    double shortfall = 0.0, acted = 0.0;
    int i;
    for (i = 0; i < tb->n_positions; i++)
        if (tb->prot[i] >= 0) shortfall += fmax(0.0, (double)w->d[i] - (double)w->c[i] * oracle);
    for (i = 0; i < tb->n_agents; i++)
        acted += w->acted[i];
    o[STP_OUT_MAX_DRAWDOWN] = s->max_dd;
    o[STP_OUT_MIN_PRICE_RATIO] = s->min_pool / p->price0;
    o[STP_OUT_FINAL_PRICE_RATIO] = (s->y / s->x) / p->price0;
    o[STP_OUT_LIQUIDATED_USD] = s->liq_usd;
    o[STP_OUT_LIQUIDATIONS] = s->liquidations;
    o[STP_OUT_BAD_DEBT_USD] = s->bad_realized + shortfall;
    o[STP_OUT_BAD_DEBT_REALIZED_USD] = s->bad_realized;
    o[STP_OUT_DEFENSIVE_SELL_USD] = s->defensive_usd;
    o[STP_OUT_AGENTS_ACTED] = acted;
    o[STP_OUT_PEAK_SYNC] = s->peak_sync;
    o[STP_OUT_HERDING_INDEX] = stp_herding_index(s->act_sum, s->act_sq, p->n_steps, tb->n_agents);
    o[STP_OUT_T_TROUGH_S] = s->t_trough * (double)p->dt_s;
    o[STP_OUT_CASCADE] =
        s->max_dd >= p->cascade_drawdown && s->liq_usd >= p->cascade_liquidation_usd;
    o[STP_OUT_FIRST_MOVER] = s->first_mover;
    /* the start of the step it decided in, the clock of the shocks' time_s */
    o[STP_OUT_T_FIRST_MOVE_S] = s->t_first_move >= 0 ? s->t_first_move * (double)p->dt_s : -1.0;
    /* the jumps' likelihood ratio; the scenario's joins it on the host
     * (backend.c, mixture.h). Floored at the smallest normal double, as
     * scenario.c does */
    o[STP_OUT_WEIGHT] = s->log_lr == 0.0 ? 1.0 : fmax(stp_exp(s->log_lr), 2.2250738585072014e-308);
}

static inline STP_HD void stp_path_outcomes(const stp_path_state *s, const stp_path_ws *w,
                                            const stp_path_tables *tb, double *o)
{
    stp_path_outcomes_from(s, w, tb, w, &tb->prm, o);
}

#endif
