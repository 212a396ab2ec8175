/* run.c: one `stampede run`: every point of the experiment (experiment.h)
 * simulated batch by batch into the checkpoint, summarised, compared, and
 * written as one results file. */
#include "stampede/run.h"

#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stampede/backend.h"
#include "stampede/batches.h"
#include "stampede/checkpoint.h"
#include "stampede/cuda.h"
#include "stampede/engine.h"
#include "stampede/ensemble.h"
#include "stampede/experiment.h"
#include "stampede/footprint.h"
#include "stampede/h5out.h"
#include "stampede/interrupt.h"
#include "stampede/outlock.h"
#include "stampede/pilot.h"
#include "stampede/ranks.h"
#include "stampede/scenario.h"
#include "stampede/search.h"
#include "stampede/shard.h"
#include "stampede/shardfile.h"
#include "stampede/stats.h"

#ifndef STP_VERSION
#define STP_VERSION "0.0.0"
#endif

/* One point of the experiment. Memory is bounded by the batch: the
 * outcomes and scenario rows of one batch while it simulates, then one
 * outcome column (8 bytes a path) at a time when the statistics and the
 * results file read the finished batches back. What the results writer
 * reads (stats, samples, the checkpoint, the config) lives until the end. */
typedef struct run_state {
    stp_config *own; /* the point's config; NULL: the base itself */
    const stp_config *cfg;
    char *overrides_json; /* owned */
    stp_population *pop;  /* population 0: the plan's, the fingerprint's, the file's */
    stp_population *cur;  /* population k > 0 of an ensemble being simulated; NULL */
    int gpu_pop;          /* the population the GPU engine holds; -1: none */
    /* an ensemble (run.populations > 1; K = 1 leaves these empty) */
    stp_ensemble ens;
    signed char *family;  /* [k][agent]: every population's families (first movers) */
    unsigned char *drawn; /* [k]: population k drawn (family and screen counts noted) */
    double pop_s, sim_s;  /* seconds drawing populations; simulating */
    long long pop_draws, sim_paths;
    stp_scenario_plan *plan;  /* the law of its scenario rows */
    stp_scenario_table *scen; /* rows of the batch in flight */
    stp_outcomes out;         /* rows of the batch in flight */
    stp_samples samples;
    stp_variant_results var;
    stp_checkpoint ck;
    stp_cuda_engine *gpu; /* NULL: the OpenMP backend */
} run_state;

/* What the batches need only while the point simulates. */
static void run_state_free_batch(run_state *r)
{
    int m;
    stp_cuda_engine_destroy(r->gpu);
    stp_population_destroy(r->cur);
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(r->out.v[m]);
    r->gpu = NULL;
    r->gpu_pop = -1;
    r->cur = NULL;
    memset(&r->out, 0, sizeof r->out);
}

static void run_state_free(run_state *r)
{
    int m;
    run_state_free_batch(r);
    stp_scenario_table_destroy(r->scen);
    stp_scenario_plan_destroy(r->plan);
    stp_population_destroy(r->pop);
    stp_ensemble_free(&r->ens);
    free(r->family);
    free(r->drawn);
    for (m = 0; m < STP_N_OUTCOMES; m++)
        stp_histogram_free(&r->var.hist[m]);
    free(r->samples.price);
    free(r->samples.pool_depth);
    free(r->samples.sync);
    free(r->samples.liquidations);
    free(r->var.worst);
    free(r->overrides_json);
    stp_config_destroy(r->own);
}

static double now_s(void)
{
    return omp_get_wtime();
}

static stp_status alloc_outputs(run_state *r, const stp_config *cfg, int n_steps, stp_error *err)
{
    const long long n = cfg->run.paths;
    const long long b = n < cfg->run.batch ? n : cfg->run.batch;
    const int k = cfg->output.sample_paths < n ? cfg->output.sample_paths : (int)n;
    const size_t cells = (size_t)k * (size_t)n_steps;
    int m;
    r->out.n = b;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        if (STP_ALLOC(err, r->out.v[m], b)) return err->status;
    r->samples.k = k;
    r->samples.n_steps = n_steps;
    r->samples.dt_s = (float)cfg->time.dt_s;
    if (STP_ALLOC(err, r->samples.price, cells) || STP_ALLOC(err, r->samples.pool_depth, cells) ||
        STP_ALLOC(err, r->samples.sync, cells) || STP_ALLOC(err, r->samples.liquidations, cells))
        return err->status;
    return STP_OK;
}

/* The batches of a point (batches.h): fixed by the config, so a resumed
 * run reuses exactly the batches it finished. */
static stp_batching layout_of(const stp_config *cfg)
{
    const stp_batching b = {cfg->run.paths, cfg->run.batch, cfg->run.populations};
    return b;
}

/* The batches [*lo, *hi) of a point this process runs: all of them, its
 * shard's (--shard) or, under mpirun, its rank's (ranks.h). Batches of one
 * population are contiguous, so a shard draws few populations. */
static void own_batches(const stp_config *cfg, const stp_run_opts *o, long long *lo, long long *hi)
{
    const long long n_batches = stp_batch_count(layout_of(cfg));
    if (o->shards > 0)
        stp_shard_range(n_batches, o->shard, o->shards, lo, hi);
    else
        stp_shard_range(n_batches, stp_rank(), stp_ranks(), lo, hi);
}

