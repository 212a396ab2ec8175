/* shard.c: which batches `stampede run --shard I/N` simulates (shard.h). */
#include "stampede/shard.h"

#include <errno.h>
#include <stdlib.h>

void stp_shard_range(long long n_batches, int shard, int shards, long long *lo, long long *hi)
{
    *lo = n_batches * shard / shards;
    *hi = n_batches * (shard + 1) / shards;
}

int stp_shard_parse(const char *text, int *shard, int *shards)
{
    char *end;
    long i, n;
    errno = 0;
    i = strtol(text, &end, 10);
    if (errno || end == text || *end != '/') return -1;
    n = strtol(end + 1, &end, 10);
    if (errno || *end || n < 1 || n > 4096 || i < 0 || i >= n) return -1;
    *shard = (int)i;
    *shards = (int)n;
    return 0;
}
