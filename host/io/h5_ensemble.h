/* h5_ensemble.h: a variant's ensemble/ group of the results file (the
 * populations of run.populations > 1, ensemble.h), written by h5out.c and
 * read by h5in.c. Private to host/. */
#ifndef STAMPEDE_H5_ENSEMBLE_H
#define STAMPEDE_H5_ENSEMBLE_H

#include <hdf5.h>

#include "stampede/ensemble.h"
#include "stampede/error.h"

/* Writes <vg>/ensemble: attributes (populations, paths_per_population,
 * ci_method, the spread, the shares, the allocation), each population's
 * P(cascade) with its interval and screen counts [population], and its
 * stats/<metric>/ figures [population] or [population][level]; and
 * <vg>/outcomes/population, the population of every path. Returns 0, or
 * -1 with err naming the HDF5 object (STP_EIO). */
int stp_h5_write_ensemble(hid_t vg, const stp_ensemble *e, stp_error *err);

/* Reads <vg>/ensemble's attributes and per-population P(cascade) and
 * screen counts into *e (stats of the populations are left zero); a
 * variant without one leaves e->k 0 and returns 0. */
int stp_h5_read_ensemble(hid_t vg, stp_ensemble *e, stp_error *err);

#endif
