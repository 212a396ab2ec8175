/* cli.c: the `stampede` command line (DESIGN §5). The only file that calls
 * exit or prints to the user; everything else returns stp_status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stampede/bench.h"
#include "stampede/config.h"
#include "stampede/h5out.h"
#include "stampede/interrupt.h"
#include "stampede/json_writer.h"
#include "stampede/plot.h"
#include "stampede/run.h"
#include "stampede/ranks.h"
#include "stampede/merge.h"
#include "stampede/shard.h"
#include "stampede/summary.h"

#ifndef STP_VERSION
#define STP_VERSION "0.0.0"
#endif
#ifndef STP_GIT_COMMIT
#define STP_GIT_COMMIT "unknown"
#endif
#ifndef STP_INSTALL_DATADIR
#define STP_INSTALL_DATADIR "/usr/local/share/stampede"
#endif

static const char usage[] =
    "usage:\n"
    "  stampede run CONFIG.json [-o OUT.h5] [--paths N] [--seed S]\n"
    "               [--backend auto|cuda|openmp] [--threads N] [--batch N]\n"
    "               [--set a.b.c=VALUE]... [--resume] [--force] [--quiet]\n"
    "               [--shard I/N]\n"
    "  stampede merge OUT.h5 SHARD.h5... [--threads N] [--force] [--quiet]\n"
    "  stampede validate CONFIG.json [--set a.b.c=VALUE]... [--paths N] [--seed S]\n"
    "                    [--batch N] [--threads N]\n"
    "  stampede summary OUT.h5 [--format text|json|markdown] [--plot DIR]\n"
    "  stampede bench [CONFIG.json]... [--backend auto|cuda|openmp] [--threads N]\n"
    "                 [--paths N] [--batch N] [--seed S] [--set a.b.c=VALUE]...\n"
    "                 [--json] [--history FILE.jsonl]\n"
    "  stampede --version | --help | COMMAND --help\n"
    "exit codes: 0 ok, 2 usage or config error, 3 I/O error or damaged file,\n"
    "            4 device error, 5 out of memory (or the run cannot fit in it),\n"
    "            130 interrupted (SIGINT or SIGTERM; a second one ends at once)\n";

/* SIGINT/SIGTERM: the first asks every loop of the run to stop
 * (interrupt.h), which it does within about a second, keeping finished
 * batches and writing nothing partial; the second ends the process at
 * once, removing the results file it was writing. Once the results are in
 * place (`finished`), a signal only cuts the summary short: the run is
 * done, so the exit is 0, and `--resume` is not needed. */
static volatile sig_atomic_t interrupted, finished;

static void on_signal(int sig)
{
    (void)sig;
    if (finished) _exit(0);
    if (interrupted) {
        stp_interrupt_discard_scratch();
        _exit(STP_EINTR);
    }
    interrupted = 1;
    stp_interrupt_raise();
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

#define MAX_SHARDS 4096

typedef struct cli_args {
    const char *command, *input, *out_path, *backend, *format, *plot_dir;
    const char *shard_files[MAX_SHARDS]; /* merge: the shards after OUT.h5 */
    int n_shard_files, shard, shards;
    const char *sets[STP_MAX_SETS + 3]; /* user --set plus --paths/--seed/--batch */
    char owned[3][64];
    int n_sets, n_owned, threads, force, quiet, resume;
} cli_args;

static int fail_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "stampede: %s%s%s (see stampede --help)\n", msg, arg ? " " : "",
            arg ? arg : "");
    return STP_EUSAGE;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* --paths/--seed/--batch become overrides so the config validator checks them. */
static int add_owned_set(cli_args *a, const char *key, const char *value)
{
    long long v;
    if (parse_int(value, 0, (1LL << 53) - 1, &v)) {
        char opt[32];
        snprintf(opt, sizeof opt, "--%s:", key);
        return fail_usage(opt, "expected a non-negative integer");
    }
    snprintf(a->owned[a->n_owned], sizeof a->owned[0], "run.%s=%lld", key, v);
    a->sets[a->n_sets++] = a->owned[a->n_owned++];
    return 0;
}

/* The options each command takes: one it does not take is refused, not
 * ignored (a `summary --paths 10` that printed the whole file would mislead). */
