/* models.c: risk-model files (DESIGN §3.4) -> stp_model.
 *
 * A model file is one JSON object (models/train_models.py writes them):
 *   format "stampede-model", format_version 1, name, kind,
 *   feature_version (must equal STP_FEATURE_VERSION: weights only mean
 *   something for the features they were trained on), then
 *   mlp:   architecture {inputs 8, hidden H, activation "tanh",
 *          output "sigmoid"} and weights {w1 [H][8], b1 [H], w2 [H], b2};
 *   rules: params {four named numbers}.
 * Parameters land flat in the canonical order of models.h. Anything else in
 * the file (provenance, metrics) is documentation and is not read.
 *
 * Errors are one line naming the file and the JSON key:
 *   models/x.json: model error at weights.w1[3]: expected 8 numbers, got 7
 */
#include "stampede/models.h"

#include "json_strict.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_FORMAT         "stampede-model"
#define MODEL_FORMAT_VERSION 1
#define MODEL_MAX_SIZE       (16L << 20) /* a 16-hidden MLP is ~10 KiB of JSON */
/* Beyond this a weight is a corrupt or diverged file, not a model: a tanh
 * saturates long before, and sums of such weights would lose all precision
 * in float. */
#define MODEL_WEIGHT_MAX 1e6
#define KEY_MAX          96

/* Where we are in one file, for messages. */
typedef struct load_ctx {
    const char *path; /* borrowed, outlives us */
    stp_error *err;   /* borrowed, never NULL */
} load_ctx;

static const char *const MLP_WEIGHT_KEYS[] = {"w1", "b1", "w2", "b2", NULL};
static const char *const ARCH_KEYS[] = {"inputs", "hidden", "activation", "output", NULL};
static const char *const DRAWDOWN_KEYS[] = {"dd_limit", "var_z", "gain", "offset", NULL};
static const char *const VOL_TARGET_KEYS[] = {"target_ratio", "gain", "hf_weight", "offset", NULL};

/* ---------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------- */

