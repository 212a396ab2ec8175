/* h5_comparison.c: /comparison and /sweep in the results file (DESIGN §6,
 * §3.8). One 1-D dataset per column, one value per row, rows in the order
 * of stp_comparison (baseline first), so h5py reads a column as an array:
 *
 *   /comparison  attrs baseline, es_level, es_metric, ci_method
 *     name (str), cascade_paths, paths (int64), p_cascade, p_ci_lo, p_ci_hi,
 *     es, es_ci_lo, es_ci_hi, bad_debt_mean, bad_debt_ci_lo, bad_debt_ci_hi,
 *     d_{cascade,es,bad_debt}_{diff,ci_lo,ci_hi,unpaired_ci_lo,
 *                               unpaired_ci_hi,rel,rel_ci_lo,rel_ci_hi}
 *   /sweep       attr param
 *     series (str), value, p_cascade, p_ci_lo, p_ci_hi, es, es_ci_lo,
 *     es_ci_hi, bad_debt_mean, variant (str: the row's name)
 *
 * The tables below name the columns once, for the writer and the reader. */
#include "h5_comparison.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "stampede/outcomes.h"

/* What the d_* columns' intervals are (the `ci_method` attribute); the
 * rows' own intervals are those of the variant's stats (Wilson for
 * P(cascade)). */
#define CI_METHOD                                                                                  \
    "normal 95%, delta method on paired per-path influence values (paired over paths under "       \
    "common random numbers); unpaired_*: the same as if the samples were independent"
#define ENSEMBLE_CI_METHOD                                                                         \
    "two-level: paired within each population, then the mean over populations, 95% t interval "    \
    "(populations - 1 df) from their spread; rel: delta method over populations; unpaired_*: t "   \
    "over the populations' estimates; populations/: each one's difference"

/* A column: the field at byte offset `off` of each row (or of a paired diff). */
typedef struct column {
    const char *name;
    size_t off;
} column;

#define ROW_OFF(field)  offsetof(stp_comparison_row, field)
#define DIFF_OFF(field) offsetof(stp_paired_diff, field)

/* The double columns of a row; /sweep repeats the first SWEEP_F64 as curves. */
static const column ROW_F64[] = {
    {"p_cascade", ROW_OFF(cascade.p)},
    {"p_ci_lo", ROW_OFF(cascade.ci_lo)},
    {"p_ci_hi", ROW_OFF(cascade.ci_hi)},
    {"es", ROW_OFF(es)},
    {"es_ci_lo", ROW_OFF(es_ci_lo)},
    {"es_ci_hi", ROW_OFF(es_ci_hi)},
    {"bad_debt_mean", ROW_OFF(bad_debt_mean)},
    {"bad_debt_ci_lo", ROW_OFF(bad_debt_ci_lo)},
    {"bad_debt_ci_hi", ROW_OFF(bad_debt_ci_hi)},
};
#define SWEEP_F64 7
#define N_ROW_F64 (sizeof ROW_F64 / sizeof ROW_F64[0])

static const column ROW_I64[] = {
    {"cascade_paths", ROW_OFF(cascade.k)},
    {"paths", ROW_OFF(cascade.n)},
};
#define N_ROW_I64 (sizeof ROW_I64 / sizeof ROW_I64[0])

/* Column name prefixes of the three paired differences. */
static const column DIFFS[] = {
    {"d_cascade_", ROW_OFF(d_cascade)},
    {"d_es_", ROW_OFF(d_es)},
    {"d_bad_debt_", ROW_OFF(d_bad_debt)},
};
#define N_DIFFS (sizeof DIFFS / sizeof DIFFS[0])

/* base and variant are not stored: they are the rows' own p_cascade, es and
 * bad_debt_mean. */
static const column DIFF_F64[] = {
    {"diff", DIFF_OFF(diff)},
    {"ci_lo", DIFF_OFF(ci_lo)},
    {"ci_hi", DIFF_OFF(ci_hi)},
    {"unpaired_ci_lo", DIFF_OFF(unpaired_ci_lo)},
    {"unpaired_ci_hi", DIFF_OFF(unpaired_ci_hi)},
    {"rel", DIFF_OFF(rel)},
    {"rel_ci_lo", DIFF_OFF(rel_ci_lo)},
    {"rel_ci_hi", DIFF_OFF(rel_ci_hi)},
};
#define N_DIFF_F64 (sizeof DIFF_F64 / sizeof DIFF_F64[0])

#define DIFF_NAME_MAX 32 /* "d_bad_debt_unpaired_ci_lo" */
/* Fixed-length strings are read one byte wider than a name may be, so an
 * overlong one shows instead of being cut silently. */
#define FIXED_WIDTH (STP_NAME_MAX + 1)

