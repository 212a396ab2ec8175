// path_kernel.cu: the simulation on the device. A block carries
// STP_BLOCK_PATHS paths in lockstep and runs stampede/block.h's body: its
// threads split each step's agents and positions, evaluate every agent's
// model for all the block's paths with each parameter read once
// (stp_block_mlp), and build each path's candidate and liquidation lists
// in index order; each path's serial step runs on its own lane. The same
// body runs on the host in tests/test_kernel_order.c against the OpenMP
// backend, so the backends agree bit for bit (DESIGN §4); no float atomics,
// nothing depends on scheduling. bench/NOTES.md counts the work.
#define STP_CURAND 1
#include "stampede/block.h"

#include "block_phases.cuh"
#include "curand_philox.cuh"
#include "path_kernel.cuh"

namespace {

// Path `slot` of the launch: its sized arrays in global memory, its fixed
// ones (the feature ring) in the block's shared memory at `fixed`
// (STP_DEV_FIXED_BYTES).
__device__ stp_path_ws ws_of(const stp_path_tables &tb, const stp_dev_ws &d, int slot, void *fixed)
{
    stp_path_ws w;
    stp_path_ws_bind(&w, &tb, d.ws + (size_t)slot * d.ws_bytes, STP_WS_SIZED);
    stp_path_ws_bind(&w, &tb, fixed, STP_WS_FIXED);
    return w;
}

__device__ stp_sample_row sample_row(const stp_dev_samples &s, long long path)
{
    stp_sample_row r = {NULL, NULL, NULL, NULL};
    if (path < s.k) {
        const size_t off = (size_t)path * (size_t)s.n_steps;
        r.price = s.price + off;
        r.pool_depth = s.pool_depth + off;
        r.sync = s.sync + off;
        r.liquidations = s.liquidations + off;
    }
    return r;
}

static_assert(STP_CUDA_THREADS == STP_PARAM_LANES,
              "thread tid reads lane tid of each parameter chunk: a warp's loads coalesce");
static_assert(STP_CUDA_THREADS % (2 * STP_BLOCK_PATHS) == 0 &&
                  STP_CUDA_THREADS >= 32 * STP_BLOCK_PATHS,
              "a block needs a warp per path and the scan's lanes spread evenly");

// __grid_constant__: the path functions take the tables' address, and
// without it each thread would copy them to local memory.
__global__ void __launch_bounds__(STP_CUDA_THREADS, 2)
    path_kernel(const __grid_constant__ stp_path_tables tb, const stp_dev_ws dw, long long path0,
                int n_paths, double *out, long long out_stride, const stp_dev_samples smp)
{
    __shared__ stp_path_state s[STP_BLOCK_PATHS];
    __shared__ stp_path_ws w[STP_BLOCK_PATHS];
    __shared__ stp_sample_row row[STP_BLOCK_PATHS];
    __shared__ __align__(STP_WS_ALIGN) unsigned char fixed[STP_BLOCK_PATHS][STP_DEV_FIXED_BYTES];
    __shared__ int cnt[2 * STP_BLOCK_PATHS * STP_CUDA_THREADS];
    // nt a constant (stp_launch_paths launches STP_CUDA_THREADS threads):
    // the phases' strides and lane spacing fold into immediates
    const int slot0 = (int)blockIdx.x * STP_BLOCK_PATHS, nt = STP_CUDA_THREADS;
    const int tid = (int)threadIdx.x, warp = tid / 32;
    stp_block b;
    if (slot0 >= n_paths) return; // uniform over the block
    b.tb = &tb;
    b.w = w;
    b.s = s;
    b.row = row;
    b.flag = dw.flag + (size_t)slot0 * (size_t)(tb.n_agents + tb.n_positions);
    b.cnt = cnt;
    b.path0 = path0 + slot0;
    b.n_paths = n_paths - slot0 < STP_BLOCK_PATHS ? n_paths - slot0 : STP_BLOCK_PATHS;
    if (tid < b.n_paths) {
        w[tid] = ws_of(tb, dw, slot0 + tid, fixed[tid]);
        row[tid] = sample_row(smp, b.path0 + tid);
    }
    __syncthreads();
    STP_BLOCK_BODY(&b, tid, nt, q, t, ALL_DEV, LANES_DEV);
    if (tid % 32 == 0 && warp < b.n_paths) { // a warp a path: their loops differ
        double o[STP_N_OUTCOMES];
        stp_path_outcomes(&s[warp], &w[warp], &tb, o);
        for (int m = 0; m < STP_N_OUTCOMES; m++)
            out[m * out_stride + slot0 + warp] = o[m];
    }
}

} // namespace

size_t stp_dev_ws_bytes_per_path(const stp_path_tables *tb)
{
    return stp_path_ws_bytes(tb, STP_WS_SIZED) + (size_t)(tb->n_agents + tb->n_positions);
}

cudaError_t stp_launch_paths(const stp_path_tables &tb, const stp_dev_ws &ws, long long path0,
                             int n, double *out, long long out_stride,
                             const stp_dev_samples &samples, cudaStream_t stream)
{
    if (n <= 0) return cudaSuccess;
    const int blocks = (n + STP_BLOCK_PATHS - 1) / STP_BLOCK_PATHS;
    path_kernel<<<blocks, STP_CUDA_THREADS, 0, stream>>>(tb, ws, path0, n, out, out_stride,
                                                         samples);
    return cudaGetLastError();
}
