/* config.c: the run configuration of DESIGN §5a, from JSON text to a
 * validated stp_config.
 *
 * Pipeline (stp_config_parse):
 * - parse_text: stp_json_strict (RFC 8259, depth), then cJSON; malformed
 *   text is reported as FILE:LINE:COL.
 * - resolve_object: against stp_cfg_schema_json (config_schema.c): unknown
 *   keys (with the nearest valid name), duplicate keys, object and array
 *   shapes; fills in defaults and puts keys in the schema's order.
 * - apply_sets: the --set overrides; then resolve again, so an override
 *   naming an unknown key gets the same error.
 * - stp_cfg_read (config_schema.c): leaf types, ranges, cross-key rules,
 *   model file search and load, into stp_config.
 * - check_variants, check_sweep: each experiment variant and sweep value is
 *   applied to a copy and validated like the base, so `validate` finds them.
 * - stp_experiment_check (experiment.c): every point built as the run
 *   builds it (names, count, series x value pairs, importance pairing).
 * The resolved tree, printed, is cfg->resolved_json. */
#include "config_schema.h"
#include "json_strict.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/experiment.h"

#define CONFIG_MAX_SIZE (64u << 20) /* a config is a few KiB; refuse to slurp a disk image */
#define SET_DEPTH       16          /* levels in one --set key */

typedef stp_cfg_ctx ctx;

/* ---------------------------------------------------------------------------
 * Reading context and messages */

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

/* ---------------------------------------------------------------------------
 * Unknown keys: the nearest valid name by Levenshtein distance */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65], i, j;
    if (la > 64 || lb > 64) return (size_t)-1;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int is_items_key(const char *key)
{
    size_t n = strlen(key);
    return n >= 2 && strcmp(key + n - 2, "[]") == 0;
}

/* key is in the path already. */
static stp_status unknown_key(ctx *c, const char *key, const cJSON *schema)
{
    const cJSON *s, *best = NULL;
    size_t best_d = (size_t)-1, used = 0, limit = strlen(key) / 2;
    char list[256] = "";
    for (s = schema->child; s; s = s->next) {
        size_t d = is_items_key(s->string) ? (size_t)-1 : edit_distance(key, s->string);
        if (d < best_d) best_d = d, best = s;
        if (!is_items_key(s->string)) stp_cfg_append(list, sizeof list, &used, ", ", s->string);
    }
    if (best && best_d <= (limit > 2 ? limit : 2))
        return stp_cfg_fail(c, NULL, "unknown key; did you mean '%s'?", best->string);
    return stp_cfg_fail(c, NULL, "unknown key; valid keys here: %s", list);
}

