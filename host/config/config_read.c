/* config_read.c: reads a tree already resolved against the schema into
 * stp_config (config_read.h), walking the tables of config_schema.c: each
 * scalar's type and bounds, then each section's items (protocols,
 * families with their model files, bands, shocks, output levels, the
 * experiment's variants and sweep) and their own rules; the rules across
 * sections are config_rules.c, the keys of venues and assets (DESIGN §10)
 * config_venues.c. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* stat */
#endif
#include "config_read.h"

#include "config_rules.h"
#include "config_schema.h"
#include "config_venues.h"

#include "stampede/models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The installed data folder (cmake: ${CMAKE_INSTALL_FULL_DATADIR}/stampede),
 * the last place a family's model file is looked for. */
#ifndef STP_INSTALL_DATADIR
#define STP_INSTALL_DATADIR ""
#endif

#define SHARE_TOL 1e-6
/* |size.mean| + 6 size.sd of a shock whose size is a log return or a
 * factor (gap, exploit, oracle_error): sizes are clamped to it (scenario.h) */
#define SIZE_CAP_MAX 10.0

typedef stp_cfg_ctx ctx;
typedef stp_cfg_bounds bounds;
typedef stp_cfg_field field;
typedef stp_cfg_field_kind field_kind;

/* ---------------------------------------------------------------------------
 * Typed getters */

static const cJSON *lookup(const cJSON *obj, const char *dotted)
{
    char seg[STP_NAME_MAX];
    while (obj && *dotted) {
        size_t n = strcspn(dotted, ".");
        if (n >= sizeof seg) return NULL;
        memcpy(seg, dotted, n);
        seg[n] = '\0';
        obj = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, seg) : NULL;
        dotted += n + (dotted[n] == '.');
    }
    return obj;
}

static int in_bounds(double x, bounds b)
{
    return (b.lo_open ? x > b.lo : x >= b.lo) && (b.hi_open ? x < b.hi : x <= b.hi);
}

/* A bound as people write it: 1e15 and 1e-6 rather than 1000000000000000
 * and 1e-06; other numbers as stp_cfg_fmt_num. */
static void fmt_bound(char *buf, size_t cap, double x)
{
    char sci[40], *e, *m;
    int exponent;
    stp_cfg_fmt_num(buf, cap, x);
    snprintf(sci, sizeof sci, "%.14e", x); /* d.dddddddddddddde+XX */
    if (!(e = strchr(sci, 'e'))) return;
    exponent = atoi(e + 1);
    for (m = e; m[-1] == '0'; m--)
        ;
    if (m[-1] == '.') m--;
    snprintf(m, sizeof sci - (size_t)(m - sci), "e%d", exponent);
    /* printf's own exponents (1e-06, 1e+15) always; 1e7 over 10000000 */
    if (strtod(sci, NULL) == x && (strchr(buf, 'e') || strlen(sci) + 2 <= strlen(buf)))
        snprintf(buf, cap, "%s", sci);
}

/* "a number in [0, 1)", "an integer >= 0", ..., with the bound's reason */
static void fmt_bounds(char *buf, size_t cap, bounds b, int integer)
{
    const char *what = integer ? "an integer" : "a number";
    char lo[40], hi[40], why[128] = "";
    fmt_bound(lo, sizeof lo, b.lo);
    fmt_bound(hi, sizeof hi, b.hi);
    if (b.why) snprintf(why, sizeof why, " (%s)", b.why);
    if (isinf(b.lo) && isinf(b.hi))
        snprintf(buf, cap, "%s", what);
    else if (isinf(b.hi))
        snprintf(buf, cap, "%s %s %s%s", what, b.lo_open ? ">" : ">=", lo, why);
    else
        snprintf(buf, cap, "%s in %c%s, %s%c%s", what, b.lo_open ? '(' : '[', lo, hi,
                 b.hi_open ? ')' : ']', why);
}

