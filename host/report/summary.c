/* summary.c: the results summary as text, markdown or JSON. It formats the
 * numbers stp_h5_read_summary found and computes none (STYLE: I/O never
 * computes). JSON is written by hand (only config.c/models.c use cJSON):
 * strings escaped per RFC 8259, numbers as the shortest of %.15g and %.17g
 * that round-trips the double exactly. */
#include "stampede/summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { UNIT_USD, UNIT_FRAC, UNIT_COUNT, UNIT_PP } unit; /* pp: percentage points */

/* The outcomes the text and markdown tables show, in this order. */
#define N_KEY 6
static const struct {
    stp_outcome m;
    unit u;
} KEY_OUTCOMES[N_KEY] = {
    {STP_OUT_BAD_DEBT_USD, UNIT_USD},   {STP_OUT_MAX_DRAWDOWN, UNIT_FRAC},
    {STP_OUT_LIQUIDATED_USD, UNIT_USD}, {STP_OUT_DEFENSIVE_SELL_USD, UNIT_USD},
    {STP_OUT_PEAK_SYNC, UNIT_FRAC},     {STP_OUT_AGENTS_ACTED, UNIT_COUNT},
};

static const char *const SUFFIX[] = {"", "K", "M", "B", "T"};
static const char *const FORMAT_NAMES[] = {"text", "json",
                                           "markdown"}; /* stp_summary_format order */

#define VAL_MAX  32
#define CELL_MAX (2 * STP_NAME_MAX + 32)        /* a value and its CI, or an escaped variant name */
#define MAX_COLS (2 + 2 * STP_STATS_MAX_LEVELS) /* outcome, mean, VaR and ES per level */

int stp_summary_format_parse(const char *name, stp_summary_format *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, FORMAT_NAMES[i]) == 0) {
            *out = (stp_summary_format)i;
            return 0;
        }
    return -1;
}

// ----------------------------------------------------------------------------
// numbers for people

/* "$12.3M": three significant digits and a K/M/B/T suffix. The suffix steps
 * at 999.5, not 1000, so rounding never prints "$1e+03K". */
static void fmt_usd(char *buf, size_t cap, double x)
{
    double a = fabs(x);
    int k = 0;
    while (k < 4 && a >= 999.5) {
        a /= 1000.0;
        k++;
    }
    snprintf(buf, cap, "%s$%.3g%s", x < 0 ? "-" : "", a, SUFFIX[k]);
}

static void fmt_value(char *buf, size_t cap, double x, unit u)
{
    if (!isfinite(x))
        snprintf(buf, cap, "n/a");
    else if (u == UNIT_USD)
        fmt_usd(buf, cap, x);
    else if (u == UNIT_FRAC)
        snprintf(buf, cap, "%.3g%%", 100.0 * x);
    else if (u == UNIT_PP) /* a difference of probabilities: "1.4", read under "(pp)" */
        snprintf(buf, cap, "%.3g", 100.0 * x);
    else if (fabs(x) < 1000.0) /* agent counts: 0.135 or 312.4, never "0.1" */
        snprintf(buf, cap, "%.4g", x);
    else
        snprintf(buf, cap, "%.0f", x); /* 15000, not %g's 1.5e+04 */
}

/* "12.3M [11.1M, 13.5M]": a value and its 95% interval. */
static void fmt_cell(char *buf, size_t cap, double x, double lo, double hi, unit u)
{
    char v[VAL_MAX], l[VAL_MAX], h[VAL_MAX];
    fmt_value(v, sizeof v, x, u);
    fmt_value(l, sizeof l, lo, u);
    fmt_value(h, sizeof h, hi, u);
    snprintf(buf, cap, "%s [%s, %s]", v, l, h);
}

/* Like fmt_cell, but "n/a" alone for a missing value and the value alone
 * when it has no interval (one path, or a relative change of a zero). */
static void fmt_ci(char *buf, size_t cap, double x, double lo, double hi, unit u)
{
    if (isfinite(x) && (isfinite(lo) || isfinite(hi)))
        fmt_cell(buf, cap, x, lo, hi, u);
    else
        fmt_value(buf, cap, x, u);
}

/* "[0.9, 1.9]": an interval on its own. */
static void fmt_interval(char *buf, size_t cap, double lo, double hi, unit u)
{
    char l[VAL_MAX], h[VAL_MAX];
    fmt_value(l, sizeof l, lo, u);
    fmt_value(h, sizeof h, hi, u);
    snprintf(buf, cap, isfinite(lo) || isfinite(hi) ? "[%s, %s]" : "n/a", l, h);
}

/* "20,000": path counts are easier to read grouped. */
static void fmt_thousands(char *buf, size_t cap, long long n)
{
    char digits[32];
    /* unsigned negation: |LLONG_MIN| does not fit a long long */
    const unsigned long long mag = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    const int len = snprintf(digits, sizeof digits, "%llu", mag);
    size_t o = 0;
    if (n < 0 && o + 1 < cap) buf[o++] = '-';
    for (int i = 0; i < len && o + 2 < cap; i++) {
        buf[o++] = digits[i];
        if ((len - 1 - i) % 3 == 0 && i != len - 1) buf[o++] = ',';
    }
    buf[o] = '\0';
}

/* Markdown characters a user string must not bring in; in a table cell
 * md_cell escapes '|' (and '$') itself, so escaping it here too would print
 * the backslash and end the cell. */
#define MD_ESCAPE      "\\`*_[]<>|#"
#define MD_CELL_ESCAPE "\\`*_[]<>#"

/* A user string (device name, variant name) made safe for one line of text
 * or markdown: control characters become spaces and the characters in
 * `escape` are backslash-escaped. */
