/* bench.c: throughput of one config on one backend. */
#include "stampede/bench.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/backend.h"
#include "stampede/scenario.h"

/* The CPU default: about STP_BENCH_CPU_AGENT_STEPS agent-steps. */
static long long cpu_paths(const stp_config *cfg, const stp_params *prm)
{
    const double per_path = (double)(cfg->population.agents > 0 ? cfg->population.agents : 1) *
                            (double)(prm->n_steps > 0 ? prm->n_steps : 1);
    const long long p = (long long)(STP_BENCH_CPU_AGENT_STEPS / per_path);
    return p < 16 ? 16 : (p < cfg->run.paths ? p : cfg->run.paths);
}

typedef struct bench_state {
    stp_population *pop;
    stp_scenario_table *scen;
    stp_outcomes out;
    stp_cuda_engine *gpu;
} bench_state;

static void bench_state_free(bench_state *b)
{
    int m;
    stp_cuda_engine_destroy(b->gpu);
    stp_scenario_table_destroy(b->scen);
    stp_population_destroy(b->pop);
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(b->out.v[m]);
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
    if ((st = stp_population_create(&b.pop, cfg, err)) != STP_OK ||
        (st = stp_scenario_table_create(&b.scen, cfg, 0, batch, err)) != STP_OK)
        goto done;
    b.out.n = batch;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        if (STP_ALLOC(err, b.out.v[m], batch)) {
            st = err->status;
            goto done;
        }
    ctx.cfg = cfg;
    ctx.pop = b.pop;
    ctx.scen = b.scen;
    ctx.out = &b.out;
    if (use_gpu && (st = stp_cuda_engine_create(&b.gpu, &ctx, batch, err)) != STP_OK) goto done;
    for (p0 = 0; p0 < n; p0 += batch) {
        const long long k = n - p0 < batch ? n - p0 : batch;
        const double t0 = omp_get_wtime();
        b.out.base = p0;
        b.out.n = k;
        st = stp_backend_run_batch(&ctx, b.scen, b.gpu, p0, k, threads, err);
        r->sim_s += omp_get_wtime() - t0;
        if (st != STP_OK) goto done;
    }
    snprintf(r->name, sizeof r->name, "%s", cfg->experiment.name);
    snprintf(r->backend, sizeof r->backend, "%s", use_gpu ? "cuda" : "openmp");
    r->paths = n;
    r->launch_paths = stp_cuda_engine_capacity(b.gpu);
    r->agents = b.pop->n_agents;
    r->steps = ctx.prm.n_steps;
    r->threads = use_gpu ? 0 : (threads > 0 ? threads : omp_get_max_threads());
    r->paths_per_s = (double)n / (r->sim_s > 0.0 ? r->sim_s : 1e-9);
    r->agent_steps_per_s = r->paths_per_s * r->steps * r->agents;
done:
    bench_state_free(&b);
    return st;
}
