/* path.h: one path's step loop in the order of DESIGN §3.9, shared by the
 * OpenMP backend (one thread runs a path) and the CUDA kernel (thread 0 of
 * the path's block runs these functions; the per-agent and per-position
 * loops are spread over the block). Both backends call the same functions
 * in the same order on the same data, and every transcendental here comes
 * from fmath.h (+ - * / fma sqrt only), so they agree bit for bit (DESIGN
 * §4; tests/test_kernel_order.c, tests/test_cuda.c). The structs hold plain pointers: host
 * addresses on the CPU, device addresses in a kernel. Must compile as C11 and CUDA C++.
 *
 * What may run in parallel, and why the result cannot depend on it: the
 * exploit haircut and the candidate screens touch one element each; every
 * sum (the batch, the settlements, the outcomes) runs over an index-ordered
 * list in one thread. */
#ifndef STAMPEDE_PATH_H
#define STAMPEDE_PATH_H

#include "stampede/config.h"
#include "stampede/mixture.h"
#include "stampede/outcomes.h"
#include "stampede/params.h"
#include "stampede/population.h"
#include "stampede/rng.h"
#include "stampede/step.h"

#define STP_STUDENT_T_TRIES 16           /* blocks of two polar pairs; all rejected: p ~ 1e-21 */
#define STP_LP_FLOOR_FRAC   0.01         /* an LP exit never drains the pool below 1% */
#define STP_MAX_JUMPS       64           /* per step: a safety cap, never reached at sane rates */
#define STP_NEVER           (-(1 << 30)) /* a step long before any window or streak */
#define STP_PENDING         0x7fffffff   /* next_ok of an agent whose action is pending */

/* Read-only during a batch: the population as the step loop reads it and
 * the scenario rows of the batch. Positions are the AI agents' (index a)
 * followed by the passive ones (index n_agents + i). */
typedef struct stp_path_tables {
    stp_params prm;
    int n_agents, n_passive, n_positions, n_families;
    int family_start[STP_MAX_FAMILIES + 1]; /* agents are sorted by family */
    int family_kind[STP_MAX_FAMILIES];      /* stp_family_kind */
    int family_hidden[STP_MAX_FAMILIES];
    const int *role;              /* [agent]: STP_ROLE_BORROWER or STP_ROLE_LP */
    const int *lag_steps;         /* [agent] */
    const float *logit_threshold; /* [agent] */
    const float *sell_fraction;   /* [agent] */
    const float *lp_share;        /* [agent] */
    const float *fee_tolerance;   /* [agent]: progressive_fee */
    const float *params;          /* [param][agent] */
    const int *prot;              /* [position]: protocol, -1 for LPs */
    const float *lt;              /* [position]: its protocol's liquidation threshold */
    const float *c0, *d0;         /* [position]: collateral units, debt USD at t = 0 */
    int n_slots;
    const int *slot_kind;        /* [slot]: stp_shock_kind */
    const int *slot_protocol;    /* [slot]: exploit's protocol, else -1 */
    long long scen_base;         /* first path of the rows below */
    const unsigned char *active; /* [path - scen_base][slot] */
    const float *time_s, *duration_s, *size;
} stp_path_tables;

/* One path's mutable arrays. */
typedef struct stp_path_ws {
    float *c, *d;                  /* [position]: collateral units, debt USD */
    float *seize, *repay, *bad;    /* [position]: this step's plan, zero off the list */
    int *liq;                      /* [position]: listed this step, index order */
    float *sell_q;                 /* [agent]: queued defensive sell, units */
    int *cand;                     /* [agent]: over threshold this step, index order */
    int *sellers;                  /* [agent]: sells in this step's batch, execution order */
    int *pend;                     /* [agent]: decided, not yet executed, decision order */
    int *due;                      /* [agent]: step its pending action may execute */
    int *next_ok;                  /* [agent]: first step it may decide again */
    int *last_act;                 /* [agent]: step of its latest decision */
    unsigned char *acted, *lp_out; /* [agent] */
    double *pool_ring;             /* [prm.price_ring]: pool price at the end of each step */
    double *oracle_ring;           /* [prm.window_steps + 1]: log oracle price per step */
    float *feat_ring;              /* [STP_LAG_RING][STP_FEATURES + 1]: features, then oracle */
    int *sync_ring;   /* [prm.sync_window_steps]: agents whose latest decision was then */
    int *brk_ring;    /* [prm.breaker_window_steps]: the same over the breaker's window */
    int *grace_since; /* [position]: first step of its current grace deferral */
    int *grace_last;  /* [position]: latest step it was deferred */
} stp_path_ws;

