/* h5util.c: HDF5 error checking and the attribute, dataset and group
 * helpers the results writers (h5out.c, h5_comparison.c) and reader
 * (h5in.c, h5_comparison.c) share. */
#include "h5util.h"

#include "stampede/h5out.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
// ----------------------------------------------------------------------------
// error checking

/* HDF5's text of a failed system call spans lines ("file write failed:
 * time = ...\n, filename = ..., errno = 27, error message = 'File too
 * large', buf = ..."): keep its first clause and the system's message, on
 * one line. */
static void one_line(char *s, size_t cap)
{
    const char *msg = strstr(s, "error message = '");
    char *colon = strchr(s, ':');
    if (msg && colon && colon < msg) {
        char sys[120];
        const char *end;
        msg += strlen("error message = '");
        end = strchr(msg, '\'');
        snprintf(sys, sizeof sys, "%.*s", (int)(end ? end - msg : 100), msg);
        snprintf(colon, cap - (size_t)(colon - s), ": %s", sys);
    }
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t') *s = ' ';
}

static herr_t keep_innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    /* Walked upward, entry 0 is the routine that detected the error; its text
     * ("unable to open file: ... errno = 2 ...") is the one a user can act on. */
    if (n == 0 && e->desc) {
        snprintf((char *)data, 200, "%s", e->desc);
        one_line((char *)data, 200);
    }
    return 0;
}

void stp_h5_library_init(void)
{
    H5dont_atexit();
}

void stp_h5_library_message(char *buf, size_t cap)
{
    char lib[200] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, lib);
    H5Eclear2(H5E_DEFAULT);
    snprintf(buf, cap, "%s", lib);
}

int stp_h5_failed(int64_t rc, stp_error *err, const char *call, const char *file, int line)
{
    char lib[200] = "";
    if (rc >= 0) return 0;
    stp_h5_library_message(lib, sizeof lib);
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

// ----------------------------------------------------------------------------
// writing: attributes, datasets, groups

/* Elements per chunk: 512 KiB of float64, so a chunk fits HDF5's default
 * 1 MiB chunk cache and h5py can slice a column without decompressing it all. */
#define CHUNK_MAX 65536
/* zlib level 4: most of level 9's ratio on shuffled float data, far faster. */
#define DEFLATE_LEVEL 4

/* Variable-length UTF-8: h5py reads these as str, not bytes. */
hid_t stp_h5_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* A scalar attribute `name` on object `obj` ("." for loc itself). */
int stp_h5_write_attr(hid_t loc, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                      const void *value, stp_error *err)
{
    hid_t space = -1, a = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, space = H5Screate(H5S_SCALAR))) goto fail;
    if (STP_H5_CHECK(err, a = H5Acreate_by_name(loc, obj, name, ftype, space, H5P_DEFAULT,
                                                H5P_DEFAULT, H5P_DEFAULT)))
        goto fail;
    if (STP_H5_CHECK(err, H5Awrite(a, mtype, value))) goto fail;
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, loc, obj, name);
    stp_h5_close(a);
    stp_h5_close(space);
    return rc;
}

int stp_h5_attr_str(hid_t loc, const char *obj, const char *name, const char *s, stp_error *err)
{
    const char *v = s ? s : "";
    hid_t t = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, t = stp_h5_string_type()))
        stp_h5_blame(err, loc, obj, name);
    else
        rc = stp_h5_write_attr(loc, obj, name, t, t, &v, err);
    stp_h5_close(t);
    return rc;
}

int stp_h5_attr_f64(hid_t loc, const char *obj, const char *name, double x, stp_error *err)
{
    return stp_h5_write_attr(loc, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &x, err);
}

int stp_h5_attr_i64(hid_t loc, const char *obj, const char *name, long long x, stp_error *err)
{
    return stp_h5_write_attr(loc, obj, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &x, err);
}

int stp_h5_attr_i32(hid_t loc, const char *obj, const char *name, int x, stp_error *err)
{
    return stp_h5_write_attr(loc, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &x, err);
}

/* Chunk shape: 1-D min(n, CHUNK_MAX); 2-D [row][col] whole rows, about
 * CHUNK_MAX elements per chunk, so reading one path's row touches one chunk. */
static void chunk_dims(int rank, const hsize_t *dims, hsize_t *chunk)
{
    if (rank == 1) {
        chunk[0] = dims[0] < CHUNK_MAX ? dims[0] : CHUNK_MAX;
        return;
    }
    hsize_t rows = CHUNK_MAX / dims[1];
    if (rows < 1) rows = 1;
    chunk[0] = rows < dims[0] ? rows : dims[0];
    chunk[1] = dims[1];
}