/* Progress over the whole experiment: this point's paths start at done0
 * of total, the run started at t0. */
typedef struct span {
    long long done0, total;
    double t0;
    long long *simulated; /* the run's paths this process simulated so far */
} span;

/* A stop asked for by the caller's flag or by a signal (interrupt.h). */
static int stop_requested(const stp_run_opts *o)
{
    return (o->interrupted && *o->interrupted) || stp_interrupt_pending();
}

/* The config keys that feed each group of outcomes: what to look at when a
 * path's float arithmetic overflowed (validation bounds every key, so this
 * takes values at the edge of several ranges at once). */
static const char *feeding_keys(int metric)
{
    switch (metric) {
    case STP_OUT_BAD_DEBT_USD:
    case STP_OUT_LIQUIDATED_USD:
        return "protocols[*] (liquidation threshold, bonus), population.collateral_usd.total, "
               "population.hf0.*, pool.depth_usd, market.price0_usd";
    default:
        return "market.price0_usd, market.vol.*, market.jumps.*, pool.depth_usd, pool.fee, "
               "population.collateral_usd.total, scenario.shocks[*] sizes";
    }
}

/* Every outcome of the batch just simulated is a number: a path that
 * overflowed is refused here, at its batch, naming what feeds it, instead
 * of by the statistics after the whole simulation. */
static stp_status check_finite(const stp_outcomes *out, long long path0, long long n,
                               stp_error *err)
{
    long long i;
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        for (i = 0; i < n; i++)
            if (!isfinite(out->v[m][path0 - out->base + i]))
                return stp_error_set(err, STP_EUSAGE,
                                     "outcome %s of path %lld is not finite: the model's "
                                     "arithmetic overflowed; bring the keys that feed it toward "
                                     "realistic values: %s",
                                     stp_outcome_names[m], path0 + i, feeding_keys(m));
    return STP_OK;
}

/* What an ensemble keeps of population p once drawn: its families (the
 * first movers' attribution) and its calm-market screen. */
static void note_population(run_state *r, const stp_population *p)
{
    const size_t na = (size_t)p->n_agents;
    size_t a;
    if (!r->family || r->drawn[p->index]) return;
    for (a = 0; a < na; a++)
        r->family[(size_t)p->index * na + a] = (signed char)p->family[a];
    r->ens.pop[p->index].redraws = p->equilibrium_redraws;
    r->ens.pop[p->index].fallbacks = p->equilibrium_fallbacks;
    r->drawn[p->index] = 1;
}

/* Population k of the point, timed (the allocation advice's cost of a
 * population, ensemble.h). */
static stp_status draw_population(run_state *r, int k, stp_population **out, stp_error *err)
{
    const double t0 = now_s();
    const stp_status st = stp_population_create_nth(out, r->cfg, k, err);
    if (st != STP_OK) return st;
    r->pop_s += now_s() - t0;
    r->pop_draws++;
    note_population(r, *out);
    return STP_OK;
}

/* Population k into ctx, and onto the GPU: drawn unless it is population
 * 0 (held for the whole point) or the one drawn last. */
static stp_status use_population(run_state *r, stp_sim_ctx *ctx, int k, int use_gpu,
                                 long long batch, stp_error *err)
{
    stp_status st;
    if (k > 0 && !(r->cur && r->cur->index == k)) {
        stp_population_destroy(r->cur);
        r->cur = NULL;
        if ((st = draw_population(r, k, &r->cur, err)) != STP_OK) return st;
    }
    ctx->pop = k == 0 ? r->pop : r->cur;
    if (use_gpu && r->gpu_pop != k) {
        stp_cuda_engine_destroy(r->gpu);
        r->gpu = NULL;
        r->gpu_pop = -1;
        if ((st = stp_cuda_engine_create(&r->gpu, ctx, batch, err)) != STP_OK) return st;
        r->gpu_pop = k;
    }
    return STP_OK;
}

/* Runs every batch of this process not already in the checkpoint, saving
 * each as it finishes. */
