/* block_venues.h: the CUDA kernel's work on a path over several venues
 * (DESIGN §10), cut into phases between barriers like block.h's one-venue
 * body. kernels/venues_kernel.cu runs each phase in every thread of a
 * block and calls __syncthreads() between them; tests/test_kernel_venues.c
 * compiles the same functions for the host, runs each phase for every
 * thread in turn, and checks every output column against the OpenMP
 * backend's simulate_venues (host/sim/cpu_backend.c) bit for bit. Must
 * compile as C11 and CUDA C++.
 *
 * A block carries ONE path; its V venues are the block's lanes, as
 * block.h's paths are (each with its own tables, since the venues'
 * populations differ, and its own state, workspace and screens). Per step,
 * in simulate_venues' order: every venue's open (market, exploit haircut,
 * features; the haircut runs in a parallel phase after the features, the
 * departure block.h's stp_block_serial explains and which changes no bit:
 * the features never read collateral), every venue's agents' logits (a
 * cross-venue agent reading the venue of the largest move takes that
 * venue's features), the candidate screens (a mirror's logit its
 * leader's) and the liquidation screens, the lists in index order (count,
 * scan, scatter), each venue's (4)-(7) on its lane (with a global breaker:
 * every venue's decisions, the breaker on one lane, then every venue's
 * actions), the links in index order on one lane, the global signal on
 * one lane, and each venue's (8) with the next step's opening (in a
 * phase of its own when an oracle reads another venue's pool, which that
 * venue's (8) writes: oracle.source). Only the mirrors, the largest-move
 * features, the links and the global mitigations (system_step.h) read
 * another venue's state, each after a barrier that ends the phase writing
 * it. */
#ifndef STAMPEDE_BLOCK_VENUES_H
#define STAMPEDE_BLOCK_VENUES_H

#include "stampede/block.h"
#include "stampede/link.h"
#include "stampede/system_outcomes.h"
#include "stampede/system_step.h"

/* ---------------------------------------------------------------------------
 * The cross-venue rules, for every backend (the OpenMP backend's
 * simulate_venues computes the same)
 * ------------------------------------------------------------------------- */

/* DESIGN §10, population.features_from "largest_move": of the n venues'
 * drawdown features dd[u] in the row a cross-venue agent sees, the venue
 * whose is deepest; ties to its home (a venue wins only strictly deeper,
 * the first of equals among the others). */
static inline STP_HD int stp_largest_move_venue(const float *dd, int n, int home)
{
    float deepest = dd[home];
    int u, best = home;
    for (u = 0; u < n; u++)
        if (dd[u] > deepest) {
            deepest = dd[u];
            best = u;
        }
    return best;
}

/* The market features of the venue stp_largest_move_venue chose,
 * f[k * fstride], into the agent's x[k * xstride]: every feature but its
 * health factor, which stays its home position's. */
static inline STP_HD void stp_largest_move_features(float *x, long xstride, const float *f,
                                                    long fstride)
{
    int k;
    for (k = 0; k < STP_FEATURES; k++)
        if (k != STP_F_HF) x[k * xstride] = f[k * fstride];
}

/* Mirror i's logit (venues.h, stp_mirrors): its leader's, agent
 * leader_agent[i] of venue leader_venue[i], whose logits are
 * venue_logit[venue][agent]. */
static inline STP_HD float stp_mirror_logit(float *const *venue_logit, const int *leader_venue,
                                            const int *leader_agent, int i)
{
    return venue_logit[leader_venue[i]][leader_agent[i]];
}

/* Column c of a multi-venue path's record (outcomes.h): the system's
 * o[c] below the venues' columns, venue v's metric m, ov[v
 * STP_N_VENUE_OUTCOMES + m], at stp_venue_column(v, m). */
static inline STP_HD double stp_venues_record_column(const double *o, const double *ov, int c)
{
    const int first = STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES; /* stp_venue_column(0, 0) */
    return c < first ? o[c] : ov[c - first];
}

/* Venue v's sample row of a path (outcomes.h's layout: venue v's row of
 * path p at (v k + p) n_steps): a row with arrays for the first k paths
 * and the venues the samples hold rows for (n_rows; 0 is 1), none
 * otherwise. */
