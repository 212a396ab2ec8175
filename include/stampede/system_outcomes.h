/* system_outcomes.h: a path's system record from its venues' records (DESIGN
 * §10), written once for every backend. Each venue's record is path.h's
 * stp_path_outcomes of that venue alone plus the start of its cascade;
 * the system's columns aggregate them as docs/model.md states:
 *   sums      liquidated, liquidations, bad debt (both), defensive sells,
 *             agents acted (a venue's agents are its own)
 *   worst     max drawdown, min and final price ratios (the worst venue's:
 *             ratios of different assets have no common unit), peak sync,
 *             herding index, and the trough time of the deepest drawdown
 *   first     first mover: the venue whose agent decided first, as
 *             agent_base + its index, and its time; venues whose first
 *             moves share that step tie, and a draw keyed by the path
 *             picks one of them, each as likely (in the order of their
 *             keys, so the order the venues are listed in changes no
 *             pick)
 *   weight    the product over assets of the first venue on each: venues
 *             on one asset draw its jumps alike, so their ratios are one
 *   cascade   venues_in_cascade >= the rule's count (cascade.venues)
 *   lag       second cascade start - first; -1 when fewer than two.
 * Must compile as C11 and CUDA C++. */
#ifndef STAMPEDE_SYSTEM_OUTCOMES_H
#define STAMPEDE_SYSTEM_OUTCOMES_H

#include "stampede/hd.h"
#include "stampede/outcomes.h"
#include "stampede/rng.h"

/* Which of n_tied venues tied for the path's first move takes it: a
 * uniform draw of its own (the agents' stream at a step no path has),
 * each as likely. */
static inline STP_HD int stp_system_tie_pick(uint64_t seed, long long path, int n_tied)
{
    const stp_u32x4 r = stp_philox(seed, STP_STREAM_AGENT, (uint32_t)path, 0xffffffffu, 0u, 2u);
    const int k = (int)(stp_uniform(r.v[0]) * (float)n_tied); /* (0, 1]: n_tied is possible */
    return k < n_tied ? k : n_tied - 1;
}

/* o[0, STP_N_OUTCOMES + STP_N_SYSTEM_OUTCOMES) from the n venues'
 * records ov[v * STP_N_VENUE_OUTCOMES + m]. own_weight[v]: 1 when venue v
 * is the first on its asset. key[v]: venue v's key (venues.h), which
 * orders a tie. need: venues that must cascade (>= 1). seed, path: the
 * tie's draw. */