// ----------------------------------------------------------------------------
// writing

/* One value per row: the `size`-byte field at offset `off` of each. */
static int write_column(hid_t g, const char *name, const stp_comparison *c, size_t off, size_t size,
                        hid_t ftype, hid_t mtype, stp_error *err)
{
    const hsize_t n = (hsize_t)c->n;
    unsigned char *x = NULL;
    if (STP_ALLOC(err, x, (size_t)c->n * size)) return -1;
    for (int i = 0; i < c->n; i++)
        memcpy(x + (size_t)i * size, (const char *)&c->rows[i] + off, size);
    const int rc = stp_h5_write_dataset(g, name, ftype, mtype, 1, &n, x, 0, err);
    free(x);
    return rc;
}

static int write_f64(hid_t g, const char *name, const stp_comparison *c, size_t off, stp_error *err)
{
    return write_column(g, name, c, off, sizeof(double), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, err);
}

/* One UTF-8 string per row: the name or series array at offset `off`. */
static int write_strings(hid_t g, const char *name, const stp_comparison *c, size_t off,
                         stp_error *err)
{
    const hsize_t n = (hsize_t)c->n;
    const char **s = NULL;
    hid_t t = -1;
    int rc = -1;
    if (STP_ALLOC(err, s, (size_t)c->n)) return -1;
    for (int i = 0; i < c->n; i++)
        s[i] = (const char *)&c->rows[i] + off;
    if (STP_H5_CHECK(err, t = stp_h5_string_type()))
        stp_h5_blame(err, g, name, NULL);
    else
        rc = stp_h5_write_dataset(g, name, t, t, 1, &n, s, 0, err);
    stp_h5_close(t);
    free(s);
    return rc;
}

static int write_columns(hid_t g, const stp_comparison *c, stp_error *err)
{
    char name[DIFF_NAME_MAX];
    if (write_strings(g, "name", c, ROW_OFF(name), err)) return -1;
    for (size_t i = 0; i < N_ROW_I64; i++)
        if (write_column(g, ROW_I64[i].name, c, ROW_I64[i].off, sizeof(long long), H5T_STD_I64LE,
                         H5T_NATIVE_LLONG, err))
            return -1;
    for (size_t i = 0; i < N_ROW_F64; i++)
        if (write_f64(g, ROW_F64[i].name, c, ROW_F64[i].off, err)) return -1;
    for (size_t d = 0; d < N_DIFFS; d++)
        for (size_t f = 0; f < N_DIFF_F64; f++) {
            snprintf(name, sizeof name, "%s%s", DIFFS[d].name, DIFF_F64[f].name);
            if (write_f64(g, name, c, DIFFS[d].off + DIFF_F64[f].off, err)) return -1;
        }
    return 0;
}

/* The sweep's curves: the same rows in the same order, as (series, value). */
static int write_sweep(hid_t file, const stp_comparison *c, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(file, "sweep", 0, &g, err) ||
        stp_h5_attr_str(g, ".", "param", c->sweep_param, err) ||
        write_strings(g, "series", c, ROW_OFF(series), err) ||
        write_f64(g, "value", c, ROW_OFF(value), err))
        goto fail;
    for (int i = 0; i < SWEEP_F64; i++)
        if (write_f64(g, ROW_F64[i].name, c, ROW_F64[i].off, err)) goto fail;
    if (write_strings(g, "variant", c, ROW_OFF(name), err)) goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

/* comparison/populations/d_<what>_diff [row][population]: each population's own
 * paired difference, whose mean and spread make the rows' (ensemble.h). */
