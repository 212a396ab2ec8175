/* error.c: the one-line error and the checked allocator. */
#include "stampede/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

stp_status stp_error_set(stp_error *err, stp_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void *stp_calloc_checked(size_t n, size_t size, stp_error *err, const char *what, const char *file,
                         int line)
{
    /* calloc checks n * size for overflow itself; n == 0 still yields a
     * unique pointer so callers can treat NULL as failure only. */
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        stp_error_set(err, STP_ENOMEM, "out of memory allocating %zu x %zu bytes for %s (%s:%d)", n,
                      size, what, file, line);
    return p;
}
