/* h5_seal.c: sealing a results file and checking its seals (h5_seal.h). */
#include "h5_seal.h"

#include "stampede/h5out.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stampede/checkpoint.h"

/* Bytes read at a time from a dataset: bounds the memory a check of a
 * million-path file needs. */
#define BLOCK_BYTES (8u << 20)

typedef unsigned long long u64;

static u64 mix(u64 h, const void *p, size_t n)
{
    return stp_fnv1a(h, p, n);
}

static u64 mix_int(u64 h, long long v)
{
    return mix(h, &v, sizeof v);
}

static u64 mix_str(u64 h, const char *s)
{
    return mix(h, s ? s : "", strlen(s ? s : "") + 1); /* the NUL separates neighbours */
}

/* The type's class, size and string kind; refuses types a seal cannot hash
 * by their bytes (variable-length data other than strings, references). */
static int type_info(hid_t ft, u64 *h, hid_t *mt, size_t *elem, htri_t *vlen, stp_error *err)
{
    const H5T_class_t cls = H5Tget_class(ft);
    *mt = -1;
    *vlen = 0;
    if (STP_H5_CHECK(err, cls)) return -1;
    if (cls == H5T_STRING) {
        if (stp_h5_string_mem_type(ft, H5Tget_size(ft), vlen, mt, err)) return -1;
    } else if (cls == H5T_VLEN || cls == H5T_REFERENCE || H5Tdetect_class(ft, H5T_VLEN) > 0) {
        stp_error_set(err, STP_EIO, "has a type no stampede file holds (class %d)", (int)cls);
        return -1;
    } else if (STP_H5_CHECK(err, *mt = H5Tcopy(ft))) {
        return -1;
    }
    *elem = *vlen ? sizeof(char *) : H5Tget_size(ft);
    *h = mix_int(mix_int(mix_int(*h, (long long)cls), (long long)H5Tget_size(ft)), *vlen);
    return *elem > 0 ? 0 : -1;
}

/* n elements of buf, as read with mt: strings by content, the rest by bytes. */
static u64 mix_values(u64 h, const void *buf, size_t n, size_t elem, htri_t vlen)
{
    if (!vlen) return mix(h, buf, n * elem);
    for (size_t i = 0; i < n; i++)
        h = mix_str(h, ((char *const *)buf)[i]);
    return h;
}

static void reclaim(hid_t mt, hid_t space, void *buf, htri_t vlen)
{
    if (!vlen) return;
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mt, space, H5P_DEFAULT, buf);
#else
    H5Dvlen_reclaim(mt, space, H5P_DEFAULT, buf);
#endif
}

typedef struct attr_walk {
    u64 h;
    stp_error *err;
    int failed;
} attr_walk;

static herr_t mix_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    attr_walk *w = data;
    hid_t a = -1, ft = -1, mt = -1, space = -1;
    hssize_t n = 0;
    size_t elem = 0;
    htri_t vlen = 0;
    void *buf = NULL;
    (void)info;
    if (!strcmp(name, STP_SEAL_ATTR)) return 0;
    w->h = mix_str(w->h, name);
    if (STP_H5_CHECK(w->err, a = H5Aopen(loc, name, H5P_DEFAULT)) ||
        STP_H5_CHECK(w->err, ft = H5Aget_type(a)) ||
        STP_H5_CHECK(w->err, space = H5Aget_space(a)) ||
        STP_H5_CHECK(w->err, n = H5Sget_simple_extent_npoints(space)) ||
        type_info(ft, &w->h, &mt, &elem, &vlen, w->err) ||
        STP_ALLOC(w->err, buf, (size_t)n * elem + 1) ||
        (n > 0 && STP_H5_CHECK(w->err, H5Aread(a, mt, buf)))) {
        stp_h5_blame(w->err, loc, ".", name);
        w->failed = 1;
    } else {
        w->h = mix_values(mix_int(w->h, n), buf, (size_t)n, elem, vlen);
        reclaim(mt, space, buf, vlen);
    }
    free(buf);
    stp_h5_close(mt);
    stp_h5_close(space);
    stp_h5_close(ft);
    stp_h5_close(a);
    return w->failed ? -1 : 0;
}

