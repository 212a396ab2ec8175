/* Compare and sweep experiments (DESIGN §5, §3.8): every point is the
 * single run its overrides describe, on the same paths and market noise
 * (common random numbers); a variant without overrides is the baseline
 * bit for bit; an interrupted experiment resumes bit-identically; the
 * results file holds /comparison and /sweep. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "small_market.h"
#include "stopper.h"
#include "tmpdir.h"

#include "stampede/outcomes.h"
#include "stampede/run.h"
#include "stampede/stats.h"

TestSuite(experiment, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 240);

#define PATHS SMALL_MARKET_PATHS

static const char compare_exp[] =
    "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": ["
    " {\"name\": \"same\", \"set\": {}},"
    " {\"name\": \"breaker\", \"set\": {\"mitigations.circuit_breaker.enabled\": true,"
    "  \"mitigations.circuit_breaker.max_sync_fraction\": 0.05}},"
    " {\"name\": \"tiered\", \"set\": {\"mitigations.tiered_liquidation.enabled\": true}}]}";

static stp_config *load(const char *experiment, const char *const *sets, int n_sets)
{
    char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(text, sizeof text, small_market_fmt, experiment, 16, 4);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", sets, n_sets, &err),
                 STP_OK, "%s", err.msg);
    return cfg;
}

static stp_status run_to(const stp_config *cfg, const char *name, int resume, stopper *stop,
                         stp_error *err)
{
    char out[512];
    stp_run_opts o;
    memset(&o, 0, sizeof o);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    o.out_path = out;
    o.threads = 2;
    o.resume = resume;
    o.backend = "openmp";
    if (stop) {
        o.interrupted = &stop->flag;
        o.progress = stop_progress;
        o.progress_user = stop;
    }
    return stp_run(cfg, &o, err);
}

static void run_ok(const stp_config *cfg, const char *name)
{
    stp_error err = {STP_OK, ""};
    cr_assert_eq(run_to(cfg, name, 0, NULL, &err), STP_OK, "%s", err.msg);
}

static void read_doubles(const char *name, const char *dset, double *buf)
{
    char file[512];
    hid_t f, d;
    snprintf(file, sizeof file, "%s/%s", dir, name);
    f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0, "%s", file);
    d = H5Dopen2(f, dset, H5P_DEFAULT);
    cr_assert_geq(d, 0, "%s: no %s", file, dset);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(d);
    H5Fclose(f);
}

/* Every outcome of variant va in file a equals variant vb's in file b. */
static void assert_same_outcomes(const char *a, const char *va, const char *b, const char *vb)
{
    double x[PATHS], y[PATHS];
    char da[256], db[256];
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        snprintf(da, sizeof da, "/variants/%s/outcomes/%s", va, stp_outcome_names[m]);
        snprintf(db, sizeof db, "/variants/%s/outcomes/%s", vb, stp_outcome_names[m]);
        read_doubles(a, da, x);
        read_doubles(b, db, y);
        cr_assert_eq(memcmp(x, y, sizeof x), 0, "%s: %s/%s differs from %s/%s",
                     stp_outcome_names[m], a, va, b, vb);
    }
}

static int differs(const char *a, const char *va, const char *vb, int m)
{
    double x[PATHS], y[PATHS];
    char da[256], db[256];
    snprintf(da, sizeof da, "/variants/%s/outcomes/%s", va, stp_outcome_names[m]);
    snprintf(db, sizeof db, "/variants/%s/outcomes/%s", vb, stp_outcome_names[m]);
    read_doubles(a, da, x);
    read_doubles(a, db, y);
    return memcmp(x, y, sizeof x) != 0;
}

