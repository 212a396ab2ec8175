/* point_venues.c: a multi-venue point's extra outcome columns (DESIGN §10,
 * outcomes.h's layout): their names, and their statistics from the
 * finished batches (point.h). With fewer than two venues a record has no
 * such columns and nothing here runs. */
#include "point.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/contagion.h"
#include "stampede/interrupt.h"
#include "stampede/stats.h"

void stp_point_column_name(const stp_config *cfg, int col, char *buf, size_t cap)
{
    const int v0 = stp_venue_column(0, 0);
    if (col < STP_N_OUTCOMES) {
        snprintf(buf, cap, "%s", stp_outcome_names[col]);
    } else if (col < v0) {
        snprintf(buf, cap, "%s", stp_system_outcome_names[col - STP_N_OUTCOMES]);
    } else {
        const int v = (col - v0) / STP_N_VENUE_OUTCOMES, m = (col - v0) % STP_N_VENUE_OUTCOMES;
        snprintf(buf, cap, "venues/%s/%s", cfg->venues[v].name,
                 m < STP_N_OUTCOMES ? stp_outcome_names[m] : stp_venue_t_cascade_name);
    }
}

/* Statistics of x over the paths where keep[i] >= 0 (a time that is -1
 * when the event did not happen: a venue's t_cascade_s, the contagion
 * lag), weights kept with their paths (w not NULL). Compacts x in place and
 * the kept weights into wk. n = 0 (zeroed) when no path keeps. */
static stp_status stats_where_set(stp_metric_stats *out, const stp_config *cfg, double *x,
                                  double *wk, const double *w, long long n, const char *what,
                                  stp_error *err)
{
    long long i, k = 0;
    for (i = 0; i < n; i++)
        if (x[i] >= 0.0) {
            x[k] = x[i];
            wk[k++] = w ? w[i] : 1.0;
        }
    memset(out, 0, sizeof *out);
    if (k == 0) return STP_OK;
    return stp_stats_compute(out, x, w ? wk : NULL, (size_t)k, cfg->output.quantiles,
                             cfg->output.n_quantiles, cfg->output.es_levels,
                             cfg->output.n_es_levels, what, err);
}

/* Statistics of every path's x, with qmc's replicate interval on the mean
 * like the system's outcomes. */
static stp_status stats_all(stp_metric_stats *out, const stp_config *cfg, const double *x,
                            const double *w, long long n, int reps, const char *what,
                            stp_error *err)
{
    const stp_status st =
        stp_stats_compute(out, x, w, (size_t)n, cfg->output.quantiles, cfg->output.n_quantiles,
                          cfg->output.es_levels, cfg->output.n_es_levels, what, err);
    if (st == STP_OK && reps > 0) {
        const stp_replicate_mean rm = stp_replicate_estimate(x, (size_t)n, reps);
        out->mean_ci_lo = rm.ci_lo;
        out->mean_ci_hi = rm.ci_hi;
    }
    return st;
}

/* "Populations like this" (run.populations K > 1, DESIGN §3.4): a
 * probability is the mean over the populations of each one's estimate on
 * its own contiguous paths, with Student's t interval over their spread,
 * as stp_ensemble_combine gives P(cascade); one path-level interval would
 * hide the population's draw, which moves these figures far more than the
 * paths do (a multi-venue contagion estimate moved from 7% to 37% across
 * four seeds at 2,000 paths each). A population without the event's
 * condition (no venue cascaded: P(a second | one) undefined) is left out;
 * fewer than two left: NaN. The counts are the pooled ones. */
static void across_populations(stp_cascade_stats *out, const stp_point_state *r, const double *col,
                               const double *w, int conditional, int at_least)
{
    const long long per = r->ens.paths;
    double *v = malloc(sizeof(double) * (size_t)r->ens.k), *ind = NULL;
    stp_replicate_mean t;
    int k, used = 0;
    for (k = 0; v && k < r->ens.k; k++) {
        const double *c = col + (size_t)k * (size_t)per, *wk = w ? w + (size_t)k * (size_t)per : NULL;
        stp_cascade_stats e;
        if (conditional) {
            e = stp_contagion_conditional(c, wk, (size_t)per);
        } else if (at_least > 0) {
            if (!ind && !(ind = malloc(sizeof(double) * (size_t)per))) break;
            stp_contagion_indicator(ind, c, (size_t)per, at_least);
            e = stp_cascade_estimate(ind, wk, (size_t)per, 0);
        } else {
            e = stp_cascade_estimate(c, wk, (size_t)per, 0);
        }
        if (e.p == e.p) v[used++] = e.p;
    }
    free(ind);
    if (used < 2 || k < r->ens.k) { /* (or out of memory: no interval rather than a wrong one) */
        out->p = out->ci_lo = out->ci_hi = out->se = NAN;
        out->populations = used;
        free(v);
        return;
    }
    t = stp_t_mean(v, used);
    free(v);
    out->p = t.mean;
    out->se = t.se;
    out->ci_lo = fmax(t.ci_lo, 0.0);
    out->ci_hi = fmin(t.ci_hi, 1.0);
    out->populations = used;
}

