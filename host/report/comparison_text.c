/* comparison_text.c: the comparison of variants against the baseline and a
 * sweep's curves, as text or markdown (report.h). */
#include "report.h"

#include <math.h>
#include <stdio.h>

/* The comparison table's columns, in order. */
enum { C_NAME, C_P, C_DP, C_DP_UNPAIRED, C_DP_REL, C_ES, C_DES, C_MEAN, CMP_COLS };
#define SWEEP_COLS 5

typedef struct cmp_ctx {
    const stp_summary *s;
    int md;
} cmp_ctx;

/* "ES 99% bad debt"; without a level when the run computed no ES. */
static void es_header(char *buf, size_t cap, double level)
{
    if (isfinite(level))
        snprintf(buf, cap, "ES %.4g%% bad debt", 100.0 * level);
    else
        snprintf(buf, cap, "ES bad debt");
}

/* Row 0 the header, row r the comparison's row r - 1 (row 1 the baseline,
 * whose reductions against itself are shown as "-"). */
static void comparison_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    static const char *const head[CMP_COLS] = {
        "variant",     "P(cascade)",   "reduction (pp)", "unpaired CI (pp)", "relative reduction",
        "ES bad debt", "ES reduction", "mean bad debt"};
    const cmp_ctx *x = ctx;
    const stp_comparison *c = &x->s->comparison;
    if (r == 0) {
        for (int i = 0; i < CMP_COLS; i++)
            snprintf(cells[i], CELL_MAX, "%s", head[i]);
        es_header(cells[C_ES], CELL_MAX, c->es_level);
        return;
    }
    const stp_comparison_row *row = &c->rows[r - 1];
    const stp_paired_diff *dc = &row->d_cascade, *de = &row->d_es;
    const stp_cascade_stats *p = &row->cascade;
    stp_fmt_name_cell(cells[C_NAME], row->name, r == 1 ? " (baseline)" : "", x->md);
    stp_fmt_ci(cells[C_P], CELL_MAX, p->p, p->ci_lo, p->ci_hi, UNIT_FRAC);
    stp_fmt_ci(cells[C_ES], CELL_MAX, row->es, row->es_ci_lo, row->es_ci_hi, UNIT_USD);
    stp_fmt_value(cells[C_MEAN], CELL_MAX, row->bad_debt_mean, UNIT_USD);
    if (r == 1) {
        snprintf(cells[C_DP], CELL_MAX, "-");
        snprintf(cells[C_DP_UNPAIRED], CELL_MAX, "-");
        snprintf(cells[C_DP_REL], CELL_MAX, "-");
        snprintf(cells[C_DES], CELL_MAX, "-");
        return;
    }
    stp_fmt_ci(cells[C_DP], CELL_MAX, dc->diff, dc->ci_lo, dc->ci_hi, UNIT_PP);
    stp_fmt_interval(cells[C_DP_UNPAIRED], CELL_MAX, dc->unpaired_ci_lo, dc->unpaired_ci_hi,
                     UNIT_PP);
    stp_fmt_ci(cells[C_DP_REL], CELL_MAX, dc->rel, dc->rel_ci_lo, dc->rel_ci_hi, UNIT_FRAC);
    stp_fmt_ci(cells[C_DES], CELL_MAX, de->diff, de->ci_lo, de->ci_hi, UNIT_USD);
}

/* The same rows as curves: one per series, in the file's (value) order. */
static void sweep_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const cmp_ctx *x = ctx;
    const stp_comparison *c = &x->s->comparison;
    if (r == 0) {
        snprintf(cells[0], CELL_MAX, "series");
        stp_fmt_name_cell(cells[1], c->sweep_param, "", x->md);
        snprintf(cells[2], CELL_MAX, "P(cascade)");
        es_header(cells[3], CELL_MAX, c->es_level);
        snprintf(cells[4], CELL_MAX, "mean bad debt");
        return;
    }
    const stp_comparison_row *row = &c->rows[r - 1];
    stp_fmt_name_cell(cells[0], row->series, "", x->md);
    if (isfinite(row->value))
        snprintf(cells[1], CELL_MAX, "%.6g", row->value);
    else
        snprintf(cells[1], CELL_MAX, "n/a");
    stp_fmt_ci(cells[2], CELL_MAX, row->cascade.p, row->cascade.ci_lo, row->cascade.ci_hi,
               UNIT_FRAC);
    stp_fmt_ci(cells[3], CELL_MAX, row->es, row->es_ci_lo, row->es_ci_hi, UNIT_USD);
    stp_fmt_value(cells[4], CELL_MAX, row->bad_debt_mean, UNIT_USD);
}

static void print_sweep(FILE *f, const stp_summary *s, int md)
{
    const cmp_ctx x = {s, md};
    const grid g = {1 + s->comparison.n, SWEEP_COLS, sweep_fill, &x};
    char param[CELL_MAX];
    stp_fmt_clean(param, sizeof param, s->comparison.sweep_param, md);
    fprintf(f, md ? "\n### Sweep over %s\n\n" : "\nsweep over %s\n", param);
    stp_grid_print(f, &g, md);
}

/* After the per-variant tables: each variant against the baseline, paired
 * over paths (the same market noise in every variant, DESIGN §3.8). */
void stp_report_comparison(FILE *f, const stp_summary *s, int md)
{
    const cmp_ctx x = {s, md};
    const grid g = {1 + s->comparison.n, CMP_COLS, comparison_fill, &x};
    char base[CELL_MAX], method[2 * STP_H5_STR_MAX];
    stp_fmt_clean(base, sizeof base, s->comparison.rows[0].name, md);
    stp_fmt_clean(method, sizeof method, s->ci_method, md);
    fprintf(f, md ? "\n### Comparison (baseline: %s)\n\n" : "\ncomparison (baseline: %s)\n", base);
    stp_grid_print(f, &g, md);
    fprintf(f,
            "%sreduction = baseline - variant (positive: fewer cascades, a thinner tail); "
            "paired 95%% CIs: %s.\n",
            md ? "\n" : "", method);
    fprintf(f,
            "%sunpaired CI: the P(cascade) reduction's interval had the variants run on "
            "independent paths; its extra width over the paired one is what common random "
            "numbers save. Every column is under /comparison in the file.\n",
            md ? "\n" : "");
    if (s->comparison.sweep_param[0] != '\0') print_sweep(f, s, md);
}
