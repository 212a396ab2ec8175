/* h5_plan.h: /variants/<name>/scenario_law, the law a point's scenario
 * rows were drawn from (scenario.h), so a file says what each mode did:
 *
 *   scenario_law  attrs mode ("random" | "blind_spot" | "importance" |
 *                 "qmc" | "search"), qmc_points, replicates
 *     kind [spec] (str); count_law [spec] (0 exact, 1 Poisson, 2 one event
 *     with probability rate); count, rate, size_mean, size_sd, size_lo,
 *     size_hi (size_sd < 0: uniform on [lo, hi]), size_cap, tilt, time_lo,
 *     time_hi, time_mean, time_sd, duration_lo, duration_hi, duration_mean,
 *     duration_sd (sd < 0: uniform) [spec];
 *     blind_spot: blind_probed, blind_firing, blind_lo, blind_center,
 *     blind_hi [spec], blind_family_median, blind_family_firing
 *     [spec][STP_MAX_FAMILIES] (the probe's firing sizes, blind_spot.h)
 *
 * Written by h5out.c, read by h5in.c (the mode and the probe). */
#ifndef STAMPEDE_H5_PLAN_H
#define STAMPEDE_H5_PLAN_H

#include <hdf5.h>

#include "stampede/error.h"
#include "stampede/h5out.h"
#include "stampede/scenario.h"

int stp_h5_write_plan(hid_t vg, const stp_scenario_plan *plan, stp_error *err);

/* The mode and the blind-spot probe into vs; a variant without the group
 * (files before 0.3.0) reads mode "" and no probe. */
int stp_h5_read_plan(hid_t vg, stp_variant_summary *vs, stp_error *err);

#endif
