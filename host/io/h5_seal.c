/* h5_seal.c: sealing a results file and checking its seals (h5_seal.h). */
#include "h5_seal.h"

#include "stampede/h5out.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stampede/checkpoint.h"

/* Bytes read at a time from a dataset: bounds the memory a check of a
 * million-path file needs. */
#define BLOCK_BYTES (8u << 20)

typedef unsigned long long u64;

/* A verifying child's line to its parent (stp_h5_verify): where the walk
 * is, told before each step on which HDF5 may crash or hang, so that the
 * parent can name the object when the child dies or runs out of time.
 * NULL outside such a child: nothing is told. */
typedef struct progress {
    int fd;               /* the verdict pipe's write end */
    const char *crash_at; /* the test hook's place (see crash_hook), or NULL */
} progress;

static void tell(const progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
    const progress *progress; /* borrowed; NULL outside a verifying child */
    const char *obj;          /* the object's path, for tell */
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
    tell(w->progress, "reading %s attribute '%s'", w->obj, name);
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

/* One object's seal: its name, kind, attributes and (a dataset) data.
 * `path` is its absolute path, for tell. */
static int object_seal(hid_t obj, const char *name, const char *path, H5O_type_t type, u64 *out,
                       const progress *p, stp_error *err)
{
    attr_walk w = {STP_FNV_OFFSET, err, 0, p, path};
    hsize_t idx = 0;
    w.h = mix_int(mix_str(w.h, name), (long long)type);
    if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, mix_attr, &w) < 0) {
        if (!w.failed) STP_H5_CHECK(err, -1);
        return -1;
    }
    if (type == H5O_TYPE_DATASET) tell(p, "reading %s", path);
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
    const progress *progress; /* borrowed; NULL outside a verifying child */
    char place[1100];         /* where HDF5 is between calls, as tell says it */
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
    char path[1024];
    hid_t obj = -1;
    u64 seal = 0, stored = 0;
    int has = 0;
    if (info->type != H5O_TYPE_GROUP && info->type != H5O_TYPE_DATASET) return 0;
    snprintf(path, sizeof path, "/%s", is_root ? "" : name);
    tell(w->progress, "reading %s", path);
    if (STP_H5_CHECK(w->err, obj = H5Oopen(loc, name, H5P_DEFAULT)) ||
        object_seal(obj, name, path, info->type, &seal, w->progress, w->err))
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
    /* HDF5 lists a group's members right after its call, and finds the
     * next object between calls: a crash there is after this one */
    snprintf(w->place, sizeof w->place, "%s %s",
             info->type == H5O_TYPE_GROUP ? "listing the members of" : "walking the objects after",
             path);
    tell(w->progress, "%s", w->place);
    return 0;
fail:
    stp_h5_blame(w->err, loc, name, NULL);
    stp_h5_close(obj);
    w->failed = 1;
    return -1;
}

static int walk(hid_t file, int writing, const progress *p, seal_walk *w, stp_error *err)
{
    memset(w, 0, sizeof *w);
    w->file = file;
    w->writing = writing;
    w->err = err;
    w->progress = p;
    snprintf(w->place, sizeof w->place, "listing the objects of /");
    tell(p, "%s", w->place);
    if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visit, w, H5O_INFO_BASIC) >= 0) return 0;
    if (!w->failed) { /* HDF5 failed between objects, not in visit: name the place */
        char lib[200];
        stp_h5_library_message(lib, sizeof lib);
        stp_error_set(
            err, STP_EIO, "HDF5 failed %s (%s)%s", w->place, lib[0] ? lib : "no reason given",
            writing ? "" : ": the file is damaged (rerun, or restore the file from a copy)");
    }
    return -1;
}

int stp_h5_seal(hid_t file, stp_error *err)
{
    seal_walk w;
    if (walk(file, 1, NULL, &w, err) || drop_seal(file, err)) return -1;
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
    rc = seal ? stp_h5_seal(file, err) : (walk(file, -1, NULL, &w, err) || drop_seal(file, err));
    if (STP_H5_CHECK(err, H5Fclose(file))) rc = -1;
    return rc ? err->status : STP_OK;
}

