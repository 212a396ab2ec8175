// cuda_engine.cu: the CUDA backend's host side. Copies the run's tables to
// the device once, sizes the per-path scratch from the device's free memory
// (never from the path count), and runs each batch in launches of at most
// that many paths, copying outcomes back after each. A run over several
// venues (DESIGN §10) uploads every venue's tables, the mirrors' leaders,
// the cross-venue flags and the links' constants, and runs
// venues_kernel.cu's kernel, a block a path, into every outcome column.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_check.cuh"
#include "path_kernel.cuh"
#include "stampede/cuda.h"
#include "stampede/tables.h"
#include "stampede/venues_view.h"
#include "venues_kernel.cuh"

#define MEM_FRACTION 0.7 // of the free device memory the scratch may take
#define OWNED_MAX    (STP_MAX_VENUES * 20 + 4) // device arrays of the tables: 13 a venue, 18 with venues' extras

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
    double *out; // [column][cap]
    int n_cols;  // columns of out: stp_outcome_columns of the venues
    stp_dev_samples samples;
    // a run over several venues (n_venues >= 2; 0 for one venue)
    int n_venues;
    stp_path_tables vtb[STP_MAX_VENUES]; // device pointers, as vv.tb holds them
    const stp_path_tables *d_vtb;        // [venue] on the device: its scen_base per launch
    stp_venues_view vv;                  // device pointers
    stp_dev_venues_ws vws;
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

// The parameters of h into *d: the lockstep kernel's chunks where built
// (one venue), else [param][agent], which only the venues' kernel reads
// (d->params NULL beside the chunks: a read of it fails loudly).
static int upload_params(stp_cuda_engine *e, stp_path_tables *d, const stp_path_tables *h,
                         stp_error *err)
{
    if (!h->param_chunks)
        return upload(e, &d->params, h->params, (size_t)STP_MAX_PARAMS * (size_t)h->n_agents, err);
    d->params = NULL;
    return upload(e, &d->param_chunks, h->param_chunks, stp_param_chunks_len(h->n_agents), err);
}

// The tables h into *d, its arrays device copies; a venue's (h->slot_venue
// set) with its slots' scopes.
static int upload_tables(stp_cuda_engine *e, stp_path_tables *d, const stp_path_tables *h,
                         stp_error *err)
{
    const size_t na = (size_t)h->n_agents, np = (size_t)h->n_positions;
    *d = *h;
    return upload(e, &d->role, h->role, na, err) ||
           upload(e, &d->lag_steps, h->lag_steps, na, err) ||
           upload(e, &d->logit_threshold, h->logit_threshold, na, err) ||
           upload(e, &d->sell_fraction, h->sell_fraction, na, err) ||
           upload(e, &d->lp_share, h->lp_share, na, err) ||
           upload(e, &d->fee_tolerance, h->fee_tolerance, na, err) ||
           upload_params(e, d, h, err) ||
           upload(e, &d->prot, h->prot, np, err) || upload(e, &d->lt, h->lt, np, err) ||
           upload(e, &d->c0, h->c0, np, err) || upload(e, &d->d0, h->d0, np, err) ||
           upload(e, &d->slot_kind, h->slot_kind, (size_t)h->n_slots, err) ||
           upload(e, &d->slot_protocol, h->slot_protocol, (size_t)h->n_slots, err) ||
           (h->slot_venue && (upload(e, &d->slot_venue, h->slot_venue, (size_t)h->n_slots, err) ||
                              upload(e, &d->slot_asset, h->slot_asset, (size_t)h->n_slots, err)));
}

// Bytes of scratch per path: the workspace (one venue's, or the venues'
// layout) and its scenario rows and outcome columns.
static size_t bytes_per_path(const stp_cuda_engine *e)
{
    const size_t ws = e->n_venues ? e->vws.lay.slot_bytes : stp_dev_ws_bytes_per_path(&e->tb);
    return ws + (size_t)e->n_slots * (1 + 3 * sizeof(float)) + (size_t)e->n_cols * sizeof(double);
}

