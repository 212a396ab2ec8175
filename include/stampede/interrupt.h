/* interrupt.h: SIGINT and SIGTERM, honoured wherever a run spends time.
 *
 * A signal carries no context, so the request is one process-wide flag:
 * the library's only mutable global. The command line's handler raises it
 * (async-signal-safe: one sig_atomic_t store); every loop that can run for
 * more than a moment (population draw, equilibrium screen, blind-spot probe,
 * pilot, a batch's paths, search iterations, merge) polls it at bounded
 * intervals and returns STP_EINTR, so a run ends within about a second with
 * no partial output and its finished batches kept for --resume. */
#ifndef STAMPEDE_INTERRUPT_H
#define STAMPEDE_INTERRUPT_H

#include "stampede/error.h"

STP_EXTERN_C_BEGIN

/* Records a request to stop; safe to call from a signal handler. */
void stp_interrupt_raise(void);

/* Nonzero once a stop was requested. Cheap: one volatile load. */
int stp_interrupt_pending(void);

/* Forgets a request (tests, or a process that runs again). */
void stp_interrupt_clear(void);

/* STP_OK, or STP_EINTR with "interrupted during <during>" when a stop was
 * requested (stp_run adds what was kept). */
stp_status stp_interrupt_check(stp_error *err, const char *during);

/* The temporary file being written now (NULL: none), so that a second
 * signal, which ends the process at once, can remove it first. The writer
 * names it before creating it and clears it after the rename. */
void stp_interrupt_scratch(const char *path);

/* Unlinks the named temporary file, if any: async-signal-safe. */
void stp_interrupt_discard_scratch(void);

STP_EXTERN_C_END

#endif