/* Rows [r0, r0 + k) of a dataset whose rows hold `row` elements. */
static int mix_rows(hid_t d, hid_t fspace, int rank, hsize_t r0, hsize_t k, hsize_t row, hid_t mt,
                    size_t elem, htri_t vlen, void *buf, u64 *h, stp_error *err)
{
    hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK], dims[H5S_MAX_RANK];
    const hsize_t n = k * row;
    hid_t mspace = -1;
    int rc = -1;
    H5Sget_simple_extent_dims(fspace, dims, NULL);
    for (int i = 0; i < rank; i++)
        count[i] = dims[i];
    start[0] = r0;
    count[0] = k;
    if (STP_H5_CHECK(err, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL)) ||
        STP_H5_CHECK(err, mspace = H5Screate_simple(1, &n, NULL)) ||
        STP_H5_CHECK(err, H5Dread(d, mt, mspace, fspace, H5P_DEFAULT, buf)))
        goto fail;
    *h = mix_values(*h, buf, (size_t)n, elem, vlen);
    reclaim(mt, mspace, buf, vlen);
    rc = 0;
fail:
    stp_h5_close(mspace);
    return rc;
}

/* A dataset's type, shape and every element, a block of rows at a time. */
static int mix_data(hid_t d, u64 *h, stp_error *err)
{
    hid_t ft = -1, mt = -1, space = -1;
    hsize_t dims[H5S_MAX_RANK], row = 1, rows_per, r;
    size_t elem = 0;
    htri_t vlen = 0;
    void *buf = NULL;
    int rank, rc = -1;
    if (STP_H5_CHECK(err, ft = H5Dget_type(d)) || STP_H5_CHECK(err, space = H5Dget_space(d)) ||
        STP_H5_CHECK(err, rank = H5Sget_simple_extent_ndims(space)) ||
        type_info(ft, h, &mt, &elem, &vlen, err))
        goto fail;
    H5Sget_simple_extent_dims(space, dims, NULL);
    *h = mix_int(*h, rank);
    for (int i = 0; i < rank; i++) {
        *h = mix_int(*h, (long long)dims[i]);
        if (i > 0) row *= dims[i];
    }
    if (rank == 0) {
        if (STP_ALLOC(err, buf, elem) ||
            STP_H5_CHECK(err, H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)))
            goto fail;
        *h = mix_values(*h, buf, 1, elem, vlen);
        reclaim(mt, space, buf, vlen);
        rc = 0;
        goto fail;
    }
    rows_per = row * elem >= BLOCK_BYTES || row == 0 ? 1 : BLOCK_BYTES / (row * elem);
    if (dims[0] > 0 && row > 0 && STP_ALLOC(err, buf, (size_t)(rows_per * row) * elem)) goto fail;
    for (r = 0; row > 0 && r < dims[0]; r += rows_per)
        if (mix_rows(d, space, rank, r, dims[0] - r < rows_per ? dims[0] - r : rows_per, row, mt,
                     elem, vlen, buf, h, err))
            goto fail;
    rc = 0;
fail:
    free(buf);
    stp_h5_close(mt);
    stp_h5_close(space);
    stp_h5_close(ft);
    return rc;
}

/* One object's seal: its name, kind, attributes and (a dataset) data. */
static int object_seal(hid_t obj, const char *name, H5O_type_t type, u64 *out, stp_error *err)
{
    attr_walk w = {STP_FNV_OFFSET, err, 0};
    hsize_t idx = 0;
    w.h = mix_int(mix_str(w.h, name), (long long)type);
    if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, mix_attr, &w) < 0) {
        if (!w.failed) STP_H5_CHECK(err, -1);
        return -1;
    }
    if (type == H5O_TYPE_DATASET && mix_data(obj, &w.h, err)) return -1;
    *out = w.h;
    return 0;
}

typedef struct seal_walk {
    hid_t file;
    int writing;  /* 1: write each seal; -1: remove them; 0: compare with the stored one */
    u64 root;     /* the root seal, over every object's name and seal */
    u64 root_own; /* the root group's own seal, mixed in first */
    int n_objects;
    stp_error *err;
    int failed;
} seal_walk;

