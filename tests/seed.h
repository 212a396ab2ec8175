/* seed.h: the one seed of every randomized test, and how to replay it.
 *
 *   to replay: STAMPEDE_TEST_SEED=<seed> ctest --test-dir build -R '^<test>$'
 *
 * test_seed() returns STAMPEDE_TEST_SEED when it is set (decimal, or hex
 * after 0x; anything else fails the test at once), else a fresh seed mixed
 * from the clock's nanoseconds and the pid, so repeated CI runs explore new
 * samples. Its first call in a test prints one line to stderr:
 *
 *   [seed] suite/test: replay with STAMPEDE_TEST_SEED=<seed> ctest -R '^<test>$'
 *
 * (CMakeLists.txt sets STP_CTEST_NAME, the <test>, for every ctest test; run
 * outside ctest the line names Criterion's own --filter 'suite/test').
 * ctest --output-on-failure shows a failing test's whole output, so the seed
 * is on screen whenever a test fails, however it fails: an assertion, a
 * crash or a ctest timeout. We print at the draw, not in the failing
 * assertion, because Criterion runs each test in a child process: the runner
 * that reports a failure never sees the child's seed.
 *
 * Later calls in the same test return the same seed without printing, so a
 * helper may call test_seed() too and the one printed seed still replays the
 * whole test. A test that needs several streams derives them from this seed
 * (next_u64, or seed ^ constant), never from a second clock read.
 *
 * Seeds are below 2^52 (TEST_SEED_LIMIT): run.seed and rng.h's keys take any
 * seed below 2^53, so tests pass the seed on unmasked and the seed their
 * messages print replays too. Tests that narrow it for srand/rand_r print
 * the unsigned value, which also replays (the cast keeps a value < 2^32).
 *
 * Must compile as C11 and as CUDA C++ (tests/test_curand_host.cu). */
#ifndef STAMPEDE_TESTS_SEED_H
#define STAMPEDE_TESTS_SEED_H

#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "splitmix.h"

#define TEST_SEED_LIMIT (1ull << 52)

/* STAMPEDE_TEST_SEED's text as a seed below 2^52: decimal, or hex after 0x.
 * Stricter than strtoull(s, NULL, 0), which would read "010" as octal 8,
 * "-1" as 2^64 - 1 and "12abc" as 12. Returns 0 on success. */
static inline int test_seed_parse(const char *s, uint64_t *out)
{
    int base = 10;
    char *end = NULL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const int digit = base == 16 ? isxdigit((unsigned char)s[0]) : isdigit((unsigned char)s[0]);
    if (!digit) return -1; /* empty, a sign or a space: strtoull would take them */
    errno = 0;
    const unsigned long long v = strtoull(s, &end, base);
    if (errno != 0 || *end != '\0' || v >= TEST_SEED_LIMIT) return -1;
    *out = (uint64_t)v;
    return 0;
}

/* The clock's nanoseconds and the pid through two splitmix64 rounds: two
 * tests started in the same second (Criterion forks one process per test)
 * still draw unrelated seeds. */
static inline uint64_t test_seed_fresh(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t st = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    uint64_t mixed = next_u64(&st) ^ ((uint64_t)getpid() << 32);
    return next_u64(&mixed) & (TEST_SEED_LIMIT - 1);
}

/* The current test's seed (see the top of this file). */
static inline uint64_t test_seed(void)
{
    static const void *drawn_for = NULL; /* the test the seed below belongs to */
    static uint64_t seed = 0;
    const struct criterion_test *t = criterion_current_test;
    if (drawn_for == (const void *)t && t != NULL) return seed;
    const char *env = getenv("STAMPEDE_TEST_SEED");
    /* cr_assert, not cr_assert_fail: tests on Criterion's new asserts
     * (criterion/new/assert.h) redefine cr_fail, which cr_assert_fail uses */
    cr_assert(env == NULL || test_seed_parse(env, &seed) == 0,
              "STAMPEDE_TEST_SEED=\"%s\" is not a decimal or 0x-hex integer below 2^52",
              env ? env : "");
    if (env == NULL) seed = test_seed_fresh();
    drawn_for = (const void *)t;
    const char *suite = t ? t->category : "?", *name = t ? t->name : "?";
    const char *ctest = getenv("STP_CTEST_NAME"); /* set per test by CMakeLists.txt */
    if (ctest != NULL)
        fprintf(stderr, "[seed] %s/%s: replay with STAMPEDE_TEST_SEED=%llu ctest -R '^%s$'\n",
                suite, name, (unsigned long long)seed, ctest);
    else
        fprintf(
            stderr,
            "[seed] %s/%s: replay with STAMPEDE_TEST_SEED=%llu <this binary> --filter '%s/%s'\n",
            suite, name, (unsigned long long)seed, suite, name);
    fflush(stderr);
    return seed;
}

#endif
