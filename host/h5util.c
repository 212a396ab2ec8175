/* h5util.c: HDF5 error checking for the results writer and reader. */
#include "h5util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
// ----------------------------------------------------------------------------
// error checking

static herr_t keep_innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    /* Walked upward, entry 0 is the routine that detected the error; its text
     * ("unable to open file: ... errno = 2 ...") is the one a user can act on. */
    if (n == 0 && e->desc) snprintf((char *)data, 200, "%s", e->desc);
    return 0;
}

int stp_h5_failed(int64_t rc, stp_error *err, const char *call, const char *file, int line)
{
    char lib[200] = "";
    if (rc >= 0) return 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, lib);
    H5Eclear2(H5E_DEFAULT);
    stp_error_set(err, STP_EIO, "%s failed (%s:%d)%s%s", call, file, line, lib[0] ? ": " : "", lib);
    return 1;
}

void stp_h5_prefix_error(stp_error *err, const char *fmt, ...)
{
    char head[STP_ERROR_MAX], old[STP_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    stp_error_set(err, err->status, "%s%s", head, old);
}

/* Names the object being made or read ("/variants/base/outcomes/x", or
 * "/population/role attribute 'roles'") in front of err's message. */
void stp_h5_blame(stp_error *err, hid_t loc, const char *obj, const char *attr)
{
    char where[256] = "";
    const int named = obj && strcmp(obj, ".") != 0;
    if (H5Iget_name(loc, where, sizeof where) < 0) H5Eclear2(H5E_DEFAULT);
    const size_t len = strlen(where);
    const char *sep = named && !(len && where[len - 1] == '/') ? "/" : "";
    if (attr)
        stp_h5_prefix_error(err, "%s%s%s attribute '%s': ", where, sep, named ? obj : "", attr);
    else
        stp_h5_prefix_error(err, "%s%s%s: ", where, sep, named ? obj : "");
}

/* Closes any HDF5 id; -1 (never opened) is a no-op, so fail: paths need no
 * bookkeeping of what got opened. */
void stp_h5_close(hid_t id)
{
    if (id < 0) return;
    switch (H5Iget_type(id)) {
    case H5I_FILE:
        H5Fclose(id);
        break;
    case H5I_GROUP:
        H5Gclose(id);
        break;
    case H5I_DATASET:
        H5Dclose(id);
        break;
    case H5I_DATASPACE:
        H5Sclose(id);
        break;
    case H5I_DATATYPE:
        H5Tclose(id);
        break;
    case H5I_ATTR:
        H5Aclose(id);
        break;
    case H5I_GENPROP_LST:
        H5Pclose(id);
        break;
    default:
        break;
    }
}