static stp_status get_number(ctx *c, const char *key, const cJSON *v, int integer, bounds b,
                             double *x)
{
    char want[256], got[96];
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
        (!integer || v->valuedouble == floor(v->valuedouble)) && in_bounds(v->valuedouble, b)) {
        *x = v->valuedouble;
        return STP_OK;
    }
    if (!v) return stp_cfg_fail(c, key, "missing required key");
    fmt_bounds(want, sizeof want, b, integer);
    stp_cfg_describe(got, sizeof got, v);
    return stp_cfg_fail(c, key, "must be %s; got %s", want, got);
}

static stp_status range_end(ctx *c, const cJSON *v, int i, bounds b, double *x)
{
    size_t mark = stp_cfg_push_index(c, i);
    stp_status st = get_number(c, NULL, v, 0, b, x);
    stp_cfg_pop(c, mark);
    return st;
}

/* A number (lo == hi) or [lo, hi] with lo <= hi, both within b. */
static stp_status read_range(ctx *c, const char *key, const cJSON *v, bounds b, stp_range *out)
{
    char want[256], got[96];
    size_t mark;
    stp_status st;
    if (cJSON_IsNumber(v)) {
        st = get_number(c, key, v, 0, b, &out->lo);
        out->hi = out->lo;
        return st;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) {
        fmt_bounds(want, sizeof want, b, 0);
        stp_cfg_describe(got, sizeof got, v);
        return stp_cfg_fail(c, key, "must be %s or a range [lo, hi] of them; got %s", want, got);
    }
    mark = stp_cfg_push_key(c, key);
    st = range_end(c, v->child, 0, b, &out->lo);
    if (!st) st = range_end(c, v->child->next, 1, b, &out->hi);
    if (!st && out->lo > out->hi) st = stp_cfg_fail(c, NULL, "range [lo, hi] needs lo <= hi");
    stp_cfg_pop(c, mark);
    return st;
}

static void store(field_kind kind, void *dst, double x)
{
    if (kind == F_NUM)
        *(double *)dst = x;
    else if (kind == F_INT)
        *(int *)dst = (int)x;
    else if (kind == F_LLONG)
        *(long long *)dst = (long long)x;
    else if (kind == F_SEED)
        *(unsigned long long *)dst = (unsigned long long)x;
}

static stp_status read_field(ctx *c, const cJSON *obj, const field *f, void *dst)
{
    const cJSON *v = lookup(obj, f->key);
    char got[96];
    double x;
    if (!v) return stp_cfg_fail(c, f->key, "missing required key");
    if (f->kind == F_RANGE) return read_range(c, f->key, v, f->b, (stp_range *)dst);
    if (f->kind == F_BOOL) {
        if (cJSON_IsBool(v))
            *(int *)dst = cJSON_IsTrue(v);
        else
            stp_cfg_describe(got, sizeof got, v);
        return cJSON_IsBool(v) ? STP_OK
                               : stp_cfg_fail(c, f->key, "must be true or false; got %s", got);
    }
    if (get_number(c, f->key, v, f->kind != F_NUM, f->b, &x)) return c->err->status;
    store(f->kind, dst, x);
    return STP_OK;
}

/* Every scalar of table t, below obj, into base + its offset. */
static stp_status read_fields(ctx *c, const cJSON *obj, const stp_cfg_fields *t, void *base)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        if (read_field(c, obj, &t->f[i], (char *)base + t->f[i].off)) return c->err->status;
    return STP_OK;
}

static stp_status get_enum(ctx *c, const cJSON *obj, const char *key, const char *const *names,
                           int *out)
{
    const cJSON *v = lookup(obj, key);
    char got[96], list[160] = "", quoted[40];
    size_t used = 0;
    int i;
    for (i = 0; names[i]; i++) {
        if (cJSON_IsString(v) && strcmp(v->valuestring, names[i]) == 0) {
            *out = i;
            return STP_OK;
        }
        snprintf(quoted, sizeof quoted, "\"%s\"", names[i]);
        stp_cfg_append(list, sizeof list, &used, " | ", quoted);
    }
    if (!v) return stp_cfg_fail(c, key, "missing required key");
    stp_cfg_describe(got, sizeof got, v);
    return stp_cfg_fail(c, key, "must be one of %s; got %s", list, got);
}

/* A non-empty string shorter than cap; with `name`, also no '/', no
 * control characters and not "." or ".." (names become HDF5 group names,
 * where those mean paths). */
