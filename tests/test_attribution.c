/* Tail attribution and who moved first (host/stats/attribution.c): the function
 * on hand-made columns with numbers worked out by hand, the same against a
 * direct reference over several row blocks, and a hand-built market whose
 * answer is known: only gaps cause bad debt, and one family always moves
 * first. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"
#include "print_summary.h"
#include "seed.h"
#include "tmpdir.h"

#include "stampede/attribution.h"
#include "stampede/backend.h"
#include "stampede/h5out.h"
#include "stampede/run.h"

enum { GAP = STP_SHOCK_GAP, DELAY = STP_SHOCK_ORACLE_DELAY };
enum { ALL = STP_ATTR_ALL, WORST = STP_ATTR_WORST, CASC = STP_ATTR_CASCADE };

/* Columns and rows of n paths held in memory, the source the writer reads. */
typedef struct hand {
    stp_outcomes out;
    stp_scenario_table scen;
    stp_path_source src;
    stp_population pop;
    int family[16];
} hand;

static void hand_alloc(hand *h, long long n, int n_slots, const int *slot_kind)
{
    const size_t cells = (size_t)n * (size_t)n_slots;
    memset(h, 0, sizeof *h);
    h->out.n = n;
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        cr_assert_not_null(h->out.v[m] = calloc((size_t)n, sizeof(double)));
    for (long long p = 0; p < n; p++) {
        h->out.v[STP_OUT_WEIGHT][p] = 1.0;
        h->out.v[STP_OUT_FIRST_MOVER][p] = -1.0;
    }
    h->scen.n_paths = n;
    h->scen.n_slots = n_slots;
    h->scen.slot_kind = (int *)slot_kind;
    cr_assert_not_null(h->scen.active = calloc(cells, 1));
    cr_assert_not_null(h->scen.time_s = calloc(cells, sizeof(float)));
    cr_assert_not_null(h->scen.duration_s = calloc(cells, sizeof(float)));
    cr_assert_not_null(h->scen.size = calloc(cells, sizeof(float)));
    h->src.n_paths = n;
    h->src.n_slots = n_slots;
    h->src.slot_kind = slot_kind;
    h->src.outcome_column = stp_outcomes_column;
    h->src.outcome_user = &h->out;
    h->src.scenario_rows = stp_scenario_table_rows;
    h->src.scenario_user = &h->scen;
}

static void hand_free(hand *h)
{
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        free(h->out.v[m]);
    free(h->scen.active);
    free(h->scen.time_s);
    free(h->scen.duration_s);
    free(h->scen.size);
}

/* Ten agents: alpha 0..2 (30%), beta 3..9 (70%). */
static void hand_population(hand *h)
{
    h->pop.n_agents = 10;
    h->pop.n_families = 2;
    h->pop.family = h->family;
    for (int a = 0; a < 10; a++)
        h->family[a] = a < 3 ? 0 : 1;
    snprintf(h->pop.models[0].name, sizeof h->pop.models[0].name, "alpha");
    snprintf(h->pop.models[1].name, sizeof h->pop.models[1].name, "beta");
}

static void shock(hand *h, long long p, int slot, float size, float time_s)
{
    const size_t i = (size_t)p * (size_t)h->scen.n_slots + (size_t)slot;
    h->scen.active[i] = 1;
    h->scen.size[i] = size;
    h->scen.time_s[i] = time_s;
}

static void path(hand *h, long long p, double bad_debt, double weight, int cascade, int mover)
{
    h->out.v[STP_OUT_BAD_DEBT_USD][p] = bad_debt;
    h->out.v[STP_OUT_WEIGHT][p] = weight;
    h->out.v[STP_OUT_CASCADE][p] = cascade;
    h->out.v[STP_OUT_FIRST_MOVER][p] = mover;
}

#define EXACT(x, want) cr_assert((x) == (want), "%s = %.17g, want %.17g", #x, (double)(x), (want))

Test(attribution, worst_count_is_one_percent_rounded_up)
{
    cr_assert_eq(stp_attr_worst_count(0), 0);
    cr_assert_eq(stp_attr_worst_count(1), 1);
    cr_assert_eq(stp_attr_worst_count(100), 1);
    cr_assert_eq(stp_attr_worst_count(101), 2);
    cr_assert_eq(stp_attr_worst_count(250), 3);
    cr_assert_eq(stp_attr_worst_count(20000), 200);
}

