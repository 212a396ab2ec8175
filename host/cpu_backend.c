/* cpu_backend.c: the OpenMP backend. One thread simulates one path at a
 * time through the step order of DESIGN §3.9, calling step.h for every
 * formula; this file only keeps state, indices and the order of sums.
 * Paths are independent and every draw is keyed by (path, step, ...), so
 * the results are bit-identical for any thread count and batch split. */
#include "stampede/engine.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/rng.h"
#include "stampede/scenario.h"
#include "stampede/step.h"

#define STUDENT_T_TRIES 16   /* blocks of two polar pairs; all rejected: p ~ 1e-21 */
#define LP_FLOOR_FRAC   0.01 /* an LP exit never drains the pool below 1% */
#define STP_MAX_JUMPS   64   /* per step: a safety cap, never reached at sane rates */

/* Per-thread scratch, sized by the population, reused across paths. */
typedef struct workspace {
    float *c, *d;         /* [agent] then [passive]: collateral units, debt USD */
    float *seize, *repay; /* [position]: this step's planned liquidation */
    float *bad;           /* [position] */
    float *lt;            /* [position]: its protocol's liquidation threshold */
    int *prot;            /* [position]: its protocol, -1 for LPs */
    int *liq;             /* [n_liq]: positions liquidated this step, in index order */
    int n_liq;
    int n_sellers;         /* agents with a queued sell this step */
    float *sell_q;         /* [agent]: queued defensive sell, units */
    float *logit;          /* [agent] */
    int *next_ok;          /* [agent]: first step out of cooldown */
    unsigned char *acted;  /* [agent] */
    unsigned char *lp_out; /* [agent] */
    double *pool_ring;     /* [price_ring]: pool price at the end of each step */
    double *oracle_ring;   /* [window_steps + 1]: log oracle price per step */
    float *feat_ring;      /* [STP_LAG_RING][STP_FEATURES + 1]: features, then oracle */
    int *sync_ring;        /* [sync_window_steps]: agents whose latest action was at that step */
    int *last_act;         /* [agent]: step of its latest action */
} workspace;

/* Path state that is not per agent. */
typedef struct path_state {
    double log_ps;    /* fundamental log price */
    int regime;       /* 0 calm, 1 stress */
    double x, y;      /* pool reserves: collateral units, USD */
    double l0, l_out; /* initial liquidity sqrt(xy), liquidity withdrawn */
    double ewma_var, max_oracle, oracle, last_liq_usd;
    double max_pool, min_pool, max_dd;
    int t_trough, sync_sum;
    double act_sum, act_sq, peak_sync;
    double liq_usd, liquidations, bad_realized, defensive_usd;
    /* this step's active shocks */
    double gap, liq_factor, extra_delay_s;
    int forced_stress;
} path_state;

static void workspace_free(workspace *w)
{
    free(w->c);
    free(w->d);
    free(w->seize);
    free(w->repay);
    free(w->bad);
    free(w->lt);
    free(w->prot);
    free(w->liq);
    free(w->sell_q);
    free(w->logit);
    free(w->next_ok);
    free(w->acted);
    free(w->lp_out);
    free(w->pool_ring);
    free(w->oracle_ring);
    free(w->feat_ring);
    free(w->sync_ring);
    free(w->last_act);
}

static stp_status workspace_alloc(workspace *w, const stp_sim_ctx *ctx, stp_error *err)
{
    const size_t na = (size_t)ctx->pop->n_agents, np = na + (size_t)ctx->pop->n_passive;
    size_t i;
    if (STP_ALLOC(err, w->c, np) || STP_ALLOC(err, w->d, np) || STP_ALLOC(err, w->seize, np) ||
        STP_ALLOC(err, w->repay, np) || STP_ALLOC(err, w->bad, np) || STP_ALLOC(err, w->lt, np) ||
        STP_ALLOC(err, w->prot, np) || STP_ALLOC(err, w->liq, np) ||
        STP_ALLOC(err, w->sell_q, na) || STP_ALLOC(err, w->logit, na) ||
        STP_ALLOC(err, w->next_ok, na) || STP_ALLOC(err, w->acted, na) ||
        STP_ALLOC(err, w->lp_out, na) || STP_ALLOC(err, w->pool_ring, ctx->prm.price_ring) ||
        STP_ALLOC(err, w->oracle_ring, ctx->prm.window_steps + 1) ||
        STP_ALLOC(err, w->feat_ring, STP_LAG_RING * (STP_FEATURES + 1)) ||
        STP_ALLOC(err, w->sync_ring, ctx->prm.sync_window_steps) || STP_ALLOC(err, w->last_act, na))
        return err->status;
    for (i = 0; i < np; i++) {
        const int k = i < na ? ctx->pop->protocol[i] : ctx->pop->p_protocol[i - na];
        w->prot[i] = k;
        w->lt[i] = k >= 0 ? ctx->prm.lt[k] : 0.0f;
    }
    return STP_OK;
}