static stp_status get_string(ctx *c, const cJSON *obj, const char *key, char *out, size_t cap,
                             int name)
{
    const cJSON *v = lookup(obj, key);
    const char *p;
    char got[96];
    int ok = cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) < cap;
    for (p = ok && name ? v->valuestring : ""; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f) ok = 0;
    if (ok && name && (!strcmp(v->valuestring, ".") || !strcmp(v->valuestring, ".."))) ok = 0;
    if (ok) {
        memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
        return STP_OK;
    }
    if (!v) return stp_cfg_fail(c, key, "missing required key");
    stp_cfg_describe(got, sizeof got, v);
    if (name)
        return stp_cfg_fail(c, key,
                            "must be a name of 1 to %zu characters without '/' or control "
                            "characters, not \".\" or \"..\"; got %s",
                            cap - 1, got);
    return stp_cfg_fail(c, key, "must be a non-empty string of at most %zu bytes; got %s", cap - 1,
                        got);
}

typedef stp_status (*item_reader)(ctx *c, cJSON *item, int i, stp_config *cfg);

/* Array `key` of obj, min..max objects, each read by fn; *n counts them. */
static stp_status read_items(ctx *c, const cJSON *obj, const char *key, int min, int max, int *n,
                             item_reader fn, stp_config *cfg)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
    size_t mark = stp_cfg_push_key(c, key);
    int size = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0, i = 0;
    char got[96];
    stp_status st = STP_OK;
    stp_cfg_describe(got, sizeof got, arr);
    if (!arr && min > 0)
        st = stp_cfg_fail(c, NULL, "missing required key");
    else if (arr && !cJSON_IsArray(arr))
        st = stp_cfg_fail(c, NULL, "must be an array; got %s", got);
    else if (size < min || size > max)
        st = stp_cfg_fail(c, NULL, "must have %d to %d items; got %d", min, max, size);
    for (it = st ? NULL : arr ? arr->child : NULL; it && !st; it = it->next, i++) {
        size_t m = stp_cfg_push_index(c, i);
        stp_cfg_describe(got, sizeof got, it);
        st = cJSON_IsObject(it) ? fn(c, it, i, cfg)
                                : stp_cfg_fail(c, NULL, "must be an object; got %s", got);
        stp_cfg_pop(c, m);
    }
    *n = st ? 0 : i;
    stp_cfg_pop(c, mark);
    return st;
}

/* Shares of an array's items must sum to 1 (they split one total). */
static stp_status check_shares(ctx *c, const char *array, double sum)
{
    char got[40];
    if (fabs(sum - 1.0) <= SHARE_TOL) return STP_OK;
    stp_cfg_fmt_num(got, sizeof got, sum);
    return stp_cfg_fail(c, array,
                        "the shares of %s[].share sum to %s; they must sum to 1 (within 1e-6)",
                        array, got);
}

/* ---------------------------------------------------------------------------
 * Sections */

static stp_status read_protocol(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_protocol_spec *p = &cfg->protocols[i];
    int j;
    if (get_string(c, it, "name", p->name, sizeof p->name, 1) ||
        read_fields(c, it, &stp_cfg_protocol_fields, p))
        return c->err->status;
    for (j = 0; j < i; j++)
        if (strcmp(cfg->protocols[j].name, p->name) == 0)
            return stp_cfg_fail(c, "name", "duplicate protocol name '%s'; names must be unique",
                                p->name);
    /* Aave v3 (PoolConfigurator.configureReserveAsCollateral) requires
     * LT * (1 + LB) <= 1: otherwise liquidating a position at HF just below 1
     * seizes more collateral than it has, and every liquidation is bad debt. */
    if (p->liquidation_threshold * (1.0 + p->liquidation_bonus) > 1.0 + 1e-12)
        return stp_cfg_fail(
            c, "liquidation_bonus",
            "liquidation_threshold * (1 + liquidation_bonus) must be <= 1 (Aave v3 rule)");
    return STP_OK;
}

/* With "venues" the shares split each venue's collateral: they sum to 1
 * within each venue (config_venues.c), not over all protocols. */
