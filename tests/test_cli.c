/* The command line's contract (DESIGN §5, §8): each bad input gives its
 * exit code, exactly one line on stderr naming the field, and no output
 * file; a good run writes one. Runs the built `stampede` binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stampede/cuda.h"
#include "stampede/h5out.h"
#include "tmpdir.h"

TestSuite(cli, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 120);

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* `stampede ARGS` run by the shell after `prefix` (ulimit, trap), in dir. */
static int run_after(const char *prefix, const char *args, char *err_out, size_t n)
{
    char cmd[2048], path[512];
    FILE *f;
    size_t got;
    int rc;
    snprintf(cmd, sizeof cmd,
             "cd '%s' && (%s STP_MODELS='%s/models' exec '%s' %s) 2>stderr.txt >stdout.txt", dir,
             prefix, STP_SOURCE_DIR, STP_BINARY, args);
    rc = system(cmd);
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    cr_assert_not_null(f = fopen(path, "r"));
    got = fread(err_out, 1, n - 1, f);
    err_out[got] = '\0';
    fclose(f);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Runs `stampede ARGS` in dir; returns the exit code, stderr in err_out. */
static int run(const char *args, char *err_out, size_t n)
{
    return run_after("", args, err_out, n);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int exists(const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* A valid small config, with one fragment replaceable for the bad cases. */
static void write_config(const char *name, const char *population_extra, const char *pool)
{
    char text[4096];
    snprintf(
        text, sizeof text,
        "{\n  \"run\": {\"paths\": 8, \"batch\": 4},\n"
        "  \"time\": {\"dt_s\": 1, \"horizon_s\": 30},\n"
        "  \"pool\": %s,\n"
        "  \"protocols\": [{\"name\": \"lend_a\", \"share\": 1.0, \"liquidation_threshold\": 0.83,"
        " \"liquidation_bonus\": 0.05, \"close_factor\": 0.5, \"full_close_hf\": 0.95}],\n"
        "  \"population\": {\"agents\": 16, \"passive_positions\": 8%s,\n"
        "    \"families\": [{\"model\": \"%s/models/consensus_mlp.json\", \"share\": 1.0}]}\n}\n",
        pool, population_extra, STP_SOURCE_DIR);
    write_file(name, text);
}

static void expect_bad(const char *args, int code, const char *needle)
{
    char err[4096];
    const int rc = run(args, err, sizeof err);
    cr_expect_eq(rc, code, "exit %d for '%s': %s", rc, args, err);
    cr_expect_eq(count_lines(err), 1, "stderr not one line for '%s': %s", args, err);
    cr_expect_not_null(strstr(err, needle), "'%s' not in: %s", needle, err);
    cr_expect_not(exists("out.h5"), "output written for '%s'", args);
}

/* h5py (Debian python3-h5py) reads the file with every group DESIGN §6
 * gives a single experiment. Without h5py the check says so and fails:
 * scripts/test.sh installs it, so its absence is a broken setup. */
static void h5py_reads_every_group(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 -c \"import h5py; f = h5py.File('out.h5', 'r'); "
             "assert f.attrs['format'] == 'stampede-results'; v = f['variants/baseline']; "
             "[v[g] for g in ('outcomes', 'scenarios', 'stats', 'cascade', 'histograms', "
             "'samples', 'worst_paths')]; "
             "assert v['outcomes/bad_debt_usd'].shape == (8,); "
             "assert f['population/role'].shape == (24,); "
             "assert 0 <= f['population'].attrs['herfindahl'] <= 1\"",
             dir);
    cr_assert_eq(system(cmd), 0, "h5py could not read every group of the results file");
}

Test(cli, good_run_writes_results_and_summary)
{
    char err[4096];
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    cr_assert_eq(run("run ok.json -o out.h5 --quiet", err, sizeof err), 0, "%s", err);
    cr_assert(exists("out.h5"));
    cr_assert_eq(run("summary out.h5 --format json", err, sizeof err), 0, "%s", err);
    h5py_reads_every_group();
    /* second run without --force refuses and keeps the file */
    cr_assert_eq(run("run ok.json -o out.h5 --quiet", err, sizeof err), 2);
    cr_assert_not_null(strstr(err, "--force"), "%s", err);
    cr_assert(exists("out.h5"));
}

Test(cli, malformed_json_reports_line_and_column)
{
    write_file("bad.json", "{\n  \"run\": {\"paths\": 8,,}\n}\n");
    expect_bad("run bad.json -o out.h5", 2, "bad.json:2:");
}

Test(cli, unknown_key_names_nearest)
{
    write_config("typo.json", ", \"weight_nosie\": 0.1", "{\"depth_usd\": 8e8}");
    expect_bad("run typo.json -o out.h5", 2, "weight_noise");
}

Test(cli, wrong_type_names_path)
{
    write_config("type.json", "", "{\"depth_usd\": \"deep\"}");
    expect_bad("run type.json -o out.h5", 2, "pool.depth_usd");
}

Test(cli, out_of_range_names_path_and_range)
{
    write_config("range.json", "", "{\"fee\": 1.5}");
    expect_bad("run range.json -o out.h5", 2, "pool.fee");
}

Test(cli, shares_not_summing_to_one)
{
    write_config("shares.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run shares.json -o out.h5 --set protocols.0.share=0.7", 2, "share");
}

Test(cli, missing_model_file)
{
    write_config("model.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run model.json -o out.h5 --set population.families.0.model=nowhere.json", 2,
               "nowhere.json");
}

Test(cli, missing_config_is_io_error)
{
    expect_bad("run absent.json -o out.h5", 3, "absent.json");
}

Test(cli, cuda_backend_without_gpu_is_device_error)
{
    char why[256];
    if (stp_cuda_device_count(why, sizeof why) > 0) cr_skip_test("a CUDA device is present");
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run ok.json -o out.h5 --backend cuda", 4, "cuda");
    expect_bad("bench ok.json --backend cuda", 4, "cuda");
}

/* bench --json: one record per config; agent-steps/s = paths/s x steps x
 * agents (16 agents, 30 steps in write_config), also when --batch splits
 * the paths into launches that do not divide them. */
Test(cli, bench_json_records_throughput)
{
    char err[4096], out[4096], path[512];
    double aps = 0.0, pps = 0.0;
    long long paths = 0;
    const char *p;
    FILE *f;
    size_t got;
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    cr_assert_eq(
        run("bench ok.json --paths 12 --batch 5 --backend openmp --threads 2 --json", err,
            sizeof err),
        0,
        "%s", err);
    snprintf(path, sizeof path, "%s/stdout.txt", dir);
    cr_assert_not_null(f = fopen(path, "r"));
    got = fread(out, 1, sizeof out - 1, f);
    out[got] = '\0';
    fclose(f);
    cr_assert_not_null(strstr(out, "\"format\": \"stampede-bench\""), "%s", out);
    cr_assert_not_null(strstr(out, "\"commit\": \""), "%s", out);
    cr_assert_not_null(strstr(out, "\"backend\": \"openmp\""), "%s", out);
    cr_assert_not_null(p = strstr(out, "\"paths\": "), "%s", out);
    cr_assert_eq(sscanf(p, "\"paths\": %lld", &paths), 1);
    cr_assert_not_null(p = strstr(out, "\"agent_steps_per_s\": "), "%s", out);
    cr_assert_eq(sscanf(p, "\"agent_steps_per_s\": %lf, \"paths_per_s\": %lf", &aps, &pps), 2);
    cr_expect_eq(paths, 12);
    cr_expect_gt(pps, 0.0);
    cr_expect_float_eq(aps, pps * 30 * 16, 1e-5 * aps, "%g vs %g", aps, pps * 480);
}

Test(cli, bad_option_is_usage_error)
{
    char err[4096];
    cr_expect_eq(run("run ok.json --threads zero", err, sizeof err), 2, "%s", err);
    cr_expect_eq(run("frobnicate", err, sizeof err), 2, "%s", err);
    cr_expect_eq(run("bench ok.json --batch 0", err, sizeof err), 2, "%s", err);
    cr_expect(strstr(err, "--batch") != NULL, "%s", err);
    cr_expect_not(exists("out.h5"));
}

Test(cli, summary_rejects_non_results_file)
{
    write_file("out_not_h5", "hello");
    expect_bad("summary out_not_h5", 3, "out_not_h5");
}

/* Every shipped config validates (they are what users run first). */
Test(cli, shipped_configs_validate)
{
    static const char *const names[] = {"quickstart",        "bench_1024",     "feb2026_exit",
                                        "mitigation_pack",   "monoculture_sweep", "adversarial",
                                        "adversarial_search", "rare_tail"};
    char args[1024], err[4096];
    int i;
    for (i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
        snprintf(args, sizeof args, "validate '%s/configs/%s.json'", STP_SOURCE_DIR, names[i]);
        cr_expect_eq(run(args, err, sizeof err), 0, "%s: %s", names[i], err);
    }
}

/* The stdout of the last run() as a string (static buffer). */
static const char *last_stdout(void)
{
    static char out[1 << 16];
    char path[512];
    FILE *f;
    size_t got;
    snprintf(path, sizeof path, "%s/stdout.txt", dir);
    cr_assert_not_null(f = fopen(path, "r"));
    got = fread(out, 1, sizeof out - 1, f);
    out[got] = '\0';
    fclose(f);
    return out;
}

/* The shipped adversarial configs run end to end, shrunk, and their
 * summaries print what is new in them: the search's worst scenario and
 * re-run, the pilot's tilt and the weighted estimate. */
Test(cli, shipped_adversarial_configs_run_small)
{
    char args[1024], err[4096];
    snprintf(args, sizeof args,
             "run '%s/configs/adversarial_search.json' -o s.h5 --paths 64 --set "
             "experiment.search.iterations=2 --set experiment.search.paths_per_iter=32",
             STP_SOURCE_DIR);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    cr_expect_not_null(strstr(last_stdout(), "worst scenario found"), "%s", last_stdout());
    cr_expect_not_null(strstr(last_stdout(), "re-run on fresh paths"), "%s", last_stdout());
    snprintf(args, sizeof args,
             "run '%s/configs/rare_tail.json' -o r.h5 --paths 256 --set "
             "scenario.importance.pilot_paths=256",
             STP_SOURCE_DIR);
    cr_assert_eq(run(args, err, sizeof err), 0, "%s", err);
    cr_expect_not_null(strstr(last_stdout(), "chosen by a cross-entropy pilot"), "%s",
                       last_stdout());
    cr_expect_not_null(strstr(last_stdout(), "importance-weighted"), "%s", last_stdout());
}

/* A mitigation this version cannot run is refused, never silently ignored. */
Test(cli, fee_that_reaches_one_is_refused)
{
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run ok.json -o out.h5 --set mitigations.progressive_fee.slope=0.999", 2,
               "mitigations.progressive_fee.slope: base + slope is 1.002");
}

/* A search draws from its own laws and re-runs against random: another
 * scenario mode would be silently ignored, so it is refused up front. */
Test(cli, search_with_another_scenario_mode_is_refused)
{
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run ok.json -o out.h5 --set experiment.kind=search --set scenario.mode=blind_spot",
               2, "scenario.mode");
}

