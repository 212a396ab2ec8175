/* h5_attribution.h: a variant's attribution/ group of the results file
 * (tail attribution and first movers, attribution.h), written by h5out.c
 * and read by h5in.c. Private to host/. */
#ifndef STAMPEDE_H5_ATTRIBUTION_H
#define STAMPEDE_H5_ATTRIBUTION_H

#include <hdf5.h>

#include "stampede/attribution.h"
#include "stampede/error.h"

/* Writes <vg>/attribution when a->computed (nothing otherwise): kinds and
 * groups (names), share, mean_size, mean_time_s [group][kind], paths and
 * weight [group]; first_movers/ families (names), population_share,
 * cascade_share, cascade_count, acted_share, acted_count, lift [family].
 * Returns 0, or -1 with err naming the HDF5 object (STP_EIO). */
int stp_h5_write_attribution(hid_t vg, const stp_attribution *a, stp_error *err);

/* Reads <vg>/attribution into *a (zeroed first); a file without it (written
 * before 0.3.0) leaves a->computed 0 and returns 0. Shapes other than the
 * writer's (groups other than STP_ATTR_GROUPS, more kinds or families than
 * this build holds, columns of unequal length) are an error (-1, STP_EIO,
 * naming the dataset). */
int stp_h5_read_attribution(hid_t vg, stp_attribution *a, stp_error *err);

#endif
