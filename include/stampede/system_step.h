/* system_step.h: the global mitigations of a path over venues (DESIGN
 * §10), each a one-thread phase of the venues' lockstep between two of
 * the venues' own (cpu_backend.c's simulate_venues; the kernel's body runs
 * the same calls). A mitigation marked global is one mechanism that sees
 * the whole system: the sync of every venue's agents together, mirrors
 * included (a cross-venue agent's position on each venue counts on each,
 * as it does in that venue's own sync). A venue's own sync is sync_sum of
 * its tables' n_agents; the system's is the sum of the venues' sums over
 * the sum of their agents. Must compile as C11 and CUDA C++. */
#ifndef STAMPEDE_SYSTEM_STEP_H
#define STAMPEDE_SYSTEM_STEP_H

#include "stampede/path.h"

/* Before every venue's (3) of a step: the risk signal each venue
 * publishes is the system's sync fraction, decisions up to the last step
 * (stp_features_step reads it when the signal is global). n_agents: the
 * venues' agents together. */
static inline STP_HD void stp_system_signal(stp_path_state *s, int nv, int n_agents)
{
    double sum = 0.0, sig;
    int v;
    for (v = 0; v < nv; v++)
        sum += (double)s[v].sync_sum;
    sig = n_agents > 0 ? sum / n_agents : 0.0;
    for (v = 0; v < nv; v++)
        s[v].sys_signal = sig;
}

/* After every venue's decisions of step t and before any venue's actions:
 * the breaker trips on the system's sync in its window and halts every
 * venue for its cooldown (each venue's halt and release then run as a
 * venue's own do, in stp_agents_execute). p: the breaker's constants, the
 * base's (no venue may change a global breaker). Every venue's halt
 * starts together and lasts alike, so venue 0's halt stands for all. */
static inline STP_HD void stp_system_breaker(stp_path_state *s, int nv, const stp_params *p,
                                             int n_agents, int t)
{
    double sum = 0.0;
    int v;
    if (t < s[0].halt_until) return;
    for (v = 0; v < nv; v++)
        sum += (double)s[v].brk_sum;
    for (v = 0; v < nv; v++)
        stp_breaker_trip(&s[v], p, sum, (double)n_agents, t);
}

#endif
