/* correlation.c: the assets' correlation matrix checked and factored on
 * the host (correlation.h). The eigenvalues decide positive
 * semi-definiteness (GSL's symmetric solver); the factor is a Cholesky that
 * takes a zero pivot as a zero column, which only a singular PSD matrix
 * produces, so perfectly correlated assets are allowed. It sits on the
 * config floor (scripts/house.py): loading checks market.correlation with
 * it (config_venues.c), and the model's floor above calls down to it. */
#include "stampede/correlation.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

/* Shape and entries: symmetric, unit diagonal, |c| <= 1. */
static stp_status check_entries(const double *c, int n, const char *what, stp_error *err)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            const double x = c[i * n + j];
            if (!isfinite(x) || x < -1.0 || x > 1.0)
                return stp_error_set(err, STP_EUSAGE,
                                     "%s[%d][%d]: %g is not a correlation; use a value in "
                                     "[-1, 1]",
                                     what, i, j, x);
            if (i == j && x != 1.0)
                return stp_error_set(err, STP_EUSAGE,
                                     "%s[%d][%d]: %g on the diagonal; an asset's correlation "
                                     "with itself is 1",
                                     what, i, i, x);
            if (x != c[j * n + i])
                return stp_error_set(err, STP_EUSAGE,
                                     "%s[%d][%d] = %g but %s[%d][%d] = %g; make the matrix "
                                     "symmetric",
                                     what, i, j, x, what, j, i, c[j * n + i]);
        }
    return STP_OK;
}

/* The smallest eigenvalue of the symmetric c (GSL: Golub & Van Loan's
 * symmetric QR, "Matrix Computations" §8.3). */
static double smallest_eigenvalue(const double *c, int n)
{
    double a[STP_MAX_ASSETS * STP_MAX_ASSETS], ev[STP_MAX_ASSETS], least = INFINITY;
    gsl_matrix_view m = gsl_matrix_view_array(a, (size_t)n, (size_t)n);
    gsl_vector_view v = gsl_vector_view_array(ev, (size_t)n);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc((size_t)n);
    int i;
    if (!w) return NAN;
    memcpy(a, c, sizeof(double) * (size_t)(n * n)); /* the solver overwrites its input */
    if (gsl_eigen_symm(&m.matrix, &v.vector, w) != GSL_SUCCESS) least = NAN;
    gsl_eigen_symm_free(w);
    for (i = 0; i < n && !isnan(least); i++)
        least = ev[i] < least ? ev[i] : least;
    return least;
}

/* Cholesky-Banachiewicz, row by row; a pivot below the tolerance is a zero
 * column (Higham, "Accuracy and Stability of Numerical Algorithms", §10.3,
 * for the semi-definite case). */
static void cholesky(const double *c, int n, double *l)
{
    int i, j, k;
    memset(l, 0, sizeof(double) * (size_t)(n * n));
    for (i = 0; i < n; i++)
        for (j = 0; j <= i; j++) {
            double s = c[i * n + j];
            for (k = 0; k < j; k++)
                s -= l[i * n + k] * l[j * n + k];
            if (i == j)
                l[i * n + i] = s > 1e-12 ? sqrt(s) : 0.0;
            else
                l[i * n + j] = l[j * n + j] > 0.0 ? s / l[j * n + j] : 0.0;
        }
}

stp_status stp_correlation_factor(const double *c, int n, double *l, const char *what,
                                  stp_error *err)
{
    stp_status st;
    double least;
    gsl_error_handler_t *old;
    if (n < 1 || n > STP_MAX_ASSETS)
        return stp_error_set(err, STP_EUSAGE, "%s: %d assets; use 1 to %d", what, n,
                             STP_MAX_ASSETS);
    if ((st = check_entries(c, n, what, err)) != STP_OK) return st;
    old = gsl_set_error_handler_off(); /* GSL's default aborts the process */
    least = smallest_eigenvalue(c, n);
    gsl_set_error_handler(old);
    if (isnan(least))
        return stp_error_set(err, STP_ENOMEM, "%s: the eigenvalue solver failed", what);
    if (least < -STP_CORRELATION_TOL)
        return stp_error_set(err, STP_EUSAGE,
                             "%s is not positive semi-definite (smallest eigenvalue %.3g): no "
                             "assets can have these correlations; lower the largest ones or "
                             "make them agree (a~b and b~c bound a~c)",
                             what, least);
    cholesky(c, n, l);
    return STP_OK;
}
