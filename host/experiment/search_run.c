/* search_run.c: an adversarial search's iterations and re-run, each a
 * point (point.h) drawing from the law the cross-entropy method
 * (search.h) fitted so far. */
#include "search_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "point.h"
#include "stampede/ranks.h"

/* A point of a search: a copy of cfg named `name` with its own paths and
 * seed, drawing from `plan` (owned by the point from here) on the search's
 * population `pop` (borrowed: every point faces the same agents). */
static stp_status search_point(stp_point_state *r, const stp_config *cfg, const char *name,
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
static stp_status search_step(stp_search *s, const stp_config *cfg, stp_point_state *r,
                              stp_error *err)
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
stp_status stp_search_run(const stp_config *cfg, const stp_run_opts *o, int use_gpu,
                          const char *device, stp_error *err)
{
    const int iters = cfg->experiment.search_iterations;
    const long long ppi = cfg->experiment.search_paths_per_iter;
    const unsigned long long seed2 = rerun_seed(cfg->run.seed);
    stp_population *pop = NULL;
    stp_search s;
    stp_point_state it, runs[2];
    stp_point_spec pts[2];
    stp_scenario_plan *plan = NULL;
    double t0 = stp_point_now_s(), agent_steps = 0.0;
    long long simulated_run = 0;
    stp_status st;
    stp_point_span sp;
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
        if ((st = stp_point_run(&it, k, o, use_gpu, sp, &agent_steps, err)) != STP_OK ||
            (st = search_step(&s, cfg, &it, err)) != STP_OK)
            goto done;
        it.pop = NULL; /* the search's */
        stp_point_free(&it);
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
        if ((st = stp_point_run(&runs[k], iters + k, o, use_gpu, sp, &agent_steps, err)) != STP_OK)
            goto done;
        stp_point_free_batch(&runs[k]);
    }
    if (stp_rank() == 0 &&
        (st = stp_points_write(runs, 2, cfg, pts, &s, NULL, o, use_gpu, device,
                               stp_point_now_s() - t0, agent_steps, err)) == STP_OK)
        stp_checkpoint_remove(&runs[0].ck);
done:
    stp_scenario_plan_destroy(plan);
    it.pop = NULL;
    stp_point_free(&it);
    for (k = 0; k < 2; k++) {
        runs[k].pop = NULL;
        stp_point_free(&runs[k]);
    }
    stp_population_destroy(pop);
    stp_search_free(&s);
    return st;
}
