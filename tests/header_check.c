/* Compiles the shared headers as strict C11 (-pedantic -Werror): step.h,
 * rng.h, fmath.h and workspace.h must stay in the common subset of C11 and
 * CUDA C++. */
#include "stampede/correlation.h"
#include "stampede/link.h"
#include "stampede/fmath.h"
#include "stampede/model_shape.h"
#include "stampede/rng.h"
#include "stampede/step.h"
#include "stampede/workspace.h"

/* The layout constants the model files and the loader agree on. */
_Static_assert(STP_FEATURES == 8, "models are 8-feature");
_Static_assert(STP_MAX_PARAMS == 10 * STP_MLP_MAX_HIDDEN + 1, "MLP parameter count");
_Static_assert(STP_LAG_RING > STP_MAX_LAG_STEPS, "the lag ring holds every lag");

float header_check_use(float x);
float header_check_use(float x)
{
    const float p[4] = {0.5f, 4.0f, 2.0f, 0.0f};
    const float f[STP_FEATURES] = {0, 0, 1, 0, 1.4f, 0, 0, 1};
    return stp_tanhf(x) + stp_model_logit(STP_FAMILY_DRAWDOWN_RULE, 0, p, 1, f) +
           stp_uniform(stp_philox(1, STP_STREAM_MARKET, 0, 0, 0, 0).v[0]);
}

double header_check_fmath(double x);
double header_check_fmath(double x)
{
    double s, c;
    float n0, n1, t = 0.0f;
    stp_sincos_turns(x, &s, &c);
    stp_box_muller(1u, 2u, &n0, &n1);
    (void)stp_student_t_try(3u, 4u, 4.0f, &t);
    return stp_exp(x) + stp_log(x) + stp_expm1(x) + s + c + (double)stp_expf((float)x) +
           (double)stp_logf((float)x) + (double)(n0 + n1 + t) + stp_withdrawal_step_factor(x, 3) +
           (double)stp_poisson_inverse(0.5f, x, 8);
}

/* The workspace table expands to a struct, a size and a binder. */
size_t header_check_workspace(const stp_path_tables *tb, void *base, stp_path_ws *w);
size_t header_check_workspace(const stp_path_tables *tb, void *base, stp_path_ws *w)
{
    stp_path_ws_bind(w, tb, base, STP_WS_ALL);
    return stp_path_ws_bytes(tb, STP_WS_SIZED) + stp_path_ws_bytes(tb, STP_WS_FIXED);
}
