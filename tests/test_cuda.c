/* GPU tests of the CUDA backend (DESIGN §4): cuRAND's device Philox against
 * Random123 bit for bit, GPU outcomes against the OpenMP backend path by
 * path on the quickstart config, the device's stp_tanhf against the host's
 * on every float, and GPU results independent of the launch size. Without a usable device the binary prints one SKIP line naming
 * what did not run and exits 77, which ctest reports as "Skipped" (never
 * as passed). Run from the repository root (models/ paths). Named for the
 * backend it holds to the OpenMP one (kernels/ against host/sim/), not for
 * one host module. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/cuda.h"
#include "stampede/engine.h"
#include "stampede/params.h"
#include "stampede/rng.h"
#include "stampede/scenario.h"
#include "stampede/step.h"
#include "stampede/venues.h"
#include "seed.h"
#include "stress_shocks.h"

#define SKIP_CODE 77

#define SAMPLE_PATHS 8

typedef struct sim {
    stp_config *cfg;
    stp_population *pop;
    stp_scenario_table *scen;
    stp_outcomes out;
    stp_samples samples; /* the first SAMPLE_PATHS paths, [k][step] */
    stp_sim_ctx ctx;
} sim;

static float *sample_buf(const sim *s)
{
    float *p = calloc((size_t)SAMPLE_PATHS * (size_t)s->ctx.prm.n_steps, sizeof(float));
    cr_assert_not_null(p);
    return p;
}

