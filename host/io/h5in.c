/* h5in.c: reads the summary of a results file back (stampede summary),
 * checking format and format_version before anything else. */
#include "stampede/h5out.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_attribution.h"
#include "h5_ensemble.h"
#include "h5_comparison.h"
#include "h5_plan.h"
#include "h5_search.h"
#include "h5_seal.h"
#include "h5_stats.h"
#include "h5_venues.h"
#include "h5util.h"

// ----------------------------------------------------------------------------
// reading

static int read_variant_stats(hid_t vg, stp_variant_summary *vs, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    htri_t has;
    if (STP_H5_CHECK(err, has = H5Lexists(vg, "stats", H5P_DEFAULT))) goto fail;
    if (has && STP_H5_CHECK(err, g = H5Gopen2(vg, "stats", H5P_DEFAULT))) goto fail;
    for (int m = 0; has && m < STP_N_OUTCOMES; m++) {
        htri_t there;
        if (STP_H5_CHECK(err, there = H5Lexists(g, stp_outcome_names[m], H5P_DEFAULT))) goto fail;
        if (there && stp_h5_read_metric(g, stp_outcome_names[m], &vs->stats[m], err)) goto fail;
        vs->has_stats[m] = there > 0;
    }
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

static int read_variant(hid_t variants, const char *name, stp_variant_summary *vs, stp_error *err)
{
    stp_cascade_stats *c = &vs->cascade;
    hid_t g = -1;
    int rc = -1;
    snprintf(vs->name, sizeof vs->name, "%s", name);
    if (STP_H5_CHECK(err, g = H5Gopen2(variants, name, H5P_DEFAULT))) {
        stp_h5_blame(err, variants, name, NULL);
        goto fail;
    }
    if (stp_h5_read_attr(g, ".", "paths_done", H5T_NATIVE_LLONG, &vs->paths_done, err) ||
        stp_h5_read_cascade(g, "cascade", c, err) ||
        read_variant_stats(g, vs, err) || stp_h5_read_attribution(g, &vs->attribution, err) ||
        stp_h5_read_ensemble(g, &vs->ensemble, err) ||
        stp_h5_read_plan(g, vs, err) || stp_h5_read_venues(g, vs, err))
        goto fail;
    c->populations = vs->ensemble.k; /* the headline is the ensemble's */
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

/* Creation order is the writer's variant order; a file whose /variants does
 * not track it (another tool's merge) is listed by name. */
static H5_index_t variant_order(hid_t g)
{
    unsigned flags = 0;
    hid_t gcpl = H5Gget_create_plist(g);
    if (gcpl < 0 || H5Pget_link_creation_order(gcpl, &flags) < 0) H5Eclear2(H5E_DEFAULT);
    stp_h5_close(gcpl);
    return (flags & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
}

static int read_variants(hid_t file, stp_summary *s, stp_error *err)
{
    char name[STP_NAME_MAX];
    H5G_info_t info;
    hid_t g = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, g = H5Gopen2(file, "variants", H5P_DEFAULT)) ||
        STP_H5_CHECK(err, H5Gget_info(g, &info))) {
        stp_h5_blame(err, file, "variants", NULL);
        goto fail;
    }
    if (info.nlinks > STP_MAX_POINTS) { /* a sweep has series x values of them */
        stp_error_set(err, STP_EIO, "/variants: %llu variants, more than the %d this build reads",
                      (unsigned long long)info.nlinks, STP_MAX_POINTS);
        goto fail;
    }
    if (STP_ALLOC(err, s->variants, info.nlinks)) goto fail;
    const H5_index_t order = variant_order(g);
    for (hsize_t i = 0; i < info.nlinks; i++, s->n_variants++) {
        ssize_t len;
        if (STP_H5_CHECK(err, len = H5Lget_name_by_idx(g, ".", order, H5_ITER_INC, i, name,
                                                       sizeof name, H5P_DEFAULT))) {
            stp_h5_blame(err, g, ".", NULL);
            goto fail;
        }
        if ((size_t)len >= sizeof name) {
            stp_error_set(err, STP_EIO, "/variants: a variant name is longer than %d bytes",
                          STP_NAME_MAX - 1);
            goto fail;
        }
        if (read_variant(g, name, &s->variants[i], err)) goto fail;
    }
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

/* Every read starts here (DESIGN §6): the file says what it is. */
/* format and format_version, the first thing every reader checks; a
 * format_version 2 file must carry its seal. */
static int check_format(hid_t file, void *user, stp_error *err)
{
    char format[64] = "";
    int version = -1;
    htri_t sealed;
    (void)user;
    if (H5Aexists(file, "format") <= 0 ||
        stp_h5_read_str_attr(file, ".", "format", format, sizeof format, err) ||
        strcmp(format, STP_H5_FORMAT) != 0) {
        H5Eclear2(H5E_DEFAULT);
        stp_error_set(err, STP_EIO, "not a stampede results file (format '%s', expected '%s')",
                      format[0] ? format : "missing", STP_H5_FORMAT);
        return -1;
    }
    if (H5Aexists(file, "format_version") <= 0 ||
        stp_h5_read_attr(file, ".", "format_version", H5T_NATIVE_INT, &version, err) ||
        version < STP_H5_FORMAT_VERSION_MIN || version > STP_H5_FORMAT_VERSION) {
        H5Eclear2(H5E_DEFAULT);
        stp_error_set(err, STP_EIO,
                      "not a stampede results file this version reads (format_version %d, "
                      "expected %d to %d: a newer engine wrote it? upgrade stampede)",
                      version, STP_H5_FORMAT_VERSION_MIN, STP_H5_FORMAT_VERSION);
        return -1;
    }
    if (version >= 2 && (sealed = H5Aexists(file, STP_SEAL_ATTR)) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        stp_error_set(err, STP_EIO,
                      "/: format_version %d but no root checksum: the file is damaged (rerun, or "
                      "restore the file from a copy)",
                      version);
        return -1;
    }
    return 0;
}

/* An int attribute of obj that older files lack: -1 when absent. */
static int read_optional_int(hid_t file, const char *obj, const char *name, int *out,
                             stp_error *err)
{
    htri_t has;
    *out = -1;
    if (STP_H5_CHECK(err, has = H5Aexists_by_name(file, obj, name, H5P_DEFAULT))) return -1;
    return has ? stp_h5_read_attr(file, obj, name, H5T_NATIVE_INT, out, err) : 0;
}

static int read_root(hid_t file, stp_summary *s, stp_error *err)
{
    htri_t has_experiment;
    if (stp_h5_read_str_attr(file, ".", "engine_version", s->engine_version,
                             sizeof s->engine_version, err) ||
        stp_h5_read_str_attr(file, ".", "backend", s->backend, sizeof s->backend, err) ||
        stp_h5_read_str_attr(file, ".", "device", s->device, sizeof s->device, err) ||
        stp_h5_read_str_attr(file, ".", "created_utc", s->created_utc, sizeof s->created_utc,
                             err) ||
        stp_h5_read_attr(file, ".", "seed", H5T_NATIVE_ULLONG, &s->seed, err) ||
        stp_h5_read_attr(file, ".", "paths", H5T_NATIVE_LLONG, &s->paths, err) ||
        stp_h5_read_attr(file, ".", "wall_s", H5T_NATIVE_DOUBLE, &s->wall_s, err) ||
        stp_h5_read_attr(file, ".", "agent_steps_per_s", H5T_NATIVE_DOUBLE, &s->agent_steps_per_s,
                         err) ||
        stp_h5_read_attr(file, "population", "herfindahl", H5T_NATIVE_DOUBLE, &s->herfindahl,
                         err) ||
        stp_h5_read_attr(file, "population", "n_agents", H5T_NATIVE_INT, &s->n_agents, err) ||
        stp_h5_read_attr(file, "population", "n_passive", H5T_NATIVE_INT, &s->n_passive, err))
        return -1;
    if (read_optional_int(file, "population", "equilibrium_redraws", &s->equilibrium_redraws,
                          err) ||
        read_optional_int(file, "population", "equilibrium_fallbacks", &s->equilibrium_fallbacks,
                          err))
        return -1;
    /* "experiment" is ours beyond DESIGN §6's list: optional on read */
    if (STP_H5_CHECK(err, has_experiment = H5Aexists(file, "experiment"))) return -1;
    return has_experiment ? stp_h5_read_str_attr(file, ".", "experiment", s->experiment,
                                                 sizeof s->experiment, err)
                          : 0;
}

stp_status stp_h5_read_summary(const char *path, stp_summary *out, stp_error *err)
{
    stp_error local;
    hid_t file = -1;
    if (!err) err = &local;
    memset(out, 0, sizeof *out);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* nothing here opens the file before the verification, which refuses
     * what is no regular file (a FIFO would block the open) and looks at
     * the rest in a child under its time limit */
    if (stp_h5_verify(path, check_format, NULL, &out->sealed, err) ||
        STP_H5_CHECK(err, file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) ||
        check_format(file, NULL, err) ||
        stp_h5_read_attr(file, ".", "format_version", H5T_NATIVE_INT, &out->format_version,
                         err) ||
        read_root(file, out, err) || read_variants(file, out, err) ||
        stp_h5_read_comparison(file, &out->comparison, out->ci_method, sizeof out->ci_method,
                               err) ||
        stp_h5_read_search(file, &out->search, err) || stp_h5_read_pilot(file, &out->pilot, err))
        goto fail;
    stp_h5_close(file);
    return STP_OK;
fail:
    stp_h5_close(file);
    stp_summary_free(out);
    stp_h5_prefix_error(err, "%s: ", path);
    return err->status;
}

void stp_summary_free(stp_summary *s)
{
    int i;
    if (!s) return;
    for (i = 0; s->variants && i < s->n_variants; i++) {
        stp_ensemble_free(&s->variants[i].ensemble);
        free(s->variants[i].venue_stats);
        free(s->variants[i].venue_attribution);
    }
    free(s->variants);
    free(s->comparison.rows);
    stp_search_free(&s->search);
    memset(s, 0, sizeof *s);
}