static int read_seal(hid_t obj, int *has, u64 *stored, stp_error *err)
{
    htri_t e;
    *has = 0;
    if (STP_H5_CHECK(err, e = H5Aexists(obj, STP_SEAL_ATTR))) return -1;
    if (!e) return 0;
    *has = 1;
    return stp_h5_read_attr(obj, ".", STP_SEAL_ATTR, H5T_NATIVE_ULLONG, stored, err);
}

/* Removes obj's seal, if it has one (resealing a file edited on purpose). */
static int drop_seal(hid_t obj, stp_error *err)
{
    htri_t e;
    if (STP_H5_CHECK(err, e = H5Aexists(obj, STP_SEAL_ATTR))) return -1;
    return e && STP_H5_CHECK(err, H5Adelete(obj, STP_SEAL_ATTR)) ? -1 : 0;
}

static herr_t visit(hid_t loc, const char *name, const H5O_info_t *info, void *data)
{
    seal_walk *w = data;
    const int is_root = !strcmp(name, ".");
    hid_t obj = -1;
    u64 seal = 0, stored = 0;
    int has = 0;
    if (info->type != H5O_TYPE_GROUP && info->type != H5O_TYPE_DATASET) return 0;
    if (STP_H5_CHECK(w->err, obj = H5Oopen(loc, name, H5P_DEFAULT)) ||
        object_seal(obj, name, info->type, &seal, w->err))
        goto fail;
    if (is_root) {
        w->root_own = seal;
        w->root = mix(STP_FNV_OFFSET, &seal, sizeof seal);
    } else {
        w->root = mix(mix_str(w->root, name), &seal, sizeof seal);
        if (w->writing) {
            if (drop_seal(obj, w->err) ||
                (w->writing > 0 && stp_h5_write_attr(obj, ".", STP_SEAL_ATTR, H5T_STD_U64LE,
                                                     H5T_NATIVE_ULLONG, &seal, w->err)))
                goto fail;
        } else {
            if (read_seal(obj, &has, &stored, w->err)) goto fail;
            if (!has || stored != seal) {
                stp_error_set(w->err, STP_EIO,
                              "%s: the file is damaged (rerun, or restore the file from a copy)",
                              has ? "content does not match its checksum" : "has no checksum");
                goto fail;
            }
        }
    }
    w->n_objects++;
    stp_h5_close(obj);
    return 0;
fail:
    stp_h5_blame(w->err, loc, name, NULL);
    stp_h5_close(obj);
    w->failed = 1;
    return -1;
}

static int walk(hid_t file, int writing, seal_walk *w, stp_error *err)
{
    memset(w, 0, sizeof *w);
    w->file = file;
    w->writing = writing;
    w->err = err;
    if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visit, w, H5O_INFO_BASIC) < 0) {
        if (!w->failed) STP_H5_CHECK(err, -1);
        return -1;
    }
    return 0;
}

int stp_h5_seal(hid_t file, stp_error *err)
{
    seal_walk w;
    if (walk(file, 1, &w, err) || drop_seal(file, err)) return -1;
    return stp_h5_write_attr(file, ".", STP_SEAL_ATTR, H5T_STD_U64LE, H5T_NATIVE_ULLONG, &w.root,
                             err);
}

stp_status stp_h5_reseal_file(const char *path, int seal, stp_error *err)
{
    seal_walk w;
    hid_t file = -1;
    int rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (STP_H5_CHECK(err, file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT))) return err->status;
    rc = seal ? stp_h5_seal(file, err) : (walk(file, -1, &w, err) || drop_seal(file, err));
    if (STP_H5_CHECK(err, H5Fclose(file))) rc = -1;
    return rc ? err->status : STP_OK;
}

int stp_h5_check_seal(hid_t file, int *sealed, stp_error *err)
{
    seal_walk w;
    u64 stored = 0;
    int has = 0;
    *sealed = 0;
    if (read_seal(file, &has, &stored, err)) {
        stp_h5_blame(err, file, ".", STP_SEAL_ATTR);
        return -1;
    }
    if (!has) return 0;
    *sealed = 1;
    if (walk(file, 0, &w, err)) return -1;
    if (w.root == stored) return 0;
    stp_error_set(err, STP_EIO,
                  "/: the root attributes or the file's objects do not match the root checksum: the "
                  "file is damaged (rerun, or restore the file from a copy)");
    return -1;
}