/* quickstart.json with run.paths = paths and an optional extra --set. */
static void sim_open(sim *s, long long paths, const char *extra)
{
    stp_error err = {STP_OK, ""};
    char set[64];
    const char *sets[2];
    int m;
    memset(s, 0, sizeof *s);
    snprintf(set, sizeof set, "run.paths=%lld", paths);
    sets[0] = set;
    sets[1] = extra;
    cr_assert_eq(stp_config_load(&s->cfg, STP_SOURCE_DIR "/configs/quickstart.json", sets,
                                 extra ? 2 : 1, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create(&s->pop, s->cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&s->scen, s->cfg, 0, paths, &err), STP_OK, "%s",
                 err.msg);
    s->out.n = paths;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        cr_assert_not_null(s->out.v[m] = calloc((size_t)paths, sizeof(double)));
    s->ctx.prm = stp_params_derive(s->cfg);
    s->ctx.cfg = s->cfg;
    s->ctx.pop = s->pop;
    s->ctx.scen = s->scen;
    s->ctx.out = &s->out;
    s->samples.k = SAMPLE_PATHS;
    s->samples.n_steps = s->ctx.prm.n_steps;
    s->samples.dt_s = s->ctx.prm.dt_s;
    s->samples.price = sample_buf(s);
    s->samples.pool_depth = sample_buf(s);
    s->samples.sync = sample_buf(s);
    s->samples.liquidations = sample_buf(s);
    s->ctx.samples = &s->samples;
}

/* Moves the sample rows into rows[4] (price, depth, sync, liquidations). */
static void take_samples(sim *s, float **rows)
{
    rows[0] = s->samples.price;
    rows[1] = s->samples.pool_depth;
    rows[2] = s->samples.sync;
    rows[3] = s->samples.liquidations;
    s->samples.price = sample_buf(s);
    s->samples.pool_depth = sample_buf(s);
    s->samples.sync = sample_buf(s);
    s->samples.liquidations = sample_buf(s);
}

static void sim_close(sim *s)
{
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(s->out.v[m]);
    free(s->samples.price);
    free(s->samples.pool_depth);
    free(s->samples.sync);
    free(s->samples.liquidations);
    stp_scenario_table_destroy(s->scen);
    stp_population_destroy(s->pop);
    stp_config_destroy(s->cfg);
}

/* Runs every path on the GPU in launches of at most max_batch paths; the
 * outcomes are moved into *cols (caller frees each). */
static void gpu_outcomes(sim *s, long long max_batch, double **cols)
{
    stp_error err = {STP_OK, ""};
    stp_cuda_engine *e = NULL;
    int m;
    cr_assert_eq(stp_cuda_engine_create(&e, &s->ctx, max_batch, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_cuda_run_batch(e, &s->ctx, 0, s->out.n, &err), STP_OK, "%s", err.msg);
    stp_cuda_engine_destroy(e);
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        cols[m] = s->out.v[m];
        cr_assert_not_null(s->out.v[m] = calloc((size_t)s->out.n, sizeof(double)));
    }
}

static void require_gpu(void)
{
    char why[256];
    if (stp_cuda_device_count(why, sizeof why) == 0) cr_skip_test("no CUDA device: %s", why);
}

/* Fresh keys and counters each run (srand of the test seed, which
 * tests/seed.h prints). */
Test(cuda, curand_device_words_equal_random123_bit_for_bit)
{
    enum { N = 1 << 16 };
    const unsigned seed0 = (unsigned)test_seed();
    uint64_t *seed = malloc(N * sizeof *seed);
    uint32_t(*q)[5] = malloc(N * sizeof *q);
    uint32_t(*words)[4] = malloc(N * sizeof *words);
    float(*uni)[4] = malloc(N * sizeof *uni);
    stp_error err = {STP_OK, ""};
    long i;
    int j;
    require_gpu();
    srand(seed0);
    for (i = 0; i < N; i++) {
        seed[i] = (((uint64_t)rand() << 31) ^ (uint64_t)rand() ^ ((uint64_t)rand() << 40)) &
                  ((1ull << 53) - 1);
        q[i][0] = (uint32_t)rand() & 0xff;
        q[i][1] = (uint32_t)rand() * 2u + (uint32_t)(rand() & 1);
        q[i][2] = (uint32_t)rand();
        q[i][3] = (uint32_t)rand() & 0x3fffffff;
        q[i][4] = (uint32_t)rand() * 2u + (uint32_t)(rand() & 1);
    }
    cr_assert_eq(stp_cuda_philox_sample(seed, (const uint32_t(*)[5])q, N, words, uni, &err), STP_OK,
                 "%s", err.msg);
    for (i = 0; i < N; i++) {
        const stp_u32x4 h = stp_philox(seed[i], q[i][0], q[i][1], q[i][2], q[i][3], q[i][4]);
        for (j = 0; j < 4; j++) {
            cr_assert_eq(words[i][j], h.v[j], "srand %u case %ld word %d", seed0, i, j);
            /* cuRAND's curand_uniform4 against stp_uniform: identical bits */
            cr_assert_eq(memcmp(&uni[i][j], &(float){stp_uniform(h.v[j])}, sizeof(float)), 0,
                         "srand %u case %ld uniform %d: %a != %a", seed0, i, j, uni[i][j],
                         stp_uniform(h.v[j]));
        }
    }
    free(seed);
    free(q);
    free(words);
    free(uni);
}

/* The device's stp_tanhf (its division written out from rcp.approx,
 * step.h) equals the host's on every float, bit for bit; a NaN need only
 * give a NaN. Chunks of 2^26 floats. */
Test(cuda, device_tanh_equals_host_tanh_on_every_float, .timeout = 600)
{
    const long chunk = 1L << 26;
    float *y = malloc((size_t)chunk * sizeof *y);
    stp_error err = {STP_OK, ""};
    uint64_t first, bad = 0;
    long i;
    require_gpu();
    cr_assert_not_null(y);
    for (first = 0; first < (1ull << 32); first += (uint64_t)chunk) {
        cr_assert_eq(stp_cuda_tanh_sample((uint32_t)first, chunk, y, &err), STP_OK, "%s", err.msg);
        for (i = 0; i < chunk; i++) {
            const uint32_t b = (uint32_t)(first + (uint64_t)i);
            float x, h;
            memcpy(&x, &b, sizeof x);
            h = stp_tanhf(x);
            if (isnan(x) ? !isnan(y[i]) : memcmp(&h, &y[i], sizeof h) != 0) {
                if (bad < 5) cr_log_error("tanh(%a): device %a, host %a", x, y[i], h);
                bad++;
            }
        }
    }
    free(y);
    cr_assert_eq(bad, 0, "%llu floats differ", (unsigned long long)bad);
}

/* The same seed gives the same GPU results whatever the launch size. */
Test(cuda, gpu_results_do_not_depend_on_launch_size, .timeout = 600)
{
    enum { PATHS = 300 };
    sim s;
    double *a[STP_N_OUTCOMES], *b[STP_N_OUTCOMES];
    float *sa[4], *sb[4];
    int m;
    require_gpu();
    sim_open(&s, PATHS, stress_shocks);
    gpu_outcomes(&s, PATHS, a);
    take_samples(&s, sa);
    gpu_outcomes(&s, 3, b); /* the sampled paths span three launches, then 37 */
    take_samples(&s, sb);
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        cr_assert_eq(memcmp(a[m], b[m], PATHS * sizeof(double)), 0, "outcome %s",
                     stp_outcome_names[m]);
        free(b[m]);
    }
    gpu_outcomes(&s, 37, b); /* 37 does not divide 300: a ragged last launch */
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        cr_assert_eq(memcmp(a[m], b[m], PATHS * sizeof(double)), 0, "outcome %s",
                     stp_outcome_names[m]);
        free(a[m]);
        free(b[m]);
    }
    for (m = 0; m < 4; m++) {
        cr_assert_eq(memcmp(sa[m], sb[m], SAMPLE_PATHS * (size_t)s.ctx.prm.n_steps * sizeof(float)),
                     0, "sample row set %d", m);
        free(sa[m]);
        free(sb[m]);
    }
    sim_close(&s);
}