/* Creates dataset `name`: rank 0 (scalar), 1 or 2. Every non-empty array
 * is chunked and carries HDF5's Fletcher-32 filter, so a damaged chunk is
 * an error on read, never data (DESIGN §6; scalars, empty arrays and
 * variable-length strings cannot be filtered: the seal, h5_seal.h, covers
 * them). With `compress` it is also
 * byte-shuffled (float bytes compress far better grouped by significance)
 * and deflated; Fletcher-32 comes last, so it checks the bytes stored. */
int stp_h5_create_dataset(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                          int compress, hid_t *out, stp_error *err)
{
    hid_t space = -1, dcpl = -1;
    hsize_t total = 1, chunk[2];
    int rc = -1;
    *out = -1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (STP_H5_CHECK(err,
                     space = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR)) ||
        STP_H5_CHECK(err, dcpl = H5Pcreate(H5P_DATASET_CREATE)))
        goto fail;
    /* variable-length strings cannot pass through filters: the seal covers them */
    if (rank > 0 && total > 0 && H5Tis_variable_str(ftype) <= 0) {
        chunk_dims(rank, dims, chunk);
        if (STP_H5_CHECK(err, H5Pset_chunk(dcpl, rank, chunk)) ||
            (compress && (STP_H5_CHECK(err, H5Pset_shuffle(dcpl)) ||
                          STP_H5_CHECK(err, H5Pset_deflate(dcpl, DEFLATE_LEVEL)))) ||
            STP_H5_CHECK(err, H5Pset_fletcher32(dcpl)))
            goto fail;
    }
    if (STP_H5_CHECK(err,
                     *out = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)))
        goto fail;
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, loc, name, NULL);
    stp_h5_close(dcpl);
    stp_h5_close(space);
    return rc;
}

int stp_h5_write_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                         const hsize_t *dims, const void *data, int compress, stp_error *err)
{
    hid_t d = -1;
    hsize_t total = 1;
    int rc = -1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (stp_h5_create_dataset(loc, name, ftype, rank, dims, compress, &d, err)) return -1;
    if (total > 0 && STP_H5_CHECK(err, H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data))) {
        stp_h5_blame(err, loc, name, NULL);
        goto fail;
    }
    rc = 0;
fail:
    stp_h5_close(d);
    return rc;
}

/* Creation order is tracked on /variants so readers list variants in the
 * config's order (baseline first), not alphabetically. */
int stp_h5_make_group(hid_t loc, const char *name, int track_order, hid_t *out, stp_error *err)
{
    hid_t gcpl = -1;
    int rc = -1;
    *out = -1;
    if (STP_H5_CHECK(err, gcpl = H5Pcreate(H5P_GROUP_CREATE))) goto fail;
    if (track_order && STP_H5_CHECK(err, H5Pset_link_creation_order(
                                             gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)))
        goto fail;
    if (STP_H5_CHECK(err, *out = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT))) goto fail;
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, loc, name, NULL);
    stp_h5_close(gcpl);
    return rc;
}

// ----------------------------------------------------------------------------
// reading

int stp_h5_require_points(hid_t space, hssize_t lo, hssize_t hi, hssize_t *n, stp_error *err)
{
    *n = H5Sget_simple_extent_npoints(space);
    if (STP_H5_CHECK(err, *n)) return -1;
    if (*n >= lo && *n <= hi && H5Sget_simple_extent_ndims(space) <= 1) return 0;
    stp_error_set(err, STP_EIO, "has %lld values, expected %lld to %lld in one dimension",
                  (long long)*n, (long long)lo, (long long)hi);
    return -1;
}

/* A scalar numeric attribute, converted by HDF5 to mtype. */
int stp_h5_read_attr(hid_t loc, const char *obj, const char *name, hid_t mtype, void *out,
                     stp_error *err)
{
    hid_t a = -1, space = -1;
    hssize_t n;
    int rc = -1;
    if (STP_H5_CHECK(err, a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Aget_space(a)) || stp_h5_require_points(space, 1, 1, &n, err) ||
        STP_H5_CHECK(err, H5Aread(a, mtype, out)))
        goto fail;
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, loc, obj, name);
    stp_h5_close(space);
    stp_h5_close(a);
    return rc;
}

/* Fixed length: HDF5 converts to a cap-byte, NUL-terminated buffer. Either
 * way it converts no character set to another, so take the file's. */