/* 250 paths, so the worst 1% is ceil(2.5) = 3 paths; slots gap, gap,
 * oracle_delay. Bad debt: path 7 9, paths 10, 20, 30, 40 tie at 5 (the
 * lower paths win: worst = {7, 10, 20}), the rest 0. Weights 1 but path 7
 * 0.5, path 10 2, path 20 0.25: total 249.75. Cascades 7, 10, 40, 100.
 * Gaps: 7 (-0.5 at 8 s), 10 (-0.25 at 16), 100 (-0.125 at 4), 200 two
 * (-1 at 2, -0.5 at 6). Delays: 7 (1 at 1), 20 (2 at 32), 40 (4 at 64).
 * First movers: 7 agent 1, 10 agent 2, 30 agent 0 (alpha); 20 agent 4,
 * 40 agent 5, 200 agent 9 (beta); 100 none. Every sum below is exact in
 * binary, so each figure is one division, the one written here. */
Test(attribution, hand_made_columns_give_the_hand_worked_figures)
{
    static const int kinds[3] = {GAP, GAP, DELAY};
    stp_error err = {STP_OK, ""};
    stp_attribution a;
    hand h;
    hand_alloc(&h, 250, 3, kinds);
    hand_population(&h);
    path(&h, 7, 9, 0.5, 1, 1);
    path(&h, 10, 5, 2, 1, 2);
    path(&h, 20, 5, 0.25, 0, 4);
    path(&h, 30, 5, 1, 0, 0);
    path(&h, 40, 5, 1, 1, 5);
    path(&h, 100, 0, 1, 1, -1);
    path(&h, 200, 0, 1, 0, 9);
    shock(&h, 7, 0, -0.5f, 8);
    shock(&h, 10, 1, -0.25f, 16);
    shock(&h, 100, 0, -0.125f, 4);
    shock(&h, 200, 0, -1, 2);
    shock(&h, 200, 1, -0.5f, 6);
    shock(&h, 7, 2, 1, 1);
    shock(&h, 20, 2, 2, 32);
    shock(&h, 40, 2, 4, 64);
    cr_assert_eq(stp_attribution_compute(&a, &h.src, stp_population_families(&h.pop), &err), STP_OK,
                 "%s", err.msg);
    cr_assert_eq(a.computed, 1);
    cr_assert_eq(a.n_kinds, STP_ATTR_KINDS);
    cr_assert_eq(a.paths[ALL], 250);
    cr_assert_eq(a.paths[WORST], 3);
    cr_assert_eq(a.paths[CASC], 4);
    EXACT(a.weight[ALL], 249.75);
    EXACT(a.weight[WORST], 2.75); /* 7, 10, 20: not 30 or 40 */
    EXACT(a.weight[CASC], 4.5);
    /* all: a share counts paths, a mean counts shocks (200 has two gaps) */
    EXACT(a.share[ALL][GAP], 4.5 / 249.75);
    EXACT(a.mean_size[ALL][GAP], -2.375 / 5.5);
    EXACT(a.mean_time_s[ALL][GAP], 48 / 5.5);
    EXACT(a.share[ALL][DELAY], 1.75 / 249.75);
    EXACT(a.mean_size[ALL][DELAY], 5 / 1.75);
    EXACT(a.mean_time_s[ALL][DELAY], 72.5 / 1.75);
    EXACT(a.share[WORST][GAP], 2.5 / 2.75);
    EXACT(a.mean_size[WORST][GAP], -0.75 / 2.5);
    EXACT(a.mean_time_s[WORST][GAP], 36 / 2.5);
    EXACT(a.share[WORST][DELAY], 0.75 / 2.75);
    EXACT(a.mean_size[WORST][DELAY], 1 / 0.75);
    EXACT(a.mean_time_s[WORST][DELAY], 8.5 / 0.75);
    EXACT(a.share[CASC][GAP], 3.5 / 4.5);
    EXACT(a.mean_size[CASC][GAP], -0.875 / 3.5);
    EXACT(a.mean_time_s[CASC][GAP], 40 / 3.5);
    EXACT(a.share[CASC][DELAY], 1.5 / 4.5);
    EXACT(a.mean_size[CASC][DELAY], 4.5 / 1.5);
    EXACT(a.mean_time_s[CASC][DELAY], 64.5 / 1.5);
    /* kinds nobody drew: share 0, no mean */
    EXACT(a.share[ALL][STP_SHOCK_EXPLOIT], 0.0);
    cr_assert(isnan(a.mean_size[ALL][STP_SHOCK_EXPLOIT]));
    /* first movers: cascades 7, 10 (alpha, 2.5), 40 (beta, 1); 100 had none */
    cr_assert_eq(a.n_families, 2);
    cr_assert_str_eq(a.families[0], "alpha");
    cr_assert_str_eq(a.families[1], "beta");
    EXACT(a.population_share[0], 3.0 / 10);
    EXACT(a.population_share[1], 7.0 / 10);
    EXACT(a.cascade_share[0], 2.5 / 3.5);
    EXACT(a.cascade_share[1], 1 / 3.5);
    cr_assert_eq(a.cascade_count[0], 2);
    cr_assert_eq(a.cascade_count[1], 1);
    EXACT(a.lift[0], (2.5 / 3.5) / (3.0 / 10));
    EXACT(a.lift[1], (1 / 3.5) / (7.0 / 10));
    EXACT(a.acted_share[0], 3.5 / 5.75);
    EXACT(a.acted_share[1], 2.25 / 5.75);
    cr_assert_eq(a.acted_count[0], 3);
    cr_assert_eq(a.acted_count[1], 3);
    hand_free(&h);
}

