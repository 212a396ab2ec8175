/* h5_search.c: /search in the results file (h5_search.h). */
#include "h5_search.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

/* The law's fields, by name, for the [iter][spec] datasets. */
typedef struct field {
    const char *name;
    size_t off;
} field;

#define LAW_OFF(f) offsetof(stp_search_law, f)
static const field LAW[] = {
    {"p", LAW_OFF(p)},
    {"size_mean", LAW_OFF(size_mean)},
    {"size_sd", LAW_OFF(size_sd)},
    {"time_mean", LAW_OFF(time_mean)},
    {"time_sd", LAW_OFF(time_sd)},
    {"duration_mean", LAW_OFF(duration_mean)},
    {"duration_sd", LAW_OFF(duration_sd)},
};
#define N_LAW (sizeof LAW / sizeof LAW[0])

/* worst_<name>: the worst law's field `off`, [spec]. */
static const field WORST[] = {
    {"worst_active", LAW_OFF(p)},
    {"worst_size", LAW_OFF(size_mean)},
    {"worst_time_s", LAW_OFF(time_mean)},
    {"worst_duration_s", LAW_OFF(duration_mean)},
};
#define N_WORST (sizeof WORST / sizeof WORST[0])

static const char *objective_name(stp_search_objective o)
{
    return o == STP_OBJECTIVE_P_CASCADE ? "p_cascade" : "es_bad_debt_usd";
}

static double law_at(const stp_search_law *l, size_t off)
{
    double x;
    memcpy(&x, (const char *)l + off, sizeof x);
    return x;
}

static void law_set(stp_search_law *l, size_t off, double x)
{
    memcpy((char *)l + off, &x, sizeof x);
}

int stp_h5_write_search(hid_t file, const stp_search *s, stp_error *err)
{
    /* [iter][spec] laws and, as a last row, the law after the last refit */
    const size_t cells = (size_t)s->done * (size_t)s->n_specs, ns_ = (size_t)s->n_specs;
    const hsize_t it = (hsize_t)s->done, dims[2] = {(hsize_t)s->done + 1, (hsize_t)s->n_specs};
    const hsize_t ns = (hsize_t)s->n_specs;
    double *x = NULL;
    const char *kinds[STP_MAX_SHOCKS];
    hid_t g = -1;
    size_t f, i;
    int rc = -1;
    for (int k = 0; k < s->n_specs; k++)
        kinds[k] = stp_shock_kind_name((stp_shock_kind)s->kind[k]);
    if (STP_ALLOC(err, x, cells + ns_ + 1)) return -1;
    if (stp_h5_make_group(file, "search", 0, &g, err) ||
        stp_h5_attr_str(g, ".", "objective", objective_name(s->objective_kind), err) ||
        stp_h5_attr_i64(g, ".", "iterations", s->done, err) ||
        stp_h5_attr_i64(g, ".", "paths_per_iter", s->paths_per_iter, err) ||
        stp_h5_attr_f64(g, ".", "elite_fraction", s->elite_fraction, err) ||
        stp_h5_attr_f64(g, ".", "smoothing", STP_CE_SMOOTHING, err) ||
        stp_h5_write_attr(g, ".", "rerun_seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &s->rerun_seed,
                          err) ||
        stp_h5_write_strings(g, "kind", kinds, s->n_specs, err) ||
        stp_h5_write_f64(g, "objective", 1, &it, s->objective, err) ||
        stp_h5_write_f64(g, "gamma", 1, &it, s->gamma, err) ||
        stp_h5_write_f64(g, "elite_mean", 1, &it, s->elite, err))
        goto done;
    for (f = 0; f < N_LAW; f++) {
        for (i = 0; i < cells + ns_; i++)
            x[i] = law_at(i < cells ? &s->history[i] : &s->law[i - cells], LAW[f].off);
        if (stp_h5_write_f64(g, LAW[f].name, 2, dims, x, err)) goto done;
    }
    for (f = 0; f < N_WORST; f++) {
        for (i = 0; i < ns; i++)
            x[i] = law_at(&s->worst[i], WORST[f].off);
        if (stp_h5_write_f64(g, WORST[f].name, 1, &ns, x, err)) goto done;
    }
    rc = 0;
done:
    stp_h5_close(g);
    free(x);
    return rc;
}