Test(experiment, variant_without_overrides_is_the_baseline_exactly)
{
    stp_config *cfg = load(compare_exp, NULL, 0);
    double diff[4], lo[4], hi[4];
    run_ok(cfg, "c.h5");
    assert_same_outcomes("c.h5", "base", "c.h5", "same");
    read_doubles("c.h5", "/comparison/d_cascade_diff", diff);
    read_doubles("c.h5", "/comparison/d_bad_debt_ci_lo", lo);
    read_doubles("c.h5", "/comparison/d_bad_debt_ci_hi", hi);
    cr_assert_eq(diff[1], 0.0);
    cr_assert_eq(lo[1], 0.0, "identical paths must give a zero-width paired CI");
    cr_assert_eq(hi[1], 0.0);
    stp_config_destroy(cfg);
}

/* CRN: a variant is the single run with its overrides applied, path for
 * path, and the mitigations do change the outcomes of this market. */
Test(experiment, each_variant_is_its_single_run)
{
    stp_config *cfg = load(compare_exp, NULL, 0), *one;
    const char *sets[] = {"mitigations.circuit_breaker.enabled=true",
                          "mitigations.circuit_breaker.max_sync_fraction=0.05",
                          "experiment.name=breaker"};
    run_ok(cfg, "c.h5");
    one = load("{\"kind\": \"single\", \"name\": \"x\"}", sets, 3);
    run_ok(one, "one.h5");
    assert_same_outcomes("c.h5", "breaker", "one.h5", "breaker");
    cr_assert(differs("c.h5", "base", "breaker", STP_OUT_DEFENSIVE_SELL_USD),
              "the breaker changed nothing: the test proves nothing");
    cr_assert(differs("c.h5", "base", "tiered", STP_OUT_LIQUIDATED_USD),
              "tiered liquidation changed nothing: the test proves nothing");
    stp_config_destroy(one);
    stp_config_destroy(cfg);
}

Test(experiment, interrupted_compare_resumes_bit_identically)
{
    stp_config *cfg = load(compare_exp, NULL, 0);
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 2 * PATHS + 16}; /* inside the third point */
    const char *v[] = {"base", "same", "breaker", "tiered"};
    int i;
    run_ok(cfg, "full.h5");
    cr_assert_eq(run_to(cfg, "part.h5", 0, &stop, &err), STP_EINTR, "%s", err.msg);
    cr_assert_eq(run_to(cfg, "part.h5", 1, NULL, &err), STP_OK, "%s", err.msg);
    for (i = 0; i < 4; i++)
        assert_same_outcomes("full.h5", v[i], "part.h5", v[i]);
    stp_config_destroy(cfg);
}

Test(experiment, sweep_points_are_named_and_ordered_by_series_then_value)
{
    stp_config *cfg = load(
                   "{\"kind\": \"sweep\", \"name\": \"base\","
                   " \"sweep\": {\"param\": \"population.weight_noise\", \"values\": [0, 0.3]},"
                   " \"variants\": [{\"name\": \"mono\", \"set\": {\"population.families\":"
                   "  [{\"model\": \"models/consensus_mlp.json\", \"share\": 1}]}}]}",
                   NULL, 0),
               *one;
    const char *sets[] = {"population.weight_noise=0.3", "experiment.name=base@0.3"};
    double value[4];
    run_ok(cfg, "s.h5");
    read_doubles("s.h5", "/sweep/value", value);
    cr_assert_eq(value[0], 0.0);
    cr_assert_eq(value[1], 0.3);
    cr_assert_eq(value[2], 0.0);
    cr_assert_eq(value[3], 0.3);
    one = load("{\"kind\": \"single\", \"name\": \"x\"}", sets, 2);
    run_ok(one, "one.h5");
    assert_same_outcomes("s.h5", "base@0.3", "one.h5", "base@0.3");
    cr_assert(differs("s.h5", "base@0", "mono@0", STP_OUT_BAD_DEBT_USD),
              "the family override changed nothing");
    stp_config_destroy(one);
    stp_config_destroy(cfg);
}

/* Resuming after a finished point's overrides changed is refused, naming
 * the point; --force with --resume keeps the points that did not change and
 * reruns the one that did. */
