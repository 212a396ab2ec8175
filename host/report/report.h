/* report.h: what the files of report/ share (private to this folder): the
 * cell formatting of format.c, the grids of grid.c and each section's
 * printer. They format the numbers stp_h5_read_summary found and compute
 * none (STYLE: I/O never computes; the decisions are in verdict.h). */
#ifndef STAMPEDE_REPORT_H
#define STAMPEDE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "stampede/summary.h"

typedef enum { UNIT_USD, UNIT_FRAC, UNIT_COUNT, UNIT_PP } unit; /* pp: percentage points */

#define VAL_MAX  32
#define CELL_MAX (2 * STP_NAME_MAX + 32)        /* a value and its CI, or an escaped variant name */
#define MAX_COLS (2 + 2 * STP_STATS_MAX_LEVELS) /* outcome, mean, VaR and ES per level */

/* Markdown characters a user string must not bring in; in a table cell
 * md_cell escapes '|' (and '$') itself, so escaping it here too would print
 * the backslash and end the cell. */
#define MD_ESCAPE      "\\`*_[]<>|#"
#define MD_CELL_ESCAPE "\\`*_[]<>#"

// ----------------------------------------------------------------------------
// format.c: numbers and names for people

/* x in its unit ("$12.3M", "3.45%", "1.4" pp, "312.4" agents); "n/a" when
 * not finite. */
void stp_fmt_value(char *buf, size_t cap, double x, unit u);
/* "12.3M [11.1M, 13.5M]": a value and its 95% interval. */
void stp_fmt_cell(char *buf, size_t cap, double x, double lo, double hi, unit u);
/* Like stp_fmt_cell, but "n/a" alone for a missing value and the value
 * alone when it has no interval (one path, or a relative change of a zero). */
void stp_fmt_ci(char *buf, size_t cap, double x, double lo, double hi, unit u);
/* "[0.9, 1.9]": an interval on its own; "n/a" when neither end is finite. */
void stp_fmt_interval(char *buf, size_t cap, double lo, double hi, unit u);
/* "20,000": path counts are easier to read grouped. */
void stp_fmt_thousands(char *buf, size_t cap, long long n);
/* A user string (device name, variant name) made safe for one line of text
 * or markdown: control characters become spaces and the characters in
 * `escape` are backslash-escaped. */
void stp_fmt_escape(char *dst, size_t cap, const char *src, const char *escape);
/* stp_fmt_escape for a line of text (markdown != 0: of markdown). */
void stp_fmt_clean(char *dst, size_t cap, const char *src, int markdown);
/* A variant, series or parameter name and a tag as a cell of CELL_MAX: one
 * line, and escaped for markdown except for what md_cell escapes itself. */
void stp_fmt_name_cell(char *buf, const char *name, const char *tag, int md);

// ----------------------------------------------------------------------------
// grid.c: a table printed a row at a time

/* fill(ctx, r, cells) formats row r (row 0 is the header) into
 * cells[0, cols). Text sizes its columns in a first pass and formats again
 * to print, so a table of any length (a sweep's hundreds of rows) needs no
 * storage. */
typedef void (*row_fill)(const void *ctx, int r, char (*cells)[CELL_MAX]);
typedef struct grid {
    int rows, cols; /* cols <= MAX_COLS */
    row_fill fill;
    const void *ctx;
} grid;

/* Text (md 0): left-aligned names, right-aligned numbers, two spaces apart;
 * markdown (md 1): a GitHub table with '$' and '|' escaped in its cells. */
void stp_grid_print(FILE *f, const grid *g, int md);

// ----------------------------------------------------------------------------
// the sections of the text and markdown forms, each in its own file

/* summary_text.c: the whole text (md 0) or markdown (md 1) summary. */
void stp_report_text(FILE *f, const stp_summary *s, int md);
/* attribution_text.c: a variant's tail attribution and first movers. */
void stp_report_attribution(FILE *f, const stp_variant_summary *vs, int md);
/* venues_text.c: a multi-venue variant's venues and contagion
 * (vs->n_venues >= 2; else nothing). */
void stp_report_venues(FILE *f, const stp_variant_summary *vs, int md);
/* comparison_text.c: the comparison table (s->comparison.n > 0) and, for
 * a sweep, its curves. */
void stp_report_comparison(FILE *f, const stp_summary *s, int md);
/* search_text.c: the adversarial search (s->search.n_iter > 0). */
void stp_report_search(FILE *f, const stp_summary *s, int md);

/* summary_json.c: the JSON form. */
void stp_report_json(FILE *f, const stp_summary *s);

#endif
