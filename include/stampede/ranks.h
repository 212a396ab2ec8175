/* ranks.h: the processes of one run under `mpirun` (DESIGN §9). Built
 * with MPI (STP_MPI) and launched by mpirun, there are stp_ranks() of
 * them; otherwise, and in any process that did not call stp_ranks_init,
 * exactly one, rank 0, and every call below is a no-op. */
#ifndef STAMPEDE_RANKS_H
#define STAMPEDE_RANKS_H

#include "stampede/hd.h"

STP_EXTERN_C_BEGIN

/* Joins the MPI job when the process was started by mpirun (Open MPI's
 * or PMIx's environment says so); a plain `stampede run` never loads MPI. */
void stp_ranks_init(int *argc, char ***argv);
void stp_ranks_finalize(void);

int stp_rank(void);
int stp_ranks(void);
/* This rank's index among the ranks on its node, and their count (for the
 * GPU it takes and its share of the CPU threads). */
int stp_local_rank(void);
int stp_local_ranks(void);

/* The largest of every rank's v (collective: every rank must call it). */
int stp_ranks_max(int v);
void stp_ranks_barrier(void);

STP_EXTERN_C_END

#endif
