/* shard.c: shard files and `stampede merge` (shard.h). */
#include "stampede/shard.h"

#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../io/h5_seal.h"
#include "../io/h5util.h"
#include "stampede/checkpoint.h"
#include "stampede/interrupt.h"
#include "stampede/outlock.h"
#include "stampede/ranks.h"
#include "stampede/run.h"

#ifndef STP_VERSION
#define STP_VERSION "0.0.0"
#endif

/* A resolved config is a few KB; this bounds what a shard may carry. */
#define CONFIG_MAX (1 << 20)

void stp_shard_range(long long n_batches, int shard, int shards, long long *lo, long long *hi)
{
    *lo = n_batches * shard / shards;
    *hi = n_batches * (shard + 1) / shards;
}

int stp_shard_parse(const char *text, int *shard, int *shards)
{
    char *end;
    long i, n;
    errno = 0;
    i = strtol(text, &end, 10);
    if (errno || end == text || *end != '/') return -1;
    n = strtol(end + 1, &end, 10);
    if (errno || *end || n < 1 || n > 4096 || i < 0 || i >= n) return -1;
    *shard = (int)i;
    *shards = (int)n;
    return 0;
}

/* The whole of file path into a malloc'd buffer. */
static stp_status slurp(const char *path, unsigned char **out, size_t *n, stp_error *err)
{
    FILE *f = fopen(path, "rb");
    long len;
    *out = NULL;
    if (!f) return stp_error_set(err, STP_EIO, "cannot read '%s': %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        STP_ALLOC(err, *out, (size_t)len + 1) || fread(*out, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(*out);
        *out = NULL;
        return err->status ? err->status : stp_error_set(err, STP_EIO, "cannot read '%s'", path);
    }
    fclose(f);
    *n = (size_t)len;
    return STP_OK;
}

static int write_files(hid_t file, const char *dir, stp_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    hid_t g = -1;
    int rc = -1;
    if (!d) {
        stp_error_set(err, STP_EIO, "cannot read checkpoint '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (stp_h5_make_group(file, "files", 0, &g, err)) goto done;
    while ((e = readdir(d)) != NULL) {
        char path[1400];
        unsigned char *bytes;
        size_t n;
        hsize_t dims;
        const size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || (len > 4 && !strcmp(e->d_name + len - 4, ".tmp"))) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (slurp(path, &bytes, &n, err) != STP_OK) goto done;
        dims = (hsize_t)n;
        rc = stp_h5_write_dataset(g, e->d_name, H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, &dims, bytes, 1,
                                  err);
        free(bytes);
        if (rc) goto done;
        rc = -1;
    }
    rc = 0;
done:
    stp_h5_close(g);
    closedir(d);
    return rc;
}

stp_status stp_shard_pack(const char *out_path, const char *ckpt_dir, const stp_config *cfg,
                          const stp_shard_info *info, stp_error *err)
{
    char tmp[1200];
    hid_t file = -1, fapl = -1;
    int failed;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out_path, (long)getpid());
    stp_interrupt_scratch(tmp); /* a second signal removes it (interrupt.h) */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    failed = STP_H5_CHECK(err, fapl = H5Pcreate(H5P_FILE_ACCESS)) ||
             /* the 1.10 format, as results files (h5out.c): HDF5 checksums its own metadata */
             STP_H5_CHECK(err, H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110)) ||
             STP_H5_CHECK(err, file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) ||
             stp_h5_attr_str(file, ".", "format", STP_SHARD_FORMAT, err) ||
             stp_h5_attr_i32(file, ".", "format_version", STP_SHARD_FORMAT_VERSION, err) ||
             stp_h5_attr_str(file, ".", "engine_version", STP_VERSION, err) ||
             stp_h5_attr_str(file, ".", "backend", info->backend, err) ||
             stp_h5_attr_str(file, ".", "device", info->device, err) ||
             stp_h5_attr_str(file, ".", "config_json", cfg->resolved_json, err) ||
             stp_h5_attr_str(file, ".", "config_path", cfg->source_path, err) ||
             stp_h5_write_attr(file, ".", "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &cfg->run.seed,
                               err) ||
             stp_h5_attr_i32(file, ".", "shard", info->shard, err) ||
             stp_h5_attr_i32(file, ".", "shards", info->shards, err) ||
             stp_h5_attr_f64(file, ".", "wall_s", info->wall_s, err) ||
             stp_h5_attr_f64(file, ".", "agent_steps", info->agent_steps, err) ||
             write_files(file, ckpt_dir, err) || stp_h5_seal(file, err);
    stp_h5_close(fapl);
    if (file >= 0 && STP_H5_CHECK(err, H5Fclose(file))) failed = 1;
    if (!failed && stp_h5_commit_file(tmp, out_path, err)) failed = 1;
    stp_interrupt_scratch(NULL);
    if (failed) {
        remove(tmp);
        stp_h5_prefix_error(err, "cannot write shard '%s': ", out_path);
        return err->status;
    }
    return STP_OK;
}

