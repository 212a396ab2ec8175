/* cpu_mlp.c: the MLP for 16 agents at a time on the CPU. With AVX-512 it
 * is written in intrinsics, because the compiler's vectorisation of
 * stp_mlp_logit leaves the machine idle: one unit (8 FMAs, the tanh, the
 * output term) is a chain of ~20 dependent operations, and the core
 * overlaps only as many chains as its scheduler holds. The shipped width
 * runs software-pipelined, eight chains side by side (chunk_pipelined);
 * other widths two units at a time, stage by stage. Every operation is
 * the IEEE one step.h names (fmaf is vfmadd, the clamp keeps NaN as
 * stp_clampf does, the division rounds to nearest), in the same order,
 * so each lane gets stp_mlp_logit's bits. Without AVX-512 the shared
 * functions run lane by lane. */
#include "stampede/cpu_mlp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

stp_status stp_mlp_pack_build(stp_mlp_pack *pk, const stp_path_tables *tb, stp_error *err)
{
    long total = 0;
    int f, k, a;
    for (f = 0; f < tb->n_families; f++) {
        const long n = tb->family_start[f + 1] - tb->family_start[f];
        pk->base[f] = total;
        if (tb->family_kind[f] == STP_FAMILY_MLP)
            total += (n + STP_MLP_LANES - 1) / STP_MLP_LANES * STP_MLP_LANES *
                     stp_family_n_params(STP_FAMILY_MLP, tb->family_hidden[f]);
    }
    /* 64-byte aligned: each chunk row is one cache line, and a vector load
     * that straddles two lines costs two */
    if (total < 1) total = 1;
    if ((size_t)total > SIZE_MAX / sizeof(float) ||
        posix_memalign((void **)&pk->w, 64, (size_t)total * sizeof(float)) != 0) {
        pk->w = NULL;
        return stp_error_set(err, STP_ENOMEM, "out of memory packing %ld MLP parameters (%s:%d)",
                             total, __FILE__, __LINE__);
    }
    memset(pk->w, 0, (size_t)total * sizeof(float));
    for (f = 0; f < tb->n_families; f++) {
        const int np = stp_family_n_params(STP_FAMILY_MLP, tb->family_hidden[f]);
        if (tb->family_kind[f] != STP_FAMILY_MLP) continue;
        for (a = tb->family_start[f]; a < tb->family_start[f + 1]; a++) {
            const int j = a - tb->family_start[f];
            float *dst = (float *)stp_mlp_pack_chunk(pk, f, tb->family_hidden[f], j) +
                         j % STP_MLP_LANES;
            for (k = 0; k < np; k++)
                dst[(long)k * STP_MLP_LANES] = tb->params[(long)k * tb->n_agents + a];
        }
    }
    return STP_OK;
}

void stp_mlp_pack_free(stp_mlp_pack *pk)
{
    free(pk->w);
    pk->w = NULL;
}

#if defined(__AVX512F__)

typedef __m512 vf;
#define V(c) _mm512_set1_ps(c)

/* stp_tanhf on two vectors, stage by stage so the chains overlap: the
 * same IEEE operations in the same order, so each lane gets its bits. */
static inline void tanh2(vf *a, vf *b)
{
    vf sa, sb, pa, pb, qa, qb;
    /* stp_clampf(x, -8, 8): max/min return their second operand when one
     * is NaN, so NaN passes through as it does there (vrangeps would do
     * it in one operation but turns a quiet NaN into the bound) */
    *a = _mm512_min_ps(V(STP_TANH_CLAMP), _mm512_max_ps(V(-STP_TANH_CLAMP), *a));
    *b = _mm512_min_ps(V(STP_TANH_CLAMP), _mm512_max_ps(V(-STP_TANH_CLAMP), *b));
    sa = _mm512_mul_ps(*a, *a);
    sb = _mm512_mul_ps(*b, *b);
    /* stp_tanh_num and stp_tanh_den, Horner, interleaved */
    pa = _mm512_fmadd_ps(V(STP_TANH_P3), sa, V(STP_TANH_P2));
    pb = _mm512_fmadd_ps(V(STP_TANH_P3), sb, V(STP_TANH_P2));
    qa = _mm512_fmadd_ps(V(STP_TANH_Q4), sa, V(STP_TANH_Q3));
    qb = _mm512_fmadd_ps(V(STP_TANH_Q4), sb, V(STP_TANH_Q3));
    pa = _mm512_fmadd_ps(pa, sa, V(STP_TANH_P1));
    pb = _mm512_fmadd_ps(pb, sb, V(STP_TANH_P1));
    qa = _mm512_fmadd_ps(qa, sa, V(STP_TANH_Q2));
    qb = _mm512_fmadd_ps(qb, sb, V(STP_TANH_Q2));
    pa = _mm512_fmadd_ps(pa, sa, V(STP_TANH_P0));
    pb = _mm512_fmadd_ps(pb, sb, V(STP_TANH_P0));
    qa = _mm512_fmadd_ps(qa, sa, V(STP_TANH_Q1));
    qb = _mm512_fmadd_ps(qb, sb, V(STP_TANH_Q1));
    qa = _mm512_fmadd_ps(qa, sa, V(1.0f));
    qb = _mm512_fmadd_ps(qb, sb, V(1.0f));
    /* the division stp_tanh_divf does on the host: IEEE, rounded to
     * nearest */
    *a = _mm512_div_ps(_mm512_mul_ps(*a, pa), qa);
    *b = _mm512_div_ps(_mm512_mul_ps(*b, pb), qb);
}

