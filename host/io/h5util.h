/* h5util.h: HDF5 error checking and small attribute/dataset/group helpers
 * shared by the results writer (h5out.c), reader (h5in.c) and the
 * /comparison and /sweep groups (h5_comparison.c), the only files that
 * include hdf5.h. Private to host/.
 *
 * Every helper returns 0, or -1 after filling err (STP_EIO) with the failed
 * call and the HDF5 object it was making or reading (stp_h5_blame). */
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

/* HDF5's own innermost message for the call that just failed (the one a
 * user can act on: "incorrect metadata checksum after all read attempts"),
 * on one line, into buf; "" when HDF5 recorded none. Clears HDF5's error
 * stack. For a failure no STP_H5_CHECK can name better. */
void stp_h5_library_message(char *buf, size_t cap);

/* Puts printf-formatted text in front of err's message. */
void stp_h5_prefix_error(stp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Names the object being made or read ("/variants/base/outcomes/x", or
 * "/population/role attribute 'roles'") in front of err's message. */
void stp_h5_blame(stp_error *err, hid_t loc, const char *obj, const char *attr);

/* Closes any HDF5 id; -1 (never opened) is a no-op. */
void stp_h5_close(hid_t id);

// ----------------------------------------------------------------------------
// writing

/* A variable-length UTF-8 string type (h5py reads it as str, not bytes);
 * -1 on failure. The caller closes it. */
hid_t stp_h5_string_type(void);

/* A scalar attribute `name` on object `obj` of loc ("." for loc itself),
 * stored as ftype from memory of type mtype. */
int stp_h5_write_attr(hid_t loc, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                      const void *value, stp_error *err);
int stp_h5_attr_str(hid_t loc, const char *obj, const char *name, const char *s, stp_error *err);
int stp_h5_attr_f64(hid_t loc, const char *obj, const char *name, double x, stp_error *err);
int stp_h5_attr_i64(hid_t loc, const char *obj, const char *name, long long x, stp_error *err);
int stp_h5_attr_i32(hid_t loc, const char *obj, const char *name, int x, stp_error *err);

/* Creates dataset `name` of rank 0 (scalar), 1 or 2; *out is the open
 * dataset (the caller closes it) or -1. With `compress` it is chunked,
 * shuffled and deflated. */
int stp_h5_create_dataset(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                          int compress, hid_t *out, stp_error *err);

/* Creates and fills dataset `name` from data (mtype, [dims] in C order). */
int stp_h5_write_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                         const hsize_t *dims, const void *data, int compress, stp_error *err);

/* stp_h5_write_dataset of doubles (stored as IEEE f64) and of ints (i32),
 * uncompressed: the small tables of /search, scenario_law and the like. */
int stp_h5_write_f64(hid_t loc, const char *name, int rank, const hsize_t *dims, const double *x,
                     stp_error *err);
int stp_h5_write_i32(hid_t loc, const char *name, int rank, const hsize_t *dims, const int *x,
                     stp_error *err);

/* A 1-D dataset of n UTF-8 strings. */
int stp_h5_write_strings(hid_t loc, const char *name, const char *const *s, int n, stp_error *err);

/* Creates group `name`; *out is the open group (the caller closes it) or -1.
 * With track_order, readers can list its links in creation order. */
int stp_h5_make_group(hid_t loc, const char *name, int track_order, hid_t *out, stp_error *err);

// ----------------------------------------------------------------------------
// reading

/* *n = the points of `space`; an error unless lo <= *n <= hi and the space
 * has at most one dimension. */
int stp_h5_require_points(hid_t space, hssize_t lo, hssize_t hi, hssize_t *n, stp_error *err);

/* A scalar numeric attribute, converted by HDF5 to mtype. */
int stp_h5_read_attr(hid_t loc, const char *obj, const char *name, hid_t mtype, void *out,
                     stp_error *err);

/* *out = the memory type to read strings of file type ft into: variable
 * length when ft is (*vlen > 0), else cap bytes, NUL-terminated. The caller
 * closes it. An error when ft is no string type. */
int stp_h5_string_mem_type(hid_t ft, size_t cap, htri_t *vlen, hid_t *out, stp_error *err);

/* A scalar string attribute, fixed or variable length, truncated to cap - 1. */
int stp_h5_read_str_attr(hid_t loc, const char *obj, const char *name, char *buf, size_t cap,
                         stp_error *err);

/* A dataset of at most `max` values (rank 0 or 1) into out; *n gets the count. */
int stp_h5_read_ds(hid_t loc, const char *name, hid_t mtype, void *out, int max, int *n,
                   stp_error *err);

/* Puts a finished file in place: fsyncs `tmp`, renames it to `path` and
 * fsyncs the folder, so a crash leaves the old file or the whole new one,
 * never a torn one. -1 with STP_EIO naming both on failure (tmp is left
 * for the caller to remove). */
int stp_h5_commit_file(const char *tmp, const char *path, stp_error *err);

#endif
