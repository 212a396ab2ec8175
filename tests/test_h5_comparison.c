/* test_h5_comparison.c: /comparison and /sweep in the results file
 * (DESIGN §6, host/io/h5_comparison.c) and the comparison tables `stampede
 * summary` prints after the per-variant ones (host/report/comparison_text.c).
 *
 * A hand-built stp_comparison (3 rows of a compare, or 2 series x 2 values
 * of a sweep) rides on a minimal run: no agents, one variant group per row.
 * The rows' numbers are the figures a reader would see (P(cascade) of a few
 * percent, bad debt in millions); they are not computed here, only written
 * and read back, and doubles round-trip through HDF5 bit for bit, so
 * comparisons are exact (NaN included, by bits). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, open_memstream */

#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <hdf5.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/h5out.h"
#include "stampede/summary.h"

#include "print_summary.h"
#include "tmpdir.h"

#define MAX_ROWS 4

typedef struct fixture {
    char path[512];
    stp_config *cfg;
    stp_population pop;
    stp_variant_results var[MAX_ROWS];
    stp_comparison_row rows[MAX_ROWS];
    stp_comparison cmp;
    stp_results res;
} fixture;

static fixture *fx;

// ----------------------------------------------------------------------------
// fixture

static stp_paired_diff diff(double d, double lo, double hi, double ulo, double uhi, double rel,
                            double rlo, double rhi)
{
    stp_paired_diff x;
    x.base = x.variant = NAN; /* not stored: the rows' own estimates */
    x.diff = d, x.ci_lo = lo, x.ci_hi = hi;
    x.unpaired_ci_lo = ulo, x.unpaired_ci_hi = uhi;
    x.rel = rel, x.rel_ci_lo = rlo, x.rel_ci_hi = rhi;
    return x;
}

/* Row i: name, P(cascade) = k / 2000 with a Wilson-like interval, ES and
 * mean of bad debt, and the paired diffs against row 0. */
static void set_row(int i, const char *name, long long k, double p_lo, double p_hi, double es,
                    double mean)
{
    stp_comparison_row *r = &fx->rows[i];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->series, sizeof r->series, "%s", name);
    r->value = NAN;
    r->cascade.n = 2000, r->cascade.k = k;
    r->cascade.p = (double)k / 2000.0, r->cascade.ci_lo = p_lo, r->cascade.ci_hi = p_hi;
    r->es = es, r->es_ci_lo = 0.8 * es, r->es_ci_hi = 1.2 * es;
    r->bad_debt_mean = mean, r->bad_debt_ci_lo = 0.9 * mean, r->bad_debt_ci_hi = 1.1 * mean;
}

/* A compare of three: the baseline (its diffs against itself are zero), a
 * circuit breaker that helps, and slow agents whose relative P(cascade)
 * reduction is NaN (as when the baseline's P is 0) while its other figures
 * are not. */
static void fill_compare(void)
{
    set_row(0, "base", 70, 0.0278, 0.0440, 5.2e6, 1.5e6);
    fx->rows[0].d_cascade = diff(0, 0, 0, -0.0115, 0.0115, 0, 0, 0);
    fx->rows[0].d_es = diff(0, 0, 0, -1.5e6, 1.5e6, 0, 0, 0);
    fx->rows[0].d_bad_debt = diff(0, 0, 0, -2.1e5, 2.1e5, 0, 0, 0);
    set_row(1, "breaker", 42, 0.0156, 0.0283, 3.1e6, 9.5e5);
    fx->rows[1].d_cascade = diff(0.014, 0.0095, 0.0185, 0.0025, 0.0255, 0.4, 0.29, 0.51);
    fx->rows[1].d_es = diff(2.1e6, 1.5e6, 2.7e6, 6.0e5, 3.6e6, 0.403846, 0.3, 0.5);
    fx->rows[1].d_bad_debt = diff(5.5e5, 4.1e5, 6.9e5, 2.6e5, 8.4e5, 0.3667, 0.28, 0.45);
    set_row(2, "slow_agents", 77, 0.0310, 0.0480, 5.9e6, 1.65e6);
    fx->rows[2].d_cascade = diff(-0.0035, -0.0061, -0.0009, -0.0152, 0.0082, NAN, NAN, NAN);
    fx->rows[2].d_es = diff(-7e5, -1.1e6, -3e5, -2.3e6, 9e5, -0.1346, -0.21, -0.06);
    fx->rows[2].d_bad_debt = diff(-1.5e5, -2.2e5, -8e4, -3.6e5, 6e4, -0.1, -0.15, -0.05);
    fx->cmp.n = 3;
    fx->cmp.es_level = 0.99;
    fx->cmp.sweep_param[0] = '\0';
}

