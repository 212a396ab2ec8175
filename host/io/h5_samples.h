/* h5_samples.h: the samples/ group of the results file (docs/results.md):
 * the per-step series of the first k paths, a variant's (h5out.c) and,
 * with venues, each venue's (h5_venues.c). Private to io/. */
#ifndef STAMPEDE_H5_SAMPLES_H
#define STAMPEDE_H5_SAMPLES_H

#include "stampede/outcomes.h"

#include "h5util.h"

/* Group "samples" of g with venue `venue`'s rows of s (outcomes.h's
 * layout): price, pool_depth, sync, liquidations [k][n_steps] and dt_s;
 * empty when nothing is sampled or s holds no such venue. The variant's
 * own samples/ are venue 0's, where a one-venue file keeps its. Returns
 * 0, or -1 with err naming the HDF5 object. */
int stp_h5_write_samples(hid_t g, const stp_samples *s, int venue, stp_error *err);

#endif