/* GPU against CPU, path by path, bit for bit (DESIGN §4, issue 10). Both
 * run path.h and step.h with the same fused operations (nvcc --fmad=false,
 * gcc -ffp-contract=off), and every function on the model path (the normal
 * and Student-t transforms, exp, log, expm1, the sine and cosine of
 * Box-Muller, tanh) is written once in fmath.h / step.h from + - * /, fma
 * and sqrt, which both round correctly; cuRAND supplies only the raw
 * Philox words, equal to Random123's. So every outcome of every path, and
 * every sampled step, must be the same bits; each difference is listed. */
static void expect_parity(const char *extra)
{
    enum { PATHS = 512 };
    sim s;
    double *gpu[STP_N_OUTCOMES];
    float *rows[4];
    stp_error err = {STP_OK, ""};
    long long p;
    size_t i, n_rows;
    int m, k, differ = 0, paths_differ = 0, rows_differ = 0;
    require_gpu();
    sim_open(&s, PATHS, extra);
    gpu_outcomes(&s, PATHS, gpu);
    take_samples(&s, rows);
    cr_assert_eq(stp_cpu_run_batch(&s.ctx, 0, PATHS, 0, &err), STP_OK, "%s", err.msg);
    for (p = 0; p < PATHS; p++) {
        int path_differs = 0;
        for (m = 0; m < STP_N_OUTCOMES; m++) {
            const double c = s.out.v[m][p], g = gpu[m][p];
            if (memcmp(&c, &g, sizeof c) == 0) continue;
            differ++;
            path_differs = 1;
            if (differ <= 40)
                fprintf(stderr, "path %lld %s: cpu %.17g gpu %.17g\n", p, stp_outcome_names[m], c,
                        g);
        }
        paths_differ += path_differs;
    }
    n_rows = (size_t)SAMPLE_PATHS * (size_t)s.ctx.prm.n_steps;
    {
        const float *cpu_rows[4] = {s.samples.price, s.samples.pool_depth, s.samples.sync,
                                    s.samples.liquidations};
        for (k = 0; k < 4; k++)
            for (i = 0; i < n_rows; i++)
                rows_differ += memcmp(&rows[k][i], &cpu_rows[k][i], sizeof(float)) != 0;
    }
    fprintf(stderr, "parity%s%s: %d outcome values on %d of %d paths differ; %d sampled values\n",
            extra ? " with " : "", extra ? extra : "", differ, paths_differ, PATHS, rows_differ);
    cr_expect_eq(differ, 0, "%d outcome values on %d of %d paths are not bit-identical", differ,
                 paths_differ, PATHS);
    cr_expect_eq(rows_differ, 0, "%d sampled values are not bit-identical", rows_differ);
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(gpu[m]);
    for (m = 0; m < 4; m++)
        free(rows[m]);
    sim_close(&s);
}

Test(cuda, gpu_matches_cpu_path_by_path_on_quickstart, .timeout = 900)
{
    expect_parity(NULL);
}

Test(cuda, gpu_matches_cpu_path_by_path_with_every_shock_kind, .timeout = 900)
{
    expect_parity(stress_shocks);
}

Test(cuda, gpu_matches_cpu_path_by_path_with_every_mitigation, .timeout = 900)
{
    expect_parity(all_mitigations);
}

Test(cuda, gpu_matches_cpu_path_by_path_with_tilted_jumps, .timeout = 900)
{
    expect_parity(tilted_jumps);
}

/* The kernel's MLP unrolled for the shipped width and its general loop. */
Test(cuda, gpu_matches_cpu_path_by_path_with_mlps_of_two_widths, .timeout = 900)
{
    expect_parity(two_widths);
}

/* A multi-venue config's run (DESIGN §10): its venues' population 0,
 * every outcome column, venue 0's sample rows of the first SAMPLE_PATHS. */
