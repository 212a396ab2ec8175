/* plot.h: `stampede summary --plot DIR`: the key figures of a results file
 * as PNG, drawn by notebooks/stampede_plots.py (matplotlib) in a child
 * python3, so the engine links no plotting library and the figures are the
 * notebooks' own. */
#ifndef STAMPEDE_PLOT_H
#define STAMPEDE_PLOT_H

#include <stddef.h>

#include "stampede/error.h"

/* The plotting script: $STAMPEDE_PLOTS, else the source tree's
 * notebooks/stampede_plots.py (a build tree), else the installed
 * share/stampede/notebooks/stampede_plots.py. Writes its path to buf and
 * returns 0, or -1 when none is readable. */
int stp_plot_script(char *buf, size_t n);

/* Runs $STAMPEDE_PYTHON (else /usr/bin/python3, else python3 on PATH) on the
 * plotting script with `results` and `dir`, and waits. The child's output
 * (one figure path per line, then the notebook to open) is copied to `log`
 * (NUL-terminated, truncated at n). On failure err holds the child's last
 * line: STP_EUSAGE when python3, h5py or matplotlib is missing (the line
 * names the packages), STP_EIO when the file cannot be read or the figures
 * cannot be written. */
stp_status stp_plot_write(const char *results, const char *dir, char *log, size_t n,
                          stp_error *err);

#endif