static void path_init(path_state *s, workspace *w, const stp_sim_ctx *ctx)
{
    const stp_params *p = &ctx->prm;
    const stp_population *pop = ctx->pop;
    const int na = pop->n_agents, np = na + pop->n_passive;
    int i;
    memset(s, 0, sizeof *s);
    s->log_ps = p->log_price0;
    s->x = p->pool_x0;
    s->y = p->pool_y0;
    s->l0 = sqrt(s->x * s->y);
    s->ewma_var = (double)p->sigma_calm_step * p->sigma_calm_step;
    s->max_oracle = s->oracle = s->max_pool = s->min_pool = p->price0;
    for (i = 0; i < na; i++) {
        w->c[i] = pop->collateral[i];
        w->d[i] = pop->debt_usd[i];
        w->next_ok[i] = 0;
        w->acted[i] = w->lp_out[i] = 0;
        w->last_act[i] = -p->sync_window_steps - 1; /* never in the window */
    }
    for (i = na; i < np; i++) {
        w->c[i] = pop->p_collateral[i - na];
        w->d[i] = pop->p_debt_usd[i - na];
    }
    memset(w->seize, 0, sizeof(float) * (size_t)np);
    for (i = 0; i < p->price_ring; i++)
        w->pool_ring[i] = p->price0;
    for (i = 0; i <= p->window_steps; i++)
        w->oracle_ring[i] = p->log_price0;
    memset(w->sync_ring, 0, sizeof(int) * (size_t)p->sync_window_steps);
}

/* ---------------------------------------------------------------------------
 * (1) regime and fundamental price; (2) shocks and refill
 * ------------------------------------------------------------------------- */

