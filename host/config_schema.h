/* config_schema.h: private to host/config.c and host/config_schema.c (not
 * installed), and to host/models.c for the strict JSON scan. config.c runs
 * the pipeline (JSON text, --set, resolving the tree against the schema,
 * the public API) and owns the messages; config_schema.c holds the schema
 * with its defaults and reads a resolved tree into stp_config. */
#ifndef STAMPEDE_HOST_CONFIG_SCHEMA_H
#define STAMPEDE_HOST_CONFIG_SCHEMA_H

#include "stampede/config.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Where in which config we are, for one-line messages. */
typedef struct stp_cfg_ctx {
    const char *origin;     /* borrowed: names the source in messages */
    char dir[STP_PATH_MAX]; /* origin's folder with its trailing '/', or "" */
    int nested;             /* 1 while checking a variant or a sweep point */
    stp_error *err;         /* borrowed: the caller's */
    size_t len;
    char path[384]; /* JSON path of the object being read, e.g. "protocols[1]" */
} stp_cfg_ctx;

/* The schema and defaults table (JSON text; see its comment). */
extern const char stp_cfg_schema_json[];

/* Reads a tree already resolved against the schema (unknown keys rejected,
 * defaults filled) into cfg: types, ranges, cross-key rules, model file
 * resolution and loading (stp_model_load). May add defaulted keys to root (vol_regime size). On failure
 * fills c->err and returns its status; cfg may hold owned set_json strings
 * either way (stp_config_destroy frees them). */
stp_status stp_cfg_read(stp_cfg_ctx *c, cJSON *root, stp_config *cfg);

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
 * the first problem (config.c). */
int stp_json_strict(const char *text, stp_json_issue *issue);

/* "ORIGIN:LINE:COLUMN: malformed JSON at PATH: WHY" for an issue that is
 * not structural (STP_EUSAGE, in err). */
stp_status stp_json_issue_report(stp_error *err, const char *origin, const char *text,
                                 const stp_json_issue *issue);

/* 1-based line and column (in bytes) of byte off of text. */
void stp_json_line_col(const char *text, size_t off, size_t *line, size_t *col);

/* Messages (config.c). */
stp_status stp_cfg_fail(stp_cfg_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
stp_status stp_cfg_oom(stp_cfg_ctx *c);
/* Appends sep (unless first) and s to the list in buf, truncating quietly. */
void stp_cfg_append(char *buf, size_t cap, size_t *used, const char *sep, const char *s);
void stp_cfg_sanitize(char *dst, size_t cap, const char *src, size_t max);
void stp_cfg_fmt_num(char *buf, size_t cap, double x);
void stp_cfg_describe(char *buf, size_t cap, const cJSON *v);
size_t stp_cfg_push_key(stp_cfg_ctx *c, const char *key);
size_t stp_cfg_push_index(stp_cfg_ctx *c, int i);
void stp_cfg_pop(stp_cfg_ctx *c, size_t mark);

#endif
