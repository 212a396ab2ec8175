// Runs cuRAND's own device-API source (curand_kernel.h: curand_init,
// skipahead, curand4) on the host, where CI has no GPU, and checks that it
// produces exactly rng.h's Random123 words at the (seed, stream, path,
// step, agent, draw) keying: the mapping kernels/curand_philox.cuh relies
// on. The header's functions are __device__ only; redefining QUALIFIERS
// (the hook curand_kernel.h leaves for it) compiles them for the host too.
// What this cannot check is the GPU executing them: tests/test_cuda.c does
// that on a device.
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "stampede/rng.h"
#include "seed.h"

#define QUALIFIERS static __forceinline__ __host__ __device__
#include "../kernels/curand_include.cuh"

static stp_u32x4 words_of(uint4 r)
{
    stp_u32x4 out;
    out.v[0] = r.x;
    out.v[1] = r.y;
    out.v[2] = r.z;
    out.v[3] = r.w;
    return out;
}

// cuRAND's words at our keying, as curand_philox.cuh asks for them.
static stp_u32x4 curand_words(uint64_t seed, uint32_t stream, uint32_t path, uint32_t step,
                              uint32_t agent, uint32_t draw)
{
    curandStatePhilox4_32_10_t st;
    curand_init(((unsigned long long)stp_key1(seed, stream) << 32) | stp_key0(seed),
                ((unsigned long long)path << 32) | step,
                (((unsigned long long)agent << 32) | draw) * 4ull, &st);
    return words_of(curand4(&st));
}

// cuRAND at any 128-bit counter: curand_philox.cuh's one offset reaches
// agent < 2^30 (population.agents <= 1e7); four skips of (agent:draw)
// elements each reach every 32-bit agent, which the known answers need.
static stp_u32x4 curand_at_counter(const uint32_t *ctr, uint32_t key0, uint32_t key1)
{
    curandStatePhilox4_32_10_t st;
    const unsigned long long x = ((unsigned long long)ctr[1] << 32) | ctr[0];
    curand_init(((unsigned long long)key1 << 32) | key0,
                ((unsigned long long)ctr[3] << 32) | ctr[2], 0, &st);
    for (int k = 0; k < 4; k++)
        skipahead(x, &st);
    return words_of(curand4(&st));
}

// Random123 tests/kat_vectors, "philox4x32 10": CTR, KEY, EXPECTED. cuRAND
// is the same generator, words in the same order.
Test(curand_host, curand_source_reproduces_random123_known_answers)
{
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int i = 0; i < 3; i++) {
        const uint32_t *v = kat[i];
        const stp_u32x4 r = curand_at_counter(v, v[4], v[5]);
        for (int j = 0; j < 4; j++)
            cr_assert_eq(r.v[j], v[6 + j], "vector %d word %d: %08x", i, j, r.v[j]);
    }
}

// Fresh keys and counters each run (srand of the test seed, which
// tests/seed.h prints).
Test(curand_host, curand_source_equals_random123_for_random_keys)
{
    const unsigned seed0 = (unsigned)test_seed();
    srand(seed0);
    for (int i = 0; i < 200000; i++) {
        const uint64_t seed =
            (((uint64_t)rand() << 31) ^ (uint64_t)rand() ^ ((uint64_t)rand() << 40)) &
            ((1ull << 53) - 1);
        const uint32_t stream = (uint32_t)rand() & 0xff;
        const uint32_t path = (uint32_t)rand() * 2u + (uint32_t)(rand() & 1);
        const uint32_t step = (uint32_t)rand(), agent = (uint32_t)rand() & 0x3fffffff;
        const uint32_t draw = (uint32_t)rand() * 2u + (uint32_t)(rand() & 1);
        const stp_u32x4 a = stp_philox(seed, stream, path, step, agent, draw);
        const stp_u32x4 b = curand_words(seed, stream, path, step, agent, draw);
        for (int j = 0; j < 4; j++)
            cr_assert_eq(a.v[j], b.v[j],
                         "srand %u, case %d: seed %llu stream %u path %u step %u agent %u draw "
                         "%u word %d: %08x != %08x",
                         seed0, i, (unsigned long long)seed, stream, path, step, agent, draw, j,
                         a.v[j], b.v[j]);
    }
}

// The counter words carry into each other in cuRAND's skipahead: the
// largest path, step, agent and draw must not spill into the next word.
Test(curand_host, counter_words_do_not_carry_at_their_limits)
{
    const uint32_t big = 0xffffffffu;
    const stp_u32x4 a = stp_philox(7, STP_STREAM_AGENT, big, big, 0x3fffffffu, big);
    const stp_u32x4 b = curand_words(7, STP_STREAM_AGENT, big, big, 0x3fffffffu, big);
    for (int j = 0; j < 4; j++)
        cr_assert_eq(a.v[j], b.v[j], "word %d", j);
}
