/* bench.h: `stampede bench` (DESIGN §5, §7): simulation throughput of a
 * config on a backend, in agent-steps/s and paths/s, without the results
 * file (what a nightly record tracks). */
#ifndef STAMPEDE_BENCH_H
#define STAMPEDE_BENCH_H

#include "stampede/config.h"

typedef struct stp_bench_result {
    char name[STP_NAME_MAX]; /* experiment.name */
    char backend[16];        /* "cuda" | "openmp" */
    char device[256];
    long long paths, launch_paths; /* launch_paths: paths per GPU launch, else 0 */
    int agents, steps, threads;
    double sim_s; /* seconds in the batches (scenario rows and simulation), setup excluded */
    double agent_steps_per_s, paths_per_s;
} stp_bench_result;

/* Simulates `paths` paths of cfg (0: the default below) in batches of
 * cfg->run.batch on the backend `backend` chooses (backend.h) with
 * `threads` OpenMP threads (0: default) and fills r; the outcomes are
 * discarded. By default a GPU runs cfg->run.paths, the CPU about
 * STP_BENCH_CPU_AGENT_STEPS agent-steps (at least 16 paths), so a default
 * bench takes seconds there, not hours. */
#define STP_BENCH_CPU_AGENT_STEPS 2e9
stp_status stp_bench_config(const stp_config *cfg, const char *backend, int threads,
                            long long paths, stp_bench_result *r, stp_error *err);

#endif
