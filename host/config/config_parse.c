/* config_parse.c: JSON text to one validated stp_config (config_parse.h).
 *
 * Pipeline (stp_cfg_parse):
 * - parse_text: stp_json_strict (RFC 8259, depth), then cJSON; malformed
 *   text is reported as FILE:LINE:COL.
 * - resolve_object: against stp_cfg_schema_json (config_schema.c): unknown
 *   keys (with the nearest valid name), duplicate keys, object and array
 *   shapes; fills in defaults and puts keys in the schema's order.
 * - stp_cfg_apply_sets (config_set.c): the --set overrides; then resolve
 *   again, so an override naming an unknown key gets the same error.
 * - stp_cfg_read (config_read.c): leaf types, ranges, cross-key rules,
 *   model file search and load, into stp_config.
 * - check_variants, check_sweep: each experiment variant and sweep value is
 *   applied to a copy and validated like the base, so `validate` finds them.
 * The resolved tree, printed, is cfg->resolved_json. config.c then builds
 * every point of a compare or sweep as the run builds it
 * (stp_config_check_points, config_points.c) and every venue's config
 * (config_venue.c), each through this pipeline again. */
#include "config_parse.h"

#include "config_read.h"
#include "config_schema.h"
#include "config_set.h"
#include "json_strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef stp_cfg_ctx ctx;

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
        stp_status st =
            value ? stp_cfg_set_path(copy, m->string, value, why, sizeof why) : STP_ENOMEM;
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
        stp_status st =
            copy && num ? stp_cfg_set_path(copy, cfg->experiment.sweep_param, num, why, sizeof why)
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
 * Text and the pipeline */

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
    return stp_cfg_exact_numbers(node) ? stp_cfg_oom(c) : STP_OK;
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

/* origin: the file, the base of model paths; shown: its name in messages
 * (NULL: origin); nested: leave out the variants' and sweep's checks. */
static stp_status parse(stp_config **out, const char *json, const char *origin, const char *shown,
                        const char *const *sets, int n_sets, int nested, stp_error *err)
{
    stp_config *cfg = NULL;
    cJSON *root = NULL, *schema = NULL;
    ctx c;
    if (init_ctx(&c, origin, err)) return err->status;
    if (shown) c.origin = shown;
    c.nested = nested;
    if (!json) return stp_error_set(err, STP_EUSAGE, "%s: no config text", c.origin);
    if (parse_text(&c, json, &root)) goto fail;
    if (!(schema = cJSON_Parse(stp_cfg_schema_json))) {
        stp_cfg_oom(&c);
        goto fail;
    }
    /* resolve before the overrides so they can index arrays that only
     * exist as defaults (mitigations.tiered_liquidation.bands.0...) */
    if (resolve_object(&c, root, schema) || stp_cfg_apply_sets(&c, root, sets, n_sets)) goto fail;
    if (STP_ALLOC(err, cfg, 1) || build(&c, root, schema, cfg) || finish(&c, root, origin, cfg))
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

stp_status stp_cfg_parse(stp_config **out, const char *json, const char *origin, const char *shown,
                         const char *const *sets, int n_sets, stp_error *err)
{
    return parse(out, json, origin, shown, sets, n_sets, 0, err);
}

stp_status stp_cfg_parse_one(stp_config **out, const char *json, const char *origin,
                             const char *shown, stp_error *err)
{
    return parse(out, json, origin, shown, NULL, 0, 1, err);
}

/* Here, beside the allocation: config.c and config_points.c free through
 * it without a circle back to them. */
void stp_config_destroy(stp_config *cfg)
{
    int i;
    if (!cfg) return;
    for (i = 0; i < STP_MAX_VARIANTS; i++)
        free(cfg->experiment.variants[i].set_json);
    for (i = 0; i < STP_MAX_ASSETS; i++)
        free(cfg->assets[i].set_json);
    for (i = 0; i < STP_MAX_VENUES; i++)
        free(cfg->venues[i].set_json);
    free(cfg->resolved_json);
    free(cfg);
}
