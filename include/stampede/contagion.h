/* contagion.h: the system's contagion estimates over a multi-venue run's
 * paths (DESIGN §10): from each path's count of cascading venues, P(at
 * least two venues cascade) and P(a second venue cascades | one does). */
#ifndef STAMPEDE_CONTAGION_H
#define STAMPEDE_CONTAGION_H

#include <stddef.h>

#include "stampede/error.h"
#include "stampede/stats.h"

/* P(a second venue cascades | some venue cascades) = P(>= 2) / P(>= 1),
 * from venues_in_cascade[0..n) (each path's count) and the paths'
 * likelihood ratios w (NULL: unweighted).
 *  - unweighted: k / n with Wilson's interval on the conditional subsample
 *    (n: paths where at least one venue cascaded, k: of those, paths where
 *    at least two did); under qmc too, as if the points were independent
 *    (the conditional subsample is not a whole replicate, so the
 *    replicates' spread does not apply; independent draws' interval is the
 *    wider one for smooth integrands).
 *  - weighted: the ratio estimate R = sum(w c2) / sum(w c1) with the
 *    delta method's standard error sqrt(sum (w c1 (c2 - R))^2 / (m (m - 1)))
 *    / mean(w c1) over all m paths, the interval R -+ 1.96 se clamped to
 *    [0, 1]; n, k the subsample's counts, ess its weights' Kish size.
 * No path with a cascading venue: n = k = 0 and p, ci_lo, ci_hi, se NaN
 * (undefined, not zero). */
stp_cascade_stats stp_contagion_conditional(const double *venues_in_cascade, const double *w,
                                            size_t n);

/* c[i] = 1 where venues_in_cascade[i] >= at_least, else 0: the indicator
 * stp_cascade_estimate takes for P(at least `at_least` venues cascade). */
void stp_contagion_indicator(double *c, const double *venues_in_cascade, size_t n, int at_least);

#endif
