/* test_h5out.c: the results file (DESIGN §6) and the summary printer.
 *
 * A small synthetic run (3 AI agents, 2 passive positions, 1000 paths, a
 * 2-slot scenario table, 2 x 5 sample paths, hand-filled stats) is written
 * to a fresh temporary folder per test and read back with the HDF5 C API,
 * with stp_h5_read_summary and, when the system Python has it, with h5py.
 * Every expected number is the one the fixture wrote: doubles and floats
 * round-trip through HDF5 bit for bit, so comparisons are exact. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, open_memstream */

#include <criterion/criterion.h>
#include <hdf5.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stampede/h5out.h"
#include "stampede/scenario.h"
#include "stampede/summary.h"

#include "print_summary.h"
#include "seed.h"

#define N_PATHS 1000
#define N_SLOTS 2
#define K       2
#define T       5
#define N_WORST 3
#define PYTHON  "/usr/bin/python3"

// ----------------------------------------------------------------------------
// fixture

typedef struct fixture {
    char dir[64];
    char path[128];
    stp_config *cfg;
    stp_population pop;
    stp_outcomes out;
    stp_scenario_table scen;
    stp_samples samples;
    stp_variant_results var[2];
    stp_results res;
    long long worst[N_WORST];
    double edges[5];
    long long counts[4];
} fixture;

static fixture *fx;

static void fill_population(stp_population *p)
{
    static int family[3] = {0, 1, 1}, role[3] = {STP_ROLE_BORROWER, STP_ROLE_BORROWER, STP_ROLE_LP};
    static int protocol[3] = {0, 1, -1}, p_protocol[2] = {1, 0};
    static float threshold[3] = {0.6f, 0.55f, 0.7f}, latency[3] = {0.5f, 1.0f, 2.0f};
    static float sell[3] = {0.25f, 0.25f, 1.0f}, cooldown[3] = {30.f, 30.f, 30.f};
    static float coll[3] = {100.f, 200.f, 0.f}, debt[3] = {1.5e5f, 3e5f, 0.f};
    static float hf0[3] = {1.4f, 1.3f, NAN}, p_coll[2] = {50.f, 70.f};
    static float p_debt[2] = {8e4f, 1e5f}, p_hf0[2] = {1.2f, 1.6f};
    p->n_agents = 3;
    p->n_passive = 2;
    p->n_families = 2;
    strcpy(p->models[0].name, "consensus_mlp");
    strcpy(p->models[1].name, "drawdown_rule");
    p->herfindahl = 5.0 / 9.0; /* (1/3)^2 + (2/3)^2 */
    p->equilibrium_redraws = 2;
    p->equilibrium_fallbacks = 1;
    p->family = family, p->role = role, p->protocol = protocol, p->p_protocol = p_protocol;
    p->threshold = threshold, p->latency_s = latency, p->sell_fraction = sell;
    p->cooldown_s = cooldown, p->collateral = coll, p->debt_usd = debt, p->hf0 = hf0;
    p->p_collateral = p_coll, p->p_debt_usd = p_debt, p->p_hf0 = p_hf0;
}

/* Outcome m of path i: not a round number, so bit equality means something. */
static double outcome_value(int m, long long i)
{
    return (double)i * 1.1 + m / 7.0;
}

static void fill_outcomes(stp_outcomes *o, long long n)
{
    o->n = n;
    for (int m = 0; m < STP_N_OUTCOMES; m++) {
        o->v[m] = calloc((size_t)n, sizeof(double));
        for (long long i = 0; i < n; i++)
            o->v[m][i] = outcome_value(m, i);
    }
}

static void fill_scenarios(stp_scenario_table *s, long long n)
{
    static int spec[N_SLOTS] = {0, 1}, kind[N_SLOTS] = {STP_SHOCK_GAP, STP_SHOCK_EXPLOIT};
    s->n_paths = n;
    s->n_slots = N_SLOTS;
    s->slot_spec = spec;
    s->slot_kind = kind;
    s->active = calloc((size_t)n * N_SLOTS, 1);
    s->time_s = calloc((size_t)n * N_SLOTS, sizeof(float));
    s->duration_s = calloc((size_t)n * N_SLOTS, sizeof(float));
    s->size = calloc((size_t)n * N_SLOTS, sizeof(float));
    for (long long i = 0; i < n * N_SLOTS; i++) {
        s->active[i] = (unsigned char)(i % 3 != 0);
        s->time_s[i] = s->active[i] ? (float)i : NAN;
        s->duration_s[i] = s->active[i] ? 3.0f : NAN;
        s->size[i] = s->active[i] ? -0.01f * (float)(i % 17) : NAN;
    }
}

static void fill_samples(stp_samples *s)
{
    static float price[K * T], depth[K * T], sync[K * T], liq[K * T];
    for (int i = 0; i < K * T; i++) {
        price[i] = 2500.0f - (float)i;
        depth[i] = 8e8f - 1e6f * (float)i;
        sync[i] = 0.1f * (float)(i % T);
        liq[i] = 1e5f * (float)i;
    }
    s->k = K, s->n_steps = T, s->dt_s = 1.0f;
    s->price = price, s->pool_depth = depth, s->sync = sync, s->liquidations = liq;
}

/* Stats of metric m: bad_debt_usd gets realistic dollars, the rest m-scaled. */
static void fill_stats(stp_metric_stats *s, int m)
{
    const double scale = m == STP_OUT_BAD_DEBT_USD ? 1e6 : 0.01 * (m + 1);
    const double q[4] = {0.5, 0.9, 0.99, 0.999}, e[2] = {0.99, 0.999};
    s->n = N_PATHS;
    s->mean = 1.5 * scale, s->sd = 0.5 * scale;
    s->mean_ci_lo = 1.4 * scale, s->mean_ci_hi = 1.6 * scale;
    s->n_quantiles = 4;
    for (int i = 0; i < 4; i++) {
        s->quantile_levels[i] = q[i];
        s->quantiles[i] = (1 + i) * scale;
        s->quantile_ci_lo[i] = (0.9 + i) * scale;
        s->quantile_ci_hi[i] = (1.1 + i) * scale;
    }
    s->n_es = 2;
    for (int i = 0; i < 2; i++) {
        s->es_levels[i] = e[i];
        s->var[i] = (3 + i) * scale, s->var_ci_lo[i] = (2.5 + i) * scale;
        s->var_ci_hi[i] = (3.5 + i) * scale;
        s->es[i] = (5 + 2 * i) * scale, s->es_ci_lo[i] = (4 + 2 * i) * scale;
        s->es_ci_hi[i] = (6 + 2 * i) * scale;
    }
}

static void fill_variant(fixture *f, stp_variant_results *v, const char *name)
{
    snprintf(v->name, sizeof v->name, "%s", name);
    v->overrides_json = "{}";
    v->paths_done = N_PATHS;
    /* the in-memory sources: the writer reads a column or a row range at a time */
    v->source.n_paths = f->out.n;
    v->source.n_slots = f->scen.n_slots;
    v->source.slot_spec = f->scen.slot_spec;
    v->source.slot_kind = f->scen.slot_kind;
    v->source.outcome_column = stp_outcomes_column;
    v->source.outcome_user = &f->out;
    v->source.scenario_rows = f->scen.n_slots > 0 ? stp_scenario_table_rows : NULL;
    v->source.scenario_user = &f->scen;
    v->samples = &f->samples;
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        fill_stats(&v->stats[m], m);
    /* Wilson score interval for 35 of 1000 at z = 1.959964 (Wilson 1927, closed
     * form (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)):
     * 0.025272, 0.048287 */
    v->cascade.n = N_PATHS, v->cascade.k = 35;
    v->cascade.p = 0.035, v->cascade.ci_lo = 0.025272, v->cascade.ci_hi = 0.048287;
    v->hist[STP_OUT_BAD_DEBT_USD].bins = 4;
    v->hist[STP_OUT_BAD_DEBT_USD].edges = f->edges;
    v->hist[STP_OUT_BAD_DEBT_USD].counts = f->counts;
    v->worst = f->worst;
    v->n_worst = N_WORST;
}

