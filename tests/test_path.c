/* test_path.c: path.h's step functions, one mitigation's mechanism (DESIGN
 * §3.5) at a time (suite "mitigations"), on a tiny hand-built market where
 * its effect can be worked out by hand. The tests drive path.h's step
 * functions directly, the same ones both backends run, and set the step's
 * candidate and liquidation lists themselves, so no model or market noise
 * stands between the setup and the expected figure. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "stampede/path.h"
#include "stampede/population.h"

#define NA   10 /* AI agents, all borrowers */
#define NP   4  /* passive positions */
#define NPOS (NA + NP)

typedef struct mini {
    stp_path_tables tb;
    stp_path_ws w; /* laid out by workspace.h in ws_mem */
    void *ws_mem;
    stp_path_state s;
    int role[NA], lag[NA], prot[NPOS];
    float thr[NA], sell[NA], lp[NA], tol[NA], lt[NPOS], c0[NPOS], d0[NPOS];
} mini;

/* The path's workspace as every backend lays it out (workspace.h), its
 * windows sized for the longest a test sets (64 steps), zero-filled. */
static void mini_bind(mini *m)
{
    stp_path_tables cap = m->tb;
    cap.prm.price_ring = 64;
    cap.prm.window_steps = 63;
    cap.prm.sync_window_steps = 64;
    cap.prm.breaker_window_steps = 64;
    m->ws_mem = calloc(1, stp_path_ws_bytes(&cap, STP_WS_ALL));
    cr_assert_not_null(m->ws_mem);
    stp_path_ws_bind(&m->w, &cap, m->ws_mem, STP_WS_ALL);
}

static void mini_free(mini *m)
{
    free(m->ws_mem);
    free(m);
}

/* A calm market at price 1: one protocol (LT 0.8, LB 5%, close factor 0.5,
 * full close below HF 0.95), a pool of 1e6 units and 1e6 USD, every agent
 * holding 100 units against 50 USD of debt, every mitigation off. */
static mini *mini_new(void)
{
    mini *m = calloc(1, sizeof *m);
    stp_params *p = &m->tb.prm;
    int i;
    cr_assert_not_null(m);
    p->n_steps = 1000;
    p->dt_s = 1.0f;
    p->seed = 12345;
    p->price0 = 1.0;
    p->fee = 0.003;
    p->n_protocols = 1;
    p->lt[0] = 0.8f;
    p->lb[0] = 0.05f;
    p->close_factor[0] = 0.5f;
    p->full_close_hf[0] = 0.95f;
    p->liq_budget_step = 1e300;
    p->cooldown_steps = 100;
    p->sync_window_steps = 3;
    p->breaker_window_steps = 3;
    m->tb.n_agents = NA;
    m->tb.n_passive = NP;
    m->tb.n_positions = NPOS;
    for (i = 0; i < NA; i++) {
        m->role[i] = STP_ROLE_BORROWER;
        m->sell[i] = 0.25f;
        m->tol[i] = 1.0f;
    }
    for (i = 0; i < NPOS; i++) {
        m->lt[i] = 0.8f;
        m->c0[i] = 100.0f;
        m->d0[i] = 50.0f;
    }
    m->tb.role = m->role;
    m->tb.lag_steps = m->lag;
    m->tb.logit_threshold = m->thr;
    m->tb.sell_fraction = m->sell;
    m->tb.lp_share = m->lp;
    m->tb.fee_tolerance = m->tol;
    m->tb.prot = m->prot;
    m->tb.lt = m->lt;
    m->tb.c0 = m->c0;
    m->tb.d0 = m->d0;
    mini_bind(m);
    return m;
}

/* Initial state after the caller has set its parameters. */
static void mini_start(mini *m)
{
    int i;
    stp_path_init_state(&m->s, &m->tb.prm);
    m->s.x = m->s.y = 1e6;
    m->s.oracle = 1.0;
    for (i = 0; i < NA; i++)
        stp_path_init_agent(&m->w, &m->tb.prm, i);
    for (i = 0; i < NPOS; i++)
        stp_path_init_position(&m->w, &m->tb, i);
    for (i = 0; i < 64; i++)
        m->w.sync_ring[i] = m->w.brk_ring[i] = 0;
}