static float market_noise(const stp_params *p, long long path, int t)
{
    int k;
    if (!p->student_t) {
        const stp_u32x4 r =
            stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0, 1);
        float n0, n1;
        stp_box_muller(r.v[0], r.v[1], &n0, &n1);
        return n0;
    }
    for (k = 0; k < STUDENT_T_TRIES; k++) {
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
static void active_shocks(path_state *s, const stp_sim_ctx *ctx, long long path, int t,
                          float *exploit_log)
{
    const stp_scenario_table *sc = ctx->scen;
    const double dt = ctx->prm.dt_s;
    int k;
    s->gap = 0.0;
    s->liq_factor = 1.0;
    s->extra_delay_s = 0.0;
    s->forced_stress = 0;
    for (k = 0; k < ctx->cfg->n_protocols; k++)
        exploit_log[k] = 0.0f;
    for (k = 0; k < sc->n_slots; k++) {
        const size_t i = (size_t)(path - sc->base) * (size_t)sc->n_slots + (size_t)k;
        int start, n;
        if (!sc->active[i]) continue;
        start = stp_steps_of(sc->time_s[i], dt, ctx->prm.n_steps + 1);
        n = stp_steps_of(sc->duration_s[i], dt, ctx->prm.n_steps + 1);
        n = n > 0 ? n : 1;
        if (t < start || t - start >= n) continue;
        switch ((stp_shock_kind)sc->slot_kind[k]) {
        case STP_SHOCK_GAP:
            s->gap += sc->size[i] / n;
            break;
        case STP_SHOCK_EXPLOIT: /* a haircut whatever the sign written: -|size| */
            exploit_log[ctx->cfg->scenario.shocks[sc->slot_spec[k]].protocol] -=
                fabsf(sc->size[i]) / (float)n;
            break;
        case STP_SHOCK_LIQUIDITY_WITHDRAWAL:
            s->liq_factor *= stp_withdrawal_step_factor(sc->size[i], n);
            break;
        case STP_SHOCK_ORACLE_DELAY:
            s->extra_delay_s += fabs(sc->size[i]);
            break;
        default:
            s->forced_stress = 1;
        }
    }
}

static void market_step(path_state *s, workspace *w, const stp_sim_ctx *ctx, long long path, int t)
{
    const stp_params *p = &ctx->prm;
    const stp_population *pop = ctx->pop;
    const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_MARKET, (uint32_t)path, (uint32_t)t, 0, 0);
    float exploit_log[STP_MAX_PROTOCOLS];
    float jump = 0.0f, n0, n1;
    int k, i;

    active_shocks(s, ctx, path, t, exploit_log);
    s->regime =
        stp_regime_next(s->regime, stp_uniform(r.v[0]), p->p_calm_to_stress, p->p_stress_to_calm);
    k = stp_poisson_inverse(stp_uniform(r.v[1]), (double)p->jump_rate_step, STP_MAX_JUMPS);
    if (k > 0) {
        stp_box_muller(r.v[2], r.v[3], &n0, &n1);
        jump = fmaf(sqrtf((float)k) * p->jump_log_sd, n0, (float)k * p->jump_log_mean);
    }
    s->log_ps = stp_log_price_step(s->log_ps, p->mu_step,
                                   s->regime || s->forced_stress ? p->sigma_stress_step
                                                                 : p->sigma_calm_step,
                                   market_noise(p, path, t), jump, (float)s->gap);
    /* (2) exploit haircuts on the named protocol's collateral */
    for (k = 0; k < p->n_protocols; k++) {
        const float f = exploit_log[k] != 0.0f ? expf(exploit_log[k]) : 1.0f;
        if (f == 1.0f) continue;
        for (i = 0; i < pop->n_agents; i++)
            if (pop->protocol[i] == k) w->c[i] *= f;
        for (i = 0; i < pop->n_passive; i++)
            if (pop->p_protocol[i] == k) w->c[pop->n_agents + i] *= f;
    }
    if (s->liq_factor < 1.0) {
        s->l_out += sqrt(s->x * s->y) * (1.0 - s->liq_factor);
        stp_pool_scale(&s->x, &s->y, s->liq_factor);
    }
    if (s->l_out > 0.0) { /* withdrawn liquidity returns at the current price */
        const double back = s->l_out * p->refill_frac, l = sqrt(s->x * s->y);
        stp_pool_scale(&s->x, &s->y, (l + back) / l);
        s->l_out -= back;
    }
}

/* ---------------------------------------------------------------------------
 * (3) oracle and market features
 * ------------------------------------------------------------------------- */

/* The oracle at step t: the pool price at the end of step
 * t - 1 - round(delay / dt) (DESIGN §3.9); P0 before the first step. */
static double oracle_at(const workspace *w, const stp_params *p, int t, double extra_delay_s)
{
    const int d =
        stp_steps_of((double)p->oracle_delay_s + extra_delay_s, p->dt_s, p->price_ring - 2);
    const int src = t - 1 - d;
    return src < 0 ? p->price0 : w->pool_ring[src % p->price_ring];
}

static void features_step(path_state *s, workspace *w, const stp_params *p, int t)
{
    const int wn = p->window_steps + 1;
    float *f = w->feat_ring + (size_t)(t % STP_LAG_RING) * (STP_FEATURES + 1);
    double log_o, ret1, retw;

    s->oracle = oracle_at(w, p, t, s->extra_delay_s);
    log_o = log(s->oracle);
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
    f[STP_F_SIG] = 0.0f;
    f[STP_F_BIAS] = 1.0f;
    f[STP_FEATURES] = (float)s->oracle;
}

