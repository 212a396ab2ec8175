/* A stop request (interrupt.h: what SIGINT and SIGTERM raise) is honoured
 * in every phase of set-up and inside a batch: each long function returns
 * STP_EINTR naming its phase, soon after the raise, with nothing left
 * allocated (the sanitizer build checks the leaks), and a call the raise
 * came too late for returns exactly what an uninterrupted call returns.
 * The raises come from a second thread at random moments (fresh seed,
 * printed), the way a signal lands. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine_fixture.h"
#include "small_market.h"
#include "seed.h"
#include "tmpdir.h"

#include "stampede/blind_spot.h"
#include "stampede/equilibrium.h"
#include "stampede/interrupt.h"
#include "stampede/pilot.h"
#include "stampede/run.h"
#include "stampede/search.h"

/* Seconds from a raise to the return. The target is 2 s for the whole
 * program (issue 21); one phase gets half, which also holds under the
 * sanitizers on a loaded two-core machine (measured there: at most 0.25 s,
 * nearly all of it a pass of the calm screen and freeing the population). */
#define LATENCY_S 1.0

static void clear_flag(void)
{
    stp_interrupt_clear();
}

TestSuite(interrupt, .init = clear_flag, .fini = clear_flag, .timeout = 240);
TestSuite(interrupt_run, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 240);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// --- a raise from another thread ---------------------------------------------

typedef struct raiser {
    pthread_t thread;
    double delay_s;
    double raised_at; /* now_s() just before the raise */
} raiser;