/* Step t's decisions with the given candidates (index order). */
static void decide(mini *m, int t, const int *cand, int n)
{
    int j;
    for (j = 0; j < n; j++)
        m->w.cand[j] = cand[j];
    m->s.n_cand = n;
    stp_agents_act(&m->s, &m->w, &m->tb, 0, t);
}

/* Position i at HF h: c = 100 units at price 1, LT 0.8, d = 80 / h. */
static void set_hf(mini *m, int i, float h)
{
    m->w.c[i] = 100.0f;
    m->w.d[i] = 80.0f / h;
}

static void list_positions(mini *m, const int *pos, int n)
{
    int j;
    for (j = 0; j < n; j++)
        m->w.liq[j] = pos[j];
    m->s.n_liq = n;
}

/* ---------------------------------------------------------------------------
 * Without mitigations */

Test(mitigations, without_mitigations_every_candidate_sells_at_once_in_index_order)
{
    mini *m = mini_new();
    const int cand[] = {1, 4, 7};
    mini_start(m);
    decide(m, 0, cand, 3);
    cr_assert_eq(m->s.n_sellers, 3);
    cr_assert_eq(m->w.sellers[0], 1);
    cr_assert_eq(m->w.sellers[1], 4);
    cr_assert_eq(m->w.sellers[2], 7);
    cr_assert_eq(m->w.sell_q[4], 25.0f);
    cr_assert_eq(m->s.n_pend, 0);
    cr_assert_eq(m->s.fee, 0.003);
    mini_free(m);
}

/* Readiness reads one array for both roles: an LP that has left the pool
 * is never ready again, however long after its cooldown, while a borrower
 * is ready again once its cooldown is over (and not a step before). */
Test(mitigations, an_lp_that_left_is_never_ready_again)
{
    mini *m = mini_new();
    const int cand[] = {2, 5};
    const int cool = m->tb.prm.cooldown_steps;
    int t;
    m->role[2] = STP_ROLE_LP;
    m->lp[2] = 0.01f;
    mini_start(m);
    cr_assert(stp_agent_ready(&m->w, &m->tb, 2, 0) && stp_agent_ready(&m->w, &m->tb, 5, 0));
    decide(m, 0, cand, 2);
    cr_assert_eq(m->s.n_sellers, 1, "the LP left the pool, the borrower sells");
    cr_assert_gt(m->s.l_out, 0.0);
    for (t = 1; t <= 20 * cool; t += cool / 4) {
        cr_assert_not(stp_agent_ready(&m->w, &m->tb, 2, t), "the LP that left is ready at %d", t);
        cr_assert_eq(stp_agent_ready(&m->w, &m->tb, 5, t), t >= 1 + cool, "borrower at %d", t);
    }
    mini_free(m);
}

/* ---------------------------------------------------------------------------
 * Circuit breaker */

Test(mitigations, breaker_halts_above_the_sync_fraction_and_releases_every_queued_sell)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int c0[] = {0, 1}, c1[] = {2}, c2[] = {3};
    int t, sold = 0, released_at = -1;
    p->breaker_on = 1;
    p->breaker_max_sync = 0.2; /* trips above 2 of 10 agents in the window */
    p->breaker_window_steps = 3;
    p->breaker_cooldown_steps = 5;
    mini_start(m);

    decide(m, 0, c0, 2); /* 2/10 = 0.2 is not above 0.2: both sell */
    cr_assert_eq(m->s.n_sellers, 2);
    cr_assert_eq(m->s.halt_until, 0);
    sold += m->s.n_sellers;

    decide(m, 1, c1, 1); /* 3/10 in steps 0..1: halts for 5 steps, t = 1..5 */
    cr_assert_eq(m->s.halt_until, 6);
    cr_assert_eq(m->s.n_sellers, 0, "the sell that tripped the breaker went through");
    cr_assert_eq(m->s.n_pend, 1);

    for (t = 2; t < 10; t++) {
        decide(m, t, c2, t == 2 ? 1 : 0); /* agent 3 decides while halted */
        if (t < 6) cr_assert_eq(m->s.n_sellers, 0, "a sell executed at t=%d while halted", t);
        if (m->s.n_sellers > 0 && released_at < 0) released_at = t;
        sold += m->s.n_sellers;
    }
    cr_assert_eq(released_at, 6, "queue released at t=%d, not after the 5-step halt", released_at);
    cr_assert_eq(sold, 4, "%d of 4 decided sells executed", sold);
    cr_assert_eq(m->s.n_pend, 0);
    cr_assert_eq(m->w.sellers[0], 2, "the queue keeps decision order");
    cr_assert_eq(m->w.sellers[1], 3);
    cr_assert_eq(m->w.next_ok[2], 6 + 1 + p->cooldown_steps, "cooldown runs from the execution");
    mini_free(m);
}