/* Before step 0 the agents remember a flat market at P0. */
static void features_prefill(workspace *w, const stp_params *p)
{
    int k;
    for (k = 0; k < STP_LAG_RING; k++) {
        float *f = w->feat_ring + (size_t)k * (STP_FEATURES + 1);
        memset(f, 0, sizeof(float) * (STP_FEATURES + 1));
        f[STP_F_VOL] = 1.0f;
        f[STP_F_HF] = STP_FEATURE_HF_CAP;
        f[STP_F_BIAS] = 1.0f;
        f[STP_FEATURES] = (float)p->price0;
    }
}

/* ---------------------------------------------------------------------------
 * (4) agent decisions
 * ------------------------------------------------------------------------- */

#define TILE 256 /* agents evaluated together: SIMD lanes run over agents */

/* Gathers the features agent a saw `lag` steps ago into column j of xt
 * ([feature][TILE]); its own HF from its current position at that step's
 * oracle price (README, model section). */
static void gather_features(float (*xt)[TILE], int j, const workspace *w, const stp_sim_ctx *ctx,
                            int a, int t)
{
    const stp_population *pop = ctx->pop;
    /* before step 0 the ring holds the flat market of features_prefill */
    const int back = t - pop->lag_steps[a];
    const float *f = w->feat_ring + (size_t)((back % STP_LAG_RING + STP_LAG_RING) % STP_LAG_RING) *
                                        (STP_FEATURES + 1);
    int k;
    for (k = 0; k < STP_FEATURES; k++)
        xt[k][j] = f[k];
    if (pop->role[a] == STP_ROLE_BORROWER) {
        const float hf =
            stp_health_factor(w->c[a], f[STP_FEATURES], ctx->prm.lt[pop->protocol[a]], w->d[a]);
        xt[STP_F_HF][j] = hf < STP_FEATURE_HF_CAP ? hf : STP_FEATURE_HF_CAP;
    }
}

/* MLP logits of agents [a0, a0 + n), n <= TILE: the loop over agents is
 * innermost so it vectorises; each agent's sums run in stp_mlp_logit's
 * order, so the result is bit-identical to it. */
static void mlp_tile(float *logit, float (*xt)[TILE], const float *params, long stride, int hidden,
                     int a0, int n)
{
    float out[TILE];
    int h, j;
    for (j = 0; j < n; j++)
        out[j] = stp_mlp_b2(params + a0 + j, stride, hidden);
    for (h = 0; h < hidden; h++) {
#pragma omp simd
        for (j = 0; j < n; j++)
            out[j] =
                stp_mlp_accumulate(params + a0 + j, stride, hidden, h, &xt[0][j], TILE, out[j]);
    }
    for (j = 0; j < n; j++)
        logit[a0 + j] = out[j];
}

static void family_logits(workspace *w, const stp_sim_ctx *ctx, int fam, int t)
{
    const stp_population *pop = ctx->pop;
    const stp_model *m = &pop->models[fam];
    const long stride = pop->n_agents;
    float xt[STP_FEATURES][TILE];
    int a0, j;
    for (a0 = pop->family_start[fam]; a0 < pop->family_start[fam + 1]; a0 += TILE) {
        const int left = pop->family_start[fam + 1] - a0, n = left < TILE ? left : TILE;
        for (j = 0; j < n; j++)
            gather_features(xt, j, w, ctx, a0 + j, t);
        if (m->kind == STP_FAMILY_MLP) {
            mlp_tile(w->logit, xt, pop->params, stride, m->hidden, a0, n);
            continue;
        }
        for (j = 0; j < n; j++) {
            float x[STP_FEATURES];
            int k;
            for (k = 0; k < STP_FEATURES; k++)
                x[k] = xt[k][j];
            w->logit[a0 + j] = stp_model_logit(m->kind, m->hidden, pop->params + a0 + j, stride, x);
        }
    }
}

/* The sync window counts distinct agents (DESIGN §3.7: the fraction of AI
 * agents that acted within the window), also when one acts twice in it:
 * sync_ring[s] holds the agents whose latest action was at a step = s
 * modulo the window, and they leave the window together. */
static void sync_expire(path_state *s, workspace *w, int ws, int t)
{
    s->sync_sum -= w->sync_ring[t % ws];
    w->sync_ring[t % ws] = 0;
}