static stp_status simulate(run_state *r, stp_sim_ctx *ctx, int use_gpu, const stp_run_opts *o,
                           span sp, long long *simulated, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    const stp_batching lay = layout_of(cfg);
    const long long batch = cfg->run.paths < cfg->run.batch ? cfg->run.paths : cfg->run.batch;
    long long done = 0, index, lo, hi;
    own_batches(cfg, o, &lo, &hi);
    for (index = lo; index < hi; index++) {
        long long path0, b;
        int k;
        stp_batch_span(lay, index, &path0, &b, &k);
        ctx->out->base = path0;
        ctx->out->n = b;
        if (!stp_checkpoint_load(&r->ck, (int)index, path0, b, ctx->out, ctx->samples)) {
            stp_status st;
            double t0;
            if (o->merge_backend)
                return stp_error_set(err, STP_EIO,
                                     "merge: batch %lld (paths %lld-%lld) is in no shard or its "
                                     "checksum failed; rerun that shard",
                                     index, path0, path0 + b - 1);
            if ((st = use_population(r, ctx, k, use_gpu, batch, err)) != STP_OK) return st;
            t0 = now_s();
            st = stp_backend_run_batch(ctx, r->scen, r->gpu, path0, b, o->threads, err);
            r->sim_s += now_s() - t0;
            r->sim_paths += b;
            *simulated += b;
            *sp.simulated += b;
            if (st == STP_OK) st = check_finite(ctx->out, path0, b, err);
            if (st == STP_EINTR)
                return stp_error_set(err, STP_EINTR, "interrupted after %lld of %lld paths",
                                     sp.done0 + done, sp.total);
            if (st == STP_OK)
                st = stp_checkpoint_save(&r->ck, (int)index, path0, b, ctx->out, ctx->samples, err);
            if (st != STP_OK) return st;
        }
        done += b;
        if (o->progress)
            o->progress(o->progress_user, sp.done0 + done, sp.total, *sp.simulated,
                        now_s() - sp.t0);
        if (sp.done0 + done < sp.total && stop_requested(o))
            return stp_error_set(err, STP_EINTR, "interrupted after %lld of %lld paths",
                                 sp.done0 + done, sp.total);
    }
    return STP_OK;
}

/* Worst paths by bad debt, ties by path index (deterministic). */
typedef struct ranked {
    double key;
    long long path;
} ranked;

static int by_key_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? 1 : -1;
    return (x->path > y->path) - (x->path < y->path);
}

_Static_assert(STP_OUT_AGENTS_ACTED < STP_OUT_PEAK_SYNC, "summarise reads agents_acted first");

/* peak_sync over the paths where some agent acted (DESIGN §3.9): the
 * all-path figure mixes in calm paths where nobody moved. Under importance
 * sampling (w not NULL) the kept paths keep their likelihood ratios, else
 * the acted-only figure would estimate the tilted law's. Compacts sync in
 * place and the kept weights into acted (read at i before written at
 * k <= i). */
static stp_status summarise_acted(run_state *r, const stp_config *cfg, double *sync, double *acted,
                                  const double *w, stp_error *err)
{
    long long i, k = 0;
    for (i = 0; i < cfg->run.paths; i++)
        if (acted[i] > 0.0) {
            sync[k] = sync[i];
            acted[k++] = w ? w[i] : 1.0;
        }
    if (k == 0) return STP_OK;
    return stp_stats_compute(&r->var.peak_sync_acted, sync, w ? acted : NULL, (size_t)k,
                             cfg->output.quantiles, cfg->output.n_quantiles, cfg->output.es_levels,
                             cfg->output.n_es_levels, "peak_sync_acted", err);
}

/* The worst output.worst_paths paths by bad debt. */
static stp_status rank_worst(run_state *r, const double *bad_debt, long long n, int n_worst,
                             stp_error *err)
{
    ranked *idx = NULL;
    long long i;
    r->var.n_worst = n_worst < n ? n_worst : (int)n;
    if (STP_ALLOC(err, idx, n) ||
        STP_ALLOC(err, r->var.worst, r->var.n_worst ? r->var.n_worst : 1)) {
        free(idx);
        return err->status;
    }
    for (i = 0; i < n; i++) {
        idx[i].key = bad_debt[i];
        idx[i].path = i;
    }
    qsort(idx, (size_t)n, sizeof *idx, by_key_desc);
    for (i = 0; i < r->var.n_worst; i++)
        r->var.worst[i] = idx[i].path;
    free(idx);
    return STP_OK;
}

/* The paths' likelihood ratios into w, and whether any differs from 1
 * (only importance sampling draws them; with all 1 every statistic is the
 * unweighted one, bit for bit). */
static stp_status read_weights(const stp_checkpoint *ck, long long n, double *w, int *weighted,
                               stp_error *err)
{
    long long i;
    stp_status st = stp_checkpoint_column(ck, STP_OUT_WEIGHT, w, err);
    *weighted = 0;
    for (i = 0; st == STP_OK && i < n; i++)
        *weighted |= w[i] != 1.0;
    return st;
}

/* Each population's own statistics of outcome m (col: every path's), over
 * its contiguous share of the paths (batches.h). */
static stp_status population_stats(run_state *r, int m, const double *col, const double *w,
                                   stp_error *err)
{
    const stp_config *cfg = r->cfg;
    const long long n = r->ens.paths;
    int k;
    for (k = 0; k < r->ens.k; k++) {
        const size_t off = (size_t)k * (size_t)n;
        stp_population_stats *ps = &r->ens.pop[k];
        const stp_status st =
            stp_stats_compute(&ps->stats[m], col + off, w ? w + off : NULL, (size_t)n,
                              cfg->output.quantiles, cfg->output.n_quantiles, cfg->output.es_levels,
                              cfg->output.n_es_levels, stp_outcome_names[m], err);
        if (st != STP_OK) return st;
        if (m == STP_OUT_CASCADE)
            ps->cascade = stp_cascade_estimate(col + off, w ? w + off : NULL, (size_t)n, 0);
    }
    return STP_OK;
}

/* Statistics of every outcome, one column at a time from the finished
 * batches; weighted by the likelihood ratios under importance sampling,
 * and P(cascade) then the unbiased weighted estimate with its normal
 * interval (stp_weighted_probability) instead of Wilson's; under qmc the
 * means and P(cascade) with intervals from the replicates' spread. */
