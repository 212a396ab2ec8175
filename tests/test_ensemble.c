/* test_ensemble.c: population ensembles (DESIGN §3.4, ensemble.h).
 *
 * The two-level interval's coverage on a model with known between- and
 * within-population variances (and the one-population interval's
 * undercoverage on it), the variance components, the allocation against
 * the closed form, the paired difference over populations by hand, the
 * bootstrap's determinism, and, through whole runs of the small market:
 * population k is the same whatever K, the batch, the threads or the shards,
 * K = 1 is the single population, and the file's per-population figures
 * are the single-population statistics of each population's paths.
 * Statistical tests draw a fresh seed (tests/seed.h: STAMPEDE_TEST_SEED
 * replays one), printed in every failure. */
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

#include "stampede/ensemble.h"
#include "stampede/outcomes.h"
#include "stampede/population.h"
#include "stampede/results.h"
#include "stampede/run.h"
#include "stampede/shard.h"

/* Phi^-1(0.975) and t_{15, 0.975} from tables (not from GSL, which the
 * implementation uses). */
#define Z95    1.959963984540054
#define T15_95 2.131449545559323

static double uniform(uint64_t *st)
{
    return (double)((next_u64(st) >> 11) + 1) * 0x1.0p-53;
}

static double normal(uint64_t *st)
{
    const double u = uniform(st), v = uniform(st);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

// ----------------------------------------------------------------------------
// the interval, on synthetic two-level data

TestSuite(ensemble_stats, .timeout = 120);

/* K = 16 populations of n = 100 paths: population means mu + sb N(0,1),
 * paths about them with sd sw. Over 2000 repetitions the ensemble's t
 * interval covers mu in 93-97% (the binomial sd of the coverage is 0.49%,
 * so the band is +-4 sd around 95%); population 0's own interval, which
 * ignores the draw, covers it far less often. */
Test(ensemble_stats, two_level_interval_covers_the_population_mean)
{
    const uint64_t seed = test_seed();
    const int reps = 2000, k = 16, n = 100;
    const double mu = 3.0, sb = 1.0, sw = 3.0;
    uint64_t st = seed;
    double est[16];
    int r, cover = 0, cover_one = 0;
    for (r = 0; r < reps; r++) {
        double s0 = 0.0;
        stp_replicate_mean t;
        for (int p = 0; p < k; p++) {
            const double m = mu + sb * normal(&st);
            double s = 0.0, ss = 0.0;
            for (int i = 0; i < n; i++) {
                const double x = m + sw * normal(&st);
                s += x;
                ss += x * x;
            }
            est[p] = s / n;
            if (p == 0) s0 = sqrt((ss - s * s / n) / (n - 1));
        }
        t = stp_t_mean(est, k);
        cover += t.ci_lo <= mu && mu <= t.ci_hi;
        cover_one += fabs(est[0] - mu) <= Z95 * s0 / sqrt(n);
    }
    cr_log_info("seed %llu: two-level coverage %.2f%%, one population's %.2f%%",
                (unsigned long long)seed, 100.0 * cover / reps, 100.0 * cover_one / reps);
    cr_assert(cover >= 0.93 * reps && cover <= 0.97 * reps,
              "seed %llu: the two-level interval covered mu in %d of %d repetitions",
              (unsigned long long)seed, cover, reps);
    /* sb^2 = 1 against sw^2 / n = 0.09: one population covers about 43% */
    cr_assert(cover_one < 0.6 * reps,
              "seed %llu: one population's interval covered mu in %d of %d (expected ~43%%)",
              (unsigned long long)seed, cover_one, reps);
}

/* The ensemble's P(cascade) through stp_ensemble_combine: populations'
 * true P uniform on [0.01, 0.09] (E = 0.05, sigma_b^2 = 0.08^2 / 12), 200
 * Bernoulli paths each, K = 16: the interval covers 0.05 in 93-97% of
 * 4000 repetitions (the binomial populations' skew puts it near 94.5%:
 * 94.6% over 8 seeds of 2000; the coverage's sd here is 0.36%), and the
 * mean of the variance components over the repetitions is within 4
 * standard errors of the truth. */
Test(ensemble_stats, cascade_interval_and_variance_components)
{
    const uint64_t seed = test_seed();
    const int reps = 4000, k = 16, n = 200;
    const double sb2 = 0.08 * 0.08 / 12.0, sw2 = 0.05 - (sb2 + 0.05 * 0.05);
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_cascade_stats cascade;
    stp_ensemble e;
    stp_error err = {STP_OK, ""};
    uint64_t st = seed;
    double vb = 0.0, vb2 = 0.0, vw = 0.0, vw2 = 0.0;
    int r, cover = 0;
    cr_assert_eq(stp_ensemble_init(&e, k, n, &err), STP_OK, "%s", err.msg);
    for (r = 0; r < reps; r++) {
        for (int p = 0; p < k; p++) {
            const double pk = 0.01 + 0.08 * uniform(&st);
            long long c = 0;
            for (int i = 0; i < n; i++)
                c += uniform(&st) < pk;
            memset(&e.pop[p], 0, sizeof e.pop[p]);
            e.pop[p].cascade = stp_wilson(c, n);
        }
        memset(stats, 0, sizeof stats);
        memset(&cascade, 0, sizeof cascade);
        cr_assert_eq(stp_ensemble_combine(&e, stats, &cascade, seed, &err), STP_OK, "%s", err.msg);
        cover += cascade.ci_lo <= 0.05 && 0.05 <= cascade.ci_hi;
        vb += e.var_between;
        vb2 += e.var_between * e.var_between;
        vw += e.var_within;
        vw2 += e.var_within * e.var_within;
        cr_assert_eq(cascade.populations, k);
    }
    stp_ensemble_free(&e);
    vb /= reps;
    vw /= reps;
    {
        const double se_b = sqrt((vb2 / reps - vb * vb) / reps),
                     se_w = sqrt((vw2 / reps - vw * vw) / reps);
        cr_log_info("seed %llu: coverage %.2f%%; sigma_b^2 %.3g (true %.3g, se %.2g), sigma_w^2 "
                    "%.4g (true %.4g, se %.2g)",
                    (unsigned long long)seed, 100.0 * cover / reps, vb, sb2, se_b, vw, sw2, se_w);
        cr_assert(cover >= 0.93 * reps && cover <= 0.97 * reps,
                  "seed %llu: covered 0.05 in %d of %d", (unsigned long long)seed, cover, reps);
        /* clamping sigma_b^2 at 0 and se_k^2 = p(1-p)/n (biased by 1 - 1/n)
         * shift the means by well under 4 se */
        cr_assert(fabs(vb - sb2) < 4.0 * se_b + 0.02 * sb2, "seed %llu: sigma_b^2 %.4g, true %.4g",
                  (unsigned long long)seed, vb, sb2);
        cr_assert(fabs(vw - sw2) < 4.0 * se_w + 0.01 * sw2, "seed %llu: sigma_w^2 %.4g, true %.4g",
                  (unsigned long long)seed, vw, sw2);
    }
}

/* The shares and the allocation against the closed forms, on populations
 * whose P and standard errors are set: S^2 = var(0.01..0.04) = 1.667e-4,
 * se^2 = 2.5e-5, so sigma_b^2 = 1.4167e-4 and sigma_w^2 = 100 x 2.5e-5; a
 * population costs 1 s and a path 0.01 s: n* = sqrt(1 x 2.5e-3 / (0.01 x
 * 1.4167e-4)) = 42.0, and the same 8 s buy floor(8 / 1.42) = 5 of them. */
Test(ensemble_stats, allocation_matches_the_two_stage_optimum)
{
    const double p[4] = {0.01, 0.02, 0.03, 0.04};
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_cascade_stats cascade;
    stp_ensemble e;
    stp_error err = {STP_OK, ""};
    const double s2 = 5e-4 / 3.0, sb2 = s2 - 2.5e-5, sw2 = 100 * 2.5e-5;
    cr_assert_eq(stp_ensemble_init(&e, 4, 100, &err), STP_OK);
    for (int i = 0; i < 4; i++) {
        e.pop[i].cascade.p = p[i];
        e.pop[i].cascade.se = 0.005;
    }
    e.pop_s = 1.0;
    e.path_s = 0.01;
    memset(stats, 0, sizeof stats);
    memset(&cascade, 0, sizeof cascade);
    cr_assert_eq(stp_ensemble_combine(&e, stats, &cascade, 1, &err), STP_OK);
    cr_assert_float_eq(cascade.p, 0.025, 1e-15);
    cr_assert_float_eq(e.var_between, sb2, 1e-15);
    cr_assert_float_eq(e.var_within, sw2, 1e-15);
    cr_assert_float_eq(e.icc, sb2 / (sb2 + sw2), 1e-12);
    cr_assert_float_eq(e.between_share, sb2 / s2, 1e-12);
    cr_assert_float_eq(e.best_paths, sqrt(1.0 * sw2 / (0.01 * sb2)), 1e-9);
    cr_assert_eq(e.best_populations, 5);
    cr_assert_float_eq(e.p_min, 0.01, 0);
    cr_assert_float_eq(e.p_median, 0.025, 1e-15);
    cr_assert_float_eq(e.p_max, 0.04, 0);
    stp_ensemble_free(&e);
}

/* Three populations' paired differences by hand: base {0.1, 0.2, 0.3},
 * variant {0.05, 0.15, 0.1}: D = {0.05, 0.05, 0.2}, mean 0.1, sd 0.0866;
 * t with 2 df has the closed form t_p = (2p - 1) sqrt(2 / (1 - (2p - 1)^2)). */
Test(ensemble_stats, paired_difference_over_populations)
{
    stp_paired_diff d[3], out;
    const double b[3] = {0.1, 0.2, 0.3}, v[3] = {0.05, 0.15, 0.1};
    const double t2 = 0.95 * sqrt(2.0 / (1.0 - 0.95 * 0.95)),
                 sd = sqrt(((0.05 * 0.05) * 2 + 0.1 * 0.1) / 2.0);
    memset(d, 0, sizeof d);
    for (int i = 0; i < 3; i++) {
        d[i].base = b[i];
        d[i].variant = v[i];
        d[i].diff = b[i] - v[i];
    }
    stp_ensemble_paired(&out, d, 3);
    cr_assert_float_eq(out.base, 0.2, 1e-15);
    cr_assert_float_eq(out.variant, 0.1, 1e-15);
    cr_assert_float_eq(out.diff, 0.1, 1e-15);
    cr_assert_float_eq(out.ci_lo, 0.1 - t2 * sd / sqrt(3.0), 1e-12);
    cr_assert_float_eq(out.ci_hi, 0.1 + t2 * sd / sqrt(3.0), 1e-12);
    cr_assert_float_eq(out.rel, 0.5, 1e-15);
    /* u_k = (D_k - 0.5 B_k) / 0.2 = {0, -0.25, 0.25} */
    cr_assert_float_eq(out.rel_ci_hi - out.rel, t2 * sqrt(0.125 / 2.0 / 3.0), 1e-12);
}

/* The bootstrap is a function of (values, seed, key); its interval holds
 * the mean and, for K = 16 normal values, is about as wide as the t
 * interval (its width ~ z sqrt(15/16) / t_15 = 0.89 of it; 4000
 * resamples put the ratio within a few percent of that). */
Test(ensemble_stats, bootstrap_is_reproducible_and_sized_like_t)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    double v[16], lo, hi, lo2, hi2, lo3, hi3, mean, tlo, thi, sd = 0.0;
    stp_replicate_mean t;
    for (int i = 0; i < 16; i++)
        v[i] = normal(&st);
    stp_ensemble_bootstrap(v, 16, 7, 3, &lo, &hi);
    stp_ensemble_bootstrap(v, 16, 7, 3, &lo2, &hi2);
    stp_ensemble_bootstrap(v, 16, 7, 4, &lo3, &hi3);
    t = stp_t_mean(v, 16);
    mean = t.mean;
    tlo = t.ci_lo;
    thi = t.ci_hi;
    for (int i = 0; i < 16; i++)
        sd += (v[i] - mean) * (v[i] - mean) / 15.0;
    sd = sqrt(sd);
    cr_assert(lo == lo2 && hi == hi2, "seed %llu", (unsigned long long)seed);
    cr_assert(lo != lo3 || hi != hi3, "another key resamples afresh");
    cr_assert(lo < mean && mean < hi, "seed %llu", (unsigned long long)seed);
    cr_assert_float_eq(thi - mean, T15_95 * sd / 4.0, 1e-12); /* t_15 sd / sqrt(16) */
    {
        const double ratio = (hi - lo) / (thi - tlo), want = Z95 * sqrt(15.0 / 16.0) / T15_95;
        cr_assert(fabs(ratio / want - 1.0) < 0.15, "seed %llu: width ratio %.3f, expected %.3f",
                  (unsigned long long)seed, ratio, want);
    }
}

