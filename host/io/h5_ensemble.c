/* h5_ensemble.c: /variants/<name>/ensemble (h5_ensemble.h). Per-population
 * arrays are row-major [population][level], so h5py's
 * f[".../ensemble/stats/bad_debt_usd/es"][k] is population k's ES row. */
#include "h5_ensemble.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "stampede/outcomes.h"

// ----------------------------------------------------------------------------
// writing

/* Field `off` (element j of a double array, or the scalar) of every
 * population's stats of outcome m, as a [population][levels] dataset. */
static int write_field(hid_t g, const char *name, const stp_ensemble *e, int m, size_t off,
                       int levels, double *buf, stp_error *err)
{
    const hsize_t dims[2] = {(hsize_t)e->k, (hsize_t)(levels > 0 ? levels : 1)};
    int k, j;
    for (k = 0; k < e->k; k++)
        for (j = 0; j < (levels > 0 ? levels : 1); j++)
            buf[(size_t)k * dims[1] + (size_t)j] =
                ((const double *)((const char *)&e->pop[k].stats[m] + off))[j];
    return stp_h5_write_f64(g, name, levels > 0 ? 2 : 1, dims, buf, err);
}

static int write_metric(hid_t sg, const stp_ensemble *e, int m, double *buf, stp_error *err)
{
    const int nq = e->pop[0].stats[m].n_quantiles, ne = e->pop[0].stats[m].n_es;
    hid_t g = -1;
    int rc = -1;
#define F(name, field, levels)                                                                     \
    write_field(g, name, e, m, offsetof(stp_metric_stats, field), levels, buf, err)
    if (stp_h5_make_group(sg, stp_outcome_names[m], 0, &g, err) || F("mean", mean, 0) ||
        F("mean_ci_lo", mean_ci_lo, 0) || F("mean_ci_hi", mean_ci_hi, 0) ||
        (nq > 0 && (F("quantiles", quantiles, nq) || F("quantile_ci_lo", quantile_ci_lo, nq) ||
                    F("quantile_ci_hi", quantile_ci_hi, nq))) ||
        (ne > 0 &&
         (F("var", var, ne) || F("var_ci_lo", var_ci_lo, ne) || F("var_ci_hi", var_ci_hi, ne) ||
          F("es", es, ne) || F("es_ci_lo", es_ci_lo, ne) || F("es_ci_hi", es_ci_hi, ne))))
        goto fail;
#undef F
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

static int write_attrs(hid_t g, const stp_ensemble *e, stp_error *err)
{
    return stp_h5_attr_i64(g, ".", "populations", e->k, err) ||
           stp_h5_attr_i64(g, ".", "paths_per_population", e->paths, err) ||
           stp_h5_attr_str(g, ".", "ci_method", STP_ENSEMBLE_CI_METHOD, err) ||
           stp_h5_attr_f64(g, ".", "cascade_min", e->p_min, err) ||
           stp_h5_attr_f64(g, ".", "cascade_median", e->p_median, err) ||
           stp_h5_attr_f64(g, ".", "cascade_max", e->p_max, err) ||
           stp_h5_attr_f64(g, ".", "var_between", e->var_between, err) ||
           stp_h5_attr_f64(g, ".", "var_within", e->var_within, err) ||
           stp_h5_attr_f64(g, ".", "icc", e->icc, err) ||
           stp_h5_attr_f64(g, ".", "between_share", e->between_share, err) ||
           stp_h5_attr_f64(g, ".", "population_s", e->pop_s, err) ||
           stp_h5_attr_f64(g, ".", "path_s", e->path_s, err) ||
           stp_h5_attr_f64(g, ".", "best_paths", e->best_paths, err) ||
           stp_h5_attr_i64(g, ".", "best_populations", e->best_populations, err) ||
           stp_h5_attr_f64(g, ".", "halfwidth", e->halfwidth, err) ||
           stp_h5_attr_f64(g, ".", "best_halfwidth", e->best_halfwidth, err);
}

/* Each population's P(cascade) columns: the dataset and its field. */
static const struct {
    const char *name;
    size_t off;
} CASCADE_COLS[] = {
    {"cascade", offsetof(stp_cascade_stats, p)},
    {"cascade_ci_lo", offsetof(stp_cascade_stats, ci_lo)},
    {"cascade_ci_hi", offsetof(stp_cascade_stats, ci_hi)},
    {"cascade_se", offsetof(stp_cascade_stats, se)},
};
#define N_CASCADE_COLS (sizeof CASCADE_COLS / sizeof CASCADE_COLS[0])

static double *cascade_field(stp_cascade_stats *c, size_t col)
{
    return (double *)((char *)c + CASCADE_COLS[col].off);
}

static int write_cascade_cols(hid_t g, const stp_ensemble *e, double *buf, stp_error *err)
{
    const hsize_t dims[1] = {(hsize_t)e->k};
    size_t col;
    int k;
    for (col = 0; col < N_CASCADE_COLS; col++) {
        for (k = 0; k < e->k; k++)
            buf[k] = *cascade_field(&e->pop[k].cascade, col);
        if (stp_h5_write_f64(g, CASCADE_COLS[col].name, 1, dims, buf, err)) return -1;
    }
    return 0;
}

static int write_screens(hid_t g, const stp_ensemble *e, int *ibuf, stp_error *err)
{
    const hsize_t dims[1] = {(hsize_t)e->k};
    int k;
    for (k = 0; k < e->k; k++)
        ibuf[k] = e->pop[k].redraws;
    if (stp_h5_write_i32(g, "equilibrium_redraws", 1, dims, ibuf, err)) return -1;
    for (k = 0; k < e->k; k++)
        ibuf[k] = e->pop[k].fallbacks;
    return stp_h5_write_i32(g, "equilibrium_fallbacks", 1, dims, ibuf, err);
}

/* outcomes/population: path i's population, i / paths_per_population. */
static int write_path_population(hid_t vg, const stp_ensemble *e, stp_error *err)
{
    const hsize_t n = (hsize_t)e->k * (hsize_t)e->paths;
    int *col = NULL;
    hid_t g = -1;
    int rc = -1;
    hsize_t i;
    if (STP_ALLOC(err, col, n)) return -1;
    for (i = 0; i < n; i++)
        col[i] = (int)(i / (hsize_t)e->paths);
    if (STP_H5_CHECK(err, g = H5Gopen2(vg, "outcomes", H5P_DEFAULT)))
        stp_h5_blame(err, vg, "outcomes", NULL);
    else
        rc = stp_h5_write_dataset(g, "population", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n, col, 1,
                                  err);
    stp_h5_close(g);
    free(col);
    return rc;
}

int stp_h5_write_ensemble(hid_t vg, const stp_ensemble *e, stp_error *err)
{
    const size_t levels = STP_STATS_MAX_LEVELS;
    double *buf = NULL;
    int *ibuf = NULL, m, rc = -1;
    hid_t g = -1, sg = -1;
    if (STP_ALLOC(err, buf, (size_t)e->k * levels) || STP_ALLOC(err, ibuf, e->k)) goto fail;
    if (stp_h5_make_group(vg, "ensemble", 0, &g, err) || write_attrs(g, e, err) ||
        write_cascade_cols(g, e, buf, err) || write_screens(g, e, ibuf, err) ||
        stp_h5_make_group(g, "stats", 0, &sg, err))
        goto fail;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        if (write_metric(sg, e, m, buf, err)) goto fail;
    rc = write_path_population(vg, e, err);
fail:
    stp_h5_close(sg);
    stp_h5_close(g);
    free(buf);
    free(ibuf);
    return rc;
}

// ----------------------------------------------------------------------------
// reading

static int read_f64_attr(hid_t g, const char *name, double *x, stp_error *err)
{
    return stp_h5_read_attr(g, ".", name, H5T_NATIVE_DOUBLE, x, err);
}

/* The [population] columns of CASCADE_COLS into the populations' figures. */
static int read_cascade_cols(hid_t g, stp_ensemble *e, double *buf, stp_error *err)
{
    size_t col;
    int n = 0, k;
    for (col = 0; col < N_CASCADE_COLS; col++) {
        if (stp_h5_read_ds(g, CASCADE_COLS[col].name, H5T_NATIVE_DOUBLE, buf, e->k, &n, err))
            return -1;
        if (n != e->k) {
            stp_error_set(err, STP_EIO, "ensemble/%s: %d values for %d populations",
                          CASCADE_COLS[col].name, n, e->k);
            return -1;
        }
        for (k = 0; k < e->k; k++)
            *cascade_field(&e->pop[k].cascade, col) = buf[k];
    }
    return 0;
}

int stp_h5_read_ensemble(hid_t vg, stp_ensemble *e, stp_error *err)
{
    long long k = 0, paths = 0;
    double *buf = NULL;
    hid_t g = -1;
    htri_t has;
    int rc = -1;
    memset(e, 0, sizeof *e);
    if (STP_H5_CHECK(err, has = H5Lexists(vg, "ensemble", H5P_DEFAULT))) return -1;
    if (!has) return 0;
    if (STP_H5_CHECK(err, g = H5Gopen2(vg, "ensemble", H5P_DEFAULT))) {
        stp_h5_blame(err, vg, "ensemble", NULL);
        return -1;
    }
    if (stp_h5_read_attr(g, ".", "populations", H5T_NATIVE_LLONG, &k, err) ||
        stp_h5_read_attr(g, ".", "paths_per_population", H5T_NATIVE_LLONG, &paths, err))
        goto fail;
    if (k < 2 || k > 65535 || paths < 2) {
        stp_error_set(err, STP_EIO, "ensemble: %lld populations of %lld paths is no ensemble", k,
                      paths);
        goto fail;
    }
    if (stp_ensemble_init(e, (int)k, paths, err) != STP_OK || STP_ALLOC(err, buf, k)) goto fail;
    if (read_f64_attr(g, "cascade_min", &e->p_min, err) ||
        read_f64_attr(g, "cascade_median", &e->p_median, err) ||
        read_f64_attr(g, "cascade_max", &e->p_max, err) ||
        read_f64_attr(g, "var_between", &e->var_between, err) ||
        read_f64_attr(g, "var_within", &e->var_within, err) ||
        read_f64_attr(g, "icc", &e->icc, err) ||
        read_f64_attr(g, "between_share", &e->between_share, err) ||
        read_f64_attr(g, "population_s", &e->pop_s, err) ||
        read_f64_attr(g, "path_s", &e->path_s, err) ||
        read_f64_attr(g, "best_paths", &e->best_paths, err) ||
        stp_h5_read_attr(g, ".", "best_populations", H5T_NATIVE_LLONG, &e->best_populations, err) ||
        read_f64_attr(g, "halfwidth", &e->halfwidth, err) ||
        read_f64_attr(g, "best_halfwidth", &e->best_halfwidth, err) ||
        read_cascade_cols(g, e, buf, err))
        goto fail;
    rc = 0;
fail:
    if (rc) stp_ensemble_free(e);
    free(buf);
    stp_h5_close(g);
    return rc;
}