/* The deployed breaker: the queue the halt held drains over release_steps,
 * ceil(queue / release_steps) actions a step, first decided first; actions
 * decided during the drain join its back; no sell is lost and the rate
 * limit ends when the queue is empty. */
Test(mitigations, breaker_gradual_release_drains_at_the_stated_rate_in_decision_order)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int trip[] = {0, 1, 2}, late[] = {9};
    int t, sold = 0, order[NA], n_order = 0, j;
    p->breaker_on = 1;
    p->breaker_max_sync = 0.2;
    p->breaker_window_steps = 3;
    p->breaker_cooldown_steps = 4;
    p->breaker_release_steps = 3;
    mini_start(m);
    decide(m, 0, trip, 3); /* 3/10 > 0.2: halts t = 0..3, nothing sells */
    cr_assert_eq(m->s.halt_until, 4);
    cr_assert_eq(m->s.n_sellers, 0);
    for (t = 1; t < 4; t++) {
        const int c[] = {2 + t}; /* agents 3, 4, 5 decide while halted */
        decide(m, t, c, 1);
        cr_assert_eq(m->s.n_sellers, 0, "sold while halted at t=%d", t);
    }
    cr_assert_eq(m->s.n_pend, 6);
    /* released from t = 4 at ceil(6 / 3) = 2 a step: t = 4, 5, 6; agent 9
     * decides at t = 5 and waits behind the queue (the breaker cannot
     * re-trip: its window holds at most 2 decisions by then) */
    for (t = 4; t < 9; t++) {
        decide(m, t, late, t == 5);
        cr_assert_leq(m->s.n_sellers, 2, "t=%d: %d sold, above the rate 2", t, m->s.n_sellers);
        for (j = 0; j < m->s.n_sellers; j++)
            order[n_order++] = m->w.sellers[j];
        sold += m->s.n_sellers;
        if (t < 7) cr_assert_eq(m->s.n_sellers, 2, "t=%d: the drain ran below its rate", t);
    }
    cr_assert_eq(sold, 7, "%d of 7 decided sells executed", sold);
    for (j = 0; j < 7; j++)
        cr_assert_eq(order[j], j < 6 ? j : 9, "execution %d was agent %d", j, order[j]);
    cr_assert_eq(m->s.n_pend, 0);
    cr_assert_eq(m->s.release_rate, 0, "the rate limit outlived its queue");
    mini_free(m);
}

/* A held borrower liquidated out of its debt while it waited has nothing
 * to sell: its action lapses at the next step, uncounted, and the release
 * carries only the others. */
Test(mitigations, held_action_of_a_closed_position_lapses)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int three[] = {0, 1, 2};
    int t;
    p->breaker_on = 1;
    p->breaker_max_sync = 0.2;
    p->breaker_cooldown_steps = 3;
    mini_start(m);
    decide(m, 0, three, 3); /* 3/10 > 0.2: all held */
    cr_assert_eq(m->s.n_sellers, 0);
    m->w.d[0] = 0.0f; /* closed out meanwhile */
    for (t = 1; t <= 3; t++)
        decide(m, t, NULL, 0);
    cr_assert_eq(m->s.n_sellers, 2, "released %d sells", m->s.n_sellers);
    cr_assert_eq(m->w.sellers[0], 1);
    cr_assert_eq(m->w.sellers[1], 2);
    cr_assert_eq(m->w.acted[0], 0, "a lapsed action counted as acted");
    cr_assert_eq(m->s.n_pend, 0);
    cr_assert_eq(m->w.next_ok[0], 2, "lapsed at t=1, it may decide again at t=2");
    mini_free(m);
}

Test(mitigations, breaker_window_forgets_old_decisions)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int a[] = {0, 1}, b[] = {2};
    p->breaker_on = 1;
    p->breaker_max_sync = 0.2;
    p->breaker_window_steps = 3;
    p->breaker_cooldown_steps = 5;
    mini_start(m);
    decide(m, 0, a, 2);
    decide(m, 1, NULL, 0);
    decide(m, 2, NULL, 0);
    decide(m, 3, b, 1); /* window is steps 1..3: 1 agent, the t=0 pair has left */
    cr_assert_eq(m->s.halt_until, 0);
    cr_assert_eq(m->s.n_sellers, 1);
    mini_free(m);
}

