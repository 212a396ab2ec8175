/* A run interrupted between batches keeps its finished batches, refuses to
 * start over silently, and resumes to results bit-identical to an
 * uninterrupted run, also when a checkpoint file was corrupted. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "small_market.h"
#include "seed.h"
#include "stopper.h"
#include "tmpdir.h"

#include "stampede/checkpoint.h"
#include "stampede/footprint.h"
#include "stampede/outcomes.h"
#include "stampede/run.h"

TestSuite(run, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 180);

/* The small market as a single run "base", batches of 8, 10 sampled paths. */
static const char *config_text(void)
{
    static char text[4096];
    if (!text[0]) snprintf(text, sizeof text, small_market_fmt, "{\"name\": \"base\"}", 8, 10);
    return text;
}

static stp_config *load(void)
{
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(
        stp_config_parse(&cfg, config_text(), STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
        STP_OK, "%s", err.msg);
    return cfg;
}

static stp_status run_to(const stp_config *cfg, const char *out, int resume, int force,
                         stopper *stop, stp_error *err)
{
    stp_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.threads = 2;
    o.resume = resume;
    o.force = force;
    if (stop) {
        o.interrupted = &stop->flag;
        o.progress = stop_progress;
        o.progress_user = stop;
    }
    return stp_run(cfg, &o, err);
}

static void read_outcome(const char *file, int m, double *buf)
{
    char name[256];
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    cr_assert_geq(f, 0, "%s", file);
    snprintf(name, sizeof name, "/variants/base/outcomes/%s", stp_outcome_names[m]);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "%s", name);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(d);
    H5Fclose(f);
}

static void assert_same_files(const char *a, const char *b)
{
    double x[40], y[40];
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        read_outcome(a, m, x);
        read_outcome(b, m, y);
        cr_assert_eq(memcmp(x, y, sizeof x), 0, "%s differs after resume", stp_outcome_names[m]);
    }
}

/* stats/peak_sync_acted summarises peak_sync over exactly the paths where
 * some agent acted (DESIGN §3.9). */
static void assert_peak_sync_acted(const char *file)
{
    double acted[40], sync[40], mean = 0.0, got_mean;
    long long n = 0, got_n;
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    int i;
    read_outcome(file, STP_OUT_AGENTS_ACTED, acted);
    read_outcome(file, STP_OUT_PEAK_SYNC, sync);
    for (i = 0; i < 40; i++)
        if (acted[i] > 0.0) {
            n++;
            mean += sync[i];
        }
    cr_assert_gt(n, 0, "no path with actions: the test proves nothing");
    d = H5Dopen2(f, "/variants/base/stats/peak_sync_acted/n", H5P_DEFAULT);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, &got_n), 0);
    H5Dclose(d);
    d = H5Dopen2(f, "/variants/base/stats/peak_sync_acted/mean", H5P_DEFAULT);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &got_mean), 0);
    H5Dclose(d);
    H5Fclose(f);
    cr_assert_eq(got_n, n);
    cr_assert_float_eq(got_mean, mean / (double)n, 1e-12);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

Test(run, interrupted_run_resumes_bit_identically)
{
    stp_config *cfg = load();
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 16};
    char full[300], part[300], ckpt[320], batch0[400];
    snprintf(full, sizeof full, "%s/full.h5", dir);
    snprintf(part, sizeof part, "%s/part.h5", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", part);
    snprintf(batch0, sizeof batch0, "%s/batch-000000.bin", ckpt);
    cr_assert_eq(run_to(cfg, full, 0, 0, NULL, &err), STP_OK, "%s", err.msg);

    cr_assert_eq(run_to(cfg, part, 0, 0, &stop, &err), STP_EINTR, "%s", err.msg);
    cr_assert_not(exists(part), "results written by an interrupted run");
    cr_assert(exists(batch0), "finished batch not kept");
    cr_assert_not_null(strstr(err.msg, "--resume"), "%s", err.msg);

    /* a plain rerun must not silently discard or mix the old batches */
    cr_assert_eq(run_to(cfg, part, 0, 0, NULL, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "--resume"), "%s", err.msg);

    cr_assert_eq(run_to(cfg, part, 1, 0, NULL, &err), STP_OK, "%s", err.msg);
    cr_assert_not(exists(ckpt), "checkpoint left after success");
    assert_same_files(full, part);
    assert_peak_sync_acted(full);
    stp_config_destroy(cfg);
}

