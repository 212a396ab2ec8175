/* population.c: draws the agents and passive positions of a run once from
 * the seed (DESIGN §3.4, §3.9). Every draw is Philox of
 * (seed, STP_STREAM_POPULATION, round | venue << 16, field | population << 16, index,
 * block), so the
 * population does not depend on threads or on the order of the loops. */
#include "stampede/population.h"

#include <math.h>
#include <stdlib.h>

#include "stampede/equilibrium.h"
#include "stampede/interrupt.h"
#include "stampede/path.h"
#include "stampede/rng.h"

/* Field numbers (the counter's `step` word) of the population draws. */
enum { F_FAMILY, F_TRAITS, F_SIZE, F_HF0, F_NOISE, F_FEE_TOLERANCE };
#define HF0_TRIES        64
#define RULE_PARAM_FLOOR 1e-3f /* dd_limit, var_z, target_ratio stay > 0 */
/* Agents (or positions) drawn between polls of the stop request
 * (interrupt.h): a few milliseconds of drawing, so even 10^7 agents answer
 * SIGINT at once, and a mask test per agent costs nothing measurable. */
#define POLL_EVERY  4096
#define POLL_DUE(i) (((i) & (POLL_EVERY - 1)) == 0)

/* Round 0 is the first draw; equilibrium redraws use rounds 1, 2, ... in
 * the counter's `path` word, so a redraw moves no other draw. */
/* Population k of an ensemble (run.populations) draws with k in the high
 * half of the `step` word: population 0 is the single population of
 * before, bit for bit, and population k is the same whatever K, the path
 * count or the batch. */
static stp_u32x4 draw_round(const stp_population *p, const stp_config *cfg, int round, int field,
                            int index, int block)
{
    /* a venue's population (DESIGN §10) in the round word's upper half:
     * venue 0's draws are a one-venue run's */
    return stp_philox(cfg->run.seed, STP_STREAM_POPULATION,
                      (uint32_t)round | (uint32_t)cfg->venue << 16,
                      (uint32_t)field | (uint32_t)p->index << 16, (uint32_t)index, (uint32_t)block);
}

static stp_u32x4 draw(const stp_population *p, const stp_config *cfg, int field, int index,
                      int block)
{
    return draw_round(p, cfg, 0, field, index, block);
}

static float normal_of(const stp_population *p, const stp_config *cfg, int field, int index,
                       int block)
{
    const stp_u32x4 r = draw(p, cfg, field, index, block);
    float n0, n1;
    stp_box_muller(r.v[0], r.v[1], &n0, &n1);
    return n0;
}

/* Index of the bin of cumulative shares that u falls in. */
static int pick_share(float u, const double *share, int n, size_t stride)
{
    double cdf = 0.0;
    int i;
    for (i = 0; i < n - 1; i++) {
        cdf += *(const double *)((const char *)share + (size_t)i * stride);
        if ((double)u <= cdf) return i;
    }
    return n - 1;
}

static int pick_protocol(const stp_config *cfg, float u)
{
    return pick_share(u, &cfg->protocols[0].share, cfg->n_protocols, sizeof(stp_protocol_spec));
}

/* hf0 lognormal(median, log_sd), redrawn below min so there is no pile-up at
 * the minimum (§3.9); after HF0_TRIES misses (never in practice) the minimum. */
static float draw_hf0(const stp_population *p, const stp_config *cfg, int index)
{
    int k;
    for (k = 0; k < HF0_TRIES; k++) {
        const double hf = cfg->population.hf0_median *
                          exp(cfg->population.hf0_log_sd * normal_of(p, cfg, F_HF0, index, k));
        if (hf >= cfg->population.hf0_min) return (float)hf;
    }
    return (float)cfg->population.hf0_min;
}

