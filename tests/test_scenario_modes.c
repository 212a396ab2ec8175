/* Scenario modes qmc and blind_spot (host/scenario.c, host/blind_spot.c)
 * and the replicate statistics of randomized QMC (host/stats.c). Fresh
 * seeds each run (printed on failure); every statistical check states its
 * false-failure probability, each below about 1e-4. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>

#include "engine_fixture.h"
#include "splitmix.h"
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

static void seed_set(char *buf, size_t cap, uint64_t seed)
{
    snprintf(buf, cap, "run.seed=%llu", (unsigned long long)(seed >> 12));
}

// --- qmc: the net and the rows ---------------------------------------------

enum { QP = 256, QR = 4 }; /* points per replicate, replicates */

static stp_config *qmc_config(char *seed, size_t cap)
{
    char pts[64], paths[64];
    const char *sets[5] = {seed, "scenario.mode=\"qmc\"", pts, paths, TWO_SPECS};
    seed_set(seed, cap, fresh_seed());
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