static inline STP_HD stp_sample_row stp_venue_sample_row(float *price, float *pool_depth,
                                                         float *sync, float *liquidations, int k,
                                                         int n_steps, int n_rows, int v,
                                                         long long path)
{
    stp_sample_row r = {NULL, NULL, NULL, NULL};
    if (path < k && v < (n_rows > 1 ? n_rows : 1)) {
        const size_t off = ((size_t)v * (size_t)k + (size_t)path) * (size_t)n_steps;
        r.price = price + off;
        r.pool_depth = pool_depth + off;
        r.sync = sync + off;
        r.liquidations = liquidations + off;
    }
    return r;
}

/* ---------------------------------------------------------------------------
 * A path's venues in one block
 * ------------------------------------------------------------------------- */

/* What every block reads, the same for every path of a run: the venues'
 * tables and the joins between them (venues.h). Pointers are the
 * caller's memory (device memory in the kernel). */
typedef struct stp_venues_view {
    const stp_path_tables *tb; /* [venue] */
    int n_venues, n_links, need;
    int agent_base[STP_MAX_VENUES + 1];
    int own_weight[STP_MAX_VENUES];
    int key[STP_MAX_VENUES]; /* venues.h: orders a tie for the first move */
    int oracle_src[STP_MAX_VENUES]; /* venues.h: the venue whose pool v's oracle reads */
    int foreign_oracle;             /* some venue's oracle reads another's pool */
    int ring_at[STP_MAX_LINKS + 1];
    stp_link_prm link[STP_MAX_LINKS];
    const int *leader_venue[STP_MAX_VENUES], *leader_agent[STP_MAX_VENUES]; /* [mirror] */
    /* [agent of the population]: cross-venue, reading the venue of the
     * largest move; NULL: the venue's agents read its own features */
    const unsigned char *cross[STP_MAX_VENUES];
} stp_venues_view;

/* One block's path. Arrays of STP_MAX_VENUES are indexed by venue; on the
 * device s, w, row and ov live in shared memory, the rest in global. */
typedef struct stp_vblock {
    const stp_venues_view *vv;
    stp_path_ws *w;                      /* [venue] */
    stp_path_state *s;                   /* [venue] */
    stp_sample_row *row;                 /* [venue]: rows without arrays write nothing */
    unsigned char *flag[STP_MAX_VENUES]; /* [n_agents + n_positions]: this step's screens */
    float *logit[STP_MAX_VENUES];        /* [agent of the population]: this step's */
    int *cnt;                            /* [2][STP_MAX_VENUES][nt] */
    double *ring;                        /* [ring_at[n_links]]: the links' units in flight */
    double *ov;                          /* [venue][STP_N_VENUE_OUTCOMES] */
    long long path;
} stp_vblock;

/* Agents of venue v with a model of their own: its population's (the
 * families'); the mirrors follow them (tables.c). */
static inline STP_HD int stp_vblock_n_model(const stp_path_tables *tb)
{
    return tb->family_start[tb->n_families];
}

/* Where a path's sized scratch lies in one run of slot_bytes: each
 * venue's workspace (its STP_WS_SIZED part), its screens' flags and its
 * logits, then the links' ring; every offset a multiple of STP_WS_ALIGN,
 * so paths laid end to end keep every array aligned. The CUDA engine
 * carves each path's slot of one device allocation by it, the host test
 * of the body a host one. */
typedef struct stp_venues_layout {
    size_t slot_bytes;
    size_t ws_at[STP_MAX_VENUES], flag_at[STP_MAX_VENUES], logit_at[STP_MAX_VENUES];
    size_t ring_at;
} stp_venues_layout;

static inline STP_HD size_t stp_venues_align(size_t n)
{
    return (n + STP_WS_ALIGN - 1) / STP_WS_ALIGN * STP_WS_ALIGN;
}

/* The layout over the venues' tables tb[0, nv) and a ring of ring_len
 * doubles. */
static inline STP_HD void stp_venues_layout_of(stp_venues_layout *d, const stp_path_tables *tb,
                                               int nv, int ring_len)
{
    size_t at = 0;
    int v;
    for (v = 0; v < nv; v++) {
        d->ws_at[v] = at;
        at += stp_venues_align(stp_path_ws_bytes(&tb[v], STP_WS_SIZED));
        d->flag_at[v] = at;
        at += stp_venues_align((size_t)(tb[v].n_agents + tb[v].n_positions));
        d->logit_at[v] = at;
        at += stp_venues_align((size_t)stp_vblock_n_model(&tb[v]) * sizeof(float));
    }
    d->ring_at = at;
    at += stp_venues_align((size_t)(ring_len > 0 ? ring_len : 1) * sizeof(double));
    d->slot_bytes = at;
}