static void setup_n(long long n)
{
    fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/stp_h5out_XXXXXX");
    cr_assert_not_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/out.h5", fx->dir);
    fx->cfg = calloc(1, sizeof *fx->cfg);
    fx->cfg->resolved_json = strdup("{\n  \"experiment\": {\"name\": \"quick\"}\n}");
    strcpy(fx->cfg->experiment.name, "quick");
    fill_population(&fx->pop);
    fill_outcomes(&fx->out, n);
    fill_scenarios(&fx->scen, n);
    fill_samples(&fx->samples);
    fx->worst[0] = n - 1, fx->worst[1] = 3, fx->worst[2] = n / 2;
    for (int i = 0; i < 5; i++)
        fx->edges[i] = 1e6 * i;
    for (int i = 0; i < 4; i++)
        fx->counts[i] = 250 + i;
    fill_variant(fx, &fx->var[0], "baseline");
    fill_variant(fx, &fx->var[1], "breaker");
    fx->res = (stp_results){.cfg = fx->cfg,
                            .pop = &fx->pop,
                            .engine_version = "0.1.0-test",
                            .backend = "openmp",
                            .device = "Test CPU \"x\"\n2",
                            .seed = 42,
                            .paths = n,
                            .wall_s = 12.5,
                            .agent_steps_per_s = 1.25e9,
                            .n_variants = 1,
                            .variants = fx->var};
}

static void setup(void)
{
    setup_n(N_PATHS);
}

static void teardown(void)
{
    char cmd[128];
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        free(fx->out.v[m]);
    free(fx->scen.active), free(fx->scen.time_s), free(fx->scen.duration_s), free(fx->scen.size);
    free(fx->cfg->resolved_json);
    free(fx->cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    cr_expect_eq(system(cmd), 0);
    free(fx);
}

static void write_ok(void)
{
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 0, &err), STP_OK, "%s", err.msg);
}

// ----------------------------------------------------------------------------
// reading helpers (HDF5 C API, independent of h5out.c's reader)

static hid_t open_ro(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0, "cannot open %s", path);
    return f;
}

static void attr_string(hid_t loc, const char *obj, const char *name, char *buf, size_t cap)
{
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    char *s = NULL;
    cr_assert_geq(a, 0, "attribute %s missing", name);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8); /* the writer's: HDF5 converts no charset to another */
    cr_assert_geq(H5Aread(a, t, &s), 0);
    snprintf(buf, cap, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

static void attr_num(hid_t loc, const char *obj, const char *name, hid_t mtype, void *out)
{
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(a, 0, "attribute %s missing", name);
    cr_assert_geq(H5Aread(a, mtype, out), 0);
    H5Aclose(a);
}

/* Reads a whole dataset; returns its rank and fills dims (up to 2). */
static int read_all(hid_t loc, const char *name, hid_t mtype, void *out, hsize_t *dims)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "dataset %s missing", name);
    hid_t space = H5Dget_space(d);
    const int rank = H5Sget_simple_extent_ndims(space);
    H5Sget_simple_extent_dims(space, dims, NULL);
    if (out) cr_assert_geq(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), 0);
    H5Sclose(space);
    H5Dclose(d);
    return rank;
}

static int dir_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *buf = malloc(*len ? *len : 1);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

// ----------------------------------------------------------------------------
// layout

Test(h5out, root_attributes_identify_the_format, .init = setup, .fini = teardown)
{
    char buf[256];
    int version = 0;
    unsigned long long seed = 0;
    long long paths = 0;
    write_ok();
    hid_t f = open_ro(fx->path);
    attr_string(f, ".", "format", buf, sizeof buf);
    cr_assert_str_eq(buf, "stampede-results");
    attr_num(f, ".", "format_version", H5T_NATIVE_INT, &version);
    cr_assert_eq(version, STP_H5_FORMAT_VERSION);
    attr_num(f, ".", "seed", H5T_NATIVE_ULLONG, &seed);
    cr_assert_eq(seed, 42ULL);
    attr_num(f, ".", "paths", H5T_NATIVE_LLONG, &paths);
    cr_assert_eq(paths, N_PATHS);
    attr_string(f, ".", "config_json", buf, sizeof buf);
    cr_assert_str_eq(buf, fx->cfg->resolved_json);
    attr_string(f, ".", "created_utc", buf, sizeof buf); /* 2026-03-01T12:00:00Z */
    cr_assert_eq(strlen(buf), 20);
    cr_assert(buf[4] == '-' && buf[10] == 'T' && buf[19] == 'Z', "created_utc %s", buf);
    attr_string(f, ".", "backend", buf, sizeof buf);
    cr_assert_str_eq(buf, "openmp");
    H5Fclose(f);
}

Test(h5out, outcomes_round_trip_bit_for_bit, .init = setup, .fini = teardown)
{
    double *x = malloc(N_PATHS * sizeof *x);
    hsize_t dims[2];
    char name[128];
    write_ok();
    hid_t f = open_ro(fx->path);
    for (int m = 0; m < STP_N_OUTCOMES; m++) {
        snprintf(name, sizeof name, "/variants/baseline/outcomes/%s", stp_outcome_names[m]);
        cr_assert_eq(read_all(f, name, H5T_NATIVE_DOUBLE, x, dims), 1);
        cr_assert_eq(dims[0], N_PATHS);
        cr_assert_eq(memcmp(x, fx->out.v[m], N_PATHS * sizeof *x), 0, "%s differs", name);
    }
    H5Fclose(f);
    free(x);
}

/* Checks shuffle, deflate level 4, then Fletcher-32, and the chunk length of one dataset. */
static void expect_chunked_deflate(const char *path, const char *name, hsize_t chunk0)
{
    hid_t f = open_ro(path), d = H5Dopen2(f, name, H5P_DEFAULT), dcpl = H5Dget_create_plist(d);
    hsize_t chunk[2] = {0, 0};
    unsigned flags, cd[4];
    size_t n_cd = 4;
    cr_assert_eq(H5Pget_layout(dcpl), H5D_CHUNKED);
    cr_assert_geq(H5Pget_chunk(dcpl, 2, chunk), 1);
    cr_assert_eq(chunk[0], chunk0);
    cr_assert_eq(H5Pget_nfilters(dcpl), 3);
    cr_assert_eq(H5Pget_filter2(dcpl, 0, &flags, &n_cd, cd, 0, NULL, NULL), H5Z_FILTER_SHUFFLE);
    n_cd = 4;
    cr_assert_eq(H5Pget_filter2(dcpl, 1, &flags, &n_cd, cd, 0, NULL, NULL), H5Z_FILTER_DEFLATE);
    cr_assert_eq(cd[0], 4, "deflate level %u", cd[0]);
    n_cd = 4;
    cr_assert_eq(H5Pget_filter2(dcpl, 2, &flags, &n_cd, cd, 0, NULL, NULL), H5Z_FILTER_FLETCHER32);
    H5Pclose(dcpl);
    H5Dclose(d);
    H5Fclose(f);
}

Test(h5out, outcomes_are_chunked_shuffled_and_deflated, .init = setup, .fini = teardown)
{
    write_ok();
    expect_chunked_deflate(fx->path, "/variants/baseline/outcomes/bad_debt_usd", N_PATHS);
    /* [path][slot]: whole rows, 65536 / 2 slots per chunk, capped at the 1000 paths */
    expect_chunked_deflate(fx->path, "/variants/baseline/scenarios/size", N_PATHS);
}

static void setup_large(void)
{
    setup_n(70000);
}

Test(h5out, outcome_chunks_are_capped_at_65536, .init = setup_large, .fini = teardown)
{
    write_ok();
    expect_chunked_deflate(fx->path, "/variants/baseline/outcomes/peak_sync", 65536);
    expect_chunked_deflate(fx->path, "/variants/baseline/scenarios/active", 32768);
}

Test(h5out, population_has_one_row_per_agent_then_position, .init = setup, .fini = teardown)
{
    int role[5], family[5], protocol[5];
    float threshold[5], debt[5];
    double herf = 0;
    int n_agents = 0, n_passive = 0;
    hsize_t dims[2];
    char buf[128];
    write_ok();
    hid_t f = open_ro(fx->path);
    cr_assert_eq(read_all(f, "/population/role", H5T_NATIVE_INT, role, dims), 1);
    cr_assert_eq(dims[0], 5);
    read_all(f, "/population/family", H5T_NATIVE_INT, family, dims);
    read_all(f, "/population/protocol", H5T_NATIVE_INT, protocol, dims);
    read_all(f, "/population/threshold", H5T_NATIVE_FLOAT, threshold, dims);
    read_all(f, "/population/debt_usd", H5T_NATIVE_FLOAT, debt, dims);
    const int role_want[5] = {0, 0, 1, 2, 2}, family_want[5] = {0, 1, 1, -1, -1};
    const int protocol_want[5] = {0, 1, -1, 1, 0};
    cr_assert_arr_eq(role, role_want, sizeof role);
    cr_assert_arr_eq(family, family_want, sizeof family);
    cr_assert_arr_eq(protocol, protocol_want, sizeof protocol);
    cr_assert_eq(threshold[1], 0.55f);
    cr_assert(isnan(threshold[3]) && isnan(threshold[4]), "passive threshold must be NaN");
    cr_assert_eq(debt[4], 1e5f);
    attr_num(f, "population", "herfindahl", H5T_NATIVE_DOUBLE, &herf);
    cr_assert_eq(herf, 5.0 / 9.0);
    attr_num(f, "population", "n_agents", H5T_NATIVE_INT, &n_agents);
    attr_num(f, "population", "n_passive", H5T_NATIVE_INT, &n_passive);
    cr_assert(n_agents == 3 && n_passive == 2);
    attr_string(f, "population", "families", buf, sizeof buf);
    cr_assert_str_eq(buf, "consensus_mlp,drawdown_rule");
    attr_string(f, "population/role", "roles", buf, sizeof buf);
    cr_assert_str_eq(buf, "borrower,lp,passive");
    H5Fclose(f);
}

