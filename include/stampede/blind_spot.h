/* blind_spot.h: where the drawn population's models fire (DESIGN §3.6,
 * mode `blind_spot`). */
#ifndef STAMPEDE_BLIND_SPOT_H
#define STAMPEDE_BLIND_SPOT_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/population.h"

/* The probe grid: STP_BLIND_GRID sizes in geometric steps from |cap| /
 * STP_BLIND_SPAN to |cap| (12.5% apart), so that agents firing on a small
 * move are resolved as finely, relative to their size, as those firing on
 * a crash. */
#define STP_BLIND_GRID 48
#define STP_BLIND_SPAN 256.0

/* What the probe found for one spec (NaN where not probed). */
typedef struct stp_blind_probe {
    int probed;            /* 1: a price-seen kind (gap, oracle_error) with agents */
    double lo, center, hi; /* 10%, 50% and 90% points of the firing sizes */
    int agents_firing;     /* AI agents whose model fires at some size within the cap */
    double family_median[STP_MAX_FAMILIES]; /* median firing size per family, NaN: none */
    int family_firing[STP_MAX_FAMILIES];
} stp_blind_probe;

/* |size| of grid point j, 1 <= j <= STP_BLIND_GRID, for a spec whose cap is cap. */
double stp_blind_grid_size(double cap, int j);

/* Probes spec `spec` of cfg against the population: for a kind the agents
 * see in the price (gap, oracle_error) and at least one AI agent, each
 * agent's firing size is the smallest size on the grid, in the direction
 * of the spec's mean (down when the mean is 0), at which its model fires
 * in the calm market after one such shock (stp_calm_history_shocked, the
 * spec's mid duration). lo, center and hi are the 10%, 50% and 90% points
 * of the firing sizes of the agents that fire within the cap (signed);
 * family_median the same per family. Other kinds, no agents: probed = 0.
 * The plan (scenario.c) then draws the spec once on every path (or its
 * count, if larger), its size uniform on [lo, hi]. STP_EINTR on a stop
 * request (interrupt.h), STP_ENOMEM; nothing is left allocated. */
stp_status stp_blind_spot_probe(stp_blind_probe *out, const stp_config *cfg,
                                const stp_population *pop, int spec, stp_error *err);

#endif
