/* tables.c: the flat, read-only tables the step loop reads (path.h). */
#include "stampede/tables.h"

#include <stdlib.h>

stp_status stp_tables_create(stp_tables **out, const stp_params *prm, const stp_config *cfg,
                             const stp_population *pop, const stp_scenario_table *scen,
                             stp_error *err)
{
    const int na = pop->n_agents, np = na + pop->n_passive;
    stp_tables *t = NULL;
    stp_path_tables *v;
    int i, f;
    *out = NULL;
    if (STP_ALLOC(err, t, 1) || STP_ALLOC(err, t->prot, np) || STP_ALLOC(err, t->lt, np) ||
        STP_ALLOC(err, t->c0, np) || STP_ALLOC(err, t->d0, np) ||
        STP_ALLOC(err, t->slot_protocol, scen->n_slots))
        goto fail;
    for (i = 0; i < np; i++) {
        const int k = i < na ? pop->protocol[i] : pop->p_protocol[i - na];
        t->prot[i] = k;
        t->lt[i] = k >= 0 ? prm->lt[k] : 0.0f;
        t->c0[i] = i < na ? pop->collateral[i] : pop->p_collateral[i - na];
        t->d0[i] = i < na ? pop->debt_usd[i] : pop->p_debt_usd[i - na];
    }
    for (i = 0; i < scen->n_slots; i++)
        t->slot_protocol[i] = scen->slot_kind[i] == STP_SHOCK_EXPLOIT
                                  ? cfg->scenario.shocks[scen->slot_spec[i]].protocol
                                  : -1;
    v = &t->view;
    v->prm = *prm;
    v->n_agents = na;
    v->n_passive = pop->n_passive;
    v->n_positions = np;
    v->n_families = pop->n_families;
    for (f = 0; f < pop->n_families; f++) {
        v->family_kind[f] = (int)pop->models[f].kind;
        v->family_hidden[f] = pop->models[f].hidden;
    }
    for (f = 0; f <= pop->n_families; f++)
        v->family_start[f] = pop->family_start[f];
    v->role = pop->role;
    v->lag_steps = pop->lag_steps;
    v->logit_threshold = pop->logit_threshold;
    v->sell_fraction = pop->sell_fraction;
    v->lp_share = pop->lp_share;
    v->fee_tolerance = pop->fee_tolerance;
    v->params = pop->params;
    v->prot = t->prot;
    v->lt = t->lt;
    v->c0 = t->c0;
    v->d0 = t->d0;
    v->n_slots = scen->n_slots;
    v->slot_kind = scen->slot_kind;
    v->slot_protocol = t->slot_protocol;
    stp_tables_set_rows(t, scen);
    *out = t;
    return STP_OK;
fail:
    stp_tables_destroy(t);
    return err->status;
}

stp_status stp_tables_scope(stp_tables *t, const stp_config *base, int venue, int venue_key,
                            const stp_scenario_table *scen, stp_error *err)
{
    int i;
    if (STP_ALLOC(err, t->slot_venue, scen->n_slots > 0 ? scen->n_slots : 1) ||
        STP_ALLOC(err, t->slot_asset, scen->n_slots > 0 ? scen->n_slots : 1))
        return err->status;
    for (i = 0; i < scen->n_slots; i++) {
        const stp_shock_spec *sh = &base->scenario.shocks[scen->slot_spec[i]];
        t->slot_venue[i] = sh->venue;
        t->slot_asset[i] = sh->asset;
    }
    t->view.venue = venue;
    t->view.venue_key = venue_key;
    t->view.slot_venue = t->slot_venue;
    t->view.slot_asset = t->slot_asset;
    return STP_OK;
}

void stp_tables_set_rows(stp_tables *t, const stp_scenario_table *scen)
{
    t->view.scen_base = scen->base;
    t->view.active = scen->active;
    t->view.time_s = scen->time_s;
    t->view.duration_s = scen->duration_s;
    t->view.size = scen->size;
}

void stp_tables_destroy(stp_tables *t)
{
    if (!t) return;
    free(t->prot);
    free(t->lt);
    free(t->c0);
    free(t->d0);
    free(t->slot_protocol);
    free(t->slot_venue);
    free(t->slot_asset);
    free(t);
}
