/* bench.h: `stampede bench` (DESIGN §5, §7): simulation throughput of a
 * config on a backend, in agent-steps/s and paths/s, without the results
 * file, and the tail statistics of the paths it simulated (what a nightly
 * record tracks: a speed-up that changes the answer shows up beside it). */
#ifndef STAMPEDE_BENCH_H
#define STAMPEDE_BENCH_H

#include "stampede/config.h"
#include "stampede/stats.h"

/* The ES level of the bench record's tail statistics. */
#define STP_BENCH_ES_LEVEL 0.99

/* Blocks per SM a launch needs to fill the device: the lockstep kernel
 * keeps 2 blocks resident per SM on sm_90 (bench/NOTES.md: 128 registers,
 * 39 KB of shared memory), so 8 is four waves and the last, ragged wave
 * costs at most about a fifth of the launch. 132 SMs: 1,056 blocks,
 * 8,448 paths a launch. */
#define STP_BENCH_FILL_BLOCKS_PER_SM 8

typedef struct stp_bench_result {
    char name[STP_NAME_MAX]; /* experiment.name */
    char backend[16];        /* "cuda" | "openmp" */
    char device[256];
    char cpu[256]; /* the host's CPU model, and its online cores */
    int cores;
    long long paths, launch_paths; /* launch_paths: paths per GPU launch, else 0 */
    /* a GPU launch's blocks (STP_BLOCK_PATHS paths each) and the device's
     * SMs; fills_device is 0 when the blocks are under
     * STP_BENCH_FILL_BLOCKS_PER_SM per SM: then the figure measures the
     * launch and its tail, not the kernel; fill_paths is the smallest
     * launch that fills it. The CPU: fills_device 1, the rest 0. */
    long long launch_blocks, fill_paths;
    int device_sms, fills_device;
    int agents, steps, threads;
    double sim_s; /* seconds in the batches (scenario rows and simulation), setup excluded */
    double agent_steps_per_s, paths_per_s;
    /* over the same paths, the same figures `stampede run` of cfg with
     * run.paths = paths would write (the paths are a function of the seed
     * and the path index, not of the batch or backend): */
    stp_cascade_stats cascade;
    stp_metric_stats bad_debt;  /* bad_debt_usd; ES at STP_BENCH_ES_LEVEL */
    double mean_max_drawdown;   /* weighted under importance sampling */
} stp_bench_result;

/* Simulates `paths` paths of cfg (0: the default below) in batches of
 * cfg->run.batch on the backend `backend` chooses (backend.h) with
 * `threads` OpenMP threads (0: default) and fills r; of the outcomes it
 * keeps the cascade flags, bad debt, drawdown and weight (4 doubles a path,
 * 32 MB at 1M paths) for the tail statistics, computed after the timing. By default a GPU runs cfg->run.paths, the CPU about
 * STP_BENCH_CPU_AGENT_STEPS agent-steps (at least 16 paths), so a default
 * bench takes seconds there, not hours. */
#define STP_BENCH_CPU_AGENT_STEPS 2e9
stp_status stp_bench_config(const stp_config *cfg, const char *backend, int threads,
                            long long paths, stp_bench_result *r, stp_error *err);

#endif
