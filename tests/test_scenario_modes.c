/* Scenario modes qmc and blind_spot (host/world/scenario.c, host/world/blind_spot.c)
 * and the replicate statistics of randomized QMC (host/stats/stats.c). Fresh
 * seeds each run (tests/seed.h prints them; STAMPEDE_TEST_SEED replays one);
 * every statistical check states its false-failure probability, each below
 * about 1e-4. Named for the behaviour, which spans those three modules. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>

#include "engine_fixture.h"
#include "small_market.h"
#include "seed.h"
#include "stampede/backend.h"
#include "stampede/blind_spot.h"
#include "stampede/equilibrium.h"
#include "stampede/rng.h"
#include "stampede/stats.h"

#define BREACH STP_SOURCE_DIR "/configs/validation/breach_rule.json"

/* Two specs on the frictionless breach_rule market: a gap drawn once a path
 * (uniforms recoverable from its size, time and duration) and a
 * Poisson-counted withdrawal whose 21 slots push the layout past the 40
 * Sobol dimensions GSL offers. */
#define TWO_SPECS                                                                                  \
    "scenario.shocks=[{\"kind\": \"gap\", \"count\": 1, \"time_s\": [0, 20], \"duration_s\": [0, " \
    "5], \"size\": {\"mean\": -0.05, \"sd\": 0.05}}, {\"kind\": \"liquidity_withdrawal\", "        \
    "\"rate_per_path\": 1, \"time_s\": [0, 20], \"duration_s\": [1, 2], \"size\": {\"mean\": "     \
    "0.2, \"sd\": 0.05}}]"

static stp_config *load(const char *path, const char *const *sets, int n)
{
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_config_load(&cfg, path, sets, n, &err), STP_OK, "%s", err.msg);
    return cfg;
}

static stp_scenario_plan *plan_of(const stp_config *cfg, const stp_population *pop)
{
    stp_scenario_plan *pl = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_scenario_plan_create(&pl, cfg, pop, &err), STP_OK, "%s", err.msg);
    return pl;
}

static stp_scenario_table *table_of(const stp_scenario_plan *pl, long long base, long long n)
{
    stp_scenario_table *t = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_scenario_table_from_plan(&t, pl, base, n, &err), STP_OK, "%s", err.msg);
    return t;
}

/* run.seed takes < 2^53: test_seed() is already below 2^52 (so the set
 * prints the replayable seed), next_u64's derived seeds are masked. */
static void seed_set(char *buf, size_t cap, uint64_t seed)
{
    snprintf(buf, cap, "run.seed=%llu", (unsigned long long)(seed & (TEST_SEED_LIMIT - 1)));
}

// --- qmc: the net and the rows ---------------------------------------------

enum { QP = 256, QR = 4 }; /* points per replicate, replicates */

static stp_config *qmc_config(char *seed, size_t cap)
{
    char pts[64], paths[64];
    const char *sets[5] = {seed, "scenario.mode=\"qmc\"", pts, paths, TWO_SPECS};
    seed_set(seed, cap, test_seed());
    snprintf(pts, sizeof pts, "scenario.qmc.points=%d", QP);
    snprintf(paths, sizeof paths, "run.paths=%d", QR * QP);
    return load(BREACH, sets, 5);
}

/* The Sobol sequence starts at the origin (Bratley & Fox 1988; Joe & Kuo
 * 2008), and its first 2^m points are a (t, m, s)-net, every 1-D
 * projection holding each multiple of 2^-m once. GSL's generator skips the
 * origin (its first point is (1/2, ..., 1/2)), so its first 2^m points are
 * not a net: in 1-D they miss [0, 2^-m) and put two points in
 * [2^-m, 2^-m+1). The plan's net is therefore the origin, then GSL's first
 * P - 1 points. Layout: the withdrawal's count is dimension 0, then slot 0
 * of each spec (size, time, duration), then slot 1, ..., up to 40. */
Test(qmc, net_is_the_sobol_sequence_from_the_origin)
{
    char seed[64];
    stp_config *cfg = qmc_config(seed, sizeof seed);
    stp_scenario_plan *pl = plan_of(cfg, NULL);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, STP_QMC_MAX_DIMS);
    double x[STP_QMC_MAX_DIMS];
    int i, d, k;
    cr_assert_not_null(q);
    cr_assert_eq(pl->qmc_points, QP);
    cr_assert_eq(pl->qmc_dims, STP_QMC_MAX_DIMS);
    cr_assert_eq(stp_scenario_replicates(pl), QR);
    cr_assert_eq(pl->count_dim[0], -1, "an exact count draws nothing");
    cr_assert_eq(pl->count_dim[1], 0);
    for (k = 0; k < 3; k++) {
        cr_assert_eq(pl->cell_dim[k], 1 + k, "gap slot 0");
        cr_assert_eq(pl->cell_dim[3 + k], 4 + k, "withdrawal slot 0");
        cr_assert_eq(pl->cell_dim[6 + k], 7 + k, "withdrawal slot 1");
    }
    /* cell 1 + k is withdrawal slot k, dims 4 + 3k ..: slot 11 ends at 39 */
    cr_assert_eq(pl->cell_dim[3 * 12 + 2], 39, "withdrawal slot 11's duration is the last");
    cr_assert_eq(pl->cell_dim[3 * 13], -1, "past 40 dimensions: Philox");
    for (d = 0; d < STP_QMC_MAX_DIMS; d++)
        cr_assert_eq(pl->qmc_net[d], 0.0, "point 0 is the origin (dim %d)", d);
    for (i = 1; i < QP; i++) {
        gsl_qrng_get(q, x);
        for (d = 0; d < STP_QMC_MAX_DIMS; d++)
            cr_assert_eq(pl->qmc_net[(size_t)i * STP_QMC_MAX_DIMS + (size_t)d], x[d],
                         "point %d dim %d", i, d);
    }
    /* the net property, every dimension: each multiple of 1/P exactly once */
    for (d = 0; d < STP_QMC_MAX_DIMS; d++) {
        int hits[QP] = {0};
        for (i = 0; i < QP; i++) {
            const double v = pl->qmc_net[(size_t)i * STP_QMC_MAX_DIMS + (size_t)d] * QP;
            cr_assert_eq(v, floor(v), "dim %d point %d: %g / P", d, i, v);
            hits[(int)v]++;
        }
        for (i = 0; i < QP; i++)
            cr_assert_eq(hits[i], 1, "dim %d: %d points in [%d/P, %d/P)", d, hits[i], i, i + 1);
    }
    gsl_qrng_free(q);
    stp_scenario_plan_destroy(pl);
    stp_config_destroy(cfg);
}