static stp_status summarise(run_state *r, const stp_config *cfg, const stp_checkpoint *ck,
                            stp_error *err)
{
    const long long n = cfg->run.paths;
    const int reps = stp_scenario_replicates(r->plan);
    double *col = NULL, *aux = NULL, *w = NULL;
    stp_status st = STP_OK;
    int m, weighted = 0;
    if (STP_ALLOC(err, col, n) || STP_ALLOC(err, aux, n) || STP_ALLOC(err, w, n)) goto done;
    if ((st = read_weights(ck, n, w, &weighted, err)) != STP_OK) goto done;
    for (m = 0; m < STP_N_OUTCOMES && st == STP_OK; m++) {
        if ((st = stp_interrupt_check(err, "the statistics")) != STP_OK ||
            (st = stp_checkpoint_column(ck, m, col, err)) != STP_OK ||
            (st = stp_stats_compute(&r->var.stats[m], col, weighted ? w : NULL, (size_t)n,
                                    cfg->output.quantiles, cfg->output.n_quantiles,
                                    cfg->output.es_levels, cfg->output.n_es_levels,
                                    stp_outcome_names[m], err)) != STP_OK ||
            (st = stp_histogram_compute(&r->var.hist[m], col, weighted ? w : NULL, (size_t)n,
                                        cfg->output.histogram_bins, err)) != STP_OK)
            break;
        if (reps > 0) { /* qmc: the replicates' spread is the error (stats.h) */
            const stp_replicate_mean rm = stp_replicate_estimate(col, (size_t)n, reps);
            r->var.stats[m].mean_ci_lo = rm.ci_lo;
            r->var.stats[m].mean_ci_hi = rm.ci_hi;
        }
        if (m == STP_OUT_CASCADE) {
            r->var.cascade = stp_cascade_estimate(col, weighted ? w : NULL, (size_t)n, reps);
            /* every weighted run says whether its weights can be trusted */
            if (weighted) st = stp_weights_diagnose(&r->var.cascade.diag, w, (size_t)n, err);
        }
        if (st == STP_OK && r->ens.k > 0)
            st = population_stats(r, m, col, weighted ? w : NULL, err);
        if (st != STP_OK) break;
        if (m == STP_OUT_BAD_DEBT_USD) st = rank_worst(r, col, n, cfg->output.worst_paths, err);
        /* agents_acted comes before peak_sync: keep it for the acted-only figure */
        if (m == STP_OUT_AGENTS_ACTED) memcpy(aux, col, sizeof(double) * (size_t)n);
        if (m == STP_OUT_PEAK_SYNC && st == STP_OK)
            st = summarise_acted(r, cfg, col, aux, weighted ? w : NULL, err);
    }
    if (st == STP_OK && r->ens.k > 0) {
        r->ens.pop_s = r->pop_draws > 0 ? r->pop_s / (double)r->pop_draws : 0.0;
        r->ens.path_s = r->sim_paths > 0 ? r->sim_s / (double)r->sim_paths : 0.0;
        st = stp_ensemble_combine(&r->ens, r->var.stats, &r->var.cascade, cfg->run.seed, err);
        r->var.ensemble = &r->ens;
    }
done:
    free(col);
    free(aux);
    free(w);
    return col && aux && w ? st : err->status;
}

/* What a checkpoint must match to be resumed: the resolved config, the
 * seed and paths (a search's points change them), the law the rows are
 * drawn from (a search iteration's), the loaded model weights (a retrained
 * model file changes results under the same config), the engine version
 * and the backend (the backends are bit-identical by construction since
 * 0.2.0, fmath.h, but until a device has confirmed it their batches do not
 * mix in one file). */
static unsigned long long run_fingerprint(const stp_config *cfg, const stp_population *pop,
                                          const stp_scenario_plan *plan, const char *backend)
{
    unsigned long long h =
        stp_fnv1a(STP_FNV_OFFSET, cfg->resolved_json, strlen(cfg->resolved_json));
    int f;
    h = stp_fnv1a(h, &cfg->run.seed, sizeof cfg->run.seed);
    h = stp_fnv1a(h, &cfg->run.paths, sizeof cfg->run.paths);
    h = stp_fnv1a(h, plan->law, sizeof plan->law[0] * (size_t)plan->n_specs);
    for (f = 0; f < pop->n_families; f++)
        h = stp_fnv1a(h, pop->models[f].params, sizeof(float) * (size_t)pop->models[f].n_params);
    h = stp_fnv1a(h, backend, strlen(backend));
    return stp_fnv1a(h, STP_VERSION, strlen(STP_VERSION));
}

static stp_status ranks_agree(stp_status st, stp_error *err);

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
    if ((st = ranks_agree(st, err)) != STP_OK) return st;
    return check_output(o, err);
}