static void fmt_escape(char *dst, size_t cap, const char *src, const char *escape)
{
    size_t o = 0;
    for (; *src && o + 2 < cap; src++) {
        const unsigned char c = (unsigned char)*src;
        if (strchr(escape, c)) dst[o++] = '\\';
        dst[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[o] = '\0';
}

static void fmt_clean(char *dst, size_t cap, const char *src, int markdown)
{
    fmt_escape(dst, cap, src, markdown ? MD_ESCAPE : "");
}

// ----------------------------------------------------------------------------
// text and markdown

typedef struct table {
    int rows, cols;
    char cell[1 + N_KEY][MAX_COLS][CELL_MAX]; /* [row][col]; row 0 is the header */
} table;

/* The key-outcome table of one variant; ES levels come from the first key
 * outcome with stats (one run uses the same levels for every outcome). */
static void table_build(table *t, const stp_variant_summary *v)
{
    const stp_metric_stats *ref = NULL;
    t->rows = t->cols = 0;
    for (int i = 0; i < N_KEY && !ref; i++)
        if (v->has_stats[KEY_OUTCOMES[i].m]) ref = &v->stats[KEY_OUTCOMES[i].m];
    if (!ref) return;
    const int n_es = ref->n_es < 0                      ? 0
                     : ref->n_es > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS
                                                        : ref->n_es;
    t->cols = 2 + 2 * n_es;
    snprintf(t->cell[0][0], CELL_MAX, "outcome");
    snprintf(t->cell[0][1], CELL_MAX, "mean");
    for (int l = 0; l < n_es; l++) {
        snprintf(t->cell[0][2 + 2 * l], CELL_MAX, "VaR %.4g%%", 100.0 * ref->es_levels[l]);
        snprintf(t->cell[0][3 + 2 * l], CELL_MAX, "ES %.4g%%", 100.0 * ref->es_levels[l]);
    }
    t->rows = 1;
    for (int i = 0; i < N_KEY; i++) {
        const stp_metric_stats *m = &v->stats[KEY_OUTCOMES[i].m];
        const unit u = KEY_OUTCOMES[i].u;
        char(*row)[CELL_MAX] = t->cell[t->rows];
        if (!v->has_stats[KEY_OUTCOMES[i].m]) continue;
        snprintf(row[0], CELL_MAX, "%s", stp_outcome_names[KEY_OUTCOMES[i].m]);
        fmt_cell(row[1], CELL_MAX, m->mean, m->mean_ci_lo, m->mean_ci_hi, u);
        for (int l = 0; l < n_es; l++) {
            if (l >= m->n_es) { /* levels differ from the reference: say so, don't guess */
                snprintf(row[2 + 2 * l], CELL_MAX, "-");
                snprintf(row[3 + 2 * l], CELL_MAX, "-");
                continue;
            }
            fmt_cell(row[2 + 2 * l], CELL_MAX, m->var[l], m->var_ci_lo[l], m->var_ci_hi[l], u);
            fmt_cell(row[3 + 2 * l], CELL_MAX, m->es[l], m->es_ci_lo[l], m->es_ci_hi[l], u);
        }
        t->rows++;
    }
}

/* A table printed a row at a time: fill(ctx, r, cells) formats row r (row 0
 * is the header) into cells[0, cols). Text sizes its columns in a first
 * pass and formats again to print, so a table of any length (a sweep's
 * hundreds of rows) needs no storage. */
typedef void (*row_fill)(const void *ctx, int r, char (*cells)[CELL_MAX]);
typedef struct grid {
    int rows, cols;
    row_fill fill;
    const void *ctx;
} grid;

static void table_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const table *t = ctx;
    memcpy(cells, t->cell[r], sizeof t->cell[r]);
}

/* Text: left-aligned names, right-aligned numbers, two spaces apart. */
static void grid_print_text(FILE *f, const grid *g)
{
    char cells[MAX_COLS][CELL_MAX];
    int width[MAX_COLS] = {0};
    for (int r = 0; r < g->rows; r++) {
        g->fill(g->ctx, r, cells);
        for (int c = 0; c < g->cols; c++) {
            const int w = (int)strlen(cells[c]);
            width[c] = w > width[c] ? w : width[c];
        }
    }
    for (int r = 0; r < g->rows; r++) {
        g->fill(g->ctx, r, cells);
        fprintf(f, "  %-*s", width[0], cells[0]);
        for (int c = 1; c < g->cols; c++)
            fprintf(f, "  %*s", width[c], cells[c]);
        fputc('\n', f);
    }
}

/* GitHub renders $...$ as math, so money's '$' is escaped in markdown. */
static void md_cell(FILE *f, const char *s)
{
    fputs("| ", f);
    for (; *s; s++) {
        if (*s == '$' || *s == '|') fputc('\\', f);
        fputc(*s, f);
    }
    fputc(' ', f);
}

static void grid_print_markdown(FILE *f, const grid *g)
{
    char cells[MAX_COLS][CELL_MAX];
    for (int r = 0; r < g->rows; r++) {
        g->fill(g->ctx, r, cells);
        for (int c = 0; c < g->cols; c++)
            md_cell(f, cells[c]);
        fputs("|\n", f);
        if (r == 0) {
            for (int c = 0; c < g->cols; c++)
                fputs(c == 0 ? "|---" : "|---:", f);
            fputs("|\n", f);
        }
    }
}

static void grid_print(FILE *f, const grid *g, int md)
{
    (md ? grid_print_markdown : grid_print_text)(f, g);
}

// ----------------------------------------------------------------------------
// comparison and sweep (text and markdown)

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

/* A variant, series or parameter name as a cell: one line, and escaped for
 * markdown except for what md_cell escapes itself. */
static void name_cell(char *buf, const char *name, const char *tag, int md)
{
    char clean[2 * STP_NAME_MAX]; /* escaping at most doubles a name */
    fmt_escape(clean, sizeof clean, name, md ? MD_CELL_ESCAPE : "");
    snprintf(buf, CELL_MAX, "%s%s", clean, tag);
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
    name_cell(cells[C_NAME], row->name, r == 1 ? " (baseline)" : "", x->md);
    fmt_ci(cells[C_P], CELL_MAX, p->p, p->ci_lo, p->ci_hi, UNIT_FRAC);
    fmt_ci(cells[C_ES], CELL_MAX, row->es, row->es_ci_lo, row->es_ci_hi, UNIT_USD);
    fmt_value(cells[C_MEAN], CELL_MAX, row->bad_debt_mean, UNIT_USD);
    if (r == 1) {
        snprintf(cells[C_DP], CELL_MAX, "-");
        snprintf(cells[C_DP_UNPAIRED], CELL_MAX, "-");
        snprintf(cells[C_DP_REL], CELL_MAX, "-");
        snprintf(cells[C_DES], CELL_MAX, "-");
        return;
    }
    fmt_ci(cells[C_DP], CELL_MAX, dc->diff, dc->ci_lo, dc->ci_hi, UNIT_PP);
    fmt_interval(cells[C_DP_UNPAIRED], CELL_MAX, dc->unpaired_ci_lo, dc->unpaired_ci_hi, UNIT_PP);
    fmt_ci(cells[C_DP_REL], CELL_MAX, dc->rel, dc->rel_ci_lo, dc->rel_ci_hi, UNIT_FRAC);
    fmt_ci(cells[C_DES], CELL_MAX, de->diff, de->ci_lo, de->ci_hi, UNIT_USD);
}

/* The same rows as curves: one per series, in the file's (value) order. */
static void sweep_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const cmp_ctx *x = ctx;
    const stp_comparison *c = &x->s->comparison;
    if (r == 0) {
        snprintf(cells[0], CELL_MAX, "series");
        name_cell(cells[1], c->sweep_param, "", x->md);
        snprintf(cells[2], CELL_MAX, "P(cascade)");
        es_header(cells[3], CELL_MAX, c->es_level);
        snprintf(cells[4], CELL_MAX, "mean bad debt");
        return;
    }
    const stp_comparison_row *row = &c->rows[r - 1];
    name_cell(cells[0], row->series, "", x->md);
    if (isfinite(row->value))
        snprintf(cells[1], CELL_MAX, "%.6g", row->value);
    else
        snprintf(cells[1], CELL_MAX, "n/a");
    fmt_ci(cells[2], CELL_MAX, row->cascade.p, row->cascade.ci_lo, row->cascade.ci_hi, UNIT_FRAC);
    fmt_ci(cells[3], CELL_MAX, row->es, row->es_ci_lo, row->es_ci_hi, UNIT_USD);
    fmt_value(cells[4], CELL_MAX, row->bad_debt_mean, UNIT_USD);
}

