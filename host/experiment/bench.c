/* bench.c: throughput of one config on one backend. */
#include "stampede/bench.h"
#include "stampede/ranks.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stampede/backend.h"
#include "stampede/block.h" /* STP_BLOCK_PATHS: the kernel's paths per block */
#include "stampede/scenario.h"
#include "stampede/venues.h"

/* The CPU default: about STP_BENCH_CPU_AGENT_STEPS agent-steps. */
static long long cpu_paths(const stp_config *cfg, const stp_params *prm)
{
    const double per_path = (double)(cfg->population.agents > 0 ? cfg->population.agents : 1) *
                            (double)(prm->n_steps > 0 ? prm->n_steps : 1);
    const long long p = (long long)(STP_BENCH_CPU_AGENT_STEPS / per_path);
    return p < 16 ? 16 : (p < cfg->run.paths ? p : cfg->run.paths);
}

/* The outcomes the record's tail statistics need, kept over all paths. */
enum { KEEP_CASCADE, KEEP_BAD_DEBT, KEEP_DRAWDOWN, KEEP_WEIGHT, N_KEEP };
static const int keep_outcome[N_KEEP] = {STP_OUT_CASCADE, STP_OUT_BAD_DEBT_USD,
                                         STP_OUT_MAX_DRAWDOWN, STP_OUT_WEIGHT};

typedef struct bench_state {
    stp_population *pop;
    stp_scenario_table *scen;
    stp_outcomes out;
    stp_cuda_engine *gpu;
    stp_venues *venues; /* a multi-venue config's (DESIGN §10); NULL: one venue */
    double *kept[N_KEEP]; /* [path] */
} bench_state;

static void bench_state_free(bench_state *b)
{
    int m;
    stp_cuda_engine_destroy(b->gpu);
    stp_scenario_table_destroy(b->scen);
    stp_population_destroy(b->pop);
    stp_venues_destroy(b->venues);
    for (m = 0; m < STP_MAX_OUTCOME_COLS; m++)
        free(b->out.v[m]);
    for (m = 0; m < N_KEEP; m++)
        free(b->kept[m]);
}

/* P(cascade), the ES of bad debt and the mean drawdown over the kept paths:
 * weighted when any path carries a likelihood ratio (importance), as the
 * results file's statistics are. */
static stp_status tail_stats(const bench_state *b, const stp_config *cfg, long long n,
                             stp_bench_result *r, stp_error *err)
{
    const double es_level = STP_BENCH_ES_LEVEL, *w = b->kept[KEEP_WEIGHT];
    /* qmc's replicates are whole nets of the run's paths: only a bench of
     * exactly run.paths has them */
    const int reps = n == cfg->run.paths ? stp_scenario_replicates(b->scen->plan) : 0;
    double sum_w = 0.0, sum_wd = 0.0;
    long long i;
    int weighted = 0;
    for (i = 0; i < n; i++) {
        weighted |= w[i] != 1.0;
        sum_w += w[i];
        sum_wd += w[i] * b->kept[KEEP_DRAWDOWN][i];
    }
    r->cascade = stp_cascade_estimate(b->kept[KEEP_CASCADE], weighted ? w : NULL, (size_t)n, reps);
    /* self-normalised, as stp_stats_compute takes a weighted mean */
    r->mean_max_drawdown = sum_w > 0.0 ? sum_wd / sum_w : 0.0;
    return stp_stats_compute(&r->bad_debt, b->kept[KEEP_BAD_DEBT], weighted ? w : NULL,
                             (size_t)n, NULL, 0, &es_level, 1, "bad_debt_usd", err);
}

/* Whether a launch of r->launch_paths paths fills a device of `sms` SMs:
 * kernels/path_kernel.cu runs one block per STP_BLOCK_PATHS paths,
 * kernels/venues_kernel.cu (a config with venues) one block per path. */
static void fill_figures(stp_bench_result *r, int sms, int venues)
{
    const int per_block = venues ? 1 : STP_BLOCK_PATHS;
    r->launch_blocks = (r->launch_paths + per_block - 1) / per_block;
    r->device_sms = sms;
    r->fill_paths = (long long)STP_BENCH_FILL_BLOCKS_PER_SM * sms * per_block;
    r->fills_device =
        r->launch_paths == 0 || r->launch_blocks >= (long long)STP_BENCH_FILL_BLOCKS_PER_SM * sms;
}