/* ---------------------------------------------------------------------------
 * Random delay and risk-signal staggering */

/* The documented draw: uniform [0, max_s] from (seed, STREAM_AGENT, path,
 * step, agent, 0), word 0, rounded half up to steps. */
static int expected_delay(unsigned long long seed, int a, int t, float max_s)
{
    const stp_u32x4 r = stp_philox(seed, STP_STREAM_AGENT, 0, (uint32_t)t, (uint32_t)a, 0);
    return (int)floor((double)(stp_uniform(r.v[0]) * max_s) + 0.5);
}

Test(mitigations, random_delay_executes_each_action_after_its_own_draw)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    int all[NA], exec_at[NA], t, j, a, distinct = 0;
    p->delay_on = 1;
    p->delay_max_s = 10.0f;
    mini_start(m);
    for (a = 0; a < NA; a++) {
        all[a] = a;
        exec_at[a] = -1;
    }
    decide(m, 5, all, NA);
    for (t = 5; t < 20; t++) {
        if (t > 5) decide(m, t, NULL, 0);
        for (j = 0; j < m->s.n_sellers; j++)
            exec_at[m->w.sellers[j]] = t;
    }
    for (a = 0; a < NA; a++) {
        const int want = 5 + expected_delay(p->seed, a, 5, 10.0f);
        cr_assert_eq(exec_at[a], want, "agent %d executed at %d, drew %d", a, exec_at[a], want);
        cr_assert(exec_at[a] >= 5 && exec_at[a] <= 15);
        distinct += a > 0 && exec_at[a] != exec_at[0];
    }
    cr_assert_gt(distinct, 0, "every agent drew the same delay");
    mini_free(m);
}

/* Rounded half up, 10 U takes 0 and 10 with probability 0.05 and 1..9
 * with 0.1: mean exactly 5, sd 2.87. Over 20 steps x 10 agents x 10 paths
 * (2000 draws, fresh seed) the mean's standard error is 0.064; accept 5 sigma. */
Test(mitigations, random_delay_is_uniform_on_average)
{
    const unsigned long long seed = test_seed();
    double sum = 0.0;
    int n = 0, path, t, a;
    for (path = 0; path < 10; path++)
        for (t = 0; t < 20; t++)
            for (a = 0; a < NA; a++) {
                stp_params p;
                stp_path_state s;
                memset(&p, 0, sizeof p);
                memset(&s, 0, sizeof s);
                p.seed = seed;
                p.dt_s = 1.0f;
                p.n_steps = 1000;
                p.delay_on = 1;
                p.delay_max_s = 10.0f;
                sum += stp_action_delay(&s, &p, path, a, t, 0);
                n++;
            }
    cr_assert_lt(fabs(sum / n - 5.0), 5 * 2.87 / sqrt(n), "mean delay %g (seed %llu)", sum / n,
                 seed);
}

Test(mitigations, risk_signal_publishes_the_sync_fraction_and_staggers_by_it)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int three[] = {0, 1, 2};
    int all[NA], a, t;
    double pool[8], oracle[2];
    float feat[STP_LAG_RING * STP_RING_ROW];
    p->signal_on = 1;
    p->stagger_s = 5.0f;
    p->window_steps = 1;
    p->price_ring = 8;
    mini_start(m);
    m->w.pool_ring = pool;
    m->w.oracle_ring = oracle;
    m->w.feat_ring = feat;
    for (t = 0; t < 8; t++)
        stp_path_init_history(&m->w, p, t);

    decide(m, 0, three, 3); /* signal 0 at t = 0: no stagger */
    cr_assert_eq(m->s.n_sellers, 3);
    stp_features_step(&m->s, &m->w, p, NA, 1);
    cr_assert_float_eq(m->s.signal, 0.3, 1e-12);
    cr_assert_float_eq(feat[1 * STP_RING_ROW + STP_F_SIG], 0.3f, 1e-7);

    for (a = 0; a < NA; a++)
        all[a] = a;
    m->s.signal = 0.5; /* stagger uniform in [0, 2.5 s]: at most 3 steps, rounded half up */
    for (a = 3; a < NA; a++)
        all[a - 3] = a;
    decide(m, 1, all, NA - 3);
    for (a = 3; a < NA; a++) {
        const stp_u32x4 r = stp_philox(p->seed, STP_STREAM_AGENT, 0, 1, (uint32_t)a, 0);
        const int want = (int)floor((double)(stp_uniform(r.v[1]) * 5.0f * 0.5f) + 0.5);
        cr_assert_eq(m->w.due[a] - 1, want, "agent %d staggered %d steps, drew %d", a,
                     m->w.due[a] - 1, want);
        cr_assert_leq(want, 3);
    }
    p->signal_on = 0;
    stp_features_step(&m->s, &m->w, p, NA, 2);
    cr_assert_eq(feat[2 * STP_RING_ROW + STP_F_SIG], 0.0f, "signal off: feature is 0");
    mini_free(m);
}