static void print_sweep(FILE *f, const stp_summary *s, int md)
{
    const cmp_ctx x = {s, md};
    const grid g = {1 + s->comparison.n, SWEEP_COLS, sweep_fill, &x};
    char param[CELL_MAX];
    fmt_clean(param, sizeof param, s->comparison.sweep_param, md);
    fprintf(f, md ? "\n### Sweep over %s\n\n" : "\nsweep over %s\n", param);
    grid_print(f, &g, md);
}

/* After the per-variant tables: each variant against the baseline, paired
 * over paths (the same market noise in every variant, DESIGN §3.8). */
static void print_comparison(FILE *f, const stp_summary *s, int md)
{
    const cmp_ctx x = {s, md};
    const grid g = {1 + s->comparison.n, CMP_COLS, comparison_fill, &x};
    char base[CELL_MAX], method[2 * STP_H5_STR_MAX];
    fmt_clean(base, sizeof base, s->comparison.rows[0].name, md);
    fmt_clean(method, sizeof method, s->ci_method, md);
    fprintf(f, md ? "\n### Comparison (baseline: %s)\n\n" : "\ncomparison (baseline: %s)\n", base);
    grid_print(f, &g, md);
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

// ----------------------------------------------------------------------------
// tail attribution and first movers (text and markdown)

/* One row per shock kind some path drew; a cell is the group's share of
 * paths with one and, when it has any, their mean size and start time. */
typedef struct attr_ctx {
    const stp_attribution *a;
    int kind[STP_SHOCK_KINDS]; /* the rows' kinds */
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
            fmt_thousands(n, sizeof n, a->paths[g]);
            snprintf(cells[1 + g], CELL_MAX, "%s (%s)", head[g], n);
        }
        return;
    }
    const int k = x->kind[r - 1];
    snprintf(cells[0], CELL_MAX, "%s", stp_shock_kind_name((stp_shock_kind)k));
    for (int g = 0; g < STP_ATTR_GROUPS; g++) {
        fmt_value(v, sizeof v, a->share[g][k], UNIT_FRAC);
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
    name_cell(cells[0], a->families[f], "", x->md);
    fmt_value(cells[1], CELL_MAX, a->population_share[f], UNIT_FRAC);
    fmt_value(v, sizeof v, a->cascade_share[f], UNIT_FRAC);
    fmt_thousands(n, sizeof n, a->cascade_count[f]);
    snprintf(cells[2], CELL_MAX, "%s (%s)", v, n);
    if (isfinite(a->lift[f]))
        snprintf(cells[3], CELL_MAX, "%.3gx", a->lift[f]);
    else
        snprintf(cells[3], CELL_MAX, "n/a");
    fmt_value(v, sizeof v, a->acted_share[f], UNIT_FRAC);
    fmt_thousands(n, sizeof n, a->acted_count[f]);
    snprintf(cells[4], CELL_MAX, "%s (%s)", v, n);
}

static void print_attribution(FILE *f, const stp_variant_summary *vs, int md)
{
    const stp_attribution *a = &vs->attribution;
    attr_ctx x;
    int rows = 0, acted = 0;
    x.a = a;
    x.md = md;
    for (int k = 0; k < a->n_kinds && k < STP_SHOCK_KINDS; k++)
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
        grid_print(f, &g, md);
    } else {
        fputs(md ? "No path drew a shock.\n" : "  no path drew a shock\n", f);
    }
    if (acted == 0) return;
    fputs(md ? "\nWho moved first: the family of the first agent to decide.\n\n"
             : "\n  who moved first: the family of the first agent to decide\n",
          f);
    const grid g = {1 + a->n_families, 5, attr_family_fill, &x};
    grid_print(f, &g, md);
}

// ----------------------------------------------------------------------------
// the summary (text and markdown)

// ----------------------------------------------------------------------------
// adversarial search (text and markdown)

/* The search's objective on the re-run's row k of /comparison (0 random,
 * 1 worst) with its CI. */
static void search_rerun(const stp_summary *s, int k, double *x, double *lo, double *hi)
{
    const stp_comparison_row *r = &s->comparison.rows[k];
    if (s->search.objective_kind == STP_OBJECTIVE_P_CASCADE) {
        *x = r->cascade.p;
        *lo = r->cascade.ci_lo;
        *hi = r->cascade.ci_hi;
    } else {
        *x = r->es;
        *lo = r->es_ci_lo;
        *hi = r->es_ci_hi;
    }
}

/* Whether the worst scenario raised the objective above random's by more
 * than both CIs (the worst's interval lies above random's). */