Test(h5out, samples_are_k_by_t_with_their_step, .init = setup, .fini = teardown)
{
    float price[K * T];
    double dt = 0;
    hsize_t dims[2];
    write_ok();
    hid_t f = open_ro(fx->path);
    cr_assert_eq(read_all(f, "/variants/baseline/samples/price", H5T_NATIVE_FLOAT, price, dims), 2);
    cr_assert(dims[0] == K && dims[1] == T, "price is %llu x %llu", dims[0], dims[1]);
    cr_assert_arr_eq(price, fx->samples.price, sizeof price);
    read_all(f, "/variants/baseline/samples/liquidations", H5T_NATIVE_FLOAT, NULL, dims);
    cr_assert(dims[0] == K && dims[1] == T);
    attr_num(f, "/variants/baseline/samples", "dt_s", H5T_NATIVE_DOUBLE, &dt);
    cr_assert_eq(dt, 1.0);
    H5Fclose(f);
}

Test(h5out, worst_paths_carry_their_outcomes_and_scenarios, .init = setup, .fini = teardown)
{
    long long worst[N_WORST];
    double bad[N_WORST];
    float t[N_WORST * N_SLOTS];
    int kind[N_SLOTS];
    hsize_t dims[2];
    char kinds[128];
    write_ok();
    hid_t f = open_ro(fx->path);
    read_all(f, "/variants/baseline/worst_paths", H5T_NATIVE_LLONG, worst, dims);
    cr_assert_arr_eq(worst, fx->worst, sizeof worst);
    read_all(f, "/variants/baseline/worst/path", H5T_NATIVE_LLONG, worst, dims);
    cr_assert_arr_eq(worst, fx->worst, sizeof worst);
    read_all(f, "/variants/baseline/worst/bad_debt_usd", H5T_NATIVE_DOUBLE, bad, dims);
    cr_assert_eq(read_all(f, "/variants/baseline/worst/time_s", H5T_NATIVE_FLOAT, t, dims), 2);
    cr_assert(dims[0] == N_WORST && dims[1] == N_SLOTS);
    for (int i = 0; i < N_WORST; i++) {
        cr_assert_eq(bad[i], fx->out.v[STP_OUT_BAD_DEBT_USD][fx->worst[i]]);
        const float *row = fx->scen.time_s + fx->worst[i] * N_SLOTS;
        cr_assert_eq(memcmp(t + i * N_SLOTS, row, sizeof(float) * N_SLOTS), 0);
    }
    read_all(f, "/variants/baseline/scenarios/slot_kind", H5T_NATIVE_INT, kind, dims);
    cr_assert(kind[0] == STP_SHOCK_GAP && kind[1] == STP_SHOCK_EXPLOIT);
    attr_string(f, "/variants/baseline/scenarios/slot_kind", "kinds", kinds, sizeof kinds);
    cr_assert_str_eq(kinds,
                     "gap,exploit,liquidity_withdrawal,oracle_delay,vol_regime,oracle_error");
    H5Fclose(f);
}

Test(h5out, stats_cascade_and_histograms_are_stored, .init = setup, .fini = teardown)
{
    const stp_metric_stats *s = &fx->var[0].stats[STP_OUT_BAD_DEBT_USD];
    double q[4], ci_lo[2], p = 0, mean = 0;
    long long k = 0, counts[4];
    hsize_t dims[2];
    write_ok();
    hid_t f = open_ro(fx->path);
    read_all(f, "/variants/baseline/stats/bad_debt_usd/quantiles", H5T_NATIVE_DOUBLE, q, dims);
    cr_assert_arr_eq(q, s->quantiles, sizeof q);
    cr_assert_eq(
        read_all(f, "/variants/baseline/stats/bad_debt_usd/mean", H5T_NATIVE_DOUBLE, &mean, dims),
        0, "mean is a scalar dataset");
    cr_assert_eq(mean, s->mean);
    /* DESIGN's ci_lo is the ES interval */
    read_all(f, "/variants/baseline/stats/bad_debt_usd/ci_lo", H5T_NATIVE_DOUBLE, ci_lo, dims);
    cr_assert_arr_eq(ci_lo, s->es_ci_lo, sizeof ci_lo);
    read_all(f, "/variants/baseline/cascade", H5T_NATIVE_DOUBLE, &p, dims);
    cr_assert_eq(p, 0.035);
    attr_num(f, "/variants/baseline/cascade", "k", H5T_NATIVE_LLONG, &k);
    cr_assert_eq(k, 35);
    read_all(f, "/variants/baseline/histograms/bad_debt_usd/counts", H5T_NATIVE_LLONG, counts,
             dims);
    cr_assert_arr_eq(counts, fx->counts, sizeof counts);
    cr_assert_eq(H5Lexists(f, "/variants/baseline/histograms/peak_sync", H5P_DEFAULT), 0);
    H5Fclose(f);
}

Test(h5out, empty_scenario_and_sample_tables_still_make_their_groups, .init = setup,
     .fini = teardown)
{
    fx->scen.n_slots = 0;
    fx->samples.k = 0;
    for (int v = 0; v < 2; v++) { /* the sources were made from the full table */
        fx->var[v].source.n_slots = 0;
        fx->var[v].source.scenario_rows = NULL;
    }
    write_ok();
    hid_t f = open_ro(fx->path);
    cr_assert_gt(H5Lexists(f, "/variants/baseline/scenarios", H5P_DEFAULT), 0);
    cr_assert_gt(H5Lexists(f, "/variants/baseline/samples", H5P_DEFAULT), 0);
    cr_assert_eq(H5Lexists(f, "/variants/baseline/scenarios/active", H5P_DEFAULT), 0);
    cr_assert_eq(H5Lexists(f, "/variants/baseline/samples/price", H5P_DEFAULT), 0);
    cr_assert_gt(H5Lexists(f, "/variants/baseline/worst/bad_debt_usd", H5P_DEFAULT), 0);
    H5Fclose(f);
}

Test(h5out, large_config_json_fits_in_an_attribute, .init = setup, .fini = teardown)
{
    const size_t n = 200000; /* past the 64 KiB compact attribute limit */
    stp_summary s;
    stp_error err = {STP_OK, ""};
    free(fx->cfg->resolved_json);
    fx->cfg->resolved_json = malloc(n + 1);
    memset(fx->cfg->resolved_json, 'x', n);
    fx->cfg->resolved_json[n] = '\0';
    write_ok();
    hid_t f = open_ro(fx->path);
    hid_t a = H5Aopen(f, "config_json", H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    char *got = NULL;
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    cr_assert_geq(H5Aread(a, t, &got), 0);
    cr_assert_eq(strlen(got), n);
    H5free_memory(got);
    H5Tclose(t);
    H5Aclose(a);
    H5Fclose(f);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    stp_summary_free(&s);
}

// ----------------------------------------------------------------------------
// atomicity and refusal

Test(h5out, existing_output_without_force_is_refused_untouched, .init = setup, .fini = teardown)
{
    stp_error err = {STP_OK, ""};
    size_t n0, n1;
    write_ok();
    char *before = slurp(fx->path, &n0);
    fx->res.seed = 7; /* would change the file */
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 0, &err), STP_EUSAGE);
    cr_assert_not_null(strstr(err.msg, "exists; pass --force to overwrite or choose -o"), "%s",
                       err.msg);
    cr_assert_not_null(strstr(err.msg, fx->path));
    char *after = slurp(fx->path, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0, "file changed");
    cr_assert_eq(dir_entries(fx->dir), 1);
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 1, &err), STP_OK, "%s", err.msg);
    free(before);
    free(after);
}

