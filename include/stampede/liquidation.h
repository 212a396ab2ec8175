/* liquidation.h: steps (5) and (6) of a path's step (DESIGN §3.9): the
 * liquidation screen and plan at the oracle price on start-of-step
 * positions, the liquidators' budget and their skip test, the ONE batch of
 * the step's sells (liquidation seizures and agent sells) on the pool, and
 * its settlement. path.h's step runs stp_liquidation_and_batch after the
 * decisions (4) and before arbitrage (7); every sum here runs over an
 * index-ordered list in one thread, so the batch does not depend on
 * scheduling. Must compile as C11 and CUDA C++. */
#ifndef STAMPEDE_LIQUIDATION_H
#define STAMPEDE_LIQUIDATION_H

#include "stampede/step.h"
#include "stampede/workspace.h"

/* ---------------------------------------------------------------------------
 * (5) the liquidations
 * ------------------------------------------------------------------------- */

/* Cheap screen for position i at the oracle price (stp_maybe_liquidatable:
 * true whenever stp_liquidate could act). */
static inline STP_HD int stp_position_screen(const stp_path_ws *w, const stp_path_tables *tb, int i,
                                             float price)
{
    return stp_maybe_liquidatable(w->c[i], price, tb->lt[i], w->d[i]);
}

/* grace_period: while the sync fraction is above its threshold, listed
 * positions with HF in [hf_floor, 1) are taken off the step's list, each
 * for at most grace_steps consecutive steps. A streak runs while the
 * position is in the band with sync above the threshold (past its grace it
 * is liquidated on each such step) and ends on the first step it is not:
 * healthy again, below the floor, or sync back under. Keeps the list's
 * order. */
static inline STP_HD void stp_grace_filter(stp_path_state *s, const stp_path_ws *w,
                                           const stp_path_tables *tb, int t)
{
    const stp_params *p = &tb->prm;
    const float price = (float)s->oracle;
    int j, keep = 0;
    if (!p->grace_on || !(s->sync_frac > p->grace_sync)) return;
    for (j = 0; j < s->n_liq; j++) {
        const int pos = w->liq[j];
        const float hf = stp_health_factor(w->c[pos], price, tb->lt[pos], w->d[pos]);
        if (hf >= p->grace_hf_floor && hf < 1.0f) {
            if (w->grace_last[pos] != t - 1) w->grace_since[pos] = t;
            w->grace_last[pos] = t;
            if (t - w->grace_since[pos] < p->grace_steps) continue;
        }
        w->liq[keep++] = pos;
    }
    s->n_liq = keep;
}

/* tiered_liquidation: the close factor of the deepest band the HF is under
 * (bands by strictly decreasing hf_below); 0 above every band. */
static inline STP_HD float stp_band_close_factor(const stp_params *p, float hf)
{
    float cf = 0.0f;
    int b;
    for (b = 0; b < p->n_bands; b++)
        if (hf < p->band_hf[b]) cf = p->band_cf[b];
    return cf;
}

/* Each listed position's Aave v3 repayment, seizure and bad debt at the
 * oracle price, on start-of-step positions. Tiered liquidation replaces
 * the protocol's close factor by the band's and drops the full close (a
 * position runs out of collateral only when the band's seizure exceeds it). */
static inline STP_HD void stp_plan_liquidations(const stp_path_state *s, const stp_path_ws *w,
                                                const stp_path_tables *tb)
{
    const stp_params *p = &tb->prm;
    const float price = (float)s->oracle;
    int j;
    for (j = 0; j < s->n_liq; j++) {
        const int pos = w->liq[j], k = tb->prot[pos];
        const float cf =
            p->tiered_on
                ? stp_band_close_factor(p, stp_health_factor(w->c[pos], price, p->lt[k], w->d[pos]))
                : p->close_factor[k];
        const stp_liquidation l = stp_liquidate(w->c[pos], w->d[pos], price, p->lt[k], p->lb[k], cf,
                                                p->tiered_on ? 0.0f : p->full_close_hf[k]);
        w->seize[pos] = l.seize;
        w->repay[pos] = l.repay_usd;
        w->bad[pos] = l.bad_debt_usd;
    }
}