static inline STP_HD void stp_system_outcomes(const double *ov, int n, const int *agent_base,
                                              const int *own_weight, const int *key, int need,
                                              uint64_t seed, long long path, double *o)
{
    const int sums[] = {STP_OUT_LIQUIDATED_USD,        STP_OUT_LIQUIDATIONS,
                               STP_OUT_BAD_DEBT_USD,          STP_OUT_BAD_DEBT_REALIZED_USD,
                               STP_OUT_DEFENSIVE_SELL_USD,    STP_OUT_AGENTS_ACTED};
    const int maxes[] = {STP_OUT_MAX_DRAWDOWN, STP_OUT_PEAK_SYNC, STP_OUT_HERDING_INDEX};
    double first_c = -1.0, second_c = -1.0;
    int v, k, in_cascade = 0, deepest = 0, first = -1, n_tied = 0;
    for (k = 0; k < STP_N_OUTCOMES; k++)
        o[k] = ov[k];
    o[STP_OUT_WEIGHT] = 1.0;
    for (v = 0; v < n; v++) {
        const double *r = ov + (long)v * STP_N_VENUE_OUTCOMES;
        const double tc = r[STP_VOUT_T_CASCADE_S];
        if (v > 0) {
            for (k = 0; k < (int)(sizeof sums / sizeof sums[0]); k++)
                o[sums[k]] += r[sums[k]];
            for (k = 0; k < (int)(sizeof maxes / sizeof maxes[0]); k++)
                o[maxes[k]] = r[maxes[k]] > o[maxes[k]] ? r[maxes[k]] : o[maxes[k]];
            o[STP_OUT_MIN_PRICE_RATIO] = r[STP_OUT_MIN_PRICE_RATIO] < o[STP_OUT_MIN_PRICE_RATIO]
                                             ? r[STP_OUT_MIN_PRICE_RATIO]
                                             : o[STP_OUT_MIN_PRICE_RATIO];
            o[STP_OUT_FINAL_PRICE_RATIO] =
                r[STP_OUT_FINAL_PRICE_RATIO] < o[STP_OUT_FINAL_PRICE_RATIO]
                    ? r[STP_OUT_FINAL_PRICE_RATIO]
                    : o[STP_OUT_FINAL_PRICE_RATIO];
        }
        if (r[STP_OUT_MAX_DRAWDOWN] > ov[(long)deepest * STP_N_VENUE_OUTCOMES + STP_OUT_MAX_DRAWDOWN])
            deepest = v;
        if (r[STP_OUT_FIRST_MOVER] >= 0.0) {
            const double tf = r[STP_OUT_T_FIRST_MOVE_S],
                         best = first < 0 ? 0.0
                                          : ov[(long)first * STP_N_VENUE_OUTCOMES +
                                               STP_OUT_T_FIRST_MOVE_S];
            if (first < 0 || tf < best) {
                first = v;
                n_tied = 1;
            } else if (tf == best) {
                n_tied++;
            }
        }
        if (own_weight[v]) o[STP_OUT_WEIGHT] *= r[STP_OUT_WEIGHT];
        if (r[STP_OUT_CASCADE] != 0.0) in_cascade++;
        if (tc >= 0.0) {
            if (first_c < 0.0 || tc < first_c) {
                second_c = first_c;
                first_c = tc;
            } else if (second_c < 0.0 || tc < second_c) {
                second_c = tc;
            }
        }
    }
    o[STP_OUT_T_TROUGH_S] = ov[(long)deepest * STP_N_VENUE_OUTCOMES + STP_OUT_T_TROUGH_S];
    if (n_tied > 1) { /* the pick-th of the tied venues by key */
        const double tf = ov[(long)first * STP_N_VENUE_OUTCOMES + STP_OUT_T_FIRST_MOVE_S];
        const int pick = stp_system_tie_pick(seed, path, n_tied);
        for (v = 0; v < n; v++) {
            const double *r = ov + (long)v * STP_N_VENUE_OUTCOMES;
            int below = 0, u;
            if (!(r[STP_OUT_FIRST_MOVER] >= 0.0 && r[STP_OUT_T_FIRST_MOVE_S] == tf)) continue;
            for (u = 0; u < n; u++)
                below += key[u] < key[v] && ov[(long)u * STP_N_VENUE_OUTCOMES +
                                              STP_OUT_FIRST_MOVER] >= 0.0 &&
                         ov[(long)u * STP_N_VENUE_OUTCOMES + STP_OUT_T_FIRST_MOVE_S] == tf;
            if (below == pick) first = v;
        }
    }
    o[STP_OUT_FIRST_MOVER] = -1.0;
    o[STP_OUT_T_FIRST_MOVE_S] = -1.0;
    if (first >= 0) {
        const double *r = ov + (long)first * STP_N_VENUE_OUTCOMES;
        o[STP_OUT_FIRST_MOVER] = agent_base[first] + r[STP_OUT_FIRST_MOVER];
        o[STP_OUT_T_FIRST_MOVE_S] = r[STP_OUT_T_FIRST_MOVE_S];
    }
    o[STP_OUT_CASCADE] = in_cascade >= need;
    o[stp_system_column(STP_SYS_VENUES_IN_CASCADE)] = in_cascade;
    o[stp_system_column(STP_SYS_CONTAGION_LAG_S)] = second_c >= 0.0 ? second_c - first_c : -1.0;
}

#endif
