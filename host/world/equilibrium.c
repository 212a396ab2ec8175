/* equilibrium.c: the calm market a population must be in equilibrium with
 * (DESIGN §3.4), simulated with path.h so that the agents are tested on
 * exactly the features a path shows them. The pool is a smoothed copy of
 * the fundamental (arbitrage closes a fraction of the gap per step), so a
 * calm oracle's one-step volatility sits well below the fundamental's and
 * the VOL feature settles near 0.2, not at 1: the rest point alone is not
 * the calm market the agents live in, and testing on it let noisy
 * populations sell off by themselves. */
#include "stampede/equilibrium.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/interrupt.h"
#include "stampede/params.h"
#include "stampede/path.h"

#include "stampede/cpu_mlp.h"

#define STP_CALM_TILE 256 /* steps evaluated together: SIMD lanes run over steps */
_Static_assert(STP_CALM_TILE % STP_MLP_LANES == 0, "a tile is whole stp_mlp_chunk calls");
/* Market steps simulated between polls of the stop request (interrupt.h):
 * well under a millisecond, so even a day-long calm history stops at once. */
#define POLL_STEPS 4096

/* The calm history is as long as the horizon and at least an hour: the
 * agents have lived through calm markets for far longer than one window,
 * and a model that fires on an hour's ordinary extremes (a 2.5 sigma
 * minute) is not in equilibrium with them. */
static int calm_steps(const stp_params *p)
{
    const int hour = stp_steps_of(STP_CALM_HISTORY_S, p->dt_s, 1 << 30);
    const int floor_steps =
        hour > 2 * p->window_steps + STP_LAG_RING ? hour : 2 * p->window_steps + STP_LAG_RING;
    return p->n_steps > floor_steps ? p->n_steps : floor_steps;
}

/* One scheduled shock of a probe (stp_calm_history_shocked), as a
 * one-slot scenario row. */
typedef struct probe_shock {
    int kind, protocol;
    unsigned char active;
    float time_s, duration_s, size;
} probe_shock;

/* Writes n steps of the calm market with arbitrage fraction arb_frac into
 * columns [col, col + n) of feat ([feature][n_steps]), with the shock sh
 * when not NULL. STP_EINTR, naming `during`, on a stop request. */
static stp_status simulate(stp_calm_history *h, int col, int n, const stp_params *prm,
                           double arb_frac, const probe_shock *sh, const char *during,
                           stp_error *err)
{
    stp_path_tables tb; /* no agents, no positions */
    stp_path_ws w;
    stp_path_state s;
    const stp_sample_row row = {NULL, NULL, NULL, NULL};
    unsigned char *mem = NULL;
    int t, k;
    memset(&tb, 0, sizeof tb);
    tb.prm = *prm;
    tb.prm.arb_frac = arb_frac;
    if (sh) {
        tb.n_slots = 1;
        tb.slot_kind = &sh->kind;
        tb.slot_protocol = &sh->protocol;
        tb.scen_base = STP_CALM_PATH;
        tb.active = &sh->active;
        tb.time_s = &sh->time_s;
        tb.duration_s = &sh->duration_s;
        tb.size = &sh->size;
    }
    if (STP_ALLOC(err, mem, stp_path_ws_bytes(&tb, STP_WS_ALL))) return err->status;
    stp_path_ws_bind(&w, &tb, mem, STP_WS_ALL);
    stp_path_init(&s, &w, &tb);
    for (t = 0; t < n; t++) {
        if (t % POLL_STEPS == 0 && stp_interrupt_check(err, during)) {
            free(mem);
            return err->status;
        }
        /* a path's step (path.h) on empty lists: nobody to decide, nothing
         * to liquidate, so the batch is empty and the pool moves by the
         * market, the shocks and arbitrage alone */
        stp_path_step_open(&s, &w, &tb, STP_CALM_PATH, t);
        for (k = 0; k <= STP_FEATURES; k++)
            h->feat[(size_t)k * (size_t)h->n_steps + (size_t)(col + t)] =
                w.feat_ring[(size_t)(t % STP_LAG_RING) * STP_RING_ROW + (size_t)k];
        s.n_cand = s.n_liq = 0;
        stp_path_step_close(&s, &w, &tb, STP_CALM_PATH, row, t);
    }
    free(mem);
    return STP_OK;
}

/* Columns [to, to + n) = columns [from, from + n) moved away from the rest
 * point (column 0) by STP_CALM_STRETCH, each feature clipped to the range
 * path.h clips it to. An hour is a short calm history: the extreme 60 s
 * move over N minutes grows like sqrt(2 ln N), by about 1.2 from an hour to
 * a day, and more with Student-t noise; the stretched copy stands in for
 * that longer history at the cost of one more hour. The oracle price (and
 * with it a borrower's HF) stretches alike in log terms. */
