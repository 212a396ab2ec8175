/* h5out.c: writes the HDF5 results file (DESIGN §6); h5in.c reads it back,
 * h5_comparison.c writes and reads /comparison and /sweep.
 * Writing builds "<path>.tmp.<pid>" and renames it into place, so a
 * reader never sees half a file; reading checks format/format_version first.
 *
 * Every HDF5 call goes through STP_H5_CHECK, which records the call text,
 * file, line and HDF5's own innermost message; the helper that was making a
 * named object then puts that object's path in front (blame), and the public
 * function puts the file name in front of that. */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getpid, gmtime_r */
#endif

#include "stampede/h5out.h"
#include "stampede/interrupt.h"

#include "h5_attribution.h"
#include "h5_ensemble.h"
#include "h5_comparison.h"
#include "h5_plan.h"
#include "h5_samples.h"
#include "h5_search.h"
#include "h5_seal.h"
#include "h5_stats.h"
#include "h5_venues.h"
#include "h5util.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ROLE_NAMES "borrower,lp,passive" /* stp_role order: the int8 codes of /population/role */

// ----------------------------------------------------------------------------
// writing: rows, short datasets (the shared helpers are in h5util.c)

/* Writes rows [row0, row0 + rows) of the 2-D dataset d ([n][cols]). */
static int write_rows(hid_t d, hid_t mtype, hsize_t row0, hsize_t rows, hsize_t cols,
                      const void *data, stp_error *err)
{
    const hsize_t start[2] = {row0, 0}, count[2] = {rows, cols};
    hid_t fs = -1, ms = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, fs = H5Dget_space(d)) ||
        STP_H5_CHECK(err, H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL)) ||
        STP_H5_CHECK(err, ms = H5Screate_simple(2, count, NULL)) ||
        STP_H5_CHECK(err, H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, data)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(ms);
    stp_h5_close(fs);
    return rc;
}

static int ds_f64(hid_t loc, const char *name, int n, const double *x, stp_error *err)
{
    const hsize_t dims[1] = {(hsize_t)n};
    return stp_h5_write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, x, 0, err);
}

// ----------------------------------------------------------------------------
// writing: one variant

/* One column at a time from the source: the run never holds every
 * outcome of every path at once. */
static int write_outcomes(hid_t vg, const stp_path_source *src, stp_error *err)
{
    const hsize_t n = (hsize_t)(src->n_paths > 0 ? src->n_paths : 0);
    double *col = NULL;
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(vg, "outcomes", 0, &g, err) || STP_ALLOC(err, col, n ? n : 1)) goto fail;
    for (int m = 0; src->outcome_column && m < STP_N_OUTCOMES; m++)
        if ((n && src->outcome_column(src->outcome_user, m, col, err) != STP_OK) ||
            stp_h5_write_dataset(g, stp_outcome_names[m], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n,
                                 col, 1, err))
            goto fail;
    rc = 0;
fail:
    free(col);
    stp_h5_close(g);
    return rc;
}

/* The [row][slot] columns of a scenario table (or of its worst-path rows). */
/* The four [path][slot] datasets of a scenario table, filled `block` rows
 * at a time by fill(user, row0, rows, active, time_s, duration_s, size). */
typedef void (*row_fill)(const void *user, long long row0, long long rows, unsigned char *active,
                         float *time_s, float *duration_s, float *size);

#define ROW_BLOCK 16384 /* scenario rows per write: bounded memory at any path count */

