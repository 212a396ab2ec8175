/* ranks.c: MPI, when built with it and launched by mpirun (ranks.h). */
#include "stampede/ranks.h"

#include <stdlib.h>

#ifdef STP_MPI
#include <mpi.h>

static int joined;
static int rank_, ranks_ = 1, local_rank_, local_ranks_ = 1;

/* Open MPI and PMIx set these in every process mpirun starts. */
static int under_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

void stp_ranks_init(int *argc, char ***argv)
{
    MPI_Comm node;
    if (!under_mpirun() || MPI_Init(argc, argv) != MPI_SUCCESS) return;
    joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &local_rank_);
    MPI_Comm_size(node, &local_ranks_);
    MPI_Comm_free(&node);
}

void stp_ranks_finalize(void)
{
    if (joined) MPI_Finalize();
    joined = 0;
}

int stp_rank(void)
{
    return rank_;
}

int stp_ranks(void)
{
    return ranks_;
}

int stp_local_rank(void)
{
    return local_rank_;
}

int stp_local_ranks(void)
{
    return local_ranks_;
}

int stp_ranks_max(int v)
{
    int m = v;
    if (joined && ranks_ > 1) MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

void stp_ranks_barrier(void)
{
    if (joined && ranks_ > 1) MPI_Barrier(MPI_COMM_WORLD);
}

#else /* one process */

void stp_ranks_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

void stp_ranks_finalize(void) {}

int stp_rank(void)
{
    return 0;
}

int stp_ranks(void)
{
    return 1;
}

int stp_local_rank(void)
{
    return 0;
}

int stp_local_ranks(void)
{
    return 1;
}

int stp_ranks_max(int v)
{
    return v;
}

void stp_ranks_barrier(void) {}

#endif