// ----------------------------------------------------------------------------
// verifying in a child process

typedef struct verdict {
    int status, sealed;
    char msg[STP_ERROR_MAX];
} verdict;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static unsigned time_limit_s(const char *path)
{
    const char *env = getenv("STAMPEDE_VERIFY_TIMEOUT_S");
    struct stat st;
    if (env && atoi(env) > 0) return (unsigned)atoi(env);
    return 60u + (stat(path, &st) == 0 ? (unsigned)(st.st_size / 10000000) : 0u);
}

/* The child: every failure is a verdict; a crash or a hang is the parent's. */
static void verify_child(int fd, const char *path, stp_h5_check_fn check, void *user)
{
    verdict v;
    stp_error err = {STP_OK, ""};
    hid_t file = -1;
    static const int deadly[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    memset(&v, 0, sizeof v);
    /* HDF5 can crash on a damaged file: let the child just die of it, with
     * no inherited handler (a sanitizer's, a fuzzer's) reporting the crash
     * as the reader's own; the parent turns the death into exit 3 */
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++)
        signal(deadly[i], SIG_DFL);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (STP_H5_CHECK(&err, file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) ||
        check(file, user, &err) || stp_h5_check_seal(file, &v.sealed, &err))
        v.status = err.status ? err.status : STP_EIO;
    stp_h5_close(file);
    snprintf(v.msg, sizeof v.msg, "%s", err.msg);
    if (write(fd, &v, sizeof v) != (ssize_t)sizeof v) _exit(1);
    _exit(0);
}

/* Reads the child's verdict until `limit` seconds have passed. The parent
 * keeps the clock, not the child: a handler the child inherited (a fuzzer
 * catches SIGALRM) cannot then keep a hang alive. 1 when time ran out. */
static int read_verdict(int fd, verdict *v, size_t *got, unsigned limit)
{
    const double deadline = now_s() + limit;
    for (;;) {
        const double left = deadline - now_s();
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        int r;
        if (*got >= sizeof *v) return 0;
        if (left <= 0.0) return 1;
        r = poll(&p, 1, (int)(left * 1000.0) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return 1;
        if (r < 0) return 0;
        n = read(fd, (char *)v + *got, sizeof *v - *got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0; /* the child is gone: waitpid says how */
        *got += (size_t)n;
    }
}

int stp_h5_verify(const char *path, stp_h5_check_fn check, void *user, int *sealed,
                  stp_error *err)
{
    const unsigned limit = time_limit_s(path);
    verdict v;
    size_t got = 0;
    int fds[2], status = 0, hung;
    pid_t pid;
    *sealed = 0;
    fflush(NULL); /* the child must not flush the parent's buffered output again */
    if (pipe(fds) != 0 || (pid = fork()) < 0)
        return stp_error_set(err, STP_EIO, "cannot start the file check: %s", strerror(errno)),
               -1;
    if (pid == 0) {
        close(fds[0]);
        verify_child(fds[1], path, check, user);
    }
    close(fds[1]);
    hung = read_verdict(fds[0], &v, &got, limit);
    close(fds[0]);
    if (hung) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (hung)
        return stp_error_set(err, STP_EIO,
                             "reading it did not finish in %u s: the file is damaged (or huge: set "
                             "STAMPEDE_VERIFY_TIMEOUT_S)",
                             limit),
               -1;
    if (WIFSIGNALED(status) || got != sizeof v || !WIFEXITED(status) || WEXITSTATUS(status))
        return stp_error_set(err, STP_EIO, "reading it crashed HDF5 (%s %d): the file is damaged",
                             WIFSIGNALED(status) ? "signal" : "exit",
                             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status)),
               -1;
    v.msg[sizeof v.msg - 1] = '\0';
    if (v.status != STP_OK) return stp_error_set(err, (stp_status)v.status, "%s", v.msg), -1;
    *sealed = v.sealed;
    return 0;
}
