/* splitmix.h: the tests' random streams. splitmix64 (Steele, Lea, Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014): the seed
 * alone fixes the stream, so a failure's printed seed replays it. Seeds
 * come from seed.h's test_seed(). */
#ifndef STAMPEDE_TESTS_SPLITMIX_H
#define STAMPEDE_TESTS_SPLITMIX_H

#include <stdint.h>

static inline uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif
