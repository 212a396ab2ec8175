/* h5out.h: the HDF5 results file of DESIGN §6 — writing a run's results and
 * reading back the summary that `stampede summary` prints. Only h5out.c
 * includes hdf5.h; nothing here exposes HDF5 types. */
#ifndef STAMPEDE_H5OUT_H
#define STAMPEDE_H5OUT_H

#include "stampede/config.h"
#include "stampede/ensemble.h"
#include "stampede/error.h"
#include "stampede/outcomes.h"
#include "stampede/results.h"
#include "stampede/scenario.h"
#include "stampede/stats.h"

#define STP_H5_FORMAT         "stampede-results"
/* 2 (0.3.0): every object sealed (h5_seal.h) and every array Fletcher-32;
 * readers still read 1, unverified, with a warning. */
#define STP_H5_FORMAT_VERSION 2
#define STP_H5_FORMAT_VERSION_MIN 1
#define STP_H5_STR_MAX        256 /* longest root string attribute kept by the reader */

/* Writes `r` to `path` (layout: DESIGN §6, one group per variant under
 * /variants, in r->variants order; /comparison, and /sweep for a sweep,
 * when r->comparison is not NULL: see host/io/h5_comparison.c). Refuses with STP_EUSAGE, before
 * writing anything, when `path` exists and !force. The file is built under
 * "<path>.tmp.<pid>" in the same directory and renamed into place only when
 * complete, so `path` is either untouched or the whole new file; on failure
 * the temporary is removed and err names the HDF5 object (STP_EIO). `r`,
 * r->cfg and r->pop must not be NULL; everything is borrowed. */
stp_status stp_h5_write_results(const char *path, const stp_results *r, int force, stp_error *err);

/* One variant of a results file, as `stampede summary` shows it. */
typedef struct stp_variant_summary {
    char name[STP_NAME_MAX];
    long long paths_done;
    stp_cascade_stats cascade;
    int has_stats[STP_N_OUTCOMES]; /* 1 when stats/<metric> was in the file */
    stp_metric_stats stats[STP_N_OUTCOMES];
    stp_attribution attribution; /* computed 0: the file has none (before 0.3.0) */
    stp_ensemble ensemble;       /* k 0: one population; else owned (stp_summary_free) */
    char scenario_mode[16];      /* scenario_law's mode; "" before 0.3.0 */
    int n_probes;                /* blind_spot: probe[spec], else 0 */
    stp_blind_probe probe[STP_MAX_SHOCKS];
    /* DESIGN §10, /variants/<v>/venues (docs/results.md): n_venues 0 when
     * the run had one venue; else the fields of stp_variant_results of the
     * same names, venue_stats owned (stp_summary_free) */
    int n_venues;
    char venue_name[STP_MAX_VENUES][STP_NAME_MAX];
    stp_metric_stats *venue_stats; /* [v * STP_N_VENUE_OUTCOMES + m] */
    stp_cascade_stats venue_cascade[STP_MAX_VENUES];
    stp_metric_stats venues_in_cascade, contagion_lag;
    stp_cascade_stats p_two, p_second;
    /* [v], owned: venue v's attribution (computed 0: none in the file);
     * `attribution` above is then the system's */
    stp_attribution *venue_attribution;
} stp_variant_summary;

typedef struct stp_summary {
    int format_version;
    int sealed; /* 1: every checksum verified; 0: a format_version 1 file, unverified */
    char engine_version[STP_H5_STR_MAX];
    char backend[STP_H5_STR_MAX];
    char device[STP_H5_STR_MAX];
    char created_utc[STP_H5_STR_MAX];
    char experiment[STP_NAME_MAX]; /* the config's experiment.name; "" if absent */
    unsigned long long seed;
    long long paths;
    double wall_s, agent_steps_per_s;
    double herfindahl; /* of the AI-agent population across model families */
    /* agents redrawn into equilibrium with the calm market, and of those the
     * ones at the round cap (population.h); -1 in files written before 0.2 */
    int equilibrium_redraws, equilibrium_fallbacks;
    int n_agents, n_passive;
    int n_variants;                /* at most STP_MAX_POINTS (experiment.h) */
    stp_variant_summary *variants; /* [n_variants], owned: free with stp_summary_free */
    /* /comparison and /sweep (compare and sweep experiments); comparison.n
     * is 0 when the file has none (a single run). comparison.rows is owned.
     * The paired diffs' base and variant are not stored (they are the rows'
     * own estimates) and read as NaN; without /sweep, series = name and
     * value = NaN. */
    stp_comparison comparison;
    char ci_method[STP_H5_STR_MAX]; /* /comparison's ci_method attribute */
    /* /search (search experiments; search.n_iter 0 when absent), owned;
     * the re-run's rows are comparison.rows[0] (random) and [1] (worst) */
    stp_search search;
    stp_pilot pilot; /* /importance_pilot; pilot.levels 0 when absent */
} stp_summary;

/* Reads the summary of a results file. Refuses at once, before opening it,
 * a path that is no regular file ("x.h5: not a regular file (a FIFO); pass
 * a results file": a FIFO, a directory, a device). Then verifies the whole
 * file in a child process (h5_seal.h: format == STP_H5_FORMAT,
 * format_version from STP_H5_FORMAT_VERSION_MIN to STP_H5_FORMAT_VERSION,
 * then every checksum; a crash or hang of HDF5 on a damaged file is the
 * child's, reported at the object it was reading): any failure is STP_EIO,
 * "x.h5: ..." naming the object. Root strings longer than
 * STP_H5_STR_MAX - 1 bytes are truncated. A /comparison or /sweep that is
 * there but incomplete or inconsistent (a column missing or of another
 * length, /sweep rows not /comparison's) is an error (STP_EIO) naming it. On failure *out is zeroed
 * and owns nothing; on success free it with stp_summary_free. */
stp_status stp_h5_read_summary(const char *path, stp_summary *out, stp_error *err);

/* Recomputes every checksum of the results file at `path` (seal = 1) or
 * removes them all (seal = 0), for tests and tools that edit a file on
 * purpose: a file edited any other way reads as damaged. */
stp_status stp_h5_reseal_file(const char *path, int seal, stp_error *err);

/* Call first in main, before any HDF5 call: HDF5 1.10's exit-time cleanup
 * crashes on a file whose close failed (a full disk), so the process takes
 * none; every file is closed explicitly anyway. */
void stp_h5_library_init(void);

/* Frees what *s owns and zeroes it; NULL is a no-op. */
void stp_summary_free(stp_summary *s);

#endif
