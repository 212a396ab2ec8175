/* backend.c: --backend auto|cuda|openmp. */
#include "stampede/backend.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stampede/mixture.h"
#include "stampede/scenario.h"

void stp_cpu_name(char *buf, size_t n)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    snprintf(buf, n, "cpu");
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(buf, n, "%s", colon + 2);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    }
    if (f) fclose(f);
}

stp_status stp_backend_choose(const char *want, int *use_gpu, char *device, size_t n,
                              stp_error *err)
{
    char gpu[256];
    int n_gpu;
    want = want ? want : "auto";
    *use_gpu = 0;
    if (strcmp(want, "auto") && strcmp(want, "cuda") && strcmp(want, "openmp"))
        return stp_error_set(err, STP_EUSAGE, "--backend: expected auto, cuda or openmp, got '%s'",
                             want);
    n_gpu = strcmp(want, "openmp") ? stp_cuda_device_count(gpu, sizeof gpu) : 0;
    if (!strcmp(want, "cuda") && n_gpu == 0)
        return stp_error_set(err, STP_EDEVICE,
                             "--backend cuda: no usable CUDA device (%s); use --backend openmp "
                             "or auto",
                             gpu);
    *use_gpu = n_gpu > 0;
    if (*use_gpu)
        snprintf(device, n, "%s", gpu);
    else
        stp_cpu_name(device, n);
    return STP_OK;
}

stp_status stp_backend_run_batch(const stp_sim_ctx *ctx, stp_scenario_table *scen,
                                 stp_cuda_engine *gpu, long long path0, long long n, int threads,
                                 stp_error *err)
{
    long long p;
    scen->base = path0;
    scen->n_paths = n;
    stp_status st;
    for (p = path0; p < path0 + n; p++)
        stp_scenario_sample_path(scen, p);
    st = gpu ? stp_cuda_run_batch(gpu, ctx, path0, n, err)
             : stp_cpu_run_batch(ctx, path0, n, threads, err);
    /* the backends write the jumps' likelihood ratio (1 untilted); the
     * scenario's multiplies it, or under the defensive mixture the two
     * ratios' logs sum to the path's, which the mixture's weight takes
     * (mixture.h). A ratio floored at DBL_MIN (a log below -708) enters at
     * the floor: such a path's weight is below 1e-300 unless the other
     * ratio is beyond e^600, a tilt no config reaches (config_schema.c). */
    for (p = 0; st == STP_OK && p < n; p++) {
        double *w = &ctx->out->v[STP_OUT_WEIGHT][path0 - ctx->out->base + p];
        if (scen->plan->defensive > 0.0)
            *w = stp_mixture_weight(log(*w) + log(scen->weight[p]), scen->plan->defensive);
        else
            *w *= scen->weight[p];
    }
    /* a venue's record carries its path's weight (system_outcomes.h) */
    for (p = 0; st == STP_OK && ctx->out->n_cols > STP_N_OUTCOMES && p < n; p++) {
        const long long r = path0 - ctx->out->base + p;
        int v;
        for (v = 0; stp_venue_column(v, 0) < ctx->out->n_cols; v++)
            ctx->out->v[stp_venue_column(v, STP_OUT_WEIGHT)][r] = ctx->out->v[STP_OUT_WEIGHT][r];
    }
    return st;
}
