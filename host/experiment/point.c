/* point.c: one point of an experiment, simulated batch by batch into its
 * checkpoint and summarised, and the results file of finished points
 * (point.h). */
#include "point.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/backend.h"
#include "stampede/batches.h"
#include "stampede/engine.h"
#include "stampede/interrupt.h"
#include "stampede/ranks.h"
#include "stampede/shard.h"
#include "stampede/stats.h"
#include "stampede/venues.h"

#ifndef STP_VERSION
#define STP_VERSION "0.0.0"
#endif

/* What the batches need only while the point simulates. */
void stp_point_free_batch(stp_point_state *r)
{
    int m;
    stp_cuda_engine_destroy(r->gpu);
    stp_population_destroy(r->cur);
    stp_venues_destroy(r->cur_venues);
    r->cur_venues = NULL;
    for (m = 0; m < STP_MAX_OUTCOME_COLS; m++)
        free(r->out.v[m]);
    r->gpu = NULL;
    r->gpu_pop = -1;
    r->cur = NULL;
    memset(&r->out, 0, sizeof r->out);
}

void stp_point_free(stp_point_state *r)
{
    int m;
    stp_point_free_batch(r);
    stp_scenario_table_destroy(r->scen);
    stp_scenario_plan_destroy(r->plan);
    stp_population_destroy(r->pop);
    stp_venues_destroy(r->venues);
    stp_point_free_venue_families(r);
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
    free(r->var.venue_stats);
    free(r->overrides_json);
    stp_config_destroy(r->own);
}

