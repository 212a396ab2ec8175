#!/usr/bin/python3
"""P(cascade) of variant A minus variant B of a results file, paired within
populations: each population's difference of its paths' cascade rates, then
their mean with a 95% t interval over populations (populations - 1 df), as
the summary's comparison does against its baseline. For two variants that
are neither of them the baseline (e.g. a global against a per-venue
mitigation). Unweighted: refuses an importance-sampled file.

usage: scripts/paired_variants.py RESULTS.h5 A B [COLUMN]"""
import sys

import h5py
import numpy as np
from scipy import stats


def per_population(f, variant, column):
    o = f["variants"][variant]["outcomes"]
    if np.any(o["weight"][:] != 1.0):
        sys.exit(f"{variant}: weighted paths (importance sampling); this script is unweighted")
    x = o[column][:].astype(float)
    pop = o["population"][:]
    return {int(k): x[pop == k].mean() for k in np.unique(pop)}


def paired(path, a, b, column="cascade"):
    """(mean, lo, hi, populations) of A - B paired within populations."""
    with h5py.File(path, "r") as f:
        pa, pb = per_population(f, a, column), per_population(f, b, column)
    if sorted(pa) != sorted(pb):
        sys.exit("the variants' populations differ: not paired")
    d = np.array([pa[k] - pb[k] for k in sorted(pa)])
    n = len(d)
    if n < 2:
        sys.exit("one population: no interval over populations")
    m, se = d.mean(), d.std(ddof=1) / np.sqrt(n)
    t = stats.t.ppf(0.975, n - 1)
    return m, m - t * se, m + t * se, n


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    path, a, b = sys.argv[1:4]
    column = sys.argv[4] if len(sys.argv) == 5 else "cascade"
    m, lo, hi, n = paired(path, a, b, column)
    print(f"{column}: {a} - {b} = {m:+.6g} [{lo:+.6g}, {hi:+.6g}] "
          f"(95% t interval over {n} populations, paired within each)")


if __name__ == "__main__":
    main()