/* ---------------------------------------------------------------------------
 * merge
 * ------------------------------------------------------------------------- */

typedef struct shard_file {
    const char *path;
    char engine[64], backend[64], device[256], config_path[STP_PATH_MAX];
    char *config; /* resolved config JSON, owned */
    unsigned long long seed;
    int shard, shards;
    double wall_s, agent_steps;
} shard_file;

/* The verifier's first check (h5_seal.h): a shard file, sealed. */
static int check_shard_format(hid_t f, void *user, stp_error *err)
{
    char format[64] = "";
    (void)user;
    if (H5Aexists(f, "format") <= 0 ||
        stp_h5_read_str_attr(f, ".", "format", format, sizeof format, err) ||
        strcmp(format, STP_SHARD_FORMAT) != 0) {
        H5Eclear2(H5E_DEFAULT);
        stp_error_set(err, STP_EIO,
                      "not a stampede shard (format '%s'); pass the files `stampede run --shard "
                      "I/N` wrote",
                      format);
        return -1;
    }
    if (H5Aexists(f, STP_SEAL_ATTR) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        stp_error_set(err, STP_EIO,
                      "/: no root checksum: the shard is damaged (or from before "
                      "0.3.0: rerun that shard)");
        return -1;
    }
    return 0;
}

static stp_status read_head(shard_file *s, hid_t f, stp_error *err)
{
    char format[64] = "";
    int version = 0;
    if (stp_h5_read_str_attr(f, ".", "format", format, sizeof format, err) ||
        strcmp(format, STP_SHARD_FORMAT) != 0)
        return stp_error_set(err, STP_EIO,
                             "merge: '%s' is not a stampede shard (format '%s'); pass the files "
                             "`stampede run --shard I/N` wrote",
                             s->path, format);
    if (STP_ALLOC(err, s->config, CONFIG_MAX)) return err->status;
    if (stp_h5_read_attr(f, ".", "format_version", H5T_NATIVE_INT, &version, err) ||
        stp_h5_read_str_attr(f, ".", "engine_version", s->engine, sizeof s->engine, err) ||
        stp_h5_read_str_attr(f, ".", "backend", s->backend, sizeof s->backend, err) ||
        stp_h5_read_str_attr(f, ".", "device", s->device, sizeof s->device, err) ||
        stp_h5_read_str_attr(f, ".", "config_json", s->config, CONFIG_MAX, err) ||
        stp_h5_read_str_attr(f, ".", "config_path", s->config_path, sizeof s->config_path, err) ||
        stp_h5_read_attr(f, ".", "seed", H5T_NATIVE_ULLONG, &s->seed, err) ||
        stp_h5_read_attr(f, ".", "shard", H5T_NATIVE_INT, &s->shard, err) ||
        stp_h5_read_attr(f, ".", "shards", H5T_NATIVE_INT, &s->shards, err) ||
        stp_h5_read_attr(f, ".", "wall_s", H5T_NATIVE_DOUBLE, &s->wall_s, err) ||
        stp_h5_read_attr(f, ".", "agent_steps", H5T_NATIVE_DOUBLE, &s->agent_steps, err)) {
        stp_h5_prefix_error(err, "merge: '%s': ", s->path);
        return STP_EIO;
    }
    if (version != STP_SHARD_FORMAT_VERSION || s->shards < 1 || s->shard < 0 ||
        s->shard >= s->shards)
        return stp_error_set(err, STP_EIO, "merge: '%s' is a damaged shard (version %d, %d/%d)",
                             s->path, version, s->shard, s->shards);
    return STP_OK;
}

