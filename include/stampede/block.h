/* block.h: the CUDA kernel's work, cut into phases between barriers.
 * kernels/path_kernel.cu runs each phase in every thread of a block and
 * calls __syncthreads() between them; tests/test_kernel_order.c compiles
 * the same functions for the host, runs each phase for every thread in
 * turn, and checks the outcomes against the OpenMP backend bit for bit.
 * Must compile as C11 and CUDA C++.
 *
 * A block carries STP_BLOCK_PATHS paths in lockstep (issue 11): thread tid
 * takes agents tid, tid + nt, ... and positions likewise, and evaluates
 * each agent's model for all the block's paths at once, so every parameter
 * is read once per step for all of them (stp_block_mlp) and consecutive
 * threads read consecutive agents' parameters. Each path's serial step
 * (decisions, the batch, bookkeeping: stp_path_step_close, then the next
 * step's market and features) runs on its own thread, lanes
 * 0..STP_BLOCK_PATHS-1, side by side; the exploit haircut runs in
 * parallel after it (the one departure from path.h's order:
 * stp_block_serial says why it is safe). The candidate and liquidation
 * lists are built in index order by a count / scan / scatter over
 * contiguous chunks, so each path reads the same lists in the same order
 * as on the CPU, whatever the block size. */
#ifndef STAMPEDE_BLOCK_H
#define STAMPEDE_BLOCK_H

#include "stampede/path.h"

#define STP_BLOCK_PATHS 8 /* paths a block carries */
#define STP_BLOCK_SCREEN_PATHS 4 /* paths the positions' screen takes a pass */

/* One block's view of its paths. Arrays of STP_BLOCK_PATHS are indexed by
 * the path's place in the block; on the device they live in shared memory
 * but for the flags. */
typedef struct stp_block {
    const stp_path_tables *tb;
    stp_path_ws *w;       /* [path]: the path's arrays */
    stp_path_state *s;    /* [path] */
    stp_sample_row *row;  /* [path] */
    unsigned char *flag;  /* [path][n_agents + n_positions]: this step's screens */
    int *cnt;             /* [2][path][nt]: hits in each thread's chunk (agents, positions) */
    long long path0;      /* the block's first path */
    int n_paths;          /* live paths, <= STP_BLOCK_PATHS */
} stp_block;

static inline STP_HD unsigned char *stp_block_flags(const stp_block *b, int p)
{
    return b->flag + (size_t)p * (size_t)(b->tb->n_agents + b->tb->n_positions);
}

/* ---------------------------------------------------------------------------
 * Start
 * ------------------------------------------------------------------------- */

/* Every thread: its share of each path's per-agent, per-position and
 * history arrays. */
static inline STP_HD void stp_block_init(const stp_block *b, int tid, int nt)
{
    const stp_path_tables *tb = b->tb;
    const int nh = stp_path_history_len(&tb->prm);
    int p, i;
    for (p = 0; p < b->n_paths; p++) {
        for (i = tid; i < tb->n_agents; i += nt)
            stp_path_init_agent(&b->w[p], &tb->prm, i);
        for (i = tid; i < tb->n_positions; i += nt)
            stp_path_init_position(&b->w[p], tb, i);
        for (i = tid; i < nh; i += nt)
            stp_path_init_history(&b->w[p], &tb->prm, i);
    }
}

/* Lane p: path p's scalars, then (1)-(3) of step 0 but the exploit
 * haircut, which the first step's parallel phase applies; later steps'
 * run at the end of the one before (stp_block_serial, which says why the
 * kernel departs from stp_path_step_open's order). */
static inline STP_HD void stp_block_start(const stp_block *b, int p)
{
    const stp_path_tables *tb = b->tb;
    stp_path_state *s = &b->s[p];
    stp_path_init_state(s, &tb->prm);
    if (tb->prm.n_steps > 0) {
        stp_market_step(s, tb, b->path0 + p, 0);
        stp_features_step(s, &b->w[p], &tb->prm, tb->n_agents, 0);
    }
}

/* ---------------------------------------------------------------------------
 * Each step
 * ------------------------------------------------------------------------- */

