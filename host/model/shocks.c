/* shocks.c: a shock spec's drawn rate, slots and size cap (shocks.h). */
#include "stampede/shocks.h"

#include <math.h>

double stp_shock_draw_rate(const stp_config *cfg, const stp_shock_spec *s)
{
    const double th = cfg->scenario.importance_count_tilt;
    if (cfg->scenario.mode != STP_SCENARIO_IMPORTANCE || th == 0.0 || s->has_count)
        return s->rate_per_path;
    return s->rate_per_path * exp(th);
}

/* A Poisson-counted spec gets rate + 10 sqrt(rate) + 10 slots: the count
 * exceeds that with probability below 1e-12 at any rate, so the clamp in
 * stp_poisson_inverse never shapes the scenario in practice. */
int stp_shock_slots(const stp_config *cfg, const stp_shock_spec *s)
{
    const double r = stp_shock_draw_rate(cfg, s);
    return s->has_count ? s->count : (int)ceil(r + 10.0 * sqrt(r) + 10.0);
}

double stp_shock_size_cap(const stp_shock_spec *s)
{
    return fabs(s->size.mean) + 6.0 * s->size.sd;
}