/* b's flags, logits and ring in a path's slot laid out by lay. */
static inline STP_HD void stp_vblock_carve(stp_vblock *b, const stp_venues_layout *lay,
                                           unsigned char *slot)
{
    int v;
    for (v = 0; v < STP_MAX_VENUES; v++) {
        const int live = v < b->vv->n_venues;
        b->flag[v] = live ? slot + lay->flag_at[v] : NULL;
        b->logit[v] = live ? (float *)(void *)(slot + lay->logit_at[v]) : NULL;
    }
    b->ring = (double *)(void *)(slot + lay->ring_at);
}

/* Venue v's workspace: its sized arrays in the slot, its fixed ones (the
 * feature ring) at `fixed` (the kernel's shared memory). */
static inline STP_HD void stp_vblock_bind(stp_path_ws *w, const stp_path_tables *tb,
                                          const stp_venues_layout *lay, int v,
                                          unsigned char *slot, void *fixed)
{
    stp_path_ws_bind(w, tb, slot + lay->ws_at[v], STP_WS_SIZED);
    stp_path_ws_bind(w, tb, fixed, STP_WS_FIXED);
}

/* Every thread: its share of each venue's arrays, and of the ring. */
static inline STP_HD void stp_vblock_init(const stp_vblock *b, int tid, int nt)
{
    const stp_venues_view *vv = b->vv;
    int v, i;
    for (v = 0; v < vv->n_venues; v++) {
        const stp_path_tables *tb = &vv->tb[v];
        const int nh = stp_path_history_len(&tb->prm);
        for (i = tid; i < tb->n_agents; i += nt)
            stp_path_init_agent(&b->w[v], &tb->prm, i);
        for (i = tid; i < tb->n_positions; i += nt)
            stp_path_init_position(&b->w[v], tb, i);
        for (i = tid; i < nh; i += nt)
            stp_path_init_history(&b->w[v], &tb->prm, i);
    }
    for (i = tid; i < vv->ring_at[vv->n_links]; i += nt)
        b->ring[i] = 0.0;
}

/* Lane v: venue v's scalars, then its market and features of step 0 (the
 * haircut follows in the step's parallel phase). */
static inline STP_HD void stp_vblock_start(const stp_vblock *b, int v)
{
    const stp_path_tables *tb = &b->vv->tb[v];
    stp_path_init_state(&b->s[v], &tb->prm);
    if (tb->prm.n_steps > 0) {
        const int u = b->vv->oracle_src[v];
        stp_market_step(&b->s[v], tb, b->path, 0);
        stp_features_step_from(&b->s[v], &b->w[v], &tb->prm, tb->n_agents, 0, &b->w[u],
                               &b->vv->tb[u].prm);
    }
}

/* Whether any venue has an exploit haircut this step (uniform: read after
 * a barrier). */
static inline STP_HD int stp_vblock_any_exploit(const stp_vblock *b)
{
    int v, any = 0;
    for (v = 0; v < b->vv->n_venues; v++)
        any |= b->s[v].any_exploit;
    return any;
}

/* (2) every thread: the haircut on its positions of each venue hit. */
static inline STP_HD void stp_vblock_exploit(const stp_vblock *b, int tid, int nt)
{
    int v, i;
    for (v = 0; v < b->vv->n_venues; v++)
        if (b->s[v].any_exploit)
            for (i = tid; i < b->vv->tb[v].n_positions; i += nt)
                stp_exploit_position(&b->s[v], &b->w[v], &b->vv->tb[v], i);
}

/* Agent a of venue v, cross-venue and reading the largest move: its
 * features x (its home's, its own HF) from the venue whose drawdown is
 * deepest in the row it sees. Every venue's features of step t are in its
 * ring: the open phase ended with a barrier. */
