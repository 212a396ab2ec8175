// path_kernel.cu: the simulation on the device. One block is one path;
// thread 0 runs path.h's serial step functions (the same ones the OpenMP
// backend runs), and the block spreads the per-agent model evaluation and
// the per-position screens over its threads. The lists the screens produce
// are compacted in index order, so the serial sums read the same elements
// in the same order as on the CPU and the result never depends on
// scheduling (DESIGN §3.2, §4).
//
// Arithmetic per agent-step (consensus 8->16->1 MLP): 144 FMAs in the
// layers (288 FLOPs) plus 16 tanh of 9 FMA/MUL/ADD and one division each;
// nothing else per agent but the feature gather and one HF division.
// Per path-step the serial thread does O(shocks + candidates + liquidations)
// work with a handful of double log/exp/sqrt. bench/NOTES.md has the floors.
#define STP_CURAND 1
#include "stampede/path.h"

#include "curand_philox.cuh"
#include "path_kernel.cuh"

namespace {

__device__ stp_path_ws ws_of(const stp_dev_ws &d, int slot)
{
    stp_path_ws w;
    const size_t np = (size_t)slot * (size_t)d.np, na = (size_t)slot * (size_t)d.na;
    w.c = d.c + np;
    w.d = d.d + np;
    w.seize = d.seize + np;
    w.repay = d.repay + np;
    w.bad = d.bad + np;
    w.liq = d.liq + np;
    w.grace_since = d.grace_since + np;
    w.grace_last = d.grace_last + np;
    w.sell_q = d.sell_q + na;
    w.cand = d.cand + na;
    w.sellers = d.sellers + na;
    w.pend = d.pend + na;
    w.due = d.due + na;
    w.next_ok = d.next_ok + na;
    w.last_act = d.last_act + na;
    w.acted = d.acted + na;
    w.lp_out = d.lp_out + na;
    w.pool_ring = d.pool_ring + (size_t)slot * (size_t)d.price_ring;
    w.oracle_ring = d.oracle_ring + (size_t)slot * (size_t)d.window_n;
    w.sync_ring = d.sync_ring + (size_t)slot * (size_t)d.sync_n;
    w.brk_ring = d.brk_ring + (size_t)slot * (size_t)d.brk_n;
    w.feat_ring = NULL; // the kernel points it at shared memory
    return w;
}

__device__ stp_sample_row sample_row(const stp_dev_samples &s, long long path)
{
    stp_sample_row r = {NULL, NULL, NULL, NULL};
    if (path < s.k) {
        const size_t off = (size_t)path * (size_t)s.n_steps;
        r.price = s.price + off;
        r.pool_depth = s.pool_depth + off;
        r.sync = s.sync + off;
        r.liquidations = s.liquidations + off;
    }
    return r;
}

// Appends to list, in index order, every i in [0, n) with pred(i), and
// returns how many (the same value in every thread). Every thread of the
// block must call it: it synchronises the block.
template <typename Pred>
__device__ int block_compact(int n, Pred pred, int *list, int *warp_cnt)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int base = 0;
    for (int i0 = 0; i0 < n; i0 += blockDim.x) {
        const int i = i0 + (int)threadIdx.x;
        const int f = i < n && pred(i);
        const unsigned mask = __ballot_sync(0xffffffffu, f);
        if (lane == 0) warp_cnt[warp] = __popc(mask);
        const int total = __syncthreads_count(f);
        if (total == 0) continue;
        if (f) {
            int off = base;
            for (int k = 0; k < warp; k++)
                off += warp_cnt[k];
            list[off + __popc(mask & ((1u << lane) - 1u))] = i;
        }
        base += total;
        __syncthreads(); // warp_cnt is rewritten by the next chunk
    }
    return base;
}

// Evaluates pred once per element, one thread per element (i = tid mod
// blockDim), keeping the result in flag[i], and lists the hits in index
// order. block_compact reads flag[i] in the thread that wrote it, so no
// barrier sits between the two. Every thread of the block must call it.
template <typename Pred>
__device__ int screen_compact(int n, Pred pred, unsigned char *flag, int *list, int *warp_cnt)
{
    int any = 0;
    for (int i = (int)threadIdx.x; i < n; i += (int)blockDim.x) {
        const int f = pred(i);
        flag[i] = (unsigned char)f;
        any |= f;
    }
    if (!__syncthreads_or(any)) return 0; // most steps: nobody
    return block_compact(n, [&](int i) { return (int)flag[i]; }, list, warp_cnt);
}

// Agent a's model on the features it sees at step t: its logit.
__device__ float agent_logit(const stp_path_ws &w, const stp_path_tables &tb, int a, int t)
{
    float x[STP_FEATURES];
    int f = 0;
    while (a >= tb.family_start[f + 1])
        f++;
    stp_agent_features(x, 1, &w, &tb, a, t);
    return stp_model_logit((stp_family_kind)tb.family_kind[f], tb.family_hidden[f],
                           tb.params + a, tb.n_agents, x);
}

