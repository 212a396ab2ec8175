/* stopper.h: a progress callback that raises the interrupt flag after
 * `stop_after` paths, so a test can interrupt a run between batches the
 * way SIGINT does. */
#ifndef STAMPEDE_TESTS_STOPPER_H
#define STAMPEDE_TESTS_STOPPER_H

#include <signal.h>

typedef struct stopper {
    volatile sig_atomic_t flag;
    long long stop_after;
} stopper;

static void stop_progress(void *user, long long done, long long total, long long simulated,
                          double elapsed_s)
{
    stopper *s = user;
    (void)total;
    (void)simulated;
    (void)elapsed_s;
    if (done >= s->stop_after) s->flag = 1;
}

#endif