stp_status stp_bench_config(const stp_config *cfg, const char *backend, int threads,
                            long long paths, stp_bench_result *r, stp_error *err)
{
    bench_state b;
    stp_sim_ctx ctx;
    stp_status st;
    long long n, batch, p0;
    int use_gpu, m;
    memset(&b, 0, sizeof b);
    memset(&ctx, 0, sizeof ctx);
    memset(r, 0, sizeof *r);
    if ((st = stp_backend_choose(backend, &use_gpu, r->device, sizeof r->device, err)) != STP_OK)
        return st;
    ctx.prm = stp_params_derive(cfg);
    n = paths > 0 ? paths : (use_gpu ? cfg->run.paths : cpu_paths(cfg, &ctx.prm));
    batch = n < cfg->run.batch ? n : cfg->run.batch;
    if (cfg->n_venues >= 2 && (st = stp_venues_create(&b.venues, cfg, 0, err)) != STP_OK) goto done;
    if (b.venues) ctx.prm = b.venues->prm[0];
    if (b.venues) b.pop = stp_venues_give_first(b.venues);
    if ((!b.pop && (st = stp_population_create(&b.pop, cfg, err)) != STP_OK) ||
        (st = stp_scenario_table_create(&b.scen, cfg, 0, batch, err)) != STP_OK)
        goto done;
    b.out.n = batch;
    b.out.n_cols = stp_outcome_columns(cfg->n_venues);
    for (m = 0; m < b.out.n_cols; m++)
        if (STP_ALLOC(err, b.out.v[m], batch)) {
            st = err->status;
            goto done;
        }
    for (m = 0; m < N_KEEP; m++)
        if (STP_ALLOC(err, b.kept[m], n)) {
            st = err->status;
            goto done;
        }
    ctx.cfg = cfg;
    ctx.pop = b.pop;
    ctx.scen = b.scen;
    ctx.out = &b.out;
    ctx.venues = b.venues;
    if (use_gpu && (st = stp_cuda_engine_create(&b.gpu, &ctx, batch, stp_local_rank(), err)) != STP_OK) goto done;
    for (p0 = 0; p0 < n; p0 += batch) {
        const long long k = n - p0 < batch ? n - p0 : batch;
        const double t0 = omp_get_wtime();
        b.out.base = p0;
        b.out.n = k;
        st = stp_backend_run_batch(&ctx, b.scen, b.gpu, p0, k, threads, err);
        r->sim_s += omp_get_wtime() - t0;
        if (st != STP_OK) goto done;
        for (m = 0; m < N_KEEP; m++)
            memcpy(b.kept[m] + p0, b.out.v[keep_outcome[m]], (size_t)k * sizeof(double));
    }
    if ((st = tail_stats(&b, cfg, n, r, err)) != STP_OK) goto done;
    snprintf(r->name, sizeof r->name, "%s", cfg->experiment.name);
    snprintf(r->backend, sizeof r->backend, "%s", use_gpu ? "cuda" : "openmp");
    stp_cpu_name(r->cpu, sizeof r->cpu);
    r->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    r->paths = n;
    r->launch_paths = stp_cuda_engine_capacity(b.gpu);
    fill_figures(r, stp_cuda_engine_sms(b.gpu), b.venues != NULL);
    r->agents = b.pop->n_agents;
    if (b.venues) /* the agents whose models run: a venue's mirrors run none */
        for (m = 1, r->agents = b.venues->pop[0]->n_agents; m < b.venues->n; m++)
            r->agents += b.venues->pop[m]->n_agents;
    r->steps = ctx.prm.n_steps;
    r->threads = use_gpu ? 0 : (threads > 0 ? threads : omp_get_max_threads());
    r->paths_per_s = (double)n / (r->sim_s > 0.0 ? r->sim_s : 1e-9);
    r->agent_steps_per_s = r->paths_per_s * r->steps * r->agents;
done:
    bench_state_free(&b);
    return st;
}
