// cuda_engine.cu: the CUDA backend's host side. Copies the run's tables to
// the device once, sizes the per-path scratch from the device's free memory
// (never from the path count), and runs each batch in launches of at most
// that many paths, copying outcomes back after each.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_check.cuh"
#include "path_kernel.cuh"
#include "stampede/cuda.h"
#include "stampede/tables.h"

#define MEM_FRACTION 0.7 // of the free device memory the scratch may take
#define OWNED_MAX    16  // device arrays upload_tables makes (13 today)

struct stp_cuda_engine {
    char name[256];
    stp_path_tables tb; // device pointers; scenario rows point at the buffers below
    void *owned[OWNED_MAX]; // device arrays of the tables, freed on destroy
    int n_owned;
    long long cap; // paths per launch
    int sms;       // streaming multiprocessors of the bound device
    int n_slots;
    unsigned char *active; // [cap][slot]
    float *time_s, *duration_s, *size;
    stp_dev_ws ws;
    double *out; // [metric][cap]
    stp_dev_samples samples;
};

extern "C" int stp_cuda_device_count(char *name, size_t n)
{
    int count = 0;
    cudaDeviceProp prop;
    const cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess || count <= 0) {
        if (name && n)
            snprintf(name, n, "%s", rc != cudaSuccess ? cudaGetErrorString(rc) : "no CUDA device");
        cudaGetLastError(); // clear the sticky error of a failed query
        return 0;
    }
    if (name && n) {
        if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
            snprintf(name, n, "%s", prop.name);
        else {
            snprintf(name, n, "cuda device 0");
            cudaGetLastError(); // not the next launch's fault
        }
    }
    return count;
}

// Copies n elements of host array src to a new device array *dst, owned by e.
template <typename T>
static int upload(stp_cuda_engine *e, const T **dst, const T *src, size_t n, stp_error *err)
{
    T *d = NULL;
    if (e->n_owned == OWNED_MAX) {
        stp_error_set(err, STP_EDEVICE, "internal: more than %d device tables (%s:%d)", OWNED_MAX,
                      __FILE__, __LINE__);
        return 1;
    }
    if (STP_CUDA_CHECK(err, cudaMalloc((void **)&d, (n ? n : 1) * sizeof(T)))) return 1;
    e->owned[e->n_owned++] = d;
    *dst = d;
    return n > 0 && STP_CUDA_CHECK(err, cudaMemcpy(d, src, n * sizeof(T), cudaMemcpyHostToDevice));
}

template <typename T> static int alloc(T **dst, size_t n, stp_error *err)
{
    return STP_CUDA_CHECK(err, cudaMalloc((void **)dst, (n ? n : 1) * sizeof(T)));
}

static int upload_tables(stp_cuda_engine *e, const stp_path_tables *h, stp_error *err)
{
    const size_t na = (size_t)h->n_agents, np = (size_t)h->n_positions;
    e->tb = *h;
    return upload(e, &e->tb.role, h->role, na, err) ||
           upload(e, &e->tb.lag_steps, h->lag_steps, na, err) ||
           upload(e, &e->tb.logit_threshold, h->logit_threshold, na, err) ||
           upload(e, &e->tb.sell_fraction, h->sell_fraction, na, err) ||
           upload(e, &e->tb.lp_share, h->lp_share, na, err) ||
           upload(e, &e->tb.fee_tolerance, h->fee_tolerance, na, err) ||
           upload(e, &e->tb.params, h->params, (size_t)STP_MAX_PARAMS * na, err) ||
           upload(e, &e->tb.prot, h->prot, np, err) || upload(e, &e->tb.lt, h->lt, np, err) ||
           upload(e, &e->tb.c0, h->c0, np, err) || upload(e, &e->tb.d0, h->d0, np, err) ||
           upload(e, &e->tb.slot_kind, h->slot_kind, (size_t)h->n_slots, err) ||
           upload(e, &e->tb.slot_protocol, h->slot_protocol, (size_t)h->n_slots, err);
}

