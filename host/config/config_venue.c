/* config_venue.c: one venue's config (config.h, stp_config_venue) and the
 * check at load that builds every venue's (config_venues.h). A venue's
 * config is a plain single-venue config, built as JSON from the base's
 * resolved text (its asset's and its own overrides put with the setter
 * the experiment points use) and parsed again, so every rule of a config
 * holds for it; the scope of the shocks and the protocols' venues, which
 * a single config cannot hold, are copied back from the base. */
#include "config_messages.h"
#include "config_parse.h"
#include "config_set.h"
#include "config_venues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static char *copy_text(const char *text)
{
    char *c = text ? malloc(strlen(text) + 1) : NULL;
    if (c) memcpy(c, text, strlen(text) + 1);
    return c;
}

/* With no venues the venue is the base: a copy owning its own strings. */
static stp_status copy_config(stp_config **out, const stp_config *base, stp_error *err)
{
    stp_config *cfg = NULL;
    int i, ok = 1;
    if (STP_ALLOC(err, cfg, 1)) return err->status;
    *cfg = *base;
    cfg->resolved_json = NULL;
    for (i = 0; i < STP_MAX_VARIANTS; i++)
        cfg->experiment.variants[i].set_json = NULL;
    for (i = 0; i < STP_MAX_ASSETS; i++)
        cfg->assets[i].set_json = NULL;
    for (i = 0; i < STP_MAX_VENUES; i++)
        cfg->venues[i].set_json = NULL;
    for (i = 0; i < base->experiment.n_variants; i++)
        ok &= !!(cfg->experiment.variants[i].set_json =
                     copy_text(base->experiment.variants[i].set_json));
    if (base->resolved_json) ok &= !!(cfg->resolved_json = copy_text(base->resolved_json));
    if (!ok) {
        stp_config_destroy(cfg);
        return stp_error_set(err, STP_ENOMEM, "out of memory copying the config");
    }
    *out = cfg;
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * The venue's tree */

static void delete_in(cJSON *obj, const char *key)
{
    if (cJSON_IsObject(obj)) cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
}

/* Each protocol's share renormalised over venue v's protocols, 0 on the
 * others: the venue's collateral is split among its own protocols, and
 * the others keep their index (shock protocols stay the base's). The last
 * of v's protocols takes 1 - (the sum of the earlier ones, added in index
 * order): the population's pick (cumulative shares in index order, the
 * last protocol as the fallback when u is above them all) then reaches
 * exactly 1 there, so a 0-share protocol after it is never picked, even
 * at u = 1.0f. (c + fl(1 - c) rounds to 1 for every c in [0, 1]; a c
 * rounded above 1 leaves it 0.) */
static int set_shares(cJSON *protocols, const stp_config *base, int v)
{
    double sum = 0, cdf = 0;
    cJSON *it;
    int k, last = -1;
    for (k = 0; k < base->n_protocols; k++)
        if (base->protocols[k].venue == v) sum += base->protocols[k].share, last = k;
    for (it = cJSON_IsArray(protocols) ? protocols->child : NULL, k = 0;
         it && k < base->n_protocols; it = it->next, k++) {
        const double share = base->protocols[k].venue != v ? 0.0
                             : k == last                   ? (cdf < 1.0 ? 1.0 - cdf : 0.0)
                                                           : base->protocols[k].share / sum;
        cJSON *num = cJSON_CreateNumber(share);
        cdf += share;
        delete_in(it, "venue");
        if (!num || !cJSON_ReplaceItemInObjectCaseSensitive(it, "share", num)) {
            cJSON_Delete(num);
            return 0;
        }
    }
    return 1;
}

/* The overrides of set_json (an object {"a.b.c": value}) on root; a key
 * that cannot be put is STP_EUSAGE naming SECTION[i].set.KEY. */
static stp_status apply_set(cJSON *root, const char *set_json, const char *section, int i,
                            const stp_config *base, stp_error *err)
{
    cJSON *set = cJSON_Parse(set_json);
    const cJSON *m;
    char why[200];
    stp_status st = set ? STP_OK : STP_ENOMEM;
    for (m = set ? set->child : NULL; m && !st; m = m->next) {
        cJSON *value = cJSON_Duplicate(m, 1);
        st = value ? stp_cfg_set_path(root, m->string, value, why, sizeof why) : STP_ENOMEM;
        if (st == STP_EUSAGE)
            stp_error_set(err, st, "%s: config error at %s[%d].set.%s: %s",
                          base->source_path[0] ? base->source_path : "<config>", section, i,
                          m->string, why);
    }
    cJSON_Delete(set);
    if (st == STP_ENOMEM) return stp_error_set(err, st, "out of memory building a venue's config");
    return st;
}

/* market.price0_usd of root times k (the schema resolved it: a number). */
static int scale_price0(cJSON *root, double k)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "market");
    cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "price0_usd");
    cJSON *num;
    if (!cJSON_IsNumber(p)) return 1;
    if (!(num = cJSON_CreateNumber(p->valuedouble * k))) return 0;
    return cJSON_ReplaceItemInObjectCaseSensitive(m, "price0_usd", num) ? 1 : (cJSON_Delete(num), 0);
}