/* qmc needs whole Sobol nets: a point count that is not a power of two,
 * or paths that are not a multiple of it, are refused before any
 * simulation, naming the key. */
Test(cli, qmc_with_an_unbalanced_net_is_refused)
{
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run ok.json -o out.h5 --set scenario.mode=qmc --set scenario.qmc.points=100",
               2, "scenario.qmc.points");
    expect_bad("run ok.json -o out.h5 --set scenario.mode=qmc --set scenario.qmc.points=64 "
               "--set run.paths=96",
               2, "run.paths");
}

/* Under importance sampling a variant may not change scenario.*: its
 * weights would differ from the baseline's and the paired differences
 * would be undefined. Refused before any simulation, naming the key. */
Test(cli, importance_variant_changing_the_scenario_is_refused)
{
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    expect_bad("run ok.json -o out.h5 --set scenario.mode=importance --set "
               "experiment.kind=compare --set "
               "'experiment.variants=[{\"name\": \"imp\", \"set\": "
               "{\"scenario.importance.tilt\": 2}}]'",
               2, "experiment.variants[0].set.scenario.importance.tilt");
}

// ----------------------------------------------------------------------------
// the bad-input catalogue (docs/cli.md): one row per way a user can go
// wrong; each must give its exit code and one line naming the field and the
// fix, leave no output behind, and leave an existing output untouched