static int takes(const char *command, const char *opt)
{
    static const char *const run[] = {"-o",        "--paths", "--seed",  "--backend",
                                      "--threads", "--batch", "--set",   "--resume",
                                      "--force",   "--quiet", "--shard", NULL};
    static const char *const merge[] = {"--threads", "--force", "--quiet", NULL};
    static const char *const validate[] = {"--set",   "--paths",   "--seed",
                                           "--batch", "--threads", NULL};
    static const char *const summary[] = {"--format", "--plot", NULL};
    const char *const *ok = !strcmp(command, "run")        ? run
                            : !strcmp(command, "merge")    ? merge
                            : !strcmp(command, "validate") ? validate
                                                           : summary;
    for (; *ok; ok++)
        if (!strcmp(*ok, opt)) return 1;
    return 0;
}

static int parse_option(cli_args *a, int argc, char **argv, int *i)
{
    const char *opt = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    long long v;
    if (!takes(a->command, opt)) {
        char what[96];
        snprintf(what, sizeof what, "%s does not take", a->command);
        return fail_usage(what, opt);
    }
    if (!strcmp(opt, "--force")) return a->force = 1, 0;
    if (!strcmp(opt, "--quiet")) return a->quiet = 1, 0;
    if (!strcmp(opt, "--resume")) return a->resume = 1, 0;
    if (!val) return fail_usage("missing value after", opt);
    (*i)++;
    if (!strcmp(opt, "-o")) return a->out_path = val, 0;
    if (!strcmp(opt, "--backend")) return a->backend = val, 0;
    if (!strcmp(opt, "--format")) return a->format = val, 0;
    if (!strcmp(opt, "--plot")) return a->plot_dir = val, 0;
    if (!strcmp(opt, "--paths")) return add_owned_set(a, "paths", val);
    if (!strcmp(opt, "--seed")) return add_owned_set(a, "seed", val);
    if (!strcmp(opt, "--batch")) return add_owned_set(a, "batch", val);
    if (!strcmp(opt, "--threads")) {
        if (parse_int(val, 1, 4096, &v))
            return fail_usage("--threads: expected an integer in [1, 4096], got", val);
        return a->threads = (int)v, 0;
    }
    if (!strcmp(opt, "--set")) {
        if (a->n_sets >= STP_MAX_SETS) return fail_usage("too many --set options", NULL);
        return a->sets[a->n_sets++] = val, 0;
    }
    return fail_usage("unknown option", opt);
}

static int parse_args(cli_args *a, int argc, char **argv)
{
    int i;
    memset(a, 0, sizeof *a);
    a->backend = "auto";
    a->format = "text";
    a->command = argv[1];
    for (i = 2; i < argc; i++) {
        int rc;
        if (argv[i][0] != '-') {
            if (a->input && !strcmp(a->command, "merge")) {
                if (a->n_shard_files >= MAX_SHARDS) return fail_usage("too many shards", NULL);
                a->shard_files[a->n_shard_files++] = argv[i];
                continue;
            }
            if (a->input) return fail_usage("unexpected argument", argv[i]);
            a->input = argv[i];
            continue;
        }
        if (!strcmp(argv[i], "--shard")) {
            if (!takes(a->command, "--shard"))
                return fail_usage("--shard belongs to run, not", a->command);
            if (i + 1 >= argc || stp_shard_parse(argv[i + 1], &a->shard, &a->shards))
                return fail_usage("--shard: expected I/N with 0 <= I < N <= 4096, got",
                                  i + 1 < argc ? argv[i + 1] : "nothing");
            i++;
            continue;
        }
        if ((rc = parse_option(a, argc, argv, &i)) != 0) return rc;
    }
    if (!a->input) return fail_usage("missing input file for", a->command);
    return 0;
}

/* Under mpirun rank 0 speaks for the run: the others print only a
 * failure of their own (I/O, device), with their rank, since every rank
 * checks the config and the arguments alike. */
static int report(const stp_error *err)
{
    if (stp_rank() == 0)
        fprintf(stderr, "stampede: %s\n", err->msg);
    else if (err->status == STP_EIO || err->status == STP_EDEVICE)
        fprintf(stderr, "stampede (rank %d): %s\n", stp_rank(), err->msg);
    return err->status;
}

static int print_summary(const char *path, stp_summary_format fmt)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    if (stp_h5_read_summary(path, &s, &err) != STP_OK) return report(&err);
    if (!s.sealed)
        fprintf(stderr,
                "stampede: warning: %s has format_version %d, from before checksums: its "
                "content is not verified\n",
                path, s.format_version);
    stp_summary_print(stdout, &s, fmt);
    stp_summary_free(&s);
    return 0;
}

