/* Cross-venue arbitrage (link.h) against Uniswap v2 arithmetic done swap by
 * swap: the two-hop closed form, the first-order condition at the optimum,
 * the profit's maximum, the fee band and the capacity. Random pools from a
 * fresh seed (tests/seed.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "seed.h"
#include "stampede/link.h"
#include "stampede/step.h"

typedef struct pools {
    double xa, ya, fa, xb, yb, fb, cost;
} pools;

static double unit(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) * 0x1p-53;
}

/* Two pools of one asset near price 2000 with depths over four decades,
 * fees up to 1%, link costs up to 0.5%, b's price 0.5% below to 20% above a's. */
static pools draw(uint64_t *s)
{
    pools p;
    const double pa = 2000.0 * (0.5 + unit(s)), pb = pa * (0.995 + 0.205 * unit(s));
    p.xa = pow(10.0, 2.0 + 4.0 * unit(s));
    p.xb = pow(10.0, 2.0 + 4.0 * unit(s));
    p.ya = p.xa * pa;
    p.yb = p.xb * pb;
    p.fa = 0.01 * unit(s);
    p.fb = 0.01 * unit(s);
    p.cost = 0.005 * unit(s);
    return p;
}

/* USD back from d dollars along the route, one swap at a time. */
static double route(const pools *p, double d)
{
    const double units = stp_amm_buy_units(p->xa, p->ya, d, p->fa) * (1.0 - p->cost);
    return stp_amm_sell_usd(p->xb, p->yb, units, p->fb);
}

Test(link, two_swaps_are_one_curve)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    int i;
    for (i = 0; i < 1000; i++) {
        const pools p = draw(&s);
        const double ra = 1.0 - p.fa, rb = (1.0 - p.fb) * (1.0 - p.cost);
        const double den = p.xb + rb * p.xa, e_in = p.ya * p.xb / den,
                     e_out = rb * p.xa * p.yb / den;
        const double d = p.ya * 0.1 * unit(&s), want = e_out * ra * d / (e_in + ra * d);
        cr_assert_float_eq(route(&p, d), want, 1e-12 * want, "seed %llu case %d",
                           (unsigned long long)seed, i);
    }
}

/* At d* the route's marginal return is 1: the product of the two pools'
 * marginal rates (units per USD on a, USD per unit on b) after the trade. */
Test(link, optimum_equalises_the_marginal_prices)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    int i, traded = 0;
    for (i = 0; i < 1000; i++) {
        const pools p = draw(&s);
        const double d = stp_link_arb_usd(p.xa, p.ya, p.fa, p.xb, p.yb, p.fb, p.cost, INFINITY);
        const double ra = 1.0 - p.fa, rb = (1.0 - p.fb) * (1.0 - p.cost);
        double a_rate, b_rate, units;
        if (d == 0.0) continue;
        traded++;
        units = stp_amm_buy_units(p.xa, p.ya, d, p.fa) * (1.0 - p.cost);
        a_rate = p.xa * ra * p.ya / ((p.ya + ra * d) * (p.ya + ra * d)) * (1.0 - p.cost);
        b_rate = p.yb * (1.0 - p.fb) * p.xb /
                 ((p.xb + (1.0 - p.fb) * units) * (p.xb + (1.0 - p.fb) * units));
        cr_assert_float_eq(a_rate * b_rate, 1.0, 1e-9, "seed %llu case %d: d %g rb %g",
                           (unsigned long long)seed, i, d, rb);
        /* and no nearby trade does better */
        cr_assert_geq(route(&p, d) - d, route(&p, d * 0.999) - d * 0.999 - 1e-9 * d);
        cr_assert_geq(route(&p, d) - d, route(&p, d * 1.001) - d * 1.001 - 1e-9 * d);
        cr_assert_gt(route(&p, d) - d, 0.0);
    }
    cr_assert_gt(traded, 500, "seed %llu: only %d of 1000 draws traded", (unsigned long long)seed,
                 traded);
}

/* Prices within the fees' and cost's band: neither direction trades. */
Test(link, no_trade_inside_the_fee_band)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    int i;
    for (i = 0; i < 1000; i++) {
        pools p = draw(&s);
        const double band = (1.0 - p.fa) * (1.0 - p.fb) * (1.0 - p.cost);
        /* b's price anywhere in [p_a band, p_a / band] */
        const double pb = p.ya / p.xa * (band + (1.0 / band - band) * unit(&s));
        p.yb = p.xb * pb;
        cr_assert_eq(stp_link_arb_usd(p.xa, p.ya, p.fa, p.xb, p.yb, p.fb, p.cost, INFINITY), 0.0,
                     "seed %llu case %d: a -> b", (unsigned long long)seed, i);
        cr_assert_eq(stp_link_arb_usd(p.xb, p.yb, p.fb, p.xa, p.ya, p.fa, p.cost, INFINITY), 0.0,
                     "seed %llu case %d: b -> a", (unsigned long long)seed, i);
    }
}

