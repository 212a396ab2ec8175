// Compiles the shared headers as CUDA C++: step.h, rng.h, fmath.h and
// workspace.h functions are __host__ __device__ and must build for the device.
#include "stampede/correlation.h"
#include "stampede/link.h"
#include "stampede/fmath.h"
#include "stampede/rng.h"
#include "stampede/step.h"
#include "stampede/workspace.h"

__global__ void header_check_kernel(float *out)
{
    const float p[4] = {0.5f, 4.0f, 2.0f, 0.0f};
    const float f[STP_FEATURES] = {0, 0, 1, 0, 1.4f, 0, 0, 1};
    const int i = threadIdx.x;
    out[i] = stp_tanhf((float)i) + stp_model_logit(STP_FAMILY_DRAWDOWN_RULE, 0, p, 1, f) +
             stp_uniform(stp_philox(1, STP_STREAM_MARKET, 0, 0, (uint32_t)i, 0).v[0]) +
             (float)stp_amm_sell_usd(10.0, 100.0, 1.0, 0.003);
}

__global__ void header_check_fmath_kernel(double *out)
{
    const double x = 0.25 + (double)threadIdx.x;
    double s, c, px = 10.0, py = 100.0;
    float n0, n1, t = 0.0f;
    stp_sincos_turns(x, &s, &c);
    stp_box_muller((uint32_t)threadIdx.x, 2u, &n0, &n1);
    (void)stp_student_t_try((uint32_t)threadIdx.x, 4u, 4.0f, &t);
    stp_arbitrage(&px, &py, 2.0, 0.5);
    out[threadIdx.x] = stp_exp(x) + stp_log(x) + stp_expm1(x) + s + c + (double)stp_expf((float)x) +
                       (double)stp_logf((float)x) + (double)(n0 + n1 + t) +
                       stp_withdrawal_step_factor(x, 3) + (double)stp_poisson_inverse(0.5f, x, 8) +
                       px + py;
}

__global__ void header_check_workspace_kernel(const stp_path_tables tb, unsigned char *base,
                                              size_t *out)
{
    stp_path_ws w;
    stp_path_ws_bind(&w, &tb, base, STP_WS_ALL);
    out[threadIdx.x] = stp_path_ws_bytes(&tb, STP_WS_SIZED) + (size_t)(w.c != NULL);
}