/* A sweep of weight_noise over {0, 0.5} for the base and a monoculture:
 * rows by series, then value. */
static void fill_sweep(void)
{
    static const char *const name[MAX_ROWS] = {"base@0", "base@0.5", "mono@0", "mono@0.5"};
    static const long long k[MAX_ROWS] = {70, 61, 180, 150};
    for (int i = 0; i < MAX_ROWS; i++) {
        set_row(i, name[i], k[i], 0.8 * (double)k[i] / 2000.0, 1.25 * (double)k[i] / 2000.0,
                5e6 + 1e6 * i, 1e6 + 2e5 * i);
        snprintf(fx->rows[i].series, sizeof fx->rows[i].series, "%s", i < 2 ? "base" : "mono");
        fx->rows[i].value = i % 2 ? 0.5 : 0.0;
        fx->rows[i].d_cascade = diff(0.001 * i, 0.0005 * i, 0.0015 * i, -0.01, 0.01 + 0.001 * i,
                                     0.02 * i, 0.01 * i, 0.03 * i);
        fx->rows[i].d_es =
            diff(-1e6 * i, -1.5e6 * i, -5e5 * i, -3e6, 3e6, -0.2 * i, -0.3 * i, -0.1 * i);
        fx->rows[i].d_bad_debt =
            diff(-2e5 * i, -3e5 * i, -1e5 * i, -6e5, 6e5, -0.2 * i, -0.3 * i, -0.1 * i);
    }
    fx->cmp.n = MAX_ROWS;
    fx->cmp.es_level = 0.99;
    snprintf(fx->cmp.sweep_param, sizeof fx->cmp.sweep_param, "population.weight_noise");
}

/* One (empty) variant group per row, as a run writes them. */
static void fill_variants(void)
{
    for (int i = 0; i < fx->cmp.n; i++) {
        stp_variant_results *v = &fx->var[i];
        snprintf(v->name, sizeof v->name, "%s", fx->rows[i].name);
        v->overrides_json = "{}";
        v->paths_done = 2000;
        v->cascade = fx->rows[i].cascade;
    }
    fx->res.n_variants = fx->cmp.n;
}

static void setup_common(void)
{
    tmpdir_make();
    fx = calloc(1, sizeof *fx);
    snprintf(fx->path, sizeof fx->path, "%s/out.h5", dir);
    fx->cfg = calloc(1, sizeof *fx->cfg);
    fx->cfg->resolved_json = strdup("{}");
    strcpy(fx->cfg->experiment.name, "base");
    fx->cmp.rows = fx->rows;
    fx->res.cfg = fx->cfg;
    fx->res.pop = &fx->pop;
    fx->res.engine_version = "0.1.0-test";
    fx->res.backend = "openmp";
    fx->res.device = "Test CPU";
    fx->res.seed = 42;
    fx->res.paths = 2000;
    fx->res.variants = fx->var;
    fx->res.comparison = &fx->cmp;
}

static void setup_compare(void)
{
    setup_common();
    fill_compare();
    fill_variants();
}

static void setup_sweep(void)
{
    setup_common();
    fill_sweep();
    fill_variants();
}

static void teardown(void)
{
    free(fx->cfg->resolved_json);
    free(fx->cfg);
    free(fx);
    tmpdir_remove();
}

static void write_ok(void)
{
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 0, &err), STP_OK, "%s", err.msg);
}

// ----------------------------------------------------------------------------
// reading helpers (HDF5 C API, independent of the reader under test)

