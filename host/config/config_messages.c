/* config_messages.c: the messages of config reading (config_messages.h):
 * the JSON-path stack, "config error at PATH: ..." lines, and how user
 * text and numbers are shown in them. */
#include "config_messages.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef stp_cfg_ctx ctx;

/* Copies user text into a message: one line, at most `max` characters. */
void stp_cfg_sanitize(char *dst, size_t cap, const char *src, size_t max)
{
    size_t i = 0;
    for (; *src && i < max && i + 4 < cap; src++)
        dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? '?' : *src;
    if (*src && i + 4 <= cap) {
        memcpy(dst + i, "...", 3);
        i += 3;
    }
    dst[i] = '\0';
}

void stp_cfg_append(char *buf, size_t cap, size_t *used, const char *sep, const char *s)
{
    int n;
    if (*used >= cap) return;
    n = snprintf(buf + *used, cap - *used, "%s%s", *used ? sep : "", s);
    if (n > 0) *used = *used + (size_t)n < cap ? *used + (size_t)n : cap;
}

/* The shortest text that reads back as x (cJSON's own rule). */
void stp_cfg_fmt_num(char *buf, size_t cap, double x)
{
    if (x == floor(x) && fabs(x) < 1e16) {
        snprintf(buf, cap, "%.0f", x);
        return;
    }
    snprintf(buf, cap, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, cap, "%.17g", x);
}

/* What the user wrote, for "got ..." */
void stp_cfg_describe(char *buf, size_t cap, const cJSON *v)
{
    char s[64];
    if (!v)
        snprintf(buf, cap, "nothing");
    else if (cJSON_IsNumber(v))
        stp_cfg_fmt_num(buf, cap, v->valuedouble);
    else if (cJSON_IsString(v)) {
        stp_cfg_sanitize(s, sizeof s, v->valuestring, 40);
        snprintf(buf, cap, "\"%s\"", s);
    } else if (cJSON_IsTrue(v))
        snprintf(buf, cap, "true");
    else if (cJSON_IsFalse(v))
        snprintf(buf, cap, "false");
    else if (cJSON_IsNull(v))
        snprintf(buf, cap, "null");
    else
        snprintf(buf, cap, cJSON_IsArray(v) ? "an array" : "an object");
}

size_t stp_cfg_push_key(ctx *c, const char *key)
{
    size_t mark = c->len;
    char clean[80];
    int n;
    stp_cfg_sanitize(clean, sizeof clean, key, 64);
    n = snprintf(c->path + c->len, sizeof c->path - c->len, "%s%s", c->len ? "." : "", clean);
    if (n > 0) c->len = strlen(c->path);
    return mark;
}

size_t stp_cfg_push_index(ctx *c, int i)
{
    size_t mark = c->len;
    int n = snprintf(c->path + c->len, sizeof c->path - c->len, "[%d]", i);
    if (n > 0) c->len = strlen(c->path);
    return mark;
}

void stp_cfg_pop(ctx *c, size_t mark)
{
    c->len = mark;
    c->path[mark] = '\0';
}

/* "ORIGIN: config error at PATH.KEY: MSG"; key may be NULL (the path itself). */
stp_status stp_cfg_fail(ctx *c, const char *key, const char *fmt, ...)
{
    char msg[STP_ERROR_MAX], where[sizeof c->path + 80];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(where, sizeof where, "%s%s%s", c->path, (c->len && key) ? "." : "", key ? key : "");
    if (!where[0]) return stp_error_set(c->err, STP_EUSAGE, "%s: config error: %s", c->origin, msg);
    return stp_error_set(c->err, STP_EUSAGE, "%s: config error at %s: %s", c->origin, where, msg);
}

stp_status stp_cfg_oom(ctx *c)
{
    return stp_error_set(c->err, STP_ENOMEM, "%s: out of memory while reading the config",
                         c->origin);
}

/* User text (file names, keys, paths) may hold control characters; the
 * message stays one line whatever they are. */
stp_status stp_cfg_one_line(stp_error *err, stp_status st)
{
    char *p;
    for (p = err->msg; st && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return st;
}

int stp_cfg_exact_numbers(cJSON *node)
{
    char text[40];
    cJSON *child;
    for (child = node->child; child; child = child->next)
        if (stp_cfg_exact_numbers(child)) return -1;
    if (!cJSON_IsNumber(node)) return 0;
    snprintf(text, sizeof text, "%.15g", node->valuedouble);
    if (strtod(text, NULL) == node->valuedouble) return 0;
    snprintf(text, sizeof text, "%.17g", node->valuedouble);
    if (!(node->valuestring = cJSON_malloc(strlen(text) + 1))) return -1;
    memcpy(node->valuestring, text, strlen(text) + 1);
    node->type = cJSON_Raw;
    return 0;
}
