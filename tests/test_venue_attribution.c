/* test_venue_attribution.c: a multi-venue run's attribution (DESIGN §10,
 * host/experiment/point_attribution.c), recomputed here from the results
 * file's columns and the venues drawn again from the config: each venue's
 * first movers by family (a mirror under its leader's family in its
 * leader's venue), the system's (the venue whose agent decided first, a
 * tie picked by the path's draw, system_outcomes.h), and the populations'
 * mixes. Two venues whose
 * families differ (beta's own agents are all vol_target_rule), so a
 * consensus_mlp or drawdown_rule first mover on beta can only be a mirror
 * of an alpha agent; two populations, whose mirrors differ; a fresh seed.
 * And a merge of two shards, which draws again the venues of populations
 * it never simulated, attributes like one process. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "stampede/system_outcomes.h"
#include "tmpdir.h"

#include "stampede/h5out.h"
#include "stampede/merge.h"
#include "stampede/outcomes.h"
#include "stampede/run.h"
#include "stampede/venues.h"

TestSuite(venue_attribution, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 240);

#define PATHS 96
#define POPS  2

static const char config_fmt[] =
    "{\"experiment\": {\"name\": \"base\"}, \"run\": {\"paths\": %d, \"seed\": %llu,"
    " \"batch\": 16, \"populations\": %d}, \"time\": {\"dt_s\": 1, \"horizon_s\": 120},"
    "\"pool\": {\"depth_usd\": 2e8},"
    "\"venues\": [{\"name\": \"alpha\"}, {\"name\": \"beta\", \"set\": {\"pool.depth_usd\": 1e8,"
    "  \"population.agents\": 48, \"population.families\":"
    "  [{\"model\": \"models/vol_target_rule.json\", \"share\": 1}]}}],"
    "\"protocols\": [{\"name\": \"a_lend\", \"venue\": \"alpha\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.83, \"liquidation_bonus\": 0.05},"
    "  {\"name\": \"b_lend\", \"venue\": \"beta\", \"share\": 1,"
    "  \"liquidation_threshold\": 0.8, \"liquidation_bonus\": 0.075}],"
    "\"population\": {\"agents\": 64, \"passive_positions\": 32, \"cross_venue_share\": 0.4,"
    "  \"families\": [{\"model\": \"models/consensus_mlp.json\", \"share\": 0.5},"
    "  {\"model\": \"models/drawdown_rule.json\", \"share\": 0.5}]},"
    "\"scenario\": {\"shocks\": [{\"kind\": \"gap\", \"venue\": \"alpha\", \"rate_per_path\": 1,"
    "  \"time_s\": [0, 100], \"duration_s\": 3, \"size\": {\"mean\": -0.12, \"sd\": 0.05}},"
    "  {\"kind\": \"gap\", \"venue\": \"beta\", \"rate_per_path\": 0.5, \"time_s\": [0, 100],"
    "  \"duration_s\": 3, \"size\": {\"mean\": -0.1, \"sd\": 0.05}}]},"
    "\"cascade\": {\"drawdown\": 0.1, \"liquidation_usd\": 1e6},"
    "\"output\": {\"sample_paths\": 2}}";

static void read_col(const char *file, const char *name, double *buf)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    cr_assert_geq(f, 0, "%s", file);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "%s", name);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(d);
    H5Fclose(f);
}

/* The family name of agent a of venue v of venues vs: its model's, or a
 * mirror's leader's in the leader's venue. *mirror: whether it is one. */
static const char *family_name(const stp_venues *vs, int v, int a, int *mirror)
{
    const stp_population *p = vs->pop[v];
    *mirror = a >= p->n_agents;
    if (a < p->n_agents) return p->models[p->family[a]].name;
    const int j = a - p->n_agents, lv = vs->mirror[v].leader_venue[j];
    cr_assert_lt(j, vs->mirror[v].n, "agent %d of venue %d is past its mirrors", a, v);
    return vs->pop[lv]->models[vs->pop[lv]->family[vs->mirror[v].leader_agent[j]]].name;
}