/* Column `name` of group g: exactly n values of one dimension. */
static void read_column(hid_t g, const char *name, hid_t mtype, void *out, int n)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "dataset %s missing", name);
    hid_t space = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    cr_assert_eq(H5Sget_simple_extent_ndims(space), 1, "%s is not 1-D", name);
    H5Sget_simple_extent_dims(space, dims, NULL);
    cr_assert_eq(dims[0], (hsize_t)n, "%s has %llu values, want %d", name, dims[0], n);
    cr_assert_geq(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), 0);
    H5Sclose(space);
    H5Dclose(d);
}

/* A string column, as h5py's .asstr() would read it. */
static void expect_strings(hid_t g, const char *name, const char *const *want, int n)
{
    char *got[MAX_ROWS] = {NULL};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8); /* the writer's: HDF5 converts no charset to another */
    read_column(g, name, t, got, n);
    for (int i = 0; i < n; i++) {
        cr_expect_str_eq(got[i], want[i], "%s[%d]", name, i);
        H5free_memory(got[i]);
    }
    H5Tclose(t);
}

/* The doubles at byte offset `off` of each row, bit for bit. */
static void expect_f64(hid_t g, const char *name, size_t off, int n)
{
    double got[MAX_ROWS], want[MAX_ROWS];
    read_column(g, name, H5T_NATIVE_DOUBLE, got, n);
    for (int i = 0; i < n; i++)
        memcpy(&want[i], (const char *)&fx->rows[i] + off, sizeof want[i]);
    cr_expect_eq(memcmp(got, want, (size_t)n * sizeof got[0]), 0, "%s differs", name);
}

static void attr_string(hid_t loc, const char *name, char *buf, size_t cap)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    char *s = NULL;
    cr_assert_geq(a, 0, "attribute %s missing", name);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    cr_assert_geq(H5Aread(a, t, &s), 0);
    snprintf(buf, cap, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

/* The d_<what>_<field> columns: every field of one paired diff. */
static void expect_diff(hid_t g, const char *prefix, size_t diff_off, int n)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {
        {"diff", offsetof(stp_paired_diff, diff)},
        {"ci_lo", offsetof(stp_paired_diff, ci_lo)},
        {"ci_hi", offsetof(stp_paired_diff, ci_hi)},
        {"unpaired_ci_lo", offsetof(stp_paired_diff, unpaired_ci_lo)},
        {"unpaired_ci_hi", offsetof(stp_paired_diff, unpaired_ci_hi)},
        {"rel", offsetof(stp_paired_diff, rel)},
        {"rel_ci_lo", offsetof(stp_paired_diff, rel_ci_lo)},
        {"rel_ci_hi", offsetof(stp_paired_diff, rel_ci_hi)},
    };
    char name[64];
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        snprintf(name, sizeof name, "%s%s", prefix, fields[f].name);
        expect_f64(g, name, diff_off + fields[f].off, n);
    }
}

#define ROW(field) offsetof(stp_comparison_row, field)

// ----------------------------------------------------------------------------
// layout

