/* MPI ranks (ranks.h, DESIGN §9): `mpirun -np N stampede run` writes the
 * one-process results file, every dataset and attribute but the timings,
 * for 2 ranks and for 3 (an uneven split of the batches), for a single
 * run, a compare experiment and a search; and a run interrupted under 2
 * ranks resumes under 3 to the same file. Built only with MPI; runs
 * mpirun with --oversubscribe (CI has 2 cores) and as root where CI is.
 * Named for the build option and label (STP_MPI, mpi), not for ranks.c:
 * it runs whole runs, compares and searches under mpirun. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "small_market.h"
#include "tmpdir.h"
#include "same_results.h" /* after tmpdir.h: it uses dir */

TestSuite(mpi, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 600);

/* Runs `[mpirun -np ranks] stampede ARGS` in dir (ranks 0: no mpirun);
 * returns the exit code. */
static int run(int ranks, const char *args)
{
    char cmd[4096], launcher[256] = "";
    int rc;
    if (ranks > 0)
        snprintf(launcher, sizeof launcher,
                 "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                 "'%s' --oversubscribe -np %d ",
                 STP_MPIEXEC, ranks);
    snprintf(cmd, sizeof cmd, "cd '%s' && %s'%s' %s >stdout.txt 2>stderr.txt", dir, launcher,
             STP_BINARY, args);
    rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void ok(int ranks, const char *args)
{
    char cmd[512];
    const int rc = run(ranks, args);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/stderr.txt' >&2", dir);
        cr_assert_eq(system(cmd), 0);
    }
    cr_assert_eq(rc, 0, "%d ranks: '%s' exited %d (stderr above)", ranks, args, rc);
}

#define MODELS                                                                                     \
    "--set 'population.families=[{\"model\": \"" STP_SOURCE_DIR "/models/consensus_mlp.json\","    \
    " \"share\": 0.5}, {\"model\": \"" STP_SOURCE_DIR "/models/drawdown_rule.json\","              \
    " \"share\": 0.5}]'"

/* One process, 2 ranks and 3 ranks of the same run: the same file. */
static void expect_ranks_equal_one_process(const char *experiment)
{
    small_market_write(dir, experiment, 4, 4);
    ok(0, "run m.json --quiet " MODELS " -o one.h5");
    ok(2, "run m.json --quiet " MODELS " -o two.h5");
    ok(3, "run m.json --quiet " MODELS " -o three.h5");
    assert_same_results("one.h5", "two.h5");
    assert_same_results("one.h5", "three.h5");
    cr_assert_eq(access("two.h5.ckpt", F_OK), -1, "a checkpoint left behind");
}

Test(mpi, ranks_equal_one_process_single)
{
    expect_ranks_equal_one_process("{\"name\": \"base\"}");
}

Test(mpi, ranks_equal_one_process_compare)
{
    expect_ranks_equal_one_process(
        "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": [{\"name\": \"breaker\","
        " \"set\": {\"mitigations.circuit_breaker.enabled\": true}}]}");
}

/* An ensemble of 4 populations (10 paths each, batches of 4: 3 a
 * population) split over ranks: each rank draws the populations of its
 * batches, rank 0 the rest for the summary; the same file. */
Test(mpi, ranks_equal_one_process_ensemble)
{
    small_market_write(dir,
                       "{\"kind\": \"compare\", \"name\": \"base\", \"variants\": [{\"name\": "
                       "\"breaker\", \"set\": {\"mitigations.circuit_breaker.enabled\": true}}]}",
                       4, 4);
    ok(0, "run m.json --quiet --set run.populations=4 " MODELS " -o one.h5");
    ok(3, "run m.json --quiet --set run.populations=4 " MODELS " -o three.h5");
    assert_same_results("one.h5", "three.h5");
}

/* Every rank refits the search's law from the shared batch files, so the
 * ranks agree on it without a broadcast, and rank 0 writes /search. */
Test(mpi, ranks_equal_one_process_search)
{
    expect_ranks_equal_one_process(
        "{\"kind\": \"search\", \"name\": \"s\", \"search\": {\"objective\": \"p_cascade\","
        " \"iterations\": 2, \"paths_per_iter\": 16, \"elite_fraction\": 0.25}}");
}

/* SIGINT reaches every rank through mpirun; each stops after its batch in
 * flight and the finished ones stay. The signal goes to mpirun once the
 * first batch file is in the checkpoint (polled, so a slow machine only
 * waits longer); 2,000 quickstart paths in batches of 32 leave most of the
 * run to interrupt. Resumed under 3 ranks it gives the one-process file. */
Test(mpi, interrupted_under_two_ranks_resumes_under_three)
{
    char cmd[2048];
    int rc;
    const char *run_args = "run '" STP_SOURCE_DIR "/configs/quickstart.json' --paths 2000 "
                           "--batch 32 --quiet -o r.h5";
    snprintf(cmd, sizeof cmd,
             "cd '%s' && { OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
             "'%s' --oversubscribe -np 2 '%s' %s >/dev/null 2>&1 & pid=$!; "
             "for i in $(seq 1 3000); do ls r.h5.ckpt 2>/dev/null | grep -q batch && break; "
             "sleep 0.1; done; kill -INT $pid; wait $pid; }",
             dir, STP_MPIEXEC, STP_BINARY, run_args);
    rc = system(cmd);
    (void)rc; /* mpirun's status after the signal: the files tell what happened */
    snprintf(cmd, sizeof cmd, "test -d '%s/r.h5.ckpt' && ! test -e '%s/r.h5'", dir, dir);
    cr_assert_eq(system(cmd), 0, "the interrupt did not land mid-run (no checkpoint, or done)");
    snprintf(cmd, sizeof cmd, "%s --resume", run_args);
    ok(3, cmd);
    snprintf(cmd, sizeof cmd,
             "run '" STP_SOURCE_DIR "/configs/quickstart.json' --paths 2000 --batch 32 --quiet "
             "-o one.h5");
    ok(0, cmd);
    assert_same_results("one.h5", "r.h5");
}