int stp_h5_string_mem_type(hid_t ft, size_t cap, htri_t *vlen, hid_t *out, stp_error *err)
{
    *out = -1;
    if (H5Tget_class(ft) != H5T_STRING) {
        stp_error_set(err, STP_EIO, "is not a string");
        return -1;
    }
    if (STP_H5_CHECK(err, *vlen = H5Tis_variable_str(ft)) ||
        STP_H5_CHECK(err, *out = H5Tcopy(H5T_C_S1)) ||
        STP_H5_CHECK(err, H5Tset_cset(*out, H5Tget_cset(ft))) ||
        STP_H5_CHECK(err, H5Tset_size(*out, *vlen ? H5T_VARIABLE : cap))) {
        stp_h5_close(*out);
        *out = -1;
        return -1;
    }
    return 0;
}

/* A scalar string attribute, fixed or variable length, truncated to cap - 1. */
int stp_h5_read_str_attr(hid_t loc, const char *obj, const char *name, char *buf, size_t cap,
                         stp_error *err)
{
    hid_t a = -1, ft = -1, mt = -1, space = -1;
    hssize_t n;
    htri_t vlen = 0;
    char *vs = NULL;
    int rc = -1;
    buf[0] = '\0';
    if (STP_H5_CHECK(err, a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Aget_space(a)) || stp_h5_require_points(space, 1, 1, &n, err) ||
        STP_H5_CHECK(err, ft = H5Aget_type(a)) ||
        stp_h5_string_mem_type(ft, cap, &vlen, &mt, err) ||
        STP_H5_CHECK(err, H5Aread(a, mt, vlen ? (void *)&vs : (void *)buf)))
        goto fail;
    if (vlen) snprintf(buf, cap, "%s", vs ? vs : "");
    buf[cap - 1] = '\0';
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, loc, obj, name);
    if (vs) H5free_memory(vs);
    stp_h5_close(mt);
    stp_h5_close(ft);
    stp_h5_close(space);
    stp_h5_close(a);
    return rc;
}

/* A dataset of at most `max` values (rank 0 or 1) into out; *n gets the count. */
int stp_h5_read_ds(hid_t loc, const char *name, hid_t mtype, void *out, int max, int *n,
                   stp_error *err)
{
    hid_t d = -1, space = -1;
    hssize_t count = 0;
    int rc = -1;
    if (STP_H5_CHECK(err, d = H5Dopen2(loc, name, H5P_DEFAULT)) ||
        STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        stp_h5_require_points(space, 0, max, &count, err))
        goto fail;
    if (count > 0 && STP_H5_CHECK(err, H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out)))
        goto fail;
    *n = (int)count;
    rc = 0;
fail:
    if (rc) stp_h5_blame(err, loc, name, NULL);
    stp_h5_close(space);
    stp_h5_close(d);
    return rc;
}

int stp_h5_write_f64(hid_t loc, const char *name, int rank, const hsize_t *dims, const double *x,
                     stp_error *err)
{
    return stp_h5_write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, x, 0,
                                err);
}

int stp_h5_write_i32(hid_t loc, const char *name, int rank, const hsize_t *dims, const int *x,
                     stp_error *err)
{
    return stp_h5_write_dataset(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, rank, dims, x, 0, err);
}

int stp_h5_write_strings(hid_t loc, const char *name, const char *const *s, int n, stp_error *err)
{
    const hsize_t dims = (hsize_t)n;
    hid_t t = -1;
    int rc = -1;
    if (STP_H5_CHECK(err, t = stp_h5_string_type()))
        stp_h5_blame(err, loc, name, NULL);
    else
        rc = stp_h5_write_dataset(loc, name, t, t, 1, &dims, s, 0, err);
    stp_h5_close(t);
    return rc;
}

// ----------------------------------------------------------------------------
// committing a finished file

/* fsync of an open descriptor of `path`'s bytes or of its folder. */
static int sync_path(const char *path, int flags)
{
    const int fd = open(path, flags);
    int rc;
    if (fd < 0) return -1;
    rc = fsync(fd);
    if (close(fd) != 0) rc = -1;
    return rc;
}

int stp_h5_commit_file(const char *tmp, const char *path, stp_error *err)
{
    char *copy = NULL;
    if (sync_path(tmp, O_RDONLY) != 0 || rename(tmp, path) != 0) {
        stp_error_set(err, STP_EIO, "cannot put '%s' in place as '%s': %s", tmp, path,
                      strerror(errno));
        return -1;
    }
    /* the rename itself is durable once the folder's entry is on disk; a
     * folder that refuses fsync (some network filesystems) is not an error */
    if (STP_ALLOC(err, copy, strlen(path) + 1)) return -1;
    memcpy(copy, path, strlen(path) + 1);
    (void)sync_path(dirname(copy), O_RDONLY | O_DIRECTORY);
    free(copy);
    return 0;
}
