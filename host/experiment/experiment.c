/* experiment.c: how an experiment's points compare (experiment.h); the
 * points themselves are the config's (config_points.c). */
#include "stampede/experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/ensemble.h"
#include "stampede/outcomes.h"
#include "stampede/paired.h"

void stp_comparison_free(stp_comparison *cmp)
{
    free(cmp->rows);
    free(cmp->pop_d_cascade);
    free(cmp->pop_d_es);
    free(cmp->pop_d_bad_debt);
    cmp->rows = NULL;
    cmp->pop_d_cascade = cmp->pop_d_es = cmp->pop_d_bad_debt = NULL;
}

/* Row i's own figures (stats already computed by the run). */
static void headline(stp_comparison_row *r, const stp_point_spec *pt, const stp_variant_results *v,
                     int has_es)
{
    const stp_metric_stats *bd = &v->stats[STP_OUT_BAD_DEBT_USD];
    snprintf(r->name, sizeof r->name, "%s", pt->name);
    snprintf(r->series, sizeof r->series, "%s", pt->series);
    r->value = pt->value;
    r->cascade = v->cascade;
    r->es = has_es ? bd->es[0] : NAN;
    r->es_ci_lo = has_es ? bd->es_ci_lo[0] : NAN;
    r->es_ci_hi = has_es ? bd->es_ci_hi[0] : NAN;
    r->bad_debt_mean = bd->mean;
    r->bad_debt_ci_lo = bd->mean_ci_lo;
    r->bad_debt_ci_hi = bd->mean_ci_hi;
}

static stp_paired_diff no_es(void)
{
    stp_paired_diff d;
    d.base = d.variant = d.diff = d.ci_lo = d.ci_hi = NAN;
    d.unpaired_ci_lo = d.unpaired_ci_hi = d.rel = d.rel_ci_lo = d.rel_ci_hi = NAN;
    return d;
}

static stp_status read_columns(const stp_variant_results *v, double *cascade, double *bad,
                               double *w, stp_error *err)
{
    const stp_path_source *s = &v->source;
    if (s->outcome_column(s->outcome_user, STP_OUT_CASCADE, cascade, err) ||
        s->outcome_column(s->outcome_user, STP_OUT_WEIGHT, w, err))
        return err->status;
    return s->outcome_column(s->outcome_user, STP_OUT_BAD_DEBT_USD, bad, err);
}

/* The pairing's premise (paired.h): every point's path i carries the
 * baseline's weight. check_pairable refuses the overrides known to break
 * it; this catches any other (run.seed, say) before it pairs nonsense.
 * Exact comparison: the same scenario row gives the same bits. */
static stp_status check_same_weights(const double *wb, const double *wv, size_t n, const char *name,
                                     stp_error *err)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (wb[i] != wv[i])
            return stp_error_set(err, STP_EUSAGE,
                                 "variant '%s': path %zu has importance weight %.17g, the "
                                 "baseline's %.17g; points of a compare or sweep must share "
                                 "scenario.* and run.seed to be paired",
                                 name, i, wv[i], wb[i]);
    return STP_OK;
}

/* Any weight other than 1: the run then weighted every statistic (run.c). */
static int any_weighted(const double *w, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (w[i] != 1.0) return 1;
    return 0;
}

/* Row i's differences under an ensemble (DESIGN §3.4): paired path by
 * path within each population (paths [k n, (k + 1) n)), then averaged over
 * populations with intervals from their spread (stp_ensemble_paired). */