static int search_beyond_cis(const stp_summary *s)
{
    double x0, lo0, hi0, x1, lo1, hi1;
    if (s->comparison.n < 2) return 0;
    search_rerun(s, 0, &x0, &lo0, &hi0);
    search_rerun(s, 1, &x1, &lo1, &hi1);
    return lo1 > hi0;
}

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
            snprintf(cells[3 + k], CELL_MAX, "%d %s: p, size",
                     k, stp_shock_kind_name((stp_shock_kind)s->search.kind[k]));
        return;
    }
    const stp_search_law *l = &s->search.history[(size_t)(r - 1) * (size_t)ns];
    snprintf(cells[0], CELL_MAX, "%d", r - 1);
    fmt_value(cells[1], CELL_MAX, s->search.objective[r - 1], search_unit(s));
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

static void print_search(FILE *f, const stp_summary *s, int md)
{
    const stp_search *x = &s->search;
    const grid it = {1 + x->done, 3 + x->n_specs, search_iter_fill, s};
    const grid worst = {1 + x->n_specs, 6, search_worst_fill, s};
    const char *obj = x->objective_kind == STP_OBJECTIVE_P_CASCADE ? "P(cascade)" : "ES of bad debt";
    char ppi[32];
    fmt_thousands(ppi, sizeof ppi, x->paths_per_iter);
    fprintf(f,
            md ? "\n### Adversarial search\n\nCross-entropy over the shock laws, objective %s: "
                 "%d iterations of %s paths on common random numbers, elite %.0f%%.\n\n"
               : "\nadversarial search (cross-entropy over the shock laws, objective %s: %d "
                 "iterations of %s paths on common random numbers, elite %.0f%%)\n",
            obj, x->done, ppi, 100.0 * x->elite_fraction);
    grid_print(f, &it, md);
    fputs(md ? "\nWorst scenario found (the final law's mode):\n\n"
             : "worst scenario found (the final law's mode):\n",
          f);
    grid_print(f, &worst, md);
    if (s->comparison.n >= 2) {
        double x0, lo0, hi0, x1, lo1, hi1;
        char c0[CELL_MAX], c1[CELL_MAX];
        search_rerun(s, 0, &x0, &lo0, &hi0);
        search_rerun(s, 1, &x1, &lo1, &hi1);
        fmt_ci(c0, sizeof c0, x0, lo0, hi0, search_unit(s));
        fmt_ci(c1, sizeof c1, x1, lo1, hi1, search_unit(s));
        fprintf(f,
                "%sre-run on fresh paths (seed %llu): %s %s under the worst scenario against %s "
                "under the configured random law: %s\n",
                md ? "\n" : "", x->rerun_seed, obj, c1, c0,
                search_beyond_cis(s) ? "above it by more than both 95% CIs"
                                     : "NOT above it by more than both 95% CIs");
    }
}

/* Whether a weighted estimate is unreliable (weights.h), and why into buf
 * (NULL: only whether); 0 when it is not flagged (or the file predates the
 * diagnostics). */
static int weights_verdict(char *buf, size_t cap, const stp_cascade_stats *c)
{
    const stp_weight_diag *d = &c->diag;
    const double bound = stp_weights_share_bound(c->n);
    if (!c->weighted || stp_weights_reliable(d, c->n)) return 0;
    if (!buf) return 1;
    if (isfinite(d->khat) && d->khat > STP_KHAT_MAX)
        snprintf(buf, cap,
                 "Pareto k-hat of the weights' tail %.2f > %.1f (their variance is effectively "
                 "infinite: the paths that carry the mass are too rare to be seen)",
                 d->khat, STP_KHAT_MAX);
    else
        snprintf(buf, cap,
                 "the largest weight holds %.1f%% of their sum (> %.1f%%: the estimate rests on "
                 "a few paths)",
                 100.0 * d->max_share, 100.0 * bound);
    return 1;
}

/* "3.45% [3.20%, 3.72%] (690 of 20,000 paths, 95% Wilson interval)" */
static void fmt_cascade(char *buf, size_t cap, const stp_cascade_stats *c)
{
    char cell[CELL_MAX], k[32], n[32];
    fmt_cell(cell, sizeof cell, c->p, c->ci_lo, c->ci_hi, UNIT_FRAC);
    fmt_thousands(k, sizeof k, c->k);
    fmt_thousands(n, sizeof n, c->n);
    if (c->populations > 0) {
        char diag[96] = "";
        if (c->weighted && c->diag.computed)
            snprintf(diag, sizeof diag, "; all paths' weights: largest %.2g%% of their sum, Pareto "
                     "k-hat %.2f (PSIS)", 100.0 * c->diag.max_share, c->diag.khat);
        snprintf(buf, cap,
                 "%s for populations like this (%s of %s paths; mean over %d populations%s, "
                 "two-level 95%% t interval from their spread%s)",
                 cell, k, n, c->populations,
                 c->weighted ? " of their importance-weighted estimates" : "", diag);
    } else if (c->weighted) {
        /* the plain sample with this standard error: what the tilt saved
         * (files before 0.3.0 do not store the standard error) */
        char worth[64] = "", diag[96] = "";
        /* no plain-path equivalent for weights the diagnostics reject: the
         * standard error itself is then not to be believed */
        if (c->se > 0.0 && !weights_verdict(NULL, 0, c)) {
            char w[32];
            fmt_thousands(w, sizeof w, llround(c->p * (1.0 - c->p) / (c->se * c->se)));
            snprintf(worth, sizeof worth, "as precise as %s plain paths; ", w);
        }
        if (c->diag.computed)
            snprintf(diag, sizeof diag,
                     ", largest weight %.2g%% of their sum, Pareto k-hat %.2f (PSIS)",
                     100.0 * c->diag.max_share, c->diag.khat);
        snprintf(buf, cap,
                 "%s (importance-weighted: %s of %s paths cascaded under the sampling law, "
                 "%sKish effective sample size of the weights %.0f%s; 95%% normal interval)",
                 cell, k, n, worth, c->ess, diag);
    } else if (c->replicates > 0)
        snprintf(buf, cap,
                 "%s (%s of %s paths; randomized QMC, mean of %d replicates, 95%% t interval "
                 "from their spread)",
                 cell, k, n, c->replicates);
    else
        snprintf(buf, cap, "%s (%s of %s paths, 95%% Wilson interval)", cell, k, n);
}

/* The spread between populations, the share of variance it explains and
 * where the next second is best spent (ensemble.h). */
