/* search_text.c: the adversarial search's iterations, the worst scenario
 * it found and its re-run against random, as text or markdown (report.h). */
#include "report.h"

#include <stdio.h>

#include "stampede/verdict.h"

static unit search_unit(const stp_summary *s)
{
    return s->search.objective_kind == STP_OBJECTIVE_P_CASCADE ? UNIT_FRAC : UNIT_USD;
}

static void search_iter_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const stp_summary *s = ctx;
    const int ns = s->search.n_specs;
    if (r == 0) {
        snprintf(cells[0], CELL_MAX, "iteration");
        snprintf(cells[1], CELL_MAX, "objective");
        snprintf(cells[2], CELL_MAX, "elite's lowest score");
        for (int k = 0; k < ns; k++)
            snprintf(cells[3 + k], CELL_MAX, "%d %s: p, size", k,
                     stp_shock_kind_name((stp_shock_kind)s->search.kind[k]));
        return;
    }
    const stp_search_law *l = &s->search.history[(size_t)(r - 1) * (size_t)ns];
    snprintf(cells[0], CELL_MAX, "%d", r - 1);
    stp_fmt_value(cells[1], CELL_MAX, s->search.objective[r - 1], search_unit(s));
    snprintf(cells[2], CELL_MAX, "%.4g", s->search.gamma[r - 1]);
    for (int k = 0; k < ns; k++)
        snprintf(cells[3 + k], CELL_MAX, "%.2f, %.4g (sd %.2g)", l[k].p, l[k].size_mean,
                 l[k].size_sd);
}

static void search_worst_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    static const char *const head[] = {"shock", "kind", "on", "size", "time (s)", "duration (s)"};
    const stp_summary *s = ctx;
    if (r == 0) {
        for (int i = 0; i < 6; i++)
            snprintf(cells[i], CELL_MAX, "%s", head[i]);
        return;
    }
    const stp_search_law *w = &s->search.worst[r - 1];
    snprintf(cells[0], CELL_MAX, "%d", r - 1);
    snprintf(cells[1], CELL_MAX, "%s", stp_shock_kind_name((stp_shock_kind)s->search.kind[r - 1]));
    snprintf(cells[2], CELL_MAX, "%s", w->p > 0.5 ? "yes" : "no");
    snprintf(cells[3], CELL_MAX, "%.4g", w->size_mean);
    snprintf(cells[4], CELL_MAX, "%.0f", w->time_mean);
    snprintf(cells[5], CELL_MAX, "%.1f", w->duration_mean);
}

void stp_report_search(FILE *f, const stp_summary *s, int md)
{
    const stp_search *x = &s->search;
    const grid it = {1 + x->done, 3 + x->n_specs, search_iter_fill, s};
    const grid worst = {1 + x->n_specs, 6, search_worst_fill, s};
    const char *obj =
        x->objective_kind == STP_OBJECTIVE_P_CASCADE ? "P(cascade)" : "ES of bad debt";
    char ppi[32];
    stp_fmt_thousands(ppi, sizeof ppi, x->paths_per_iter);
    fprintf(f,
            md ? "\n### Adversarial search\n\nCross-entropy over the shock laws, objective %s: "
                 "%d iterations of %s paths on common random numbers, elite %.0f%%.\n\n"
               : "\nadversarial search (cross-entropy over the shock laws, objective %s: %d "
                 "iterations of %s paths on common random numbers, elite %.0f%%)\n",
            obj, x->done, ppi, 100.0 * x->elite_fraction);
    stp_grid_print(f, &it, md);
    fputs(md ? "\nWorst scenario found (the final law's mode):\n\n"
             : "worst scenario found (the final law's mode):\n",
          f);
    stp_grid_print(f, &worst, md);
    if (s->comparison.n >= 2) {
        double x0, lo0, hi0, x1, lo1, hi1;
        char c0[CELL_MAX], c1[CELL_MAX];
        stp_search_objective_ci(x->objective_kind, &s->comparison.rows[0], &x0, &lo0, &hi0);
        stp_search_objective_ci(x->objective_kind, &s->comparison.rows[1], &x1, &lo1, &hi1);
        stp_fmt_ci(c0, sizeof c0, x0, lo0, hi0, search_unit(s));
        stp_fmt_ci(c1, sizeof c1, x1, lo1, hi1, search_unit(s));
        fprintf(f,
                "%sre-run on fresh paths (seed %llu): %s %s under the worst scenario against %s "
                "under the configured random law: %s\n",
                md ? "\n" : "", x->rerun_seed, obj, c1, c0,
                stp_search_beyond_cis(x->objective_kind, s->comparison.rows, s->comparison.n)
                    ? "above it by more than both 95% CIs"
                    : "NOT above it by more than both 95% CIs");
    }
}