/* Whether any path has an exploit haircut this step (read by every
 * thread after the serial phase's barrier). */
static inline STP_HD int stp_block_any_exploit(const stp_block *b)
{
    int p, any = 0;
    for (p = 0; p < b->n_paths; p++)
        any |= b->s[p].any_exploit;
    return any;
}

/* (2) every thread: the haircut on its positions of each path hit. */
static inline STP_HD void stp_block_exploit(const stp_block *b, int tid, int nt)
{
    int p, i;
    for (p = 0; p < b->n_paths; p++)
        if (b->s[p].any_exploit)
            for (i = tid; i < b->tb->n_positions; i += nt)
                stp_exploit_position(&b->s[p], &b->w[p], b->tb, i);
}

/* stp_mlp_logit of one agent (parameters p[k * stride]) on the features of
 * the block's paths, x[path][feature]: each parameter is read once for all
 * of them, and each path's sums run in stp_mlp_logit's order, so out[q] is
 * its value bit for bit. Written once for every shape: given constants
 * (stp_block_mlp), nvcc unrolls the unit loop and every parameter is an
 * immediate offset from p. */
static inline STP_HD void stp_block_mlp_strided(const float *p, long stride, int hidden,
                                                const float (*x)[STP_FEATURES], float *out)
{
    const float b2 = stp_mlp_b2(p, stride, hidden);
    int h, f, q;
    STP_UNROLL
    for (q = 0; q < STP_BLOCK_PATHS; q++)
        out[q] = b2;
    STP_UNROLL
    for (h = 0; h < hidden; h++) {
        float acc[STP_BLOCK_PATHS];
        const float b1 = p[(8L * hidden + h) * stride], w2 = p[(9L * hidden + h) * stride];
        STP_UNROLL
        for (q = 0; q < STP_BLOCK_PATHS; q++)
            acc[q] = b1;
        STP_UNROLL
        for (f = 0; f < STP_FEATURES; f++) {
            const float w1 = p[((long)h * STP_FEATURES + f) * stride];
            STP_UNROLL
            for (q = 0; q < STP_BLOCK_PATHS; q++)
                acc[q] = fmaf(w1, x[q][f], acc[q]);
        }
        STP_UNROLL
        for (q = 0; q < STP_BLOCK_PATHS; q++)
            out[q] = fmaf(w2, stp_tanhf(acc[q]), out[q]);
    }
}

/* The MLP of an agent whose parameters p are in the kernel's chunked
 * layout (stp_path_tables.param_chunks: parameter k at p[k *
 * STP_PARAM_LANES]). The shipped families' width is a compile-time
 * constant here, the unit loop unrolled and its 161 loads at fixed
 * offsets; other widths run the loop (tests/test_kernel_order.c checks
 * both against stp_mlp_logit, and a population with both against the
 * OpenMP backend). */
static inline STP_HD void stp_block_mlp(const float *p, int hidden, const float (*x)[STP_FEATURES],
                                        float *out)
{
    if (hidden == STP_MLP_SHIPPED_HIDDEN)
        stp_block_mlp_strided(p, STP_PARAM_LANES, STP_MLP_SHIPPED_HIDDEN, x, out);
    else
        stp_block_mlp_strided(p, STP_PARAM_LANES, hidden, x, out);
}

/* Agent a's features on the block's paths, x[path], and whether it is
 * ready on each (bit p: stp_agent_ready), from its table entries read
 * once for all of them: its ring row, role and liquidation threshold.
 * Paths past n_paths read path 0's arrays (straight-line code). */
static inline STP_HD unsigned stp_block_features(const stp_block *b, int a, int t, int row,
                                                 int role, float lt, float (*x)[STP_FEATURES])
{
    unsigned ready = 0;
    int p;
    STP_UNROLL
    for (p = 0; p < STP_BLOCK_PATHS; p++) {
        const stp_path_ws *w = &b->w[p < b->n_paths ? p : 0];
        stp_agent_features_of(x[p], 1, w, a, row, role, lt);
        ready |= (unsigned)stp_agent_ready_as(w, role, a, t) << p;
    }
    return ready;
}

