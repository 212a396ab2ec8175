"""scripts/paired_variants.py against the engine's own paired comparison:
for every variant of a compare run with several populations, the script's
baseline-minus-variant P(cascade) difference and its 95% t interval over
populations must equal the file's /comparison (d_cascade_diff, _ci_lo,
_ci_hi), which stats/paired.c computes. A fresh seed (tests/seed.py).

    test_paired_variants.py --stampede BIN [--seed S]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
from seed import test_seed  # noqa: E402
from paired_variants import paired  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stampede", required=True)
    ap.add_argument("--seed", type=int)
    cli = ap.parse_args()
    seed = test_seed(cli.seed)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.h5")
        subprocess.run([cli.stampede, "run", "configs/contagion_mitigations.json", "-o", out,
                        "--quiet", "--seed", str(seed), "--paths", "96",
                        "--set", "run.populations=4"],
                       check=True)
        with h5py.File(out, "r") as f:
            c = f["comparison"]
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in c["name"][:]]
            base = c.attrs["baseline"]
            base = base.decode() if isinstance(base, bytes) else str(base)
            want = {k: c[k][:] for k in ("d_cascade_diff", "d_cascade_ci_lo", "d_cascade_ci_hi")}
        moved = 0
        for i, name in enumerate(names):
            if name == base:
                continue
            m, lo, hi, n = paired(out, base, name)
            if n != 4:
                sys.exit(f"{name}: {n} populations, not 4")
            for got, key in ((m, "d_cascade_diff"), (lo, "d_cascade_ci_lo"),
                             (hi, "d_cascade_ci_hi")):
                if abs(got - want[key][i]) > 1e-9:
                    sys.exit(f"{name} {key}: script {got!r}, file {want[key][i]!r} (seed {seed})")
            moved += m != 0.0
        if moved == 0:
            sys.exit(f"no variant moved P(cascade) (seed {seed}): the check has no power")
    print(f"{len(names) - 1} variants agree with /comparison (seed {seed})")


if __name__ == "__main__":
    main()
