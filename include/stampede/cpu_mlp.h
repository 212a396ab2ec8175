/* cpu_mlp.h: the host's vector MLP, 16 agents a call, with the parameters
 * repacked for it: the OpenMP backend's (sim/) and the calm-market
 * screen's (world/). Bit-identical to stp_mlp_logit (step.h):
 * the same operations in the same order, lane by lane (tests/test_cpu_mlp.c
 * checks it on random populations and stp_tanhf on every float). */
#ifndef STAMPEDE_CPU_MLP_H
#define STAMPEDE_CPU_MLP_H

#include "stampede/error.h"
#include "stampede/path.h"

#define STP_MLP_LANES      16  /* agents a call: one AVX-512 vector */
#define STP_MLP_TILE       256 /* agents a stp_ring_gather call, at most */
#define STP_MLP_MAX_CHUNKS (STP_MLP_TILE / STP_MLP_LANES)

/* The MLP families' parameters chunk by chunk, [chunk][param][lane]: a
 * chunk's 161 x 16 floats are contiguous, so one base pointer and
 * immediate offsets reach all of them, and lanes past a family's last
 * agent are zero. The tables' [param][agent] layout puts each parameter
 * row a runtime stride apart (bench/NOTES.md). */
typedef struct stp_mlp_pack {
    float *w;
    long base[STP_MAX_FAMILIES]; /* offset of each MLP family's first chunk */
} stp_mlp_pack;

stp_status stp_mlp_pack_build(stp_mlp_pack *pk, const stp_path_tables *tb, stp_error *err);
void stp_mlp_pack_free(stp_mlp_pack *pk);

/* Agent a0 + j's chunk in family f's pack (a0 its family's first agent). */
static inline const float *stp_mlp_pack_chunk(const stp_mlp_pack *pk, int f, int hidden, int j)
{
    return pk->w + pk->base[f] +
           (long)(j / STP_MLP_LANES) * stp_family_n_params(STP_FAMILY_MLP, hidden) * STP_MLP_LANES;
}

/* logit[l] for the n <= 16 agents of chunk w, features x[f * xstride + l].
 * All 16 lanes of x are read, so lanes n..15 must hold finite values. */
void stp_mlp_chunk(float *logit, const float *x, long xstride, const float *w, int hidden, int n);

/* The feature ring by columns, [feature or oracle][STP_LAG_RING]: the
 * same floats as stp_path_ws.feat_ring ([row][STP_RING_ROW], its
 * padding left out). */
#define STP_RING_COLS (STP_FEATURES + 1)

/* x[k * xstride + j] = col[k][(t - lag[j]) mod 64] for the n agents' ring
 * entries k <= STP_FEATURES (the features, then the oracle price they saw),
 * j < n rounded up to 16, n <= STP_MLP_TILE; the spare lanes get finite
 * ring entries. */
void stp_ring_gather(float *x, long xstride, const float *col, const int *lag, int t, int n);

/* y[l] = stp_tanhf(x[l]), l < 16, by the vector path stp_mlp_chunk uses. */
void stp_tanhf16(float *y, const float *x);

#endif