Test(h5out, missing_directory_is_an_io_error_leaving_nothing, .init = setup, .fini = teardown)
{
    stp_error err = {STP_OK, ""};
    char path[160];
    snprintf(path, sizeof path, "%s/nope/out.h5", fx->dir);
    cr_assert_eq(stp_h5_write_results(path, &fx->res, 0, &err), STP_EIO);
    cr_assert_not_null(strstr(err.msg, path), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "H5Fcreate"), "%s", err.msg);
    cr_assert_eq(dir_entries(fx->dir), 0);
}

/* Two variants with one name: the second group creation fails half-way
 * through the file. The old output must survive and no temporary remain. */
Test(h5out, failure_mid_write_keeps_old_file_and_removes_temp, .init = setup, .fini = teardown)
{
    stp_error err = {STP_OK, ""};
    size_t n0, n1;
    write_ok();
    char *before = slurp(fx->path, &n0);
    snprintf(fx->var[1].name, sizeof fx->var[1].name, "baseline");
    fx->res.n_variants = 2;
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 1, &err), STP_EIO);
    cr_assert_not_null(strstr(err.msg, "/variants/baseline"), "object not named: %s", err.msg);
    cr_assert_not_null(strstr(err.msg, "H5Gcreate2"), "%s", err.msg);
    cr_assert_eq(dir_entries(fx->dir), 1, "a temporary was left behind");
    char *after = slurp(fx->path, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0, "old output changed");
    free(before);
    free(after);
}

Test(h5out, out_of_range_worst_path_fails_cleanly, .init = setup, .fini = teardown)
{
    stp_error err = {STP_OK, ""};
    fx->worst[1] = N_PATHS; /* one past the end */
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 0, &err), STP_EIO);
    cr_assert_not_null(strstr(err.msg, "worst_paths"), "%s", err.msg);
    cr_assert_eq(dir_entries(fx->dir), 0);
}

Test(h5out, slash_in_variant_name_is_a_usage_error, .init = setup, .fini = teardown)
{
    stp_error err = {STP_OK, ""};
    snprintf(fx->var[0].name, sizeof fx->var[0].name, "a/b");
    cr_assert_eq(stp_h5_write_results(fx->path, &fx->res, 0, &err), STP_EUSAGE);
    cr_assert_eq(dir_entries(fx->dir), 0);
}

// ----------------------------------------------------------------------------
// reading the summary

Test(h5out, read_summary_round_trips, .init = setup, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    const stp_metric_stats *want = &fx->var[0].stats[STP_OUT_BAD_DEBT_USD];
    snprintf(fx->var[0].name, sizeof fx->var[0].name, "zeta");  /* order is the writer's, */
    snprintf(fx->var[1].name, sizeof fx->var[1].name, "alpha"); /* not alphabetical */
    fx->var[1].cascade.p = 0.5;
    fx->res.n_variants = 2;
    write_ok();
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    cr_assert_str_eq(s.engine_version, "0.1.0-test");
    cr_assert_str_eq(s.experiment, "quick");
    cr_assert(s.seed == 42 && s.paths == N_PATHS && s.wall_s == 12.5);
    cr_assert(s.n_agents == 3 && s.n_passive == 2 && s.herfindahl == 5.0 / 9.0);
    cr_assert(s.equilibrium_redraws == 2 && s.equilibrium_fallbacks == 1);
    cr_assert_eq(s.n_variants, 2);
    cr_assert_str_eq(s.variants[0].name, "zeta");
    cr_assert_str_eq(s.variants[1].name, "alpha");
    cr_assert_eq(s.variants[0].cascade.p, 0.035);
    cr_assert_eq(s.variants[1].cascade.p, 0.5);
    cr_assert_eq(s.variants[0].cascade.k, 35);
    for (int m = 0; m < STP_N_OUTCOMES; m++)
        cr_assert(s.variants[0].has_stats[m]);
    const stp_metric_stats *got = &s.variants[0].stats[STP_OUT_BAD_DEBT_USD];
    cr_assert_eq(got->n_quantiles, 4);
    cr_assert_eq(got->quantiles[2], want->quantiles[2]);
    cr_assert_eq(got->es_ci_hi[1], want->es_ci_hi[1]);
    cr_assert_eq(got->n, N_PATHS);
    stp_summary_free(&s);
    cr_assert_null(s.variants);
}

/* A deliberate edit: recompute the checksums, so the reader gets past them
 * to the check under test. */
static void reseal(const char *path)
{
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_h5_reseal_file(path, 1, &err), STP_OK, "%s", err.msg);
}

static void set_root_attr(const char *path, const char *name, const char *s, int version)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), space = H5Screate(H5S_SCALAR);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE); /* ASCII: the reader must take either charset */
    cr_assert_geq(H5Adelete(f, name), 0);
    hid_t a = s ? H5Acreate2(f, name, t, space, H5P_DEFAULT, H5P_DEFAULT)
                : H5Acreate2(f, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(s ? H5Awrite(a, t, &s) : H5Awrite(a, H5T_NATIVE_INT, &version), 0);
    H5Aclose(a);
    H5Tclose(t);
    H5Sclose(space);
    H5Fclose(f);
    reseal(path);
}

/* Files written before 0.2.0 have no equilibrium counts: -1, not an error. */
Test(h5out, read_takes_files_without_equilibrium_counts, .init = setup, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    hid_t f;
    write_ok();
    f = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(H5Adelete_by_name(f, "population", "equilibrium_redraws", H5P_DEFAULT), 0);
    cr_assert_geq(H5Adelete_by_name(f, "population", "equilibrium_fallbacks", H5P_DEFAULT), 0);
    H5Fclose(f);
    reseal(fx->path);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    cr_assert(s.equilibrium_redraws == -1 && s.equilibrium_fallbacks == -1);
    stp_summary_free(&s);
}

Test(h5out, read_rejects_other_formats, .init = setup, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    char txt[160];
    write_ok();
    set_root_attr(fx->path, "format", "other", 0);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_EIO);
    cr_assert_not_null(strstr(err.msg, "not a stampede results file (format 'other'"), "%s",
                       err.msg);
    cr_assert_eq(strncmp(err.msg, fx->path, strlen(fx->path)), 0, "%s", err.msg);
    cr_assert_null(s.variants);
    set_root_attr(fx->path, "format", "stampede-results", 0);
    set_root_attr(fx->path, "format_version", NULL, STP_H5_FORMAT_VERSION + 1);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_EIO);
    cr_assert_not_null(strstr(err.msg, "format_version 3"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "upgrade stampede"), "%s", err.msg);
    snprintf(txt, sizeof txt, "%s/plain.txt", fx->dir);
    FILE *f = fopen(txt, "w");
    fputs("hello\n", f);
    fclose(f);
    cr_assert_eq(stp_h5_read_summary(txt, &s, &err), STP_EIO);
    cr_assert_not_null(strstr(err.msg, "not a stampede file (not HDF5 at all)"), "%s", err.msg);
    snprintf(txt, sizeof txt, "%s/missing.h5", fx->dir);
    cr_assert_eq(stp_h5_read_summary(txt, &s, &err), STP_EIO);
}

Test(h5out, h5py_reads_the_file, .init = setup, .fini = teardown)
{
    char cmd[1024];
    if (access(PYTHON, X_OK) != 0 || system(PYTHON " -c 'import h5py' 2>/dev/null") != 0)
        cr_skip_test("no " PYTHON " with h5py");
    write_ok();
    snprintf(cmd, sizeof cmd,
             PYTHON " -c \"import h5py, sys, numpy as np; f = h5py.File(sys.argv[1], 'r'); "
                    "assert f.attrs['format'] == 'stampede-results', f.attrs['format']; "
                    "assert f.attrs['format_version'] == 2; "
                    "v = f['variants/baseline']; "
                    "assert v['outcomes/bad_debt_usd'].shape == (%d,); "
                    "assert np.isclose(v['outcomes/bad_debt_usd'][3], 3 * 1.1 + 5 / 7); "
                    "assert v['samples/price'].shape == (%d, %d); "
                    "assert v['cascade'][()] == 0.035 and v['cascade'].attrs['k'] == 35; "
                    "assert f['population/role'].shape == (5,); "
                    "assert abs(f['population'].attrs['herfindahl'] - 5 / 9) < 1e-15\" '%s'",
             N_PATHS, K, T, fx->path);
    cr_assert_eq(system(cmd), 0, "h5py could not read %s", fx->path);
}

// ----------------------------------------------------------------------------
// printing the summary

