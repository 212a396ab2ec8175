/* config_messages.h: private to host/config/ (not installed). Where in
 * which config a reader is (the JSON path of the object being read) and
 * the one-line messages built from it: "ORIGIN: config error at PATH.KEY:
 * MSG". Every other config file reports through these, so the form is
 * one. */
#ifndef STAMPEDE_HOST_CONFIG_MESSAGES_H
#define STAMPEDE_HOST_CONFIG_MESSAGES_H

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

/* "ORIGIN: config error at PATH.KEY: MSG" into c->err, STP_EUSAGE; key may
 * be NULL (the path itself). */
stp_status stp_cfg_fail(stp_cfg_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "ORIGIN: out of memory while reading the config", STP_ENOMEM. */
stp_status stp_cfg_oom(stp_cfg_ctx *c);

/* The JSON path: push a key ("a.b") or an index ("[i]"), each returning
 * the mark to pop back to. */
size_t stp_cfg_push_key(stp_cfg_ctx *c, const char *key);
size_t stp_cfg_push_index(stp_cfg_ctx *c, int i);
void stp_cfg_pop(stp_cfg_ctx *c, size_t mark);

/* Appends sep (unless first) and s to the list in buf, truncating quietly. */
void stp_cfg_append(char *buf, size_t cap, size_t *used, const char *sep, const char *s);
/* Copies user text into a message: one line, at most `max` characters. */
void stp_cfg_sanitize(char *dst, size_t cap, const char *src, size_t max);
/* The shortest text that reads back as x (cJSON's own rule): 0.3, not
 * 0.29999999999999999. */
void stp_cfg_fmt_num(char *buf, size_t cap, double x);
/* Every number of the tree that cJSON would print with 15 digits but not
 * read back identical becomes raw "%.17g" text (cJSON's own check is
 * approximate), so a tree printed and parsed again keeps its values bit
 * for bit. 0, or -1 out of memory. Print the tree only after it. */
int stp_cfg_exact_numbers(cJSON *node);

/* What the user wrote, for "got ...": a number, a quoted string, true, an
 * array, ... */
void stp_cfg_describe(char *buf, size_t cap, const cJSON *v);
/* err's message made one line (control bytes of user text become '?');
 * returns st. */
stp_status stp_cfg_one_line(stp_error *err, stp_status st);

#endif
