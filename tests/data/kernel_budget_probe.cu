#include "stampede/step.h"
__global__ void budget_probe(const float *w, const float *x, float *y, int n)
{
    float acc = 0.0f;
#pragma unroll 1
    for (int h = 0; h < n; h++)
        acc = fmaf(w[h], stp_tanhf(x[h] + (float)threadIdx.x), acc);
    y[threadIdx.x] = acc;
}
// The fixture of tests/test_kernel_budget.py (kept below the kernel so the
// listing's line numbers stay those of the kernel): kernel_budget_probe.sass
// is `nvdisasm -c -hex -gi` (CUDA 11.8's, the cubin's ELF header rewritten as
// bench/kernel_budget.py does) of this file compiled by CUDA 13.0 with
// `nvcc -O3 --fmad=false -Iinclude -lineinfo -cubin
// --generate-code=arch=compute_90,code=[sm_90]` at 458ef7c, paths made
// relative. Not built: the listing is the test's input.
