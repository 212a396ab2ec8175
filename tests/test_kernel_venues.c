/* The CUDA kernel's multi-venue body run on the host. kernels/venues_kernel.cu
 * expands STP_VENUE_BODY (stampede/block_venues.h) with threadIdx.x and
 * __syncthreads(); run_paths() below expands the same macro with loops
 * over the block's threads, one phase after another, so the host runs the
 * kernel's phases, lists and lanes in the kernel's order. Every output
 * column (the system's, its contagion columns and every venue's record)
 * and venue 0's sample rows must equal the OpenMP backend's
 * (simulate_venues) bit for bit, on configs with links with latency, a
 * bridge_halt, scoped gaps, an exploit, mirrors of cross-venue agents,
 * features_from largest_move and a derivative asset with a depeg, with
 * block sizes that do and do not divide the populations. What the host
 * cannot check, the device's arithmetic and barriers, tests/test_cuda.c
 * checks on a device. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "stampede/block_venues.h"
#include "stampede/engine.h"
#include "stampede/path.h"
#include "stampede/scenario.h"
#include "stampede/tables.h"
#include "stampede/venues.h"
#include "stampede/venues_view.h"

typedef struct venue_run {
    stp_config *cfg;
    stp_venues *vs;
    stp_scenario_table *scen;
    stp_outcomes out;
    stp_samples smp;
} venue_run;

static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    cr_assert_not_null(p);
    return p;
}

static void samples_alloc(stp_samples *s, int k, int n_steps)
{
    const size_t cells = (size_t)k * (size_t)n_steps;
    memset(s, 0, sizeof *s);
    s->k = k;
    s->n_steps = n_steps;
    s->price = zalloc(cells, sizeof(float));
    s->pool_depth = zalloc(cells, sizeof(float));
    s->sync = zalloc(cells, sizeof(float));
    s->liquidations = zalloc(cells, sizeof(float));
}

static void samples_free(stp_samples *s)
{
    free(s->price);
    free(s->pool_depth);
    free(s->sync);
    free(s->liquidations);
}

/* The run of a config (JSON text, or a file when json is NULL), its
 * venues' population 0 and the OpenMP backend's outcomes and samples. */
static void open_run(venue_run *r, const char *json, const char *file, const char *const *sets,
                     int n_sets)
{
    stp_error err = {STP_OK, ""};
    stp_sim_ctx ctx;
    int c;
    memset(r, 0, sizeof *r);
    if (json)
        cr_assert_eq(stp_config_parse(&r->cfg, json, STP_SOURCE_DIR "/configs/test.json", sets,
                                      n_sets, &err),
                     STP_OK, "%s", err.msg);
    else
        cr_assert_eq(stp_config_load(&r->cfg, file, sets, n_sets, &err), STP_OK, "%s", err.msg);
    cr_assert_geq(r->cfg->n_venues, 2);
    cr_assert_eq(stp_venues_create(&r->vs, r->cfg, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&r->scen, r->cfg, 0, r->cfg->run.paths, &err), STP_OK,
                 "%s", err.msg);
    r->out.n = r->cfg->run.paths;
    r->out.n_cols = stp_outcome_columns(r->cfg->n_venues);
    for (c = 0; c < r->out.n_cols; c++)
        r->out.v[c] = zalloc((size_t)r->out.n, sizeof(double));
    samples_alloc(&r->smp, (int)r->out.n, r->vs->prm[0].n_steps);
    memset(&ctx, 0, sizeof ctx);
    ctx.prm = r->vs->prm[0];
    ctx.cfg = r->cfg;
    ctx.pop = r->vs->pop[0];
    ctx.scen = r->scen;
    ctx.out = &r->out;
    ctx.samples = &r->smp;
    ctx.venues = r->vs;
    cr_assert_eq(stp_cpu_run_batch(&ctx, 0, r->out.n, 2, &err), STP_OK, "%s", err.msg);
}

static void close_run(venue_run *r)
{
    int c;
    for (c = 0; c < r->out.n_cols; c++)
        free(r->out.v[c]);
    samples_free(&r->smp);
    stp_scenario_table_destroy(r->scen);
    stp_venues_destroy(r->vs);
    stp_config_destroy(r->cfg);
}

/* The kernel's shared memory per venue for the feature ring
 * (kernels/path_kernel.cuh's STP_DEV_FIXED_BYTES). */