Test(h5_comparison, every_column_is_one_dataset_over_the_rows, .init = setup_compare,
     .fini = teardown)
{
    const char *const names[3] = {"base", "breaker", "slow_agents"};
    long long k[3], n[3];
    char buf[256];
    double level = 0;
    write_ok();
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT),
          g = H5Gopen2(f, "comparison", H5P_DEFAULT);
    cr_assert_geq(g, 0, "no /comparison");
    attr_string(g, "baseline", buf, sizeof buf);
    cr_expect_str_eq(buf, "base");
    attr_string(g, "es_metric", buf, sizeof buf);
    cr_expect_str_eq(buf, "bad_debt_usd");
    attr_string(g, "ci_method", buf, sizeof buf);
    cr_expect_not_null(strstr(buf, "paired"), "ci_method '%s'", buf);
    cr_expect_not_null(strstr(buf, "common random numbers"), "ci_method '%s'", buf);
    hid_t a = H5Aopen(g, "es_level", H5P_DEFAULT);
    cr_assert_geq(H5Aread(a, H5T_NATIVE_DOUBLE, &level), 0);
    H5Aclose(a);
    cr_expect_eq(level, 0.99);
    expect_strings(g, "name", names, 3);
    read_column(g, "cascade_paths", H5T_NATIVE_LLONG, k, 3);
    read_column(g, "paths", H5T_NATIVE_LLONG, n, 3);
    cr_expect(k[0] == 70 && k[1] == 42 && k[2] == 77, "cascade_paths %lld %lld %lld", k[0], k[1],
              k[2]);
    cr_expect(n[0] == 2000 && n[1] == 2000 && n[2] == 2000);
    expect_f64(g, "p_cascade", ROW(cascade.p), 3);
    expect_f64(g, "p_ci_lo", ROW(cascade.ci_lo), 3);
    expect_f64(g, "p_ci_hi", ROW(cascade.ci_hi), 3);
    expect_f64(g, "es", ROW(es), 3);
    expect_f64(g, "es_ci_lo", ROW(es_ci_lo), 3);
    expect_f64(g, "es_ci_hi", ROW(es_ci_hi), 3);
    expect_f64(g, "bad_debt_mean", ROW(bad_debt_mean), 3);
    expect_f64(g, "bad_debt_ci_lo", ROW(bad_debt_ci_lo), 3);
    expect_f64(g, "bad_debt_ci_hi", ROW(bad_debt_ci_hi), 3);
    expect_diff(g, "d_cascade_", ROW(d_cascade), 3);
    expect_diff(g, "d_es_", ROW(d_es), 3);
    expect_diff(g, "d_bad_debt_", ROW(d_bad_debt), 3);
    H5Gclose(g);
    cr_expect_eq(H5Lexists(f, "sweep", H5P_DEFAULT), 0, "a compare has no /sweep");
    H5Fclose(f);
}

Test(h5_comparison, nan_survives_and_counts_are_int64, .init = setup_compare, .fini = teardown)
{
    double rel[3];
    write_ok();
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    read_column(f, "/comparison/d_cascade_rel", H5T_NATIVE_DOUBLE, rel, 3);
    cr_expect(rel[0] == 0.0 && rel[1] == 0.4 && isnan(rel[2]), "rel %g %g %g", rel[0], rel[1],
              rel[2]);
    hid_t d = H5Dopen2(f, "/comparison/cascade_paths", H5P_DEFAULT), t = H5Dget_type(d);
    cr_expect(H5Tequal(t, H5T_STD_I64LE) > 0, "cascade_paths is not int64");
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(f);
}

Test(h5_comparison, sweep_lists_the_rows_as_curves_in_order, .init = setup_sweep, .fini = teardown)
{
    const char *const series[MAX_ROWS] = {"base", "base", "mono", "mono"};
    const char *const variant[MAX_ROWS] = {"base@0", "base@0.5", "mono@0", "mono@0.5"};
    char param[256];
    write_ok();
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT), g = H5Gopen2(f, "sweep", H5P_DEFAULT);
    cr_assert_geq(g, 0, "no /sweep");
    attr_string(g, "param", param, sizeof param);
    cr_expect_str_eq(param, "population.weight_noise");
    expect_strings(g, "series", series, MAX_ROWS);
    expect_strings(g, "variant", variant, MAX_ROWS);
    expect_f64(g, "value", ROW(value), MAX_ROWS);
    expect_f64(g, "p_cascade", ROW(cascade.p), MAX_ROWS);
    expect_f64(g, "p_ci_lo", ROW(cascade.ci_lo), MAX_ROWS);
    expect_f64(g, "p_ci_hi", ROW(cascade.ci_hi), MAX_ROWS);
    expect_f64(g, "es", ROW(es), MAX_ROWS);
    expect_f64(g, "es_ci_lo", ROW(es_ci_lo), MAX_ROWS);
    expect_f64(g, "es_ci_hi", ROW(es_ci_hi), MAX_ROWS);
    expect_f64(g, "bad_debt_mean", ROW(bad_debt_mean), MAX_ROWS);
    H5Gclose(g);
    cr_expect_gt(H5Lexists(f, "comparison", H5P_DEFAULT), 0, "a sweep also has /comparison");
    H5Fclose(f);
}