static stp_status alloc_arrays(stp_population *p, int n, int m, stp_error *err)
{
    if (STP_ALLOC(err, p->family, n) || STP_ALLOC(err, p->role, n) ||
        STP_ALLOC(err, p->protocol, n) || STP_ALLOC(err, p->threshold, n) ||
        STP_ALLOC(err, p->logit_threshold, n) || STP_ALLOC(err, p->latency_s, n) ||
        STP_ALLOC(err, p->lag_steps, n) || STP_ALLOC(err, p->sell_fraction, n) ||
        STP_ALLOC(err, p->cooldown_s, n) || STP_ALLOC(err, p->collateral, n) ||
        STP_ALLOC(err, p->debt_usd, n) || STP_ALLOC(err, p->hf0, n) ||
        STP_ALLOC(err, p->lp_share, n) || STP_ALLOC(err, p->fee_tolerance, n) ||
        STP_ALLOC(err, p->params, (size_t)STP_MAX_PARAMS * (size_t)(n ? n : 1)) ||
        STP_ALLOC(err, p->p_protocol, m) || STP_ALLOC(err, p->p_collateral, m) ||
        STP_ALLOC(err, p->p_debt_usd, m) || STP_ALLOC(err, p->p_hf0, m))
        return err->status;
    return STP_OK;
}

/* Families first: agent slots are grouped by family, in draw order within a
 * family, so each model runs over a contiguous block. slot_of[i] is the
 * sorted position of drawn agent i. */
static stp_status assign_families(stp_population *p, const stp_config *cfg, int *slot_of,
                                  stp_error *err)
{
    int i, f, next[STP_MAX_FAMILIES];
    for (i = 0; i < p->n_agents; i++) {
        const float u = stp_uniform(draw(p, cfg, F_FAMILY, i, 0).v[0]);
        if (POLL_DUE(i) && stp_interrupt_check(err, "the population draw")) return err->status;
        slot_of[i] = pick_share(u, &cfg->population.families[0].share, p->n_families,
                                sizeof(stp_family_spec));
        p->family_count[slot_of[i]]++;
    }
    p->family_start[0] = 0;
    for (f = 0; f < p->n_families; f++) {
        p->family_start[f + 1] = p->family_start[f] + p->family_count[f];
        next[f] = p->family_start[f];
    }
    p->herfindahl = 0.0;
    for (f = 0; f < p->n_families && p->n_agents > 0; f++) {
        const double s = (double)p->family_count[f] / p->n_agents;
        p->herfindahl += s * s;
    }
    for (i = 0; i < p->n_agents; i++) {
        f = slot_of[i];
        p->family[next[f]] = f;
        slot_of[i] = next[f]++;
    }
    return STP_OK;
}

/* Family weights plus weight_noise x N(0,1) on every parameter (weights and
 * biases) in the standardised feature space (§3.9), from draw round `round`. */
static void perturb_params(stp_population *p, const stp_config *cfg, int round, int i, int a)
{
    const stp_model *m = &p->models[p->family[a]];
    const size_t n = (size_t)p->n_agents;
    int k;
    for (k = 0; k < m->n_params; k++) {
        const stp_u32x4 r = draw_round(p, cfg, round, F_NOISE, i, k / 2);
        float n0, n1;
        float v;
        stp_box_muller(r.v[0], r.v[1], &n0, &n1);
        v = m->params[k] + (float)cfg->population.weight_noise * ((k & 1) ? n1 : n0);
        if (m->kind != STP_FAMILY_MLP &&
            (k == 0 || (m->kind == STP_FAMILY_DRAWDOWN_RULE && k == 1)))
            v = fmaxf(v, RULE_PARAM_FLOOR);
        p->params[(size_t)k * n + a] = v;
    }
}

/* The family's own weights, without noise (equilibrium's fallback). */
static void family_params(stp_population *p, int a)
{
    const stp_model *m = &p->models[p->family[a]];
    int k;
    for (k = 0; k < m->n_params; k++)
        p->params[(size_t)k * (size_t)p->n_agents + a] = m->params[k];
}

static void set_threshold(stp_population *p, int a, double t)
{
    t = fmin(0.99, fmax(0.01, t));
    p->threshold[a] = (float)t;
    p->logit_threshold[a] = (float)log(t / (1.0 - t));
}

/* The threshold at the model's highest calm logit: logits compare strictly,
 * so the agent is calm at it (and may exceed 0.99). */
static void lift_threshold(stp_population *p, int a, float logit)
{
    p->logit_threshold[a] = logit;
    p->threshold[a] = (float)(1.0 / (1.0 + exp(-(double)logit)));
}

/* Threshold N(mean, sd) clipped to [0.01, 0.99] (§3.9); the normal is the
 * first of the Box-Muller pair of words 2 and 3 of the traits block of
 * draw round `round` (round 0: the agent's own traits). */
