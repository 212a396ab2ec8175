/* h5_venues.h: a multi-venue variant's extra objects in the results file
 * (DESIGN §10, docs/results.md "Venues"): the system's contagion columns
 * and their statistics, the contagion probabilities, and one group per
 * venue with its outcomes, statistics, P(cascade) and sample series.
 * Private to io/. */
#ifndef STAMPEDE_H5_VENUES_H
#define STAMPEDE_H5_VENUES_H

#include "stampede/h5out.h"
#include "stampede/results.h"

#include "h5util.h"

/* Writes them into variant group vg (v->n_venues >= 2, after the rest of
 * the variant, so a single-venue file is what it always was). */
int stp_h5_write_venues(hid_t vg, const stp_variant_results *v, stp_error *err);

/* Reads them back into vs; a variant without /venues leaves n_venues 0. */
int stp_h5_read_venues(hid_t vg, stp_variant_summary *vs, stp_error *err);

#endif
