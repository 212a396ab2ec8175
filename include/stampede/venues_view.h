/* venues_view.h: block_venues.h's view of a run's venues (venues.h) over
 * the venues' tables, on the host: the test of the kernel's order uses it
 * as it is, the CUDA engine with its pointers replaced by device copies. */
#ifndef STAMPEDE_VENUES_VIEW_H
#define STAMPEDE_VENUES_VIEW_H

#include <string.h>

#include "stampede/block_venues.h"
#include "stampede/venues.h"

/* Whether venue v's cross-venue agents read the venue of the largest move
 * (population.features_from, DESIGN §10), as simulate_venues decides. */
static inline int stp_venues_reads_largest_move(const stp_venues *vs, int v)
{
    return vs->cfg[v]->population.features_largest_move &&
           vs->cfg[v]->population.cross_venue_share > 0.0;
}

/* vv from vs, tb[v] venue v's tables (stp_tables_create, _scope, _mirror). */
static inline void stp_venues_view_fill(stp_venues_view *vv, const stp_venues *vs,
                                        const stp_path_tables *tb)
{
    int v;
    memset(vv, 0, sizeof *vv);
    vv->tb = tb;
    vv->n_venues = vs->n;
    vv->n_links = vs->n_links;
    vv->need = vs->need;
    memcpy(vv->agent_base, vs->agent_base, sizeof vv->agent_base);
    memcpy(vv->own_weight, vs->own_weight, sizeof vv->own_weight);
    memcpy(vv->key, vs->key, sizeof vv->key);
    memcpy(vv->oracle_src, vs->oracle_src, sizeof vv->oracle_src);
    vv->foreign_oracle = vs->foreign_oracle;
    memcpy(vv->ring_at, vs->ring_at, sizeof vv->ring_at);
    memcpy(vv->link, vs->link, sizeof vv->link);
    for (v = 0; v < vs->n; v++) {
        vv->leader_venue[v] = vs->mirror[v].leader_venue;
        vv->leader_agent[v] = vs->mirror[v].leader_agent;
        vv->cross[v] = stp_venues_reads_largest_move(vs, v) ? vs->cross[v] : NULL;
    }
}

#endif