#define FIXED_BYTES (STP_FEAT_RING_LEN * sizeof(float))

/* STP_VENUE_BODY's phases one after another: every thread tid < nt in
 * turn, or every lane q < n; the loops are the barriers. */
#define ALL_HOST(tid, nt, stmt)                                                                    \
    for (tid = 0; tid < (nt); tid++) {                                                             \
        stmt;                                                                                      \
    }
#define LANES_HOST(q, tid, nt, n, nmax, stmt)                                                      \
    for (q = 0; q < (n); q++) {                                                                    \
        stmt;                                                                                      \
    }

/* Every path of r through the venue body in blocks nt threads wide:
 * out[col] and samples like r's. Each path's scratch is one slot carved
 * as the CUDA engine carves a device slot (stp_venues_layout_of), the
 * feature rings apart as in the kernel's shared memory, and both start
 * as garbage, as device memory does (the engine never clears it): the
 * body must set everything it reads. */
static void run_paths(const venue_run *r, int nt, stp_outcomes *out, stp_samples *smp)
{
    const stp_venues *vs = r->vs;
    const int nv = vs->n;
    stp_error err = {STP_OK, ""};
    stp_tables *tabs[STP_MAX_VENUES];
    stp_path_tables tb[STP_MAX_VENUES];
    stp_path_ws w[STP_MAX_VENUES];
    stp_path_state s[STP_MAX_VENUES];
    stp_sample_row row[STP_MAX_VENUES];
    stp_venues_layout lay;
    unsigned char *slot, *fixed;
    double ov[STP_MAX_VENUES * STP_N_VENUE_OUTCOMES], rec[STP_MAX_OUTCOME_COLS];
    stp_venues_view vv;
    stp_vblock b;
    long long p;
    int v, c, tid, q;
    memset(&b, 0, sizeof b);
    for (v = 0; v < nv; v++) {
        cr_assert_eq(stp_tables_create(&tabs[v], &vs->prm[v], vs->cfg[v], vs->pop[v], r->scen,
                                       &err),
                     STP_OK, "%s", err.msg);
        cr_assert_eq(stp_tables_scope(tabs[v], r->cfg, v, vs->cfg[v]->venue, r->scen, &err),
                     STP_OK, "%s", err.msg);
        cr_assert_eq(stp_tables_mirror(tabs[v], vs->pop[v], vs, v, &err), STP_OK, "%s", err.msg);
        tb[v] = tabs[v]->view;
        cr_assert_eq(tb[v].n_agents - stp_vblock_n_model(&tb[v]), vs->mirror[v].n);
        cr_assert_leq(stp_path_ws_bytes(&tb[v], STP_WS_FIXED), FIXED_BYTES);
    }
    stp_venues_view_fill(&vv, vs, tb);
    stp_venues_layout_of(&lay, tb, nv, vs->ring_at[vs->n_links]);
    cr_assert_not_null(slot = aligned_alloc(STP_WS_ALIGN, lay.slot_bytes));
    cr_assert_not_null(fixed = aligned_alloc(STP_WS_ALIGN, STP_MAX_VENUES * FIXED_BYTES));
    memset(slot, 0xa5, lay.slot_bytes);
    memset(fixed, 0xa5, STP_MAX_VENUES * FIXED_BYTES);
    b.vv = &vv;
    b.w = w;
    b.s = s;
    b.row = row;
    b.cnt = zalloc(2 * STP_MAX_VENUES * (size_t)nt, sizeof(int));
    b.ov = ov;
    stp_vblock_carve(&b, &lay, slot);
    for (v = 0; v < nv; v++)
        stp_vblock_bind(&w[v], &tb[v], &lay, v, slot, fixed + (size_t)v * FIXED_BYTES);
    for (p = 0; p < out->n; p++) {
        b.path = p;
        for (v = 0; v < nv; v++)
            row[v] = stp_venue_sample_row(smp->price, smp->pool_depth, smp->sync,
                                          smp->liquidations, smp->k, smp->n_steps, smp->n_venues,
                                          v, p);
        STP_VENUE_BODY(&b, tid, nt, q, t, ALL_HOST, LANES_HOST);
        stp_vblock_record(&b, rec, 1, out->n_cols);
        for (c = 0; c < out->n_cols; c++)
            out->v[c][p] = rec[c];
    }
    free(b.cnt);
    free(slot);
    free(fixed);
    for (v = 0; v < nv; v++)
        stp_tables_destroy(tabs[v]);
}