/* Nothing named out.h5* is left in dir but what was there before. */
static int leftovers(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ls -d out.h5.tmp.* out.h5.ckpt out.h5.lock >/dev/null 2>&1", dir);
    return system(cmd) == 0;
}

typedef struct catalogue_row {
    const char *what, *prefix, *args, *needle;
    int code;
    int keeps_checkpoint; /* the run's batches stay in out.h5.ckpt for --resume */
    const char *after;    /* shell run after the row (before the checks): NULL for none */
} catalogue_row;

static void check_row(const catalogue_row *r, int with_existing)
{
    static const char sentinel[] = "an earlier result, not to be touched\n";
    char err[4096], path[512], kept[128] = "";
    FILE *f;
    if (with_existing) write_file("out.h5", sentinel);
    const int rc = run_after(r->prefix, r->args, err, sizeof err);
    if (r->after) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "cd '%s' && %s", dir, r->after);
        cr_assert_eq(system(cmd), 0, "%s: %s failed", r->what, r->after);
    }
    cr_expect_eq(rc, r->code, "%s: exit %d, expected %d: %s", r->what, rc, r->code, err);
    cr_expect_eq(count_lines(err), 1, "%s: stderr is not one line: %s", r->what, err);
    cr_expect_not_null(strstr(err, r->needle), "%s: '%s' not in: %s", r->what, r->needle, err);
    cr_expect_not(leftovers() && !r->keeps_checkpoint, "%s: left a temporary file or checkpoint",
                  r->what);
    if (r->keeps_checkpoint) {
        char cmd[512];
        cr_expect_not_null(strstr(err, "--resume"), "%s: does not say how to resume: %s", r->what,
                           err);
        snprintf(cmd, sizeof cmd, "cd '%s' && ls out.h5.tmp.* >/dev/null 2>&1", dir);
        cr_expect_neq(system(cmd), 0, "%s: left a temporary file", r->what);
        snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf out.h5.ckpt", dir);
        cr_assert_eq(system(cmd), 0);
    }
    if (!with_existing) {
        cr_expect_not(exists("out.h5"), "%s: wrote out.h5", r->what);
        return;
    }
    snprintf(path, sizeof path, "%s/out.h5", dir);
    cr_assert_not_null(f = fopen(path, "r"), "%s: removed the existing out.h5", r->what);
    if (!fgets(kept, sizeof kept, f)) kept[0] = '\0';
    fclose(f);
    cr_expect_str_eq(kept, sentinel, "%s: changed the existing out.h5", r->what);
    remove(path);
}

