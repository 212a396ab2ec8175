// cuda_check.cuh: every CUDA call of the backend goes through STP_CUDA_CHECK,
// which records the call's text, file, line and CUDA's error name and
// message in the caller's stp_error (STP_EDEVICE) and evaluates to nonzero
// on failure. It never exits: callers `goto fail` and free what they hold.
#ifndef STAMPEDE_CUDA_CHECK_CUH
#define STAMPEDE_CUDA_CHECK_CUH

#include <cuda_runtime.h>

#include "stampede/error.h"

static inline int stp_cuda_failed(cudaError_t rc, stp_error *err, const char *call,
                                  const char *file, int line)
{
    if (rc == cudaSuccess) return 0;
    stp_error_set(err, STP_EDEVICE, "CUDA error %s (%s) in %s at %s:%d", cudaGetErrorName(rc),
                  cudaGetErrorString(rc), call, file, line);
    return 1;
}

#define STP_CUDA_CHECK(err, call) stp_cuda_failed((call), (err), #call, __FILE__, __LINE__)

// STP_DEBUG_SYNC: wait for each launch, so an asynchronous fault is blamed
// on the kernel that caused it rather than on the next CUDA call.
#ifdef STP_DEBUG_SYNC
#define STP_CUDA_LAUNCHED(err)                                                                     \
    (STP_CUDA_CHECK(err, cudaGetLastError()) || STP_CUDA_CHECK(err, cudaDeviceSynchronize()))
#else
#define STP_CUDA_LAUNCHED(err) STP_CUDA_CHECK(err, cudaGetLastError())
#endif

#endif