static stp_status read_protocols(ctx *c, const cJSON *root, stp_config *cfg)
{
    double sum = 0;
    int i;
    if (read_items(c, root, "protocols", 1, STP_MAX_PROTOCOLS, &cfg->n_protocols, read_protocol,
                   cfg))
        return c->err->status;
    if (cJSON_GetObjectItemCaseSensitive(root, "venues")) return STP_OK;
    for (i = 0; i < cfg->n_protocols; i++)
        sum += cfg->protocols[i].share;
    return check_shares(c, "protocols", sum);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* DESIGN §5a: a relative model path is looked for in the config's folder,
 * its parent, then the installed models folder; the first file found wins. */
static stp_status resolve_model(ctx *c, stp_family_spec *f)
{
    char cand[3][STP_PATH_MAX], tried[3 * STP_PATH_MAX + 8] = "";
    const char *base = strrchr(f->model, '/') ? strrchr(f->model, '/') + 1 : f->model;
    int n = 0, i;
    size_t used = 0;
    if (f->model[0] == '/')
        n += snprintf(cand[n], STP_PATH_MAX, "%s", f->model) < STP_PATH_MAX;
    else {
        n += snprintf(cand[n], STP_PATH_MAX, "%s%s", c->dir, f->model) < STP_PATH_MAX;
        n += snprintf(cand[n], STP_PATH_MAX, "%s../%s", c->dir, f->model) < STP_PATH_MAX;
        if (STP_INSTALL_DATADIR[0] && base[0])
            n += snprintf(cand[n], STP_PATH_MAX, "%s/models/%s", STP_INSTALL_DATADIR, base) <
                 STP_PATH_MAX;
    }
    for (i = 0; i < n; i++) {
        if (is_file(cand[i])) {
            memcpy(f->model_resolved, cand[i], strlen(cand[i]) + 1);
            return STP_OK;
        }
        stp_cfg_append(tried, sizeof tried, &used, ", ", cand[i]);
    }
    return stp_cfg_fail(c, "model", "model file '%s' not found (looked in %s); fix the path",
                        f->model, tried);
}

/* The family's model file, loaded and checked by the loader the population
 * uses (stp_model_load), so a file `validate` accepts is one `run` loads.
 * Keeps the loader's status: a file that cannot be read is STP_EIO. */
static stp_status check_model(ctx *c, stp_family_spec *f)
{
    stp_model m;
    stp_error why = {STP_OK, ""};
    const stp_status st = stp_model_load(&m, f->model_resolved, &why);
    f->n_params = st == STP_OK ? m.n_params : 0;
    if (st == STP_OK) return STP_OK;
    if (st == STP_ENOMEM) return stp_cfg_oom(c);
    stp_cfg_fail(c, "model",
                 "model file '%s' cannot be used (%s); fix or regenerate it, or choose another",
                 f->model, why.msg);
    c->err->status = st;
    return st;
}

static stp_status read_family(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_family_spec *f = &cfg->population.families[i];
    if (get_string(c, it, "model", f->model, sizeof f->model, 0) ||
        read_fields(c, it, &stp_cfg_family_fields, f) || resolve_model(c, f))
        return c->err->status;
    return check_model(c, f);
}

/* Model diversity (DESIGN §3.5) is a requirement on the population. */
static stp_status check_family_caps(ctx *c, stp_config *cfg)
{
    char share[40], cap[40];
    int i;
    for (i = 0; i < cfg->population.n_families; i++) {
        const stp_family_spec *f = &cfg->population.families[i];
        size_t mark;
        stp_status st;
        if (f->share <= cfg->population.max_family_share) continue;
        stp_cfg_fmt_num(share, sizeof share, f->share);
        stp_cfg_fmt_num(cap, sizeof cap, cfg->population.max_family_share);
        mark = stp_cfg_push_key(c, "population.families");
        stp_cfg_push_index(c, i);
        st = stp_cfg_fail(
            c, "share",
            "family '%s' has share %s, above population.max_family_share %s; lower it or "
            "raise the cap",
            f->model, share, cap);
        stp_cfg_pop(c, mark);
        return st;
    }
    return STP_OK;
}

static stp_status read_population(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *pop_obj = cJSON_GetObjectItemCaseSensitive(root, "population");
    size_t mark = stp_cfg_push_key(c, "population");
    double sum = 0;
    int i;
    stp_status st = read_items(c, pop_obj, "families", 1, STP_MAX_FAMILIES,
                               &cfg->population.n_families, read_family, cfg);
    for (i = 0; i < cfg->population.n_families; i++)
        sum += cfg->population.families[i].share;
    if (!st) st = check_shares(c, "families", sum);
    stp_cfg_pop(c, mark);
    return st ? st : check_family_caps(c, cfg);
}

static stp_status read_band(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_band_spec *b = &cfg->mitigations.tiered_liquidation.bands[i];
    if (read_fields(c, it, &stp_cfg_band_fields, b)) return c->err->status;
    if (i > 0 && b->hf_below >= b[-1].hf_below)
        return stp_cfg_fail(c, "hf_below", "bands must be listed by strictly decreasing hf_below");
    return STP_OK;
}

static stp_status read_bands(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *tl = lookup(root, "mitigations.tiered_liquidation");
    size_t mark = stp_cfg_push_key(c, "mitigations.tiered_liquidation");
    stp_status st = read_items(c, tl, "bands", 0, STP_MAX_BANDS,
                               &cfg->mitigations.tiered_liquidation.n_bands, read_band, cfg);
    if (!st && cfg->mitigations.tiered_liquidation.enabled &&
        cfg->mitigations.tiered_liquidation.n_bands == 0)
        st = stp_cfg_fail(c, "bands", "needs at least one band when tiered_liquidation is enabled");
    stp_cfg_pop(c, mark);
    return st;
}

/* The AMM needs a fee below 1 at any sync fraction, full sync included. */
static stp_status check_fee(ctx *c, const stp_config *cfg)
{
    char sum[40];
    const double top =
        cfg->mitigations.progressive_fee.base + cfg->mitigations.progressive_fee.slope;
    size_t mark;
    stp_status st;
    if (top < 1.0) return STP_OK;
    stp_cfg_fmt_num(sum, sizeof sum, top);
    mark = stp_cfg_push_key(c, "mitigations.progressive_fee");
    st = stp_cfg_fail(c, "slope",
                      "base + slope is %s, the fee at full sync; it must stay below 1: lower the "
                      "slope",
                      sum);
    stp_cfg_pop(c, mark);
    return st;
}

/* Exactly one of rate_per_path (Poisson mean) and count (exact number). */
static stp_status read_shock_count(ctx *c, const cJSON *it, stp_shock_spec *s)
{
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(it, "rate_per_path");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(it, "count");
    double x;
    if (!rate && !count)
        return stp_cfg_fail(c, NULL,
                            "needs rate_per_path (Poisson mean per path) or count (exact number)");
    if (rate && count) return stp_cfg_fail(c, NULL, "give rate_per_path or count, not both");
    s->has_count = count != NULL;
    if (get_number(c, count ? "count" : "rate_per_path", count ? count : rate, count != NULL,
                   count ? stp_cfg_shock_count_bounds : stp_cfg_shock_rate_bounds, &x))
        return c->err->status;
    if (count)
        s->count = (int)x;
    else
        s->rate_per_path = x;
    return STP_OK;
}

/* exploit: the protocol whose collateral is hit, by name. Other kinds may
 * name one too (the §5a example does on a gap): it must exist, and is
 * ignored (protocol -1). */
static stp_status read_shock_protocol(ctx *c, const cJSON *it, stp_shock_spec *s,
                                      const stp_config *cfg)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "protocol");
    char got[96], names[STP_MAX_PROTOCOLS * (STP_NAME_MAX + 2)] = "";
    size_t used = 0;
    int i;
    s->protocol = -1;
    if (!p && s->kind != STP_SHOCK_EXPLOIT) return STP_OK;
    if (!p)
        return stp_cfg_fail(c, "protocol", "missing; an exploit shock names the protocol it hits");
    for (i = 0; i < cfg->n_protocols; i++) {
        if (cJSON_IsString(p) && strcmp(p->valuestring, cfg->protocols[i].name) == 0) {
            s->protocol = s->kind == STP_SHOCK_EXPLOIT ? i : -1;
            return STP_OK;
        }
        stp_cfg_append(names, sizeof names, &used, ", ", cfg->protocols[i].name);
    }
    stp_cfg_describe(got, sizeof got, p);
    return stp_cfg_fail(c, "protocol", "unknown protocol %s; protocols[].name are: %s", got, names);
}

