/* same_results.h: whether two results files are the same run's, with
 * h5py (Debian's python3-h5py, which scripts/test.sh installs). Needs the
 * tests' scratch directory `dir` (tmpdir.h) and Criterion. */
#ifndef STAMPEDE_TESTS_SAME_RESULTS_H
#define STAMPEDE_TESTS_SAME_RESULTS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

/* Every dataset and attribute of a and b equal, bit for bit, but the
 * root's wall_s, agent_steps_per_s and created_utc, and the root's checksum,
 * which covers those three (every other object's checksum must match), and
 * an ensemble's measured costs and the allocation drawn from them, with its
 * group's checksum (ensemble.h). */
static inline void assert_same_results(const char *a, const char *b)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 - '%s' '%s' <<'PY'\n"
             "import sys, h5py, numpy as np\n"
             "a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')\n"
             "bad = []\n"
             "def attrs(x, y, name):\n"
             "    skip = ('wall_s', 'agent_steps_per_s', 'created_utc', 'stp_checksum') if name == '/' "
             "else ('population_s', 'path_s', 'best_paths', 'best_populations', 'best_halfwidth', "
             "'stp_checksum') if name.endswith('ensemble') else ()\n"
             "    if sorted(x.attrs) != sorted(y.attrs): bad.append(name + ' attrs')\n"
             "    for k in x.attrs:\n"
             "        if k in skip or k not in y.attrs: continue\n"
             "        if np.asarray(x.attrs[k]).tobytes() != np.asarray(y.attrs[k]).tobytes():\n"
             "            bad.append(name + '@' + k)\n"
             "def walk(name, x):\n"
             "    if name not in b: bad.append(name + ' missing'); return\n"
             "    y = b[name]\n"
             "    attrs(x, y, name)\n"
             "    if not isinstance(x, h5py.Dataset): return\n"
             "    u, v = np.asarray(x[()]), np.asarray(y[()])\n"
             "    same = u.tolist() == v.tolist() if u.dtype.kind == 'O' else \\\n"
             "        u.dtype == v.dtype and u.tobytes() == v.tobytes()\n"
             "    if not same: bad.append(name)\n"
             "attrs(a, b, '/')\n"
             "a.visititems(walk)\n"
             "n = []\n"
             "b.visit(lambda k: n.append(k) if k not in a else None)\n"
             "bad += [k + ' extra' for k in n]\n"
             "print(bad[:20])\n"
             "sys.exit(1 if bad else 0)\n"
             "PY",
             dir, a, b);
    cr_assert_eq(system(cmd), 0, "%s and %s differ (h5py's list above)", a, b);
}

#endif
