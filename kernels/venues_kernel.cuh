// venues_kernel.cuh: the multi-venue kernel's interface to its host driver
// (cuda_engine.cu). One block simulates one path over the run's venues
// (venues_kernel.cu, stampede/block_venues.h).
#ifndef STAMPEDE_VENUES_KERNEL_CUH
#define STAMPEDE_VENUES_KERNEL_CUH

#include <cuda_runtime.h>

#include "path_kernel.cuh"
#include "stampede/block_venues.h"

// Per-path device scratch of a launch, one run of slot_bytes per path
// (slot = the path's index in the launch), each venue's parts at its
// offsets (multiples of STP_WS_ALIGN): its workspace's STP_WS_SIZED arrays
// (the FIXED part lives in the kernel's shared memory), its screens' flags
// and its agents' logits; then the links' units in flight. Big arrays
// stay in global memory: a block carries up to STP_MAX_VENUES venues.
struct stp_dev_venues_ws {
    unsigned char *mem;
    size_t slot_bytes;
    size_t ws_at[STP_MAX_VENUES], flag_at[STP_MAX_VENUES], logit_at[STP_MAX_VENUES];
    size_t ring_at;
};

// Lays out a path's scratch over the venues' tables tb[0, nv) and a ring
// of ring_len doubles: the offsets and slot_bytes of *d (mem untouched).
void stp_dev_venues_layout(stp_dev_venues_ws *d, const stp_path_tables *tb, int nv,
                           int ring_len);

// Simulates paths [path0, path0 + n) (n <= the slots of ws) on `stream`:
// column c < n_cols of path path0 + i lands in out[c * out_stride + i].
// vv's pointers are device memory; samples' n_rows rows per path.
cudaError_t stp_launch_venues(const stp_venues_view &vv, const stp_dev_venues_ws &ws,
                              long long path0, int n, double *out, long long out_stride,
                              int n_cols, const stp_dev_samples &samples, cudaStream_t stream);

#endif