/* The writer's view of a finished point. */
static void point_results(run_state *r)
{
    const stp_config *cfg = r->cfg;
    snprintf(r->var.name, sizeof r->var.name, "%s", cfg->experiment.name);
    r->var.overrides_json = r->overrides_json;
    r->var.paths_done = cfg->run.paths;
    r->var.source.n_paths = cfg->run.paths;
    r->var.source.n_slots = r->scen->n_slots;
    r->var.source.slot_spec = r->scen->slot_spec;
    r->var.source.slot_kind = r->scen->slot_kind;
    r->var.source.outcome_column = stp_checkpoint_column;
    r->var.source.outcome_user = &r->ck;
    r->var.source.scenario_rows = stp_scenario_sampled_rows;
    r->var.source.scenario_user = r->plan;
    r->var.plan = r->plan;
    r->var.samples = &r->samples;
}

/* The backend a run's checkpoint is keyed to: a merge's is its shards'. */
static const char *backend_name(const stp_run_opts *o, int use_gpu)
{
    return o->merge_backend ? o->merge_backend : use_gpu ? "cuda" : "openmp";
}

/* Paths of a point that this process simulates: all, its shard's or its
 * rank's. */
static long long own_paths(const stp_config *cfg, const stp_run_opts *o)
{
    const stp_batching lay = layout_of(cfg);
    long long lo, hi, i, sum = 0;
    own_batches(cfg, o, &lo, &hi);
    for (i = lo; i < hi; i++) {
        long long path0, n;
        int k;
        stp_batch_span(lay, i, &path0, &n, &k);
        sum += n;
    }
    return sum;
}

/* Under mpirun every rank learns whether any failed: the first status
 * (the largest code) goes to all, so they stop together; a rank that did
 * not fail itself says so (ranks.h). One process: st unchanged. */
static stp_status ranks_agree(stp_status st, stp_error *err)
{
    const int any = stp_ranks_max((int)st);
    if (st != STP_OK || any == STP_OK) return st;
    if (any == STP_EINTR) return stp_error_set(err, STP_EINTR, "interrupted on another rank");
    return stp_error_set(err, (stp_status)any, "another rank failed (its own line says why)");
}

/* Point index's checkpoint. Under mpirun rank 0 opens it first (it may
 * create, clear or check the directory); the others then join it as a
 * resume of the same run, so no two ranks write a manifest at once. */
static stp_status open_checkpoint(run_state *r, int index, const stp_run_opts *o, int use_gpu,
                                  int n_steps, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    const unsigned long long fp = run_fingerprint(cfg, r->pop, r->plan, backend_name(o, use_gpu));
    const int rank = stp_rank();
    stp_status st = STP_OK;
    if (rank == 0)
        st = stp_checkpoint_open(&r->ck, o->out_path, index, fp, cfg->run.paths, cfg->run.batch,
                                 cfg->run.populations, n_steps, r->samples.k, o->resume, o->force,
                                 err);
    if (stp_ranks() == 1 || (st = ranks_agree(st, err)) != STP_OK) return st;
    if (rank != 0)
        st = stp_checkpoint_open(&r->ck, o->out_path, index, fp, cfg->run.paths, cfg->run.batch,
                                 cfg->run.populations, n_steps, r->samples.k, 1, 0, err);
    return ranks_agree(st, err);
}

/* An ensemble's bookkeeping (K > 1): each population's figures, families
 * and screen counts. */
static stp_status ensemble_init(run_state *r, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    const int k = cfg->run.populations;
    if (k <= 1 || r->ens.k > 0) return STP_OK;
    if (stp_ensemble_init(&r->ens, k, cfg->run.paths / k, err) != STP_OK ||
        STP_ALLOC(err, r->family,
                  (size_t)k * (size_t)(cfg->population.agents ? cfg->population.agents : 1)) ||
        STP_ALLOC(err, r->drawn, k))
        return err->status;
    return STP_OK;
}

/* The summary needs every population's families and screen counts: those
 * whose batches all came from the checkpoint (a resume, a merge) or from
 * other ranks are drawn here. */
static stp_status draw_the_rest(run_state *r, stp_error *err)
{
    int k;
    for (k = 1; k < r->ens.k; k++) {
        stp_population *p = NULL;
        stp_status st;
        if (r->drawn[k]) continue;
        if ((st = draw_population(r, k, &p, err)) != STP_OK) return st;
        stp_population_destroy(p);
    }
    return STP_OK;
}

/* Simulates and summarises point `index`; *agent_steps grows by what this
 * process simulated (batches reused on resume took no time). */
