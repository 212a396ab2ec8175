/* grid.c: a table printed a row at a time, as aligned text or a GitHub
 * markdown table (report.h). */
#include "report.h"

#include <string.h>

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

void stp_grid_print(FILE *f, const grid *g, int md)
{
    (md ? grid_print_markdown : grid_print_text)(f, g);
}
