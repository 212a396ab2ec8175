/* The assets' correlation (correlation.h, host/config/correlation.c): the
 * factor against its closed form and against C = L L^T on random matrices,
 * semi-definite matrices accepted and indefinite ones refused by name, and
 * the shocks' sample correlations against the configured ones (fresh
 * seeds, printed on failure; tests/seed.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "seed.h"
#include "stampede/correlation.h"
#include "stampede/rng.h"

#define KEY "market.correlation"

static stp_status factor(const double *c, int n, double *l, stp_error *err)
{
    memset(err, 0, sizeof *err);
    return stp_correlation_factor(c, n, l, KEY, err);
}

/* Two assets at correlation r: L = [[1, 0], [r, sqrt(1 - r^2)]]. */
Test(correlation, two_assets_match_the_closed_form)
{
    const double rs[] = {-0.99, -0.3, 0.0, 0.45, 0.8};
    unsigned i;
    for (i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        const double r = rs[i], c[4] = {1.0, r, r, 1.0};
        double l[4];
        stp_error err;
        cr_assert_eq(factor(c, 2, l, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(l[0], 1.0);
        cr_assert_eq(l[1], 0.0);
        cr_assert_eq(l[2], r);
        cr_assert_float_eq(l[3], sqrt(1.0 - r * r), 1e-15, "r %g", r);
    }
}

/* A random correlation matrix: B B^T of a random 4 x 4 B, scaled to a unit
 * diagonal (positive definite with probability 1). */
static void random_correlation(uint64_t *s, int n, double *c)
{
    double b[16], d[4];
    int i, j, k;
    for (i = 0; i < n * n; i++)
        b[i] = (double)(next_u64(s) >> 11) * 0x1p-53 * 2.0 - 1.0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            double x = 0.0;
            for (k = 0; k < n; k++)
                x += b[i * n + k] * b[j * n + k];
            c[i * n + j] = x;
        }
    for (i = 0; i < n; i++)
        d[i] = sqrt(c[i * n + i]);
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            c[i * n + j] = i == j ? 1.0 : c[i * n + j] / (d[i] * d[j]);
    for (i = 0; i < n; i++) /* exact symmetry for the entry check */
        for (j = 0; j < i; j++)
            c[j * n + i] = c[i * n + j];
}

Test(correlation, factor_reproduces_random_matrices)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    int rep, n, i, j, k;
    for (rep = 0; rep < 200; rep++) {
        double c[16], l[16];
        stp_error err;
        n = 1 + rep % STP_MAX_ASSETS;
        random_correlation(&s, n, c);
        cr_assert_eq(factor(c, n, l, &err), STP_OK, "seed %llu: %s", (unsigned long long)seed,
                     err.msg);
        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++) {
                double x = 0.0;
                for (k = 0; k < n; k++)
                    x += l[i * n + k] * l[j * n + k];
                cr_assert(j <= i || l[i * n + j] == 0.0, "seed %llu: L not lower triangular",
                          (unsigned long long)seed);
                cr_assert_float_eq(x, c[i * n + j], 1e-12, "seed %llu rep %d: (L L^T)[%d][%d]",
                                   (unsigned long long)seed, rep, i, j);
            }
    }
}

/* Perfectly correlated assets are a singular, semi-definite matrix: allowed,
 * and the factor still gives back C. */
Test(correlation, singular_semidefinite_is_accepted)
{
    const double c2[4] = {1.0, 1.0, 1.0, 1.0};
    const double c3[9] = {1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0};
    double l[9];
    stp_error err;
    int i, j, k;
    cr_assert_eq(factor(c2, 2, l, &err), STP_OK, "%s", err.msg);
    cr_assert(l[0] == 1.0 && l[2] == 1.0 && l[3] == 0.0);
    cr_assert_eq(factor(c3, 3, l, &err), STP_OK, "%s", err.msg);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++) {
            double x = 0.0;
            for (k = 0; k < 3; k++)
                x += l[i * 3 + k] * l[j * 3 + k];
            cr_assert_float_eq(x, c3[i * 3 + j], 1e-12, "(L L^T)[%d][%d]", i, j);
        }
}

/* a~b = 0.9, b~c = 0.9 and a~c = -0.9 cannot hold at once: its smallest
 * eigenvalue is 1 - 1.8 = -0.8 (eigenvector (1, -1, 1)/sqrt 3). */
