/* fma_peak.c: measures one core's FP32 FMA peak (FLOP/s), the denominator
 * of the "fraction of FMA peak" figure. 12 independent 16-lane chains
 * (GCC vector extensions) hide the FMA latency; built with
 * -O2 -march=native -ffp-contract=fast so a*b+c becomes one vfmadd.
 * Prints GFLOP/s, counting 2 FLOP per FMA lane. */
#include <stdio.h>
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));
#define CHAINS 12

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    /* named variables, not an array: the chains must live in registers */
    v16 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;
    v16 m, b;
    const long iters = 100000000L;
    double t0, t1, sum = 0.0;
    long i;
    int l;
    for (l = 0; l < 16; l++) {
        m[l] = 0.999999f;
        b[l] = 1e-7f;
        a0[l] = (float)l;
    }
    a1 = a0 + 1.0f, a2 = a0 + 2.0f, a3 = a0 + 3.0f, a4 = a0 + 4.0f, a5 = a0 + 5.0f;
    a6 = a0 + 6.0f, a7 = a0 + 7.0f, a8 = a0 + 8.0f, a9 = a0 + 9.0f, a10 = a0 + 10.0f;
    a11 = a0 + 11.0f;
    t0 = now_s();
    for (i = 0; i < iters; i++) {
        a0 = a0 * m + b, a1 = a1 * m + b, a2 = a2 * m + b, a3 = a3 * m + b;
        a4 = a4 * m + b, a5 = a5 * m + b, a6 = a6 * m + b, a7 = a7 * m + b;
        a8 = a8 * m + b, a9 = a9 * m + b, a10 = a10 * m + b, a11 = a11 * m + b;
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5));
    }
    t1 = now_s();
    a0 = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    for (l = 0; l < 16; l++)
        sum += (double)a0[l];
    printf("%.1f\n", 2.0 * 16.0 * CHAINS * (double)iters / (t1 - t0) / 1e9);
    fprintf(stderr, "checksum %g\n", sum);
    return 0;
}
