/* attribution.h: tail attribution and who moved first (DESIGN §3.6, issue
 * 12): which shock kinds, sizes and times the worst paths and the cascade
 * paths carry against all paths, and the model families of the first agents
 * to act on cascade paths against the population's mix. */
#ifndef STAMPEDE_ATTRIBUTION_H
#define STAMPEDE_ATTRIBUTION_H

#include "stampede/config.h"
#include "stampede/error.h"

STP_EXTERN_C_BEGIN

struct stp_path_source; /* outcomes.h */

/* The groups of paths compared, in the order of the results file's `groups`. */
/* The shock kinds attribution tabulates: those before DESIGN §10. A
 * bridge_halt or a depeg only exists on multi-venue paths, whose
 * attribution (point_attribution.c) leaves them out, and a fixed width
 * keeps every earlier results file's tables as they were. */
#define STP_ATTR_KINDS STP_SHOCK_BRIDGE_HALT

typedef enum stp_attr_group {
    STP_ATTR_ALL,     /* every path: the base rates */
    STP_ATTR_WORST,   /* the worst 1% by bad_debt_usd (stp_attr_worst_count) */
    STP_ATTR_CASCADE, /* cascade = 1 */
    STP_ATTR_GROUPS
} stp_attr_group;

/* "all", "worst_1pct", "cascade", indexed by stp_attr_group. */
extern const char *const stp_attr_group_names[STP_ATTR_GROUPS];

/* Everything below is weighted by the paths' `weight` outcome (likelihood
 * ratios under importance sampling, all 1 otherwise): a share is
 * sum(w flag) / sum(w) over the group. NaN where a ratio has nothing under
 * it (an empty group, a kind no path of the group drew). */
typedef struct stp_attribution {
    int computed;                     /* 0: absent (a file written before 0.3.0) */
    int n_kinds;                      /* STP_ATTR_KINDS when computed; a reader may find fewer */
    long long paths[STP_ATTR_GROUPS]; /* paths in the group */
    double weight[STP_ATTR_GROUPS];   /* their summed weight */
    /* [group][kind]: share of the group's paths with at least one active
     * shock of the kind; the mean size and start time of those shocks, each
     * weighted by its path's weight */
    double share[STP_ATTR_GROUPS][STP_ATTR_KINDS];
    double mean_size[STP_ATTR_GROUPS][STP_ATTR_KINDS];
    double mean_time_s[STP_ATTR_GROUPS][STP_ATTR_KINDS];

    /* Who moved first, [family]: the first mover's family over the cascade
     * paths on which some agent decided (cascade_*), and over every path on
     * which one did (acted_*); weighted shares and raw path counts. The
     * population's share is its AI agents' (borrowers and LPs) per family
     * over all AI agents; lift = cascade_share / population_share (above 1:
     * the family starts cascades more often than its numbers explain). */
    int n_families;
    char families[STP_MAX_FAMILIES][STP_NAME_MAX];
    double population_share[STP_MAX_FAMILIES];
    double cascade_share[STP_MAX_FAMILIES];
    long long cascade_count[STP_MAX_FAMILIES];
    double acted_share[STP_MAX_FAMILIES];
    long long acted_count[STP_MAX_FAMILIES];
    double lift[STP_MAX_FAMILIES];
} stp_attribution;

/* The agents whose families attribution reads (population.h's
 * stp_population_families builds it from a population): agent a of
 * n_agents is of family family[a], -1 for none. Borrowed. */
typedef struct stp_attr_agents {
    int n_agents, n_families;
    const int *family;                         /* [agent] */
    const char *family_name[STP_MAX_FAMILIES]; /* [family] */
} stp_attr_agents;

/* Paths in the worst-1% group of n paths: ceil(n / 100), at least one (for
 * n > 0), so a small run still names its worst path. */
long long stp_attr_worst_count(long long n);

/* Computes *out for one variant from src's outcome columns (bad_debt_usd,
 * cascade, first_mover, weight) and scenario rows, and the agents' families.
 * Memory: one outcome column and 9 bytes a path, plus the worst group's
 * ranks (16 bytes each) and a fixed block of scenario rows; never every
 * path's rows at once. The worst group ranks by bad debt, ties by path
 * index (the lower first), as worst_paths does. Fails with STP_ENOMEM, with
 * the source's error, or with STP_EIO when a first_mover is not one of
 * the agents (outcomes of another population). */
stp_status stp_attribution_compute(stp_attribution *out, const struct stp_path_source *src,
                                   stp_attr_agents agents, stp_error *err);

/* The same for an ensemble (run.populations > 1): family[k][agent] holds
 * population k's families, and paths [k paths_per_pop, (k + 1)
 * paths_per_pop) are population k's; the population's mix is over every
 * population's agents. family NULL: agents.family (stp_attribution_compute). */
stp_status stp_attribution_compute_ensemble(stp_attribution *out, const struct stp_path_source *src,
                                            stp_attr_agents agents, const signed char *family,
                                            long long paths_per_pop, stp_error *err);

/* Agents whose number differs by population: a multi-venue run's venue or
 * system (DESIGN §10), whose cross-venue mirrors are drawn with each
 * population. Population k's agents are family[offset[k], offset[k + 1])
 * (an agent's index in the first_mover column is its place there) and its
 * paths [k paths_per_pop, (k + 1) paths_per_pop), the last population
 * taking any rest; the mix is over every population's agents. Borrowed. */
typedef struct stp_attr_table {
    int n_pops, n_families;
    long long paths_per_pop;
    const long long *offset;   /* [n_pops + 1], offset[0] = 0 */
    const signed char *family; /* [offset[n_pops]]: -1 for none */
    const char *family_name[STP_MAX_FAMILIES];
} stp_attr_table;

/* stp_attribution_compute over such a table. */
stp_status stp_attribution_compute_table(stp_attribution *out, const struct stp_path_source *src,
                                         const stp_attr_table *t, stp_error *err);

STP_EXTERN_C_END

#endif