static int write_scenario_rows(hid_t g, long long n_rows, int slots, row_fill fill,
                               const void *user, stp_error *err)
{
    static const char *const names[4] = {"active", "time_s", "duration_s", "size"};
    const hsize_t dims[2] = {(hsize_t)n_rows, (hsize_t)slots};
    const long long block = n_rows < ROW_BLOCK ? n_rows : ROW_BLOCK;
    const size_t cells = (size_t)(block > 0 ? block : 1) * (size_t)(slots > 0 ? slots : 1);
    hid_t d[4] = {-1, -1, -1, -1};
    unsigned char *active = NULL;
    float *buf[3] = {NULL, NULL, NULL};
    int rc = -1, i;
    if (slots <= 0) return 0; /* no shock specs: nothing per slot, the group alone says so */
    if (STP_ALLOC(err, active, cells) || STP_ALLOC(err, buf[0], cells) ||
        STP_ALLOC(err, buf[1], cells) || STP_ALLOC(err, buf[2], cells))
        goto fail;
    for (i = 0; i < 4; i++)
        if (stp_h5_create_dataset(g, names[i], i ? H5T_IEEE_F32LE : H5T_STD_U8LE, 2, dims, 1, &d[i],
                                  err))
            goto fail;
    for (long long r0 = 0; r0 < n_rows; r0 += block) {
        const long long rows = n_rows - r0 < block ? n_rows - r0 : block;
        fill(user, r0, rows, active, buf[0], buf[1], buf[2]);
        for (i = 0; i < 4; i++)
            if (write_rows(d[i], i ? H5T_NATIVE_FLOAT : H5T_NATIVE_UCHAR, (hsize_t)r0,
                           (hsize_t)rows, (hsize_t)slots, i ? (const void *)buf[i - 1] : active,
                           err)) {
                stp_h5_blame(err, g, names[i], NULL);
                goto fail;
            }
    }
    rc = 0;
fail:
    for (i = 0; i < 4; i++)
        stp_h5_close(d[i]);
    free(active);
    for (i = 0; i < 3; i++)
        free(buf[i]);
    return rc;
}

/* "gap,exploit,...": slot_kind's codes, in stp_shock_kind order: the
 * kinds before DESIGN §10 (so every earlier file keeps its attribute),
 * and the later ones when a slot has one. */
static void kind_names(char *buf, size_t cap, const stp_path_source *src)
{
    int n = STP_SHOCK_BRIDGE_HALT;
    size_t used = 0;
    for (int i = 0; i < src->n_slots; i++)
        if (src->slot_kind[i] >= n) n = STP_SHOCK_KINDS;
    buf[0] = '\0';
    for (int k = 0; k < n && used < cap; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", k ? "," : "",
                                 stp_shock_kind_name((stp_shock_kind)k));
}