/* No cascade, nobody acted, no shocks, all bad debt 0: the worst 1% is
 * path 0 (ties to the lower path), the ratios with nothing under them NaN. */
Test(attribution, empty_groups_give_nan_not_garbage)
{
    static const int kinds[1] = {GAP};
    stp_error err = {STP_OK, ""};
    stp_attribution a;
    hand h;
    hand_alloc(&h, 50, 1, kinds);
    hand_population(&h);
    cr_assert_eq(stp_attribution_compute(&a, &h.src, stp_population_families(&h.pop), &err), STP_OK,
                 "%s", err.msg);
    cr_assert_eq(a.paths[WORST], 1);
    cr_assert_eq(a.paths[CASC], 0);
    EXACT(a.share[ALL][GAP], 0.0);
    cr_assert(isnan(a.share[CASC][GAP]) && isnan(a.mean_time_s[ALL][GAP]));
    cr_assert(isnan(a.cascade_share[0]) && isnan(a.acted_share[1]) && isnan(a.lift[0]));
    cr_assert_eq(a.acted_count[0] + a.acted_count[1], 0);
    hand_free(&h);
}

Test(attribution, a_first_mover_outside_the_population_is_refused)
{
    static const int kinds[1] = {GAP};
    stp_error err = {STP_OK, ""};
    stp_attribution a;
    hand h;
    hand_alloc(&h, 5, 1, kinds);
    hand_population(&h);
    path(&h, 3, 0, 1, 1, 10); /* ten agents: 0..9 */
    cr_assert_eq(stp_attribution_compute(&a, &h.src, stp_population_families(&h.pop), &err),
                 STP_EIO);
    cr_assert(strstr(err.msg, "path 3") != NULL, "%s", err.msg);
    hand_free(&h);
}

/* stp_attribution_compute_table (DESIGN §10: a venue's agents, whose
 * mirrors differ by population): population 0 has 3 agents, population 1
 * has 5, paths 0..2 are population 0's and 3..5 population 1's. An index
 * is read in its own population's agents: agent 4 is population 1's
 * (beta) and no agent of population 0, where it is refused; the mix is over
 * all 8 agents. */
