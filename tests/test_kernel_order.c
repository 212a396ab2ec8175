/* The CUDA kernel's body run on the host. kernels/path_kernel.cu expands
 * STP_BLOCK_BODY (stampede/block.h) with threadIdx.x and __syncthreads();
 * run_blocks() below expands the same macro with loops over the block's
 * threads, one phase after another, so the host runs the kernel's phases,
 * lists and lockstep MLP in the kernel's order, on the kernel's data. The
 * outcomes must equal the OpenMP backend's bit for bit on every path, with
 * block sizes that do and do not divide the population and a last block
 * that is not full. What the host cannot check is the device's arithmetic
 * (path.h, step.h and fmath.h write it with only + - * / fma sqrt) and its
 * barriers: tests/test_cuda.c checks both on a device. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_fixture.h"
#include "seed.h"
#include "stampede/block.h"
#include "stampede/engine.h"
#include "stampede/params.h"
#include "stampede/path.h"
#include "stampede/scenario.h"
#include "stampede/tables.h"
#include "stress_shocks.h"

#define PATHS 21 /* blocks of 8, 8 and 5 paths */

/* One path's workspace: one allocation of every part, carved as the
 * backends carve theirs (workspace.h). */
typedef struct ws_arrays {
    stp_path_ws w;
    void *mem;
} ws_arrays;

static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    cr_assert_not_null(p);
    return p;
}

static void ws_alloc(ws_arrays *a, const stp_path_tables *tb)
{
    a->mem = zalloc(stp_path_ws_bytes(tb, STP_WS_ALL), 1);
    stp_path_ws_bind(&a->w, tb, a->mem, STP_WS_ALL);
}

static void ws_free(ws_arrays *a)
{
    free(a->mem);
}

/* STP_BLOCK_BODY's phases one after another: every thread tid < nt in
 * turn, or every lane q < n; the loops are the barriers. */
#define ALL_HOST(tid, nt, stmt)                                                                    \
    for (tid = 0; tid < (nt); tid++) {                                                             \
        stmt;                                                                                      \
    }
#define LANES_HOST(q, tid, nt, n, nmax, stmt)                                                      \
    for (q = 0; q < (n); q++) {                                                                    \
        stmt;                                                                                      \
    }

/* Paths [0, n) in blocks of STP_BLOCK_PATHS threads nt wide; o[path][m]. */
static void run_blocks(const stp_path_tables *tb, ws_arrays *a, int n, int nt,
                       double (*o)[STP_N_OUTCOMES])
{
    const size_t per_flag = (size_t)(tb->n_agents + tb->n_positions);
    stp_path_ws w[STP_BLOCK_PATHS];
    stp_path_state s[STP_BLOCK_PATHS];
    stp_sample_row row[STP_BLOCK_PATHS];
    unsigned char *flag = zalloc(STP_BLOCK_PATHS * per_flag, 1);
    int *cnt = zalloc(2 * STP_BLOCK_PATHS * (size_t)nt, sizeof(int));
    int p0, p, tid, q;
    memset(row, 0, sizeof row);
    for (p0 = 0; p0 < n; p0 += STP_BLOCK_PATHS) {
        stp_block b;
        b.tb = tb;
        b.w = w;
        b.s = s;
        b.row = row;
        b.flag = flag;
        b.cnt = cnt;
        b.path0 = p0;
        b.n_paths = n - p0 < STP_BLOCK_PATHS ? n - p0 : STP_BLOCK_PATHS;
        for (p = 0; p < b.n_paths; p++)
            w[p] = a[p].w;
        STP_BLOCK_BODY(&b, tid, nt, q, t, ALL_HOST, LANES_HOST);
        for (p = 0; p < b.n_paths; p++)
            stp_path_outcomes(&s[p], &w[p], tb, o[p0 + p]);
    }
    free(cnt);
    free(flag);
}