static stp_status run_point(run_state *r, int index, const stp_run_opts *o, int use_gpu, span sp,
                            double *agent_steps, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    stp_sim_ctx ctx;
    long long simulated = 0, batch;
    stp_status st;
    batch = cfg->run.paths < cfg->run.batch ? cfg->run.paths : cfg->run.batch;
    memset(&ctx, 0, sizeof ctx);
    r->gpu_pop = -1;
    ctx.prm = stp_params_derive(cfg);
    if ((st = ensemble_init(r, err)) != STP_OK ||
        (!r->pop && (st = draw_population(r, 0, &r->pop, err)) != STP_OK) ||
        (!r->plan && (st = stp_scenario_plan_create(&r->plan, cfg, r->pop, err)) != STP_OK) ||
        (st = stp_scenario_table_from_plan(&r->scen, r->plan, 0, batch, err)) != STP_OK ||
        (st = alloc_outputs(r, cfg, ctx.prm.n_steps, err)) != STP_OK)
        return st;
    ctx.cfg = cfg;
    ctx.pop = r->pop;
    ctx.scen = r->scen;
    ctx.out = &r->out;
    ctx.samples = &r->samples;
    if ((st = open_checkpoint(r, index, o, use_gpu, ctx.prm.n_steps, err)) != STP_OK) return st;
    st = simulate(r, &ctx, use_gpu, o, sp, &simulated, err);
    if ((st = ranks_agree(st, err)) != STP_OK) return st;
    *agent_steps += (double)simulated * ctx.prm.n_steps * r->pop->n_agents;
    if (o->shards > 0) return STP_OK;   /* a shard's batches are summarised by the merge */
    if (stp_rank() != 0) return STP_OK; /* under mpirun rank 0 summarises and writes */
    if ((st = draw_the_rest(r, err)) != STP_OK) return st;
    /* the writer needs the slot layout only, not a batch of rows */
    stp_scenario_table_destroy(r->scen);
    r->scen = NULL;
    if ((st = stp_scenario_table_from_plan(&r->scen, r->plan, 0, 1, err)) != STP_OK) return st;
    if ((st = summarise(r, cfg, &r->ck, err)) != STP_OK) return st;
    point_results(r);
    /* after point_results: it reads the paths through the writer's source */
    return stp_attribution_compute_ensemble(&r->var.attribution, &r->var.source, r->pop, r->family,
                                            r->ens.paths, err);
}

static stp_status write_results(run_state *runs, int n, const stp_config *cfg,
                                const stp_point_spec *pts, const stp_search *search,
                                const stp_pilot *pilot, const stp_run_opts *o, int use_gpu,
                                const char *device, double wall, double agent_steps, stp_error *err)
{
    stp_variant_results *vars = NULL;
    stp_comparison cmp;
    stp_results res;
    stp_status st;
    int i;
    memset(&cmp, 0, sizeof cmp);
    if (STP_ALLOC(err, vars, n)) return err->status;
    for (i = 0; i < n; i++)
        vars[i] = runs[i].var;
    if (cfg->experiment.kind != STP_EXP_SINGLE &&
        (st = stp_comparison_compute(&cmp, cfg, pts, vars, n, err)) != STP_OK) {
        free(vars);
        return st;
    }
    memset(&res, 0, sizeof res);
    res.cfg = cfg;
    res.pop = runs[0].pop;
    res.engine_version = STP_VERSION;
    res.backend = backend_name(o, use_gpu);
    res.device = device;
    res.seed = cfg->run.seed;
    res.paths = cfg->run.paths;
    if (o->merge_backend) { /* the shards' simulation, summed */
        wall = o->merge_wall_s;
        agent_steps = o->merge_agent_steps;
    }
    res.wall_s = wall;
    res.agent_steps_per_s = agent_steps / (wall > 0.0 ? wall : 1e-9);
    res.n_variants = n;
    res.variants = vars;
    res.comparison = cfg->experiment.kind != STP_EXP_SINGLE ? &cmp : NULL;
    res.search = search;
    res.pilot = pilot;
    res.verify = o->merge_backend != NULL; /* a merge replaces its output only with a sound file */
    st = stp_h5_write_results(o->out_path, &res, o->force || o->resume, err);
    if (st == STP_EIO && o->merge_backend) { /* merge: its shards are the batches */
        char why[STP_ERROR_MAX];
        memcpy(why, err->msg, sizeof why);
        stp_error_set(err, STP_EIO, "%s; the shards are untouched: fix that and merge again", why);
    } else if (st == STP_EIO) { /* nothing simulated is lost: say where it is */
        char why[STP_ERROR_MAX];
        memcpy(why, err->msg, sizeof why);
        stp_error_set(err, STP_EIO,
                      "%s; every batch is kept in '%s.ckpt': fix that and rerun "
                      "with --resume",
                      why, o->out_path);
    }
    stp_comparison_free(&cmp);
    free(vars);
    return st;
}

/* A point of a search: a copy of cfg named `name` with its own paths and
 * seed, drawing from `plan` (owned by the point from here) on the search's
 * population `pop` (borrowed: every point faces the same agents). */
static stp_status search_point(run_state *r, const stp_config *cfg, const char *name,
                               long long paths, unsigned long long seed, stp_scenario_plan *plan,
                               stp_population *pop, stp_error *err)
{
    stp_status st;
    char ovr[256];
    memset(r, 0, sizeof *r);
    r->plan = plan;
    r->pop = pop;
    if ((st = stp_config_point(&r->own, &r->overrides_json, cfg, -1, NULL, name, err)) != STP_OK)
        return st;
    r->own->run.paths = paths;
    r->own->run.seed = seed;
    r->cfg = r->own;
    snprintf(ovr, sizeof ovr, "{\"run.paths\": %lld, \"run.seed\": %llu}", paths, seed);
    free(r->overrides_json);
    r->overrides_json = strdup(ovr);
    if (!r->overrides_json)
        return stp_error_set(err, STP_ENOMEM, "%s:%d: out of memory", __FILE__, __LINE__);
    r->plan->cfg = r->own; /* its seed is the point's */
    return STP_OK;
}

