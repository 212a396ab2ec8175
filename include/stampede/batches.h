/* batches.h: how a run's paths are cut into batches, the unit of work of
 * checkpoints, shards and ranks. Population k of K (run.populations,
 * DESIGN §3.4) owns paths [k P/K, (k + 1) P/K); each population's share is
 * cut into batches of at most run.batch paths, so no batch mixes two
 * populations, and K = 1 is the single layout of before (batch i covers
 * paths [i batch, ...)). */
#ifndef STAMPEDE_BATCHES_H
#define STAMPEDE_BATCHES_H

typedef struct stp_batching {
    long long paths; /* P, a multiple of populations */
    long long batch; /* at most this many paths a batch */
    int populations; /* K >= 1 */
} stp_batching;

/* Paths of one population. */
static inline long long stp_population_paths(stp_batching b)
{
    return b.paths / b.populations;
}

/* Batches of one population. */
static inline long long stp_population_batches(stp_batching b)
{
    const long long per = stp_population_paths(b);
    return (per + b.batch - 1) / b.batch;
}

static inline long long stp_batch_count(stp_batching b)
{
    return stp_population_batches(b) * b.populations;
}

/* Batch `index`: its first path, its path count and its population. */
static inline void stp_batch_span(stp_batching b, long long index, long long *path0, long long *n,
                                  int *population)
{
    const long long per = stp_population_paths(b), nb = stp_population_batches(b);
    const long long k = index / nb, j = index % nb;
    *path0 = k * per + j * b.batch;
    *n = per - j * b.batch < b.batch ? per - j * b.batch : b.batch;
    *population = (int)k;
}

/* The population of a path. */
static inline int stp_path_population(stp_batching b, long long path)
{
    return (int)(path / stp_population_paths(b));
}

#endif