static stp_status ensemble_row(stp_comparison *cmp, int i, const stp_variant_results *base,
                               const stp_variant_results *var, const double *bc, const double *bb,
                               const double *vc, const double *vb, const double *w, int has_es,
                               double level, stp_error *err)
{
    const stp_ensemble *eb = base->ensemble, *ev = var->ensemble;
    const int k = eb->k;
    const size_t n = (size_t)eb->paths;
    stp_paired_diff *dc = NULL, *db = NULL, *de = NULL;
    stp_comparison_row *r = &cmp->rows[i];
    int p;
    if (STP_ALLOC(err, dc, k) || STP_ALLOC(err, db, k) || STP_ALLOC(err, de, k)) {
        free(dc);
        free(db);
        return err->status;
    }
    for (p = 0; p < k; p++) {
        const size_t o = (size_t)p * n;
        const stp_metric_stats *sb = &eb->pop[p].stats[STP_OUT_BAD_DEBT_USD],
                               *sv = &ev->pop[p].stats[STP_OUT_BAD_DEBT_USD];
        dc[p] = stp_paired_probability(bc + o, vc + o, w ? w + o : NULL, n);
        db[p] = stp_paired_mean(bb + o, vb + o, w ? w + o : NULL, n);
        de[p] = has_es ? stp_paired_es(bb + o, sb->var[0], sb->es[0], vb + o, sv->var[0], sv->es[0],
                                       w ? w + o : NULL, n, level)
                       : no_es();
        cmp->pop_d_cascade[(size_t)i * k + p] = dc[p].diff;
        cmp->pop_d_bad_debt[(size_t)i * k + p] = db[p].diff;
        cmp->pop_d_es[(size_t)i * k + p] = de[p].diff;
    }
    stp_ensemble_paired(&r->d_cascade, dc, k);
    stp_ensemble_paired(&r->d_bad_debt, db, k);
    if (has_es)
        stp_ensemble_paired(&r->d_es, de, k);
    else
        r->d_es = no_es();
    free(dc);
    free(db);
    free(de);
    return STP_OK;
}

stp_status stp_comparison_compute(stp_comparison *cmp, const stp_config *cfg,
                                  const stp_point_spec *pts, const stp_variant_results *vars, int n,
                                  stp_error *err)
{
    const size_t paths = (size_t)vars[0].source.n_paths;
    const int has_es = cfg->output.n_es_levels > 0 && paths >= 2;
    const double level = has_es ? cfg->output.es_levels[0] : NAN;
    const stp_metric_stats *b = &vars[0].stats[STP_OUT_BAD_DEBT_USD];
    double *bc = NULL, *bb = NULL, *bw = NULL, *vc = NULL, *vb = NULL, *vw = NULL;
    const double *w;
    stp_status st = STP_OK;
    int i;
    memset(cmp, 0, sizeof *cmp);
    cmp->es_level = level;
    if (cfg->experiment.kind == STP_EXP_SWEEP)
        snprintf(cmp->sweep_param, sizeof cmp->sweep_param, "%s", cfg->experiment.sweep_param);
    if (STP_ALLOC(err, cmp->rows, n) || STP_ALLOC(err, bc, paths) || STP_ALLOC(err, bb, paths) ||
        STP_ALLOC(err, bw, paths) || STP_ALLOC(err, vc, paths) || STP_ALLOC(err, vb, paths) ||
        STP_ALLOC(err, vw, paths)) {
        st = err->status;
        goto done;
    }
    cmp->n = n;
    if (vars[0].ensemble) {
        const size_t cells = (size_t)n * (size_t)vars[0].ensemble->k;
        cmp->populations = vars[0].ensemble->k;
        if (STP_ALLOC(err, cmp->pop_d_cascade, cells) || STP_ALLOC(err, cmp->pop_d_es, cells) ||
            STP_ALLOC(err, cmp->pop_d_bad_debt, cells)) {
            st = err->status;
            goto done;
        }
    }
    if ((st = read_columns(&vars[0], bc, bb, bw, err)) != STP_OK) goto done;
    w = any_weighted(bw, paths) ? bw : NULL; /* NULL: the unweighted figures, bit for bit */
    for (i = 0; i < n; i++) {
        stp_comparison_row *r = &cmp->rows[i];
        const stp_metric_stats *v = &vars[i].stats[STP_OUT_BAD_DEBT_USD];
        headline(r, &pts[i], &vars[i], has_es);
        if ((st = read_columns(&vars[i], vc, vb, vw, err)) != STP_OK ||
            (st = check_same_weights(bw, vw, paths, pts[i].name, err)) != STP_OK)
            goto done;
        if (cmp->populations > 0) {
            if ((st = ensemble_row(cmp, i, &vars[0], &vars[i], bc, bb, vc, vb, w, has_es, level,
                                   err)) != STP_OK)
                goto done;
            continue;
        }
        /* each difference is of the estimators the rows report: P(cascade)
         * unbiased (sum w c / n), bad debt's mean and ES self-normalised */
        r->d_cascade = stp_paired_probability(bc, vc, w, paths);
        r->d_bad_debt = stp_paired_mean(bb, vb, w, paths);
        r->d_es = has_es ? stp_paired_es(bb, b->var[0], b->es[0], vb, v->var[0], v->es[0], w, paths,
                                         level)
                         : no_es();
    }
done:
    free(bc);
    free(bb);
    free(bw);
    free(vc);
    free(vb);
    free(vw);
    if (st) stp_comparison_free(cmp);
    return st;
}
