/* checkpoint.c: per-batch checkpoint files (checkpoint.h). */
#include "stampede/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stampede/batches.h"

/* 2: every batch carries its run's fingerprint, so a batch file copied from
 * another run's checkpoint is recomputed, never used */
#define MAGIC "STPCKPT2"
#define MANIFEST_FMT                                                                               \
    "stampede-checkpoint 2\nfingerprint %llu\npaths %lld\nbatch %d\nsteps %d\nsamples %d\n"

typedef struct batch_header {
    char magic[8];
    long long index, path0, n;
    int n_metrics, n_steps, sample_rows;
    /* 0: one row per sampled path (one venue; every file before DESIGN
     * §10's per-venue rows, so a one-venue file is byte for byte what it
     * was); V >= 2: each venue's rows, venue by venue, after the first's */
    int sample_venues;
    unsigned long long checksum;    /* FNV-1a of the payload */
    unsigned long long fingerprint; /* the run's (the manifest's) */
} batch_header;

unsigned long long stp_fnv1a(unsigned long long h, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Writes len bytes to path via path.tmp, fsync and rename: all or nothing. */
static stp_status write_atomic(const char *path, const void *const *parts, const size_t *lens,
                               int n_parts, stp_error *err)
{
    char tmp[1300];
    int fd, i;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return stp_error_set(err, STP_EIO, "cannot write checkpoint '%s': %s", tmp,
                             strerror(errno));
    for (i = 0; i < n_parts; i++) {
        const char *p = parts[i];
        size_t left = lens[i];
        while (left > 0) {
            const ssize_t w = write(fd, p, left);
            if (w < 0) {
                stp_error_set(err, STP_EIO, "cannot write checkpoint '%s': %s", tmp,
                              strerror(errno));
                close(fd);
                unlink(tmp);
                return STP_EIO;
            }
            p += w;
            left -= (size_t)w;
        }
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        stp_error_set(err, STP_EIO, "cannot finish checkpoint '%s': %s", path, strerror(errno));
        unlink(tmp);
        return STP_EIO;
    }
    return STP_OK;
}

static void manifest_text(const stp_checkpoint *ck, char *buf, size_t n)
{
    snprintf(buf, n, MANIFEST_FMT, ck->fingerprint, ck->paths, ck->batch, ck->n_steps,
             ck->sample_k);
}

static int read_small(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    size_t got;
    if (!f) return -1;
    got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
    return 0;
}

int stp_checkpoint_dir(char *buf, size_t n, const char *out_path)
{
    return snprintf(buf, n, "%s.ckpt", out_path) >= (int)n;
}

/* Unlinks the files of dir whose names start with prefix ("": all). */
static void remove_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1400];
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
}

void stp_checkpoint_remove_dir(const char *dir)
{
    remove_files(dir, "");
    rmdir(dir);
}

void stp_checkpoint_remove(const stp_checkpoint *ck)
{
    stp_checkpoint_remove_dir(ck->dir);
}

/* Point 0's files keep the names of a single run; later points' are
 * prefixed "vNNN-". */
static void file_path(const stp_checkpoint *ck, const char *name, char *buf, size_t n)
{
    if (ck->variant > 0)
        snprintf(buf, n, "%s/v%03d-%s", ck->dir, ck->variant, name);
    else
        snprintf(buf, n, "%s/%s", ck->dir, name);
}

/* A later point's manifest: the same run, or written now. Point 0 has
 * already refused or cleared a directory that may not be resumed, so a
 * manifest here that differs is a resume whose point changed: an error,
 * unless --force discards that point's batches. */
static stp_status open_point(const stp_checkpoint *ck, const char *manifest, const char *want,
                             int resume, int force, stp_error *err)
{
    char have[512];
    const void *part = want;
    const size_t len = strlen(want);
    if (read_small(manifest, have, sizeof have) == 0) {
        if (strcmp(have, want) == 0) return STP_OK;
        if (resume && !force)
            return stp_error_set(err, STP_EUSAGE,
                                 "--resume: '%s' is from a different run (variant %d changed); "
                                 "rerun with the same arguments or pass --force to start over",
                                 ck->dir, ck->variant);
    }
    { /* a changed point's batches belong to another run */
        char prefix[16];
        snprintf(prefix, sizeof prefix, "v%03d-", ck->variant);
        remove_files(ck->dir, prefix);
    }
    return write_atomic(manifest, &part, &len, 1, err);
}

