// curand_philox.cuh: stp_philox's device pass, through cuRAND's device API.
// Include after stampede/rng.h, in a file compiled with STP_CURAND defined.
//
// curand_init(seed, subsequence, offset) sets key = {seed lo, seed hi} and
// counter = {offset/4 lo, offset/4 hi, subsequence lo, subsequence hi}
// (curand_kernel.h: skipahead_sequence adds to the counter's high 64 bits,
// skipahead to its low 64 bits); with offset a multiple of 4 the next
// curand4 returns philox4x32-10(counter, key): rng.h's layout exactly.
#ifndef STAMPEDE_CURAND_PHILOX_CUH
#define STAMPEDE_CURAND_PHILOX_CUH

#include "stampede/rng.h"

#include "curand_include.cuh"

static __device__ __forceinline__ stp_u32x4 stp_curand_philox(uint32_t key0, uint32_t key1,
                                                              uint32_t draw, uint32_t agent,
                                                              uint32_t step, uint32_t path)
{
    curandStatePhilox4_32_10_t st;
    stp_u32x4 out;
    uint4 r;
    // offset 4 (agent:draw) < 2^64 while agent < 2^30: agents are far fewer
    curand_init(((unsigned long long)key1 << 32) | key0, ((unsigned long long)path << 32) | step,
                (((unsigned long long)agent << 32) | draw) * 4ull, &st);
    r = curand4(&st);
    out.v[0] = r.x;
    out.v[1] = r.y;
    out.v[2] = r.z;
    out.v[3] = r.w;
    return out;
}

#endif
