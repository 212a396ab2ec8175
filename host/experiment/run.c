/* run.c: one `stampede run`: the checks before it writes a byte, its
 * output's lock, then every point of the experiment (experiment.h; each
 * simulated and summarised by point.c, a search's by search_run.c) and one
 * results file, or a shard file under --shard. */
#include "stampede/run.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "point.h"
#include "search_run.h"
#include "stampede/backend.h"
#include "stampede/checkpoint.h"
#include "stampede/footprint.h"
#include "stampede/interrupt.h"
#include "stampede/outlock.h"
#include "stampede/pilot.h"
#include "stampede/ranks.h"
#include "stampede/shardfile.h"
#include "stampede/venues.h"

static stp_status check_runnable(const stp_config *cfg, const stp_run_opts *o, stp_error *err)
{
    if (stp_ranks() > 1 && (o->shards > 0 || o->merge_backend))
        return stp_error_set(err, STP_EUSAGE,
                             "%s under mpirun: ranks split the run themselves; run %s in one "
                             "process",
                             o->shards > 0 ? "--shard" : "merge",
                             o->shards > 0 ? "shards" : "merge");
    if (cfg->experiment.kind == STP_EXP_SEARCH && o->shards > 0)
        return stp_error_set(err, STP_EUSAGE,
                             "--shard: a search's iterations each need every path; run it in "
                             "one process");
    /* the config's own rules (a search's scenario mode and shocks, the path
     * count, qmc nets) are stp_config_load's, which validate runs too */
    return STP_OK;
}

/* What an existing output or checkpoint allows, checked under the lock:
 * before it, a live run's files would look like an interrupted run's. */
static stp_status check_output(const stp_run_opts *o, stp_error *err)
{
    if (o->resume && !o->force && access(o->out_path, F_OK) == 0) {
        char ckpt[1100];
        if (stp_checkpoint_dir(ckpt, sizeof ckpt, o->out_path) || access(ckpt, F_OK) != 0)
            return stp_error_set(err, STP_EUSAGE,
                                 "--resume: '%s' is complete and there is no "
                                 "checkpoint to resume; pass --force to run again",
                                 o->out_path);
    }
    if (!o->force && !o->resume && access(o->out_path, F_OK) == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "output '%s' exists; pass --force to overwrite or "
                             "choose another -o",
                             o->out_path);
    return STP_OK;
}

stp_status stp_run_check(const stp_config *cfg, int threads, stp_error *err)
{
    return stp_footprint_check(cfg, threads, err);
}

/* Everything a run checks before it writes a byte: the config's rules for
 * this kind of run, the memory it needs, then the output: a path a run may
 * write, its lock (rank 0 owns the output under mpirun; a merge holds the
 * lock already), and what an existing output or checkpoint allows. */
static stp_status take_output(const stp_config *cfg, const stp_run_opts *o, stp_outlock *lock,
                              stp_error *err)
{
    stp_status st = check_runnable(cfg, o, err);
    if (st == STP_OK) st = stp_run_check(cfg, o->threads, err);
    if (st == STP_OK && stp_rank() == 0 && !o->output_locked) {
        st = stp_output_check(o->out_path, o->shards > 0 ? "--shard output" : "-o", err);
        if (st == STP_OK) st = stp_outlock_take(lock, o->out_path, err);
    }
    if ((st = stp_point_ranks_agree(st, err)) != STP_OK) return st;
    return check_output(o, err);
}

/* scenario.importance.pilot_paths > 0: the tilt the pilot chooses (pilot.h),
 * before any point runs, so that every point shares it (and its weights). */
static stp_status choose_tilt(const stp_config *cfg, stp_pilot *pilot, int use_gpu,
                              const stp_run_opts *o, stp_error *err)
{
    stp_population *pop = NULL;
    stp_status st;
    memset(pilot, 0, sizeof *pilot);
    if (cfg->scenario.mode != STP_SCENARIO_IMPORTANCE || cfg->scenario.importance_pilot_paths <= 0)
        return STP_OK;
    /* over venues the pilot draws the venues' populations itself */
    if (cfg->n_venues >= 2 || (st = stp_population_create(&pop, cfg, err)) == STP_OK)
        st = stp_importance_pilot(pilot, cfg, pop, use_gpu, o->threads, err);
    stp_population_destroy(pop);
    return st;
}

