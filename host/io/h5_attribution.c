/* h5_attribution.c: /variants/<name>/attribution (h5_attribution.h).
 * Row-major [group][kind] datasets, so h5py's f[".../share"][1] is the worst
 * 1%'s row; the names datasets say what the rows and columns are. */
#include "h5_attribution.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

#define WORST_RULE                                                                                 \
    "worst_1pct: the ceil(paths / 100) paths with the most bad_debt_usd (ties to the lower "       \
    "path), ranked by path count; every figure weighted by the weight outcome"

// ----------------------------------------------------------------------------
// writing

/* n names as a 1-D variable-length UTF-8 string dataset. */
static int write_names(hid_t g, const char *name, const char *const *s, int n, stp_error *err)
{
    const hsize_t dims[1] = {(hsize_t)n};
    hid_t t = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, t = stp_h5_string_type()))
        stp_h5_blame(err, g, name, NULL);
    else
        rc = stp_h5_write_dataset(g, name, t, t, 1, dims, s, 0, err);
    stp_h5_close(t);
    return rc;
}

static int write_f64(hid_t g, const char *name, int rank, const hsize_t *dims, const double *x,
                     stp_error *err)
{
    return stp_h5_write_dataset(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, x, 0, err);
}

static int write_i64(hid_t g, const char *name, int n, const long long *x, stp_error *err)
{
    const hsize_t dims[1] = {(hsize_t)n};
    return stp_h5_write_dataset(g, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, dims, x, 0, err);
}