/* Figures by family name, recomputed. */
typedef struct tally {
    int n;
    const char *name[2 * STP_MAX_FAMILIES];
    double mix[2 * STP_MAX_FAMILIES], w_casc[2 * STP_MAX_FAMILIES], w_acted[2 * STP_MAX_FAMILIES];
    long long casc[2 * STP_MAX_FAMILIES], acted[2 * STP_MAX_FAMILIES];
    double mix_total, casc_total, acted_total;
} tally;

static int slot(tally *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->name[i], name)) return i;
    t->name[t->n] = name;
    return t->n++;
}

/* The file's attribution a against the recomputed t: every family by name. */
static void assert_same(const stp_attribution *a, tally *t, const char *what)
{
    cr_assert(a->computed, "%s: no attribution in the file", what);
    for (int i = 0; i < t->n; i++) {
        int f = 0;
        while (f < a->n_families && strcmp(a->families[f], t->name[i]) != 0)
            f++;
        cr_assert_lt(f, a->n_families, "%s: family %s missing", what, t->name[i]);
        cr_assert_eq(a->cascade_count[f], t->casc[i], "%s %s: cascade count %lld, want %lld", what,
                     t->name[i], a->cascade_count[f], t->casc[i]);
        cr_assert_eq(a->acted_count[f], t->acted[i], "%s %s", what, t->name[i]);
        cr_assert_float_eq(a->population_share[f], t->mix[i] / t->mix_total, 1e-12, "%s %s", what,
                           t->name[i]);
        if (t->casc_total > 0)
            cr_assert_float_eq(a->cascade_share[f], t->w_casc[i] / t->casc_total, 1e-12, "%s %s",
                               what, t->name[i]);
        if (t->acted_total > 0)
            cr_assert_float_eq(a->acted_share[f], t->w_acted[i] / t->acted_total, 1e-12, "%s %s",
                               what, t->name[i]);
    }
    for (int f = 0; f < a->n_families; f++) { /* and no family the recomputation lacks */
        int i = 0;
        while (i < t->n && strcmp(t->name[i], a->families[f]) != 0)
            i++;
        cr_assert_lt(i, t->n, "%s: family %s is none of its agents'", what, a->families[f]);
    }
}

static void add_mover(tally *t, const char *name, double w, int cascade)
{
    const int i = slot(t, name);
    t->acted[i]++;
    t->w_acted[i] += w;
    t->acted_total += w;
    if (!cascade) return;
    t->casc[i]++;
    t->w_casc[i] += w;
    t->casc_total += w;
}

