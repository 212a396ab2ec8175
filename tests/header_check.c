/* Compiles the shared headers as strict C11 (-pedantic -Werror): step.h and
 * rng.h must stay in the common subset of C11 and CUDA C++. */
#include "stampede/rng.h"
#include "stampede/step.h"

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