/* `stampede COMMAND --help` prints the usage, exit 0. */
Test(cli, command_help_is_usage)
{
    char err[4096];
    cr_expect_eq(run("run --help", err, sizeof err), 0, "%s", err);
    cr_expect_eq(run("merge -h", err, sizeof err), 0, "%s", err);
    cr_expect_not_null(strstr(last_stdout(), "exit codes"), "%s", last_stdout());
    cr_expect_not_null(strstr(last_stdout(), "5 out of memory"), "%s", last_stdout());
}

/* Every config error run refuses before its first path, validate refuses
 * too, with the same exit code and the same key named; both with and
 * without an existing out.h5, which stays untouched (check_row). */
Test(cli, validate_refuses_what_run_refuses)
{
    static const struct {
        const char *config, *sets, *needle;
        int code;
    } cases[] = {
        {"ok.json", "--set population.families.0.model=broken_model.json", "broken_model.json", 2},
        {"ok.json", "--set population.families.0.model=ragged_model.json", "ragged_model.json", 2},
        {"ok.json", "--set population.agents=10000000 --threads 4096", "needs about", 5},
        {"ok.json", "--set run.paths=1e15", "run.paths", 2},
        {"ok.json", "--set experiment.kind=search --set scenario.mode=qmc", "scenario.mode", 2},
        {"ok.json", "--set pool.depth_usd=1e308", "pool.depth_usd", 2},
        {"ok.json", "--set market.price0_usd=1e300", "market.price0_usd", 2},
        {"ok.json", "--set market.vol.calm_per_sqrt_s=1e10", "market.vol.calm_per_sqrt_s", 2},
        {"ok.json", "--set time.horizon_s=999999999", "time.horizon_s", 2},
        {"ok.json", "--set experiment.name='\".\"'", "experiment.name", 2},
        {"zero.json", "", "leading zero", 2},
        {"deep.json", "", "nested too deeply", 2},
        {"type.json", "", "pool.depth_usd", 2},
        /* population ensembles: whole populations, and no mode built on one */
        {"ok.json", "--set run.populations=3", "run.paths", 2},
        {"ok.json", "--set run.populations=8", "at least 2 paths", 2},
        {"ok.json", "--set run.populations=0", "run.populations", 2},
        {"ok.json", "--set run.populations=2 --set scenario.mode=blind_spot",
         "one population's firing sizes", 2},
        {"ok.json", "--set run.populations=2 --set scenario.mode=qmc --set scenario.qmc.points=2",
         "replicates of one net", 2},
        {"ok.json", "--set run.populations=2 --set experiment.kind=search", "fits its laws", 2},
    };
    char args[1024], deep[4200];
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    write_config("zero.json", "", "{\"depth_usd\": 8e8, \"fee\": 00.003}");
    write_config("type.json", "", "{\"depth_usd\": \"deep\"}");
    memset(deep, '[', 2000);
    memset(deep + 2000, ']', 2000);
    deep[4000] = '\n';
    deep[4001] = '\0';
    write_file("deep.json", deep);
    write_file("broken_model.json", "{\"format\": \"stampede-model\", \"format_version\": 1,");
    write_file("ragged_model.json",
               "{\"format\": \"stampede-model\", \"format_version\": 1, \"name\": \"r\", "
               "\"kind\": \"mlp\", \"feature_version\": 1, \"hidden\": 2, \"weights\": "
               "{\"w1\": [[1, 2, 3, 4, 5, 6, 7, 8], [1, 2]], \"b1\": [0, 0], \"w2\": [1, 1], "
               "\"b2\": 0}}");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int w = 0; w < 2; w++) {
            catalogue_row r = {cases[i].sets, "", args, cases[i].needle, cases[i].code, 0, NULL};
            snprintf(args, sizeof args, "validate %s %s", cases[i].config, cases[i].sets);
            check_row(&r, w);
            snprintf(args, sizeof args, "run %s -o out.h5 --force --quiet %s", cases[i].config,
                     cases[i].sets);
            check_row(&r, w);
        }
    }
}