// Paths per launch: the batch, or what MEM_FRACTION of free memory holds.
static int choose_capacity(stp_cuda_engine *e, long long max_batch, stp_error *err)
{
    size_t free_b = 0, total_b = 0;
    const size_t per_path = stp_dev_ws_bytes_per_path(&e->tb) +
                            (size_t)e->n_slots * (1 + 3 * sizeof(float)) +
                            STP_N_OUTCOMES * sizeof(double);
    long long fit;
    if (STP_CUDA_CHECK(err, cudaMemGetInfo(&free_b, &total_b))) return 1;
    fit = (long long)((double)free_b * MEM_FRACTION / (double)per_path);
    e->cap = max_batch < fit ? max_batch : fit;
    if (e->cap < 1) {
        stp_error_set(err, STP_EDEVICE,
                      "the device has %zu MB free, too little for one path (%zu bytes)",
                      free_b >> 20, per_path);
        return 1;
    }
    return 0;
}

// The launch's scratch: every path's workspace (path_kernel.cuh) and
// scenario rows, and the outcomes.
static int alloc_scratch(stp_cuda_engine *e, stp_error *err)
{
    const size_t cap = (size_t)e->cap, rows = cap * (size_t)e->n_slots;
    stp_dev_ws *w = &e->ws;
    if (stp_path_ws_bytes(&e->tb, STP_WS_FIXED) > STP_DEV_FIXED_BYTES) {
        stp_error_set(err, STP_EDEVICE,
                      "internal: the workspace's fixed part (%zu bytes) outgrew the kernel's "
                      "shared memory (STP_DEV_FIXED_BYTES, %zu)",
                      stp_path_ws_bytes(&e->tb, STP_WS_FIXED), STP_DEV_FIXED_BYTES);
        return 1;
    }
    w->ws_bytes = stp_path_ws_bytes(&e->tb, STP_WS_SIZED);
    return alloc(&w->ws, cap * w->ws_bytes, err) ||
           alloc(&w->flag, cap * (size_t)(e->tb.n_agents + e->tb.n_positions), err) ||
           alloc(&e->active, rows, err) || alloc(&e->time_s, rows, err) ||
           alloc(&e->duration_s, rows, err) || alloc(&e->size, rows, err) ||
           alloc(&e->out, cap * STP_N_OUTCOMES, err);
}

static int alloc_samples(stp_cuda_engine *e, const stp_samples *h, stp_error *err)
{
    const size_t cells = h ? (size_t)h->k * (size_t)h->n_steps : 0;
    stp_dev_samples *s = &e->samples;
    s->k = h ? h->k : 0;
    s->n_steps = h ? h->n_steps : 0;
    return alloc(&s->price, cells, err) || alloc(&s->pool_depth, cells, err) ||
           alloc(&s->sync, cells, err) || alloc(&s->liquidations, cells, err);
}

extern "C" stp_status stp_cuda_engine_create(stp_cuda_engine **out, const stp_sim_ctx *ctx,
                                             long long max_batch, int slot, stp_error *err)
{
    stp_cuda_engine *e = NULL;
    stp_tables *host = NULL;
    *out = NULL;
    if (stp_cuda_device_count(NULL, 0) == 0) {
        char why[200];
        stp_cuda_device_count(why, sizeof why);
        return stp_error_set(err, STP_EDEVICE, "no usable CUDA device: %s", why);
    }
    e = (stp_cuda_engine *)calloc(1, sizeof *e);
    if (!e) return stp_error_set(err, STP_ENOMEM, "out of memory for the CUDA engine");
    stp_cuda_device_count(e->name, sizeof e->name);
    {   // under mpirun each rank on a node takes its own device (slot)
        int count = 0;
        if (STP_CUDA_CHECK(err, cudaGetDeviceCount(&count)) ||
            STP_CUDA_CHECK(err, cudaSetDevice(slot % (count > 0 ? count : 1))))
            goto fail;
    }
    {   // for stp_cuda_engine_sms: whether a launch fills the device
        int dev = 0;
        if (STP_CUDA_CHECK(err, cudaGetDevice(&dev)) ||
            STP_CUDA_CHECK(err, cudaDeviceGetAttribute(&e->sms, cudaDevAttrMultiProcessorCount,
                                                       dev)))
            goto fail;
    }
    if (stp_tables_create(&host, &ctx->prm, ctx->cfg, ctx->pop, ctx->scen, err) != STP_OK)
        goto fail;
    e->n_slots = host->view.n_slots;
    // the sample rows first: the scratch takes a share of what is left
    if (upload_tables(e, &host->view, err) || alloc_samples(e, ctx->samples, err) ||
        choose_capacity(e, max_batch, err) || alloc_scratch(e, err))
        goto fail;
    e->tb.active = e->active;
    e->tb.time_s = e->time_s;
    e->tb.duration_s = e->duration_s;
    e->tb.size = e->size;
    stp_tables_destroy(host);
    *out = e;
    return STP_OK;
fail:
    stp_tables_destroy(host);
    stp_cuda_engine_destroy(e);
    return err->status;
}