Test(h5_comparison, single_run_writes_neither_group, .init = setup_compare, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    fx->res.comparison = NULL;
    fx->res.n_variants = 1;
    write_ok();
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_expect_eq(H5Lexists(f, "comparison", H5P_DEFAULT), 0);
    cr_expect_eq(H5Lexists(f, "sweep", H5P_DEFAULT), 0);
    H5Fclose(f);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    cr_expect_eq(s.comparison.n, 0);
    cr_expect_null(s.comparison.rows);
    stp_summary_free(&s);
}

// ----------------------------------------------------------------------------
// reading back

static void read_back(stp_summary *s)
{
    stp_error err = {STP_OK, ""};
    write_ok();
    cr_assert_eq(stp_h5_read_summary(fx->path, s, &err), STP_OK, "%s", err.msg);
}

/* Every stored field of row i equals the fixture's, NaN by bits. */
static void expect_row(const stp_comparison_row *got, int i)
{
    const stp_comparison_row *want = &fx->rows[i];
    const stp_paired_diff *gd[3] = {&got->d_cascade, &got->d_es, &got->d_bad_debt};
    const stp_paired_diff *wd[3] = {&want->d_cascade, &want->d_es, &want->d_bad_debt};
    cr_expect_str_eq(got->name, want->name);
    cr_expect_str_eq(got->series, want->series);
    cr_expect_eq(memcmp(&got->value, &want->value, sizeof got->value), 0, "value of row %d", i);
    cr_expect_eq(memcmp(&got->cascade, &want->cascade, sizeof got->cascade), 0, "row %d", i);
    cr_expect_eq(memcmp(&got->es, &want->es, 6 * sizeof(double)), 0, "es..bad_debt row %d", i);
    for (int d = 0; d < 3; d++) /* base and variant are not stored: from diff on */
        cr_expect_eq(memcmp(&gd[d]->diff, &wd[d]->diff,
                            sizeof(stp_paired_diff) - offsetof(stp_paired_diff, diff)),
                     0, "diff %d of row %d", d, i);
}

Test(h5_comparison, read_summary_gets_every_row_back, .init = setup_compare, .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    cr_assert_eq(s.comparison.n, 3);
    cr_expect_eq(s.comparison.es_level, 0.99);
    cr_expect_str_eq(s.comparison.sweep_param, "");
    cr_expect_not_null(strstr(s.ci_method, "delta method"), "%s", s.ci_method);
    for (int i = 0; i < 3; i++)
        expect_row(&s.comparison.rows[i], i);
    cr_expect(isnan(s.comparison.rows[1].d_cascade.base), "base is not stored: NaN");
    stp_summary_free(&s);
    cr_expect_null(s.comparison.rows);
}

Test(h5_comparison, read_summary_gets_the_sweep_back, .init = setup_sweep, .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    cr_assert_eq(s.comparison.n, MAX_ROWS);
    cr_expect_str_eq(s.comparison.sweep_param, "population.weight_noise");
    for (int i = 0; i < MAX_ROWS; i++)
        expect_row(&s.comparison.rows[i], i);
    stp_summary_free(&s);
}

/* Damages the file with the HDF5 API, then expects a one-line read error
 * that starts with the file name and names `what`. */
static void expect_read_error(const char *what)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_EIO, "read a damaged file");
    cr_expect_eq(strncmp(err.msg, fx->path, strlen(fx->path)), 0, "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, what), "'%s' not named in: %s", what, err.msg);
    cr_expect_null(strchr(err.msg, '\n'), "not one line: %s", err.msg);
    cr_expect_null(s.comparison.rows);
}

/* The edits below are deliberate: reseal the file so the reader gets past
 * its checksums to the check under test (a file edited without resealing
 * reads as damaged: test_h5out's seal tests). */
static void reseal(void)
{
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_h5_reseal_file(fx->path, 1, &err), STP_OK, "%s", err.msg);
}

static void delete_link(const char *name)
{
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(H5Ldelete(f, name, H5P_DEFAULT), 0, "cannot delete %s", name);
    H5Fclose(f);
    reseal();
}

