/* venues_text.c: a multi-venue variant's "Venues" section (DESIGN §10) as
 * text or markdown (report.h): one row per venue, then the system's
 * contagion figures. */
#include "report.h"

#include <math.h>
#include <stdio.h>

/* The highest quantile and ES level the venues' stats hold (one run uses
 * the same levels for every metric): the tail a reader of a cascade wants. */
typedef struct venues_ctx {
    const stp_variant_summary *vs;
    int q, es; /* indices into quantile_levels, es_levels; -1: none */
    int md;
} venues_ctx;

static const stp_metric_stats *vstat(const stp_variant_summary *vs, int v, int m)
{
    return &vs->venue_stats[v * STP_N_VENUE_OUTCOMES + m];
}

/* The quantile at level `level` of m, NaN when its levels lack it or it
 * was over no path (a venue that never cascaded has no cascade time). */
static double quantile_at(const stp_metric_stats *m, double level)
{
    for (int i = 0; m->n > 0 && i < m->n_quantiles && i < STP_STATS_MAX_LEVELS; i++)
        if (fabs(m->quantile_levels[i] - level) < 1e-12) return m->quantiles[i];
    return NAN;
}

static void fmt_seconds(char *buf, size_t cap, double s)
{
    if (isfinite(s))
        snprintf(buf, cap, "%.4g s", s);
    else
        snprintf(buf, cap, "n/a");
}

static void venues_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const venues_ctx *x = ctx;
    const stp_variant_summary *vs = x->vs;
    const stp_metric_stats *ref = vstat(vs, 0, STP_OUT_BAD_DEBT_USD);
    if (r == 0) {
        snprintf(cells[0], CELL_MAX, "venue");
        snprintf(cells[1], CELL_MAX, "P(cascade)");
        snprintf(cells[2], CELL_MAX, "bad debt mean");
        if (x->es >= 0)
            snprintf(cells[3], CELL_MAX, "bad debt ES %.4g%%", 100.0 * ref->es_levels[x->es]);
        else
            snprintf(cells[3], CELL_MAX, "bad debt ES");
        if (x->q >= 0)
            snprintf(cells[4], CELL_MAX, "max drawdown q%.4g%%",
                     100.0 * vstat(vs, 0, STP_OUT_MAX_DRAWDOWN)->quantile_levels[x->q]);
        else
            snprintf(cells[4], CELL_MAX, "max drawdown q");
        snprintf(cells[5], CELL_MAX, "liquidated mean");
        snprintf(cells[6], CELL_MAX, "t_cascade median");
        return;
    }
    const int v = r - 1;
    const stp_cascade_stats *c = &vs->venue_cascade[v];
    const stp_metric_stats *bad = vstat(vs, v, STP_OUT_BAD_DEBT_USD);
    const stp_metric_stats *dd = vstat(vs, v, STP_OUT_MAX_DRAWDOWN);
    const stp_metric_stats *liq = vstat(vs, v, STP_OUT_LIQUIDATED_USD);
    stp_fmt_name_cell(cells[0], vs->venue_name[v], "", x->md);
    stp_fmt_cell(cells[1], CELL_MAX, c->p, c->ci_lo, c->ci_hi, UNIT_FRAC);
    stp_fmt_cell(cells[2], CELL_MAX, bad->mean, bad->mean_ci_lo, bad->mean_ci_hi, UNIT_USD);
    if (x->es >= 0 && x->es < bad->n_es)
        stp_fmt_cell(cells[3], CELL_MAX, bad->es[x->es], bad->es_ci_lo[x->es], bad->es_ci_hi[x->es],
                     UNIT_USD);
    else
        snprintf(cells[3], CELL_MAX, "-");
    if (x->q >= 0 && x->q < dd->n_quantiles)
        stp_fmt_cell(cells[4], CELL_MAX, dd->quantiles[x->q], dd->quantile_ci_lo[x->q],
                     dd->quantile_ci_hi[x->q], UNIT_FRAC);
    else
        snprintf(cells[4], CELL_MAX, "-");
    stp_fmt_cell(cells[5], CELL_MAX, liq->mean, liq->mean_ci_lo, liq->mean_ci_hi, UNIT_USD);
    fmt_seconds(cells[6], CELL_MAX, quantile_at(vstat(vs, v, STP_VOUT_T_CASCADE_S), 0.5));
}