static inline STP_HD void stp_vblock_largest_move(const stp_vblock *b, int v, int a, int t,
                                                  float *x)
{
    const int nv = b->vv->n_venues;
    const int row = stp_agent_ring_row(&b->vv->tb[v], a, t);
    float dd[STP_MAX_VENUES];
    int u, best;
    for (u = 0; u < nv; u++)
        dd[u] = b->w[u].feat_ring[row + STP_F_DD];
    best = stp_largest_move_venue(dd, nv, v);
    if (best != v) stp_largest_move_features(x, 1, b->w[best].feat_ring + row, 1);
}

/* (4) every thread: its agents' models, venue by venue, into the logits. */
static inline STP_HD void stp_vblock_logits(const stp_vblock *b, int tid, int nt, int t)
{
    int v, a;
    for (v = 0; v < b->vv->n_venues; v++) {
        const stp_path_tables *tb = &b->vv->tb[v];
        const unsigned char *cross = b->vv->cross[v];
        const int nm = stp_vblock_n_model(tb);
        int f = 0;
        for (a = tid; a < nm; a += nt) {
            float x[STP_FEATURES];
            while (a >= tb->family_start[f + 1])
                f++;
            stp_agent_features(x, 1, &b->w[v], tb, a, t);
            if (cross && cross[a]) stp_vblock_largest_move(b, v, a, t, x);
            b->logit[v][a] = stp_model_logit((stp_family_kind)tb->family_kind[f],
                                             tb->family_hidden[f], tb->params + a, tb->n_agents,
                                             x);
        }
    }
}

/* (4) and (5) every thread: its agents' candidate screens (a mirror's
 * logit its leader's, written by the phase before) and its positions'
 * liquidation screens, every venue's, into the flags. */
static inline STP_HD void stp_vblock_screens(const stp_vblock *b, int tid, int nt, int t)
{
    const stp_venues_view *vv = b->vv;
    int v, a, i;
    for (v = 0; v < vv->n_venues; v++) {
        const stp_path_tables *tb = &vv->tb[v];
        const int na = tb->n_agents, nm = stp_vblock_n_model(tb);
        unsigned char *flag = b->flag[v];
        for (a = tid; a < na; a += nt) {
            const float logit = a < nm ? b->logit[v][a]
                                       : stp_mirror_logit(b->logit, vv->leader_venue[v],
                                                          vv->leader_agent[v], a - nm);
            flag[a] = (unsigned char)stp_agent_candidate(&b->w[v], tb, a, t, logit);
        }
        for (i = tid; i < tb->n_positions; i += nt)
            flag[na + i] =
                (unsigned char)stp_position_screen(&b->w[v], tb, i, (float)b->s[v].oracle);
    }
}

/* List k of venue v: the candidates (k = 0) or the listed positions. */
static inline STP_HD void stp_vblock_list(const stp_vblock *b, int k, int v, int *n, int *off,
                                          int **list)
{
    const stp_path_tables *tb = &b->vv->tb[v];
    *n = k == 0 ? tb->n_agents : tb->n_positions;
    *off = k == 0 ? 0 : tb->n_agents;
    *list = k == 0 ? b->w[v].cand : b->w[v].liq;
}

static inline STP_HD int *stp_vblock_cnt(const stp_vblock *b, int k, int v, int nt)
{
    return b->cnt + ((size_t)k * STP_MAX_VENUES + (size_t)v) * (size_t)nt;
}

/* Every thread: the hits in its chunk of each list. */
static inline STP_HD void stp_vblock_count(const stp_vblock *b, int tid, int nt)
{
    int k, v, i, n, off, lo, hi, *list;
    for (k = 0; k < 2; k++)
        for (v = 0; v < b->vv->n_venues; v++) {
            int c = 0;
            stp_vblock_list(b, k, v, &n, &off, &list);
            stp_block_chunk(n, tid, nt, &lo, &hi);
            for (i = lo; i < hi; i++)
                c += b->flag[v][off + i];
            stp_vblock_cnt(b, k, v, nt)[tid] = c;
        }
}

/* Lane q < 2 STP_MAX_VENUES: list q's chunk counts become offsets, its
 * length the venue's n_cand or n_liq. */