// ----------------------------------------------------------------------------
// populations: drawn alike whatever the ensemble

/* The small market with `sets` (--set syntax) applied. */
static stp_config *small_market(const char *const *sets, int n_sets)
{
    static char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(text, sizeof text, small_market_fmt, "{\"name\": \"base\"}", 8, 4);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", sets, n_sets, &err),
                 STP_OK, "%s", err.msg);
    return cfg;
}

#define SAME(a, b, field, n)                                                                       \
    cr_assert(memcmp((a)->field, (b)->field, sizeof(*(a)->field) * (size_t)(n)) == 0,              \
              "population %d: " #field " differs", (a)->index)

static void assert_same_population(const stp_population *a, const stp_population *b)
{
    const int na = a->n_agents, np = a->n_passive;
    cr_assert_eq(na, b->n_agents);
    cr_assert_eq(np, b->n_passive);
    SAME(a, b, family, na);
    SAME(a, b, role, na);
    SAME(a, b, protocol, na);
    SAME(a, b, threshold, na);
    SAME(a, b, latency_s, na);
    SAME(a, b, collateral, na);
    SAME(a, b, debt_usd, na);
    SAME(a, b, lp_share, na);
    SAME(a, b, fee_tolerance, na);
    SAME(a, b, params, (size_t)STP_MAX_PARAMS * (size_t)na);
    SAME(a, b, p_protocol, np);
    SAME(a, b, p_collateral, np);
    SAME(a, b, p_debt_usd, np);
    cr_assert_eq(a->equilibrium_redraws, b->equilibrium_redraws);
}

TestSuite(ensemble_populations, .timeout = 120);

/* Population 2 of 4 (40 paths, batches of 8) is population 2 of 8 (80
 * paths, batches of 3); population 0 of an ensemble is the single
 * population; population 1 is another draw. */
Test(ensemble_populations, population_k_is_the_same_whatever_k)
{
    const char *four[] = {"run.populations=4"};
    const char *eight[] = {"run.paths=80", "run.populations=8", "run.batch=3"};
    stp_config *c1 = small_market(NULL, 0), *c4 = small_market(four, 1),
               *c8 = small_market(eight, 3);
    stp_population *single = NULL, *p0 = NULL, *p1 = NULL, *a = NULL, *b = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_population_create(&single, c1, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create_nth(&p0, c4, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create_nth(&p1, c4, 1, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create_nth(&a, c4, 2, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create_nth(&b, c8, 2, &err), STP_OK, "%s", err.msg);
    assert_same_population(single, p0);
    assert_same_population(a, b);
    cr_assert(memcmp(p0->threshold, p1->threshold, sizeof(float) * (size_t)p0->n_agents) != 0,
              "population 1 drew population 0's thresholds");
    cr_assert(memcmp(p1->threshold, a->threshold, sizeof(float) * (size_t)p1->n_agents) != 0);
    stp_population_destroy(single);
    stp_population_destroy(p0);
    stp_population_destroy(p1);
    stp_population_destroy(a);
    stp_population_destroy(b);
    stp_config_destroy(c1);
    stp_config_destroy(c4);
    stp_config_destroy(c8);
}

// ----------------------------------------------------------------------------
// whole runs

TestSuite(ensemble_runs, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 300);

#include "same_results.h" /* after tmpdir.h: it uses dir */

/* Runs `stampede ARGS` in dir, which must exit 0. */
static void ok(const char *args)
{
    char cmd[4096];
    int rc;
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >stdout.txt 2>stderr.txt", dir, STP_BINARY, args);
    rc = system(cmd);
    cr_assert_eq(rc, 0, "'%s' failed (see %s/stderr.txt)", args, dir);
}

#define RUN                                                                                        \
    "run m.json --quiet --set 'population.families=[{\"model\": \"" STP_SOURCE_DIR                 \
    "/models/consensus_mlp.json\", \"share\": 0.5}, {\"model\": \"" STP_SOURCE_DIR                 \
    "/models/drawdown_rule.json\", \"share\": 0.5}]' "

/* h5py's check of `script` on file `name` in dir (python exits 1 on a
 * failed assert, printing it). */
static void check_file(const char *name, const char *script)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 - '%s' <<'PY'\nimport sys, h5py, numpy as np\n"
             "f = h5py.File(sys.argv[1], 'r')\n%sPY",
             dir, name, script);
    cr_assert_eq(system(cmd), 0, "%s: the check above failed", name);
}

/* One ensemble of 4 populations, run in one process with batches of 8 and
 * 2 threads, with batches of 3 and 1 thread, and as 3 shards merged: the
 * same file (timings aside). */
Test(ensemble_runs, layouts_give_the_same_file)
{
    small_market_write(dir, "{\"name\": \"base\"}", 8, 4);
    ok(RUN "--set run.populations=4 --threads 2 -o one.h5");
    ok(RUN "--set run.populations=4 --set run.batch=3 --threads 1 -o b3.h5");
    ok(RUN "--set run.populations=4 --shard 2/3 -o s2.h5");
    ok(RUN "--set run.populations=4 --shard 0/3 -o s0.h5");
    ok(RUN "--set run.populations=4 --shard 1/3 -o s1.h5");
    ok("merge merged.h5 s0.h5 s1.h5 s2.h5 --quiet");
    /* batch 3 cuts the populations' 10 paths 3/3/3/1: a new layout, the
     * same paths; only the checkpoint-independent figures may be compared */
    assert_same_results("one.h5", "merged.h5");
    check_file("b3.h5", "g = h5py.File('one.h5', 'r')\n"
                        "for m in f['variants/base/outcomes']:\n"
                        "    assert np.array_equal(f['variants/base/outcomes/' + m][()],\n"
                        "                          g['variants/base/outcomes/' + m][()]), m\n"
                        "assert np.array_equal(f['variants/base/ensemble/cascade'][()],\n"
                        "                      g['variants/base/ensemble/cascade'][()])\n");
}

/* Population 0 of an ensemble of 4 over 160 paths owns paths 0-39, which
 * are the single population's 40; population 1 owns paths 40-79 in an
 * ensemble of 2 over 80 and of 4 over 160. */
Test(ensemble_runs, a_populations_paths_do_not_depend_on_k)
{
    small_market_write(dir, "{\"name\": \"base\"}", 8, 4);
    ok(RUN "-o k1.h5");
    ok(RUN "--set run.paths=80 --set run.populations=2 -o k2.h5");
    ok(RUN "--set run.paths=160 --set run.populations=4 -o k4.h5");
    check_file("k4.h5",
               "one, two = h5py.File('k1.h5', 'r'), h5py.File('k2.h5', 'r')\n"
               "o = 'variants/base/outcomes/'\n"
               "for m in one[o]:\n"
               "    x = f[o + m][()]\n"
               "    assert np.array_equal(x[:40], one[o + m][()]), m\n"
               "    assert np.array_equal(x[40:80], two[o + m][()][40:80]), m\n"
               "assert np.array_equal(f[o + 'population'][()], np.arange(160) // 40)\n"
               "assert 'population' not in one[o] and 'ensemble' not in one['variants/base']\n");
}

/* The file's per-population figures are each population's own
 * statistics of its paths, and the headline their mean with a t interval. */
Test(ensemble_runs, per_population_figures_are_each_populations_own)
{
    small_market_write(dir, "{\"name\": \"base\"}", 8, 4);
    ok(RUN "--set run.populations=4 -o e.h5");
    check_file("e.h5",
               "v = f['variants/base']\n"
               "e = v['ensemble']\n"
               "c = v['outcomes/cascade'][()].reshape(4, 10)\n"
               "assert e.attrs['populations'] == 4 and e.attrs['paths_per_population'] == 10\n"
               "assert np.array_equal(e['cascade'][()], c.mean(axis=1))\n"
               "assert abs(v['cascade'][()] - c.mean(axis=1).mean()) < 1e-15\n"
               "d = v['outcomes/max_drawdown'][()].reshape(4, 10)\n"
               "pm = e['stats/max_drawdown/mean'][()]\n"
               "assert np.allclose(pm, d.mean(axis=1), rtol=1e-12, atol=0)\n"
               "m = v['stats/max_drawdown']\n"
               "t3 = 3.182446305284263\n" /* t_{3, 0.975}, from a table */
               "half = t3 * pm.std(ddof=1) / 2.0\n"
               "assert abs(m['mean'][()] - pm.mean()) < 1e-15\n"
               "assert abs(m['mean_ci_hi'][()] - m['mean'][()] - half) <= 1e-9 * half\n"
               "assert np.allclose(m['es'][()], e['stats/max_drawdown/es'][()].mean(axis=0))\n");
}

/* A compare under an ensemble pairs within populations: the rows'
 * differences are the means of the populations' own, which the file keeps. */
Test(ensemble_runs, compare_pairs_within_populations)
{
    small_market_write(dir,
                       "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": [{\"name\": "
                       "\"breaker\", \"set\": {\"mitigations.circuit_breaker.enabled\": true}}]}",
                       8, 4);
    ok(RUN "--set run.populations=4 -o c.h5");
    check_file("c.h5",
               "b = f['variants/base/outcomes/cascade'][()].reshape(4, 10)\n"
               "v = f['variants/breaker/outcomes/cascade'][()].reshape(4, 10)\n"
               "d = f['comparison/populations/d_cascade_diff'][()]\n"
               "assert d.shape == (2, 4)\n"
               "assert np.allclose(d[1], b.mean(axis=1) - v.mean(axis=1), rtol=0, atol=1e-15)\n"
               "assert np.all(d[0] == 0)\n"
               "row = f['comparison/d_cascade_diff'][()][1]\n"
               "assert abs(row - d[1].mean()) < 1e-15, (row, d[1])\n");
}

/* An ensemble stopped between batches (population 1's second batch) and
 * resumed gives the uninterrupted file: populations are units of work of
 * the checkpoint like any batch. */
Test(ensemble_runs, interrupted_ensemble_resumes_to_the_same_file)
{
    const char *four[] = {"run.populations=4"};
    stp_config *cfg = small_market(four, 1);
    stp_run_opts o;
    stopper stop = {0, 18};
    stp_error err = {STP_OK, ""};
    char whole[512], part[512];
    snprintf(whole, sizeof whole, "%s/whole.h5", dir);
    snprintf(part, sizeof part, "%s/part.h5", dir);
    memset(&o, 0, sizeof o);
    o.threads = 2;
    o.out_path = whole;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    o.out_path = part;
    o.interrupted = &stop.flag;
    o.progress = stop_progress;
    o.progress_user = &stop;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_EINTR, "%s", err.msg);
    o.interrupted = NULL;
    o.progress = NULL;
    o.resume = 1;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    assert_same_results("whole.h5", "part.h5");
    stp_config_destroy(cfg);
}
