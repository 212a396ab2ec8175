/* config_venues.c: the keys of DESIGN §10 read into stp_config
 * (config_venues.h): assets and their market overrides, the assets'
 * correlation, venues and their overrides, which venue each protocol
 * lends on, cascade.venues, and which venue or asset a shock hits. Every
 * key is optional and the schema gives none a default, so a config
 * without them resolves to the text it had before them. What a venue's
 * overrides do to the rest of the config is checked by building the
 * venue's own config (config_venue.c). */
#include "config_venues.h"

#include "stampede/correlation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARE_TOL 1e-6 /* as config_read.c's check_shares */

typedef stp_cfg_ctx ctx;

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* key lies under section: the section itself, a member or an array item. */
static int under(const char *key, const char *section)
{
    const size_t n = strlen(section);
    return strncmp(key, section, n) == 0 && (key[n] == '\0' || key[n] == '.' || key[n] == '[');
}

/* ---------------------------------------------------------------------------
 * Names and overrides */

/* Venue and asset names become HDF5 group names and JSON keys of the
 * per-venue outcomes, and name columns: a plain word, no "." or "..". */
static int plain_name(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n >= STP_NAME_MAX || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (i = 0; i < n; i++) {
        const char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return 0;
    }
    return 1;
}

/* item's "name" into out (STP_NAME_MAX), unique among taken[0, n). */
static stp_status read_name(ctx *c, const cJSON *item, const char *what, char *out,
                            const char *const *taken, int n)
{
    const cJSON *v = member(item, "name");
    char got[96];
    int j;
    if (!v) return stp_cfg_fail(c, "name", "missing required key");
    if (!cJSON_IsString(v) || !plain_name(v->valuestring)) {
        stp_cfg_describe(got, sizeof got, v);
        return stp_cfg_fail(c, "name",
                            "must be a name of 1 to %d characters from A-Z a-z 0-9 _ . -, not "
                            "\".\" or \"..\"; got %s",
                            STP_NAME_MAX - 1, got);
    }
    for (j = 0; j < n; j++)
        if (strcmp(taken[j], v->valuestring) == 0)
            return stp_cfg_fail(c, "name", "duplicate %s name '%s'; names must be unique", what,
                                v->valuestring);
    memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
    return STP_OK;
}

/* Why key may not be in an asset's set; NULL when it may. */
static const char *asset_key_refused(const char *key)
{
    if (under(key, "market.noise"))
        return "the noise law (market.noise.*) is one for every asset, so that their shocks can "
               "be correlated; set it in the base's market.noise";
    if (under(key, "market.correlation"))
        return "market.correlation relates the assets to each other; set it in the base's "
               "market, not in an asset";
    if (!strcmp(key, "market.jumps.shared"))
        return "whether the assets share their jumps is the market's; set it in the base's "
               "market.jumps";
    if (strncmp(key, "market.", 7) == 0 && key[7] && key[7] != '.') return NULL;
    return "an asset's set may change only its own market: market.price0_usd, "
           "market.mu_per_s, market.vol.*, market.jumps.*";
}

/* Why key may not be in a venue's set; NULL when it may. */
static const char *venue_key_refused(const char *key)
{
    static const char *const sections[] = {"pool", "oracle", "liquidators", "population",
                                           "mitigations"};
    size_t i;
    if (!strcmp(key, "mitigations.circuit_breaker.global") ||
        !strcmp(key, "mitigations.risk_signal.global"))
        return "whether a mitigation is global is the system's choice: set it in the base's "
               "mitigations";
    for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (under(key, sections[i])) return NULL;
    if (!strcmp(key, "cascade.drawdown") || !strcmp(key, "cascade.liquidation_usd")) return NULL;
    return "a venue's set may change only pool.*, oracle.*, liquidators.*, population.*, "
           "mitigations.*, cascade.drawdown and cascade.liquidation_usd (a market is its "
           "asset's: set it in assets[].set)";
}

/* item's "set" ({} when absent), every key allowed by refused(), as
 * compact JSON text into *out (owned). */
