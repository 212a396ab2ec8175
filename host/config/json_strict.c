/* json_strict.c: strict JSON (RFC 8259), before cJSON. cJSON reads 00.003
 * and 01, "1.", raw control characters and invalid UTF-8 in strings,
 * control bytes as white space, and \u0000, which silently ends a C
 * string. A recursive descent over the grammar, at most STP_JSON_MAX_DEPTH
 * deep, finds the first problem; a syntax error cJSON also refuses is left
 * to cJSON's message (its column is the one users know), the rest are
 * reported here with the value's JSON path. Shared by the config's
 * files (config_parse.c, config_set.c, config.c) and models.c
 * (json_strict.h). */
#include "json_strict.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stampede/config.h" /* STP_JSON_MAX_DEPTH */

typedef struct scan {
    const unsigned char *s; /* borrowed: the NUL-terminated text */
    size_t i;               /* next byte */
    int depth;              /* objects and arrays open around s[i] */
    size_t len;             /* of out->path */
    stp_json_issue *out;
} scan;

static int scan_value(scan *k);

static int scan_fail(scan *k, size_t off, int structural, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int scan_fail(scan *k, size_t off, int structural, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->out->why, sizeof k->out->why, fmt, ap);
    va_end(ap);
    k->out->off = off;
    k->out->structural = structural;
    return -1;
}

static void skip_ws(scan *k)
{
    while (k->s[k->i] == ' ' || k->s[k->i] == '\t' || k->s[k->i] == '\n' || k->s[k->i] == '\r')
        k->i++;
}

/* Path segments: ".key" (raw text between the quotes, at most 64 bytes)
 * or "[i]"; a segment that does not fit is left out. */
static size_t scan_push(scan *k, const char *part)
{
    const size_t mark = k->len, n = strlen(part);
    if (k->len + n < sizeof k->out->path) {
        memcpy(k->out->path + k->len, part, n + 1);
        k->len += n;
    }
    return mark;
}

/* A key's bytes as one line, as the config's messages show user text: a
 * control byte or DEL becomes '?' (stp_cfg_sanitize; the raw bytes never
 * hold a NUL and are cut to 64 here, so it added no "..."). */
static size_t scan_push_key(scan *k, size_t from, size_t to)
{
    char part[72];
    const size_t n = to - from < 64 ? to - from : 64;
    size_t j;
    part[0] = '.';
    for (j = 0; j < n; j++) {
        const unsigned char b = k->s[from + j];
        part[1 + j] = b < 0x20 || b == 0x7f ? '?' : (char)b;
    }
    part[1 + n] = '\0';
    return scan_push(k, k->len ? part : part + 1);
}

static void scan_pop(scan *k, size_t mark)
{
    k->len = mark;
    k->out->path[mark] = '\0';
}

/* Bytes in the well-formed UTF-8 sequence at p (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing past U+10FFFF); 0 when it is not one. The
 * text ends in NUL, which is no continuation byte, so a truncated
 * sequence stops there. */
static int utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80) return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        const unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        const unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

int stp_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int n;
    for (; *p; p += n)
        if (!(n = utf8_len(p))) return 0;
    return 1;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    int j;
    *out = 0;
    for (j = 0; j < 4; j++) {
        const int d = isdigit(p[j]) ? p[j] - '0' : isxdigit(p[j]) ? (tolower(p[j]) - 'a' + 10) : -1;
        if (d < 0) return -1;
        *out = *out * 16 + (unsigned)d;
    }
    return 0;
}

/* The escape at s[i] == '\\'; a \u escape of U+0000 or of half a
 * surrogate pair is refused. */