/* (4) every thread: its agents' models and candidate screens for every
 * path, into the flags. Every loop over the paths runs to the constant
 * STP_BLOCK_PATHS and unrolls, so x and logit are registers rather than a
 * stack frame. What the candidate test reads of the paths' state is read
 * with the features, before the MLP, and kept as 8 bits
 * (stp_agent_candidate is ready && over the threshold): nothing else
 * lives through the MLP beside x. The flags are stored last, because a
 * byte store may alias anything the screens read. */
static inline STP_HD void stp_block_agents(const stp_block *b, int tid, int nt, int t)
{
    const stp_path_tables *tb = b->tb;
    const int na = tb->n_agents;
    int a, p, f = 0;
    for (a = tid; a < na; a += nt) {
        float x[STP_BLOCK_PATHS][STP_FEATURES], logit[STP_BLOCK_PATHS];
        const float *prm = tb->param_chunks + stp_param_chunk_at(a);
        const int row = stp_agent_ring_row(tb, a, t), role = tb->role[a];
        int over[STP_BLOCK_PATHS];
        unsigned ready;
        stp_family_kind kind;
        int hidden;
        while (a >= tb->family_start[f + 1])
            f++;
        kind = (stp_family_kind)tb->family_kind[f];
        hidden = tb->family_hidden[f];
        ready = stp_block_features(b, a, t, row, role, tb->lt[a], x);
        if (kind == STP_FAMILY_MLP) {
            stp_block_mlp(prm, hidden, (const float(*)[STP_FEATURES])x, logit);
        } else {
            STP_UNROLL
            for (p = 0; p < STP_BLOCK_PATHS; p++)
                logit[p] = stp_rule_logit(kind, prm, STP_PARAM_LANES, x[p]);
        }
        STP_UNROLL
        for (p = 0; p < STP_BLOCK_PATHS; p++)
            over[p] = stp_agent_over_threshold(tb, a, logit[p]);
        STP_UNROLL
        for (p = 0; p < STP_BLOCK_PATHS; p++)
            if (p < b->n_paths)
                stp_block_flags(b, p)[a] = (unsigned char)((ready >> p & 1u) & (unsigned)over[p]);
    }
}

/* (5) for the q <= STP_BLOCK_SCREEN_PATHS paths from p0 (fewer than the
 * constant: the last one is screened again in the spare places, the same
 * bytes stored again): stp_position_screen, written out on the arrays as
 * the OpenMP backend's loop writes it. Several paths a pass share each
 * threshold's load and the loop's work; the paths' arrays and oracle
 * prices are read into locals first (read through b they would be read
 * again after every flag: a byte store may alias them), and every flag of a
 * pass is stored after its loads for the same reason. Four positions a pass
 * while four remain: one test for the four, and (nt a constant on the
 * device) every address an immediate offset from one pointer per array. */
static inline STP_HD void stp_block_positions_of(const stp_block *b, int tid, int nt, int p0,
                                                 int q)
{
    const stp_path_tables *tb = b->tb;
    const int n = tb->n_positions;
    enum { G = STP_BLOCK_SCREEN_PATHS };
    const float *c[G], *d[G];
    unsigned char *flag[G], h[G][4];
    float price[G];
    int i, j, k;
    STP_UNROLL
    for (j = 0; j < G; j++) {
        const int p = p0 + (j < q ? j : q - 1);
        c[j] = b->w[p].c;
        d[j] = b->w[p].d;
        price[j] = (float)b->s[p].oracle;
        flag[j] = stp_block_flags(b, p) + tb->n_agents;
    }
    for (i = tid; i + 3 * nt < n; i += 4 * nt) {
        STP_UNROLL
        for (k = 0; k < 4; k++) {
            const float lt = tb->lt[i + k * nt];
            STP_UNROLL
            for (j = 0; j < G; j++)
                h[j][k] = (unsigned char)stp_maybe_liquidatable(c[j][i + k * nt], price[j], lt,
                                                                d[j][i + k * nt]);
        }
        STP_UNROLL
        for (j = 0; j < G; j++) {
            STP_UNROLL
            for (k = 0; k < 4; k++)
                flag[j][i + k * nt] = h[j][k];
        }
    }
    for (; i < n; i += nt) {
        const float lt = tb->lt[i];
        STP_UNROLL
        for (j = 0; j < G; j++)
            h[j][0] = (unsigned char)stp_maybe_liquidatable(c[j][i], price[j], lt, d[j][i]);
        STP_UNROLL
        for (j = 0; j < G; j++)
            flag[j][i] = h[j][0];
    }
}