static stp_status read_set(ctx *c, const cJSON *item, const char *(*refused)(const char *),
                           char **out)
{
    const cJSON *set = member(item, "set"), *m;
    char got[96], *text;
    if (set && !cJSON_IsObject(set)) {
        stp_cfg_describe(got, sizeof got, set);
        return stp_cfg_fail(c, "set", "must be an object of overrides {\"a.b.c\": value}; got %s",
                            got);
    }
    for (m = set ? set->child : NULL; m; m = m->next) {
        const char *why = refused(m->string);
        size_t mark;
        stp_status st;
        if (!why) continue;
        mark = stp_cfg_push_key(c, "set");
        stp_cfg_push_key(c, m->string);
        st = stp_cfg_fail(c, NULL, "%s", why);
        stp_cfg_pop(c, mark);
        return st;
    }
    if (set) {
        /* printed exactly (cJSON alone prints 15 digits that read back
         * merely close), on a copy: the tree is the resolved config's */
        cJSON *copy = cJSON_Duplicate(set, 1);
        text = copy && !stp_cfg_exact_numbers(copy) ? cJSON_PrintUnformatted(copy) : NULL;
        cJSON_Delete(copy);
        if (!text) return stp_cfg_oom(c);
    } else {
        text = NULL;
    }
    *out = malloc(strlen(text ? text : "{}") + 1);
    if (*out) memcpy(*out, text ? text : "{}", strlen(text ? text : "{}") + 1);
    cJSON_free(text);
    return *out ? STP_OK : stp_cfg_oom(c);
}

/* An array the schema resolved (array of objects): 1..max items. */
static stp_status check_count(ctx *c, const cJSON *arr, int max)
{
    const int n = cJSON_GetArraySize(arr);
    if (n >= 1 && n <= max) return STP_OK;
    return stp_cfg_fail(c, NULL, "must have 1 to %d items; got %d", max, n);
}

/* v, the value of key, names a `what` among names[0, n) (list: where they
 * are declared, for the message); its index into *out. */
static stp_status find_name(ctx *c, const cJSON *v, const char *key, const char *what,
                            const char *const *names, int n, int *out)
{
    char got[96], all[STP_MAX_VENUES * (STP_NAME_MAX + 2)] = "";
    size_t used = 0;
    int i;
    for (i = 0; i < n; i++) {
        if (cJSON_IsString(v) && strcmp(v->valuestring, names[i]) == 0) {
            *out = i;
            return STP_OK;
        }
        stp_cfg_append(all, sizeof all, &used, ", ", names[i]);
    }
    stp_cfg_describe(got, sizeof got, v);
    return stp_cfg_fail(c, key, "unknown %s %s; %ss[].name are: %s", what, got, what, all);
}

static void names_of_venues(const stp_config *cfg, const char **names)
{
    int i;
    for (i = 0; i < cfg->n_venues; i++)
        names[i] = cfg->venues[i].name;
}

static void names_of_assets(const stp_config *cfg, const char **names)
{
    int i;
    for (i = 0; i < cfg->n_assets; i++)
        names[i] = cfg->assets[i].name;
}

/* ---------------------------------------------------------------------------
 * Assets, their correlation, venues */

/* An asset's parent (a derivative's: "parent" names an asset of its own,
 * not itself) and peg0 in (0, 10], 1 by default; a derivative's market is
 * its parent's, so its set must be empty. Run once every name is read. */
static stp_status read_parent(ctx *c, const cJSON *it, stp_config *cfg, int i)
{
    stp_asset_spec *a = &cfg->assets[i];
    const cJSON *p = member(it, "parent"), *peg = member(it, "peg0");
    const char *names[STP_MAX_ASSETS];
    char got[96];
    int j;
    a->parent = -1;
    a->peg0 = 1.0;
    if (!p)
        return peg ? stp_cfg_fail(c, "peg0",
                                  "is a derivative's peg, but this asset names no \"parent\"; "
                                  "drop it or give the parent")
                   : STP_OK;
    for (j = 0; j < cfg->n_assets; j++)
        names[j] = cfg->assets[j].name;
    if (find_name(c, p, "parent", "asset", names, cfg->n_assets, &a->parent))
        return c->err->status;
    if (a->parent == i) return stp_cfg_fail(c, "parent", "an asset cannot track itself");
    if (peg) {
        if (!cJSON_IsNumber(peg) || !(peg->valuedouble > 0.0 && peg->valuedouble <= 10.0)) {
            stp_cfg_describe(got, sizeof got, peg);
            return stp_cfg_fail(c, "peg0",
                                "must be a number in (0, 10] (the derivative's price over its "
                                "parent's at the start); got %s",
                                got);
        }
        a->peg0 = peg->valuedouble;
    }
    if (strcmp(a->set_json, "{}") != 0)
        return stp_cfg_fail(c, "set",
                            "a derivative moves with its parent (its market is the parent's), so "
                            "it takes no set; give the parent's market in the parent's set");
    return STP_OK;
}

