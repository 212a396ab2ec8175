/* test_venues.c: paths over several venues (DESIGN §10) on the OpenMP
 * backend: listing the venues in another order changes no venue's
 * numbers, a shock scoped to one venue leaves the other's bit for bit,
 * venues on independent assets cascade independently (and on correlated
 * ones do not: the check has power), the assets' shocks carry the
 * configured correlation, and the system's record joins the venues' as
 * system_outcomes.h says. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "splitmix.h"
#include "stampede/config.h"
#include "stampede/engine.h"
#include "stampede/outcomes.h"
#include "stampede/scenario.h"
#include "stampede/system_step.h"
#include "stampede/venues.h"

typedef struct venue_run {
    stp_config *cfg;
    stp_venues *vs;
    stp_scenario_table *scen;
    stp_outcomes out;
} venue_run;

/* Two venues' shared part; %s: the venues, assets and shocks. */
static const char base_fmt[] =
    "{\"run\": {\"paths\": %d, \"seed\": %llu}, \"time\": {\"dt_s\": 1, \"horizon_s\": %d},"
    "\"market\": {\"vol\": {\"calm_to_stress_per_s\": 0}, \"jumps\": {\"rate_per_s\": %s},"
    "  \"noise\": {\"dist\": \"normal\"}%s},"
    "\"pool\": {\"depth_usd\": 2e8},"
    "\"protocols\": [{\"name\": \"a_lend\", \"venue\": \"alpha\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
    "  {\"name\": \"b_lend\", \"venue\": \"beta\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075}],"
    "\"population\": {\"agents\": %d, \"passive_positions\": 64,"
    "  \"collateral_usd\": {\"total\": 1e8, \"log_sd\": 1.0},"
    "  \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 0.8},"
    "    {\"model\": \"models/drawdown_rule.json\", \"share\": 0.2}]},"
    "\"cascade\": {\"drawdown\": 0.1, \"liquidation_usd\": 1e6},"
    "%s}";

static void open_run(venue_run *r, const char *json)
{
    stp_error err = {STP_OK, ""};
    int c;
    memset(r, 0, sizeof *r);
    cr_assert_eq(stp_config_parse(&r->cfg, json, STP_SOURCE_DIR "/configs/test.json", NULL, 0,
                                  &err),
                 STP_OK, "%s", err.msg);
    cr_assert_geq(r->cfg->n_venues, 2);
    cr_assert_eq(stp_venues_create(&r->vs, r->cfg, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&r->scen, r->cfg, 0, r->cfg->run.paths, &err), STP_OK,
                 "%s", err.msg);
    r->out.n = r->cfg->run.paths;
    r->out.n_cols = stp_outcome_columns(r->cfg->n_venues);
    for (c = 0; c < r->out.n_cols; c++)
        cr_assert_not_null(r->out.v[c] = calloc((size_t)r->out.n, sizeof(double)));
}

static void simulate(venue_run *r)
{
    stp_error err = {STP_OK, ""};
    stp_sim_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.prm = r->vs->prm[0];
    ctx.cfg = r->cfg;
    ctx.pop = r->vs->pop[0];
    ctx.scen = r->scen;
    ctx.out = &r->out;
    ctx.venues = r->vs;
    cr_assert_eq(stp_cpu_run_batch(&ctx, 0, r->out.n, 2, &err), STP_OK, "%s", err.msg);
}

static void close_run(venue_run *r)
{
    int c;
    for (c = 0; c < r->out.n_cols; c++)
        free(r->out.v[c]);
    stp_scenario_table_destroy(r->scen);
    stp_venues_destroy(r->vs);
    stp_config_destroy(r->cfg);
}

/* A run of two venues alpha and beta (in the order `order` gives), their
 * assets and the shocks. */
static void run_two(venue_run *r, int paths, unsigned long long seed, int horizon, int agents,
                    const char *jumps, const char *market_extra, const char *rest)
{
    char json[8192];
    snprintf(json, sizeof json, base_fmt, paths, seed, horizon, jumps, market_extra, agents, rest);
    open_run(r, json);
    simulate(r);
}

static int venue_index(const venue_run *r, const char *name)
{
    int v;
    for (v = 0; v < r->cfg->n_venues; v++)
        if (!strcmp(r->cfg->venues[v].name, name)) return v;
    cr_assert_fail("no venue %s", name);
    return -1;
}

static double col(const venue_run *r, const char *venue, int m, long long p)
{
    return r->out.v[stp_venue_column(venue_index(r, venue), m)][p];
}

/* The system's first mover of path p as (its venue's key) * 2^20 + its
 * index on that venue: free of the order the venues are listed in. */
static long system_mover(const venue_run *r, long long p)
{
    const double fm = r->out.v[STP_OUT_FIRST_MOVER][p];
    int v;
    if (fm < 0.0) return -1;
    for (v = 0; v < r->vs->n; v++)
        if (fm < r->vs->agent_base[v + 1])
            return (long)r->vs->key[v] * (1L << 20) + (long)(fm - r->vs->agent_base[v]);
    cr_assert_fail("path %lld: first mover %g past every venue", p, fm);
    return -2;
}

static const char two_venues[] =
    "\"venues\": [{\"name\": \"alpha\"}, {\"name\": \"beta\", \"set\": {\"pool.depth_usd\": 1e8,"
    "  \"oracle.delay_s\": 6, \"population.agents\": 48}}],";
/* the same, half of each venue's borrowers on both: their mirrors decide
 * in the step their leaders do, so the venues' first moves often tie */
static const char two_shared[] =
    "\"venues\": [{\"name\": \"alpha\", \"set\": {\"population.cross_venue_share\": 0.5}},"
    " {\"name\": \"beta\", \"set\": {\"pool.depth_usd\": 1e8, \"oracle.delay_s\": 6,"
    "  \"population.agents\": 48, \"population.cross_venue_share\": 0.5}}],";