Test(correlation, indefinite_is_refused_by_name)
{
    const double c[9] = {1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0};
    double l[9];
    stp_error err;
    cr_assert_eq(factor(c, 3, l, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, KEY " is not positive semi-definite"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "-0.8"), "%s", err.msg);
}

Test(correlation, bad_entries_are_refused_by_position)
{
    double l[4];
    stp_error err;
    const double asym[4] = {1.0, 0.5, 0.4, 1.0}, diag[4] = {0.9, 0.0, 0.0, 1.0},
                 big[4] = {1.0, 1.5, 1.5, 1.0};
    double nan_c[4] = {1.0, 0.0, 0.0, 1.0};
    nan_c[1] = nan_c[2] = NAN;
    cr_assert_eq(factor(asym, 2, l, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, KEY "[0][1] = 0.5 but " KEY "[1][0] = 0.4"), "%s", err.msg);
    cr_assert_eq(factor(diag, 2, l, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, KEY "[0][0]"), "%s", err.msg);
    cr_assert_eq(factor(big, 2, l, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "[-1, 1]"), "%s", err.msg);
    cr_assert_eq(factor(nan_c, 2, l, &err), STP_EUSAGE);
    cr_assert_eq(factor(asym, 0, l, &err), STP_EUSAGE);
    cr_assert_eq(factor(asym, STP_MAX_ASSETS + 1, l, &err), STP_EUSAGE);
}

/* One asset: its shock is the normal drawn, bit for bit (so a config
 * without assets draws what it drew before). */
Test(correlation, one_asset_passes_its_draw_through)
{
    const double c[1] = {1.0};
    double l[1];
    float lf, z, out;
    stp_error err;
    uint64_t s = test_seed();
    int i;
    cr_assert_eq(factor(c, 1, l, &err), STP_OK, "%s", err.msg);
    lf = (float)l[0];
    for (i = 0; i < 1000; i++) {
        z = (float)((double)(next_u64(&s) >> 11) * 0x1p-53 * 8.0 - 4.0);
        stp_correlate(&lf, 1, &z, &out);
        cr_assert(memcmp(&out, &z, sizeof z) == 0, "z %a became %a", (double)z, (double)out);
    }
}

/* The shocks L z of N Philox normals: each pair's sample correlation
 * within 5 sd of the configured one, sd = (1 - r^2) / sqrt(N) (Fisher's
 * large-sample variance of Pearson's r; 5 sd: a false alarm ~6e-7 a pair). */
Test(correlation, shocks_have_the_configured_correlations)
{
    enum { N = 200000 };
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    double c[16], l[16], sum[4] = {0}, sq[16] = {0};
    float lf[16], z[4], x[4];
    stp_error err;
    const int n = 4;
    int p, i, j;
    random_correlation(&s, n, c);
    cr_assert_eq(factor(c, n, l, &err), STP_OK, "%s", err.msg);
    for (i = 0; i < n * n; i++)
        lf[i] = (float)l[i];
    for (p = 0; p < N; p++) {
        const stp_u32x4 r = stp_philox(seed, STP_STREAM_MARKET, (uint32_t)p, 0, 0, 0);
        stp_box_muller(r.v[0], r.v[1], &z[0], &z[1]);
        stp_box_muller(r.v[2], r.v[3], &z[2], &z[3]);
        stp_correlate(lf, n, z, x);
        for (i = 0; i < n; i++) {
            sum[i] += x[i];
            for (j = 0; j < n; j++)
                sq[i * n + j] += (double)x[i] * x[j];
        }
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++) {
            const double ci = sq[i * n + i] / N - (sum[i] / N) * (sum[i] / N);
            const double cj = sq[j * n + j] / N - (sum[j] / N) * (sum[j] / N);
            const double cij = sq[i * n + j] / N - (sum[i] / N) * (sum[j] / N);
            const double r = cij / sqrt(ci * cj), want = c[i * n + j];
            const double sd = (1.0 - want * want) / sqrt((double)N);
            cr_assert(fabs(r - want) <= 5.0 * sd + 1e-6,
                      "seed %llu: assets %d, %d: sample r %.5f, configured %.5f (sd %.2g)",
                      (unsigned long long)seed, i, j, r, want, sd);
        }
}
