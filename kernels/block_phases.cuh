// block_phases.cuh: the device's ALL and LANES for the kernels' bodies
// (block.h's STP_BLOCK_BODY, block_venues.h's STP_VENUE_BODY). ALL runs
// stmt in every thread, as thread tid of nt; LANES runs it for lane q < n
// of nmax on the first of the nt / nmax threads that share the lane, so
// lanes whose branches differ run in different warps instead of taking
// turns in one. A barrier after each. The host's twins are loops
// (tests/test_kernel_order.c, tests/test_kernel_venues.c).
#ifndef STAMPEDE_BLOCK_PHASES_CUH
#define STAMPEDE_BLOCK_PHASES_CUH

#define ALL_DEV(tid, nt, stmt)                                                                     \
    {                                                                                              \
        stmt;                                                                                      \
        __syncthreads();                                                                           \
    }
#define LANES_DEV(q, tid, nt, n, nmax, stmt)                                                       \
    {                                                                                              \
        const int sp_ = (nt) / (nmax), q = (tid) / sp_;                                            \
        if ((tid) % sp_ == 0 && q < (n)) {                                                         \
            stmt;                                                                                  \
        }                                                                                          \
        __syncthreads();                                                                           \
    }

#endif