/* The body against the OpenMP backend on r, nt threads a block: every
 * column of every path, and venue 0's sample rows, bit for bit. */
static void expect_same(const venue_run *r, int nt, const char *what)
{
    const size_t cells = (size_t)r->smp.k * (size_t)r->smp.n_steps;
    stp_outcomes out;
    stp_samples smp;
    long long p;
    int c, differ = 0;
    memset(&out, 0, sizeof out);
    out.n = r->out.n;
    out.n_cols = r->out.n_cols;
    for (c = 0; c < out.n_cols; c++)
        out.v[c] = zalloc((size_t)out.n, sizeof(double));
    samples_alloc(&smp, r->smp.k, r->smp.n_steps);
    run_paths(r, nt, &out, &smp);
    for (p = 0; p < out.n; p++)
        for (c = 0; c < out.n_cols; c++)
            if (memcmp(&out.v[c][p], &r->out.v[c][p], sizeof(double)) != 0 && differ++ < 20)
                cr_log_error("%s: path %lld column %d: kernel body %.17g, OpenMP %.17g", what, p,
                             c, out.v[c][p], r->out.v[c][p]);
    cr_expect_eq(differ, 0, "%s, %d threads: %d values differ", what, nt, differ);
    cr_expect(memcmp(smp.price, r->smp.price, cells * sizeof(float)) == 0 &&
                  memcmp(smp.pool_depth, r->smp.pool_depth, cells * sizeof(float)) == 0 &&
                  memcmp(smp.sync, r->smp.sync, cells * sizeof(float)) == 0 &&
                  memcmp(smp.liquidations, r->smp.liquidations, cells * sizeof(float)) == 0,
              "%s, %d threads: the sample rows differ", what, nt);
    for (c = 0; c < out.n_cols; c++)
        free(out.v[c]);
    samples_free(&smp);
}

/* A column varies over the paths: the comparison is not of constants. */
static void expect_varies(const venue_run *r, int c, const char *what)
{
    long long p;
    int varies = 0;
    for (p = 1; p < r->out.n; p++)
        varies |= r->out.v[c][p] != r->out.v[c][0];
    cr_expect(varies, "%s: column %d is the same on every path", what, c);
}

/* Three venues: alpha and beta on asset x joined by a link of 5 s, gamma
 * on y, a derivative of x; alpha's cross-venue agents read the largest
 * move, beta's their home; a gap on alpha, a bridge_halt on beta, a depeg
 * of y and an exploit of gamma's protocol. %d paths, seed %llu. */
static const char linked_fmt[] =
    "{\"run\": {\"paths\": %d, \"seed\": %llu}, \"time\": {\"dt_s\": 1, \"horizon_s\": 240},"
    "\"market\": {\"vol\": {\"calm_to_stress_per_s\": 0.002}, \"jumps\": {\"rate_per_s\": 0.002},"
    "  \"noise\": {\"dist\": \"normal\"}},"
    "\"assets\": [{\"name\": \"x\"}, {\"name\": \"y\", \"parent\": \"x\", \"peg0\": 0.998}],"
    "\"pool\": {\"depth_usd\": 1e8},"
    "\"venues\": [{\"name\": \"alpha\", \"asset\": \"x\", \"set\": {"
    "    \"population.cross_venue_share\": 0.3, \"population.features_from\": \"largest_move\"}},"
    "  {\"name\": \"beta\", \"asset\": \"x\", \"set\": {\"pool.depth_usd\": 4e7,"
    "    \"population.cross_venue_share\": 0.2%s}},"
    "  {\"name\": \"gamma\", \"asset\": \"y\", \"set\": {\"pool.depth_usd\": 6e7}}],"
    "\"links\": [{\"name\": \"bridge\", \"a\": \"alpha\", \"b\": \"beta\", \"latency_s\": %d,"
    "  \"capacity_usd_per_s\": 2e6, \"cost\": 0.0005}],"
    "\"protocols\": [{\"name\": \"a_lend\", \"venue\": \"alpha\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
    "  {\"name\": \"b_lend\", \"venue\": \"beta\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075},"
    "  {\"name\": \"c_lend\", \"venue\": \"gamma\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.78, \"liquidation_bonus\": 0.07}],"
    "\"population\": {\"agents\": 70, \"passive_positions\": 45, \"lp_share\": 0.2,"
    "  \"collateral_usd\": {\"total\": 6e7, \"log_sd\": 1.0},"
    "  \"hf0\": {\"min\": 1.03, \"median\": 1.15, \"log_sd\": 0.1},"
    "  \"threshold\": {\"mean\": 0.55, \"sd\": 0.05},"
    "  \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 0.6},"
    "    {\"model\": \"models/drawdown_rule.json\", \"share\": 0.2},"
    "    {\"model\": \"models/vol_target_rule.json\", \"share\": 0.2}]},"
    "\"scenario\": {\"shocks\": ["
    "  {\"kind\": \"gap\", \"venue\": \"alpha\", \"count\": 1, \"time_s\": [20, 120],"
    "   \"duration_s\": 3, \"size\": {\"mean\": -0.2, \"sd\": 0.05}},"
    "  {\"kind\": \"bridge_halt\", \"venue\": \"beta\", \"count\": 1,"
    "   \"time_s\": [0, 150], \"duration_s\": [10, 60]},"
    "  {\"kind\": \"depeg\", \"asset\": \"y\", \"count\": 1, \"time_s\": [10, 200],"
    "   \"duration_s\": 5, \"size\": {\"mean\": -0.05, \"sd\": 0.02}},"
    "  {\"kind\": \"exploit\", \"protocol\": \"c_lend\", \"count\": 1,"
    "   \"time_s\": [0, 200], \"size\": {\"mean\": -0.1, \"sd\": 0.03}}]},"
    "\"cascade\": {\"drawdown\": 0.08, \"liquidation_usd\": 1e5, \"venues\": 2}}";

