/* Tests of the population's equilibrium with the calm market (DESIGN §3.4,
 * host/world/equilibrium.c and population.c): after the draw no agent's model
 * fires anywhere in the calm history, the redraws are a pure function of
 * the seed (any thread count), and a calm market run through the engine
 * stays calm at any allowed weight noise and family mix. Fresh seeds each
 * run, printed on failure. Run from the repository root (models/ paths). */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/engine.h"
#include "stampede/equilibrium.h"
#include "stampede/params.h"
#include "stampede/scenario.h"
#include "seed.h"

static const char *const model_files[4] = {"models/consensus_mlp.json", "models/second_mlp.json",
                                           "models/drawdown_rule.json",
                                           "models/vol_target_rule.json"};

/* A calm quickstart market: no shocks, no jumps, no stress regime. */
static const char calm_fmt[] =
    "{\"experiment\": {\"kind\": \"single\", \"name\": \"calm\"},"
    " \"run\": {\"paths\": %d, \"seed\": %u, \"batch\": 64},"
    " \"time\": {\"dt_s\": 1, \"horizon_s\": %d},"
    " \"market\": {\"jumps\": {\"rate_per_s\": 0}, \"vol\": {\"calm_to_stress_per_s\": 0}},"
    " \"protocols\": [{\"name\": \"a\", \"share\": 0.6, \"liquidation_threshold\": 0.83,"
    "  \"liquidation_bonus\": 0.05}, {\"name\": \"b\", \"share\": 0.4,"
    "  \"liquidation_threshold\": 0.80, \"liquidation_bonus\": 0.075}],"
    " \"population\": {\"agents\": %d, \"passive_positions\": 256, \"weight_noise\": %.4f,"
    "  \"threshold\": {\"mean\": %.3f, \"sd\": 0.05}, \"families\": [%s]},"
    " \"scenario\": {\"shocks\": []}, \"output\": {\"sample_paths\": 0}}";