static const char two_shared_swapped[] =
    "\"venues\": [{\"name\": \"beta\", \"set\": {\"pool.depth_usd\": 1e8, \"oracle.delay_s\": 6,"
    "  \"population.agents\": 48, \"population.cross_venue_share\": 0.5}},"
    " {\"name\": \"alpha\", \"set\": {\"population.cross_venue_share\": 0.5}}],";
static const char gaps[] =
    "\"scenario\": {\"shocks\": ["
    "{\"kind\": \"gap\", \"venue\": \"alpha\", \"rate_per_path\": 1, \"time_s\": [0, 200],"
    " \"duration_s\": 3, \"size\": {\"mean\": -0.15, \"sd\": 0.05}},"
    "{\"kind\": \"gap\", \"rate_per_path\": 0.5, \"time_s\": [0, 200], \"duration_s\": 3,"
    " \"size\": {\"mean\": -0.1, \"sd\": 0.05}},"
    "{\"kind\": \"exploit\", \"protocol\": \"b_lend\", \"count\": 1, \"time_s\": [0, 200],"
    " \"duration_s\": 5, \"size\": {\"mean\": -0.05, \"sd\": 0.02}}]}";

Test(venues, listing_the_venues_in_another_order_changes_no_venue)
{
    const unsigned long long seed = test_seed();
    char rest[4096];
    venue_run a, b;
    long long p;
    int m, moved = 0, ties = 0;
    snprintf(rest, sizeof rest, "%s%s", two_shared, gaps);
    run_two(&a, 64, seed, 300, 64, "0.002", "", rest);
    snprintf(rest, sizeof rest, "%s%s", two_shared_swapped, gaps);
    run_two(&b, 64, seed, 300, 64, "0.002", "", rest);
    for (p = 0; p < a.out.n; p++) {
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++) {
            cr_assert_eq(memcmp(&(double){col(&a, "alpha", m, p)}, &(double){col(&b, "alpha", m, p)},
                                sizeof(double)),
                         0, "alpha's %d of path %lld", m, p);
            cr_assert_eq(memcmp(&(double){col(&a, "beta", m, p)}, &(double){col(&b, "beta", m, p)},
                                sizeof(double)),
                         0, "beta's %d of path %lld", m, p);
        }
        for (m = 0; m < STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES; m++)
            if (m != STP_OUT_FIRST_MOVER) /* an index over the venues in their order */
                cr_assert_eq(a.out.v[m][p], b.out.v[m][p], "system %d of path %lld", m, p);
        /* the system's first mover is the same venue's same agent, ties too */
        cr_assert_eq(system_mover(&a, p), system_mover(&b, p), "path %lld", p);
        ties += col(&a, "alpha", STP_OUT_FIRST_MOVER, p) >= 0.0 &&
                col(&a, "alpha", STP_OUT_T_FIRST_MOVE_S, p) ==
                    col(&a, "beta", STP_OUT_T_FIRST_MOVE_S, p);
        moved += col(&a, "alpha", STP_OUT_AGENTS_ACTED, p) > 0.0;
    }
    cr_assert_gt(moved, 0, "no agent acted: the comparison saw no dynamics");
    cr_log_info("%d paths tied the venues' first moves", ties);
    cr_assert_gt(ties, 0, "no tie: the tie's order-free pick is untested");
    close_run(&a);
    close_run(&b);
}

Test(venues, a_gap_on_one_venue_leaves_the_other_bit_for_bit)
{
    const unsigned long long seed = test_seed();
    const char *fmt = "%s\"scenario\": {\"shocks\": [{\"kind\": \"gap\", \"venue\": \"alpha\","
                      " \"count\": 1, \"time_s\": [10, 100], \"duration_s\": 2,"
                      " \"size\": {\"mean\": %s, \"sd\": 0}}]}";
    char rest[4096];
    venue_run hit, calm;
    long long p;
    int m, deep = 0;
    double more = 0.0;
    snprintf(rest, sizeof rest, fmt, two_venues, "-0.3");
    run_two(&hit, 48, seed, 240, 64, "0.002", "", rest);
    snprintf(rest, sizeof rest, fmt, two_venues, "0");
    run_two(&calm, 48, seed, 240, 64, "0.002", "", rest);
    for (p = 0; p < hit.out.n; p++) {
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            cr_assert_eq(col(&hit, "beta", m, p), col(&calm, "beta", m, p), "beta's %d, path %lld",
                         m, p);
        deep += col(&hit, "alpha", STP_OUT_MAX_DRAWDOWN, p) >= 0.2;
        more += col(&hit, "alpha", STP_OUT_MAX_DRAWDOWN, p) -
                col(&calm, "alpha", STP_OUT_MAX_DRAWDOWN, p);
    }
    /* a 26% gap: alpha's drawdown at least 20% on every path, and deeper
     * than without it on average */
    cr_assert_eq(deep, hit.out.n, "alpha's drawdown reached 20%% on %d of %lld paths", deep,
                 hit.out.n);
    cr_assert_gt(more / hit.out.n, 0.15, "the gap deepened alpha's drawdown by %g on average",
                 more / hit.out.n);
    close_run(&hit);
    close_run(&calm);
}

/* P(both venues cascade) - P(alpha) P(beta) over n paths, in standard
 * errors of the difference (delta method: Var d ~ [pa pb (1 - pa pb) -
 * ...]; under independence the bootstrap-free bound p(1-p)/n of the joint
 * indicator dominates, so this z is conservative within 5). */