static void expect_kernel_order_matches(const char *extra, int nt)
{
    stp_error err = {STP_OK, ""};
    stp_tables *tabs = NULL;
    engine e;
    ws_arrays *a = zalloc(STP_BLOCK_PATHS, sizeof *a);
    double(*o)[STP_N_OUTCOMES] = zalloc(PATHS, sizeof *o);
    char paths[32];
    const char *sets[3] = {"run.seed=7", paths, extra};
    long long p;
    int m, differ = 0;
    snprintf(paths, sizeof paths, "run.paths=%d", PATHS);
    engine_open_file(&e, STP_SOURCE_DIR "/configs/quickstart.json", sets, extra ? 3 : 2);
    cr_assert_eq(stp_cpu_run_batch(&e.ctx, 0, PATHS, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_tables_create(&tabs, &e.ctx.prm, e.cfg, e.pop, e.scen, &err), STP_OK, "%s",
                 err.msg);
    /* the kernel's parameter layout, as the CUDA engine uploads it */
    cr_assert_eq(stp_tables_chunk_params(tabs, &err), STP_OK, "%s", err.msg);
    for (m = 0; m < STP_BLOCK_PATHS; m++)
        ws_alloc(&a[m], &tabs->view);
    run_blocks(&tabs->view, a, PATHS, nt, o);
    for (p = 0; p < PATHS; p++)
        for (m = 0; m < STP_N_OUTCOMES; m++)
            if (memcmp(&o[p][m], &e.out.v[m][p], sizeof(double)) != 0) {
                differ++;
                cr_log_error("path %lld %s: kernel body %.17g, OpenMP %.17g", p,
                             stp_outcome_names[m], o[p][m], e.out.v[m][p]);
            }
    cr_expect_eq(differ, 0, "%d outcomes differ (%s, %d threads)", differ,
                 extra ? extra : "quickstart", nt);
    for (m = 0; m < STP_BLOCK_PATHS; m++)
        ws_free(&a[m]);
    free(a);
    free(o);
    stp_tables_destroy(tabs);
    engine_close(&e);
}

/* 256 threads: the kernel's block; 96 divides neither the agents nor the
 * positions, so the chunks of the lists are uneven. */
Test(kernel_order, matches_the_openmp_backend_on_quickstart, .timeout = 300)
{
    expect_kernel_order_matches(NULL, 256);
    expect_kernel_order_matches(NULL, 96);
}

Test(kernel_order, matches_the_openmp_backend_with_every_shock_kind, .timeout = 300)
{
    expect_kernel_order_matches(stress_shocks, 256);
}

Test(kernel_order, matches_the_openmp_backend_with_every_mitigation, .timeout = 300)
{
    expect_kernel_order_matches(all_mitigations, 96);
}

Test(kernel_order, matches_the_openmp_backend_with_tilted_jumps, .timeout = 300)
{
    expect_kernel_order_matches(tilted_jumps, 256);
}

/* Both copies of stp_block_mlp, the shipped width unrolled and the general
 * loop, in one population (stress_shocks.h: two_widths). */
Test(kernel_order, matches_the_openmp_backend_with_mlps_of_two_widths, .timeout = 300)
{
    expect_kernel_order_matches(two_widths, 256);
    expect_kernel_order_matches(two_widths, 96);
}

/* stp_tables_chunk_params: every agent's every parameter at its place in
 * the kernel's layout (workspace.h), the lanes past the last agent zero;
 * 1000 agents leave a last chunk of 232. */
Test(kernel_order, param_chunks_hold_every_parameter)
{
    stp_error err = {STP_OK, ""};
    const char *sets[2] = {"run.paths=8", "population.agents=1000"};
    stp_tables *tabs = NULL;
    const stp_path_tables *v;
    engine e;
    size_t len, j;
    int a, k, wrong = 0, nonzero = 0;
    engine_open_file(&e, STP_SOURCE_DIR "/configs/quickstart.json", sets, 2);
    cr_assert_eq(stp_tables_create(&tabs, &e.ctx.prm, e.cfg, e.pop, e.scen, &err), STP_OK, "%s",
                 err.msg);
    cr_assert_eq(stp_tables_chunk_params(tabs, &err), STP_OK, "%s", err.msg);
    v = &tabs->view;
    cr_assert_eq(v->n_agents, 1000);
    len = stp_param_chunks_len(v->n_agents);
    cr_assert_eq(len, (size_t)4 * STP_MAX_PARAMS * STP_PARAM_LANES);
    for (a = 0; a < v->n_agents; a++)
        for (k = 0; k < STP_MAX_PARAMS; k++)
            wrong +=
                memcmp(&v->param_chunks[stp_param_chunk_at(a) + (size_t)k * STP_PARAM_LANES],
                       &v->params[(size_t)k * (size_t)v->n_agents + (size_t)a], sizeof(float)) != 0;
    for (j = 0; j < len; j++) /* the spare lanes of the last chunk */
        if (j % STP_PARAM_LANES >= (size_t)(v->n_agents % STP_PARAM_LANES) &&
            j >= len - (size_t)STP_MAX_PARAMS * STP_PARAM_LANES)
            nonzero += v->param_chunks[j] != 0.0f;
    cr_expect_eq(wrong, 0, "%d parameters misplaced", wrong);
    cr_expect_eq(nonzero, 0, "%d spare lanes not zero", nonzero);
    stp_tables_destroy(tabs);
    engine_close(&e);
}

/* The lockstep MLP on its own, where outcomes would hide a last-bit slip
 * (a logit matters only where it crosses a threshold): each path's logit
 * has stp_mlp_logit's bits, for random networks of every width in turn
 * (16 the shipped copy, the others the general loop) in the kernel's
 * parameter layout (parameter k at [k * STP_PARAM_LANES]), on random
 * features from a fresh seed. */
Test(kernel_order, block_mlp_matches_stp_mlp_logit)
{
    const unsigned seed = (unsigned)test_seed();
    float prm[STP_MAX_PARAMS], x[STP_BLOCK_PATHS][STP_FEATURES], out[STP_BLOCK_PATHS];
    float *chunk = zalloc((size_t)STP_MAX_PARAMS * STP_PARAM_LANES, sizeof *chunk);
    int trial, k, q;
    srand(seed);
    for (trial = 0; trial < 20000; trial++) {
        const int hidden = 1 + trial % STP_MLP_MAX_HIDDEN;
        for (k = 0; k < stp_family_n_params(STP_FAMILY_MLP, hidden); k++) {
            prm[k] = (float)rand() / (float)RAND_MAX * 4.0f - 2.0f;
            chunk[k * STP_PARAM_LANES] = prm[k];
        }
        for (q = 0; q < STP_BLOCK_PATHS; q++)
            for (k = 0; k < STP_FEATURES; k++)
                x[q][k] = (float)rand() / (float)RAND_MAX * 24.0f - 12.0f;
        stp_block_mlp(chunk, hidden, (const float(*)[STP_FEATURES])x, out);
        for (q = 0; q < STP_BLOCK_PATHS; q++) {
            const float ref = stp_mlp_logit(prm, 1, hidden, x[q]);
            cr_assert(memcmp(&ref, &out[q], sizeof ref) == 0,
                      "trial %d hidden %d path %d: %a vs %a (seed %u)", trial, hidden, q,
                      (double)out[q], (double)ref, seed);
        }
    }
    free(chunk);
}
