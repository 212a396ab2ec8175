/* config_schema.h: private to host/config/config.c and host/config/config_schema.c (not
 * installed); the strict JSON scan is json_strict.h. config.c runs
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
