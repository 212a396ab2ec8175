/* ensemble.c: the figures of "populations like this" from each
 * population's own (ensemble.h). */
#include "stampede/ensemble.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/paired.h"
#include "stampede/rng.h"

stp_status stp_ensemble_init(stp_ensemble *e, int k, long long paths, stp_error *err)
{
    memset(e, 0, sizeof *e);
    if (STP_ALLOC(err, e->pop, k)) return err->status;
    e->k = k;
    e->paths = paths;
    return STP_OK;
}

void stp_ensemble_free(stp_ensemble *e)
{
    free(e->pop);
    memset(e, 0, sizeof *e);
}

static double mean_of(const double *v, int k)
{
    double s = 0.0;
    int i;
    for (i = 0; i < k; i++)
        s += v[i];
    return s / k;
}

void stp_ensemble_bootstrap(const double *v, int k, unsigned long long seed, unsigned key,
                            double *lo, double *hi)
{
    double means[STP_ENSEMBLE_RESAMPLES];
    int b, i;
    for (b = 0; b < STP_ENSEMBLE_RESAMPLES; b++) {
        double s = 0.0;
        stp_u32x4 r = {{0, 0, 0, 0}};
        for (i = 0; i < k; i++) {
            if (i % 4 == 0)
                r = stp_philox(seed, STP_STREAM_ENSEMBLE, key, (uint32_t)b, (uint32_t)(i / 4), 0);
            s += v[(uint64_t)r.v[i % 4] * (uint64_t)k >> 32]; /* uniform on 0..k-1 */
        }
        means[b] = s / k;
    }
    qsort(means, STP_ENSEMBLE_RESAMPLES, sizeof means[0], stp_cmp_double);
    *lo = stp_sorted_quantile(means, STP_ENSEMBLE_RESAMPLES, 0.025);
    *hi = stp_sorted_quantile(means, STP_ENSEMBLE_RESAMPLES, 0.975);
}

/* Statistic `what` of outcome m over the populations into v (a field of
 * stp_metric_stats at byte offset `off`, element j of its array). */
static void gather(const stp_ensemble *e, int m, size_t off, int j, double *v)
{
    int i;
    for (i = 0; i < e->k; i++)
        v[i] = ((const double *)((const char *)&e->pop[i].stats[m] + off))[j];
}

/* One bootstrap key per (outcome, statistic, level): the resamples of one
 * figure never reuse another's. */
static unsigned boot_key(int m, int which, int j)
{
    return (unsigned)(m * 64 + which * STP_STATS_MAX_LEVELS + j);
}

static void combine_metric(const stp_ensemble *e, int m, stp_metric_stats *s, double *v,
                           unsigned long long seed)
{
    stp_replicate_mean t;
    int j;
    gather(e, m, offsetof(stp_metric_stats, mean), 0, v);
    t = stp_t_mean(v, e->k);
    s->mean = t.mean;
    s->mean_ci_lo = t.ci_lo;
    s->mean_ci_hi = t.ci_hi;
    for (j = 0; j < s->n_quantiles; j++) {
        gather(e, m, offsetof(stp_metric_stats, quantiles), j, v);
        s->quantiles[j] = mean_of(v, e->k);
        stp_ensemble_bootstrap(v, e->k, seed, boot_key(m, 0, j), &s->quantile_ci_lo[j],
                               &s->quantile_ci_hi[j]);
    }
    for (j = 0; j < s->n_es; j++) {
        gather(e, m, offsetof(stp_metric_stats, var), j, v);
        s->var[j] = mean_of(v, e->k);
        stp_ensemble_bootstrap(v, e->k, seed, boot_key(m, 1, j), &s->var_ci_lo[j],
                               &s->var_ci_hi[j]);
        gather(e, m, offsetof(stp_metric_stats, es), j, v);
        s->es[j] = mean_of(v, e->k);
        stp_ensemble_bootstrap(v, e->k, seed, boot_key(m, 2, j), &s->es_ci_lo[j], &s->es_ci_hi[j]);
    }
}

/* sigma_b^2, sigma_w^2 and the shares of P(cascade) (ensemble.h). */
static void variance_shares(stp_ensemble *e, double s2)
{
    double se2 = 0.0;
    int i;
    for (i = 0; i < e->k; i++)
        se2 += e->pop[i].cascade.se * e->pop[i].cascade.se;
    se2 /= e->k;
    e->var_between = fmax(0.0, s2 - se2);
    e->var_within = (double)e->paths * se2;
    e->icc = e->var_between + e->var_within > 0.0
                 ? e->var_between / (e->var_between + e->var_within)
                 : NAN;
    e->between_share =
        s2 > 0.0 && e->var_between + se2 > 0.0 ? e->var_between / (e->var_between + se2) : NAN;
}

