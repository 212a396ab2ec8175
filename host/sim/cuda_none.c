/* cuda_none.c: the CUDA backend's interface in a build without nvcc, so
 * `--backend cuda` can say why it cannot run instead of failing to link. */
#include <stdio.h>

#include "stampede/cuda.h"

#define NO_CUDA                                                                                    \
    "this stampede was built without CUDA (no nvcc at build time); install the CUDA "             \
    "toolkit and rebuild, or use --backend openmp"

int stp_cuda_device_count(char *name, size_t n)
{
    if (name && n) snprintf(name, n, "%s", "this stampede was built without CUDA");
    return 0;
}

stp_status stp_cuda_engine_create(stp_cuda_engine **out, const stp_sim_ctx *ctx,
                                  long long max_batch, int slot, stp_error *err)
{
    (void)ctx;
    (void)slot;
    (void)max_batch;
    *out = NULL;
    return stp_error_set(err, STP_EDEVICE, "%s", NO_CUDA);
}

stp_status stp_cuda_run_batch(stp_cuda_engine *e, const stp_sim_ctx *ctx, long long path0,
                              long long n, stp_error *err)
{
    (void)e;
    (void)ctx;
    (void)path0;
    (void)n;
    return stp_error_set(err, STP_EDEVICE, "%s", NO_CUDA);
}

long long stp_cuda_engine_capacity(const stp_cuda_engine *e)
{
    (void)e;
    return 0;
}

int stp_cuda_engine_sms(const stp_cuda_engine *e)
{
    (void)e;
    return 0;
}

void stp_cuda_engine_destroy(stp_cuda_engine *e)
{
    (void)e;
}

stp_status stp_cuda_philox_sample(const uint64_t *seed, const uint32_t (*q)[5], long n,
                                  uint32_t (*words)[4], float (*uniforms)[4], stp_error *err)
{
    (void)seed;
    (void)q;
    (void)n;
    (void)words;
    (void)uniforms;
    return stp_error_set(err, STP_EDEVICE, "%s", NO_CUDA);
}

stp_status stp_cuda_tanh_sample(uint32_t first, long n, float *y, stp_error *err)
{
    (void)first;
    (void)n;
    (void)y;
    return stp_error_set(err, STP_EDEVICE, "%s", NO_CUDA);
}
