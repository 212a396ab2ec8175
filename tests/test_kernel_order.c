/* The CUDA kernel's step order run on the host (issue 10: no GPU lent, so
 * the kernel body's order is checked here, and its arithmetic, which
 * path.h, step.h and fmath.h write with only + - * / fma sqrt, by
 * tests/test_cuda.c on the next device). kernel_path() below follows
 * kernels/path_kernel.cu line for line, with the block's screens as
 * index-order loops (what block_compact produces): steps (1)-(3) of step
 * t + 1 run at the end of step t, the exploit haircut after the features,
 * every agent's model before any decides, and the liquidation screen at
 * the step's oracle before the batch. The OpenMP backend runs the same
 * functions in DESIGN §3.9's order; the outcomes must agree bit for bit on
 * every path. Keep this file in step with path_kernel.cu. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/engine.h"
#include "stampede/params.h"
#include "stampede/path.h"
#include "stampede/scenario.h"
#include "stampede/tables.h"
#include "stress_shocks.h"

#define PATHS 32

typedef struct ws_arrays {
    stp_path_ws w;
    float feat[STP_LAG_RING * (STP_FEATURES + 1)];
} ws_arrays;

static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    cr_assert_not_null(p);
    return p;
}

static void ws_alloc(ws_arrays *a, const stp_path_tables *tb)
{
    const size_t na = (size_t)tb->n_agents, np = (size_t)tb->n_positions;
    stp_path_ws *w = &a->w;
    memset(a, 0, sizeof *a);
    w->c = zalloc(np, sizeof(float));
    w->d = zalloc(np, sizeof(float));
    w->seize = zalloc(np, sizeof(float));
    w->repay = zalloc(np, sizeof(float));
    w->bad = zalloc(np, sizeof(float));
    w->liq = zalloc(np, sizeof(int));
    w->grace_since = zalloc(np, sizeof(int));
    w->grace_last = zalloc(np, sizeof(int));
    w->sell_q = zalloc(na, sizeof(float));
    w->cand = zalloc(na, sizeof(int));
    w->sellers = zalloc(na, sizeof(int));
    w->pend = zalloc(na, sizeof(int));
    w->due = zalloc(na, sizeof(int));
    w->next_ok = zalloc(na, sizeof(int));
    w->last_act = zalloc(na, sizeof(int));
    w->acted = zalloc(na, 1);
    w->lp_out = zalloc(na, 1);
    w->pool_ring = zalloc((size_t)tb->prm.price_ring, sizeof(double));
    w->oracle_ring = zalloc((size_t)tb->prm.window_steps + 1, sizeof(double));
    w->sync_ring = zalloc((size_t)tb->prm.sync_window_steps, sizeof(int));
    w->brk_ring = zalloc((size_t)tb->prm.breaker_window_steps, sizeof(int));
    w->feat_ring = a->feat;
}

static void ws_free(ws_arrays *a)
{
    stp_path_ws *w = &a->w;
    void *all[] = {w->c,           w->d,          w->seize,    w->repay, w->bad,     w->liq,
                   w->grace_since, w->grace_last, w->sell_q,   w->cand,  w->sellers, w->pend,
                   w->due,         w->next_ok,    w->last_act, w->acted, w->lp_out,  w->pool_ring,
                   w->oracle_ring, w->sync_ring,  w->brk_ring};
    size_t i;
    for (i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

/* path_kernel.cu's agent_logit: the family by search, the scalar model. */
static float agent_logit(const stp_path_ws *w, const stp_path_tables *tb, int a, int t)
{
    float x[STP_FEATURES];
    int f = 0;
    while (a >= tb->family_start[f + 1])
        f++;
    stp_agent_features(x, 1, w, tb, a, t);
    return stp_model_logit((stp_family_kind)tb->family_kind[f], tb->family_hidden[f],
                           tb->params + a, tb->n_agents, x);
}

