/* interrupt.c: the process's stop request (interrupt.h). */
#include "stampede/interrupt.h"

#include <signal.h>

/* The one mutable global (interrupt.h says why): written by a signal
 * handler, read by every long loop. */
static volatile sig_atomic_t stop_requested;

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
