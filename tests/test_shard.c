/* Shards and merge (shard.h, DESIGN §9): shards of a run, merged in any
 * order, give the one-process results file (every dataset and attribute
 * but the timings and the creation time, bit for bit); every mismatch is
 * refused with one line and no output. Runs the built `stampede` binary
 * and h5py (Debian's python3-h5py, which scripts/test.sh installs). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seed.h"
#include "small_market.h"
#include "stampede/checkpoint.h"
#include "stampede/h5out.h"
#include "stampede/shardfile.h"
#include "tmpdir.h"
#include "same_results.h" /* after tmpdir.h: it uses dir */

TestSuite(shard, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 300);

/* Runs `stampede ARGS` in dir; returns the exit code, stderr in err_out. */
static int run(const char *args, char *err_out, size_t n)
{
    char cmd[4096], path[512];
    FILE *f;
    size_t got;
    int rc;
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>stderr.txt >stdout.txt", dir, STP_BINARY, args);
    rc = system(cmd);
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    cr_assert_not_null(f = fopen(path, "r"));
    got = fread(err_out, 1, n - 1, f);
    err_out[got] = '\0';
    fclose(f);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void ok(const char *args)
{
    char err[4096];
    cr_assert_eq(run(args, err, sizeof err), 0, "'%s': %s", args, err);
}

static int exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* The small market as a compare experiment (a baseline and a breaker), in
 * batches of 4 over its 40 paths: 10 batches, so 3 shards split 3/3/4. */
static void write_market(void)
{
    small_market_write(dir,
                       "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": [{\"name\": "
                       "\"breaker\", \"set\": {\"mitigations.circuit_breaker.enabled\": true}}]}",
                       4, 4);
}

/* The model paths of small_market are relative to the source tree. */
#define RUN                                                                                        \
    "run m.json --quiet --set 'population.families=[{\"model\": \"" STP_SOURCE_DIR                 \
    "/models/consensus_mlp.json\", \"share\": 0.5}, {\"model\": \"" STP_SOURCE_DIR                 \
    "/models/drawdown_rule.json\", \"share\": 0.5}]'"

/* Three shards, merged in the order 2, 0, 1, give the one-process file;
 * their checkpoint directories are gone and so is the merge's. */
Test(shard, shards_merged_in_any_order_equal_one_process)
{
    write_market();
    ok(RUN " -o one.h5");
    ok(RUN " --shard 2/3 -o s2.h5");
    ok(RUN " --shard 0/3 -o s0.h5");
    ok(RUN " --shard 1/3 -o s1.h5");
    cr_assert(!exists("s0.h5.ckpt") && !exists("s1.h5.ckpt") && !exists("s2.h5.ckpt"));
    ok("merge merged.h5 s2.h5 s0.h5 s1.h5 --quiet");
    cr_assert(!exists("merged.h5.ckpt"));
    assert_same_results("one.h5", "merged.h5");
    /* one shard of one: the whole run */
    ok(RUN " --shard 0/1 -o whole.h5");
    ok("merge merged1.h5 whole.h5 --quiet");
    assert_same_results("one.h5", "merged1.h5");
}

static void expect_refused(const char *args, int code, const char *needle)
{
    char err[4096];
    const char *nl;
    const int rc = run(args, err, sizeof err);
    cr_expect_eq(rc, code, "exit %d for '%s': %s", rc, args, err);
    nl = strchr(err, '\n');
    cr_expect(nl && nl[1] == '\0', "stderr not one line for '%s': %s", args, err);
    cr_expect_not_null(strstr(err, needle), "'%s' not in: %s", needle, err);
    cr_expect(!exists("out.h5") && !exists("out.h5.ckpt"), "output left by '%s'", args);
}

/* Recomputes a deliberately edited shard's checksums, so merge gets past
 * them to the check under test; unsealed, the edit reads as damage. */
static void reseal(const char *name)
{
    char path[1024];
    stp_error err = {STP_OK, ""};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(stp_h5_reseal_file(path, 1, &err), STP_OK, "%s", err.msg);
}

/* Sets root attribute `key` of shard file `name` (resealed) to the string `value`. */
static void doctor(const char *name, const char *key, const char *value)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 -c \"import h5py; f = h5py.File('%s', 'r+'); "
             "f.attrs['%s'] = '%s'\"",
             dir, name, key, value);
    cr_assert_eq(system(cmd), 0);
    reseal(name);
}

/* Every way shards can fail to make one run is refused before anything is
 * written: missing, twice, another split, seed, config, engine, backend,
 * run fingerprint, not a shard at all. */
Test(shard, merge_refuses_shards_of_different_runs)
{
    char cmd[1024];
    write_market();
    ok(RUN " --shard 0/3 -o s0.h5");
    ok(RUN " --shard 1/3 -o s1.h5");
    ok(RUN " --shard 2/3 -o s2.h5");
    ok(RUN " --shard 1/2 -o h1.h5");
    ok(RUN " --shard 2/3 --seed 12 -o seed.h5");
    ok(RUN " --shard 2/3 --set pool.fee=0.004 -o conf.h5");
    ok(RUN " -o results.h5");
    expect_refused("merge out.h5 s0.h5 s2.h5", 2, "shard 1/3 is missing");
    expect_refused("merge out.h5 s0.h5 s1.h5 s1.h5 s2.h5", 2, "shard 1/3 is given twice");
    expect_refused("merge out.h5 s0.h5 s1.h5 h1.h5", 2, "one of 3");
    expect_refused("merge out.h5 s0.h5 s1.h5 seed.h5", 2, "seed 12");
    expect_refused("merge out.h5 s0.h5 s1.h5 conf.h5", 2, "another config");
    expect_refused("merge out.h5 s0.h5 s1.h5 results.h5", 3, "not a stampede shard");
    expect_refused("merge out.h5 s0.h5 s1.h5 nothing.h5", 3, "nothing.h5");
    snprintf(cmd, sizeof cmd, "cd '%s' && cp s2.h5 eng.h5 && cp s2.h5 back.h5 && cp s2.h5 fp.h5",
             dir);
    cr_assert_eq(system(cmd), 0);
    doctor("eng.h5", "engine_version", "0.0.1");
    expect_refused("merge out.h5 s0.h5 s1.h5 eng.h5", 2, "engine 0.0.1");
    doctor("back.h5", "backend", "cuda");
    expect_refused("merge out.h5 s0.h5 s1.h5 back.h5", 2, "cuda backend");
    /* a manifest whose fingerprint is another run's */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 -c \"import h5py, numpy as np; "
             "f = h5py.File('fp.h5', 'r+'); m = bytes(f['files/manifest'][()]); "
             "del f['files/manifest']; "
             "f['files/manifest'] = np.frombuffer(m.replace(b'fingerprint ', b'fingerprint 9'), "
             "dtype=np.uint8)\"",
             dir);
    cr_assert_eq(system(cmd), 0);
    expect_refused("merge out.h5 s0.h5 s1.h5 fp.h5", 3, "damaged"); /* not resealed */
    reseal("fp.h5");
    expect_refused("merge out.h5 s0.h5 s1.h5 fp.h5", 2, "another run fingerprint");
    /* and the good set still merges */
    ok("merge out.h5 s1.h5 s2.h5 s0.h5 --quiet");
}