static stp_status read_assets(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *arr = member(root, "assets"), *it;
    const char *taken[STP_MAX_ASSETS];
    size_t mark;
    stp_status st;
    int i = 0;
    if (!arr) return STP_OK;
    mark = stp_cfg_push_key(c, "assets");
    st = check_count(c, arr, STP_MAX_ASSETS);
    for (it = st ? NULL : arr->child; it && !st; it = it->next, i++) {
        stp_asset_spec *a = &cfg->assets[i];
        size_t m = stp_cfg_push_index(c, i);
        st = read_name(c, it, "asset", a->name, taken, i);
        if (!st) st = read_set(c, it, asset_key_refused, &a->set_json);
        taken[i] = a->name;
        stp_cfg_pop(c, m);
    }
    cfg->n_assets = st ? 0 : i;
    /* each asset's parent, once every name is known; a parent is an asset
     * of its own (a derivative of a derivative is not built) */
    for (it = st ? NULL : arr->child, i = 0; it && !st; it = it->next, i++) {
        size_t m = stp_cfg_push_index(c, i);
        st = read_parent(c, it, cfg, i);
        if (!st && cfg->assets[i].parent >= 0 && cfg->assets[cfg->assets[i].parent].parent >= 0)
            st = stp_cfg_fail(c, "parent",
                              "asset '%s' is itself a derivative; a parent must be an asset of "
                              "its own",
                              cfg->assets[cfg->assets[i].parent].name);
        stp_cfg_pop(c, m);
    }
    if (st) cfg->n_assets = 0;
    stp_cfg_pop(c, mark);
    return st;
}

/* stp_correlation_factor's message in the config's form: one about an
 * entry is at that entry ("market.correlation[0][1]"), the others at the
 * matrix. */
static stp_status correlation_refused(ctx *c, const stp_error *why)
{
    static const char key[] = "market.correlation";
    const size_t n = sizeof key - 1;
    if (why->status == STP_ENOMEM) return stp_cfg_oom(c);
    if (strncmp(why->msg, key, n) == 0 && why->msg[n] == '[') {
        const size_t at = n + strspn(why->msg + n, "[]0123456789");
        const int colon = strncmp(why->msg + at, ": ", 2) == 0;
        return stp_error_set(c->err, STP_EUSAGE, "%s: config error at %.*s: %s", c->origin, (int)at,
                             why->msg, colon ? why->msg + at + 2 : why->msg);
    }
    if (strncmp(why->msg, key, n) == 0 && why->msg[n] == ' ')
        return stp_cfg_fail(c, key, "the matrix %s", why->msg + n + 1);
    return stp_cfg_fail(c, key, "%s", why->msg);
}

/* Refuses key of item i of the list's sets (assets[i].set.KEY,
 * venues[i].set.KEY) with why. */
static stp_status refuse_set_key(ctx *c, const char *list, int i, const char *key, const char *why)
{
    const size_t mark = stp_cfg_push_key(c, list);
    stp_status st;
    stp_cfg_push_index(c, i);
    stp_cfg_push_key(c, "set");
    stp_cfg_push_key(c, key);
    st = stp_cfg_fail(c, NULL, "%s", why);
    stp_cfg_pop(c, mark);
    return st;
}

/* market.jumps.shared: a boolean, only with two assets or more; when true
 * the jumps come at the market's one rate, which no asset may change. */
