/* print_summary.h: a results summary printed into a string (owned by the
 * caller), for the tests that check what `stampede summary` shows. */
#ifndef STAMPEDE_TESTS_PRINT_SUMMARY_H
#define STAMPEDE_TESTS_PRINT_SUMMARY_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "stampede/summary.h"

static char *print_to_string(const stp_summary *s, stp_summary_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(stp_summary_print(f, s, fmt), 0);
    fclose(f);
    return buf;
}

#endif