static void draw_threshold(stp_population *p, const stp_config *cfg, int round, int i, int a)
{
    const stp_u32x4 r = draw_round(p, cfg, round, F_TRAITS, i, 0);
    float n_thr, n_lat;
    stp_box_muller(r.v[2], r.v[3], &n_thr, &n_lat);
    set_threshold(p, a, cfg->population.threshold.mean + cfg->population.threshold.sd * n_thr);
}

/* Traits of drawn agent i at sorted slot a; size_w gets its unnormalised
 * lognormal size weight. */
static void draw_agent(stp_population *p, const stp_config *cfg, int i, int a, double *size_w)
{
    const stp_u32x4 r = draw(p, cfg, F_TRAITS, i, 0);
    float n_thr, n_lat;
    stp_box_muller(r.v[2], r.v[3], &n_thr, &n_lat);
    p->role[a] =
        stp_uniform(r.v[0]) <= (float)cfg->population.lp_share ? STP_ROLE_LP : STP_ROLE_BORROWER;
    p->protocol[a] = p->role[a] == STP_ROLE_LP ? -1 : pick_protocol(cfg, stp_uniform(r.v[1]));
    draw_threshold(p, cfg, 0, i, a);
    p->latency_s[a] =
        (float)(cfg->population.latency_median_s * exp(cfg->population.latency_log_sd * n_lat));
    {
        /* lag rounded half up, capped: the agents' history ring is finite */
        const double lag = floor(p->latency_s[a] / cfg->time.dt_s + 0.5);
        p->lag_steps[a] = lag > STP_MAX_LAG_STEPS ? STP_MAX_LAG_STEPS : (int)lag;
    }
    p->sell_fraction[a] = (float)cfg->population.sell_fraction;
    p->cooldown_s[a] = (float)cfg->population.cooldown_s;
    *size_w = exp(cfg->population.collateral_log_sd * normal_of(p, cfg, F_SIZE, i, 0));
    /* its own counter field: enabling the fee leaves every other draw alone.
     * Floored at the base fee: every agent sells at the calm market's fee
     * (one that would not could never sell at all under the mitigation) */
    p->fee_tolerance[a] = (float)fmax(cfg->mitigations.progressive_fee.base,
                                      cfg->mitigations.progressive_fee.tolerance.mean +
                                          cfg->mitigations.progressive_fee.tolerance.sd *
                                              normal_of(p, cfg, F_FEE_TOLERANCE, i, 0));
    perturb_params(p, cfg, 0, i, a);
}

/* Sizes normalised to their total (§3.9): borrowers share the AI collateral,
 * LPs share lp_pool_share of the pool's initial liquidity. */
static stp_status finish_sizes(stp_population *p, const stp_config *cfg, const double *size_w,
                               const int *drawn, double ai_collateral_usd, stp_error *err)
{
    double sum_b = 0.0, sum_lp = 0.0;
    int a;
    for (a = 0; a < p->n_agents; a++)
        *(p->role[a] == STP_ROLE_LP ? &sum_lp : &sum_b) += size_w[a];
    for (a = 0; a < p->n_agents; a++) {
        if (POLL_DUE(a) && stp_interrupt_check(err, "the population draw")) return err->status;
        if (p->role[a] == STP_ROLE_LP) {
            p->lp_share[a] = (float)(cfg->population.lp_pool_share * size_w[a] / sum_lp);
            p->hf0[a] = NAN;
            continue;
        }
        {
            const double c_usd = ai_collateral_usd * size_w[a] / sum_b;
            const double lt = cfg->protocols[p->protocol[a]].liquidation_threshold;
            p->collateral[a] = (float)(c_usd / cfg->market.price0_usd);
            p->hf0[a] = draw_hf0(p, cfg, drawn[a]); /* keyed by the drawn index, like its traits */
            p->debt_usd[a] = (float)(c_usd * lt / p->hf0[a]);
        }
    }
    return STP_OK;
}

/* The highest logit agent a's model gives in the calm history, or the first
 * found above stop_above. */
static float calm_max(const stp_population *p, const stp_config *cfg, const stp_calm_history *h,
                      int a, float stop_above)
{
    const stp_model *m = &p->models[p->family[a]];
    const int borrower = p->role[a] == STP_ROLE_BORROWER;
    return stp_calm_max_logit(
        h, m->kind, m->hidden, p->params + a, p->n_agents, borrower ? p->collateral[a] : 0.0f,
        borrower ? p->debt_usd[a] : 0.0f,
        borrower ? (float)cfg->protocols[p->protocol[a]].liquidation_threshold : 0.0f, stop_above);
}