/* The scores and rows of a finished search iteration, and its update
 * (cfg: the search's own, since a point's copy has no experiment section). */
static stp_status search_step(stp_search *s, const stp_config *cfg, run_state *r, stp_error *err)
{
    const long long n = r->cfg->run.paths;
    const size_t cells = (size_t)n * (size_t)s->n_specs;
    double *bad = NULL, *dd = NULL, *liq = NULL, objective;
    unsigned char *active = NULL;
    float *cell = NULL;
    long long i;
    stp_status st = STP_OK;
    if (STP_ALLOC(err, bad, n) || STP_ALLOC(err, dd, n) || STP_ALLOC(err, liq, n) ||
        STP_ALLOC(err, active, cells) || STP_ALLOC(err, cell, 3 * cells)) {
        st = err->status;
        goto done;
    }
    if ((st = stp_checkpoint_column(&r->ck, STP_OUT_BAD_DEBT_USD, bad, err)) != STP_OK ||
        (st = stp_checkpoint_column(&r->ck, STP_OUT_MAX_DRAWDOWN, dd, err)) != STP_OK ||
        (st = stp_checkpoint_column(&r->ck, STP_OUT_LIQUIDATED_USD, liq, err)) != STP_OK)
        goto done;
    for (i = 0; i < n; i++)
        bad[i] = stp_search_score(cfg, bad[i], dd[i], liq[i]);
    stp_scenario_sampled_rows(r->plan, 0, n, active, cell + 2 * cells, cell + cells, cell);
    objective = cfg->experiment.search_objective == STP_OBJECTIVE_P_CASCADE
                    ? r->var.cascade.p
                    : (cfg->output.n_es_levels > 0 ? r->var.stats[STP_OUT_BAD_DEBT_USD].es[0]
                                                   : r->var.stats[STP_OUT_BAD_DEBT_USD].mean);
    st = stp_search_update(s, cfg, objective, bad, active, cell, cell + 2 * cells, cell + cells, n,
                           err);
done:
    free(bad);
    free(dd);
    free(liq);
    free(active);
    free(cell);
    return st;
}

/* The seed of the search's re-run: fresh market noise and scenario draws,
 * a function of the configured seed. */
static unsigned long long rerun_seed(unsigned long long seed)
{
    return seed + 0x9e3779b97f4a7c15ull;
}

/* experiment.kind search (search.h): iterations 0..K-1 as points 0..K-1 of
 * the checkpoint, each drawing paths_per_iter paths from the law the
 * earlier ones fitted (so a resumed search refits exactly what it had),
 * then the configured `random` law and the worst scenario found, each on
 * run.paths fresh paths (rerun_seed), written as /variants/random and
 * /variants/worst with their paired /comparison, and /search. */
static stp_status run_search(const stp_config *cfg, const stp_run_opts *o, int use_gpu,
                             const char *device, stp_error *err)
{
    const int iters = cfg->experiment.search_iterations;
    const long long ppi = cfg->experiment.search_paths_per_iter;
    const unsigned long long seed2 = rerun_seed(cfg->run.seed);
    stp_population *pop = NULL;
    stp_search s;
    run_state it, runs[2];
    stp_point_spec pts[2];
    stp_scenario_plan *plan = NULL;
    double t0 = now_s(), agent_steps = 0.0;
    long long simulated_run = 0;
    stp_status st;
    span sp;
    int k;
    memset(&it, 0, sizeof it);
    memset(runs, 0, sizeof runs);
    memset(pts, 0, sizeof pts);
    if ((st = stp_search_init(&s, cfg, err)) != STP_OK) return st;
    if ((st = stp_population_create(&pop, cfg, err)) != STP_OK) goto done;
    sp.total = (long long)iters * ppi + 2 * cfg->run.paths;
    sp.t0 = t0;
    sp.simulated = &simulated_run;
    for (k = 0; k < iters; k++) {
        char name[STP_NAME_MAX];
        snprintf(name, sizeof name, "search_%03d", k);
        sp.done0 = (long long)k * ppi;
        if ((st = stp_search_plan(&plan, cfg, s.law, err)) != STP_OK ||
            (st = search_point(&it, cfg, name, ppi, cfg->run.seed, plan, pop, err)) != STP_OK)
            goto done;
        plan = NULL;
        if ((st = run_point(&it, k, o, use_gpu, sp, &agent_steps, err)) != STP_OK ||
            (st = search_step(&s, cfg, &it, err)) != STP_OK)
            goto done;
        it.pop = NULL; /* the search's */
        run_state_free(&it);
        memset(&it, 0, sizeof it);
    }
    stp_search_worst(&s, s.worst);
    for (k = 0; k < s.n_specs; k++)
        s.kind[k] = (int)cfg->scenario.shocks[k].kind;
    s.objective_kind = cfg->experiment.search_objective;
    s.paths_per_iter = ppi;
    s.elite_fraction = cfg->experiment.search_elite_fraction;
    s.rerun_seed = seed2;
    for (k = 0; k < 2; k++) {
        const char *name = k == 0 ? "random" : "worst";
        snprintf(pts[k].name, sizeof pts[k].name, "%s", name);
        snprintf(pts[k].series, sizeof pts[k].series, "%s", name);
        pts[k].variant = -1;
        sp.done0 = (long long)iters * ppi + k * cfg->run.paths;
        st = k == 0 ? stp_scenario_plan_create(&plan, cfg, pop, err)
                    : stp_search_plan(&plan, cfg, s.worst, err);
        if (st != STP_OK || (st = search_point(&runs[k], cfg, name, cfg->run.paths, seed2, plan,
                                               pop, err)) != STP_OK)
            goto done;
        plan = NULL;
        if ((st = run_point(&runs[k], iters + k, o, use_gpu, sp, &agent_steps, err)) != STP_OK)
            goto done;
        run_state_free_batch(&runs[k]);
    }
    if (stp_rank() == 0 && (st = write_results(runs, 2, cfg, pts, &s, NULL, o, use_gpu, device,
                                               now_s() - t0, agent_steps, err)) == STP_OK)
        stp_checkpoint_remove(&runs[0].ck);
done:
    stp_scenario_plan_destroy(plan);
    it.pop = NULL;
    run_state_free(&it);
    for (k = 0; k < 2; k++) {
        runs[k].pop = NULL;
        run_state_free(&runs[k]);
    }
    stp_population_destroy(pop);
    stp_search_free(&s);
    return st;
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
    if ((st = stp_population_create(&pop, cfg, err)) == STP_OK)
        st = stp_importance_pilot(pilot, cfg, pop, use_gpu, o->threads, err);
    stp_population_destroy(pop);
    return st;
}

