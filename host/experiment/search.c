/* search.c: the cross-entropy search over shock laws (search.h). */
#include "stampede/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/interrupt.h"
#include "stampede/shocks.h"

stp_status stp_search_init(stp_search *s, const stp_config *cfg, stp_error *err)
{
    int k;
    memset(s, 0, sizeof *s);
    s->n_specs = cfg->scenario.n_shocks;
    s->n_iter = cfg->experiment.search_iterations;
    for (k = 0; k < s->n_specs; k++) {
        const stp_shock_spec *sp = &cfg->scenario.shocks[k];
        const double cap = stp_shock_size_cap(sp);
        stp_search_law *l = &s->law[k];
        l->p = sp->has_count && sp->count == 0 ? 0.0 : 0.5;
        l->size_mean = sp->size.mean;
        l->size_sd = fmax(sp->size.sd, cap / 3.0);
        l->time_mean = 0.5 * (sp->time_s.lo + sp->time_s.hi);
        l->time_sd = (sp->time_s.hi - sp->time_s.lo) / sqrt(12.0);
        l->duration_mean = 0.5 * (sp->duration_s.lo + sp->duration_s.hi);
        l->duration_sd = (sp->duration_s.hi - sp->duration_s.lo) / sqrt(12.0);
    }
    if (STP_ALLOC(err, s->history, (size_t)s->n_iter * (size_t)(s->n_specs ? s->n_specs : 1)) ||
        STP_ALLOC(err, s->objective, s->n_iter) || STP_ALLOC(err, s->gamma, s->n_iter) ||
        STP_ALLOC(err, s->elite, s->n_iter)) {
        stp_search_free(s);
        return err->status;
    }
    return STP_OK;
}


stp_status stp_search_plan(stp_scenario_plan **out, const stp_config *cfg,
                           const stp_search_law *law, stp_error *err)
{
    stp_scenario_plan *pl;
    stp_status st;
    int k;
    if ((st = stp_scenario_plan_create(out, cfg, NULL, err)) != STP_OK) return st;
    pl = *out;
    pl->mode = STP_SCENARIO_RANDOM;
    pl->search = 1;
    for (k = 0; k < pl->n_specs; k++) {
        stp_shock_law *l = &pl->law[k];
        l->count_law = STP_COUNT_BERNOULLI;
        l->rate = law[k].p;
        l->slots = 1;
        l->tilt = 0.0;
        l->size_mean = law[k].size_mean;
        l->size_sd = law[k].size_sd;
        l->time_s.mean = law[k].time_mean;
        l->time_s.sd = law[k].time_sd;
        l->duration_s.mean = law[k].duration_mean;
        l->duration_s.sd = law[k].duration_sd;
    }
    stp_scenario_plan_layout(pl);
    return STP_OK;
}

double stp_cascade_score(const stp_config *cfg, double max_drawdown, double liquidated_usd)
{
    return fmin(max_drawdown / cfg->cascade.drawdown, 1.0) +
           fmin(liquidated_usd / cfg->cascade.liquidation_usd, 1.0);
}

double stp_search_score(const stp_config *cfg, double bad_debt_usd, double max_drawdown,
                        double liquidated_usd)
{
    if (cfg->experiment.search_objective == STP_OBJECTIVE_ES_BAD_DEBT) return bad_debt_usd;
    return stp_cascade_score(cfg, max_drawdown, liquidated_usd);
}

typedef struct ranked {
    double score;
    long long path;
} ranked;

/* Worst first; ties by path index, so the elite is a function of the scores. */
static int worst_first(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return (x->path > y->path) - (x->path < y->path);
}

/* Mean and sd (of the sample itself: the elite is the law's fit) of the
 * cells v[path * stride] over the elite paths where the slot is active. */
static void fit(const ranked *elite, int ne, const unsigned char *active, const float *v,
                int stride, int spec, double *mean, double *sd, int *n_active)
{
    double sum = 0.0, ss = 0.0;
    int i, n = 0;
    for (i = 0; i < ne; i++) {
        const size_t c = (size_t)elite[i].path * (size_t)stride + (size_t)spec;
        if (!active[c]) continue;
        sum += v[c];
        n++;
    }
    *n_active = n;
    if (n == 0) return;
    *mean = sum / n;
    for (i = 0; i < ne; i++) {
        const size_t c = (size_t)elite[i].path * (size_t)stride + (size_t)spec;
        if (active[c]) ss += (v[c] - *mean) * (v[c] - *mean);
    }
    *sd = sqrt(ss / n);
}

static double smooth(double fitted, double old)
{
    return STP_CE_SMOOTHING * fitted + (1.0 - STP_CE_SMOOTHING) * old;
}

stp_status stp_search_update(stp_search *s, const stp_config *cfg, double objective,
                             const double *score, const unsigned char *active, const float *size,
                             const float *time_s, const float *duration_s, long long n,
                             stp_error *err)
{
    const int ne = (int)fmax(2.0, ceil(cfg->experiment.search_elite_fraction * (double)n));
    ranked *r = NULL;
    double sum = 0.0;
    long long i;
    int k;
    /* polled before and after the sort (a second or so at 10^7 paths),
     * and before s changes, so an interrupted update leaves s as it was */
    if (stp_interrupt_check(err, "the search update") || STP_ALLOC(err, r, n)) return err->status;
    for (i = 0; i < n; i++) {
        r[i].score = score[i];
        r[i].path = i;
    }
    qsort(r, (size_t)n, sizeof *r, worst_first);
    if (stp_interrupt_check(err, "the search update")) {
        free(r);
        return err->status;
    }
    for (k = 0; k < ne && k < n; k++)
        sum += r[k].score;
    memcpy(s->history + (size_t)s->done * (size_t)s->n_specs, s->law,
           sizeof *s->law * (size_t)s->n_specs);
    s->objective[s->done] = objective;
    s->gamma[s->done] = r[(ne < n ? ne : n) - 1].score;
    s->elite[s->done] = sum / (ne < n ? ne : n);
    for (k = 0; k < s->n_specs; k++) {
        stp_search_law *l = &s->law[k], f = *l;
        int na = 0;
        fit(r, ne < n ? ne : (int)n, active, size, s->n_specs, k, &f.size_mean, &f.size_sd, &na);
        fit(r, ne < n ? ne : (int)n, active, time_s, s->n_specs, k, &f.time_mean, &f.time_sd, &na);
        fit(r, ne < n ? ne : (int)n, active, duration_s, s->n_specs, k, &f.duration_mean,
            &f.duration_sd, &na);
        l->p = smooth((double)na / (ne < n ? ne : n), l->p);
        if (na < 2) continue; /* too few to fit: the shapes stay */
        l->size_mean = smooth(f.size_mean, l->size_mean);
        l->size_sd = smooth(f.size_sd, l->size_sd);
        l->time_mean = smooth(f.time_mean, l->time_mean);
        l->time_sd = smooth(f.time_sd, l->time_sd);
        l->duration_mean = smooth(f.duration_mean, l->duration_mean);
        l->duration_sd = smooth(f.duration_sd, l->duration_sd);
    }
    s->done++;
    free(r);
    return STP_OK;
}

void stp_search_worst(const stp_search *s, stp_search_law *out)
{
    int k;
    for (k = 0; k < s->n_specs; k++) {
        out[k] = s->law[k];
        out[k].p = s->law[k].p >= 0.5 ? 1.0 : 0.0;
        out[k].size_sd = out[k].time_sd = out[k].duration_sd = 0.0;
    }
}
