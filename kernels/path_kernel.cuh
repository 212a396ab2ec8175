// path_kernel.cuh: the simulation kernel's interface to its host driver
// (cuda_engine.cu). One block simulates STP_BLOCK_PATHS paths (path_kernel.cu).
#ifndef STAMPEDE_PATH_KERNEL_CUH
#define STAMPEDE_PATH_KERNEL_CUH

#include <cuda_runtime.h>

#include "stampede/path.h"

#define STP_CUDA_THREADS 256 // per block: 32 x STP_BLOCK_PATHS, so each path's serial lane has a warp

// Per-path device scratch for the paths of one launch: each array is
// [slot][n], slot = the path's index in the launch.
struct stp_dev_ws {
    int na, np, price_ring, window_n, sync_n, brk_n;
    float *c, *d, *seize, *repay, *bad; // [slot][position]
    int *liq, *grace_since, *grace_last; // [slot][position]
    float *sell_q;                      // [slot][agent]
    int *cand, *sellers, *pend, *due, *next_ok, *last_act;
    unsigned char *acted, *lp_out; // [slot][agent]
    unsigned char *flag;           // [slot][agent + position]: this step's screens
    double *pool_ring;                    // [slot][price_ring]
    double *oracle_ring;                  // [slot][window_n]
    int *sync_ring;                       // [slot][sync_n]
    int *brk_ring;                        // [slot][brk_n]
};

// Bytes of stp_dev_ws per path.
size_t stp_dev_ws_bytes_per_path(const stp_path_tables *tb);

// Device sample rows [k][n_steps] of the run's first k paths.
struct stp_dev_samples {
    int k, n_steps;
    float *price, *pool_depth, *sync, *liquidations;
};

// Simulates paths [path0, path0 + n) (n <= the slots of ws) on `stream`:
// outcome m of path path0 + i lands in out[m * out_stride + i].
cudaError_t stp_launch_paths(const stp_path_tables &tb, const stp_dev_ws &ws, long long path0,
                             int n, double *out, long long out_stride,
                             const stp_dev_samples &samples, cudaStream_t stream);

#endif
