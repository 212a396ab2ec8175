/* correlation.h: the assets' correlated Gaussian shocks (DESIGN §10).
 *
 * The config gives A assets (1-4) a correlation matrix C; the host factors
 * it once, C = L L^T with L lower triangular (stp_correlation_factor), and
 * every step turns A independent standard normals z into the assets'
 * shocks L z (stp_correlate, shared by both backends). Lower triangular,
 * so asset 0's shock is z_0 itself: a one-asset path draws exactly what it
 * drew before assets existed.
 *
 * A positive semi-definite C that is singular (two assets perfectly
 * correlated) is accepted: its factor has a zero column, and the shocks
 * still have covariance C. A C that is not positive semi-definite is
 * refused, naming its smallest eigenvalue. */
#ifndef STAMPEDE_CORRELATION_H
#define STAMPEDE_CORRELATION_H

#include <math.h>

#include "stampede/error.h"
#include "stampede/hd.h"

#define STP_MAX_ASSETS 4

STP_EXTERN_C_BEGIN

/* Checks C (n x n, row-major, n in [1, STP_MAX_ASSETS]) and writes its
 * lower Cholesky factor into l (n x n, row-major, zero above the diagonal).
 * C must be symmetric, with a unit diagonal and entries in [-1, 1], and
 * positive semi-definite (its smallest eigenvalue, by GSL's symmetric
 * eigensolver, at least -STP_CORRELATION_TOL). Fails with STP_EUSAGE and a
 * message naming `what` (the config key) and the offending entry or the
 * smallest eigenvalue; l is then unspecified. */
stp_status stp_correlation_factor(const double *c, int n, double *l, const char *what,
                                  stp_error *err);

STP_EXTERN_C_END

/* Rounding the user's matrix may carry: a matrix whose smallest eigenvalue
 * is above -1e-9 is taken as positive semi-definite, and a Cholesky pivot
 * below 1e-12 as zero. */
#define STP_CORRELATION_TOL 1e-9

/* out[i] = sum_{j <= i} l[i][j] z[j], in float with fmaf in index order, so
 * both backends round alike; l as stp_correlation_factor wrote it, cast to
 * float by the caller once. */
static inline STP_HD void stp_correlate(const float *l, int n, const float *z, float *out)
{
    int i, j;
    for (i = 0; i < n; i++) {
        float s = 0.0f;
        for (j = 0; j <= i; j++)
            s = fmaf(l[i * n + j], z[j], s);
        out[i] = s;
    }
}

#endif
