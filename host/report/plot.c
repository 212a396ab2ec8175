/* plot.c: `stampede summary --plot`, a child python3 running the notebooks'
 * plotting module (plot.h). */
/* realpath */
#define _XOPEN_SOURCE 700
#include "stampede/plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef STP_SOURCE_DIR
#define STP_SOURCE_DIR ""
#endif
#ifndef STP_INSTALL_DATADIR
#define STP_INSTALL_DATADIR "/usr/local/share/stampede"
#endif

#define SCRIPT "notebooks/stampede_plots.py"
/* The child's exit status when exec itself failed (the shell's convention). */
#define EXEC_FAILED 127

int stp_plot_script(char *buf, size_t n)
{
    const char *env = getenv("STAMPEDE_PLOTS");
    if (!buf || n == 0) return -1;
    if (env && *env) {
        snprintf(buf, n, "%s", env);
        return access(buf, R_OK) == 0 ? 0 : -1;
    }
    if (STP_SOURCE_DIR[0]) {
        snprintf(buf, n, "%s/%s", STP_SOURCE_DIR, SCRIPT);
        if (access(buf, R_OK) == 0) return 0;
    }
    snprintf(buf, n, "%s/%s", STP_INSTALL_DATADIR, SCRIPT);
    return access(buf, R_OK) == 0 ? 0 : -1;
}

/* Child: stdout and stderr into the pipe, then python3. Never returns. */
static void exec_child(int fd, const char *script, const char *results, const char *dir)
{
    const char *py = getenv("STAMPEDE_PYTHON");
    char *abs = realpath(results, NULL);
    if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(EXEC_FAILED);
    close(fd);
    /* the summary verified every checksum of this file just now: the
     * plotting module need not hash it again in Python */
    if (abs) setenv("STAMPEDE_VERIFIED", abs, 1);
    if (py && *py) {
        execlp(py, py, script, results, dir, (char *)NULL);
    } else {
        execl("/usr/bin/python3", "python3", script, results, dir, (char *)NULL);
        execlp("python3", "python3", script, results, dir, (char *)NULL);
    }
    _exit(EXEC_FAILED);
}

/* Reads the pipe to its end into log[0..n), keeping the tail when it is
 * longer: the last line is the error, when there is one. */
static void drain(int fd, char *log, size_t n)
{
    size_t len = 0;
    char chunk[4096];
    ssize_t got;
    for (;;) {
        got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if ((size_t)got >= n) {
            memcpy(log, chunk + (size_t)got - (n - 1), n - 1);
            len = n - 1;
            continue;
        }
        if (len + (size_t)got >= n) {
            const size_t drop = len + (size_t)got - (n - 1);
            memmove(log, log + drop, len - drop);
            len -= drop;
        }
        memcpy(log + len, chunk, (size_t)got);
        len += (size_t)got;
    }
    log[len] = '\0';
}

/* The last non-empty line of s, without its newline, into out. */
static void last_line(const char *s, char *out, size_t n)
{
    size_t end = strlen(s), start;
    while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r'))
        end--;
    start = end;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    snprintf(out, n, "%.*s", (int)(end - start), s + start);
}

stp_status stp_plot_write(const char *results, const char *dir, char *log, size_t n,
                          stp_error *err)
{
    char script[4096], line[STP_ERROR_MAX - 64];
    int fds[2], status = 0;
    pid_t pid;
    log[0] = '\0';
    if (stp_plot_script(script, sizeof script) != 0)
        return stp_error_set(err, STP_EUSAGE,
                             "summary --plot: %s not found; set STAMPEDE_PLOTS to the checkout's "
                             "notebooks/stampede_plots.py",
                             script);
    if (pipe(fds) != 0)
        return stp_error_set(err, STP_EIO, "summary --plot: pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return stp_error_set(err, STP_EIO, "summary --plot: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        exec_child(fds[1], script, results, dir);
    }
    close(fds[1]);
    drain(fds[0], log, n);
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return STP_OK;
    last_line(log, line, sizeof line);
    if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED)
        return stp_error_set(err, STP_EUSAGE,
                             "summary --plot: cannot run python3; install it with h5py and "
                             "matplotlib (bash scripts/deps.sh) or set STAMPEDE_PYTHON");
    if (WIFEXITED(status) && WEXITSTATUS(status) == STP_EUSAGE)
        return stp_error_set(err, STP_EUSAGE, "summary --plot: %s", line);
    return stp_error_set(err, STP_EIO, "summary --plot: %s",
                         line[0] ? line : "the plotting script failed");
}