static void sync_enter(path_state *s, workspace *w, int ws, int a, int t)
{
    if (w->last_act[a] > t - ws)
        w->sync_ring[w->last_act[a] % ws]--; /* already counted: move it */
    else
        s->sync_sum++;
    w->sync_ring[t % ws]++;
    w->last_act[a] = t;
}

/* Returns the number of agents that acted at step t. LP exits take effect
 * at once; borrower sells are queued for the step's batch. */
static int agents_step(path_state *s, workspace *w, const stp_sim_ctx *ctx, int t)
{
    const stp_population *pop = ctx->pop;
    int a, f, acted = 0;
    w->n_sellers = 0;
    sync_expire(s, w, ctx->prm.sync_window_steps, t);
    for (f = 0; f < pop->n_families; f++)
        family_logits(w, ctx, f, t);
    for (a = 0; a < pop->n_agents; a++) {
        const int lp = pop->role[a] == STP_ROLE_LP;
        w->sell_q[a] = 0.0f;
        if (w->next_ok[a] > t || !(w->logit[a] > pop->logit_threshold[a])) continue;
        if (lp ? w->lp_out[a] : !(w->c[a] > 0.0f && w->d[a] > 0.0f)) continue;
        if (lp) {
            const double l = sqrt(s->x * s->y);
            const double out = fmin((double)pop->lp_share[a] * s->l0, l * (1.0 - LP_FLOOR_FRAC));
            stp_pool_scale(&s->x, &s->y, (l - out) / l);
            s->l_out += out;
            w->lp_out[a] = 1;
        } else {
            w->sell_q[a] = pop->sell_fraction[a] * w->c[a];
            w->n_sellers++;
        }
        w->next_ok[a] = t + 1 + ctx->prm.cooldown_steps;
        w->acted[a] = 1;
        sync_enter(s, w, ctx->prm.sync_window_steps, a, t);
        acted++;
    }
    return acted;
}

/* ---------------------------------------------------------------------------
 * (5) liquidations, (6) the batch, (7) arbitrage
 * ------------------------------------------------------------------------- */

/* Lists the positions the liquidators can act on at the oracle price, on
 * start-of-step positions in index order, with each one's Aave v3
 * repayment, seizure and bad debt. seize[] is zero for every position not
 * on this step's list (settle clears it again). */
static void plan_liquidations(workspace *w, const stp_sim_ctx *ctx, double oracle)
{
    const stp_params *p = &ctx->prm;
    const int np = ctx->pop->n_agents + ctx->pop->n_passive;
    const float price = (float)oracle;
    int i, j, any = 0;
    w->n_liq = 0;
    /* Cheap screen, branch-free so it vectorises: most steps liquidate
     * nobody. stp_liquidate decides for the positions it lets through. */
#pragma omp simd reduction(| : any)
    for (i = 0; i < np; i++)
        any |= stp_maybe_liquidatable(w->c[i], price, w->lt[i], w->d[i]);
    for (i = 0; any && i < np; i++)
        if (stp_maybe_liquidatable(w->c[i], price, w->lt[i], w->d[i])) w->liq[w->n_liq++] = i;
    for (j = 0; j < w->n_liq; j++) {
        const int k = w->prot[w->liq[j]], pos = w->liq[j];
        const stp_liquidation l = stp_liquidate(w->c[pos], w->d[pos], price, p->lt[k], p->lb[k],
                                                p->close_factor[k], p->full_close_hf[k]);
        w->seize[pos] = l.seize;
        w->repay[pos] = l.repay_usd;
        w->bad[pos] = l.bad_debt_usd;
    }
}

/* The liquidators' budget over the protocols they do not skip: repayments
 * scale pro rata when they exceed it (DESIGN §3.9). */
static double budget_scale(const workspace *w, const stp_params *p, const int *skip)
{
    double total = 0.0;
    int j;
    for (j = 0; j < w->n_liq; j++)
        if (!skip[w->prot[w->liq[j]]]) total += w->repay[w->liq[j]];
    return total > p->liq_budget_step ? p->liq_budget_step / total : 1.0;
}

