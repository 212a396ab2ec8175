/* workspace.h: what one path works on (DESIGN §3.9). The tables it reads
 * (stp_path_tables, shared by every path of a batch), its arrays
 * (stp_path_ws, one set per path) and its scalars (stp_path_state), as
 * path.h's step functions take them. The arrays are listed ONCE, in
 * STP_PATH_WS_TABLE: the struct's fields, the bytes a path needs
 * (stp_path_ws_bytes) and the carving of one allocation into the arrays
 * (stp_path_ws_bind) all expand from it, so every backend (cpu_backend.c's
 * malloc per thread, the calm market of equilibrium.c, the CUDA engine's
 * cudaMalloc for a launch and the kernel's shared memory, the kernel's
 * host twin tests/test_kernel_order.c) lays a path out the same way from
 * the same list. The structs hold plain pointers: host addresses on the
 * CPU, device addresses in a kernel. Must compile as C11 and CUDA C++. */
#ifndef STAMPEDE_WORKSPACE_H
#define STAMPEDE_WORKSPACE_H

#include <stddef.h>

#include "stampede/config.h"
#include "stampede/hd.h"
#include "stampede/params.h"
#include "stampede/step.h"

/* Agents a chunk of param_chunks (below): the CUDA kernel's block size,
 * so that thread tid's agents tid, tid + 256, ... sit in lane tid of
 * consecutive chunks (kernels/path_kernel.cu checks the two agree). */
#define STP_PARAM_LANES 256

/* Read-only during a batch: the population as the step loop reads it and
 * the scenario rows of the batch. Positions are the AI agents' (index a)
 * followed by the passive ones (index n_agents + i). */
typedef struct stp_path_tables {
    stp_params prm;
    int n_agents, n_passive, n_positions, n_families;
    int family_start[STP_MAX_FAMILIES + 1]; /* agents are sorted by family */
    int family_kind[STP_MAX_FAMILIES];      /* stp_family_kind */
    int family_hidden[STP_MAX_FAMILIES];
    const int *role;              /* [agent]: STP_ROLE_BORROWER or STP_ROLE_LP */
    const int *lag_steps;         /* [agent] */
    const float *logit_threshold; /* [agent] */
    const float *sell_fraction;   /* [agent] */
    const float *lp_share;        /* [agent] */
    const float *fee_tolerance;   /* [agent]: progressive_fee */
    const float *params;          /* [param][agent] */
    const float *param_chunks;    /* the same, block.h's layout: stp_param_chunk_at below */
    const int *prot;              /* [position]: protocol, -1 for LPs */
    const float *lt;              /* [position]: its protocol's liquidation threshold */
    const float *c0, *d0;         /* [position]: collateral units, debt USD at t = 0 */
    int n_slots;
    const int *slot_kind;        /* [slot]: stp_shock_kind */
    const int *slot_protocol;    /* [slot]: exploit's protocol, else -1 */
    long long scen_base;         /* first path of the rows below */
    const unsigned char *active; /* [path - scen_base][slot] */
    const float *time_s, *duration_s, *size;
    /* DESIGN §10, a path over several venues: these tables are venue
     * `venue`'s, its agents' draws are keyed by venue_key (venues.h: the
     * venue's name, so the order venues are listed in changes nothing),
     * and a slot hits it only if its scope does (stp_slot_hits). One
     * venue: venue and venue_key 0, slot_venue and slot_asset NULL. */
    int venue, venue_key;
    const int *slot_venue, *slot_asset; /* [slot]: -1 every venue / asset */
} stp_path_tables;

/* param_chunks: the parameters for the lockstep kernel (block.h), chunk
 * by chunk, [agent / STP_PARAM_LANES][param < STP_MAX_PARAMS][agent %
 * STP_PARAM_LANES], so that every parameter of an agent is a constant
 * offset from one address and a warp's agents' k-th parameters are
 * adjacent. NULL unless built (tables.h, stp_tables_chunk_params): only
 * block.h reads it. Its layout, once for the builder and the kernel:
 * floats for n agents, and the offset of agent a's parameter 0
 * (parameter k at the offset + k * STP_PARAM_LANES). Lanes past the last
 * agent, and parameters past an agent's family's count, are zero. */
static inline STP_HD size_t stp_param_chunks_len(int n_agents)
{
    return (size_t)((n_agents + STP_PARAM_LANES - 1) / STP_PARAM_LANES) *
           (size_t)(STP_MAX_PARAMS * STP_PARAM_LANES);
}

static inline STP_HD size_t stp_param_chunk_at(int a)
{
    const unsigned u = (unsigned)a; /* a >= 0: a shift and a mask */
    return (size_t)(u / STP_PARAM_LANES) * (size_t)(STP_MAX_PARAMS * STP_PARAM_LANES) +
           (size_t)(u % STP_PARAM_LANES);
}

/* ---------------------------------------------------------------------------
 * The arrays of one path
 * ------------------------------------------------------------------------- */