static void *raise_later(void *user)
{
    raiser *r = user;
    struct timespec ts;
    ts.tv_sec = (time_t)r->delay_s;
    ts.tv_nsec = (long)((r->delay_s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
    r->raised_at = now_s();
    stp_interrupt_raise();
    return NULL;
}

static void raiser_start(raiser *r, double delay_s)
{
    r->delay_s = delay_s;
    r->raised_at = 0.0;
    cr_assert_eq(pthread_create(&r->thread, NULL, raise_later, r), 0);
}

/* Waits for the raise; returns when it happened. */
static double raiser_join(raiser *r)
{
    cr_assert_eq(pthread_join(r->thread, NULL), 0);
    return r->raised_at;
}

// --- one phase at random moments ---------------------------------------------

/* A phase under test: call runs it (freeing what it made when it fails),
 * check compares an STP_OK result with the reference and frees it. */
typedef struct phase {
    const char *name;
    stp_status (*call)(void *user, stp_error *err);
    void (*check)(void *user);
    void *user;
} phase;

/* Three uninterrupted calls (the shortest takes T; the first is the
 * reference), then `trials` calls with a raise at a uniform moment of
 * [0, T): each returns STP_EINTR within LATENCY_S
 * of the raise with "interrupted during", or, when the raise came after
 * its last poll, the reference result; and a call after the last clear is
 * unaffected. At least one trial must be interrupted, or nothing was
 * tested. */
static void soak(const phase *ph, int trials)
{
    const uint64_t seed = test_seed();
    uint64_t state = seed;
    stp_error err = {STP_OK, ""};
    double span_s = INFINITY, worst = 0.0;
    int k, stopped = 0;
    for (k = 0; k < 3; k++) {
        const double t0 = now_s();
        cr_assert_eq(ph->call(ph->user, &err), STP_OK, "%s: %s", ph->name, err.msg);
        span_s = fmin(span_s, now_s() - t0);
        ph->check(ph->user);
    }
    for (k = 0; k < trials; k++) {
        const double u = (double)(next_u64(&state) >> 11) * 0x1p-53;
        raiser r;
        stp_status st;
        double ret;
        err.status = STP_OK;
        err.msg[0] = '\0';
        raiser_start(&r, span_s * u);
        st = ph->call(ph->user, &err);
        ret = now_s();
        raiser_join(&r);
        if (st == STP_EINTR) {
            stopped++;
            worst = fmax(worst, ret - r.raised_at);
            cr_assert_lt(ret - r.raised_at, LATENCY_S,
                         "%s (seed %llu): stopped %.3f s after the raise", ph->name,
                         (unsigned long long)seed, ret - r.raised_at);
            cr_assert_not_null(strstr(err.msg, "interrupted during"), "%s: %s", ph->name, err.msg);
        } else {
            cr_assert_eq(st, STP_OK, "%s (seed %llu): %s", ph->name, (unsigned long long)seed,
                         err.msg);
            ph->check(ph->user);
        }
        stp_interrupt_clear();
    }
    cr_assert_eq(ph->call(ph->user, &err), STP_OK, "%s: %s", ph->name, err.msg);
    ph->check(ph->user);
    fprintf(stderr,
            "%s: %.4f s uninterrupted; %d of %d trials stopped, worst %.4f s after the raise "
            "(seed %llu)\n",
            ph->name, span_s, stopped, trials, worst, (unsigned long long)seed);
    cr_assert_gt(stopped, 0, "%s (seed %llu): no trial was interrupted", ph->name,
                 (unsigned long long)seed);
}

/* Asserts that a raise before the call makes it fail naming `during`. */
#define ASSERT_STOPS(call, during)                                                                 \
    do {                                                                                           \
        stp_error err_ = {STP_OK, ""};                                                             \
        stp_interrupt_raise();                                                                     \
        cr_assert_eq((call), STP_EINTR, "%s", err_.msg);                                           \
        cr_assert_eq(err_.status, STP_EINTR);                                                      \
        cr_assert_not_null(strstr(err_.msg, "interrupted during " during), "%s", err_.msg);        \
        stp_interrupt_clear();                                                                     \
    } while (0)

// --- configs ---------------------------------------------------------------------

/* small_market.h's market (64 agents, dt 1 s: a calm history of 14,401
 * steps) on a fresh seed, plus sets. */
static stp_config *market(char *seed, size_t cap, const char *const *extra, int n_extra)
{
    char text[4096];
    const char *sets[8];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    int i;
    cr_assert_leq(n_extra, 7);
    snprintf(seed, cap, "run.seed=%llu", (unsigned long long)test_seed());
    snprintf(text, sizeof text, small_market_fmt, "{\"name\": \"base\"}", 8, 4);
    sets[0] = seed;
    for (i = 0; i < n_extra; i++)
        sets[1 + i] = extra[i];
    cr_assert_eq(
        stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", sets, 1 + n_extra, &err),
        STP_OK, "%s", err.msg);
    return cfg;
}

/* A set-up of many seconds, nearly all of it the calm-market screen: a
 * two-hour horizon at dt 0.1 s makes a calm history of 288,001 steps, a
 * pass over which costs each of the 4,000 agents about 10 ms, while their
 * draw takes tens of milliseconds (also under the sanitizers). */
static const char *const big_setup[3] = {"population.agents=4000", "time.dt_s=0.1",
                                         "time.horizon_s=7200"};

/* Workloads of tens of milliseconds on two cores, long against a
 * thread's start, so that most raises land inside the call. */
static const char *const soak_agents[1] = {"population.agents=512"};
static const char *const soak_batch[2] = {"population.agents=256", "run.paths=256"};

// --- the population draw and the calm-market screen ------------------------------

static int same_floats(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof(float)) == 0;
}

/* Every drawn array of two populations, bit for bit. */
static void assert_same_population(const stp_population *a, const stp_population *b)
{
    const size_t n = (size_t)a->n_agents, m = (size_t)a->n_passive;
    cr_assert_eq(a->n_agents, b->n_agents);
    cr_assert_eq(a->n_passive, b->n_passive);
    cr_assert_eq(memcmp(a->family, b->family, n * sizeof(int)), 0);
    cr_assert_eq(memcmp(a->role, b->role, n * sizeof(int)), 0);
    cr_assert_eq(memcmp(a->lag_steps, b->lag_steps, n * sizeof(int)), 0);
    cr_assert(same_floats(a->threshold, b->threshold, n));
    cr_assert(same_floats(a->logit_threshold, b->logit_threshold, n));
    cr_assert(same_floats(a->collateral, b->collateral, n));
    cr_assert(same_floats(a->debt_usd, b->debt_usd, n));
    cr_assert(same_floats(a->hf0, b->hf0, n));
    cr_assert(same_floats(a->fee_tolerance, b->fee_tolerance, n));
    cr_assert(same_floats(a->params, b->params, (size_t)STP_MAX_PARAMS * n));
    cr_assert(same_floats(a->p_collateral, b->p_collateral, m));
    cr_assert(same_floats(a->p_debt_usd, b->p_debt_usd, m));
    cr_assert_eq(a->equilibrium_redraws, b->equilibrium_redraws);
    cr_assert_eq(a->equilibrium_fallbacks, b->equilibrium_fallbacks);
}

typedef struct pop_case {
    const stp_config *cfg;
    stp_population *ref, *got;
} pop_case;

static stp_status pop_call(void *user, stp_error *err)
{
    pop_case *c = user;
    stp_status st = stp_population_create(&c->got, c->cfg, err);
    if (st != STP_OK) cr_assert_null(c->got, "a failed draw left a population");
    return st;
}

static void pop_check(void *user)
{
    pop_case *c = user;
    if (!c->ref) {
        c->ref = c->got; /* the first call is the reference */
    } else {
        assert_same_population(c->ref, c->got);
        stp_population_destroy(c->got);
    }
    c->got = NULL;
}

Test(interrupt, population_draw_and_calm_screen_stop_when_raised)
{
    char seed[64];
    stp_config *cfg = market(seed, sizeof seed, NULL, 0);
    stp_population *pop = NULL;
    stp_calm_history *h = NULL;
    ASSERT_STOPS(stp_population_create(&pop, cfg, &err_), "the population draw");
    cr_assert_null(pop);
    ASSERT_STOPS(stp_calm_history_create(&h, cfg, &err_), "the calm-market screen");
    cr_assert_null(h);
    ASSERT_STOPS(stp_calm_history_shocked(&h, cfg, STP_SHOCK_GAP, -1, -0.1, 3.0, &err_),
                 "the blind-spot probe");
    cr_assert_null(h);
    stp_config_destroy(cfg);
}

Test(interrupt, population_at_random_moments_stops_or_is_unchanged)
{
    char seed[64];
    pop_case c = {NULL, NULL, NULL};
    phase ph;
    c.cfg = market(seed, sizeof seed, soak_agents, 1);
    ph.name = "population";
    ph.call = pop_call;
    ph.check = pop_check;
    ph.user = &c;
    soak(&ph, 24);
    stp_population_destroy(c.ref);
    stp_config_destroy((stp_config *)c.cfg);
}

/* big_setup's screen would take many seconds: a raise half a second in
 * (after the draw) stops it. */
Test(interrupt, long_calm_screen_stops_within_a_second)
{
    char seed[64];
    stp_config *cfg = market(seed, sizeof seed, big_setup, 3);
    stp_population *pop = NULL;
    stp_error err = {STP_OK, ""};
    raiser r;
    stp_status st;
    double ret;
    raiser_start(&r, 0.5);
    st = stp_population_create(&pop, cfg, &err);
    ret = now_s();
    raiser_join(&r);
    cr_assert_eq(st, STP_EINTR, "%s: finished before the raise: make the set-up longer", seed);
    cr_assert_null(pop);
    cr_assert_not_null(strstr(err.msg, "the calm-market screen"), "%s", err.msg);
    cr_assert_lt(ret - r.raised_at, LATENCY_S, "stopped %.3f s after the raise", ret - r.raised_at);
    fprintf(stderr, "calm screen of 4000 agents: stopped %.4f s after the raise (%s)\n",
            ret - r.raised_at, seed);
    stp_config_destroy(cfg);
}

// --- the blind-spot probe ----------------------------------------------------------

typedef struct probe_case {
    const stp_config *cfg;
    const stp_population *pop;
    stp_blind_probe ref, got;
    int have_ref;
} probe_case;

static stp_status probe_call(void *user, stp_error *err)
{
    probe_case *c = user;
    return stp_blind_spot_probe(&c->got, c->cfg, c->pop, 0, err);
}

static void probe_check(void *user)
{
    probe_case *c = user;
    if (!c->have_ref) {
        c->ref = c->got;
        c->have_ref = 1;
        cr_assert_eq(c->ref.probed, 1, "the gap was not probed: nothing tested");
    }
    cr_assert_eq(memcmp(&c->ref, &c->got, sizeof c->got), 0, "the probe changed");
}

Test(interrupt, blind_spot_probe_stops_or_is_unchanged)
{
    const char *const gap[2] = {"scenario.mode=\"blind_spot\"", "population.agents=1024"};
    char seed[64];
    stp_error err = {STP_OK, ""};
    stp_population *pop = NULL;
    stp_scenario_plan *plan = NULL;
    probe_case c;
    phase ph;
    memset(&c, 0, sizeof c);
    c.cfg = market(seed, sizeof seed, gap, 2);
    cr_assert_eq(stp_population_create(&pop, c.cfg, &err), STP_OK, "%s", err.msg);
    c.pop = pop;
    ASSERT_STOPS(stp_blind_spot_probe(&c.got, c.cfg, pop, 0, &err_), "the blind-spot probe");
    ASSERT_STOPS(stp_scenario_plan_create(&plan, c.cfg, pop, &err_), "the blind-spot probe");
    cr_assert_null(plan);
    ph.name = "blind-spot probe";
    ph.call = probe_call;
    ph.check = probe_check;
    ph.user = &c;
    soak(&ph, 24);
    stp_population_destroy(pop);
    stp_config_destroy((stp_config *)c.cfg);
}

// --- scenario plans and tables --------------------------------------------------

typedef struct table_case {
    const stp_scenario_plan *plan;
    long long n;
    stp_scenario_table *ref, *got;
} table_case;

static stp_status table_call(void *user, stp_error *err)
{
    table_case *c = user;
    stp_status st = stp_scenario_table_from_plan(&c->got, c->plan, 0, c->n, err);
    if (st != STP_OK) cr_assert_null(c->got, "a failed table was left");
    return st;
}

static void table_check(void *user)
{
    table_case *c = user;
    const size_t cells = (size_t)c->n * (size_t)c->plan->n_slots;
    if (!c->ref) {
        c->ref = c->got;
        c->got = NULL;
        return;
    }
    cr_assert_eq(memcmp(c->ref->active, c->got->active, cells), 0);
    cr_assert(same_floats(c->ref->size, c->got->size, cells));
    cr_assert(same_floats(c->ref->time_s, c->got->time_s, cells));
    cr_assert_eq(memcmp(c->ref->weight, c->got->weight, sizeof(double) * (size_t)c->n), 0);
    stp_scenario_table_destroy(c->got);
    c->got = NULL;
}

Test(interrupt, scenario_plan_and_table_stop_or_are_unchanged)
{
    /* qmc over 8,192 points: the net's loop polls every 4,096 */
    const char *const qmc[3] = {"scenario.mode=\"qmc\"", "scenario.qmc.points=8192",
                                "run.paths=16384"};
    char seed[64];
    stp_error err = {STP_OK, ""};
    stp_config *cfg = market(seed, sizeof seed, qmc, 3);
    stp_scenario_plan *plan = NULL;
    table_case c;
    phase ph;
    ASSERT_STOPS(stp_scenario_plan_create(&plan, cfg, NULL, &err_), "the scenario plan");
    cr_assert_null(plan);
    stp_config_destroy(cfg);
    cfg = market(seed, sizeof seed, NULL, 0);
    cr_assert_eq(stp_scenario_plan_create(&plan, cfg, NULL, &err), STP_OK, "%s", err.msg);
    memset(&c, 0, sizeof c);
    c.plan = plan;
    c.n = 1;
    ASSERT_STOPS(table_call(&c, &err_), "the scenario table");
    c.n = 1 << 16; /* tens of milliseconds of rows */
    ph.name = "scenario table";
    ph.call = table_call;
    ph.check = table_check;
    ph.user = &c;
    soak(&ph, 24);
    stp_scenario_table_destroy(c.ref);
    stp_scenario_plan_destroy(plan);
    stp_config_destroy(cfg);
}

// --- a batch on the OpenMP backend ------------------------------------------------

typedef struct batch_case {
    engine *e;
    double *ref[STP_N_OUTCOMES];
} batch_case;

static stp_status batch_call(void *user, stp_error *err)
{
    batch_case *c = user;
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++) /* no row of an earlier call passes for this one's */
        memset(c->e->out.v[m], 0xff, sizeof(double) * (size_t)c->e->out.n);
    return stp_cpu_run_batch(&c->e->ctx, 0, c->e->out.n, 2, err);
}

