/* outlock.h: an output is owned by one run at a time.
 *
 * Two runs (or a run and a merge) writing one output share its checkpoint
 * directory and its rename: unlocked, they interleave batches and the
 * survivor's file mixes both. The owner holds an exclusive flock(2) on
 * "<out>.lock" from before it writes anything until after the results
 * file is renamed into place and the checkpoint removed. The kernel drops
 * the lock when its process dies, however it dies, so a killed run never
 * blocks the next one; the file itself (one line: the owner's pid) is
 * removed on release and otherwise reused. */
#ifndef STAMPEDE_OUTLOCK_H
#define STAMPEDE_OUTLOCK_H

#include "stampede/error.h"

typedef struct stp_outlock {
    int fd; /* -1: not held */
    char path[1100];
} stp_outlock;

/* Refuses an output path that no run may write, before anything is
 * written: empty, ending in '/', an existing object that is not a regular
 * file (a directory, a device such as /dev/full, a FIFO, a socket: with or
 * without --force), or in a folder that does not exist or cannot be
 * written. `what` names the option in the message ("-o", "merge: OUT.h5").
 * STP_EUSAGE or STP_EIO (the folder) with one line naming the fix. */
stp_status stp_output_check(const char *out_path, const char *what, stp_error *err);

/* Takes the lock of out_path without waiting. STP_EUSAGE naming the pid
 * of the running owner when another process holds it; STP_EIO when the
 * lock file cannot be created. Once held, removes the temporary files
 * ("<out>.tmp.*") a killed owner may have left: only an owner writes them. */
stp_status stp_outlock_take(stp_outlock *lk, const char *out_path, stp_error *err);

/* Removes the lock file and drops the lock; safe on a lock not held. */
void stp_outlock_release(stp_outlock *lk);

#endif