static void read_back(stp_summary *s)
{
    stp_error err = {STP_OK, ""};
    write_ok();
    cr_assert_eq(stp_h5_read_summary(fx->path, s, &err), STP_OK, "%s", err.msg);
}

Test(summary, text_shows_header_cascade_and_tail_table, .init = setup, .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_TEXT);
    const char *want[] = {"stampede 0.1.0-test", "openmp", "1,000 paths", "seed 42", "12.5 s",
                          "1.25e+09 agent-steps/s", "Herfindahl index 0.556",
                          "P(cascade) = 3.5% [2.53%, 4.83%]", "35 of 1,000 paths", "VaR 99.9%",
                          "ES 99%", "bad_debt_usd",
                          /* mean 1.5e6 with CI [1.4e6, 1.6e6]; ES 99.9% = 7e6 [6e6, 8e6] */
                          "$1.5M [$1.4M, $1.6M]", "$7M [$6M, $8M]", "agents_acted",
                          "0.135 [0.126, 0.144]", /* 1.5 x 0.09 agents: counts keep digits */
                          "max_drawdown", "peak_sync"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_not_null(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
    cr_expect_null(strstr(out, "herding_index"), "only key outcomes in the table");
    /* the device name's newline must not break the one-line header */
    cr_expect_not_null(strstr(out, "device Test CPU \"x\" 2 |"), "%s", out);
    free(out);
    stp_summary_free(&s);
}

Test(summary, markdown_is_a_github_table, .init = setup, .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_MARKDOWN);
    const char *want[] = {"| outcome | mean | VaR 99% | ES 99% | VaR 99.9% | ES 99.9% |",
                          "|---|---:|---:|---:|---:|---:|", "| bad_debt_usd | \\$1.5M",
                          "P(cascade) = 3.5% [2.53%, 4.83%]", "### Variant baseline"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_not_null(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
    free(out);
    stp_summary_free(&s);
}

/* Braces and brackets balance outside strings, and strings close. */
static int json_balanced(const char *s)
{
    int depth = 0, in_str = 0;
    for (; *s; s++) {
        if (in_str) {
            if (*s == '\\' && s[1])
                s++;
            else if (*s == '"')
                in_str = 0;
            else if ((unsigned char)*s < 0x20)
                return 0; /* raw control character inside a string */
        } else if (*s == '"')
            in_str = 1;
        else if (*s == '{' || *s == '[')
            depth++;
        else if ((*s == '}' || *s == ']') && --depth < 0)
            return 0;
    }
    return depth == 0 && !in_str;
}

Test(summary, json_holds_every_number_and_is_valid, .init = setup, .fini = teardown)
{
    stp_summary s;
    char p[64], path[160], cmd[512];
    read_back(&s);
    char *out = print_to_string(&s, STP_SUMMARY_JSON);
    cr_assert_eq(out[0], '{');
    cr_assert(json_balanced(out), "unbalanced JSON:\n%s", out);
    /* shortest form that round-trips: 0.035, and the 17 digits where needed */
    cr_expect_not_null(strstr(out, "\"p\": 0.035,"), "%s", out);
    snprintf(p, sizeof p, "\"herfindahl\": %.17g", 5.0 / 9.0);
    cr_expect_not_null(strstr(out, p), "missing %s", p);
    cr_expect_not_null(strstr(out, "\"device\": \"Test CPU \\\"x\\\"\\n2\""), "%s", out);
    cr_expect_not_null(strstr(out, "\"herding_index\": {"), "every metric with stats");
    cr_expect_not_null(strstr(out, "\"seed\": 42"));
    if (access(PYTHON, X_OK) == 0) { /* a real parser, when there is one */
        snprintf(path, sizeof path, "%s/summary.json", fx->dir);
        FILE *f = fopen(path, "w");
        fputs(out, f);
        fclose(f);
        snprintf(cmd, sizeof cmd,
                 PYTHON " -c \"import json, sys; d = json.load(open(sys.argv[1])); "
                        "assert d['variants'][0]['cascade']['p'] == 0.035; "
                        "assert d['variants'][0]['stats']['bad_debt_usd']['es'] == [5e6, 7e6]\" "
                        "'%s'",
                 path);
        cr_expect_eq(system(cmd), 0, "python's json rejected:\n%s", out);
    }
    free(out);
    stp_summary_free(&s);
}

Test(summary, format_names_parse)
{
    stp_summary_format f = STP_SUMMARY_TEXT;
    cr_assert_eq(stp_summary_format_parse("markdown", &f), 0);
    cr_assert_eq(f, STP_SUMMARY_MARKDOWN);
    cr_assert_eq(stp_summary_format_parse("json", &f), 0);
    cr_assert_eq(f, STP_SUMMARY_JSON);
    cr_assert_eq(stp_summary_format_parse("yaml", &f), -1);
    cr_assert_eq(f, STP_SUMMARY_JSON);
}

// ----------------------------------------------------------------------------
// checksums (DESIGN §6, h5_seal.h): an edit the writer did not seal is damage

/* Overwrites one double of a dataset in place through HDF5, which keeps the
 * chunk's Fletcher-32 valid: only the seal can tell. */
static void poke_f64(const char *path, const char *name, hsize_t at, double x)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t fs = H5Dget_space(d), ms;
    const hsize_t one = 1;
    cr_assert_geq(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &one, NULL), 0);
    ms = H5Screate_simple(1, &one, NULL);
    cr_assert_geq(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &x), 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
}

static void expect_damaged(const char *object)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_EIO, "read an edited file");
    cr_expect_not_null(strstr(err.msg, object), "'%s' not named in: %s", object, err.msg);
    cr_expect_not_null(strstr(err.msg, "damaged"), "%s", err.msg);
    cr_expect_null(strchr(err.msg, '\n'), "not one line: %s", err.msg);
    cr_expect_null(s.variants);
}

Test(h5out, an_unsealed_edit_to_an_outcome_is_damage, .init = setup, .fini = teardown)
{
    write_ok();
    /* an outcome summary never reads: the seal must still see it */
    poke_f64(fx->path, "/variants/baseline/outcomes/bad_debt_usd", 7, 12345.0);
    expect_damaged("/variants/baseline/outcomes/bad_debt_usd");
}

/* Rewrites a scalar double attribute by deleting and recreating it (HDF5
 * 1.10 cannot rewrite one in dense attribute storage in place). */