/* The figures go to DIR; their paths to stderr, so stdout stays the
 * summary (JSON stays parseable). */
static int plot_figures(const cli_args *a)
{
    char log[16384];
    stp_error err = {STP_OK, ""};
    const stp_status st = stp_plot_write(a->input, a->plot_dir, log, sizeof log, &err);
    if (st != STP_OK) return report(&err);
    fputs(log, stderr);
    return 0;
}

static int cmd_summary(const cli_args *a)
{
    stp_summary_format fmt;
    int rc;
    if (!strcmp(a->format, "text"))
        fmt = STP_SUMMARY_TEXT;
    else if (!strcmp(a->format, "json"))
        fmt = STP_SUMMARY_JSON;
    else if (!strcmp(a->format, "markdown"))
        fmt = STP_SUMMARY_MARKDOWN;
    else
        return fail_usage("--format: expected text, json or markdown, got", a->format);
    /* the summary reads and verifies the file first: a damaged one is exit 3 before any plot */
    if ((rc = print_summary(a->input, fmt)) != 0 || !a->plot_dir) return rc;
    fflush(stdout);
    return plot_figures(a);
}

static int cmd_validate(const cli_args *a)
{
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    if (stp_config_load(&cfg, a->input, a->sets, a->n_sets, &err) != STP_OK) return report(&err);
    /* what run checks before its first path, beyond the config's own rules */
    if (stp_run_check(cfg, a->threads, &err) != STP_OK) {
        stp_config_destroy(cfg);
        return report(&err);
    }
    printf("%s\n", cfg->resolved_json);
    stp_config_destroy(cfg);
    return 0;
}

/* The rate counts the paths this process simulated: after a resume the
 * restored batches took no time and would inflate it. */
static void progress(void *user, long long done, long long total, long long simulated,
                     double elapsed_s)
{
    const double rate = elapsed_s > 0.0 ? (double)simulated / elapsed_s : 0.0;
    const double eta = rate > 0.0 ? (double)(total - done) / rate : 0.0;
    int *line_open = user; /* the progress line has no newline yet */
    *line_open = done != total;
    fprintf(stderr, "\rstampede: %lld/%lld paths  %.0f paths/s  ETA %.0f s   ", done, total, rate,
            eta);
    if (done == total) fputc('\n', stderr);
}

/* Default output: the config's file name with .h5, in the current folder. */
static void default_out(char *buf, size_t n, const char *config_path)
{
    const char *base = strrchr(config_path, '/');
    char *dot;
    snprintf(buf, n, "%s", base ? base + 1 : config_path);
    dot = strrchr(buf, '.');
    if (dot && !strcmp(dot, ".json")) *dot = '\0';
    strncat(buf, ".h5", n - strlen(buf) - 1);
}

static int cmd_run(const cli_args *a)
{
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_run_opts o;
    char out[1024];
    int rc, line_open = 0;
    if (stp_config_load(&cfg, a->input, a->sets, a->n_sets, &err) != STP_OK) return report(&err);
    default_out(out, sizeof out, a->input);
    memset(&o, 0, sizeof o);
    o.out_path = a->out_path ? a->out_path : out;
    o.backend = a->backend;
    o.threads = a->threads;
    if (!o.threads && stp_local_ranks() > 1) { /* the node's cores shared among its ranks */
        const long cores = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = cores > stp_local_ranks() ? (int)(cores / stp_local_ranks()) : 1;
    }
    o.force = a->force;
    o.resume = a->resume;
    o.interrupted = &interrupted;
    o.progress = a->quiet || stp_rank() != 0 ? NULL : progress;
    o.progress_user = &line_open;
    o.shard = a->shard;
    o.shards = a->shards;
    catch_signals();
    if (stp_run(cfg, &o, &err) != STP_OK) {
        if (line_open) fputc('\n', stderr); /* the error starts its own line */
        rc = report(&err);
    } else {
        finished = 1;
        rc = 0;
    }
    stp_config_destroy(cfg);
    if (stp_rank() != 0) return rc; /* rank 0 prints the summary */
    if (rc == 0 && !a->quiet && a->shards > 0)
        printf("stampede: shard %d/%d written to %s; when all %d are done: stampede merge OUT.h5 "
               "SHARD.h5...\n",
               a->shard, a->shards, o.out_path, a->shards);
    else if (rc == 0 && !a->quiet)
        rc = print_summary(o.out_path, STP_SUMMARY_TEXT);
    return rc;
}