/* Paths of r on which a shock of kind k is active. */
static int paths_with(const venue_run *r, int kind)
{
    const stp_scenario_table *sc = r->scen;
    long long p;
    int k, n = 0;
    for (p = 0; p < sc->n_paths; p++) {
        int any = 0;
        for (k = 0; k < sc->n_slots; k++)
            any |= sc->slot_kind[k] == kind && sc->active[(size_t)p * (size_t)sc->n_slots + (size_t)k];
        n += any;
    }
    return n;
}

/* 16 paths, each with one bridge_halt, one depeg and one exploit at a
 * random time; the checks that they happen guard the config's text. */
static void open_linked(venue_run *r, unsigned long long seed, int latency, const char *beta_extra)
{
    char json[8192];
    snprintf(json, sizeof json, linked_fmt, 16, seed, beta_extra, latency);
    open_run(r, json, NULL, NULL, 0);
    cr_assert_gt(r->vs->mirror[1].n, 0, "beta holds alpha's cross-venue agents' mirrors");
    cr_assert_eq(r->vs->n_links, 1);
    cr_expect_gt(paths_with(r, STP_SHOCK_BRIDGE_HALT), 0, "no bridge_halt (seed %llu)", seed);
    cr_expect_gt(paths_with(r, STP_SHOCK_DEPEG), 0, "no depeg (seed %llu)", seed);
    cr_expect_gt(paths_with(r, STP_SHOCK_EXPLOIT), 0, "no exploit (seed %llu)", seed);
}

Test(kernel_venues, matches_the_openmp_backend_on_linked_venues_with_every_channel,
     .timeout = 300)
{
    const unsigned long long seed = test_seed();
    venue_run r;
    char what[64];
    snprintf(what, sizeof what, "linked venues, seed %llu", seed);
    open_linked(&r, seed, 5, "");
    expect_varies(&r, STP_OUT_MAX_DRAWDOWN, what);
    expect_varies(&r, stp_venue_column(1, STP_OUT_FINAL_PRICE_RATIO), what);
    expect_same(&r, 256, what);
    expect_same(&r, 96, what);
    close_run(&r);
}

Test(kernel_venues, matches_the_openmp_backend_with_a_zero_latency_link, .timeout = 300)
{
    const unsigned long long seed = test_seed();
    venue_run r;
    char what[64];
    snprintf(what, sizeof what, "zero-latency link, seed %llu", seed);
    open_linked(&r, seed, 0, "");
    expect_same(&r, 64, what);
    close_run(&r);
}

/* beta's oracle reads alpha's pool (oracle.source): the kernel opens every
 * venue's next step in a phase after every venue's (8), and the venues'
 * records must still be the OpenMP backend's; that beta's differ from its
 * own oracle's shows the source was read. */