static void batch_check(void *user)
{
    batch_case *c = user;
    const size_t bytes = sizeof(double) * (size_t)c->e->out.n;
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        if (!c->ref[m]) {
            c->ref[m] = malloc(bytes);
            cr_assert_not_null(c->ref[m]);
            memcpy(c->ref[m], c->e->out.v[m], bytes);
        }
        cr_assert_eq(memcmp(c->ref[m], c->e->out.v[m], bytes), 0, "outcome %d changed", m);
    }
}

Test(interrupt, cpu_batch_stops_or_is_bit_identical)
{
    char seed[64];
    stp_config *cfg = market(seed, sizeof seed, soak_batch, 2);
    stp_error err = {STP_OK, ""};
    batch_case c;
    phase ph;
    engine e;
    int m;
    memset(&e, 0, sizeof e);
    e.cfg = cfg;
    engine_wire(&e);
    memset(&c, 0, sizeof c);
    c.e = &e;
    ASSERT_STOPS(stp_cpu_run_batch(&e.ctx, 0, e.out.n, 2, &err_), "a batch of paths");
    ph.name = "cpu batch";
    ph.call = batch_call;
    ph.check = batch_check;
    ph.user = &c;
    soak(&ph, 24);
    (void)err;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(c.ref[m]);
    engine_close(&e);
}