/* Path scalars. */
typedef struct stp_path_state {
    double log_ps;   /* fundamental log price */
    int regime;      /* 0 calm, 1 stress */
    double x, y;     /* pool reserves: collateral units, USD */
    double l_out;    /* liquidity withdrawn, returning through the refill */
    double lp_scale; /* an LP agent owns lp_share x lp_scale of the pool now */
    double ewma_var, max_oracle, oracle, last_liq_usd;
    double max_pool, min_pool, max_dd;
    int t_trough, sync_sum, brk_sum;
    double signal;    /* published sync fraction at (3): decisions up to the last step */
    double sync_frac; /* sync fraction after this step's decisions */
    double fee;       /* this step's swap fee for agent and liquidation sells */
    int halt_until;   /* circuit breaker: defensive actions held while t < halt_until */
    int halt_open;    /* a halt began and its release has not started */
    int release_rate; /* gradual release: actions a step while its queue drains, else 0 */
    int n_pend;       /* pending actions */
    double act_sum, act_sq, peak_sync;
    double liq_usd, liquidations, bad_realized, defensive_usd;
    int n_cand, n_sellers, n_liq, acted; /* this step's list lengths, actions executed */
    /* this step's active shocks */
    double gap, liq_factor, extra_delay_s;
    double oracle_factor; /* oracle_error: the oracle reports the pool price times this */
    int forced_stress;
    float exploit_factor[STP_MAX_PROTOCOLS]; /* collateral multiplier, 1 when none */
    int any_exploit;
    /* who moved first (DESIGN §3.6): one of the agents deciding in the
     * path's first step with a decision, drawn uniformly (stp_agent_decide),
     * and that step; -1 while nobody has decided. first_count: the deciders
     * of that step so far */
    int first_mover, t_first_move, first_count;
    double log_lr; /* the jumps' log likelihood ratio under importance sampling (params.h) */
} stp_path_state;

/* Per-step samples of one path, [step]; NULL pointers when not sampled. */
typedef struct stp_sample_row {
    float *price, *pool_depth, *sync, *liquidations;
} stp_sample_row;

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
    s->first_mover = s->t_first_move = -1;
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
    w->acted[a] = w->lp_out[a] = 0;
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
        float *f = w->feat_ring + (size_t)k * (STP_FEATURES + 1);
        stp_calm_features(f, STP_FEATURE_HF_CAP);
        f[STP_FEATURES] = (float)p->price0;
    }
}

static inline STP_HD int stp_path_history_len(const stp_params *p)
{
    int n = p->price_ring > p->window_steps + 1 ? p->price_ring : p->window_steps + 1;
    n = n > STP_LAG_RING ? n : STP_LAG_RING;
    n = n > p->breaker_window_steps ? n : p->breaker_window_steps;
    return n > p->sync_window_steps ? n : p->sync_window_steps;
}

/* ---------------------------------------------------------------------------
 * (1) regime and fundamental price; (2) shocks and refill
 * ------------------------------------------------------------------------- */

static inline STP_HD float stp_market_noise(const stp_params *p, long long path, int t)
{
    int k;
    if (!p->student_t) {
        const stp_u32x4 r =
            stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0, 1);
        float n0, n1;
        stp_box_muller(r.v[0], r.v[1], &n0, &n1);
        return n0;
    }
    for (k = 0; k < STP_STUDENT_T_TRIES; k++) {
        const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0,
                                       1u + (uint32_t)k);
        float tv;
        if (stp_student_t_try(r.v[0], r.v[1], p->nu, &tv) ||
            stp_student_t_try(r.v[2], r.v[3], p->nu, &tv))
            return tv * p->t_scale;
    }
    return 0.0f;
}