Test(venue_attribution, each_venue_and_the_system_recomputed_from_the_columns)
{
    const unsigned long long seed = test_seed();
    static double w[PATHS], s_fm[PATHS], s_casc[PATHS], fm[2][PATHS], tf[2][PATHS], casc[2][PATHS],
        s_tf[PATHS];
    static const char *const vname[2] = {"alpha", "beta"};
    char text[4096], out[512], name[256];
    stp_config *cfg = NULL;
    stp_venues *vs[POPS] = {NULL};
    stp_error err = {STP_OK, ""};
    stp_run_opts o;
    stp_summary s;
    tally venue[2], sys;
    int mirrors_first = 0, mirrors_foreign = 0, ties = 0, tie_to[2] = {0, 0};
    snprintf(text, sizeof text, config_fmt, PATHS, seed, POPS);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    snprintf(out, sizeof out, "%s/v.h5", dir);
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.threads = 2;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);

    read_col(out, "/variants/base/outcomes/weight", w);
    read_col(out, "/variants/base/outcomes/first_mover", s_fm);
    read_col(out, "/variants/base/outcomes/t_first_move_s", s_tf);
    read_col(out, "/variants/base/outcomes/cascade", s_casc);
    for (int v = 0; v < 2; v++) {
        snprintf(name, sizeof name, "/variants/base/venues/%s/outcomes/first_mover", vname[v]);
        read_col(out, name, fm[v]);
        snprintf(name, sizeof name, "/variants/base/venues/%s/outcomes/t_first_move_s", vname[v]);
        read_col(out, name, tf[v]);
        snprintf(name, sizeof name, "/variants/base/venues/%s/outcomes/cascade", vname[v]);
        read_col(out, name, casc[v]);
    }
    for (int k = 0; k < POPS; k++)
        cr_assert_eq(stp_venues_create(&vs[k], cfg, k, &err), STP_OK, "%s", err.msg);

    memset(venue, 0, sizeof venue);
    memset(&sys, 0, sizeof sys);
    for (int k = 0; k < POPS; k++) /* the mixes: every agent, a mirror as its leader's family */
        for (int v = 0; v < 2; v++)
            for (int a = 0; a < vs[k]->agent_base[v + 1] - vs[k]->agent_base[v]; a++) {
                int mirror;
                const char *fam = family_name(vs[k], v, a, &mirror);
                venue[v].mix[slot(&venue[v], fam)] += 1.0;
                venue[v].mix_total += 1.0;
                sys.mix[slot(&sys, fam)] += 1.0;
                sys.mix_total += 1.0;
                mirrors_foreign += mirror && v == 1 && strcmp(fam, "vol_target_rule") != 0;
            }
    cr_assert_gt(mirrors_foreign, 0, "beta holds no mirror of an alpha agent (seed %llu)", seed);
    for (int p = 0; p < PATHS; p++) {
        const stp_venues *x = vs[p / (PATHS / POPS)];
        int first = -1, mirror;
        for (int v = 0; v < 2; v++) {
            if (fm[v][p] < 0) continue;
            add_mover(&venue[v], family_name(x, v, (int)fm[v][p], &mirror), w[p], casc[v][p] > 0.5);
            mirrors_first += mirror;
            /* the system's rule: the earliest first move */
            if (first < 0 || tf[v][p] < tf[first][p]) first = v;
        }
        if (fm[0][p] >= 0 && fm[1][p] >= 0 && tf[0][p] == tf[1][p]) {
            /* a tie: the path's draw picks by key; alpha's (1) is below beta's */
            cr_assert_lt(x->key[0], x->key[1]);
            first = stp_system_tie_pick(cfg->run.seed, p, 2);
            tie_to[first]++;
            ties++;
        }
        if (first < 0) {
            cr_assert_eq(s_fm[p], -1.0, "path %d: nobody decided on any venue", p);
            continue;
        }
        cr_assert_eq(s_fm[p], x->agent_base[first] + fm[first][p],
                     "path %d: the system's first mover is not venue %d's", p, first);
        cr_assert_eq(s_tf[p], tf[first][p], "path %d", p);
        add_mover(&sys, family_name(x, first, (int)fm[first][p], &mirror), w[p], s_casc[p] > 0.5);
    }
    cr_assert_gt(mirrors_first, 0, "no mirror moved first on any venue (seed %llu)", seed);
    cr_assert_gt(ties, 0, "no path tied the venues' first moves: the tie rule is untested");
    cr_log_info("%d ties: %d to alpha, %d to beta", ties, tie_to[0], tie_to[1]);
    if (ties >= 20) /* each way with chance 1/2 a tie: both fail to show with chance 2^-19 */
        cr_assert(tie_to[0] > 0 && tie_to[1] > 0, "%d ties, %d to alpha (seed %llu)", ties,
                  tie_to[0], seed);

    cr_assert_eq(stp_h5_read_summary(out, &s, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(s.variants[0].n_venues, 2);
    cr_assert_not_null(s.variants[0].venue_attribution);
    for (int v = 0; v < 2; v++)
        assert_same(&s.variants[0].venue_attribution[v], &venue[v], vname[v]);
    assert_same(&s.variants[0].attribution, &sys, "system");
    /* beta's own agents are all vol_target_rule: any other family there is a mirror's */
    {
        const stp_attribution *b = &s.variants[0].venue_attribution[1];
        long long foreign = 0;
        cr_assert_str_eq(b->families[0], "vol_target_rule", "a venue's own families come first");
        for (int f = 1; f < b->n_families; f++)
            foreign += b->acted_count[f];
        cr_assert_gt(foreign, 0, "beta credits no mirror to its leader's family (seed %llu)", seed);
    }
    stp_summary_free(&s);
    for (int k = 0; k < POPS; k++)
        stp_venues_destroy(vs[k]);
    stp_config_destroy(cfg);
}

/* Reads the attribution datasets of `group` in `file` into buf (shares,
 * counts, lift, population share), for a bitwise comparison. */
static void read_first_movers(const char *file, const char *group, double *buf, int n)
{
    static const char *const cols[] = {"population_share", "cascade_share", "acted_share", "lift"};
    char name[300];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s/attribution/first_movers/%s", group, cols[i]);
        read_col(file, name, buf + i * n);
    }
}