/* Whether b belongs to the run of a; else err names what differs. */
static stp_status same_run(const shard_file *a, const shard_file *b, stp_error *err)
{
    if (strcmp(a->engine, b->engine))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' was run by engine %s, '%s' by %s; rerun the shards "
                             "with one engine",
                             b->path, b->engine, a->path, a->engine);
    if (a->seed != b->seed)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' has seed %llu, '%s' seed %llu; merge shards of one run",
                             b->path, b->seed, a->path, a->seed);
    if (strcmp(a->config, b->config))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' was run with another config than '%s' (the resolved "
                             "configs differ); merge shards of one run",
                             b->path, a->path);
    if (strcmp(a->backend, b->backend))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' ran on the %s backend, '%s' on %s; merge shards of one "
                             "backend",
                             b->path, b->backend, a->path, a->backend);
    if (a->shards != b->shards)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' is shard %d/%d, '%s' one of %d; merge shards of one "
                             "split",
                             b->path, b->shard, b->shards, a->path, a->shards);
    return STP_OK;
}

/* Writes n bytes to dir/name; a manifest already there from another shard
 * must be byte-identical (the run's fingerprint), a batch may not be. */
static stp_status lay_file(const char *dir, const char *name, const unsigned char *bytes, size_t n,
                           const char *shard_path, stp_error *err)
{
    char path[1400];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, F_OK) == 0) {
        unsigned char *have = NULL;
        size_t m = 0;
        stp_status st;
        if (!strstr(name, "manifest"))
            return stp_error_set(err, STP_EUSAGE,
                                 "merge: '%s' holds %s again (the shards overlap); merge shards "
                                 "of one split",
                                 shard_path, name);
        if ((st = slurp(path, &have, &m, err)) != STP_OK) return st;
        st = m == n && memcmp(have, bytes, n) == 0
                 ? STP_OK
                 : stp_error_set(err, STP_EUSAGE,
                                 "merge: '%s' has another run fingerprint (%s: model files, "
                                 "backend or engine differ); merge shards of one run",
                                 shard_path, name);
        free(have);
        return st;
    }
    if (!(f = fopen(path, "wb")) || fwrite(bytes, 1, n, f) != n || fclose(f) != 0)
        return stp_error_set(err, STP_EIO, "merge: cannot write '%s': %s", path, strerror(errno));
    return STP_OK;
}

static stp_status lay_shard(const char *dir, const shard_file *s, hid_t f, stp_error *err)
{
    H5G_info_t info;
    hid_t g = -1;
    stp_status st = STP_OK;
    hsize_t i;
    if (STP_H5_CHECK(err, g = H5Gopen2(f, "files", H5P_DEFAULT)) ||
        STP_H5_CHECK(err, H5Gget_info(g, &info))) {
        stp_h5_close(g);
        stp_h5_prefix_error(err, "merge: '%s': ", s->path);
        return STP_EIO;
    }
    for (i = 0; i < info.nlinks && st == STP_OK; i++) {
        char name[256];
        hid_t d = -1, sp = -1;
        hssize_t n = 0;
        unsigned char *bytes = NULL;
        if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0 ||
            STP_H5_CHECK(err, d = H5Dopen2(g, name, H5P_DEFAULT)) ||
            STP_H5_CHECK(err, sp = H5Dget_space(d)) ||
            STP_H5_CHECK(err, n = H5Sget_simple_extent_npoints(sp)) ||
            STP_ALLOC(err, bytes, (size_t)n + 1) ||
            (n > 0 && STP_H5_CHECK(err, H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                                bytes)))) {
            st = err->status ? err->status : STP_EIO;
            stp_h5_prefix_error(err, "merge: '%s': ", s->path);
        } else {
            st = lay_file(dir, name, bytes, (size_t)n, s->path, err);
        }
        free(bytes);
        stp_h5_close(sp);
        stp_h5_close(d);
    }
    stp_h5_close(g);
    return st;
}

