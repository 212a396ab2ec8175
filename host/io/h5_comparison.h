/* h5_comparison.h: the /comparison and /sweep groups of a results file
 * (DESIGN §6), written by h5out.c and read by h5in.c. Private to host/. */
#ifndef STAMPEDE_H5_COMPARISON_H
#define STAMPEDE_H5_COMPARISON_H

#include <hdf5.h>
#include <stddef.h>

#include "stampede/error.h"
#include "stampede/results.h"

/* Writes /comparison (one 1-D dataset per column over c's rows, baseline
 * first) and, when c->sweep_param is set, /sweep (the same rows as curves).
 * Returns 0, or -1 with err naming the HDF5 object (STP_EIO). */
int stp_h5_write_comparison(hid_t file, const stp_comparison *c, stp_error *err);

/* Reads them back into *c (zeroed first). A file without /comparison leaves
 * c->n = 0 and returns 0. c->rows is allocated here and stays the caller's
 * to free, even on failure; d_*.base and d_*.variant are not stored in the
 * file and read as NaN; without /sweep each row's series is its name and
 * its value NaN. ci_method gets the /comparison attribute, truncated to
 * cap - 1. A partial or inconsistent /comparison or /sweep is an error (-1,
 * STP_EIO, naming the object). */
int stp_h5_read_comparison(hid_t file, stp_comparison *c, char *ci_method, size_t cap,
                           stp_error *err);

#endif
