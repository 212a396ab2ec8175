/* json_writer.c: JSON streamed to a FILE, strings escaped per RFC 8259
 * (json_writer.h). The bottom layer: no stampede types, only bytes. */
#include "stampede/json_writer.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void stp_json_init(stp_json *w, FILE *f, stp_json_layout layout)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->layout = layout;
    w->first = 1;
}

// ----------------------------------------------------------------------------
// bare values

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

void stp_json_write_string(FILE *f, const char *s)
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

/* The shortest of %.15g and %.17g that reads back as the same double:
 * 0.9, not 0.90000000000000002, yet every value round-trips exactly. */
void stp_json_write_number(FILE *f, double x)
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

// ----------------------------------------------------------------------------
// members and containers

/* The separator before a member or element: PRETTY starts a new line at
 * the container's indent; LINE writes ", " (or the caller's whitespace). */
static void separate(stp_json *w)
{
    if (w->depth == 0) return; /* the top value */
    if (w->layout == STP_JSON_PRETTY) {
        fprintf(w->f, "%s\n%*s", w->first ? "" : ",", 2 * w->depth, "");
        return;
    }
    if (!w->first) fputc(',', w->f);
    fputs(w->space ? w->space : w->first ? "" : " ", w->f);
    w->space = NULL;
}

/* Starts a member (or an element when key is NULL). */
static void item(stp_json *w, const char *key)
{
    separate(w);
    w->first = 0;
    if (key) {
        stp_json_write_string(w->f, key);
        fputs(": ", w->f);
    }
}

static void begin(stp_json *w, const char *key, char bracket, char close)
{
    assert(w->depth < STP_JSON_WRITER_DEPTH);
    item(w, key);
    fputc(bracket, w->f);
    w->close[w->depth++] = close;
    w->first = 1;
}

void stp_json_object(stp_json *w, const char *key)
{
    begin(w, key, '{', '}');
}

void stp_json_array(stp_json *w, const char *key)
{
    begin(w, key, '[', ']');
}

void stp_json_end(stp_json *w)
{
    assert(w->depth > 0);
    w->depth--;
    if (w->layout == STP_JSON_PRETTY && !w->first) /* "{}" stays on one line */
        fprintf(w->f, "\n%*s", 2 * w->depth, "");
    if (w->layout == STP_JSON_LINE && w->space) fputs(w->space, w->f);
    w->space = NULL;
    fputc(w->close[w->depth], w->f);
    w->first = 0;
}

void stp_json_space(stp_json *w, const char *ws)
{
    w->space = ws;
}

// ----------------------------------------------------------------------------
// scalars

void stp_json_str(stp_json *w, const char *key, const char *s)
{
    item(w, key);
    stp_json_write_string(w->f, s);
}

void stp_json_num(stp_json *w, const char *key, double x)
{
    item(w, key);
    stp_json_write_number(w->f, x);
}

void stp_json_num_g(stp_json *w, const char *key, double x, int digits)
{
    item(w, key);
    if (isfinite(x))
        fprintf(w->f, "%.*g", digits, x);
    else
        stp_json_write_number(w->f, x); /* null, as every number the writer writes */
}

void stp_json_int(stp_json *w, const char *key, long long x)
{
    item(w, key);
    fprintf(w->f, "%lld", x);
}

void stp_json_uint(stp_json *w, const char *key, unsigned long long x)
{
    item(w, key);
    fprintf(w->f, "%llu", x);
}

void stp_json_bool(stp_json *w, const char *key, int b)
{
    item(w, key);
    fputs(b ? "true" : "false", w->f);
}

// ----------------------------------------------------------------------------
// one-line arrays

void stp_json_nums(stp_json *w, const char *key, const double *x, int n)
{
    item(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", w->f);
        stp_json_write_number(w->f, x[i]);
    }
    fputc(']', w->f);
}

void stp_json_ints(stp_json *w, const char *key, const long long *x, int n)
{
    item(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++)
        fprintf(w->f, "%s%lld", i ? ", " : "", x[i]);
    fputc(']', w->f);
}

void stp_json_strs(stp_json *w, const char *key, const char *const *s, int n)
{
    item(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", w->f);
        stp_json_write_string(w->f, s[i]);
    }
    fputc(']', w->f);
}