/* 1 when path names the same file as one of the inputs: the merge would
 * replace a shard it reads. */
static int is_an_input(const char *out_path, const char *const *paths, int n, int *which)
{
    struct stat o, p;
    const int out_exists = stat(out_path, &o) == 0;
    int i;
    for (i = 0; i < n; i++)
        if (!strcmp(out_path, paths[i]) || (out_exists && stat(paths[i], &p) == 0 &&
                                            p.st_dev == o.st_dev && p.st_ino == o.st_ino)) {
            *which = i;
            return 1;
        }
    return 0;
}

/* What merge refuses before it reads a shard: a run under mpirun (one
 * process owns the output), an output it may not write, one of its own
 * inputs, an existing output or checkpoint without --force. */
static stp_status merge_preflight(const char *out_path, const char *const *paths, int n,
                                  char dir[1100], stp_error *err)
{
    int which;
    stp_status st;
    if (n < 1) return stp_error_set(err, STP_EUSAGE, "merge: no shards given; pass SHARD.h5...");
    if (stp_ranks() > 1)
        return stp_error_set(err, STP_EUSAGE,
                             "merge under mpirun: ranks split a run themselves; run merge in one "
                             "process");
    if ((st = stp_output_check(out_path, "merge: OUT.h5", err)) != STP_OK) return st;
    if (is_an_input(out_path, paths, n, &which))
        return stp_error_set(err, STP_EUSAGE,
                             "merge: the output '%s' is also shard '%s'; name a new file for the "
                             "merged results",
                             out_path, paths[which]);
    if (stp_checkpoint_dir(dir, 1100, out_path))
        return stp_error_set(err, STP_EUSAGE, "merge: output path too long; use a shorter one");
    return STP_OK;
}

/* Under the output's lock: an existing output or checkpoint is no live
 * run's, so --force may replace it (the output only by the final rename). */
static stp_status merge_existing(const char *out_path, const char *dir, int force, stp_error *err)
{
    if (!force && access(out_path, F_OK) == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: output '%s' exists; pass --force to replace it or choose "
                             "another",
                             out_path);
    if (!force && access(dir, F_OK) == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "merge: '%s' is left by an interrupted run or merge; pass --force "
                             "to discard it",
                             dir);
    if (force) stp_checkpoint_remove_dir(dir);
    return STP_OK;
}

/* Reads and checks every shard's head: sealed, one run, each shard once,
 * none missing; their simulation's wall time and agent-steps summed. */
static stp_status read_shards(shard_file *s, const char *const *paths, int n, double *wall,
                              double *steps, stp_error *err)
{
    int *seen = NULL, i;
    stp_status st = STP_OK;
    for (i = 0; i < n && st == STP_OK; i++) {
        hid_t f = -1;
        int sealed = 0;
        s[i].path = paths[i];
        if ((st = stp_interrupt_check(err, "the shards' check")) != STP_OK) break;
        if (stp_h5_verify(paths[i], check_shard_format, NULL, &sealed, err)) {
            stp_h5_prefix_error(err, "merge: '%s': ", paths[i]);
            return STP_EIO;
        }
        if (STP_H5_CHECK(err, f = H5Fopen(paths[i], H5F_ACC_RDONLY, H5P_DEFAULT)))
            return stp_error_set(err, STP_EIO, "merge: cannot open '%s' as a shard file", paths[i]);
        st = read_head(&s[i], f, err);
        stp_h5_close(f);
        if (st == STP_OK && i > 0) st = same_run(&s[0], &s[i], err);
    }
    if (st != STP_OK) return st;
    if (STP_ALLOC(err, seen, s[0].shards)) return err->status;
    for (i = 0; i < n && st == STP_OK; i++) {
        if (seen[s[i].shard])
            st = stp_error_set(err, STP_EUSAGE,
                               "merge: shard %d/%d is given twice ('%s' and '%s'); pass each once",
                               s[i].shard, s[i].shards, paths[seen[s[i].shard] - 1], paths[i]);
        seen[s[i].shard] = i + 1;
        *wall += s[i].wall_s;
        *steps += s[i].agent_steps;
    }
    for (i = 0; i < s[0].shards && st == STP_OK; i++)
        if (!seen[i])
            st = stp_error_set(err, STP_EUSAGE,
                               "merge: shard %d/%d is missing; pass all %d shards of the run", i,
                               s[0].shards, s[0].shards);
    free(seen);
    return st;
}

