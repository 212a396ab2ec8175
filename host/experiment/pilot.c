/* pilot.c: the cross-entropy pilot that chooses the importance tilt
 * (pilot.h). */
#include "stampede/pilot.h"
#include "stampede/ranks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/backend.h"
#include "stampede/cuda.h"
#include "stampede/interrupt.h"
#include "stampede/params.h"
#include "stampede/scenario.h"
#include "stampede/search.h"
#include "stampede/venues.h"

unsigned long long stp_pilot_seed(unsigned long long seed)
{
    return seed + 2u * 0x9e3779b97f4a7c15ull; /* the search's re-run takes + 1 x */
}

static int by_score_desc(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* One level's buffers. */
typedef struct level_buf {
    stp_outcomes out; /* n_cols columns: a path over venues has each venue's */
    double *score, *sorted;
    unsigned char *active;
    float *cells; /* time, duration, size: [3][n][slots] */
} level_buf;

static void level_free(level_buf *b)
{
    int m;
    for (m = 0; m < b->out.n_cols; m++)
        free(b->out.v[m]);
    free(b->score);
    free(b->sorted);
    free(b->active);
    free(b->cells);
}

/* Simulates paths [0, n) of c (the pilot's config at this level's tilt)
 * into b->out and its rows into b->active / b->cells. Polls for a stop
 * request (interrupt.h) before each batch: the GPU backend does not poll
 * inside one, the OpenMP backend also does (once a step). */
static stp_status simulate_level(level_buf *b, const stp_config *c, const stp_population *pop,
                                 const stp_venues *vs, const stp_scenario_plan *plan, int use_gpu,
                                 int threads, stp_error *err)
{
    const long long n = c->run.paths, batch = n < c->run.batch ? n : c->run.batch;
    const size_t cells = (size_t)n * (size_t)plan->n_slots;
    stp_scenario_table *t = NULL;
    stp_cuda_engine *gpu = NULL;
    stp_sim_ctx ctx;
    stp_status st;
    long long p0;
    memset(&ctx, 0, sizeof ctx);
    ctx.prm = vs ? vs->prm[0] : stp_params_derive(c);
    if ((st = stp_scenario_table_from_plan(&t, plan, 0, batch, err)) != STP_OK) return st;
    ctx.cfg = c;
    ctx.pop = pop;
    ctx.venues = vs;
    ctx.scen = t;
    ctx.out = &b->out;
    b->out.n = n;
    if (use_gpu && (st = stp_cuda_engine_create(&gpu, &ctx, batch, stp_local_rank(), err)) != STP_OK) goto done;
    for (p0 = 0; p0 < n; p0 += batch) {
        const long long k = n - p0 < batch ? n - p0 : batch;
        if ((st = stp_interrupt_check(err, "the importance pilot")) != STP_OK ||
            (st = stp_backend_run_batch(&ctx, t, gpu, p0, k, threads, err)) != STP_OK)
            goto done;
    }
    stp_scenario_sampled_rows(plan, 0, n, b->active, b->cells, b->cells + cells,
                              b->cells + 2 * cells);
done:
    stp_cuda_engine_destroy(gpu);
    stp_scenario_table_destroy(t);
    return st;
}

/* Path i's score: the cascade score of search.h; over venues the need-th
 * highest of the venues' scores, each on its venue's thresholds, so that
 * it reaches a cascade (2) exactly when the system's rule holds
 * (cascade.venues: any is the highest, all the lowest). */
static double path_score(const stp_config *cfg, const stp_venues *vs, const stp_outcomes *o,
                         long long i)
{
    double sc[STP_MAX_VENUES];
    int v, u;
    if (!vs)
        return stp_cascade_score(cfg, o->v[STP_OUT_MAX_DRAWDOWN][i],
                                 o->v[STP_OUT_LIQUIDATED_USD][i]);
    for (v = 0; v < vs->n; v++) { /* insertion, highest first */
        const double x =
            stp_cascade_score(vs->cfg[v], o->v[stp_venue_column(v, STP_OUT_MAX_DRAWDOWN)][i],
                              o->v[stp_venue_column(v, STP_OUT_LIQUIDATED_USD)][i]);
        for (u = v; u > 0 && sc[u - 1] < x; u--)
            sc[u] = sc[u - 1];
        sc[u] = x;
    }
    return sc[vs->need - 1];
}

/* The level's event threshold: the top STP_PILOT_RHO's lowest score,
 * capped at a cascade (2). */
static double level_gamma(level_buf *b, long long n)
{
    const long long k = (long long)ceil(STP_PILOT_RHO * (double)n);
    memcpy(b->sorted, b->score, sizeof(double) * (size_t)n);
    qsort(b->sorted, (size_t)n, sizeof *b->sorted, by_score_desc);
    return fmin(b->sorted[(k < 1 ? 1 : k) - 1], 2.0);
}

/* The cross-entropy tilt of the event {score >= gamma}: sum w d z over its
 * paths' tiltable slots (stp_scenario_tiltable: the law's size is the
 * configured one) / sum w (their count); NaN when it has none. w is the
 * path's weight as the run computes it: under the defensive mixture
 * (mixture.h) p / (a p + (1 - a) q), the ratio of the law the level drew
 * from, so the fit stays the cross-entropy update for the paths the level
 * actually drew, its untilted share included. */
static double fit_tilt(const level_buf *b, const stp_scenario_plan *plan, long long n, double gamma,
                       long long *events)
{
    const size_t cells = (size_t)n * (size_t)plan->n_slots;
    const float *size = b->cells + 2 * cells;
    double num = 0.0, den = 0.0;
    long long i;
    *events = 0;
    for (i = 0; i < n; i++) {
        const double w = b->out.v[STP_OUT_WEIGHT][i];
        int spec, slot = 0;
        if (b->score[i] < gamma) continue;
        ++*events;
        for (spec = 0; spec < plan->n_specs; spec++) {
            const stp_shock_law *l = &plan->law[spec];
            int k;
            for (k = 0; k < l->slots; k++, slot++) {
                const size_t c = (size_t)i * (size_t)plan->n_slots + (size_t)slot;
                if (!b->active[c] || !(l->size_sd > 0.0) || l->size_mean == 0.0) continue;
                num +=
                    w * (l->size_mean > 0.0 ? 1.0 : -1.0) * (size[c] - l->size_mean) / l->size_sd;
                den += w;
            }
        }
    }
    return den > 0.0 ? num / den : NAN;
}

/* A config with venues: population 0 of each venue, the run's, with the
 * pilot's seed for the paths (the venues' constants carry the seed their
 * configs had, the run's). */
static stp_status pilot_venues(stp_venues **vs, const stp_config *cfg, unsigned long long seed,
                               stp_error *err)
{
    stp_status st;
    int v;
    *vs = NULL;
    if (cfg->n_venues < 2) return STP_OK;
    if ((st = stp_venues_create(vs, cfg, 0, err)) != STP_OK) return st;
    for (v = 0; v < (*vs)->n; v++)
        (*vs)->prm[v].seed = seed;
    return STP_OK;
}

stp_status stp_importance_pilot(stp_pilot *out, const stp_config *cfg, const stp_population *pop,
                                int use_gpu, int threads, stp_error *err)
{
    const long long n = cfg->scenario.importance_pilot_paths;
    stp_venues *vs = NULL;
    stp_config *c = NULL;
    stp_scenario_plan *plan = NULL;
    level_buf b;
    stp_status st = STP_OK;
    int m, l;
    memset(out, 0, sizeof *out);
    memset(&b, 0, sizeof b);
    out->paths = n;
    out->seed = stp_pilot_seed(cfg->run.seed);
    /* a shallow copy, read only: its pointers stay the caller's */
    if (STP_ALLOC(err, c, 1)) return err->status;
    *c = *cfg;
    c->run.seed = out->seed;
    c->run.paths = n;
    c->scenario.importance_tilt = 1.0; /* any nonzero: the plan marks the tilted specs */
    if ((st = pilot_venues(&vs, cfg, out->seed, err)) != STP_OK) goto done;
    if (vs) pop = vs->pop[0];
    if ((st = stp_scenario_plan_create(&plan, c, pop, err)) != STP_OK) goto done;
    b.out.n_cols = stp_outcome_columns(cfg->n_venues);
    for (m = 0; m < b.out.n_cols; m++)
        if (STP_ALLOC(err, b.out.v[m], n)) goto fail;
    if (STP_ALLOC(err, b.score, n) || STP_ALLOC(err, b.sorted, n) ||
        STP_ALLOC(err, b.active, (size_t)n * (size_t)plan->n_slots + 1) ||
        STP_ALLOC(err, b.cells, 3 * (size_t)n * (size_t)plan->n_slots + 1))
        goto fail;
    stp_scenario_plan_destroy(plan);
    plan = NULL;
    out->tilt = 0.0;
    for (l = 0; l < STP_PILOT_LEVELS; l++) {
        double gamma, t;
        long long i;
        c->scenario.importance_tilt = out->tilt;
        if ((st = stp_interrupt_check(err, "the importance pilot")) != STP_OK ||
            (st = stp_scenario_plan_create(&plan, c, pop, err)) != STP_OK ||
            (st = simulate_level(&b, c, pop, vs, plan, use_gpu, threads, err)) != STP_OK)
            goto done;
        for (i = 0; i < n; i++)
            b.score[i] = path_score(cfg, vs, &b.out, i);
        gamma = level_gamma(&b, n);
        t = fit_tilt(&b, plan, n, gamma, &out->level_events[l]);
        out->level_tilt[l] = out->tilt;
        out->level_gamma[l] = gamma;
        out->levels = l + 1;
        stp_scenario_plan_destroy(plan);
        plan = NULL;
        if (isfinite(t)) out->tilt = fmax(t, 0.0);
        if (gamma >= 2.0) {
            out->reached = 1;
            break;
        }
    }
    goto done;
fail:
    st = err->status;
done:
    stp_scenario_plan_destroy(plan);
    level_free(&b);
    stp_venues_destroy(vs);
    free(c);
    return st;
}
