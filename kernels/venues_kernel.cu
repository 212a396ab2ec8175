// venues_kernel.cu: a path over several venues on the device (DESIGN §10).
// A block carries one path and runs stampede/block_venues.h's body: its
// threads split each venue's agents and positions, evaluate the models
// and build each venue's candidate and liquidation lists in index order;
// each venue's serial step runs on its own lane (a warp each), the links
// on one. The same body runs on the host in tests/test_kernel_venues.c
// against the OpenMP backend, so the backends agree bit for bit; no float
// atomics, nothing depends on scheduling. bench/NOTES.md has the layout.
#define STP_CURAND 1
#include "stampede/block_venues.h"

#include "block_phases.cuh"
#include "curand_philox.cuh"
#include "venues_kernel.cuh"

namespace {

static_assert(STP_CUDA_THREADS % (2 * STP_MAX_VENUES) == 0 &&
                  STP_CUDA_THREADS >= 32 * STP_MAX_VENUES,
              "a block needs a warp per venue and the scan's lanes spread evenly");

// __grid_constant__: the phases take the view's address, and without it
// each thread would copy it to local memory.
__global__ void __launch_bounds__(STP_CUDA_THREADS)
    venues_kernel(const __grid_constant__ stp_venues_view vv, const stp_dev_venues_ws dw,
                  long long path0, int n_paths, double *out, long long out_stride, int n_cols,
                  const stp_dev_samples smp)
{
    __shared__ stp_path_state s[STP_MAX_VENUES];
    __shared__ stp_path_ws w[STP_MAX_VENUES];
    __shared__ stp_sample_row row[STP_MAX_VENUES];
    __shared__ __align__(STP_WS_ALIGN) unsigned char fixed[STP_MAX_VENUES][STP_DEV_FIXED_BYTES];
    __shared__ int cnt[2 * STP_MAX_VENUES * STP_CUDA_THREADS];
    __shared__ double ov[STP_MAX_VENUES * STP_N_VENUE_OUTCOMES];
    __shared__ stp_vblock b;
    const int slot = (int)blockIdx.x, nt = (int)blockDim.x, tid = (int)threadIdx.x;
    unsigned char *mem = dw.mem + (size_t)slot * dw.lay.slot_bytes;
    if (slot >= n_paths) return; // uniform over the block
    if (tid == 0) {
        b.vv = &vv;
        b.w = w;
        b.s = s;
        b.row = row;
        b.cnt = cnt;
        b.ov = ov;
        b.path = path0 + slot;
        stp_vblock_carve(&b, &dw.lay, mem);
    }
    if (tid < vv.n_venues) {
        stp_vblock_bind(&w[tid], &vv.tb[tid], &dw.lay, tid, mem, fixed[tid]);
        row[tid] = stp_venue_sample_row(smp.price, smp.pool_depth, smp.sync, smp.liquidations,
                                        smp.k, smp.n_steps, smp.n_rows, tid, path0 + slot);
    }
    __syncthreads();
    STP_VENUE_BODY(&b, tid, nt, q, t, ALL_DEV, LANES_DEV);
    if (tid == 0) stp_vblock_record(&b, out + slot, out_stride, n_cols);
}

} // namespace

cudaError_t stp_launch_venues(const stp_venues_view &vv, const stp_dev_venues_ws &ws,
                              long long path0, int n, double *out, long long out_stride,
                              int n_cols, const stp_dev_samples &samples, cudaStream_t stream)
{
    if (n <= 0) return cudaSuccess;
    venues_kernel<<<n, STP_CUDA_THREADS, 0, stream>>>(vv, ws, path0, n, out, out_stride, n_cols,
                                                      samples);
    return cudaGetLastError();
}
