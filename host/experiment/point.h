/* point.h: one point of an experiment, run (simulated batch by batch
 * into its checkpoint, then summarised), and the results file of finished
 * points. Private to host/experiment/: shared by run.c (every kind of
 * experiment but search) and search_run.c (a search's iterations and its
 * re-run), which both sit above point.c. */
#ifndef STAMPEDE_EXPERIMENT_POINT_H
#define STAMPEDE_EXPERIMENT_POINT_H

#include <omp.h>

#include "stampede/checkpoint.h"
#include "stampede/config.h"
#include "stampede/cuda.h"
#include "stampede/ensemble.h"
#include "stampede/error.h"
#include "stampede/experiment.h"
#include "stampede/h5out.h"
#include "stampede/outcomes.h"
#include "stampede/pilot.h"
#include "stampede/population.h"
#include "stampede/run.h"
#include "stampede/scenario.h"
#include "stampede/search.h"

/* DESIGN §10: every population's agents of a multi-venue point, by the
 * family each answers to (point_attribution.c). */
typedef struct stp_venue_families {
    int k, n_venues; /* populations; venues */
    /* [k]: population k's agents in agent_base order (each venue's own, then
     * its mirrors) as home venue * STP_MAX_FAMILIES + family in the home
     * venue's population (a mirror's home: its leader's venue), -1 for
     * none; NULL until population k is drawn */
    signed char **code;
    int (*base)[STP_MAX_VENUES + 1]; /* [k]: population k's agent_base */
    int n_families[STP_MAX_VENUES];
    char family_name[STP_MAX_VENUES][STP_MAX_FAMILIES][STP_NAME_MAX];
} stp_venue_families;

/* One point of the experiment. Memory is bounded by the batch: the
 * outcomes and scenario rows of one batch while it simulates, then one
 * outcome column (8 bytes a path) at a time when the statistics and the
 * results file read the finished batches back. What the results writer
 * reads (stats, samples, the checkpoint, the config) lives until the end. */
typedef struct stp_point_state {
    stp_config *own; /* the point's config; NULL: the base itself */
    const stp_config *cfg;
    char *overrides_json; /* owned */
    stp_population *pop;  /* population 0: the plan's, the fingerprint's, the file's */
    stp_population *cur;  /* population k > 0 of an ensemble being simulated; NULL */
    int gpu_pop;          /* the population the GPU engine holds; -1: none */
    /* an ensemble (run.populations > 1; K = 1 leaves these empty) */
    stp_ensemble ens;
    signed char *family;  /* [k][agent]: every population's families (first movers) */
    unsigned char *drawn; /* [k]: population k drawn (family and screen counts noted) */
    double pop_s, sim_s;  /* seconds drawing populations; simulating */
    long long pop_draws, sim_paths;
    stp_scenario_plan *plan;  /* the law of its scenario rows */
    stp_scenario_table *scen; /* rows of the batch in flight */
    stp_outcomes out;         /* rows of the batch in flight */
    stp_samples samples;
    stp_variant_results var;
    stp_checkpoint ck;
    stp_cuda_engine *gpu; /* NULL: the OpenMP backend */
    /* DESIGN §10: the venues of a multi-venue config with their
     * populations (pop is then venue 0's, for the scenario plan); NULL:
     * one venue */
    struct stp_venues *venues;
    struct stp_venues *cur_venues; /* population k > 0's venues of an ensemble; NULL */
    stp_venue_families *vfam;      /* multi-venue: every population's families; else NULL */
    stp_attribution *venue_attr;   /* [n_venues]: each venue's attribution; NULL */
} stp_point_state;

/* Progress over the whole experiment: this point's paths start at done0
 * of total, the run started at t0. */
typedef struct stp_point_span {
    long long done0, total;
    double t0;
    long long *simulated; /* the run's paths this process simulated so far */
} stp_point_span;

/* Wall-clock seconds (the run's timings and progress). */
static inline double stp_point_now_s(void)
{
    return omp_get_wtime();
}

/* What the batches need only while the point simulates. */
void stp_point_free_batch(stp_point_state *r);

/* Everything the point owns; a point's borrowed population (a search's)
 * must be set to NULL first. */
void stp_point_free(stp_point_state *r);

/* Simulates and summarises point `index` (r->cfg set; r->pop and r->plan
 * drawn here unless set); *agent_steps grows by what this process
 * simulated (batches reused on resume took no time). A shard's point, or
 * one on a rank other than 0, is simulated only. */
stp_status stp_point_run(stp_point_state *r, int index, const stp_run_opts *o, int use_gpu,
                         stp_point_span sp, double *agent_steps, stp_error *err);

/* The results file o->out_path of the n finished points (with their
 * comparison unless the experiment is single, a search's /search and a
 * pilot's /importance_pilot where not NULL). */
stp_status stp_points_write(stp_point_state *runs, int n, const stp_config *cfg,
                            const stp_point_spec *pts, const stp_search *search,
                            const stp_pilot *pilot, const stp_run_opts *o, int use_gpu,
                            const char *device, double wall, double agent_steps, stp_error *err);

/* point_venues.c (DESIGN §10): the name of outcome column col of a
 * record over cfg's venues: stp_outcome_names, the system's contagion
 * columns, or "venues/<name>/<metric>" for a venue's. */
void stp_point_column_name(const stp_config *cfg, int col, char *buf, size_t cap);

/* point_venues.c: with cfg->n_venues >= 2, the statistics of the extra
 * columns into r->var (results.h: each venue's metrics and P(cascade), the
 * venues in cascade, the contagion lag, P(>= 2 venues) and P(a second |
 * one)), weighted by w (NULL: unweighted), under qmc (reps > 0) with the
 * replicates' intervals; col and aux are scratch of cfg->run.paths each.
 * Fewer venues: r->var.n_venues = 0, nothing else. */
stp_status stp_point_summarise_venues(stp_point_state *r, const stp_config *cfg,
                                      const stp_checkpoint *ck, double *col, double *aux,
                                      const double *w, int reps, stp_error *err);

/* point_attribution.c (DESIGN §10): notes the families of the agents of
 * venues vs (population vs->pop[0]->index of the point; once each). */
stp_status stp_point_note_venues(stp_point_state *r, const struct stp_venues *vs, stp_error *err);

/* Whether population k's venues were noted. */
int stp_point_venues_noted(const stp_point_state *r, int k);

/* point_attribution.c: with every population noted and r->var's source
 * set, the system's attribution into r->var.attribution (its first mover:
 * the venue whose agent decided first, a tie picked by the path's draw)
 * and each venue's into r->venue_attr (r->var.venue_attribution): from
 * that venue's cascade, bad debt and first-mover columns, the path's
 * weight and shocks, its agents' families, a mirror's its leader's.
 * Nothing without venues. */
stp_status stp_point_attribute_venues(stp_point_state *r, stp_error *err);

/* Frees the families and the venues' attribution (NULL after). */
void stp_point_free_venue_families(stp_point_state *r);

/* The backend a run's checkpoint is keyed to: a merge's is its shards'. */
const char *stp_point_backend_name(const stp_run_opts *o, int use_gpu);

/* Paths of a point of cfg that this process simulates: all, its shard's or
 * its rank's. */
long long stp_point_own_paths(const stp_config *cfg, const stp_run_opts *o);

/* Under mpirun every rank learns whether any failed: the first status
 * (the largest code) goes to all, so they stop together; a rank that did
 * not fail itself says so (ranks.h). One process: st unchanged. */
stp_status stp_point_ranks_agree(stp_status st, stp_error *err);

#endif