/* (5) every thread: its positions' liquidation screens,
 * STP_BLOCK_SCREEN_PATHS paths a pass. */
static inline STP_HD void stp_block_positions(const stp_block *b, int tid, int nt)
{
    int p;
    for (p = 0; p < b->n_paths; p += STP_BLOCK_SCREEN_PATHS)
        stp_block_positions_of(b, tid, nt, p,
                               b->n_paths - p < STP_BLOCK_SCREEN_PATHS ? b->n_paths - p
                                                                       : STP_BLOCK_SCREEN_PATHS);
}

/* (4) and (5) every thread: its agents' models and candidate screens, and
 * its positions' liquidation screens, for every path, into the flags. The
 * liquidation screen reads collateral and debt, which the agents'
 * decisions do not change before the batch. */
static inline STP_HD void stp_block_screens(const stp_block *b, int tid, int nt, int t)
{
    stp_block_agents(b, tid, nt, t);
    stp_block_positions(b, tid, nt);
}

/* Thread tid's contiguous chunk of [0, n) for the lists. */
static inline STP_HD void stp_block_chunk(int n, int tid, int nt, int *lo, int *hi)
{
    const int per = (n + nt - 1) / nt;
    *lo = tid * per < n ? tid * per : n;
    *hi = *lo + per < n ? *lo + per : n;
}

/* List k of path p: the candidates (k = 0) or the listed positions. */
static inline STP_HD void stp_block_list(const stp_block *b, int k, int p, int *n, int *off,
                                         int **list)
{
    *n = k == 0 ? b->tb->n_agents : b->tb->n_positions;
    *off = k == 0 ? 0 : b->tb->n_agents;
    *list = k == 0 ? b->w[p].cand : b->w[p].liq;
}

/* Every thread: the hits in its chunk of each list. (Reading the flags
 * twice, here and in the scatter, costs a few per cent of the models'
 * work; a shared "any hit" mark to skip them would be a write race.) */
static inline STP_HD void stp_block_count(const stp_block *b, int tid, int nt)
{
    int k, p, i, n, off, lo, hi, *list;
    for (k = 0; k < 2; k++)
        for (p = 0; p < b->n_paths; p++) {
            const unsigned char *flag = stp_block_flags(b, p);
            int c = 0;
            stp_block_list(b, k, p, &n, &off, &list);
            stp_block_chunk(n, tid, nt, &lo, &hi);
            for (i = lo; i < hi; i++)
                c += flag[off + i];
            b->cnt[((size_t)k * STP_BLOCK_PATHS + (size_t)p) * (size_t)nt + (size_t)tid] = c;
        }
}

/* Lane q < 2 STP_BLOCK_PATHS: list q's chunk counts become offsets, its
 * length the path's n_cand or n_liq. */
static inline STP_HD void stp_block_scan(const stp_block *b, int q, int nt)
{
    const int k = q / STP_BLOCK_PATHS, p = q % STP_BLOCK_PATHS;
    int *c = b->cnt + (size_t)q * (size_t)nt;
    int j, sum = 0;
    if (p >= b->n_paths) return;
    for (j = 0; j < nt; j++) {
        const int here = c[j];
        c[j] = sum;
        sum += here;
    }
    if (k == 0)
        b->s[p].n_cand = sum;
    else
        b->s[p].n_liq = sum;
}