/* Replicate r's shift in dimension d, as qmc_uniform draws it: counter
 * (r, d, 0, 1) of the scenario stream, a 64-bit uniform. */
static double qmc_shift(const stp_config *cfg, int r, int d)
{
    const stp_u32x4 u =
        stp_philox(cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)r, (uint32_t)d, 0, 1);
    return ((double)u.v[0] + (double)u.v[1] * 0x1p-32) * 0x1p-32;
}

/* |a - b| on the circle [0, 1) */
static double circ_dist(double a, double b)
{
    const double x = fabs(a - b) - floor(fabs(a - b));
    return fmin(x, 1.0 - x);
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The gap's three uniforms recovered from its row: size = mean + sd
 * Phi^-1(u) (never on the cap here: that takes u < Phi(-6) = 1e-9, so
 * with 1024 paths about 1e-6 of runs would see one and fail), time = 20 u,
 * duration = 5 u. Rows are float: u is off by at most 2e-7 (size: 2e-8 of
 * float rounding / sd 0.05 * phi <= 0.4), so 1e-5 is a safe tolerance at
 * a spacing of 1/P = 0.0039. */
static void gap_uniforms(const stp_scenario_table *t, long long path, double u[3])
{
    const size_t c = (size_t)(path - t->base) * (size_t)t->n_slots;
    cr_assert(t->active[c]);
    u[0] = gsl_cdf_ugaussian_P(((double)t->size[c] + 0.05) / 0.05);
    u[1] = (double)t->time_s[c] / 20.0;
    u[2] = (double)t->duration_s[c] / 5.0;
}

/* Within a replicate, each of the gap's dimensions is the net's column
 * shifted by the replicate's own uniform modulo 1: point by point, and,
 * without knowing the shift, as circular gaps of exactly 1/P between the
 * sorted values (a 1-D net shifted mod 1 is a rotated lattice). The
 * Poisson count (dimension 0) is stratified too: #{count <= k} is within 1
 * of P F(k). Different replicates have different shifts (equal to 1e-6 by
 * chance with probability ~1e-18 across the 3 dimensions). */
Test(qmc, rows_are_the_net_shifted_per_replicate)
{
    char seed[64];
    stp_config *cfg = qmc_config(seed, sizeof seed);
    stp_scenario_plan *pl = plan_of(cfg, NULL);
    stp_scenario_table *t = table_of(pl, 0, QR * QP);
    double col[3][QP], shift[QR][3], u[3];
    int r, i, d, k;
    for (r = 0; r < QR; r++) {
        for (d = 0; d < 3; d++)
            shift[r][d] = qmc_shift(cfg, r, 1 + d);
        for (i = 0; i < QP; i++) {
            gap_uniforms(t, (long long)r * QP + i, u);
            for (d = 0; d < 3; d++) {
                const double net = pl->qmc_net[(size_t)i * STP_QMC_MAX_DIMS + 1u + (size_t)d];
                cr_assert(circ_dist(u[d] - shift[r][d], net) < 1e-5,
                          "%s: replicate %d point %d dim %d: u %.9f, shift %.9f, net %.9f", seed, r,
                          i, 1 + d, u[d], shift[r][d], net);
                col[d][i] = u[d];
            }
        }
        for (d = 0; d < 3; d++) {
            qsort(col[d], QP, sizeof(double), by_value);
            for (i = 0; i < QP; i++) {
                const double gap =
                    i + 1 < QP ? col[d][i + 1] - col[d][i] : col[d][0] + 1.0 - col[d][i];
                cr_assert(fabs(gap - 1.0 / QP) < 1e-5, "%s: replicate %d dim %d gap %d: %.9f", seed,
                          r, 1 + d, i, gap);
            }
        }
        for (k = 0; k < 4; k++) { /* Poisson(1): F(k) = e^-1 sum_{j<=k} 1/j! */
            double f = 0.0, term = 1.0;
            int j, below = 0;
            for (j = 0; j <= k; j++, term /= j)
                f += term;
            f *= exp(-1.0);
            for (i = 0; i < QP; i++) {
                const size_t c = ((size_t)r * QP + (size_t)i) * (size_t)t->n_slots;
                int n = 0;
                for (j = 1; j < t->n_slots; j++) /* slot 0 is the gap */
                    n += t->active[c + (size_t)j];
                below += n <= k;
            }
            cr_assert(fabs(below - QP * f) < 1.0,
                      "%s: replicate %d: %d of %d counts <= %d, P F = %.2f", seed, r, below, QP, k,
                      QP * f);
        }
    }
    for (r = 1; r < QR; r++)
        cr_assert(circ_dist(shift[r][0], shift[0][0]) > 1e-6 ||
                      circ_dist(shift[r][1], shift[0][1]) > 1e-6 ||
                      circ_dist(shift[r][2], shift[0][2]) > 1e-6,
                  "%s: replicates 0 and %d share a shift", seed, r);
    stp_scenario_table_destroy(t);
    stp_scenario_plan_destroy(pl);
    stp_config_destroy(cfg);
}

/* A path's row is a function of (plan, path) alone: drawn in a table at
 * base 0, in one starting mid-replicate, and by stp_scenario_sampled_rows,
 * the bytes agree. */
Test(qmc, rows_do_not_depend_on_the_batch)
{
    enum { BASE = 300, N = 500 };
    char seed[64];
    stp_config *cfg = qmc_config(seed, sizeof seed);
    stp_scenario_plan *pl = plan_of(cfg, NULL);
    stp_scenario_table *all = table_of(pl, 0, QR * QP), *part = table_of(pl, BASE, N);
    const size_t slots = (size_t)all->n_slots, at = BASE * slots, cells = N * slots;
    unsigned char *active = malloc(cells);
    float *time_s = malloc(cells * sizeof(float)), *dur = malloc(cells * sizeof(float));
    float *size = malloc(cells * sizeof(float));
    cr_assert(active && time_s && dur && size);
    cr_assert(memcmp(all->active + at, part->active, cells) == 0, "%s", seed);
    cr_assert(memcmp(all->size + at, part->size, cells * sizeof(float)) == 0, "%s", seed);
    cr_assert(memcmp(all->time_s + at, part->time_s, cells * sizeof(float)) == 0, "%s", seed);
    cr_assert(memcmp(all->duration_s + at, part->duration_s, cells * sizeof(float)) == 0);
    stp_scenario_sampled_rows(pl, BASE, N, active, time_s, dur, size);
    cr_assert(memcmp(all->active + at, active, cells) == 0, "%s", seed);
    cr_assert(memcmp(all->size + at, size, cells * sizeof(float)) == 0, "%s", seed);
    cr_assert(memcmp(all->time_s + at, time_s, cells * sizeof(float)) == 0, "%s", seed);
    cr_assert(memcmp(all->duration_s + at, dur, cells * sizeof(float)) == 0, "%s", seed);
    free(active);
    free(time_s);
    free(dur);
    free(size);
    stp_scenario_table_destroy(part);
    stp_scenario_table_destroy(all);
    stp_scenario_plan_destroy(pl);
    stp_config_destroy(cfg);
}

// --- qmc: estimates and their intervals ------------------------------------

/* Student's t quantiles in closed form: 1 degree of freedom (Cauchy)
 * tan(pi (p - 1/2)); 2 degrees (2p - 1) / sqrt(2 p (1 - p)). */
Test(qmc, replicate_estimate_matches_hand_computed_numbers)
{
    const double x3[6] = {1, 2, 3, 4, 5, 6}, x2[4] = {1, 3, 2, 6};
    const double c[8] = {0, 1, 0, 0, 1, 1, 0, 1};
    const double t2 = 0.95 / sqrt(2.0 * 0.975 * 0.025), t1 = tan(atan(1.0) * 4.0 * 0.475);
    /* 3 replicates of 2: means 1.5, 3.5, 5.5; their sd 2, se 2 / sqrt(3) */
    stp_replicate_mean m = stp_replicate_estimate(x3, 6, 3);
    stp_cascade_stats p;
    cr_assert(fabs(m.mean - 3.5) < 1e-15);
    cr_assert(fabs(m.se - 2.0 / sqrt(3.0)) < 1e-15, "se %.17g", m.se);
    cr_assert(fabs(m.ci_lo - (3.5 - t2 * 2.0 / sqrt(3.0))) < 1e-9, "lo %.17g", m.ci_lo);
    cr_assert(fabs(m.ci_hi - (3.5 + t2 * 2.0 / sqrt(3.0))) < 1e-9, "hi %.17g", m.ci_hi);
    /* 2 replicates of 2: means 2 and 4, se sd / sqrt(2) = 1 */
    m = stp_replicate_estimate(x2, 4, 2);
    cr_assert(fabs(m.mean - 3.0) < 1e-15 && fabs(m.se - 1.0) < 1e-15, "%g %g", m.mean, m.se);
    cr_assert(fabs(m.ci_hi - 3.0 - t1) < 1e-9, "hi %.17g vs t_1 %.17g", m.ci_hi, 3.0 + t1);
    /* indicators: means 0.25 and 0.75, p 0.5, se 0.25, the interval clamped */
    p = stp_replicate_probability(c, 8, 2);
    cr_assert(fabs(p.p - 0.5) < 1e-15 && fabs(p.se - 0.25) < 1e-15, "%g %g", p.p, p.se);
    cr_assert(p.ci_lo == 0.0 && p.ci_hi == 1.0, "[%g, %g]", p.ci_lo, p.ci_hi);
    cr_assert(p.n == 8 && p.k == 4 && p.replicates == 2 && p.weighted == 0 && p.ess == 8.0);
}

/* Coverage of the t interval when each replicate mean takes two values:
 * a shifted 1-D net of P points counts floor(0.3 P) or that plus one in
 * [0, 0.3), the latter with probability f = frac(0.3 P). With k of R
 * replicates high, the interval covers 0.3 iff |k/R - f| <= t sqrt(q (1 -
 * q) / (R - 1)), q = k/R, so its exact coverage is a binomial sum:
 * 0.9543 at P = 32, R = 32 (f = 0.6): two-valued means are not normal, and
 * 32 replicates is where this case comes within 0.005 of 95% (8: 97.5%,
 * 20: 92.8%). The frequency over N = 20,000 repeats is within 4.5 of its
 * binomial sd (0.0015) of the exact coverage (false failure 7e-6). */
static double exact_two_value_coverage(double f, int reps)
{
    const double t = gsl_cdf_tdist_Pinv(0.975, reps - 1.0);
    double cov = 0.0, pmf = pow(1.0 - f, reps); /* k = 0 */
    int k;
    for (k = 0; k <= reps; k++) {
        const double q = (double)k / reps;
        if (fabs(q - f) <= t * sqrt(q * (1.0 - q) / (reps - 1))) cov += pmf;
        pmf *= (double)(reps - k) / (k + 1) * f / (1.0 - f);
    }
    return cov;
}

Test(qmc, interval_covers_a_known_integral_at_its_exact_rate)
{
    enum { P = 32, R = 32, N = 20000 };
    uint64_t s = test_seed();
    const uint64_t seed0 = s;
    const double exact = exact_two_value_coverage(0.3 * P - floor(0.3 * P), R);
    const double band = 4.5 * sqrt(exact * (1.0 - exact) / N);
    static double x[P * R];
    int n, r, j, covered = 0;
    cr_assert(exact > 0.94 && exact < 0.96, "exact coverage %.4f", exact);
    for (n = 0; n < N; n++) {
        stp_replicate_mean m;
        for (r = 0; r < R; r++) {
            const double shift = (double)(next_u64(&s) >> 11) * 0x1p-53;
            for (j = 0; j < P; j++) {
                const double u = (double)j / P + shift;
                x[r * P + j] = u - floor(u) < 0.3;
            }
        }
        m = stp_replicate_estimate(x, P * R, R);
        covered += m.ci_lo <= 0.3 && 0.3 <= m.ci_hi;
    }
    cr_assert(fabs((double)covered / N - exact) < band,
              "seed %llu: coverage %.4f, exact %.4f +- %.4f", (unsigned long long)seed0,
              (double)covered / N, exact, band);
}

/* P(cascade) column of the one-gap case (test_importance.c: a gap of size
 * N(-0.05, 0.05^2) on a frictionless market cascades iff the size is below
 * ln 0.85, P = Phi(-2.2504) = 0.0122125), in `mode` with `points` per
 * replicate (0: random). Caller frees. */
static double *one_gap_cascades(uint64_t seed, const char *mode, int points, long long paths)
{
    char seed_s[64], mode_s[64], pts_s[64], paths_s[64];
    const char *sets[8] = {seed_s,
                           paths_s,
                           "cascade.drawdown=0.15",
                           "cascade.liquidation_usd=0",
                           "scenario.shocks[0].size.mean=-0.05",
                           "scenario.shocks[0].size.sd=0.05",
                           mode_s,
                           pts_s};
    engine e;
    stp_error err = {STP_OK, ""};
    double *c = malloc((size_t)paths * sizeof(double));
    cr_assert_not_null(c);
    seed_set(seed_s, sizeof seed_s, seed);
    snprintf(paths_s, sizeof paths_s, "run.paths=%lld", paths);
    snprintf(mode_s, sizeof mode_s, "scenario.mode=\"%s\"", mode);
    snprintf(pts_s, sizeof pts_s, "scenario.qmc.points=%d", points > 0 ? points : 1024);
    engine_open_file(&e, BREACH, sets, 8);
    cr_assert_eq(stp_backend_run_batch(&e.ctx, e.scen, NULL, 0, paths, 0, &err), STP_OK, "%s",
                 err.msg);
    memcpy(c, e.out.v[STP_OUT_CASCADE], (size_t)paths * sizeof(double));
    engine_close(&e);
    return c;
}

static double one_gap_truth(void)
{
    return 0.5 * erfc((-log(0.85) - 0.05) / 0.05 / sqrt(2.0)); /* Phi(-2.2504) */
}

/* Through the CPU engine, P = 128 points a replicate, R = 32 replicates,
 * 20 fresh seeds. The gap's size is the net's dimension 0, so each
 * replicate counts 1 or 2 cascades (truth P = 1.563): checked on every
 * replicate, it holds whatever the shift. The t interval then covers the
 * truth with the exact probability 0.9518 (the binomial sum above, f =
 * 0.563); at least 14 of 20 seeds must be covered (false failure 5e-5).
 * The replicate se is below plain sampling's binomial se at the same 4096
 * paths by at least 1.5x on every seed (it is at most sqrt(0.25 / 31) /
 * 128 = 7.0e-4; the binomial se is below 1.05e-3 only if the count falls
 * 4.5 sd short, 4e-6); about 2.5x expected. */
Test(qmc, one_gap_probability_covers_the_closed_form, .timeout = 120)
{
    enum { P = 128, R = 32, SEEDS = 20 };
    const double truth = one_gap_truth();
    uint64_t s = test_seed();
    const uint64_t seed0 = s;
    double ratio_sum = 0.0;
    int n, r, j, covered = 0;
    cr_assert(fabs(exact_two_value_coverage(truth * P - 1.0, R) - 0.9518) < 1e-3);
    for (n = 0; n < SEEDS; n++) {
        const uint64_t seed = next_u64(&s);
        double *q = one_gap_cascades(seed, "qmc", P, (long long)P * R);
        double *plain = one_gap_cascades(seed, "random", 0, (long long)P * R);
        const stp_cascade_stats e = stp_replicate_probability(q, (size_t)P * R, R);
        long long k = 0;
        stp_cascade_stats b;
        for (r = 0; r < R; r++) {
            double hits = 0.0;
            for (j = 0; j < P; j++)
                hits += q[r * P + j];
            cr_assert(hits == 1.0 || hits == 2.0, "seed %llu replicate %d: %g cascades of %d",
                      (unsigned long long)seed, r, hits, P);
        }
        for (j = 0; j < P * R; j++)
            k += plain[j] > 0.5;
        b = stp_wilson(k, (long long)P * R);
        cr_assert(e.replicates == R && e.se < b.se / 1.5, "seed %llu: se qmc %.3g, plain %.3g",
                  (unsigned long long)seed, e.se, b.se);
        ratio_sum += b.se / e.se;
        covered += e.ci_lo <= truth && truth <= e.ci_hi;
        free(q);
        free(plain);
    }
    cr_assert(covered >= 14, "seed %llu: %d of %d intervals cover %.6f", (unsigned long long)seed0,
              covered, SEEDS, truth);
    fprintf(stderr, "qmc one gap, P %d R %d: %d of %d t intervals covered; se plain / qmc %.2f\n",
            P, R, covered, SEEDS, ratio_sum / SEEDS);
}

/* At P = 1024, R = 16 (f = 0.506) the gain is larger: the replicate se is
 * at most sqrt(0.25 / 15) / 1024 = 1.26e-4 and the binomial se at 16,384
 * paths at least 7.1e-4 (count 4.5 sd short: 4e-6), so the ratio exceeds 5
 * on every seed; about 7 expected. */
Test(qmc, replicate_se_is_well_below_plain_sampling, .timeout = 120)
{
    enum { P = 1024, R = 16, SEEDS = 3 };
    uint64_t s = test_seed() ^ 0x5eed;
    int n, j;
    for (n = 0; n < SEEDS; n++) {
        const uint64_t seed = next_u64(&s);
        double *q = one_gap_cascades(seed, "qmc", P, (long long)P * R);
        double *plain = one_gap_cascades(seed, "random", 0, (long long)P * R);
        const stp_cascade_stats e = stp_replicate_probability(q, (size_t)P * R, R);
        long long k = 0;
        stp_cascade_stats b;
        for (j = 0; j < P * R; j++)
            k += plain[j] > 0.5;
        b = stp_wilson(k, (long long)P * R);
        cr_assert(e.se * 5.0 < b.se, "seed %llu: se qmc %.3g, plain %.3g", (unsigned long long)seed,
                  e.se, b.se);
        fprintf(stderr,
                "qmc one gap, P %d R %d: p %.5f se %.3g; plain p %.5f se %.3g; ratio %.2f\n", P, R,
                e.p, e.se, b.p, b.se, b.se / e.se);
        free(q);
        free(plain);
    }
}

// --- qmc: refusals -----------------------------------------------------------

/* A net that is not balanced (points not a power of two) or a run that is
 * not whole replicates, at least two (no spread to estimate the error
 * from), is refused by the config, naming the key to change; the plan
 * checks the same rule (stp_config_check_qmc), so a config changed after
 * loading is refused there too. */
static void expect_refusal(int points, int paths, const char *key)
{
    char pts[64], n[64];
    const char *sets[3] = {"scenario.mode=\"qmc\"", pts, n};
    const char *ok[3] = {"scenario.mode=\"qmc\"", "scenario.qmc.points=64", "run.paths=128"};
    stp_config *cfg = NULL;
    stp_scenario_plan *pl = NULL;
    stp_scenario_table *t = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(pts, sizeof pts, "scenario.qmc.points=%d", points);
    snprintf(n, sizeof n, "run.paths=%d", paths);
    cr_assert_eq(stp_config_load(&cfg, BREACH, sets, 3, &err), STP_EUSAGE, "%d x %d", points,
                 paths);
    cr_assert_null(cfg);
    cr_assert(strstr(err.msg, key), "%d x %d: \"%s\" should name %s", points, paths, err.msg, key);
    cfg = load(BREACH, ok, 3);
    cfg->scenario.qmc_points = points;
    cfg->run.paths = paths;
    err.status = STP_OK;
    cr_assert_eq(stp_scenario_plan_create(&pl, cfg, NULL, &err), STP_EUSAGE, "%d x %d", points,
                 paths);
    cr_assert_null(pl);
    cr_assert(strstr(err.msg, key), "%d x %d: \"%s\" should name %s", points, paths, err.msg, key);
    err.status = STP_OK;
    cr_assert_eq(stp_scenario_table_create(&t, cfg, 0, 10, &err), STP_EUSAGE);
    cr_assert_null(t);
    stp_config_destroy(cfg);
}

Test(qmc, refuses_unbalanced_nets_and_partial_replicates)
{
    expect_refusal(100, 400, "scenario.qmc.points");
    expect_refusal(96, 192, "scenario.qmc.points");
    expect_refusal(256, 256, "run.paths");
    expect_refusal(256, 640, "run.paths");
    expect_refusal(256, 128, "run.paths");
}

// --- blind_spot ----------------------------------------------------------------

/* small_market.h's 64 agents (consensus MLP and drawdown rule) with three
 * specs: a Poisson gap and a thrice-counted oracle error (probed), and a
 * liquidity withdrawal (not a price-seen kind: drawn as configured). */
#define THREE_SPECS                                                                                \
    "scenario.shocks=[{\"kind\": \"gap\", \"rate_per_path\": 1, \"time_s\": [0, 100], "            \
    "\"duration_s\": [0, 6], \"size\": {\"mean\": -0.1, \"sd\": 0.05}}, {\"kind\": "               \
    "\"oracle_error\", \"count\": 3, \"time_s\": [10, 60], \"duration_s\": 5, \"size\": "          \
    "{\"mean\": -0.05, \"sd\": 0.04}}, {\"kind\": \"liquidity_withdrawal\", \"rate_per_path\": "   \
    "1, \"time_s\": [0, 100], \"duration_s\": [1, 4], \"size\": {\"mean\": 0.2, \"sd\": 0.05}}]"

static stp_config *market(const char *const *sets, int n)
{
    char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(text, sizeof text, small_market_fmt, "{\"name\": \"blind\"}", 40, 0);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", sets, n, &err),
                 STP_OK, "%s", err.msg);
    return cfg;
}

