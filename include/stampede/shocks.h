/* shocks.h: how large and how many a configured shock spec can be drawn
 * (DESIGN §3.6), the scenario law's bounds every layer above sizes its
 * buffers by: the oracle history (params.h), the blind-spot probe's grid
 * (blind_spot.h), a scenario row's slots (scenario.h) and the search's
 * starting law (search.h). */
#ifndef STAMPEDE_SHOCKS_H
#define STAMPEDE_SHOCKS_H

#include "stampede/config.h"

/* The Poisson rate a spec's count is drawn with: rate_per_path, times
 * e^count_tilt under importance sampling. */
double stp_shock_draw_rate(const stp_config *cfg, const stp_shock_spec *s);

/* Slots a spec occupies in cfg's table: its count, or for a Poisson-counted
 * spec r + 10 sqrt(r) + 10 at its drawn rate r (P(more events) < 1e-12). */
int stp_shock_slots(const stp_config *cfg, const stp_shock_spec *s);

/* Largest |size| the sampler can draw for a spec: |mean| + 6 sd. Sizes are
 * clamped to it, which bounds the oracle history (params.c). */
double stp_shock_size_cap(const stp_shock_spec *s);

#endif