static stp_status run_locked(const stp_config *cfg, const stp_run_opts *o, stp_error *err)
{
    stp_point_spec *pts = NULL;
    run_state *runs = NULL;
    stp_config *tuned = NULL; /* cfg with the pilot's tilt: a shallow copy */
    stp_pilot pilot;
    char device[256] = "";
    double t0, wall, agent_steps = 0.0;
    long long simulated_run = 0;
    stp_status st;
    int use_gpu, n = 0, i;
    span sp;
    if (o->merge_backend) { /* nothing to simulate: no device needed */
        use_gpu = 0;
        snprintf(device, sizeof device, "%s", o->merge_device ? o->merge_device : "");
    } else if ((st = stp_backend_choose(o->backend, &use_gpu, device, sizeof device, err)) !=
               STP_OK) {
        return st;
    }
    if (cfg->experiment.kind == STP_EXP_SEARCH) return run_search(cfg, o, use_gpu, device, err);
    t0 = now_s();
    if ((st = choose_tilt(cfg, &pilot, use_gpu, o, err)) != STP_OK) return st;
    if (pilot.levels > 0) {
        if (STP_ALLOC(err, tuned, 1)) return err->status;
        *tuned = *cfg;
        tuned->scenario.importance_tilt = pilot.tilt;
        cfg = tuned;
    }
    if (STP_ALLOC(err, pts, STP_MAX_POINTS)) goto fail;
    if ((st = stp_experiment_points(cfg, pts, &n, err)) != STP_OK ||
        (st = STP_ALLOC(err, runs, n) ? err->status : STP_OK) != STP_OK)
        goto done;
    for (i = 0; i < n; i++) { /* every point's config, checked before any simulation */
        if ((st = stp_experiment_point_config(&runs[i].own, &runs[i].overrides_json, cfg, &pts[i],
                                              err)) != STP_OK)
            goto done;
        /* a point's copy is parsed from the resolved config, which has the
         * configured tilt, not the pilot's */
        if (runs[i].own) runs[i].own->scenario.importance_tilt = cfg->scenario.importance_tilt;
        runs[i].cfg = runs[i].own ? runs[i].own : cfg;
    }
    sp.total = (long long)n * own_paths(cfg, o);
    sp.t0 = t0;
    sp.simulated = &simulated_run;
    for (i = 0; i < n; i++) {
        sp.done0 = (long long)i * own_paths(cfg, o);
        st = run_point(&runs[i], i, o, use_gpu, sp, &agent_steps, err);
        run_state_free_batch(&runs[i]);
        if (i > 0) { /* only the first point's population is written */
            stp_population_destroy(runs[i].pop);
            runs[i].pop = NULL;
        }
        if (st != STP_OK) goto done;
    }
    wall = now_s() - t0;
    if (o->shards > 0) { /* a shard: its batches, packed for the merge */
        stp_shard_info si;
        si.shard = o->shard;
        si.shards = o->shards;
        si.backend = backend_name(o, use_gpu);
        si.device = device;
        si.wall_s = wall;
        si.agent_steps = agent_steps;
        if ((st = stp_shard_pack(o->out_path, runs[0].ck.dir, cfg, &si, err)) == STP_OK)
            stp_checkpoint_remove(&runs[0].ck);
    } else if (stp_rank() != 0) {
        /* rank 0 writes the file from every rank's batches */
    } else if ((st = write_results(runs, n, cfg, pts, NULL, pilot.levels > 0 ? &pilot : NULL, o,
                                   use_gpu, device, wall, agent_steps, err)) == STP_OK) {
        stp_checkpoint_remove(&runs[0].ck);
    }
done:
    for (i = 0; runs && i < n; i++)
        run_state_free(&runs[i]);
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
