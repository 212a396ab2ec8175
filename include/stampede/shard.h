/* shard.h: a run split by hand into shards (DESIGN §9): `stampede run
 * --shard I/N` simulates the I-th of N contiguous ranges of every point's
 * batches and packs its checkpoint files into one shard file
 * (shardfile.h); `stampede merge` (merge.h) finishes the run from all N. */
#ifndef STAMPEDE_SHARD_H
#define STAMPEDE_SHARD_H

/* The batches [*lo, *hi) of n_batches that shard `shard` of `shards` runs:
 * contiguous, in order, as even as integers allow. */
void stp_shard_range(long long n_batches, int shard, int shards, long long *lo, long long *hi);

/* Parses "I/N" (0 <= I < N <= 4096). */
int stp_shard_parse(const char *text, int *shard, int *shards);

#endif
