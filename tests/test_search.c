/* The adversarial search (search.h): the cross-entropy update on hand-made
 * scores, convergence to a toy objective's known maximum through the
 * plan's own sampling, the score, and the experiment end to end:
 * reproducible from the seed and resumable. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "small_market.h"
#include "seed.h"
#include "stopper.h"
#include "tmpdir.h"

#include "stampede/run.h"
#include "stampede/scenario.h"
#include "stampede/search.h"

static stp_config *load(const char *experiment)
{
    static char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(text, sizeof text, small_market_fmt, experiment, 8, 4);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    return cfg;
}

#define SEARCH_EXPERIMENT                                                                          \
    "{\"kind\": \"search\", \"name\": \"s\", \"search\": {\"objective\": \"p_cascade\","           \
    " \"iterations\": 3, \"paths_per_iter\": 16, \"elite_fraction\": 0.25}}"

/* p_cascade's score is 2 exactly on a cascade (both thresholds met) and
 * below it otherwise, growing with either shortfall closing; es's is the
 * path's bad debt. */
Test(search_ce, score_ranks_cascades_first)
{
    stp_config *cfg = load(SEARCH_EXPERIMENT);
    const double dd = cfg->cascade.drawdown, liq = cfg->cascade.liquidation_usd;
    cr_assert_eq(stp_search_score(cfg, 0.0, dd, liq), 2.0);
    cr_assert_eq(stp_search_score(cfg, 0.0, 1.0, 10.0 * liq), 2.0);
    cr_assert_lt(stp_search_score(cfg, 0.0, 0.99 * dd, 10.0 * liq), 2.0);
    cr_assert_lt(stp_search_score(cfg, 0.0, dd, 0.99 * liq), 2.0);
    cr_assert_lt(stp_search_score(cfg, 0.0, 0.5 * dd, 0.0),
                 stp_search_score(cfg, 0.0, 0.6 * dd, 0.0));
    cfg->experiment.search_objective = STP_OBJECTIVE_ES_BAD_DEBT;
    cr_assert_eq(stp_search_score(cfg, 1234.5, 0.9, 1e9), 1234.5);
    stp_config_destroy(cfg);
}

/* One update on ten hand-made paths, elite 20% = the two best: the fitted
 * law is their active share and their sample mean and sd, smoothed 0.7
 * against the old law; the worst scenario is its mode. */