/* The venue's population.cross_venue_share and features_from and its
 * oracle.source (as "oracle_source"), which a config without venues
 * refuses, moved from root into *cross (owned; an object, empty when it
 * has none of them). */
static int take_cross(cJSON *root, cJSON **cross)
{
    static const char *const keys[] = {"cross_venue_share", "features_from"};
    cJSON *pop = cJSON_GetObjectItemCaseSensitive(root, "population");
    cJSON *oracle = cJSON_GetObjectItemCaseSensitive(root, "oracle"), *src;
    size_t i;
    if (!(*cross = cJSON_CreateObject())) return 0;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cJSON *it = cJSON_IsObject(pop) ? cJSON_DetachItemFromObjectCaseSensitive(pop, keys[i])
                                        : NULL;
        if (it) cJSON_AddItemToObject(*cross, keys[i], it);
    }
    src = cJSON_IsObject(oracle) ? cJSON_DetachItemFromObjectCaseSensitive(oracle, "source") : NULL;
    if (src) cJSON_AddItemToObject(*cross, "oracle_source", src);
    return 1;
}

/* The venue's config as JSON text (*text owned, cJSON_free), and its
 * cross-venue keys (*cross owned, take_cross). */
static stp_status venue_text(const stp_config *base, int v, char **text, cJSON **cross,
                             stp_error *err)
{
    cJSON *root = cJSON_Parse(base->resolved_json), *it;
    cJSON *shocks = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "scenario"), "shocks");
    const int a = base->venues[v].asset;
    stp_status st = root ? STP_OK : STP_ENOMEM;
    *text = NULL;
    *cross = NULL;
    delete_in(root, "venues");
    delete_in(root, "links");
    delete_in(root, "assets");
    delete_in(cJSON_GetObjectItemCaseSensitive(root, "market"), "correlation");
    /* the venue's own config is one asset's: venues.c sets the sharing */
    delete_in(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "market"),
                                               "jumps"),
              "shared");
    delete_in(cJSON_GetObjectItemCaseSensitive(root, "cascade"), "venues");
    /* a global mitigation is the system's (venues.c sets it on each venue's
     * constants); the venue's config is a one-venue config */
    delete_in(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "mitigations"),
                                               "circuit_breaker"),
              "global");
    delete_in(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "mitigations"),
                                               "risk_signal"),
              "global");
    for (it = cJSON_IsArray(shocks) ? shocks->child : NULL; it; it = it->next) {
        delete_in(it, "venue");
        delete_in(it, "asset");
    }
    if (!st && !set_shares(cJSON_GetObjectItemCaseSensitive(root, "protocols"), base, v))
        st = STP_ENOMEM;
    if (!st && base->n_assets > 0 && base->assets[a].parent >= 0) {
        /* a derivative: its parent's market, starting at the parent's
         * price times its peg */
        const int p = base->assets[a].parent;
        st = apply_set(root, base->assets[p].set_json, "assets", p, base, err);
        if (!st && !scale_price0(root, base->assets[a].peg0)) st = STP_ENOMEM;
    } else if (!st && base->n_assets > 0) {
        st = apply_set(root, base->assets[a].set_json, "assets", a, base, err);
    }
    if (!st) st = apply_set(root, base->venues[v].set_json, "venues", v, base, err);
    if (!st && !take_cross(root, cross)) st = STP_ENOMEM;
    /* cJSON alone prints 15 digits where they read back merely close */
    if (!st && (stp_cfg_exact_numbers(root) || !(*text = cJSON_PrintUnformatted(root))))
        st = STP_ENOMEM;
    cJSON_Delete(root);
    if (st == STP_ENOMEM) return stp_error_set(err, st, "out of memory building a venue's config");
    return st;
}

/* ---------------------------------------------------------------------------
 * Messages: the overrides' keys by their own names */

/* key with ".N" array segments written "[N]", as the config's messages
 * write paths. */
static void bracket_indices(char *out, size_t cap, const char *key)
{
    size_t o = 0;
    while (*key && o + 1 < cap) {
        const size_t digits = key[0] == '.' ? strspn(key + 1, "0123456789") : 0;
        if (digits > 0 &&
            (key[1 + digits] == '\0' || key[1 + digits] == '.' || key[1 + digits] == '[') &&
            o + digits + 3 < cap) {
            out[o++] = '[';
            memcpy(out + o, key + 1, digits);
            o += digits;
            out[o++] = ']';
            key += 1 + digits;
        } else {
            out[o++] = *key++;
        }
    }
    out[o] = '\0';
}

