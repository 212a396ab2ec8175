// path_kernel.cuh: the simulation kernel's interface to its host driver
// (cuda_engine.cu). One block simulates STP_BLOCK_PATHS paths (path_kernel.cu).
#ifndef STAMPEDE_PATH_KERNEL_CUH
#define STAMPEDE_PATH_KERNEL_CUH

#include <cuda_runtime.h>

#include "stampede/path.h"

#define STP_CUDA_THREADS 256 // per block: 32 x STP_BLOCK_PATHS, so each path's serial lane has a warp

// Per-path device scratch for the paths of one launch, [slot][...], slot =
// the path's index in the launch: each path's workspace arrays of part
// STP_WS_SIZED (workspace.h; the FIXED part lives in the kernel's shared
// memory) in one run of ws_bytes, and its screens' flags.
struct stp_dev_ws {
    unsigned char *ws;   // [slot][ws_bytes]: stp_path_ws_bind carves each
    size_t ws_bytes;     // stp_path_ws_bytes(tb, STP_WS_SIZED)
    unsigned char *flag; // [slot][agent + position]: this step's screens
};

// Shared memory the kernel keeps per path for the workspace's STP_WS_FIXED
// part (today the feature ring): a constant, as __shared__ needs;
// stp_cuda_engine_create checks it holds stp_path_ws_bytes(tb, STP_WS_FIXED).
#define STP_DEV_FIXED_BYTES ((size_t)STP_FEAT_RING_LEN * sizeof(float))

// Bytes of stp_dev_ws per path.
size_t stp_dev_ws_bytes_per_path(const stp_path_tables *tb);

// Device sample rows [k][n_steps] of the run's first k paths.
struct stp_dev_samples {
    int k, n_steps;
    int n_rows; // rows per path: a multi-venue run's venues (outcomes.h), else 1
    float *price, *pool_depth, *sync, *liquidations;
};

// Simulates paths [path0, path0 + n) (n <= the slots of ws) on `stream`:
// outcome m of path path0 + i lands in out[m * out_stride + i].
cudaError_t stp_launch_paths(const stp_path_tables &tb, const stp_dev_ws &ws, long long path0,
                             int n, double *out, long long out_stride,
                             const stp_dev_samples &samples, cudaStream_t stream);

#endif