/* The liquidators' budget over the protocols they do not skip: repayments
 * scale pro rata when they exceed it (DESIGN §3.9); so do seizures past
 * tiered liquidation's per-step cap, a fraction of the pool's collateral
 * reserve. */
static inline STP_HD double stp_budget_scale(const stp_path_state *s, const stp_path_ws *w,
                                             const stp_path_tables *tb, const int *skip)
{
    const stp_params *p = &tb->prm;
    double total = 0.0, seized = 0.0, scale;
    int j;
    for (j = 0; j < s->n_liq; j++)
        if (!skip[tb->prot[w->liq[j]]]) {
            total += w->repay[w->liq[j]];
            seized += w->seize[w->liq[j]];
        }
    scale = total > p->liq_budget_step ? p->liq_budget_step / total : 1.0;
    if (p->tiered_on && seized * scale > p->cap_frac * s->x) scale = p->cap_frac * s->x / seized;
    return scale;
}

/* ---------------------------------------------------------------------------
 * (6) the batch and its settlement
 * ------------------------------------------------------------------------- */

/* Collateral the liquidators take from position pos this step. */
static inline STP_HD float stp_taken(const stp_path_ws *w, const stp_path_tables *tb, int pos,
                                     double scale, const int *skip)
{
    return w->seize[pos] > 0.0f && !skip[tb->prot[pos]] ? (float)(scale * w->seize[pos]) : 0.0f;
}

/* Agent a's sale: its queued sell, but never more than the liquidator
 * leaves it. */
static inline STP_HD float stp_agent_sale(const stp_path_ws *w, const stp_path_tables *tb, int a,
                                          double scale, const int *skip)
{
    const float left = w->c[a] - stp_taken(w, tb, a, scale, skip);
    return fminf(w->sell_q[a], fmaxf(left, 0.0f));
}

/* The step's sells, sellers then liquidated positions, each in index order
 * (fixed, so the batch does not depend on scheduling); *q_liq gets the
 * liquidation seizures' part. */
static inline STP_HD double stp_batch_qty(const stp_path_state *s, const stp_path_ws *w,
                                          const stp_path_tables *tb, double scale, const int *skip,
                                          double *q_liq)
{
    double q = 0.0;
    int j;
    *q_liq = 0.0;
    for (j = 0; j < s->n_sellers; j++)
        q += stp_agent_sale(w, tb, w->sellers[j], scale, skip);
    for (j = 0; j < s->n_liq; j++) {
        const float take = stp_taken(w, tb, w->liq[j], scale, skip);
        q += take;
        *q_liq += take;
    }
    return q;
}

/* The fee liquidation seizures pay: progressive_fee's exemption leaves them
 * at the base fee (a lending protocol would not tax its liquidators at the
 * moment it needs them most); otherwise the step's fee, like everyone. */
static inline STP_HD double stp_liquidation_fee(const stp_path_state *s, const stp_params *p)
{
    return p->fee_on && p->fee_exempt_liq ? p->fee_base : s->fee;
}

/* One Uniswap v2 batch of q units in which the liquidation part q_liq pays
 * fee_liq and the rest fee (the fees stay in the pool; only the effective
 * input q_eff moves the curve, as in stp_amm_sell). Executes it when
 * `execute`, and returns the USD paid per unit before fee, out / q_eff:
 * a seller paying fee f gets (1 - f) of it. */
static inline STP_HD double stp_batch_swap(double *pool_x, double *pool_y_usd, double q,
                                           double q_liq, double fee, double fee_liq, int execute)
{
    const double q_eff = (q - q_liq) * (1.0 - fee) + q_liq * (1.0 - fee_liq);
    double x = *pool_x, y = *pool_y_usd; /* a quote moves copies */
    if (!(q_eff > 0.0)) return 0.0;
    return stp_amm_swap_eff(execute ? pool_x : &x, execute ? pool_y_usd : &y, q, q_eff) / q_eff;
}