/* Whether the overrides of set_json put key (the key itself, or a key
 * above it). */
static int set_puts(const char *set_json, const char *key)
{
    cJSON *set = cJSON_Parse(set_json);
    const cJSON *m;
    char norm[256];
    int found = 0;
    for (m = set ? set->child : NULL; m && !found; m = m->next) {
        size_t n;
        bracket_indices(norm, sizeof norm, m->string);
        n = strlen(norm);
        found = strncmp(key, norm, n) == 0 && (key[n] == '\0' || key[n] == '.' || key[n] == '[');
    }
    cJSON_Delete(set);
    return found;
}

/* The venue's config was refused with "SHOWN: config error at KEY: MSG":
 * when KEY is one the venue's set puts (or else its asset's), the message
 * becomes "ORIGIN: config error at venues[v].set.KEY: MSG" (assets[a]...);
 * otherwise it keeps SHOWN, which names the venue. */
static void name_the_override(stp_error *err, const stp_config *base, int v, const char *shown)
{
    static const char at[] = ": config error at ";
    const size_t n = strlen(shown);
    const int a = base->venues[v].asset;
    char key[256], rest[STP_ERROR_MAX];
    const char *k, *colon;
    if (strncmp(err->msg, shown, n) != 0 || strncmp(err->msg + n, at, sizeof at - 1) != 0) return;
    k = err->msg + n + sizeof at - 1;
    if (!(colon = strstr(k, ": ")) || (size_t)(colon - k) >= sizeof key) return;
    memcpy(key, k, (size_t)(colon - k));
    key[colon - k] = '\0';
    snprintf(rest, sizeof rest, "%s", colon);
    if (set_puts(base->venues[v].set_json, key))
        stp_error_set(err, err->status, "%s: config error at venues[%d].set.%s%s",
                      base->source_path[0] ? base->source_path : "<config>", v, key, rest);
    else if (base->n_assets > 0 && set_puts(base->assets[a].set_json, key))
        stp_error_set(err, err->status, "%s: config error at assets[%d].set.%s%s",
                      base->source_path[0] ? base->source_path : "<config>", a, key, rest);
}

/* ---------------------------------------------------------------------------
 * The public entry and the check at load */

stp_status stp_config_venue(stp_config **out, const stp_config *base, int v, stp_error *err)
{
    stp_error local;
    const char *source = base->source_path[0] ? base->source_path : NULL;
    const int n = base->n_venues > 0 ? base->n_venues : 1;
    char *text = NULL, shown[STP_PATH_MAX + STP_NAME_MAX + 16];
    cJSON *cross = NULL;
    stp_status st;
    int i;
    *out = NULL;
    if (!err) err = &local;
    if (v < 0 || v >= n)
        return stp_error_set(err, STP_EUSAGE, "venue %d: the config has %d venue%s", v, n,
                             n == 1 ? "" : "s");
    if (base->n_venues == 0) return copy_config(out, base, err);
    /* messages name the venue: "cfg.json (venue 'L2'): ..." */
    snprintf(shown, sizeof shown, "%s (venue '%s')", source ? source : "<config>",
             base->venues[v].name);
    if ((st = venue_text(base, v, &text, &cross, err)) != STP_OK) {
        cJSON_Delete(cross);
        return st;
    }
    st = stp_cfg_parse_one(out, text, source, shown, err);
    cJSON_free(text);
    if (!st) {
        stp_cfg_ctx c;
        memset(&c, 0, sizeof c);
        c.origin = shown;
        c.err = err;
        st = stp_cfg_read_cross(&c, cross, *out, 1);
        if (!st)
            st = stp_cfg_read_oracle_source(
                &c, cJSON_GetObjectItemCaseSensitive(cross, "oracle_source"), base, v, *out);
        if (st) {
            stp_config_destroy(*out);
            *out = NULL;
        }
    }
    cJSON_Delete(cross);
    if (st) {
        name_the_override(err, base, v, shown);
        return stp_cfg_one_line(err, st);
    }
    for (i = 0; i < base->n_protocols; i++)
        (*out)->protocols[i].venue = base->protocols[i].venue;
    for (i = 0; i < base->scenario.n_shocks; i++) {
        (*out)->scenario.shocks[i].venue = base->scenario.shocks[i].venue;
        (*out)->scenario.shocks[i].asset = base->scenario.shocks[i].asset;
    }
    return STP_OK;
}

stp_status stp_cfg_check_venues(const stp_config *cfg, stp_error *err)
{
    int v;
    for (v = 0; v < cfg->n_venues; v++) {
        stp_config *own = NULL;
        const stp_status st = stp_config_venue(&own, cfg, v, err);
        stp_config_destroy(own);
        if (st) return st;
    }
    return STP_OK;
}