static inline STP_HD void stp_vblock_scan(const stp_vblock *b, int q, int nt)
{
    const int k = q / STP_MAX_VENUES, v = q % STP_MAX_VENUES;
    int *c, j, sum = 0;
    if (v >= b->vv->n_venues) return;
    c = stp_vblock_cnt(b, k, v, nt);
    for (j = 0; j < nt; j++) {
        const int here = c[j];
        c[j] = sum;
        sum += here;
    }
    if (k == 0)
        b->s[v].n_cand = sum;
    else
        b->s[v].n_liq = sum;
}

/* Every thread: its chunk's hits into the lists at its offsets. */
static inline STP_HD void stp_vblock_scatter(const stp_vblock *b, int tid, int nt)
{
    int k, v, i, n, off, lo, hi, *list;
    for (k = 0; k < 2; k++)
        for (v = 0; v < b->vv->n_venues; v++) {
            int j = stp_vblock_cnt(b, k, v, nt)[tid];
            stp_vblock_list(b, k, v, &n, &off, &list);
            stp_block_chunk(n, tid, nt, &lo, &hi);
            for (i = lo; i < hi; i++)
                if (b->flag[v][off + i]) list[j++] = i;
        }
}

/* Lane v: venue v's (4)-(7) of step t. */
static inline STP_HD void stp_vblock_trade(const stp_vblock *b, int v, int t)
{
    stp_path_step_trade(&b->s[v], &b->w[v], &b->vv->tb[v], b->path, t);
}

/* With a global breaker (system_step.h) the trade splits around it: lane
 * v's decisions of step t, one lane's breaker over every venue's, then
 * lane v's actions to (7). */
static inline STP_HD void stp_vblock_decide(const stp_vblock *b, int v, int t)
{
    stp_agents_decide(&b->s[v], &b->w[v], &b->vv->tb[v], b->path, t);
}

static inline STP_HD void stp_vblock_breaker(const stp_vblock *b, int t)
{
    const stp_venues_view *vv = b->vv;
    stp_system_breaker(b->s, vv->n_venues, &vv->tb[0].prm, vv->agent_base[vv->n_venues], t);
}

static inline STP_HD void stp_vblock_execute(const stp_vblock *b, int v, int t)
{
    stp_path_step_execute(&b->s[v], &b->w[v], &b->vv->tb[v], t);
}

/* One lane, with a global signal: the system's sync after step t's
 * decisions, which every venue's features of step t + 1 publish (the
 * OpenMP backend takes it at the start of step t + 1: nothing between
 * changes a venue's sync). */
static inline STP_HD void stp_vblock_signal(const stp_vblock *b)
{
    const stp_venues_view *vv = b->vv;
    stp_system_signal(b->s, vv->n_venues, vv->agent_base[vv->n_venues]);
}

/* One lane: the links in index order (link.h), each reading both its
 * venues' pools after their (7). */
static inline STP_HD void stp_vblock_links(const stp_vblock *b, int t)
{
    const stp_venues_view *vv = b->vv;
    int i;
    for (i = 0; i < vv->n_links; i++) {
        const stp_link_prm *l = &vv->link[i];
        stp_link_step(&b->s[l->a], &b->s[l->b], l, b->ring + vv->ring_at[i], t);
    }
}

/* Lane v: venue v's market and features of step t + 1 (the haircut
 * follows in that step's parallel phase), its oracle reading the pool of
 * its source (oracle.source). */
static inline STP_HD void stp_vblock_next(const stp_vblock *b, int v, int t)
{
    const stp_path_tables *tb = &b->vv->tb[v];
    const int u = b->vv->oracle_src[v];
    if (t + 1 < tb->prm.n_steps) {
        stp_market_step(&b->s[v], tb, b->path, t + 1);
        stp_features_step_from(&b->s[v], &b->w[v], &tb->prm, tb->n_agents, t + 1, &b->w[u],
                               &b->vv->tb[u].prm);
    }
}

/* Lane v: venue v's (8) of step t, then its step t + 1's opening
 * (stp_vblock_next) when every oracle reads its own pool; when one reads
 * another's, the body runs the openings in a phase of their own, after
 * every venue's (8) wrote the pool price they read. */
static inline STP_HD void stp_vblock_close(const stp_vblock *b, int v, int t)
{
    stp_path_bookkeeping(&b->s[v], &b->w[v], &b->vv->tb[v], b->row[v], t);
    if (!b->vv->foreign_oracle) stp_vblock_next(b, v, t);
}