static int scan_escape(scan *k, const char *what)
{
    const size_t at = k->i;
    const unsigned char e = k->s[at + 1];
    unsigned u, lo;
    if (e && strchr("\"\\/bfnrt", e)) {
        k->i += 2;
        return 0;
    }
    if (e != 'u')
        return scan_fail(k, at, 0,
                         "unknown escape '\\%c' in %s; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r "
                         "\\t and \\uXXXX",
                         e >= 0x20 && e < 0x7f ? e : '?', what);
    if (hex4(k->s + at + 2, &u)) return scan_fail(k, at, 0, "'\\u' needs 4 hex digits in %s", what);
    if (u == 0) return scan_fail(k, at, 0, "\\u0000 (a NUL character) in %s; remove it", what);
    k->i += 6;
    if (u >= 0xdc00 && u <= 0xdfff)
        return scan_fail(k, at, 0, "unpaired UTF-16 surrogate \\u%04X in %s; write the character",
                         u, what);
    if (u < 0xd800 || u > 0xdbff) return 0;
    if (k->s[k->i] != '\\' || k->s[k->i + 1] != 'u' || hex4(k->s + k->i + 2, &lo) || lo < 0xdc00 ||
        lo > 0xdfff)
        return scan_fail(k, at, 0,
                         "unpaired UTF-16 surrogate \\u%04X in %s: a low one (\\uDC00 to "
                         "\\uDFFF) must follow it",
                         u, what);
    k->i += 6;
    return 0;
}

/* The string at s[i] == '"'; i ends past its closing quote. */
static int scan_string(scan *k, const char *what)
{
    const size_t open = k->i++;
    for (;;) {
        const unsigned char ch = k->s[k->i];
        int n;
        if (ch == '"') {
            k->i++;
            return 0;
        }
        if (ch == '\0') return scan_fail(k, open, 1, "unterminated string");
        if (ch < 0x20)
            return scan_fail(k, k->i, 0,
                             "a raw control character (0x%02x) in %s; escape it (\\n, \\t, "
                             "\\u00%02x)",
                             ch, what, ch);
        if (ch == '\\') {
            if (scan_escape(k, what)) return -1;
            continue;
        }
        if (!(n = utf8_len(k->s + k->i)))
            return scan_fail(k, k->i, 0,
                             "invalid UTF-8 (byte 0x%02x) in %s; save the file as UTF-8", ch, what);
        k->i += (size_t)n;
    }
}

/* RFC 8259 §6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?, over the
 * bytes cJSON would take for the number ([0-9+-.eE]), so the message shows
 * what was written. */
static int scan_number(scan *k)
{
    const char *p = (const char *)k->s + k->i, *q = p + (*p == '-');
    const size_t n = strspn(p, "0123456789+-.eE");
    const char *why = NULL;
    char tok[40], fix[40];
    if (*q == '0' && isdigit((unsigned char)q[1])) {
        const char *digits = q + strspn(q, "0");
        if (!isdigit((unsigned char)*digits)) digits--; /* "00.5": keep one zero */
        snprintf(fix, sizeof fix, "%s%.*s", *p == '-' ? "-" : "",
                 (int)(p + n - digits < 24 ? p + n - digits : 24), digits);
        why = "has a leading zero";
    } else if (!isdigit((unsigned char)*q)) {
        why = "needs a digit after its '-'";
    } else {
        q += strspn(q, "0123456789");
        if (*q == '.' && !isdigit((unsigned char)q[1])) why = "needs a digit after its '.'";
        q += *q == '.';
        q += strspn(q, "0123456789");
        if (!why && (*q == 'e' || *q == 'E')) {
            q += 1 + (q[1] == '+' || q[1] == '-');
            if (!isdigit((unsigned char)*q)) why = "needs digits in its exponent";
            q += strspn(q, "0123456789");
        }
        if (!why && q != p + n) why = "is not one number";
    }
    if (!why) {
        k->i += n;
        return 0;
    }
    snprintf(tok, sizeof tok, "%.*s", (int)(n < 24 ? n : 24), p);
    if (strcmp(why, "has a leading zero") == 0)
        return scan_fail(k, k->i, 0, "number '%s' has a leading zero (RFC 8259); write %s", tok,
                         fix);
    return scan_fail(k, k->i, 0, "number '%s' %s (RFC 8259)", tok, why);
}