// Scenario rows of paths [p0, p0 + n) from the host table to the device.
static int upload_rows(stp_cuda_engine *e, const stp_scenario_table *sc, long long p0, long long n,
                       stp_error *err)
{
    const size_t off = (size_t)(p0 - sc->base) * (size_t)sc->n_slots,
                 cnt = (size_t)n * (size_t)sc->n_slots;
    if (cnt == 0) return 0;
    return STP_CUDA_CHECK(err, cudaMemcpy(e->active, sc->active + off, cnt, cudaMemcpyHostToDevice)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(e->time_s, sc->time_s + off, cnt * sizeof(float),
                                          cudaMemcpyHostToDevice)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(e->duration_s, sc->duration_s + off,
                                          cnt * sizeof(float), cudaMemcpyHostToDevice)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(e->size, sc->size + off, cnt * sizeof(float),
                                          cudaMemcpyHostToDevice));
}

static int download_outcomes(const stp_cuda_engine *e, const stp_outcomes *o, long long p0,
                             long long n, stp_error *err)
{
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        if (STP_CUDA_CHECK(err, cudaMemcpy(o->v[m] + (p0 - o->base), e->out + m * e->cap,
                                           (size_t)n * sizeof(double), cudaMemcpyDeviceToHost)))
            return 1;
    return 0;
}

// Sample rows of the sampled paths among [p0, p0 + n).
static int download_samples(const stp_cuda_engine *e, const stp_samples *h, long long p0,
                            long long n, stp_error *err)
{
    const long long hi = p0 + n < (long long)e->samples.k ? p0 + n : e->samples.k;
    const size_t off = (size_t)p0 * (size_t)e->samples.n_steps;
    size_t bytes;
    if (!h || p0 >= hi) return 0;
    bytes = (size_t)(hi - p0) * (size_t)e->samples.n_steps * sizeof(float);
    return STP_CUDA_CHECK(err, cudaMemcpy(h->price + off, e->samples.price + off, bytes,
                                          cudaMemcpyDeviceToHost)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(h->pool_depth + off, e->samples.pool_depth + off, bytes,
                                          cudaMemcpyDeviceToHost)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(h->sync + off, e->samples.sync + off, bytes,
                                          cudaMemcpyDeviceToHost)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(h->liquidations + off, e->samples.liquidations + off,
                                          bytes, cudaMemcpyDeviceToHost));
}

extern "C" stp_status stp_cuda_run_batch(stp_cuda_engine *e, const stp_sim_ctx *ctx,
                                         long long path0, long long n, stp_error *err)
{
    for (long long p0 = path0; p0 < path0 + n; p0 += e->cap) {
        const long long m = path0 + n - p0 < e->cap ? path0 + n - p0 : e->cap;
        e->tb.scen_base = p0;
        if (upload_rows(e, ctx->scen, p0, m, err) ||
            STP_CUDA_CHECK(err, stp_launch_paths(e->tb, e->ws, p0, (int)m, e->out, e->cap,
                                                 e->samples, 0)) ||
            STP_CUDA_CHECK(err, cudaDeviceSynchronize()) ||
            download_outcomes(e, ctx->out, p0, m, err) ||
            download_samples(e, ctx->samples, p0, m, err))
            return err->status;
    }
    return STP_OK;
}

extern "C" long long stp_cuda_engine_capacity(const stp_cuda_engine *e)
{
    return e ? e->cap : 0;
}

extern "C" int stp_cuda_engine_sms(const stp_cuda_engine *e)
{
    return e ? e->sms : 0;
}

extern "C" void stp_cuda_engine_destroy(stp_cuda_engine *e)
{
    if (!e) return;
    // cudaFree(NULL) is a no-op; errors on teardown have nobody to report to
    for (int i = 0; i < e->n_owned; i++)
        cudaFree(e->owned[i]);
    void *scratch[] = {e->ws.ws,        e->ws.flag,          e->active,
                       e->time_s,       e->duration_s,       e->size,
                       e->out,          e->samples.price,    e->samples.pool_depth,
                       e->samples.sync, e->samples.liquidations};
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
        cudaFree(scratch[i]);
    free(e);
}