typedef struct venue_sim {
    stp_config *cfg;
    stp_venues *vs;
    stp_scenario_table *scen;
    stp_outcomes out;
    stp_samples samples;
    stp_sim_ctx ctx;
} venue_sim;

static float *sample_row_buf(const stp_samples *smp)
{
    float *p = calloc((size_t)smp->k * (size_t)smp->n_steps, sizeof(float));
    cr_assert_not_null(p);
    return p;
}

static void venue_sim_open(venue_sim *s, const char *file, const char *const *sets, int n_sets)
{
    stp_error err = {STP_OK, ""};
    int c;
    memset(s, 0, sizeof *s);
    cr_assert_eq(stp_config_load(&s->cfg, file, sets, n_sets, &err), STP_OK, "%s", err.msg);
    cr_assert_geq(s->cfg->n_venues, 2);
    cr_assert_eq(stp_venues_create(&s->vs, s->cfg, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&s->scen, s->cfg, 0, s->cfg->run.paths, &err), STP_OK,
                 "%s", err.msg);
    s->out.n = s->cfg->run.paths;
    s->out.n_cols = stp_outcome_columns(s->cfg->n_venues);
    for (c = 0; c < s->out.n_cols; c++)
        cr_assert_not_null(s->out.v[c] = calloc((size_t)s->out.n, sizeof(double)));
    s->ctx.prm = s->vs->prm[0];
    s->ctx.cfg = s->cfg;
    s->ctx.pop = s->vs->pop[0];
    s->ctx.scen = s->scen;
    s->ctx.out = &s->out;
    s->ctx.venues = s->vs;
    s->samples.k = SAMPLE_PATHS;
    s->samples.n_steps = s->ctx.prm.n_steps;
    s->samples.dt_s = s->ctx.prm.dt_s;
    s->samples.price = sample_row_buf(&s->samples);
    s->samples.pool_depth = sample_row_buf(&s->samples);
    s->samples.sync = sample_row_buf(&s->samples);
    s->samples.liquidations = sample_row_buf(&s->samples);
    s->ctx.samples = &s->samples;
}

static void venue_sim_close(venue_sim *s)
{
    int c;
    for (c = 0; c < s->out.n_cols; c++)
        free(s->out.v[c]);
    free(s->samples.price);
    free(s->samples.pool_depth);
    free(s->samples.sync);
    free(s->samples.liquidations);
    stp_scenario_table_destroy(s->scen);
    stp_venues_destroy(s->vs);
    stp_config_destroy(s->cfg);
}

/* GPU against CPU on a multi-venue config, every column of every path and
 * venue 0's sampled steps bit for bit; the GPU in launches of at most 100
 * paths, the last ragged. tests/test_kernel_venues.c holds the kernel's
 * body to the same on the host; this checks the device's arithmetic, its
 * barriers and the engine's uploads. */