static double independence_z(const venue_run *r, double *pa, double *pb)
{
    const long long n = r->out.n;
    long long p, na = 0, nb = 0, nab = 0;
    double d, se;
    for (p = 0; p < n; p++) {
        const int a = col(r, "alpha", STP_OUT_CASCADE, p) != 0.0;
        const int b = col(r, "beta", STP_OUT_CASCADE, p) != 0.0;
        na += a;
        nb += b;
        nab += a && b;
    }
    {
        double dd = 0, liq = 0, acted = 0;
        for (p = 0; p < n; p++) {
            dd += col(r, "beta", STP_OUT_MAX_DRAWDOWN, p);
            liq += col(r, "beta", STP_OUT_LIQUIDATED_USD, p);
            acted += col(r, "beta", STP_OUT_AGENTS_ACTED, p);
        }
        cr_log_info("beta: mean drawdown %.3f liquidated %.3g acted %.2f", dd / n, liq / n,
                    acted / n);
    }
    *pa = (double)na / n;
    *pb = (double)nb / n;
    d = (double)nab / n - *pa * *pb;
    /* Var of the plug-in d under independence: pa pb (1 - pa)(1 - pb) / n
     * to first order (the covariance of the two indicators' means is 0) */
    se = sqrt(*pa * *pb * (1.0 - *pa) * (1.0 - *pb) / n);
    return se > 0.0 ? d / se : 0.0;
}

static const char two_assets[] =
    "\"assets\": [{\"name\": \"x\"}, {\"name\": \"y\"}],"
    "\"venues\": [{\"name\": \"alpha\", \"asset\": \"x\"}, {\"name\": \"beta\", \"asset\": \"y\","
    "  \"set\": {\"oracle.delay_s\": 4}}],";

/* The dependence z of two venues on uncorrelated assets under `shocks`. */
static double two_assets_z(unsigned long long seed, const char *shocks, const char *what,
                           double *pa, double *pb)
{
    char rest[4096];
    venue_run r;
    double z;
    snprintf(rest, sizeof rest, "%s%s", two_assets, shocks);
    run_two(&r, 3000, seed, 150, 32, "0", ", \"correlation\": [[1, 0], [0, 1]]", rest);
    z = independence_z(&r, pa, pb);
    cr_log_info("%s: P(alpha) %.3f P(beta) %.3f z %.2f", what, *pa, *pb, z);
    close_run(&r);
    return z;
}

Test(venues, venues_on_independent_assets_cascade_independently)
{
    const unsigned long long seed = test_seed();
    const char *shocks =
        "\"scenario\": {\"shocks\": ["
        "{\"kind\": \"gap\", \"venue\": \"alpha\", \"rate_per_path\": 0.6, \"time_s\": [0, 100],"
        " \"duration_s\": 2, \"size\": {\"mean\": -0.15, \"sd\": 0.06}},"
        "{\"kind\": \"gap\", \"venue\": \"beta\", \"rate_per_path\": 0.6, \"time_s\": [0, 100],"
        " \"duration_s\": 2, \"size\": {\"mean\": -0.15, \"sd\": 0.06}}]}";
    double pa, pb;
    const double z = two_assets_z(seed, shocks, "independent", &pa, &pb);
    cr_assert(pa > 0.1 && pa < 0.9 && pb > 0.1 && pb < 0.9, "P(alpha) %g, P(beta) %g", pa, pb);
    cr_assert_lt(fabs(z), 5.0, "P(both) - P(alpha) P(beta) = %.2f standard errors", z);
}

Test(venues, a_shared_gap_makes_the_check_fail)
{
    /* the same venues hit by one unscoped gap: the test above must see
     * the dependence, or it could not fail */
    const unsigned long long seed = test_seed();
    const char *shocks =
        "\"scenario\": {\"shocks\": ["
        "{\"kind\": \"gap\", \"rate_per_path\": 0.6, \"time_s\": [0, 100],"
        " \"duration_s\": 2, \"size\": {\"mean\": -0.3, \"sd\": 0.06}}]}";
    double pa, pb;
    const double z = two_assets_z(seed, shocks, "shared gap", &pa, &pb);
    cr_assert_gt(z, 5.0, "a shared gap left P(both) within %.2f standard errors of independence",
                 z);
}

