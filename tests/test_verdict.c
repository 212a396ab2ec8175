/* The conclusions a report draws (host/stats/verdict.c): each decision on
 * hand-made statistics at and around its threshold. Expected values are
 * the contracts of verdict.h and weights.h (STP_KHAT_MAX 0.7; the share
 * bound max(0.05, 10 / n)). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "stampede/verdict.h"

static stp_cascade_stats weighted(long long n, double khat, double max_share)
{
    stp_cascade_stats c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.weighted = 1;
    c.diag.computed = 1;
    c.diag.khat = khat;
    c.diag.max_share = max_share;
    return c;
}

Test(verdict, unweighted_and_undiagnosed_estimates_are_trusted)
{
    stp_cascade_stats c = weighted(1000, 5.0, 1.0);
    c.weighted = 0;
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_TRUSTED);
    c = weighted(1000, 5.0, 1.0);
    c.diag.computed = 0; /* a file from before the diagnostics */
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_TRUSTED);
}

Test(verdict, weights_flagged_by_khat_before_share)
{
    stp_cascade_stats c = weighted(1000, 0.7, 0.05);
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_TRUSTED); /* both at the bound */
    c = weighted(1000, 0.71, 0.01);
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_HEAVY_TAIL);
    c = weighted(1000, 0.71, 0.5); /* both: the tail is named */
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_HEAVY_TAIL);
    c = weighted(1000, 0.2, 0.06);
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_DOMINATED);
    c = weighted(1000, NAN, 0.06); /* no tail fitted: the share alone decides */
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_DOMINATED);
    c = weighted(100, 0.2, 0.09); /* 100 paths: the bound is 10 / 100 */
    cr_assert_eq(stp_cascade_weights_verdict(&c), STP_WEIGHTS_TRUSTED);
}

/* p (1 - p) / se^2: p = 0.01, se = 0.001 is worth 0.0099 / 1e-6 = 9,900
 * plain paths. */
Test(verdict, plain_equivalent_of_a_trusted_weighted_estimate)
{
    stp_cascade_stats c = weighted(1000, 0.2, 0.01);
    double paths = -1.0;
    c.p = 0.01;
    c.se = 0.001;
    cr_assert_eq(stp_cascade_plain_equivalent(&c, &paths), 1);
    cr_assert_float_eq(paths, 9900.0, 1e-6);
    c.se = 0.0; /* a file before 0.3.0 */
    paths = -1.0;
    cr_assert_eq(stp_cascade_plain_equivalent(&c, &paths), 0);
    cr_assert_eq(paths, -1.0);
    c.se = 0.001;
    c.diag.khat = 0.9; /* rejected weights: their se is not to be believed */
    cr_assert_eq(stp_cascade_plain_equivalent(&c, &paths), 0);
    c = weighted(1000, 0.2, 0.01);
    c.weighted = 0;
    c.se = 0.001;
    cr_assert_eq(stp_cascade_plain_equivalent(&c, &paths), 0);
}

static stp_comparison_row row(double p, double p_lo, double p_hi, double es, double es_lo,
                              double es_hi)
{
    stp_comparison_row r;
    memset(&r, 0, sizeof r);
    r.cascade.p = p;
    r.cascade.ci_lo = p_lo;
    r.cascade.ci_hi = p_hi;
    r.es = es;
    r.es_ci_lo = es_lo;
    r.es_ci_hi = es_hi;
    return r;
}

Test(verdict, search_reads_its_objective)
{
    const stp_comparison_row r = row(0.1, 0.05, 0.15, 2e6, 1e6, 3e6);
    double x, lo, hi;
    stp_search_objective_ci(STP_OBJECTIVE_P_CASCADE, &r, &x, &lo, &hi);
    cr_assert(x == 0.1 && lo == 0.05 && hi == 0.15);
    stp_search_objective_ci(STP_OBJECTIVE_ES_BAD_DEBT, &r, &x, &lo, &hi);
    cr_assert(x == 2e6 && lo == 1e6 && hi == 3e6);
}

/* Beyond both CIs: the worst's lower bound strictly above random's upper. */
Test(verdict, search_beyond_both_cis)
{
    const stp_comparison_row above[2] = {row(0.1, 0.05, 0.15, 2e6, 1e6, 3e6),
                                         row(0.3, 0.16, 0.4, 2e6, 1e6, 3e6)};
    const stp_comparison_row touching[2] = {row(0.1, 0.05, 0.15, 2e6, 1e6, 3e6),
                                            row(0.3, 0.15, 0.4, 5e6, 3.1e6, 6e6)};
    cr_assert_eq(stp_search_beyond_cis(STP_OBJECTIVE_P_CASCADE, above, 2), 1);
    cr_assert_eq(stp_search_beyond_cis(STP_OBJECTIVE_P_CASCADE, touching, 2), 0);
    cr_assert_eq(stp_search_beyond_cis(STP_OBJECTIVE_ES_BAD_DEBT, above, 2), 0);
    cr_assert_eq(stp_search_beyond_cis(STP_OBJECTIVE_ES_BAD_DEBT, touching, 2), 1);
    cr_assert_eq(stp_search_beyond_cis(STP_OBJECTIVE_P_CASCADE, above, 1), 0); /* no re-run */
}

Test(verdict, ensemble_allocation_advice)
{
    stp_ensemble e;
    memset(&e, 0, sizeof e);
    e.paths = 1000;
    cr_assert_eq(stp_ensemble_allocation_advice(&e), STP_ADVICE_NOT_MEASURED);
    e.pop_s = 2.0;
    e.path_s = 0.01;
    e.best_paths = INFINITY;
    cr_assert_eq(stp_ensemble_allocation_advice(&e), STP_ADVICE_WITHIN_ERROR);
    e.best_paths = NAN;
    cr_assert_eq(stp_ensemble_allocation_advice(&e), STP_ADVICE_NONE);
    e.best_paths = 400.0;
    cr_assert_eq(stp_ensemble_allocation_advice(&e), STP_ADVICE_MORE_POPULATIONS);
    e.best_paths = 1000.0;
    cr_assert_eq(stp_ensemble_allocation_advice(&e), STP_ADVICE_MORE_PATHS);
}