/* One path of 100,000 steps (dt 1 s) on one thread: polled once a step,
 * it stops within milliseconds of the raise, long before its end. */
Test(interrupt, one_long_path_stops_within_its_steps)
{
    const char *const long_path[2] = {"time.horizon_s=100000", "run.paths=1"};
    char seed[64];
    stp_error err = {STP_OK, ""};
    engine e;
    raiser r;
    stp_status st;
    double t0, ret, full_s;
    memset(&e, 0, sizeof e);
    e.cfg = market(seed, sizeof seed, long_path, 2);
    engine_wire(&e);
    t0 = now_s();
    cr_assert_eq(stp_cpu_run_batch(&e.ctx, 0, 1, 1, &err), STP_OK, "%s", err.msg);
    full_s = now_s() - t0;
    raiser_start(&r, 0.25 * full_s);
    st = stp_cpu_run_batch(&e.ctx, 0, 1, 1, &err);
    ret = now_s();
    raiser_join(&r);
    cr_assert_eq(st, STP_EINTR, "%s", err.msg);
    cr_assert_lt(ret - r.raised_at, 0.1 * full_s + 0.01,
                 "the path ran %.4f s past the raise (%.4f s in all)", ret - r.raised_at, full_s);
    fprintf(stderr, "one path of %.3f s: stopped %.5f s after the raise\n", full_s,
            ret - r.raised_at);
    engine_close(&e);
}