/* The shards' batches into the merge's checkpoint dir, then the run that
 * reads them back (nothing simulated) and writes out_path, which holds the
 * output's lock already. */
static stp_status merge_run(const char *out_path, const char *dir, const shard_file *s, int n,
                            int threads, double wall, double steps, stp_error *err)
{
    stp_config *cfg = NULL;
    stp_status st = STP_OK;
    int i;
    for (i = 0; i < n && st == STP_OK; i++) {
        hid_t f = -1;
        if ((st = stp_interrupt_check(err, "the shards' unpacking")) != STP_OK) break;
        if (STP_H5_CHECK(err, f = H5Fopen(s[i].path, H5F_ACC_RDONLY, H5P_DEFAULT)))
            return stp_error_set(err, STP_EIO, "merge: cannot open '%s' as a shard file",
                                 s[i].path);
        st = lay_shard(dir, &s[i], f, err);
        stp_h5_close(f);
    }
    if (st == STP_OK)
        st = stp_config_parse(&cfg, s[0].config, s[0].config_path[0] ? s[0].config_path : NULL,
                              NULL, 0, err);
    if (st == STP_OK) {
        stp_run_opts o;
        memset(&o, 0, sizeof o);
        o.out_path = out_path;
        o.threads = threads;
        o.resume = 1;
        o.output_locked = 1;
        o.merge_backend = s[0].backend;
        o.merge_device = s[0].device;
        o.merge_wall_s = wall;
        o.merge_agent_steps = steps;
        st = stp_run(cfg, &o, err);
    }
    stp_config_destroy(cfg);
    return st;
}

stp_status stp_merge(const char *out_path, const char *const *paths, int n, int threads, int force,
                     stp_error *err)
{
    shard_file *s = NULL;
    stp_outlock lock;
    char dir[1100];
    stp_status st;
    double wall = 0.0, steps = 0.0;
    int i, made_dir = 0;
    lock.fd = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if ((st = merge_preflight(out_path, paths, n, dir, err)) != STP_OK ||
        (st = stp_outlock_take(&lock, out_path, err)) != STP_OK)
        return st;
    if ((st = merge_existing(out_path, dir, force, err)) != STP_OK) goto done;
    if (STP_ALLOC(err, s, n)) {
        st = err->status;
        goto done;
    }
    if ((st = read_shards(s, paths, n, &wall, &steps, err)) != STP_OK) goto done;
    if (mkdir(dir, 0755) != 0) {
        st = stp_error_set(err, STP_EIO, "merge: cannot create '%s': %s", dir, strerror(errno));
        goto done;
    }
    made_dir = 1;
    st = merge_run(out_path, dir, s, n, threads, wall, steps, err);
    if (st == STP_EINTR && strncmp(err->msg, "merge", 5) != 0) {
        char why[STP_ERROR_MAX];
        memcpy(why, err->msg, sizeof why);
        stp_error_set(err, STP_EINTR, "merge %s; nothing was written and the shards are untouched",
                      why);
    }
done:
    /* the merge's checkpoint is rebuilt from the shards by any rerun: never kept */
    if (st != STP_OK && made_dir) stp_checkpoint_remove_dir(dir);
    for (i = 0; s && i < n; i++)
        free(s[i].config);
    free(s);
    stp_outlock_release(&lock);
    return st;
}
