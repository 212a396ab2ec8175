/* config_points.c: the points of a compare or sweep experiment (config.h):
 * their names and order, each as a single-run config of its own (the
 * base with its overrides, parsed again as the run parses it), and the
 * check that config loading runs on every point, so that `validate`
 * refuses what `run` would. */
#include "config_messages.h"
#include "config_parse.h"
#include "config_set.h"
#include "config_venues.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---------------------------------------------------------------------------
 * The points: names and order */

static stp_status add_point(stp_point_spec *pts, int *n, const char *series, int variant,
                            const double *value, stp_error *err)
{
    stp_point_spec *p;
    int j, len;
    if (*n >= STP_MAX_POINTS)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at experiment: more than %d points (variants, or "
                             "series x sweep values); split the study into several runs",
                             STP_MAX_POINTS);
    p = &pts[*n];
    memset(p, 0, sizeof *p);
    snprintf(p->series, sizeof p->series, "%s", series);
    p->variant = variant;
    p->has_value = value != NULL;
    p->value = value ? *value : NAN;
    if (value) {
        char num[40];
        stp_cfg_fmt_num(num, sizeof num, *value); /* 0.3, not 0.299...9 */
        len = snprintf(p->name, sizeof p->name, "%s@%s", series, num);
    } else {
        len = snprintf(p->name, sizeof p->name, "%s", series);
    }
    if (len >= (int)sizeof p->name)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at experiment: point name '%s...' is longer than %d "
                             "characters; shorten the variant name",
                             p->name, STP_NAME_MAX - 1);
    for (j = 0; j < *n; j++)
        if (strcmp(pts[j].name, p->name) == 0)
            return stp_error_set(err, STP_EUSAGE,
                                 "config error at experiment.sweep.values: '%s' appears twice; "
                                 "list each value once",
                                 p->name);
    ++*n;
    return STP_OK;
}

stp_status stp_config_points(const stp_config *cfg, stp_point_spec *pts, int *n, stp_error *err)
{
    const int kind = cfg->experiment.kind;
    int s, v;
    *n = 0;
    if (kind == STP_EXP_SINGLE) return add_point(pts, n, cfg->experiment.name, -1, NULL, err);
    if (kind == STP_EXP_COMPARE) {
        if (add_point(pts, n, cfg->experiment.name, -1, NULL, err)) return err->status;
        for (v = 0; v < cfg->experiment.n_variants; v++)
            if (add_point(pts, n, cfg->experiment.variants[v].name, v, NULL, err))
                return err->status;
        return STP_OK;
    }
    for (s = -1; s < cfg->experiment.n_variants; s++)
        for (v = 0; v < cfg->experiment.n_sweep_values; v++)
            if (add_point(pts, n, s < 0 ? cfg->experiment.name : cfg->experiment.variants[s].name,
                          s, &cfg->experiment.sweep_values[v], err))
                return err->status;
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Each variant or sweep value as a config of its own */

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
        st = (value = cJSON_Duplicate(m, 1))
                 ? stp_cfg_set_path(root, m->string, value, why, sizeof why)
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
    /* exact numbers first: cJSON alone prints 15 digits that read back
     * merely close, and the point must keep the base's values bit for bit */
    if (!root || !o || stp_cfg_exact_numbers(o) || !(set_text = cJSON_PrintUnformatted(o)) ||
        !(*overrides_json = copy_text(set_text)))
        st = stp_error_set(err, STP_ENOMEM, "out of memory building variant '%s'", name);
    if (!st) st = point_tree(root, o, name, err);
    if (!st && (stp_cfg_exact_numbers(root) || !(text = cJSON_PrintUnformatted(root))))
        st = stp_error_set(err, STP_ENOMEM, "out of memory building variant '%s'", name);
    cJSON_Delete(root);
    cJSON_Delete(o);
    cJSON_free(set_text);
    /* messages name the point: "cfg.json (point 'breaker@0.1'): ..." */
    snprintf(shown, sizeof shown, "%s (point '%s')", source ? source : "<config>", name);
    if (!st) st = stp_cfg_one_line(err, stp_cfg_parse(out, text, source, shown, NULL, 0, err));
    cJSON_free(text);
    if (st) {
        free(*overrides_json);
        *overrides_json = NULL;
    }
    return st;
}

/* ---------------------------------------------------------------------------
 * Pairing under importance sampling, and the check at load */

/* Under importance sampling the points pair path i with path i through one
 * shared likelihood ratio (paired.h); an override of scenario.* (the tilt,
 * a shock's law, the mode itself) gives the point other weights, and a
 * difference of two differently weighted sums is no paired estimate. */