int stp_population_agent_fires(const stp_population *p, const stp_config *cfg,
                               const stp_calm_history *h, int a)
{
    return calm_max(p, cfg, h, a, p->logit_threshold[a]) > p->logit_threshold[a];
}

/* A borrower's defensive action taken before the window opened: it sells
 * sell_fraction of its collateral at P0 and repays debt with the proceeds
 * (no price impact: the market has long absorbed it). */
static void deleverage(stp_population *p, const stp_config *cfg, int a)
{
    const float sold = p->sell_fraction[a] * p->collateral[a];
    const double proceeds = (double)sold * cfg->market.price0_usd;
    p->collateral[a] -= sold;
    p->debt_usd[a] = (float)fmax(0.0, (double)p->debt_usd[a] - proceeds);
}

/* Equilibrium at t = 0 (§3.4): an agent whose model fires anywhere in the
 * calm market (equilibrium.h: the rest point and two calm histories of at
 * least an hour) would, in the real market, have acted before the window
 * opened. Its weight noise and threshold are redrawn (rounds 1, 2, ... of
 * their own counters; its family, role, latency and position stay) until
 * it is calm, at most STP_EQUILIBRIUM_ROUNDS times. One still firing
 * falls back, counted apart: its family's weights without noise at the
 * mean threshold; a borrower whose family then still fires (a
 * position-risk model on a position near liquidation) has already
 * de-risked: it sells its sell fraction at P0 and repays, up to
 * STP_EQUILIBRIUM_ROUNDS times, until it is calm; one that fires even then
 * gets its threshold lifted to its model's highest calm score, so it acts
 * only beyond the calm market's extremes. Agents are independent, so the
 * loop runs in parallel with the same result. A stop request (interrupt.h)
 * skips the agents not yet screened and is polled again before each pass
 * over the calm history (each ~10 ms at a one-hour history), so the loop
 * answers within a pass or two even for 10^7 agents; the half-screened
 * population is then discarded. */
static stp_status equilibrate(stp_population *p, const stp_config *cfg, const int *drawn,
                              stp_error *err)
{
    stp_calm_history *h = NULL;
    int redraws = 0, fallbacks = 0, a;
    if (p->n_agents == 0) return STP_OK;
    if (stp_calm_history_create(&h, cfg, err)) return err->status;
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : redraws, fallbacks)
    for (a = 0; a < p->n_agents; a++) {
        int round, fires;
        if (stp_interrupt_pending()) continue; /* no break out of an OpenMP loop */
        fires = stp_population_agent_fires(p, cfg, h, a);
        if (!fires) continue;
        redraws++;
        for (round = 1; round <= STP_EQUILIBRIUM_ROUNDS && fires && !stp_interrupt_pending();
             round++) {
            perturb_params(p, cfg, round, drawn[a], a);
            draw_threshold(p, cfg, round, drawn[a], a);
            fires = stp_population_agent_fires(p, cfg, h, a);
        }
        if (!fires || stp_interrupt_pending()) continue;
        fallbacks++;
        family_params(p, a);
        set_threshold(p, a, cfg->population.threshold.mean);
        fires = stp_population_agent_fires(p, cfg, h, a);
        for (round = 0; round < STP_EQUILIBRIUM_ROUNDS && fires &&
                        p->role[a] == STP_ROLE_BORROWER && !stp_interrupt_pending();
             round++) {
            deleverage(p, cfg, a);
            fires = stp_population_agent_fires(p, cfg, h, a);
        }
        if (fires && !stp_interrupt_pending())
            lift_threshold(p, a, calm_max(p, cfg, h, a, INFINITY));
    }
    stp_calm_history_destroy(h);
    p->equilibrium_redraws = redraws;
    p->equilibrium_fallbacks = fallbacks;
    return stp_interrupt_check(err, "the calm-market screen");
}