Test(cli, bad_input_catalogue)
{
    char why[256], cmd[1024];
    const int gpu = stp_cuda_device_count(why, sizeof why) > 0;
    write_config("ok.json", "", "{\"depth_usd\": 8e8}");
    write_file("bad.json", "{\n  \"run\": {\"paths\": 8,,}\n}\n");
    write_config("typo.json", ", \"weight_nosie\": 0.1", "{\"depth_usd\": 8e8}");
    write_config("type.json", "", "{\"depth_usd\": \"deep\"}");
    write_config("range.json", "", "{\"fee\": 1.5}");
    write_config("inf.json", "", "{\"depth_usd\": 1e999}");
    write_file("broken_model.json", "{\"format\": \"stampede-model\", \"format_version\": 1,");
    write_file("not_a_dir", "a file where a folder should be\n");
    const catalogue_row rows[] = {
        {"malformed JSON", "", "run bad.json -o out.h5 --force", "bad.json:2:", 2},
        {"unknown key", "", "run typo.json -o out.h5 --force", "weight_noise", 2},
        {"wrong type", "", "run type.json -o out.h5 --force", "pool.depth_usd", 2},
        {"out of range", "", "run range.json -o out.h5 --force", "pool.fee", 2},
        {"shares not summing to 1", "",
         "run ok.json -o out.h5 --force --set protocols.0.share=0.7", "protocols", 2},
        {"missing model file", "",
         "run ok.json -o out.h5 --force --set population.families.0.model=nowhere.json",
         "nowhere.json", 2},
        {"malformed model file", "",
         "run ok.json -o out.h5 --force --set population.families.0.model=broken_model.json",
         "broken_model.json", 2},
        {"non-finite number", "", "run inf.json -o out.h5 --force", "pool.depth_usd", 2},
        {"unknown option", "", "run ok.json -o out.h5 --force --pths 8", "--pths", 2},
        {"unwritable output folder", "", "run ok.json -o not_a_dir/out.h5 --force --quiet",
         "not_a_dir", 3},
        /* a full disk, as the kernel reports a write past RLIMIT_FSIZE: EFBIG */
        {"full disk", "trap '' XFSZ; ulimit -f 64;", "run ok.json -o out.h5 --force --quiet",
         "check free space", 3, 1},
        {"newer results format", "", "summary newer.h5", "upgrade stampede", 3},
        /* issue 21: outputs no run may write, refused before anything is */
        {"empty output path", "", "run ok.json -o '' --force", "empty", 2},
        {"output is a folder", "mkdir -p adir;", "run ok.json -o adir --force", "a directory", 2},
        {"output names a folder", "", "run ok.json -o adir/ --force", "names a folder", 2},
        {"output is a FIFO", "rm -f fifo.h5; mkfifo fifo.h5;", "run ok.json -o fifo.h5 --force",
         "FIFO", 2},
        {"output is a device", "", "run ok.json -o /dev/null --force", "a device", 2},
        /* a live run owns its output: the holder is flock(1) on the lock file */
        {"output in use by a running run", "(flock out.h5.lock sleep 2 &); sleep 0.5;",
         "run ok.json -o out.h5 --force --quiet", "in use by a running stampede", 2, 0,
         "sleep 2; rm -f out.h5.lock"},
        {"more memory than the machine has", "",
         "run ok.json -o out.h5 --force --threads 4096 --set population.agents=10000000",
         "needs about", 5},
        {"an option the command does not take", "", "summary out.h5 --paths 8", "does not take",
         2},
        {"merge into one of its shards", "", "merge out.h5 out.h5 --force", "is also shard", 2},
    };
    /* a results file from a future format: sealed, so only its version is wrong */
    cr_assert_eq(run("run ok.json -o newer.h5 --quiet", why, sizeof why), 0, "%s", why);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 -c \"import h5py; h5py.File('newer.h5', 'r+')"
             ".attrs['format_version'] = 99\"",
             dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/newer.h5", dir);
    stp_error e = {STP_OK, ""};
    cr_assert_eq(stp_h5_reseal_file(cmd, 1, &e), STP_OK, "%s", e.msg);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        check_row(&rows[i], 0);
        check_row(&rows[i], 1);
    }
    /* an existing output without --force: refused, and it stays (check_row
     * writes the sentinel first and checks it after) */
    const catalogue_row no_force = {"existing output without --force", "",
                                    "run ok.json -o out.h5 --quiet", "--force", 2};
    check_row(&no_force, 1);
    if (!gpu) {
        const catalogue_row cuda = {"CUDA backend without a GPU", "",
                                    "run ok.json -o out.h5 --force --backend cuda", "cuda", 4};
        check_row(&cuda, 0);
        check_row(&cuda, 1);
    }
}
