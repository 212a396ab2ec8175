// rng_kernel.cu: test support. Draws cuRAND's device Philox4x32-10 through
// stp_philox (the path the simulation takes) and cuRAND's own uniform
// conversion, so tests/test_cuda.c can compare them with Random123 and
// stp_uniform on the host bit for bit.
#define STP_CURAND 1
#include "stampede/rng.h"

#include "cuda_check.cuh"
#include "curand_philox.cuh"
#include "stampede/cuda.h"

namespace {

__global__ void philox_kernel(const unsigned long long *seed, const uint32_t (*q)[5], long n,
                              uint32_t (*words)[4], float (*uniforms)[4])
{
    const long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const stp_u32x4 r = stp_philox(seed[i], q[i][0], q[i][1], q[i][2], q[i][3], q[i][4]);
    for (int k = 0; k < 4; k++)
        words[i][k] = r.v[k];
    // cuRAND's own conversion of the same state, written the documented way
    curandStatePhilox4_32_10_t st;
    curand_init(((unsigned long long)stp_key1(seed[i], q[i][0]) << 32) | stp_key0(seed[i]),
                ((unsigned long long)q[i][1] << 32) | q[i][2],
                (((unsigned long long)q[i][3] << 32) | q[i][4]) * 4ull, &st);
    const float4 u = curand_uniform4(&st);
    uniforms[i][0] = u.x;
    uniforms[i][1] = u.y;
    uniforms[i][2] = u.z;
    uniforms[i][3] = u.w;
}

} // namespace

extern "C" stp_status stp_cuda_philox_sample(const uint64_t *seed, const uint32_t (*q)[5], long n,
                                             uint32_t (*words)[4], float (*uniforms)[4],
                                             stp_error *err)
{
    unsigned long long *d_seed = NULL;
    uint32_t(*d_q)[5] = NULL;
    uint32_t(*d_words)[4] = NULL;
    float(*d_uni)[4] = NULL;
    const size_t un = (size_t)(n > 0 ? n : 1);
    stp_status st = STP_OK;
    if (n <= 0) return STP_OK; // a launch of zero blocks is an error
    if (STP_CUDA_CHECK(err, cudaMalloc((void **)&d_seed, un * sizeof *d_seed)) ||
        STP_CUDA_CHECK(err, cudaMalloc((void **)&d_q, un * sizeof *d_q)) ||
        STP_CUDA_CHECK(err, cudaMalloc((void **)&d_words, un * sizeof *d_words)) ||
        STP_CUDA_CHECK(err, cudaMalloc((void **)&d_uni, un * sizeof *d_uni)) ||
        STP_CUDA_CHECK(err, cudaMemcpy(d_seed, seed, (size_t)n * sizeof *d_seed,
                                       cudaMemcpyHostToDevice)) ||
        STP_CUDA_CHECK(err, cudaMemcpy(d_q, q, (size_t)n * sizeof *d_q, cudaMemcpyHostToDevice)))
        goto fail;
    philox_kernel<<<(unsigned)((n + 255) / 256), 256>>>(d_seed, d_q, n, d_words, d_uni);
    if (STP_CUDA_LAUNCHED(err) ||
        STP_CUDA_CHECK(err, cudaMemcpy(words, d_words, (size_t)n * sizeof *d_words,
                                       cudaMemcpyDeviceToHost)) ||
        STP_CUDA_CHECK(err, cudaMemcpy(uniforms, d_uni, (size_t)n * sizeof *d_uni,
                                       cudaMemcpyDeviceToHost)))
        goto fail;
    goto done;
fail:
    st = err->status;
done:
    cudaFree(d_seed);
    cudaFree(d_q);
    cudaFree(d_words);
    cudaFree(d_uni);
    return st;
}
