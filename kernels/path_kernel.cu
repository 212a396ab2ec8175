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

#include "curand_philox.cuh"
#include "path_kernel.cuh"

namespace {

__device__ stp_path_ws ws_of(const stp_dev_ws &d, int slot)
{
    stp_path_ws w;
    const size_t np = (size_t)slot * (size_t)d.np, na = (size_t)slot * (size_t)d.na;
    w.c = d.c + np;
    w.d = d.d + np;
    w.seize = d.seize + np;
    w.repay = d.repay + np;
    w.bad = d.bad + np;
    w.liq = d.liq + np;
    w.grace_since = d.grace_since + np;
    w.grace_last = d.grace_last + np;
    w.sell_q = d.sell_q + na;
    w.cand = d.cand + na;
    w.sellers = d.sellers + na;
    w.pend = d.pend + na;
    w.due = d.due + na;
    w.next_ok = d.next_ok + na;
    w.last_act = d.last_act + na;
    w.acted = d.acted + na;
    w.lp_out = d.lp_out + na;
    w.pool_ring = d.pool_ring + (size_t)slot * (size_t)d.price_ring;
    w.oracle_ring = d.oracle_ring + (size_t)slot * (size_t)d.window_n;
    w.sync_ring = d.sync_ring + (size_t)slot * (size_t)d.sync_n;
    w.brk_ring = d.brk_ring + (size_t)slot * (size_t)d.brk_n;
    w.feat_ring = NULL; // the kernel points it at shared memory
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

#define ALL_DEV(stmt)                                                                              \
    {                                                                                              \
        stmt;                                                                                      \
        __syncthreads();                                                                           \
    }
#define LANES_DEV(n, nmax, stmt)                                                                   \
    {                                                                                              \
        const int sp_ = nt / (nmax), q_ = tid_ / sp_;                                              \
        if (tid_ % sp_ == 0 && q_ < (n)) {                                                         \
            stmt;                                                                                  \
        }                                                                                          \
        __syncthreads();                                                                           \
    }

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
    __shared__ float feat[STP_BLOCK_PATHS][STP_LAG_RING * (STP_FEATURES + 1)];
    __shared__ int cnt[2 * STP_BLOCK_PATHS * STP_CUDA_THREADS];
    const int slot0 = (int)blockIdx.x * STP_BLOCK_PATHS, nt = (int)blockDim.x;
    const int tid_ = (int)threadIdx.x, warp = tid_ / 32;
    stp_block b;
    if (slot0 >= n_paths) return; // uniform over the block
    b.tb = &tb;
    b.w = w;
    b.s = s;
    b.row = row;
    b.flag = dw.flag + (size_t)slot0 * (size_t)(dw.na + dw.np);
    b.cnt = cnt;
    b.path0 = path0 + slot0;
    b.n_paths = n_paths - slot0 < STP_BLOCK_PATHS ? n_paths - slot0 : STP_BLOCK_PATHS;
    if (tid_ < b.n_paths) {
        w[tid_] = ws_of(dw, slot0 + tid_);
        w[tid_].feat_ring = feat[tid_];
        row[tid_] = sample_row(smp, b.path0 + tid_);
    }
    __syncthreads();
    STP_BLOCK_BODY(&b, nt, ALL_DEV, LANES_DEV);
    if (tid_ % 32 == 0 && warp < b.n_paths) { // a warp a path: their loops differ
        double o[STP_N_OUTCOMES];
        stp_path_outcomes(&s[warp], &w[warp], &tb, o);
        for (int m = 0; m < STP_N_OUTCOMES; m++)
            out[m * out_stride + slot0 + warp] = o[m];
    }
}

} // namespace

size_t stp_dev_ws_bytes_per_path(const stp_path_tables *tb)
{
    const size_t na = (size_t)tb->n_agents, np = (size_t)tb->n_positions;
    return np * (5 * sizeof(float) + 3 * sizeof(int) + 1) +
           na * (sizeof(float) + 6 * sizeof(int) + 3) +
           (size_t)tb->prm.price_ring * sizeof(double) +
           (size_t)(tb->prm.window_steps + 1) * sizeof(double) +
           (size_t)(tb->prm.sync_window_steps + tb->prm.breaker_window_steps) * sizeof(int);
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