/* Replaces a double column by one of n values. */
static void replace_column(const char *name, int n)
{
    const double x[MAX_ROWS + 1] = {1, 2, 3, 4, 5};
    const hsize_t dims[1] = {(hsize_t)n};
    delete_link(name);
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT), sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x), 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    reseal();
}

Test(h5_comparison, missing_column_is_a_one_line_error, .init = setup_compare, .fini = teardown)
{
    write_ok();
    delete_link("/comparison/d_es_rel_ci_hi");
    expect_read_error("/comparison/d_es_rel_ci_hi");
}

Test(h5_comparison, short_column_is_a_one_line_error, .init = setup_compare, .fini = teardown)
{
    write_ok();
    replace_column("/comparison/p_ci_lo", 2);
    expect_read_error("/comparison/p_ci_lo: has 2 values, expected 3");
}

/* Replaces a string column by n variable-length UTF-8 strings. */
static void replace_strings(const char *name, const char *const *s, int n)
{
    const hsize_t dims[1] = {(hsize_t)n};
    delete_link(name);
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT), sp = H5Screate_simple(1, dims, NULL);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t d = H5Dcreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s), 0);
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);
    H5Fclose(f);
    reseal();
}

/* Another writer's fixed-length names (h5py's numpy 'S' arrays) read the
 * same; one longer than a variant name may be is refused, not cut. */
static void replace_fixed_strings(const char *name, const char *s, size_t width, int n)
{
    const hsize_t dims[1] = {(hsize_t)n};
    delete_link(name);
    hid_t f = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT), sp = H5Screate_simple(1, dims, NULL);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, width);
    hid_t d = H5Dcreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s), 0);
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);
    H5Fclose(f);
    reseal();
}

Test(h5_comparison, fixed_length_names_are_read_too, .init = setup_compare, .fini = teardown)
{
    char names[3][12] = {"base", "breaker", "slow_agents"}, longer[3][80];
    stp_summary s;
    stp_error err = {STP_OK, ""};
    write_ok();
    replace_fixed_strings("/comparison/name", names[0], sizeof names[0], 3);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    cr_expect_str_eq(s.comparison.rows[2].name, "slow_agents");
    stp_summary_free(&s);
    memset(longer, 'x', sizeof longer);
    strcpy(longer[0], "base");
    replace_fixed_strings("/comparison/name", longer[0], sizeof longer[0], 3);
    expect_read_error("/comparison/name: row 1 is longer than 63 bytes");
}

Test(h5_comparison, short_sweep_column_is_an_error, .init = setup_sweep, .fini = teardown)
{
    write_ok();
    replace_column("/sweep/value", 3);
    expect_read_error("/sweep/value: has 3 values, expected 4");
}

Test(h5_comparison, sweep_rows_must_be_the_comparison_rows, .init = setup_sweep, .fini = teardown)
{
    const char *const swapped[MAX_ROWS] = {"base@0", "mono@0", "base@0.5", "mono@0.5"};
    write_ok();
    replace_strings("/sweep/variant", swapped, MAX_ROWS);
    expect_read_error("/sweep/variant: row 1 is 'mono@0' but /comparison/name row 1 is "
                      "'base@0.5'");
}

Test(h5_comparison, baseline_attribute_must_name_row_0, .init = setup_compare, .fini = teardown)
{
    const char *const renamed[3] = {"breaker", "base", "slow_agents"};
    write_ok();
    replace_strings("/comparison/name", renamed, 3);
    expect_read_error("attribute 'baseline' is 'base' but row 0 is 'breaker'");
}

Test(h5_comparison, sweep_without_comparison_is_an_error, .init = setup_sweep, .fini = teardown)
{
    write_ok();
    delete_link("/comparison");
    expect_read_error("/sweep without /comparison");
}

// ----------------------------------------------------------------------------
// the summary's comparison tables