/* Every thread: its chunk's hits into the lists at its offsets. */
static inline STP_HD void stp_block_scatter(const stp_block *b, int tid, int nt)
{
    int k, p, i, n, off, lo, hi, *list;
    for (k = 0; k < 2; k++)
        for (p = 0; p < b->n_paths; p++) {
            const unsigned char *flag = stp_block_flags(b, p);
            int j;
            stp_block_list(b, k, p, &n, &off, &list);
            stp_block_chunk(n, tid, nt, &lo, &hi);
            j = b->cnt[((size_t)k * STP_BLOCK_PATHS + (size_t)p) * (size_t)nt + (size_t)tid];
            for (i = lo; i < hi; i++)
                if (flag[off + i]) list[j++] = i;
        }
}

/* Lane p: path p's (4)-(8) of step t, as every backend runs them
 * (stp_path_step_close), then (1) and (3) of step t + 1.
 *
 * Where the kernel departs from the canonical order (path.h): one thread
 * runs stp_path_step_open's market and features of step t + 1 here, and
 * the exploit haircut of (2) follows them at the start of step t + 1,
 * spread over the block's threads (stp_block_exploit). The haircut touches
 * every position and is worth a parallel phase; the market and features
 * are serial, and joined to this lane they cost no barrier of their own.
 * The swap cannot change a bit: stp_features_step reads the state and the
 * rings only, never a position's collateral, which is all the haircut
 * writes. tests/test_kernel_order.c runs this body on the host against
 * the OpenMP backend (which runs stp_path_step_open) bit for bit, exploit
 * shocks included, and tests/test_cuda.c the kernel on a device. */
static inline STP_HD void stp_block_serial(const stp_block *b, int p, int t)
{
    const stp_path_tables *tb = b->tb;
    stp_path_state *s = &b->s[p];
    const stp_path_ws *w = &b->w[p];
    const long long path = b->path0 + p;
    stp_path_step_close(s, w, tb, path, b->row[p], t);
    if (t + 1 < tb->prm.n_steps) {
        stp_market_step(s, tb, path, t + 1);
        stp_features_step(s, w, &tb->prm, tb->n_agents, t + 1);
    }
}

/* ---------------------------------------------------------------------------
 * The body
 * ------------------------------------------------------------------------- */

/* The kernel's body, once for the device and the host test. Every name it
 * uses is an argument: b the block (stp_block *), tid the thread's index
 * and nt the block's thread count (the caller's), q the lane (bound by
 * LANES: the device declares it per lane, the host test loops a variable
 * of its own) and t the step (the body declares it).
 *   ALL(tid, nt, stmt) runs stmt in every thread tid < nt, then
 *   synchronises the block;
 *   LANES(q, tid, nt, n, nmax, stmt) runs it for lanes q < n of nmax, then
 *   synchronises (the device spreads the nmax lanes over the block, one
 *   per nt / nmax threads, so the paths' serial steps, whose branches
 *   differ, run in different warps instead of taking turns in one).
 * kernels/path_kernel.cu defines them with its thread index and
 * __syncthreads(), tests/test_kernel_order.c with loops. The exploit test
 * reads shared state after a barrier, so it is uniform over the block.
 * Per step: the haircut, the screens, the lists (count, scan, scatter),
 * then each path's serial lane (stp_block_serial). */
#define STP_BLOCK_BODY(b, tid, nt, q, t, ALL, LANES)                                               \
    do {                                                                                           \
        int t;                                                                                     \
        ALL(tid, nt, stp_block_init(b, tid, nt));                                                  \
        LANES(q, tid, nt, (b)->n_paths, STP_BLOCK_PATHS, stp_block_start(b, q));                   \
        for (t = 0; t < (b)->tb->prm.n_steps; t++) {                                               \
            if (stp_block_any_exploit(b)) ALL(tid, nt, stp_block_exploit(b, tid, nt));             \
            ALL(tid, nt, stp_block_screens(b, tid, nt, t));                                        \
            ALL(tid, nt, stp_block_count(b, tid, nt));                                             \
            LANES(q, tid, nt, 2 * STP_BLOCK_PATHS, 2 * STP_BLOCK_PATHS, stp_block_scan(b, q, nt)); \
            ALL(tid, nt, stp_block_scatter(b, tid, nt));                                           \
            LANES(q, tid, nt, (b)->n_paths, STP_BLOCK_PATHS, stp_block_serial(b, q, t));           \
        }                                                                                          \
    } while (0)

#endif