Test(experiment, resume_refuses_a_changed_point_and_force_reruns_it)
{
    static const char changed_exp[] =
        "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": ["
        " {\"name\": \"same\", \"set\": {\"mitigations.random_delay.enabled\": true}},"
        " {\"name\": \"breaker\", \"set\": {\"mitigations.circuit_breaker.enabled\": true,"
        "  \"mitigations.circuit_breaker.max_sync_fraction\": 0.05}},"
        " {\"name\": \"tiered\", \"set\": {\"mitigations.tiered_liquidation.enabled\": true}}]}";
    stp_config *cfg = load(compare_exp, NULL, 0), *changed = load(changed_exp, NULL, 0);
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 2 * PATHS + 16}; /* points 0 and 1 finished */
    char out[512];
    stp_run_opts o;
    cr_assert_eq(run_to(cfg, "part.h5", 0, &stop, &err), STP_EINTR, "%s", err.msg);
    cr_assert_eq(run_to(changed, "part.h5", 1, NULL, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "variant 1 changed"), "%s", err.msg);
    memset(&o, 0, sizeof o);
    snprintf(out, sizeof out, "%s/part.h5", dir);
    o.out_path = out;
    o.backend = "openmp";
    o.resume = o.force = 1;
    cr_assert_eq(stp_run(changed, &o, &err), STP_OK, "%s", err.msg);
    run_ok(changed, "full.h5");
    assert_same_outcomes("full.h5", "same", "part.h5", "same");
    assert_same_outcomes("full.h5", "breaker", "part.h5", "breaker");
    stp_config_destroy(changed);
    stp_config_destroy(cfg);
}

// --- importance sampling ------------------------------------------------------------

static const char *const importance_sets[] = {"scenario.mode=\"importance\"",
                                              "scenario.importance.tilt=1"};

static int has_link(const char *name, const char *obj)
{
    char file[512];
    hid_t f;
    htri_t has;
    snprintf(file, sizeof file, "%s/%s", dir, name);
    f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0, "%s", file);
    has = H5Lexists(f, obj, H5P_DEFAULT);
    H5Fclose(f);
    return has > 0;
}

/* A compare under importance sampling: every point shares the baseline's
 * weights; a breaker that can never trip (max_sync_fraction 1: the synced
 * fraction never exceeds 1) changes no outcome, so its differences are
 * exactly 0 with zero-width paired intervals; the tripping breaker's
 * P(cascade) difference is that of the two weighted estimates
 * sum w c / n (stp_weighted_probability, the rows' own p), bit for bit;
 * histograms carry their mass (sum w / n per bin). */