static stp_status run_locked(const stp_config *cfg, const stp_run_opts *o, stp_error *err)
{
    stp_point_spec *pts = NULL;
    stp_point_state *runs = NULL;
    stp_config *tuned = NULL; /* cfg with the pilot's tilt: a shallow copy */
    stp_pilot pilot;
    char device[256] = "";
    double t0, wall, agent_steps = 0.0;
    long long simulated_run = 0;
    stp_status st;
    int use_gpu, n = 0, i;
    stp_point_span sp;
    if (o->merge_backend) { /* nothing to simulate: no device needed */
        use_gpu = 0;
        snprintf(device, sizeof device, "%s", o->merge_device ? o->merge_device : "");
    } else if ((st = stp_backend_choose(o->backend, &use_gpu, device, sizeof device, err)) !=
               STP_OK) {
        return st;
    }
    if (cfg->experiment.kind == STP_EXP_SEARCH) return stp_search_run(cfg, o, use_gpu, device, err);
    t0 = stp_point_now_s();
    if ((st = choose_tilt(cfg, &pilot, use_gpu, o, err)) != STP_OK) return st;
    if (pilot.levels > 0) {
        if (STP_ALLOC(err, tuned, 1)) return err->status;
        *tuned = *cfg;
        tuned->scenario.importance_tilt = pilot.tilt;
        cfg = tuned;
    }
    if (STP_ALLOC(err, pts, STP_MAX_POINTS)) goto fail;
    if ((st = stp_config_points(cfg, pts, &n, err)) != STP_OK ||
        (st = STP_ALLOC(err, runs, n) ? err->status : STP_OK) != STP_OK)
        goto done;
    for (i = 0; i < n; i++) { /* every point's config, checked before any simulation */
        if ((st = stp_config_point_of(&runs[i].own, &runs[i].overrides_json, cfg, &pts[i], err)) !=
            STP_OK)
            goto done;
        /* a point's copy is parsed from the resolved config, which has the
         * configured tilt, not the pilot's */
        if (runs[i].own) runs[i].own->scenario.importance_tilt = cfg->scenario.importance_tilt;
        runs[i].cfg = runs[i].own ? runs[i].own : cfg;
    }
    sp.total = (long long)n * stp_point_own_paths(cfg, o);
    sp.t0 = t0;
    sp.simulated = &simulated_run;
    for (i = 0; i < n; i++) {
        sp.done0 = (long long)i * stp_point_own_paths(cfg, o);
        st = stp_point_run(&runs[i], i, o, use_gpu, sp, &agent_steps, err);
        stp_point_free_batch(&runs[i]);
        if (i > 0) { /* only the first point's population is written */
            stp_population_destroy(runs[i].pop);
            runs[i].pop = NULL;
        }
        if (st != STP_OK) goto done;
    }
    wall = stp_point_now_s() - t0;
    if (o->shards > 0) { /* a shard: its batches, packed for the merge */
        stp_shard_info si;
        si.shard = o->shard;
        si.shards = o->shards;
        si.backend = stp_point_backend_name(o, use_gpu);
        si.device = device;
        si.wall_s = wall;
        si.agent_steps = agent_steps;
        if ((st = stp_shard_pack(o->out_path, runs[0].ck.dir, cfg, &si, err)) == STP_OK)
            stp_checkpoint_remove(&runs[0].ck);
    } else if (stp_rank() != 0) {
        /* rank 0 writes the file from every rank's batches */
    } else if ((st = stp_points_write(runs, n, cfg, pts, NULL, pilot.levels > 0 ? &pilot : NULL, o,
                                      use_gpu, device, wall, agent_steps, err)) == STP_OK) {
        stp_checkpoint_remove(&runs[0].ck);
    }
done:
    for (i = 0; runs && i < n; i++)
        stp_point_free(&runs[i]);
    free(runs);
    free(pts);
    free(tuned);
    return st;
fail:
    free(tuned);
    return err->status;
}

/* A failed run's checkpoint that holds no batch (only manifests: it
 * failed or was stopped before its first batch finished) keeps nothing
 * worth resuming, and left behind it would block the next run as an
 * "interrupted run": removed. */
static void drop_empty_checkpoint(const stp_run_opts *o)
{
    char dir[1100];
    DIR *d;
    struct dirent *e;
    int batches = 0;
    if (o->merge_backend || stp_rank() != 0 || stp_checkpoint_dir(dir, sizeof dir, o->out_path) ||
        (d = opendir(dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL)
        batches += strstr(e->d_name, "batch-") != NULL;
    closedir(d);
    if (batches == 0) stp_checkpoint_remove_dir(dir);
}

/* An interrupted run's one line ends with what is left: the finished
 * batches and how to continue, or nothing; a merge's shards are its batches. */
static void say_what_is_kept(const stp_run_opts *o, stp_error *err)
{
    char why[STP_ERROR_MAX], dir[1100];
    memcpy(why, err->msg, sizeof why);
    if (o->merge_backend)
        stp_error_set(err, STP_EINTR, "merge %s; nothing was written and the shards are untouched",
                      why);
    else if (!stp_checkpoint_dir(dir, sizeof dir, o->out_path) && access(dir, F_OK) == 0)
        stp_error_set(err, STP_EINTR,
                      "%s; the finished batches are kept in '%s': rerun with "
                      "--resume (under mpirun, any rank count)",
                      why, dir);
    else
        stp_error_set(err, STP_EINTR, "%s; nothing was written", why);
}

stp_status stp_run(const stp_config *cfg, const stp_run_opts *o, stp_error *err)
{
    stp_outlock lock;
    stp_status st;
    lock.fd = -1;
    if ((st = take_output(cfg, o, &lock, err)) == STP_OK) {
        st = run_locked(cfg, o, err);
        if (st != STP_OK) drop_empty_checkpoint(o); /* under the lock: it is this run's */
    }
    if (st == STP_EINTR) say_what_is_kept(o, err);
    stp_outlock_release(&lock); /* after the rename and the checkpoint's removal */
    return st;
}
