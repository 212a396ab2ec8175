/* interrupt.c: the process's stop request (interrupt.h). */
#include "stampede/interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

/* The one mutable global (interrupt.h says why): written by a signal
 * handler, read by every long loop. */
static volatile sig_atomic_t stop_requested;

/* The writer's temporary file: the name is complete before `scratch_set`
 * says so, and `scratch_set` is cleared before the name changes, so a
 * handler never reads a half-written name. */
static char scratch[1200];
static volatile sig_atomic_t scratch_set;

void stp_interrupt_raise(void)
{
    stop_requested = 1;
}

int stp_interrupt_pending(void)
{
    return stop_requested != 0;
}

void stp_interrupt_clear(void)
{
    stop_requested = 0;
}

stp_status stp_interrupt_check(stp_error *err, const char *during)
{
    if (!stop_requested) return STP_OK;
    return stp_error_set(err, STP_EINTR, "interrupted during %s", during);
}

void stp_interrupt_scratch(const char *path)
{
    scratch_set = 0;
    if (!path || snprintf(scratch, sizeof scratch, "%s", path) >= (int)sizeof scratch) return;
    scratch_set = 1;
}

void stp_interrupt_discard_scratch(void)
{
    if (scratch_set) unlink(scratch);
}