static int scan_literal(scan *k, const char *word)
{
    const size_t n = strlen(word);
    if (strncmp((const char *)k->s + k->i, word, n) != 0)
        return scan_fail(k, k->i, 1, "unexpected text");
    k->i += n;
    return 0;
}

/* Steps past the closing '}' or ']' at s[i]. */
static int scan_close(scan *k)
{
    k->i++;
    return 0;
}

/* Members or items up to the closing byte; the opening one is at s[i]. */
static int scan_members(scan *k, int object)
{
    const char close = object ? '}' : ']';
    long index = 0;
    k->i++;
    skip_ws(k);
    if (k->s[k->i] == close) return scan_close(k);
    for (;; index++) {
        size_t mark;
        char part[24];
        if (object) {
            const size_t key = k->i;
            if (k->s[k->i] != '"') return scan_fail(k, k->i, 1, "expected a key");
            if (scan_string(k, "a key")) return -1;
            mark = scan_push_key(k, key + 1, k->i - 1);
            skip_ws(k);
            if (k->s[k->i++] != ':') return scan_fail(k, k->i - 1, 1, "expected ':'");
        } else {
            snprintf(part, sizeof part, "[%ld]", index);
            mark = scan_push(k, part);
        }
        if (scan_value(k)) return -1;
        scan_pop(k, mark);
        skip_ws(k);
        if (k->s[k->i] == close) return scan_close(k);
        if (k->s[k->i] != ',') return scan_fail(k, k->i, 1, "expected ',' or '%c'", close);
        k->i++;
        skip_ws(k);
    }
}

static int scan_value(scan *k)
{
    unsigned char ch;
    int st;
    skip_ws(k);
    ch = k->s[k->i];
    if (ch == '"') return scan_string(k, "a string");
    if (ch == '-' || isdigit(ch)) return scan_number(k);
    if (ch == 't' || ch == 'f' || ch == 'n')
        return scan_literal(k, ch == 't' ? "true" : ch == 'f' ? "false" : "null");
    if (ch != '{' && ch != '[') return scan_fail(k, k->i, 1, "expected a value");
    if (++k->depth > STP_JSON_MAX_DEPTH) {
        k->out->too_deep = 1;
        return scan_fail(k, k->i, 0,
                         "JSON nested too deeply (limit %d levels of objects and arrays)",
                         STP_JSON_MAX_DEPTH);
    }
    st = scan_members(k, ch == '{');
    k->depth--;
    return st;
}

int stp_json_strict(const char *text, stp_json_issue *issue)
{
    scan k;
    memset(issue, 0, sizeof *issue);
    k.s = (const unsigned char *)text;
    k.i = strncmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0; /* a BOM may be ignored (RFC 8259 §8.1) */
    k.depth = 0;
    k.len = 0;
    k.out = issue;
    if (scan_value(&k)) return -1;
    skip_ws(&k);
    return k.s[k.i] ? scan_fail(&k, k.i, 1, "text after the value") : 0;
}

void stp_json_line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    size_t i, line_start = 0;
    *line = 1;
    for (i = 0; i < off && text[i]; i++)
        if (text[i] == '\n') ++*line, line_start = i + 1;
    *col = off - line_start + 1;
}

stp_status stp_json_issue_report(stp_error *err, const char *origin, const char *text,
                                 const stp_json_issue *issue)
{
    size_t line, col;
    stp_json_line_col(text, issue->off, &line, &col);
    if (issue->too_deep)
        return stp_error_set(err, STP_EUSAGE, "%s:%zu:%zu: %s", origin, line, col, issue->why);
    return stp_error_set(err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON%s%s: %s", origin, line, col,
                         issue->path[0] ? " at " : "", issue->path, issue->why);
}