Test(kernel_venues, matches_the_openmp_backend_with_an_oracle_on_another_venue, .timeout = 300)
{
    const unsigned long long seed = test_seed();
    venue_run r, own;
    char what[64];
    long long p;
    int m, differ = 0;
    snprintf(what, sizeof what, "oracle.source, seed %llu", seed);
    open_linked(&r, seed, 5, ", \"oracle.source\": \"alpha\"");
    cr_assert(r.vs->foreign_oracle && r.vs->oracle_src[1] == 0 && r.vs->oracle_src[0] == 0);
    expect_same(&r, 96, what);
    open_linked(&own, seed, 5, "");
    for (p = 0; p < r.out.n; p++)
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            differ += r.out.v[stp_venue_column(1, m)][p] != own.out.v[stp_venue_column(1, m)][p];
    cr_assert_gt(differ, 0, "beta's record is its own oracle's (%s)", what);
    close_run(&own);
    close_run(&r);
}

/* test_cuda's device case on the host: two_venues.json with global
 * mitigations, shared jumps and L2's oracle on L1's pool with no delay. */
Test(kernel_venues, matches_the_openmp_backend_on_the_device_checks_mixed_case, .timeout = 300)
{
    const unsigned long long seed = test_seed();
    char s_seed[48], what[64];
    const char *sets[] = {
        s_seed, "run.paths=8", "time.horizon_s=600",
        "mitigations.circuit_breaker.enabled=true", "mitigations.circuit_breaker.global=true",
        "mitigations.risk_signal.enabled=true", "mitigations.risk_signal.global=true",
        "market.jumps.shared=true",
        "venues=[{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", \"asset\": "
        "\"ETH\", \"set\": {\"pool.depth_usd\": 2e8, \"pool.fee\": 0.0005, \"oracle.delay_s\": 0, "
        "\"oracle.source\": \"L1\", \"population.collateral_usd.total\": 1e8}}, {\"name\": "
        "\"L3\", \"asset\": \"BTC\", \"set\": {\"pool.depth_usd\": 4e8, "
        "\"population.collateral_usd.total\": 2e8}}]"};
    venue_run r;
    snprintf(s_seed, sizeof s_seed, "run.seed=%llu", seed);
    snprintf(what, sizeof what, "mixed case, seed %llu", seed);
    open_run(&r, NULL, STP_SOURCE_DIR "/configs/two_venues.json", sets, 9);
    cr_assert(r.vs->foreign_oracle && r.vs->prm[0].breaker_global && r.vs->prm[2].jumps_shared);
    expect_same(&r, 256, what);
    close_run(&r);
}

/* Global mitigations (system_step.h): the kernel's breaker between every
 * venue's decisions and actions and its signal after the links must be
 * the OpenMP backend's; that they changed the paths at all (against the
 * same mitigations per venue) shows the global phases ran. */
Test(kernel_venues, matches_the_openmp_backend_with_global_mitigations, .timeout = 300)
{
    const unsigned long long seed = test_seed();
    const char *sets[] = {"mitigations.circuit_breaker.enabled=true",
                          "mitigations.circuit_breaker.max_sync_fraction=0.05",
                          "mitigations.circuit_breaker.cooldown_s=20",
                          "mitigations.risk_signal.enabled=true",
                          "mitigations.risk_signal.stagger_s=10",
                          "mitigations.circuit_breaker.global=true",
                          "mitigations.risk_signal.global=true"};
    char json[8192], what[64];
    venue_run r, local;
    long long p;
    int c, differ = 0;
    snprintf(json, sizeof json, linked_fmt, 16, seed, "", 5);
    snprintf(what, sizeof what, "global mitigations, seed %llu", seed);
    open_run(&r, json, NULL, sets, 7);
    cr_assert(r.vs->prm[0].breaker_global && r.vs->prm[2].signal_global);
    expect_same(&r, 96, what);
    open_run(&local, json, NULL, sets, 5);
    for (c = 0; c < r.out.n_cols; c++)
        for (p = 0; p < r.out.n; p++)
            differ += r.out.v[c][p] != local.out.v[c][p];
    cr_assert_gt(differ, 0, "global and per-venue mitigations gave the same paths (%s)", what);
    close_run(&local);
    close_run(&r);
}