static void expect_all(const char *out, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_expect_not_null(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
}

Test(summary_comparison, text_has_a_row_per_variant_after_the_variants, .init = setup_compare,
     .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_TEXT);
    /* breaker: 2.1% [1.56%, 2.83%]; reduction 1.4 pp [0.95, 1.85], unpaired
     * [0.25, 2.55]; relative 40% [29%, 51%]; ES 3.1M [2.48M, 3.72M] (x0.8,
     * x1.2); ES reduction 2.1M [1.5M, 2.7M]; mean 950K */
    const char *const want[] = {"comparison (baseline: base)",
                                "variant",
                                "reduction (pp)",
                                "unpaired CI (pp)",
                                "relative reduction",
                                "ES 99% bad debt",
                                "base (baseline)",
                                "3.5% [2.78%, 4.4%]",
                                "breaker",
                                "2.1% [1.56%, 2.83%]",
                                "1.4 [0.95, 1.85]",
                                "[0.25, 2.55]",
                                "40% [29%, 51%]",
                                "$3.1M [$2.48M, $3.72M]",
                                "$2.1M [$1.5M, $2.7M]",
                                "$950K",
                                "slow_agents",
                                "-0.35 [-0.61, -0.09]",
                                "paired 95% CIs: normal 95%, delta method",
                                "common random numbers"};
    expect_all(out, want, sizeof want / sizeof want[0]);
    /* after the per-variant part, which ends with its footnote */
    const char *foot = strstr(out, "VaR and ES of the upper (loss) tail");
    cr_assert_not_null(foot);
    cr_expect_gt(strstr(out, "comparison (baseline"), foot, "comparison before the variants");
    /* slow_agents' relative reduction is NaN: "n/a", not "nan" */
    const char *slow = strstr(out, "  slow_agents");
    cr_assert_not_null(slow, "%s", out);
    cr_expect_not_null(strstr(slow, "n/a"), "%s", slow);
    cr_expect_null(strstr(out, "nan"), "%s", out);
    cr_expect_null(strstr(out, "sweep over"), "a compare prints no curves");
    free(out);
    stp_summary_free(&s);
}

Test(summary_comparison, markdown_tables_are_github_pipe_tables, .init = setup_sweep,
     .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_MARKDOWN);
    const char *const want[] = {
        "### Comparison (baseline: base@0)\n\n| variant | P(cascade) | reduction (pp) | "
        "unpaired CI (pp) | relative reduction | ES 99% bad debt | ES reduction | mean bad "
        "debt |\n|---|---:|---:|---:|---:|---:|---:|---:|\n| base@0 (baseline) | 3.5% [2.8%, "
        "4.38%] | - | - | - | \\$5M [\\$4M, \\$6M] | - | \\$1M |\n",
        "| mono@0.5 | 7.5% [6%, 9.38%] | 0.3 [0.15, 0.45] | [-1, 1.3] | 6% [3%, 9%] |",
        "### Sweep over population.weight\\_noise\n\n| series | population.weight\\_noise | "
        "P(cascade) | ES 99% bad debt | mean bad debt |\n|---|---:|---:|---:|---:|\n",
        "| base | 0 | 3.5% [2.8%, 4.38%] | \\$5M [\\$4M, \\$6M] | \\$1M |\n"
        "| base | 0.5 | 3.05% [2.44%, 3.81%] | \\$6M [\\$4.8M, \\$7.2M] | \\$1.2M |\n"
        "| mono | 0 | 9% [7.2%, 11.2%] | \\$7M [\\$5.6M, \\$8.4M] | \\$1.4M |\n"
        "| mono | 0.5 | 7.5% [6%, 9.38%] | \\$8M [\\$6.4M, \\$9.6M] | \\$1.6M |\n"};
    expect_all(out, want, sizeof want / sizeof want[0]);
    /* a note right after a table would be read as one more row */
    cr_expect_not_null(strstr(out, "|\n\nreduction = baseline - variant"), "%s", out);
    free(out);
    stp_summary_free(&s);
}

Test(summary_comparison, markdown_escapes_names_inside_cells, .init = setup_compare,
     .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_MARKDOWN);
    cr_expect_not_null(strstr(out, "| slow\\_agents | "), "%s", out);
    free(out);
    stp_summary_free(&s);
}