/* Lane v: venue v's record and the start of its cascade. */
static inline STP_HD void stp_vblock_venue_record(const stp_vblock *b, int v)
{
    const stp_path_tables *tb = &b->vv->tb[v];
    double *rec = b->ov + (size_t)v * STP_N_VENUE_OUTCOMES;
    stp_path_outcomes_from(&b->s[v], &b->w[v], tb, &b->w[b->vv->oracle_src[v]],
                           &b->vv->tb[b->vv->oracle_src[v]].prm, rec);
    rec[STP_VOUT_T_CASCADE_S] =
        b->s[v].t_cascade >= 0 ? b->s[v].t_cascade * (double)tb->prm.dt_s : -1.0;
}

/* One lane: the system's record from the venues' (system_outcomes.h), and
 * the path's columns c < n_cols (at least the system's STP_N_OUTCOMES)
 * into out[c * stride]. */
static inline STP_HD void stp_vblock_record(const stp_vblock *b, double *out, long long stride,
                                            int n_cols)
{
    const stp_venues_view *vv = b->vv;
    const int max = stp_outcome_columns(vv->n_venues);
    double o[STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES];
    int c;
    stp_system_outcomes(b->ov, vv->n_venues, vv->agent_base, vv->own_weight, vv->key, vv->need,
                        vv->tb[0].prm.seed, b->path, o);
    n_cols = n_cols < STP_N_OUTCOMES ? STP_N_OUTCOMES : n_cols > max ? max : n_cols;
    for (c = 0; c < n_cols; c++)
        out[(long long)c * stride] = stp_venues_record_column(o, b->ov, c);
}

/* The kernel's body, once for the device and the host test, in
 * STP_BLOCK_BODY's terms (block.h): ALL(tid, nt, stmt) runs stmt in every
 * thread and synchronises; LANES(q, tid, nt, n, nmax, stmt) runs it for
 * lanes q < n of nmax and synchronises. Lanes are venues (nmax
 * STP_MAX_VENUES), or the scan's lists (2 STP_MAX_VENUES), or one lane
 * for the links. The exploit test and n_links are uniform over the
 * block. The records are left in b->ov; stp_vblock_record joins them. */
#define STP_VENUE_BODY(b, tid, nt, q, t, ALL, LANES)                                               \
    do {                                                                                           \
        const int nv_ = (b)->vv->n_venues;                                                         \
        int t;                                                                                     \
        ALL(tid, nt, stp_vblock_init(b, tid, nt));                                                 \
        LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_start(b, q));                            \
        for (t = 0; t < (b)->vv->tb[0].prm.n_steps; t++) {                                         \
            if (stp_vblock_any_exploit(b)) ALL(tid, nt, stp_vblock_exploit(b, tid, nt));           \
            ALL(tid, nt, stp_vblock_logits(b, tid, nt, t));                                        \
            ALL(tid, nt, stp_vblock_screens(b, tid, nt, t));                                       \
            ALL(tid, nt, stp_vblock_count(b, tid, nt));                                            \
            LANES(q, tid, nt, 2 * STP_MAX_VENUES, 2 * STP_MAX_VENUES, stp_vblock_scan(b, q, nt));  \
            ALL(tid, nt, stp_vblock_scatter(b, tid, nt));                                          \
            if ((b)->vv->tb[0].prm.breaker_global) {                                               \
                LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_decide(b, q, t));                \
                LANES(q, tid, nt, 1, STP_MAX_VENUES, stp_vblock_breaker(b, t));                    \
                LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_execute(b, q, t));               \
            } else {                                                                               \
                LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_trade(b, q, t));                 \
            }                                                                                      \
            if ((b)->vv->n_links > 0) LANES(q, tid, nt, 1, STP_MAX_VENUES, stp_vblock_links(b, t)); \
            if ((b)->vv->tb[0].prm.signal_global)                                                  \
                LANES(q, tid, nt, 1, STP_MAX_VENUES, stp_vblock_signal(b));                        \
            LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_close(b, q, t));                     \
            if ((b)->vv->foreign_oracle)                                                           \
                LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_next(b, q, t));                  \
        }                                                                                          \
        LANES(q, tid, nt, nv_, STP_MAX_VENUES, stp_vblock_venue_record(b, q));                     \
    } while (0)

#endif