static stp_status read_shared_jumps(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *g = member(member(member(root, "market"), "jumps"), "shared"), *it;
    char got[96];
    int i = 0;
    cfg->jumps_shared = 0;
    if (!g) return STP_OK;
    if (!cJSON_IsBool(g)) {
        stp_cfg_describe(got, sizeof got, g);
        return stp_cfg_fail(c, "market.jumps.shared", "must be true or false; got %s", got);
    }
    if (!cJSON_IsTrue(g)) return STP_OK;
    if (cfg->n_assets < 2)
        return stp_cfg_fail(c, "market.jumps.shared",
                            "makes the assets jump together, but the config has %s; drop it or "
                            "declare two assets or more",
                            cfg->n_assets ? "one asset" : "no \"assets\"");
    for (it = member(root, "assets")->child; it; it = it->next, i++) {
        const cJSON *set = member(it, "set"), *m;
        for (m = set ? set->child : NULL; m; m = m->next)
            if (!strcmp(m->string, "market.jumps") || under(m->string, "market.jumps.rate_per_s"))
                return refuse_set_key(c, "assets", i, m->string,
                                      "shared jumps (market.jumps.shared) come at the market's one "
                                      "rate; drop this key (an asset may keep its own "
                                      "market.jumps.log_mean and log_sd)");
    }
    cfg->jumps_shared = 1;
    return STP_OK;
}

/* market.correlation: A x A numbers, only with assets; identity when
 * absent. Checked and factored as the engine will (correlation.h). */
static stp_status read_correlation(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *m = member(member(root, "market"), "correlation"), *row, *x;
    const int n = cfg->n_assets;
    double flat[STP_MAX_ASSETS * STP_MAX_ASSETS], l[STP_MAX_ASSETS * STP_MAX_ASSETS];
    stp_error why = {STP_OK, ""};
    char got[96];
    int i, j, ok;
    for (i = 0; i < STP_MAX_ASSETS; i++)
        for (j = 0; j < STP_MAX_ASSETS; j++)
            cfg->correlation[i][j] = i == j;
    if (!m) return STP_OK;
    if (n == 0)
        return stp_cfg_fail(c, "market.correlation",
                            "correlates the assets' shocks, but the config has no \"assets\" "
                            "(one market); drop it or declare assets");
    ok = cJSON_IsArray(m) && cJSON_GetArraySize(m) == n;
    for (row = ok ? m->child : NULL, i = 0; row && ok; row = row->next, i++) {
        ok = cJSON_IsArray(row) && cJSON_GetArraySize(row) == n;
        for (x = ok ? row->child : NULL, j = 0; x && ok; x = x->next, j++)
            if ((ok = cJSON_IsNumber(x))) flat[i * n + j] = x->valuedouble;
    }
    if (!ok) {
        stp_cfg_describe(got, sizeof got, m);
        return stp_cfg_fail(c, "market.correlation",
                            "must be a %d x %d matrix of numbers (one row per asset, in the order "
                            "of assets[]); got %s",
                            n, n, got);
    }
    if (stp_correlation_factor(flat, n, l, "market.correlation", &why))
        return correlation_refused(c, &why);
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            cfg->correlation[i][j] = flat[i * n + j];
    return STP_OK;
}

/* A venue's asset: required with assets, refused without (one market). */
static stp_status read_venue_asset(ctx *c, const cJSON *it, const stp_config *cfg, int *asset)
{
    const cJSON *a = member(it, "asset");
    const char *names[STP_MAX_ASSETS];
    *asset = 0;
    if (cfg->n_assets == 0)
        return a ? stp_cfg_fail(c, "asset",
                                "names an asset, but the config has no \"assets\" (every venue "
                                "trades the one market); drop it or declare assets")
                 : STP_OK;
    if (!a)
        return stp_cfg_fail(c, "asset",
                            "missing; with \"assets\" every venue names the asset it trades");
    names_of_assets(cfg, names);
    return find_name(c, a, "asset", "asset", names, cfg->n_assets, asset);
}

static stp_status read_venues(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *arr = member(root, "venues"), *it;
    const char *taken[STP_MAX_VENUES];
    size_t mark;
    stp_status st;
    int i = 0;
    if (!arr)
        return cfg->n_assets ? stp_cfg_fail(c, "assets",
                                            "assets are traded on venues: declare \"venues\" "
                                            "(each names its asset), or drop assets")
                             : STP_OK;
    mark = stp_cfg_push_key(c, "venues");
    st = check_count(c, arr, STP_MAX_VENUES);
    for (it = st ? NULL : arr->child; it && !st; it = it->next, i++) {
        stp_venue_spec *v = &cfg->venues[i];
        size_t m = stp_cfg_push_index(c, i);
        st = read_name(c, it, "venue", v->name, taken, i);
        if (!st) st = read_venue_asset(c, it, cfg, &v->asset);
        if (!st) st = read_set(c, it, venue_key_refused, &v->set_json);
        taken[i] = v->name;
        stp_cfg_pop(c, m);
    }
    cfg->n_venues = st ? 0 : i;
    stp_cfg_pop(c, mark);
    return st;
}