/* ---------------------------------------------------------------------------
 * Progressive fee */

Test(mitigations, progressive_fee_rises_with_sync_and_defers_intolerant_sellers)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int two[] = {0, 5};
    double x0, y0, q, f, out;
    int t;
    p->fee_on = 1;
    p->fee_base = 0.003;
    p->fee_slope = 0.05;
    m->tol[0] = 0.01f; /* below the fee at sync 0.2 */
    m->tol[5] = 0.02f; /* above it */
    mini_start(m);
    decide(m, 0, two, 2);
    cr_assert_eq(m->s.fee, 0.003 + 0.05 * 0.2);
    cr_assert_eq(m->s.n_sellers, 1);
    cr_assert_eq(m->w.sellers[0], 5);

    /* the batch pays that fee: Uniswap v2, out = y q (1 - f) / (x + q (1 - f)) */
    x0 = m->s.x;
    y0 = m->s.y;
    q = 25.0;
    f = 0.003 + 0.05 * 0.2;
    out = y0 * q * (1.0 - f) / (x0 + q * (1.0 - f));
    m->s.n_liq = 0;
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 0);
    cr_assert_float_eq(y0 - m->s.y, out, 1e-9 * out, "pool paid %.12g, closed form %.12g",
                       y0 - m->s.y, out);

    for (t = 1; t < 3; t++) { /* agent 0's decision keeps sync at 0.2 in the window */
        decide(m, t, NULL, 0);
        cr_assert_eq(m->s.n_sellers, 0, "agent 0 sold above its tolerance at t=%d", t);
    }
    decide(m, 3, NULL, 0); /* the window has passed: fee back to base */
    cr_assert_eq(m->s.fee, 0.003);
    cr_assert_eq(m->s.n_sellers, 1);
    cr_assert_eq(m->w.sellers[0], 0);
    mini_free(m);
}

/* The exemption: one batch in which the agents' part pays the step's
 * progressive fee and the liquidation seizures the base fee; on the
 * Uniswap v2 curve q_eff = q_a (1 - f) + q_l (1 - f_base), the pool pays
 * y q_eff / (x + q_eff) and each side gets its share of q_eff. */
Test(mitigations, fee_exemption_leaves_liquidations_at_the_base_fee)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int two[] = {0, 5};
    const int pos[] = {NA}; /* passive position 0 */
    double x0, y0, q_a, q_l, f, q_eff, out, seized;
    p->fee_on = 1;
    p->fee_exempt_liq = 1;
    p->fee_base = 0.003;
    p->fee_slope = 0.05;
    mini_start(m);
    decide(m, 0, two, 2); /* sync 0.2: fee 0.013, both tolerate 1.0 */
    f = 0.003 + 0.05 * 0.2;
    cr_assert_eq(m->s.fee, f);
    m->w.c[NA] = 100.0f; /* HF 0.9: full close, repay 90, seize 94.5 */
    m->w.d[NA] = 80.0f / 0.9f;
    m->s.oracle = 1.0;
    list_positions(m, pos, 1);
    x0 = m->s.x;
    y0 = m->s.y;
    cr_assert_eq(stp_liquidation_fee(&m->s, p), 0.003);
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 0);
    seized = 100.0 - m->w.c[NA];
    cr_assert_gt(seized, 0.0, "the liquidation was skipped");
    q_a = 50.0; /* two agents, 25 units each */
    q_l = seized;
    q_eff = q_a * (1.0 - f) + q_l * (1.0 - 0.003);
    out = y0 * q_eff / (x0 + q_eff);
    cr_assert_float_eq(y0 - m->s.y, out, 1e-9 * out, "pool paid %.12g, closed form %.12g",
                       y0 - m->s.y, out);
    cr_assert_float_eq(m->s.x - x0, q_a + q_l, 1e-9);
    /* the agents got (1 - f) of the unit price, not the liquidators' (1 - base) */
    cr_assert_float_eq(m->s.defensive_usd, q_a * (1.0 - f) * out / q_eff, 1e-9 * out);
    mini_free(m);
}

