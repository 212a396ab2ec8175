/* configs/quickstart.json must keep the property DESIGN §5a promises: a
 * visible cascade tail with the mixed population, several-fold more
 * cascades when it becomes a monoculture (one family, no weight noise), and
 * fewer without agents. The seed draws the population as well as the
 * market, and the population moves P(cascade) far more than binomial noise
 * does: over 11 seeds, 600 paths each, the mixed counts ran from 4 to 72
 * and monoculture / mixed from 2.4 to 16 (docs/findings.md, "What the quickstart
 * shows"). So the several-fold claim is checked where the config makes it,
 * at its own seed (1: 19 mixed, 154 monoculture, 8 without agents of the
 * first 600 paths, binomial sd 4, 11 and 3, with the drawdown rule as
 * recalibrated in issue 22; a copy of the rule at var_z 4 gives 3 mixed
 * on engine 0.3.0, the 10 quoted here before were older), and a fresh
 * seed (printed)
 * checks only the direction, which held with 3.7 sd to spare at the
 * weakest seed seen. Labelled slow: not run under the sanitizers. Named for
 * the property, not a module: it runs the whole engine (stp_run). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seed.h"
#include "stampede/h5out.h"
#include "stampede/run.h"

static long long cascades(const char *const *extra, int n_extra, unsigned long long seed)
{
    const char *sets[8];
    char seed_set[64], out[128];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_run_opts o;
    stp_summary s;
    long long k;
    int i;
    snprintf(seed_set, sizeof seed_set, "run.seed=%llu", seed);
    sets[0] = "run.paths=600";
    sets[1] = seed_set;
    for (i = 0; i < n_extra; i++)
        sets[2 + i] = extra[i];
    cr_assert_eq(
        stp_config_load(&cfg, STP_SOURCE_DIR "/configs/quickstart.json", sets, 2 + n_extra, &err),
        STP_OK, "%s", err.msg);
    snprintf(out, sizeof out, "/tmp/stp_calibration_%d.h5", (int)getpid());
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.force = 1;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_h5_read_summary(out, &s, &err), STP_OK, "%s", err.msg);
    k = s.variants[0].cascade.k;
    stp_summary_free(&s);
    stp_config_destroy(cfg);
    unlink(out);
    return k;
}

static const char *const mono[2] = {
    "population.families=[{\"model\": \"models/consensus_mlp.json\", \"share\": 1}]",
    "population.weight_noise=0"};
static const char *const none[1] = {"population.agents=0"};

Test(calibration, quickstart_herding_drives_the_cascade_tail, .timeout = 600)
{
    const unsigned long long seed = 1; /* configs/quickstart.json's own */
    const long long k_mix = cascades(NULL, 0, seed);
    const long long k_mono = cascades(mono, 2, seed);
    const long long k_none = cascades(none, 1, seed);
    cr_expect_geq(k_mix, 1, "seed %llu: no visible cascade tail", seed);
    cr_expect_geq(k_mono, 3 * k_mix, "seed %llu: monoculture %lld vs mixed %lld", seed, k_mono,
                  k_mix);
    cr_expect_lt(3 * k_none, k_mono, "seed %llu: no agents %lld vs monoculture %lld", seed, k_none,
                 k_mono);
}

Test(calibration, monoculture_cascades_more_for_any_population, .timeout = 600)
{
    const unsigned long long seed = test_seed();
    const long long k_mix = cascades(NULL, 0, seed);
    const long long k_mono = cascades(mono, 2, seed);
    cr_expect_gt(k_mono, k_mix, "seed %llu: monoculture %lld vs mixed %lld", seed, k_mono, k_mix);
}

/* configs/mitigation_pack.json, at 600 of its paths, its own seed and one
 * population: for
 * every variant the paired CI of the P(cascade) reduction and of the mean
 * bad-debt reduction is narrower than the unpaired one wherever both the
 * variant and the baseline vary (equal where one is flat: since the
 * population is drawn in equilibrium, some variants have no bad debt on
 * any of these paths). Common random
 * numbers make the variants' paths positively correlated (the same market
 * crashes in every variant); a bug that broke the pairing (different noise
 * per variant, rows misaligned) would make them about equal.
 * The pack ships as 16 populations, but this check is of the path-level
 * pairing, so it runs one: over populations the unpaired interval is a t
 * over the populations' estimates, and for a variant that removes nearly
 * every cascade (the breaker, tiering, all six) the two estimates barely
 * co-vary across populations, so the paired width only equals the
 * unpaired one in expectation (measured at 608 paths in 16 populations:
 * the breaker's paired width 0.0422 against 0.0409 unpaired; at the
 * shipped 4,000, 3.42 pp against 3.54). test_ensemble.c checks how the
 * populations' paired differences are combined. */
Test(calibration, pack_paired_intervals_are_narrower, .timeout = 600)
{
    const char *sets[] = {"run.paths=600", "run.populations=1"};
    char out[128];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_run_opts o;
    stp_summary s;
    int i;
    cr_assert_eq(
        stp_config_load(&cfg, STP_SOURCE_DIR "/configs/mitigation_pack.json", sets, 2, &err),
        STP_OK, "%s", err.msg);
    snprintf(out, sizeof out, "/tmp/stp_pack_%d.h5", (int)getpid());
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.force = 1;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_h5_read_summary(out, &s, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(s.comparison.n, 1 + cfg->experiment.n_variants);
    for (i = 1; i < s.comparison.n; i++) {
        const stp_comparison_row *r = &s.comparison.rows[i];
        const stp_paired_diff *d[2] = {&r->d_cascade, &r->d_bad_debt};
        int k;
        /* a side with no spread (no bad debt on any of the 600 paths) has
         * no covariance to cancel: then the two widths are equal */
        const int flat[2] = {r->cascade.k == 0 || s.comparison.rows[0].cascade.k == 0,
                             r->bad_debt_ci_hi == r->bad_debt_ci_lo ||
                                 s.comparison.rows[0].bad_debt_ci_hi ==
                                     s.comparison.rows[0].bad_debt_ci_lo};
        for (k = 0; k < 2; k++) {
            const double paired = d[k]->ci_hi - d[k]->ci_lo;
            const double unpaired = d[k]->unpaired_ci_hi - d[k]->unpaired_ci_lo;
            cr_expect_gt(unpaired, 0.0, "%s: no spread, the check proves nothing", r->name);
            if (flat[k])
                cr_expect_float_eq(paired, unpaired, 1e-9 * unpaired, "%s %s: one side flat",
                                   r->name, k ? "bad debt" : "P(cascade)");
            else
                cr_expect_lt(paired, unpaired, "%s %s: paired width %g, unpaired %g", r->name,
                             k ? "bad debt" : "P(cascade)", paired, unpaired);
        }
    }
    stp_summary_free(&s);
    stp_config_destroy(cfg);
    unlink(out);
}