/* "PATH: model error at KEY: DETAIL" (STP_EUSAGE). */
static stp_status fail_at(const load_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static stp_status fail_at(const load_ctx *c, const char *key, const char *fmt, ...)
{
    char detail[STP_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return stp_error_set(c->err, STP_EUSAGE, "%s: model error at %s: %s", c->path, key, detail);
}

/* What a JSON value is, for "expected X, got Y". */
static const char *json_type_name(const cJSON *item)
{
    if (!item) return "nothing";
    if (cJSON_IsNumber(item)) return "a number";
    if (cJSON_IsString(item)) return "a string";
    if (cJSON_IsBool(item)) return "a boolean";
    if (cJSON_IsNull(item)) return "null";
    if (cJSON_IsArray(item)) return "an array";
    if (cJSON_IsObject(item)) return "an object";
    return "an invalid value";
}

/* File names and user strings may hold control characters; the message
 * stays one line whatever they are. */
static stp_status one_line(stp_error *err, stp_status st)
{
    char *p;
    for (p = err->msg; st != STP_OK && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return st;
}

/* ---------------------------------------------------------------------------
 * File and JSON text
 * ------------------------------------------------------------------------- */

/* The whole file as a NUL-terminated string of *len bytes (*text owned by
 * the caller). STP_EIO when it cannot be opened or read. */
static stp_status read_file(const load_ctx *c, char **text, size_t *len)
{
    FILE *f = fopen(c->path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, got = 1;
    int read_errno = 0;
    *text = NULL;
    *len = 0;
    if (!f)
        return stp_error_set(c->err, STP_EIO, "cannot read model '%s': %s", c->path,
                             strerror(errno));
    while (got > 0 && *len < (size_t)MODEL_MAX_SIZE) {
        if (*len + 1 >= cap) {
            if (!(grown = realloc(buf, cap = cap ? 2 * cap : 16384))) break;
            buf = grown;
        }
        got = fread(buf + *len, 1, cap - *len - 1, f);
        *len += got;
    }
    if (ferror(f)) read_errno = errno ? errno : EIO; /* e.g. EISDIR for a folder */
    fclose(f);
    if (buf && *len + 1 <= cap && !read_errno && *len < (size_t)MODEL_MAX_SIZE) {
        buf[*len] = '\0';
        *text = buf;
        return STP_OK;
    }
    free(buf);
    if (read_errno)
        return stp_error_set(c->err, STP_EIO, "cannot read model '%s': %s", c->path,
                             strerror(read_errno));
    if (!buf)
        return stp_error_set(c->err, STP_ENOMEM, "cannot read model '%s': out of memory", c->path);
    return stp_error_set(c->err, STP_EUSAGE, "cannot read model '%s': larger than %ld MiB", c->path,
                         MODEL_MAX_SIZE >> 20);
}

/* Parses the text; must be one JSON object with nothing after it, strict
 * RFC 8259 JSON (stp_json_strict, as configs: cJSON alone reads 01 and
 * invalid UTF-8). A NUL byte inside the file would end the text early, so
 * it is an error too. */
static stp_status parse_text(const load_ctx *c, const char *text, size_t len, cJSON **out)
{
    const char *end = NULL;
    size_t line, col, off;
    stp_json_issue issue;
    int strict;
    *out = NULL;
    if (memchr(text, '\0', len)) {
        off = strlen(text);
        stp_json_line_col(text, off, &line, &col);
        return stp_error_set(c->err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON: a NUL byte", c->path,
                             line, col);
    }
    strict = stp_json_strict(text, &issue) == 0;
    if (!strict && !issue.structural) return stp_json_issue_report(c->err, c->path, text, &issue);
    /* require_null_terminated: trailing text after the object is an error */
    *out = cJSON_ParseWithOpts(text, &end, 1);
    if (*out && !strict) { /* cJSON took what RFC 8259 refuses: the scan's offset */
        cJSON_Delete(*out);
        *out = NULL;
        end = NULL;
    }
    if (!*out) {
        off = end && end >= text && end <= text + len ? (size_t)(end - text) : issue.off;
        stp_json_line_col(text, off, &line, &col);
        if (text[strspn(text, " \t\r\n")] == '\0')
            return stp_error_set(c->err, STP_EUSAGE,
                                 "%s:%zu:%zu: malformed JSON: the file is empty", c->path, line,
                                 col);
        return stp_error_set(c->err, STP_EUSAGE, "%s:%zu:%zu: malformed JSON", c->path, line, col);
    }
    if (!cJSON_IsObject(*out))
        return stp_error_set(c->err, STP_EUSAGE,
                             "%s: model error: the file must be a JSON object {...}, got %s",
                             c->path, json_type_name(*out));
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Typed getters: each names the key it failed on
 * ------------------------------------------------------------------------- */

static stp_status get_object(const load_ctx *c, const cJSON *obj, const char *key,
                             const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsObject(*out))
        return fail_at(c, key, "expected an object, got %s", json_type_name(*out));
    return STP_OK;
}

static stp_status get_string(const load_ctx *c, const cJSON *obj, const char *key,
                             const char *label, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = cJSON_GetStringValue(item);
    if (!*out) return fail_at(c, label, "expected a string, got %s", json_type_name(item));
    return STP_OK;
}

/* A string key that must equal `want`. */
static stp_status expect_string(const load_ctx *c, const cJSON *obj, const char *key,
                                const char *label, const char *want)
{
    const char *got;
    if (get_string(c, obj, key, label, &got)) return c->err->status;
    if (strcmp(got, want) != 0)
        return fail_at(c, label, "expected \"%s\", got \"%.80s\"", want, got);
    return STP_OK;
}

/* An integer key in [lo, hi]. */
static stp_status get_int(const load_ctx *c, const cJSON *obj, const char *key, const char *label,
                          int lo, int hi, int *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    double v;
    if (!cJSON_IsNumber(item))
        return fail_at(c, label, "expected an integer, got %s", json_type_name(item));
    v = item->valuedouble;
    if (!(v >= lo && v <= hi) || v != floor(v))
        return fail_at(c, label, "expected an integer in [%d, %d], got %.17g", lo, hi, v);
    *out = (int)v;
    return STP_OK;
}

/* One weight: a number, finite, |w| <= MODEL_WEIGHT_MAX (cJSON reads
 * 1e999 as inf, which must not reach the engine). */
static stp_status get_weight(const load_ctx *c, const cJSON *item, const char *label, float *out)
{
    double v;
    if (!cJSON_IsNumber(item))
        return fail_at(c, label, "expected a number, got %s", json_type_name(item));
    v = item->valuedouble;
    if (!(fabs(v) <= MODEL_WEIGHT_MAX))
        return fail_at(c, label, "expected a finite number with |w| <= %g, got %g",
                       MODEL_WEIGHT_MAX, v);
    *out = (float)v;
    return STP_OK;
}

/* `arr` must be an array of exactly n weights; they go to dst[0..n). */
static stp_status get_weights(const load_ctx *c, const cJSON *arr, const char *label, int n,
                              float *dst)
{
    char key[KEY_MAX];
    const cJSON *item;
    int i = 0, count;
    if (!cJSON_IsArray(arr))
        return fail_at(c, label, "expected an array of %d numbers, got %s", n, json_type_name(arr));
    count = cJSON_GetArraySize(arr);
    if (count != n) return fail_at(c, label, "expected %d numbers, got %d", n, count);
    cJSON_ArrayForEach(item, arr)
    {
        snprintf(key, sizeof key, "%s[%d]", label, i);
        if (get_weight(c, item, key, &dst[i])) return c->err->status;
        i++;
    }
    return STP_OK;
}

/* Every key of `obj` must be in the NULL-terminated `allowed`: these
 * objects have a closed schema, and a typo (e.g. "gian") must not pass
 * silently as a missing or ignored parameter. */
static stp_status check_keys(const load_ctx *c, const cJSON *obj, const char *label,
                             const char *const *allowed)
{
    char key[KEY_MAX];
    const cJSON *item;
    const char *const *a;
    cJSON_ArrayForEach(item, obj)
    {
        for (a = allowed; *a && strcmp(*a, item->string) != 0; a++)
            ;
        if (*a) continue;
        snprintf(key, sizeof key, "%s.%.40s", label, item->string);
        return fail_at(c, key, "unknown key (expected %s, %s, %s or %s)", allowed[0], allowed[1],
                       allowed[2], allowed[3]);
    }
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * Families
 * ------------------------------------------------------------------------- */

/* format, format_version, feature_version, name, kind. */
static stp_status read_header(const load_ctx *c, const cJSON *root, stp_model *m)
{
    const char *name, *kind;
    int version = 0;
    if (expect_string(c, root, "format", "format", MODEL_FORMAT) ||
        get_int(c, root, "format_version", "format_version", 1, INT_MAX, &version))
        return c->err->status;
    if (version != MODEL_FORMAT_VERSION)
        return fail_at(c, "format_version", "unsupported version %d (this build reads %d)", version,
                       MODEL_FORMAT_VERSION);
    if (expect_string(c, root, "feature_version", "feature_version", STP_FEATURE_VERSION) ||
        get_string(c, root, "name", "name", &name) || get_string(c, root, "kind", "kind", &kind))
        return c->err->status;
    if (name[0] == '\0' || strlen(name) >= STP_MODEL_NAME_MAX)
        return fail_at(c, "name", "expected 1 to %d characters, got %zu", STP_MODEL_NAME_MAX - 1,
                       strlen(name));
    memcpy(m->name, name, strlen(name) + 1);
    if (strcmp(kind, "mlp") == 0)
        m->kind = STP_FAMILY_MLP;
    else if (strcmp(kind, "drawdown_rule") == 0)
        m->kind = STP_FAMILY_DRAWDOWN_RULE;
    else if (strcmp(kind, "vol_target_rule") == 0)
        m->kind = STP_FAMILY_VOL_TARGET_RULE;
    else
        return fail_at(c, "kind",
                       "expected \"mlp\", \"drawdown_rule\" or \"vol_target_rule\", "
                       "got \"%.40s\"",
                       kind);
    return STP_OK;
}

/* architecture: 8 inputs, 1..STP_MLP_MAX_HIDDEN tanh units, sigmoid out. */
static stp_status read_architecture(const load_ctx *c, const cJSON *root, int *hidden)
{
    const cJSON *arch;
    int inputs;
    if (get_object(c, root, "architecture", &arch) ||
        check_keys(c, arch, "architecture", ARCH_KEYS) ||
        get_int(c, arch, "inputs", "architecture.inputs", STP_FEATURES, STP_FEATURES, &inputs) ||
        get_int(c, arch, "hidden", "architecture.hidden", 1, STP_MLP_MAX_HIDDEN, hidden) ||
        expect_string(c, arch, "activation", "architecture.activation", "tanh") ||
        expect_string(c, arch, "output", "architecture.output", "sigmoid"))
        return c->err->status;
    return STP_OK;
}

/* w1: `hidden` rows of 8 numbers, row h to params[h*8 .. h*8+8). */
static stp_status read_w1(const load_ctx *c, const cJSON *weights, int hidden, float *params)
{
    char key[KEY_MAX];
    const cJSON *w1 = cJSON_GetObjectItemCaseSensitive(weights, "w1"), *row;
    int h = 0, rows;
    if (!cJSON_IsArray(w1))
        return fail_at(c, "weights.w1", "expected %d rows of %d numbers, got %s", hidden,
                       STP_FEATURES, json_type_name(w1));
    rows = cJSON_GetArraySize(w1);
    if (rows != hidden)
        return fail_at(c, "weights.w1", "expected %d rows (architecture.hidden), got %d", hidden,
                       rows);
    cJSON_ArrayForEach(row, w1)
    {
        snprintf(key, sizeof key, "weights.w1[%d]", h);
        if (get_weights(c, row, key, STP_FEATURES, params + h * STP_FEATURES))
            return c->err->status;
        h++;
    }
    return STP_OK;
}

/* Canonical order (models.h): w1 [H*8], b1 [H] at 8H, w2 [H] at 9H, b2 at 10H. */
static stp_status read_mlp(const load_ctx *c, const cJSON *root, stp_model *m)
{
    const cJSON *weights;
    float *p = m->params;
    int hidden = 0;
    if (read_architecture(c, root, &hidden) || get_object(c, root, "weights", &weights) ||
        check_keys(c, weights, "weights", MLP_WEIGHT_KEYS) || read_w1(c, weights, hidden, p) ||
        get_weights(c, cJSON_GetObjectItemCaseSensitive(weights, "b1"), "weights.b1", hidden,
                    p + 8 * hidden) ||
        get_weights(c, cJSON_GetObjectItemCaseSensitive(weights, "w2"), "weights.w2", hidden,
                    p + 9 * hidden) ||
        get_weight(c, cJSON_GetObjectItemCaseSensitive(weights, "b2"), "weights.b2",
                   p + 10 * hidden))
        return c->err->status;
    m->hidden = hidden;
    return STP_OK;
}

/* params: the four named numbers in canonical order; the first one (a
 * limit, z or ratio the rule divides by) must be > 0. */
static stp_status read_rule(const load_ctx *c, const cJSON *root, stp_model *m)
{
    const char *const *keys = m->kind == STP_FAMILY_DRAWDOWN_RULE ? DRAWDOWN_KEYS : VOL_TARGET_KEYS;
    const int n_positive = m->kind == STP_FAMILY_DRAWDOWN_RULE ? 2 : 1;
    const cJSON *params;
    char key[KEY_MAX];
    int k;
    if (get_object(c, root, "params", &params) || check_keys(c, params, "params", keys))
        return c->err->status;
    for (k = 0; k < STP_RULE_PARAMS; k++) {
        snprintf(key, sizeof key, "params.%s", keys[k]);
        if (get_weight(c, cJSON_GetObjectItemCaseSensitive(params, keys[k]), key, &m->params[k]))
            return c->err->status;
        /* the rule divides by it (step.h); a float that rounds to 0 counts as 0 */
        if (k < n_positive && !(m->params[k] > 0.0f))
            return fail_at(c, key, "expected a number > 0, got %g", (double)m->params[k]);
    }
    m->hidden = 0;
    return STP_OK;
}

static stp_status load(stp_model *out, const char *path, stp_error *err)
{
    const load_ctx c = {path, err};
    char *text = NULL;
    cJSON *root = NULL;
    size_t len;
    if (read_file(&c, &text, &len) || parse_text(&c, text, len, &root) ||
        read_header(&c, root, out))
        goto fail;
    if (out->kind == STP_FAMILY_MLP ? read_mlp(&c, root, out) : read_rule(&c, root, out)) goto fail;
    out->n_params = stp_family_n_params(out->kind, out->hidden);
    cJSON_Delete(root);
    free(text);
    return STP_OK;
fail:
    cJSON_Delete(root);
    free(text);
    return err->status;
}

stp_status stp_model_load(stp_model *out, const char *path, stp_error *err)
{
    stp_error local;
    stp_status st;
    if (!err) err = &local;
    memset(out, 0, sizeof *out);
    if (!path) return stp_error_set(err, STP_EUSAGE, "model error: no model file given");
    st = one_line(err, load(out, path, err));
    if (st != STP_OK) memset(out, 0, sizeof *out); /* no half-filled model */
    return st;
}