/* b1[h] + sum_f w1[h][f] x[f], f in order (stp_mlp_unit) */
static inline vf unit(const float *w, int hidden, int h, const vf *x)
{
    vf acc = _mm512_loadu_ps(w + (8L * hidden + h) * STP_MLP_LANES);
    int f;
    for (f = 0; f < STP_FEATURES; f++)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(w + ((long)h * STP_FEATURES + f) * STP_MLP_LANES),
                              x[f], acc);
    return acc;
}

#define GROUP 4 /* units a group of the pipelined chunk */

/* The shipped width's chunk, software-pipelined: while group g's four
 * tanh run, stage by stage, group g + 1's four sums advance one feature
 * between stages, so eight independent chains sit side by side in program
 * order and the core need not look far ahead for work (a unit alone is a
 * chain of ~20 dependent operations). Each lane gets the same operations
 * in the same order as tanh2 and unit, so the same bits. */
static inline __attribute__((always_inline)) void chunk_pipelined(float *logit, const float *x,
                                                                  long xstride, const float *w,
                                                                  int n)
{
    enum { H = STP_MLP_SHIPPED_HIDDEN };
    const float *w2 = w + 9L * H * STP_MLP_LANES;
    vf xv[STP_FEATURES], cur[GROUP], nxt[GROUP], v[GROUP], s[GROUP], p[GROUP], q[GROUP];
    vf out = _mm512_loadu_ps(w + 10L * H * STP_MLP_LANES);
    int f, h, j;
    for (f = 0; f < STP_FEATURES; f++)
        xv[f] = _mm512_loadu_ps(x + f * xstride);
    for (j = 0; j < GROUP; j++)
        cur[j] = unit(w, H, j, xv);
    for (h = 0; h < H; h += GROUP) {
        const int more = h + GROUP < H;
/* the next group's sums, feature k (stp_mlp_unit's order) */
#define NEXT(k)                                                                                    \
    if (more)                                                                                      \
        for (j = 0; j < GROUP; j++)                                                                \
            nxt[j] = _mm512_fmadd_ps(                                                              \
                _mm512_loadu_ps(w + ((long)(h + GROUP + j) * STP_FEATURES + (k)) * STP_MLP_LANES), \
                xv[k], nxt[j]);
        if (more)
            for (j = 0; j < GROUP; j++)
                nxt[j] = _mm512_loadu_ps(w + (8L * H + h + GROUP + j) * STP_MLP_LANES);
        for (j = 0; j < GROUP; j++)
            v[j] = _mm512_max_ps(V(-STP_TANH_CLAMP), cur[j]);
        NEXT(0)
        for (j = 0; j < GROUP; j++) {
            v[j] = _mm512_min_ps(V(STP_TANH_CLAMP), v[j]);
            s[j] = _mm512_mul_ps(v[j], v[j]);
        }
        NEXT(1)
        for (j = 0; j < GROUP; j++) {
            p[j] = _mm512_fmadd_ps(V(STP_TANH_P3), s[j], V(STP_TANH_P2));
            q[j] = _mm512_fmadd_ps(V(STP_TANH_Q4), s[j], V(STP_TANH_Q3));
        }
        NEXT(2)
        for (j = 0; j < GROUP; j++) {
            p[j] = _mm512_fmadd_ps(p[j], s[j], V(STP_TANH_P1));
            q[j] = _mm512_fmadd_ps(q[j], s[j], V(STP_TANH_Q2));
        }
        NEXT(3)
        for (j = 0; j < GROUP; j++) {
            p[j] = _mm512_fmadd_ps(p[j], s[j], V(STP_TANH_P0));
            q[j] = _mm512_fmadd_ps(q[j], s[j], V(STP_TANH_Q1));
        }
        NEXT(4)
        for (j = 0; j < GROUP; j++)
            q[j] = _mm512_fmadd_ps(q[j], s[j], V(1.0f));
        NEXT(5)
        for (j = 0; j < GROUP; j++)
            p[j] = _mm512_mul_ps(v[j], p[j]);
        NEXT(6)
        for (j = 0; j < GROUP; j++)
            cur[j] = _mm512_div_ps(p[j], q[j]);
        NEXT(7)
#undef NEXT
        for (j = 0; j < GROUP; j++)
            out = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + (long)(h + j) * STP_MLP_LANES), cur[j], out);
        for (j = 0; j < GROUP; j++)
            cur[j] = nxt[j];
    }
    _mm512_mask_storeu_ps(logit, (__mmask16)((1u << n) - 1u), out);
}

/* The chunk for any width; inlined into stp_mlp_chunk twice, once with
 * the shipped width as a constant. */