// Paths per launch: the batch, or what MEM_FRACTION of free memory holds.
static int choose_capacity(stp_cuda_engine *e, long long max_batch, stp_error *err)
{
    size_t free_b = 0, total_b = 0;
    const size_t per_path = bytes_per_path(e);
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
    if (e->n_venues) { // the venues' scratch instead of one venue's
        if (alloc(&e->vws.mem, cap * e->vws.lay.slot_bytes, err)) return 1;
    } else {
        w->ws_bytes = stp_path_ws_bytes(&e->tb, STP_WS_SIZED);
        if (alloc(&w->ws, cap * w->ws_bytes, err) ||
            alloc(&w->flag, cap * (size_t)(e->tb.n_agents + e->tb.n_positions), err))
            return 1;
    }
    return alloc(&e->active, rows, err) || alloc(&e->time_s, rows, err) ||
           alloc(&e->duration_s, rows, err) || alloc(&e->size, rows, err) ||
           alloc(&e->out, cap * (size_t)e->n_cols, err);
}

static int alloc_samples(stp_cuda_engine *e, const stp_samples *h, stp_error *err)
{
    stp_dev_samples *s = &e->samples;
    s->k = h ? h->k : 0;
    s->n_steps = h ? h->n_steps : 0;
    // a row per venue only where the samples hold them (outcomes.h)
    s->n_rows = h && e->n_venues && h->n_venues > 1 ? h->n_venues : 1;
    const size_t cells = (size_t)s->n_rows * (size_t)s->k * (size_t)s->n_steps;
    return alloc(&s->price, cells, err) || alloc(&s->pool_depth, cells, err) ||
           alloc(&s->sync, cells, err) || alloc(&s->liquidations, cells, err);
}