/* ---------------------------------------------------------------------------
 * Protocols per venue, the cascade's count, the shocks' scope */

/* Each protocol's venue (the first when it names none); then each venue
 * needs a protocol (its borrowers' positions live on one) and its
 * protocols' shares split its collateral, so they sum to 1. */
static stp_status read_protocol_venues(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *arr = member(root, "protocols"), *it;
    const char *names[STP_MAX_VENUES];
    char got[40];
    int i = 0, v;
    names_of_venues(cfg, names);
    for (it = arr ? arr->child : NULL; it && i < cfg->n_protocols; it = it->next, i++) {
        const cJSON *name = member(it, "venue");
        size_t mark;
        stp_status st;
        cfg->protocols[i].venue = 0;
        if (!name) continue;
        mark = stp_cfg_push_key(c, "protocols");
        stp_cfg_push_index(c, i);
        st = cfg->n_venues == 0
                 ? stp_cfg_fail(c, "venue",
                                "names a venue, but the config has no \"venues\"; drop it or "
                                "declare venues")
                 : find_name(c, name, "venue", "venue", names, cfg->n_venues,
                             &cfg->protocols[i].venue);
        stp_cfg_pop(c, mark);
        if (st) return st;
    }
    for (v = 0; v < cfg->n_venues; v++) {
        double sum = 0;
        int count = 0;
        for (i = 0; i < cfg->n_protocols; i++)
            if (cfg->protocols[i].venue == v) sum += cfg->protocols[i].share, count++;
        if (count == 0)
            return stp_cfg_fail(c, "protocols",
                                "venue '%s' has no protocol, and its borrowers need one: give a "
                                "protocol \"venue\": \"%s\" (a protocol without one is on "
                                "venues[0])",
                                cfg->venues[v].name, cfg->venues[v].name);
        if (fabs(sum - 1.0) > SHARE_TOL) {
            stp_cfg_fmt_num(got, sizeof got, sum);
            return stp_cfg_fail(c, "protocols",
                                "the shares of venue '%s''s protocols sum to %s; with \"venues\" "
                                "they must sum to 1 within each venue (within 1e-6)",
                                cfg->venues[v].name, got);
        }
    }
    return STP_OK;
}

/* cascade.venues: "any" (1), "all" or a count of venues; 1 when absent. */
static stp_status read_cascade_venues(ctx *c, const cJSON *root, stp_config *cfg)
{
    static const char key[] = "cascade.venues";
    const cJSON *v = member(member(root, "cascade"), "venues");
    char got[96];
    cfg->cascade.venues = 1;
    if (!v) return STP_OK;
    if (cfg->n_venues == 0)
        return stp_cfg_fail(c, key,
                            "counts the venues in cascade, but the config has no \"venues\"; "
                            "drop it or declare venues");
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "any")) return STP_OK;
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "all")) {
        cfg->cascade.venues = STP_CASCADE_ALL;
        return STP_OK;
    }
    if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && v->valuedouble >= 1 &&
        v->valuedouble <= cfg->n_venues) {
        cfg->cascade.venues = (int)v->valuedouble;
        return STP_OK;
    }
    stp_cfg_describe(got, sizeof got, v);
    return stp_cfg_fail(c, key,
                        "must be \"any\", \"all\" or an integer in [1, %d] (venues); got %s",
                        cfg->n_venues, got);
}

/* Whether name v is a derivative asset's. */
static int find_derivative(const stp_config *cfg, const cJSON *v)
{
    int i;
    for (i = 0; cJSON_IsString(v) && i < cfg->n_assets; i++)
        if (!strcmp(cfg->assets[i].name, v->valuestring)) return cfg->assets[i].parent >= 0;
    return 0;
}

/* A shock hits one venue, one asset (on every venue of it) or, with
 * neither, every venue. An exploit hits its protocol, so its venue is
 * the protocol's. */