static cJSON *parse_json(const char *out)
{
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "invalid JSON near: %.80s", cJSON_GetErrorPtr());
    return j;
}

static double json_number_at(const cJSON *obj, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
    cr_assert(cJSON_IsNumber(x), "%s is not a number", key);
    return x->valuedouble;
}

Test(summary_comparison, json_has_the_rows_as_an_array, .init = setup_compare, .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_JSON);
    cJSON *j = parse_json(out);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "comparison");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "comparison_info");
    cr_assert(cJSON_IsArray(rows) && cJSON_GetArraySize(rows) == 3, "%s", out);
    cr_expect_eq(json_number_at(info, "es_level"), 0.99);
    cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(info, "baseline")->valuestring, "base");
    const cJSON *r0 = cJSON_GetArrayItem(rows, 0), *r1 = cJSON_GetArrayItem(rows, 1);
    const cJSON *r2 = cJSON_GetArrayItem(rows, 2);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r0, "baseline")));
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r1, "baseline")));
    cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(r2, "name")->valuestring, "slow_agents");
    cr_expect_eq(json_number_at(r1, "p_cascade"), 0.021);
    cr_expect_eq(json_number_at(r1, "cascade_paths"), 42);
    cr_expect_eq(json_number_at(r1, "es_ci_hi"), fx->rows[1].es_ci_hi);
    const cJSON *dc1 = cJSON_GetObjectItemCaseSensitive(r1, "d_cascade");
    cr_expect_eq(json_number_at(dc1, "diff"), 0.014);
    cr_expect_eq(json_number_at(dc1, "unpaired_ci_hi"), 0.0255);
    cr_expect_eq(json_number_at(cJSON_GetObjectItemCaseSensitive(r1, "d_bad_debt"), "rel_ci_lo"),
                 0.28);
    const cJSON *dc2 = cJSON_GetObjectItemCaseSensitive(r2, "d_cascade");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(dc2, "rel")), "NaN must be null");
    cr_expect_null(cJSON_GetObjectItemCaseSensitive(j, "sweep"), "a compare has no sweep");
    cJSON_Delete(j);
    free(out);
    stp_summary_free(&s);
}

Test(summary_comparison, json_sweep_has_param_and_points_in_order, .init = setup_sweep,
     .fini = teardown)
{
    const char *const variant[MAX_ROWS] = {"base@0", "base@0.5", "mono@0", "mono@0.5"};
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_JSON);
    cJSON *j = parse_json(out);
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(j, "sweep");
    cr_assert(cJSON_IsObject(sw), "%s", out);
    cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(sw, "param")->valuestring,
                     "population.weight_noise");
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(sw, "points");
    cr_assert(cJSON_IsArray(pts) && cJSON_GetArraySize(pts) == MAX_ROWS, "%s", out);
    for (int i = 0; i < MAX_ROWS; i++) {
        const cJSON *p = cJSON_GetArrayItem(pts, i);
        cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(p, "variant")->valuestring, variant[i]);
        cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(p, "series")->valuestring,
                         fx->rows[i].series);
        cr_expect_eq(json_number_at(p, "value"), fx->rows[i].value);
        cr_expect_eq(json_number_at(p, "p_cascade"), fx->rows[i].cascade.p);
        cr_expect_eq(json_number_at(p, "bad_debt_mean"), fx->rows[i].bad_debt_mean);
    }
    cJSON_Delete(j);
    free(out);
    stp_summary_free(&s);
}

Test(summary_comparison, single_run_prints_no_comparison, .init = setup_compare, .fini = teardown)
{
    stp_summary s;
    fx->res.comparison = NULL;
    fx->res.n_variants = 1;
    read_back(&s);
    for (int fmt = STP_SUMMARY_TEXT; fmt <= STP_SUMMARY_MARKDOWN; fmt++) {
        char *out = print_to_string(&s, (stp_summary_format)fmt);
        cr_expect_null(strstr(out, "omparison"), "format %d:\n%s", fmt, out);
        cr_expect_null(strstr(out, "sweep"), "format %d:\n%s", fmt, out);
        free(out);
    }
    stp_summary_free(&s);
}