/* Each venue's record: its metrics' statistics (t_cascade_s over the paths
 * where that venue cascaded) and P(its own cascade). */
static stp_status venue_records(stp_point_state *r, const stp_config *cfg, const stp_checkpoint *ck,
                                double *col, double *aux, const double *w, int reps, stp_error *err)
{
    const long long n = cfg->run.paths;
    stp_status st = STP_OK;
    for (int v = 0; v < cfg->n_venues && st == STP_OK; v++)
        for (int m = 0; m < STP_N_VENUE_OUTCOMES && st == STP_OK; m++) {
            stp_metric_stats *s = &r->var.venue_stats[v * STP_N_VENUE_OUTCOMES + m];
            char what[STP_NAME_MAX + 64];
            stp_point_column_name(cfg, stp_venue_column(v, m), what, sizeof what);
            if ((st = stp_interrupt_check(err, "the statistics")) != STP_OK ||
                (st = stp_checkpoint_column(ck, stp_venue_column(v, m), col, err)) != STP_OK)
                break;
            if (m == STP_VOUT_T_CASCADE_S)
                st = stats_where_set(s, cfg, col, aux, w, n, what, err);
            else
                st = stats_all(s, cfg, col, w, n, reps, what, err);
            if (m == STP_OUT_CASCADE) {
                r->var.venue_cascade[v] = stp_cascade_estimate(col, w, (size_t)n, reps);
                if (r->ens.k > 1) across_populations(&r->var.venue_cascade[v], r, col, w, 0, 0);
            }
        }
    return st;
}

stp_status stp_point_summarise_venues(stp_point_state *r, const stp_config *cfg,
                                      const stp_checkpoint *ck, double *col, double *aux,
                                      const double *w, int reps, stp_error *err)
{
    const long long n = cfg->run.paths;
    const int nv = cfg->n_venues;
    stp_status st;
    r->var.n_venues = 0;
    if (nv < 2) return STP_OK; /* one venue: the system is the venue, no extra columns */
    if (STP_ALLOC(err, r->var.venue_stats, (size_t)nv * STP_N_VENUE_OUTCOMES)) return err->status;
    r->var.n_venues = nv;
    for (int v = 0; v < nv; v++)
        r->var.venue_name[v] = cfg->venues[v].name;
    if ((st = venue_records(r, cfg, ck, col, aux, w, reps, err)) != STP_OK) return st;
    /* the system's contagion: how many venues cascaded, and the lag */
    if ((st = stp_checkpoint_column(ck, stp_system_column(STP_SYS_VENUES_IN_CASCADE), col, err)) !=
            STP_OK ||
        (st = stats_all(&r->var.venues_in_cascade, cfg, col, w, n, reps,
                        stp_system_outcome_names[STP_SYS_VENUES_IN_CASCADE], err)) != STP_OK)
        return st;
    r->var.p_second = stp_contagion_conditional(col, w, (size_t)n);
    if (r->ens.k > 1) across_populations(&r->var.p_second, r, col, w, 1, 0);
    if (r->ens.k > 1) across_populations(&r->var.p_two, r, col, w, 0, 2);
    stp_contagion_indicator(aux, col, (size_t)n, 2);
    {
        const stp_cascade_stats pooled = stp_cascade_estimate(aux, w, (size_t)n, reps);
        if (r->ens.k > 1) { /* the pooled counts, the populations' estimate */
            r->var.p_two.n = pooled.n;
            r->var.p_two.k = pooled.k;
            r->var.p_two.weighted = pooled.weighted;
            r->var.p_two.ess = pooled.ess;
        } else {
            r->var.p_two = pooled;
        }
    }
    if ((st = stp_checkpoint_column(ck, stp_system_column(STP_SYS_CONTAGION_LAG_S), col, err)) !=
        STP_OK)
        return st;
    return stats_where_set(&r->var.contagion_lag, cfg, col, aux, w, n,
                           stp_system_outcome_names[STP_SYS_CONTAGION_LAG_S], err);
}
