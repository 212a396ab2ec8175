#!/usr/bin/python3
"""A damaged results file is never read as valid (issue 15): random bit
flips and truncations of a real results file, each read by
`stampede summary --format json` under a time limit. Every case must end
in exit 3 with one line on stderr, or in exit 0 with content identical to
the original's (a flip in unused bytes changes nothing: the summary and
h5dump's full dump must both be unchanged). A hang past the limit, a crash
(a signal), any other exit code, or exit 0 with different content fails,
and so does any stderr line that is not stampede's own "stampede: ...":
glibc's "double free or corruption" or HDF5's error stack leaking from
the reader's check (HDF5 1.10.8 aborts on some of these files, in the
child that checks them, which must keep quiet and let the parent name
the object).

Usage: tests/test_corruption.py --stampede BIN [--cases N] [--seed S] [--keep DIR]
Prints the seed; --seed S reproduces a run; --keep DIR keeps each failing
case's file there (case<N>-seed<S>.h5), for tests/fuzz/regressions/results/.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

from seed import test_seed  # tests/seed.py: STAMPEDE_TEST_SEED replays a seed

LIMIT_S = 60


def summary(binary, path):
    # the reader's own limit on a file HDF5 hangs on (it happens: see
    # tests/fuzz/regressions/results/), well inside this test's
    env = dict(os.environ, STAMPEDE_VERIFY_TIMEOUT_S="10")
    try:
        r = subprocess.run([binary, "summary", path, "--format", "json"], capture_output=True,
                           timeout=LIMIT_S, env=env)
    except subprocess.TimeoutExpired:
        return "hang", b"", b""
    return r.returncode, r.stdout, r.stderr


def dump(path):
    """h5dump's whole dump without its first line, which names the file."""
    r = subprocess.run(["h5dump", path], capture_output=True, timeout=LIMIT_S)
    return r.returncode, r.stdout.split(b"\n", 1)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stampede", required=True)
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", default=None, help="folder for each failing case's file")
    a = ap.parse_args()
    seed = test_seed(a.seed)
    rng = random.Random(seed)
    print(f"seed {seed} ({a.cases} cases: bit flips and truncations)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.h5")
        subprocess.run([a.stampede, "run", os.path.join(root, "configs", "quickstart.json"),
                        "-o", good, "--paths", "48", "--seed", str(seed % 100000 + 1),
                        "--quiet", "--backend", "openmp"], check=True,
                       env=dict(os.environ, STP_MODELS=os.path.join(root, "models")))
        rc, ref, err = summary(a.stampede, good)
        assert rc == 0, err
        ref_dump = dump(good)
        data = open(good, "rb").read()
        tally = {"detected": 0, "unchanged": 0}
        bad = []
        for case in range(a.cases):
            buf = bytearray(data)
            if case % 4 == 3:  # a quarter truncations, the rest 8 flipped bits each
                cut = rng.randrange(1, len(buf))
                buf = buf[:cut]
                what = f"truncated at {cut} of {len(data)} bytes"
            else:
                bits = [rng.randrange(len(buf) * 8) for _ in range(8)]
                for b in bits:
                    buf[b // 8] ^= 1 << (b % 8)
                what = "bits " + ",".join(str(b) for b in bits)
            path = os.path.join(tmp, f"case{case}.h5")
            open(path, "wb").write(bytes(buf))
            rc, out, err = summary(a.stampede, path)
            lines = err.decode(errors="replace").splitlines()
            noise = [x for x in lines if not x.startswith("stampede: ")]  # blank ones too
            if noise:
                kind = "stderr holds lines not stampede's own"
            elif rc == 3 and len(lines) == 1:
                tally["detected"] += 1
                kind = None
            elif rc == 0 and out == ref and dump(path) == ref_dump:
                tally["unchanged"] += 1
                kind = None
            else:
                kind = ("hang" if rc == "hang" else f"signal {-rc}" if rc < 0 else
                        "read as valid with different content" if rc == 0 else f"exit {rc}")
            if kind:
                bad.append(f"case {case} ({what}): {kind}; stderr: {' | '.join(lines)[:400]}")
                if a.keep:
                    os.makedirs(a.keep, exist_ok=True)
                    shutil.copy(path, os.path.join(a.keep, f"case{case}-seed{seed}.h5"))
            os.remove(path)
    print(f"detected (exit 3, one line): {tally['detected']}, unchanged content (exit 0): "
          f"{tally['unchanged']}, failures: {len(bad)}")
    for line in bad:
        print("FAIL " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
