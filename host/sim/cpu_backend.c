/* cpu_backend.c: the OpenMP backend. One thread simulates one path at a
 * time through path.h's step (stp_path_step_open, the screens,
 * stp_path_step_close); this file only keeps the per-thread workspace and
 * builds the step's two lists, candidates and listed positions, in index
 * order, evaluating the models a SIMD tile of agents at a time. Paths are
 * independent and every draw is keyed by (path, step, ...), so the
 * results are bit-identical for any thread count and batch split. */
#include "stampede/engine.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/block_venues.h"
#include "stampede/system_outcomes.h"
#include "stampede/system_step.h"
#include "stampede/interrupt.h"
#include "stampede/path.h"
#include "stampede/tables.h"
#include "stampede/venues.h"
#include "stampede/venues_view.h"

#include "stampede/cpu_mlp.h"

#define TILE         STP_MLP_TILE       /* agents gathered together: SIMD lanes run over agents */
#define DURING_BATCH "a batch of paths" /* the phase a stop request names (interrupt.h) */

/* Per-thread scratch, sized by the population, reused across paths. */
typedef struct workspace workspace;
struct workspace {
    stp_path_ws w; /* its arrays in mem (workspace.h) */
    void *mem;     /* owned: stp_path_ws_bytes of every part */
    float *logit;  /* [agent] */
    _Alignas(64) float feat_col[STP_RING_COLS * STP_LAG_RING]; /* w.feat_ring by columns */
    const stp_mlp_pack *pack;
    double *ring; /* multi-venue paths, on venue 0's: the links' units in flight (venues.h) */
    /* multi-venue paths whose cross-venue agents read the venue of the
     * largest move: every venue's workspace, and this venue's index and
     * flags; peers NULL otherwise */
    const struct workspace *peers;
    int n_peers, venue;
    const unsigned char *cross;
    double bound; /* liq_bound of the positions, while bound_ok */
    int bound_ok;
};

static void workspace_free(workspace *ws)
{
    free(ws->mem);
    free(ws->logit);
    free(ws->ring);
}

/* One allocation for the path's arrays, zero-filled like every STP_ALLOC
 * (path.h's init gives them their values anyway). */
