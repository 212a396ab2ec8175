/* h5util.h: HDF5 error checking shared by the results writer (h5out.c)
 * and reader (h5in.c), the only files that include hdf5.h. Private to host/. */
#ifndef STAMPEDE_H5UTIL_H
#define STAMPEDE_H5UTIL_H

#include <hdf5.h>
#include <stdint.h>

#include "stampede/error.h"

/* Nonzero when rc (any HDF5 return: hid_t, herr_t or htri_t) is negative,
 * after filling err with STP_EIO: the call text, file:line and HDF5's own
 * innermost message. */
int stp_h5_failed(int64_t rc, stp_error *err, const char *call, const char *file, int line);

/* Nonzero when `expr` failed (see stp_h5_failed). Evaluates expr once;
 * never exits. */
#define STP_H5_CHECK(err, expr) stp_h5_failed((int64_t)(expr), (err), #expr, __FILE__, __LINE__)

/* Puts printf-formatted text in front of err's message. */
void stp_h5_prefix_error(stp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Names the object being made or read ("/variants/base/outcomes/x", or
 * "/population/role attribute 'roles'") in front of err's message. */
void stp_h5_blame(stp_error *err, hid_t loc, const char *obj, const char *attr);

/* Closes any HDF5 id; -1 (never opened) is a no-op. */
void stp_h5_close(hid_t id);

#endif