/* Sample correlation of the two venues' final log price ratios. */
static double final_correlation(const venue_run *r)
{
    const long long n = r->out.n;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    long long p;
    for (p = 0; p < n; p++) {
        const double x = log(col(r, "alpha", STP_OUT_FINAL_PRICE_RATIO, p));
        const double y = log(col(r, "beta", STP_OUT_FINAL_PRICE_RATIO, p));
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    return (sxy - sx * sy / n) / sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
}

Test(venues, the_assets_prices_carry_the_configured_correlation)
{
    const unsigned long long seed = test_seed();
    const double rho = 0.2 + 0.6 * (double)(seed % 1000) / 1000.0;
    char market[128];
    venue_run r;
    double c, se;
    snprintf(market, sizeof market, ", \"correlation\": [[1, %.4f], [%.4f, 1]]", rho, rho);
    /* no agents' sells and no shocks: the pools follow their fundamentals */
    run_two(&r, 2000, seed, 200, 1, "0", market,
            "\"assets\": [{\"name\": \"x\"}, {\"name\": \"y\"}],"
            "\"venues\": [{\"name\": \"alpha\", \"asset\": \"x\"},"
            "  {\"name\": \"beta\", \"asset\": \"y\"}],"
            "\"scenario\": {\"shocks\": []}");
    c = final_correlation(&r);
    se = (1.0 - rho * rho) / sqrt((double)r.out.n); /* Fisher: the sample r's sd */
    cr_log_info("correlation %.3f configured %.3f (se %.3f)", c, rho, se);
    cr_assert_lt(fabs(c - rho), 5.0 * se + 0.01, "sample %.4f, configured %.4f", c, rho);
    close_run(&r);
}

Test(venues, the_system_record_joins_the_venues)
{
    const unsigned long long seed = test_seed();
    char rest[4096];
    venue_run r;
    long long p;
    int casc = 0;
    snprintf(rest, sizeof rest, "%s%s", two_venues, gaps);
    run_two(&r, 64, seed, 300, 64, "0.002", "", rest);
    for (p = 0; p < r.out.n; p++) {
        const double la = col(&r, "alpha", STP_OUT_LIQUIDATED_USD, p),
                     lb = col(&r, "beta", STP_OUT_LIQUIDATED_USD, p);
        const double ta = col(&r, "alpha", STP_VOUT_T_CASCADE_S, p),
                     tb = col(&r, "beta", STP_VOUT_T_CASCADE_S, p);
        const int ca = col(&r, "alpha", STP_OUT_CASCADE, p) != 0.0,
                  cb = col(&r, "beta", STP_OUT_CASCADE, p) != 0.0;
        cr_assert_eq(r.out.v[STP_OUT_LIQUIDATED_USD][p], la + lb);
        cr_assert_eq(r.out.v[STP_OUT_MAX_DRAWDOWN][p],
                     fmax(col(&r, "alpha", STP_OUT_MAX_DRAWDOWN, p),
                          col(&r, "beta", STP_OUT_MAX_DRAWDOWN, p)));
        cr_assert_eq(r.out.v[stp_system_column(STP_SYS_VENUES_IN_CASCADE)][p], ca + cb);
        cr_assert_eq(r.out.v[STP_OUT_CASCADE][p], (double)(ca || cb), "cascade.venues any");
        /* a venue cascades at the end iff its cascade began */
        cr_assert_eq(ca, ta >= 0.0, "alpha path %lld", p);
        cr_assert_eq(cb, tb >= 0.0, "beta path %lld", p);
        cr_assert_eq(r.out.v[stp_system_column(STP_SYS_CONTAGION_LAG_S)][p],
                     ca && cb ? fabs(ta - tb) : -1.0);
        casc += ca + cb;
    }
    cr_assert_gt(casc, 0, "no venue cascaded: the joins saw no cascade");
    close_run(&r);
}

/* ---------------------------------------------------------------------------
 * The price channel (links) and the behavioural one (cross-venue agents)
 * ------------------------------------------------------------------------- */

static const char gap_alpha[] =
    "\"scenario\": {\"shocks\": [{\"kind\": \"gap\", \"venue\": \"alpha\", \"count\": 1,"
    " \"time_s\": [20, 60], \"duration_s\": 2, \"size\": {\"mean\": -0.3, \"sd\": 0.02}}%s]}";

/* Two venues on one asset, a gap on alpha only, and %s: the links. */
static void run_linked(venue_run *r, unsigned long long seed, const char *links,
                       const char *more_shocks)
{
    char rest[4096], shocks[1024];
    snprintf(shocks, sizeof shocks, gap_alpha, more_shocks);
    snprintf(rest, sizeof rest, "%s%s%s", two_venues, links, shocks);
    run_two(r, 48, seed, 240, 32, "0", "", rest);
}

Test(venues, a_zero_latency_link_carries_the_gap_to_the_other_pool)
{
    const unsigned long long seed = test_seed();
    venue_run alone, linked;
    long long p;
    run_linked(&alone, seed, "", "");
    run_linked(&linked, seed,
               "\"links\": [{\"name\": \"bridge\", \"a\": \"alpha\", \"b\": \"beta\","
               " \"latency_s\": 0, \"capacity_usd_per_s\": 1e15, \"cost\": 0.001}],",
               "");
    for (p = 0; p < linked.out.n; p++) {
        const double pa = col(&linked, "alpha", STP_OUT_FINAL_PRICE_RATIO, p),
                     pb = col(&linked, "beta", STP_OUT_FINAL_PRICE_RATIO, p);
        /* both pools started at one price: the link leaves them in its band */
        const double band = (1.0 - 0.003) * (1.0 - 0.003) * (1.0 - 0.001);
        cr_assert_leq(pb * band, pa * (1.0 + 1e-9), "path %lld: %g against %g", p, pb, pa);
        cr_assert_leq(pa * band, pb * (1.0 + 1e-9), "path %lld: %g against %g", p, pa, pb);
        cr_assert_lt(col(&alone, "beta", STP_OUT_MAX_DRAWDOWN, p), 0.1, "path %lld", p);
        cr_assert_gt(col(&linked, "beta", STP_OUT_MAX_DRAWDOWN, p), 0.1,
                     "path %lld: the link did not carry alpha's gap to beta", p);
    }
    close_run(&alone);
    close_run(&linked);
}

Test(venues, a_bridge_halt_decouples_the_venues)
{
    const unsigned long long seed = test_seed();
    const char *halt = ", {\"kind\": \"bridge_halt\", \"venue\": \"beta\", \"count\": 1,"
                       " \"time_s\": 0, \"duration_s\": 240, \"size\": {\"mean\": 0, \"sd\": 0}}";
    venue_run alone, halted;
    long long p;
    int m;
    /* the same slots in both runs (the scenario's draws alike), the link
     * only in one: closed from the first step, it must change nothing */
    run_linked(&alone, seed, "", halt);
    run_linked(&halted, seed,
               "\"links\": [{\"name\": \"bridge\", \"a\": \"alpha\", \"b\": \"beta\","
               " \"latency_s\": 0, \"capacity_usd_per_s\": 1e15, \"cost\": 0.001}],",
               halt);
    for (p = 0; p < halted.out.n; p++)
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++) {
            cr_assert_eq(col(&halted, "beta", m, p), col(&alone, "beta", m, p),
                         "beta's %d, path %lld", m, p);
            cr_assert_eq(col(&halted, "alpha", m, p), col(&alone, "alpha", m, p),
                         "alpha's %d, path %lld", m, p);
        }
    close_run(&alone);
    close_run(&halted);
}

/* Every alpha borrower also on beta (or none), no link: a gap on alpha
 * alone makes the herd sell on beta too. Paired on the same paths (the
 * cross-venue draws are their own, so nothing else moves). */
