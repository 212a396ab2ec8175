/* Tests of host/model/cpu_mlp.c, the CPU's vector MLP, against the shared
 * functions of step.h and path.h: bit for bit, because the backends must
 * agree exactly (DESIGN §4). The vector tanh against stp_tanhf on every
 * float (label slow); the chunk against stp_mlp_logit on random networks
 * and features from a fresh seed (printed on failure); the ring lookup
 * against the ring itself. Without AVX-512 the same tests check the
 * lane-by-lane fallback. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "stampede/cpu_mlp.h"
#include "seed.h"

static float next_in(uint64_t *state, float lo, float hi)
{
    return lo + (hi - lo) * (float)((double)(next_u64(state) >> 40) / 16777216.0);
}

static uint32_t bits_of(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* Every float: the vector tanh's bits equal stp_tanhf's. NaN inputs only
 * need a NaN out (the NaN's payload and sign may differ). */
Test(tanh_sweep, every_float, .timeout = 600)
{
    uint64_t u = 0, bad = 0;
    float x[STP_MLP_LANES], y[STP_MLP_LANES];
    int l;
    for (u = 0; u < (1ull << 32); u += STP_MLP_LANES) {
        for (l = 0; l < STP_MLP_LANES; l++) {
            const uint32_t b = (uint32_t)(u + (uint64_t)l);
            memcpy(&x[l], &b, sizeof b);
        }
        stp_tanhf16(y, x);
        for (l = 0; l < STP_MLP_LANES; l++) {
            if (isnan(x[l])) {
                bad += !isnan(y[l]);
                continue;
            }
            if (bits_of(y[l]) != bits_of(stp_tanhf(x[l]))) {
                if (bad < 5)
                    cr_log_error("tanh(%a): vector %a, stp_tanhf %a", (double)x[l], (double)y[l],
                                 (double)stp_tanhf(x[l]));
                bad++;
            }
        }
    }
    cr_assert_eq(bad, 0, "%llu floats differ", (unsigned long long)bad);
}

/* Random networks of every width 1..16 on random features, some far
 * outside the features' ranges so the tanh saturates and clamps; n lanes
 * live, the rest padded. Each lane's logit has stp_mlp_logit's bits. */
Test(mlp, chunk_matches_stp_mlp_logit)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    float w[STP_MAX_PARAMS * STP_MLP_LANES], x[STP_FEATURES * STP_MLP_LANES];
    int trial;
    for (trial = 0; trial < 20000; trial++) {
        const int hidden = 1 + (int)(next_u64(&st) % STP_MLP_MAX_HIDDEN);
        const int n = 1 + (int)(next_u64(&st) % STP_MLP_LANES);
        const int np = stp_family_n_params(STP_FAMILY_MLP, hidden);
        const float scale = trial % 4 == 0 ? 8.0f : 1.0f;
        float logit[STP_MLP_LANES], sentinel = -12345.0f;
        int k, l;
        for (k = 0; k < np * STP_MLP_LANES; k++)
            w[k] = next_in(&st, -scale, scale);
        for (k = 0; k < STP_FEATURES * STP_MLP_LANES; k++)
            x[k] = next_in(&st, -12.0f, 12.0f);
        for (l = 0; l < STP_MLP_LANES; l++)
            logit[l] = sentinel;
        stp_mlp_chunk(logit, x, STP_MLP_LANES, w, hidden, n);
        for (l = 0; l < STP_MLP_LANES; l++) {
            float xs[STP_FEATURES], ref;
            if (l >= n) {
                cr_assert_eq(bits_of(logit[l]), bits_of(sentinel),
                             "lane %d of %d written (seed %llu)", l, n, (unsigned long long)seed);
                continue;
            }
            for (k = 0; k < STP_FEATURES; k++)
                xs[k] = x[k * STP_MLP_LANES + l];
            ref = stp_mlp_logit(w + l, STP_MLP_LANES, hidden, xs);
            cr_assert_eq(bits_of(logit[l]), bits_of(ref),
                         "trial %d hidden %d lane %d: %a vs stp_mlp_logit %a (seed %llu)", trial,
                         hidden, l, (double)logit[l], (double)ref, (unsigned long long)seed);
        }
    }
}

/* The column copy looked up by lag, for every n up to the tile and steps
 * before and after the lags (negative ring indices wrap). */
Test(mlp, ring_gather_reads_the_lagged_rows)
{
    const uint64_t seed = test_seed();
    uint64_t st = seed;
    static float ring[STP_LAG_RING][STP_RING_COLS], col[STP_RING_COLS * STP_LAG_RING];
    static float x[STP_RING_COLS][STP_MLP_TILE];
    static int lag[STP_MLP_TILE];
    int trial, r, k, j;
    for (trial = 0; trial < 400; trial++) {
        const int n = 1 + (int)(next_u64(&st) % STP_MLP_TILE);
        const int t = (int)(next_u64(&st) % 200);
        for (r = 0; r < STP_LAG_RING; r++)
            for (k = 0; k < STP_RING_COLS; k++) {
                ring[r][k] = next_in(&st, -10.0f, 10.0f);
                col[k * STP_LAG_RING + r] = ring[r][k];
            }
        for (j = 0; j < n; j++)
            lag[j] = (int)(next_u64(&st) % (STP_MAX_LAG_STEPS + 1));
        stp_ring_gather(&x[0][0], STP_MLP_TILE, col, lag, t, n);
        for (j = 0; j < n; j++)
            for (k = 0; k < STP_RING_COLS; k++)
                cr_assert_eq(bits_of(x[k][j]), bits_of(ring[(t - lag[j]) & 63][k]),
                             "n %d t %d agent %d entry %d (seed %llu)", n, t, j, k,
                             (unsigned long long)seed);
        for (j = n; j % STP_MLP_LANES; j++) /* spare lanes: finite */
            for (k = 0; k < STP_RING_COLS; k++)
                cr_assert(isfinite(x[k][j]), "spare lane %d not finite", j);
    }
}