/* One batch or five: the same results file (batches only bound memory). */
Test(run, batch_size_changes_no_result)
{
    stp_config *one = NULL, *five = load();
    stp_error err = {STP_OK, ""};
    const char *sets[1] = {"run.batch=40"};
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/one.h5", dir);
    snprintf(b, sizeof b, "%s/five.h5", dir);
    cr_assert_eq(
        stp_config_parse(&one, config_text(), STP_SOURCE_DIR "/configs/t.json", sets, 1, &err),
        STP_OK, "%s", err.msg);
    cr_assert_eq(run_to(one, a, 0, 0, NULL, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(run_to(five, b, 0, 0, NULL, &err), STP_OK, "%s", err.msg);
    assert_same_files(a, b);
    stp_config_destroy(one);
    stp_config_destroy(five);
}

Test(run, corrupted_checkpoint_batch_is_recomputed)
{
    stp_config *cfg = load();
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 24};
    char full[300], part[300], batch1[400];
    FILE *f;
    snprintf(full, sizeof full, "%s/full.h5", dir);
    snprintf(part, sizeof part, "%s/part.h5", dir);
    snprintf(batch1, sizeof batch1, "%s.ckpt/batch-000001.bin", part);
    cr_assert_eq(run_to(cfg, full, 0, 0, NULL, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(run_to(cfg, part, 0, 0, &stop, &err), STP_EINTR, "%s", err.msg);
    f = fopen(batch1, "r+b");
    cr_assert_not_null(f);
    fseek(f, 200, SEEK_SET); /* inside the outcomes payload */
    fputc(0x5a, f);
    fclose(f);
    cr_assert_eq(run_to(cfg, part, 1, 0, NULL, &err), STP_OK, "%s", err.msg);
    assert_same_files(full, part);
    stp_config_destroy(cfg);
}

Test(run, resume_refuses_a_different_run)
{
    stp_config *cfg = load(), *other = NULL;
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 8};
    const char *sets[1] = {"run.seed=12"};
    char part[300];
    snprintf(part, sizeof part, "%s/part.h5", dir);
    cr_assert_eq(run_to(cfg, part, 0, 0, &stop, &err), STP_EINTR, "%s", err.msg);
    cr_assert_eq(
        stp_config_parse(&other, config_text(), STP_SOURCE_DIR "/configs/t.json", sets, 1, &err),
        STP_OK);
    cr_assert_eq(run_to(other, part, 1, 0, NULL, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "different run"), "%s", err.msg);
    /* --force starts over */
    cr_assert_eq(run_to(other, part, 0, 1, NULL, &err), STP_OK, "%s", err.msg);
    stp_config_destroy(cfg);
    stp_config_destroy(other);
}

/* A SIGKILL between the checkpoint's mkdir and its manifest's rename leaves
 * a directory holding at most manifest.tmp and no batch: a rerun, plain or
 * --resume, starts afresh instead of refusing it as another run's (found by
 * kill_resume, 2 kills in 120). */
Test(run, a_checkpoint_without_its_manifest_starts_afresh)
{
    stp_config *cfg = load();
    stp_error err = {STP_OK, ""};
    char full[300], part[300], ckpt[320], tmp[400];
    int resume;
    snprintf(full, sizeof full, "%s/full.h5", dir);
    cr_assert_eq(run_to(cfg, full, 0, 0, NULL, &err), STP_OK, "%s", err.msg);
    for (resume = 0; resume <= 1; resume++) {
        FILE *f;
        snprintf(part, sizeof part, "%s/part%d.h5", dir, resume);
        snprintf(ckpt, sizeof ckpt, "%s.ckpt", part);
        snprintf(tmp, sizeof tmp, "%s/manifest.tmp", ckpt);
        cr_assert_eq(mkdir(ckpt, 0755), 0);
        cr_assert_not_null(f = fopen(tmp, "w"));
        fputs("stampede-checkpoint 2\n", f); /* a manifest cut short */
        fclose(f);
        cr_assert_eq(run_to(cfg, part, resume, 0, NULL, &err), STP_OK, "resume %d: %s", resume,
                     err.msg);
        cr_assert_not(exists(ckpt), "checkpoint left after success");
        assert_same_files(full, part);
    }
    stp_config_destroy(cfg);
}

/* The real thing: SIGINT to the CLI gives exit 130 and a resumable run. */
Test(run, sigint_exits_130_and_resume_finishes)
{
    char cfg_path[300], cmd[1400];
    FILE *f;
    pid_t pid;
    int status;
    snprintf(cfg_path, sizeof cfg_path, "%s/big.json", dir);
    f = fopen(cfg_path, "w");
    cr_assert_not_null(f);
    fputs(config_text(), f);
    fclose(f);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        cr_assert_eq(chdir(dir), 0);
        execl(STP_BINARY, STP_BINARY, "run", "big.json", "-o", "out.h5", "--quiet", "--paths",
              "13000", "--set",
              "population.families.0.model=" STP_SOURCE_DIR "/models/consensus_mlp.json", "--set",
              "population.families.1.model=" STP_SOURCE_DIR "/models/drawdown_rule.json",
              (char *)NULL);
        _exit(127);
    }
    {
        /* the whole run takes ~2 s in Release, ~20 s under ASan */
        const struct timespec half = {0, 500000000L};
        nanosleep(&half, NULL);
    }
    kill(pid, SIGINT);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 130);
    snprintf(cmd, sizeof cmd, "cd '%s' && test ! -e out.h5 && test -d out.h5.ckpt", dir);
    cr_assert_eq(system(cmd), 0, "expected a checkpoint and no results after SIGINT");
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' run big.json -o out.h5 --quiet --paths 13000 --resume "
             "--set population.families.0.model=%s/models/consensus_mlp.json "
             "--set population.families.1.model=%s/models/drawdown_rule.json "
             "&& test -e out.h5 && test ! -e out.h5.ckpt",
             dir, STP_BINARY, STP_SOURCE_DIR, STP_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0, "--resume did not finish the run");
}

