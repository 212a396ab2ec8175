"""A multi-venue ensemble's contagion estimates (DESIGN §10, run.populations
> 1), recomputed independently from the results file's per-path columns:
P(at least two venues cascade) and P(a second venue cascades | one does)
are the mean over the populations of each one's estimate on its contiguous
paths, with Student's t interval over their spread (the file's
contagion/populations says so), and each venue's P(cascade) likewise. A
fresh seed (tests/seed.py).

    test_contagion_ensemble.py --stampede BIN [--seed S]
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed import test_seed  # noqa: E402

T975 = {3: 3.182446305284263, 4: 2.7764451051977987, 5: 2.5705818366147395}


def t_mean(v):
    v = np.asarray(v, dtype=float)
    m = v.mean()
    se = v.std(ddof=1) / math.sqrt(len(v))
    t = T975[len(v) - 1]
    return m, max(m - t * se, 0.0), min(m + t * se, 1.0)


def close(a, b, what):
    if not (abs(a - b) <= 1e-12 * max(1.0, abs(b))):
        sys.exit(f"{what}: file {a!r}, recomputed {b!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stampede", required=True)
    ap.add_argument("--seed", type=int)
    cli = ap.parse_args()
    seed = test_seed(cli.seed)
    k, per = 4, 24
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "c.h5")
        subprocess.run([cli.stampede, "run", "configs/contagion.json", "-o", out, "--quiet",
                        "--seed", str(seed), "--paths", str(k * per),
                        "--set", f"run.populations={k}", "--set", "experiment.variants=[]",
                        "--set", "experiment.sweep.values=[0.1]"], check=True)
        f = h5py.File(out, "r")
        (name, v), = f["variants"].items()
        c = v["outcomes/venues_in_cascade"][:]
        g = v["contagion"]
        assert int(g.attrs["populations"]) >= 2, dict(g.attrs)
        two, second = [], []
        for j in range(k):
            blk = c[j * per:(j + 1) * per]
            n1, n2 = int((blk >= 1).sum()), int((blk >= 2).sum())
            two.append(n2 / per)
            if n1 > 0:
                second.append(n2 / n1)
        assert int(g.attrs["populations"]) == len(second), (dict(g.attrs), second)
        for key, vals in (("p_two", two), ("p_second_given_first", second)):
            a = g[key].attrs
            if len(vals) < 2:
                assert math.isnan(a["p"]), (key, a["p"])
                continue
            m, lo, hi = t_mean(vals)
            close(a["p"], m, key + " p")
            close(a["ci_lo"], lo, key + " ci_lo")
            close(a["ci_hi"], hi, key + " ci_hi")
        # the pooled counts
        assert int(g["p_two"].attrs["k"]) == int((c >= 2).sum())
        assert int(g["p_second_given_first"].attrs["n"]) == int((c >= 1).sum())
        for ven in v["venues"]:
            casc = v[f"venues/{ven}/outcomes/cascade"][:]
            m, lo, hi = t_mean([casc[j * per:(j + 1) * per].mean() for j in range(k)])
            a = v[f"venues/{ven}/cascade"].attrs
            close(a["p"], m, ven + " P(cascade)")
            close(a["ci_hi"], hi, ven + " P(cascade) ci_hi")
        print(f"{name}: P(second | one) {g['p_second_given_first'].attrs['p']:.4g} over "
              f"{len(second)} populations, P(two) {g['p_two'].attrs['p']:.4g}: as recomputed")


if __name__ == "__main__":
    main()
