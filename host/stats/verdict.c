/* verdict.c: the conclusions a report draws from the statistics
 * (verdict.h); report/ only words them. */
#include "stampede/verdict.h"

#include <math.h>

stp_weights_verdict stp_cascade_weights_verdict(const stp_cascade_stats *c)
{
    const stp_weight_diag *d = &c->diag;
    if (!c->weighted || stp_weights_reliable(d, c->n)) return STP_WEIGHTS_TRUSTED;
    if (isfinite(d->khat) && d->khat > STP_KHAT_MAX) return STP_WEIGHTS_HEAVY_TAIL;
    return STP_WEIGHTS_DOMINATED;
}

int stp_cascade_plain_equivalent(const stp_cascade_stats *c, double *paths)
{
    if (!c->weighted || !(c->se > 0.0)) return 0;
    if (stp_cascade_weights_verdict(c) != STP_WEIGHTS_TRUSTED) return 0;
    /* Var(k / n) = p (1 - p) / n for n plain paths; solve for n */
    *paths = c->p * (1.0 - c->p) / (c->se * c->se);
    return 1;
}

void stp_search_objective_ci(stp_search_objective kind, const stp_comparison_row *r, double *x,
                             double *lo, double *hi)
{
    if (kind == STP_OBJECTIVE_P_CASCADE) {
        *x = r->cascade.p;
        *lo = r->cascade.ci_lo;
        *hi = r->cascade.ci_hi;
    } else {
        *x = r->es;
        *lo = r->es_ci_lo;
        *hi = r->es_ci_hi;
    }
}

int stp_search_beyond_cis(stp_search_objective kind, const stp_comparison_row *rows, int n)
{
    double x0, lo0, hi0, x1, lo1, hi1;
    if (n < 2) return 0;
    stp_search_objective_ci(kind, &rows[0], &x0, &lo0, &hi0);
    stp_search_objective_ci(kind, &rows[1], &x1, &lo1, &hi1);
    return lo1 > hi0;
}

stp_ensemble_advice stp_ensemble_allocation_advice(const stp_ensemble *e)
{
    if (!(e->pop_s > 0.0 && e->path_s > 0.0)) return STP_ADVICE_NOT_MEASURED;
    if (isinf(e->best_paths)) return STP_ADVICE_WITHIN_ERROR;
    if (!isfinite(e->best_paths)) return STP_ADVICE_NONE;
    return e->best_paths < (double)e->paths ? STP_ADVICE_MORE_POPULATIONS : STP_ADVICE_MORE_PATHS;
}