/* Rows per venue (outcomes.h: venue v's row of path p at (v k + p)
 * n_steps), as a writer asks with samples.n_venues = V: venue 0's rows
 * are the OpenMP backend's, and venue v's row is venue v's, its last
 * price its record's final price ratio times its P0 (to float rounding)
 * and its pool's depth its own, not another venue's. */
Test(kernel_venues, writes_a_sample_row_per_venue_where_asked, .timeout = 300)
{
    const unsigned long long seed = test_seed();
    venue_run r;
    stp_outcomes out;
    stp_samples smp;
    long long p;
    int v, c, nv, n;
    open_linked(&r, seed, 5, "");
    nv = r.vs->n;
    n = r.smp.n_steps;
    memset(&out, 0, sizeof out);
    out.n = r.out.n;
    out.n_cols = r.out.n_cols;
    for (c = 0; c < out.n_cols; c++)
        out.v[c] = zalloc((size_t)out.n, sizeof(double));
    samples_alloc(&smp, nv * r.smp.k, n); /* nv rows of k paths */
    smp.k = r.smp.k;
    smp.n_venues = nv;
    run_paths(&r, 128, &out, &smp);
    cr_expect(memcmp(smp.price, r.smp.price, (size_t)smp.k * (size_t)n * sizeof(float)) == 0 &&
                  memcmp(smp.pool_depth, r.smp.pool_depth,
                         (size_t)smp.k * (size_t)n * sizeof(float)) == 0,
              "venue 0's rows are not the OpenMP backend's (seed %llu)", seed);
    for (v = 0; v < nv; v++)
        for (p = 0; p < smp.k; p++) {
            const size_t at = ((size_t)v * (size_t)smp.k + (size_t)p) * (size_t)n;
            const double last = smp.price[at + (size_t)n - 1],
                         want = out.v[stp_venue_column(v, STP_OUT_FINAL_PRICE_RATIO)][p] *
                                r.vs->prm[v].price0;
            cr_expect(fabs(last - want) <= 1e-6 * want,
                      "venue %d path %lld: last sampled price %.9g, record %.9g (seed %llu)", v, p,
                      last, want, seed);
            cr_expect(v == 0 || smp.pool_depth[at] != smp.pool_depth[(size_t)p * (size_t)n],
                      "venue %d path %lld's depth row is venue 0's (seed %llu)", v, p, seed);
        }
    for (c = 0; c < out.n_cols; c++)
        free(out.v[c]);
    samples_free(&smp);
    close_run(&r);
}

/* The shipped configs, short: two_venues.json (three venues on two
 * assets, scoped gaps, an exploit), contagion.json with cross-venue
 * agents (a bridge of 12 s, a bridge_halt, a derivative). */
Test(kernel_venues, matches_the_openmp_backend_on_the_shipped_configs, .timeout = 300)
{
    const unsigned long long seed = test_seed();
    char s_seed[48], what[64];
    const char *sets[] = {s_seed, "run.paths=6", "time.horizon_s=600",
                          "population.cross_venue_share=0.2", "population.agents=96",
                          "run.populations=1"};
    venue_run r;
    snprintf(s_seed, sizeof s_seed, "run.seed=%llu", seed);
    snprintf(what, sizeof what, "two_venues.json, seed %llu", seed);
    open_run(&r, NULL, STP_SOURCE_DIR "/configs/two_venues.json", sets, 3);
    expect_same(&r, 256, what);
    close_run(&r);
    snprintf(what, sizeof what, "contagion.json, seed %llu", seed);
    open_run(&r, NULL, STP_SOURCE_DIR "/configs/contagion.json", sets, 6);
    cr_assert_gt(r.vs->mirror[0].n + r.vs->mirror[1].n + r.vs->mirror[2].n, 0);
    expect_same(&r, 96, what);
    close_run(&r);
}

/* The shared largest-move rule on its own: the deepest drawdown wins,
 * ties go to the home venue, then to the first of equals. */
Test(kernel_venues, largest_move_prefers_deeper_then_home)
{
    const float dd[4] = {0.5f, 1.5f, 1.5f, 0.25f}, flat[3] = {1.0f, 1.0f, 1.0f};
    cr_expect_eq(stp_largest_move_venue(dd, 4, 0), 1);
    cr_expect_eq(stp_largest_move_venue(dd, 4, 2), 2);
    cr_expect_eq(stp_largest_move_venue(dd, 4, 3), 1);
    cr_expect_eq(stp_largest_move_venue(flat, 3, 1), 1);
}