static void print_ensemble(FILE *f, const stp_ensemble *e, int md)
{
    const char *in = md ? "" : "  ";
    char paths[32], lo[CELL_MAX], med[CELL_MAX], hi[CELL_MAX];
    fmt_thousands(paths, sizeof paths, e->paths);
    fmt_value(lo, sizeof lo, e->p_min, UNIT_FRAC);
    fmt_value(med, sizeof med, e->p_median, UNIT_FRAC);
    fmt_value(hi, sizeof hi, e->p_max, UNIT_FRAC);
    fprintf(f, "%s%s%d populations of %s paths: P(cascade) from %s to %s (median %s) by population",
            md ? "\n" : "", in, e->k, paths, lo, hi, med);
    if (isfinite(e->between_share))
        fprintf(f, "; the population draw explains %.0f%% of the estimate's variance (%.2g%% of a "
                   "path's)",
                100.0 * e->between_share, 100.0 * e->icc);
    fputs("\n", f);
    if (e->k <= 32) { /* each population's own, while it fits a line or two */
        fprintf(f, "%seach population's P(cascade):", in);
        for (int k = 0; k < e->k; k++) {
            char cell[CELL_MAX];
            fmt_cell(cell, sizeof cell, e->pop[k].cascade.p, e->pop[k].cascade.ci_lo,
                     e->pop[k].cascade.ci_hi, UNIT_FRAC);
            fprintf(f, "%s %s", k ? "," : "", cell);
        }
        fputs("\n", f);
    }
    if (!(e->pop_s > 0.0 && e->path_s > 0.0)) {
        fprintf(f, "%sallocation: not measured (batches from a checkpoint or shards)\n", in);
    } else if (isinf(e->best_paths)) {
        fprintf(f, "%sallocation: the spread between populations is within their Monte Carlo "
                   "error; more paths per population narrow the interval most\n", in);
    } else if (isfinite(e->best_paths)) {
        char best[32], pops[32];
        fmt_thousands(best, sizeof best, llround(e->best_paths));
        fmt_thousands(pops, sizeof pops, e->best_populations);
        fprintf(f,
                "%sallocation: a population costs %.3g s to draw, a path %.3g s; for the same "
                "time %s populations of %s paths would give +-%.2g pp instead of +-%.2g pp (%s)\n",
                in, e->pop_s, e->path_s, pops, best, 100.0 * e->best_halfwidth,
                100.0 * e->halfwidth,
                e->best_paths < (double)e->paths ? "more populations" : "more paths per population");
    }
}

static void print_human(FILE *f, const stp_summary *s, int md)
{
    char eng[STP_H5_STR_MAX], back[STP_H5_STR_MAX], dev[STP_H5_STR_MAX], when[STP_H5_STR_MAX];
    char expname[2 * STP_NAME_MAX];
    char paths[32], agents[32], passive[32], done[32], casc[4 * CELL_MAX], name[2 * STP_NAME_MAX];
    table t;
    fmt_clean(eng, sizeof eng, s->engine_version, md);
    fmt_clean(back, sizeof back, s->backend, md);
    fmt_clean(dev, sizeof dev, s->device, md);
    fmt_clean(when, sizeof when, s->created_utc, md);
    fmt_clean(expname, sizeof expname, s->experiment[0] ? s->experiment : "(unnamed)", md);
    fmt_thousands(paths, sizeof paths, s->paths);
    fmt_thousands(agents, sizeof agents, s->n_agents);
    fmt_thousands(passive, sizeof passive, s->n_passive);
    fprintf(f,
            md ? "**stampede %s** | backend %s | device %s | %s paths | seed %llu | %.1f s | "
                 "%.3g agent-steps/s\n\n"
               : "stampede %s | backend %s | device %s | %s paths | seed %llu | %.1f s | "
                 "%.3g agent-steps/s\n",
            eng, back, dev, paths, s->seed, s->wall_s, s->agent_steps_per_s);
    fprintf(f, "experiment %s | created %s\n%s", expname, when, md ? "\n" : "");
    fprintf(f,
            "population: %s AI agents, %s passive positions; model-family Herfindahl index "
            "%.3f (1 = monoculture)\n",
            agents, passive, s->herfindahl);
    if (s->equilibrium_redraws >= 0)
        fprintf(f,
                "equilibrium: %d agents redrawn because their model fired on the calm market "
                "(%d kept at the redraw cap with a lifted threshold)%s\n",
                s->equilibrium_redraws, s->equilibrium_fallbacks,
                s->n_variants > 0 && s->variants[0].ensemble.k > 0
                    ? " in population 0; every population's counts are in the file's ensemble/"
                    : "");
    for (int v = 0; v < s->n_variants; v++) {
        const stp_variant_summary *vs = &s->variants[v];
        fmt_clean(name, sizeof name, vs->name, md);
        fmt_thousands(done, sizeof done, vs->paths_done);
        fmt_cascade(casc, sizeof casc, &vs->cascade);
        fprintf(f,
                md ? "\n### Variant %s (%s paths)\n\nP(cascade) = %s\n\n"
                   : "\nvariant %s (%s paths)\n  P(cascade) = %s\n",
                name, done, casc);
        if (weights_verdict(casc, sizeof casc, &vs->cascade))
            fprintf(f, md ? "**UNRELIABLE weighted estimate**: %s\n\n"
                          : "  UNRELIABLE weighted estimate: %s\n",
                    casc);
        for (int k = 0; k < vs->n_probes; k++) {
            const stp_blind_probe *b = &vs->probe[k];
            if (!b->probed) continue;
            if (b->agents_firing == 0) {
                fprintf(f, "%sblind spot, shock %d: no agent fires within the size cap; drawn as "
                           "configured\n", md ? "\n" : "  ", k);
                continue;
            }
            fprintf(f,
                    "%sblind spot, shock %d: %d agents fire on a shock of size %.3g (10%%), %.3g "
                    "(median), %.3g (90%%) in the calm market; each path draws one uniformly "
                    "between the 10%% and 90%% points\n",
                    md ? "\n" : "  ", k, b->agents_firing, b->lo, b->center, b->hi);
        }
        if (vs->ensemble.k > 0) print_ensemble(f, &vs->ensemble, md);
        table_build(&t, vs);
        const grid g = {t.rows, t.cols, table_fill, &t};
        grid_print(f, &g, md);
        if (vs->attribution.computed) print_attribution(f, vs, md);
    }
    if (s->pilot.levels > 0) {
        char pp[32];
        fmt_thousands(pp, sizeof pp, s->pilot.paths);
        fprintf(f,
                "\nimportance tilt %.3g chosen by a cross-entropy pilot: %d level%s of %s paths "
                "on their own seed%s\n",
                s->pilot.tilt, s->pilot.levels, s->pilot.levels == 1 ? "" : "s", pp,
                s->pilot.reached ? "" : " (no level reached the cascade itself: the tilt is the "
                                        "last level's, raise pilot_paths)");
    }
    fputs("\n[lo, hi]: 95% confidence intervals; VaR and ES of the upper (loss) tail.\n", f);
    if (s->comparison.n > 0) print_comparison(f, s, md);
    if (s->search.n_iter > 0) print_search(f, s, md);
}

