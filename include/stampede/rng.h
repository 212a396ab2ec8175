/* rng.h: every random number is a pure function of
 * (seed, stream, path, step, agent, draw) through Philox4x32-10 (DESIGN §4).
 *
 * Key and counter layout, chosen to equal cuRAND's Philox state after
 * curand_init(seed64 = key1:key0, subsequence = path:step, offset = 4*(agent:draw))
 * so the device path can reproduce the host bit for bit:
 *   key = { seed & 0xffffffff, (stream << 24) | (seed >> 32) }   seed < 2^53, agent < 2^30
 *   ctr = { draw, agent, step, path }
 * One call yields four 32-bit words; `draw` numbers the call, not the word.
 * Conversions of words to uniforms follow cuRAND exactly (curand_uniform.h),
 * with the fused multiply-add nvcc emits written out. The normal and
 * Student-t transforms are ours, through fmath.h, so every backend computes
 * the same bits from the same words. */
#ifndef STAMPEDE_RNG_H
#define STAMPEDE_RNG_H

#include <math.h>
#include <stdint.h>

#include "stampede/fmath.h"
#include "stampede/hd.h"

#include <Random123/philox.h>

/* Streams separate independent uses of the same seed. */
typedef enum stp_stream {
    STP_STREAM_MARKET = 1,     /* per path and step: regime, noise, jumps */
    STP_STREAM_SCENARIO = 2,   /* per path: shock counts, times, sizes */
    STP_STREAM_POPULATION = 3, /* per run: agents and passive positions */
    STP_STREAM_AGENT = 4,      /* per path, step and agent (mitigation delays) */
    STP_STREAM_ENSEMBLE = 5    /* per run: the bootstrap over populations (ensemble.c) */
} stp_stream;

typedef struct stp_u32x4 {
    uint32_t v[4];
} stp_u32x4;

#define STP_2POW32_INV 2.3283064e-10f /* CURAND_2POW32_INV */
#define STP_PI         3.14159265358979f

/* The key words of (seed, stream): seed < 2^53, stream < 256. */
static inline STP_HD uint32_t stp_key0(uint64_t seed)
{
    return (uint32_t)(seed & 0xffffffffu);
}

static inline STP_HD uint32_t stp_key1(uint64_t seed, uint32_t stream)
{
    return (stream << 24) | (uint32_t)((seed >> 32) & 0xffffffu);
}

#if defined(STP_CURAND) && defined(__CUDACC__)
/* Defined in kernels/curand_philox.cuh, which the kernels include after this
 * header: the device pass draws from cuRAND's device API (DESIGN §4). */
static __device__ stp_u32x4 stp_curand_philox(uint32_t key0, uint32_t key1, uint32_t draw,
                                              uint32_t agent, uint32_t step, uint32_t path);
#endif

static inline STP_HD stp_u32x4 stp_philox(uint64_t seed, uint32_t stream, uint32_t path,
                                          uint32_t step, uint32_t agent, uint32_t draw)
{
#if defined(STP_CURAND) && defined(__CUDA_ARCH__)
    return stp_curand_philox(stp_key0(seed), stp_key1(seed, stream), draw, agent, step, path);
#else
    philox4x32_key_t k;
    philox4x32_ctr_t c;
    stp_u32x4 out;
    philox4x32_ctr_t r;
    k.v[0] = stp_key0(seed);
    k.v[1] = stp_key1(seed, stream);
    c.v[0] = draw;
    c.v[1] = agent;
    c.v[2] = step;
    c.v[3] = path;
    r = philox4x32(c, k);
    out.v[0] = r.v[0];
    out.v[1] = r.v[1];
    out.v[2] = r.v[2];
    out.v[3] = r.v[3];
    return out;
#endif
}

/* cuRAND's _curand_uniform: (0, 1], never 0, so the log is safe. nvcc
 * contracts x * a + b into one FMA; the host writes it so both round alike. */
static inline STP_HD float stp_uniform(uint32_t x)
{
    return fmaf((float)x, STP_2POW32_INV, STP_2POW32_INV / 2.0f);
}

/* Box-Muller (Box & Muller, Ann. Math. Statist. 29, 1958): with u, v the
 * uniforms of the two words (stp_uniform, in (0, 1]),
 *   n0 = sqrt(-2 ln u) sin(2 pi v),  n1 = sqrt(-2 ln u) cos(2 pi v),
 * computed in double through fmath.h and rounded once to float (within
 * 1 ulp of float of these values: tests/test_rng.c). This is our
 * definition, not cuRAND's _curand_box_muller (which scales the second word
 * by 2 pi in float and calls sincosf): only cuRAND's words and uniforms are
 * used on the device, so both backends produce identical normals. */
static inline STP_HD void stp_box_muller(uint32_t x, uint32_t y, float *n0, float *n1)
{
    const double radius = sqrt(-2.0 * stp_log((double)stp_uniform(x)));
    double s, c;
    stp_sincos_turns((double)stp_uniform(y), &s, &c);
    *n0 = (float)(radius * s);
    *n1 = (float)(radius * c);
}

/* Uniform on (-1, 1) from one word, for the polar method. */
static inline STP_HD float stp_uniform_pm1(uint32_t x)
{
    return fmaf(2.0f, stp_uniform(x), -1.0f);
}

/* Bailey's polar method (Math. Comp. 62, 1994): with U, V uniform on (-1, 1)
 * and W = U^2 + V^2 < 1, T = U sqrt(nu (W^(-2/nu) - 1) / W) is Student-t(nu).
 * Returns 1 and sets *t when the pair is accepted (probability pi/4). The
 * acceptance test is float (exactly rounded on every backend); the
 * transform is double through fmath.h, W^(-2/nu) - 1 as expm1(-2 ln W / nu)
 * so that W near 1 and large nu keep their precision, rounded once to
 * float. */
static inline STP_HD int stp_student_t_try(uint32_t a, uint32_t b, float nu, float *t)
{
    const float u = stp_uniform_pm1(a);
    const float v = stp_uniform_pm1(b);
    const float w = fmaf(u, u, v * v);
    double e;
    if (!(w < 1.0f) || w <= 0.0f) return 0;
    e = stp_expm1(-2.0 * stp_log((double)w) / (double)nu);
    *t = (float)((double)u * sqrt((double)nu * e / (double)w));
    return 1;
}

#endif