stp_status stp_checkpoint_open(stp_checkpoint *ck, const char *out_path, int variant,
                               unsigned long long fingerprint, long long paths, int batch,
                               int populations, int n_steps, int sample_k, int n_cols, int resume,
                               int force, stp_error *err)
{
    char manifest[1200], want[512], have[512];
    const void *part;
    size_t len;
    struct stat st;
    memset(ck, 0, sizeof *ck);
    if (stp_checkpoint_dir(ck->dir, sizeof ck->dir, out_path))
        return stp_error_set(err, STP_EUSAGE, "output path too long (%zu bytes); use a shorter -o",
                             strlen(out_path));
    ck->variant = variant;
    ck->fingerprint = fingerprint;
    ck->paths = paths;
    ck->batch = batch;
    ck->populations = populations;
    ck->n_steps = n_steps;
    ck->sample_k = sample_k;
    /* the manifest does not name the columns: the fingerprint's resolved
     * config fixes the venues, so a single-venue checkpoint stays as it was */
    ck->n_cols = n_cols > STP_N_OUTCOMES ? n_cols : STP_N_OUTCOMES;
    file_path(ck, "manifest", manifest, sizeof manifest);
    manifest_text(ck, want, sizeof want);
    if (variant > 0) return open_point(ck, manifest, want, resume, force, err);
    /* a run killed between the mkdir below and its manifest's rename left a
     * directory without a manifest, so without a batch (batches follow the
     * manifest): nothing to resume or protect, so it starts afresh */
    if (stat(ck->dir, &st) == 0 && access(manifest, F_OK) != 0 && errno == ENOENT)
        stp_checkpoint_remove(ck);
    if (stat(ck->dir, &st) == 0) {
        const int same = read_small(manifest, have, sizeof have) == 0 && strcmp(have, want) == 0;
        if (force && !(resume && same)) { /* --force discards what cannot be resumed */
            stp_checkpoint_remove(ck);
        } else if (!resume) {
            return stp_error_set(err, STP_EUSAGE,
                                 "'%s' holds the finished batches of an "
                                 "interrupted run; pass --resume to continue it or --force to "
                                 "start over",
                                 ck->dir);
        } else if (!same) {
            return stp_error_set(err, STP_EUSAGE,
                                 "--resume: '%s' is from a different run "
                                 "(config, paths or batch changed); rerun with the same "
                                 "arguments or pass --force to start over",
                                 ck->dir);
        } else {
            return STP_OK;
        }
    }
    if (mkdir(ck->dir, 0755) != 0)
        return stp_error_set(err, STP_EIO,
                             "cannot create checkpoint directory '%s': %s; choose an -o in a "
                             "writable folder",
                             ck->dir, strerror(errno));
    part = want;
    len = strlen(want);
    return write_atomic(manifest, &part, &len, 1, err);
}

static void batch_path(const stp_checkpoint *ck, int index, char *buf, size_t n)
{
    char name[32];
    snprintf(name, sizeof name, "batch-%06d.bin", index);
    file_path(ck, name, buf, n);
}

/* Sample rows of the batch: paths [path0, min(path0 + n, k)). */
static long long sample_rows(const stp_samples *s, long long path0, long long n)
{
    const long long end = path0 + n < s->k ? path0 + n : s->k;
    return end > path0 ? end - path0 : 0;
}

#define N_SAMPLE_SERIES 4

/* The batch's rows [path0, ...) of series i of venue v (outcomes.h's
 * layout: venue v's rows sit v * k rows on). */
static float *series(const stp_samples *s, int i, int v, long long path0)
{
    float *const all[N_SAMPLE_SERIES] = {s->price, s->pool_depth, s->sync, s->liquidations};
    return all[i] + ((size_t)v * (size_t)s->k + (size_t)path0) * (size_t)s->n_steps;
}

/* The header's sample_venues of a run's samples: 0 with one row a path. */
static int sample_venues(const stp_samples *s)
{
    return s->n_venues > 1 ? s->n_venues : 0;
}

