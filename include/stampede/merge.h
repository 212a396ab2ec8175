/* merge.h: `stampede merge OUT.h5 SHARD.h5...` (DESIGN §9) checks the
 * shard files (shardfile.h) belong to one run, lays their files out as
 * OUT.h5's checkpoint, and finishes the run from it (run.h), so OUT.h5
 * holds what a one-process run writes: every outcome, scenario row and
 * statistic the same, bit for bit. */
#ifndef STAMPEDE_MERGE_H
#define STAMPEDE_MERGE_H

#include "stampede/error.h"

/* The shards in any order, all N of one run, into out_path. STP_EUSAGE,
 * naming the shard and the fix, when they are not (another config, seed,
 * engine version, backend or fingerprint; a shard missing or given twice;
 * out_path or its checkpoint existing without force); STP_EIO for a file
 * that is not a readable shard. Nothing is left behind on failure. */
stp_status stp_merge(const char *out_path, const char *const *shards, int n, int threads, int force,
                     stp_error *err);

#endif
