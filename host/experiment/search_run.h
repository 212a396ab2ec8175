/* search_run.h: experiment.kind search run as points (search.h for the
 * method). Private to host/experiment/. */
#ifndef STAMPEDE_EXPERIMENT_SEARCH_RUN_H
#define STAMPEDE_EXPERIMENT_SEARCH_RUN_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/run.h"

/* experiment.kind search: iterations 0..K-1 as points 0..K-1 of the
 * checkpoint, then the configured `random` law and the worst scenario
 * found, each on run.paths fresh paths, written as /variants/random and
 * /variants/worst with their paired /comparison, and /search. device:
 * the chosen backend's (stp_backend_choose). */
stp_status stp_search_run(const stp_config *cfg, const stp_run_opts *o, int use_gpu,
                          const char *device, stp_error *err);

#endif