static stp_population *population_of(const stp_config *cfg)
{
    stp_population *pop = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_population_create(&pop, cfg, &err), STP_OK, "%s", err.msg);
    return pop;
}

/* blind_spot.c's quantile: type 7 (linear between order statistics) of
 * sorted v[0..n). */
static double quantile7(const double *v, int n, double q)
{
    const double at = q * (n - 1);
    const int i = (int)floor(at);
    return i + 1 < n ? v[i] + (at - i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* Every agent's firing index from a scan of all 48 grid sizes, straight
 * from stp_calm_history_shocked and stp_population_agent_fires: the
 * smallest grid size it fires at (0: none), whether or not firing is
 * monotone in the size. Returns the number of agents whose firing is not
 * monotone (a bisection would miss their smallest size; the probe used one
 * until this test found such consensus_mlp agents). */
static int scan_firing(const stp_config *cfg, const stp_population *pop, int spec, int *idx)
{
    const stp_shock_spec *s = &cfg->scenario.shocks[spec];
    const double dir = s->size.mean > 0.0 ? 1.0 : -1.0;
    double cap = stp_shock_size_cap(s);
    int *fired = calloc((size_t)pop->n_agents * (STP_BLIND_GRID + 1), sizeof(int));
    int a, j, odd = 0;
    cr_assert_not_null(fired);
    if (s->kind == STP_SHOCK_ORACLE_ERROR && dir < 0.0 && cap > 0.99) cap = 0.99;
    for (j = 1; j <= STP_BLIND_GRID; j++) {
        stp_calm_history *h = NULL;
        stp_error err = {STP_OK, ""};
        cr_assert_eq(stp_calm_history_shocked(&h, cfg, (int)s->kind, -1,
                                              dir * stp_blind_grid_size(cap, j),
                                              0.5 * (s->duration_s.lo + s->duration_s.hi), &err),
                     STP_OK, "%s", err.msg);
        for (a = 0; a < pop->n_agents; a++)
            fired[a * (STP_BLIND_GRID + 1) + j] = stp_population_agent_fires(pop, cfg, h, a);
        stp_calm_history_destroy(h);
    }
    for (a = 0; a < pop->n_agents; a++) {
        const int *f = fired + a * (STP_BLIND_GRID + 1);
        int first = 0, monotone = 1;
        for (j = STP_BLIND_GRID; j >= 1; j--)
            if (f[j]) first = j;
        for (j = first > 0 ? first : STP_BLIND_GRID + 1; j <= STP_BLIND_GRID; j++)
            monotone &= f[j];
        idx[a] = first;
        odd += !monotone;
    }
    free(fired);
    return odd;
}

static int by_value_abs(const void *a, const void *b)
{
    const double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* The probe's lo, center, hi, firing counts and per-family medians equal
 * those of the smallest firing sizes scanned above (the same arithmetic:
 * stp_blind_grid_size, signed by the spec's direction, so compared to
 * 1e-12), for the
 * gap and the oracle error; the withdrawal is not probed. */
static void check_probe(const stp_config *cfg, const stp_population *pop, int spec, int *n_odd)
{
    const stp_shock_spec *s = &cfg->scenario.shocks[spec];
    const double dir = s->size.mean > 0.0 ? 1.0 : -1.0;
    double cap = stp_shock_size_cap(s), *sizes = calloc((size_t)pop->n_agents, sizeof(double));
    int *idx = calloc((size_t)pop->n_agents, sizeof(int)), a, f, n = 0;
    stp_blind_probe b;
    stp_error err = {STP_OK, ""};
    cr_assert(sizes && idx);
    if (s->kind == STP_SHOCK_ORACLE_ERROR && dir < 0.0 && cap > 0.99) cap = 0.99;
    cr_assert_eq(stp_blind_spot_probe(&b, cfg, pop, spec, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(b.probed, 1, "spec %d", spec);
    *n_odd += scan_firing(cfg, pop, spec, idx);
    for (a = 0; a < pop->n_agents; a++)
        if (idx[a]) sizes[n++] = dir * stp_blind_grid_size(cap, idx[a]);
    cr_assert_eq(b.agents_firing, n, "spec %d", spec);
    cr_assert(n > 0, "spec %d: no agent fires within the cap: nothing tested", spec);
    qsort(sizes, (size_t)n, sizeof *sizes, by_value_abs);
    cr_assert(fabs(b.lo - quantile7(sizes, n, 0.1)) < 1e-12, "spec %d: lo %g", spec, b.lo);
    cr_assert(fabs(b.center - quantile7(sizes, n, 0.5)) < 1e-12, "spec %d: centre %g", spec,
              b.center);
    cr_assert(fabs(b.hi - quantile7(sizes, n, 0.9)) < 1e-12, "spec %d: hi %g", spec, b.hi);
    for (f = 0; f < pop->n_families; f++) {
        int m = 0;
        for (a = pop->family_start[f]; a < pop->family_start[f] + pop->family_count[f]; a++)
            if (idx[a]) sizes[m++] = dir * stp_blind_grid_size(cap, idx[a]);
        cr_assert_eq(b.family_firing[f], m, "spec %d family %d", spec, f);
        qsort(sizes, (size_t)m, sizeof *sizes, by_value_abs);
        if (m > 0)
            cr_assert(fabs(b.family_median[f] - quantile7(sizes, m, 0.5)) < 1e-12);
        else
            cr_assert(isnan(b.family_median[f]));
    }
    fprintf(stderr, "blind_spot spec %d: %d of %d agents fire, lo %.4f centre %.4f hi %.4f\n", spec,
            n, pop->n_agents, b.lo, b.center, b.hi);
    free(sizes);
    free(idx);
}

Test(blind_spot, probe_finds_each_agents_smallest_firing_size, .timeout = 120)
{
    char seed[64];
    const char *sets[2] = {seed, THREE_SPECS};
    stp_config *cfg;
    stp_population *pop;
    stp_blind_probe b;
    stp_error err = {STP_OK, ""};
    int odd = 0;
    seed_set(seed, sizeof seed, test_seed());
    cfg = market(sets, 2);
    pop = population_of(cfg);
    check_probe(cfg, pop, 0, &odd);
    check_probe(cfg, pop, 1, &odd);
    cr_assert_eq(stp_blind_spot_probe(&b, cfg, pop, 2, &err), STP_OK, "%s", err.msg);
    cr_assert(b.probed == 0 && isnan(b.center), "a withdrawal is not seen in the price");
    fprintf(stderr, "blind_spot: %d agent-specs with non-monotone firing (%s)\n", odd, seed);
    stp_population_destroy(pop);
    stp_config_destroy(cfg);
}

/* First cell of spec in a table's row. */
static int first_cell(const stp_scenario_table *t, int spec)
{
    int c = 0;
    while (c < t->n_slots && t->slot_spec[c] != spec)
        c++;
    return c;
}

/* The same seed and specs in blind_spot and in random mode. */
static void blind_and_random(uint64_t seed_word, const char *extra, stp_config **blind,
                             stp_config **random)
{
    char seed[64];
    const char *sets[4] = {seed, THREE_SPECS, extra ? extra : "run.batch=40",
                           "scenario.mode=\"blind_spot\""};
    seed_set(seed, sizeof seed, seed_word);
    *blind = market(sets, 4);
    *random = market(sets, 3);
}

/* blind_spot's rows: the probed specs (the gap, counted Poisson(1), and
 * the oracle error, count 3) are active exactly max(count, 1) = 1 and 3
 * times on every path, sizes on [lo, hi] (signed: lo is the smaller
 * magnitude) and times and durations on their configured ranges; their
 * mean size over N paths is (lo + hi) / 2 within 4.5 of its sd |hi - lo| /
 * sqrt(12 N) (false failure 7e-6 per spec). The withdrawal's cells are
 * byte for byte those of `random` (same counters: path, spec, slot). */
Test(blind_spot, rows_draw_probed_specs_in_the_blind_spot_and_others_as_random, .timeout = 60)
{
    enum { N = 4000 };
    const uint64_t seed = test_seed();
    stp_config *bc, *rc;
    stp_population *pop;
    stp_scenario_plan *bp, *rp;
    stp_scenario_table *bt, *rt;
    int spec, k;
    long long p;
    blind_and_random(seed, NULL, &bc, &rc);
    pop = population_of(bc);
    bp = plan_of(bc, pop);
    rp = plan_of(rc, NULL);
    bt = table_of(bp, 0, N);
    rt = table_of(rp, 0, N);
    for (spec = 0; spec < 2; spec++) {
        const stp_blind_probe *b = &bp->blind[spec];
        const stp_shock_spec *s = &bc->scenario.shocks[spec];
        const int want = s->has_count && s->count > 1 ? s->count : 1, c0 = first_cell(bt, spec);
        const float lo = (float)fmin(b->lo, b->hi), hi = (float)fmax(b->lo, b->hi);
        const double sd = fabs(b->hi - b->lo) / sqrt(12.0 * N * want);
        double sum = 0.0;
        cr_assert(b->probed && b->agents_firing > 0, "spec %d", spec);
        cr_assert_eq(bp->law[spec].slots, want, "spec %d", spec);
        for (p = 0; p < N; p++)
            for (k = 0; k < want; k++) {
                const size_t c = (size_t)p * (size_t)bt->n_slots + (size_t)(c0 + k);
                cr_assert(bt->active[c], "spec %d path %lld slot %d", spec, p, k);
                cr_assert(bt->size[c] >= lo && bt->size[c] <= hi,
                          "spec %d path %lld: %g not in [%g, %g]", spec, p, bt->size[c], lo, hi);
                cr_assert(bt->time_s[c] >= (float)s->time_s.lo &&
                          bt->time_s[c] <= (float)s->time_s.hi);
                cr_assert(bt->duration_s[c] >= (float)s->duration_s.lo &&
                          bt->duration_s[c] <= (float)s->duration_s.hi);
                sum += bt->size[c];
            }
        cr_assert(fabs(sum / (N * want) - 0.5 * (b->lo + b->hi)) < 4.5 * sd + 1e-6,
                  "spec %d: mean size %.6f, want %.6f +- %.2g (seed %llu)", spec, sum / (N * want),
                  0.5 * (b->lo + b->hi), 4.5 * sd, (unsigned long long)seed);
    }
    {
        const int cb = first_cell(bt, 2), cr = first_cell(rt, 2), n = bp->law[2].slots;
        cr_assert_eq(n, rp->law[2].slots);
        cr_assert_eq(cb + n, bt->n_slots);
        for (p = 0; p < N; p++) {
            const size_t ib = (size_t)p * (size_t)bt->n_slots + (size_t)cb;
            const size_t ir = (size_t)p * (size_t)rt->n_slots + (size_t)cr;
            cr_assert(memcmp(bt->active + ib, rt->active + ir, (size_t)n) == 0, "path %lld", p);
            cr_assert(memcmp(bt->size + ib, rt->size + ir, (size_t)n * sizeof(float)) == 0);
            cr_assert(memcmp(bt->time_s + ib, rt->time_s + ir, (size_t)n * sizeof(float)) == 0);
            cr_assert(memcmp(bt->duration_s + ib, rt->duration_s + ir, (size_t)n * sizeof(float)) ==
                      0);
        }
    }
    stp_scenario_table_destroy(bt);
    stp_scenario_table_destroy(rt);
    stp_scenario_plan_destroy(bp);
    stp_scenario_plan_destroy(rp);
    stp_population_destroy(pop);
    stp_config_destroy(bc);
    stp_config_destroy(rc);
}

/* With no AI agents there is no blind spot to probe: every spec keeps its
 * configured law (probed 0) and the whole table is random's, byte for
 * byte. */
Test(blind_spot, no_agents_leaves_the_random_table)
{
    enum { N = 1000 };
    stp_config *bc, *rc;
    stp_population *pop;
    stp_scenario_plan *bp, *rp;
    stp_scenario_table *bt, *rt;
    size_t cells;
    int spec;
    blind_and_random(test_seed(), "population.agents=0", &bc, &rc);
    pop = population_of(bc);
    cr_assert_eq(pop->n_agents, 0);
    bp = plan_of(bc, pop);
    rp = plan_of(rc, NULL);
    for (spec = 0; spec < 3; spec++)
        cr_assert(bp->blind[spec].probed == 0 && isnan(bp->blind[spec].center), "spec %d", spec);
    cr_assert_eq(bp->n_slots, rp->n_slots);
    bt = table_of(bp, 0, N);
    rt = table_of(rp, 0, N);
    cells = (size_t)N * (size_t)bt->n_slots;
    cr_assert(memcmp(bt->active, rt->active, cells) == 0);
    cr_assert(memcmp(bt->size, rt->size, cells * sizeof(float)) == 0);
    cr_assert(memcmp(bt->time_s, rt->time_s, cells * sizeof(float)) == 0);
    cr_assert(memcmp(bt->duration_s, rt->duration_s, cells * sizeof(float)) == 0);
    stp_scenario_table_destroy(bt);
    stp_scenario_table_destroy(rt);
    stp_scenario_plan_destroy(bp);
    stp_scenario_plan_destroy(rp);
    stp_population_destroy(pop);
    stp_config_destroy(bc);
    stp_config_destroy(rc);
}

/* Raising population.threshold.mean lifts every agent's threshold (the
 * same normal draw, shifted: population.c draw_threshold) and, where
 * neither population redraws an agent for equilibrium (seeds where one
 * does are skipped, at least 4 of 8 must compare; at means 0.3 to 0.7
 * dozens are redrawn, which decouples the two populations), leaves the
 * weights alone, so an agent fires at a size under the higher mean only
 * if it does under the lower: its smallest firing size does not shrink.
 * The probe's centre is a median over the agents that fire within the cap,
 * so agents dropping out at the higher mean can lower it; |centre| is
 * compared only when the same number fire at both (8 fresh seeds). */
Test(blind_spot, higher_thresholds_do_not_pull_the_centre_toward_zero, .timeout = 120)
{
    static const char *const means[2] = {"population.threshold.mean=0.85",
                                         "population.threshold.mean=0.95"};
    uint64_t s = test_seed();
    int n, m, spec, a, compared = 0;
    for (n = 0; n < 8; n++) {
        char seed_s[64];
        stp_config *cfg[2];
        stp_population *pop[2];
        seed_set(seed_s, sizeof seed_s, next_u64(&s));
        for (m = 0; m < 2; m++) {
            const char *sets[3] = {seed_s, THREE_SPECS, means[m]};
            cfg[m] = market(sets, 3);
            pop[m] = population_of(cfg[m]);
        }
        /* a redrawn agent has other weights under the other mean: no pairing */
        if (pop[0]->equilibrium_redraws == 0 && pop[1]->equilibrium_redraws == 0) compared++;
        for (spec = 0;
             spec < 2 && pop[0]->equilibrium_redraws == 0 && pop[1]->equilibrium_redraws == 0;
             spec++) {
            int idx[2][64], firing[2] = {0, 0};
            stp_blind_probe b[2];
            for (m = 0; m < 2; m++) {
                stp_error err = {STP_OK, ""};
                cr_assert_eq(pop[m]->n_agents, 64);
                (void)scan_firing(cfg[m], pop[m], spec, idx[m]);
                cr_assert_eq(stp_blind_spot_probe(&b[m], cfg[m], pop[m], spec, &err), STP_OK, "%s",
                             err.msg);
            }
            for (a = 0; a < 64; a++) {
                cr_assert(idx[1][a] == 0 || (idx[0][a] > 0 && idx[0][a] <= idx[1][a]),
                          "%s spec %d agent %d: fires at grid %d under 0.95, %d under 0.85", seed_s,
                          spec, a, idx[1][a], idx[0][a]);
                firing[0] += idx[0][a] > 0;
                firing[1] += idx[1][a] > 0;
            }
            cr_assert(firing[0] == b[0].agents_firing && firing[1] == b[1].agents_firing);
            if (firing[0] == firing[1] && firing[1] > 0)
                cr_assert(fabs(b[1].center) >= fabs(b[0].center), "%s spec %d: |centre| %g < %g",
                          seed_s, spec, fabs(b[1].center), fabs(b[0].center));
            fprintf(stderr,
                    "blind_spot threshold 0.85 -> 0.95, spec %d: firing %d -> %d, centre %.4f -> "
                    "%.4f\n",
                    spec, firing[0], firing[1], b[0].center, b[1].center);
        }
        for (m = 0; m < 2; m++) {
            stp_population_destroy(pop[m]);
            stp_config_destroy(cfg[m]);
        }
    }
    /* redraws are rare at these means (about 1 seed in 8 seen): most pairs compare */
    cr_assert_geq(compared, 4, "only %d of 8 seeds drew both populations without redraws",
                  compared);
}

/* The probe's grid: geometric from cap / 256 to cap in 48 points, each
 * 256^(1/47) = 12.5% above the last. */
Test(blind_spot, grid_is_geometric_from_cap_over_256_to_cap)
{
    const double cap = 0.38, r = pow(256.0, 1.0 / 47.0);
    int j;
    cr_assert_eq(stp_blind_grid_size(cap, STP_BLIND_GRID), cap);
    cr_assert_float_eq(stp_blind_grid_size(cap, 1), cap / 256.0, 1e-15);
    for (j = 2; j <= STP_BLIND_GRID; j++)
        cr_assert_float_eq(stp_blind_grid_size(cap, j) / stp_blind_grid_size(cap, j - 1), r, 1e-12,
                           "step %d", j);
}