/* Without the exemption the same batch charges everyone the step's fee. */
Test(mitigations, fee_without_exemption_charges_liquidations_the_step_fee)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int two[] = {0, 5};
    p->fee_on = 1;
    p->fee_base = 0.003;
    p->fee_slope = 0.05;
    mini_start(m);
    decide(m, 0, two, 2);
    cr_assert_eq(stp_liquidation_fee(&m->s, p), m->s.fee);
    cr_assert_gt(m->s.fee, 0.003);
    mini_free(m);
}

/* ---------------------------------------------------------------------------
 * Tiered liquidation */

Test(mitigations, tiered_close_factor_follows_the_hf_band)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int pos[] = {NA + 0, NA + 1, NA + 2, NA + 3};
    const float hf[] = {0.99f, 0.96f, 0.90f, 0.50f}, cf[] = {0.1f, 0.25f, 0.5f, 0.5f};
    float d_before[4];
    int j;
    p->tiered_on = 1;
    p->n_bands = 3;
    p->band_hf[0] = 1.0f;
    p->band_cf[0] = 0.1f;
    p->band_hf[1] = 0.97f;
    p->band_cf[1] = 0.25f;
    p->band_hf[2] = 0.95f;
    p->band_cf[2] = 0.5f;
    p->cap_frac = 1.0; /* no cap here */
    mini_start(m);
    for (j = 0; j < 4; j++) {
        set_hf(m, pos[j], hf[j]);
        d_before[j] = m->w.d[pos[j]];
    }
    list_positions(m, pos, 4);
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 0);
    for (j = 0; j < 3; j++) {
        const float repay = cf[j] * d_before[j];
        cr_assert_float_eq(m->w.d[pos[j]], d_before[j] - repay, 1e-4f,
                           "HF %.2f: debt %g, want %g (close factor %g)", hf[j], m->w.d[pos[j]],
                           d_before[j] - repay, cf[j]);
        cr_assert_float_eq(100.0f - m->w.c[pos[j]], repay * 1.05f, 1e-4f);
    }
    /* HF 0.5: half the debt seizes 84 of 100 units; no full close under tiers */
    cr_assert_float_eq(m->w.d[pos[3]], 0.5f * d_before[3], 1e-3f);
    mini_free(m);
}

/* Many positions far under water; the cap allows 1% of the pool's 1e6
 * collateral units a step, so the step seizes exactly 1e4 units although
 * the close factors ask for far more. */
Test(mitigations, tiered_cap_bounds_the_step_seizure)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    int pos[NPOS], j;
    double seized = 0.0, x0;
    p->tiered_on = 1;
    p->n_bands = 1;
    p->band_hf[0] = 1.0f;
    p->band_cf[0] = 0.5f;
    p->cap_frac = 0.01;
    mini_start(m);
    for (j = 0; j < NPOS; j++) {
        pos[j] = j;
        m->w.c[j] = 20000.0f;
        m->w.d[j] = 20000.0f; /* HF 0.8 at price 1 */
    }
    list_positions(m, pos, NPOS);
    x0 = m->s.x;
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 0);
    for (j = 0; j < NPOS; j++)
        seized += 20000.0 - m->w.c[j];
    /* float collateral: each position rounds by ~1e-3 units */
    cr_assert_leq(seized, 0.01 * x0 * (1.0 + 1e-5), "seized %g units, cap %g", seized, 0.01 * x0);
    cr_assert_geq(seized, 0.01 * x0 * (1.0 - 1e-5), "the cap should bind: seized %g", seized);
    mini_free(m);
}

/* ---------------------------------------------------------------------------
 * Grace period */

