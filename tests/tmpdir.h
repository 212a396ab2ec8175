/* tmpdir.h: one scratch directory per test, made before and removed after
 * (Criterion .init/.fini), shared by the tests that run whole programs. */
#ifndef STAMPEDE_TESTS_TMPDIR_H
#define STAMPEDE_TESTS_TMPDIR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[256];

static void tmpdir_make(void)
{
    snprintf(dir, sizeof dir, "/tmp/stp_test_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void tmpdir_remove(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
