/* merge.c: `stampede merge`, shards of one run into its results file
 * (merge.h). */
#include "stampede/merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stampede/checkpoint.h"
#include "stampede/interrupt.h"
#include "stampede/outlock.h"
#include "stampede/ranks.h"
#include "stampede/run.h"
#include "stampede/shardfile.h"

/* Whether b belongs to the run of a; else err names what differs. */
static stp_status same_run(const stp_shard_head *a, const stp_shard_head *b, stp_error *err)
{
    if (strcmp(a->engine, b->engine))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' was run by engine %s, '%s' by %s; rerun the shards "
                             "with one engine",
                             b->path, b->engine, a->path, a->engine);
    if (a->seed != b->seed)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' has seed %llu, '%s' seed %llu; merge shards of one run",
                             b->path, b->seed, a->path, a->seed);
    if (strcmp(a->config, b->config))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' was run with another config than '%s' (the resolved "
                             "configs differ); merge shards of one run",
                             b->path, a->path);
    if (strcmp(a->backend, b->backend))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' ran on the %s backend, '%s' on %s; merge shards of one "
                             "backend",
                             b->path, b->backend, a->path, a->backend);
    if (a->shards != b->shards)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' is shard %d/%d, '%s' one of %d; merge shards of one "
                             "split",
                             b->path, b->shard, b->shards, a->path, a->shards);
    return STP_OK;
}

/* 1 when path names the same file as one of the inputs: the merge would
 * replace a shard it reads. */
static int is_an_input(const char *out_path, const char *const *paths, int n, int *which)
{
    struct stat o, p;
    const int out_exists = stat(out_path, &o) == 0;
    int i;
    for (i = 0; i < n; i++)
        if (!strcmp(out_path, paths[i]) || (out_exists && stat(paths[i], &p) == 0 &&
                                            p.st_dev == o.st_dev && p.st_ino == o.st_ino)) {
            *which = i;
            return 1;
        }
    return 0;
}

/* What merge refuses before it reads a shard: a run under mpirun (one
 * process owns the output), an output it may not write, one of its own
 * inputs, an existing output or checkpoint without --force. */
static stp_status merge_preflight(const char *out_path, const char *const *paths, int n,
                                  char dir[1100], stp_error *err)
{
    int which;
    stp_status st;
    if (n < 1) return stp_error_set(err, STP_EUSAGE, "merge: no shards given; pass SHARD.h5...");
    if (stp_ranks() > 1)
        return stp_error_set(err, STP_EUSAGE,
                             "merge under mpirun: ranks split a run themselves; run merge in one "
                             "process");
    if ((st = stp_output_check(out_path, "merge: OUT.h5", err)) != STP_OK) return st;
    if (is_an_input(out_path, paths, n, &which))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: the output '%s' is also shard '%s'; name a new file for the "
                             "merged results",
                             out_path, paths[which]);
    if (stp_checkpoint_dir(dir, 1100, out_path))
        return stp_error_set(err, STP_EUSAGE, "merge: output path too long; use a shorter one");
    return STP_OK;
}

/* Under the output's lock: an existing output or checkpoint is no live
 * run's, so --force may replace it (the output only by the final rename). */
static stp_status merge_existing(const char *out_path, const char *dir, int force, stp_error *err)
{
    if (!force && access(out_path, F_OK) == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: output '%s' exists; pass --force to replace it or choose "
                             "another",
                             out_path);
    if (!force && access(dir, F_OK) == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' is left by an interrupted run or merge; pass --force "
                             "to discard it",
                             dir);
    if (force) stp_checkpoint_remove_dir(dir);
    return STP_OK;
}

/* Reads and checks every shard's head: sealed, one run, each shard once,
 * none missing; their simulation's wall time and agent-steps summed. */