/* A vol regime has no size: default its mean to 0, in the tree too (first,
 * as in the schema), so the resolved config shows what was used. */
static stp_status default_size_mean(ctx *c, cJSON *size)
{
    cJSON *mean;
    if (!cJSON_IsObject(size) || cJSON_GetObjectItemCaseSensitive(size, "mean")) return STP_OK;
    if (!(mean = cJSON_AddNumberToObject(size, "mean", 0))) return stp_cfg_oom(c);
    cJSON_DetachItemViaPointer(size, mean);
    cJSON_InsertItemInArray(size, 0, mean); /* cannot fail: size has a child (sd) */
    return STP_OK;
}

/* A gap's or an exploit's size is a log return, an oracle_error's a
 * factor 1 + size: the largest drawn, |mean| + 6 sd (scenario.h clamps to
 * it), must keep float32 prices finite. Withdrawals are clamped to the
 * pool, delays to the horizon, and a vol regime has no size. */
static stp_status check_size_cap(ctx *c, const stp_shock_spec *s)
{
    const double cap = fabs(s->size.mean) + 6.0 * s->size.sd;
    char got[40];
    if (s->kind != STP_SHOCK_GAP && s->kind != STP_SHOCK_EXPLOIT &&
        s->kind != STP_SHOCK_ORACLE_ERROR && s->kind != STP_SHOCK_DEPEG)
        return STP_OK;
    if (cap <= SIZE_CAP_MAX) return STP_OK;
    stp_cfg_fmt_num(got, sizeof got, cap);
    return stp_cfg_fail(c, "size",
                        "|size.mean| + 6 size.sd is %s, the largest %s size drawn; at most 10, "
                        "or float32 prices overflow: lower size.mean or size.sd",
                        got, stp_shock_kind_name(s->kind));
}