// ----------------------------------------------------------------------------
// JSON

typedef struct json_out {
    FILE *f;
    int depth;
    int first; /* no comma before the next member of the open container */
} json_out;

/* Bytes in the valid UTF-8 sequence at s, or 0 when it is not one (its
 * byte is then written as U+FFFD, so the output stays valid JSON). */
static int utf8_len(const unsigned char *s)
{
    const int n = s[0] < 0x80         ? 1
                  : (s[0] >> 5) == 6  ? 2
                  : (s[0] >> 4) == 14 ? 3
                  : (s[0] >> 3) == 30 ? 4
                                      : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] >> 6) != 2) /* a NUL stops here too: never reads past the end */
            return 0;
    return n;
}

static void json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        const int n = utf8_len(p);
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else if (n == 0)
            fputs("\\ufffd", f);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n ? n : 1;
    }
    fputc('"', f);
}

/* Starts a member (or array element when key is NULL) on its own line. */
static void json_item(json_out *w, const char *key)
{
    if (w->depth > 0) fprintf(w->f, "%s\n%*s", w->first ? "" : ",", 2 * w->depth, "");
    w->first = 0;
    if (key) {
        json_string(w->f, key);
        fputs(": ", w->f);
    }
}

static void json_open(json_out *w, const char *key, char bracket)
{
    json_item(w, key);
    fputc(bracket, w->f);
    w->depth++;
    w->first = 1;
}

static void json_close(json_out *w, char bracket)
{
    w->depth--;
    if (!w->first) /* "{}" stays on one line */
        fprintf(w->f, "\n%*s", 2 * w->depth, "");
    fputc(bracket, w->f);
    w->first = 0;
}

/* The shortest of %.15g and %.17g that reads back as the same double:
 * 0.9, not 0.90000000000000002, yet every value round-trips exactly. */
static void json_number(FILE *f, double x)
{
    char buf[32];
    if (!isfinite(x)) {
        fputs("null", f); /* JSON has no NaN or infinity */
        return;
    }
    snprintf(buf, sizeof buf, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, sizeof buf, "%.17g", x);
    fputs(buf, f);
}

static void json_num(json_out *w, const char *key, double x)
{
    json_item(w, key);
    json_number(w->f, x);
}

static void json_int(json_out *w, const char *key, long long x)
{
    json_item(w, key);
    fprintf(w->f, "%lld", x);
}

static void json_str(json_out *w, const char *key, const char *s)
{
    json_item(w, key);
    json_string(w->f, s);
}

/* Short arrays of levels and estimates stay on one line. */
static void json_nums(json_out *w, const char *key, const double *x, int n)
{
    json_item(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", w->f);
        json_number(w->f, x[i]);
    }
    fputc(']', w->f);
}

static void json_metric(json_out *w, const char *name, const stp_metric_stats *m)
{
    const int nq = m->n_quantiles < 0                      ? 0
                   : m->n_quantiles > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS
                                                           : m->n_quantiles;
    const int ne = m->n_es < 0                      ? 0
                   : m->n_es > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS
                                                    : m->n_es;
    json_open(w, name, '{');
    json_int(w, "n", m->n);
    json_num(w, "mean", m->mean);
    json_num(w, "sd", m->sd);
    json_num(w, "mean_ci_lo", m->mean_ci_lo);
    json_num(w, "mean_ci_hi", m->mean_ci_hi);
    json_nums(w, "quantile_levels", m->quantile_levels, nq);
    json_nums(w, "quantiles", m->quantiles, nq);
    json_nums(w, "quantile_ci_lo", m->quantile_ci_lo, nq);
    json_nums(w, "quantile_ci_hi", m->quantile_ci_hi, nq);
    json_nums(w, "es_levels", m->es_levels, ne);
    json_nums(w, "var", m->var, ne);
    json_nums(w, "var_ci_lo", m->var_ci_lo, ne);
    json_nums(w, "var_ci_hi", m->var_ci_hi, ne);
    json_nums(w, "es", m->es, ne);
    json_nums(w, "es_ci_lo", m->es_ci_lo, ne);
    json_nums(w, "es_ci_hi", m->es_ci_hi, ne);
    json_close(w, '}');
}

/* An array of strings or of integers on one line. */
static void json_strs(json_out *w, const char *key, const char *const *s, int n)
{
    json_item(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", w->f);
        json_string(w->f, s[i]);
    }
    fputc(']', w->f);
}

static void json_ints(json_out *w, const char *key, const long long *x, int n)
{
    json_item(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++)
        fprintf(w->f, "%s%lld", i ? ", " : "", x[i]);
    fputc(']', w->f);
}

/* A [group][kind] table as one array per group. */
static void json_table(json_out *w, const char *key, const double (*x)[STP_SHOCK_KINDS], int n)
{
    json_open(w, key, '[');
    for (int g = 0; g < STP_ATTR_GROUPS; g++)
        json_nums(w, NULL, x[g], n);
    json_close(w, ']');
}

/* The results file's attribution group, with its names. */
static void json_attribution(json_out *w, const stp_attribution *a)
{
    const char *names[STP_SHOCK_KINDS > STP_MAX_FAMILIES ? STP_SHOCK_KINDS : STP_MAX_FAMILIES];
    const int nk = a->n_kinds < STP_SHOCK_KINDS ? a->n_kinds : STP_SHOCK_KINDS;
    json_open(w, "attribution", '{');
    json_strs(w, "groups", stp_attr_group_names, STP_ATTR_GROUPS);
    for (int k = 0; k < nk; k++)
        names[k] = stp_shock_kind_name((stp_shock_kind)k);
    json_strs(w, "kinds", names, nk);
    json_ints(w, "paths", a->paths, STP_ATTR_GROUPS);
    json_nums(w, "weight", a->weight, STP_ATTR_GROUPS);
    json_table(w, "share", a->share, nk);
    json_table(w, "mean_size", a->mean_size, nk);
    json_table(w, "mean_time_s", a->mean_time_s, nk);
    json_open(w, "first_movers", '{');
    for (int f = 0; f < a->n_families; f++)
        names[f] = a->families[f];
    json_strs(w, "families", names, a->n_families);
    json_nums(w, "population_share", a->population_share, a->n_families);
    json_nums(w, "cascade_share", a->cascade_share, a->n_families);
    json_ints(w, "cascade_count", a->cascade_count, a->n_families);
    json_nums(w, "acted_share", a->acted_share, a->n_families);
    json_ints(w, "acted_count", a->acted_count, a->n_families);
    json_nums(w, "lift", a->lift, a->n_families);
    json_close(w, '}');
    json_close(w, '}');
}

