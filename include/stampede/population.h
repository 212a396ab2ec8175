/* population.h: the agents and passive positions of a run (DESIGN §3.4,
 * §3.9), drawn once from the seed; every path sees the same population. */
#ifndef STAMPEDE_POPULATION_H
#define STAMPEDE_POPULATION_H

#include "stampede/attribution.h"
#include "stampede/config.h"
#include "stampede/error.h"
#include "stampede/models.h"

/* Redraw rounds of an agent that fires on the calm market (population.c). */
#define STP_EQUILIBRIUM_ROUNDS 64

/* AI agents are sorted by family: agents [family_start[f], family_start[f] +
 * family_count[f]) share family f, so the decision loop runs one model over a
 * contiguous block. Per-agent arrays are indexed by agent a in [0, n_agents). */
typedef struct stp_population {
    int n_agents, n_passive, n_families;
    stp_model models[STP_MAX_FAMILIES]; /* family weights as loaded */
    int family_start[STP_MAX_FAMILIES + 1];
    int family_count[STP_MAX_FAMILIES];
    double herfindahl;         /* sum over families of (agent share)^2 */
    int equilibrium_redraws;   /* agents redrawn because they fired on the calm market */
    int equilibrium_fallbacks; /* of those, agents still firing after every round */
    int index;                 /* k of an ensemble's populations (run.populations); 0 alone */

    /* AI agents, [agent] */
    int *family;
    int *role;              /* STP_ROLE_BORROWER or STP_ROLE_LP */
    int *protocol;          /* borrowers: index into cfg->protocols; LPs: -1 */
    float *threshold;       /* risk score in [0.01, 0.99] that triggers action */
    float *logit_threshold; /* log(t / (1 - t)): agents compare logits */
    float *latency_s;
    int *lag_steps; /* round half up of latency / dt, capped at STP_MAX_LAG_STEPS */
    float *sell_fraction;
    float *cooldown_s;
    float *collateral;    /* units; 0 for LPs */
    float *debt_usd;      /* 0 for LPs */
    float *hf0;           /* NaN for LPs */
    float *lp_share;      /* share of the pool's initial liquidity; 0 for borrowers */
    float *fee_tolerance; /* progressive_fee: the highest swap fee it sells at, >= base */
    float *params;        /* [param][agent]: row k holds parameter k of every agent */

    /* passive positions, [position] */
    int *p_protocol;
    float *p_collateral;
    float *p_debt_usd;
    float *p_hf0;
} stp_population;

/* Draws the population from cfg->run.seed (stream STP_STREAM_POPULATION),
 * loading each family's model file. On failure *out is NULL and err names
 * the model file or the config key at fault; STP_EINTR when a stop was
 * requested (interrupt.h) during the draw or the calm-market screen. */
stp_status stp_population_create(stp_population **out, const stp_config *cfg, stp_error *err);

/* Population k of an ensemble of run.populations (DESIGN §3.4): the same
 * draw from its own counter words (k < 2^16); k = 0 is
 * stp_population_create's. */
stp_status stp_population_create_nth(stp_population **out, const stp_config *cfg, int k,
                                     stp_error *err);
void stp_population_destroy(stp_population *pop);

/* Whether AI agent a's model fires (its logit strictly above its
 * threshold) at some step of history h (equilibrium.h), seeing its own
 * health factor there if a borrower. */
struct stp_calm_history;
int stp_population_agent_fires(const stp_population *p, const stp_config *cfg,
                               const struct stp_calm_history *h, int a);

/* The population as attribution reads it (attribution.h): its agents'
 * families and the families' names, borrowed from p. */
static inline stp_attr_agents stp_population_families(const stp_population *p)
{
    stp_attr_agents a;
    int f;
    a.n_agents = p->n_agents;
    a.n_families = p->n_families;
    a.family = p->family;
    for (f = 0; f < STP_MAX_FAMILIES; f++)
        a.family_name[f] = f < p->n_families ? p->models[f].name : NULL;
    return a;
}

#endif