/* Two shards merged (each population's batches in one shard, so the merge
 * draws the venues of populations whose batches it never simulated):
 * every venue's attribution and the system's are the one-process run's,
 * bit for bit, and so are every venue's sample rows. */
Test(venue_attribution, a_merge_of_shards_attributes_like_one_run)
{
    const unsigned long long seed = test_seed();
    static const char *const groups[] = {"/variants/base", "/variants/base/venues/alpha",
                                         "/variants/base/venues/beta"};
    char text[4096], full[300], shard[2][300], merged[300], name[300];
    const char *shards[2] = {shard[0], shard[1]};
    static double a[4 * 8], b[4 * 8];
    static float sa[2 * 120], sb[2 * 120];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_run_opts o;
    snprintf(text, sizeof text, config_fmt, 64, seed, POPS);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    snprintf(full, sizeof full, "%s/full.h5", dir);
    snprintf(merged, sizeof merged, "%s/merged.h5", dir);
    memset(&o, 0, sizeof o);
    o.threads = 2;
    o.out_path = full;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    for (int i = 0; i < 2; i++) {
        snprintf(shard[i], sizeof shard[i], "%s/s%d.h5", dir, i);
        o.out_path = shard[i];
        o.shard = i;
        o.shards = 2;
        cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s", err.msg);
    }
    cr_assert_eq(stp_merge(merged, shards, 2, 2, 0, &err), STP_OK, "%s", err.msg);
    for (int g = 0; g < 3; g++) {
        /* three families at most here (two of alpha's, beta's one) */
        hid_t f = H5Fopen(merged, H5F_ACC_RDONLY, H5P_DEFAULT), d, sp;
        hssize_t n;
        snprintf(name, sizeof name, "%s/attribution/first_movers/lift", groups[g]);
        cr_assert_geq(d = H5Dopen2(f, name, H5P_DEFAULT), 0, "%s", name);
        sp = H5Dget_space(d);
        n = H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
        H5Fclose(f);
        cr_assert(n >= 1 && n <= 8, "%s: %lld families", name, (long long)n);
        read_first_movers(full, groups[g], a, (int)n);
        read_first_movers(merged, groups[g], b, (int)n);
        cr_assert_arr_eq(a, b, sizeof(double) * 4 * (size_t)n, "%s differs after the merge",
                         groups[g]);
    }
    for (int v = 1; v < 3; v++) {
        snprintf(name, sizeof name, "%s/samples/price", groups[v]);
        hid_t f = H5Fopen(full, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, name, H5P_DEFAULT);
        cr_assert_geq(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, sa), 0);
        H5Dclose(d);
        H5Fclose(f);
        f = H5Fopen(merged, H5F_ACC_RDONLY, H5P_DEFAULT);
        d = H5Dopen2(f, name, H5P_DEFAULT);
        cr_assert_geq(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, sb), 0);
        H5Dclose(d);
        H5Fclose(f);
        cr_assert_arr_eq(sa, sb, sizeof sa, "%s differs after the merge", name);
    }
    stp_config_destroy(cfg);
}