static void run_shared(venue_run *r, unsigned long long seed, double share, const char *beta)
{
    char rest[4096], shocks[1024];
    snprintf(shocks, sizeof shocks, gap_alpha, "");
    snprintf(rest, sizeof rest,
             "\"venues\": [{\"name\": \"alpha\", \"set\": {\"population.cross_venue_share\": %g}},"
             " {\"name\": \"beta\", \"set\": {%s}}],%s",
             share, beta, shocks);
    run_two(r, 64, seed, 240, 64, "0", "", rest);
}

static double paired_t(const venue_run *a, const venue_run *b, const char *venue, int m,
                       double *mean)
{
    const long long n = a->out.n;
    double s = 0.0, ss = 0.0;
    long long p;
    for (p = 0; p < n; p++) {
        const double d = col(a, venue, m, p) - col(b, venue, m, p);
        s += d;
        ss += d * d;
    }
    *mean = s / n;
    return *mean / sqrt((ss / n - *mean * *mean) / (n - 1) + 1e-300);
}

/* beta as deep as alpha: its liquidations pay, so a crash there is a
 * cascade by the rule (on a shallow pool they seldom do, and a crash shows
 * as bad debt instead) */
static const char beta_deep[] = "\"pool.depth_usd\": 2e8";

Test(venues, cross_venue_agents_carry_a_crash_to_the_other_venue)
{
    const unsigned long long seed = test_seed();
    venue_run single, shared;
    double mean, t, se;
    long long p;
    int m;
    run_shared(&single, seed, 0.0, beta_deep);
    run_shared(&shared, seed, 1.0, beta_deep);
    t = paired_t(&shared, &single, "beta", STP_OUT_DEFENSIVE_SELL_USD, &mean);
    cr_log_info("beta's defensive sells +%.3g USD a path (paired t %.1f)", mean, t);
    cr_assert_gt(t, 4.0, "beta's sells rose by %g a path, paired t %.2f", mean, t);
    /* and beta's P(cascade), on the same paths: the paired difference's
     * interval (3 standard errors; 0 when every path moved alike) lies
     * above 0 */
    t = paired_t(&shared, &single, "beta", STP_OUT_CASCADE, &mean);
    se = mean != 0.0 ? mean / t : 0.0;
    cr_log_info("beta's P(cascade) %+.3f [%+.3f, %+.3f]", mean, mean - 3.0 * se,
                mean + 3.0 * se);
    cr_assert_gt(mean - 3.0 * se, 0.0, "beta's P(cascade) moved %+.3f, 3 se %.3f", mean,
                 3.0 * se);
    /* alpha's own agents are the same and decide alike */
    for (p = 0; p < single.out.n; p++)
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            cr_assert_eq(col(&shared, "alpha", m, p), col(&single, "alpha", m, p),
                         "alpha's %d, path %lld", m, p);
    close_run(&single);
    close_run(&shared);
}

Test(venues, reading_the_largest_move_makes_beta_agents_sell_for_alpha)
{
    /* beta's cross-venue agents, reading alpha's crash, sell on beta even
     * though beta's own market is calm (no link): their home is beta */
    const unsigned long long seed = test_seed();
    char rest[4096], shocks[1024];
    venue_run home, largest;
    double mean, t;
    const char *fmt =
        "\"venues\": [{\"name\": \"alpha\"}, {\"name\": \"beta\", \"set\": {"
        "  \"population.cross_venue_share\": 1, \"population.features_from\": \"%s\"}}],%s";
    snprintf(shocks, sizeof shocks, gap_alpha, "");
    snprintf(rest, sizeof rest, fmt, "home", shocks);
    run_two(&home, 64, seed, 240, 64, "0", "", rest);
    snprintf(rest, sizeof rest, fmt, "largest_move", shocks);
    run_two(&largest, 64, seed, 240, 64, "0", "", rest);
    t = paired_t(&largest, &home, "beta", STP_OUT_AGENTS_ACTED, &mean);
    cr_log_info("beta's agents acting: +%.3g a path (paired t %.1f)", mean, t);
    cr_assert_gt(t, 4.0, "beta's acting agents rose by %g a path, paired t %.2f", mean, t);
    close_run(&home);
    close_run(&largest);
}

/* ---------------------------------------------------------------------------
 * A derivative asset: its parent's price times a peg
 * ------------------------------------------------------------------------- */

/* Two venues of equal depth, alpha on x and beta on its derivative y at
 * peg0, one agent and positions worth $1,000 in all, no jumps; shocks:
 * the scenario's. */
static void run_derivative(venue_run *r, unsigned long long seed, double peg0, const char *shocks)
{
    /* positions too small to move a pool: the pools follow their fundamentals */
    static const char tiny[] = "\"population.collateral_usd.total\": 1000";
    char rest[4096];
    snprintf(rest, sizeof rest,
             "\"assets\": [{\"name\": \"x\"}, {\"name\": \"y\", \"parent\": \"x\", \"peg0\": %.17g}],"
             "\"venues\": [{\"name\": \"alpha\", \"asset\": \"x\", \"set\": {%s}},"
             "  {\"name\": \"beta\", \"asset\": \"y\", \"set\": {%s}}],"
             "\"scenario\": {\"shocks\": [%s]}",
             peg0, tiny, tiny, shocks);
    run_two(r, 64, seed, 200, 1, "0", "", rest);
}