static void stretch(stp_calm_history *h, int from, int to, int n)
{
    static const float lo[STP_FEATURES] = {
        -STP_FEATURE_Z_MAX, -STP_FEATURE_Z_MAX, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f};
    static const float hi[STP_FEATURES] = {STP_FEATURE_Z_MAX,
                                           STP_FEATURE_Z_MAX,
                                           STP_FEATURE_Z_MAX,
                                           STP_FEATURE_Z_MAX,
                                           STP_FEATURE_HF_CAP,
                                           STP_FEATURE_Z_MAX,
                                           1.0f,
                                           1.0f};
    const size_t ns = (size_t)h->n_steps;
    const float p0 = h->feat[(size_t)STP_FEATURES * ns];
    int k, j;
    for (k = 0; k < STP_FEATURES; k++) {
        const float rest = h->feat[(size_t)k * ns];
        for (j = 0; j < n; j++) {
            const float v = h->feat[(size_t)k * ns + (size_t)(from + j)];
            h->feat[(size_t)k * ns + (size_t)(to + j)] =
                stp_clampf(fmaf(STP_CALM_STRETCH, v - rest, rest), lo[k], hi[k]);
        }
    }
    for (j = 0; j < n; j++) {
        const float p = h->feat[(size_t)STP_FEATURES * ns + (size_t)(from + j)];
        h->feat[(size_t)STP_FEATURES * ns + (size_t)(to + j)] =
            p0 * (float)pow((double)p / (double)p0, (double)STP_CALM_STRETCH);
    }
}

/* The calm parameters: no jumps, no stress regime (the shocks are the
 * caller's). */
static stp_params calm_params(const stp_config *cfg)
{
    stp_params prm = stp_params_derive(cfg);
    prm.jump_rate_step = 0.0f;
    prm.jump_tilted = 0;
    prm.p_calm_to_stress = 0.0f;
    return prm;
}

stp_status stp_calm_history_create(stp_calm_history **out, const stp_config *cfg, stp_error *err)
{
    stp_calm_history *h = NULL;
    stp_params prm = calm_params(cfg); /* and no shocks */
    int n;
    *out = NULL;
    n = calm_steps(&prm);
    prm.n_steps = n;
    if (STP_ALLOC(err, h, 1)) return err->status;
    h->n_steps = 1 + 4 * n;
    if (STP_ALLOC(err, h->feat, (size_t)h->n_steps * (STP_FEATURES + 1)) ||
        simulate(h, 1, n, &prm, prm.arb_frac, NULL, "the calm-market screen", err) ||
        simulate(h, 1 + n, n, &prm, 1.0, NULL, "the calm-market screen", err)) {
        stp_calm_history_destroy(h);
        return err->status;
    }
    { /* column 0: the rest point, the flat market the rings hold before step 0 */
        float x[STP_FEATURES];
        int k;
        stp_calm_features(x, STP_FEATURE_HF_CAP);
        for (k = 0; k < STP_FEATURES; k++)
            h->feat[(size_t)k * (size_t)h->n_steps] = x[k];
        h->feat[(size_t)STP_FEATURES * (size_t)h->n_steps] = (float)prm.price0;
    }
    stretch(h, 1, 1 + 2 * n, 2 * n);
    *out = h;
    return STP_OK;
}

stp_status stp_calm_history_shocked(stp_calm_history **out, const stp_config *cfg, int kind,
                                    int protocol, double size, double duration_s, stp_error *err)
{
    stp_calm_history *h = NULL;
    stp_params prm = calm_params(cfg);
    const int warm = 2 * prm.window_steps + STP_LAG_RING;
    const int dur = stp_steps_of(duration_s, prm.dt_s, 1 << 20);
    const int after = (dur > 0 ? dur : 1) + 2 * prm.window_steps + STP_LAG_RING;
    probe_shock sh;
    int k;
    *out = NULL;
    sh.kind = kind;
    sh.protocol = protocol;
    sh.active = 1;
    sh.time_s = (float)(warm * (double)prm.dt_s);
    sh.duration_s = (float)duration_s;
    sh.size = (float)size;
    prm.n_steps = warm + after;
    if (STP_ALLOC(err, h, 1)) return err->status;
    h->n_steps = warm + after;
    if (STP_ALLOC(err, h->feat, (size_t)h->n_steps * (STP_FEATURES + 1)) ||
        simulate(h, 0, h->n_steps, &prm, prm.arb_frac, &sh, "the blind-spot probe", err)) {
        stp_calm_history_destroy(h);
        return err->status;
    }
    /* keep the window from the shock on: columns [warm, n) move to [0, after) */
    for (k = 0; k <= STP_FEATURES; k++)
        memmove(h->feat + (size_t)k * (size_t)after,
                h->feat + (size_t)k * (size_t)h->n_steps + (size_t)warm, sizeof(float) * after);
    h->n_steps = after;
    *out = h;
    return STP_OK;
}

