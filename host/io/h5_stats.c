/* h5_stats.c: a metric's statistics group and a P(cascade) scalar in a
 * results file, written (h5out.c, h5_venues.c) and read back (h5in.c,
 * h5_venues.c) in one form wherever they appear: the variant's stats/ and
 * cascade, each venue's, and the contagion estimates (h5_stats.h). */
#include "h5_stats.h"

#include <math.h>
#include <string.h>

// ----------------------------------------------------------------------------
// writing

static int ds_f64(hid_t loc, const char *name, int n, const double *x, stp_error *err)
{
    const hsize_t dims[1] = {(hsize_t)n};
    return stp_h5_write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, x, 0, err);
}

static int ds_scalar(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *x,
                     stp_error *err)
{
    return stp_h5_write_dataset(loc, name, ftype, mtype, 0, NULL, x, 0, err);
}

static int clamp_levels(int n)
{
    return n < 0 ? 0 : n > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS : n;
}

int stp_h5_write_metric_stats(hid_t g, const char *name, const stp_metric_stats *s, stp_error *err)
{
    const int nq = clamp_levels(s->n_quantiles), ne = clamp_levels(s->n_es);
    const struct {
        const char *name;
        const double *x;
        int n;
    } cols[] = {
        {"quantile_levels", s->quantile_levels, nq},
        {"quantiles", s->quantiles, nq},
        {"quantile_ci_lo", s->quantile_ci_lo, nq},
        {"quantile_ci_hi", s->quantile_ci_hi, nq},
        {"es_levels", s->es_levels, ne},
        {"var", s->var, ne},
        {"var_ci_lo", s->var_ci_lo, ne},
        {"var_ci_hi", s->var_ci_hi, ne},
        {"es", s->es, ne},
        {"es_ci_lo", s->es_ci_lo, ne},
        {"es_ci_hi", s->es_ci_hi, ne},
        {"mean", &s->mean, -1},
        {"sd", &s->sd, -1},
        {"mean_ci_lo", &s->mean_ci_lo, -1},
        {"mean_ci_hi", &s->mean_ci_hi, -1},
    };
    hid_t mg = -1;
    int rc = -1;
    if (stp_h5_make_group(g, name, 0, &mg, err)) goto fail;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (cols[i].n < 0
                ? ds_scalar(mg, cols[i].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, cols[i].x, err)
                : ds_f64(mg, cols[i].name, cols[i].n, cols[i].x, err))
            goto fail;
    }
    if (ds_scalar(mg, "n", H5T_STD_I64LE, H5T_NATIVE_LLONG, &s->n, err)) goto fail;
    /* DESIGN §6 calls the interval ci_lo/ci_hi; the one a tail reader wants is
     * ES's, so those names are hard links to es_ci_lo/es_ci_hi (no copy). */
    if (STP_H5_CHECK(err, H5Lcreate_hard(mg, "es_ci_lo", mg, "ci_lo", H5P_DEFAULT, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, H5Lcreate_hard(mg, "es_ci_hi", mg, "ci_hi", H5P_DEFAULT, H5P_DEFAULT))) {
        stp_h5_blame(err, mg, "ci_lo", NULL);
        goto fail;
    }
    rc = 0;
fail:
    stp_h5_close(mg);
    return rc;
}

/* The importance weights' diagnostics (weights.h), on weighted runs only. */
static int write_weight_diag(hid_t vg, const char *name, const stp_weight_diag *d, stp_error *err)
{
    return stp_h5_attr_f64(vg, name, "max_weight_share", d->max_share, err) ||
           stp_h5_attr_f64(vg, name, "pareto_khat", d->khat, err) ||
           stp_h5_attr_i64(vg, name, "pareto_tail", d->tail, err);
}

/* A scalar holding p, so f["variants/x/cascade"][()] is the probability;
 * the Wilson interval and counts ride along as attributes. The variant's
 * P(cascade) is `name` "cascade"; a venue's and the contagion estimates
 * reuse the form (h5_venues.c). */
int stp_h5_write_cascade(hid_t vg, const char *name, const stp_cascade_stats *c, stp_error *err)
{
    return ds_scalar(vg, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &c->p, err) ||
           stp_h5_attr_f64(vg, name, "p", c->p, err) ||
           stp_h5_attr_f64(vg, name, "ci_lo", c->ci_lo, err) ||
           stp_h5_attr_f64(vg, name, "ci_hi", c->ci_hi, err) ||
           stp_h5_attr_i64(vg, name, "n", c->n, err) || stp_h5_attr_i64(vg, name, "k", c->k, err) ||
           stp_h5_attr_i64(vg, name, "weighted", c->weighted, err) ||
           stp_h5_attr_f64(vg, name, "ess", c->ess, err) ||
           stp_h5_attr_i64(vg, name, "replicates", c->replicates, err) ||
           stp_h5_attr_f64(vg, name, "se", c->se, err) ||
           (c->diag.computed && write_weight_diag(vg, name, &c->diag, err));
}

// ----------------------------------------------------------------------------
// reading

static int read_scalar(hid_t loc, const char *name, hid_t mtype, void *out, stp_error *err)
{
    int n = 0;
    if (stp_h5_read_ds(loc, name, mtype, out, 1, &n, err)) return -1;
    if (n == 1) return 0;
    stp_error_set(err, STP_EIO, "is empty, expected one value");
    stp_h5_blame(err, loc, name, NULL);
    return -1;
}