/* Parts of the workspace, so that one backend may place them apart: the
 * SIZED arrays grow with the population and the config; the FIXED ones
 * have a size known at compile time, so the CUDA kernel keeps them in
 * shared memory (kernels/path_kernel.cu). Every other caller takes both. */
#define STP_WS_SIZED 1
#define STP_WS_FIXED 2
#define STP_WS_ALL   (STP_WS_SIZED | STP_WS_FIXED)
/* Each array starts at a multiple of this from the allocation's base, and
 * stp_path_ws_bytes is a multiple of it, so paths laid end to end in one
 * device allocation (cudaMalloc: 256-byte aligned) start every array on a
 * cache line; a host calloc's 16 bytes suffice for every type here. */
#define STP_WS_ALIGN      64
/* Floats a row of feat_ring takes: the features, the oracle, then padding
 * to a multiple of 4, so every row starts on 16 bytes and the kernels read
 * it in three vector loads rather than nine (stp_ring_row_load). */
#define STP_RING_ROW      ((STP_FEATURES + 1 + 3) / 4 * 4)
#define STP_FEAT_RING_LEN (STP_LAG_RING * STP_RING_ROW) /* floats of feat_ring */

/* v[0..STP_FEATURES] = the ring row at `row` (16-byte aligned). On the
 * device as three 16-byte loads rather than nine: a row is read for every
 * agent of every path each step. The host copies the floats it uses. */
static inline STP_HD void stp_ring_row_load(float *v, const float *row)
{
    int k;
#ifdef __CUDA_ARCH__
    for (k = 0; k < STP_RING_ROW / 4; k++) {
        const float4 q = ((const float4 *)row)[k];
        v[4 * k] = q.x;
        v[4 * k + 1] = q.y;
        v[4 * k + 2] = q.z;
        v[4 * k + 3] = q.w;
    }
#else
    for (k = 0; k <= STP_FEATURES; k++)
        v[k] = row[k];
#endif
}

/* THE workspace table: every per-path array, once, as
 * X(element type, name, element count per path, part), the count an
 * expression of the tables tb. To add an array, add its row here and
 * nothing else: its stp_path_ws field, its bytes and its place in the one
 * allocation follow on every backend. (Give it its initial values in
 * path.h's stp_path_init_agent, _position or _history if it needs them:
 * the allocation's contents are unspecified, and the CUDA engine does not
 * clear it.) */
#define STP_PATH_WS_TABLE(X, tb)                                                                   \
    /* [position]: collateral units, debt USD */                                                   \
    X(float, c, (tb)->n_positions, STP_WS_SIZED)                                                   \
    X(float, d, (tb)->n_positions, STP_WS_SIZED)                                                   \
    /* [position]: this step's plan, zero off the list */                                          \
    X(float, seize, (tb)->n_positions, STP_WS_SIZED)                                               \
    X(float, repay, (tb)->n_positions, STP_WS_SIZED)                                               \
    X(float, bad, (tb)->n_positions, STP_WS_SIZED)                                                 \
    /* [position]: listed this step, index order */                                                \
    X(int, liq, (tb)->n_positions, STP_WS_SIZED)                                                   \
    /* [agent]: queued defensive sell, units */                                                    \
    X(float, sell_q, (tb)->n_agents, STP_WS_SIZED)                                                 \
    /* [agent]: over threshold this step, index order */                                           \
    X(int, cand, (tb)->n_agents, STP_WS_SIZED)                                                     \
    /* [agent]: sells in this step's batch, execution order */                                     \
    X(int, sellers, (tb)->n_agents, STP_WS_SIZED)                                                  \
    /* [agent]: decided, not yet executed, decision order */                                       \
    X(int, pend, (tb)->n_agents, STP_WS_SIZED)                                                     \
    /* [agent]: step its pending action may execute */                                             \
    X(int, due, (tb)->n_agents, STP_WS_SIZED)                                                      \
    /* [agent]: first step it may decide again */                                                  \
    X(int, next_ok, (tb)->n_agents, STP_WS_SIZED)                                                  \
    /* [agent]: step of its latest decision */                                                     \
    X(int, last_act, (tb)->n_agents, STP_WS_SIZED)                                                 \
    /* [agent]: ever acted */                                                                      \
    X(unsigned char, acted, (tb)->n_agents, STP_WS_SIZED)                                          \
    /* [prm.price_ring]: pool price at the end of each step */                                     \
    X(double, pool_ring, (tb)->prm.price_ring, STP_WS_SIZED)                                       \
    /* [prm.window_steps + 1]: log oracle price per step */                                        \
    X(double, oracle_ring, (tb)->prm.window_steps + 1, STP_WS_SIZED)                               \
    /* [STP_LAG_RING][STP_RING_ROW]: features, oracle, padding */                                  \
    X(float, feat_ring, STP_FEAT_RING_LEN, STP_WS_FIXED)                                           \
    /* [prm.sync_window_steps]: agents whose latest decision was then */                           \
    X(int, sync_ring, (tb)->prm.sync_window_steps, STP_WS_SIZED)                                   \
    /* [prm.breaker_window_steps]: the same over the breaker's window */                           \
    X(int, brk_ring, (tb)->prm.breaker_window_steps, STP_WS_SIZED)                                 \
    /* [position]: first step of its current grace deferral */                                     \
    X(int, grace_since, (tb)->n_positions, STP_WS_SIZED)                                           \
    /* [position]: latest step it was deferred */                                                  \
    X(int, grace_last, (tb)->n_positions, STP_WS_SIZED)

