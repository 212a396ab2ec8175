/* scenario.h: the per-path table of scheduled adversarial shocks
 * (DESIGN §3.6, mode `random`). Each path's shocks are a pure function of
 * (seed, path), stream STP_STREAM_SCENARIO, so any batch, thread or shard
 * layout draws the same table. */
#ifndef STAMPEDE_SCENARIO_H
#define STAMPEDE_SCENARIO_H

#include "stampede/config.h"
#include "stampede/results.h"

/* Slots a spec occupies in the table: its count, or for a Poisson-counted
 * spec rate + 10 sqrt(rate) + 10 (P(more events) < 1e-12). */
int stp_shock_slots(const stp_shock_spec *s);

/* Largest |size| the sampler can draw for a spec: |mean| + 6 sd. Sizes are
 * clamped to it, which bounds the oracle history (params.c). */
double stp_shock_size_cap(const stp_shock_spec *s);

/* Allocates the table for paths [base, base + n_paths) and fills every row. */
stp_status stp_scenario_table_create(stp_scenario_table **out, const stp_config *cfg,
                                     long long base, long long n_paths, stp_error *err);

/* stp_path_source.scenario_rows over an in-memory table (user: the table). */
void stp_scenario_table_rows(const void *user, long long path0, long long n, unsigned char *active,
                             float *time_s, float *duration_s, float *size);

/* stp_path_source.scenario_rows drawing the rows afresh (user: the
 * stp_config): a path's shocks are a pure function of (seed, path). */
void stp_scenario_sampled_rows(const void *user, long long path0, long long n,
                               unsigned char *active, float *time_s, float *duration_s,
                               float *size);
void stp_scenario_table_destroy(stp_scenario_table *t);

/* Fills the row of `path` (slots [0, t->n_slots)); base <= path < base + n_paths. */
void stp_scenario_sample_path(stp_scenario_table *t, const stp_config *cfg, long long path);

#endif