Test(attribution, a_table_of_unequal_populations_reads_each_its_own_agents)
{
    static const int kinds[1] = {GAP};
    static const long long offset[3] = {0, 3, 8};
    static const signed char fam[8] = {0, 1, 1, /* population 1: */ 1, 0, 0, 1, 0};
    stp_attr_table t = {2, 2, 3, offset, fam, {"alpha", "beta"}};
    stp_error err = {STP_OK, ""};
    stp_attribution a;
    hand h;
    hand_alloc(&h, 6, 1, kinds);
    path(&h, 0, 0, 1, 1, 0);  /* alpha */
    path(&h, 1, 0, 1, 1, 2);  /* beta */
    path(&h, 2, 0, 1, 0, 1);  /* beta, no cascade */
    path(&h, 3, 0, 1, 1, 4);  /* population 1's agent 4: alpha */
    path(&h, 4, 0, 1, 1, 1);  /* alpha */
    path(&h, 5, 0, 1, 1, -1); /* nobody */
    cr_assert_eq(stp_attribution_compute_table(&a, &h.src, &t, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(a.n_families, 2);
    cr_assert_str_eq(a.families[1], "beta");
    EXACT(a.population_share[0], 4.0 / 8.0);
    EXACT(a.population_share[1], 4.0 / 8.0);
    cr_assert_eq(a.cascade_count[0], 3);
    cr_assert_eq(a.cascade_count[1], 1);
    cr_assert_eq(a.acted_count[0], 3);
    cr_assert_eq(a.acted_count[1], 2);
    EXACT(a.cascade_share[0], 3.0 / 4.0);
    EXACT(a.lift[0], (3.0 / 4.0) / (4.0 / 8.0));
    path(&h, 1, 0, 1, 1, 4); /* population 0 has agents 0..2 only */
    cr_assert_eq(stp_attribution_compute_table(&a, &h.src, &t, &err), STP_EIO);
    cr_assert(strstr(err.msg, "path 1") != NULL, "%s", err.msg);
    hand_free(&h);
}

/* Populations of equal size: the table gives the ensemble's figures bit
 * for bit (the same sums in the same order), fresh seed. */
Test(attribution, a_table_of_equal_populations_is_the_ensembles)
{
    static const int kinds[2] = {GAP, DELAY};
    enum { NP = 300, K = 3, NA = 7 };
    uint64_t st = test_seed();
    long long offset[K + 1];
    signed char fam[K * NA];
    stp_attr_table t;
    stp_attr_agents ag;
    stp_error err = {STP_OK, ""};
    stp_attribution a, b;
    hand h;
    hand_alloc(&h, NP, 2, kinds);
    hand_population(&h);
    for (int i = 0; i < K * NA; i++)
        fam[i] = (signed char)(next_u64(&st) % 2);
    for (int k = 0; k <= K; k++)
        offset[k] = (long long)k * NA;
    for (long long p = 0; p < NP; p++) {
        path(&h, p, (double)(next_u64(&st) % 1000), 0.5 + (double)(next_u64(&st) % 100) / 50.0,
             (int)(next_u64(&st) % 2), (int)(next_u64(&st) % (NA + 1)) - 1);
        for (int sl = 0; sl < 2; sl++)
            if (next_u64(&st) % 2) shock(&h, p, sl, -0.1f, (float)(next_u64(&st) % 100));
    }
    memset(&t, 0, sizeof t);
    t.n_pops = K, t.n_families = 2, t.paths_per_pop = NP / K, t.offset = offset, t.family = fam;
    t.family_name[0] = "alpha", t.family_name[1] = "beta";
    ag = stp_population_families(&h.pop);
    ag.n_agents = NA;
    cr_assert_eq(stp_attribution_compute_table(&a, &h.src, &t, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_attribution_compute_ensemble(&b, &h.src, ag, fam, NP / K, &err), STP_OK, "%s",
                 err.msg);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "the table's figures are not the ensemble's");
    hand_free(&h);
}

/* Random columns over 9,000 paths (three row blocks of 4096), fresh seed:
 * the streaming function against a direct computation that sorts every
 * path and holds every row. Relative 1e-12: both sum in path order, so
 * they agree to the last bit in practice; the bound only forgives a
 * compiler's reassociation. */
static int by_bad_debt(const void *x, const void *y)
{
    const double *a = x, *b = y; /* {bad debt, path} */
    if (a[0] != b[0]) return a[0] < b[0] ? 1 : -1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

static void near(double x, double want, const char *what, unsigned long long seed)
{
    cr_assert((isnan(x) && isnan(want)) || fabs(x - want) <= 1e-12 * fabs(want),
              "%s = %.17g, want %.17g (seed %llu)", what, x, want, seed);
}

Test(attribution, streaming_matches_a_direct_computation)
{
    enum { N = 9000, SLOTS = 4 };
    static const int kinds[SLOTS] = {GAP, DELAY, STP_SHOCK_EXPLOIT, GAP};
    const unsigned long long seed = test_seed();
    uint64_t st = seed;
    stp_error err = {STP_OK, ""};
    double(*rank)[2] = calloc(N, sizeof *rank);
    unsigned char *worst = calloc(N, 1);
    double wsum[3] = {0}, has[3][STP_ATTR_KINDS] = {{0}}, cnt[3][STP_ATTR_KINDS] = {{0}};
    double sz[3][STP_ATTR_KINDS] = {{0}};
    stp_attribution a;
    hand h;
    cr_assert(rank && worst);
    hand_alloc(&h, N, SLOTS, kinds);
    hand_population(&h);
    for (long long p = 0; p < N; p++) {
        /* bad debt on a coarse grid, so ties are common */
        path(&h, p, (double)(next_u64(&st) % 50), 0.25 + (double)(next_u64(&st) % 8) / 4.0,
             next_u64(&st) % 5 == 0, (int)(next_u64(&st) % 11) - 1);
        for (int s = 0; s < SLOTS; s++)
            if (next_u64(&st) % 3 == 0)
                shock(&h, p, s, (float)((int)(next_u64(&st) % 64) - 32) / 8.0f,
                      (float)(next_u64(&st) % 100));
        rank[p][0] = h.out.v[STP_OUT_BAD_DEBT_USD][p];
        rank[p][1] = (double)p;
    }
    qsort(rank, N, sizeof *rank, by_bad_debt);
    for (int i = 0; i < 90; i++)
        worst[(long long)rank[i][1]] = 1;
    for (long long p = 0; p < N; p++) {
        const double w = h.out.v[STP_OUT_WEIGHT][p];
        const int in[3] = {1, worst[p], h.out.v[STP_OUT_CASCADE][p] > 0.5};
        for (int g = 0; g < 3; g++) {
            int seen[STP_ATTR_KINDS] = {0};
            if (!in[g]) continue;
            wsum[g] += w;
            for (int s = 0; s < SLOTS; s++) {
                const size_t i = (size_t)p * SLOTS + (size_t)s;
                if (!h.scen.active[i]) continue;
                seen[kinds[s]] = 1;
                cnt[g][kinds[s]] += w;
                sz[g][kinds[s]] += w * h.scen.size[i];
            }
            for (int k = 0; k < STP_ATTR_KINDS; k++)
                has[g][k] += seen[k] ? w : 0.0;
        }
    }
    cr_assert_eq(stp_attribution_compute(&a, &h.src, stp_population_families(&h.pop), &err), STP_OK,
                 "%s", err.msg);
    cr_assert_eq(a.paths[WORST], 90);
    for (int g = 0; g < 3; g++) {
        near(a.weight[g], wsum[g], "weight", seed);
        for (int k = 0; k < STP_ATTR_KINDS; k++) {
            near(a.share[g][k], has[g][k] / wsum[g], "share", seed);
            near(a.mean_size[g][k], cnt[g][k] > 0 ? sz[g][k] / cnt[g][k] : NAN, "mean_size", seed);
        }
    }
    hand_free(&h);
    free(rank);
    free(worst);
}

// ----------------------------------------------------------------------------
// a market where the answer is known

TestSuite(attribution_market, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 240);

/* A drawdown rule (step.h): breach = max(DD / dd_limit, -RETW / var_z)
 * with DD = 10 x drawdown; var_z 1000 leaves the drawdown alone to decide. */
static void write_rule(const char *name, double dd_limit, char *path, size_t cap)
{
    FILE *f;
    snprintf(path, cap, "%s/%s.json", dir, name);
    cr_assert_not_null(f = fopen(path, "w"));
    fprintf(f,
            "{\"format\": \"stampede-model\", \"format_version\": 1, \"name\": \"%s\","
            " \"kind\": \"drawdown_rule\", \"feature_version\": \"stp-features-1\","
            " \"params\": {\"dd_limit\": %g, \"var_z\": 1000, \"gain\": 8, \"offset\": 0}}",
            name, dd_limit);
    fclose(f);
}

/* No market noise, no jumps, a pool too deep for any sale to move: the
 * price moves only with the gaps, Poisson(0.5) a path of size N(-0.4,
 * 0.02^2) over 10 s at U(5, 15) s, so every gap path, and no other, has a
 * drawdown past 20% with liquidations (a cascade) and bad debt (hf0 median
 * 1.3 < 1 / 0.6 x 0.8 leaves many positions under water). The oracle
 * delays, Poisson(0.5) of 2 s, move nothing. Every agent has threshold
 * 0.5 and lag 0; family "late" (70%, the lower agent indices, so it would
 * win any tie within a step) breaches at a 50% drawdown, "early" (30%) at
 * 1%: the first oracle read that shows a gap shows one step of it, or
 * 3 when a delay ends (5 when two end at once), a 33% drawdown at most
 * even for two gaps at once, so "early" decides before "late" could. */
static void market_config(char *json, size_t cap, unsigned long long seed, long long paths,
                          double late_limit)
{
    char late[512], early[512];
    write_rule("late", late_limit, late, sizeof late);
    write_rule("early", 0.1, early, sizeof early);
    snprintf(
        json, cap,
        "{\"experiment\": {\"kind\": \"single\", \"name\": \"attr\"},"
        " \"run\": {\"paths\": %lld, \"seed\": %llu, \"batch\": 1000},"
        " \"time\": {\"dt_s\": 1, \"horizon_s\": 40},"
        " \"market\": {\"price0_usd\": 2500, \"mu_per_s\": 0,"
        "  \"vol\": {\"calm_per_sqrt_s\": 0, \"stress_per_sqrt_s\": 0,"
        "   \"calm_to_stress_per_s\": 0, \"stress_to_calm_per_s\": 0},"
        "  \"noise\": {\"dist\": \"normal\"}, \"jumps\": {\"rate_per_s\": 0}},"
        " \"pool\": {\"depth_usd\": 1e15, \"fee\": 0, \"arb_half_life_s\": 1e-6,"
        "  \"refill_per_s\": 0},"
        " \"oracle\": {\"delay_s\": 0},"
        " \"protocols\": [{\"name\": \"lend\", \"share\": 1, \"liquidation_threshold\": 0.8,"
        "  \"liquidation_bonus\": 0.05, \"close_factor\": 1, \"full_close_hf\": 0.95}],"
        " \"liquidators\": {\"capital_usd_per_s\": 1e18},"
        " \"population\": {\"agents\": 40, \"passive_share\": 0.5, \"passive_positions\": 200,"
        "  \"lp_share\": 0, \"weight_noise\": 0, \"threshold\": {\"mean\": 0.5, \"sd\": 0},"
        "  \"latency_s\": {\"median\": 0.1, \"log_sd\": 0},"
        "  \"families\": [{\"model\": \"%s\", \"share\": 0.7},"
        "   {\"model\": \"%s\", \"share\": 0.3}],"
        "  \"collateral_usd\": {\"total\": 1e9, \"log_sd\": 1.0},"
        "  \"hf0\": {\"min\": 1.0, \"median\": 1.3, \"log_sd\": 0.2}},"
        " \"scenario\": {\"shocks\": ["
        "  {\"kind\": \"gap\", \"rate_per_path\": 0.5, \"time_s\": [5, 15], \"duration_s\": 10,"
        "   \"size\": {\"mean\": -0.4, \"sd\": 0.02}},"
        "  {\"kind\": \"oracle_delay\", \"rate_per_path\": 0.5, \"time_s\": [0, 30],"
        "   \"duration_s\": 5, \"size\": {\"mean\": 2, \"sd\": 0}}]},"
        " \"cascade\": {\"drawdown\": 0.2, \"liquidation_usd\": 1},"
        " \"output\": {\"sample_paths\": 0}}",
        paths, seed, late, early);
}

/* The earliest active gap's start step of path p, or -1; *delays gets its
 * oracle delays. */
static int first_gap_step(const stp_scenario_table *t, long long p, int *delays)
{
    int best = -1;
    *delays = 0;
    for (int s = 0; s < t->n_slots; s++) {
        const size_t i = (size_t)p * (size_t)t->n_slots + (size_t)s;
        *delays += t->active[i] && t->slot_kind[s] == DELAY;
        if (!t->active[i] || t->slot_kind[s] != GAP) continue;
        const int step = (int)floor((double)t->time_s[i] + 0.5); /* stp_steps_of at dt 1 */
        if (best < 0 || step < best) best = step;
    }
    return best;
}

/* Known answers, 2,000 paths: the worst 1% and every cascade carry a gap
 * (share exactly 1); gaps and delays each sit at the base rate 1 - e^-0.5
 * = 0.3935 over all paths, and the delays at it on the cascade paths too
 * (independent of the gaps), each within 4 binomial sds (a correct engine
 * fails ~1e-4 of runs); the cascades' gaps average -0.4 in size and 10 s
 * in start time within 4 sds of the mean of their count. Every cascade's
 * first mover is "early" (drawn at 30% of the 40 agents), so the lift is
 * 1 over its population share.
 * On each path the first move comes the step after the first gap starts
 * (its 4% shows in the next oracle read; up to 2 steps later for each 2 s
 * oracle delay the path has), and not at all without a gap. */
Test(attribution_market, gaps_drive_the_tail_and_the_early_family_moves_first)
{
    const long long n = 2000;
    const unsigned long long seed = test_seed();
    const double base = 1.0 - exp(-0.5);
    static char json[8192];
    stp_error err = {STP_OK, ""};
    stp_attribution a;
    stp_path_source src;
    engine e;
    int early = 0;
    market_config(json, sizeof json, seed, n, 5.0);
    memset(&e, 0, sizeof e);
    cr_assert_eq(stp_config_parse(&e.cfg, json, NULL, NULL, 0, &err), STP_OK, "%s", err.msg);
    engine_wire(&e);
    cr_assert_eq(stp_backend_run_batch(&e.ctx, e.scen, NULL, 0, n, 0, &err), STP_OK, "%s", err.msg);
    memset(&src, 0, sizeof src);
    src.n_paths = n;
    src.n_slots = e.scen->n_slots;
    src.slot_kind = e.scen->slot_kind;
    src.outcome_column = stp_outcomes_column;
    src.outcome_user = &e.out;
    src.scenario_rows = stp_scenario_table_rows;
    src.scenario_user = e.scen;
    cr_assert_eq(stp_attribution_compute(&a, &src, stp_population_families(e.pop), &err), STP_OK,
                 "%s", err.msg);

    for (int i = 0; i < e.pop->n_agents; i++)
        early += e.pop->family[i] == 1;
    cr_assert(early > 0, "seed %llu: no early agent", seed); /* P = 0.7^40 = 6e-7 */
    for (long long p = 0; p < n; p++) {
        const double fm = e.out.v[STP_OUT_FIRST_MOVER][p], t = e.out.v[STP_OUT_T_FIRST_MOVE_S][p];
        int delays;
        const int gap = first_gap_step(e.scen, p, &delays);
        cr_assert_eq(e.out.v[STP_OUT_CASCADE][p] > 0.5, gap >= 0, "seed %llu path %lld", seed, p);
        if (gap < 0) {
            cr_assert(fm == -1.0 && t == -1.0, "seed %llu path %lld: %g at %g", seed, p, fm, t);
            continue;
        }
        cr_assert(fm >= 0 && e.pop->family[(int)fm] == 1, "seed %llu path %lld: agent %g", seed, p,
                  fm);
        cr_assert(t >= gap + 1 && t <= gap + 1 + 2 * delays,
                  "seed %llu path %lld: first move at %g, gap at step %d", seed, p, t, gap);
    }
    cr_assert_eq(a.paths[WORST], 20);
    EXACT(a.share[WORST][GAP], 1.0);
    EXACT(a.share[CASC][GAP], 1.0);
    EXACT(a.mean_size[CASC][DELAY], 2.0);
    const double sd_all = sqrt(base * (1 - base) / (double)n);
    const double sd_casc = sqrt(base * (1 - base) / (double)a.paths[CASC]);
    cr_assert(fabs(a.share[ALL][GAP] - base) < 4 * sd_all, "seed %llu: %g", seed,
              a.share[ALL][GAP]);
    cr_assert(fabs(a.share[ALL][DELAY] - base) < 4 * sd_all, "seed %llu: %g", seed,
              a.share[ALL][DELAY]);
    cr_assert(fabs(a.share[CASC][DELAY] - base) < 4 * sd_casc, "seed %llu: %g", seed,
              a.share[CASC][DELAY]);
    /* at least one gap on each cascade path: their count >= paths */
    const double k = (double)a.paths[CASC];
    cr_assert(fabs(a.mean_size[CASC][GAP] + 0.4) < 4 * 0.02 / sqrt(k), "seed %llu: %g", seed,
              a.mean_size[CASC][GAP]);
    cr_assert(fabs(a.mean_time_s[CASC][GAP] - 10.0) < 4 * (10 / sqrt(12.0)) / sqrt(k),
              "seed %llu: %g", seed, a.mean_time_s[CASC][GAP]);
    cr_assert_str_eq(a.families[1], "early");
    EXACT(a.population_share[1], early / 40.0);
    EXACT(a.cascade_share[1], 1.0);
    EXACT(a.cascade_share[0], 0.0);
    cr_assert_eq(a.cascade_count[1], a.paths[CASC]);
    EXACT(a.lift[1], 1.0 / (early / 40.0));
    EXACT(a.acted_share[1], 1.0);
    engine_close(&e);
}

/* Who moved first when the herd decides in one step: with "late" given
 * the same rule as "early", every agent breaches on the same oracle read,
 * so the first step's deciders are the whole population. The first mover
 * is drawn uniformly among them (path.h), so over the cascade paths each
 * family is credited its share of the agents, within 4 binomial sds; the
 * lowest index, family 0's, would credit it with every path. */
Test(attribution_market, a_common_first_step_credits_families_by_their_share)
{
    const long long n = 2000;
    const unsigned long long seed = test_seed();
    static char json[8192];
    stp_error err = {STP_OK, ""};
    long long casc = 0, fam1 = 0;
    int early = 0;
    engine e;
    market_config(json, sizeof json, seed, n, 0.1);
    memset(&e, 0, sizeof e);
    cr_assert_eq(stp_config_parse(&e.cfg, json, NULL, NULL, 0, &err), STP_OK, "%s", err.msg);
    engine_wire(&e);
    cr_assert_eq(stp_backend_run_batch(&e.ctx, e.scen, NULL, 0, n, 0, &err), STP_OK, "%s", err.msg);
    for (int i = 0; i < e.pop->n_agents; i++)
        early += e.pop->family[i] == 1;
    for (long long p = 0; p < n; p++) {
        const double fm = e.out.v[STP_OUT_FIRST_MOVER][p];
        if (e.out.v[STP_OUT_CASCADE][p] < 0.5) continue;
        cr_assert(fm >= 0, "seed %llu path %lld: a cascade without a mover", seed, p);
        casc++;
        fam1 += e.pop->family[(int)fm] == 1;
    }
    const double want = early / 40.0, sd = sqrt(want * (1.0 - want) / (double)casc);
    cr_assert_gt(casc, 500, "seed %llu: %lld cascades", seed, casc); /* ~787 expected */
    cr_assert(fabs((double)fam1 / (double)casc - want) < 4.0 * sd,
              "seed %llu: family 1 first on %lld of %lld cascades, its share %g", seed, fam1, casc,
              want);
    engine_close(&e);
}

/* The same market through `stampede run`: the results file carries the
 * attribution group, the summary reads it back as computed and prints it
 * in every format. */
Test(attribution_market, run_writes_reads_and_prints_it)
{
    static char json[8192];
    char out[512];
    stp_error err = {STP_OK, ""};
    stp_config *cfg = NULL;
    stp_run_opts o;
    stp_summary s;
    char *text, *md, *js, lift[32];
    market_config(json, sizeof json, 5, 400, 5.0);
    cr_assert_eq(stp_config_parse(&cfg, json, NULL, NULL, 0, &err), STP_OK, "%s", err.msg);
    snprintf(out, sizeof out, "%s/attr.h5", dir);
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.threads = 2;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_h5_read_summary(out, &s, &err), STP_OK, "%s", err.msg);
    const stp_attribution *a = &s.variants[0].attribution;
    cr_assert_eq(a->computed, 1);
    cr_assert_eq(a->n_kinds, STP_ATTR_KINDS);
    cr_assert_eq(a->paths[ALL], 400);
    cr_assert_eq(a->paths[WORST], 4);
    EXACT(a->share[WORST][GAP], 1.0);
    cr_assert_str_eq(a->families[1], "early");
    EXACT(a->cascade_share[1], 1.0);
    text = print_to_string(&s, STP_SUMMARY_TEXT);
    md = print_to_string(&s, STP_SUMMARY_MARKDOWN);
    js = print_to_string(&s, STP_SUMMARY_JSON);
    cr_assert(strstr(text, "tail attribution") && strstr(text, "worst 1% (4)"), "%s", text);
    snprintf(lift, sizeof lift, "%.3gx", a->lift[1]);
    cr_assert(strstr(text, "first mover family") && strstr(text, lift), "%s", text);
    cr_assert(strstr(md, "#### Tail attribution") && strstr(md, "| early |"), "%s", md);
    cr_assert(strstr(js, "\"attribution\": {") && strstr(js, "\"cascade_share\": [0, 1]"), "%s",
              js);
    cr_assert(strstr(js, "\"first_mover\": {") == NULL, "an agent index has no statistics");
    free(text);
    free(md);
    free(js);
    stp_summary_free(&s);
    stp_config_destroy(cfg);
}
