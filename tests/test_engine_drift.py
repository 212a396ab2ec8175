"""scripts/engine_drift.py on made-up results files, numbers worked by hand:
the same outcomes give zero difference and no flips; flipping k cascades
on n paths gives a paired difference of k/n, flagged "moved" exactly when
k/n exceeds 1.96 sqrt(p(1-p)/n) (the estimate's own Monte Carlo
half-width); the exit code follows. Random outcomes from a fresh seed.

    test_engine_drift.py [--seed S]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
from seed import test_seed  # noqa: E402
from engine_drift import compare, COLUMNS  # noqa: E402

SCRIPT = os.path.join(HERE, "..", "scripts", "engine_drift.py")


def write(path, cols):
    with h5py.File(path, "w") as f:
        o = f.create_group("variants/base/outcomes")
        for k, v in cols.items():
            o[k] = v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int)
    seed = test_seed(ap.parse_args().seed)
    rng = np.random.default_rng(seed)
    n = 2000
    old = {"cascade": (rng.random(n) < 0.2).astype(np.uint8),
           "bad_debt_usd": rng.lognormal(10, 2, n), "max_drawdown": rng.random(n) * 0.5,
           "weight": np.ones(n)}
    same = compare({k: v.astype(float) for k, v in old.items()},
                   {k: v.astype(float) for k, v in old.items()})
    assert same["cascade"]["diff"] == 0 and not same["moved"], same
    assert same["cascade_flips_up"] == 0 and same["cascade_flips_down"] == 0

    p = old["cascade"].mean()
    half = 1.96 * np.sqrt(p * (1 - p) / n)
    zeros = np.flatnonzero(old["cascade"] == 0)
    for k, want_moved in ((3, False), (int(np.ceil(half * n * 1.3)), True)):
        new = dict(old, cascade=old["cascade"].copy())
        new["cascade"][rng.choice(zeros, k, replace=False)] = 1
        r = compare({c: v.astype(float) for c, v in old.items()},
                    {c: v.astype(float) for c, v in new.items()})
        assert r["cascade_flips_up"] == k and r["cascade_flips_down"] == 0, r
        assert r["paths_any_changed"] == k, r
        assert abs(r["cascade"]["diff"] - k / n) < 1e-12, (seed, r["cascade"])
        assert r["cascade"]["moved"] == want_moved, (seed, k, r["cascade"], half)
        assert r["cascade"]["systematic"] == (k > 1.96 * np.sqrt(k) * 1.0), (seed, k)
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.h5"), os.path.join(tmp, "b.h5")
            write(a, old)
            write(b, new)
            rc = subprocess.run([sys.executable, SCRIPT, a, b], capture_output=True).returncode
            assert rc == (1 if want_moved else 0), (seed, k, rc)
    assert set(COLUMNS) >= {"cascade", "bad_debt_usd"}
    print(f"engine_drift: ok (seed {seed})")


if __name__ == "__main__":
    main()
