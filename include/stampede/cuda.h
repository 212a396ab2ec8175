/* cuda.h: the CUDA backend (kernels/), callable from C. A build without
 * nvcc links host/sim/cuda_none.c instead, where no device is ever found and
 * every run call fails with STP_EDEVICE. */
#ifndef STAMPEDE_CUDA_H
#define STAMPEDE_CUDA_H

#include "stampede/engine.h"

STP_EXTERN_C_BEGIN

/* Usable CUDA devices; the first one's name in name[0, n). 0 when there is
 * no device, no driver, or no CUDA in this build (why, in name). Never
 * fails. */
int stp_cuda_device_count(char *name, size_t n);

typedef struct stp_cuda_engine stp_cuda_engine;

/* Binds device `slot` modulo the device count (the caller's rank on its
 * node, ranks.h, so each rank under mpirun takes its own device; 0 in one
 * process) and copies the run's read-only tables to it (ctx->pop,
 * ctx->prm, the scenario slot layout of ctx->scen). Device buffers hold at
 * most max_batch paths, fewer when the device is short of memory (the
 * batch then runs in several launches). STP_EDEVICE names the CUDA call,
 * file and line that failed. */
stp_status stp_cuda_engine_create(stp_cuda_engine **out, const stp_sim_ctx *ctx,
                                  long long max_batch, int slot, stp_error *err);

/* Simulates paths [path0, path0 + n) into ctx->out (rows path - out->base)
 * and ctx->samples, like stp_cpu_run_batch; ctx->scen holds their rows. */
stp_status stp_cuda_run_batch(stp_cuda_engine *e, const stp_sim_ctx *ctx, long long path0,
                              long long n, stp_error *err);

/* Paths the device buffers hold per launch. */
long long stp_cuda_engine_capacity(const stp_cuda_engine *e);

/* Streaming multiprocessors of the device e runs on (0 for NULL): with
 * the paths a launch carries it says whether a launch fills the device. */
int stp_cuda_engine_sms(const stp_cuda_engine *e);

void stp_cuda_engine_destroy(stp_cuda_engine *e);

/* Test support (DESIGN §4): for each i in [0, n), the four words of
 * cuRAND's device Philox4x32-10 at the rng.h keying of
 * (seed[i], q[i][0..4] = stream, path, step, agent, draw) into words[i][4],
 * and the four cuRAND curand_uniform4 floats of the same state into
 * uniforms[i][4]. */
stp_status stp_cuda_philox_sample(const uint64_t *seed, const uint32_t (*q)[5], long n,
                                  uint32_t (*words)[4], float (*uniforms)[4], stp_error *err);

/* Test support: y[i] = stp_tanhf of the float whose bits are first + i,
 * computed on the device, for i in [0, n) (n * 4 bytes of device memory). */
stp_status stp_cuda_tanh_sample(uint32_t first, long n, float *y, stp_error *err);

STP_EXTERN_C_END

#endif
