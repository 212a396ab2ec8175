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
// block_venues.h's stp_venues_layout_of lays it out, for the host test too.
struct stp_dev_venues_ws {
    unsigned char *mem; // [slot][lay.slot_bytes]
    stp_venues_layout lay;
};

// Simulates paths [path0, path0 + n) (n <= the slots of ws) on `stream`:
// column c < n_cols of path path0 + i lands in out[c * out_stride + i].
// vv's pointers are device memory; samples' n_rows rows per path.
cudaError_t stp_launch_venues(const stp_venues_view &vv, const stp_dev_venues_ws &ws,
                              long long path0, int n, double *out, long long out_stride,
                              int n_cols, const stp_dev_samples &samples, cudaStream_t stream);

#endif