stp_status stp_checkpoint_save(const stp_checkpoint *ck, int index, long long path0, long long n,
                               const stp_outcomes *out, const stp_samples *samples, stp_error *err)
{
    const void *parts[1 + STP_MAX_OUTCOME_COLS + STP_MAX_VENUES * N_SAMPLE_SERIES];
    size_t lens[1 + STP_MAX_OUTCOME_COLS + STP_MAX_VENUES * N_SAMPLE_SERIES];
    const long long rows = sample_rows(samples, path0, n);
    const int nv = sample_venues(samples) > 0 ? sample_venues(samples) : 1;
    batch_header h;
    char path[1200];
    int m, v, k = 1;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    h.index = index;
    h.path0 = path0;
    h.n = n;
    h.n_metrics = ck->n_cols;
    h.n_steps = samples->n_steps;
    h.sample_rows = (int)rows;
    h.sample_venues = sample_venues(samples);
    h.checksum = STP_FNV_OFFSET;
    h.fingerprint = ck->fingerprint;
    for (m = 0; m < ck->n_cols; m++, k++) {
        parts[k] = out->v[m] + (path0 - out->base);
        lens[k] = sizeof(double) * (size_t)n;
    }
    for (v = 0; rows > 0 && v < nv && v < STP_MAX_VENUES; v++)
        for (m = 0; m < N_SAMPLE_SERIES; m++, k++) {
            parts[k] = series(samples, m, v, path0);
            lens[k] = sizeof(float) * (size_t)rows * (size_t)samples->n_steps;
        }
    for (m = 1; m < k; m++)
        h.checksum = stp_fnv1a(h.checksum, parts[m], lens[m]);
    parts[0] = &h;
    lens[0] = sizeof h;
    batch_path(ck, index, path, sizeof path);
    return write_atomic(path, parts, lens, k, err);
}

static int read_exact(FILE *f, void *buf, size_t n, unsigned long long *h)
{
    if (fread(buf, 1, n, f) != n) return -1;
    *h = stp_fnv1a(*h, buf, n);
    return 0;
}

int stp_checkpoint_load(const stp_checkpoint *ck, int index, long long path0, long long n,
                        stp_outcomes *out, stp_samples *samples)
{
    const long long rows = sample_rows(samples, path0, n);
    const size_t row_len = (size_t)rows * (size_t)samples->n_steps;
    const int nv = sample_venues(samples) > 0 ? sample_venues(samples) : 1;
    unsigned long long h = STP_FNV_OFFSET;
    batch_header hd;
    char path[1200];
    int m, v, ok = 1;
    FILE *f;
    batch_path(ck, index, path, sizeof path);
    if ((f = fopen(path, "rb")) == NULL) return 0;
    if (fread(&hd, sizeof hd, 1, f) != 1 || memcmp(hd.magic, MAGIC, 8) != 0 || hd.index != index ||
        hd.path0 != path0 || hd.n != n || hd.fingerprint != ck->fingerprint ||
        hd.n_metrics != ck->n_cols || hd.n_steps != samples->n_steps || hd.sample_rows != rows ||
        hd.sample_venues != sample_venues(samples) || nv > STP_MAX_VENUES)
        ok = 0; /* (a multi-venue batch saved before its venues' rows: recomputed) */
    /* Read into the run's arrays; a bad checksum leaves garbage there, but
     * the batch is then recomputed and overwrites it. */
    for (m = 0; ok && m < ck->n_cols; m++)
        ok = read_exact(f, out->v[m] + (path0 - out->base), sizeof(double) * (size_t)n, &h) == 0;
    for (v = 0; ok && rows > 0 && v < nv; v++)
        for (m = 0; ok && m < N_SAMPLE_SERIES; m++)
            ok = read_exact(f, series(samples, m, v, path0), sizeof(float) * row_len, &h) == 0;
    ok = ok && fgetc(f) == EOF && h == hd.checksum;
    fclose(f);
    return ok;
}

stp_status stp_checkpoint_column(const void *user, int metric, double *dst, stp_error *err)
{
    const stp_checkpoint *ck = user;
    const stp_batching layout = {ck->paths, ck->batch, ck->populations};
    const long long n_batches = stp_batch_count(layout);
    long long index;
    if (metric < 0 || metric >= ck->n_cols)
        return stp_error_set(err, STP_EIO,
                             "checkpoint '%s' holds %d outcome columns, not column %d "
                             "(internal error)",
                             ck->dir, ck->n_cols, metric);
    for (index = 0; index < n_batches; index++) {
        long long path0, n;
        long offset;
        int pop;
        char path[1200];
        FILE *f;
        size_t got = 0;
        stp_batch_span(layout, index, &path0, &n, &pop);
        offset = (long)sizeof(batch_header) + (long)metric * (long)n * 8L;
        batch_path(ck, (int)index, path, sizeof path);
        f = fopen(path, "rb");
        if (f && fseek(f, offset, SEEK_SET) == 0)
            got = fread(dst + path0, sizeof(double), (size_t)n, f);
        if (f) fclose(f);
        if (got != (size_t)n)
            return stp_error_set(err, STP_EIO,
                                 "checkpoint '%s' vanished or shrank while the "
                                 "results were written; rerun with --resume",
                                 path);
    }
    return STP_OK;
}
