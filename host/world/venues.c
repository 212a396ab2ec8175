/* venues.c: a multi-venue config's venues, each a single-venue config of
 * its own with its own population (venues.h). */
#include "stampede/venues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/correlation.h"
#include "stampede/rng.h"

/* The round word of the cross-venue draws: past every population round
 * (population.c uses round | key << 16 with round < 2^8) */
#define CROSS_ROUND 0xff00u

/* Whether borrower a of venue v is a cross-venue agent, and the uniform
 * that picks its mirrors' protocols: one Philox block keyed by the
 * venue's key and the agent. */
static stp_u32x4 cross_draw(const stp_config *vcfg, int a)
{
    return stp_philox(vcfg->run.seed, STP_STREAM_POPULATION,
                      CROSS_ROUND | (uint32_t)vcfg->venue << 16, 0xffffu, (uint32_t)a, 0);
}

static int is_cross(const stp_config *vcfg, const stp_population *pop, int a)
{
    return pop->role[a] == STP_ROLE_BORROWER && pop->debt_usd[a] > 0.0f &&
           stp_uniform(cross_draw(vcfg, a).v[0]) < (float)vcfg->population.cross_venue_share;
}

/* Venue u's protocol for uniform x: its protocols by their shares in its
 * config (0 on the other venues'). */
static int pick_protocol(const stp_config *ucfg, float x)
{
    double cum = 0.0;
    int k, last = -1;
    for (k = 0; k < ucfg->n_protocols; k++) {
        if (!(ucfg->protocols[k].share > 0.0)) continue;
        last = k;
        cum += ucfg->protocols[k].share;
        if ((double)x < cum) return k;
    }
    return last;
}

static stp_status add_mirrors(stp_venues *vs, int u, stp_error *err)
{
    stp_mirrors *m = &vs->mirror[u];
    const stp_params *pu = &vs->prm[u];
    int v, a, n = 0;
    for (v = 0; v < vs->n; v++)
        for (a = 0; v != u && a < vs->pop[v]->n_agents; a++)
            n += vs->cross[v][a];
    m->n = n;
    if (STP_ALLOC(err, m->leader_venue, n + 1) || STP_ALLOC(err, m->leader_agent, n + 1) ||
        STP_ALLOC(err, m->prot, n + 1) || STP_ALLOC(err, m->c0, n + 1) ||
        STP_ALLOC(err, m->d0, n + 1))
        return err->status;
    n = 0;
    for (v = 0; v < vs->n; v++) {
        const stp_population *pv = vs->pop[v];
        for (a = 0; v != u && a < pv->n_agents; a++) {
            const int k0 = pv->protocol[a];
            int k;
            if (!vs->cross[v][a]) continue;
            k = pick_protocol(vs->cfg[u], stp_uniform(cross_draw(vs->cfg[v], a).v[1]));
            m->leader_venue[n] = v;
            m->leader_agent[n] = a;
            m->prot[n] = k;
            /* its home position's size spread over the other venues, at
             * its leader's health factor (c P lt / d equal on both) */
            m->d0[n] = pv->debt_usd[a] / (float)(vs->n - 1);
            m->c0[n] = (float)((double)pv->collateral[a] / (vs->n - 1) * vs->prm[v].price0 *
                               vs->prm[v].lt[k0] / (pu->price0 * pu->lt[k]));
            n++;
        }
    }
    return STP_OK;
}

/* Venue v's asset and its row of the correlation's factor into prm
 * (params.h: corr_l is the factor's leading (asset + 1) square). */
static void set_asset(stp_params *prm, const stp_config *cfg, const double *l, int n_assets,
                      int v)
{
    const int id = cfg->venues[v].asset;
    /* a derivative draws its parent's numbers (its venue's config starts
     * at the parent's price times its peg: config_venue.c) */
    const int a = cfg->n_assets > 0 && cfg->assets[id].parent >= 0 ? cfg->assets[id].parent : id;
    const int m = a + 1;
    int i, j;
    prm->asset = a;
    prm->asset_id = id;
    prm->jumps_shared = cfg->jumps_shared;
    memset(prm->corr_l, 0, sizeof prm->corr_l);
    for (i = 0; i < m; i++)
        for (j = 0; j <= i; j++)
            prm->corr_l[i * m + j] = (float)l[i * n_assets + j];
}

/* The config's correlation matrix, factored (checked at load). */
static stp_status factor(const stp_config *cfg, double *l, int *n, stp_error *err)
{
    double c[STP_MAX_ASSETS * STP_MAX_ASSETS];
    int i, j;
    *n = cfg->n_assets > 0 ? cfg->n_assets : 1;
    for (i = 0; i < *n; i++)
        for (j = 0; j < *n; j++)
            c[i * *n + j] = cfg->n_assets > 0 ? cfg->correlation[i][j] : (double)(i == j);
    return stp_correlation_factor(c, *n, l, "market.correlation", err);
}

/* How many venues' names sort before venue v's (names are unique). */
static int name_rank(const stp_config *cfg, int v)
{
    int u, rank = 0;
    for (u = 0; u < cfg->n_venues; u++)
        rank += strcmp(cfg->venues[u].name, cfg->venues[v].name) < 0;
    return rank;
}