static stp_status read_shock(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_shock_spec *s = &cfg->scenario.shocks[i];
    cJSON *size = cJSON_GetObjectItemCaseSensitive(it, "size");
    int kind;
    if (get_enum(c, it, "kind", stp_cfg_shock_kinds, &kind)) return c->err->status;
    s->kind = (stp_shock_kind)kind;
    if ((s->kind == STP_SHOCK_VOL_REGIME || s->kind == STP_SHOCK_BRIDGE_HALT) &&
        default_size_mean(c, size))
        return c->err->status;
    if (read_shock_count(c, it, s) || read_fields(c, it, &stp_cfg_shock_fields, s) ||
        read_shock_protocol(c, it, s, cfg))
        return c->err->status;
    if (s->kind == STP_SHOCK_LIQUIDITY_WITHDRAWAL && fabs(s->size.mean) > 1)
        return stp_cfg_fail(c, "size.mean",
                            "must be in [-1, 1] for liquidity_withdrawal (|size| is the "
                            "fraction of the pool's liquidity removed)");
    if (s->kind == STP_SHOCK_ORACLE_ERROR && !(fabs(s->size.mean) < 1))
        return stp_cfg_fail(c, "size.mean",
                            "must be in (-1, 1) for oracle_error (the oracle reports the price "
                            "times 1 + size)");
    if (s->time_s.hi > cfg->time.horizon_s)
        return stp_cfg_fail(c, "time_s", "must end by time.horizon_s; a later shock never happens");
    return check_size_cap(c, s);
}

