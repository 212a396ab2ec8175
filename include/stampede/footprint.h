/* footprint.h: the host memory a run will need, checked before it starts.
 *
 * A population of tens of millions of agents, a path count in the
 * billions or a long horizon pass every per-key check yet need more memory
 * than the machine has: the run would fail (or be killed) minutes in,
 * after the population draw. The estimate sums what run.c, population.c
 * and cpu_backend.c allocate at the run's peak, to within a few per cent
 * of the large terms; small fixed costs are ignored. */
#ifndef STAMPEDE_FOOTPRINT_H
#define STAMPEDE_FOOTPRINT_H

#include "stampede/config.h"
#include "stampede/error.h"

typedef struct stp_footprint {
    double population_bytes; /* agents and passive positions, their weights */
    double workspace_bytes;  /* per-thread path state of the CPU backend */
    double batch_bytes;      /* outcomes, scenario rows and samples of a batch */
    double summary_bytes;    /* columns over every path while statistics run */
    double total_bytes;
} stp_footprint;

/* The estimate for cfg on `threads` OpenMP threads (0: the default);
 * n_params: the largest family's parameter count (models.h). */
stp_footprint stp_footprint_estimate(const stp_config *cfg, int n_params, int threads);

/* The memory this process may use: physical memory, or the cgroup's limit
 * when lower; 0 when unknown. */
double stp_memory_available_bytes(void);

/* STP_ENOMEM (exit 5) with the figures and the keys to change when the
 * estimate exceeds what is available; loads the families' model files for
 * their sizes (STP_EUSAGE when one is broken). */
stp_status stp_footprint_check(const stp_config *cfg, int threads, stp_error *err);

#endif
