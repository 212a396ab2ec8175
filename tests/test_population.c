/* Tests of the population's calm-market screen across the shipped configs
 * (host/world/population.c, host/world/equilibrium.c; DESIGN §3.4, issue 22): no
 * shipped config's population ends with a tenth of its agents at the
 * screen's fallback, and the screen's vectorised MLP (cpu_mlp.h, 16 steps
 * a call) gives every agent the highest calm logit the scalar model
 * (step.h stp_model_logit) gives, bit for bit, so it redraws exactly the
 * agents the scalar screen did. Run from the repository root. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/equilibrium.h"
#include "stampede/experiment.h"
#include "stampede/population.h"
#include "seed.h"

/* Every point of one shipped config (a compare's variants, a sweep's series
 * x values; a search's base), its population drawn as a run draws it. */
static void expect_few_fallbacks(const char *path)
{
    static stp_point_spec pts[STP_MAX_POINTS];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    int n = 0, i;
    cr_assert_eq(stp_config_load(&cfg, path, NULL, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_config_points(cfg, pts, &n, &err), STP_OK, "%s", err.msg);
    for (i = 0; i < (n > 0 ? n : 1); i++) {
        stp_config *pc = NULL;
        char *over = NULL;
        stp_population *p = NULL;
        const char *name = n > 0 ? pts[i].name : cfg->experiment.name;
        if (n > 0)
            cr_assert_eq(stp_config_point_of(&pc, &over, cfg, &pts[i], &err), STP_OK, "%s %s: %s",
                         path, name, err.msg);
        cr_assert_eq(stp_population_create(&p, pc ? pc : cfg, &err), STP_OK, "%s %s: %s", path,
                     name, err.msg);
        fprintf(stderr, "%s %s: %d agents, %d redrawn, %d at the fallback\n", path, name,
                p->n_agents, p->equilibrium_redraws, p->equilibrium_fallbacks);
        /* the fallback lifts an agent's threshold to its calm maximum: a
         * population made of such agents barely acts, whatever its model */
        cr_expect_lt(10 * p->equilibrium_fallbacks, p->n_agents,
                     "%s %s: %d of %d agents at the equilibrium fallback (>= 10%%)", path, name,
                     p->equilibrium_fallbacks, p->n_agents);
        stp_population_destroy(p);
        free(over);
        stp_config_destroy(pc);
    }
    stp_config_destroy(cfg);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(population, no_shipped_config_leaves_a_tenth_of_its_agents_at_the_fallback, .timeout = 300)
{
    DIR *d = opendir(STP_SOURCE_DIR "/configs");
    const struct dirent *e;
    char *names[64];
    int n = 0, i;
    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL) {
        const size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json") && n < 64) {
            cr_assert_not_null(names[n] = malloc(len + sizeof STP_SOURCE_DIR "/configs/"));
            sprintf(names[n++], "%s/configs/%s", STP_SOURCE_DIR, e->d_name);
        }
    }
    closedir(d);
    cr_assert_gt(n, 5, "found only %d shipped configs", n);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (i = 0; i < n; i++) {
        expect_few_fallbacks(names[i]);
        free(names[i]);
    }
}

/* The screen as it was before the vectorised MLP: one agent, one step at a
 * time, the scalar model of step.h, a borrower's HF at each step's oracle
 * price capped as path.h caps it. */
static float scalar_calm_max(const stp_calm_history *h, const stp_model *m, const float *p,
                             long stride, float collateral, float debt_usd, float lt)
{
    const size_t ns = (size_t)h->n_steps;
    float best = -INFINITY;
    int t, k;
    for (t = 0; t < h->n_steps; t++) {
        float x[STP_FEATURES], v;
        for (k = 0; k < STP_FEATURES; k++)
            x[k] = h->feat[(size_t)k * ns + (size_t)t];
        if (lt > 0.0f) {
            const float hf =
                stp_health_factor(collateral, h->feat[(size_t)STP_FEATURES * ns + t], lt, debt_usd);
            x[STP_F_HF] = hf < STP_FEATURE_HF_CAP ? hf : STP_FEATURE_HF_CAP;
        }
        v = stp_model_logit(m->kind, m->hidden, p, stride, x);
        best = v > best ? v : best;
    }
    return best;
}

