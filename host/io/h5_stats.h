/* h5_stats.h: a metric's statistics group (stats/<metric>/: quantiles,
 * VaR, ES and their intervals, mean, sd, n) and a P(cascade) scalar (p,
 * with its interval, counts and weights as attributes) in a results file,
 * in the one form every place that holds them uses (docs/results.md).
 * Private to io/. */
#ifndef STAMPEDE_H5_STATS_H
#define STAMPEDE_H5_STATS_H

#include "stampede/stats.h"

#include "h5util.h"

/* stats group `name` of g, from s. */
int stp_h5_write_metric_stats(hid_t g, const char *name, const stp_metric_stats *s, stp_error *err);
/* The scalar `name` of vg holding c->p, the rest of c its attributes
 * ("cascade": the variant's P(cascade)). */
int stp_h5_write_cascade(hid_t vg, const char *name, const stp_cascade_stats *c, stp_error *err);
/* Their readers; a column whose count differs from its levels' is STP_EIO
 * naming it. Files before weights or qmc read as unweighted. */
int stp_h5_read_metric(hid_t stats, const char *name, stp_metric_stats *m, stp_error *err);
int stp_h5_read_cascade(hid_t g, const char *name, stp_cascade_stats *c, stp_error *err);

#endif