static int read_kinds(hid_t g, stp_search *s, stp_error *err)
{
    char *names[STP_MAX_SHOCKS];
    hid_t d = -1, ft = -1, mt = -1, space = -1;
    hssize_t n = 0;
    htri_t vlen = 0;
    char fixed[STP_MAX_SHOCKS][64];
    int rc = -1, k;
    if (STP_H5_CHECK(err, d = H5Dopen2(g, "kind", H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        stp_h5_require_points(space, 0, STP_MAX_SHOCKS, &n, err) ||
        STP_H5_CHECK(err, ft = H5Dget_type(d)) ||
        stp_h5_string_mem_type(ft, sizeof fixed[0], &vlen, &mt, err) ||
        STP_H5_CHECK(err, H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                  vlen ? (void *)names : (void *)fixed)))
        goto done;
    s->n_specs = (int)n;
    for (k = 0; k < s->n_specs; k++) {
        const char *name = vlen ? names[k] : fixed[k];
        int kind;
        s->kind[k] = -1;
        for (kind = 0; kind < STP_SHOCK_KINDS; kind++)
            if (!strcmp(name, stp_shock_kind_name((stp_shock_kind)kind))) s->kind[k] = kind;
    }
    if (vlen) H5Dvlen_reclaim(mt, space, H5P_DEFAULT, names);
    rc = 0;
done:
    if (rc) stp_h5_blame(err, g, "kind", NULL);
    stp_h5_close(mt);
    stp_h5_close(ft);
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

/* A [rows][cols] double dataset into x, its shape checked. */
static int read_2d(hid_t g, const char *name, double *x, int rows, int cols, stp_error *err)
{
    hid_t d = -1, space = -1;
    hsize_t dims[2] = {0, 0};
    int rank = -1, rc = -1;
    if (STP_H5_CHECK(err, d = H5Dopen2(g, name, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        STP_H5_CHECK(err, rank = H5Sget_simple_extent_ndims(space)))
        goto done;
    if (rank == 2) H5Sget_simple_extent_dims(space, dims, NULL);
    if (rank != 2 || dims[0] != (hsize_t)rows || dims[1] != (hsize_t)cols) {
        stp_error_set(err, STP_EIO, "expected %d x %d values", rows, cols);
        goto done;
    }
    if (rows > 0 && cols > 0 &&
        STP_H5_CHECK(err, H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x)))
        goto done;
    rc = 0;
done:
    if (rc) stp_h5_blame(err, g, name, NULL);
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

int stp_h5_read_search(hid_t file, stp_search *s, stp_error *err)
{
    char objective[32];
    long long iters = 0, ppi = 0;
    double *x = NULL;
    hid_t g = -1;
    htri_t has;
    size_t f, i, cells;
    int rc = -1, n;
    memset(s, 0, sizeof *s);
    if (STP_H5_CHECK(err, has = H5Lexists(file, "search", H5P_DEFAULT))) return -1;
    if (!has) return 0;
    if (STP_H5_CHECK(err, g = H5Gopen2(file, "search", H5P_DEFAULT)) ||
        stp_h5_read_str_attr(g, ".", "objective", objective, sizeof objective, err) ||
        stp_h5_read_attr(g, ".", "iterations", H5T_NATIVE_LLONG, &iters, err) ||
        stp_h5_read_attr(g, ".", "paths_per_iter", H5T_NATIVE_LLONG, &ppi, err) ||
        stp_h5_read_attr(g, ".", "elite_fraction", H5T_NATIVE_DOUBLE, &s->elite_fraction, err) ||
        stp_h5_read_attr(g, ".", "rerun_seed", H5T_NATIVE_ULLONG, &s->rerun_seed, err) ||
        read_kinds(g, s, err))
        goto done;
    if (iters < 0 || iters > 1000000) {
        stp_error_set(err, STP_EIO, "/search: %lld iterations", iters);
        goto done;
    }
    s->objective_kind =
        !strcmp(objective, "p_cascade") ? STP_OBJECTIVE_P_CASCADE : STP_OBJECTIVE_ES_BAD_DEBT;
    s->n_iter = s->done = (int)iters;
    s->paths_per_iter = ppi;
    cells = (size_t)s->done * (size_t)s->n_specs;
    if (STP_ALLOC(err, s->history, cells + 1) || STP_ALLOC(err, s->objective, s->done + 1) ||
        STP_ALLOC(err, s->gamma, s->done + 1) || STP_ALLOC(err, s->elite, s->done + 1) ||
        STP_ALLOC(err, x, cells + 2 * STP_MAX_SHOCKS) ||
        stp_h5_read_ds(g, "objective", H5T_NATIVE_DOUBLE, s->objective, s->done, &n, err) ||
        stp_h5_read_ds(g, "gamma", H5T_NATIVE_DOUBLE, s->gamma, s->done, &n, err) ||
        stp_h5_read_ds(g, "elite_mean", H5T_NATIVE_DOUBLE, s->elite, s->done, &n, err))
        goto done;
    for (f = 0; f < N_LAW; f++) {
        if (read_2d(g, LAW[f].name, x, s->done + 1, s->n_specs, err)) goto done;
        for (i = 0; i < cells + (size_t)s->n_specs; i++)
            law_set(i < cells ? &s->history[i] : &s->law[i - cells], LAW[f].off, x[i]);
    }
    for (f = 0; f < N_WORST; f++) {
        if (stp_h5_read_ds(g, WORST[f].name, H5T_NATIVE_DOUBLE, x, s->n_specs, &n, err)) goto done;
        for (i = 0; i < (size_t)s->n_specs; i++)
            law_set(&s->worst[i], WORST[f].off, x[i]);
    }
    rc = 0;
done:
    if (rc) stp_h5_prefix_error(err, "/search: ");
    stp_h5_close(g);
    free(x);
    return rc;
}

void stp_search_free(stp_search *s)
{
    free(s->history);
    free(s->objective);
    free(s->gamma);
    free(s->elite);
    s->history = NULL;
    s->objective = s->gamma = s->elite = NULL;
}

int stp_h5_write_pilot(hid_t file, const stp_pilot *p, stp_error *err)
{
    const hsize_t n = (hsize_t)p->levels;
    hid_t g = -1;
    int rc = -1;
    if (stp_h5_make_group(file, "importance_pilot", 0, &g, err) ||
        stp_h5_attr_f64(g, ".", "tilt", p->tilt, err) ||
        stp_h5_attr_i64(g, ".", "paths", p->paths, err) ||
        stp_h5_write_attr(g, ".", "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &p->seed, err) ||
        stp_h5_attr_i32(g, ".", "levels", p->levels, err) ||
        stp_h5_attr_i32(g, ".", "reached", p->reached, err) ||
        stp_h5_write_f64(g, "tilt", 1, &n, p->level_tilt, err) ||
        stp_h5_write_f64(g, "gamma", 1, &n, p->level_gamma, err) ||
        stp_h5_write_dataset(g, "events", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &n, p->level_events,
                             0, err))
        goto done;
    rc = 0;
done:
    stp_h5_close(g);
    return rc;
}

int stp_h5_read_pilot(hid_t file, stp_pilot *p, stp_error *err)
{
    hid_t g = -1;
    htri_t has;
    int rc = -1, n;
    memset(p, 0, sizeof *p);
    if (STP_H5_CHECK(err, has = H5Lexists(file, "importance_pilot", H5P_DEFAULT))) return -1;
    if (!has) return 0;
    if (STP_H5_CHECK(err, g = H5Gopen2(file, "importance_pilot", H5P_DEFAULT)) ||
        stp_h5_read_attr(g, ".", "tilt", H5T_NATIVE_DOUBLE, &p->tilt, err) ||
        stp_h5_read_attr(g, ".", "paths", H5T_NATIVE_LLONG, &p->paths, err) ||
        stp_h5_read_attr(g, ".", "seed", H5T_NATIVE_ULLONG, &p->seed, err) ||
        stp_h5_read_attr(g, ".", "reached", H5T_NATIVE_INT, &p->reached, err) ||
        stp_h5_read_ds(g, "tilt", H5T_NATIVE_DOUBLE, p->level_tilt, STP_PILOT_LEVELS, &n, err) ||
        stp_h5_read_ds(g, "gamma", H5T_NATIVE_DOUBLE, p->level_gamma, STP_PILOT_LEVELS, &n, err) ||
        stp_h5_read_ds(g, "events", H5T_NATIVE_LLONG, p->level_events, STP_PILOT_LEVELS, &p->levels,
                       err))
        goto done;
    rc = 0;
done:
    if (rc) stp_h5_prefix_error(err, "/importance_pilot: ");
    stp_h5_close(g);
    return rc;
}