/* A search needs every path at each iteration: refused as a shard. */
Test(shard, a_search_is_not_sharded)
{
    char err[4096];
    write_market();
    cr_assert_eq(run(RUN " --set experiment.kind=search --shard 0/2 -o s.h5", err, sizeof err), 2,
                 "%s", err);
    cr_assert_not_null(strstr(err, "--shard"), "%s", err);
    cr_assert(!exists("s.h5"));
}

/* The file's bytes hashed (FNV-1a), to compare an input before and after
 * a merge; 0 when it cannot be read. */
static unsigned long long file_hash(const char *name)
{
    char path[512];
    FILE *f;
    unsigned long long h = 1469598103934665603ull;
    int c;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "rb"))) return 0;
    while ((c = fgetc(f)) != EOF)
        h = (h ^ (unsigned char)c) * 1099511628211ull;
    fclose(f);
    return h;
}

/* merge --force never deletes before it has succeeded: an output that is
 * one of its shards (by name or by another path to the same file) is
 * refused up front and the shard stays whole; a merge that fails keeps the
 * previous output; under the output's lock, a second merge is refused. */
Test(shard, merge_never_removes_an_input_or_the_previous_output)
{
    char err[4096];
    unsigned long long h0, h1, prev;
    write_market();
    ok(RUN " -o one.h5");
    ok(RUN " --shard 0/2 -o s0.h5");
    ok(RUN " --shard 1/2 -o s1.h5");
    h0 = file_hash("s0.h5");
    h1 = file_hash("s1.h5");
    cr_assert(h0 && h1, "the shards cannot be read");
    cr_assert_eq(run("merge s0.h5 s0.h5 s1.h5 --force", err, sizeof err), 2, "%s", err);
    cr_expect_not_null(strstr(err, "is also shard"), "%s", err);
    cr_assert_eq(run("merge ./s1.h5 s0.h5 s1.h5 --force", err, sizeof err), 2, "%s", err);
    cr_expect_eq(file_hash("s0.h5"), h0, "shard s0.h5 changed");
    cr_expect_eq(file_hash("s1.h5"), h1, "shard s1.h5 changed");
    cr_expect(!exists("s0.h5.ckpt") && !exists("s1.h5.ckpt") && !exists("s0.h5.lock"));
    /* a previous output survives a merge that fails (a missing shard) */
    ok("merge out.h5 s0.h5 s1.h5 --quiet");
    prev = file_hash("out.h5");
    cr_assert_eq(run("merge out.h5 s0.h5 --force", err, sizeof err), 2, "%s", err);
    cr_expect_eq(file_hash("out.h5"), prev, "a failed merge changed the previous output");
    cr_expect(!exists("out.h5.ckpt") && !exists("out.h5.lock"), "a failed merge left files");
    /* another process holding the output: refused, naming it, output kept */
    {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && (flock out.h5.lock sleep 3 &) && sleep 0.5 && '%s' merge out.h5 "
                 "s0.h5 s1.h5 --force 2>stderr.txt; rc=$?; grep -q 'in use by a running' "
                 "stderr.txt && exit $rc; exit 99",
                 dir, STP_BINARY);
        const int rc = system(cmd);
        cr_expect_eq(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 2, "a held output was not refused");
        cr_expect_eq(file_hash("out.h5"), prev, "a refused merge changed the output");
    }
}