/* "3.45% [3.20%, 3.72%] (69 of 2,000 paths...)" for a contagion estimate. */
static void fmt_prob(char *buf, size_t cap, const stp_cascade_stats *c, const char *of)
{
    char cell[CELL_MAX], k[32], n[32];
    stp_fmt_ci(cell, sizeof cell, c->p, c->ci_lo, c->ci_hi, UNIT_FRAC);
    stp_fmt_thousands(k, sizeof k, c->k);
    stp_fmt_thousands(n, sizeof n, c->n);
    snprintf(buf, cap, "%s (%s of %s %s)", cell, k, n, of);
}

void stp_report_venues(FILE *f, const stp_variant_summary *vs, int md)
{
    const char *in = md ? "- " : "  "; /* markdown: a list, not one run-on paragraph */
    const stp_metric_stats *bad = vstat(vs, 0, STP_OUT_BAD_DEBT_USD);
    const stp_metric_stats *dd = vstat(vs, 0, STP_OUT_MAX_DRAWDOWN);
    const stp_metric_stats *lag = &vs->contagion_lag;
    venues_ctx x = {vs, -1, -1, md};
    char cell[CELL_MAX], line[4 * CELL_MAX];
    if (vs->n_venues < 2 || !vs->venue_stats) return;
    if (dd->n_quantiles > 0)
        x.q = (dd->n_quantiles < STP_STATS_MAX_LEVELS ? dd->n_quantiles : STP_STATS_MAX_LEVELS) - 1;
    if (bad->n_es > 0)
        x.es = (bad->n_es < STP_STATS_MAX_LEVELS ? bad->n_es : STP_STATS_MAX_LEVELS) - 1;
    fprintf(f,
            md ? "\n#### Venues\n\nEach venue alone (its pool, its agents)%s.\n\n"
               : "\n  venues: each venue alone (its pool, its agents)%s\n",
            vs->venue_cascade[0].weighted ? ", weighted by likelihood ratio" : "");
    const grid g = {1 + vs->n_venues, 7, venues_fill, &x};
    stp_grid_print(f, &g, md);
    if (md) fputs("\n", f);
    stp_fmt_cell(cell, sizeof cell, vs->venues_in_cascade.mean, vs->venues_in_cascade.mean_ci_lo,
                 vs->venues_in_cascade.mean_ci_hi, UNIT_COUNT);
    fprintf(f, "%svenues in cascade: mean %s of %d\n", in, cell, vs->n_venues);
    fmt_prob(line, sizeof line, &vs->p_two, "paths");
    fprintf(f, "%sP(at least two venues cascade) = %s\n", in, line);
    {
        char of[160];
        if (vs->p_second.populations > 0)
            snprintf(of, sizeof of,
                     "paths where one cascaded; the mean over %d populations, t interval",
                     vs->p_second.populations);
        else
            snprintf(of, sizeof of, "%s",
                     vs->p_second.weighted
                         ? "paths where one cascaded; weighted ratio, delta-method interval"
                         : "paths where one cascaded; Wilson interval");
        fmt_prob(line, sizeof line, &vs->p_second, of);
    }
    fprintf(f, "%sP(a second venue cascades | one does) = %s\n", in, line);
    if (lag->n > 0) {
        char med[32], p90[32], n[32];
        fmt_seconds(med, sizeof med, quantile_at(lag, 0.5));
        fmt_seconds(p90, sizeof p90, quantile_at(lag, 0.9));
        stp_fmt_thousands(n, sizeof n, lag->n);
        fprintf(f,
                "%scontagion lag (second venue's cascade after the first's): median %s, "
                "90%% %s (over %s paths)\n",
                in, med, p90, n);
    } else {
        fprintf(f, "%scontagion lag: no path had two venues cascade\n", in);
    }
}