/* stampede merge OUT.h5 SHARD.h5...: the shards into one results file. */
static int cmd_merge(const cli_args *a)
{
    stp_error err = {STP_OK, ""};
    int rc;
    catch_signals();
    rc = stp_merge(a->input, a->shard_files, a->n_shard_files, a->threads, a->force, &err) != STP_OK
             ? report(&err)
             : 0;
    if (rc == 0 && !a->quiet) rc = print_summary(a->input, STP_SUMMARY_TEXT);
    return rc;
}

/* ---------------------------------------------------------------------------
 * bench
 * ------------------------------------------------------------------------- */

#define BENCH_MAX_CONFIGS 16

typedef struct bench_args {
    const char *configs[BENCH_MAX_CONFIGS];
    const char *backend;
    int n_configs, threads, json;
    const char *history;                /* --history FILE: append the record as one JSON line */
    const char *sets[STP_MAX_SETS + 1]; /* --set and --seed overrides, then run.batch */
    char seed[64], paths_set[64];
    int n_sets;
    long long paths; /* 0: stp_bench_config's default */
    long long batch; /* paths a launch; 0: the config's run.batch */
} bench_args;

static int parse_bench(bench_args *b, int argc, char **argv)
{
    int i;
    long long v;
    memset(b, 0, sizeof *b);
    b->backend = "auto";
    for (i = 2; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--json")) {
            b->json = 1;
            continue;
        }
        if (opt[0] != '-') {
            if (b->n_configs == BENCH_MAX_CONFIGS) return fail_usage("too many configs:", opt);
            b->configs[b->n_configs++] = opt;
            continue;
        }
        if (!val) return fail_usage("missing value after", opt);
        i++;
        if (!strcmp(opt, "--backend")) {
            b->backend = val;
        } else if (!strcmp(opt, "--history")) {
            b->history = val;
        } else if (!strcmp(opt, "--set") || !strcmp(opt, "--seed")) {
            if (b->n_sets >= STP_MAX_SETS) return fail_usage("too many --set options", NULL);
            if (!strcmp(opt, "--seed")) {
                if (parse_int(val, 0, (1LL << 53) - 1, &v))
                    return fail_usage("--seed: expected a non-negative integer, got", val);
                snprintf(b->seed, sizeof b->seed, "run.seed=%lld", v);
                val = b->seed;
            }
            b->sets[b->n_sets++] = val;
        } else if (!strcmp(opt, "--threads")) {
            if (parse_int(val, 1, 4096, &v))
                return fail_usage("--threads: expected an integer in [1, 4096], got", val);
            b->threads = (int)v;
        } else if (!strcmp(opt, "--paths")) {
            /* syntax here; the limit is the config's (run.paths), one message for it */
            if (parse_int(val, 1, (1LL << 53) - 1, &v) || b->n_sets >= STP_MAX_SETS)
                return fail_usage("--paths: expected a positive integer, got", val);
            snprintf(b->paths_set, sizeof b->paths_set, "run.paths=%lld", v);
            b->sets[b->n_sets++] = b->paths_set;
            b->paths = v;
        } else if (!strcmp(opt, "--batch")) {
            /* checked as run.batch by the config (bench_one) */
            if (parse_int(val, 1, (1LL << 53) - 1, &v))
                return fail_usage("--batch: expected a positive integer, got", val);
            b->batch = v;
        } else {
            return fail_usage("unknown option", opt);
        }
    }
    return 0;
}

/* configs/NAME from the working folder, else the installed copy. */
static void bench_default(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "configs/%s", name);
    if (access(buf, R_OK) != 0) snprintf(buf, n, "%s/configs/%s", STP_INSTALL_DATADIR, name);
}

static int bench_one(const bench_args *b, const char *path, stp_bench_result *r)
{
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    int rc = 0;
    char batch[64];
    const char *sets[STP_MAX_SETS + 1];
    int n = b->n_sets;
    memcpy(sets, b->sets, (size_t)n * sizeof sets[0]);
    snprintf(batch, sizeof batch, "run.batch=%lld", b->batch);
    if (b->batch > 0) sets[n++] = batch;
    if (stp_config_load(&cfg, path, sets, n, &err) != STP_OK ||
        stp_bench_config(cfg, b->backend, b->threads, b->paths, r, &err) != STP_OK)
        rc = report(&err);
    stp_config_destroy(cfg);
    return rc;
}