stp_status stp_venues_create(stp_venues **out, const stp_config *cfg, int k, stp_error *err)
{
    double l[STP_MAX_ASSETS * STP_MAX_ASSETS];
    stp_venues *vs = NULL;
    stp_status st;
    int v, n_assets, seen[STP_MAX_ASSETS] = {0};
    *out = NULL;
    if (STP_ALLOC(err, vs, 1)) return err->status;
    vs->n = cfg->n_venues;
    if ((st = factor(cfg, l, &n_assets, err)) != STP_OK) goto fail;
    for (v = 0; v < vs->n; v++) {
        if ((st = stp_config_venue(&vs->cfg[v], cfg, v, err)) != STP_OK) goto fail;
        vs->cfg[v]->venue = vs->key[v] = name_rank(cfg, v) + 1;
        vs->prm[v] = stp_params_derive(vs->cfg[v]);
        set_asset(&vs->prm[v], cfg, l, n_assets, v);
        /* the venues' lockstep runs them (system_step.h) */
        vs->prm[v].breaker_global = cfg->mitigations.circuit_breaker.global;
        vs->prm[v].signal_global = cfg->mitigations.risk_signal.global;
        if ((st = stp_population_create_nth(&vs->pop[v], vs->cfg[v], k, err)) != STP_OK) {
            if (st != STP_EINTR) {
                char why[STP_ERROR_MAX];
                snprintf(why, sizeof why, "%s", err->msg);
                stp_error_set(err, st, "venue '%s': %s", cfg->venues[v].name, why);
            }
            goto fail;
        }
        vs->own_weight[v] = !seen[vs->prm[v].asset]; /* a derivative's are its parent's */
        seen[vs->prm[v].asset] = 1;
    }
    if (cfg->jumps_shared) { /* one set of events: one ratio, one tilt */
        int first = 0;
        for (v = 1; v < vs->n; v++)
            if (vs->prm[v].asset < vs->prm[first].asset) first = v;
        for (v = 0; v < vs->n; v++) {
            /* the ratio on the lowest asset's venues (the system's weight
             * takes the first venue of each asset); every asset's sizes
             * shifted alike, as their normal is one (a tilt's direction
             * follows each asset's log_mean sign otherwise) */
            vs->prm[v].jumps_lr_asset = vs->prm[first].asset;
            vs->prm[v].jump_size_tilt = vs->prm[first].jump_size_tilt;
        }
    }
    for (v = 0; v < vs->n; v++) { /* a source's price ring covers its readers' delays */
        const int u = vs->cfg[v]->oracle_from > 0 ? vs->cfg[v]->oracle_from - 1 : v;
        vs->oracle_src[v] = u;
        vs->foreign_oracle |= u != v;
        if (vs->prm[v].price_ring > vs->prm[u].price_ring)
            vs->prm[u].price_ring = vs->prm[v].price_ring;
    }
    for (v = 0; v < vs->n; v++) {
        const int na = vs->pop[v]->n_agents;
        int a;
        if (STP_ALLOC(err, vs->cross[v], na + 1)) goto fail;
        for (a = 0; a < na; a++)
            vs->cross[v][a] = (unsigned char)is_cross(vs->cfg[v], vs->pop[v], a);
    }
    for (v = 0; v < vs->n; v++) {
        if ((st = add_mirrors(vs, v, err)) != STP_OK) goto fail;
        vs->agent_base[v + 1] = vs->agent_base[v] + vs->pop[v]->n_agents + vs->mirror[v].n;
    }
    vs->need = cfg->cascade.venues == STP_CASCADE_ALL ? vs->n : cfg->cascade.venues;
    vs->n_links = cfg->n_links;
    for (v = 0; v < cfg->n_links; v++) {
        const stp_link_spec *ls = &cfg->links[v];
        stp_link_prm *lp = &vs->link[v];
        lp->a = ls->a;
        lp->b = ls->b;
        lp->lat = stp_steps_of(ls->latency_s, cfg->time.dt_s, vs->prm[0].n_steps);
        lp->cap_usd = ls->capacity_usd_per_s * cfg->time.dt_s;
        lp->cost = ls->cost;
        vs->ring_at[v + 1] = vs->ring_at[v] + stp_link_ring_len(lp);
    }
    *out = vs;
    return STP_OK;
fail:
    stp_venues_destroy(vs);
    return err->status;
}

stp_population *stp_venues_give_first(stp_venues *vs)
{
    vs->first_given = 1;
    return vs->pop[0];
}

void stp_venues_destroy(stp_venues *vs)
{
    int v;
    if (!vs) return;
    for (v = 0; v < STP_MAX_VENUES; v++) {
        free(vs->mirror[v].leader_venue);
        free(vs->mirror[v].leader_agent);
        free(vs->mirror[v].prot);
        free(vs->mirror[v].c0);
        free(vs->mirror[v].d0);
        free(vs->cross[v]);
        if (v > 0 || !vs->first_given) stp_population_destroy(vs->pop[v]);
        stp_config_destroy(vs->cfg[v]);
    }
    free(vs);
}
