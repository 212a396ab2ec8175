// Compiles the shared headers as CUDA C++: step.h and rng.h functions are
// __host__ __device__ and must build for the device.
#include "stampede/rng.h"
#include "stampede/step.h"

__global__ void header_check_kernel(float *out)
{
    const float p[4] = {0.5f, 4.0f, 2.0f, 0.0f};
    const float f[STP_FEATURES] = {0, 0, 1, 0, 1.4f, 0, 0, 1};
    const int i = threadIdx.x;
    out[i] = stp_tanhf((float)i) + stp_model_logit(STP_FAMILY_DRAWDOWN_RULE, 0, p, 1, f) +
             stp_uniform(stp_philox(1, STP_STREAM_MARKET, 0, 0, (uint32_t)i, 0).v[0]) +
             (float)stp_amm_sell_usd(10.0, 100.0, 1.0, 0.003);
}