static int write_scenarios(hid_t vg, const stp_path_source *src, stp_error *err)
{
    const hsize_t ns = (hsize_t)(src->n_slots > 0 ? src->n_slots : 0);
    hid_t g = -1;
    char kinds[256];
    int rc = -1;
    if (stp_h5_make_group(vg, "scenarios", 0, &g, err)) goto fail;
    kind_names(kinds, sizeof kinds, src);
    if (stp_h5_write_dataset(g, "slot_spec", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &ns, src->slot_spec,
                             0, err) ||
        stp_h5_write_dataset(g, "slot_kind", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &ns, src->slot_kind,
                             0, err) ||
        stp_h5_attr_str(g, "slot_kind", "kinds", kinds, err) ||
        (src->scenario_rows && write_scenario_rows(g, src->n_paths, src->n_slots,
                                                   src->scenario_rows, src->scenario_user, err)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

/* stats/<metric> for every outcome, plus stats/peak_sync_acted (peak_sync
 * over the paths where some agent acted, DESIGN §3.9) when there are any. */
static int write_stats(hid_t vg, const stp_variant_results *v, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(vg, "stats", 0, &g, err)) goto fail;
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        if (stp_h5_write_metric_stats(g, stp_outcome_names[m], &v->stats[m], err)) goto fail;
    if (v->peak_sync_acted.n > 0 &&
        stp_h5_write_metric_stats(g, "peak_sync_acted", &v->peak_sync_acted, err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

static int write_histograms(hid_t vg, const stp_histogram *hist, stp_error *err)
{
    hid_t g = -1, mg = -1;
    int rc = -1;
    if (stp_h5_make_group(vg, "histograms", 0, &g, err)) goto fail;
    for (int m = 0; m < STP_N_OUTCOMES; m++) {
        const stp_histogram *h = &hist[m];
        const hsize_t n_counts = (hsize_t)(h->bins > 0 ? h->bins : 0);
        if (n_counts == 0 || !h->edges || !h->counts) continue; /* not computed for this metric */
        if (stp_h5_make_group(g, stp_outcome_names[m], 0, &mg, err) ||
            ds_f64(mg, "edges", h->bins + 1, h->edges, err) ||
            stp_h5_write_dataset(mg, "counts", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &n_counts,
                                 h->counts, 0, err))
            goto fail;
        /* importance sampling only: counts are of tilted draws, mass is the
         * untilted law's estimate (stats.h); absent, not ones, when
         * unweighted, so a reader can tell the two apart */
        if (h->mass && ds_f64(mg, "mass", h->bins, h->mass, err)) goto fail;
        stp_h5_close(mg);
        mg = -1;
    }
    rc = 0;
fail:
    stp_h5_close(mg);
    stp_h5_close(g);
    return rc;
}

/* Copies rows idx[0..n) of a [row][width] array of `size`-byte elements. */
static void gather_rows(void *dst, const void *src, size_t size, size_t width, const long long *idx,
                        int n)
{
    for (int i = 0; i < n; i++)
        memcpy((char *)dst + (size_t)i * width * size,
               (const char *)src + (size_t)idx[i] * width * size, width * size);
}

/* Tail attribution: every outcome of the worst paths, and their scenario rows. */
/* fill for the worst paths: row i is path worst[i]. */
typedef struct worst_rows {
    const stp_path_source *src;
    const long long *worst;
} worst_rows;

static void fill_worst(const void *user, long long row0, long long rows, unsigned char *active,
                       float *time_s, float *duration_s, float *size)
{
    const worst_rows *w = user;
    const size_t slots = (size_t)w->src->n_slots;
    for (long long i = 0; i < rows; i++)
        w->src->scenario_rows(w->src->scenario_user, w->worst[row0 + i], 1, active + i * slots,
                              time_s + i * slots, duration_s + i * slots, size + i * slots);
}

static int write_worst_rows(hid_t wg, const stp_variant_results *v, stp_error *err)
{
    const stp_path_source *src = &v->source;
    const int n = v->n_worst;
    const worst_rows rows = {src, v->worst};
    double *col = NULL, *x = NULL;
    int rc = -1;
    if (STP_ALLOC(err, x, (size_t)n) || STP_ALLOC(err, col, (size_t)src->n_paths)) goto fail;
    for (int m = 0; src->outcome_column && m < STP_N_OUTCOMES; m++) {
        if (src->outcome_column(src->outcome_user, m, col, err) != STP_OK) goto fail;
        gather_rows(x, col, sizeof *x, 1, v->worst, n);
        if (ds_f64(wg, stp_outcome_names[m], n, x, err)) goto fail;
    }
    rc = src->scenario_rows ? write_scenario_rows(wg, n, src->n_slots, fill_worst, &rows, err) : 0;
fail:
    free(col);
    free(x);
    return rc;
}

static int write_worst(hid_t vg, const stp_variant_results *v, stp_error *err)
{
    const hsize_t n = (hsize_t)(v->worst && v->n_worst > 0 ? v->n_worst : 0);
    const long long n_out = v->source.n_paths, n_scen = n_out;
    hid_t wg = -1;
    int rc = -1;
    for (hsize_t i = 0; i < n; i++) /* a bad index here is a bug upstream: fail, never read OOB */
        if (v->worst[i] < 0 || v->worst[i] >= n_out || v->worst[i] >= n_scen) {
            stp_error_set(err, STP_EIO,
                          "worst path %lld is outside the %lld paths (internal error)", v->worst[i],
                          n_out < n_scen ? n_out : n_scen);
            stp_h5_blame(err, vg, "worst_paths", NULL);
            return -1;
        }
    if (stp_h5_write_dataset(vg, "worst_paths", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &n, v->worst, 0,
                             err) ||
        stp_h5_make_group(vg, "worst", 0, &wg, err))
        goto fail;
    if (STP_H5_CHECK(err,
                     H5Lcreate_hard(vg, "worst_paths", wg, "path", H5P_DEFAULT, H5P_DEFAULT))) {
        stp_h5_blame(err, wg, "path", NULL);
        goto fail;
    }
    if (n > 0 && write_worst_rows(wg, v, err)) goto fail;
    rc = 0;
fail:
    stp_h5_close(wg);
    return rc;
}

/* A variant name becomes an HDF5 link name: '/' would nest it, "." is the
 * group itself. The config validator should have caught it already. */
static int check_link_name(const char *name, stp_error *err)
{
    if (name[0] != '\0' && !strchr(name, '/') && strcmp(name, ".") != 0) return 0;
    stp_error_set(err, STP_EUSAGE,
                  "variant name '%s' cannot name an HDF5 group (empty, \".\" or with '/'); "
                  "rename it in experiment.variants",
                  name);
    return -1;
}

static int write_variant(hid_t variants, const stp_variant_results *v, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (check_link_name(v->name, err) || stp_h5_make_group(variants, v->name, 0, &g, err))
        goto fail;
    if (stp_h5_attr_str(g, ".", "overrides_json", v->overrides_json ? v->overrides_json : "{}",
                        err) ||
        stp_h5_attr_i64(g, ".", "paths_done", v->paths_done, err) ||
        write_outcomes(g, &v->source, err) || write_scenarios(g, &v->source, err) ||
        write_stats(g, v, err) || stp_h5_write_cascade(g, "cascade", &v->cascade, err) ||
        write_histograms(g, v->hist, err) || stp_h5_write_samples(g, v->samples, 0, err) ||
        write_worst(g, v, err) || stp_h5_write_attribution(g, &v->attribution, err) ||
        (v->ensemble && stp_h5_write_ensemble(g, v->ensemble, err)) ||
        (v->plan && stp_h5_write_plan(g, v->plan, err)) ||
        (v->n_venues >= 2 && stp_h5_write_venues(g, v, err)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

// ----------------------------------------------------------------------------
// writing: population, root, file

/* One int column over n_agents + n_passive rows: agent values, then the
 * passive positions' (or `passive_fill` when they have none). */
static int pop_int_column(hid_t g, const char *name, hid_t ftype, const stp_population *pop,
                          const int *agent, const int *passive, int passive_fill, stp_error *err)
{
    const size_t na = (size_t)pop->n_agents, n = na + (size_t)pop->n_passive;
    const hsize_t dims[1] = {(hsize_t)n};
    int *col = NULL;
    if (STP_ALLOC(err, col, n)) return -1;
    for (size_t i = 0; i < n; i++)
        col[i] = i < na ? (agent ? agent[i] : -1) : (passive ? passive[i - na] : passive_fill);
    const int rc = stp_h5_write_dataset(g, name, ftype, H5T_NATIVE_INT, 1, dims, col, 1, err);
    free(col);
    return rc;
}

/* Same for float32; passive positions get NaN where the quantity is an AI
 * agent's (threshold, latency, ...), which `passive == NULL` says. */
static int pop_float_column(hid_t g, const char *name, const stp_population *pop,
                            const float *agent, const float *passive, stp_error *err)
{
    const size_t na = (size_t)pop->n_agents, n = na + (size_t)pop->n_passive;
    const hsize_t dims[1] = {(hsize_t)n};
    float *col = NULL;
    if (STP_ALLOC(err, col, n)) return -1;
    for (size_t i = 0; i < n; i++)
        col[i] = i < na ? (agent ? agent[i] : NAN) : (passive ? passive[i - na] : NAN);
    const int rc =
        stp_h5_write_dataset(g, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, col, 1, err);
    free(col);
    return rc;
}

/* -1 with STP_EINTR once a stop was requested: the writer looks between
 * datasets, so a stop during writing ends within one dataset's time and
 * the temporary file is removed (interrupt.h). */
static int stopped(stp_error *err)
{
    return stp_interrupt_check(err, "the results' writing") != STP_OK ? -1 : 0;
}

static int write_population(hid_t file, const stp_population *p, stp_error *err)
{
    char families[STP_MAX_FAMILIES * (STP_MODEL_NAME_MAX + 1) + 1] = "";
    size_t used = 0;
    hid_t g = -1;
    int rc = -1;
    for (int f = 0; f < p->n_families && f < STP_MAX_FAMILIES; f++)
        used += (size_t)snprintf(families + used, sizeof families - used, "%s%.*s", f ? "," : "",
                                 STP_MODEL_NAME_MAX, p->models[f].name);
    if (stp_h5_make_group(file, "population", 0, &g, err) || stopped(err) ||
        pop_int_column(g, "role", H5T_STD_I8LE, p, p->role, NULL, STP_ROLE_PASSIVE, err) ||
        stp_h5_attr_str(g, "role", "roles", ROLE_NAMES, err) || stopped(err) ||
        pop_int_column(g, "family", H5T_STD_I32LE, p, p->family, NULL, -1, err) || stopped(err) ||
        pop_int_column(g, "protocol", H5T_STD_I32LE, p, p->protocol, p->p_protocol, -1, err) ||
        stopped(err) || pop_float_column(g, "threshold", p, p->threshold, NULL, err) ||
        stopped(err) || pop_float_column(g, "latency_s", p, p->latency_s, NULL, err) ||
        stopped(err) || pop_float_column(g, "sell_fraction", p, p->sell_fraction, NULL, err) ||
        stopped(err) || pop_float_column(g, "cooldown_s", p, p->cooldown_s, NULL, err) ||
        stopped(err) ||
        pop_float_column(g, "collateral_units", p, p->collateral, p->p_collateral, err) ||
        stopped(err) || pop_float_column(g, "debt_usd", p, p->debt_usd, p->p_debt_usd, err) ||
        stopped(err) || pop_float_column(g, "hf0", p, p->hf0, p->p_hf0, err) || stopped(err) ||
        pop_float_column(g, "lp_share", p, p->lp_share, NULL, err) ||
        stp_h5_attr_str(g, ".", "families", families, err) ||
        stp_h5_attr_f64(g, ".", "herfindahl", p->herfindahl, err) ||
        stp_h5_attr_i32(g, ".", "equilibrium_redraws", p->equilibrium_redraws, err) ||
        stp_h5_attr_i32(g, ".", "equilibrium_fallbacks", p->equilibrium_fallbacks, err) ||
        stp_h5_attr_i32(g, ".", "n_agents", p->n_agents, err) ||
        stp_h5_attr_i32(g, ".", "n_passive", p->n_passive, err))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

static int write_root(hid_t file, const stp_results *r, stp_error *err)
{
    char created[32] = "";
    const time_t now = time(NULL);
    struct tm utc;
    if (gmtime_r(&now, &utc)) strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return stp_h5_attr_str(file, ".", "format", STP_H5_FORMAT, err) ||
           stp_h5_attr_i32(file, ".", "format_version", STP_H5_FORMAT_VERSION, err) ||
           stp_h5_attr_str(file, ".", "engine_version", r->engine_version, err) ||
           stp_h5_attr_str(file, ".", "created_utc", created, err) ||
           stp_h5_attr_str(file, ".", "config_json", r->cfg->resolved_json, err) ||
           stp_h5_attr_str(file, ".", "experiment", r->cfg->experiment.name, err) ||
           stp_h5_write_attr(file, ".", "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &r->seed, err) ||
           stp_h5_attr_str(file, ".", "backend", r->backend, err) ||
           stp_h5_attr_str(file, ".", "device", r->device, err) ||
           stp_h5_attr_i64(file, ".", "paths", r->paths, err) ||
           stp_h5_attr_f64(file, ".", "wall_s", r->wall_s, err) ||
           stp_h5_attr_f64(file, ".", "agent_steps_per_s", r->agent_steps_per_s, err);
}

static int write_variants(hid_t file, const stp_results *r, stp_error *err)
{
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(file, "variants", 1, &g, err)) goto fail;
    for (int v = 0; v < r->n_variants; v++)
        if (stopped(err) || write_variant(g, &r->variants[v], err)) goto fail;
    rc = 0;
fail:
    stp_h5_close(g);
    return rc;
}

/* The HDF5 1.10 file format (bounds V110): object headers that HDF5
 * checksums itself, dense attribute storage for a resolved config_json past
 * 64 KiB, and chunk indexes sized to the dataset, so the few hundred small
 * Fletcher-32 datasets of a results file cost kilobytes, not a 2 KiB B-tree
 * node each (a 4-path file: 169 KB against 820 KB with 1.8's). Readable by
 * HDF5 >= 1.10 (2016), which Debian 12's h5py is.
 * CLOSE_STRONG: closing the file on a failure also closes anything a failed
 * helper left open, so the temporary can be removed. */
static int create_file(const char *name, hid_t *out, stp_error *err)
{
    hid_t fapl = -1;
    int rc = -1;
    *out = -1;
    if (STP_H5_CHECK(err, fapl = H5Pcreate(H5P_FILE_ACCESS)) ||
        STP_H5_CHECK(err, H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110)) ||
        STP_H5_CHECK(err, H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)) ||
        STP_H5_CHECK(err, *out = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)))
        goto fail;
    rc = 0;
fail:
    stp_h5_close(fapl);
    return rc;
}

/* The verification's own check: the seal (stp_h5_verify) covers every
 * object the writer made. */
static int written_by_us(hid_t file, void *user, stp_error *err)
{
    (void)file;
    (void)user;
    (void)err;
    return 0;
}

/* The last moment a stop request can still leave the output untouched:
 * after the file is whole, before it replaces anything. With r->verify,
 * the file is first read back and its seal checked, in a child, as every
 * reader does (h5_seal.h). */
static int ready_to_commit(const char *tmp, const stp_results *r, stp_error *err)
{
    int sealed = 0;
    if (stopped(err)) return -1;
    return r->verify ? stp_h5_verify(tmp, written_by_us, NULL, &sealed, err) : 0;
}

stp_status stp_h5_write_results(const char *path, const stp_results *r, int force, stp_error *err)
{
    stp_error local;
    struct stat st;
    char *tmp = NULL;
    hid_t file = -1;
    int close_failed;
    if (!err) err = &local;
    assert(path && r && r->cfg && r->pop);
    /* before anything is created: an existing result is never at risk */
    if (!force && stat(path, &st) == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "output '%s' exists; pass --force to overwrite or choose -o", path);
    if (STP_ALLOC(err, tmp, strlen(path) + 32)) return err->status;
    snprintf(tmp, strlen(path) + 32, "%s.tmp.%ld", path, (long)getpid());
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* users get our one line, not HDF5's stack dump */
    stp_interrupt_scratch(tmp);
    if (create_file(tmp, &file, err) || write_root(file, r, err) ||
        write_population(file, r->pop, err) || write_variants(file, r, err) || stopped(err) ||
        (r->comparison && stp_h5_write_comparison(file, r->comparison, err)) ||
        (r->search && stp_h5_write_search(file, r->search, err)) ||
        (r->pilot && stp_h5_write_pilot(file, r->pilot, err)) || stp_h5_seal(file, err))
        goto fail;
    close_failed = STP_H5_CHECK(err, H5Fclose(file)); /* flushes: may fail on a full disk */
    file = -1;
    if (close_failed) goto fail;
    if (ready_to_commit(tmp, r, err) || stp_h5_commit_file(tmp, path, err)) goto fail;
    stp_interrupt_scratch(NULL);
    free(tmp);
    return STP_OK;
fail:
    stp_h5_close(file);
    remove(tmp); /* may not exist (H5Fcreate failed): nothing to do then */
    stp_interrupt_scratch(NULL);
    if (err->status == STP_EINTR) {
        free(tmp);
        return STP_EINTR;
    }
    stp_h5_prefix_error(
        err, "cannot write '%s' (check free space and that its folder is writable): ", path);
    free(tmp);
    return err->status;
}
