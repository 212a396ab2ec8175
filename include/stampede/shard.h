/* shard.h: a run split by hand into shards (DESIGN §9): `stampede run
 * --shard I/N` simulates the I-th of N contiguous ranges of every point's
 * batches and packs its checkpoint files into one shard file; `stampede
 * merge OUT.h5 SHARD.h5...` checks the shards belong to one run, lays
 * their files out as OUT.h5's checkpoint, and finishes the run from it
 * (run.h), so OUT.h5 holds what a one-process run writes: every outcome,
 * scenario row and statistic the same, bit for bit.
 *
 * A shard file is HDF5: root attrs format = "stampede-shard",
 * format_version, engine_version, backend, device, config_json (resolved),
 * config_path, seed, shard, shards, wall_s, agent_steps; files/<name>: the
 * bytes of each checkpoint file (manifests and batches, each with its own
 * checksum, checkpoint.h). */
#ifndef STAMPEDE_SHARD_H
#define STAMPEDE_SHARD_H

#include "stampede/config.h"
#include "stampede/error.h"

#define STP_SHARD_FORMAT         "stampede-shard"
#define STP_SHARD_FORMAT_VERSION 1

/* The batches [*lo, *hi) of n_batches that shard `shard` of `shards` runs:
 * contiguous, in order, as even as integers allow. */
void stp_shard_range(long long n_batches, int shard, int shards, long long *lo, long long *hi);

/* Parses "I/N" (0 <= I < N <= 4096). */
int stp_shard_parse(const char *text, int *shard, int *shards);

typedef struct stp_shard_info {
    int shard, shards;
    const char *backend, *device;
    double wall_s, agent_steps;
} stp_shard_info;

/* Writes the files of checkpoint directory ckpt_dir into the shard file
 * out_path (via a temporary name, renamed on success). */
stp_status stp_shard_pack(const char *out_path, const char *ckpt_dir, const stp_config *cfg,
                          const stp_shard_info *info, stp_error *err);

/* stampede merge: the shards in any order, all N of one run, into out_path.
 * STP_EUSAGE, naming the shard and the fix, when they are not (another
 * config, seed, engine version, backend or fingerprint; a shard missing or
 * given twice; out_path or its checkpoint existing without force);
 * STP_EIO for a file that is not a readable shard. Nothing is left behind
 * on failure. */
stp_status stp_merge(const char *out_path, const char *const *shards, int n, int threads, int force,
                     stp_error *err);

#endif
