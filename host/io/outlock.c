/* outlock.c: one owner per output (outlock.h). */
#include "stampede/outlock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder of path into buf ("." for a bare name). */
static void folder_of(const char *path, char *buf, size_t n)
{
    char copy[1100];
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(buf, n, "%s", dirname(copy));
}

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

stp_status stp_output_check(const char *out_path, const char *what, stp_error *err)
{
    struct stat st;
    char dir[1100];
    const size_t len = strlen(out_path);
    if (len == 0)
        return stp_error_set(err, STP_EUSAGE,
                             "%s: the output path is empty; name a file such as "
                             "out.h5",
                             what);
    if (len >= 1000)
        return stp_error_set(err, STP_EUSAGE,
                             "%s: output path too long (%zu bytes); use a shorter "
                             "one",
                             what, len);
    if (out_path[len - 1] == '/')
        return stp_error_set(err, STP_EUSAGE,
                             "%s: '%s' names a folder; name a file in it, such as "
                             "%sout.h5",
                             what, out_path, out_path);
    /* stat follows a symlink: a link to a regular file is replaced by the
     * rename like any file, a link to a device is refused like the device */
    if (stat(out_path, &st) == 0 && !S_ISREG(st.st_mode))
        return stp_error_set(err, STP_EUSAGE,
                             "%s: '%s' is %s, not a results file; --force "
                             "replaces only regular files: choose a file path",
                             what, out_path, kind_of(st.st_mode));
    folder_of(out_path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return stp_error_set(err, STP_EIO,
                             "%s: folder '%s' does not exist; create it or choose "
                             "another output",
                             what, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return stp_error_set(err, STP_EIO,
                             "%s: folder '%s' is not writable (%s); choose an output "
                             "in a writable folder",
                             what, dir, strerror(errno));
    return STP_OK;
}

/* Unlinks "<base>.tmp.*" beside out_path: a killed owner's half-written
 * results file (only the lock's owner writes one). */
static void remove_stale_tmp(const char *out_path)
{
    char dir[1100], copy[1100], prefix[1100], path[2300];
    const char *base;
    DIR *d;
    struct dirent *e;
    folder_of(out_path, dir, sizeof dir);
    snprintf(copy, sizeof copy, "%s", out_path);
    base = basename(copy);
    snprintf(prefix, sizeof prefix, "%s.tmp.", base);
    if ((d = opendir(dir)) == NULL) return;
    while ((e = readdir(d)) != NULL) {
        const char *pid = e->d_name + strlen(prefix);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || !*pid ||
            strspn(pid, "0123456789") != strlen(pid))
            continue; /* the writers' names only: "<out>.tmp.<pid>" */
        {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* The pid written in a lock file, or 0 when unreadable. */
static long owner_pid(int fd)
{
    char buf[32] = "";
    const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

/* 1 when fd is still the file named path: a releasing owner unlinks the
 * file, so a lock won on an unlinked file guards nothing. */
static int still_named(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

stp_status stp_outlock_take(stp_outlock *lk, const char *out_path, stp_error *err)
{
    char pid[32];
    int tries;
    lk->fd = -1;
    if (snprintf(lk->path, sizeof lk->path, "%s.lock", out_path) >= (int)sizeof lk->path)
        return stp_error_set(err, STP_EUSAGE, "output path too long; use a shorter -o");
    for (tries = 0; tries < 100; tries++) {
        const int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return stp_error_set(err, STP_EIO,
                                 "cannot create the output's lock '%s': %s; choose "
                                 "an output in a writable folder",
                                 lk->path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int e = errno;
            const long owner = owner_pid(fd);
            close(fd);
            if (e == EWOULDBLOCK)
                return stp_error_set(err, STP_EUSAGE,
                                     "output '%s' is in use by a running "
                                     "stampede (pid %ld); wait for it to finish, or choose "
                                     "another -o",
                                     out_path, owner);
            return stp_error_set(err, STP_EIO, "cannot lock '%s': %s", lk->path, strerror(e));
        }
        if (!still_named(fd, lk->path)) { /* its owner released it meanwhile: again */
            close(fd);
            continue;
        }
        snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
            close(fd);
            return stp_error_set(err, STP_EIO, "cannot write the output's lock '%s': %s", lk->path,
                                 strerror(errno));
        }
        lk->fd = fd;
        remove_stale_tmp(out_path);
        return STP_OK;
    }
    return stp_error_set(err, STP_EIO, "cannot lock '%s': it keeps changing hands", lk->path);
}

void stp_outlock_release(stp_outlock *lk)
{
    if (lk->fd < 0) return;
    /* unlink first, while still held: a waiter that opened the old file
     * sees it unnamed (still_named) and retries on a fresh one */
    unlink(lk->path);
    close(lk->fd);
    lk->fd = -1;
}
