/* results.h: everything one `stampede run` hands to the results writer
 * (DESIGN §6), and the records the reader gives back. Every type a results
 * file holds is defined here or below (stats, paired, outcomes,
 * attribution), so io/ needs no header of the layers that fill them. All
 * pointers are borrowed from the run. */
#ifndef STAMPEDE_RESULTS_H
#define STAMPEDE_RESULTS_H

#include "stampede/attribution.h"
#include "stampede/config.h"
#include "stampede/outcomes.h"
#include "stampede/paired.h"
#include "stampede/population.h"
#include "stampede/stats.h"

/* The adversarial search's record (search.h runs it; the writer and the
 * reader keep it under /search), and the smoothing of each update
 * (search.c) that /search records. */
#define STP_CE_SMOOTHING 0.7

/* One spec's law in the search. */
typedef struct stp_search_law {
    double p; /* probability the shock happens on a path */
    double size_mean, size_sd, time_mean, time_sd, duration_mean, duration_sd;
} stp_search_law;

typedef struct stp_search {
    int n_specs, n_iter, done;          /* iterations configured, finished */
    stp_search_law law[STP_MAX_SHOCKS]; /* the law the next iteration draws from */
    stp_search_law *history;            /* [iter][spec]: the law iteration iter drew from */
    double *objective;                  /* [iter]: the objective on the iteration's paths */
    double *gamma;                      /* [iter]: the elite's lowest score */
    double *elite;                      /* [iter]: the elite's mean score */
    /* filled when the search ends (and by the reader) */
    int kind[STP_MAX_SHOCKS];             /* stp_shock_kind of each spec */
    stp_search_law worst[STP_MAX_SHOCKS]; /* stp_search_worst */
    stp_search_objective objective_kind;
    long long paths_per_iter;
    double elite_fraction;
    unsigned long long rerun_seed; /* the fresh paths' seed of the re-run */
} stp_search;

/* Frees the record's per-iteration arrays, whoever allocated them
 * (stp_search_init or the reader), and sets them NULL; NULL arrays are
 * fine. In io/ (h5_search.c) beside the reader, so neither the search nor
 * the reader calls the other's floor upwards. */
void stp_search_free(stp_search *s);

/* The importance tilt's pilot (pilot.h runs it; /importance_pilot). */
#define STP_PILOT_LEVELS 12
#define STP_PILOT_RHO    0.1

typedef struct stp_pilot {
    int levels;      /* levels run; 0: no pilot */
    int reached;     /* 1: the last level's event was the cascade itself */
    double tilt;     /* chosen */
    long long paths; /* per level */
    unsigned long long seed;
    double level_tilt[STP_PILOT_LEVELS];      /* the tilt level l drew with */
    double level_gamma[STP_PILOT_LEVELS];     /* its event's threshold score (2: a cascade) */
    long long level_events[STP_PILOT_LEVELS]; /* paths in its event */
} stp_pilot;

typedef struct stp_variant_results {
    char name[STP_NAME_MAX];
    const char *overrides_json; /* "{}" for the baseline */
    long long paths_done;
    stp_path_source source;
    const struct stp_scenario_plan *plan; /* the law of its scenario rows */
    const stp_samples *samples;
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_metric_stats peak_sync_acted; /* over paths where an agent acted; n = 0 if none */
    stp_cascade_stats cascade;
    stp_histogram hist[STP_N_OUTCOMES];
    long long *worst; /* [worst_paths]: path indices, worst bad debt first */
    int n_worst;
    stp_attribution attribution;         /* tail attribution and first movers; computed 0: none */
    const struct stp_ensemble *ensemble; /* run.populations > 1; NULL: one population */
    /* DESIGN §10, a run over n_venues >= 2 venues (else n_venues 0 and
     * the fields below unset): its record's extra columns
     * (stp_outcome_columns), which source.outcome_column serves too. */
    int n_venues;
    const char *venue_name[STP_MAX_VENUES]; /* borrowed: the config's venues[v].name */
    /* [v * STP_N_VENUE_OUTCOMES + m]: venue v's metric m (m <
     * STP_N_VENUE_OUTCOMES: stp_outcome's, then t_cascade_s), weighted like
     * the system's; owned by the run */
    stp_metric_stats *venue_stats;
    stp_cascade_stats venue_cascade[STP_MAX_VENUES]; /* P(venue v's own cascade) */
    stp_metric_stats venues_in_cascade;
    stp_metric_stats contagion_lag; /* contagion_lag_s over paths where >= 2 venues cascaded;
                                       n = 0 if none */
    stp_cascade_stats p_two;        /* P(at least two venues cascade) */
    stp_cascade_stats p_second;     /* P(a second cascades | one does): stp_contagion_conditional */
    /* [v]: venue v's attribution (its columns, its agents; `attribution`
     * above is then the system's); NULL: none */
    const stp_attribution *venue_attribution;
} stp_variant_results;

typedef struct stp_results {
    const stp_config *cfg;
    const stp_population *pop;
    const char *engine_version;
    const char *backend; /* "openmp" | "cuda" */
    const char *device;  /* CPU model name or GPU name */
    unsigned long long seed;
    long long paths;
    double wall_s, agent_steps_per_s;
    int n_variants;
    stp_variant_results *variants;
    const stp_comparison *comparison; /* NULL for a single experiment */
    const stp_search *search;         /* search experiments: /search, else NULL */
    const stp_pilot *pilot; /* the importance tilt's pilot: /importance_pilot, else NULL */
    int verify; /* read the finished file back as a reader would before it replaces the output */
} stp_results;

#endif
