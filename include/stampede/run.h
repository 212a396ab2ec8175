/* run.h: one `stampede run`: every point of the experiment (single,
 * compare, sweep; experiment.h) through population, scenario table,
 * batches on a backend and statistics, then the comparison and one results
 * file. */
#ifndef STAMPEDE_RUN_H
#define STAMPEDE_RUN_H

#include <signal.h>

#include "stampede/config.h"
#include "stampede/error.h"

/* done of total paths are finished (reused on resume or simulated); this
 * process simulated `simulated` of them in elapsed_s, so a rate is
 * simulated / elapsed_s: restored batches took no time. */
typedef void (*stp_progress_fn)(void *user, long long done, long long total, long long simulated,
                                double elapsed_s);

typedef struct stp_run_opts {
    const char *out_path;
    const char *backend; /* "auto" (NULL too): CUDA when a device is usable; "cuda"; "openmp" */
    int threads;         /* 0: OpenMP default */
    int force;           /* overwrite an existing output, discard an old checkpoint */
    int resume;          /* continue from the checkpoint of an interrupted run */
    /* checked between batches, like a signal (interrupt.h), which is also
     * checked inside set-up and batches; may be NULL */
    const volatile sig_atomic_t *interrupted;
    stp_progress_fn progress; /* may be NULL */
    void *progress_user;
    /* shards > 0: simulate only shard `shard` of `shards` (shard.h) and
     * write out_path as a shard file instead of a results file */
    int shard, shards;
    /* merge (merge.h): every batch is in the checkpoint already; nothing is
     * simulated and no device is needed. The shards' backend (for the
     * fingerprint), device, and summed wall time and agent-steps. NULL: a
     * normal run. */
    const char *merge_backend, *merge_device;
    double merge_wall_s, merge_agent_steps;
    int output_locked; /* merge: the caller holds the output's lock (outlock.h) */
} stp_run_opts;

/* What a run checks of cfg beyond the config's own rules before it writes
 * anything: the memory it needs on `threads` threads (footprint.h: STP_ENOMEM with the figures). `stampede
 * validate` calls it too, so that validate refuses what run refuses. */
stp_status stp_run_check(const stp_config *cfg, int threads, stp_error *err);

/* Runs cfg's experiment and writes the results file atomically: each
 * point under /variants, and for compare and sweep /comparison (and
 * /sweep). Finished batches of every point are checkpointed in
 * "<out>.ckpt/" (checkpoint.h) and the directory removed once the results
 * file is in place. The output is locked for the whole run (outlock.h).
 * STP_EUSAGE for configs this build cannot run, an output that is not a
 * regular file or is locked by another run, an existing output
 * without force or resume, or a checkpoint without resume or force (checked
 * before any simulation); STP_ENOMEM when the run cannot fit in memory;
 * STP_EINTR when interrupted (the
 * finished ones stay in the checkpoint; resume continues bit-identically).
 * STP_EDEVICE when the backend is "cuda" and no device is usable, or a CUDA
 * call fails (the message names it). */
stp_status stp_run(const stp_config *cfg, const stp_run_opts *opts, stp_error *err);

#endif
