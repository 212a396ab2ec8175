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

#endif