static stp_status check_pairable(const stp_config *cfg, const stp_config *point,
                                 const stp_point_spec *pt, stp_error *err)
{
    char key[STP_NAME_MAX * 4];
    int found;
    if (cfg->scenario.mode != STP_SCENARIO_IMPORTANCE &&
        point->scenario.mode != STP_SCENARIO_IMPORTANCE)
        return STP_OK;
    found =
        stp_config_point_sets_under(cfg, pt->variant, pt->has_value, "scenario", key, sizeof key);
    if (found < 0) return stp_error_set(err, STP_ENOMEM, "out of memory checking '%s'", pt->name);
    if (found == 1)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at experiment.variants[%d].set.%s: a variant may not "
                             "change scenario.* under scenario.mode \"importance\" (its paths "
                             "would carry other weights than the baseline's); drop the override "
                             "or run it as its own experiment",
                             pt->variant, key);
    if (found == 2)
        return stp_error_set(err, STP_EUSAGE,
                             "config error at experiment.sweep.param: \"%s\" is under "
                             "scenario.*, which under scenario.mode \"importance\" changes the "
                             "weights every point must share; sweep another parameter or use "
                             "scenario.mode \"random\"",
                             key);
    return STP_OK;
}

stp_status stp_config_point_of(stp_config **out, char **overrides_json, const stp_config *cfg,
                               const stp_point_spec *pt, stp_error *err)
{
    *out = NULL;
    if (cfg->experiment.kind != STP_EXP_SINGLE) {
        stp_status st = stp_config_point(out, overrides_json, cfg, pt->variant,
                                         pt->has_value ? &pt->value : NULL, pt->name, err);
        if (st == STP_OK && (st = check_pairable(cfg, *out, pt, err)) != STP_OK) {
            stp_config_destroy(*out); /* a refused point leaves nothing behind */
            free(*overrides_json);
            *out = NULL;
            *overrides_json = NULL;
        }
        return st;
    }
    if (STP_ALLOC(err, *overrides_json, 3)) return err->status;
    memcpy(*overrides_json, "{}", 3);
    return STP_OK;
}

/* err's message, prefixed by the config's name: the rules above do not
 * know it, and config loading reports in "FILE: config error at ..." form. */
static stp_status with_origin(const stp_config *cfg, stp_error *err)
{
    char msg[STP_ERROR_MAX];
    memcpy(msg, err->msg, sizeof msg);
    return stp_error_set(err, err->status, "%s: %s",
                         cfg->source_path[0] ? cfg->source_path : "<config>", msg);
}

/* A message about one of the point's venues, "ORIGIN...: ...", names the
 * point too: "ORIGIN (point 'NAME')...: ...". */
static void in_point(const stp_config *cfg, const char *name, stp_error *err)
{
    const char *origin = cfg->source_path[0] ? cfg->source_path : "<config>";
    const size_t n = strlen(origin);
    char msg[STP_ERROR_MAX];
    if (strncmp(err->msg, origin, n) != 0) return;
    memcpy(msg, err->msg, sizeof msg);
    stp_error_set(err, err->status, "%s (point '%s')%s", origin, name, msg + n);
}

stp_status stp_config_check_points(const stp_config *cfg, stp_error *err)
{
    stp_point_spec *pts = NULL;
    stp_status st;
    int n = 0, i;
    /* a single run is its own point; a search's points are its iterations */
    if (cfg->experiment.kind == STP_EXP_SINGLE || cfg->experiment.kind == STP_EXP_SEARCH)
        return STP_OK;
    if (STP_ALLOC(err, pts, STP_MAX_POINTS)) return err->status;
    if ((st = stp_config_points(cfg, pts, &n, err)) == STP_EUSAGE) with_origin(cfg, err);
    for (i = 0; st == STP_OK && i < n; i++) {
        stp_config *own = NULL;
        char *overrides = NULL;
        st = stp_config_point(&own, &overrides, cfg, pts[i].variant,
                              pts[i].has_value ? &pts[i].value : NULL, pts[i].name, err);
        if (st == STP_OK && (st = check_pairable(cfg, own, &pts[i], err)) == STP_EUSAGE)
            with_origin(cfg, err);
        /* the run builds each venue's config from the point's (DESIGN §10) */
        if (st == STP_OK && (st = stp_cfg_check_venues(own, err)) == STP_EUSAGE)
            in_point(cfg, pts[i].name, err);
        stp_config_destroy(own);
        free(overrides);
    }
    free(pts);
    return st;
}