static void bench_print_text(const stp_bench_result *r, int n)
{
    int i;
    for (i = 0; i < n; i++)
        printf("%-16s %-6s %6d agents %6d steps %9lld paths  %8.2f s  %.3e agent-steps/s  "
               "%.1f paths/s  P(cascade) %.4g [%.4g, %.4g]  (%s)\n",
               r[i].name, r[i].backend, r[i].agents, r[i].steps, r[i].paths, r[i].sim_s,
               r[i].agent_steps_per_s, r[i].paths_per_s, r[i].cascade.p, r[i].cascade.ci_lo,
               r[i].cascade.ci_hi, r[i].device);
}

/* One config's tail statistics: the figures a speed change must not move. */
static void bench_tail_json(stp_json *w, const stp_bench_result *r)
{
    const stp_metric_stats *bd = &r->bad_debt;
    stp_json_object(w, "tail");
    stp_json_num_g(w, "p_cascade", r->cascade.p, 9);
    stp_json_num_g(w, "p_ci_lo", r->cascade.ci_lo, 9);
    stp_json_num_g(w, "p_ci_hi", r->cascade.ci_hi, 9);
    stp_json_int(w, "cascades", r->cascade.k);
    stp_json_int(w, "weighted", r->cascade.weighted);
    stp_json_num_g(w, "es_level", bd->es_levels[0], 9);
    stp_json_num_g(w, "es_bad_debt_usd", bd->es[0], 9);
    stp_json_num_g(w, "es_ci_lo", bd->es_ci_lo[0], 9);
    stp_json_num_g(w, "es_ci_hi", bd->es_ci_hi[0], 9);
    stp_json_num_g(w, "mean_bad_debt_usd", bd->mean, 9);
    stp_json_num_g(w, "mean_max_drawdown", r->mean_max_drawdown, 9);
    stp_json_end(w);
}

/* One config's figures, then its tail on a line of its own (nl). */
static void bench_result_json(stp_json *w, const char *path, const stp_bench_result *r,
                              const char *nl)
{
    char ws[8];
    stp_json_object(w, NULL);
    stp_json_str(w, "config", path);
    stp_json_str(w, "name", r->name);
    stp_json_str(w, "backend", r->backend);
    stp_json_str(w, "device", r->device);
    stp_json_int(w, "threads", r->threads);
    stp_json_int(w, "paths", r->paths);
    stp_json_int(w, "launch_paths", r->launch_paths);
    stp_json_int(w, "launch_blocks", r->launch_blocks);
    stp_json_int(w, "device_sms", r->device_sms);
    stp_json_bool(w, "fills_device", r->fills_device);
    stp_json_int(w, "agents", r->agents);
    stp_json_int(w, "steps", r->steps);
    stp_json_num_g(w, "sim_s", r->sim_s, 6);
    stp_json_num_g(w, "agent_steps_per_s", r->agent_steps_per_s, 6);
    stp_json_num_g(w, "paths_per_s", r->paths_per_s, 6);
    snprintf(ws, sizeof ws, "%s   ", nl);
    stp_json_space(w, ws);
    bench_tail_json(w, r);
    stp_json_end(w);
}

/* The record: pretty for the terminal (nl = "\n"), one line (nl = "") for
 * a history file of JSON Lines. */
static void bench_json(FILE *f, const char *const *paths, const stp_bench_result *r, int n,
                       const char *date, const char *nl)
{
    char host[256] = "unknown", machine[300], ws[2][8];
    stp_json w;
    int i;
    gethostname(host, sizeof host - 1);
    snprintf(machine, sizeof machine, "%s, %d cores", n ? r[0].cpu : "", n ? r[0].cores : 0);
    snprintf(ws[0], sizeof ws[0], "%s ", nl);  /* before "results" */
    snprintf(ws[1], sizeof ws[1], "%s  ", nl); /* before each result */
    stp_json_init(&w, f, STP_JSON_LINE);
    stp_json_object(&w, NULL);
    stp_json_str(&w, "format", "stampede-bench");
    stp_json_str(&w, "version", STP_VERSION);
    stp_json_str(&w, "commit", STP_GIT_COMMIT);
    stp_json_str(&w, "date", date);
    stp_json_str(&w, "machine", machine);
    stp_json_str(&w, "host", host);
    stp_json_space(&w, ws[0]);
    stp_json_array(&w, "results");
    for (i = 0; i < n; i++) {
        stp_json_space(&w, ws[1]);
        bench_result_json(&w, paths[i], &r[i], nl);
    }
    stp_json_space(&w, nl);
    stp_json_end(&w);
    stp_json_end(&w);
    fputc('\n', f);
}

