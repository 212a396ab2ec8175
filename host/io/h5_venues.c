/* h5_venues.c: a multi-venue variant's objects in the results file
 * (h5_venues.h). Under /variants/<v>:
 *   outcomes/venues_in_cascade, outcomes/contagion_lag_s   per path
 *   stats/venues_in_cascade, stats/contagion_lag_s         (the lag's over
 *                                   the paths where two venues cascaded)
 *   contagion/p_two, contagion/p_second_given_first         P(cascade)'s form
 *   venues/<name>/outcomes/<metric>, .../t_cascade_s         per path
 *   venues/<name>/stats/<metric>, .../t_cascade_s
 *   venues/<name>/cascade                                   P(its cascade)
 *   venues/<name>/samples/<series>     its rows of the first k paths (the
 *                                   variant's samples/ are the first venue's)
 *   venues/<name>/attribution/       its tail attribution and first movers
 *                                   (the variant's attribution/ is the system's)
 * /venues tracks creation order: the config's venue order. */
#include "h5_venues.h"

#include "h5_attribution.h"
#include "h5_samples.h"
#include "h5_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTAGION_P_TWO    "p_two"
#define CONTAGION_P_SECOND "p_second_given_first"

static const char *venue_metric_name(int m)
{
    return m < STP_N_OUTCOMES ? stp_outcome_names[m] : stp_venue_t_cascade_name;
}

/* Outcome columns cols[0, n) of every path into group g, named names[i]. */
static int write_columns(hid_t g, const stp_path_source *src, const int *cols,
                         const char *const *names, int n, double *buf, stp_error *err)
{
    const hsize_t np = (hsize_t)(src->n_paths > 0 ? src->n_paths : 0);
    for (int i = 0; i < n; i++)
        if ((np && src->outcome_column &&
             src->outcome_column(src->outcome_user, cols[i], buf, err) != STP_OK) ||
            stp_h5_write_dataset(g, names[i], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &np, buf, 1,
                                 err))
            return -1;
    return 0;
}

/* An existing group of vg (outcomes/, stats/: written before). */
static int open_group(hid_t vg, const char *name, hid_t *g, stp_error *err)
{
    if (!STP_H5_CHECK(err, *g = H5Gopen2(vg, name, H5P_DEFAULT))) return 0;
    stp_h5_blame(err, vg, name, NULL);
    return -1;
}