static stp_status alloc_outputs(stp_point_state *r, const stp_config *cfg, int n_steps,
                                stp_error *err)
{
    const long long n = cfg->run.paths;
    const long long b = n < cfg->run.batch ? n : cfg->run.batch;
    const int k = cfg->output.sample_paths < n ? cfg->output.sample_paths : (int)n;
    /* DESIGN §10: a row per venue of each sampled path (outcomes.h's layout) */
    const int n_venues = cfg->n_venues >= 2 ? cfg->n_venues : 1;
    const size_t cells = (size_t)n_venues * (size_t)k * (size_t)n_steps;
    int m;
    r->out.n = b;
    /* DESIGN §10: over two or more venues the record has the contagion and
     * per-venue columns too (outcomes.h); one venue, the system's only */
    r->out.n_cols = stp_outcome_columns(cfg->n_venues);
    for (m = 0; m < r->out.n_cols; m++)
        if (STP_ALLOC(err, r->out.v[m], b)) return err->status;
    r->samples.k = k;
    r->samples.n_steps = n_steps;
    r->samples.n_venues = n_venues;
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
static stp_status check_finite(const stp_config *cfg, const stp_outcomes *out, long long path0,
                               long long n, stp_error *err)
{
    const int n_cols = out->n_cols > STP_N_OUTCOMES ? out->n_cols : STP_N_OUTCOMES;
    long long i;
    int m;
    for (m = 0; m < n_cols; m++)
        for (i = 0; i < n; i++)
            if (!isfinite(out->v[m][path0 - out->base + i])) {
                /* a venue's metric is fed by the same keys as the system's */
                const int v0 = stp_venue_column(0, 0);
                const int base = m >= v0 ? (m - v0) % STP_N_VENUE_OUTCOMES : m;
                char name[STP_NAME_MAX + 64];
                stp_point_column_name(cfg, m, name, sizeof name);
                return stp_error_set(err, STP_EUSAGE,
                                     "outcome %s of path %lld is not finite: the model's "
                                     "arithmetic overflowed; bring the keys that feed it toward "
                                     "realistic values: %s",
                                     name, path0 + i, feeding_keys(base));
            }
    return STP_OK;
}

/* What an ensemble keeps of population p once drawn: its families (the
 * first movers' attribution) and its calm-market screen. */
static void note_population(stp_point_state *r, const stp_population *p)
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
static stp_status draw_population(stp_point_state *r, int k, stp_population **out, stp_error *err)
{
    const double t0 = stp_point_now_s();
    const stp_status st =
        stp_population_create_nth(out, r->venues ? r->venues->cfg[0] : r->cfg, k, err);
    if (st != STP_OK) return st;
    r->pop_s += stp_point_now_s() - t0;
    r->pop_draws++;
    note_population(r, *out);
    return STP_OK;
}

/* A multi-venue point's population k: every venue's, drawn unless it is
 * population 0 (held for the whole point) or the one drawn last; venue
 * 0's is the one an ensemble notes (families, calm-market screen). */
static stp_status use_venues(stp_point_state *r, stp_sim_ctx *ctx, int k, stp_error *err)
{
    if (k > 0 && !(r->cur_venues && r->cur_venues->pop[0]->index == k)) {
        const double t0 = stp_point_now_s();
        stp_status st;
        stp_venues_destroy(r->cur_venues);
        r->cur_venues = NULL;
        if ((st = stp_venues_create(&r->cur_venues, r->cfg, k, err)) != STP_OK) return st;
        r->pop_s += stp_point_now_s() - t0;
        r->pop_draws++;
        note_population(r, r->cur_venues->pop[0]);
        if ((st = stp_point_note_venues(r, r->cur_venues, err)) != STP_OK) return st;
    }
    ctx->venues = k == 0 ? r->venues : r->cur_venues;
    ctx->pop = ctx->venues->pop[0];
    return STP_OK;
}

/* Population 0 of a multi-venue point: venue 0's, as its venues drew it
 * (the plan's, the fingerprint's, the file's), not drawn again. */
static stp_status first_venue_population(stp_point_state *r)
{
    r->pop = stp_venues_give_first(r->venues);
    note_population(r, r->pop);
    return STP_OK;
}

/* Population k into ctx, and onto the GPU: drawn unless it is population
 * 0 (held for the whole point) or the one drawn last. */
static stp_status use_population(stp_point_state *r, stp_sim_ctx *ctx, int k, int use_gpu,
                                 long long batch, stp_error *err)
{
    stp_status st;
    if (r->venues) {
        if ((st = use_venues(r, ctx, k, err)) != STP_OK) return st;
    } else {
        if (k > 0 && !(r->cur && r->cur->index == k)) {
            stp_population_destroy(r->cur);
            r->cur = NULL;
            if ((st = draw_population(r, k, &r->cur, err)) != STP_OK) return st;
        }
        ctx->pop = k == 0 ? r->pop : r->cur;
    }
    if (use_gpu && r->gpu_pop != k) {
        stp_cuda_engine_destroy(r->gpu);
        r->gpu = NULL;
        r->gpu_pop = -1;
        if ((st = stp_cuda_engine_create(&r->gpu, ctx, batch, stp_local_rank(), err)) != STP_OK) return st;
        r->gpu_pop = k;
    }
    return STP_OK;
}

/* Runs every batch of this process not already in the checkpoint, saving
 * each as it finishes. */
static stp_status simulate(stp_point_state *r, stp_sim_ctx *ctx, int use_gpu, const stp_run_opts *o,
                           stp_point_span sp, long long *simulated, stp_error *err)
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
            t0 = stp_point_now_s();
            st = stp_backend_run_batch(ctx, r->scen, r->gpu, path0, b, o->threads, err);
            r->sim_s += stp_point_now_s() - t0;
            r->sim_paths += b;
            *simulated += b;
            *sp.simulated += b;
            if (st == STP_OK) st = check_finite(cfg, ctx->out, path0, b, err);
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
                        stp_point_now_s() - sp.t0);
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
static stp_status summarise_acted(stp_point_state *r, const stp_config *cfg, double *sync,
                                  double *acted, const double *w, stp_error *err)
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
static stp_status rank_worst(stp_point_state *r, const double *bad_debt, long long n, int n_worst,
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
static stp_status population_stats(stp_point_state *r, int m, const double *col, const double *w,
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
static stp_status summarise(stp_point_state *r, const stp_config *cfg, const stp_checkpoint *ck,
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
    if (st == STP_OK) /* DESIGN §10: nothing with one venue */
        st = stp_point_summarise_venues(r, cfg, ck, col, aux, weighted ? w : NULL, reps, err);
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
                                          const stp_venues *vs,
                                          const stp_scenario_plan *plan, const char *backend)
{
    unsigned long long h =
        stp_fnv1a(STP_FNV_OFFSET, cfg->resolved_json, strlen(cfg->resolved_json));
    int f, v;
    h = stp_fnv1a(h, &cfg->run.seed, sizeof cfg->run.seed);
    h = stp_fnv1a(h, &cfg->run.paths, sizeof cfg->run.paths);
    h = stp_fnv1a(h, plan->law, sizeof plan->law[0] * (size_t)plan->n_specs);
    for (f = 0; f < pop->n_families; f++)
        h = stp_fnv1a(h, pop->models[f].params, sizeof(float) * (size_t)pop->models[f].n_params);
    for (v = 0; vs && v < vs->n; v++) /* each venue's families may be its own */
        for (f = 0; f < vs->pop[v]->n_families; f++)
            h = stp_fnv1a(h, vs->pop[v]->models[f].params,
                          sizeof(float) * (size_t)vs->pop[v]->models[f].n_params);
    h = stp_fnv1a(h, backend, strlen(backend));
    return stp_fnv1a(h, STP_VERSION, strlen(STP_VERSION));
}

/* The writer's view of a finished point. */
static void point_results(stp_point_state *r)
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
const char *stp_point_backend_name(const stp_run_opts *o, int use_gpu)
{
    return o->merge_backend ? o->merge_backend : use_gpu ? "cuda" : "openmp";
}

/* Paths of a point that this process simulates: all, its shard's or its
 * rank's. */
long long stp_point_own_paths(const stp_config *cfg, const stp_run_opts *o)
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
stp_status stp_point_ranks_agree(stp_status st, stp_error *err)
{
    const int any = stp_ranks_max((int)st);
    if (st != STP_OK || any == STP_OK) return st;
    if (any == STP_EINTR) return stp_error_set(err, STP_EINTR, "interrupted on another rank");
    return stp_error_set(err, (stp_status)any, "another rank failed (its own line says why)");
}

/* Point index's checkpoint. Under mpirun rank 0 opens it first (it may
 * create, clear or check the directory); the others then join it as a
 * resume of the same run, so no two ranks write a manifest at once. */
static stp_status open_checkpoint(stp_point_state *r, int index, const stp_run_opts *o, int use_gpu,
                                  int n_steps, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    const unsigned long long fp =
        run_fingerprint(cfg, r->pop, r->venues, r->plan, stp_point_backend_name(o, use_gpu));
    const int rank = stp_rank();
    stp_status st = STP_OK;
    if (rank == 0)
        st = stp_checkpoint_open(&r->ck, o->out_path, index, fp, cfg->run.paths, cfg->run.batch,
                                 cfg->run.populations, n_steps, r->samples.k, r->out.n_cols,
                                 o->resume, o->force, err);
    if (stp_ranks() == 1 || (st = stp_point_ranks_agree(st, err)) != STP_OK) return st;
    if (rank != 0)
        st = stp_checkpoint_open(&r->ck, o->out_path, index, fp, cfg->run.paths, cfg->run.batch,
                                 cfg->run.populations, n_steps, r->samples.k, r->out.n_cols, 1, 0,
                                 err);
    return stp_point_ranks_agree(st, err);
}

/* An ensemble's bookkeeping (K > 1): each population's figures, families
 * and screen counts. */
static stp_status ensemble_init(stp_point_state *r, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    const int k = cfg->run.populations;
    if (k <= 1 || r->ens.k > 0) return STP_OK;
    if (stp_ensemble_init(&r->ens, k, cfg->run.paths / k, err) != STP_OK ||
        STP_ALLOC(err, r->family,
                  (size_t)k * (size_t)(r->venues ? r->venues->pop[0]->n_agents + 1
                                                 : cfg->population.agents ? cfg->population.agents
                                                                          : 1)) ||
        STP_ALLOC(err, r->drawn, k))
        return err->status;
    return STP_OK;
}

/* The summary needs every population's families and screen counts: those
 * whose batches all came from the checkpoint (a resume, a merge) or from
 * other ranks are drawn here. */
static stp_status draw_the_rest(stp_point_state *r, stp_error *err)
{
    int k;
    for (k = 1; k < r->ens.k; k++) {
        stp_population *p = NULL;
        stp_status st;
        if (r->venues && !stp_point_venues_noted(r, k)) { /* every venue's (attribution) */
            stp_venues *vs = NULL;
            const double t0 = stp_point_now_s();
            if ((st = stp_venues_create(&vs, r->cfg, k, err)) != STP_OK) return st;
            r->pop_s += stp_point_now_s() - t0;
            r->pop_draws++;
            note_population(r, vs->pop[0]); /* venue 0's, as use_venues notes it */
            st = stp_point_note_venues(r, vs, err);
            stp_venues_destroy(vs);
            if (st != STP_OK) return st;
        }
        if (r->drawn[k]) continue;
        if ((st = draw_population(r, k, &p, err)) != STP_OK) return st;
        stp_population_destroy(p);
    }
    return STP_OK;
}

/* Simulates and summarises point `index`; *agent_steps grows by what this
 * process simulated (batches reused on resume took no time). */
stp_status stp_point_run(stp_point_state *r, int index, const stp_run_opts *o, int use_gpu,
                         stp_point_span sp, double *agent_steps, stp_error *err)
{
    const stp_config *cfg = r->cfg;
    stp_sim_ctx ctx;
    long long simulated = 0, batch;
    stp_status st;
    batch = cfg->run.paths < cfg->run.batch ? cfg->run.paths : cfg->run.batch;
    memset(&ctx, 0, sizeof ctx);
    r->gpu_pop = -1;
    ctx.prm = stp_params_derive(cfg);
    if (cfg->n_venues >= 2 && !r->venues) {
        const double t0 = stp_point_now_s(); /* every venue's population 0 */
        if ((st = stp_venues_create(&r->venues, cfg, 0, err)) != STP_OK) return st;
        r->pop_s += stp_point_now_s() - t0;
        r->pop_draws++;
    }
    if (r->venues) { /* population 0's families, afresh for this run (attribution) */
        ctx.prm = r->venues->prm[0];
        stp_point_free_venue_families(r);
        if ((st = stp_point_note_venues(r, r->venues, err)) != STP_OK) return st;
    }
    if ((st = ensemble_init(r, err)) != STP_OK ||
        (!r->pop && (st = r->venues ? first_venue_population(r)
                                    : draw_population(r, 0, &r->pop, err)) != STP_OK) ||
        (!r->plan && (st = stp_scenario_plan_create(&r->plan, cfg, r->pop, err)) != STP_OK) ||
        (st = stp_scenario_table_from_plan(&r->scen, r->plan, 0, batch, err)) != STP_OK ||
        (st = alloc_outputs(r, cfg, ctx.prm.n_steps, err)) != STP_OK)
        return st;
    ctx.cfg = cfg;
    ctx.pop = r->pop;
    ctx.scen = r->scen;
    ctx.out = &r->out;
    ctx.samples = &r->samples;
    ctx.venues = r->venues;
    if ((st = open_checkpoint(r, index, o, use_gpu, ctx.prm.n_steps, err)) != STP_OK) return st;
    st = simulate(r, &ctx, use_gpu, o, sp, &simulated, err);
    if ((st = stp_point_ranks_agree(st, err)) != STP_OK) return st;
    *agent_steps += (double)simulated * ctx.prm.n_steps *
                    (r->venues ? r->venues->agent_base[r->venues->n] : r->pop->n_agents);
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
    if (r->venues) return stp_point_attribute_venues(r, err); /* DESIGN §10 */
    return stp_attribution_compute_ensemble(&r->var.attribution, &r->var.source,
                                            stp_population_families(r->pop), r->family,
                                            r->ens.paths, err);
}

stp_status stp_points_write(stp_point_state *runs, int n, const stp_config *cfg,
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
    res.backend = stp_point_backend_name(o, use_gpu);
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