static stp_status read_levels(ctx *c, const cJSON *output, const char *key, double *dst, int *n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(output, key), *v;
    size_t mark = stp_cfg_push_key(c, key);
    char got[96];
    stp_status st = STP_OK;
    *n = 0;
    stp_cfg_describe(got, sizeof got, arr);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > STP_MAX_LEVELS)
        st = stp_cfg_fail(c, NULL, "must be an array of at most %d levels in (0, 1); got %s",
                          STP_MAX_LEVELS, got);
    for (v = st ? NULL : arr->child; v && !st; v = v->next) {
        size_t m = stp_cfg_push_index(c, *n);
        st = get_number(c, NULL, v, 0, stp_cfg_level_bounds, &dst[*n]);
        stp_cfg_pop(c, m);
        *n += !st;
    }
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_output(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(root, "output");
    size_t mark = stp_cfg_push_key(c, "output");
    stp_status st =
        read_levels(c, output, "quantiles", cfg->output.quantiles, &cfg->output.n_quantiles);
    if (!st)
        st = read_levels(c, output, "es_levels", cfg->output.es_levels, &cfg->output.n_es_levels);
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_enums(ctx *c, const cJSON *root, stp_config *cfg)
{
    int kind, dist, mode, objective, release;
    if (get_enum(c, root, "experiment.kind", stp_cfg_experiment_kinds, &kind) ||
        get_enum(c, root, "mitigations.circuit_breaker.release", stp_cfg_releases, &release) ||
        get_enum(c, root, "experiment.search.objective", stp_cfg_objectives, &objective) ||
        get_enum(c, root, "market.noise.dist", stp_cfg_noise_dists, &dist) ||
        get_enum(c, root, "scenario.mode", stp_cfg_scenario_modes, &mode))
        return c->err->status;
    cfg->experiment.kind = (stp_experiment_kind)kind;
    cfg->experiment.search_objective = (stp_search_objective)objective;
    cfg->market.noise_dist = (stp_noise_dist)dist;
    cfg->scenario.mode = (stp_scenario_mode)mode;
    cfg->mitigations.circuit_breaker.release = (stp_release)release;
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Experiment */

static int names_section(const char *key, const char *section)
{
    const size_t n = strlen(section);
    return strncmp(key, section, n) == 0 && (key[n] == '\0' || key[n] == '.' || key[n] == '[');
}

/* Keys every point of an experiment shares: the experiment itself, and
 * run.* (paths, seed, batch), so that path i of every variant sees the
 * same market noise and the variants pair up path by path. */
static const char *names_shared(const char *key)
{
    if (names_section(key, "experiment")) return "experiment";
    return names_section(key, "run") ? "run" : NULL;
}

static stp_status read_variant(ctx *c, cJSON *it, int i, stp_config *cfg)
{
    stp_variant_spec *v = &cfg->experiment.variants[i];
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(it, "set"), *m;
    cJSON *copy;
    char got[96], *text;
    int j;
    if (get_string(c, it, "name", v->name, sizeof v->name, 1)) return c->err->status;
    if (strchr(v->name, '@')) /* "SERIES@VALUE" names a sweep's points */
        return stp_cfg_fail(c, "name", "'%s' cannot be a variant name: drop the '@'", v->name);
    for (j = 0; j <= i; j++)
        if (strcmp(j < i ? cfg->experiment.variants[j].name : cfg->experiment.name, v->name) == 0)
            return stp_cfg_fail(c, "name",
                                "'%s' is already taken (variant names and experiment.name "
                                "must be unique)",
                                v->name);
    stp_cfg_describe(got, sizeof got, set);
    if (!cJSON_IsObject(set))
        return stp_cfg_fail(c, "set", "must be an object of overrides {\"a.b.c\": value}; got %s",
                            got);
    for (m = set->child; m; m = m->next) {
        size_t mark;
        stp_status st;
        const char *shared = names_shared(m->string);
        if (!shared) continue;
        mark = stp_cfg_push_key(c, "set");
        stp_cfg_push_key(c, m->string);
        st = stp_cfg_fail(c, NULL,
                          "a variant cannot change %s settings (every variant runs the same "
                          "paths, seed and batch, so their paths pair up); set them for the "
                          "whole experiment",
                          shared);
        stp_cfg_pop(c, mark);
        return st;
    }
    /* printed exactly, on a copy (cJSON alone prints 15 digits that read
     * back merely close; the tree is the resolved config's) */
    if (!(copy = cJSON_Duplicate(set, 1)) || stp_cfg_exact_numbers(copy) ||
        !(text = cJSON_PrintUnformatted(copy))) {
        cJSON_Delete(copy);
        return stp_cfg_oom(c);
    }
    cJSON_Delete(copy);
    v->set_json = malloc(strlen(text) + 1);
    if (v->set_json) memcpy(v->set_json, text, strlen(text) + 1);
    cJSON_free(text);
    return v->set_json ? STP_OK : stp_cfg_oom(c);
}

static stp_status read_sweep(ctx *c, const cJSON *exp, stp_config *cfg)
{
    const cJSON *sweep = cJSON_GetObjectItemCaseSensitive(exp, "sweep"), *vals, *v;
    size_t mark;
    stp_status st;
    int n = 0;
    if (!sweep)
        return cfg->experiment.kind == STP_EXP_SWEEP
                   ? stp_cfg_fail(c, "sweep",
                                  "missing; experiment.kind \"sweep\" needs "
                                  "{\"param\": \"a.b.c\", \"values\": [...]}")
                   : STP_OK;
    mark = stp_cfg_push_key(c, "sweep");
    st = get_string(c, sweep, "param", cfg->experiment.sweep_param,
                    sizeof cfg->experiment.sweep_param, 0);
    if (!st && names_shared(cfg->experiment.sweep_param))
        st = stp_cfg_fail(c, "param",
                          "a sweep cannot change %s settings (every point runs the same paths, "
                          "seed and batch); sweep a model parameter",
                          names_shared(cfg->experiment.sweep_param));
    vals = cJSON_GetObjectItemCaseSensitive(sweep, "values");
    if (!st && (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) < 1 ||
                cJSON_GetArraySize(vals) > STP_MAX_SWEEP))
        st = stp_cfg_fail(c, "values", "must be an array of 1 to %d numbers", STP_MAX_SWEEP);
    for (v = st ? NULL : vals->child; v && !st; v = v->next, n++) {
        size_t m = stp_cfg_push_key(c, "values");
        stp_cfg_push_index(c, n);
        st = get_number(c, NULL, v, 0, stp_cfg_any_bounds, &cfg->experiment.sweep_values[n]);
        stp_cfg_pop(c, m);
    }
    cfg->experiment.n_sweep_values = st ? 0 : n;
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_experiment(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "experiment");
    size_t mark = stp_cfg_push_key(c, "experiment");
    stp_status st =
        get_string(c, exp, "name", cfg->experiment.name, sizeof cfg->experiment.name, 1);
    if (!st)
        st = read_items(c, exp, "variants", 0, STP_MAX_VARIANTS, &cfg->experiment.n_variants,
                        read_variant, cfg);
    if (!st && cfg->experiment.kind == STP_EXP_COMPARE && cfg->experiment.n_variants == 0)
        st = stp_cfg_fail(c, "variants",
                          "must list at least one variant when experiment.kind is "
                          "\"compare\"");
    if (!st) st = read_sweep(c, exp, cfg);
    stp_cfg_pop(c, mark);
    return st;
}

static stp_status read_scenario(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *scenario = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    size_t mark = stp_cfg_push_key(c, "scenario");
    stp_status st = read_items(c, scenario, "shocks", 0, STP_MAX_SHOCKS, &cfg->scenario.n_shocks,
                               read_shock, cfg);
    stp_cfg_pop(c, mark);
    return st;
}

/* ---------------------------------------------------------------------------
 * Entry point */

stp_status stp_cfg_read(ctx *c, cJSON *root, stp_config *cfg)
{
    /* scalars and time first: shocks are checked against the horizon,
     * family shares against max_family_share */
    if (read_fields(c, root, &stp_cfg_config_fields, cfg) || read_enums(c, root, cfg) ||
        stp_cfg_check_cross(c, cfg) || read_protocols(c, root, cfg) ||
        read_population(c, root, cfg) || read_bands(c, root, cfg) || check_fee(c, cfg) ||
        read_scenario(c, root, cfg) || read_output(c, root, cfg) || read_experiment(c, root, cfg) ||
        stp_cfg_read_venues(c, root, cfg) || stp_cfg_check_modes(c, cfg))
        return c->err->status;
    return STP_OK;
}