static const char pop_fmt[] =
    "{\"experiment\": {\"kind\": \"single\", \"name\": \"screen\"},"
    " \"run\": {\"paths\": 8, \"seed\": %u, \"batch\": 8},"
    " \"time\": {\"dt_s\": 1, \"horizon_s\": 300},"
    " \"protocols\": [{\"name\": \"a\", \"share\": 0.6, \"liquidation_threshold\": 0.83,"
    "  \"liquidation_bonus\": 0.05}, {\"name\": \"b\", \"share\": 0.4,"
    "  \"liquidation_threshold\": 0.80, \"liquidation_bonus\": 0.075}],"
    " \"population\": {\"agents\": 256, \"passive_positions\": 64, \"weight_noise\": %.4f,"
    "  \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 0.25},"
    "   {\"model\": \"models/second_mlp.json\", \"share\": 0.25},"
    "   {\"model\": \"models/drawdown_rule.json\", \"share\": 0.25},"
    "   {\"model\": \"models/vol_target_rule.json\", \"share\": 0.25}]},"
    " \"scenario\": {\"shocks\": []}, \"output\": {\"sample_paths\": 0}}";

/* Every agent of a drawn population, and the same agent with a further
 * uniform(-0.25, 0.25) on every parameter (so that many fire, as the
 * draws the screen rejects do): the vectorised screen's highest calm logit equals
 * the scalar model's bit for bit, and so does its firing decision (early
 * stop at the threshold). Fresh seeds, printed on failure. */
Test(population, the_vector_screen_gives_the_scalar_models_bits, .timeout = 300)
{
    const unsigned seed0 = (unsigned)test_seed();
    unsigned rs = seed0;
    int c;
    for (c = 0; c < 2; c++) {
        char json[2048];
        const unsigned seed = 1u + rand_r(&rs);
        const double noise = (double)rand_r(&rs) / RAND_MAX;
        stp_config *cfg = NULL;
        stp_population *p = NULL;
        stp_calm_history *h = NULL;
        stp_error err = {STP_OK, ""};
        float q[STP_MAX_PARAMS];
        int a, k, fired = 0;
        snprintf(json, sizeof json, pop_fmt, seed, noise);
        cr_assert_eq(
            stp_config_parse(&cfg, json, STP_SOURCE_DIR "/configs/test.json", NULL, 0, &err),
            STP_OK, "%s", err.msg);
        cr_assert_eq(stp_population_create(&p, cfg, &err), STP_OK, "%s", err.msg);
        cr_assert_eq(stp_calm_history_create(&h, cfg, &err), STP_OK, "%s", err.msg);
        for (a = 0; a < p->n_agents; a++) {
            const stp_model *m = &p->models[p->family[a]];
            const int b = p->role[a] == STP_ROLE_BORROWER;
            const float c_ = b ? p->collateral[a] : 0.0f, d = b ? p->debt_usd[a] : 0.0f;
            const float lt = b ? (float)cfg->protocols[p->protocol[a]].liquidation_threshold : 0.0f;
            int v;
            for (v = 0; v < 2; v++) {
                float want, got;
                for (k = 0; k < m->n_params; k++)
                    q[k] = p->params[(size_t)k * (size_t)p->n_agents + (size_t)a] +
                           (v ? 0.5f * (float)((double)rand_r(&rs) / RAND_MAX - 0.5) : 0.0f);
                want = scalar_calm_max(h, m, q, 1, c_, d, lt);
                got = stp_calm_max_logit(h, m->kind, m->hidden, q, 1, c_, d, lt, INFINITY);
                cr_assert(memcmp(&want, &got, sizeof want) == 0,
                          "srand %u seed %u noise %.3f agent %d (family %d, variant %d): "
                          "vector %a, scalar %a",
                          seed0, seed, noise, a, p->family[a], v, (double)got, (double)want);
                got = stp_calm_max_logit(h, m->kind, m->hidden, q, 1, c_, d, lt,
                                         p->logit_threshold[a]);
                cr_assert_eq(got > p->logit_threshold[a], want > p->logit_threshold[a],
                             "srand %u seed %u agent %d: early stop decides otherwise", seed0, seed,
                             a);
                fired += want > p->logit_threshold[a];
            }
        }
        cr_expect_gt(fired, 0, "srand %u seed %u: no perturbed agent fired", seed0, seed);
        stp_calm_history_destroy(h);
        stp_population_destroy(p);
        stp_config_destroy(cfg);
    }
}