/* Sums the effect of the shocks active at step t (§3.9 shock semantics). */
static inline STP_HD void stp_active_shocks(stp_path_state *s, const stp_path_tables *tb,
                                            long long path, int t)
{
    const double dt = tb->prm.dt_s;
    float exploit_log[STP_MAX_PROTOCOLS];
    int k;
    s->gap = 0.0;
    s->liq_factor = 1.0;
    s->extra_delay_s = 0.0;
    s->oracle_factor = 1.0;
    s->forced_stress = 0;
    for (k = 0; k < STP_MAX_PROTOCOLS; k++)
        exploit_log[k] = 0.0f;
    for (k = 0; k < tb->n_slots; k++) {
        const size_t i = (size_t)(path - tb->scen_base) * (size_t)tb->n_slots + (size_t)k;
        int start, n;
        if (!tb->active[i]) continue;
        start = stp_steps_of(tb->time_s[i], dt, tb->prm.n_steps + 1);
        n = stp_steps_of(tb->duration_s[i], dt, tb->prm.n_steps + 1);
        n = n > 0 ? n : 1;
        if (t < start || t - start >= n) continue;
        switch (tb->slot_kind[k]) {
        case STP_SHOCK_GAP:
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
    const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0, 0);
    /* the defensive mixture's untilted paths (mixture.h) draw the configured
     * jumps and add the same ratio; asked each step, a Philox call, rather
     * than kept in the state: only when jumps are tilted and a > 0 */
    const int untilted = p->jump_tilted && stp_mixture_untilted(p->seed, path, p->defensive);
    float jump = 0.0f, n0, n1;
    int k;

    stp_active_shocks(s, tb, path, t);
    s->regime =
        stp_regime_next(s->regime, stp_uniform(r.v[0]), p->p_calm_to_stress, p->p_stress_to_calm);
    k = stp_poisson_inverse(stp_uniform(r.v[1]),
                            (double)(untilted ? p->jump_rate0_step : p->jump_rate_step),
                            STP_MAX_JUMPS);
    if (k > 0) {
        stp_box_muller(r.v[2], r.v[3], &n0, &n1);
        if (p->jump_tilted) { /* z' = z + tilt: ratio phi(z') / phi(z' - tilt) */
            if (!untilted) n0 += p->jump_size_tilt;
            s->log_lr += 0.5 * (double)p->jump_size_tilt * (double)p->jump_size_tilt -
                         (double)p->jump_size_tilt * (double)n0;
        }
        jump = fmaf(sqrtf((float)k) * p->jump_log_sd, n0, (float)k * p->jump_log_mean);
    }
    /* Poisson(lambda e^th) for Poisson(lambda): ratio e^(lambda (e^th - 1) - th k) */
    if (p->jump_tilted) s->log_lr += p->jump_lr_step - (double)p->jump_count_tilt * k;
    s->log_ps = stp_log_price_step(s->log_ps, p->mu_step,
                                   s->regime || s->forced_stress ? p->sigma_stress_step
                                                                 : p->sigma_calm_step,
                                   stp_market_noise(p, path, t), jump, (float)s->gap);
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

/* The oracle at step t: the pool price at the end of step
 * t - 1 - round(delay / dt) (DESIGN §3.9); P0 before the first step. */
static inline STP_HD double stp_oracle_at(const stp_path_ws *w, const stp_params *p, int t,
                                          double extra_delay_s)
{
    const int d =
        stp_steps_of((double)p->oracle_delay_s + extra_delay_s, p->dt_s, p->price_ring - 2);
    const int src = t - 1 - d;
    return src < 0 ? p->price0 : w->pool_ring[src % p->price_ring];
}

static inline STP_HD void stp_features_step(stp_path_state *s, const stp_path_ws *w,
                                            const stp_params *p, int n_agents, int t)
{
    const int wn = p->window_steps + 1;
    float *f = w->feat_ring + (size_t)(t % STP_LAG_RING) * (STP_FEATURES + 1);
    double log_o, ret1, retw;

    s->oracle = stp_oracle_at(w, p, t, s->extra_delay_s) * s->oracle_factor;
    s->signal = n_agents > 0 ? (double)s->sync_sum / n_agents : 0.0;
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

/* The features agent a saw lag steps ago, x[k * xstride]; its own HF from
 * its current position at that step's oracle price (README, model section).
 * Before step 0 the ring holds the flat market of stp_path_init_history. */
static inline STP_HD void stp_agent_features(float *x, long xstride, const stp_path_ws *w,
                                             const stp_path_tables *tb, int a, int t)
{
    /* the ring index in int arithmetic: back & 63 is back mod 64, also for
     * back < 0, without two divisions */
    const int row = ((t - tb->lag_steps[a]) & (STP_LAG_RING - 1)) * (STP_FEATURES + 1);
    const float *f = w->feat_ring;
    int k;
    for (k = 0; k < STP_FEATURES; k++)
        x[k * xstride] = f[row + k];
    x[STP_F_HF * xstride] = stp_agent_hf(tb->role[a], w->c[a], w->d[a], tb->lt[a],
                                         f[row + STP_FEATURES], f[row + STP_F_HF]);
}

/* Whether agent a, whose model gave `logit`, acts at step t: out of
 * cooldown, strictly over its threshold (logits: the sigmoid is monotone)
 * and with something to do. Reads only agent a's own state, which no other
 * agent's action changes, so every agent may be screened before any acts. */
static inline STP_HD int stp_agent_candidate(const stp_path_ws *w, const stp_path_tables *tb, int a,
                                             int t, float logit)
{
    if (w->next_ok[a] > t || !(logit > tb->logit_threshold[a])) return 0;
    if (tb->role[a] == STP_ROLE_LP) return !w->lp_out[a];
    return w->c[a] > 0.0f && w->d[a] > 0.0f;
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

/* Extra steps before agent a's action executes: random_delay's uniform
 * [0, max_s] and risk_signal's staggering, uniform [0, stagger_s x the
 * published sync fraction]. One Philox block per decision, keyed by
 * (path, step, agent), so every variant that decides alike delays alike. */
static inline STP_HD int stp_action_delay(const stp_path_state *s, const stp_params *p,
                                          long long path, int a, int t)
{
    float sec = 0.0f;
    stp_u32x4 r;
    if (!p->delay_on && !p->signal_on) return 0;
    r = stp_philox(p->seed, STP_STREAM_AGENT, (uint32_t)path, (uint32_t)t, (uint32_t)a, 0);
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
        const stp_u32x4 r =
            stp_philox(p->seed, STP_STREAM_AGENT, (uint32_t)path, (uint32_t)t, (uint32_t)a, 1);
        if (k == 1 || stp_uniform(r.v[0]) * (float)k <= 1.0f) {
            s->first_mover = a;
            s->t_first_move = t;
        }
    }
    stp_window_enter(w->sync_ring, &s->sync_sum, p->sync_window_steps, w->last_act[a], t);
    if (p->breaker_on)
        stp_window_enter(w->brk_ring, &s->brk_sum, p->breaker_window_steps, w->last_act[a], t);
    w->last_act[a] = t;
    w->due[a] = t + stp_action_delay(s, p, path, a, t);
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
        w->lp_out[a] = 1;
    } else {
        w->sell_q[a] = tb->sell_fraction[a] * w->c[a];
        w->sellers[s->n_sellers++] = a;
    }
    w->next_ok[a] = t + 1 + tb->prm.cooldown_steps;
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

/* (4): the step's candidates (index order) decide, then the circuit breaker
 * and the fee look at the sync fraction, then every pending action that is
 * due and not held executes, in decision order. Without mitigations every
 * action is due the step it is decided, so this is "every candidate acts,
 * in index order". */
static inline STP_HD void stp_agents_act(stp_path_state *s, const stp_path_ws *w,
                                         const stp_path_tables *tb, long long path, int t)
{
    const stp_params *p = &tb->prm;
    int j, keep = 0, halted;
    s->n_sellers = 0;
    s->acted = 0;
    stp_window_expire(w->sync_ring, &s->sync_sum, p->sync_window_steps, t);
    if (p->breaker_on) stp_window_expire(w->brk_ring, &s->brk_sum, p->breaker_window_steps, t);
    for (j = 0; j < s->n_cand; j++)
        stp_agent_decide(s, w, tb, path, w->cand[j], t);
    s->sync_frac = tb->n_agents > 0 ? (double)s->sync_sum / tb->n_agents : 0.0;
    if (p->breaker_on && t >= s->halt_until && tb->n_agents > 0 &&
        (double)s->brk_sum / tb->n_agents > p->breaker_max_sync) {
        s->halt_until = t + p->breaker_cooldown_steps;
        s->halt_open = 1;
    }
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

/* ---------------------------------------------------------------------------
 * (5) liquidations, (6) the batch, (7) arbitrage
 * ------------------------------------------------------------------------- */

/* Cheap screen for position i at the oracle price (stp_maybe_liquidatable:
 * true whenever stp_liquidate could act). */
static inline STP_HD int stp_position_screen(const stp_path_ws *w, const stp_path_tables *tb, int i,
                                             float price)
{
    return stp_maybe_liquidatable(w->c[i], price, tb->lt[i], w->d[i]);
}

/* grace_period: while the sync fraction is above its threshold, listed
 * positions with HF in [hf_floor, 1) are taken off the step's list, each
 * for at most grace_steps consecutive steps. A streak runs while the
 * position is in the band with sync above the threshold (past its grace it
 * is liquidated on each such step) and ends on the first step it is not:
 * healthy again, below the floor, or sync back under. Keeps the list's
 * order. */
static inline STP_HD void stp_grace_filter(stp_path_state *s, const stp_path_ws *w,
                                           const stp_path_tables *tb, int t)
{
    const stp_params *p = &tb->prm;
    const float price = (float)s->oracle;
    int j, keep = 0;
    if (!p->grace_on || !(s->sync_frac > p->grace_sync)) return;
    for (j = 0; j < s->n_liq; j++) {
        const int pos = w->liq[j];
        const float hf = stp_health_factor(w->c[pos], price, tb->lt[pos], w->d[pos]);
        if (hf >= p->grace_hf_floor && hf < 1.0f) {
            if (w->grace_last[pos] != t - 1) w->grace_since[pos] = t;
            w->grace_last[pos] = t;
            if (t - w->grace_since[pos] < p->grace_steps) continue;
        }
        w->liq[keep++] = pos;
    }
    s->n_liq = keep;
}

/* tiered_liquidation: the close factor of the deepest band the HF is under
 * (bands by strictly decreasing hf_below); 0 above every band. */
static inline STP_HD float stp_band_close_factor(const stp_params *p, float hf)
{
    float cf = 0.0f;
    int b;
    for (b = 0; b < p->n_bands; b++)
        if (hf < p->band_hf[b]) cf = p->band_cf[b];
    return cf;
}

/* Each listed position's Aave v3 repayment, seizure and bad debt at the
 * oracle price, on start-of-step positions. Tiered liquidation replaces
 * the protocol's close factor by the band's and drops the full close (a
 * position runs out of collateral only when the band's seizure exceeds it). */
static inline STP_HD void stp_plan_liquidations(const stp_path_state *s, const stp_path_ws *w,
                                                const stp_path_tables *tb)
{
    const stp_params *p = &tb->prm;
    const float price = (float)s->oracle;
    int j;
    for (j = 0; j < s->n_liq; j++) {
        const int pos = w->liq[j], k = tb->prot[pos];
        const float cf =
            p->tiered_on
                ? stp_band_close_factor(p, stp_health_factor(w->c[pos], price, p->lt[k], w->d[pos]))
                : p->close_factor[k];
        const stp_liquidation l = stp_liquidate(w->c[pos], w->d[pos], price, p->lt[k], p->lb[k], cf,
                                                p->tiered_on ? 0.0f : p->full_close_hf[k]);
        w->seize[pos] = l.seize;
        w->repay[pos] = l.repay_usd;
        w->bad[pos] = l.bad_debt_usd;
    }
}

/* The liquidators' budget over the protocols they do not skip: repayments
 * scale pro rata when they exceed it (DESIGN §3.9); so do seizures past
 * tiered liquidation's per-step cap, a fraction of the pool's collateral
 * reserve. */
static inline STP_HD double stp_budget_scale(const stp_path_state *s, const stp_path_ws *w,
                                             const stp_path_tables *tb, const int *skip)
{
    const stp_params *p = &tb->prm;
    double total = 0.0, seized = 0.0, scale;
    int j;
    for (j = 0; j < s->n_liq; j++)
        if (!skip[tb->prot[w->liq[j]]]) {
            total += w->repay[w->liq[j]];
            seized += w->seize[w->liq[j]];
        }
    scale = total > p->liq_budget_step ? p->liq_budget_step / total : 1.0;
    if (p->tiered_on && seized * scale > p->cap_frac * s->x) scale = p->cap_frac * s->x / seized;
    return scale;
}

/* Collateral the liquidators take from position pos this step. */
static inline STP_HD float stp_taken(const stp_path_ws *w, const stp_path_tables *tb, int pos,
                                     double scale, const int *skip)
{
    return w->seize[pos] > 0.0f && !skip[tb->prot[pos]] ? (float)(scale * w->seize[pos]) : 0.0f;
}

/* Agent a's sale: its queued sell, but never more than the liquidator
 * leaves it. */
static inline STP_HD float stp_agent_sale(const stp_path_ws *w, const stp_path_tables *tb, int a,
                                          double scale, const int *skip)
{
    const float left = w->c[a] - stp_taken(w, tb, a, scale, skip);
    return fminf(w->sell_q[a], fmaxf(left, 0.0f));
}

/* The step's sells, sellers then liquidated positions, each in index order
 * (fixed, so the batch does not depend on scheduling); *q_liq gets the
 * liquidation seizures' part. */
static inline STP_HD double stp_batch_qty(const stp_path_state *s, const stp_path_ws *w,
                                          const stp_path_tables *tb, double scale, const int *skip,
                                          double *q_liq)
{
    double q = 0.0;
    int j;
    *q_liq = 0.0;
    for (j = 0; j < s->n_sellers; j++)
        q += stp_agent_sale(w, tb, w->sellers[j], scale, skip);
    for (j = 0; j < s->n_liq; j++) {
        const float take = stp_taken(w, tb, w->liq[j], scale, skip);
        q += take;
        *q_liq += take;
    }
    return q;
}

/* The fee liquidation seizures pay: progressive_fee's exemption leaves them
 * at the base fee (a lending protocol would not tax its liquidators at the
 * moment it needs them most); otherwise the step's fee, like everyone. */
static inline STP_HD double stp_liquidation_fee(const stp_path_state *s, const stp_params *p)
{
    return p->fee_on && p->fee_exempt_liq ? p->fee_base : s->fee;
}

/* One Uniswap v2 batch of q units in which the liquidation part q_liq pays
 * fee_liq and the rest fee (the fees stay in the pool; only the effective
 * input q_eff moves the curve, as in stp_amm_sell). Executes it when
 * `execute`, and returns the USD paid per unit before fee, out / q_eff:
 * a seller paying fee f gets (1 - f) of it. */
static inline STP_HD double stp_batch_swap(double *pool_x, double *pool_y_usd, double q,
                                           double q_liq, double fee, double fee_liq, int execute)
{
    const double q_eff = (q - q_liq) * (1.0 - fee) + q_liq * (1.0 - fee_liq);
    double x = *pool_x, y = *pool_y_usd; /* a quote moves copies */
    if (!(q_eff > 0.0)) return 0.0;
    return stp_amm_swap_eff(execute ? pool_x : &x, execute ? pool_y_usd : &y, q, q_eff) / q_eff;
}

static inline STP_HD void stp_settle_agents(stp_path_state *s, const stp_path_ws *w,
                                            const stp_path_tables *tb, double scale,
                                            const int *skip, double avg_price)
{
    int j;
    for (j = 0; j < s->n_sellers; j++) {
        const int a = w->sellers[j];
        const float sale = stp_agent_sale(w, tb, a, scale, skip);
        w->sell_q[a] = 0.0f;
        if (sale > 0.0f) {
            const double proceeds = (double)sale * avg_price;
            w->d[a] -= (float)fmin(proceeds, (double)w->d[a]);
            w->c[a] -= sale;
            s->defensive_usd += proceeds;
        }
    }
}

static inline STP_HD void stp_settle_liquidations(stp_path_state *s, const stp_path_ws *w,
                                                  const stp_path_tables *tb, double scale,
                                                  const int *skip)
{
    double step_liq = 0.0;
    int j;
    for (j = 0; j < s->n_liq; j++) {
        const int pos = w->liq[j];
        const float take = stp_taken(w, tb, pos, scale, skip);
        w->seize[pos] = 0.0f; /* keep seize[] zero off the list */
        if (take <= 0.0f) continue;
        if (scale >= 1.0 && w->bad[pos] > 0.0f) { /* collateral ran out: write the rest off */
            s->bad_realized += w->bad[pos];
            w->c[pos] = 0.0f;
            w->d[pos] = 0.0f;
        } else {
            w->c[pos] = fmaxf(w->c[pos] - take, 0.0f);
            w->d[pos] = fmaxf(w->d[pos] - (float)(scale * w->repay[pos]), 0.0f);
        }
        step_liq += (double)take * s->oracle;
        s->liquidations += 1.0;
    }
    s->liq_usd += step_liq;
    s->last_liq_usd = step_liq;
}

/* (5) and (6) over the step's lists (w->liq from stp_position_screen,
 * w->sellers from stp_agents_act): the liquidators look at the batch they
 * would join, skip the protocols where the pool would pay less than they
 * repay, re-split their budget over the rest, and the one batch executes.
 * With one fee for all (no exemption in force) the batch is stp_amm_sell's;
 * with liquidations exempt from the progressive fee, stp_batch_swap's. */
static inline STP_HD void stp_liquidation_and_batch(stp_path_state *s, const stp_path_ws *w,
                                                    const stp_path_tables *tb, int t)
{
    const stp_params *p = &tb->prm;
    const double fee_liq = stp_liquidation_fee(s, p);
    const int one_fee = fee_liq == s->fee;
    int skip[STP_MAX_PROTOCOLS];
    double scale, q, q_liq, avg, avg_liq, out;
    int k, any = 0;
    for (k = 0; k < STP_MAX_PROTOCOLS; k++)
        skip[k] = 0;
    stp_grace_filter(s, w, tb, t);
    stp_plan_liquidations(s, w, tb);
    scale = stp_budget_scale(s, w, tb, skip);
    q = stp_batch_qty(s, w, tb, scale, skip, &q_liq);
    if (q > 0.0 && s->n_liq > 0) {
        avg_liq =
            one_fee ? stp_amm_sell_usd(s->x, s->y, q, s->fee) / q
                    : stp_batch_swap(&s->x, &s->y, q, q_liq, s->fee, fee_liq, 0) * (1.0 - fee_liq);
        for (k = 0; k < p->n_protocols; k++) {
            skip[k] = !stp_liquidation_profitable(avg_liq, p->lb[k], (float)s->oracle);
            any |= skip[k];
        }
        if (any) {
            scale = stp_budget_scale(s, w, tb, skip);
            q = stp_batch_qty(s, w, tb, scale, skip, &q_liq);
        }
    }
    if (one_fee) {
        out = stp_amm_sell(&s->x, &s->y, q, s->fee);
        avg = q > 0.0 ? out / q : s->y / s->x;
    } else {
        avg = q > 0.0 ? stp_batch_swap(&s->x, &s->y, q, q_liq, s->fee, fee_liq, 1) * (1.0 - s->fee)
                      : s->y / s->x;
    }
    stp_settle_agents(s, w, tb, scale, skip, avg);
    stp_settle_liquidations(s, w, tb, scale, skip);
}

/* ---------------------------------------------------------------------------
 * (7) arbitrage and (8) bookkeeping
 * ------------------------------------------------------------------------- */

static inline STP_HD void stp_path_bookkeeping(stp_path_state *s, const stp_path_ws *w,
                                               const stp_path_tables *tb, stp_sample_row row, int t)
{
    const stp_params *p = &tb->prm;
    double price;
    stp_arbitrage(&s->x, &s->y, s->log_ps, p->arb_frac);
    price = s->y / s->x;
    w->pool_ring[t % p->price_ring] = price;
    s->max_pool = fmax(s->max_pool, price);
    s->max_dd = fmax(s->max_dd, 1.0 - price / s->max_pool);
    if (price < s->min_pool) {
        s->min_pool = price;
        s->t_trough = t + 1;
    }
    if (tb->n_agents > 0) s->peak_sync = fmax(s->peak_sync, (double)s->sync_sum / tb->n_agents);
    s->act_sum += s->acted;
    s->act_sq += (double)s->acted * s->acted;
    if (row.price) {
        row.price[t] = (float)price;
        row.pool_depth[t] = (float)s->y;
        row.sync[t] = tb->n_agents > 0 ? (float)s->sync_sum / (float)tb->n_agents : 0.0f;
        row.liquidations[t] = (float)s->last_liq_usd;
    }
}

/* The path's outcome record (DESIGN §3.7), o[stp_outcome]. */
static inline STP_HD void stp_path_outcomes(const stp_path_state *s, const stp_path_ws *w,
                                            const stp_path_tables *tb, double *o)
{
    const stp_params *p = &tb->prm;
    /* positions still open at the horizon, valued at the horizon's oracle */
    const double oracle = stp_oracle_at(w, p, p->n_steps, 0.0);
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

#endif