static stp_status draw_passive(stp_population *p, const stp_config *cfg, double passive_usd,
                               stp_error *err)
{
    double sum = 0.0;
    int j;
    const int base = p->n_agents; /* passive draws use indices after the agents' */
    for (j = 0; j < p->n_passive; j++) {
        const stp_u32x4 r = draw(p, cfg, F_TRAITS, base + j, 0);
        if (POLL_DUE(j) && stp_interrupt_check(err, "the population draw")) return err->status;
        p->p_protocol[j] = pick_protocol(cfg, stp_uniform(r.v[1]));
        p->p_collateral[j] =
            (float)exp(cfg->population.collateral_log_sd * normal_of(p, cfg, F_SIZE, base + j, 0));
        sum += p->p_collateral[j];
    }
    for (j = 0; j < p->n_passive; j++) {
        const double c_usd = passive_usd * p->p_collateral[j] / sum;
        const double lt = cfg->protocols[p->p_protocol[j]].liquidation_threshold;
        if (POLL_DUE(j) && stp_interrupt_check(err, "the population draw")) return err->status;
        p->p_collateral[j] = (float)(c_usd / cfg->market.price0_usd);
        p->p_hf0[j] = draw_hf0(p, cfg, base + j);
        p->p_debt_usd[j] = (float)(c_usd * lt / p->p_hf0[j]);
    }
    return STP_OK;
}

static stp_status load_models(stp_population *p, const stp_config *cfg, stp_error *err)
{
    int f;
    for (f = 0; f < cfg->population.n_families; f++) {
        stp_status st =
            stp_model_load(&p->models[f], cfg->population.families[f].model_resolved, err);
        if (st != STP_OK) return st;
    }
    return STP_OK;
}

stp_status stp_population_create(stp_population **out, const stp_config *cfg, stp_error *err)
{
    return stp_population_create_nth(out, cfg, 0, err);
}

stp_status stp_population_create_nth(stp_population **out, const stp_config *cfg, int k,
                                     stp_error *err)
{
    stp_population *p = NULL;
    int *slot_of = NULL, *drawn = NULL; /* drawn index -> slot, slot -> drawn index */
    double *size_w = NULL;
    double total = cfg->population.collateral_total_usd, passive_usd;
    int i, n_borrowers = 0;
    *out = NULL;
    if (STP_ALLOC(err, p, 1)) goto fail;
    p->index = k;
    p->n_agents = cfg->population.agents;
    p->n_passive = cfg->population.passive_positions;
    p->n_families = cfg->population.n_families;
    if (alloc_arrays(p, p->n_agents, p->n_passive, err) || load_models(p, cfg, err) ||
        STP_ALLOC(err, slot_of, p->n_agents) || STP_ALLOC(err, size_w, p->n_agents) ||
        STP_ALLOC(err, drawn, p->n_agents))
        goto fail;
    if (assign_families(p, cfg, slot_of, err)) goto fail;
    for (i = 0; i < p->n_agents; i++) {
        if (POLL_DUE(i) && stp_interrupt_check(err, "the population draw")) goto fail;
        draw_agent(p, cfg, i, slot_of[i], &size_w[slot_of[i]]);
        drawn[slot_of[i]] = i;
    }
    for (i = 0; i < p->n_agents; i++)
        n_borrowers += p->role[i] == STP_ROLE_BORROWER;
    /* With no AI borrowers every position is passive (agents = 0: §3.3). */
    passive_usd = n_borrowers > 0 ? total * cfg->population.passive_share : total;
    if (p->n_passive == 0 && passive_usd > 0.0) {
        stp_error_set(err, STP_EUSAGE,
                      "config error at population.passive_positions: must be > 0 when passive "
                      "positions hold collateral (passive_share > 0 or no AI borrowers)");
        goto fail;
    }
    if (finish_sizes(p, cfg, size_w, drawn, total - passive_usd, err) ||
        equilibrate(p, cfg, drawn, err) || draw_passive(p, cfg, passive_usd, err))
        goto fail;
    free(slot_of);
    free(drawn);
    free(size_w);
    *out = p;
    return STP_OK;
fail:
    free(slot_of);
    free(drawn);
    free(size_w);
    stp_population_destroy(p);
    return err->status;
}

void stp_population_destroy(stp_population *p)
{
    if (!p) return;
    free(p->family);
    free(p->role);
    free(p->protocol);
    free(p->threshold);
    free(p->logit_threshold);
    free(p->latency_s);
    free(p->lag_steps);
    free(p->sell_fraction);
    free(p->cooldown_s);
    free(p->collateral);
    free(p->debt_usd);
    free(p->hf0);
    free(p->lp_share);
    free(p->fee_tolerance);
    free(p->params);
    free(p->p_protocol);
    free(p->p_collateral);
    free(p->p_debt_usd);
    free(p->p_hf0);
    free(p);
}