/* Every key of user must be a schema key, and appear once. */
static stp_status check_keys(ctx *c, const cJSON *user, const cJSON *schema)
{
    const cJSON *u, *prev;
    for (u = user->child; u; u = u->next) {
        size_t mark = stp_cfg_push_key(c, u->string);
        stp_status st = STP_OK;
        const cJSON *s =
            is_items_key(u->string) ? NULL : cJSON_GetObjectItemCaseSensitive(schema, u->string);
        if (!s) st = unknown_key(c, u->string, schema);
        for (prev = user->child; !st && prev != u; prev = prev->next)
            if (strcmp(prev->string, u->string) == 0)
                st = stp_cfg_fail(c, NULL, "duplicate key; give it once");
        stp_cfg_pop(c, mark);
        if (st) return st;
    }
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Resolve: schema check, defaults, canonical order (in place) */

/* A copy of a default, leaving out keys without a default and item schemas;
 * NULL when nothing is left of an object (an optional section). */
static cJSON *dup_default(const cJSON *d, int *oom_flag)
{
    const cJSON *s;
    cJSON *o;
    if (!cJSON_IsObject(d)) {
        o = cJSON_Duplicate(d, 1);
        if (!o) *oom_flag = 1;
        return o;
    }
    if (!(o = cJSON_CreateObject())) return *oom_flag = 1, NULL;
    for (s = d->child; s; s = s->next) {
        cJSON *child =
            (cJSON_IsNull(s) || is_items_key(s->string)) ? NULL : dup_default(s, oom_flag);
        if (child && !cJSON_AddItemToObject(o, s->string, child))
            cJSON_Delete(child), *oom_flag = 1;
    }
    if (!o->child || *oom_flag) cJSON_Delete(o), o = NULL;
    return o;
}

static stp_status resolve_object(ctx *c, cJSON *user, const cJSON *schema);

static stp_status resolve_items(ctx *c, cJSON *arr, const cJSON *items)
{
    cJSON *it;
    char got[96];
    int i = 0;
    if (!cJSON_IsArray(arr)) {
        stp_cfg_describe(got, sizeof got, arr);
        return stp_cfg_fail(c, NULL, "must be an array; got %s", got);
    }
    for (it = arr->child; it; it = it->next) {
        size_t mark = stp_cfg_push_index(c, i++);
        stp_status st = resolve_object(c, it, items);
        stp_cfg_pop(c, mark);
        if (st) return st;
    }
    return STP_OK;
}

/* Moves member s->string of user to the end (so keys follow the schema),
 * resolving it, or adds its default. */
static stp_status resolve_member(ctx *c, cJSON *user, const cJSON *s, const cJSON *schema)
{
    char items_key[STP_NAME_MAX + 2];
    const cJSON *items = NULL;
    cJSON *u = cJSON_DetachItemFromObjectCaseSensitive(user, s->string);
    stp_status st = STP_OK;
    int no_mem = 0;
    snprintf(items_key, sizeof items_key, "%s[]", s->string);
    items = cJSON_GetObjectItemCaseSensitive(schema, items_key);
    if (!u && !cJSON_IsNull(s))
        u = dup_default(s, &no_mem);
    else if (u && items)
        st = resolve_items(c, u, items);
    else if (u && cJSON_IsObject(s))
        st = resolve_object(c, u, s);
    if (u && !cJSON_AddItemToObject(user, s->string, u)) cJSON_Delete(u), no_mem = 1;
    return no_mem ? stp_cfg_oom(c) : st;
}

static stp_status resolve_object(ctx *c, cJSON *user, const cJSON *schema)
{
    const cJSON *s;
    char got[96];
    if (!cJSON_IsObject(user)) {
        stp_cfg_describe(got, sizeof got, user);
        return stp_cfg_fail(c, NULL, "must be an object; got %s", got);
    }
    if (check_keys(c, user, schema)) return c->err->status;
    for (s = schema->child; s; s = s->next) {
        size_t mark;
        stp_status st;
        if (is_items_key(s->string)) continue;
        mark = stp_cfg_push_key(c, s->string);
        st = resolve_member(c, user, s, schema);
        stp_cfg_pop(c, mark);
        if (st) return st;
    }
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Overrides: "a.b.c=VALUE", "a[0].b=VALUE" or "a.0.b=VALUE" */

typedef struct seg {
    char key[STP_NAME_MAX * 2];
    long index;  /* >= 0 when the segment is a number: an array index */
    int bracket; /* written [n]: must index an array */
} seg;

static long parse_index(const char *s)
{
    long v = 0;
    size_t n = strlen(s), i;
    if (n == 0 || n > 9) return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* One segment of the key; advances *p past it and its '.'. */
static int parse_segment(const char **p, seg *s)
{
    const char *q = *p;
    size_t len;
    s->bracket = *q == '[';
    q += s->bracket;
    len = strcspn(q, s->bracket ? "]" : ".[");
    if (len == 0 || len >= sizeof s->key || (s->bracket && q[len] != ']')) return -1;
    memcpy(s->key, q, len);
    s->key[len] = '\0';
    s->index = parse_index(s->key);
    if (s->bracket && s->index < 0) return -1;
    q += len + (size_t)s->bracket;
    if (*q == '.') {
        q++;
        if (*q == '\0' || *q == '.' || *q == '[') return -1;
    } else if (*q != '\0' && *q != '[') {
        return -1;
    }
    *p = q;
    return 0;
}

static int split_key(const char *key, seg *segs)
{
    int n = 0;
    while (*key && n < SET_DEPTH)
        if (parse_segment(&key, &segs[n++])) return -1;
    return *key ? -1 : n;
}

/* The child of node that s names; a missing one is created (an array when
 * the next segment is an index). NULL, with why set, when node cannot hold s. */
static cJSON *step_into(cJSON *node, const seg *s, const seg *next, char *why, size_t cap)
{
    cJSON *child = NULL;
    int size = cJSON_GetArraySize(node), added;
    if (cJSON_IsArray(node) && (s->index < 0 || s->index > size)) {
        snprintf(why, cap, "'%.64s' is not an index of an array of %d items", s->key, size);
        return NULL;
    }
    if (cJSON_IsArray(node) && s->index < size) return cJSON_GetArrayItem(node, (int)s->index);
    if (!cJSON_IsArray(node) && s->bracket) {
        snprintf(why, cap, "[%.64s] indexes an object, not an array", s->key);
        return NULL;
    }
    child = cJSON_IsArray(node) ? NULL : cJSON_GetObjectItemCaseSensitive(node, s->key);
    if (child && !cJSON_IsObject(child) && !cJSON_IsArray(child))
        snprintf(why, cap, "'%.64s' holds a value, not an object", s->key);
    if (child) return cJSON_IsObject(child) || cJSON_IsArray(child) ? child : NULL;
    child = next->index >= 0 ? cJSON_CreateArray() : cJSON_CreateObject();
    added = child && (cJSON_IsArray(node) ? cJSON_AddItemToArray(node, child)
                                          : cJSON_AddItemToObject(node, s->key, child));
    if (!added) cJSON_Delete(child), snprintf(why, cap, "out of memory");
    return added ? child : NULL;
}

/* Puts value (consumed) at s in node. */
static int put_value(cJSON *node, const seg *s, cJSON *value, char *why, size_t cap)
{
    int size = cJSON_GetArraySize(node), ok;
    if (cJSON_IsArray(node) && (s->index < 0 || s->index > size))
        ok = 0, snprintf(why, cap, "'%.64s' is not an index of an array of %d items", s->key, size);
    else if (cJSON_IsArray(node))
        ok = s->index == size ? cJSON_AddItemToArray(node, value)
                              : cJSON_ReplaceItemInArray(node, (int)s->index, value);
    else if (s->bracket)
        ok = 0, snprintf(why, cap, "[%.64s] indexes an object, not an array", s->key);
    else if (cJSON_GetObjectItemCaseSensitive(node, s->key))
        ok = cJSON_ReplaceItemInObjectCaseSensitive(node, s->key, value);
    else
        ok = cJSON_AddItemToObject(node, s->key, value);
    if (!ok) cJSON_Delete(value);
    return ok;
}

/* Sets root's value at key (value consumed); missing objects are created.
 * Returns STP_EUSAGE with why set, or STP_ENOMEM. */
static stp_status set_path(cJSON *root, const char *key, cJSON *value, char *why, size_t cap)
{
    seg segs[SET_DEPTH];
    int n = split_key(key, segs), i;
    cJSON *node = root;
    why[0] = '\0';
    if (n <= 0) snprintf(why, cap, "expected a.b.c=VALUE (array items as a[0].b or a.0.b)");
    for (i = 0; n > 0 && node && i < n - 1; i++)
        node = step_into(node, &segs[i], &segs[i + 1], why, cap);
    if (n > 0 && node && put_value(node, &segs[n - 1], value, why, cap)) return STP_OK;
    if (n <= 0 || !node) cJSON_Delete(value);
    if (!why[0]) snprintf(why, cap, "out of memory");
    return strcmp(why, "out of memory") == 0 ? STP_ENOMEM : STP_EUSAGE;
}

static stp_status apply_set(ctx *c, cJSON *root, const char *set)
{
    const char *eq = strchr(set, '='), *end = NULL;
    char key[STP_NAME_MAX * 4], why[200], shown[120], first;
    cJSON *value;
    stp_json_issue issue;
    stp_status st;
    int strict, detail;
    stp_cfg_sanitize(shown, sizeof shown, set, 100);
    if (!eq || eq == set || (size_t)(eq - set) >= sizeof key)
        return stp_error_set(c->err, STP_EUSAGE, "--set '%s': expected a.b.c=VALUE", shown);
    memcpy(key, set, (size_t)(eq - set));
    key[eq - set] = '\0';
    /* VALUE is JSON when it parses, strictly (01 is the string "01"); a
     * bare word is a string */
    strict = stp_json_strict(eq + 1, &issue) == 0;
    detail = !strict && !issue.structural;
    value = strict ? cJSON_ParseWithOpts(eq + 1, &end, 1) : NULL;
    first = eq[1 + strspn(eq + 1, " \t")];
    if (!value && first && strchr("[{\"", first))
        return stp_error_set(c->err, STP_EUSAGE, "--set '%s': VALUE is not valid JSON%s%s%s", shown,
                             detail ? " (" : "", detail ? issue.why : "", detail ? ")" : "");
    if (!value && !stp_utf8_valid(eq + 1)) /* the resolved config must read back */
        return stp_error_set(c->err, STP_EUSAGE, "--set '%s': VALUE is not UTF-8 text", shown);
    if (!value && !(value = cJSON_CreateString(eq + 1))) return stp_cfg_oom(c);
    st = set_path(root, key, value, why, sizeof why);
    if (st == STP_ENOMEM) return stp_cfg_oom(c);
    return st ? stp_error_set(c->err, st, "--set '%s': %s", shown, why) : STP_OK;
}

static stp_status apply_sets(ctx *c, cJSON *root, const char *const *sets, int n_sets)
{
    int i;
    if (n_sets < 0 || n_sets > STP_MAX_SETS || (n_sets > 0 && !sets))
        return stp_error_set(c->err, STP_EUSAGE, "--set: at most %d overrides", STP_MAX_SETS);
    for (i = 0; i < n_sets; i++)
        if (!sets[i] || apply_set(c, root, sets[i]))
            return sets[i] ? c->err->status
                           : stp_error_set(c->err, STP_EUSAGE, "--set: missing a.b.c=VALUE");
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Building: resolve, read, and check every variant and sweep point */

static stp_status build(ctx *c, cJSON *root, const cJSON *schema, stp_config *cfg);

/* The resolved base without its experiment section (a variant or sweep
 * point is a single run). */
static cJSON *base_copy(const cJSON *root)
{
    cJSON *copy = cJSON_Duplicate(root, 1);
    if (copy) cJSON_DeleteItemFromObjectCaseSensitive(copy, "experiment");
    return copy;
}

/* Validates copy (consumed) as a config of its own, named origin. */
static stp_status check_point(const ctx *c, cJSON *copy, const cJSON *schema, const char *origin)
{
    ctx *sub = NULL;
    stp_config *scratch = NULL;
    stp_status st = STP_ENOMEM;
    if (!STP_ALLOC(c->err, sub, 1) && !STP_ALLOC(c->err, scratch, 1)) {
        *sub = *c;
        sub->origin = origin;
        sub->nested = 1;
        stp_cfg_pop(sub, 0);
        st = build(sub, copy, schema, scratch);
    }
    stp_config_destroy(scratch);
    free(sub);
    cJSON_Delete(copy);
    return st;
}

/* The variant's overrides, on copy; errors name experiment.variants[i].set.KEY. */
static stp_status apply_variant(ctx *c, cJSON *copy, const cJSON *set, int i)
{
    const cJSON *m;
    char why[200];
    for (m = set ? set->child : NULL; m; m = m->next) {
        cJSON *value = cJSON_Duplicate(m, 1);
        size_t mark;
        stp_status st = value ? set_path(copy, m->string, value, why, sizeof why) : STP_ENOMEM;
        if (st == STP_ENOMEM) return stp_cfg_oom(c);
        if (!st) continue;
        mark = stp_cfg_push_key(c, "experiment.variants");
        stp_cfg_push_index(c, i);
        stp_cfg_push_key(c, "set");
        stp_cfg_push_key(c, m->string);
        st = stp_cfg_fail(c, NULL, "%s", why);
        stp_cfg_pop(c, mark);
        return st;
    }
    return STP_OK;
}

static stp_status check_variants(ctx *c, const cJSON *root, const cJSON *schema,
                                 const stp_config *cfg)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "experiment");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(exp, "variants");
    char origin[STP_PATH_MAX + 96];
    int i = 0;
    for (v = v ? v->child : NULL; v; v = v->next, i++) {
        cJSON *copy = base_copy(root);
        if (!copy) return stp_cfg_oom(c);
        if (apply_variant(c, copy, cJSON_GetObjectItemCaseSensitive(v, "set"), i)) {
            cJSON_Delete(copy);
            return c->err->status;
        }
        snprintf(origin, sizeof origin, "%s (variant '%s')", c->origin,
                 cfg->experiment.variants[i].name);
        if (check_point(c, copy, schema, origin)) return c->err->status;
    }
    return STP_OK;
}

static stp_status check_sweep(ctx *c, const cJSON *root, const cJSON *schema, const stp_config *cfg)
{
    char origin[STP_PATH_MAX + 192], param[136], value[40], why[200];
    int i;
    stp_cfg_sanitize(param, sizeof param, cfg->experiment.sweep_param, 128);
    for (i = 0; i < cfg->experiment.n_sweep_values; i++) {
        cJSON *copy = base_copy(root), *num = cJSON_CreateNumber(cfg->experiment.sweep_values[i]);
        stp_status st = copy && num
                            ? set_path(copy, cfg->experiment.sweep_param, num, why, sizeof why)
                            : STP_ENOMEM;
        if (!copy || !num) cJSON_Delete(num);
        if (st) {
            cJSON_Delete(copy);
            return st == STP_ENOMEM ? stp_cfg_oom(c)
                                    : stp_cfg_fail(c, "experiment.sweep.param", "%s", why);
        }
        stp_cfg_fmt_num(value, sizeof value, cfg->experiment.sweep_values[i]);
        snprintf(origin, sizeof origin, "%s (sweep %s=%s)", c->origin, param, value);
        if (check_point(c, copy, schema, origin)) return c->err->status;
    }
    return STP_OK;
}

static stp_status build(ctx *c, cJSON *root, const cJSON *schema, stp_config *cfg)
{
    if (resolve_object(c, root, schema) || stp_cfg_read(c, root, cfg)) return c->err->status;
    if (c->nested) return STP_OK;
    if (check_variants(c, root, schema, cfg) || check_sweep(c, root, schema, cfg))
        return c->err->status;
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Text, files, API */

/* cJSON stops at (or one past) the first bad byte: report it as LINE:COL
 * with the text before it on its line. */
static stp_status malformed(ctx *c, const char *json, size_t off)
{
    size_t line, col, from, to;
    char near[64];
    stp_json_line_col(json, off, &line, &col);
    if (json[strspn(json, " \t\r\n")] == '\0')
        return stp_error_set(c->err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON: the text is empty",
                             c->origin, line, col);
    from = col > 25 ? off - 24 : off - (col - 1);
    from += strspn(json + from, " \t");
    to = from + strcspn(json + from, "\r\n");
    if (to > off + 8) to = off + 8;
    snprintf(near, sizeof near, "%.*s", (int)(to > from ? to - from : 0), json + from);
    stp_cfg_sanitize(near, sizeof near, near, 40);
    return stp_error_set(c->err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON near '%s'", c->origin,
                         line, col, near);
}

/* Strict first (stp_json_strict); a syntax error keeps cJSON's message,
 * or, where cJSON accepts the text anyway (a control byte as white space),
 * the scan's offset in the same form. */
static stp_status parse_text(ctx *c, const char *json, cJSON **out)
{
    const char *end = NULL;
    char got[96];
    stp_json_issue issue;
    const int strict = stp_json_strict(json, &issue) == 0;
    *out = NULL;
    if (!strict && !issue.structural) return stp_json_issue_report(c->err, c->origin, json, &issue);
    *out = cJSON_ParseWithOpts(json, &end, 1);
    if (!*out) return malformed(c, json, end ? (size_t)(end - json) : 0);
    if (!strict) return malformed(c, json, issue.off);
    if (cJSON_IsObject(*out)) return STP_OK;
    stp_cfg_describe(got, sizeof got, *out);
    return stp_cfg_fail(c, NULL, "the config must be a JSON object {...}; got %s", got);
}

static stp_status init_ctx(ctx *c, const char *origin, stp_error *err)
{
    const char *slash = origin ? strrchr(origin, '/') : NULL;
    memset(c, 0, sizeof *c);
    c->err = err;
    c->origin = origin ? origin : "<config>";
    if (origin && strlen(origin) >= STP_PATH_MAX)
        return stp_error_set(err, STP_EUSAGE, "config path too long (at most %d bytes)",
                             STP_PATH_MAX - 1);
    if (slash) memcpy(c->dir, origin, (size_t)(slash - origin) + 1);
    return STP_OK;
}

/* cJSON prints numbers with 15 significant digits and keeps that text when
 * it reads back merely close; the resolved config must read back identical,
 * so a number that needs 17 digits becomes raw "%.17g" text. The tree is
 * only printed after this. */
static stp_status exact_numbers(ctx *c, cJSON *node)
{
    char text[40];
    cJSON *child;
    for (child = node->child; child; child = child->next)
        if (exact_numbers(c, child)) return c->err->status;
    if (!cJSON_IsNumber(node)) return STP_OK;
    snprintf(text, sizeof text, "%.15g", node->valuedouble);
    if (strtod(text, NULL) == node->valuedouble) return STP_OK;
    snprintf(text, sizeof text, "%.17g", node->valuedouble);
    if (!(node->valuestring = cJSON_malloc(strlen(text) + 1))) return stp_cfg_oom(c);
    memcpy(node->valuestring, text, strlen(text) + 1);
    node->type = cJSON_Raw;
    return STP_OK;
}

/* Fills what the caller keeps beside the values: source and resolved text. */
static stp_status finish(ctx *c, cJSON *root, const char *origin, stp_config *cfg)
{
    char *text;
    if (exact_numbers(c, root)) return c->err->status;
    if (!(text = cJSON_Print(root))) return stp_cfg_oom(c);
    cfg->resolved_json = malloc(strlen(text) + 1);
    if (cfg->resolved_json) memcpy(cfg->resolved_json, text, strlen(text) + 1);
    cJSON_free(text);
    if (origin) memcpy(cfg->source_path, origin, strlen(origin) + 1);
    return cfg->resolved_json ? STP_OK : stp_cfg_oom(c);
}

/* User text (file names, keys, paths) may hold control characters; the
 * message stays one line whatever they are. */
static stp_status one_line(stp_error *err, stp_status st)
{
    char *p;
    for (p = err->msg; st && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return st;
}

/* origin: the file, the base of model paths; shown: its name in messages
 * (NULL: origin). */
static stp_status parse_config(stp_config **out, const char *json, const char *origin,
                               const char *shown, const char *const *sets, int n_sets,
                               stp_error *err)
{
    stp_config *cfg = NULL;
    cJSON *root = NULL, *schema = NULL;
    ctx c;
    if (init_ctx(&c, origin, err)) return err->status;
    if (shown) c.origin = shown;
    if (!json) return stp_error_set(err, STP_EUSAGE, "%s: no config text", c.origin);
    if (parse_text(&c, json, &root)) goto fail;
    if (!(schema = cJSON_Parse(stp_cfg_schema_json))) {
        stp_cfg_oom(&c);
        goto fail;
    }
    /* resolve before the overrides so they can index arrays that only
     * exist as defaults (mitigations.tiered_liquidation.bands.0...) */
    if (resolve_object(&c, root, schema) || apply_sets(&c, root, sets, n_sets)) goto fail;
    /* the points last: they are built from the resolved text, as run does */
    if (STP_ALLOC(err, cfg, 1) || build(&c, root, schema, cfg) || finish(&c, root, origin, cfg) ||
        stp_experiment_check(cfg, err))
        goto fail;
    *out = cfg;
    cJSON_Delete(root);
    cJSON_Delete(schema);
    return STP_OK;
fail:
    stp_config_destroy(cfg);
    cJSON_Delete(root);
    cJSON_Delete(schema);
    return err->status;
}

stp_status stp_config_parse(stp_config **out, const char *json, const char *origin,
                            const char *const *sets, int n_sets, stp_error *err)
{
    stp_error local;
    *out = NULL;
    if (!err) err = &local;
    return one_line(err, parse_config(out, json, origin, NULL, sets, n_sets, err));
}

/* The whole file as a NUL-terminated string of *len bytes (*text owned by
 * the caller). */
static stp_status read_file(const char *path, char **text, size_t *len, stp_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, got = 1;
    int read_errno = 0;
    *text = NULL;
    *len = 0;
    if (!f)
        return stp_error_set(err, STP_EIO, "cannot read config '%s': %s", path, strerror(errno));
    while (got > 0 && *len < CONFIG_MAX_SIZE) {
        if (*len + 1 >= cap) {
            if (!(grown = realloc(buf, cap = cap ? 2 * cap : 16384))) break;
            buf = grown;
        }
        got = fread(buf + *len, 1, cap - *len - 1, f);
        *len += got;
    }
    if (ferror(f)) read_errno = errno ? errno : EIO;
    fclose(f);
    if (buf && *len + 1 <= cap && !read_errno && *len < CONFIG_MAX_SIZE) {
        buf[*len] = '\0';
        *text = buf;
        return STP_OK;
    }
    free(buf);
    if (read_errno)
        return stp_error_set(err, STP_EIO, "cannot read config '%s': %s", path,
                             strerror(read_errno));
    return stp_error_set(err, buf ? STP_EUSAGE : STP_ENOMEM, "cannot read config '%s': %s", path,
                         buf ? "larger than 64 MiB" : "out of memory");
}

stp_status stp_config_load(stp_config **out, const char *path, const char *const *sets, int n_sets,
                           stp_error *err)
{
    stp_error local;
    char *text = NULL;
    size_t len, line, col;
    stp_status st;
    *out = NULL;
    if (!err) err = &local;
    if (!path) return stp_error_set(err, STP_EUSAGE, "no config file given");
    if (read_file(path, &text, &len, err)) return one_line(err, err->status);
    if (strlen(text) != len) { /* cJSON would stop there and miss the rest */
        stp_json_line_col(text, strlen(text), &line, &col);
        st = stp_error_set(err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON: a NUL byte", path, line,
                           col);
    } else {
        st = stp_config_parse(out, text, path, sets, n_sets, err);
    }
    free(text);
    return one_line(err, st);
}

void stp_config_destroy(stp_config *cfg)
{
    int i;
    if (!cfg) return;
    for (i = 0; i < STP_MAX_VARIANTS; i++)
        free(cfg->experiment.variants[i].set_json);
    free(cfg->resolved_json);
    free(cfg);
}

/* ---------------------------------------------------------------------------
 * Experiment points: each variant or sweep value as a config of its own */

/* The point's overrides as one object {"a.b.c": value}: its variant's set,
 * then the swept value, which wins over a series' own setting. */
static cJSON *point_overrides(const stp_config *base, int variant, const double *sweep_value)
{
    cJSON *o = variant >= 0 ? cJSON_Parse(base->experiment.variants[variant].set_json)
                            : cJSON_CreateObject();
    if (o && sweep_value) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, base->experiment.sweep_param);
        if (!cJSON_AddNumberToObject(o, base->experiment.sweep_param, *sweep_value)) {
            cJSON_Delete(o);
            o = NULL;
        }
    }
    return o;
}

/* root (the base) becomes the point: overrides applied, experiment = its
 * name. Each variant and each sweep value was validated on the base; a
 * series x value pair is first checked when its config is parsed. */
static stp_status point_tree(cJSON *root, const cJSON *overrides, const char *name, stp_error *err)
{
    const cJSON *m;
    cJSON *exp, *value;
    char why[200];
    stp_status st = STP_OK;
    cJSON_DeleteItemFromObjectCaseSensitive(root, "experiment");
    for (m = overrides->child; m && !st; m = m->next)
        st = (value = cJSON_Duplicate(m, 1)) ? set_path(root, m->string, value, why, sizeof why)
                                             : STP_ENOMEM;
    if (!st && (!(exp = cJSON_AddObjectToObject(root, "experiment")) ||
                !cJSON_AddStringToObject(exp, "name", name)))
        st = STP_ENOMEM;
    if (st == STP_ENOMEM)
        return stp_error_set(err, STP_ENOMEM, "out of memory building variant '%s'", name);
    return st ? stp_error_set(err, STP_EUSAGE, "variant '%s': %s", name, why) : STP_OK;
}

static char *copy_text(const char *text)
{
    char *c = text ? malloc(strlen(text) + 1) : NULL;
    if (c) memcpy(c, text, strlen(text) + 1);
    return c;
}

/* key lies under section: the section itself, a member or an array item. */
static int key_under(const char *key, const char *section)
{
    const size_t len = strlen(section);
    return strncmp(key, section, len) == 0 &&
           (key[len] == '\0' || key[len] == '.' || key[len] == '[');
}

int stp_config_point_sets_under(const stp_config *base, int variant, int has_sweep,
                                const char *section, char *key, size_t cap)
{
    cJSON *o = variant >= 0 ? cJSON_Parse(base->experiment.variants[variant].set_json) : NULL;
    const cJSON *m;
    int found = 0;
    if (variant >= 0 && !o) return -1; /* validated at load: only memory can fail */
    for (m = o ? o->child : NULL; m && !found; m = m->next)
        if (key_under(m->string, section)) {
            snprintf(key, cap, "%s", m->string);
            found = 1;
        }
    cJSON_Delete(o);
    if (!found && has_sweep && key_under(base->experiment.sweep_param, section)) {
        snprintf(key, cap, "%s", base->experiment.sweep_param);
        found = 2;
    }
    return found;
}

stp_status stp_config_point(stp_config **out, char **overrides_json, const stp_config *base,
                            int variant, const double *sweep_value, const char *name,
                            stp_error *err)
{
    cJSON *root = cJSON_Parse(base->resolved_json),
          *o = point_overrides(base, variant, sweep_value);
    const char *source = base->source_path[0] ? base->source_path : NULL;
    char *text = NULL, *set_text = NULL, shown[STP_PATH_MAX + 96];
    stp_status st = STP_OK;
    *out = NULL;
    *overrides_json = NULL;
    if (!root || !o || !(set_text = cJSON_PrintUnformatted(o)) ||
        !(*overrides_json = copy_text(set_text)))
        st = stp_error_set(err, STP_ENOMEM, "out of memory building variant '%s'", name);
    if (!st) st = point_tree(root, o, name, err);
    if (!st && !(text = cJSON_PrintUnformatted(root)))
        st = stp_error_set(err, STP_ENOMEM, "out of memory building variant '%s'", name);
    cJSON_Delete(root);
    cJSON_Delete(o);
    cJSON_free(set_text);
    /* messages name the point: "cfg.json (point 'breaker@0.1'): ..." */
    snprintf(shown, sizeof shown, "%s (point '%s')", source ? source : "<config>", name);
    if (!st) st = one_line(err, parse_config(out, text, source, shown, NULL, 0, err));
    cJSON_free(text);
    if (st) {
        free(*overrides_json);
        *overrides_json = NULL;
    }
    return st;
}
