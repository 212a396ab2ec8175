/* venues.c: a multi-venue config's venues, each a single-venue config of
 * its own with its own population (venues.h). */
#include "stampede/venues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/correlation.h"

/* Venue v's asset and its row of the correlation's factor into prm
 * (params.h: corr_l is the factor's leading (asset + 1) square). */
static void set_asset(stp_params *prm, const stp_config *cfg, const double *l, int n_assets,
                      int v)
{
    const int a = cfg->venues[v].asset, m = a + 1;
    int i, j;
    prm->asset = a;
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
        vs->cfg[v]->venue = name_rank(cfg, v) + 1;
        vs->prm[v] = stp_params_derive(vs->cfg[v]);
        set_asset(&vs->prm[v], cfg, l, n_assets, v);
        if ((st = stp_population_create_nth(&vs->pop[v], vs->cfg[v], k, err)) != STP_OK) {
            if (st != STP_EINTR) {
                char why[STP_ERROR_MAX];
                snprintf(why, sizeof why, "%s", err->msg);
                stp_error_set(err, st, "venue '%s': %s", cfg->venues[v].name, why);
            }
            goto fail;
        }
        vs->agent_base[v + 1] = vs->agent_base[v] + vs->pop[v]->n_agents;
        vs->own_weight[v] = !seen[cfg->venues[v].asset];
        seen[cfg->venues[v].asset] = 1;
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

stp_status stp_venues_check(const stp_config *cfg, stp_error *err)
{
    if (cfg->n_venues < 2) return STP_OK;
    if (cfg->run.populations > 1)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at run.populations: ensembles of populations are not "
                             "built for venues yet; set it to 1");
    if (cfg->scenario.mode == STP_SCENARIO_IMPORTANCE && cfg->scenario.importance_pilot_paths > 0)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at scenario.importance.pilot_paths: the pilot is not "
                             "built for venues yet; set it to 0 and give scenario.importance.tilt");
    return STP_OK;
}

void stp_venues_destroy(stp_venues *vs)
{
    int v;
    if (!vs) return;
    for (v = 0; v < STP_MAX_VENUES; v++) {
        stp_population_destroy(vs->pop[v]);
        stp_config_destroy(vs->cfg[v]);
    }
    free(vs);
}
