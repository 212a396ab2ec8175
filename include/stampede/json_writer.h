/* json_writer.h: writing JSON by hand to a stream, for the results summary
 * (`stampede summary --format json`) and the bench record (`stampede bench
 * --json`, `--history`). Only config.c/models.c link cJSON's parser into the
 * engine; writing needs no tree, so a writer streams members as they come.
 *
 * Strings are escaped per RFC 8259 §7: '"' and '\\' with a backslash, '\n'
 * as "\n", every other byte below 0x20 as "\u00XX"; valid UTF-8 passes
 * through and a byte that starts no valid sequence becomes "\ufffd", so the
 * output is always valid JSON whatever a user named a variant.
 *
 * Two layouts: STP_JSON_PRETTY puts each member on its own line, indented
 * two spaces a level (arrays of numbers, integers or strings written with
 * stp_json_nums and friends stay on one line); STP_JSON_LINE writes
 * `{"a": 1, "b": [2, 3]}` on one line, and stp_json_space lets the caller
 * choose the whitespace at a separator (the bench record's line breaks). */
#ifndef STAMPEDE_JSON_WRITER_H
#define STAMPEDE_JSON_WRITER_H

#include <stdio.h>

#define STP_JSON_WRITER_DEPTH 32

typedef enum stp_json_layout { STP_JSON_PRETTY, STP_JSON_LINE } stp_json_layout;

typedef struct stp_json {
    FILE *f; /* borrowed, outlives the writer */
    stp_json_layout layout;
    int depth;
    int first;         /* no comma before the next member of the open container */
    const char *space; /* STP_JSON_LINE: whitespace at the next separator, NULL for " " */
    char close[STP_JSON_WRITER_DEPTH]; /* [depth]: the open containers' closing brackets */
} stp_json;

/* A writer to f (borrowed) with nothing written yet. */
void stp_json_init(stp_json *w, FILE *f, stp_json_layout layout);

/* Opens an object or array: a member named key of the open object, or an
 * element of the open array (or the top value) when key is NULL. Nesting
 * deeper than STP_JSON_WRITER_DEPTH is a programming error (assert). */
void stp_json_object(stp_json *w, const char *key);
void stp_json_array(stp_json *w, const char *key);
/* Closes the innermost open object or array; PRETTY puts the bracket on a
 * line of its own unless the container is empty ("{}"). */
void stp_json_end(stp_json *w);

/* One member (key NULL: element) of each type. stp_json_num writes the
 * shortest of %.15g and %.17g that reads back as the same double (0.9, not
 * 0.90000000000000002) and null for NaN and infinities, which JSON lacks.
 * stp_json_num_g writes printf's %.*g with `digits` significant digits
 * (the bench record's fixed precision), and null for a non-finite x too. */
void stp_json_str(stp_json *w, const char *key, const char *s);
void stp_json_num(stp_json *w, const char *key, double x);
void stp_json_num_g(stp_json *w, const char *key, double x, int digits);
void stp_json_int(stp_json *w, const char *key, long long x);
void stp_json_uint(stp_json *w, const char *key, unsigned long long x);
void stp_json_bool(stp_json *w, const char *key, int b);

/* Arrays x[0..n) (n >= 0) as one member on one line: "[1, 2.5]". */
void stp_json_nums(stp_json *w, const char *key, const double *x, int n);
void stp_json_ints(stp_json *w, const char *key, const long long *x, int n);
void stp_json_strs(stp_json *w, const char *key, const char *const *s, int n);

/* STP_JSON_LINE: the whitespace written after the next separator's comma
 * (or before the next member, or closing bracket, where there is no comma)
 * instead of the single space between members; `ws` is borrowed until then
 * and must be JSON whitespace. PRETTY ignores it. */
void stp_json_space(stp_json *w, const char *ws);

/* The bare values, for a caller composing its own layout: s escaped and
 * quoted; x as stp_json_num writes it. */
void stp_json_write_string(FILE *f, const char *s);
void stp_json_write_number(FILE *f, double x);

#endif