Test(search_ce, update_fits_the_elite_with_smoothing)
{
    stp_config *cfg = load(SEARCH_EXPERIMENT);
    stp_error err = {STP_OK, ""};
    stp_search s;
    stp_search_law old, worst[STP_MAX_SHOCKS];
    const double score[10] = {0, 5, 1, 9, 2,
                              3, 9, 4, 0, 1}; /* elite: paths 3 and 6 (tie: 3 first) */
    const unsigned char active[10] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1};
    float size[10], time_s[10], dur[10];
    int i;
    for (i = 0; i < 10; i++) {
        size[i] = -0.01f * (float)i;
        time_s[i] = 10.0f * (float)i;
        dur[i] = 3.0f;
    }
    cfg->experiment.search_elite_fraction = 0.2;
    cr_assert_eq(stp_search_init(&s, cfg, &err), STP_OK, "%s", err.msg);
    old = s.law[0];
    cr_assert_eq(old.p, 0.5);
    cr_assert_eq(stp_search_update(&s, cfg, 0.25, score, active, size, time_s, dur, 10, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_eq(s.done, 1);
    cr_assert_eq(s.gamma[0], 9.0);
    cr_assert_eq(s.elite[0], 9.0);
    cr_assert_eq(s.objective[0], 0.25);
    cr_assert_eq(memcmp(&s.history[0], &old, sizeof old), 0, "history keeps the law drawn from");
    {
        const double m = (-0.03 + -0.06) / 2.0, sd = 0.015; /* of float-rounded sizes */
        cr_assert_float_eq(s.law[0].p, 0.7 * 1.0 + 0.3 * 0.5, 1e-15);
        cr_assert_float_eq(s.law[0].size_mean, 0.7 * m + 0.3 * old.size_mean, 1e-8);
        cr_assert_float_eq(s.law[0].size_sd, 0.7 * sd + 0.3 * old.size_sd, 1e-8);
        cr_assert_float_eq(s.law[0].time_mean, 0.7 * 45.0 + 0.3 * old.time_mean, 1e-9);
        cr_assert_float_eq(s.law[0].time_sd, 0.7 * 15.0 + 0.3 * old.time_sd, 1e-9);
        cr_assert_float_eq(s.law[0].duration_sd, 0.3 * old.duration_sd, 1e-12);
    }
    stp_search_worst(&s, worst);
    cr_assert_eq(worst[0].p, 1.0);
    cr_assert_eq(worst[0].size_sd, 0.0);
    cr_assert_eq(worst[0].size_mean, s.law[0].size_mean);
    stp_search_free(&s);
    stp_config_destroy(cfg);
}

/* A toy objective with a known maximum, scored on the rows the search's
 * plan draws (so the sampling of its laws is exercised too): a gap of size
 * -0.22 at 70 s, inactive paths worst of all. From the configured start
 * (p 1/2, size -0.1 with sd 0.1, time uniform on [0, 100]) the law must
 * concentrate there, on a fresh seed. */
Test(search_ce, converges_to_a_toy_maximum)
{
    stp_config *cfg = load(SEARCH_EXPERIMENT);
    stp_error err = {STP_OK, ""};
    stp_search s;
    const long long n = 2000;
    double *score = malloc(sizeof(double) * n);
    int it;
    cfg->run.seed = test_seed();
    cfg->experiment.search_iterations = 40;
    cfg->experiment.search_elite_fraction = 0.1;
    cr_assert_eq(stp_search_init(&s, cfg, &err), STP_OK, "%s", err.msg);
    for (it = 0; it < 40; it++) {
        stp_scenario_plan *plan = NULL;
        stp_scenario_table *t = NULL;
        long long i;
        cr_assert_eq(stp_search_plan(&plan, cfg, s.law, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(plan->n_slots, 1);
        cr_assert_eq(stp_scenario_table_from_plan(&t, plan, 0, n, &err), STP_OK, "%s", err.msg);
        for (i = 0; i < n; i++) {
            const double ds = (t->size[i] + 0.22) / 0.05, dt = (t->time_s[i] - 70.0) / 20.0;
            score[i] = t->active[i] ? -(ds * ds + dt * dt) : -1e9;
        }
        cr_assert_eq(stp_search_update(&s, cfg, 0.0, score, t->active, t->size, t->time_s,
                                       t->duration_s, n, &err),
                     STP_OK, "%s", err.msg);
        stp_scenario_table_destroy(t);
        stp_scenario_plan_destroy(plan);
    }
    cr_assert_gt(s.law[0].p, 0.999, "p %g (seed %llu)", s.law[0].p,
                 (unsigned long long)cfg->run.seed);
    cr_assert_lt(fabs(s.law[0].size_mean + 0.22), 0.005, "size %g (seed %llu)", s.law[0].size_mean,
                 (unsigned long long)cfg->run.seed);
    cr_assert_lt(fabs(s.law[0].time_mean - 70.0), 2.0, "time %g (seed %llu)", s.law[0].time_mean,
                 (unsigned long long)cfg->run.seed);
    cr_assert_lt(s.law[0].size_sd, 0.01);
    stp_search_free(&s);
    stp_config_destroy(cfg);
    free(score);
}

TestSuite(search_run, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 300);

static stp_status run_to(const stp_config *cfg, const char *out, int resume, stopper *stop,
                         stp_error *err)
{
    stp_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.threads = 2;
    o.resume = resume;
    if (stop) {
        o.interrupted = &stop->flag;
        o.progress = stop_progress;
        o.progress_user = stop;
    }
    return stp_run(cfg, &o, err);
}

/* Dataset `name` of file into buf (n doubles). */
static void read_doubles(const char *file, const char *name, double *buf, size_t n)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d, sp;
    cr_assert_geq(f, 0, "%s", file);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "%s: no %s", file, name);
    sp = H5Dget_space(d);
    cr_assert_eq((size_t)H5Sget_simple_extent_npoints(sp), n, "%s: size of %s", file, name);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
}

/* Everything a search writes that must not depend on how it was run. */
static void assert_same_search(const char *a, const char *b)
{
    static const char *const names[] = {"/search/objective",
                                        "/search/gamma",
                                        "/search/p",
                                        "/search/size_mean",
                                        "/search/time_mean",
                                        "/search/worst_size",
                                        "/search/worst_time_s",
                                        "/comparison/p_cascade",
                                        "/variants/worst/outcomes/max_drawdown",
                                        "/variants/random/outcomes/bad_debt_usd"};
    /* 3 iterations; the laws add the final refit's row */
    static const size_t sizes[] = {3, 3, 4, 4, 4, 1, 1, 2, SMALL_MARKET_PATHS, SMALL_MARKET_PATHS};
    double x[64], y[64];
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        read_doubles(a, names[i], x, sizes[i]);
        read_doubles(b, names[i], y, sizes[i]);
        cr_assert_eq(memcmp(x, y, sizeof(double) * sizes[i]), 0, "%s differs", names[i]);
    }
}

/* Two runs of one config write the same search; an interrupted one,
 * resumed, writes it too (iterations are checkpoint points: the law of a
 * reused iteration is refitted from its saved batches). */
Test(search_run, reproducible_and_resumable)
{
    stp_config *cfg = load(SEARCH_EXPERIMENT);
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 24}; /* inside iteration 1 of 3 (16 paths each) */
    double p[2], active[1];
    char a[300], b[300], c[300];
    snprintf(a, sizeof a, "%s/a.h5", dir);
    snprintf(b, sizeof b, "%s/b.h5", dir);
    snprintf(c, sizeof c, "%s/c.h5", dir);
    cr_assert_eq(run_to(cfg, a, 0, NULL, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(run_to(cfg, b, 0, NULL, &err), STP_OK, "%s", err.msg);
    assert_same_search(a, b);
    cr_assert_eq(run_to(cfg, c, 0, &stop, &err), STP_EINTR, "%s", err.msg);
    cr_assert_eq(run_to(cfg, c, 1, NULL, &err), STP_OK, "%s", err.msg);
    assert_same_search(a, c);
    read_doubles(a, "/comparison/p_cascade", p, 2);
    read_doubles(a, "/search/worst_active", active, 1);
    cr_assert(p[0] >= 0.0 && p[0] <= 1.0 && p[1] >= 0.0 && p[1] <= 1.0);
    cr_assert(active[0] == 0.0 || active[0] == 1.0);
    stp_config_destroy(cfg);
}
