/* attribution_text.c: a variant's tail attribution (the shock kinds behind
 * its worst paths) and its first movers' model families, as text or
 * markdown (report.h). */
#include "report.h"

#include <math.h>
#include <stdio.h>

/* One row per shock kind some path drew; a cell is the group's share of
 * paths with one and, when it has any, their mean size and start time. */
typedef struct attr_ctx {
    const stp_attribution *a;
    int kind[STP_ATTR_KINDS]; /* the rows' kinds */
    int md;
} attr_ctx;

static void attr_kind_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    static const char *const head[STP_ATTR_GROUPS] = {"all paths", "worst 1%", "cascades"};
    const attr_ctx *x = ctx;
    const stp_attribution *a = x->a;
    char n[32], v[VAL_MAX];
    if (r == 0) {
        snprintf(cells[0], CELL_MAX, "shock kind");
        for (int g = 0; g < STP_ATTR_GROUPS; g++) {
            stp_fmt_thousands(n, sizeof n, a->paths[g]);
            snprintf(cells[1 + g], CELL_MAX, "%s (%s)", head[g], n);
        }
        return;
    }
    const int k = x->kind[r - 1];
    snprintf(cells[0], CELL_MAX, "%s", stp_shock_kind_name((stp_shock_kind)k));
    for (int g = 0; g < STP_ATTR_GROUPS; g++) {
        stp_fmt_value(v, sizeof v, a->share[g][k], UNIT_FRAC);
        if (isfinite(a->mean_size[g][k]))
            snprintf(cells[1 + g], CELL_MAX, "%s (size %.3g, t %.3g s)", v, a->mean_size[g][k],
                     a->mean_time_s[g][k]);
        else
            snprintf(cells[1 + g], CELL_MAX, "%s", a->paths[g] > 0 ? v : "-");
    }
}

/* One row per model family: its share of the AI agents, of the first
 * movers on cascade paths (and that over the former, the lift), and of the
 * first movers on every path where someone acted. */
static void attr_family_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    static const char *const head[5] = {"first mover family", "population", "on cascade paths",
                                        "lift", "on paths that acted"};
    const attr_ctx *x = ctx;
    const stp_attribution *a = x->a;
    char v[VAL_MAX], n[32];
    if (r == 0) {
        for (int i = 0; i < 5; i++)
            snprintf(cells[i], CELL_MAX, "%s", head[i]);
        return;
    }
    const int f = r - 1;
    stp_fmt_name_cell(cells[0], a->families[f], "", x->md);
    stp_fmt_value(cells[1], CELL_MAX, a->population_share[f], UNIT_FRAC);
    stp_fmt_value(v, sizeof v, a->cascade_share[f], UNIT_FRAC);
    stp_fmt_thousands(n, sizeof n, a->cascade_count[f]);
    snprintf(cells[2], CELL_MAX, "%s (%s)", v, n);
    if (isfinite(a->lift[f]))
        snprintf(cells[3], CELL_MAX, "%.3gx", a->lift[f]);
    else
        snprintf(cells[3], CELL_MAX, "n/a");
    stp_fmt_value(v, sizeof v, a->acted_share[f], UNIT_FRAC);
    stp_fmt_thousands(n, sizeof n, a->acted_count[f]);
    snprintf(cells[4], CELL_MAX, "%s (%s)", v, n);
}

void stp_report_attribution(FILE *f, const stp_variant_summary *vs, int md)
{
    const stp_attribution *a = &vs->attribution;
    attr_ctx x;
    int rows = 0, acted = 0;
    x.a = a;
    x.md = md;
    for (int k = 0; k < a->n_kinds && k < STP_ATTR_KINDS; k++)
        if (a->share[STP_ATTR_ALL][k] > 0.0) x.kind[rows++] = k;
    for (int i = 0; i < a->n_families; i++)
        acted += a->acted_count[i] > 0;
    fprintf(f,
            md ? "\n#### Tail attribution\n\nShare of paths with each shock kind (mean size, "
                 "mean start time)%s.\n\n"
               : "\n  tail attribution: share of paths with each shock kind (mean size, mean "
                 "start time)%s\n",
            vs->cascade.weighted ? ", weighted by likelihood ratio" : "");
    if (rows > 0) {
        const grid g = {1 + rows, 1 + STP_ATTR_GROUPS, attr_kind_fill, &x};
        stp_grid_print(f, &g, md);
    } else {
        fputs(md ? "No path drew a shock.\n" : "  no path drew a shock\n", f);
    }
    if (acted == 0) return;
    if (vs->n_venues >= 2) /* DESIGN §10: the system's */
        fputs(md ? "\nWho moved first: the family of the first agent to decide, on the venue "
                   "where one decided first (a tie between venues: one of them by a draw; each venue's under "
                   "Venues).\n\n"
                 : "\n  who moved first: the family of the first agent to decide, on the venue "
                   "where one decided first (a tie between venues: one of them by a draw; each venue's under "
                   "venues)\n",
              f);
    else
        fputs(md ? "\nWho moved first: the family of the first agent to decide.\n\n"
                 : "\n  who moved first: the family of the first agent to decide\n",
              f);
    const grid g = {1 + a->n_families, 5, attr_family_fill, &x};
    stp_grid_print(f, &g, md);
}