__global__ void __launch_bounds__(STP_CUDA_THREADS, 4)
    path_kernel(const stp_path_tables tb, const stp_dev_ws dw, long long path0, int n_paths,
                double *out, long long out_stride, const stp_dev_samples smp)
{
    __shared__ stp_path_state s;
    __shared__ float feat[STP_LAG_RING * (STP_FEATURES + 1)];
    __shared__ int warp_cnt[STP_CUDA_THREADS / 32];
    const int slot = (int)blockIdx.x, tid = (int)threadIdx.x, nt = (int)blockDim.x;
    const long long path = path0 + slot;
    const int n_steps = tb.prm.n_steps, nh = stp_path_history_len(&tb.prm);
    stp_path_ws w = ws_of(dw, slot);
    const stp_sample_row row = sample_row(smp, path);
    unsigned char *flag = dw.flag + (size_t)slot * (size_t)dw.np;
    if (slot >= n_paths) return; // uniform over the block
    w.feat_ring = feat;

    if (tid == 0) stp_path_init_state(&s, &tb.prm);
    for (int i = tid; i < tb.n_agents; i += nt)
        stp_path_init_agent(&w, &tb.prm, i);
    for (int i = tid; i < tb.n_positions; i += nt)
        stp_path_init_position(&w, &tb, i);
    for (int i = tid; i < nh; i += nt)
        stp_path_init_history(&w, &tb.prm, i);
    __syncthreads();
    // (1)-(3) of step 0; later steps' run at the end of the previous one.
    // The features read no position, so they may precede the haircut.
    if (tid == 0 && n_steps > 0) {
        stp_market_step(&s, &tb, path, 0);
        stp_features_step(&s, &w, &tb.prm, tb.n_agents, 0);
    }
    __syncthreads();

    for (int t = 0; t < n_steps; t++) {
        int n_cand, n_liq;
        float price;
        if (s.any_exploit) { // (2) haircut, one position per thread
            for (int i = tid; i < tb.n_positions; i += nt)
                stp_exploit_position(&s, &w, &tb, i);
            __syncthreads();
        }
        // (4) every agent's model; the candidates in index order
        n_cand = screen_compact(
            tb.n_agents,
            [&](int a) { return stp_agent_candidate(&w, &tb, a, t, agent_logit(w, tb, a, t)); },
            flag, w.cand, warp_cnt);
        // (5) the liquidation screen reads collateral and debt, which the
        // agents' decisions do not change before the batch
        price = (float)s.oracle;
        n_liq = screen_compact(
            tb.n_positions, [&](int i) { return stp_position_screen(&w, &tb, i, price); }, flag,
            w.liq, warp_cnt);
        if (tid == 0) {
            s.n_cand = n_cand;
            stp_agents_act(&s, &w, &tb, path, t);
            s.n_liq = n_liq;
            stp_liquidation_and_batch(&s, &w, &tb, t);
            stp_path_bookkeeping(&s, &w, &tb, row, t);
            if (t + 1 < n_steps) {
                stp_market_step(&s, &tb, path, t + 1);
                stp_features_step(&s, &w, &tb.prm, tb.n_agents, t + 1);
            }
        }
        __syncthreads();
    }
    if (tid == 0) {
        double o[STP_N_OUTCOMES];
        stp_path_outcomes(&s, &w, &tb, o);
        for (int m = 0; m < STP_N_OUTCOMES; m++)
            out[m * out_stride + slot] = o[m];
    }
}

} // namespace

size_t stp_dev_ws_bytes_per_path(const stp_path_tables *tb)
{
    const size_t na = (size_t)tb->n_agents, np = (size_t)tb->n_positions;
    return np * (5 * sizeof(float) + 3 * sizeof(int) + 1) +
           na * (sizeof(float) + 6 * sizeof(int) + 2) +
           (size_t)tb->prm.price_ring * sizeof(double) +
           (size_t)(tb->prm.window_steps + 1) * sizeof(double) +
           (size_t)(tb->prm.sync_window_steps + tb->prm.breaker_window_steps) * sizeof(int);
}

cudaError_t stp_launch_paths(const stp_path_tables &tb, const stp_dev_ws &ws, long long path0,
                             int n, double *out, long long out_stride,
                             const stp_dev_samples &samples, cudaStream_t stream)
{
    if (n <= 0) return cudaSuccess;
    path_kernel<<<n, STP_CUDA_THREADS, 0, stream>>>(tb, ws, path0, n, out, out_stride, samples);
    return cudaGetLastError();
}