// --- the importance pilot and the search update ----------------------------------

Test(interrupt, pilot_stops_when_raised_and_inside_a_level)
{
    const char *const pilot_sets[2] = {"scenario.mode=\"importance\"",
                                       "scenario.importance.pilot_paths=4000"};
    char seed[64];
    stp_error err = {STP_OK, ""};
    stp_config *cfg = market(seed, sizeof seed, pilot_sets, 2);
    stp_population *pop = NULL;
    stp_pilot pilot;
    raiser r;
    stp_status st;
    double ret;
    cr_assert_eq(stp_population_create(&pop, cfg, &err), STP_OK, "%s", err.msg);
    ASSERT_STOPS(stp_importance_pilot(&pilot, cfg, pop, 0, 2, &err_), "the importance pilot");
    raiser_start(&r, 0.02); /* a level of 4,000 paths takes longer */
    st = stp_importance_pilot(&pilot, cfg, pop, 0, 2, &err);
    ret = now_s();
    raiser_join(&r);
    cr_assert_eq(st, STP_EINTR, "%s: the pilot finished before the raise", seed);
    cr_assert_lt(ret - r.raised_at, LATENCY_S);
    stp_population_destroy(pop);
    stp_config_destroy(cfg);
}

Test(interrupt, search_update_stops_and_leaves_the_search_as_it_was)
{
    char text[4096];
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    stp_search s;
    stp_search_law before[STP_MAX_SHOCKS];
    const double score[4] = {0, 1, 2, 3};
    const unsigned char active[4] = {1, 1, 1, 1};
    const float v[4] = {-0.1f, -0.2f, -0.3f, -0.4f};
    snprintf(text, sizeof text, small_market_fmt,
             "{\"kind\": \"search\", \"name\": \"s\", \"search\": {\"iterations\": 2,"
             " \"paths_per_iter\": 4, \"elite_fraction\": 0.5}}",
             8, 4);
    cr_assert_eq(stp_config_parse(&cfg, text, STP_SOURCE_DIR "/configs/t.json", NULL, 0, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_eq(stp_search_init(&s, cfg, &err), STP_OK, "%s", err.msg);
    memcpy(before, s.law, sizeof before);
    ASSERT_STOPS(stp_search_update(&s, cfg, 0.5, score, active, v, v, v, 4, &err_),
                 "the search update");
    cr_assert_eq(s.done, 0);
    cr_assert_eq(memcmp(before, s.law, sizeof before), 0);
    cr_assert_eq(stp_search_update(&s, cfg, 0.5, score, active, v, v, v, 4, &err), STP_OK, "%s",
                 err.msg);
    cr_assert_eq(s.done, 1);
    stp_search_free(&s);
    stp_config_destroy(cfg);
}

// --- a whole run -----------------------------------------------------------------

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* stp_run with a set-up of many seconds, raised half a second in: STP_EINTR
 * within a second, and no results file or checkpoint. */
Test(interrupt_run, run_interrupted_in_setup_writes_nothing)
{
    char seed[64], out[300], ckpt[320];
    stp_config *cfg;
    stp_run_opts o;
    stp_error err = {STP_OK, ""};
    raiser r;
    stp_status st;
    double ret;
    stp_interrupt_clear();
    cfg = market(seed, sizeof seed, big_setup, 3);
    snprintf(out, sizeof out, "%s/run.h5", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", out);
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.backend = "openmp";
    o.threads = 2;
    raiser_start(&r, 0.5);
    st = stp_run(cfg, &o, &err);
    ret = now_s();
    raiser_join(&r);
    cr_assert_eq(st, STP_EINTR, "%s (%s)", err.msg, seed);
    cr_assert_lt(ret - r.raised_at, LATENCY_S, "stopped %.3f s after the raise", ret - r.raised_at);
    cr_assert_not(exists(out), "an interrupted run wrote '%s'", out);
    cr_assert_not(exists(ckpt), "an interrupted set-up left a checkpoint");
    fprintf(stderr, "run: %s; %.4f s after the raise (%s)\n", err.msg, ret - r.raised_at, seed);
    stp_interrupt_clear();
    stp_config_destroy(cfg);
}

/* Without a raise the same run API is unaffected (the small market). */
Test(interrupt_run, run_without_a_raise_finishes)
{
    char seed[64], out[300];
    stp_config *cfg;
    stp_run_opts o;
    stp_error err = {STP_OK, ""};
    stp_interrupt_clear();
    cfg = market(seed, sizeof seed, NULL, 0);
    snprintf(out, sizeof out, "%s/run.h5", dir);
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.backend = "openmp";
    o.threads = 2;
    cr_assert_eq(stp_run(cfg, &o, &err), STP_OK, "%s (%s)", err.msg, seed);
    cr_assert(exists(out));
    stp_config_destroy(cfg);
}