/* One path's mutable arrays: a pointer per row of STP_PATH_WS_TABLE (see
 * there for each one's index and meaning). */
typedef struct stp_path_ws {
#define STP_WS_FIELD_(type, name, count, part) type *name;
    STP_PATH_WS_TABLE(STP_WS_FIELD_, tb)
#undef STP_WS_FIELD_
} stp_path_ws;

/* Bytes of n elements of `elem` bytes, rounded up to STP_WS_ALIGN. */
static inline STP_HD size_t stp_ws_round(size_t elem, size_t n)
{
    return (elem * n + STP_WS_ALIGN - 1) / STP_WS_ALIGN * STP_WS_ALIGN;
}

/* Bytes one path's arrays of the given parts take, each rounded up to
 * STP_WS_ALIGN: the size of the allocation stp_path_ws_bind carves. */
static inline STP_HD size_t stp_path_ws_bytes(const stp_path_tables *tb, int parts)
{
    size_t bytes = 0;
#define STP_WS_SIZE_(type, name, count, part)                                                      \
    if (parts & (part)) bytes += stp_ws_round(sizeof(type), (size_t)(count));
    STP_PATH_WS_TABLE(STP_WS_SIZE_, tb)
#undef STP_WS_SIZE_
    return bytes;
}

/* Points w's arrays of the given parts into the stp_path_ws_bytes(tb,
 * parts) bytes at base (borrowed: the caller owns and frees them), in the
 * table's order; the other parts' pointers are left alone. Each array is
 * aligned as base is, up to STP_WS_ALIGN (base must suit a double). The
 * contents are the caller's to initialise (path.h). */
static inline STP_HD void stp_path_ws_bind(stp_path_ws *w, const stp_path_tables *tb, void *base,
                                           int parts)
{
    unsigned char *at = (unsigned char *)base;
#define STP_WS_BIND_(type, name, count, part)                                                      \
    if (parts & (part)) {                                                                          \
        w->name = (type *)(void *)at;                                                              \
        at += stp_ws_round(sizeof(type), (size_t)(count));                                         \
    }
    STP_PATH_WS_TABLE(STP_WS_BIND_, tb)
#undef STP_WS_BIND_
}

/* ---------------------------------------------------------------------------
 * The scalars of one path
 * ------------------------------------------------------------------------- */

/* Path scalars. */
typedef struct stp_path_state {
    double log_ps;   /* fundamental log price */
    int regime;      /* 0 calm, 1 stress */
    double x, y;     /* pool reserves: collateral units, USD */
    double l_out;    /* liquidity withdrawn, returning through the refill */
    double lp_scale; /* an LP agent owns lp_share x lp_scale of the pool now */
    double ewma_var, max_oracle, oracle, last_liq_usd;
    double max_pool, min_pool, max_dd;
    int t_trough, sync_sum, brk_sum;
    double signal;    /* published sync fraction at (3): decisions up to the last step */
    double sys_signal; /* the system's, when the signal is global (system_step.h) */
    double sync_frac; /* sync fraction after this step's decisions */
    double fee;       /* this step's swap fee for agent and liquidation sells */
    int halt_until;   /* circuit breaker: defensive actions held while t < halt_until */
    int halt_open;    /* a halt began and its release has not started */
    int release_rate; /* gradual release: actions a step while its queue drains, else 0 */
    int n_pend;       /* pending actions */
    double act_sum, act_sq, peak_sync;
    double liq_usd, liquidations, bad_realized, defensive_usd;
    int n_cand, n_sellers, n_liq, acted; /* this step's list lengths, actions executed */
    /* this step's active shocks */
    double gap, liq_factor, extra_delay_s;
    double pool_gap; /* a gap scoped to this venue: log move of its pool, not of the asset */
    double oracle_factor; /* oracle_error: the oracle reports the pool price times this */
    int forced_stress;
    int bridge_halt; /* a bridge_halt on this venue: its links take no new crossing (link.h) */
    float exploit_factor[STP_MAX_PROTOCOLS]; /* collateral multiplier, 1 when none */
    int any_exploit;
    /* who moved first (DESIGN §3.6): one of the agents deciding in the
     * path's first step with a decision, drawn uniformly (stp_agent_decide),
     * and that step; -1 while nobody has decided. first_count: the deciders
     * of that step so far */
    int first_mover, t_first_move, first_count;
    int t_cascade; /* end of the step the cascade rule first held; -1: not yet */
    double log_lr; /* the jumps' log likelihood ratio under importance sampling (params.h) */
} stp_path_state;

/* Per-step samples of one path, [step]; NULL pointers when not sampled. */
typedef struct stp_sample_row {
    float *price, *pool_depth, *sync, *liquidations;
} stp_sample_row;

#endif