static inline STP_HD void stp_settle_agents(stp_path_state *s, const stp_path_ws *w,
                                            const stp_path_tables *tb, double scale,
                                            const int *skip, double avg_price)
{
    int j;
    for (j = 0; j < s->n_sellers; j++) {
        const int a = w->sellers[j];
        const float sale = stp_agent_sale(w, tb, a, scale, skip);
        w->sell_q[a] = 0.0f;
        if (sale > 0.0f) {
            const double proceeds = (double)sale * avg_price;
            w->d[a] -= (float)fmin(proceeds, (double)w->d[a]);
            w->c[a] -= sale;
            s->defensive_usd += proceeds;
        }
    }
}

static inline STP_HD void stp_settle_liquidations(stp_path_state *s, const stp_path_ws *w,
                                                  const stp_path_tables *tb, double scale,
                                                  const int *skip)
{
    double step_liq = 0.0;
    int j;
    for (j = 0; j < s->n_liq; j++) {
        const int pos = w->liq[j];
        const float take = stp_taken(w, tb, pos, scale, skip);
        w->seize[pos] = 0.0f; /* keep seize[] zero off the list */
        if (take <= 0.0f) continue;
        if (scale >= 1.0 && w->bad[pos] > 0.0f) { /* collateral ran out: write the rest off */
            s->bad_realized += w->bad[pos];
            w->c[pos] = 0.0f;
            w->d[pos] = 0.0f;
        } else {
            w->c[pos] = fmaxf(w->c[pos] - take, 0.0f);
            w->d[pos] = fmaxf(w->d[pos] - (float)(scale * w->repay[pos]), 0.0f);
        }
        step_liq += (double)take * s->oracle;
        s->liquidations += 1.0;
    }
    s->liq_usd += step_liq;
    s->last_liq_usd = step_liq;
}

/* ---------------------------------------------------------------------------
 * (5) and (6) together
 * ------------------------------------------------------------------------- */

/* (5) and (6) over the step's lists (w->liq from stp_position_screen,
 * w->sellers from stp_agents_act): the liquidators look at the batch they
 * would join, skip the protocols where the pool would pay less than they
 * repay, re-split their budget over the rest, and the one batch executes.
 * With one fee for all (no exemption in force) the batch is stp_amm_sell's;
 * with liquidations exempt from the progressive fee, stp_batch_swap's. */
static inline STP_HD void stp_liquidation_and_batch(stp_path_state *s, const stp_path_ws *w,
                                                    const stp_path_tables *tb, int t)
{
    const stp_params *p = &tb->prm;
    const double fee_liq = stp_liquidation_fee(s, p);
    const int one_fee = fee_liq == s->fee;
    int skip[STP_MAX_PROTOCOLS];
    double scale, q, q_liq, avg, avg_liq, out;
    int k, any = 0;
    for (k = 0; k < STP_MAX_PROTOCOLS; k++)
        skip[k] = 0;
    stp_grace_filter(s, w, tb, t);
    stp_plan_liquidations(s, w, tb);
    scale = stp_budget_scale(s, w, tb, skip);
    q = stp_batch_qty(s, w, tb, scale, skip, &q_liq);
    if (q > 0.0 && s->n_liq > 0) {
        avg_liq =
            one_fee ? stp_amm_sell_usd(s->x, s->y, q, s->fee) / q
                    : stp_batch_swap(&s->x, &s->y, q, q_liq, s->fee, fee_liq, 0) * (1.0 - fee_liq);
        for (k = 0; k < p->n_protocols; k++) {
            skip[k] = !stp_liquidation_profitable(avg_liq, p->lb[k], (float)s->oracle);
            any |= skip[k];
        }
        if (any) {
            scale = stp_budget_scale(s, w, tb, skip);
            q = stp_batch_qty(s, w, tb, scale, skip, &q_liq);
        }
    }
    if (one_fee) {
        out = stp_amm_sell(&s->x, &s->y, q, s->fee);
        avg = q > 0.0 ? out / q : s->y / s->x;
    } else {
        avg = q > 0.0 ? stp_batch_swap(&s->x, &s->y, q, q_liq, s->fee, fee_liq, 1) * (1.0 - s->fee)
                      : s->y / s->x;
    }
    stp_settle_agents(s, w, tb, scale, skip, avg);
    stp_settle_liquidations(s, w, tb, scale, skip);
}

#endif
