/* equilibrium.h: the calm market a population is drawn in equilibrium
 * with (DESIGN §3.4). An agent whose model would fire in it has, in the
 * real market, already acted before the window opens, so population.c
 * redraws it; this module only simulates the calm market and answers
 * "would this agent fire in it". */
#ifndef STAMPEDE_EQUILIBRIUM_H
#define STAMPEDE_EQUILIBRIUM_H

#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/step.h"

/* Path word of the calm history in the market stream: no run reaches it
 * (run.paths <= 2^32 - 1, so path indices stop at 2^32 - 2). */
#define STP_CALM_PATH 0xffffffffu

/* The features every agent would have seen over the calm history. */
/* Shortest calm history, seconds (equilibrium.c says why). */
#define STP_CALM_HISTORY_S 3600.0
/* The histories again with every feature's distance from the rest point
 * times this (equilibrium.c says why). */
#define STP_CALM_STRETCH 1.25f

typedef struct stp_calm_history {
    int n_steps;
    float *feat; /* [feature][step]: the 8 features, then the oracle price */
} stp_calm_history;

/* The calm market of cfg: step 0 is the rest point (the flat market the
 * rings hold before a path starts), then two histories through path.h
 * exactly as a path runs them, from the same start, but with no agents,
 * no positions, no shocks, no jumps and no stress regime, each of
 * max(horizon, STP_CALM_HISTORY_S) on market-stream path STP_CALM_PATH of
 * the seed: one on the configured pool, whose oracle is a smoothed copy of
 * the fundamental, and one with arbitrage closing the whole gap each step,
 * whose oracle moves as the fundamental does (one-step moves of several
 * sigma, which the smoothed pool shows only when agents sell into it);
 * then both again stretched away from the rest point by STP_CALM_STRETCH.
 * On failure (STP_ENOMEM, or STP_EINTR on a stop request: interrupt.h)
 * *out is NULL. */
stp_status stp_calm_history_create(stp_calm_history **out, const stp_config *cfg, stp_error *err);
void stp_calm_history_destroy(stp_calm_history *h);

/* A probe of the same calm market (blind_spot.c): the configured pool,
 * calm noise on STP_CALM_PATH, no jumps or stress, and one shock of `kind`
 * (stp_shock_kind; protocol for an exploit, else -1) of `size` over
 * duration_s, starting once every ring is full. The history holds the
 * steps from the shock's start until two feature windows and the longest
 * lag after its end: what an agent sees of it. Fails as
 * stp_calm_history_create does. */
stp_status stp_calm_history_shocked(stp_calm_history **out, const stp_config *cfg, int kind,
                                    int protocol, double size, double duration_s, stp_error *err);

/* The highest logit a model with parameters p[k * stride] gives over the
 * calm history: an agent is calm when it is not strictly above the agent's
 * logit threshold. Borrowers (lt > 0) see their own health factor c P lt / d
 * at each step's oracle price, capped as path.h caps it; LPs (lt = 0) see
 * the cap. Stops early, with the logit found so far, once it is above
 * stop_above (INFINITY: the whole history). */
float stp_calm_max_logit(const stp_calm_history *h, stp_family_kind kind, int hidden,
                         const float *p, long stride, float collateral, float debt_usd, float lt,
                         float stop_above);

#endif