Test(link, capacity_bounds_the_trade)
{
    const double d = stp_link_arb_usd(1000.0, 2e6, 0.003, 1000.0, 2.4e6, 0.003, 0.0, INFINITY);
    cr_assert_gt(d, 1000.0);
    cr_assert_eq(stp_link_arb_usd(1000.0, 2e6, 0.003, 1000.0, 2.4e6, 0.003, 0.0, 1000.0), 1000.0);
    cr_assert_eq(stp_link_arb_usd(1000.0, 2e6, 0.003, 1000.0, 2.4e6, 0.003, 0.0, 0.0), 0.0);
}

/* Equal pools without fees or cost, b 21% dearer: d* by hand.
 * e_in = 2e6 * 1000 / 2000 = 1e6, e_out = 1000 * 2.42e6 / 2000 = 1.21e6,
 * d* = sqrt(1.21e12) - 1e6 = 1.1e6 - 1e6 = 1e5. */
Test(link, a_case_by_hand)
{
    cr_assert_float_eq(stp_link_arb_usd(1000.0, 2e6, 0.0, 1000.0, 2.42e6, 0.0, 0.0, INFINITY), 1e5,
                       1e-6);
}

/* ---------------------------------------------------------------------------
 * A link over steps (stp_link_step): the pools as two venues' states
 * ------------------------------------------------------------------------- */

static void states_of(const pools *p, stp_path_state *a, stp_path_state *b)
{
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    a->x = p->xa;
    a->y = p->ya;
    a->fee = p->fa;
    b->x = p->xb;
    b->y = p->yb;
    b->fee = p->fb;
}

/* After a step of a zero-latency link of unbounded capacity neither route
 * pays: each pool's price is within the other's band of fees and cost. */
Test(link, a_zero_latency_unbounded_link_leaves_the_pools_in_the_band)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    const stp_link_prm l0 = {0, 1, 0, INFINITY, 0.0};
    int i, traded = 0;
    for (i = 0; i < 1000; i++) {
        pools p = draw(&s);
        stp_link_prm l = l0;
        stp_path_state a, b;
        double ring[2] = {0.0, 0.0}, band;
        if (i % 2) { /* b's price below a's too */
            const double t = p.yb;
            p.yb = p.xb * (p.ya / p.xa) * (p.ya / p.xa) / (t / p.xb);
        }
        l.cost = p.cost;
        states_of(&p, &a, &b);
        stp_link_step(&a, &b, &l, ring, i);
        band = (1.0 - a.fee) * (1.0 - b.fee) * (1.0 - l.cost);
        traded += a.x != p.xa;
        cr_assert_leq((b.y / b.x) * band, (a.y / a.x) * (1.0 + 1e-9), "seed %llu case %d",
                      (unsigned long long)seed, i);
        cr_assert_leq((a.y / a.x) * band, (b.y / b.x) * (1.0 + 1e-9), "seed %llu case %d",
                      (unsigned long long)seed, i);
        cr_assert_eq(ring[0] + ring[1], 0.0, "nothing stays in flight at zero latency");
    }
    cr_assert_gt(traded, 100, "only %d of 1000 cases traded", traded);
}

/* With latency L the units leave a at step t and land on b at t + L: b is
 * untouched until then, every unit bought (net of the cost) is sold there,
 * and a closed link takes no new crossing but lands what is in flight. */
Test(link, units_land_after_the_latency_and_a_halt_stops_new_crossings)
{
    const uint64_t seed = test_seed();
    uint64_t s = seed;
    int i;
    for (i = 0; i < 200; i++) {
        pools p = draw(&s);
        const int lat = 1 + (int)(next_u64(&s) % 6), halt_at = 1 + (int)(next_u64(&s) % 3);
        stp_link_prm l = {0, 1, lat, 0.0, 0.0};
        stp_path_state a, b;
        double ring[14] = {0}, x_b0, units = 0.0, landed = 0.0;
        int t;
        p.yb = p.xb * (p.ya / p.xa) * 1.1; /* b 10% over a: a -> b pays */
        l.cost = p.cost;
        l.cap_usd = 1e-3 * p.ya * (0.5 + unit(&s));
        states_of(&p, &a, &b);
        x_b0 = b.x;
        for (t = 0; t < lat + halt_at + 1; t++) {
            const double xa = a.x, xb = b.x, in_flight = ring[(t + lat) % (lat + 1)];
            const double ya = a.y;
            a.bridge_halt = t >= halt_at;
            stp_link_step(&a, &b, &l, ring, t);
            if (t < halt_at) {
                cr_assert_leq(a.y - ya, l.cap_usd * (1.0 + 1e-12), "the capacity");
                units += ring[(t + lat) % (lat + 1)] - in_flight;
            } else {
                cr_assert_eq(a.x, xa, "a halted link bought at step %d", t);
            }
            if (t < lat) cr_assert_eq(b.x, x_b0, "b moved at step %d before the first landing", t);
            landed += b.x - xb;
        }
        cr_assert_gt(units, 0.0);
        cr_assert_float_eq(landed, units, 1e-9 * units, "landed %g of %g units (seed %llu)",
                           landed, units, (unsigned long long)seed);
    }
}