void stp_calm_history_destroy(stp_calm_history *h)
{
    if (!h) return;
    free(h->feat);
    free(h);
}

/* The features of steps [t0, t0 + n) into xt[feature][TILE], with a
 * borrower's own health factor at each step's oracle price. */
static void tile_features(float (*xt)[STP_CALM_TILE], const stp_calm_history *h, int t0, int n,
                          float collateral, float debt_usd, float lt)
{
    int k, j;
    for (k = 0; k < STP_FEATURES; k++)
        for (j = 0; j < n; j++)
            xt[k][j] = h->feat[(size_t)k * (size_t)h->n_steps + (size_t)(t0 + j)];
    if (lt > 0.0f) {
        const float *oracle = h->feat + (size_t)STP_FEATURES * (size_t)h->n_steps + t0;
        for (j = 0; j < n; j++) {
            const float hf = stp_health_factor(collateral, oracle[j], lt, debt_usd);
            xt[STP_F_HF][j] = hf < STP_FEATURE_HF_CAP ? hf : STP_FEATURE_HF_CAP;
        }
    }
}

/* The agent's parameters p[k * stride] in all 16 lanes of one stp_mlp_pack
 * chunk ([param][lane]): stp_mlp_chunk then runs 16 steps of one agent at
 * once, each lane with stp_mlp_logit's bits (cpu_mlp.h), so the screen's
 * decisions are those of the scalar model. Lanes over steps, not agents:
 * every agent has its own early stop, redraw rounds and (borrowers) HF. */
static void broadcast_params(float *w, const float *p, long stride, int hidden)
{
    const int np = stp_family_n_params(STP_FAMILY_MLP, hidden);
    int k, l;
    for (k = 0; k < np; k++)
        for (l = 0; l < STP_MLP_LANES; l++)
            w[k * STP_MLP_LANES + l] = p[(long)k * stride];
}

/* out[j], j < n: the MLP's logit at each step of the tile. Lanes past n
 * (the last tile's) are given step 0's features: stp_mlp_chunk reads all
 * 16 and they must be finite; their logits are not stored. */
static void mlp_tile(float *out, float (*xt)[STP_CALM_TILE], const float *w, int hidden, int n)
{
    const int n16 = (n + STP_MLP_LANES - 1) / STP_MLP_LANES * STP_MLP_LANES;
    int j, k;
    for (k = 0; k < STP_FEATURES; k++)
        for (j = n; j < n16; j++)
            xt[k][j] = xt[k][0];
    for (j = 0; j < n; j += STP_MLP_LANES)
        stp_mlp_chunk(out + j, &xt[0][j], STP_CALM_TILE, w, hidden,
                      n - j < STP_MLP_LANES ? n - j : STP_MLP_LANES);
}

float stp_calm_max_logit(const stp_calm_history *h, stp_family_kind kind, int hidden,
                         const float *p, long stride, float collateral, float debt_usd, float lt,
                         float stop_above)
{
    _Alignas(64) float xt[STP_FEATURES][STP_CALM_TILE];
    _Alignas(64) float out[STP_CALM_TILE];
    _Alignas(64) float w[STP_MAX_PARAMS * STP_MLP_LANES];
    float best = -INFINITY;
    int t0, j;
    if (kind == STP_FAMILY_MLP) broadcast_params(w, p, stride, hidden);
    for (t0 = 0; t0 < h->n_steps; t0 += STP_CALM_TILE) {
        const int n = h->n_steps - t0 < STP_CALM_TILE ? h->n_steps - t0 : STP_CALM_TILE;
        tile_features(xt, h, t0, n, collateral, debt_usd, lt);
        /* the rules read the tile's features at its stride, so the
         * compiler runs them over 16 steps a vector (the same IEEE
         * operations lane by lane as stp_model_logit's) */
        if (kind == STP_FAMILY_MLP) {
            mlp_tile(out, xt, w, hidden, n);
        } else if (kind == STP_FAMILY_DRAWDOWN_RULE) {
#pragma omp simd
            for (j = 0; j < n; j++)
                out[j] = stp_drawdown_rule_logit(p, stride, &xt[0][j], STP_CALM_TILE);
        } else {
#pragma omp simd
            for (j = 0; j < n; j++)
                out[j] = stp_vol_target_logit(p, stride, &xt[0][j], STP_CALM_TILE);
        }
        for (j = 0; j < n; j++)
            best = out[j] > best ? out[j] : best;
        if (best > stop_above) break; /* most agents fire early if at all */
    }
    return best;
}
