/* link.h: cross-venue arbitrage along a link between two venues' pools of
 * one asset (DESIGN §10, the price channel of contagion). Pure functions
 * of the two pools' reserves; the link's latency and its bridge_halt
 * windows are the caller's state. Must compile as C11 and CUDA C++.
 *
 * The route buys the asset with USD on pool a (fee f_a) and sells what
 * arrives on pool b (fee f_b) after the link keeps `cost` of it. Two
 * constant-product swaps in a row are one constant-product curve
 * (Uniswap v2; the virtual reserves of Angeris et al., "An analysis of
 * Uniswap markets", 2019, for a two-hop path): with r_a = 1 - f_a and
 * r_b = (1 - f_b)(1 - cost),
 *   e_in = y_a x_b / (x_b + r_b x_a),  e_out = r_b x_a y_b / (x_b + r_b x_a),
 *   usd_out(d) = e_out r_a d / (e_in + r_a d),
 * whose profit usd_out(d) - d is concave, largest at
 *   d* = (sqrt(e_in e_out r_a) - e_in) / r_a,
 * positive exactly when r_a e_out > e_in, i.e. when b's price net of both
 * fees and the cost exceeds a's: p_b r_a r_b > p_a. */
#ifndef STAMPEDE_LINK_H
#define STAMPEDE_LINK_H

#include <math.h>

#include "stampede/hd.h"
#include "stampede/workspace.h"

/* Units of the asset out of a pool for usd_in dollars in, the fee kept in
 * the pool (Uniswap v2 getAmountOut, the USD side in). */
static inline STP_HD double stp_amm_buy_units(double pool_x, double pool_y_usd, double usd_in,
                                              double fee)
{
    const double d_eff = usd_in * (1.0 - fee);
    return pool_x * d_eff / (pool_y_usd + d_eff);
}

/* The USD the route a -> b should put into pool a this step: the profit-
 * maximising d* above, at most cap_usd (the link's capacity over the
 * step), 0 when the route loses money. Call it with the pools swapped for
 * the route b -> a; at most one of the two is positive. */
static inline STP_HD double stp_link_arb_usd(double xa, double ya, double fa, double xb, double yb,
                                             double fb, double cost, double cap_usd)
{
    const double ra = 1.0 - fa, rb = (1.0 - fb) * (1.0 - cost);
    const double den = xb + rb * xa;
    const double e_in = ya * xb / den, e_out = rb * xa * yb / den;
    double d;
    if (!(ra * e_out > e_in)) return 0.0;
    d = (sqrt(e_in * e_out * ra) - e_in) / ra;
    return d < cap_usd ? d : cap_usd;
}

/* Buys with usd_in dollars on the pool, the fee kept in the pool (its USD
 * reserve takes the whole input, the curve moves by the after-fee part);
 * returns the units out. */
static inline STP_HD double stp_amm_buy(double *pool_x, double *pool_y_usd, double usd_in,
                                        double fee)
{
    const double d_eff = usd_in * (1.0 - fee);
    const double units = *pool_x * d_eff / (*pool_y_usd + d_eff);
    *pool_x *= *pool_y_usd / (*pool_y_usd + d_eff);
    *pool_y_usd += usd_in;
    return units;
}

/* ---------------------------------------------------------------------------
 * A link over a path's steps
 * ------------------------------------------------------------------------- */

/* A link's per-step constants (venues.c derives them from links[]). */
typedef struct stp_link_prm {
    int a, b;       /* venues */
    int lat;        /* latency in steps: units bought at t land at t + lat */
    double cap_usd; /* capacity over one step, USD (each direction) */
    double cost;    /* share of the units the crossing keeps */
} stp_link_prm;

/* Units in flight of one link: ring[dir * (lat + 1) + t % (lat + 1)]
 * lands at step t on the far side (dir 0: a -> b, 1: b -> a). */
static inline STP_HD int stp_link_ring_len(const stp_link_prm *l)
{
    return 2 * (l->lat + 1);
}

/* One direction's crossing at step t: what lands now is sold into the far
 * pool, then the arbitrageur, who sees the units still in flight as if
 * already sold there, buys on the near pool the USD that maximises its
 * profit (stp_link_arb_usd) within the step's capacity, and its units
 * leave (landing at once when lat is 0). A closed link (bridge_halt)
 * takes no new crossing; what is in flight still lands. Returns the USD
 * bought. */
static inline STP_HD double stp_link_cross(stp_path_state *near, stp_path_state *far,
                                           const stp_link_prm *l, double *ring, int t, int open)
{
    const int n = l->lat + 1;
    double pend = 0.0, xf, yf, d, units;
    int k;
    stp_amm_sell(&far->x, &far->y, ring[t % n], far->fee);
    ring[t % n] = 0.0;
    if (!open) return 0.0;
    for (k = 1; k < n; k++)
        pend += ring[(t + k) % n];
    xf = far->x + pend * (1.0 - far->fee);
    yf = far->x * far->y / xf;
    d = stp_link_arb_usd(near->x, near->y, near->fee, xf, yf, far->fee, l->cost, l->cap_usd);
    if (!(d > 0.0)) return 0.0;
    units = stp_amm_buy(&near->x, &near->y, d, near->fee) * (1.0 - l->cost);
    if (l->lat == 0)
        stp_amm_sell(&far->x, &far->y, units, far->fee);
    else
        ring[(t + l->lat) % n] += units;
    return d;
}

/* Link l at step t, after both venues' own arbitrage (7) and before their
 * bookkeeping (8): each direction in turn (a -> b, then b -> a; at most
 * one of them finds a profit once what lands has been sold). A
 * bridge_halt on either venue closes it for the step. */
static inline STP_HD void stp_link_step(stp_path_state *sa, stp_path_state *sb,
                                        const stp_link_prm *l, double *ring, int t)
{
    const int open = !sa->bridge_halt && !sb->bridge_halt, n = l->lat + 1;
    stp_link_cross(sa, sb, l, ring, t, open);
    stp_link_cross(sb, sa, l, ring + n, t, open);
}

#endif