// A multi-venue run's tables (ctx->venues) onto the device, built as the
// OpenMP backend builds them (cpu_backend.c, venue_tables_build): each
// venue's own, scoped to it, with its mirrors of other venues' agents;
// the mirrors' leaders, the cross-venue flags of the venues whose agents
// read the largest move, and the venues' joins into e->vv.
static int upload_venues(stp_cuda_engine *e, const stp_sim_ctx *ctx, stp_error *err)
{
    const stp_venues *vs = ctx->venues;
    stp_tables *h[STP_MAX_VENUES] = {NULL};
    stp_path_tables view[STP_MAX_VENUES];
    int v, bad = 0;
    e->n_venues = vs->n;
    e->n_cols = stp_outcome_columns(vs->n);
    for (v = 0; v < vs->n && !bad; v++) {
        bad = stp_tables_create(&h[v], &vs->prm[v], vs->cfg[v], vs->pop[v], ctx->scen, err) !=
                  STP_OK ||
              stp_tables_scope(h[v], ctx->cfg, v, vs->cfg[v]->venue, ctx->scen, err) != STP_OK ||
              stp_tables_mirror(h[v], vs->pop[v], vs, v, err) != STP_OK ||
              upload_tables(e, &e->vtb[v], &h[v]->view, err);
        if (!bad) view[v] = h[v]->view;
    }
    if (!bad) {
        stp_venues_view_fill(&e->vv, vs, view); // host pointers, replaced below
        for (v = 0; v < vs->n && !bad; v++) {
            const size_t nm = (size_t)vs->mirror[v].n;
            bad = upload(e, &e->vv.leader_venue[v], vs->mirror[v].leader_venue, nm, err) ||
                  upload(e, &e->vv.leader_agent[v], vs->mirror[v].leader_agent, nm, err) ||
                  (e->vv.cross[v] && upload(e, &e->vv.cross[v], vs->cross[v],
                                            (size_t)vs->pop[v]->n_agents, err));
        }
    }
    if (!bad) bad = upload(e, &e->d_vtb, e->vtb, (size_t)vs->n, err);
    if (!bad) {
        e->vv.tb = e->d_vtb;
        e->n_slots = view[0].n_slots;
        e->tb = e->vtb[0]; // for the checks that read one venue's tables
        stp_venues_layout_of(&e->vws.lay, view, vs->n, vs->ring_at[vs->n_links]);
    }
    for (v = 0; v < vs->n; v++)
        stp_tables_destroy(h[v]);
    return bad;
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
    if (ctx->venues) {
        if (upload_venues(e, ctx, err)) goto fail;
    } else {
        // the lockstep kernel reads the parameters chunk by chunk (block.h)
        if (stp_tables_create(&host, &ctx->prm, ctx->cfg, ctx->pop, ctx->scen, err) != STP_OK ||
            stp_tables_chunk_params(host, err) != STP_OK)
            goto fail;
        e->n_slots = host->view.n_slots;
        e->n_cols = STP_N_OUTCOMES;
        if (upload_tables(e, &e->tb, &host->view, err)) goto fail;
    }
    // the sample rows first: the scratch takes a share of what is left
    if (alloc_samples(e, ctx->samples, err) || choose_capacity(e, max_batch, err) ||
        alloc_scratch(e, err))
        goto fail;
    e->tb.active = e->active;
    e->tb.time_s = e->time_s;
    e->tb.duration_s = e->duration_s;
    e->tb.size = e->size;
    for (int v = 0; v < e->n_venues; v++) {
        e->vtb[v].active = e->active;
        e->vtb[v].time_s = e->time_s;
        e->vtb[v].duration_s = e->duration_s;
        e->vtb[v].size = e->size;
    }
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

// Columns [0, cols) of paths [p0, p0 + n).
static int download_outcomes(const stp_cuda_engine *e, const stp_outcomes *o, int cols,
                             long long p0, long long n, stp_error *err)
{
    for (int m = 0; m < cols; m++)
        if (STP_CUDA_CHECK(err, cudaMemcpy(o->v[m] + (p0 - o->base), e->out + m * e->cap,
                                           (size_t)n * sizeof(double), cudaMemcpyDeviceToHost)))
            return 1;
    return 0;
}

// Sample rows of the sampled paths among [p0, p0 + n), each venue's
// where the samples hold a row per venue.
static int download_samples(const stp_cuda_engine *e, const stp_samples *h, long long p0,
                            long long n, stp_error *err)
{
    const long long hi = p0 + n < (long long)e->samples.k ? p0 + n : e->samples.k;
    size_t bytes;
    if (!h || p0 >= hi) return 0;
    bytes = (size_t)(hi - p0) * (size_t)e->samples.n_steps * sizeof(float);
    for (int r = 0; r < e->samples.n_rows; r++) {
        const size_t off =
            ((size_t)r * (size_t)e->samples.k + (size_t)p0) * (size_t)e->samples.n_steps;
        if (STP_CUDA_CHECK(err, cudaMemcpy(h->price + off, e->samples.price + off, bytes,
                                          cudaMemcpyDeviceToHost)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(h->pool_depth + off, e->samples.pool_depth + off, bytes,
                                          cudaMemcpyDeviceToHost)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(h->sync + off, e->samples.sync + off, bytes,
                                          cudaMemcpyDeviceToHost)) ||
           STP_CUDA_CHECK(err, cudaMemcpy(h->liquidations + off, e->samples.liquidations + off,
                                          bytes, cudaMemcpyDeviceToHost)))
            return 1;
    }
    return 0;
}

extern "C" stp_status stp_cuda_run_batch(stp_cuda_engine *e, const stp_sim_ctx *ctx,
                                         long long path0, long long n, stp_error *err)
{
    // the columns the record holds: the system's at least, the venues' if asked
    const int want = ctx->out->n_cols > STP_N_OUTCOMES ? ctx->out->n_cols : STP_N_OUTCOMES;
    const int cols = want < e->n_cols ? want : e->n_cols;
    if (!e->n_venues != !ctx->venues)
        return stp_error_set(err, STP_EDEVICE,
                             "internal: a CUDA engine made for %s runs a batch of %s",
                             e->n_venues ? "venues" : "one venue",
                             ctx->venues ? "venues" : "one venue");
    for (long long p0 = path0; p0 < path0 + n; p0 += e->cap) {
        const long long m = path0 + n - p0 < e->cap ? path0 + n - p0 : e->cap;
        e->tb.scen_base = p0;
        for (int v = 0; v < e->n_venues; v++)
            e->vtb[v].scen_base = p0;
        if (upload_rows(e, ctx->scen, p0, m, err) ||
            (e->n_venues &&
             STP_CUDA_CHECK(err, cudaMemcpy((void *)e->d_vtb, e->vtb,
                                            (size_t)e->n_venues * sizeof(stp_path_tables),
                                            cudaMemcpyHostToDevice))) ||
            STP_CUDA_CHECK(err, e->n_venues ? stp_launch_venues(e->vv, e->vws, p0, (int)m, e->out,
                                                                e->cap, cols, e->samples, 0)
                                            : stp_launch_paths(e->tb, e->ws, p0, (int)m, e->out,
                                                               e->cap, e->samples, 0)) ||
            STP_CUDA_CHECK(err, cudaDeviceSynchronize()) ||
            download_outcomes(e, ctx->out, cols, p0, m, err) ||
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
    void *scratch[] = {e->ws.ws,        e->ws.flag,          e->vws.mem,          e->active,
                       e->time_s,       e->duration_s,       e->size,
                       e->out,          e->samples.price,    e->samples.pool_depth,
                       e->samples.sync, e->samples.liquidations};
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
        cudaFree(scratch[i]);
    free(e);
}
