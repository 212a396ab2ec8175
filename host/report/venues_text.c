/* venues_text.c: a multi-venue variant's "Venues" section (DESIGN §10) as
 * text or markdown (report.h): one row per venue, the system's contagion
 * figures, and who moved first on each venue's cascades. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* Who moved first, by venue: one row per venue whose attribution the file
 * holds, then the system's; one column per family of the system's list
 * (every venue's families), a cell that venue's share of the first movers
 * on its cascade paths with the lift, "-" for a family it lacks. */
typedef struct movers_ctx {
    const stp_variant_summary *vs;
    const stp_attribution *cols;       /* the families of the columns */
    int row_venue[STP_MAX_VENUES + 1]; /* -1: the system */
    int md;
} movers_ctx;

static void movers_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const movers_ctx *x = ctx;
    const stp_attribution *a;
    if (r == 0) {
        snprintf(cells[0], CELL_MAX, "venue");
        for (int f = 0; f < x->cols->n_families; f++)
            stp_fmt_name_cell(cells[1 + f], x->cols->families[f], "", x->md);
        return;
    }
    const int v = x->row_venue[r - 1];
    a = v < 0 ? &x->vs->attribution : &x->vs->venue_attribution[v];
    stp_fmt_name_cell(cells[0], v < 0 ? "system" : x->vs->venue_name[v], "", x->md);
    for (int f = 0; f < x->cols->n_families; f++) {
        int i = 0;
        char share[VAL_MAX];
        while (i < a->n_families && strcmp(a->families[i], x->cols->families[f]) != 0)
            i++;
        if (i == a->n_families) {
            snprintf(cells[1 + f], CELL_MAX, "-");
            continue;
        }
        stp_fmt_value(share, sizeof share, a->cascade_share[i], UNIT_FRAC);
        if (isfinite(a->lift[i]))
            snprintf(cells[1 + f], CELL_MAX, "%s (%.3gx)", share, a->lift[i]);
        else
            snprintf(cells[1 + f], CELL_MAX, "%s", share);
    }
}

static void report_movers(FILE *f, const stp_variant_summary *vs, int md)
{
    movers_ctx x;
    int rows = 0, any = 0;
    memset(&x, 0, sizeof x);
    x.vs = vs;
    x.md = md;
    for (int v = 0; vs->venue_attribution && v < vs->n_venues; v++)
        if (vs->venue_attribution[v].computed) {
            x.row_venue[rows++] = v;
            if (!x.cols) x.cols = &vs->venue_attribution[v];
        }
    if (vs->attribution.computed) {
        x.row_venue[rows++] = -1;
        x.cols = &vs->attribution; /* the system's lists every venue's families */
    }
    for (int i = 0; x.cols && i < x.cols->n_families; i++)
        any |= x.cols->cascade_count[i] > 0;
    if (rows == 0 || !any) return;
    fputs(md ? "\nWho moved first on each venue's cascades: the first mover's family (share of "
               "those paths, lift over the venue's agents, a mirror under its leader's family); "
               "the system's is the venue whose agent decided first (a tie between venues: "
               "one of them by a draw).\n\n"
             : "\n  who moved first on each venue's cascades: the first mover's family (share, "
               "lift; a mirror counts as its leader's family); system: the venue whose agent "
               "decided first (a tie between venues: one of them by a draw)\n",
          f);
    const grid g = {1 + rows, 1 + x.cols->n_families, movers_fill, &x};
    stp_grid_print(f, &g, md);
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
    report_movers(f, vs, md);
}