/* Appends the record to `path` as one line, in one write(2) on an O_APPEND
 * descriptor, so concurrent nightly jobs never interleave records and a
 * failed write leaves no half line behind. */
static int bench_append(const char *path, const char *const *paths, const stp_bench_result *r,
                        int n, const char *date)
{
    char *line = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&line, &len);
    ssize_t wrote = -1;
    int fd, saved = 0;
    if (!mem) return fprintf(stderr, "stampede: --history: out of memory\n"), STP_ENOMEM;
    bench_json(mem, paths, r, n, date, "");
    fclose(mem);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
        wrote = write(fd, line, len);
        saved = errno;
        if (wrote >= 0 && (size_t)wrote != len && ftruncate(fd, lseek(fd, 0, SEEK_END) - wrote))
            saved = errno;
        if (close(fd) != 0 && wrote == (ssize_t)len) wrote = -1, saved = errno;
    } else {
        saved = errno;
    }
    free(line);
    if (wrote == (ssize_t)len) return 0;
    fprintf(stderr,
            "stampede: --history %s: cannot append the record (%s); check the path and "
            "free space\n",
            path, strerror(saved ? saved : EIO));
    return STP_EIO;
}

/* One line on stderr when a GPU launch is too small to fill the device:
 * its figure is the launch's latency and ragged tail, not the kernel's. */
static void bench_warn_fill(const char *path, const stp_bench_result *r)
{
    if (r->fills_device) return;
    fprintf(stderr,
            "stampede bench: warning: %s: launches of %lld paths are %lld blocks, under %d per "
            "SM of the device's %d: the figure measures the launch, not the kernel (use "
            "--batch %lld or more)\n",
            path, r->launch_paths, r->launch_blocks, STP_BENCH_FILL_BLOCKS_PER_SM, r->device_sms,
            r->fill_paths);
}

static int cmd_bench(int argc, char **argv)
{
    bench_args b;
    stp_bench_result r[BENCH_MAX_CONFIGS];
    char defaults[2][1100], date[32];
    const time_t now = time(NULL);
    int i, rc;
    if ((rc = parse_bench(&b, argc, argv)) != 0) return rc;
    if (b.n_configs == 0) {
        bench_default(defaults[0], sizeof defaults[0], "bench_1024.json");
        bench_default(defaults[1], sizeof defaults[1], "feb2026_exit.json");
        b.configs[0] = defaults[0];
        b.configs[1] = defaults[1];
        b.n_configs = 2;
    }
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    for (i = 0; i < b.n_configs; i++) {
        if ((rc = bench_one(&b, b.configs[i], &r[i])) != 0) return rc;
        bench_warn_fill(b.configs[i], &r[i]);
    }
    if (b.json)
        bench_json(stdout, b.configs, r, b.n_configs, date, "\n");
    else
        bench_print_text(r, b.n_configs);
    return b.history ? bench_append(b.history, b.configs, r, b.n_configs, date) : 0;
}

static int dispatch(int argc, char **argv)
{
    cli_args a;
    int rc;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? STP_EUSAGE : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("stampede %s\n", STP_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "bench") && argc > 2 &&
        (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "bench")) return cmd_bench(argc, argv);
    if (strcmp(argv[1], "run") && strcmp(argv[1], "validate") && strcmp(argv[1], "summary") &&
        strcmp(argv[1], "merge"))
        return fail_usage("unknown command", argv[1]);
    if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    if ((rc = parse_args(&a, argc, argv)) != 0) return rc;
    if (!strcmp(a.command, "run")) return cmd_run(&a);
    if (!strcmp(a.command, "merge")) return cmd_merge(&a);
    if (!strcmp(a.command, "validate")) return cmd_validate(&a);
    return cmd_summary(&a);
}

int main(int argc, char **argv)
{
    int rc;
    stp_h5_library_init();
    stp_ranks_init(&argc, &argv);
    rc = dispatch(argc, argv);
    stp_ranks_finalize();
    return rc;
}
