/* footprint.c: the memory a run needs, before it starts (footprint.h). */
#include "stampede/footprint.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stampede/ensemble.h"
#include "stampede/outcomes.h"
#include "stampede/params.h"
#include "stampede/workspace.h"

/* Per AI agent: 4 int and 12 float fields (population.h) and its copy of
 * the family weights; a thread's path workspace is workspace.h's. */
#define AGENT_BYTES    64.0
#define PASSIVE_BYTES  16.0
#define SLOT_ROW_BYTES 16.0
#define SAMPLE_SERIES  4.0
/* summarise (run.c): col, aux and w, then rank_worst's (key, path) pairs */
#define SUMMARY_PATH_BYTES 40.0
/* an ensemble's figures of one population (stp_population_stats) */
#define ENSEMBLE_POP_BYTES ((double)sizeof(stp_population_stats))

/* One path's workspace as every backend lays it out (workspace.h). */
static double path_ws_bytes(const stp_config *cfg)
{
    stp_path_tables tb;
    memset(&tb, 0, sizeof tb);
    tb.prm = stp_params_derive(cfg);
    tb.n_agents = cfg->population.agents;
    tb.n_passive = cfg->population.passive_positions;
    tb.n_positions = tb.n_agents + tb.n_passive;
    return (double)stp_path_ws_bytes(&tb, STP_WS_ALL);
}

static stp_footprint one_venue(const stp_config *cfg, int n_params, int threads);

/* A multi-venue config (DESIGN §10): each venue's population and path
 * state from its own config, a path's record of every venue's columns.
 * (Cross-venue mirrors, at most cross_venue_share of a venue's agents on
 * each other venue, are counted as the agents they copy.) */
stp_footprint stp_footprint_estimate(const stp_config *cfg, int n_params, int threads)
{
    stp_footprint f = one_venue(cfg, n_params, threads);
    const double paths = (double)cfg->run.paths;
    const double batch = paths < cfg->run.batch ? paths : cfg->run.batch;
    int v;
    if (cfg->n_venues < 2) return f;
    f.population_bytes = f.workspace_bytes = 0.0;
    for (v = 0; v < cfg->n_venues; v++) {
        stp_config *own = NULL;
        stp_footprint g;
        if (stp_config_venue(&own, cfg, v, NULL) != STP_OK) continue; /* checked at load */
        g = one_venue(own, n_params, threads);
        f.population_bytes += g.population_bytes * (1.0 + own->population.cross_venue_share);
        f.workspace_bytes += g.workspace_bytes * (1.0 + own->population.cross_venue_share);
        stp_config_destroy(own);
    }
    f.batch_bytes += batch * 8.0 * (stp_outcome_columns(cfg->n_venues) - STP_N_OUTCOMES);
    { /* every venue's sample rows (outcomes.h): one_venue counted the first's */
        const double sampled = cfg->output.sample_paths < paths ? cfg->output.sample_paths : paths;
        f.batch_bytes += (cfg->n_venues - 1) * sampled * (cfg->time.horizon_s / cfg->time.dt_s) *
                         4.0 * SAMPLE_SERIES;
    }
    f.total_bytes = f.population_bytes + f.workspace_bytes + f.batch_bytes + f.summary_bytes;
    return f;
}

static stp_footprint one_venue(const stp_config *cfg, int n_params, int threads)
{
    const double agents = cfg->population.agents, passive = cfg->population.passive_positions;
    const double paths = (double)cfg->run.paths;
    const double batch = paths < cfg->run.batch ? paths : cfg->run.batch;
    const double steps = cfg->time.horizon_s / cfg->time.dt_s;
    const double sampled = cfg->output.sample_paths < paths ? cfg->output.sample_paths : paths;
    const int t = threads > 0 ? threads : omp_get_max_threads();
    const double k = cfg->run.populations;
    stp_footprint f;
    /* an ensemble holds population 0 and the one it simulates, every
     * population's families (1 byte an agent) and figures (ensemble.h) */
    f.population_bytes =
        (k > 1 ? 2.0 : 1.0) * (agents * (AGENT_BYTES + 4.0 * n_params) + passive * PASSIVE_BYTES) +
        (k > 1 ? k * (agents + ENSEMBLE_POP_BYTES) : 0.0);
    f.workspace_bytes = t * path_ws_bytes(cfg);
    f.batch_bytes = batch * (8.0 * STP_N_OUTCOMES + SLOT_ROW_BYTES * (cfg->scenario.n_shocks + 1)) +
                    sampled * steps * 4.0 * SAMPLE_SERIES;
    f.summary_bytes = paths * SUMMARY_PATH_BYTES;
    f.total_bytes = f.population_bytes + f.workspace_bytes + f.batch_bytes + f.summary_bytes;
    return f;
}

/* cgroup v2's limit on this process's memory, or 0 when none is set. */
static double cgroup_limit_bytes(void)
{
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    double v = 0.0;
    if (!f) return 0.0;
    if (fscanf(f, "%lf", &v) != 1) v = 0.0; /* "max": no limit */
    fclose(f);
    return v;
}

double stp_memory_available_bytes(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    const double phys = pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
    const double cg = cgroup_limit_bytes();
    return cg > 0.0 && (phys == 0.0 || cg < phys) ? cg : phys;
}

/* The largest family's parameter count, as the config's load found it
 * (the model files are checked there; loading them again would be the
 * third read of each in a run). */
static int largest_model(const stp_config *cfg)
{
    int i, n = 0;
    for (i = 0; i < cfg->population.n_families; i++)
        if (cfg->population.families[i].n_params > n) n = cfg->population.families[i].n_params;
    return n;
}

stp_status stp_footprint_check(const stp_config *cfg, int threads, stp_error *err)
{
    const double gb = 1e9, have = stp_memory_available_bytes();
    const stp_footprint f = stp_footprint_estimate(cfg, largest_model(cfg), threads);
    if (have <= 0.0 || f.total_bytes <= 0.9 * have) return STP_OK;
    return stp_error_set(err, STP_ENOMEM,
                         "the run needs about %.1f GB of memory (agents and positions %.1f GB, "
                         "path state %.1f GB, a batch %.1f GB, statistics over run.paths %.1f GB) "
                         "and this machine allows %.1f GB; reduce population.agents, "
                         "population.passive_positions, run.paths, run.batch or --threads",
                         f.total_bytes / gb, f.population_bytes / gb, f.workspace_bytes / gb,
                         f.batch_bytes / gb, f.summary_bytes / gb, have / gb);
}
