/* h5_search.h: the /search group of a results file (DESIGN §6), written
 * by h5out.c and read by h5in.c. Private to host/.
 *
 *   /search  attrs objective, iterations, paths_per_iter, elite_fraction,
 *            smoothing, rerun_seed
 *     kind [spec] (str)
 *     objective, gamma, elite_mean [iter]: the objective on each
 *       iteration's paths, the elite's lowest and mean score
 *     p, size_mean, size_sd, time_mean, time_sd, duration_mean,
 *       duration_sd [iter + 1][spec]: the law each iteration drew from,
 *       then (last row) the law the elite of the last one refitted
 *     worst_active, worst_size, worst_time_s, worst_duration_s [spec]:
 *       the worst scenario, re-run on fresh paths as /variants/worst
 *       beside /variants/random (see /comparison)
 *
 *   /importance_pilot  attrs tilt (chosen), paths (per level), seed,
 *                      levels, reached (1: the last level's event was the
 *                      cascade itself)
 *     tilt, gamma, events [level]: each level's tilt, event threshold
 *       score and event size (pilot.h) */
#ifndef STAMPEDE_H5_SEARCH_H
#define STAMPEDE_H5_SEARCH_H

#include <hdf5.h>

#include "stampede/error.h"
#include "stampede/results.h"

int stp_h5_write_search(hid_t file, const stp_search *s, stp_error *err);

/* Reads /search into *s (arrays allocated here: stp_search_free). A
 * file without /search leaves s->n_iter = 0 and returns 0; -1 with err
 * (STP_EIO) on a partial one. */
int stp_h5_read_search(hid_t file, stp_search *s, stp_error *err);

int stp_h5_write_pilot(hid_t file, const stp_pilot *p, stp_error *err);

/* Reads /importance_pilot into *p; a file without it leaves p->levels = 0. */
int stp_h5_read_pilot(hid_t file, stp_pilot *p, stp_error *err);

#endif