static stp_status workspace_alloc(workspace *ws, const stp_path_tables *tb, stp_error *err)
{
    unsigned char *mem = NULL;
    if (STP_ALLOC(err, mem, stp_path_ws_bytes(tb, STP_WS_ALL)) ||
        STP_ALLOC(err, ws->logit, (size_t)tb->n_agents)) {
        free(mem);
        return err->status;
    }
    ws->mem = mem;
    stp_path_ws_bind(&ws->w, tb, mem, STP_WS_ALL);
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * (4) the candidate screen: every agent's model
 * ------------------------------------------------------------------------- */

/* Ring row r into the column copy the gather reads. */
static void ring_to_cols(float *col, const float *ring, int r)
{
    int k;
    for (k = 0; k < STP_RING_COLS; k++)
        col[k * STP_LAG_RING + r] = ring[r * STP_RING_ROW + k];
}

/* DESIGN §10, population.features_from "largest_move": a cross-venue
 * agent takes the market features of the venue whose drawdown feature is
 * deepest in the row it sees (its lag back), by block_venues.h's rule,
 * which the kernel shares. */
static void largest_move(float (*xt)[TILE], const workspace *ws, const stp_path_tables *tb, int a0,
                         int n, int t)
{
    int j, u, best;
    for (j = 0; j < n; j++) {
        const int row = (t - tb->lag_steps[a0 + j]) & (STP_LAG_RING - 1);
        float dd[STP_MAX_VENUES];
        if (!ws->cross[a0 + j]) continue;
        for (u = 0; u < ws->n_peers; u++)
            dd[u] = ws->peers[u].feat_col[STP_F_DD * STP_LAG_RING + row];
        best = stp_largest_move_venue(dd, ws->n_peers, ws->venue);
        if (best != ws->venue)
            stp_largest_move_features(&xt[0][j], TILE, ws->peers[best].feat_col + row,
                                      STP_LAG_RING);
    }
}

/* Features of agents [a0, a0 + n) into xt[feature][j], the oracle price
 * each saw in xt[STP_FEATURES][j]: stp_agent_features by lanes. */
static void gather_features(float (*xt)[TILE], const workspace *ws, const stp_path_tables *tb,
                            int a0, int n, int t)
{
    /* the arrays in locals: read through ws and tb, GCC reloads them per
     * element and the loop does not vectorise */
    const int *role = tb->role + a0;
    const float *c = ws->w.c + a0, *d = ws->w.d + a0, *lt = tb->lt + a0;
    int j;
    stp_ring_gather(&xt[0][0], TILE, ws->feat_col, tb->lag_steps + a0, t, n);
#pragma omp simd
    for (j = 0; j < n; j++)
        xt[STP_F_HF][j] = stp_agent_hf(role[j], c[j], d[j], lt[j], xt[STP_FEATURES][j],
                                       xt[STP_F_HF][j]);
    if (ws->peers) largest_move(xt, ws, tb, a0, n, t);
}

/* The rule families' logits (stp_model_logit's other cases), the agents
 * of a tile as vector lanes, the kind tested outside the loop. */
static void rule_tile(float *logit, float (*xt)[TILE], const float *prm, long stride,
                      stp_family_kind kind, int n)
{
    int j;
    if (kind == STP_FAMILY_DRAWDOWN_RULE) {
#pragma omp simd
        for (j = 0; j < n; j++)
            logit[j] = stp_drawdown_rule_logit(prm + j, stride, &xt[0][j], TILE);
    } else {
#pragma omp simd
        for (j = 0; j < n; j++)
            logit[j] = stp_vol_target_logit(prm + j, stride, &xt[0][j], TILE);
    }
}

static void family_logits(float *logit, const workspace *ws, const stp_path_tables *tb, int fam,
                          int t)
{
    const stp_mlp_pack *pack = ws->pack;
    const stp_family_kind kind = (stp_family_kind)tb->family_kind[fam];
    const int hidden = tb->family_hidden[fam], first = tb->family_start[fam];
    const long stride = tb->n_agents;
    _Alignas(64) float xt[STP_RING_COLS][TILE];
    int a0, j;
    for (a0 = first; a0 < tb->family_start[fam + 1]; a0 += TILE) {
        const int left = tb->family_start[fam + 1] - a0, n = left < TILE ? left : TILE;
        gather_features(xt, ws, tb, a0, n, t);
        if (kind == STP_FAMILY_MLP) {
            for (j = 0; j < n; j += STP_MLP_LANES)
                stp_mlp_chunk(logit + a0 + j, &xt[0][j], TILE,
                              stp_mlp_pack_chunk(pack, fam, hidden, a0 - first + j), hidden,
                              n - j < STP_MLP_LANES ? n - j : STP_MLP_LANES);
            continue;
        }
        rule_tile(logit + a0, xt, tb->params + a0, stride, kind, n);
    }
}

/* Every family's agents' logits into ws->logit. */
static void agent_logits(workspace *ws, const stp_path_tables *tb, int t)
{
    int f;
    for (f = 0; f < tb->n_families; f++)
        family_logits(ws->logit, ws, tb, f, t);
}

/* The step's candidates, in index order (stp_agent_candidate over every
 * agent's logit in ws->logit), into w->cand. */
static void screen_candidates(stp_path_state *s, workspace *ws, const stp_path_tables *tb, int t)
{
    const stp_path_ws *w = &ws->w;
    int a, a0;
    s->n_cand = 0;
    /* most agents in most steps are under their threshold: a vector
     * pre-screen (a necessary condition of stp_agent_candidate) skips
     * each 64 agents none of whom is */
    for (a0 = 0; a0 < tb->n_agents; a0 += 64) {
        const int a1 = a0 + 64 < tb->n_agents ? a0 + 64 : tb->n_agents;
        const float *logit = ws->logit, *thr = tb->logit_threshold;
        const int *next_ok = w->next_ok;
        int any = 0;
#pragma omp simd reduction(| : any)
        for (a = a0; a < a1; a++)
            any |= (next_ok[a] <= t) & (logit[a] > thr[a]);
        for (a = a0; any && a < a1; a++)
            if (stp_agent_candidate(w, tb, a, t, ws->logit[a])) w->cand[s->n_cand++] = a;
    }
}

/* ---------------------------------------------------------------------------
 * (5) the liquidation screen, in index order
 * ------------------------------------------------------------------------- */

/* An oracle price above which stp_maybe_liquidatable is false for every
 * position: the largest d 1.0001 / (c lt), raised by 1e-5, far more than
 * the float rounding of this division and of the screen's products
 * (< 4e-7 relative together); +inf when some position with debt has no
 * collateral value (always listed) or a value is not a number. Float and
 * comparisons, so it vectorises: it runs after every step that changed a
 * position. */
static double liq_bound(const stp_path_ws *w, const stp_path_tables *tb)
{
    const float *c = w->c, *d = w->d, *lt = tb->lt;
    const int n = tb->n_positions;
    float bound = 0.0f;
    int i, always = 0;
#pragma omp simd reduction(max : bound) reduction(| : always)
    for (i = 0; i < n; i++) {
        const float cl = c[i] * lt[i];
        const int debt = d[i] > 0.0f, valued = cl > 0.0f;
        const float v = debt & valued ? d[i] * 1.0001f / cl : 0.0f;
        always |= (debt & !valued) | !(v == v);
        bound = v > bound ? v : bound;
    }
    return always || !(bound < INFINITY) ? (double)INFINITY : (double)bound * (1.0 + 1e-5);
}

/* The list of positions under the screen, in index order. Collateral and
 * debt change only in a step that lists someone, has a seller or an
 * exploit (liquidation.h's settlements, path.h's haircut), so the bound is
 * computed again only after such a step; in between, an oracle above it
 * proves nobody is listed without a pass over the positions. */
static void screen_positions(stp_path_state *s, workspace *ws, const stp_path_tables *tb)
{
    /* the arrays in locals: read through w and tb inside the loop, GCC
     * treats the bases as loop-variant and gathers every element */
    const stp_path_ws *w = &ws->w;
    const float price = (float)s->oracle, *c = w->c, *d = w->d, *lt = tb->lt;
    const int n = tb->n_positions;
    int i, any = 0;
    s->n_liq = 0;
    if (!ws->bound_ok) {
        ws->bound = liq_bound(w, tb);
        ws->bound_ok = 1;
    }
    if ((double)price > ws->bound) return;
    /* branch-free so it vectorises: most steps liquidate nobody */
#pragma omp simd reduction(| : any)
    for (i = 0; i < n; i++)
        any |= stp_maybe_liquidatable(c[i], price, lt[i], d[i]);
    for (i = 0; any && i < n; i++)
        if (stp_maybe_liquidatable(c[i], price, lt[i], d[i])) w->liq[s->n_liq++] = i;
}

/* Returns 1, the path's outcomes unwritten, when a stop was requested
 * (interrupt.h): polled once a step, one load against a step's pass over
 * every agent and position, so even 10^7 agents stop within a step. */
static int simulate_path(workspace *ws, const stp_sim_ctx *ctx, const stp_path_tables *tb,
                         long long path)
{
    const stp_path_ws *w = &ws->w;
    const long long r = path - ctx->out->base; /* this batch's row */
    stp_sample_row row = {NULL, NULL, NULL, NULL};
    stp_path_state s;
    double o[STP_N_OUTCOMES];
    int t, i, m;
    if (ctx->samples && path < ctx->samples->k) {
        const size_t off = (size_t)path * (size_t)tb->prm.n_steps;
        row.price = ctx->samples->price + off;
        row.pool_depth = ctx->samples->pool_depth + off;
        row.sync = ctx->samples->sync + off;
        row.liquidations = ctx->samples->liquidations + off;
    }
    stp_path_init(&s, w, tb);
    ws->bound_ok = 0;
    for (i = 0; i < STP_LAG_RING; i++)
        ring_to_cols(ws->feat_col, w->feat_ring, i);
    for (t = 0; t < tb->prm.n_steps; t++) {
        int listed;
        if (stp_interrupt_pending()) return 1;
        stp_path_step_open(&s, w, tb, path, t); /* (1)-(3) */
        if (s.any_exploit) ws->bound_ok = 0;
        ring_to_cols(ws->feat_col, w->feat_ring, t % STP_LAG_RING);
        agent_logits(ws, tb, t);       /* the lists of (4) and (5), both */
        screen_candidates(&s, ws, tb, t);
        screen_positions(&s, ws, tb); /* before the decisions (path.h) */
        listed = s.n_liq; /* before the grace filter shortens the list */
        stp_path_step_close(&s, w, tb, path, row, t); /* (4)-(8) */
        if (listed > 0 || s.n_sellers > 0) ws->bound_ok = 0;
    }
    stp_path_outcomes(&s, w, tb, o);
    for (m = 0; m < STP_N_OUTCOMES; m++)
        ctx->out->v[m][r] = o[m];
    return 0;
}

/* A thread's failure to set up: the first one becomes the batch's. */
static void keep_error(stp_status *status, stp_error *err, const stp_error *local)
{
#pragma omp critical(stp_cpu_err)
    if (*status == STP_OK) {
        *status = local->status;
        *err = *local;
    }
}

/* ---------------------------------------------------------------------------
 * A path over several venues (DESIGN §10)
 * ------------------------------------------------------------------------- */

/* What one venue of a batch reads: its tables and its models' pack. */
typedef struct venue_tables {
    stp_tables *tabs;
    stp_mlp_pack pack;
} venue_tables;

/* The venues step in lockstep, in the order of path.h for each: the
 * global signal, every venue's (1)-(3), then every venue's screens, every
 * venue's decisions, the global breaker, (4)'s actions to (7) venue by
 * venue, the links in index order (link.h), and every venue's (8). Only
 * the links, the mirrors, the largest move and the global mitigations
 * (system_step.h) read two venues' state. Each venue writes its own rows
 * of the samples (outcomes.h's layout); the links' units in flight are in
 * ws[0].ring. */
static int simulate_venues(workspace *ws, const stp_sim_ctx *ctx, const venue_tables *vt,
                           long long path)
{
    const stp_venues *vs = ctx->venues;
    const int nv = vs->n, cols = ctx->out->n_cols;
    const long long r = path - ctx->out->base;
    stp_sample_row row[STP_MAX_VENUES];
    double *ring = ws[0].ring;
    stp_path_state s[STP_MAX_VENUES];
    double ov[STP_MAX_VENUES * STP_N_VENUE_OUTCOMES], o[STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES];
    float *lg[STP_MAX_VENUES]; /* each venue's logits, the mirrors' leaders' */
    int t, i, m, v, listed[STP_MAX_VENUES];
    for (v = 0; v < nv; v++) {
        const stp_samples *sm = ctx->samples;
        const stp_sample_row none = {NULL, NULL, NULL, NULL};
        row[v] = sm ? stp_venue_sample_row(sm->price, sm->pool_depth, sm->sync, sm->liquidations,
                                           sm->k, sm->n_steps, sm->n_venues, v, path)
                    : none;
    }
    for (i = 0; i < vs->ring_at[vs->n_links]; i++)
        ring[i] = 0.0;
    for (v = 0; v < nv; v++) {
        lg[v] = ws[v].logit;
        stp_path_init(&s[v], &ws[v].w, &vt[v].tabs->view);
        ws[v].bound_ok = 0;
        for (i = 0; i < STP_LAG_RING; i++)
            ring_to_cols(ws[v].feat_col, ws[v].w.feat_ring, i);
    }
    for (t = 0; t < vs->prm[0].n_steps; t++) {
        if (stp_interrupt_pending()) return 1;
        if (vs->prm[0].signal_global) stp_system_signal(s, nv, vs->agent_base[nv]);
        for (v = 0; v < nv; v++) {
            const int u = vs->oracle_src[v]; /* whose pool its oracle reads */
            stp_path_step_open_from(&s[v], &ws[v].w, &vt[v].tabs->view, path, t, &ws[u].w,
                                    &vt[u].tabs->view.prm);
            if (s[v].any_exploit) ws[v].bound_ok = 0;
            ring_to_cols(ws[v].feat_col, ws[v].w.feat_ring, t % STP_LAG_RING);
        }
        for (v = 0; v < nv; v++)
            agent_logits(&ws[v], &vt[v].tabs->view, t);
        for (v = 0; v < nv; v++) { /* a mirror fires when its leader's model does */
            const stp_mirrors *mi = &vs->mirror[v];
            float *logit = ws[v].logit + vs->pop[v]->n_agents;
            for (i = 0; i < mi->n; i++)
                logit[i] = stp_mirror_logit(lg, mi->leader_venue, mi->leader_agent, i);
        }
        for (v = 0; v < nv; v++) {
            screen_candidates(&s[v], &ws[v], &vt[v].tabs->view, t);
            screen_positions(&s[v], &ws[v], &vt[v].tabs->view);
            listed[v] = s[v].n_liq;
        }
        for (v = 0; v < nv; v++)
            stp_agents_decide(&s[v], &ws[v].w, &vt[v].tabs->view, path, t);
        if (vs->prm[0].breaker_global)
            stp_system_breaker(s, nv, &vs->prm[0], vs->agent_base[nv], t);
        for (v = 0; v < nv; v++) {
            stp_path_step_execute(&s[v], &ws[v].w, &vt[v].tabs->view, t);
            if (listed[v] > 0 || s[v].n_sellers > 0) ws[v].bound_ok = 0;
        }
        for (i = 0; i < vs->n_links; i++) {
            const stp_link_prm *l = &vs->link[i];
            stp_link_step(&s[l->a], &s[l->b], l, ring + vs->ring_at[i], t);
        }
        for (v = 0; v < nv; v++)
            stp_path_bookkeeping(&s[v], &ws[v].w, &vt[v].tabs->view, row[v], t);
    }
    for (v = 0; v < nv; v++) {
        double *rec = ov + (size_t)v * STP_N_VENUE_OUTCOMES;
        stp_path_outcomes_from(&s[v], &ws[v].w, &vt[v].tabs->view, &ws[vs->oracle_src[v]].w,
                               &vt[vs->oracle_src[v]].tabs->view.prm, rec);
        rec[STP_VOUT_T_CASCADE_S] =
            s[v].t_cascade >= 0 ? s[v].t_cascade * (double)vs->prm[v].dt_s : -1.0;
    }
    stp_system_outcomes(ov, nv, vs->agent_base, vs->own_weight, vs->key, vs->need,
                        vs->prm[0].seed, path, o);
    for (m = 0; m < cols; m++) /* the record's layout, as the kernel writes it */
        ctx->out->v[m][r] = stp_venues_record_column(o, ov, m);
    return 0;
}

static void venue_tables_free(venue_tables *vt, int n)
{
    int v;
    for (v = 0; v < n; v++) {
        stp_mlp_pack_free(&vt[v].pack);
        stp_tables_destroy(vt[v].tabs);
    }
}

static stp_status venue_tables_build(venue_tables *vt, const stp_sim_ctx *ctx, stp_error *err)
{
    const stp_venues *vs = ctx->venues;
    stp_status st = STP_OK;
    int v;
    memset(vt, 0, sizeof *vt * (size_t)vs->n);
    for (v = 0; v < vs->n && st == STP_OK; v++)
        if ((st = stp_tables_create(&vt[v].tabs, &vs->prm[v], vs->cfg[v], vs->pop[v], ctx->scen,
                                    err)) == STP_OK &&
            (st = stp_tables_scope(vt[v].tabs, ctx->cfg, v, vs->cfg[v]->venue, ctx->scen, err)) ==
                STP_OK &&
            (st = stp_tables_mirror(vt[v].tabs, vs->pop[v], vs, v, err)) == STP_OK)
            st = stp_mlp_pack_build(&vt[v].pack, &vt[v].tabs->view, err);
    if (st != STP_OK) venue_tables_free(vt, vs->n);
    return st;
}

static stp_status cpu_run_venues(const stp_sim_ctx *ctx, long long path0, long long n, int threads,
                                 int *stopped, stp_error *err)
{
    const int nv = ctx->venues->n;
    venue_tables vt[STP_MAX_VENUES];
    stp_status status;
    int any = 0;
    if ((status = venue_tables_build(vt, ctx, err)) != STP_OK) return status;
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
    {
        workspace ws[STP_MAX_VENUES];
        stp_error local = {STP_OK, ""};
        long long i;
        int v;
        memset(ws, 0, sizeof ws);
        for (v = 0; v < nv; v++) {
            ws[v].pack = &vt[v].pack;
            if (stp_venues_reads_largest_move(ctx->venues, v)) {
                ws[v].peers = ws;
                ws[v].n_peers = nv;
                ws[v].venue = v;
                ws[v].cross = ctx->venues->cross[v];
            }
            if (local.status == STP_OK) workspace_alloc(&ws[v], &vt[v].tabs->view, &local);
        }
        if (local.status == STP_OK &&
            STP_ALLOC(&local, ws[0].ring, (size_t)ctx->venues->ring_at[ctx->venues->n_links] + 1))
            ws[0].ring = NULL; /* local holds the error */
        if (local.status != STP_OK) keep_error(&status, err, &local);
#pragma omp barrier
        if (status == STP_OK) {
#pragma omp for schedule(dynamic, 1) reduction(| : any)
            for (i = 0; i < n; i++)
                any |= stp_interrupt_pending() ? 1 : simulate_venues(ws, ctx, vt, path0 + i);
        }
        for (v = 0; v < nv; v++)
            workspace_free(&ws[v]);
    }
    venue_tables_free(vt, nv);
    *stopped = any;
    return status;
}

/* A batch cut short by a stop request: its rows are incomplete, so it
 * fails even if the request was cleared meanwhile (a test's
 * stp_interrupt_clear), when stp_interrupt_check alone would pass. */
static stp_status batch_stopped(stp_error *err)
{
    if (stp_interrupt_check(err, DURING_BATCH) != STP_OK) return err->status;
    return stp_error_set(err, STP_EINTR, "interrupted during %s; nothing was written",
                         DURING_BATCH);
}

stp_status stp_cpu_run_batch(const stp_sim_ctx *ctx, long long path0, long long n, int threads,
                             stp_error *err)
{
    stp_tables *tabs = NULL;
    stp_mlp_pack pack;
    stp_status status;
    int stopped = 0;
    memset(&pack, 0, sizeof pack);
    if ((status = stp_interrupt_check(err, DURING_BATCH)) != STP_OK) return status;
    if (ctx->venues) {
        status = cpu_run_venues(ctx, path0, n, threads, &stopped, err);
        if (status == STP_OK && stopped) status = batch_stopped(err);
        return status;
    }
    if ((status = stp_tables_create(&tabs, &ctx->prm, ctx->cfg, ctx->pop, ctx->scen, err)) !=
        STP_OK)
        return status;
    if ((status = stp_mlp_pack_build(&pack, &tabs->view, err)) != STP_OK) {
        stp_tables_destroy(tabs);
        return status;
    }
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
    {
        workspace ws;
        stp_error local = {STP_OK, ""};
        long long i;
        memset(&ws, 0, sizeof ws);
        ws.pack = &pack;
        if (workspace_alloc(&ws, &tabs->view, &local) != STP_OK) keep_error(&status, err, &local);
#pragma omp barrier
        if (status == STP_OK) {
            /* an OpenMP loop cannot break: once a stop is requested the
             * paths left are skipped, each at the cost of one load */
#pragma omp for schedule(dynamic, 1) reduction(| : stopped)
            for (i = 0; i < n; i++)
                stopped |=
                    stp_interrupt_pending() ? 1 : simulate_path(&ws, ctx, &tabs->view, path0 + i);
        }
        workspace_free(&ws);
    }
    stp_mlp_pack_free(&pack);
    stp_tables_destroy(tabs);
    if (status == STP_OK && stopped) status = batch_stopped(err);
    return status;
}