Test(experiment, importance_compare_pairs_weighted_differences)
{
    static const char exp[] =
        "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": ["
        " {\"name\": \"idle\", \"set\": {\"mitigations.circuit_breaker.enabled\": true,"
        "  \"mitigations.circuit_breaker.max_sync_fraction\": 1}},"
        " {\"name\": \"breaker\", \"set\": {\"mitigations.circuit_breaker.enabled\": true,"
        "  \"mitigations.circuit_breaker.max_sync_fraction\": 0.05}}]}";
    stp_config *cfg = load(exp, importance_sets, 2);
    double w[3][PATHS], c[3][PATHS], d[3], lo[3], hi[3], p[3], mass[64], sum_w = 0.0, total = 0.0;
    stp_cascade_stats ref[3];
    const char *v[3] = {"base", "idle", "breaker"};
    const char *cols[3] = {"cascade", "bad_debt", "es"};
    char path[256];
    int i, j, weighted = 0;
    run_ok(cfg, "is.h5");
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/variants/%s/outcomes/weight", v[i]);
        read_doubles("is.h5", path, w[i]);
        snprintf(path, sizeof path, "/variants/%s/outcomes/cascade", v[i]);
        read_doubles("is.h5", path, c[i]);
        cr_assert_eq(memcmp(w[i], w[0], sizeof w[0]), 0, "%s: weights differ from base", v[i]);
        ref[i] = stp_weighted_probability(c[i], w[i], PATHS);
    }
    for (j = 0; j < PATHS; j++) {
        weighted |= w[0][j] != 1.0;
        sum_w += w[0][j];
    }
    cr_assert(weighted, "tilt 1 drew no weight other than 1");
    assert_same_outcomes("is.h5", "base", "is.h5", "idle");
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/comparison/d_%s_diff", cols[i]);
        read_doubles("is.h5", path, d);
        snprintf(path, sizeof path, "/comparison/d_%s_ci_lo", cols[i]);
        read_doubles("is.h5", path, lo);
        snprintf(path, sizeof path, "/comparison/d_%s_ci_hi", cols[i]);
        read_doubles("is.h5", path, hi);
        cr_assert(d[1] == 0.0 && lo[1] == 0.0 && hi[1] == 0.0, "%s: idle breaker %g [%g, %g]",
                  cols[i], d[1], lo[1], hi[1]);
    }
    read_doubles("is.h5", "/comparison/p_cascade", p);
    read_doubles("is.h5", "/comparison/d_cascade_diff", d);
    for (i = 0; i < 3; i++)
        cr_assert_eq(p[i], ref[i].p, "%s: row p %.17g, weighted %.17g", v[i], p[i], ref[i].p);
    cr_assert_eq(d[2], ref[0].p - ref[2].p);
    cr_assert(has_link("is.h5", "/variants/base/histograms/max_drawdown/mass"));
    read_doubles("is.h5", "/variants/base/histograms/max_drawdown/mass", mass);
    for (j = 0; j < 64; j++) /* output.histogram_bins defaults to 64 */
        total += mass[j];
    cr_assert(fabs(total - sum_w / PATHS) < 1e-12, "mass sums to %.17g, mean w %.17g", total,
              sum_w / PATHS);
    stp_config_destroy(cfg);
}

/* Without importance sampling histograms have counts only. */
Test(experiment, random_histograms_have_no_mass)
{
    stp_config *cfg = load("{\"kind\": \"single\", \"name\": \"x\"}", NULL, 0);
    run_ok(cfg, "r.h5");
    cr_assert(has_link("r.h5", "/variants/x/histograms/max_drawdown/counts"));
    cr_assert(!has_link("r.h5", "/variants/x/histograms/max_drawdown/mass"));
    stp_config_destroy(cfg);
}

/* A variant or a sweep that changes scenario.* under importance sampling
 * would give its paths other weights than the baseline's: refused when the
 * config is loaded, before anything runs (so `validate` refuses it too),
 * naming the key (STP_EUSAGE: exit 2 from the CLI). The same override
 * without importance sampling runs. */
static void expect_refused(const char *experiment, const char *needle, const char *needle2)
{
    char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(text, sizeof text, small_market_fmt, experiment, 16, 4);
    cr_assert_eq(
        stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", importance_sets, 2, &err),
        STP_EUSAGE, "%s", err.msg);
    cr_assert_null(cfg);
    cr_assert_not_null(strstr(err.msg, needle), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, needle2), "%s", err.msg);
    cr_assert_null(strchr(err.msg, '\n'), "one line: %s", err.msg);
}

Test(experiment, importance_refuses_scenario_overrides)
{
    static const char variant_exp[] =
        "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": ["
        " {\"name\": \"ok\", \"set\": {\"mitigations.tiered_liquidation.enabled\": true}},"
        " {\"name\": \"steeper\", \"set\": {\"scenario.importance.tilt\": 2}}]}";
    static const char sweep_exp[] =
        "{\"kind\": \"sweep\", \"name\": \"base\","
        " \"sweep\": {\"param\": \"scenario.shocks[0].size.sd\", \"values\": [0.05, 0.1]}}";
    stp_config *cfg;
    expect_refused(variant_exp,
                   "configs/t.json: config error at "
                   "experiment.variants[1].set.scenario.importance.tilt",
                   "may not change scenario.*");
    expect_refused(sweep_exp, "configs/t.json: config error at experiment.sweep.param",
                   "scenario.shocks[0].size.sd");
    cfg = load(variant_exp, NULL, 0);
    run_ok(cfg, "plain.h5");
    stp_config_destroy(cfg);
}
