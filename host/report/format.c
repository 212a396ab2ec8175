/* format.c: numbers, intervals and user strings as the text and markdown
 * summaries show them (report.h). */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const SUFFIX[] = {"", "K", "M", "B", "T"};

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

void stp_fmt_value(char *buf, size_t cap, double x, unit u)
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
void stp_fmt_cell(char *buf, size_t cap, double x, double lo, double hi, unit u)
{
    char v[VAL_MAX], l[VAL_MAX], h[VAL_MAX];
    stp_fmt_value(v, sizeof v, x, u);
    stp_fmt_value(l, sizeof l, lo, u);
    stp_fmt_value(h, sizeof h, hi, u);
    snprintf(buf, cap, "%s [%s, %s]", v, l, h);
}

/* Like stp_fmt_cell, but "n/a" alone for a missing value and the value alone
 * when it has no interval (one path, or a relative change of a zero). */
void stp_fmt_ci(char *buf, size_t cap, double x, double lo, double hi, unit u)
{
    if (isfinite(x) && (isfinite(lo) || isfinite(hi)))
        stp_fmt_cell(buf, cap, x, lo, hi, u);
    else
        stp_fmt_value(buf, cap, x, u);
}

/* "[0.9, 1.9]": an interval on its own. */
void stp_fmt_interval(char *buf, size_t cap, double lo, double hi, unit u)
{
    char l[VAL_MAX], h[VAL_MAX];
    stp_fmt_value(l, sizeof l, lo, u);
    stp_fmt_value(h, sizeof h, hi, u);
    snprintf(buf, cap, isfinite(lo) || isfinite(hi) ? "[%s, %s]" : "n/a", l, h);
}

/* "20,000": path counts are easier to read grouped. */
void stp_fmt_thousands(char *buf, size_t cap, long long n)
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
 * or markdown: control characters become spaces and the characters in
 * `escape` are backslash-escaped. */
void stp_fmt_escape(char *dst, size_t cap, const char *src, const char *escape)
{
    size_t o = 0;
    for (; *src && o + 2 < cap; src++) {
        const unsigned char c = (unsigned char)*src;
        if (strchr(escape, c)) dst[o++] = '\\';
        dst[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[o] = '\0';
}

void stp_fmt_clean(char *dst, size_t cap, const char *src, int markdown)
{
    stp_fmt_escape(dst, cap, src, markdown ? MD_ESCAPE : "");
}

void stp_fmt_name_cell(char *buf, const char *name, const char *tag, int md)
{
    char clean[2 * STP_NAME_MAX]; /* escaping at most doubles a name */
    stp_fmt_escape(clean, sizeof clean, name, md ? MD_CELL_ESCAPE : "");
    snprintf(buf, CELL_MAX, "%s%s", clean, tag);
}