/* Progress after --resume counts the paths this process simulates: the
 * restored batches took no time, so a rate over all done paths would
 * report them as thousands of paths a second. */
typedef struct progress_log {
    int n;
    long long done[64], simulated[64], total;
} progress_log;

static void log_progress(void *user, long long done, long long total, long long simulated,
                         double elapsed_s)
{
    progress_log *p = user;
    (void)elapsed_s;
    p->total = total;
    if (p->n < 64) {
        p->done[p->n] = done;
        p->simulated[p->n] = simulated;
        p->n++;
    }
}

Test(run, progress_after_resume_counts_only_new_paths)
{
    stp_config *cfg = load();
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 16};
    progress_log log;
    stp_run_opts o;
    char part[300];
    snprintf(part, sizeof part, "%s/part.h5", dir);
    cr_assert_eq(run_to(cfg, part, 0, 0, &stop, &err), STP_EINTR, "%s", err.msg);
    memset(&log, 0, sizeof log);
    memset(&o, 0, sizeof o);
    o.out_path = part;
    o.threads = 2;
    o.resume = 1;
    o.progress = log_progress;
    o.progress_user = &log;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    cr_assert_gt(log.n, 2);
    for (int i = 0; i < log.n; i++) /* 16 paths (two batches of 8) were restored */
        cr_expect_eq(log.simulated[i], log.done[i] > 16 ? log.done[i] - 16 : 0,
                     "call %d: %lld done, %lld simulated", i, log.done[i], log.simulated[i]);
    cr_expect_eq(log.done[log.n - 1], log.total);
    stp_config_destroy(cfg);
}