static void json_bool(json_out *w, const char *key, int b)
{
    json_item(w, key);
    fputs(b ? "true" : "false", w->f);
}

static void json_ensemble(json_out *w, const stp_ensemble *e)
{
    json_open(w, "ensemble", '{');
    json_int(w, "populations", e->k);
    json_int(w, "paths_per_population", e->paths);
    json_str(w, "ci_method", STP_ENSEMBLE_CI_METHOD);
    json_num(w, "cascade_min", e->p_min);
    json_num(w, "cascade_median", e->p_median);
    json_num(w, "cascade_max", e->p_max);
    json_num(w, "var_between", e->var_between);
    json_num(w, "var_within", e->var_within);
    json_num(w, "icc", e->icc);
    json_num(w, "between_share", e->between_share);
    json_num(w, "population_s", e->pop_s);
    json_num(w, "path_s", e->path_s);
    json_num(w, "best_paths", e->best_paths);
    json_int(w, "best_populations", e->best_populations);
    json_num(w, "halfwidth", e->halfwidth);
    json_num(w, "best_halfwidth", e->best_halfwidth);
    json_open(w, "populations_cascade", '[');
    for (int k = 0; k < e->k; k++) {
        json_open(w, NULL, '{');
        json_num(w, "p", e->pop[k].cascade.p);
        json_num(w, "ci_lo", e->pop[k].cascade.ci_lo);
        json_num(w, "ci_hi", e->pop[k].cascade.ci_hi);
        json_close(w, '}');
    }
    json_close(w, ']');
    json_close(w, '}');
}

static void json_variant(json_out *w, const stp_variant_summary *v)
{
    json_open(w, NULL, '{');
    json_str(w, "name", v->name);
    json_int(w, "paths_done", v->paths_done);
    json_open(w, "cascade", '{');
    json_num(w, "p", v->cascade.p);
    json_num(w, "ci_lo", v->cascade.ci_lo);
    json_num(w, "ci_hi", v->cascade.ci_hi);
    json_int(w, "n", v->cascade.n);
    json_int(w, "k", v->cascade.k);
    json_int(w, "weighted", v->cascade.weighted);
    json_num(w, "ess", v->cascade.ess);
    json_num(w, "se", v->cascade.se);
    if (v->cascade.diag.computed) {
        json_num(w, "max_weight_share", v->cascade.diag.max_share);
        json_num(w, "pareto_khat", v->cascade.diag.khat);
        json_int(w, "pareto_tail", v->cascade.diag.tail);
        json_bool(w, "weights_reliable", !weights_verdict(NULL, 0, &v->cascade));
    }
    json_int(w, "replicates", v->cascade.replicates);
    json_int(w, "populations", v->cascade.populations);
    json_close(w, '}');
    if (v->ensemble.k > 0) json_ensemble(w, &v->ensemble);
    json_open(w, "stats", '{');
    for (int m = 0; m < STP_N_OUTCOMES; m++) /* an agent index has no meaningful mean */
        if (v->has_stats[m] && m != STP_OUT_FIRST_MOVER)
            json_metric(w, stp_outcome_names[m], &v->stats[m]);
    json_close(w, '}');
    if (v->attribution.computed) json_attribution(w, &v->attribution);
    json_str(w, "scenario_mode", v->scenario_mode);
    if (v->n_probes > 0) {
        json_open(w, "blind_spot", '[');
        for (int k = 0; k < v->n_probes; k++) {
            json_open(w, NULL, '{');
            json_bool(w, "probed", v->probe[k].probed);
            json_int(w, "agents_firing", v->probe[k].agents_firing);
            json_num(w, "lo", v->probe[k].lo);
            json_num(w, "center", v->probe[k].center);
            json_num(w, "hi", v->probe[k].hi);
            json_close(w, '}');
        }
        json_close(w, ']');
    }
    json_close(w, '}');
}


/* A paired difference with the column names of /comparison (less the
 * d_<what>_ prefix, which is the key). */
static void json_diff(json_out *w, const char *key, const stp_paired_diff *d)
{
    json_open(w, key, '{');
    json_num(w, "diff", d->diff);
    json_num(w, "ci_lo", d->ci_lo);
    json_num(w, "ci_hi", d->ci_hi);
    json_num(w, "unpaired_ci_lo", d->unpaired_ci_lo);
    json_num(w, "unpaired_ci_hi", d->unpaired_ci_hi);
    json_num(w, "rel", d->rel);
    json_num(w, "rel_ci_lo", d->rel_ci_lo);
    json_num(w, "rel_ci_hi", d->rel_ci_hi);
    json_close(w, '}');
}

/* The row's curve figures (a sweep point repeats them). */
static void json_headline(json_out *w, const stp_comparison_row *r)
{
    json_num(w, "p_cascade", r->cascade.p);
    json_num(w, "p_ci_lo", r->cascade.ci_lo);
    json_num(w, "p_ci_hi", r->cascade.ci_hi);
    json_num(w, "es", r->es);
    json_num(w, "es_ci_lo", r->es_ci_lo);
    json_num(w, "es_ci_hi", r->es_ci_hi);
    json_num(w, "bad_debt_mean", r->bad_debt_mean);
}

static void json_comparison_row(json_out *w, const stp_comparison_row *r, int baseline)
{
    json_open(w, NULL, '{');
    json_str(w, "name", r->name);
    json_bool(w, "baseline", baseline);
    json_int(w, "paths", r->cascade.n);
    json_int(w, "cascade_paths", r->cascade.k);
    json_headline(w, r);
    json_num(w, "bad_debt_ci_lo", r->bad_debt_ci_lo);
    json_num(w, "bad_debt_ci_hi", r->bad_debt_ci_hi);
    json_diff(w, "d_cascade", &r->d_cascade);
    json_diff(w, "d_es", &r->d_es);
    json_diff(w, "d_bad_debt", &r->d_bad_debt);
    json_close(w, '}');
}