int stp_h5_read_metric(hid_t stats, const char *name, stp_metric_stats *m, stp_error *err)
{
    /* each *_levels dataset sets its count; the columns after it must match */
    const struct {
        const char *name;
        double *x;
        int *n;
    } cols[] = {
        {"quantile_levels", m->quantile_levels, &m->n_quantiles},
        {"quantiles", m->quantiles, &m->n_quantiles},
        {"quantile_ci_lo", m->quantile_ci_lo, &m->n_quantiles},
        {"quantile_ci_hi", m->quantile_ci_hi, &m->n_quantiles},
        {"es_levels", m->es_levels, &m->n_es},
        {"var", m->var, &m->n_es},
        {"var_ci_lo", m->var_ci_lo, &m->n_es},
        {"var_ci_hi", m->var_ci_hi, &m->n_es},
        {"es", m->es, &m->n_es},
        {"es_ci_lo", m->es_ci_lo, &m->n_es},
        {"es_ci_hi", m->es_ci_hi, &m->n_es},
    };
    hid_t g = -1;
    int rc = -1, n = 0;
    if (STP_H5_CHECK(err, g = H5Gopen2(stats, name, H5P_DEFAULT))) {
        stp_h5_blame(err, stats, name, NULL);
        goto fail;
    }
    if (read_scalar(g, "mean", H5T_NATIVE_DOUBLE, &m->mean, err) ||
        read_scalar(g, "sd", H5T_NATIVE_DOUBLE, &m->sd, err) ||
        read_scalar(g, "mean_ci_lo", H5T_NATIVE_DOUBLE, &m->mean_ci_lo, err) ||
        read_scalar(g, "mean_ci_hi", H5T_NATIVE_DOUBLE, &m->mean_ci_hi, err) ||
        read_scalar(g, "n", H5T_NATIVE_LLONG, &m->n, err))
        goto fail;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (stp_h5_read_ds(g, cols[i].name, H5T_NATIVE_DOUBLE, cols[i].x, STP_STATS_MAX_LEVELS, &n,
                           err))
            goto fail;
        if (strstr(cols[i].name, "_levels"))
            *cols[i].n = n;
        else if (n != *cols[i].n) {
            stp_error_set(err, STP_EIO, "has %d values but its levels have %d", n, *cols[i].n);
            stp_h5_blame(err, g, cols[i].name, NULL);
            goto fail;
        }
    }
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

/* The weights' diagnostics of a weighted run (weights.h); files before
 * them, and unweighted runs, leave diag zero (not computed). */
static int read_weight_diag(hid_t g, const char *name, stp_weight_diag *d, stp_error *err)
{
    htri_t has;
    memset(d, 0, sizeof *d);
    if (STP_H5_CHECK(err, has = H5Aexists_by_name(g, name, "pareto_khat", H5P_DEFAULT))) return -1;
    if (!has) return 0;
    if (stp_h5_read_attr(g, name, "max_weight_share", H5T_NATIVE_DOUBLE, &d->max_share, err) ||
        stp_h5_read_attr(g, name, "pareto_khat", H5T_NATIVE_DOUBLE, &d->khat, err) ||
        stp_h5_read_attr(g, name, "pareto_tail", H5T_NATIVE_LLONG, &d->tail, err))
        return -1;
    d->computed = 1;
    return 0;
}

/* Importance-weighted P(cascade) and its ESS, and qmc's replicates; files
 * before them hold the unweighted estimate (weighted 0, ess = n). */
static int read_cascade_weights(hid_t g, const char *name, stp_cascade_stats *c, stp_error *err)
{
    htri_t has;
    int weighted;
    c->weighted = 0;
    c->ess = (double)c->n;
    if (STP_H5_CHECK(err, has = H5Aexists_by_name(g, name, "weighted", H5P_DEFAULT))) return -1;
    if (!has) return 0;
    if (stp_h5_read_attr(g, name, "weighted", H5T_NATIVE_INT, &weighted, err) ||
        stp_h5_read_attr(g, name, "ess", H5T_NATIVE_DOUBLE, &c->ess, err))
        return -1;
    c->weighted = weighted != 0;
    c->replicates = 0; /* qmc's replicates: files from before qmc lack it */
    if (STP_H5_CHECK(err, has = H5Aexists_by_name(g, name, "replicates", H5P_DEFAULT))) return -1;
    if (has && stp_h5_read_attr(g, name, "replicates", H5T_NATIVE_INT, &c->replicates, err))
        return -1;
    c->se = NAN; /* its standard error: files before 0.3.0 lack it */
    if (STP_H5_CHECK(err, has = H5Aexists_by_name(g, name, "se", H5P_DEFAULT))) return -1;
    if (has && stp_h5_read_attr(g, name, "se", H5T_NATIVE_DOUBLE, &c->se, err)) return -1;
    return read_weight_diag(g, name, &c->diag, err);
}

/* P(cascade) in the form stp_h5_write_cascade wrote it under `name`
 * ("cascade": the variant's; a venue's and the contagion estimates reuse
 * it, h5_venues.c). */
int stp_h5_read_cascade(hid_t g, const char *name, stp_cascade_stats *c, stp_error *err)
{
    return stp_h5_read_attr(g, name, "p", H5T_NATIVE_DOUBLE, &c->p, err) ||
           stp_h5_read_attr(g, name, "ci_lo", H5T_NATIVE_DOUBLE, &c->ci_lo, err) ||
           stp_h5_read_attr(g, name, "ci_hi", H5T_NATIVE_DOUBLE, &c->ci_hi, err) ||
           stp_h5_read_attr(g, name, "n", H5T_NATIVE_LLONG, &c->n, err) ||
           stp_h5_read_attr(g, name, "k", H5T_NATIVE_LLONG, &c->k, err) ||
           read_cascade_weights(g, name, c, err);
}