/* DESIGN §10: a shard carries a multi-venue run's batch files whole, so
 * the merge reads back every column of the record (the system's, its
 * contagion columns, each venue's) bit for bit. */
Test(shard, a_shard_carries_every_venue_column)
{
    uint64_t st = test_seed();
    const int nv = 2 + (int)(next_u64(&st) % (STP_MAX_VENUES - 1));
    const int n_cols = stp_outcome_columns(nv);
    const long long paths = 16, batch = 8;
    char out[512], shard[512], merged[512], ckdir[600];
    stp_checkpoint ck, back;
    stp_outcomes o, got;
    stp_samples samples;
    stp_shard_info info = {0, 1, "openmp", "test", 1.0, 2.0};
    stp_shard_head head;
    stp_error err = {STP_OK, ""};
    stp_config *cfg = calloc(1, sizeof *cfg);
    cr_assert_not_null(cfg);
    cfg->resolved_json = "{\"venues\": \"drawn\"}";
    cfg->run.seed = st & 0xffffff;
    memset(&o, 0, sizeof o);
    memset(&got, 0, sizeof got);
    memset(&samples, 0, sizeof samples);
    samples.n_steps = 2;
    o.n = got.n = paths;
    o.n_cols = got.n_cols = n_cols;
    for (int c = 0; c < n_cols; c++) {
        o.v[c] = calloc((size_t)paths, sizeof(double));
        got.v[c] = calloc((size_t)paths, sizeof(double));
        cr_assert(o.v[c] && got.v[c]);
        for (long long i = 0; i < paths; i++)
            o.v[c][i] = (double)(next_u64(&st) >> 11) * 0x1.0p-45;
    }
    snprintf(out, sizeof out, "%s/run.h5", dir);
    snprintf(shard, sizeof shard, "%s/s0.h5", dir);
    snprintf(merged, sizeof merged, "%s/merged.h5", dir);
    cr_assert_eq(stp_checkpoint_open(&ck, out, 0, st, paths, (int)batch, 1, 2, 0, n_cols, 0, 0,
                                     &err),
                 STP_OK, "%s", err.msg);
    for (int b = 0; b < 2; b++)
        cr_assert_eq(stp_checkpoint_save(&ck, b, b * batch, batch, &o, &samples, &err), STP_OK,
                     "%s", err.msg);
    cr_assert_eq(stp_shard_pack(shard, ck.dir, cfg, &info, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_shard_head_read(&head, shard, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_checkpoint_dir(ckdir, sizeof ckdir, merged), 0);
    cr_assert_eq(mkdir(ckdir, 0755), 0);
    cr_assert_eq(stp_shard_unpack(ckdir, &head, &err), STP_OK, "%s", err.msg);
    stp_shard_head_free(&head);
    cr_assert_eq(stp_checkpoint_open(&back, merged, 0, ck.fingerprint, paths, (int)batch, 1, 2, 0,
                                     n_cols, 1, 0, &err),
                 STP_OK, "%s", err.msg);
    for (int b = 0; b < 2; b++)
        cr_assert_eq(stp_checkpoint_load(&back, b, b * batch, batch, &got, &samples), 1);
    for (int c = 0; c < n_cols; c++) {
        cr_assert_arr_eq(got.v[c], o.v[c], sizeof(double) * (size_t)paths, "column %d", c);
        free(o.v[c]), free(got.v[c]);
    }
    free(cfg);
}