static void json_sweep(json_out *w, const stp_comparison *c)
{
    json_open(w, "sweep", '{');
    json_str(w, "param", c->sweep_param);
    json_open(w, "points", '[');
    for (int i = 0; i < c->n; i++) {
        json_open(w, NULL, '{');
        json_str(w, "series", c->rows[i].series);
        json_num(w, "value", c->rows[i].value);
        json_str(w, "variant", c->rows[i].name);
        json_headline(w, &c->rows[i]);
        json_close(w, '}');
    }
    json_close(w, ']');
    json_close(w, '}');
}

/* "comparison_info" (what the rows mean), "comparison" (the rows, baseline
 * first) and, for a sweep, "sweep". */
static void json_comparison(json_out *w, const stp_summary *s)
{
    const stp_comparison *c = &s->comparison;
    json_open(w, "comparison_info", '{');
    json_str(w, "baseline", c->rows[0].name);
    json_str(w, "es_metric", stp_outcome_names[STP_OUT_BAD_DEBT_USD]);
    json_num(w, "es_level", c->es_level);
    json_str(w, "ci_method", s->ci_method);
    json_close(w, '}');
    json_open(w, "comparison", '[');
    for (int i = 0; i < c->n; i++)
        json_comparison_row(w, &c->rows[i], i == 0);
    json_close(w, ']');
    if (c->sweep_param[0] != '\0') json_sweep(w, c);
}

/* "search": the objective, each iteration's objective, elite threshold and
 * law, the worst scenario, and the re-run against random. */
static void json_search(json_out *w, const stp_summary *s)
{
    const stp_search *x = &s->search;
    json_open(w, "search", '{');
    json_str(w, "objective",
             x->objective_kind == STP_OBJECTIVE_P_CASCADE ? "p_cascade" : "es_bad_debt_usd");
    json_int(w, "paths_per_iter", x->paths_per_iter);
    json_num(w, "elite_fraction", x->elite_fraction);
    json_open(w, "iterations", '[');
    for (int i = 0; i < x->done; i++) {
        json_open(w, NULL, '{');
        json_num(w, "objective", x->objective[i]);
        json_num(w, "gamma", x->gamma[i]);
        json_num(w, "elite_mean", x->elite[i]);
        json_open(w, "law", '[');
        for (int k = 0; k < x->n_specs; k++) {
            const stp_search_law *l = &x->history[(size_t)i * (size_t)x->n_specs + (size_t)k];
            json_open(w, NULL, '{');
            json_num(w, "p", l->p);
            json_num(w, "size_mean", l->size_mean);
            json_num(w, "size_sd", l->size_sd);
            json_num(w, "time_mean", l->time_mean);
            json_num(w, "time_sd", l->time_sd);
            json_num(w, "duration_mean", l->duration_mean);
            json_num(w, "duration_sd", l->duration_sd);
            json_close(w, '}');
        }
        json_close(w, ']');
        json_close(w, '}');
    }
    json_close(w, ']');
    json_open(w, "worst", '[');
    for (int k = 0; k < x->n_specs; k++) {
        json_open(w, NULL, '{');
        json_str(w, "kind", stp_shock_kind_name((stp_shock_kind)x->kind[k]));
        json_bool(w, "on", x->worst[k].p > 0.5);
        json_num(w, "size", x->worst[k].size_mean);
        json_num(w, "time_s", x->worst[k].time_mean);
        json_num(w, "duration_s", x->worst[k].duration_mean);
        json_close(w, '}');
    }
    json_close(w, ']');
    json_int(w, "rerun_seed", (long long)x->rerun_seed);
    json_bool(w, "above_random_beyond_both_cis", search_beyond_cis(s));
    json_close(w, '}');
}

static void print_json(FILE *f, const stp_summary *s)
{
    json_out w = {f, 0, 1};
    json_open(&w, NULL, '{');
    json_str(&w, "engine_version", s->engine_version);
    json_str(&w, "backend", s->backend);
    json_str(&w, "device", s->device);
    json_str(&w, "created_utc", s->created_utc);
    json_str(&w, "experiment", s->experiment);
    json_item(&w, "seed");
    fprintf(f, "%llu", s->seed);
    json_int(&w, "paths", s->paths);
    json_num(&w, "wall_s", s->wall_s);
    json_num(&w, "agent_steps_per_s", s->agent_steps_per_s);
    json_open(&w, "population", '{');
    json_int(&w, "n_agents", s->n_agents);
    json_int(&w, "n_passive", s->n_passive);
    json_num(&w, "herfindahl", s->herfindahl);
    json_int(&w, "equilibrium_redraws", s->equilibrium_redraws);
    json_int(&w, "equilibrium_fallbacks", s->equilibrium_fallbacks);
    json_close(&w, '}');
    json_open(&w, "variants", '[');
    for (int v = 0; v < s->n_variants; v++)
        json_variant(&w, &s->variants[v]);
    json_close(&w, ']');
    if (s->comparison.n > 0) json_comparison(&w, s);
    if (s->search.n_iter > 0) json_search(&w, s);
    if (s->pilot.levels > 0) {
        json_open(&w, "importance_pilot", '{');
        json_num(&w, "tilt", s->pilot.tilt);
        json_int(&w, "paths", s->pilot.paths);
        json_int(&w, "levels", s->pilot.levels);
        json_bool(&w, "reached", s->pilot.reached);
        json_nums(&w, "level_tilt", s->pilot.level_tilt, s->pilot.levels);
        json_nums(&w, "level_gamma", s->pilot.level_gamma, s->pilot.levels);
        json_close(&w, '}');
    }
    json_close(&w, '}');
    fputc('\n', f);
}

int stp_summary_print(FILE *f, const stp_summary *s, stp_summary_format fmt)
{
    switch (fmt) {
    case STP_SUMMARY_TEXT:
        print_human(f, s, 0);
        break;
    case STP_SUMMARY_MARKDOWN:
        print_human(f, s, 1);
        break;
    case STP_SUMMARY_JSON:
        print_json(f, s);
        break;
    default:
        return -1;
    }
    return ferror(f) ? -1 : 0;
}
