/* config_set.c: overrides of a config tree (config_set.h): a value put
 * at a key "a.b.c", "a[0].b" or "a.0.b", creating the objects on the way;
 * and the command line's --set KEY=VALUE, whose VALUE is JSON or a bare
 * word. Variants, sweep values and experiment points use the same keys. */
#include "config_set.h"

#include "json_strict.h"

#include <stdio.h>
#include <string.h>

#define SET_DEPTH 16 /* levels in one --set key */

typedef stp_cfg_ctx ctx;

/* Each '.'- or '[n]'-separated part of a key. */
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
stp_status stp_cfg_set_path(cJSON *root, const char *key, cJSON *value, char *why, size_t cap)
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
    st = stp_cfg_set_path(root, key, value, why, sizeof why);
    if (st == STP_ENOMEM) return stp_cfg_oom(c);
    return st ? stp_error_set(c->err, st, "--set '%s': %s", shown, why) : STP_OK;
}

stp_status stp_cfg_apply_sets(ctx *c, cJSON *root, const char *const *sets, int n_sets)
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