static int write_first_movers(hid_t ag, const stp_attribution *a, stp_error *err)
{
    const char *names[STP_MAX_FAMILIES];
    const hsize_t nf[1] = {(hsize_t)a->n_families};
    hid_t g = -1;
    int rc = -1;
    for (int f = 0; f < a->n_families; f++)
        names[f] = a->families[f];
    if (stp_h5_make_group(ag, "first_movers", 0, &g, err) ||
        write_names(g, "families", names, a->n_families, err) ||
        write_f64(g, "population_share", 1, nf, a->population_share, err) ||
        write_f64(g, "cascade_share", 1, nf, a->cascade_share, err) ||
        write_i64(g, "cascade_count", a->n_families, a->cascade_count, err) ||
        write_f64(g, "acted_share", 1, nf, a->acted_share, err) ||
        write_i64(g, "acted_count", a->n_families, a->acted_count, err) ||
        write_f64(g, "lift", 1, nf, a->lift, err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

int stp_h5_write_attribution(hid_t vg, const stp_attribution *a, stp_error *err)
{
    const hsize_t gk[2] = {STP_ATTR_GROUPS, STP_ATTR_KINDS}, ng[1] = {STP_ATTR_GROUPS};
    const char *kinds[STP_ATTR_KINDS];
    hid_t g = -1;
    int rc = -1;
    if (!a->computed) return 0;
    for (int k = 0; k < STP_ATTR_KINDS; k++)
        kinds[k] = stp_shock_kind_name((stp_shock_kind)k);
    if (stp_h5_make_group(vg, "attribution", 0, &g, err) ||
        stp_h5_attr_str(g, ".", "worst_rule", WORST_RULE, err) ||
        write_names(g, "kinds", kinds, STP_ATTR_KINDS, err) ||
        write_names(g, "groups", stp_attr_group_names, STP_ATTR_GROUPS, err) ||
        write_i64(g, "paths", STP_ATTR_GROUPS, a->paths, err) ||
        write_f64(g, "weight", 1, ng, a->weight, err) ||
        write_f64(g, "share", 2, gk, &a->share[0][0], err) ||
        write_f64(g, "mean_size", 2, gk, &a->mean_size[0][0], err) ||
        write_f64(g, "mean_time_s", 2, gk, &a->mean_time_s[0][0], err) ||
        write_first_movers(g, a, err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

// ----------------------------------------------------------------------------
// reading

/* A [STP_ATTR_GROUPS][n_kinds] dataset into x[group][kind]; *n_kinds is set
 * by the first one read (-1) and must match in the others. */
static int read_table(hid_t g, const char *name, double (*x)[STP_ATTR_KINDS], int *n_kinds,
                      stp_error *err)
{
    double buf[STP_ATTR_GROUPS * STP_ATTR_KINDS];
    hsize_t dims[2] = {0, 0};
    hid_t d = -1, space = -1;
    int rc = -1, rank;
    if (STP_H5_CHECK(err, d = H5Dopen2(g, name, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        STP_H5_CHECK(err, rank = H5Sget_simple_extent_ndims(space)))
        goto fail;
    if (rank != 2 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
        dims[0] != STP_ATTR_GROUPS || dims[1] > STP_ATTR_KINDS ||
        (*n_kinds >= 0 && dims[1] != (hsize_t)*n_kinds)) {
        stp_error_set(err, STP_EIO, "is not [%d groups][at most %d kinds]%s", STP_ATTR_GROUPS,
                      STP_ATTR_KINDS, *n_kinds >= 0 ? " like share" : "");
        goto fail;
    }
    if (dims[1] > 0 &&
        STP_H5_CHECK(err, H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)))
        goto fail;
    *n_kinds = (int)dims[1];
    for (int r = 0; r < STP_ATTR_GROUPS; r++)
        for (int k = 0; k < *n_kinds; k++)
            x[r][k] = buf[r * *n_kinds + k];
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, g, name, NULL);
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

/* A 1-D dataset of exactly n values. */
static int read_exact(hid_t g, const char *name, hid_t mtype, void *out, int n, stp_error *err)
{
    int got = 0;
    if (stp_h5_read_ds(g, name, mtype, out, n, &got, err)) return -1;
    if (got == n) return 0;
    stp_error_set(err, STP_EIO, "has %d values, expected %d", got, n);
    stp_h5_blame(err, g, name, NULL);
    return -1;
}

/* The family names (variable or fixed length), at most STP_MAX_FAMILIES;
 * *n gets their count, which the other first_movers columns must match. */
static int read_families(hid_t g, stp_attribution *a, stp_error *err)
{
    char *vs[STP_MAX_FAMILIES] = {NULL};
    char fixed[STP_MAX_FAMILIES][STP_NAME_MAX];
    hid_t d = -1, space = -1, ft = -1, mt = -1;
    hssize_t n = 0;
    htri_t vlen = 0;
    int rc = -1;
    if (STP_H5_CHECK(err, d = H5Dopen2(g, "families", H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        stp_h5_require_points(space, 0, STP_MAX_FAMILIES, &n, err) ||
        STP_H5_CHECK(err, ft = H5Dget_type(d)) ||
        stp_h5_string_mem_type(ft, STP_NAME_MAX, &vlen, &mt, err) ||
        (n > 0 && STP_H5_CHECK(err, H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                            vlen ? (void *)vs : (void *)fixed))))
        goto fail;
    a->n_families = (int)n;
    for (int f = 0; f < a->n_families; f++) {
        snprintf(a->families[f], sizeof a->families[f], "%s",
                 vlen ? (vs[f] ? vs[f] : "") : fixed[f]);
        if (vs[f]) H5free_memory(vs[f]);
    }
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, g, "families", NULL);
    stp_h5_close(mt);
    stp_h5_close(ft);
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

static int read_first_movers(hid_t ag, stp_attribution *a, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    const int *n = &a->n_families;
    if (STP_H5_CHECK(err, g = H5Gopen2(ag, "first_movers", H5P_DEFAULT))) {
        stp_h5_blame(err, ag, "first_movers", NULL);
        goto fail;
    }
    if (read_families(g, a, err) ||
        read_exact(g, "population_share", H5T_NATIVE_DOUBLE, a->population_share, *n, err) ||
        read_exact(g, "cascade_share", H5T_NATIVE_DOUBLE, a->cascade_share, *n, err) ||
        read_exact(g, "cascade_count", H5T_NATIVE_LLONG, a->cascade_count, *n, err) ||
        read_exact(g, "acted_share", H5T_NATIVE_DOUBLE, a->acted_share, *n, err) ||
        read_exact(g, "acted_count", H5T_NATIVE_LLONG, a->acted_count, *n, err) ||
        read_exact(g, "lift", H5T_NATIVE_DOUBLE, a->lift, *n, err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

int stp_h5_read_attribution(hid_t vg, stp_attribution *a, stp_error *err)
{
    hid_t g = -1;
    htri_t has;
    int rc = -1;
    memset(a, 0, sizeof *a);
    a->n_kinds = -1;
    if (STP_H5_CHECK(err, has = H5Lexists(vg, "attribution", H5P_DEFAULT))) return -1;
    if (!has) {
        a->n_kinds = 0;
        return 0;
    }
    if (STP_H5_CHECK(err, g = H5Gopen2(vg, "attribution", H5P_DEFAULT))) {
        stp_h5_blame(err, vg, "attribution", NULL);
        goto fail;
    }
    if (read_exact(g, "paths", H5T_NATIVE_LLONG, a->paths, STP_ATTR_GROUPS, err) ||
        read_exact(g, "weight", H5T_NATIVE_DOUBLE, a->weight, STP_ATTR_GROUPS, err) ||
        read_table(g, "share", a->share, &a->n_kinds, err) ||
        read_table(g, "mean_size", a->mean_size, &a->n_kinds, err) ||
        read_table(g, "mean_time_s", a->mean_time_s, &a->n_kinds, err) ||
        read_first_movers(g, a, err))
        goto fail;
    a->computed = 1;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}