/* n* and what it buys for the time this run took (ensemble.h). */
static void allocation(stp_ensemble *e, double halfwidth)
{
    double budget, n_star;
    /* the half-widths of the t intervals the summary prints, now and at n* */
    e->halfwidth = halfwidth;
    e->best_paths = e->best_halfwidth = NAN;
    e->best_populations = 0;
    if (!(e->pop_s > 0.0 && e->path_s > 0.0) || !(e->var_within > 0.0)) return;
    if (e->var_between <= 0.0) { /* the draw explains nothing measurable: all paths */
        e->best_paths = INFINITY;
        return;
    }
    n_star = fmax(2.0, sqrt(e->pop_s * e->var_within / (e->path_s * e->var_between)));
    budget = e->k * (e->pop_s + (double)e->paths * e->path_s);
    e->best_paths = n_star;
    e->best_populations = (long long)fmax(2.0, floor(budget / (e->pop_s + n_star * e->path_s)));
    e->best_halfwidth = gsl_cdf_tdist_Pinv(0.975, (double)e->best_populations - 1.0) *
                        sqrt((e->var_between + e->var_within / n_star) / e->best_populations);
}

stp_status stp_ensemble_combine(stp_ensemble *e, stp_metric_stats *stats,
                                stp_cascade_stats *cascade, unsigned long long seed, stp_error *err)
{
    double *v = NULL, s2;
    stp_replicate_mean t;
    int m, i;
    if (STP_ALLOC(err, v, 2 * (size_t)e->k)) return err->status;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        combine_metric(e, m, &stats[m], v, seed);
    for (i = 0; i < e->k; i++)
        v[i] = e->pop[i].cascade.p;
    t = stp_t_mean(v, e->k);
    s2 = t.se * t.se * e->k; /* the populations' sample variance */
    cascade->p = t.mean;
    cascade->se = t.se;
    cascade->ci_lo = fmax(t.ci_lo, 0.0);
    cascade->ci_hi = fmin(t.ci_hi, 1.0);
    cascade->populations = e->k;
    memcpy(v + e->k, v, sizeof(double) * (size_t)e->k);
    qsort(v + e->k, (size_t)e->k, sizeof(double), stp_cmp_double);
    e->p_min = v[e->k];
    e->p_median = stp_sorted_quantile(v + e->k, (size_t)e->k, 0.5);
    e->p_max = v[2 * e->k - 1];
    variance_shares(e, s2);
    allocation(e, t.ci_hi - t.mean);
    free(v);
    return STP_OK;
}

void stp_ensemble_paired(stp_paired_diff *out, const stp_paired_diff *per_pop, int k)
{
    double sb = 0.0, sv = 0.0, sd = 0.0, su = 0.0, t;
    int i;
    memset(out, 0, sizeof *out);
    for (i = 0; i < k; i++) {
        out->base += per_pop[i].base / k;
        out->variant += per_pop[i].variant / k;
        out->diff += per_pop[i].diff / k;
    }
    for (i = 0; i < k; i++) {
        const double db = per_pop[i].base - out->base, dv = per_pop[i].variant - out->variant,
                     dd = per_pop[i].diff - out->diff;
        sb += db * db;
        sv += dv * dv;
        sd += dd * dd;
    }
    t = gsl_cdf_tdist_Pinv(0.975, k - 1.0);
    out->ci_lo = out->diff - t * sqrt(sd / (k - 1.0) / k);
    out->ci_hi = out->diff + t * sqrt(sd / (k - 1.0) / k);
    out->unpaired_ci_lo = out->diff - t * sqrt((sb + sv) / (k - 1.0) / k);
    out->unpaired_ci_hi = out->diff + t * sqrt((sb + sv) / (k - 1.0) / k);
    if (out->base == 0.0) {
        out->rel = out->rel_ci_lo = out->rel_ci_hi = NAN;
        return;
    }
    out->rel = out->diff / out->base;
    for (i = 0; i < k; i++) {
        const double u = (per_pop[i].diff - out->rel * per_pop[i].base) / out->base;
        su += u * u; /* mean 0 by construction */
    }
    out->rel_ci_lo = out->rel - t * sqrt(su / (k - 1.0) / k);
    out->rel_ci_hi = out->rel + t * sqrt(su / (k - 1.0) / k);
}