static int check_seal(hid_t file, int *sealed, const progress *p, stp_error *err)
{
    seal_walk w;
    u64 stored = 0;
    int has = 0;
    *sealed = 0;
    tell(p, "reading / attribute '%s'", STP_SEAL_ATTR);
    if (read_seal(file, &has, &stored, err)) {
        stp_h5_blame(err, file, ".", STP_SEAL_ATTR);
        return -1;
    }
    if (!has) return 0;
    *sealed = 1;
    if (walk(file, 0, p, &w, err)) return -1;
    if (w.root == stored) return 0;
    stp_error_set(err, STP_EIO,
                  "/: the root attributes or the file's objects do not match the root checksum: the "
                  "file is damaged (rerun, or restore the file from a copy)");
    return -1;
}

int stp_h5_check_seal(hid_t file, int *sealed, stp_error *err)
{
    return check_seal(file, sealed, NULL, err);
}

// ----------------------------------------------------------------------------
// verifying in a child process

/* What the child writes on the verdict pipe: a REPORT_AT before each step
 * on which HDF5 may crash or hang (msg: "reading /variants/x/outcomes/y"),
 * then one REPORT_VERDICT. Each is one write() of under PIPE_BUF bytes. */
enum { REPORT_AT = 1, REPORT_VERDICT = 2 };

typedef struct report {
    int kind;
    int status, sealed;      /* REPORT_VERDICT */
    char msg[STP_ERROR_MAX]; /* REPORT_AT: the place; REPORT_VERDICT: the error, "" for none */
} report;

/* In a verifying child (p not NULL), tells the parent the place the walk
 * is about to read; elsewhere nothing. A failed write is left to the
 * parent's clock: it stopped listening. */
static void tell(const progress *p, const char *fmt, ...)
{
    report r;
    va_list ap;
    if (!p) return;
    memset(&r, 0, sizeof r);
    r.kind = REPORT_AT;
    va_start(ap, fmt);
    vsnprintf(r.msg, sizeof r.msg, fmt, ap);
    va_end(ap);
    if (write(p->fd, &r, sizeof r) != (ssize_t)sizeof r) return;
    if (p->crash_at && !strcmp(p->crash_at, r.msg)) raise(SIGSEGV);
}

/* A test hook, read only in the child: STAMPEDE_TEST_VERIFY_CRASH_AT set
 * to "<pid>:<place>", where <pid> is the reading process's own id and
 * <place> one of tell's places ("reading /variants/baseline/cascade"),
 * makes the child die of SIGSEGV right after telling that place, as if
 * HDF5 had crashed there. Nothing else reads it. The pid, unknown before
 * the reader starts, keeps a stray setting (a shell profile, a CI
 * variable) from ever firing: only a process that sets it for itself, as
 * tests/test_h5out.c does, can. */
static const char *crash_hook(void)
{
    const char *v = getenv("STAMPEDE_TEST_VERIFY_CRASH_AT");
    char *end = NULL;
    long pid;
    if (!v) return NULL;
    pid = strtol(v, &end, 10);
    return pid > 0 && *end == ':' && pid == (long)getppid() ? end + 1 : NULL;
}

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

static const char *file_kind(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISDIR(m)  ? "a directory"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "of an unknown kind";
}

int stp_h5_regular_file(const char *path, stp_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        stp_error_set(err, STP_EIO, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode)) return 0;
    stp_error_set(err, STP_EIO, "not a regular file (%s); pass a results file",
                  file_kind(st.st_mode));
    return -1;
}

/* The child's whole check, telling its place before each step. */
static int child_check(const char *path, stp_h5_check_fn check, void *user, const progress *p,
                       int *sealed, stp_error *err)
{
    hid_t file = -1;
    htri_t is_hdf5;
    int rc = -1;
    tell(p, "opening the file");
    if (STP_H5_CHECK(err, is_hdf5 = H5Fis_hdf5(path))) return -1;
    if (!is_hdf5) {
        stp_error_set(err, STP_EIO, "not a stampede file (not HDF5 at all)");
        return -1;
    }
    if (STP_H5_CHECK(err, file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT))) return -1;
    tell(p, "reading the format attributes of /");
    if (!check(file, user, err) && !check_seal(file, sealed, p, err)) rc = 0;
    tell(p, "closing the file");
    stp_h5_close(file);
    return rc;
}

