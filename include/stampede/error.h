/* error.h: status codes (the exit codes of DESIGN §5) and the one-line error
 * every fallible stampede function fills. */
#ifndef STAMPEDE_ERROR_H
#define STAMPEDE_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "stampede/hd.h"

STP_EXTERN_C_BEGIN

typedef enum stp_status {
    STP_OK = 0,
    STP_EUSAGE = 2,  /* usage or config error */
    STP_EIO = 3,     /* file could not be read or written */
    STP_EDEVICE = 4, /* GPU missing or failing */
    STP_ENOMEM = 5,  /* allocation failed */
    STP_EINTR = 130  /* interrupted; finished batches kept */
} stp_status;

#define STP_ERROR_MAX 512

typedef struct stp_error {
    stp_status status;
    char msg[STP_ERROR_MAX]; /* one line, no trailing newline */
} stp_error;

/* Sets err (when not NULL) and returns status, so callers can write
 * `return stp_error_set(err, STP_EUSAGE, "...")`. printf-style. */
stp_status stp_error_set(stp_error *err, stp_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Zero-filling, overflow-checked allocation of n elements of *ptr's type.
 * Evaluates to nonzero on failure, after filling err with file and line. */
void *stp_calloc_checked(size_t n, size_t size, stp_error *err, const char *what, const char *file,
                         int line);
#define STP_ALLOC(err, ptr, n)                                                                     \
    (((ptr) = stp_calloc_checked((n), sizeof(*(ptr)), (err), #ptr, __FILE__, __LINE__)) == NULL)

STP_EXTERN_C_END

#endif
