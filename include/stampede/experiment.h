/* experiment.h: how the points of an experiment compare (DESIGN §3.8).
 * The points themselves (DESIGN §5: single, compare, sweep; stp_point_spec,
 * stp_config_points) are the config's (config.h). Every point is a
 * single run of the same paths and seed, so they share market noise and
 * scenario rows and pair up path by path (common random numbers). */
#ifndef STAMPEDE_EXPERIMENT_H
#define STAMPEDE_EXPERIMENT_H

#include "stampede/config.h"
#include "stampede/results.h"

/* /comparison from the points' results: headline figures of each and its
 * paired differences against vars[0], reading the cascade, bad-debt and
 * weight columns through each variant's path source (6 columns held at
 * once). Under importance sampling the differences are weighted
 * (paired.h); a point whose weights differ from the baseline's is
 * STP_EUSAGE.
 * cmp->rows is allocated here: free it with stp_comparison_free. */
stp_status stp_comparison_compute(stp_comparison *cmp, const stp_config *cfg,
                                  const stp_point_spec *pts, const stp_variant_results *vars, int n,
                                  stp_error *err);
void stp_comparison_free(stp_comparison *cmp);

#endif