/* A batch file copied from another run's checkpoint (same index, same
 * paths, same checksum rules: only its run differs) is recomputed on
 * resume, never used: every batch carries its run's fingerprint. */
Test(run, a_batch_from_another_run_is_recomputed)
{
    stp_config *cfg = load(), *other = NULL;
    stp_error err = {STP_OK, ""};
    stopper stop_a = {0, 24}, stop_b = {0, 24};
    const unsigned long long seed = 12 + test_seed(); /* never the config's 11 */
    char sets_buf[64], full[300], a[300], b[300], cmd[1200];
    const char *sets[1] = {sets_buf};
    snprintf(sets_buf, sizeof sets_buf, "run.seed=%llu", seed);
    cr_log_info("other run's seed %llu", seed);
    cr_assert_eq(
        stp_config_parse(&other, config_text(), STP_SOURCE_DIR "/configs/t.json", sets, 1, &err),
        STP_OK, "%s", err.msg);
    snprintf(full, sizeof full, "%s/full.h5", dir);
    snprintf(a, sizeof a, "%s/a.h5", dir);
    snprintf(b, sizeof b, "%s/b.h5", dir);
    cr_assert_eq(run_to(cfg, full, 0, 0, NULL, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(run_to(cfg, a, 0, 0, &stop_a, &err), STP_EINTR, "%s", err.msg);
    cr_assert_eq(run_to(other, b, 0, 0, &stop_b, &err), STP_EINTR, "%s", err.msg);
    /* b's first batches over a's, as a careless copy would */
    snprintf(cmd, sizeof cmd, "cp '%s.ckpt'/batch-00000[01].bin '%s.ckpt'/", b, a);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(run_to(cfg, a, 1, 0, NULL, &err), STP_OK, "%s", err.msg);
    assert_same_files(full, a);
    stp_config_destroy(other);
    stp_config_destroy(cfg);
}

/* The peak resident memory of the largest child so far, after running
 * stp_run on the small market with `sets` in one more child. */
static double peak_rss_bytes(const char *out, const char *const *sets, int n_sets)
{
    struct rusage ru;
    int status;
    const pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        stp_config *cfg = NULL;
        stp_error err = {STP_OK, ""};
        if (stp_config_parse(&cfg, config_text(), STP_SOURCE_DIR "/configs/t.json", sets, n_sets,
                             &err) != STP_OK ||
            run_to(cfg, out, 0, 1, NULL, &err) != STP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            _exit(1);
        }
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the measured run failed");
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    return (double)ru.ru_maxrss * 1024.0;
}

/* The footprint a run is refused on (footprint.h) tracks what a run
 * really holds: between a small market and the same market with 20,000
 * agents and 2,000,000 passive positions, the estimate's growth is within
 * [0.6, 1.6] of the growth of the measured peak RSS (HDF5's and the
 * writer's transient buffers are what the estimate leaves out). */
Test(run, footprint_tracks_the_peak_resident_memory)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("AddressSanitizer's shadow memory and quarantine change the resident size; "
                 "measured in the optimised build");
#endif
    /* 8 paths: a position costs every path every step, and memory does not grow with paths */
    const char *small_sets[1] = {"run.paths=8"};
    const char *big_sets[3] = {"run.paths=8", "population.agents=20000",
                               "population.passive_positions=2000000"};
    stp_config *small = NULL, *big = NULL;
    stp_error err = {STP_OK, ""};
    char out[300];
    double measured, estimated;
    cr_assert_eq(stp_config_parse(&small, config_text(), STP_SOURCE_DIR "/configs/t.json",
                                  small_sets, 1, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_eq(
        stp_config_parse(&big, config_text(), STP_SOURCE_DIR "/configs/t.json", big_sets, 3, &err),
        STP_OK, "%s", err.msg);
    snprintf(out, sizeof out, "%s/fp.h5", dir);
    measured = -peak_rss_bytes(out, small_sets, 1); /* first: RUSAGE_CHILDREN keeps the max */
    measured += peak_rss_bytes(out, big_sets, 3);
    /* the largest family is consensus_mlp, hidden 16: 161 parameters */
    estimated = stp_footprint_estimate(big, 161, 2).total_bytes -
                stp_footprint_estimate(small, 161, 2).total_bytes;
    cr_log_info("peak RSS grew %.1f MB, the estimate %.1f MB", measured / 1e6, estimated / 1e6);
    cr_expect(estimated > 0.6 * measured && estimated < 1.6 * measured,
              "estimate grew %.1f MB, peak RSS %.1f MB", estimated / 1e6, measured / 1e6);
    stp_config_destroy(big);
    stp_config_destroy(small);
}

/* DESIGN §10: a batch file holds every column of a multi-venue record
 * (stp_outcome_columns: the system's, its contagion columns, each venue's),
 * they load back bit for bit and stp_checkpoint_column serves a venue's; a
 * batch saved with another column count is recomputed, never misread, and
 * a column past the record is an error. */
Test(run, checkpoint_round_trips_a_multi_venue_record)
{
    uint64_t st = test_seed();
    const int nv = 2 + (int)(next_u64(&st) % (STP_MAX_VENUES - 1)); /* 2 .. STP_MAX_VENUES */
    const int n_cols = stp_outcome_columns(nv);
    const long long paths = 24, batch = 12;
    char out_path[512];
    stp_checkpoint ck, ck1;
    stp_outcomes out, back;
    stp_samples samples;
    stp_error err = {STP_OK, ""};
    double col[24];
    memset(&out, 0, sizeof out);
    memset(&back, 0, sizeof back);
    memset(&samples, 0, sizeof samples);
    samples.n_steps = 3; /* no sampled paths: the batch is its outcomes */
    out.n = back.n = paths;
    out.n_cols = back.n_cols = n_cols;
    for (int c = 0; c < n_cols; c++) {
        out.v[c] = calloc((size_t)paths, sizeof(double));
        back.v[c] = calloc((size_t)paths, sizeof(double));
        cr_assert(out.v[c] && back.v[c]);
        for (long long i = 0; i < paths; i++)
            out.v[c][i] = (double)(next_u64(&st) >> 11) * 0x1.0p-40 - 1.0;
    }
    snprintf(out_path, sizeof out_path, "%s/venues.h5", dir);
    cr_assert_eq(stp_checkpoint_open(&ck, out_path, 0, st, paths, (int)batch, 1, 3, 0, n_cols, 0, 0,
                                     &err),
                 STP_OK, "%s", err.msg);
    for (int b = 0; b < 2; b++)
        cr_assert_eq(stp_checkpoint_save(&ck, b, b * batch, batch, &out, &samples, &err), STP_OK,
                     "%s", err.msg);
    for (int b = 0; b < 2; b++)
        cr_assert_eq(stp_checkpoint_load(&ck, b, b * batch, batch, &back, &samples), 1);
    for (int c = 0; c < n_cols; c++)
        cr_assert_arr_eq(back.v[c], out.v[c], sizeof(double) * (size_t)paths, "column %d", c);
    const int last = stp_venue_column(nv - 1, STP_VOUT_T_CASCADE_S);
    cr_assert_eq(last, n_cols - 1);
    cr_assert_eq(stp_checkpoint_column(&ck, last, col, &err), STP_OK, "%s", err.msg);
    cr_assert_arr_eq(col, out.v[last], sizeof col);
    cr_assert_eq(stp_checkpoint_column(&ck, n_cols, col, &err), STP_EIO);
    /* the same run read with the system's columns only: recompute */
    cr_assert_eq(stp_checkpoint_open(&ck1, out_path, 0, ck.fingerprint, paths, (int)batch, 1, 3, 0,
                                     STP_N_OUTCOMES, 1, 0, &err),
                 STP_OK, "%s", err.msg);
    back.n_cols = STP_N_OUTCOMES;
    cr_assert_eq(stp_checkpoint_load(&ck1, 0, 0, batch, &back, &samples), 0);
    for (int c = 0; c < n_cols; c++)
        free(out.v[c]), free(back.v[c]);
}

/* DESIGN §10: a batch file carries every venue's sample rows (outcomes.h's
 * layout, venue by venue), and they load back bit for bit; a one-venue
 * batch keeps the layout it had before venues (header, columns, one row
 * per sampled path), and a batch saved with another number of venues'
 * rows is recomputed, never misread. */
Test(run, checkpoint_round_trips_every_venues_sample_rows)
{
    uint64_t st = test_seed();
    const int nv = 2 + (int)(next_u64(&st) % (STP_MAX_VENUES - 1)); /* 2 .. STP_MAX_VENUES */
    const int n_cols = stp_outcome_columns(nv), k = 5, steps = 7;
    const long long paths = 16, batch = 4; /* batch 1 holds sampled path 4 only */
    const size_t cells = (size_t)nv * (size_t)k * (size_t)steps;
    char out_path[512], batch0[700];
    stp_checkpoint ck;
    stp_outcomes out;
    stp_samples s, back;
    stp_error err = {STP_OK, ""};
    float *series[8];
    struct stat sb;
    memset(&out, 0, sizeof out);
    memset(&s, 0, sizeof s);
    out.n = paths;
    out.n_cols = n_cols;
    for (int c = 0; c < n_cols; c++)
        cr_assert_not_null(out.v[c] = calloc((size_t)paths, sizeof(double)));
    for (int i = 0; i < 8; i++) {
        cr_assert_not_null(series[i] = calloc(cells, sizeof(float)));
        for (size_t j = 0; i < 4 && j < cells; j++)
            series[i][j] = (float)(next_u64(&st) >> 40) * 0x1.0p-10f;
    }
    s.k = k, s.n_steps = steps, s.n_venues = nv;
    s.price = series[0], s.pool_depth = series[1], s.sync = series[2], s.liquidations = series[3];
    back = s;
    back.price = series[4], back.pool_depth = series[5], back.sync = series[6];
    back.liquidations = series[7];
    snprintf(out_path, sizeof out_path, "%s/samples.h5", dir);
    cr_assert_eq(stp_checkpoint_open(&ck, out_path, 0, st, paths, (int)batch, 1, steps, k, n_cols,
                                     0, 0, &err),
                 STP_OK, "%s", err.msg);
    for (int b = 0; b < 4; b++)
        cr_assert_eq(stp_checkpoint_save(&ck, b, b * batch, batch, &out, &s, &err), STP_OK, "%s",
                     err.msg);
    for (int b = 0; b < 4; b++)
        cr_assert_eq(stp_checkpoint_load(&ck, b, b * batch, batch, &out, &back), 1, "batch %d", b);
    for (int i = 0; i < 4; i++)
        cr_assert_arr_eq(series[4 + i], series[i], sizeof(float) * cells, "series %d of %d venues",
                         i, nv);
    /* the same batches read as a run with one row a path: recomputed */
    back.n_venues = 1;
    cr_assert_eq(stp_checkpoint_load(&ck, 0, 0, batch, &out, &back), 0);
    back.n_venues = 0;
    cr_assert_eq(stp_checkpoint_load(&ck, 0, 0, batch, &out, &back), 0);
    /* one venue (n_venues 0 or 1): the pre-venue layout, byte for byte in size */
    for (int one = 0; one < 2; one++) {
        s.n_venues = back.n_venues = one;
        cr_assert_eq(stp_checkpoint_save(&ck, 0, 0, batch, &out, &s, &err), STP_OK, "%s", err.msg);
        snprintf(batch0, sizeof batch0, "%s/batch-000000.bin", ck.dir);
        cr_assert_eq(stat(batch0, &sb), 0);
        cr_assert_eq((long long)sb.st_size, 64LL + 8LL * n_cols * batch + 4LL * 4 * batch * steps,
                     "n_venues %d", one);
        cr_assert_eq(stp_checkpoint_load(&ck, 0, 0, batch, &out, &back), 1);
        back.n_venues = 2;
        cr_assert_eq(stp_checkpoint_load(&ck, 0, 0, batch, &out, &back), 0);
    }
    for (int c = 0; c < n_cols; c++)
        free(out.v[c]);
    for (int i = 0; i < 8; i++)
        free(series[i]);
}

/* Two venues with cross-venue agents, a fresh seed; 24 paths in batches
 * of 8, 10 sampled. */
static stp_config *load_two_venues(unsigned long long seed)
{
    static const char fmt[] =
        "{\"experiment\": {\"name\": \"base\"}, \"run\": {\"paths\": 24, \"seed\": %llu,"
        " \"batch\": 8}, \"time\": {\"dt_s\": 1, \"horizon_s\": 120}, \"pool\": {\"depth_usd\": 2e8},"
        "\"venues\": [{\"name\": \"alpha\"}, {\"name\": \"beta\", \"set\": {\"pool.depth_usd\": 1e8,"
        "  \"oracle.delay_s\": 6, \"population.agents\": 48}}],"
        "\"protocols\": [{\"name\": \"a_lend\", \"venue\": \"alpha\", \"share\": 1,"
        "  \"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
        "  {\"name\": \"b_lend\", \"venue\": \"beta\", \"share\": 1,"
        "  \"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075}],"
        "\"population\": {\"agents\": 64, \"passive_positions\": 32, \"cross_venue_share\": 0.3,"
        "  \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 0.5},"
        "  {\"model\": \"models/drawdown_rule.json\", \"share\": 0.5}]},"
        "\"scenario\": {\"shocks\": [{\"kind\": \"gap\", \"venue\": \"alpha\", \"rate_per_path\": 1,"
        "  \"time_s\": [0, 100], \"duration_s\": 3, \"size\": {\"mean\": -0.12, \"sd\": 0.05}},"
        "  {\"kind\": \"gap\", \"rate_per_path\": 0.5, \"time_s\": [0, 100], \"duration_s\": 3,"
        "  \"size\": {\"mean\": -0.08, \"sd\": 0.04}}]},"
        "\"output\": {\"sample_paths\": 10}}";
    char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(text, sizeof text, fmt, seed);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    return cfg;
}

/* Dataset name of `file` into buf[n] (float32 or float64 alike). */
static void read_named(const char *file, const char *name, hid_t type, void *buf)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    cr_assert_geq(f, 0, "%s", file);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "%s in %s", name, file);
    cr_assert_geq(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(d);
    H5Fclose(f);
}

#define TV_K 10
#define TV_T 120

/* Each venue's sample rows of `file` are its own: the minimum of its
 * price series (and price0, where min_pool starts) is its min_price_ratio
 * x price0, its last price its final_price_ratio x price0, and its
 * liquidation series sums to its liquidated_usd, all within float
 * rounding; the variant's samples/ are the first venue's. Returns how
 * many sampled paths the two venues' prices differ on. */
static int assert_venue_samples_match_outcomes(const char *file, double price0)
{
    static float price[2][TV_K * TV_T], liq[TV_K * TV_T], first[TV_K * TV_T];
    const char *const names[2] = {"alpha", "beta"};
    double mpr[24], fpr[24], liq_usd[24];
    char name[256];
    int differ = 0;
    for (int v = 0; v < 2; v++) {
        snprintf(name, sizeof name, "/variants/base/venues/%s/samples/price", names[v]);
        read_named(file, name, H5T_NATIVE_FLOAT, price[v]);
        snprintf(name, sizeof name, "/variants/base/venues/%s/samples/liquidations", names[v]);
        read_named(file, name, H5T_NATIVE_FLOAT, liq);
        snprintf(name, sizeof name, "/variants/base/venues/%s/outcomes/min_price_ratio", names[v]);
        read_named(file, name, H5T_NATIVE_DOUBLE, mpr);
        snprintf(name, sizeof name, "/variants/base/venues/%s/outcomes/final_price_ratio",
                 names[v]);
        read_named(file, name, H5T_NATIVE_DOUBLE, fpr);
        snprintf(name, sizeof name, "/variants/base/venues/%s/outcomes/liquidated_usd", names[v]);
        read_named(file, name, H5T_NATIVE_DOUBLE, liq_usd);
        for (int p = 0; p < TV_K; p++) {
            const float *row = price[v] + p * TV_T, *lrow = liq + p * TV_T;
            double lo = price0, sum = 0.0;
            for (int t = 0; t < TV_T; t++) {
                lo = row[t] < lo ? row[t] : lo;
                sum += lrow[t];
            }
            cr_assert_float_eq(lo, mpr[p] * price0, 1e-6 * price0, "%s path %d: min %g vs %g",
                               names[v], p, lo, mpr[p] * price0);
            cr_assert_float_eq(row[TV_T - 1], fpr[p] * price0, 1e-6 * price0,
                               "%s path %d: last %g vs %g", names[v], p, row[TV_T - 1],
                               fpr[p] * price0);
            cr_assert_float_eq(sum, liq_usd[p], 1e-5 * liq_usd[p] + 1e-3,
                               "%s path %d: liquidations %g vs %g", names[v], p, sum, liq_usd[p]);
        }
    }
    read_named(file, "/variants/base/samples/price", H5T_NATIVE_FLOAT, first);
    cr_assert_arr_eq(first, price[0], sizeof first, "samples/ are not the first venue's");
    for (int p = 0; p < TV_K; p++)
        differ += memcmp(price[0] + p * TV_T, price[1] + p * TV_T, sizeof(float) * TV_T) != 0;
    return differ;
}

/* Every venue's sample rows of a two-venue run match that venue's
 * outcomes, and a run interrupted after its first batch resumes to the
 * same rows of every venue, bit for bit (the checkpoint restores them). */
Test(run, a_two_venue_run_samples_every_venue_and_resumes_them)
{
    stp_config *cfg = load_two_venues(test_seed());
    stp_error err = {STP_OK, ""};
    stopper stop = {0, 8};
    static const char *const series[4] = {"price", "pool_depth", "sync", "liquidations"};
    static float x[TV_K * TV_T], y[TV_K * TV_T];
    char full[300], part[300], name[256];
    cr_assert_eq(cfg->n_venues, 2);
    snprintf(full, sizeof full, "%s/full.h5", dir);
    snprintf(part, sizeof part, "%s/part.h5", dir);
    cr_assert_eq(run_to(cfg, full, 0, 0, NULL, &err), STP_OK, "%s", err.msg);
    cr_assert_gt(assert_venue_samples_match_outcomes(full, cfg->market.price0_usd), 0,
                 "the venues' price rows are all alike: the test proves nothing");
    cr_assert_eq(run_to(cfg, part, 0, 0, &stop, &err), STP_EINTR, "%s", err.msg);
    cr_assert_eq(run_to(cfg, part, 1, 0, NULL, &err), STP_OK, "%s", err.msg);
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof name, "/variants/base/venues/%s/samples/%s",
                     v ? "beta" : "alpha", series[i]);
            read_named(full, name, H5T_NATIVE_FLOAT, x);
            read_named(part, name, H5T_NATIVE_FLOAT, y);
            cr_assert_arr_eq(x, y, sizeof x, "%s differs after resume", name);
        }
    stp_config_destroy(cfg);
}
