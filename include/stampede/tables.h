/* tables.h: builds the read-only tables of path.h (stp_path_tables) from a
 * run's population and scenario table, once per run; both backends read
 * them (the CUDA backend copies them to the device). */
#ifndef STAMPEDE_TABLES_H
#define STAMPEDE_TABLES_H

#include "stampede/path.h"
#include "stampede/scenario.h"

STP_EXTERN_C_BEGIN

/* Owns the arrays the population does not hold; view borrows the rest. */
typedef struct stp_tables {
    stp_path_tables view; /* host pointers; scenario rows set per batch */
    int *prot;            /* [position] */
    float *lt, *c0, *d0;  /* [position] */
    int *slot_protocol;   /* [slot] */
    int *slot_venue, *slot_asset; /* [slot]: a venue's tables (stp_tables_scope); else NULL */
    /* a venue with mirrors (stp_tables_mirror): the agents' arrays with the
     * mirrors after the population's agents; else NULL */
    int *role, *lag_steps;
    float *logit_threshold, *sell_fraction, *lp_share, *fee_tolerance, *params;
    float *param_chunks; /* view.param_chunks when built; else NULL */
} stp_tables;

/* Borrows pop and scen->slot_* (they must outlive the tables). */
stp_status stp_tables_create(stp_tables **out, const stp_params *prm, const stp_config *cfg,
                             const stp_population *pop, const stp_scenario_table *scen,
                             stp_error *err);

/* Makes t venue `venue`'s of a multi-venue path (DESIGN §10): its
 * agents' draws keyed by venue_key (venues.h), and each slot's scope the
 * shock's of the base config (venue, asset: workspace.h). */
stp_status stp_tables_scope(stp_tables *t, const stp_config *base, int venue, int venue_key,
                            const stp_scenario_table *scen, stp_error *err);

struct stp_venues;
/* Venue v's mirrors of other venues' cross-venue agents (venues.h) into
 * its tables: agents [n_agents, n_agents + n_mirrors) after the
 * population's (no family: their logits are their leaders'), their
 * positions after the population's agents' and before the passive ones.
 * Nothing to do without mirrors. */
stp_status stp_tables_mirror(stp_tables *t, const stp_population *pop,
                             const struct stp_venues *vs, int v, stp_error *err);

/* Builds view.param_chunks, the lockstep kernel's copy of view.params
 * (workspace.h: [agent / STP_PARAM_LANES][param][agent % STP_PARAM_LANES]),
 * which the CUDA engine uploads and the kernel's host twin
 * (tests/test_kernel_order.c) reads; the OpenMP backend does not need it.
 * Call it after stp_tables_mirror, which drops a copy built before. */
stp_status stp_tables_chunk_params(stp_tables *t, stp_error *err);

/* Points the view at the scenario rows of scen (paths [scen->base, ...)). */
void stp_tables_set_rows(stp_tables *t, const stp_scenario_table *scen);

void stp_tables_destroy(stp_tables *t);

STP_EXTERN_C_END

#endif