/* A random family mix: 1 to 4 of the shipped families, random shares. */
static void random_families(char *buf, size_t len, unsigned *rs)
{
    int order[4] = {0, 1, 2, 3}, n = 1 + (int)(rand_r(rs) % 4), i;
    double w[4], sum = 0.0, used = 0.0;
    size_t off = 0;
    for (i = 3; i > 0; i--) {
        const int j = (int)(rand_r(rs) % (unsigned)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (i = 0; i < n; i++)
        sum += (w[i] = 0.2 + (double)rand_r(rs) / RAND_MAX);
    for (i = 0; i < n; i++) {
        /* the last share closes the sum exactly (the loader wants 1 within 1e-6) */
        const double s = i == n - 1 ? 1.0 - used : (double)(float)(w[i] / sum);
        used += s;
        off += (size_t)snprintf(buf + off, len - off, "%s{\"model\": \"%s\", \"share\": %.17g}",
                                i ? ", " : "", model_files[order[i]], s);
    }
}

static stp_config *calm_config(unsigned seed, int paths, int horizon_s, int agents, double noise,
                               double thr_mean, const char *families)
{
    char json[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    snprintf(json, sizeof json, calm_fmt, paths, seed, horizon_s, agents, noise, thr_mean,
             families);
    cr_assert_eq(stp_config_parse(&cfg, json, STP_SOURCE_DIR "/configs/test.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    return cfg;
}

/* Every agent's highest logit over the calm history is at or below its
 * threshold's: the invariant equilibrate() promises, checked from outside. */
static void expect_all_calm(const stp_population *p, const stp_config *cfg, const char *what)
{
    stp_calm_history *h = NULL;
    stp_error err = {STP_OK, ""};
    int a;
    cr_assert_eq(stp_calm_history_create(&h, cfg, &err), STP_OK, "%s", err.msg);
    for (a = 0; a < p->n_agents; a++) {
        const stp_model *m = &p->models[p->family[a]];
        const int b = p->role[a] == STP_ROLE_BORROWER;
        const float best = stp_calm_max_logit(
            h, m->kind, m->hidden, p->params + a, p->n_agents, b ? p->collateral[a] : 0.0f,
            b ? p->debt_usd[a] : 0.0f,
            b ? (float)cfg->protocols[p->protocol[a]].liquidation_threshold : 0.0f, INFINITY);
        cr_assert(!(best > p->logit_threshold[a]),
                  "%s: agent %d (family %d, role %d) fires in the calm market: logit %g > %g", what,
                  a, p->family[a], p->role[a], best, p->logit_threshold[a]);
    }
    stp_calm_history_destroy(h);
}

Test(equilibrium, no_agent_fires_in_the_calm_market_after_the_draw, .timeout = 300)
{
    const unsigned seed0 = (unsigned)test_seed();
    unsigned rs = seed0;
    int k;
    for (k = 0; k < 4; k++) {
        char fam[512], what[700];
        const double noise = (double)rand_r(&rs) / RAND_MAX;
        stp_config *cfg;
        stp_population *p = NULL;
        stp_error err = {STP_OK, ""};
        random_families(fam, sizeof fam, &rs);
        cfg = calm_config(1u + rand_r(&rs), 8, 600, 256, noise, 0.6, fam);
        snprintf(what, sizeof what, "srand %u case %d: noise %.4f families %s", seed0, k, noise,
                 fam);
        cr_assert_eq(stp_population_create(&p, cfg, &err), STP_OK, "%s: %s", what, err.msg);
        cr_assert(p->equilibrium_redraws >= 0 && p->equilibrium_redraws <= p->n_agents, "%s", what);
        cr_assert(p->equilibrium_fallbacks >= 0 &&
                      p->equilibrium_fallbacks <= p->equilibrium_redraws,
                  "%s", what);
        expect_all_calm(p, cfg, what);
        stp_population_destroy(p);
        stp_config_destroy(cfg);
    }
}

/* Thresholds around 0.2 fire at rest for most of these families: nearly
 * every agent is redrawn or falls back, and still every one is calm. */
Test(equilibrium, a_population_drawn_to_fire_is_brought_to_rest, .timeout = 300)
{
    const unsigned seed = (unsigned)test_seed();
    char fam[512];
    unsigned rs = seed;
    stp_config *cfg;
    stp_population *p = NULL;
    stp_error err = {STP_OK, ""};
    random_families(fam, sizeof fam, &rs);
    cfg = calm_config(seed, 8, 300, 256, 0.3, 0.15, fam);
    cr_assert_eq(stp_population_create(&p, cfg, &err), STP_OK, "%s", err.msg);
    cr_expect_gt(p->equilibrium_redraws, 0, "seed %u %s: nobody fired at threshold 0.15", seed,
                 fam);
    expect_all_calm(p, cfg, fam);
    stp_population_destroy(p);
    stp_config_destroy(cfg);
}

/* The redraws are Philox of (seed, round, agent): the same population on
 * one thread and on several, field by field. */
Test(equilibrium, redraws_are_a_pure_function_of_the_seed, .timeout = 300)
{
    const unsigned seed = (unsigned)test_seed();
    stp_config *cfg = calm_config(seed, 8, 300, 512, 0.5, 0.6,
                                  "{\"model\": \"models/consensus_mlp.json\", \"share\": 0.5}, "
                                  "{\"model\": \"models/drawdown_rule.json\", \"share\": 0.5}");
    stp_population *a = NULL, *b = NULL;
    stp_error err = {STP_OK, ""};
    const int threads = omp_get_max_threads();
    size_t n;
    omp_set_num_threads(1);
    cr_assert_eq(stp_population_create(&a, cfg, &err), STP_OK, "%s", err.msg);
    omp_set_num_threads(threads > 1 ? threads : 2);
    cr_assert_eq(stp_population_create(&b, cfg, &err), STP_OK, "%s", err.msg);
    omp_set_num_threads(threads);
    n = (size_t)a->n_agents;
    cr_assert_gt(a->equilibrium_redraws, 0, "seed %u: noise 0.5 redrew nobody", seed);
    cr_assert_eq(a->equilibrium_redraws, b->equilibrium_redraws);
    cr_assert_eq(a->equilibrium_fallbacks, b->equilibrium_fallbacks);
    cr_assert_eq(memcmp(a->params, b->params, (size_t)STP_MAX_PARAMS * n * sizeof(float)), 0);
    cr_assert_eq(memcmp(a->logit_threshold, b->logit_threshold, n * sizeof(float)), 0);
    cr_assert_eq(memcmp(a->collateral, b->collateral, n * sizeof(float)), 0);
    cr_assert_eq(memcmp(a->debt_usd, b->debt_usd, n * sizeof(float)), 0);
    stp_population_destroy(a);
    stp_population_destroy(b);
    stp_config_destroy(cfg);
}

/* The property that matters: a calm market with a population at any
 * allowed weight noise and any family mix stays calm when run. Over 32
 * paths of two minutes, at most 2 paths sell off (more than 1% of the
 * agents act or the pool falls 1%), and on the others at most 0.5% of the
 * agents act on average and no pool falls by 1% (calm volatility over two
 * minutes is 0.16%; before the calm-history rule every path sold off,
 * 8-13% within two minutes). The 2 are the rule's known limit (docs/model.md,
 * "Equilibrium at t = 0"): each agent is tested on a finite calm history, so
 * now and then one calm path shows a borrower a feature vector that
 * history never did, and the herd follows. Seen on one path in 32 (run
 * seed and weight noise): 178082549 at 0.808 (504 agents, a 6.5%
 * drawdown), 1622814504 at 0.814 (7.9%), 1137474228 at 0.138, a consensus
 * monoculture (about 570 agents, 7.5%). */
Test(equilibrium, a_calm_market_stays_calm, .timeout = 600)
{
    const unsigned seed0 = (unsigned)test_seed();
    unsigned rs = seed0;
    int k;
    for (k = 0; k < 3; k++) {
        char fam[512];
        const double noise = (double)rand_r(&rs) / RAND_MAX;
        const unsigned seed = 1u + rand_r(&rs);
        stp_config *cfg;
        stp_population *pop = NULL;
        stp_scenario_table *scen = NULL;
        stp_outcomes out;
        stp_sim_ctx ctx;
        stp_error err = {STP_OK, ""};
        double acted = 0.0, dd = 0.0;
        long long i;
        int m, sold_off = 0;
        random_families(fam, sizeof fam, &rs);
        cfg = calm_config(seed, 32, 120, 1024, noise, 0.6, fam);
        cr_assert_eq(stp_population_create(&pop, cfg, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(stp_scenario_table_create(&scen, cfg, 0, 32, &err), STP_OK, "%s", err.msg);
        memset(&out, 0, sizeof out);
        out.n = 32;
        for (m = 0; m < STP_N_OUTCOMES; m++)
            cr_assert_not_null(out.v[m] = calloc(32, sizeof(double)));
        memset(&ctx, 0, sizeof ctx);
        ctx.prm = stp_params_derive(cfg);
        ctx.cfg = cfg;
        ctx.pop = pop;
        ctx.scen = scen;
        ctx.out = &out;
        cr_assert_eq(stp_cpu_run_batch(&ctx, 0, 32, 0, &err), STP_OK, "%s", err.msg);
        for (i = 0; i < 32; i++) {
            const double a = out.v[STP_OUT_AGENTS_ACTED][i], d = out.v[STP_OUT_MAX_DRAWDOWN][i];
            if (a > 0.01 * 1024 || d >= 0.01) {
                sold_off++;
                continue;
            }
            acted += a;
            dd = d > dd ? d : dd;
        }
        acted /= 32 - sold_off > 0 ? 32 - sold_off : 1;
        fprintf(stderr,
                "calm market: seed %u noise %.3f %s: %d redrawn, %d of 32 paths sold off; on "
                "the rest %.2f agents act a path, max drawdown %.4f\n",
                seed, noise, fam, pop->equilibrium_redraws, sold_off, acted, dd);
        cr_expect_leq(sold_off, 2, "srand %u seed %u noise %.3f %s: %d of 32 calm paths sold off",
                      seed0, seed, noise, fam, sold_off);
        cr_expect_leq(acted, 0.005 * 1024, "srand %u seed %u noise %.3f %s: %.2f agents act", seed0,
                      seed, noise, fam, acted);
        cr_expect_lt(dd, 0.01, "srand %u seed %u noise %.3f %s: drawdown %.4f", seed0, seed, noise,
                     fam, dd);
        for (m = 0; m < STP_N_OUTCOMES; m++)
            free(out.v[m]);
        stp_scenario_table_destroy(scen);
        stp_population_destroy(pop);
        stp_config_destroy(cfg);
    }
}