/* Collateral the liquidators take from position pos this step. */
static float taken(const workspace *w, int pos, double scale, const int *skip)
{
    return w->seize[pos] > 0.0f && !skip[w->prot[pos]] ? (float)(scale * w->seize[pos]) : 0.0f;
}

/* Agent a's sale: its queued sell, but never more than the liquidator
 * leaves it. */
static float agent_sale(const workspace *w, int a, double scale, const int *skip)
{
    const float left = w->c[a] - taken(w, a, scale, skip);
    return fminf(w->sell_q[a], fmaxf(left, 0.0f));
}

/* Sums the step's sells in agent then position order (fixed, so the batch
 * does not depend on scheduling). */
static double batch_qty(const workspace *w, const stp_sim_ctx *ctx, double scale, const int *skip)
{
    double q = 0.0;
    int i, j;
    for (i = 0; w->n_sellers > 0 && i < ctx->pop->n_agents; i++)
        q += agent_sale(w, i, scale, skip);
    for (j = 0; j < w->n_liq; j++)
        q += taken(w, w->liq[j], scale, skip);
    return q;
}

static void settle_agents(path_state *s, workspace *w, const stp_sim_ctx *ctx, double scale,
                          const int *skip, double avg_price)
{
    int i;
    for (i = 0; w->n_sellers > 0 && i < ctx->pop->n_agents; i++) {
        const float sale = agent_sale(w, i, scale, skip);
        if (sale > 0.0f) {
            const double proceeds = (double)sale * avg_price;
            w->d[i] -= (float)fmin(proceeds, (double)w->d[i]);
            w->c[i] -= sale;
            s->defensive_usd += proceeds;
        }
    }
}