Test(mitigations, grace_defers_only_the_band_and_only_for_grace_steps)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int a = NA + 0, b = NA + 1, both[] = {NA + 0, NA + 1};
    float da;
    int t;
    p->grace_on = 1;
    p->grace_sync = 0.2;
    p->grace_hf_floor = 0.95f;
    p->grace_steps = 3;
    mini_start(m);
    set_hf(m, a, 0.97f); /* in [0.95, 1): deferred */
    set_hf(m, b, 0.90f); /* below the floor: liquidated at once */
    da = m->w.d[a];
    for (t = 0; t < 3; t++) {
        m->s.sync_frac = 0.5;
        list_positions(m, both, 2);
        stp_liquidation_and_batch(&m->s, &m->w, &m->tb, t);
        cr_assert_eq(m->w.d[a], da, "position in the band liquidated at t=%d", t);
        if (t == 0) cr_assert_lt(m->w.d[b], 80.0f / 0.90f, "position below the floor deferred");
    }
    m->s.sync_frac = 0.5;
    list_positions(m, both, 2);
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 3); /* grace used up */
    cr_assert_lt(m->w.d[a], da, "still deferred after grace_steps");
    mini_free(m);
}

Test(mitigations, grace_needs_sync_above_its_threshold)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int a[] = {NA + 0};
    float d0;
    p->grace_on = 1;
    p->grace_sync = 0.2;
    p->grace_hf_floor = 0.95f;
    p->grace_steps = 3;
    mini_start(m);
    set_hf(m, NA + 0, 0.97f);
    d0 = m->w.d[NA + 0];
    m->s.sync_frac = 0.2; /* not above */
    list_positions(m, a, 1);
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 0);
    cr_assert_lt(m->w.d[NA + 0], d0);
    mini_free(m);
}

/* A deferral streak ends on a step that is not deferred, so a position
 * that recovers and falls again gets a fresh grace. */
Test(mitigations, grace_restarts_after_a_break)
{
    mini *m = mini_new();
    stp_params *p = &m->tb.prm;
    const int a[] = {NA + 0};
    float d0;
    int t;
    p->grace_on = 1;
    p->grace_sync = 0.2;
    p->grace_hf_floor = 0.95f;
    p->grace_steps = 2;
    mini_start(m);
    set_hf(m, NA + 0, 0.97f);
    d0 = m->w.d[NA + 0];
    m->s.sync_frac = 0.5;
    list_positions(m, a, 1);
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 0); /* deferred, streak from 0 */
    m->s.n_liq = 0;
    stp_liquidation_and_batch(&m->s, &m->w, &m->tb, 1); /* healthy: not listed */
    for (t = 2; t < 4; t++) {
        m->s.sync_frac = 0.5;
        list_positions(m, a, 1);
        stp_liquidation_and_batch(&m->s, &m->w, &m->tb, t);
        cr_assert_eq(m->w.d[NA + 0], d0, "no fresh grace at t=%d", t);
    }
    mini_free(m);
}

/* Tolerances are drawn N(mean, sd) and floored at the base fee: every agent
 * sells at the calm market's fee, so none is held for good. */
Test(mitigations, fee_tolerance_is_floored_at_the_base_fee)
{
    const char *sets[] = {"mitigations.progressive_fee.enabled=true",
                          "mitigations.progressive_fee.base=0.004",
                          "mitigations.progressive_fee.tolerance.mean=0.005",
                          "mitigations.progressive_fee.tolerance.sd=0.01"};
    stp_config *cfg = NULL;
    stp_population *pop = NULL;
    stp_error err = {STP_OK, ""};
    int a, floored = 0, above = 0;
    cr_assert_eq(stp_config_load(&cfg, STP_SOURCE_DIR "/configs/quickstart.json", sets, 4, &err),
                 STP_OK, "%s", err.msg);
    cr_assert_eq(stp_population_create(&pop, cfg, &err), STP_OK, "%s", err.msg);
    for (a = 0; a < pop->n_agents; a++) {
        cr_assert_geq(pop->fee_tolerance[a], (float)0.004, "agent %d: %g", a,
                      pop->fee_tolerance[a]);
        floored += pop->fee_tolerance[a] == (float)0.004;
        above += pop->fee_tolerance[a] > 0.005f;
    }
    /* P(N(0.005, 0.01) < 0.004) = 0.46 of 1,024 agents: both sides occur */
    cr_assert(floored > 300 && above > 300, "floored %d, above the mean %d", floored, above);
    stp_population_destroy(pop);
    stp_config_destroy(cfg);
}
