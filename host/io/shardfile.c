/* shardfile.c: a shard file written from a checkpoint directory and read
 * back into one (shardfile.h). */
#include "stampede/shardfile.h"

#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5_seal.h"
#include "h5util.h"
#include "stampede/interrupt.h"

#ifndef STP_VERSION
#define STP_VERSION "0.0.0"
#endif

/* A resolved config is a few KB; this bounds what a shard may carry. */
#define CONFIG_MAX (1 << 20)

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
 * reading a shard back
 * ------------------------------------------------------------------------- */

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

static stp_status read_head(stp_shard_head *s, hid_t f, stp_error *err)
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

stp_status stp_shard_head_read(stp_shard_head *s, const char *path, stp_error *err)
{
    hid_t f = -1;
    int sealed = 0;
    stp_status st;
    s->path = path;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (stp_h5_verify(path, check_shard_format, NULL, &sealed, err)) {
        stp_h5_prefix_error(err, "merge: '%s': ", path);
        return STP_EIO;
    }
    if (STP_H5_CHECK(err, f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)))
        return stp_error_set(err, STP_EIO, "merge: cannot open '%s' as a shard file", path);
    st = read_head(s, f, err);
    stp_h5_close(f);
    return st;
}

void stp_shard_head_free(stp_shard_head *s)
{
    free(s->config);
    s->config = NULL;
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

static stp_status lay_shard(const char *dir, const stp_shard_head *s, hid_t f, stp_error *err)
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

stp_status stp_shard_unpack(const char *dir, const stp_shard_head *s, stp_error *err)
{
    hid_t f = -1;
    stp_status st;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (STP_H5_CHECK(err, f = H5Fopen(s->path, H5F_ACC_RDONLY, H5P_DEFAULT)))
        return stp_error_set(err, STP_EIO, "merge: cannot open '%s' as a shard file", s->path);
    st = lay_shard(dir, s, f, err);
    stp_h5_close(f);
    return st;
}