static void replace_attr_f64(const char *path, const char *obj, const char *name, double x)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), sp = H5Screate(H5S_SCALAR), a;
    cr_assert_geq(H5Adelete_by_name(f, obj, name, H5P_DEFAULT), 0);
    a = H5Acreate_by_name(f, obj, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    cr_assert_geq(H5Awrite(a, H5T_NATIVE_DOUBLE, &x), 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(f);
}

Test(h5out, an_unsealed_edit_to_an_attribute_is_damage, .init = setup, .fini = teardown)
{
    write_ok();
    replace_attr_f64(fx->path, "variants/baseline/cascade", "p", 0.5);
    expect_damaged("/variants/baseline/cascade");
}

Test(h5out, an_unsealed_edit_to_a_root_attribute_is_damage, .init = setup, .fini = teardown)
{
    write_ok();
    replace_attr_f64(fx->path, ".", "wall_s", 1.0);
    expect_damaged("root checksum");
}

Test(h5out, a_removed_object_breaks_the_root_checksum, .init = setup, .fini = teardown)
{
    hid_t f;
    write_ok();
    f = H5Fopen(fx->path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(H5Ldelete(f, "variants/baseline/histograms", H5P_DEFAULT), 0);
    H5Fclose(f);
    expect_damaged("root checksum");
}

/* Resealed after the edit, the same file reads, with the edit: the seal is
 * what tells the two apart. */
Test(h5out, a_resealed_edit_reads, .init = setup, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    write_ok();
    poke_f64(fx->path, "/variants/baseline/outcomes/bad_debt_usd", 7, 12345.0);
    reseal(fx->path);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    cr_expect_eq(s.sealed, 1);
    cr_expect_eq(s.format_version, STP_H5_FORMAT_VERSION);
    stp_summary_free(&s);
}

/* A file from before checksums (format_version 1) still reads, flagged
 * unverified; a format_version 2 file without its seal does not. */
Test(h5out, format_1_reads_unverified_and_format_2_needs_its_seal, .init = setup, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    write_ok();
    cr_assert_eq(stp_h5_reseal_file(fx->path, 0, &err), STP_OK, "%s", err.msg);
    expect_damaged("no root checksum");
    set_root_attr(fx->path, "format_version", NULL, 1); /* reseals: undo that */
    cr_assert_eq(stp_h5_reseal_file(fx->path, 0, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    cr_expect_eq(s.sealed, 0);
    cr_expect_eq(s.format_version, 1);
    stp_summary_free(&s);
}

// ----------------------------------------------------------------------------
// what the verification refuses up front, and HDF5 dying in its child

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* path is refused within 1 s, one line, naming it and what it is. */
static void expect_refused_at_once(const char *path, const char *kind)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    const double t0 = now_s();
    cr_assert_eq(stp_h5_read_summary(path, &s, &err), STP_EIO, "read %s", path);
    cr_expect_lt(now_s() - t0, 1.0, "%s took %.2f s", path, now_s() - t0);
    cr_expect_eq(strncmp(err.msg, path, strlen(path)), 0, "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, "not a regular file"), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, kind), "'%s' not in: %s", kind, err.msg);
    cr_expect_not_null(strstr(err.msg, "pass a results file"), "%s", err.msg);
    cr_expect_null(strchr(err.msg, '\n'), "not one line: %s", err.msg);
    cr_expect_null(s.variants);
}

/* Opening a FIFO waits for a writer, past any time limit: it, a directory
 * and a device are refused before anything opens them (the test's own
 * timeout catches a FIFO that is opened after all). */
Test(h5out, a_fifo_a_directory_or_a_device_is_refused_at_once, .init = setup, .fini = teardown,
     .timeout = 20)
{
    char fifo[160], link[160];
    snprintf(fifo, sizeof fifo, "%s/fifo.h5", fx->dir);
    snprintf(link, sizeof link, "%s/link.h5", fx->dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(symlink(fifo, link), 0);
    expect_refused_at_once(fifo, "a FIFO");
    expect_refused_at_once(link, "a FIFO"); /* a link is judged by what it names */
    expect_refused_at_once(fx->dir, "a directory");
    expect_refused_at_once("/dev/null", "a character device");
}

/* Runs `stampede summary <input>` (env: "" or "NAME=VALUE "), expecting
 * exit 3; its stderr's last line into line; returns how many lines. */
static int summary_exit_3(const char *env, const char *input, char *line, size_t cap)
{
    char errf[160], cmd[1024], buf[600];
    int lines = 0;
    FILE *f;
    snprintf(errf, sizeof errf, "%s/stderr.txt", fx->dir);
    snprintf(cmd, sizeof cmd, "%s'%s' summary '%s' >/dev/null 2>'%s'", env, STP_BINARY, input,
             errf);
    const int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 3, "%s: exit %d", cmd, WEXITSTATUS(rc));
    cr_assert_not_null(f = fopen(errf, "r"));
    line[0] = '\0';
    for (; fgets(buf, sizeof buf, f); lines++)
        snprintf(line, cap, "%s", buf);
    fclose(f);
    return lines;
}

/* The command line says so in one line, exit 3 (an input that is no results
 * file, as a text file is). */
Test(h5out, summary_of_a_fifo_is_exit_3_with_one_line, .init = setup, .fini = teardown,
     .timeout = 20)
{
    char fifo[160], line[600];
    if (access(STP_BINARY, X_OK) != 0) cr_skip_test("no stampede binary at " STP_BINARY);
    snprintf(fifo, sizeof fifo, "%s/fifo.h5", fx->dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_expect_eq(summary_exit_3("", fifo, line, sizeof line), 1, "not one line; the last: %s",
                 line);
    cr_expect_eq(strncmp(line, "stampede: ", 10), 0, "%s", line);
    cr_expect_not_null(strstr(line, "not a regular file (a FIFO); pass a results file"), "%s",
                       line);
}

/* HDF5 dying in the verifying child is exit 3 naming the object the child
 * was on. The hook (h5_seal.c: crash_hook) raises SIGSEGV in the child
 * after it tells that place; it fires only for the pid of the process that
 * reads, which is this one. */
Test(h5out, a_crash_in_the_check_names_the_object, .init = setup, .fini = teardown)
{
    stp_summary s;
    stp_error err = {STP_OK, ""};
    char hook[200];
    const char *place = "reading /variants/baseline/outcomes/bad_debt_usd";
    write_ok();
    snprintf(hook, sizeof hook, "%ld:%s", (long)getpid(), place);
    cr_assert_eq(setenv("STAMPEDE_TEST_VERIFY_CRASH_AT", hook, 1), 0);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_EIO, "read past the crash");
    /* signal 11; a sanitizer that keeps its own SIGSEGV handler makes it an exit */
    cr_expect_not_null(strstr(err.msg, "HDF5 crashed ("), "%s", err.msg);
    cr_expect_not_null(strstr(err.msg, ") reading /variants/baseline/outcomes/bad_debt_usd: the "
                                       "file is damaged"),
                       "%s", err.msg);
    cr_expect_eq(strncmp(err.msg, fx->path, strlen(fx->path)), 0, "%s", err.msg);
    cr_expect_null(strchr(err.msg, '\n'), "not one line: %s", err.msg);
    cr_expect_null(s.variants);
    /* another pid (a setting left in an environment) never fires */
    snprintf(hook, sizeof hook, "%ld:%s", (long)getpid() + 1, place);
    cr_assert_eq(setenv("STAMPEDE_TEST_VERIFY_CRASH_AT", hook, 1), 0);
    cr_assert_eq(stp_h5_read_summary(fx->path, &s, &err), STP_OK, "%s", err.msg);
    stp_summary_free(&s);
    unsetenv("STAMPEDE_TEST_VERIFY_CRASH_AT");
}

/* A real one: a damaged file on which Debian 12's HDF5 1.10.8 aborts in
 * H5Ovisit with glibc's "double free or corruption (out)" (found by
 * tests/test_corruption.py's bit flips). Whatever this HDF5 does with it,
 * stderr is stampede's one line: glibc's words stay in the child. */
Test(h5out, hdf5_aborting_in_the_check_leaves_one_line_on_stderr, .init = setup, .fini = teardown)
{
    const char *input = STP_SOURCE_DIR "/tests/fuzz/regressions/results/hdf5-double-free-8497bf62";
    char line[600];
    if (access(STP_BINARY, X_OK) != 0) cr_skip_test("no stampede binary at " STP_BINARY);
    cr_expect_eq(summary_exit_3("STAMPEDE_VERIFY_TIMEOUT_S=20 ", input, line, sizeof line), 1,
                 "not one line; the last: %s", line);
    cr_expect_eq(strncmp(line, "stampede: ", 10), 0, "%s", line);
    /* on 1.10.8: "HDF5 crashed (signal 6) listing the members of /variants/tiny/histograms" */
    if (strstr(line, "crashed")) cr_expect_not_null(strstr(line, " /variants/"), "%s", line);
}

/* Every array that can carry a filter carries Fletcher-32 (h5py's view). */
Test(h5out, every_filterable_dataset_has_fletcher32, .init = setup, .fini = teardown)
{
    char cmd[1024];
    if (access(PYTHON, X_OK) != 0 || system(PYTHON " -c 'import h5py' 2>/dev/null") != 0)
        cr_skip_test("no " PYTHON " with h5py");
    write_ok();
    snprintf(cmd, sizeof cmd,
             PYTHON " -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r'); bad = []; n = [0]\n"
                    "def v(name, o):\n"
                    "    if not isinstance(o, h5py.Dataset) or o.shape in ((), None) or o.size == 0"
                    " or h5py.check_string_dtype(o.dtype): return\n"
                    "    n[0] += 1\n"
                    "    if not o.fletcher32: bad.append(name)\n"
                    "f.visititems(v); assert n[0] > 50 and not bad, (n, bad)\" '%s'",
             fx->path);
    cr_assert_eq(system(cmd), 0, "a dataset without Fletcher-32 in %s", fx->path);
}

// ----------------------------------------------------------------------------
// DESIGN §10: a multi-venue variant's columns, statistics and summary

#define N_VEN 3
static const char *const VENUE_NAMES[N_VEN] = {"mainnet", "arbitrum", "base"};

static double unit_draw(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

/* Stats of a venue metric: fill_stats' shape at a drawn scale, so a
 * round trip that mixed up two venues or two metrics would show. */
static void fill_drawn_stats(stp_metric_stats *s, int m, uint64_t *st)
{
    fill_stats(s, m);
    const double k = 0.5 + unit_draw(st);
    s->mean *= k, s->mean_ci_lo *= k, s->mean_ci_hi *= k;
    for (int i = 0; i < s->n_quantiles; i++)
        s->quantiles[i] *= k, s->quantile_ci_lo[i] *= k, s->quantile_ci_hi[i] *= k;
    for (int i = 0; i < s->n_es; i++)
        s->es[i] *= k, s->es_ci_lo[i] *= k, s->es_ci_hi[i] *= k;
}

/* The fixture's variant 0 over N_VEN venues: every extra column drawn from
 * the test's seed (venues_in_cascade a count, contagion_lag_s -1 or a
 * time), and drawn statistics and probabilities for them. */
static void setup_venues(void)
{
    uint64_t st = test_seed();
    setup();
    stp_variant_results *v = &fx->var[0];
    fx->out.n_cols = stp_outcome_columns(N_VEN);
    for (int c = STP_N_OUTCOMES; c < fx->out.n_cols; c++) {
        fx->out.v[c] = calloc((size_t)fx->out.n, sizeof(double));
        cr_assert_not_null(fx->out.v[c]);
        for (long long i = 0; i < fx->out.n; i++)
            fx->out.v[c][i] = c == stp_system_column(STP_SYS_VENUES_IN_CASCADE)
                                  ? (double)(next_u64(&st) % (N_VEN + 1))
                              : c == stp_system_column(STP_SYS_CONTAGION_LAG_S)
                                  ? (unit_draw(&st) < 0.5 ? -1.0 : 600.0 * unit_draw(&st))
                                  : 1e6 * unit_draw(&st) - 1e5;
    }
    v->n_venues = N_VEN;
    v->venue_stats = calloc(N_VEN * STP_N_VENUE_OUTCOMES, sizeof *v->venue_stats);
    cr_assert_not_null(v->venue_stats);
    for (int i = 0; i < N_VEN; i++) {
        v->venue_name[i] = VENUE_NAMES[i];
        for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            fill_drawn_stats(&v->venue_stats[i * STP_N_VENUE_OUTCOMES + m],
                             m < STP_N_OUTCOMES ? m : STP_OUT_T_TROUGH_S, &st);
        v->venue_cascade[i] = stp_wilson(1 + (long long)(next_u64(&st) % 900), N_PATHS);
    }
    fill_drawn_stats(&v->venues_in_cascade, STP_OUT_LIQUIDATIONS, &st);
    fill_drawn_stats(&v->contagion_lag, STP_OUT_T_TROUGH_S, &st);
    v->p_two = stp_wilson(1 + (long long)(next_u64(&st) % 500), N_PATHS);
    v->p_second = stp_wilson(v->p_two.k, v->p_two.k + 1 + (long long)(next_u64(&st) % 300));
}

static void teardown_venues(void)
{
    for (int c = STP_N_OUTCOMES; c < STP_MAX_OUTCOME_COLS; c++)
        free(fx->out.v[c]);
    free(fx->var[0].venue_stats);
    teardown();
}

static void assert_same_stats(const stp_metric_stats *a, const stp_metric_stats *b, const char *what)
{
    cr_assert(a->n == b->n && a->mean == b->mean && a->mean_ci_hi == b->mean_ci_hi &&
                  a->n_quantiles == b->n_quantiles && a->n_es == b->n_es,
              "%s", what);
    for (int i = 0; i < a->n_quantiles; i++)
        cr_assert(a->quantiles[i] == b->quantiles[i] && a->quantile_ci_lo[i] == b->quantile_ci_lo[i],
                  "%s q%d", what, i);
    for (int i = 0; i < a->n_es; i++)
        cr_assert(a->es[i] == b->es[i] && a->var_ci_hi[i] == b->var_ci_hi[i], "%s es%d", what, i);
}

static void assert_same_prob(const stp_cascade_stats *a, const stp_cascade_stats *b,
                             const char *what)
{
    cr_assert(a->p == b->p && a->ci_lo == b->ci_lo && a->ci_hi == b->ci_hi && a->n == b->n &&
                  a->k == b->k && a->weighted == b->weighted,
              "%s: %g [%g, %g] %lld/%lld against %g", what, b->p, b->ci_lo, b->ci_hi, b->k, b->n,
              a->p);
}

Test(h5out, venue_columns_are_datasets_per_venue, .init = setup_venues, .fini = teardown_venues)
{
    double *got = calloc(N_PATHS, sizeof *got);
    char name[256];
    hsize_t dims[2];
    cr_assert_not_null(got);
    write_ok();
    hid_t f = open_ro(fx->path);
    for (int c = 0; c < STP_N_SYSTEM_OUTCOMES; c++) {
        snprintf(name, sizeof name, "variants/baseline/outcomes/%s", stp_system_outcome_names[c]);
        cr_assert_eq(read_all(f, name, H5T_NATIVE_DOUBLE, got, dims), 1);
        cr_assert_eq(dims[0], N_PATHS);
        cr_assert_arr_eq(got, fx->out.v[stp_system_column(c)], N_PATHS * sizeof *got, "%s", name);
    }
    for (int v = 0; v < N_VEN; v++)
        for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++) {
            snprintf(name, sizeof name, "variants/baseline/venues/%s/outcomes/%s", VENUE_NAMES[v],
                     m < STP_N_OUTCOMES ? stp_outcome_names[m] : stp_venue_t_cascade_name);
            read_all(f, name, H5T_NATIVE_DOUBLE, got, dims);
            cr_assert_arr_eq(got, fx->out.v[stp_venue_column(v, m)], N_PATHS * sizeof *got, "%s",
                             name);
            snprintf(name, sizeof name, "variants/baseline/venues/%s/stats/%s/mean",
                     VENUE_NAMES[v],
                     m < STP_N_OUTCOMES ? stp_outcome_names[m] : stp_venue_t_cascade_name);
            read_all(f, name, H5T_NATIVE_DOUBLE, got, dims);
            cr_assert_eq(got[0], fx->var[0].venue_stats[v * STP_N_VENUE_OUTCOMES + m].mean, "%s",
                         name);
        }
    cr_assert_gt(H5Lexists(f, "variants/baseline/contagion/p_second_given_first", H5P_DEFAULT), 0);
    H5Fclose(f);
    free(got);
}

Test(h5out, venue_stats_round_trip_through_the_reader, .init = setup_venues,
     .fini = teardown_venues)
{
    const stp_variant_results *v = &fx->var[0];
    stp_summary s;
    fx->res.n_variants = 2; /* variant 1 has one venue: it reads back with none */
    read_back(&s);
    const stp_variant_summary *g = &s.variants[0];
    cr_assert_eq(g->n_venues, N_VEN);
    for (int i = 0; i < N_VEN; i++) {
        cr_assert_str_eq(g->venue_name[i], VENUE_NAMES[i], "the config's order, not the name's");
        assert_same_prob(&v->venue_cascade[i], &g->venue_cascade[i], VENUE_NAMES[i]);
        for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            assert_same_stats(&v->venue_stats[i * STP_N_VENUE_OUTCOMES + m],
                              &g->venue_stats[i * STP_N_VENUE_OUTCOMES + m], VENUE_NAMES[i]);
    }
    assert_same_stats(&v->venues_in_cascade, &g->venues_in_cascade, "venues_in_cascade");
    assert_same_stats(&v->contagion_lag, &g->contagion_lag, "contagion_lag_s");
    assert_same_prob(&v->p_two, &g->p_two, "p_two");
    assert_same_prob(&v->p_second, &g->p_second, "p_second_given_first");
    cr_assert_eq(s.variants[1].n_venues, 0);
    cr_assert_null(s.variants[1].venue_stats);
    stp_summary_free(&s);
}

/* Samples with a row per venue (outcomes.h's layout: venue v's row of
 * path p at (v K + p) T): every venue's under its group, the first's also
 * where a one-venue file keeps its samples. Venue v's floats are the
 * fixture's plus v * 1000, so a misplaced row shows. */
Test(h5out, every_venues_samples_sit_under_its_group, .init = setup_venues,
     .fini = teardown_venues)
{
    static const char *const series[4] = {"price", "pool_depth", "sync", "liquidations"};
    static float rows[4][N_VEN * K * T];
    const float *one[4] = {fx->samples.price, fx->samples.pool_depth, fx->samples.sync,
                           fx->samples.liquidations};
    float got[K * T];
    double dt = 0;
    char name[160];
    hsize_t dims[2];
    for (int i = 0; i < 4; i++)
        for (int v = 0; v < N_VEN; v++)
            for (int j = 0; j < K * T; j++)
                rows[i][v * K * T + j] = one[i][j] + 1000.0f * (float)v;
    fx->samples.n_venues = N_VEN;
    fx->samples.price = rows[0], fx->samples.pool_depth = rows[1];
    fx->samples.sync = rows[2], fx->samples.liquidations = rows[3];
    write_ok();
    hid_t f = open_ro(fx->path);
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "/variants/baseline/samples/%s", series[i]);
        cr_assert_eq(read_all(f, name, H5T_NATIVE_FLOAT, got, dims), 2);
        cr_assert(dims[0] == K && dims[1] == T, "%s is %llu x %llu", name, dims[0], dims[1]);
        cr_assert_arr_eq(got, rows[i], sizeof got, "%s", name);
        for (int v = 0; v < N_VEN; v++) {
            snprintf(name, sizeof name, "/variants/baseline/venues/%s/samples/%s", VENUE_NAMES[v],
                     series[i]);
            cr_assert_eq(read_all(f, name, H5T_NATIVE_FLOAT, got, dims), 2);
            cr_assert(dims[0] == K && dims[1] == T, "%s is %llu x %llu", name, dims[0], dims[1]);
            cr_assert_arr_eq(got, rows[i] + v * K * T, sizeof got, "%s", name);
        }
    }
    snprintf(name, sizeof name, "/variants/baseline/venues/%s/samples", VENUE_NAMES[N_VEN - 1]);
    attr_num(f, name, "dt_s", H5T_NATIVE_DOUBLE, &dt);
    cr_assert_eq(dt, 1.0);
    H5Fclose(f);
}

/* An attribution whose every figure is drawn (fresh seed), over two
 * families, so a round trip that mixed up venues shows. */
static void fill_attribution(stp_attribution *a, uint64_t *st)
{
    memset(a, 0, sizeof *a);
    a->computed = 1;
    a->n_kinds = STP_ATTR_KINDS;
    for (int g = 0; g < STP_ATTR_GROUPS; g++) {
        a->paths[g] = 1 + (long long)(next_u64(st) % N_PATHS);
        a->weight[g] = unit_draw(st) * 1000.0;
        for (int k = 0; k < STP_ATTR_KINDS; k++) {
            a->share[g][k] = unit_draw(st);
            a->mean_size[g][k] = -unit_draw(st);
            a->mean_time_s[g][k] = 600.0 * unit_draw(st);
        }
    }
    a->n_families = 2;
    snprintf(a->families[0], sizeof a->families[0], "consensus_mlp");
    snprintf(a->families[1], sizeof a->families[1], "drawdown_rule");
    for (int f = 0; f < 2; f++) {
        a->population_share[f] = unit_draw(st);
        a->cascade_share[f] = unit_draw(st);
        a->cascade_count[f] = (long long)(next_u64(st) % 500);
        a->acted_share[f] = unit_draw(st);
        a->acted_count[f] = (long long)(next_u64(st) % 900);
        a->lift[f] = 2.0 * unit_draw(st);
    }
}

/* Each venue's attribution under its group, the system's where a one-venue
 * file keeps its own; both read back through the summary reader, and the
 * summary's Venues section shows who moved first on each venue. */
Test(h5out, every_venues_attribution_sits_under_its_group, .init = setup_venues,
     .fini = teardown_venues)
{
    uint64_t st = test_seed() ^ 0xa77u;
    stp_attribution va[N_VEN];
    stp_summary s;
    char name[200];
    for (int i = 0; i < N_VEN; i++)
        fill_attribution(&va[i], &st);
    fill_attribution(&fx->var[0].attribution, &st);
    fx->var[0].venue_attribution = va;
    read_back(&s); /* writes the file */
    hid_t f = open_ro(fx->path);
    for (int i = 0; i < N_VEN; i++) {
        double lift[2];
        hsize_t dims[2];
        snprintf(name, sizeof name, "/variants/baseline/venues/%s/attribution/first_movers/lift",
                 VENUE_NAMES[i]);
        cr_assert_eq(read_all(f, name, H5T_NATIVE_DOUBLE, lift, dims), 1);
        cr_assert(dims[0] == 2 && lift[0] == va[i].lift[0] && lift[1] == va[i].lift[1], "%s",
                  name);
    }
    cr_assert_gt(H5Lexists(f, "/variants/baseline/attribution/first_movers", H5P_DEFAULT), 0);
    H5Fclose(f);
    cr_assert_not_null(s.variants[0].venue_attribution);
    for (int i = 0; i < N_VEN; i++) {
        const stp_attribution *a = &s.variants[0].venue_attribution[i];
        cr_assert(a->computed && a->n_families == 2, "%s", VENUE_NAMES[i]);
        cr_assert_arr_eq(a->cascade_count, va[i].cascade_count, sizeof(long long) * 2, "%s",
                         VENUE_NAMES[i]);
        cr_assert_arr_eq(a->share, va[i].share, sizeof a->share, "%s", VENUE_NAMES[i]);
        cr_assert_arr_eq(a->lift, va[i].lift, sizeof(double) * 2, "%s", VENUE_NAMES[i]);
    }
    cr_assert_arr_eq(s.variants[0].attribution.lift, fx->var[0].attribution.lift,
                     sizeof(double) * 2);
    {
        char *text = print_to_string(&s, STP_SUMMARY_TEXT);
        char *md = print_to_string(&s, STP_SUMMARY_MARKDOWN);
        char *json = print_to_string(&s, STP_SUMMARY_JSON);
        cr_expect_not_null(strstr(text, "who moved first on each venue's cascades"), "%s", text);
        cr_expect_not_null(strstr(text, "system"), "%s", text);
        cr_expect_not_null(strstr(md, "Who moved first on each venue's cascades"), "%s", md);
        cr_expect_not_null(strstr(json, "\"attribution\""), "%s", json);
        free(text), free(md), free(json);
    }
    stp_summary_free(&s);
    fx->var[0].venue_attribution = NULL;
}

/* One venue: no venue object at all, so the file is what it always was. */
Test(h5out, a_single_venue_file_has_no_venue_objects, .init = setup, .fini = teardown)
{
    write_ok();
    hid_t f = open_ro(fx->path);
    cr_assert_eq(H5Lexists(f, "variants/baseline/venues", H5P_DEFAULT), 0);
    cr_assert_eq(H5Lexists(f, "variants/baseline/contagion", H5P_DEFAULT), 0);
    cr_assert_eq(H5Lexists(f, "variants/baseline/outcomes/venues_in_cascade", H5P_DEFAULT), 0);
    cr_assert_eq(H5Lexists(f, "variants/baseline/stats/contagion_lag_s", H5P_DEFAULT), 0);
    H5Fclose(f);
}

Test(summary, venues_section_in_text_markdown_and_json, .init = setup_venues,
     .fini = teardown_venues)
{
    stp_summary s;
    char want[128];
    read_back(&s);
    char *text = print_to_string(&s, STP_SUMMARY_TEXT);
    char *md = print_to_string(&s, STP_SUMMARY_MARKDOWN);
    char *json = print_to_string(&s, STP_SUMMARY_JSON);
    const char *text_has[] = {"venues: each venue alone", "t_cascade median",
                              "bad debt ES 99.9%", "max drawdown q99.9%",
                              "P(at least two venues cascade) = ",
                              "P(a second venue cascades | one does) = ", "contagion lag",
                              "venues in cascade: mean"};
    for (size_t i = 0; i < sizeof text_has / sizeof text_has[0]; i++)
        cr_expect_not_null(strstr(text, text_has[i]), "missing '%s' in:\n%s", text_has[i], text);
    for (int i = 0; i < N_VEN; i++)
        cr_expect_not_null(strstr(text, VENUE_NAMES[i]), "%s", text);
    /* p_two's counts as the text prints them */
    snprintf(want, sizeof want, "(%lld of 1,000 paths)", fx->var[0].p_two.k);
    if (fx->var[0].p_two.k < 1000) cr_expect_not_null(strstr(text, want), "%s in\n%s", want, text);
    cr_expect_not_null(strstr(md, "#### Venues"), "%s", md);
    cr_expect_not_null(strstr(md, "| venue |"), "%s", md);
    cr_expect_not_null(strstr(json, "\"p_second_given_first\""), "%s", json);
    cr_expect_not_null(strstr(json, "\"name\": \"arbitrum\"") ||
                           strstr(json, "\"name\":\"arbitrum\""),
                       "%s", json);
    free(text), free(md), free(json);
    stp_summary_free(&s);
}

Test(summary, one_venue_prints_no_venues_section, .init = setup, .fini = teardown)
{
    stp_summary s;
    read_back(&s);
    char *text = print_to_string(&s, STP_SUMMARY_TEXT);
    char *json = print_to_string(&s, STP_SUMMARY_JSON);
    cr_expect_null(strstr(text, "venue"), "%s", text);
    cr_expect_null(strstr(json, "contagion"), "%s", json);
    free(text), free(json);
    stp_summary_free(&s);
}
