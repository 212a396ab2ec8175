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

typedef enum { UNIT_USD, UNIT_FRAC, UNIT_COUNT } unit;

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
#define CELL_MAX (3 * VAL_MAX + 8)
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

/* A user string (device name, variant name) made safe for one line of text
 * or a markdown table cell: control characters become spaces and, for
 * markdown, characters it would interpret are backslash-escaped. */
static void fmt_clean(char *dst, size_t cap, const char *src, int markdown)
{
    size_t o = 0;
    for (; *src && o + 2 < cap; src++) {
        const unsigned char c = (unsigned char)*src;
        if (markdown && strchr("\\`*_[]<>|#", c)) dst[o++] = '\\';
        dst[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[o] = '\0';
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

/* Text: left-aligned names, right-aligned numbers, two spaces apart. */
static void table_print_text(FILE *f, const table *t)
{
    int width[MAX_COLS] = {0};
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < t->cols; c++) {
            const int w = (int)strlen(t->cell[r][c]);
            width[c] = w > width[c] ? w : width[c];
        }
    for (int r = 0; r < t->rows; r++) {
        fprintf(f, "  %-*s", width[0], t->cell[r][0]);
        for (int c = 1; c < t->cols; c++)
            fprintf(f, "  %*s", width[c], t->cell[r][c]);
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

static void table_print_markdown(FILE *f, const table *t)
{
    for (int r = 0; r < t->rows; r++) {
        for (int c = 0; c < t->cols; c++)
            md_cell(f, t->cell[r][c]);
        fputs("|\n", f);
        if (r == 0) {
            for (int c = 0; c < t->cols; c++)
                fputs(c == 0 ? "|---" : "|---:", f);
            fputs("|\n", f);
        }
    }
}

/* "3.45% [3.20%, 3.72%] (690 of 20,000 paths, 95% Wilson interval)" */
static void fmt_cascade(char *buf, size_t cap, const stp_cascade_stats *c)
{
    char cell[CELL_MAX], k[32], n[32];
    fmt_cell(cell, sizeof cell, c->p, c->ci_lo, c->ci_hi, UNIT_FRAC);
    fmt_thousands(k, sizeof k, c->k);
    fmt_thousands(n, sizeof n, c->n);
    snprintf(buf, cap, "%s (%s of %s paths, 95%% Wilson interval)", cell, k, n);
}

static void print_human(FILE *f, const stp_summary *s, int md)
{
    char eng[STP_H5_STR_MAX], back[STP_H5_STR_MAX], dev[STP_H5_STR_MAX], when[STP_H5_STR_MAX];
    char expname[2 * STP_NAME_MAX];
    char paths[32], agents[32], passive[32], done[32], casc[2 * CELL_MAX], name[2 * STP_NAME_MAX];
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
    for (int v = 0; v < s->n_variants; v++) {
        const stp_variant_summary *vs = &s->variants[v];
        fmt_clean(name, sizeof name, vs->name, md);
        fmt_thousands(done, sizeof done, vs->paths_done);
        fmt_cascade(casc, sizeof casc, &vs->cascade);
        fprintf(f,
                md ? "\n### Variant %s (%s paths)\n\nP(cascade) = %s\n\n"
                   : "\nvariant %s (%s paths)\n  P(cascade) = %s\n",
                name, done, casc);
        table_build(&t, vs);
        (md ? table_print_markdown : table_print_text)(f, &t);
    }
    fputs("\n[lo, hi]: 95% confidence intervals; VaR and ES of the upper (loss) tail.\n", f);
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
    json_close(w, '}');
    json_open(w, "stats", '{');
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        if (v->has_stats[m]) json_metric(w, stp_outcome_names[m], &v->stats[m]);
    json_close(w, '}');
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
    json_close(&w, '}');
    json_open(&w, "variants", '[');
    for (int v = 0; v < s->n_variants; v++)
        json_variant(&w, &s->variants[v]);
    json_close(&w, ']');
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
