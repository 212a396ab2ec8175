/* experiment.h: the points an experiment runs (DESIGN §5: single, compare,
 * sweep) and how they compare (§3.8). Every point is a single run of the
 * same paths and seed, so they share market noise and scenario rows and
 * pair up path by path (common random numbers). */
#ifndef STAMPEDE_EXPERIMENT_H
#define STAMPEDE_EXPERIMENT_H

#include "stampede/config.h"
#include "stampede/results.h"

#define STP_MAX_POINTS 256 /* variants, or sweep series x values, in one results file */

typedef struct stp_point_spec {
    char name[STP_NAME_MAX];   /* its group under /variants */
    char series[STP_NAME_MAX]; /* sweep: the base's name or a variant's; else = name */
    int variant;               /* experiment.variants[] whose overrides apply; -1: none */
    int has_value;             /* sweep: experiment.sweep.param = value */
    double value;
} stp_point_spec;

/* Fills pts[0, *n) baseline first: single, the base; compare, the base and
 * then each variant; sweep, for each series (the base, then each variant)
 * each value in order, named "SERIES@VALUE". STP_EUSAGE when there are more
 * than STP_MAX_POINTS or two names collide. */
stp_status stp_experiment_points(const stp_config *cfg, stp_point_spec *pts, int *n,
                                 stp_error *err);

/* The point's config and its overrides as JSON (stp_config_point; both
 * owned). For a single experiment the base itself is the point: *out is
 * NULL and the overrides are "{}". Under scenario.mode "importance" (of
 * the base or the point) a point that overrides anything under scenario.*
 * is STP_EUSAGE naming the key: its weights would differ from the
 * baseline's and the pairing would be undefined (*out, *overrides_json
 * NULL). */
stp_status stp_experiment_point_config(stp_config **out, char **overrides_json,
                                       const stp_config *cfg, const stp_point_spec *pt,
                                       stp_error *err);

/* Every point of a compare or sweep built and checked as the run does
 * before it simulates (stp_experiment_points, then each point's config and
 * its pairing under importance sampling), so `validate` refuses what `run`
 * would: more than STP_MAX_POINTS points, colliding or too long names, a
 * series x value pair that does not validate, an importance point that
 * overrides scenario.*. STP_OK for single and search experiments. On
 * failure err names the config file, the key and the fix. Called by config
 * loading on the loaded config (cfg->resolved_json set). */
stp_status stp_experiment_check(const stp_config *cfg, stp_error *err);

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