/* path_kernel's body for one path, the block's loops run in index order. */
static void kernel_path(const stp_path_tables *tb, ws_arrays *a, long long path, double *o)
{
    stp_path_state s;
    stp_path_ws *w = &a->w;
    const stp_sample_row row = {NULL, NULL, NULL, NULL};
    const int n_steps = tb->prm.n_steps, nh = stp_path_history_len(&tb->prm);
    int i, t;
    unsigned char *flag =
        zalloc((size_t)(tb->n_positions > tb->n_agents ? tb->n_positions : tb->n_agents), 1);
    stp_path_init_state(&s, &tb->prm);
    for (i = 0; i < tb->n_agents; i++)
        stp_path_init_agent(w, &tb->prm, i);
    for (i = 0; i < tb->n_positions; i++)
        stp_path_init_position(w, tb, i);
    for (i = 0; i < nh; i++)
        stp_path_init_history(w, &tb->prm, i);
    if (n_steps > 0) {
        stp_market_step(&s, tb, path, 0);
        stp_features_step(&s, w, &tb->prm, tb->n_agents, 0);
    }
    for (t = 0; t < n_steps; t++) {
        int n_cand = 0, n_liq = 0;
        float price;
        if (s.any_exploit)
            for (i = 0; i < tb->n_positions; i++)
                stp_exploit_position(&s, w, tb, i);
        for (i = 0; i < tb->n_agents; i++) /* screen_compact: flags, then the list */
            flag[i] = (unsigned char)stp_agent_candidate(w, tb, i, t, agent_logit(w, tb, i, t));
        for (i = 0; i < tb->n_agents; i++)
            if (flag[i]) w->cand[n_cand++] = i;
        price = (float)s.oracle;
        for (i = 0; i < tb->n_positions; i++)
            flag[i] = (unsigned char)stp_position_screen(w, tb, i, price);
        for (i = 0; i < tb->n_positions; i++)
            if (flag[i]) w->liq[n_liq++] = i;
        s.n_cand = n_cand;
        stp_agents_act(&s, w, tb, path, t);
        s.n_liq = n_liq;
        stp_liquidation_and_batch(&s, w, tb, t);
        stp_path_bookkeeping(&s, w, tb, row, t);
        if (t + 1 < n_steps) {
            stp_market_step(&s, tb, path, t + 1);
            stp_features_step(&s, w, &tb->prm, tb->n_agents, t + 1);
        }
    }
    stp_path_outcomes(&s, w, tb, o);
    free(flag);
}

static void expect_kernel_order_matches(const char *extra)
{
    stp_error err = {STP_OK, ""};
    stp_config *cfg = NULL;
    stp_population *pop = NULL;
    stp_scenario_table *scen = NULL;
    stp_tables *tabs = NULL;
    stp_outcomes out;
    stp_sim_ctx ctx;
    ws_arrays a;
    const char *sets[2] = {"run.seed=7", extra};
    long long p;
    int m, differ = 0;
    cr_assert_eq(
        stp_config_load(&cfg, STP_SOURCE_DIR "/configs/quickstart.json", sets, extra ? 2 : 1, &err),
        STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create(&pop, cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&scen, cfg, 0, PATHS, &err), STP_OK, "%s", err.msg);
    memset(&out, 0, sizeof out);
    out.n = PATHS;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        out.v[m] = zalloc(PATHS, sizeof(double));
    memset(&ctx, 0, sizeof ctx);
    ctx.prm = stp_params_derive(cfg);
    ctx.cfg = cfg;
    ctx.pop = pop;
    ctx.scen = scen;
    ctx.out = &out;
    cr_assert_eq(stp_cpu_run_batch(&ctx, 0, PATHS, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_tables_create(&tabs, &ctx.prm, cfg, pop, scen, &err), STP_OK, "%s", err.msg);
    ws_alloc(&a, &tabs->view);
    for (p = 0; p < PATHS; p++) {
        double o[STP_N_OUTCOMES];
        kernel_path(&tabs->view, &a, p, o);
        for (m = 0; m < STP_N_OUTCOMES; m++)
            if (memcmp(&o[m], &out.v[m][p], sizeof(double)) != 0) {
                differ++;
                cr_log_error("path %lld %s: kernel order %.17g, OpenMP %.17g", p,
                             stp_outcome_names[m], o[m], out.v[m][p]);
            }
    }
    cr_expect_eq(differ, 0, "%d outcomes differ (%s)", differ, extra ? extra : "quickstart");
    ws_free(&a);
    stp_tables_destroy(tabs);
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(out.v[m]);
    stp_scenario_table_destroy(scen);
    stp_population_destroy(pop);
    stp_config_destroy(cfg);
}

Test(kernel_order, matches_the_openmp_backend_on_quickstart, .timeout = 300)
{
    expect_kernel_order_matches(NULL);
}

Test(kernel_order, matches_the_openmp_backend_with_every_shock_kind, .timeout = 300)
{
    expect_kernel_order_matches(stress_shocks);
}

Test(kernel_order, matches_the_openmp_backend_with_every_mitigation, .timeout = 300)
{
    expect_kernel_order_matches(all_mitigations);
}
