#!/usr/bin/python3
"""SIGKILL at random points, then --resume (issue 15): for a single run and
a compare, the engine is killed at a random moment of an uninterrupted
run's duration (mid-batch, between batches, while writing the results
file), then resumed; every finished file must equal the uninterrupted
run's, bit for bit (tests/same_results.h's rule: the root's timings and
checksum aside), and a kill must never leave a file that reads as valid
but differs.

Usage: tests/test_kill_resume.py --stampede BIN [--kills N] [--seed S]
Prints the seed; --seed S reproduces the kill times.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from same_results import differences  # tests/same_results.py, beside this file
from seed import test_seed  # tests/seed.py: STAMPEDE_TEST_SEED replays a seed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stampede", required=True)
    ap.add_argument("--kills", type=int, default=4, help="kills per experiment")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = test_seed(a.seed)
    rng = random.Random(seed)
    print(f"seed {seed} ({a.kills} kills per experiment)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cases = [("single", "quickstart.json", ["--paths", "96", "--batch", "16"]),
             ("compare", "mitigation_pack.json", ["--paths", "32", "--batch", "4"])]  # 16 populations of 2
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, cfg, extra in cases:
            cmd = [a.stampede, "run", os.path.join(root, "configs", cfg), "--quiet", "--backend",
                   "openmp", "--threads", "2"] + extra
            ref = os.path.join(tmp, f"{name}_ref.h5")
            t0 = time.monotonic()
            subprocess.run(cmd + ["-o", ref], check=True)
            span = time.monotonic() - t0
            for k in range(a.kills):
                out = os.path.join(tmp, f"{name}_{k}.h5")
                delay = rng.uniform(0.05, 1.0) * span
                p = subprocess.Popen(cmd + ["-o", out], stderr=subprocess.DEVNULL)
                try:
                    p.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                killed = p.returncode == -signal.SIGKILL
                if not os.path.exists(out) or os.path.exists(out + ".ckpt"):
                    r = subprocess.run(cmd + ["-o", out, "--resume"], capture_output=True)
                    if r.returncode != 0:
                        failures.append(f"{name} kill {k} at {delay:.2f} s: --resume exit "
                                        f"{r.returncode}: {r.stderr.decode().strip()}")
                        continue
                diff = differences(ref, out)
                state = "killed" if killed else "finished first"
                print(f"{name}: kill {k} at {delay:.2f} of {span:.2f} s ({state}): "
                      f"{'identical' if not diff else 'DIFFERS: ' + ', '.join(diff[:5])}")
                if diff:
                    failures.append(f"{name} kill {k}: {diff[:5]}")
                for leftover in (out, out + ".ckpt"):
                    if os.path.isdir(leftover):
                        shutil.rmtree(leftover)
                    elif os.path.exists(leftover):
                        os.remove(leftover)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