static stp_status read_shock_scope(ctx *c, const cJSON *it, stp_shock_spec *s,
                                   const stp_config *cfg)
{
    const cJSON *v = member(it, "venue"), *a = member(it, "asset");
    const char *names[STP_MAX_VENUES];
    int own;
    s->venue = s->asset = -1;
    /* (a venue's own config, nested, keeps the base's shocks) */
    if (s->kind == STP_SHOCK_DEPEG && !c->nested &&
        (!a || v || cfg->n_assets == 0 || !find_derivative(cfg, a)))
        return stp_cfg_fail(c, a ? "asset" : "kind",
                            "a depeg moves a derivative asset's peg: give \"asset\" naming an "
                            "asset with a \"parent\" (and no venue)");
    if (s->kind == STP_SHOCK_BRIDGE_HALT && cfg->n_venues == 0 && !c->nested)
        return stp_cfg_fail(c, "kind",
                            "bridge_halt closes the links between venues, but the config has no "
                            "\"venues\"; drop the shock or declare venues and links");
    if (v && a)
        return stp_cfg_fail(c, NULL,
                            "give venue or asset, not both (a shock hits one venue, or one "
                            "asset on every venue that trades it)");
    if (v && cfg->n_venues == 0)
        return stp_cfg_fail(c, "venue",
                            "names a venue, but the config has no \"venues\"; drop it or declare "
                            "venues");
    if (a && cfg->n_assets == 0)
        return stp_cfg_fail(c, "asset",
                            "names an asset, but the config has no \"assets\"; drop it or "
                            "declare assets");
    if (a && s->kind == STP_SHOCK_EXPLOIT)
        return stp_cfg_fail(c, "asset",
                            "an exploit hits its protocol's venue, not an asset; drop asset");
    if (v) names_of_venues(cfg, names);
    if (v && find_name(c, v, "venue", "venue", names, cfg->n_venues, &s->venue))
        return c->err->status;
    if (a) names_of_assets(cfg, names);
    if (a && find_name(c, a, "asset", "asset", names, cfg->n_assets, &s->asset))
        return c->err->status;
    if (s->kind != STP_SHOCK_EXPLOIT || cfg->n_venues == 0) return STP_OK;
    own = cfg->protocols[s->protocol].venue;
    if (v && s->venue != own)
        return stp_cfg_fail(c, "venue",
                            "an exploit hits its protocol's venue: protocol '%s' is on venue "
                            "'%s', not '%s'; drop venue",
                            cfg->protocols[s->protocol].name, cfg->venues[own].name,
                            cfg->venues[s->venue].name);
    s->venue = own;
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Links, and the cross-venue agents */

/* item's number `key` into *out, required, in [lo, hi] (lo_open: > lo). */
static stp_status read_number(ctx *c, const cJSON *item, const char *key, double lo, int lo_open,
                              double hi, const char *why, double *out)
{
    const cJSON *v = member(item, key);
    char got[96], a[40], b[40];
    if (!v) return stp_cfg_fail(c, key, "missing required key (%s)", why);
    if (cJSON_IsNumber(v) && (lo_open ? v->valuedouble > lo : v->valuedouble >= lo) &&
        v->valuedouble <= hi) {
        *out = v->valuedouble;
        return STP_OK;
    }
    stp_cfg_describe(got, sizeof got, v);
    stp_cfg_fmt_num(a, sizeof a, lo);
    stp_cfg_fmt_num(b, sizeof b, hi);
    return stp_cfg_fail(c, key, "must be a number in %s%s, %s] (%s); got %s", lo_open ? "(" : "[",
                        a, b, why, got);
}

/* links[]: two venues' pools of one asset joined by cross-venue
 * arbitrage (link.h). */
static stp_status read_link(ctx *c, const cJSON *it, stp_config *cfg, int i, const char **taken)
{
    stp_link_spec *l = &cfg->links[i];
    const char *names[STP_MAX_VENUES];
    names_of_venues(cfg, names);
    if (read_name(c, it, "link", l->name, taken, i)) return c->err->status;
    if (!member(it, "a") || !member(it, "b"))
        return stp_cfg_fail(c, member(it, "a") ? "b" : "a",
                            "missing required key: a link joins venues a and b");
    if (find_name(c, member(it, "a"), "a", "venue", names, cfg->n_venues, &l->a) ||
        find_name(c, member(it, "b"), "b", "venue", names, cfg->n_venues, &l->b))
        return c->err->status;
    if (l->a == l->b) return stp_cfg_fail(c, "b", "a link joins two different venues");
    if (cfg->venues[l->a].asset != cfg->venues[l->b].asset)
        return stp_cfg_fail(c, "b",
                            "a link joins two pools of one asset: venue '%s' trades asset %d, "
                            "'%s' asset %d",
                            cfg->venues[l->a].name, cfg->venues[l->a].asset,
                            cfg->venues[l->b].name, cfg->venues[l->b].asset);
    if (read_number(c, it, "latency_s", 0.0, 0, cfg->time.horizon_s,
                    "seconds from leaving one pool to landing on the other, at most the horizon",
                    &l->latency_s) ||
        read_number(c, it, "capacity_usd_per_s", 0.0, 1, 1e15,
                    "USD bought a second each way", &l->capacity_usd_per_s))
        return c->err->status;
    l->cost = 0.0;
    if (member(it, "cost") &&
        read_number(c, it, "cost", 0.0, 0, 0.5, "the share of the units the crossing keeps",
                    &l->cost))
        return c->err->status;
    return STP_OK;
}

static stp_status read_links(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *arr = member(root, "links"), *it;
    const char *taken[STP_MAX_LINKS];
    size_t mark;
    stp_status st;
    int i = 0, j;
    cfg->n_links = 0;
    if (!arr) return STP_OK;
    if (cfg->n_venues == 0)
        return stp_cfg_fail(c, "links",
                            "join venues' pools, but the config has no \"venues\"; drop it or "
                            "declare venues");
    mark = stp_cfg_push_key(c, "links");
    st = check_count(c, arr, STP_MAX_LINKS);
    for (it = st ? NULL : arr->child; it && !st; it = it->next, i++) {
        size_t m = stp_cfg_push_index(c, i);
        st = read_link(c, it, cfg, i, taken);
        taken[i] = cfg->links[i].name;
        for (j = 0; !st && j < i; j++) /* one link per pair: two would double its capacity */
            if ((cfg->links[j].a == cfg->links[i].a && cfg->links[j].b == cfg->links[i].b) ||
                (cfg->links[j].a == cfg->links[i].b && cfg->links[j].b == cfg->links[i].a))
                st = stp_cfg_fail(c, "b", "links[%d] already joins these venues", j);
        stp_cfg_pop(c, m);
    }
    cfg->n_links = st ? 0 : i;
    stp_cfg_pop(c, mark);
    return st;
}

stp_status stp_cfg_read_cross(ctx *c, const cJSON *population, stp_config *cfg, int allowed)
{
    const cJSON *share = member(population, "cross_venue_share");
    const cJSON *from = member(population, "features_from");
    char got[96];
    cfg->population.cross_venue_share = 0.0;
    cfg->population.features_largest_move = 0;
    if ((share || from) && !allowed)
        return stp_cfg_fail(c, share ? "population.cross_venue_share" : "population.features_from",
                            "is about agents on several venues, but the config has no "
                            "\"venues\"; drop it or declare venues");
    if (share) {
        if (!cJSON_IsNumber(share) || !(share->valuedouble >= 0.0 && share->valuedouble <= 1.0)) {
            stp_cfg_describe(got, sizeof got, share);
            return stp_cfg_fail(c, "population.cross_venue_share",
                                "must be a number in [0, 1] (the share of the venue's borrowing "
                                "AI agents that also borrow on every other venue); got %s",
                                got);
        }
        cfg->population.cross_venue_share = share->valuedouble;
    }
    if (from) {
        if (!cJSON_IsString(from) ||
            (strcmp(from->valuestring, "home") && strcmp(from->valuestring, "largest_move"))) {
            stp_cfg_describe(got, sizeof got, from);
            return stp_cfg_fail(c, "population.features_from",
                                "must be \"home\" or \"largest_move\"; got %s", got);
        }
        cfg->population.features_largest_move = !strcmp(from->valuestring, "largest_move");
    }
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Global mitigations (DESIGN §10) */

/* mitigations.<name>.global into *on: a boolean, only with venues, only on
 * an enabled mitigation, and then the mitigation is the system's: no
 * venue's set may change it. */
static stp_status read_global(ctx *c, const cJSON *root, const stp_config *cfg, const char *name,
                              int enabled, int *on)
{
    const cJSON *g = member(member(member(root, "mitigations"), name), "global");
    const cJSON *it;
    char key[64], section[64], got[96];
    int i = 0;
    snprintf(key, sizeof key, "mitigations.%s.global", name);
    snprintf(section, sizeof section, "mitigations.%s", name);
    *on = 0;
    if (!g) return STP_OK;
    if (!cJSON_IsBool(g)) {
        stp_cfg_describe(got, sizeof got, g);
        return stp_cfg_fail(c, key, "must be true or false; got %s", got);
    }
    if (!cJSON_IsTrue(g)) return STP_OK;
    if (cfg->n_venues == 0)
        return stp_cfg_fail(c, key,
                            "makes one mechanism of every venue's, but the config has no "
                            "\"venues\"; drop it or declare venues");
    if (!enabled)
        return stp_cfg_fail(c, key, "is true but %s.enabled is false; enable it or drop global",
                            section);
    for (it = member(root, "venues")->child; it; it = it->next, i++) {
        const cJSON *set = member(it, "set"), *m;
        for (m = set ? set->child : NULL; m; m = m->next)
            if (under(m->string, section) || under(section, m->string)) { /* or a whole object */
                char why[256];
                snprintf(why, sizeof why,
                         "%s is global (%s), so its settings are the base's; drop this key or "
                         "make it per venue",
                         section, key);
                return refuse_set_key(c, "venues", i, m->string, why);
            }
    }
    *on = 1;
    return STP_OK;
}

static stp_status read_globals(ctx *c, const cJSON *root, stp_config *cfg)
{
    return read_global(c, root, cfg, "circuit_breaker", cfg->mitigations.circuit_breaker.enabled,
                       &cfg->mitigations.circuit_breaker.global) ||
                   read_global(c, root, cfg, "risk_signal", cfg->mitigations.risk_signal.enabled,
                               &cfg->mitigations.risk_signal.global)
               ? c->err->status
               : STP_OK;
}

stp_status stp_cfg_read_oracle_source(ctx *c, const cJSON *source, const stp_config *base, int v,
                                      stp_config *venue)
{
    const char *names[STP_MAX_VENUES];
    int u;
    venue->oracle_from = 0;
    if (!source) return STP_OK;
    names_of_venues(base, names);
    if (find_name(c, source, "oracle.source", "venue", names, base->n_venues, &u)) return c->err->status;
    if (base->n_assets > 0 && base->venues[u].asset != base->venues[v].asset)
        return stp_cfg_fail(c, "oracle.source",
                            "names venue '%s', whose pool trades %s, not this venue's %s; an "
                            "oracle reads a pool of its own asset",
                            names[u], base->assets[base->venues[u].asset].name,
                            base->assets[base->venues[v].asset].name);
    venue->oracle_from = u == v ? 0 : u + 1;
    return STP_OK;
}

static stp_status read_shock_scopes(ctx *c, const cJSON *root, stp_config *cfg)
{
    const cJSON *arr = member(member(root, "scenario"), "shocks"), *it;
    int i = 0;
    for (it = arr ? arr->child : NULL; it && i < cfg->scenario.n_shocks; it = it->next, i++) {
        size_t mark = stp_cfg_push_key(c, "scenario.shocks");
        stp_status st;
        stp_cfg_push_index(c, i);
        st = read_shock_scope(c, it, &cfg->scenario.shocks[i], cfg);
        stp_cfg_pop(c, mark);
        if (st) return st;
    }
    return STP_OK;
}

stp_status stp_cfg_read_venues(ctx *c, const cJSON *root, stp_config *cfg)
{
    if (read_assets(c, root, cfg) || read_correlation(c, root, cfg) ||
        read_shared_jumps(c, root, cfg) || read_venues(c, root, cfg) ||
        read_protocol_venues(c, root, cfg) || read_cascade_venues(c, root, cfg) ||
        read_shock_scopes(c, root, cfg) || read_links(c, root, cfg) ||
        stp_cfg_read_cross(c, member(root, "population"), cfg, cfg->n_venues > 0) ||
        read_globals(c, root, cfg))
        return c->err->status;
    if (member(member(root, "oracle"), "source") && cfg->n_venues == 0)
        return stp_cfg_fail(c, "oracle.source",
                            "names the venue whose pool the oracle reads, but the config has no "
                            "\"venues\"; drop it or declare venues");
    return STP_OK;
}