static stp_status read_shards(stp_shard_head *s, const char *const *paths, int n, double *wall,
                              double *steps, stp_error *err)
{
    int *seen = NULL, i;
    stp_status st = STP_OK;
    for (i = 0; i < n && st == STP_OK; i++) {
        s[i].path = paths[i];
        if ((st = stp_interrupt_check(err, "the shards' check")) != STP_OK) break;
        st = stp_shard_head_read(&s[i], paths[i], err);
        if (st == STP_OK && i > 0) st = same_run(&s[0], &s[i], err);
    }
    if (st != STP_OK) return st;
    if (STP_ALLOC(err, seen, s[0].shards)) return err->status;
    for (i = 0; i < n && st == STP_OK; i++) {
        if (seen[s[i].shard])
            st = stp_error_set(err, STP_EUSAGE,
                               "merge: shard %d/%d is given twice ('%s' and '%s'); pass each once",
                               s[i].shard, s[i].shards, paths[seen[s[i].shard] - 1], paths[i]);
        seen[s[i].shard] = i + 1;
        *wall += s[i].wall_s;
        *steps += s[i].agent_steps;
    }
    for (i = 0; i < s[0].shards && st == STP_OK; i++)
        if (!seen[i])
            st = stp_error_set(err, STP_EUSAGE,
                               "merge: shard %d/%d is missing; pass all %d shards of the run", i,
                               s[0].shards, s[0].shards);
    free(seen);
    return st;
}

/* The shards' batches into the merge's checkpoint dir, then the run that
 * reads them back (nothing simulated) and writes out_path, which holds the
 * output's lock already. */
static stp_status merge_run(const char *out_path, const char *dir, const stp_shard_head *s, int n,
                            int threads, double wall, double steps, stp_error *err)
{
    stp_config *cfg = NULL;
    stp_status st = STP_OK;
    int i;
    for (i = 0; i < n && st == STP_OK; i++) {
        if ((st = stp_interrupt_check(err, "the shards' unpacking")) != STP_OK) break;
        st = stp_shard_unpack(dir, &s[i], err);
    }
    if (st == STP_OK)
        st = stp_config_parse(&cfg, s[0].config, s[0].config_path[0] ? s[0].config_path : NULL,
                              NULL, 0, err);
    if (st == STP_OK) {
        stp_run_opts o;
        memset(&o, 0, sizeof o);
        o.out_path = out_path;
        o.threads = threads;
        o.resume = 1;
        o.output_locked = 1;
        o.merge_backend = s[0].backend;
        o.merge_device = s[0].device;
        o.merge_wall_s = wall;
        o.merge_agent_steps = steps;
        st = stp_run(cfg, &o, err);
    }
    stp_config_destroy(cfg);
    return st;
}

stp_status stp_merge(const char *out_path, const char *const *paths, int n, int threads, int force,
                     stp_error *err)
{
    stp_shard_head *s = NULL;
    stp_outlock lock;
    char dir[1100];
    stp_status st;
    double wall = 0.0, steps = 0.0;
    int i, made_dir = 0;
    lock.fd = -1;
    if ((st = merge_preflight(out_path, paths, n, dir, err)) != STP_OK ||
        (st = stp_outlock_take(&lock, out_path, err)) != STP_OK)
        return st;
    if ((st = merge_existing(out_path, dir, force, err)) != STP_OK) goto done;
    if (STP_ALLOC(err, s, n)) {
        st = err->status;
        goto done;
    }
    if ((st = read_shards(s, paths, n, &wall, &steps, err)) != STP_OK) goto done;
    if (mkdir(dir, 0755) != 0) {
        st = stp_error_set(err, STP_EIO, "merge: cannot create '%s': %s", dir, strerror(errno));
        goto done;
    }
    made_dir = 1;
    st = merge_run(out_path, dir, s, n, threads, wall, steps, err);
    if (st == STP_EINTR && strncmp(err->msg, "merge", 5) != 0) {
        char why[STP_ERROR_MAX];
        memcpy(why, err->msg, sizeof why);
        stp_error_set(err, STP_EINTR, "merge %s; nothing was written and the shards are untouched",
                      why);
    }
done:
    /* the merge's checkpoint is rebuilt from the shards by any rerun: never kept */
    if (st != STP_OK && made_dir) stp_checkpoint_remove_dir(dir);
    for (i = 0; s && i < n; i++)
        stp_shard_head_free(&s[i]);
    free(s);
    stp_outlock_release(&lock);
    return st;
}
