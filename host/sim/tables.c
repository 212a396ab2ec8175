/* tables.c: the flat, read-only tables the step loop reads (path.h). */
#include "stampede/tables.h"

#include <stdlib.h>
#include <string.h>

#include "stampede/venues.h"

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

/* n + m copies of a population's agent array, the last m zero. */
#define EXTEND(err, dst, src, n, m)                                                                \
    (STP_ALLOC(err, dst, (size_t)(n) + (size_t)(m) + 1) ||                                         \
     (memcpy(dst, src, sizeof *(dst) * (size_t)(n)), 0))

stp_status stp_tables_mirror(stp_tables *t, const stp_population *pop,
                             const struct stp_venues *vs, int v, stp_error *err)
{
    const stp_mirrors *m = &vs->mirror[v];
    const int na = pop->n_agents, nm = m->n, np = na + nm + pop->n_passive;
    const stp_params *prm = &t->view.prm;
    stp_path_tables *w = &t->view;
    int *prot = NULL;
    float *lt = NULL, *c0 = NULL, *d0 = NULL;
    int j, k;
    if (nm == 0) return STP_OK;
    if (EXTEND(err, t->role, pop->role, na, nm) ||
        EXTEND(err, t->lag_steps, pop->lag_steps, na, nm) ||
        EXTEND(err, t->logit_threshold, pop->logit_threshold, na, nm) ||
        EXTEND(err, t->sell_fraction, pop->sell_fraction, na, nm) ||
        EXTEND(err, t->lp_share, pop->lp_share, na, nm) ||
        EXTEND(err, t->fee_tolerance, pop->fee_tolerance, na, nm) ||
        STP_ALLOC(err, t->params, (size_t)STP_MAX_PARAMS * (size_t)(na + nm)) ||
        STP_ALLOC(err, prot, np) || STP_ALLOC(err, lt, np) || STP_ALLOC(err, c0, np) ||
        STP_ALLOC(err, d0, np)) {
        free(prot);
        free(lt);
        free(c0);
        free(d0);
        return err->status;
    }
    for (k = 0; k < STP_MAX_PARAMS; k++)
        memcpy(t->params + (size_t)k * (size_t)(na + nm), pop->params + (size_t)k * (size_t)na,
               sizeof(float) * (size_t)na);
    for (j = 0; j < nm; j++) {
        const stp_population *lead = vs->pop[m->leader_venue[j]];
        const int a = m->leader_agent[j];
        t->role[na + j] = STP_ROLE_BORROWER;
        t->logit_threshold[na + j] = lead->logit_threshold[a];
        t->sell_fraction[na + j] = lead->sell_fraction[a];
        t->fee_tolerance[na + j] = lead->fee_tolerance[a];
    }
    /* positions: the agents', the mirrors', then the passive ones */
    for (j = 0; j < np; j++) {
        const int from = j < na ? j : j - nm; /* the population's position */
        if (j >= na && j < na + nm) {
            prot[j] = m->prot[j - na];
            c0[j] = m->c0[j - na];
            d0[j] = m->d0[j - na];
        } else {
            prot[j] = t->prot[from];
            c0[j] = t->c0[from];
            d0[j] = t->d0[from];
        }
        lt[j] = prot[j] >= 0 ? prm->lt[prot[j]] : 0.0f;
    }
    free(t->prot);
    free(t->lt);
    free(t->c0);
    free(t->d0);
    t->prot = prot;
    t->lt = lt;
    t->c0 = c0;
    t->d0 = d0;
    free(t->param_chunks); /* the agents changed: stp_tables_chunk_params again */
    t->param_chunks = NULL;
    w->param_chunks = NULL;
    w->n_agents = na + nm;
    w->n_positions = np;
    w->role = t->role;
    w->lag_steps = t->lag_steps;
    w->logit_threshold = t->logit_threshold;
    w->sell_fraction = t->sell_fraction;
    w->lp_share = t->lp_share;
    w->fee_tolerance = t->fee_tolerance;
    w->params = t->params;
    w->prot = prot;
    w->lt = lt;
    w->c0 = c0;
    w->d0 = d0;
    return STP_OK;
}

stp_status stp_tables_chunk_params(stp_tables *t, stp_error *err)
{
    stp_path_tables *v = &t->view;
    const size_t na = (size_t)v->n_agents;
    size_t a;
    int k;
    free(t->param_chunks);
    t->param_chunks = NULL;
    v->param_chunks = NULL;
    /* STP_ALLOC zero-fills: the spare lanes and parameters stay 0 */
    if (STP_ALLOC(err, t->param_chunks, stp_param_chunks_len(v->n_agents) + 1)) return err->status;
    for (a = 0; a < na; a++) {
        float *dst = t->param_chunks + stp_param_chunk_at((int)a);
        for (k = 0; k < STP_MAX_PARAMS; k++)
            dst[(size_t)k * STP_PARAM_LANES] = v->params[(size_t)k * na + a];
    }
    v->param_chunks = t->param_chunks;
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
    free(t->role);
    free(t->lag_steps);
    free(t->logit_threshold);
    free(t->sell_fraction);
    free(t->lp_share);
    free(t->fee_tolerance);
    free(t->params);
    free(t->param_chunks);
    free(t);
}