Test(venues, a_derivative_moves_with_its_parent_times_its_peg)
{
    const unsigned long long seed = test_seed();
    const double peg0 = 0.9 + 0.2 * (double)(seed % 1000) / 1000.0;
    venue_run r;
    long long p;
    run_derivative(&r, seed, peg0,
                   "{\"kind\": \"gap\", \"asset\": \"x\", \"count\": 1, \"time_s\": [10, 150],"
                   " \"duration_s\": 3, \"size\": {\"mean\": -0.1, \"sd\": 0}}");
    for (p = 0; p < r.out.n; p++) {
        /* both pools start at their fundamental and arbitrage toward it in
         * log space: the ratios to their own start agree, the gap on the
         * parent moving the derivative too */
        const double a = col(&r, "alpha", STP_OUT_FINAL_PRICE_RATIO, p);
        const double b = col(&r, "beta", STP_OUT_FINAL_PRICE_RATIO, p);
        const double da = col(&r, "alpha", STP_OUT_MAX_DRAWDOWN, p);
        const double db = col(&r, "beta", STP_OUT_MAX_DRAWDOWN, p);
        /* within what the two venues' own $1,000 of positions (drawn
         * apart) can move a $200M pool when they are liquidated */
        cr_assert_float_eq(b, a, 2e-6 * a, "path %lld: beta %.17g, alpha %.17g", p, b, a);
        cr_assert_float_eq(db, da, 2e-6, "path %lld: drawdowns %g, %g", p, db, da);
        cr_assert_gt(da, 0.08, "path %lld: the parent's 10%% gap did not show", p);
    }
    close_run(&r);
}

Test(venues, a_depeg_moves_the_derivative_alone)
{
    const unsigned long long seed = test_seed();
    const char *fmt = "{\"kind\": \"depeg\", \"asset\": \"y\", \"count\": 1, \"time_s\": [10, 50],"
                      " \"duration_s\": 5, \"size\": {\"mean\": %s, \"sd\": 0}}";
    char shock[512];
    venue_run off, on;
    long long p;
    int m;
    snprintf(shock, sizeof shock, fmt, "0");
    run_derivative(&off, seed, 1.0, shock);
    snprintf(shock, sizeof shock, fmt, "-0.05");
    run_derivative(&on, seed, 1.0, shock);
    for (p = 0; p < on.out.n; p++) {
        const double ratio = col(&on, "beta", STP_OUT_FINAL_PRICE_RATIO, p) /
                             col(&off, "beta", STP_OUT_FINAL_PRICE_RATIO, p);
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            cr_assert_eq(col(&on, "alpha", m, p), col(&off, "alpha", m, p),
                         "the parent's venue moved: %d, path %lld", m, p);
        /* the peg is exp(-0.05) lower for good; the pool follows within
         * its arbitrage's half-life (150 s before the end) */
        cr_assert_float_eq(ratio, exp(-0.05), 1e-3, "path %lld: %g", p, ratio);
    }
    close_run(&off);
    close_run(&on);
}

/* ---------------------------------------------------------------------------
 * Global mitigations (system_step.h)
 * ------------------------------------------------------------------------- */

Test(venues, the_system_phases_sum_every_venue)
{
    uint64_t st = test_seed();
    int trial;
    for (trial = 0; trial < 1000; trial++) {
        stp_path_state s[STP_MAX_VENUES];
        stp_params p;
        const int nv = 2 + (int)(next_u64(&st) % (STP_MAX_VENUES - 1));
        const int n = 1 + (int)(next_u64(&st) % 5000), t = (int)(next_u64(&st) % 100);
        const int halt0 = (int)(next_u64(&st) % 120), cool = 1 + (int)(next_u64(&st) % 50);
        long long sync = 0, brk = 0;
        int v, want;
        memset(s, 0, sizeof s);
        memset(&p, 0, sizeof p);
        p.breaker_max_sync = (double)(next_u64(&st) % 1000) / 1000.0;
        p.breaker_cooldown_steps = cool;
        for (v = 0; v < nv; v++) {
            s[v].sync_sum = (int)(next_u64(&st) % (unsigned)(n / nv + 1));
            s[v].brk_sum = (int)(next_u64(&st) % (unsigned)(n / nv + 1));
            s[v].halt_until = halt0;
            sync += s[v].sync_sum;
            brk += s[v].brk_sum;
        }
        stp_system_signal(s, nv, n);
        stp_system_breaker(s, nv, &p, n, t);
        want = t >= halt0 && (double)brk / n > p.breaker_max_sync;
        for (v = 0; v < nv; v++) {
            cr_assert_eq(s[v].sys_signal, (double)sync / n, "trial %d venue %d", trial, v);
            cr_assert_eq(s[v].halt_until, want ? t + cool : halt0, "trial %d venue %d", trial, v);
            cr_assert_eq(s[v].halt_open, want, "trial %d venue %d", trial, v);
        }
    }
}

/* alpha gapped (64 AI agents); beta calm with `beta_agents`; the breaker
 * and the signal on, global or not. The limit, 20% of the agents acting in
 * one step, is one that alpha's herd passes on its own. */
static void run_global(venue_run *r, unsigned long long seed, int beta_agents, int global,
                       int enabled)
{
    char rest[4096], shocks[1024];
    snprintf(shocks, sizeof shocks, gap_alpha, "");
    snprintf(rest, sizeof rest,
             "\"mitigations\": {\"circuit_breaker\": {\"enabled\": %s, \"max_sync_fraction\": "
             "0.2, \"cooldown_s\": 20, \"global\": %s}, \"risk_signal\": {\"enabled\": %s, "
             "\"stagger_s\": 10, \"global\": %s}},"
             "\"venues\": [{\"name\": \"alpha\"}, {\"name\": \"beta\", \"set\": "
             "{\"population.agents\": %d}}],%s",
             enabled ? "true" : "false", global ? "true" : "false", enabled ? "true" : "false",
             global ? "true" : "false", beta_agents, shocks);
    run_two(r, 48, seed, 240, 64, "0", "", rest);
}

