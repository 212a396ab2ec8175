/* json_strict.h: the strict RFC 8259 pre-scan run before cJSON, private to
 * host/config/ (not installed): config text, --set values and model files.
 * json_strict.c says why cJSON alone is not enough. */
#ifndef STAMPEDE_HOST_JSON_STRICT_H
#define STAMPEDE_HOST_JSON_STRICT_H

#include "stampede/error.h"

#include <stddef.h>

/* The first way text breaks RFC 8259 JSON, or nests past
 * STP_JSON_MAX_DEPTH (config.h). */
typedef struct stp_json_issue {
    size_t off;     /* byte offset of the problem in the text */
    int structural; /* 1: a syntax error cJSON refuses too (and reports) */
    int too_deep;   /* 1: nested past STP_JSON_MAX_DEPTH */
    char path[256]; /* JSON path of the value, e.g. "weights.w1[2]"; "" at the top */
    char why[200];  /* what is wrong, and the fix */
} stp_json_issue;

/* Scans NUL-terminated text against RFC 8259 (numbers without leading
 * zeros, strings of well-formed UTF-8 with valid escapes, no \u0000 or
 * unpaired surrogates, no raw control characters; a leading BOM is
 * ignored) and the depth limit. 0 when it passes; -1 with *issue filled at
 * the first problem. */
int stp_json_strict(const char *text, stp_json_issue *issue);

/* "ORIGIN:LINE:COLUMN: malformed JSON at PATH: WHY" for an issue that is
 * not structural (STP_EUSAGE, in err). */
stp_status stp_json_issue_report(stp_error *err, const char *origin, const char *text,
                                 const stp_json_issue *issue);

/* 1-based line and column (in bytes) of byte off of text. */
void stp_json_line_col(const char *text, size_t off, size_t *line, size_t *col);

/* Whether NUL-terminated s is well-formed UTF-8 by the rule strings are
 * scanned with (RFC 3629 §4): config_set.c checks a bare --set VALUE with it. */
int stp_utf8_valid(const char *s);

#endif
