// tanh_kernel.cu: test support. stp_tanhf on the device for a run of
// consecutive float bit patterns, so tests/test_cuda.c can compare it with
// the host's stp_tanhf on every float: the device's division is written
// out (step.h's stp_tanh_divf) and this is where its bits are checked.
#include <stdint.h>

#include "cuda_check.cuh"
#include "stampede/cuda.h"
#include "stampede/step.h"

namespace {

__global__ void tanh_kernel(uint32_t first, long n, float *y)
{
    const long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = stp_tanhf(__uint_as_float(first + (uint32_t)i));
}

} // namespace

extern "C" stp_status stp_cuda_tanh_sample(uint32_t first, long n, float *y, stp_error *err)
{
    float *d_y = NULL;
    stp_status st = STP_OK;
    if (n <= 0) return STP_OK; // a launch of zero blocks is an error
    if (STP_CUDA_CHECK(err, cudaMalloc((void **)&d_y, (size_t)n * sizeof *d_y))) goto fail;
    tanh_kernel<<<(unsigned)((n + 255) / 256), 256>>>(first, n, d_y);
    if (STP_CUDA_LAUNCHED(err) ||
        STP_CUDA_CHECK(err, cudaMemcpy(y, d_y, (size_t)n * sizeof *d_y, cudaMemcpyDeviceToHost)))
        goto fail;
    goto done;
fail:
    st = err->status;
done:
    cudaFree(d_y);
    return st;
}
