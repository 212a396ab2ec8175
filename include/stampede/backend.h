/* backend.h: which engine simulates a run (DESIGN §5 --backend). */
#ifndef STAMPEDE_BACKEND_H
#define STAMPEDE_BACKEND_H

#include <stddef.h>

#include "stampede/cuda.h"
#include "stampede/error.h"

/* want: "auto" (or NULL) takes a usable CUDA device when there is one,
 * "cuda" insists (STP_EDEVICE, saying why, when there is none), "openmp"
 * never looks. Sets *use_gpu and writes the device's name (GPU or CPU
 * model) to device[0, n). STP_EUSAGE for any other want. */
stp_status stp_backend_choose(const char *want, int *use_gpu, char *device, size_t n,
                              stp_error *err);

/* The first CPU's "model name" (/proc/cpuinfo), else "cpu", into buf[0, n). */
void stp_cpu_name(char *buf, size_t n);

/* One batch: draws the scenario rows of paths [path0, path0 + n) into scen
 * (the table ctx->scen points at) and simulates them on gpu, or with the
 * OpenMP backend on `threads` threads when gpu is NULL. ctx->out must hold
 * the rows of those paths. */
stp_status stp_backend_run_batch(const stp_sim_ctx *ctx, stp_scenario_table *scen,
                                 stp_cuda_engine *gpu, long long path0, long long n, int threads,
                                 stp_error *err);

#endif