static inline __attribute__((always_inline)) void chunk(float *logit, const float *x, long xstride,
                                                        const float *w, int hidden, int n)
{
    const float *w2 = w + 9L * hidden * STP_MLP_LANES;
    vf xv[STP_FEATURES], out = _mm512_loadu_ps(w + 10L * hidden * STP_MLP_LANES);
    int f, h = 0;
    for (f = 0; f < STP_FEATURES; f++)
        xv[f] = _mm512_loadu_ps(x + f * xstride);
    for (; h + 2 <= hidden; h += 2) {
        vf a = unit(w, hidden, h, xv), b = unit(w, hidden, h + 1, xv);
        tanh2(&a, &b);
        out = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + (long)h * STP_MLP_LANES), a, out);
        out = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + (long)(h + 1) * STP_MLP_LANES), b, out);
    }
    if (h < hidden) {
        vf a = unit(w, hidden, h, xv), b = a;
        tanh2(&a, &b);
        out = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + (long)h * STP_MLP_LANES), a, out);
    }
    _mm512_mask_storeu_ps(logit, (__mmask16)((1u << n) - 1u), out);
}

void stp_mlp_chunk(float *logit, const float *x, long xstride, const float *w, int hidden, int n)
{
    /* the shipped families' width at compile time: the unit loop unrolls
     * and every parameter is an immediate offset from w */
    if (hidden == STP_MLP_SHIPPED_HIDDEN)
        chunk_pipelined(logit, x, xstride, w, n);
    else
        chunk(logit, x, xstride, w, hidden, n);
}

/* Each column's 64 entries sit in four registers; two two-register
 * permutes and a blend on bit 5 of the ring index look up 16 lanes. */
void stp_ring_gather(float *x, long xstride, const float *col, const int *lag, int t, int n)
{
    __m512i idx[STP_MLP_MAX_CHUNKS];
    __mmask16 upper[STP_MLP_MAX_CHUNKS]; /* lanes whose row is in the upper half */
    const int nc = (n + STP_MLP_LANES - 1) / STP_MLP_LANES;
    int c, k;
    for (c = 0; c < nc; c++) {
        const int left = n - c * STP_MLP_LANES;
        const __mmask16 live = (__mmask16)(left >= 16 ? 0xffffu : (1u << left) - 1u);
        const __m512i lg = _mm512_maskz_loadu_epi32(live, lag + c * STP_MLP_LANES);
        idx[c] = _mm512_and_si512(_mm512_sub_epi32(_mm512_set1_epi32(t), lg),
                                  _mm512_set1_epi32(STP_LAG_RING - 1));
        upper[c] = _mm512_test_epi32_mask(idx[c], _mm512_set1_epi32(STP_LAG_RING / 2));
    }
    for (k = 0; k < STP_RING_COLS; k++) {
        const float *ck = col + k * STP_LAG_RING;
        const vf c0 = _mm512_loadu_ps(ck), c1 = _mm512_loadu_ps(ck + 16),
                 c2 = _mm512_loadu_ps(ck + 32), c3 = _mm512_loadu_ps(ck + 48);
        for (c = 0; c < nc; c++) {
            const vf lo = _mm512_permutex2var_ps(c0, idx[c], c1);
            const vf hi = _mm512_permutex2var_ps(c2, idx[c], c3);
            _mm512_storeu_ps(x + k * xstride + c * STP_MLP_LANES,
                             _mm512_mask_blend_ps(upper[c], lo, hi));
        }
    }
}

void stp_tanhf16(float *y, const float *x)
{
    vf a = _mm512_loadu_ps(x), b = a;
    tanh2(&a, &b);
    _mm512_storeu_ps(y, a);
}

#else /* the shared functions, lane by lane */

void stp_ring_gather(float *x, long xstride, const float *col, const int *lag, int t, int n)
{
    const int n16 = (n + STP_MLP_LANES - 1) / STP_MLP_LANES * STP_MLP_LANES;
    int j, k;
    for (j = 0; j < n16; j++) {
        const int row = (t - (j < n ? lag[j] : 0)) & (STP_LAG_RING - 1);
        for (k = 0; k < STP_RING_COLS; k++)
            x[k * xstride + j] = col[k * STP_LAG_RING + row];
    }
}

void stp_mlp_chunk(float *logit, const float *x, long xstride, const float *w, int hidden, int n)
{
    float out[STP_MLP_LANES];
    int h, l;
    for (l = 0; l < STP_MLP_LANES; l++)
        out[l] = stp_mlp_b2(w + l, STP_MLP_LANES, hidden);
    for (h = 0; h < hidden; h++) {
#pragma omp simd
        for (l = 0; l < STP_MLP_LANES; l++)
            out[l] = stp_mlp_accumulate(w + l, STP_MLP_LANES, hidden, h, x + l, xstride, out[l]);
    }
    for (l = 0; l < n; l++)
        logit[l] = out[l];
}

void stp_tanhf16(float *y, const float *x)
{
    int l;
    for (l = 0; l < STP_MLP_LANES; l++)
        y[l] = stp_tanhf(x[l]);
}

#endif