static int records_differ(const venue_run *a, const venue_run *b, const char *venue)
{
    long long p;
    int m, n = 0;
    for (p = 0; p < a->out.n; p++)
        for (m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            n += memcmp(&(double){col(a, venue, m, p)}, &(double){col(b, venue, m, p)},
                        sizeof(double)) != 0;
    return n;
}

Test(venues, a_global_mitigation_over_a_venue_without_agents_is_the_others_own)
{
    /* the system's sync is alpha's when beta has no AI agents, so alpha's
     * record is bit for bit its per-venue mitigations'; a sum over the
     * wrong agents or the wrong step would move it */
    const unsigned long long seed = test_seed();
    venue_run none, local, global;
    run_global(&none, seed, 0, 0, 0);
    run_global(&local, seed, 0, 0, 1);
    run_global(&global, seed, 0, 1, 1);
    cr_assert_gt(records_differ(&local, &none, "alpha"), 0,
                 "the mitigations never changed alpha: the check has no power");
    cr_assert_eq(records_differ(&global, &local, "alpha"), 0);
    close_run(&none);
    close_run(&local);
    close_run(&global);
}

Test(venues, a_global_mitigation_sees_the_other_venues_agents)
{
    const unsigned long long seed = test_seed();
    venue_run local, global;
    /* beta is calm and holds 7/8 of the agents, so alpha's herd is at most
     * 1/8 of the system's: it trips alpha's own breaker and never the
     * global one. With as many agents on beta as on alpha, a herd of 86%
     * of alpha tripped both in the same step and the signal came too late
     * to tell them apart (seed 182487510869396: nothing differed). */
    run_global(&local, seed, 448, 0, 1);
    run_global(&global, seed, 448, 1, 1);
    cr_assert_gt(records_differ(&global, &local, "alpha") + records_differ(&global, &local, "beta"),
                 0, "a global breaker and signal changed nothing against per-venue ones");
    close_run(&local);
    close_run(&global);
}

/* ---------------------------------------------------------------------------
 * Shared jumps (market.jumps.shared)
 * ------------------------------------------------------------------------- */

/* alpha on x, beta on y, pools alike, no diffusion and no agents: each
 * venue's record is its asset's jumps alone (a few positions too small
 * and too healthy ever to trade). %s: "shared": true or false;
 * %s: the scenario (importance with a jump tilt, or random). */
static const char jumps_fmt[] =
    "{\"run\": {\"paths\": 64, \"seed\": %llu}, \"time\": {\"dt_s\": 1, \"horizon_s\": 300},"
    "\"market\": {\"vol\": {\"calm_per_sqrt_s\": 0, \"stress_per_sqrt_s\": 0,"
    "  \"calm_to_stress_per_s\": 0}, \"noise\": {\"dist\": \"normal\"},"
    "  \"jumps\": {\"rate_per_s\": 0.01, \"log_mean\": -0.02, \"log_sd\": 0.03, \"shared\": %s}},"
    "\"assets\": [{\"name\": \"x\"}, {\"name\": \"y\"}],"
    "\"venues\": [{\"name\": \"alpha\", \"asset\": \"x\"}, {\"name\": \"beta\", \"asset\": \"y\"}],"
    "\"protocols\": [{\"name\": \"a_lend\", \"venue\": \"alpha\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
    "  {\"name\": \"b_lend\", \"venue\": \"beta\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05}],"
    "\"population\": {\"agents\": 0, \"passive_positions\": 4,"
    "  \"collateral_usd\": {\"total\": 1000, \"log_sd\": 0.1},"
    "  \"hf0\": {\"min\": 20, \"median\": 30, \"log_sd\": 0.1},"
    "  \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 1}]},"
    "\"scenario\": %s}";

static void run_jumps(venue_run *r, unsigned long long seed, int shared, const char *scenario)
{
    char json[4096];
    snprintf(json, sizeof json, jumps_fmt, seed, shared ? "true" : "false", scenario);
    open_run(r, json);
    simulate(r);
}

Test(venues, shared_jumps_move_every_asset_at_once)
{
    const unsigned long long seed = test_seed();
    static const char plain[] = "{\"shocks\": []}";
    venue_run own, shared;
    long long p;
    int m, differ = 0, jumped = 0;
    static const int market[] = {STP_OUT_MAX_DRAWDOWN, STP_OUT_MIN_PRICE_RATIO,
                                 STP_OUT_FINAL_PRICE_RATIO};
    run_jumps(&own, seed, 0, plain);
    run_jumps(&shared, seed, 1, plain);
    for (p = 0; p < own.out.n; p++) {
        for (m = 0; m < 3; m++)
            cr_assert_eq(col(&shared, "alpha", market[m], p), col(&shared, "beta", market[m], p),
                         "path %lld: shared jumps, alpha's %d and beta's differ", p, market[m]);
        /* alpha's asset is asset 0: its draws are the same either way */
        cr_assert_eq(col(&shared, "alpha", STP_OUT_FINAL_PRICE_RATIO, p),
                     col(&own, "alpha", STP_OUT_FINAL_PRICE_RATIO, p), "path %lld", p);
        differ += col(&own, "alpha", STP_OUT_FINAL_PRICE_RATIO, p) !=
                  col(&own, "beta", STP_OUT_FINAL_PRICE_RATIO, p);
        jumped += col(&shared, "alpha", STP_OUT_FINAL_PRICE_RATIO, p) != 1.0;
    }
    cr_assert_gt(jumped, own.out.n / 2, "few paths jumped: the check has no power");
    cr_assert_gt(differ, own.out.n / 2, "own jumps agree across assets on %d paths only",
                 (int)own.out.n - differ);
    close_run(&own);
    close_run(&shared);
}

Test(venues, shared_jumps_count_their_likelihood_ratio_once)
{
    /* tilted jumps: a path's weight is the ratio of its jump events; shared
     * across assets they are one set of events, so the system's weight is
     * alpha's alone (beta's 1); with each asset's own, the product */
    const unsigned long long seed = test_seed();
    static const char tilted[] =
        "{\"mode\": \"importance\", \"importance\": {\"tilt\": 0, \"count_tilt\": 0.7,"
        " \"jump_tilt\": 0.8}, \"shocks\": []}";
    venue_run own, shared;
    long long p;
    int product = 0;
    run_jumps(&own, seed, 0, tilted);
    run_jumps(&shared, seed, 1, tilted);
    for (p = 0; p < own.out.n; p++) {
        const double wa = col(&shared, "alpha", STP_OUT_WEIGHT, p);
        cr_assert_eq(shared.out.v[STP_OUT_WEIGHT][p], wa, "path %lld", p);
        cr_assert_eq(col(&shared, "beta", STP_OUT_WEIGHT, p), 1.0, "path %lld", p);
        cr_assert_eq(wa, col(&own, "alpha", STP_OUT_WEIGHT, p), "path %lld", p);
        cr_assert_neq(wa, 1.0, "path %lld: no ratio (the tilt is off?)", p);
        product += own.out.v[STP_OUT_WEIGHT][p] != wa;
    }
    cr_assert_gt(product, own.out.n / 2, "own jumps: the system's weight is alpha's on most paths");
    close_run(&own);
    close_run(&shared);
}

/* ---------------------------------------------------------------------------
 * An oracle on another venue's pool (oracle.source)
 * ------------------------------------------------------------------------- */

Test(venues, an_oracle_on_the_crashing_venue_liquidates_a_calm_one)
{
    /* beta's pool stays calm (no link, a gap on alpha's pool alone), but
     * its oracle reads alpha's: beta's positions are liquidated at
     * alpha's crashed price, on the same paths where they are not with
     * its own oracle */
    const unsigned long long seed = test_seed();
    char rest[4096], shocks[1024];
    venue_run own, foreign;
    double mean, t;
    long long p;
    const char *fmt = "\"venues\": [{\"name\": \"alpha\"}, {\"name\": \"beta\", \"set\": "
                      "{\"pool.depth_usd\": 2e8%s}}],%s";
    snprintf(shocks, sizeof shocks, gap_alpha, "");
    snprintf(rest, sizeof rest, fmt, "", shocks);
    run_two(&own, 64, seed, 240, 64, "0", "", rest);
    snprintf(rest, sizeof rest, fmt, ", \"oracle.source\": \"alpha\"", shocks);
    run_two(&foreign, 64, seed, 240, 64, "0", "", rest);
    cr_assert_eq(foreign.vs->oracle_src[venue_index(&foreign, "beta")],
                 venue_index(&foreign, "alpha"));
    t = paired_t(&foreign, &own, "beta", STP_OUT_LIQUIDATED_USD, &mean);
    cr_log_info("beta's liquidations +%.3g USD a path (paired t %.1f)", mean, t);
    cr_assert_gt(t, 4.0, "beta's liquidations rose by %g a path, paired t %.2f", mean, t);
    for (p = 0; p < own.out.n; p++) { /* beta's pool itself moves only by its own trades */
        cr_assert_lt(col(&own, "beta", STP_OUT_MAX_DRAWDOWN, p), 0.1, "path %lld", p);
        cr_assert_eq(col(&foreign, "alpha", STP_OUT_MAX_DRAWDOWN, p),
                     col(&own, "alpha", STP_OUT_MAX_DRAWDOWN, p), "alpha's own, path %lld", p);
    }
    close_run(&own);
    close_run(&foreign);
}

Test(venues, shared_jumps_tilt_every_asset_alike_and_count_once_without_asset_0)
{
    /* no venue trades asset w (index 0), and y's jumps lean up where x's
     * lean down: the shared normal is still shifted alike for every asset
     * (else the tilted law would lock the assets 2 tilts apart, which no
     * ratio corrects) and its ratio counts once, on x's venue, the lowest
     * traded */
    const unsigned long long seed = test_seed();
    char json[4096];
    venue_run r;
    long long p;
    snprintf(json, sizeof json, jumps_fmt, seed, "true",
             "{\"mode\": \"importance\", \"importance\": {\"tilt\": 0, \"count_tilt\": 0.7,"
             " \"jump_tilt\": 0.8}, \"shocks\": []}");
    {   /* three assets, y's log_mean of the other sign, no venue on w */
        static const char from[] = "\"assets\": [{\"name\": \"x\"}, {\"name\": \"y\"}],";
        static const char to[] = "\"assets\": [{\"name\": \"w\"}, {\"name\": \"x\"}, {\"name\": "
                                 "\"y\", \"set\": {\"market.jumps.log_mean\": 0.02}}],";
        char *at = strstr(json, from), tail[4096];
        cr_assert_not_null(at);
        snprintf(tail, sizeof tail, "%s", at + strlen(from));
        snprintf(at, sizeof json - (size_t)(at - json), "%s%s", to, tail);
    }
    open_run(&r, json);
    simulate(&r);
    cr_assert_eq(r.vs->prm[0].asset, 1);
    cr_assert_eq(r.vs->prm[1].asset, 2);
    cr_assert(r.vs->prm[0].jump_size_tilt < 0.0f, "x's jumps lean down: its tilt too");
    cr_assert_eq(r.vs->prm[1].jump_size_tilt, r.vs->prm[0].jump_size_tilt);
    cr_assert_eq(r.vs->prm[0].jumps_lr_asset, 1);
    cr_assert_eq(r.vs->prm[1].jumps_lr_asset, 1);
    for (p = 0; p < r.out.n; p++) {
        const double wa = col(&r, "alpha", STP_OUT_WEIGHT, p);
        cr_assert_eq(r.out.v[STP_OUT_WEIGHT][p], wa, "path %lld", p);
        cr_assert_eq(col(&r, "beta", STP_OUT_WEIGHT, p), 1.0, "path %lld", p);
        cr_assert_neq(wa, 1.0, "path %lld: the shared jumps' ratio was lost", p);
    }
    close_run(&r);
}
