/* venues.h: the venues of a run's paths (DESIGN §10), built once per
 * population: each venue's config (the base with its asset's and its own
 * overrides, stp_config_venue), the per-step constants derived from it,
 * its own population, and how the system's record joins theirs
 * (system_outcomes.h). A config without "venues" has none of this: it is one
 * venue, the config itself, simulated as before. */
#ifndef STAMPEDE_VENUES_H
#define STAMPEDE_VENUES_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/link.h"
#include "stampede/params.h"
#include "stampede/population.h"

STP_EXTERN_C_BEGIN

/* A venue's positions of other venues' cross-venue agents (DESIGN §10,
 * the behavioural channel): mirror j is agent leader_agent[j] of venue
 * leader_venue[j], holding a position on this venue that it de-risks
 * whenever its model fires at home. A mirror has no model of its own:
 * its logit is its leader's (cpu_backend.c), its threshold, sell fraction
 * and fee tolerance are its leader's, and its position carries 1 / (V - 1)
 * of its leader's debt at its leader's health factor (this venue's price
 * and protocol): an agent on every venue holds as much again as at home,
 * spread over the others. In the venue's tables mirrors are agents
 * n_agents + j (tables.c). */
typedef struct stp_mirrors {
    int n;
    int *leader_venue, *leader_agent; /* [j] */
    int *prot;                        /* [j]: one of this venue's protocols */
    float *c0, *d0;                   /* [j]: collateral units, debt USD */
} stp_mirrors;

typedef struct stp_venues {
    int n; /* >= 2 */
    /* owned: venue v's config; cfg->venue is its key, 1 + the rank of its
     * name among the venues' names, which keys its population's and its
     * agents' draws: listing the venues in another order changes no
     * venue's numbers (0 is a config without venues) */
    stp_config *cfg[STP_MAX_VENUES];
    stp_params prm[STP_MAX_VENUES];      /* its constants, with its asset and correlation row */
    stp_population *pop[STP_MAX_VENUES]; /* owned: its agents and positions */
    /* venue v's agents, its population's and then its mirrors, are the
     * path's [agent_base[v], agent_base[v + 1]) (the system's first mover) */
    int agent_base[STP_MAX_VENUES + 1];
    stp_mirrors mirror[STP_MAX_VENUES];
    unsigned char *cross[STP_MAX_VENUES]; /* [agent of venue v's population]: cross-venue */
    int own_weight[STP_MAX_VENUES];      /* 1: the first venue on its asset (system_outcomes.h) */
    int key[STP_MAX_VENUES];             /* cfg[v]->venue: orders a tie (system_outcomes.h) */
    /* the venue whose pool venue v's oracle reads (oracle.source; v its
     * own); foreign_oracle: some venue reads another's */
    int oracle_src[STP_MAX_VENUES];
    int foreign_oracle;
    int need;                            /* venues whose cascade makes the path's */
    int n_links;
    stp_link_prm link[STP_MAX_LINKS];
    int ring_at[STP_MAX_LINKS + 1]; /* link l's units in flight: a path's ring[ring_at[l], ...) */
    int first_given; /* pop[0] belongs to the caller (stp_venues_give_first) */
} stp_venues;

/* The venues of cfg (cfg->n_venues >= 2) with population k of each
 * (stp_population_create_nth of the venue's config). On failure *out is
 * NULL and err says why (a venue's population: its name leads the
 * message); STP_EINTR when a stop was requested during a draw. */
stp_status stp_venues_create(stp_venues **out, const stp_config *cfg, int k, stp_error *err);
void stp_venues_destroy(stp_venues *v);

/* Venue 0's population, handed to the caller, who frees it (after or
 * before the venues, which keep using it until destroyed): a point's or a
 * bench's population 0, which drawing again from venue 0's config would
 * repeat, calm-market screen and all. */
stp_population *stp_venues_give_first(stp_venues *vs);

STP_EXTERN_C_END

#endif