static int write_populations(hid_t g, const stp_comparison *c, stp_error *err)
{
    const hsize_t dims[2] = {(hsize_t)c->n, (hsize_t)c->populations};
    hid_t pg = -1;
    int rc = -1;
    if (stp_h5_make_group(g, "populations", 0, &pg, err) ||
        stp_h5_write_f64(pg, "d_cascade_diff", 2, dims, c->pop_d_cascade, err) ||
        stp_h5_write_f64(pg, "d_es_diff", 2, dims, c->pop_d_es, err) ||
        stp_h5_write_f64(pg, "d_bad_debt_diff", 2, dims, c->pop_d_bad_debt, err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(pg);
    return rc;
}

int stp_h5_write_comparison(hid_t file, const stp_comparison *c, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(file, "comparison", 0, &g, err) ||
        stp_h5_attr_str(g, ".", "baseline", c->n > 0 ? c->rows[0].name : "", err) ||
        stp_h5_attr_f64(g, ".", "es_level", c->es_level, err) ||
        stp_h5_attr_str(g, ".", "es_metric", stp_outcome_names[STP_OUT_BAD_DEBT_USD], err) ||
        stp_h5_attr_str(g, ".", "ci_method", c->populations > 0 ? ENSEMBLE_CI_METHOD : CI_METHOD,
                        err) ||
        write_columns(g, c, err) || (c->populations > 0 && write_populations(g, c, err)))
        goto fail;
    if (c->sweep_param[0] != '\0' && write_sweep(file, c, err)) goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

// ----------------------------------------------------------------------------
// reading

/* Each row's `size`-byte field at `off` from column `name` (c->n values). */
static int read_column(hid_t g, const char *name, stp_comparison *c, size_t off, size_t size,
                       hid_t mtype, stp_error *err)
{
    unsigned char *x = NULL;
    int got = 0, rc = -1;
    if (STP_ALLOC(err, x, (size_t)c->n * size) ||
        stp_h5_read_ds(g, name, mtype, x, c->n, &got, err))
        goto fail;
    if (got != c->n) {
        stp_error_set(err, STP_EIO, "has %d values, expected %d (one per row)", got, c->n);
        stp_h5_blame(err, g, name, NULL);
        goto fail;
    }
    for (int i = 0; i < c->n; i++)
        memcpy((char *)&c->rows[i] + off, x + (size_t)i * size, size);
    rc = 0;
fail:
    free(x);
    return rc;
}

static int read_f64(hid_t g, const char *name, stp_comparison *c, size_t off, stp_error *err)
{
    return read_column(g, name, c, off, sizeof(double), H5T_NATIVE_DOUBLE, err);
}

/* Copies n strings to dst + i * stride, each shorter than STP_NAME_MAX:
 * they name variants and series, so a cut one would name another. */
static int copy_strings(char *dst, size_t stride, char *const *vs, const char *fixed, int n,
                        stp_error *err)
{
    for (int i = 0; i < n; i++) {
        const char *s = vs ? (vs[i] ? vs[i] : "") : fixed + (size_t)i * FIXED_WIDTH;
        if (strlen(s) >= STP_NAME_MAX) {
            stp_error_set(err, STP_EIO, "row %d is longer than %d bytes", i, STP_NAME_MAX - 1);
            return -1;
        }
        memcpy(dst + (size_t)i * stride, s, strlen(s) + 1);
    }
    return 0;
}

/* String column `name` (variable or fixed length) of exactly n rows. */
static int read_strings(hid_t g, const char *name, int n, char *dst, size_t stride, stp_error *err)
{
    hid_t d = -1, space = -1, ft = -1, mt = -1;
    hssize_t count = 0;
    htri_t vlen = 0;
    char **vs = NULL, *fixed = NULL;
    void *buf = NULL;
    int rc = -1;
    if (STP_H5_CHECK(err, d = H5Dopen2(g, name, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        stp_h5_require_points(space, n, n, &count, err) || STP_H5_CHECK(err, ft = H5Dget_type(d)) ||
        stp_h5_string_mem_type(ft, FIXED_WIDTH, &vlen, &mt, err))
        goto fail;
    if (STP_ALLOC(err, vs, (size_t)n) || STP_ALLOC(err, fixed, (size_t)n * FIXED_WIDTH)) goto fail;
    buf = vlen ? (void *)vs : (void *)fixed;
    if (STP_H5_CHECK(err, H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf))) goto fail;
    rc = copy_strings(dst, stride, vlen ? vs : NULL, fixed, n, err);
fail:
    if (rc) stp_h5_blame(err, g, name, NULL);
    for (int i = 0; vs && i < n; i++)
        if (vs[i]) H5free_memory(vs[i]);
    free(vs);
    free(fixed);
    stp_h5_close(mt);
    stp_h5_close(ft);
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

/* The rows, from /comparison/name: the baseline at least. Each row starts
 * as a comparison (series = name, value NaN) until /sweep says otherwise,
 * and with the paired diffs' unstored base and variant NaN. */
static int read_rows(hid_t g, stp_comparison *c, stp_error *err)
{
    hid_t d = -1, space = -1;
    hssize_t n = 0;
    int rc = -1;
    if (STP_H5_CHECK(err, d = H5Dopen2(g, "name", H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        stp_h5_require_points(space, 1, STP_MAX_POINTS, &n, err)) {
        stp_h5_blame(err, g, "name", NULL);
        goto fail;
    }
    if (STP_ALLOC(err, c->rows, (size_t)n)) goto fail;
    c->n = (int)n;
    if (read_strings(g, "name", c->n, (char *)c->rows + ROW_OFF(name), sizeof c->rows[0], err))
        goto fail;
    for (int i = 0; i < c->n; i++) {
        stp_comparison_row *r = &c->rows[i];
        memcpy(r->series, r->name, sizeof r->series);
        r->value = NAN;
        r->d_cascade.base = r->d_es.base = r->d_bad_debt.base = NAN;
        r->d_cascade.variant = r->d_es.variant = r->d_bad_debt.variant = NAN;
    }
    rc = 0;
fail:
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

static int read_columns(hid_t g, stp_comparison *c, stp_error *err)
{
    char name[DIFF_NAME_MAX];
    for (size_t i = 0; i < N_ROW_I64; i++)
        if (read_column(g, ROW_I64[i].name, c, ROW_I64[i].off, sizeof(long long), H5T_NATIVE_LLONG,
                        err))
            return -1;
    for (size_t i = 0; i < N_ROW_F64; i++)
        if (read_f64(g, ROW_F64[i].name, c, ROW_F64[i].off, err)) return -1;
    for (size_t d = 0; d < N_DIFFS; d++)
        for (size_t f = 0; f < N_DIFF_F64; f++) {
            snprintf(name, sizeof name, "%s%s", DIFFS[d].name, DIFF_F64[f].name);
            if (read_f64(g, name, c, DIFFS[d].off + DIFF_F64[f].off, err)) return -1;
        }
    return 0;
}

/* /sweep's series and values; its rows must be /comparison's, in order. Its
 * curve columns repeat /comparison's and are not read. */
static int read_sweep(hid_t file, stp_comparison *c, stp_error *err)
{
    char(*variant)[STP_NAME_MAX] = NULL;
    hid_t g = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, g = H5Gopen2(file, "sweep", H5P_DEFAULT))) {
        stp_h5_blame(err, file, "sweep", NULL);
        goto fail;
    }
    if (STP_ALLOC(err, variant, (size_t)c->n) ||
        stp_h5_read_str_attr(g, ".", "param", c->sweep_param, sizeof c->sweep_param, err) ||
        read_strings(g, "series", c->n, (char *)c->rows + ROW_OFF(series), sizeof c->rows[0],
                     err) ||
        read_f64(g, "value", c, ROW_OFF(value), err) ||
        read_strings(g, "variant", c->n, (char *)variant, sizeof variant[0], err))
        goto fail;
    if (c->sweep_param[0] == '\0') {
        stp_error_set(err, STP_EIO, "/sweep: attribute 'param' is empty");
        goto fail;
    }
    for (int i = 0; i < c->n; i++)
        if (strcmp(variant[i], c->rows[i].name) != 0) {
            stp_error_set(err, STP_EIO,
                          "/sweep/variant: row %d is '%s' but /comparison/name row %d is '%s' "
                          "(the two tables must list the same rows in order)",
                          i, variant[i], i, c->rows[i].name);
            goto fail;
        }
    rc = 0;
fail:
    free(variant);
    stp_h5_close(g);
    return rc;
}

/* The attributes a reader needs: es_level, ci_method, and a baseline that
 * must be row 0. */
static int read_attrs(hid_t g, stp_comparison *c, char *ci_method, size_t cap, stp_error *err)
{
    char baseline[STP_NAME_MAX];
    if (stp_h5_read_attr(g, ".", "es_level", H5T_NATIVE_DOUBLE, &c->es_level, err) ||
        stp_h5_read_str_attr(g, ".", "ci_method", ci_method, cap, err) ||
        stp_h5_read_str_attr(g, ".", "baseline", baseline, sizeof baseline, err))
        return -1;
    if (strcmp(baseline, c->rows[0].name) == 0) return 0;
    stp_error_set(err, STP_EIO, "/comparison: attribute 'baseline' is '%s' but row 0 is '%s'",
                  baseline, c->rows[0].name);
    return -1;
}

int stp_h5_read_comparison(hid_t file, stp_comparison *c, char *ci_method, size_t cap,
                           stp_error *err)
{
    htri_t has, has_sweep;
    hid_t g = -1;
    int rc = -1;
    memset(c, 0, sizeof *c);
    ci_method[0] = '\0';
    if (STP_H5_CHECK(err, has = H5Lexists(file, "comparison", H5P_DEFAULT)) ||
        STP_H5_CHECK(err, has_sweep = H5Lexists(file, "sweep", H5P_DEFAULT)))
        return -1;
    if (!has && has_sweep) {
        stp_error_set(err, STP_EIO, "/sweep without /comparison (a partial results file)");
        return -1;
    }
    if (!has) return 0; /* a single experiment */
    if (STP_H5_CHECK(err, g = H5Gopen2(file, "comparison", H5P_DEFAULT))) {
        stp_h5_blame(err, file, "comparison", NULL);
        goto fail;
    }
    if (read_rows(g, c, err) || read_attrs(g, c, ci_method, cap, err) || read_columns(g, c, err) ||
        (has_sweep && read_sweep(file, c, err)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}