static void settle_liquidations(path_state *s, workspace *w, double scale, const int *skip)
{
    double step_liq = 0.0;
    int j;
    for (j = 0; j < w->n_liq; j++) {
        const int pos = w->liq[j];
        const float take = taken(w, pos, scale, skip);
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

/* (5) and (6): the liquidators look at the batch they would join, skip the
 * protocols where the pool would pay less than they repay, re-split their
 * budget over the rest, and the one batch executes. */
static void liquidation_and_batch(path_state *s, workspace *w, const stp_sim_ctx *ctx)
{
    const stp_params *p = &ctx->prm;
    int skip[STP_MAX_PROTOCOLS] = {0};
    double scale, q, avg, out;
    int k, any = 0;
    plan_liquidations(w, ctx, s->oracle);
    scale = budget_scale(w, p, skip);
    q = batch_qty(w, ctx, scale, skip);
    if (q > 0.0 && w->n_liq > 0) {
        avg = stp_amm_sell_usd(s->x, s->y, q, p->fee) / q;
        for (k = 0; k < p->n_protocols; k++) {
            skip[k] = !stp_liquidation_profitable(avg, p->lb[k], (float)s->oracle);
            any |= skip[k];
        }
        if (any) {
            scale = budget_scale(w, p, skip);
            q = batch_qty(w, ctx, scale, skip);
        }
    }
    out = stp_amm_sell(&s->x, &s->y, q, p->fee);
    avg = q > 0.0 ? out / q : s->y / s->x;
    settle_agents(s, w, ctx, scale, skip, avg);
    settle_liquidations(s, w, scale, skip);
}

/* ---------------------------------------------------------------------------
 * (8) bookkeeping and outcomes
 * ------------------------------------------------------------------------- */

static void bookkeeping(path_state *s, workspace *w, const stp_sim_ctx *ctx, long long path, int t,
                        int acted)
{
    const stp_params *p = &ctx->prm;
    const double price = s->y / s->x;
    const int n_ai = ctx->pop->n_agents;
    w->pool_ring[t % p->price_ring] = price;
    s->max_pool = fmax(s->max_pool, price);
    s->max_dd = fmax(s->max_dd, 1.0 - price / s->max_pool);
    if (price < s->min_pool) {
        s->min_pool = price;
        s->t_trough = t + 1;
    }
    if (n_ai > 0) s->peak_sync = fmax(s->peak_sync, (double)s->sync_sum / n_ai);
    s->act_sum += acted;
    s->act_sq += (double)acted * acted;
    if (ctx->samples && path < ctx->samples->k) {
        const size_t i = (size_t)path * p->n_steps + t;
        ctx->samples->price[i] = (float)price;
        ctx->samples->pool_depth[i] = (float)s->y;
        ctx->samples->sync[i] = n_ai > 0 ? (float)s->sync_sum / n_ai : 0.0f;
        ctx->samples->liquidations[i] = (float)s->last_liq_usd;
    }
}

static void write_outcomes(const path_state *s, const workspace *w, const stp_sim_ctx *ctx,
                           long long path)
{
    const stp_params *p = &ctx->prm;
    const stp_population *pop = ctx->pop;
    const int np = pop->n_agents + pop->n_passive;
    /* positions still open at the horizon, valued at the horizon's oracle */
    const double oracle = oracle_at(w, p, p->n_steps, 0.0);
    double shortfall = 0.0, acted = 0.0;
    double *const *v = ctx->out->v;
    const long long r = path - ctx->out->base; /* this batch's row */
    int i;
    for (i = 0; i < np; i++)
        if (w->prot[i] >= 0) shortfall += fmax(0.0, (double)w->d[i] - (double)w->c[i] * oracle);
    for (i = 0; i < pop->n_agents; i++)
        acted += w->acted[i];
    v[STP_OUT_MAX_DRAWDOWN][r] = s->max_dd;
    v[STP_OUT_MIN_PRICE_RATIO][r] = s->min_pool / p->price0;
    v[STP_OUT_FINAL_PRICE_RATIO][r] = (s->y / s->x) / p->price0;
    v[STP_OUT_LIQUIDATED_USD][r] = s->liq_usd;
    v[STP_OUT_LIQUIDATIONS][r] = s->liquidations;
    v[STP_OUT_BAD_DEBT_USD][r] = s->bad_realized + shortfall;
    v[STP_OUT_BAD_DEBT_REALIZED_USD][r] = s->bad_realized;
    v[STP_OUT_DEFENSIVE_SELL_USD][r] = s->defensive_usd;
    v[STP_OUT_AGENTS_ACTED][r] = acted;
    v[STP_OUT_PEAK_SYNC][r] = s->peak_sync;
    v[STP_OUT_HERDING_INDEX][r] =
        stp_herding_index(s->act_sum, s->act_sq, p->n_steps, pop->n_agents);
    v[STP_OUT_T_TROUGH_S][r] = s->t_trough * (double)p->dt_s;
    v[STP_OUT_CASCADE][r] =
        s->max_dd >= p->cascade_drawdown && s->liq_usd >= p->cascade_liquidation_usd;
    v[STP_OUT_WEIGHT][r] = 1.0;
}

static void simulate_path(workspace *w, const stp_sim_ctx *ctx, long long path)
{
    path_state s;
    int t;
    path_init(&s, w, ctx);
    features_prefill(w, &ctx->prm);
    for (t = 0; t < ctx->prm.n_steps; t++) {
        int acted;
        market_step(&s, w, ctx, path, t);
        features_step(&s, w, &ctx->prm, t);
        acted = agents_step(&s, w, ctx, t);
        liquidation_and_batch(&s, w, ctx);
        stp_arbitrage(&s.x, &s.y, s.log_ps, ctx->prm.arb_frac);
        bookkeeping(&s, w, ctx, path, t, acted);
    }
    write_outcomes(&s, w, ctx, path);
}

stp_status stp_cpu_run_batch(const stp_sim_ctx *ctx, long long path0, long long n, int threads,
                             stp_error *err)
{
    stp_status status = STP_OK;
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
    {
        workspace w;
        stp_error local = {STP_OK, ""};
        long long i;
        memset(&w, 0, sizeof w);
        if (workspace_alloc(&w, ctx, &local) != STP_OK) {
#pragma omp critical(stp_cpu_err)
            if (status == STP_OK) {
                status = local.status;
                *err = local;
            }
        }
#pragma omp barrier
        if (status == STP_OK) {
#pragma omp for schedule(dynamic, 1)
            for (i = 0; i < n; i++)
                simulate_path(&w, ctx, path0 + i);
        }
        workspace_free(&w);
    }
    return status;
}