static void expect_venue_parity(const char *file, const char *const *extra, int n_extra)
{
    enum { PATHS = 256, MAX_SETS = 12 };
    const size_t n_rows = (size_t)SAMPLE_PATHS;
    venue_sim s;
    double *gpu[STP_MAX_OUTCOME_COLS];
    float *rows[4];
    char seed[48];
    const char *sets[MAX_SETS] = {seed, "run.paths=256", "run.populations=1"};
    stp_error err = {STP_OK, ""};
    stp_cuda_engine *e = NULL;
    long long p;
    size_t i;
    int c, k, differ = 0, rows_differ = 0;
    require_gpu();
    snprintf(seed, sizeof seed, "run.seed=%llu", test_seed());
    for (k = 0; k < n_extra && 3 + k < MAX_SETS; k++)
        sets[3 + k] = extra[k];
    venue_sim_open(&s, file, sets, 3 + n_extra);
    cr_assert_eq(stp_cuda_engine_create(&e, &s.ctx, 100, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_cuda_run_batch(e, &s.ctx, 0, PATHS, &err), STP_OK, "%s", err.msg);
    stp_cuda_engine_destroy(e);
    for (c = 0; c < s.out.n_cols; c++) {
        gpu[c] = s.out.v[c];
        cr_assert_not_null(s.out.v[c] = calloc(PATHS, sizeof(double)));
    }
    rows[0] = s.samples.price;
    rows[1] = s.samples.pool_depth;
    rows[2] = s.samples.sync;
    rows[3] = s.samples.liquidations;
    s.samples.price = sample_row_buf(&s.samples);
    s.samples.pool_depth = sample_row_buf(&s.samples);
    s.samples.sync = sample_row_buf(&s.samples);
    s.samples.liquidations = sample_row_buf(&s.samples);
    cr_assert_eq(stp_cpu_run_batch(&s.ctx, 0, PATHS, 0, &err), STP_OK, "%s", err.msg);
    for (p = 0; p < PATHS; p++)
        for (c = 0; c < s.out.n_cols; c++)
            if (memcmp(&s.out.v[c][p], &gpu[c][p], sizeof(double)) != 0 && differ++ < 40)
                fprintf(stderr, "%s path %lld column %d: cpu %.17g gpu %.17g\n", file, p, c,
                        s.out.v[c][p], gpu[c][p]);
    {
        const float *cpu_rows[4] = {s.samples.price, s.samples.pool_depth, s.samples.sync,
                                    s.samples.liquidations};
        for (k = 0; k < 4; k++)
            for (i = 0; i < n_rows * (size_t)s.samples.n_steps; i++)
                rows_differ += memcmp(&rows[k][i], &cpu_rows[k][i], sizeof(float)) != 0;
    }
    fprintf(stderr, "venue parity on %s (%s): %d values of %d columns differ; %d sampled values\n",
            file, seed, differ, s.out.n_cols, rows_differ);
    cr_expect_eq(differ, 0, "%d outcome values are not bit-identical (%s)", differ, seed);
    cr_expect_eq(rows_differ, 0, "%d sampled values are not bit-identical (%s)", rows_differ, seed);
    for (c = 0; c < s.out.n_cols; c++)
        free(gpu[c]);
    for (k = 0; k < 4; k++)
        free(rows[k]);
    venue_sim_close(&s);
}

Test(cuda, gpu_matches_cpu_path_by_path_on_two_venues, .timeout = 900)
{
    expect_venue_parity(STP_SOURCE_DIR "/configs/two_venues.json", NULL, 0);
}

/* A bridge with latency, a bridge_halt, a derivative, mirrors of
 * cross-venue agents reading the largest move. */
Test(cuda, gpu_matches_cpu_path_by_path_on_contagion_with_cross_venue_agents, .timeout = 900)
{
    const char *extra[] = {"population.cross_venue_share=0.2"};
    expect_venue_parity(STP_SOURCE_DIR "/configs/contagion.json", extra, 1);
}

/* The kernel's global phases (the breaker between decisions and actions,
 * the signal after the links), shared jumps, and L2's oracle reading L1's
 * pool with no delay: L1's (8) writes the price L2's next opening reads,
 * which the kernel keeps apart by a barrier. */
Test(cuda, gpu_matches_cpu_path_by_path_with_global_mitigations_and_a_foreign_oracle,
     .timeout = 900)
{
    const char *extra[] = {
        "mitigations.circuit_breaker.enabled=true", "mitigations.circuit_breaker.global=true",
        "mitigations.risk_signal.enabled=true", "mitigations.risk_signal.global=true",
        "market.jumps.shared=true",
        "venues=[{\"name\": \"L1\", \"asset\": \"ETH\"}, {\"name\": \"L2\", \"asset\": "
        "\"ETH\", \"set\": {\"pool.depth_usd\": 2e8, \"pool.fee\": 0.0005, \"oracle.delay_s\": 0, "
        "\"oracle.source\": \"L1\", \"population.collateral_usd.total\": 1e8}}, {\"name\": "
        "\"L3\", \"asset\": \"BTC\", \"set\": {\"pool.depth_usd\": 4e8, "
        "\"population.collateral_usd.total\": 2e8}}]"};
    expect_venue_parity(STP_SOURCE_DIR "/configs/two_venues.json", extra, 6);
}

/* Without a device the whole binary is one visible SKIP (ctest: Skipped). */
int main(int argc, char *argv[])
{
    struct criterion_test_set *tests;
    char why[256];
    int rc = 0;
    if (stp_cuda_device_count(why, sizeof why) == 0) {
        fprintf(stderr,
                "SKIP test_cuda: no CUDA device (%s): cuRAND device bit-equality, the device "
                "tanh against the host's on every float, GPU/CPU "
                "bit-identical parity (quickstart, every shock kind, every mitigation, tilted "
                "jumps, MLPs of two widths; two_venues.json and contagion.json over their "
                "venues, global mitigations, shared jumps and a foreign oracle) and "
                "launch-size invariance did NOT run\n",
                why);
        return SKIP_CODE;
    }
    tests = criterion_initialize();
    if (criterion_handle_args(argc, argv, true)) rc = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return rc;
}