/* The child: every failure is a verdict; a crash or a hang is the parent's. */
static void verify_child(int fd, const char *path, stp_h5_check_fn check, void *user)
{
    static const int deadly[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    const struct rlimit no_core = {0, 0};
    stp_error err = {STP_OK, ""};
    progress p;
    report v;
    int null_fd;
    memset(&v, 0, sizeof v);
    p.fd = fd;
    p.crash_at = crash_hook();
    /* HDF5 can crash on a damaged file: let the child just die of it, with
     * no inherited handler (a sanitizer's, a fuzzer's) reporting the crash
     * as the reader's own, no core file, and nothing on stderr: glibc's
     * "free(): invalid pointer" would be a second line beside the parent's
     * one, which names the place (tell) and is exit 3 */
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++)
        signal(deadly[i], SIG_DFL);
    setrlimit(RLIMIT_CORE, &no_core);
    if ((null_fd = open("/dev/null", O_WRONLY)) >= 0) {
        dup2(null_fd, STDERR_FILENO);
        close(null_fd);
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (child_check(path, check, user, &p, &v.sealed, &err))
        v.status = err.status ? err.status : STP_EIO;
    v.kind = REPORT_VERDICT;
    snprintf(v.msg, sizeof v.msg, "%s", err.msg);
    if (write(fd, &v, sizeof v) != (ssize_t)sizeof v) _exit(1);
    _exit(0);
}

/* The parent's end of the pipe: the record being read, and the child's
 * last place. */
typedef struct listener {
    report r;
    size_t got; /* bytes of r read so far */
    int has_verdict;
    char where[STP_ERROR_MAX]; /* the last REPORT_AT's place; "" before one */
} listener;

/* Reads the child's reports until its verdict, its end, or `limit` seconds.
 * The parent keeps the clock, not the child: a handler the child inherited
 * (a fuzzer catches SIGALRM) cannot then keep a hang alive. 1 when time ran
 * out. */
static int listen_child(int fd, listener *l, unsigned limit)
{
    const double deadline = now_s() + limit;
    while (!l->has_verdict) {
        const double left = deadline - now_s();
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;
        int r;
        if (left <= 0.0) return 1;
        r = poll(&pfd, 1, left > 1e6 ? 1000000000 : (int)(left * 1000.0) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return 1;
        if (r < 0) return 0;
        n = read(fd, (char *)&l->r + l->got, sizeof l->r - l->got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0; /* the child is gone: waitpid says how */
        l->got += (size_t)n;
        if (l->got < sizeof l->r) continue;
        l->got = 0;
        l->r.msg[sizeof l->r.msg - 1] = '\0';
        if (l->r.kind == REPORT_VERDICT)
            l->has_verdict = 1;
        else
            memcpy(l->where, l->r.msg, sizeof l->where);
    }
    return 0;
}

/* The one line for a child that ran out of time or died before its
 * verdict, at the place it told last. */
static int blame_child(const listener *l, int hung, unsigned limit, int status, stp_error *err)
{
    const char *where = l->where[0] ? l->where : "starting the check";
    if (hung)
        stp_error_set(err, STP_EIO,
                      "HDF5 did not finish %s in %u s: the file is damaged (or huge: set "
                      "STAMPEDE_VERIFY_TIMEOUT_S)",
                      where, limit);
    else
        stp_error_set(err, STP_EIO,
                      "HDF5 crashed (%s %d) %s: the file is damaged (rerun, or restore the file "
                      "from a copy)",
                      WIFSIGNALED(status) ? "signal" : "exit",
                      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), where);
    return -1;
}

int stp_h5_verify(const char *path, stp_h5_check_fn check, void *user, int *sealed,
                  stp_error *err)
{
    listener l;
    unsigned limit;
    int fds[2], status = 0, hung;
    pid_t pid;
    *sealed = 0;
    /* before anything opens it, here or in the child: opening a FIFO waits
     * for a writer, past any time limit of the parent's */
    if (stp_h5_regular_file(path, err)) return -1;
    limit = time_limit_s(path);
    memset(&l, 0, sizeof l);
    fflush(NULL); /* the child must not flush the parent's buffered output again */
    if (pipe(fds) != 0)
        return stp_error_set(err, STP_EIO, "cannot start the file check: %s", strerror(errno)), -1;
    if ((pid = fork()) < 0) {
        stp_error_set(err, STP_EIO, "cannot start the file check: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        verify_child(fds[1], path, check, user);
    }
    close(fds[1]);
    hung = listen_child(fds[0], &l, limit);
    close(fds[0]);
    /* without a verdict the child is dead (the pipe closed) or must be: the
     * wait below never outlasts the limit */
    if (!l.has_verdict) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (hung || !l.has_verdict || !WIFEXITED(status) || WEXITSTATUS(status))
        return blame_child(&l, hung, limit, status, err);
    if (l.r.status != STP_OK) return stp_error_set(err, (stp_status)l.r.status, "%s", l.r.msg), -1;
    *sealed = l.r.sealed;
    return 0;
}
