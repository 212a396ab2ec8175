/* blind_spot.c: the shock sizes at which the population's models fire.
 *
 * Every agent was drawn in equilibrium with the calm market (equilibrium.h),
 * so what makes it act is a move the calm market never shows. A gap or an
 * oracle error of size g is such a move; the agent's firing size is the
 * smallest |g| after which its model fires. Agents of one family share
 * weights up to noise, so their firing sizes bunch: the herd's blind spot
 * is where they bunch, and `blind_spot` draws its shocks there instead of
 * from the configured law, which mostly misses it or overshoots it. */
#include "stampede/blind_spot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/equilibrium.h"
#include "stampede/interrupt.h"
#include "stampede/shocks.h"
#include "stampede/stats.h"

double stp_blind_grid_size(double cap, int j)
{
    return j == STP_BLIND_GRID
               ? cap
               : cap * pow(STP_BLIND_SPAN, -(double)(STP_BLIND_GRID - j) / (STP_BLIND_GRID - 1));
}

/* The smallest grid index (1..STP_BLIND_GRID) at which agent a fires, or 0
 * if it fires at none. A scan up from the smallest size, not a bisection:
 * firing is not monotone in the size for every shipped family
 * (tests/test_scenario_modes.c found consensus_mlp agents firing from 5/48
 * to 28/48 of the cap and not above, which a bisection reported as never
 * firing). The scan stops at the first size that fires, for most agents
 * one of the first few; only agents that never fire pay all 48 calls.
 * A stop request (interrupt.h) ends the scan: the probe then fails. */
static int firing_index(const stp_population *pop, const stp_config *cfg,
                        stp_calm_history *const *h, int a)
{
    int j;
    for (j = 1; j <= STP_BLIND_GRID && !stp_interrupt_pending(); j++)
        if (stp_population_agent_fires(pop, cfg, h[j - 1], a)) return j;
    return 0;
}

stp_status stp_blind_spot_probe(stp_blind_probe *b, const stp_config *cfg,
                                const stp_population *pop, int spec, stp_error *err)
{
    const stp_shock_spec *s = &cfg->scenario.shocks[spec];
    stp_calm_history *h[STP_BLIND_GRID];
    double cap = stp_shock_size_cap(s), dir = s->size.mean > 0.0 ? 1.0 : -1.0, *fire = NULL,
           *sorted = NULL;
    int *idx = NULL, j, a, f, n = 0;
    stp_status st = STP_OK;
    memset(b, 0, sizeof *b);
    memset(h, 0, sizeof h);
    b->lo = b->center = b->hi = NAN;
    for (f = 0; f < STP_MAX_FAMILIES; f++)
        b->family_median[f] = NAN;
    if ((s->kind != STP_SHOCK_GAP && s->kind != STP_SHOCK_ORACLE_ERROR) || pop->n_agents == 0 ||
        !(cap > 0.0))
        return STP_OK;
    if (s->kind == STP_SHOCK_ORACLE_ERROR && dir < 0.0 && cap > 0.99)
        cap = 0.99; /* path.h's floor */
    b->probed = 1;
    for (j = 0; j < STP_BLIND_GRID && st == STP_OK; j++)
        st = stp_calm_history_shocked(&h[j], cfg, (int)s->kind, -1,
                                      dir * stp_blind_grid_size(cap, j + 1),
                                      0.5 * (s->duration_s.lo + s->duration_s.hi), err);
    if (st != STP_OK || STP_ALLOC(err, idx, pop->n_agents) || STP_ALLOC(err, fire, pop->n_agents) ||
        STP_ALLOC(err, sorted, pop->n_agents)) {
        st = err->status;
        goto done;
    }
    /* an OpenMP loop cannot break: on a stop request the agents left are
     * skipped (one agent's scan is at most 48 short histories) */
#pragma omp parallel for schedule(dynamic, 16)
    for (a = 0; a < pop->n_agents; a++)
        if (!stp_interrupt_pending()) idx[a] = firing_index(pop, cfg, h, a);
    if ((st = stp_interrupt_check(err, "the blind-spot probe")) != STP_OK) goto done;
    for (a = 0; a < pop->n_agents; a++) {
        fire[a] = idx[a] ? stp_blind_grid_size(cap, idx[a]) : NAN;
        if (idx[a]) sorted[n++] = fire[a];
    }
    b->agents_firing = n;
    if (n > 0) {
        qsort(sorted, (size_t)n, sizeof *sorted, stp_cmp_double);
        b->lo = dir * stp_sorted_quantile(sorted, (size_t)n, 0.1);
        b->center = dir * stp_sorted_quantile(sorted, (size_t)n, 0.5);
        b->hi = dir * stp_sorted_quantile(sorted, (size_t)n, 0.9);
    }
    for (f = 0; f < pop->n_families; f++) {
        int m = 0;
        for (a = pop->family_start[f]; a < pop->family_start[f] + pop->family_count[f]; a++)
            if (idx[a]) sorted[m++] = fire[a];
        b->family_firing[f] = m;
        if (m > 0) {
            qsort(sorted, (size_t)m, sizeof *sorted, stp_cmp_double);
            b->family_median[f] = dir * stp_sorted_quantile(sorted, (size_t)m, 0.5);
        }
    }
done:
    for (j = 0; j < STP_BLIND_GRID; j++)
        stp_calm_history_destroy(h[j]);
    free(idx);
    free(fire);
    free(sorted);
    return st;
}