static int write_system(hid_t vg, const stp_variant_results *v, double *buf, stp_error *err)
{
    const int cols[STP_N_SYSTEM_OUTCOMES] = {stp_system_column(STP_SYS_VENUES_IN_CASCADE),
                                             stp_system_column(STP_SYS_CONTAGION_LAG_S)};
    hid_t g = -1;
    int rc = -1;
    if (open_group(vg, "outcomes", &g, err) ||
        write_columns(g, &v->source, cols, stp_system_outcome_names, STP_N_SYSTEM_OUTCOMES, buf,
                      err))
        goto fail;
    stp_h5_close(g);
    g = -1;
    if (open_group(vg, "stats", &g, err) ||
        stp_h5_write_metric_stats(g, stp_system_outcome_names[STP_SYS_VENUES_IN_CASCADE],
                                  &v->venues_in_cascade, err) ||
        stp_h5_write_metric_stats(g, stp_system_outcome_names[STP_SYS_CONTAGION_LAG_S],
                                  &v->contagion_lag, err))
        goto fail;
    stp_h5_close(g);
    g = -1;
    if (stp_h5_make_group(vg, "contagion", 0, &g, err) ||
        stp_h5_write_cascade(g, CONTAGION_P_TWO, &v->p_two, err) ||
        stp_h5_write_cascade(g, CONTAGION_P_SECOND, &v->p_second, err) ||
        /* an ensemble's: the populations' mean and t interval (the venues'
         * P(cascade) too), the counts pooled */
        (v->p_second.populations > 0 &&
         stp_h5_attr_i64(g, ".", "populations", v->p_second.populations, err)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

static int write_venue(hid_t vsg, const stp_variant_results *v, int i, double *buf, stp_error *err)
{
    const char *names[STP_N_VENUE_OUTCOMES];
    int cols[STP_N_VENUE_OUTCOMES];
    hid_t g = -1, sub = -1;
    int rc = -1;
    for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++) {
        names[m] = venue_metric_name(m);
        cols[m] = stp_venue_column(i, m);
    }
    if (stp_h5_make_group(vsg, v->venue_name[i], 0, &g, err) ||
        stp_h5_make_group(g, "outcomes", 0, &sub, err) ||
        write_columns(sub, &v->source, cols, names, STP_N_VENUE_OUTCOMES, buf, err))
        goto fail;
    stp_h5_close(sub);
    sub = -1;
    if (stp_h5_make_group(g, "stats", 0, &sub, err)) goto fail;
    for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++)
        if (stp_h5_write_metric_stats(sub, names[m], &v->venue_stats[i * STP_N_VENUE_OUTCOMES + m],
                                      err))
            goto fail;
    if (stp_h5_write_cascade(g, "cascade", &v->venue_cascade[i], err) ||
        stp_h5_write_samples(g, v->samples, i, err) ||
        (v->venue_attribution && stp_h5_write_attribution(g, &v->venue_attribution[i], err)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(sub);
    stp_h5_close(g);
    return rc;
}

/* A venue name becomes a link name: the config's names are checked there;
 * this is the writer's own guard, like a variant's. */
static int check_venue_name(const char *name, stp_error *err)
{
    if (name && name[0] != '\0' && !strchr(name, '/') && strcmp(name, ".") != 0) return 0;
    stp_error_set(err, STP_EUSAGE,
                  "venue name '%s' cannot name an HDF5 group (empty, \".\" or with '/'); "
                  "rename it in venues",
                  name ? name : "");
    return -1;
}

int stp_h5_write_venues(hid_t vg, const stp_variant_results *v, stp_error *err)
{
    const size_t np = (size_t)(v->source.n_paths > 0 ? v->source.n_paths : 1);
    double *buf = NULL;
    hid_t g = -1;
    int rc = -1;
    if (v->n_venues > STP_MAX_VENUES || !v->venue_stats) {
        stp_error_set(err, STP_EIO, "%d venues without their statistics (internal error)",
                      v->n_venues);
        return -1;
    }
    for (int i = 0; i < v->n_venues; i++)
        if (check_venue_name(v->venue_name[i], err)) return -1;
    if (STP_ALLOC(err, buf, np) || write_system(vg, v, buf, err) ||
        stp_h5_make_group(vg, "venues", 1, &g, err) ||
        stp_h5_attr_i32(g, ".", "n_venues", v->n_venues, err))
        goto fail;
    for (int i = 0; i < v->n_venues; i++)
        if (write_venue(g, v, i, buf, err)) goto fail;
    rc = 0;
fail:
    free(buf);
    stp_h5_close(g);
    return rc;
}

// ----------------------------------------------------------------------------
// reading

static int read_venue(hid_t vsg, const char *name, stp_variant_summary *vs, int i, stp_error *err)
{
    hid_t g = -1, st = -1;
    int rc = -1;
    snprintf(vs->venue_name[i], sizeof vs->venue_name[i], "%s", name);
    if (open_group(vsg, name, &g, err) || open_group(g, "stats", &st, err)) goto fail;
    for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++)
        if (stp_h5_read_metric(st, venue_metric_name(m),
                               &vs->venue_stats[i * STP_N_VENUE_OUTCOMES + m], err))
            goto fail;
    if (stp_h5_read_cascade(g, "cascade", &vs->venue_cascade[i], err) ||
        stp_h5_read_attribution(g, &vs->venue_attribution[i], err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(st);
    stp_h5_close(g);
    return rc;
}

static int read_system(hid_t vg, stp_variant_summary *vs, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (open_group(vg, "stats", &g, err) ||
        stp_h5_read_metric(g, stp_system_outcome_names[STP_SYS_VENUES_IN_CASCADE],
                           &vs->venues_in_cascade, err) ||
        stp_h5_read_metric(g, stp_system_outcome_names[STP_SYS_CONTAGION_LAG_S], &vs->contagion_lag,
                           err))
        goto fail;
    stp_h5_close(g);
    g = -1;
    if (open_group(vg, "contagion", &g, err) ||
        stp_h5_read_cascade(g, CONTAGION_P_TWO, &vs->p_two, err) ||
        stp_h5_read_cascade(g, CONTAGION_P_SECOND, &vs->p_second, err))
        goto fail;
    {
        long long k = 0;
        htri_t has;
        if (STP_H5_CHECK(err, has = H5Aexists(g, "populations"))) goto fail;
        if (has && stp_h5_read_attr(g, ".", "populations", H5T_NATIVE_LLONG, &k, err)) goto fail;
        vs->p_second.populations = vs->p_two.populations = (int)k;
        for (int i = 0; i < vs->n_venues; i++)
            vs->venue_cascade[i].populations = (int)k;
    }
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

int stp_h5_read_venues(hid_t vg, stp_variant_summary *vs, stp_error *err)
{
    H5G_info_t info;
    htri_t has;
    hid_t g = -1;
    int rc = -1;
    vs->n_venues = 0;
    if (STP_H5_CHECK(err, has = H5Lexists(vg, "venues", H5P_DEFAULT))) return -1;
    if (!has) return 0; /* one venue, or a file from before venues */
    if (open_group(vg, "venues", &g, err) || STP_H5_CHECK(err, H5Gget_info(g, &info))) goto fail;
    if (info.nlinks < 2 || info.nlinks > STP_MAX_VENUES) {
        stp_error_set(err, STP_EIO, "holds %llu venues, not 2 to %d",
                      (unsigned long long)info.nlinks, STP_MAX_VENUES);
        stp_h5_blame(err, vg, "venues", NULL);
        goto fail;
    }
    if (STP_ALLOC(err, vs->venue_stats, (size_t)info.nlinks * STP_N_VENUE_OUTCOMES) ||
        STP_ALLOC(err, vs->venue_attribution, (size_t)info.nlinks))
        goto fail;
    for (hsize_t i = 0; i < info.nlinks; i++) {
        char name[STP_NAME_MAX];
        if (STP_H5_CHECK(err, H5Lget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name,
                                                 sizeof name, H5P_DEFAULT)) ||
            read_venue(g, name, vs, (int)i, err))
            goto fail;
    }
    vs->n_venues = (int)info.nlinks;
    rc = read_system(vg, vs, err);
fail:
    stp_h5_close(g);
    return rc;
}
