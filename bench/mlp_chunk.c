/* mlp_chunk.c: the CPU's MLP alone (stp_mlp_chunk, host/model/cpu_mlp.c)
 * on 64 chunks of 16 agents, hidden WIDTH (default the shipped 16), on
 * random parameters and features; prints the best of five timings in ns
 * per agent-step. bench/NOTES.md's MLP figures come from it:
 *   build/mlp_chunk [REPEATS] [WIDTH] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stampede/cpu_mlp.h"

#define CHUNKS 64

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float next_in(unsigned *s, float lo, float hi)
{
    *s = *s * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(*s >> 8) / 16777216.0f;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 20000;
    const int hidden = argc > 2 ? atoi(argv[2]) : STP_MLP_SHIPPED_HIDDEN;
    const int np = stp_family_n_params(STP_FAMILY_MLP, hidden);
    const long nw = (long)CHUNKS * np * STP_MLP_LANES, nx = (long)STP_FEATURES * CHUNKS * 16;
    /* 64-byte aligned, as stp_mlp_pack_build lays the parameters out: a
     * vector load across two cache lines costs two */
    float *w = aligned_alloc(64, sizeof *w * (size_t)nw), *x = aligned_alloc(64, sizeof *x * (size_t)nx);
    float logit[CHUNKS * STP_MLP_LANES];
    double best = 1e30, sum = 0.0;
    unsigned s = 12345u;
    long i;
    int r, k, c;
    if (reps < 1 || hidden < 1 || hidden > STP_MLP_MAX_HIDDEN || !w || !x) {
        fprintf(stderr, "usage: mlp_chunk [REPEATS >= 1] [WIDTH 1..%d]\n", STP_MLP_MAX_HIDDEN);
        return 2;
    }
    for (i = 0; i < nw; i++)
        w[i] = next_in(&s, -0.3f, 0.3f);
    for (i = 0; i < nx; i++)
        x[i] = next_in(&s, -1.5f, 1.5f);
    for (r = 0; r < 5; r++) {
        const double t0 = now_s();
        double dt;
        for (k = 0; k < reps; k++)
            for (c = 0; c < CHUNKS; c++)
                stp_mlp_chunk(logit + c * STP_MLP_LANES, x + c * STP_MLP_LANES,
                              CHUNKS * STP_MLP_LANES, w + (long)c * np * STP_MLP_LANES, hidden,
                              STP_MLP_LANES);
        dt = now_s() - t0;
        if (dt < best) best = dt;
        for (c = 0; c < CHUNKS * STP_MLP_LANES; c++)
            sum += logit[c];
    }
    printf("mlp_chunk: hidden %d, %.3f ns per agent-step (best of 5), checksum %.6g\n", hidden,
           best / ((double)reps * CHUNKS * STP_MLP_LANES) * 1e9, sum);
    free(w);
    free(x);
    return 0;
}
