#!/usr/bin/python3
"""One output, one run at a time (issue 21).

Two `stampede run` processes aimed at the same OUT.h5, started 0-300 ms
apart in either order:

  (a) both --force, different seeds;  (b) both --force, the same seed;
  (c) neither --force, fresh output;  (d) a plain run and a --resume.

Every exit must be 0 or 2 (never 130, 3 or a signal), at least one must be
0, two runs that overlapped in time must not both be 0, a refusal (exit 2)
while the other run is still alive must be one stderr line naming that
run's pid, no OUT.h5.ckpt or *.tmp* file may remain, and the surviving
OUT.h5 must equal the reference of the seed that exited 0 (a single run of
that seed alone, same arguments).

  (e) a foreign batch: runs of seed A and seed B are killed (SIGKILL, so the
      case does not depend on SIGINT handling, and A's lock is left stale
      by a dead process) after part of their batches; one of B's batch
      files is copied into A's checkpoint, over a batch A has or as a batch
      A lacks. `--resume` of A must recompute it and give A's reference.

Usage: tests/test_concurrency.py --stampede BIN [--reps N] [--seed S]
Prints the seed; --seed S reproduces the run seeds and start offsets.
"""
import argparse
import glob
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from same_results import differences  # tests/same_results.py, beside this file
from seed import test_seed  # tests/seed.py: STAMPEDE_TEST_SEED replays a seed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "quickstart.json")
PATHS, BATCH = 256, 32  # 8 batches: about a second a run on one core
# One thread each: two racing runs then share the two cores as they would
# share a node, and --threads never changes a result (docs/cli.md).
BASE = ["--paths", str(PATHS), "--batch", str(BATCH), "--backend", "openmp", "--threads", "1"]
MAX_OFFSET_S = 0.3
HANG_S = 120  # a run that outlives this is reported as a hang, then killed


def summarise(diff):
    """A difference list cut to a line: the objects rather than their
    checksum attributes, outcomes first (what a mixed or foreign run moves)."""
    objs = [d for d in diff if not d.endswith("@stp_checksum")] or diff
    objs.sort(key=lambda d: "/outcomes/" not in d)
    return f"{len(objs)} objects differ, e.g. " + ", ".join(objs[:4])


class Checker:
    """Compares a file with a reference: byte for byte when two identical
    runs give identical bytes, else object by object. They do not today:
    the root carries created_utc, wall_s and agent_steps_per_s (and the
    root checksum over them), so the fallback compares every dataset,
    the /variants/*/outcomes included, and every attribute except those."""

    def __init__(self, bytewise):
        self.bytewise = bytewise

    def diff(self, ref, path):
        """'' when path matches ref, else what differs, in a line."""
        if not os.path.exists(path):
            return "no output file"
        if self.bytewise:
            with open(ref, "rb") as x, open(path, "rb") as y:
                return "" if x.read() == y.read() else "the bytes differ"
        try:
            diff = differences(ref, path)
        except OSError as e:  # not even an HDF5 file: a torn write
            return f"unreadable: {e}"
        return summarise(diff) if diff else ""


def run_cmd(binary, out, seed, *extra):
    return [binary, "run", CONFIG, "-o", out, "--seed", str(seed)] + BASE + list(extra)


def run_alone(cmd):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=HANG_S)
    if r.returncode != 0:
        raise SystemExit(f"FAIL reference run exit {r.returncode}: {r.stderr.decode().strip()}")


class Proc:
    """A started process whose end time is taken by a thread blocked in
    wait(), so overlap is judged on real lifetimes, not on a polling loop's."""

    def __init__(self, label, cmd, err_path):
        self.label, self.cmd = label, cmd
        self.err = open(err_path, "w+b")
        self.start = time.monotonic()
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.err)
        self.end = None
        self.waiter = threading.Thread(target=self._wait, daemon=True)
        self.waiter.start()

    def _wait(self):
        self.p.wait()
        self.end = time.monotonic()

    def finish(self):
        self.waiter.join(HANG_S)
        if self.waiter.is_alive():
            self.p.kill()
            self.waiter.join()
            self.rc = "hang"
        else:
            self.rc = self.p.returncode
        self.err.seek(0)
        self.lines = [x for x in self.err.read().decode(errors="replace").splitlines() if x.strip()]
        self.err.close()


def race(specs, offsets, logdir):
    """Starts each (label, cmd) at its offset from now; returns the Procs, ended."""
    t0 = time.monotonic()
    procs = []
    for i in sorted(range(len(specs)), key=lambda i: offsets[i]):
        time.sleep(max(0.0, t0 + offsets[i] - time.monotonic()))
        label, cmd = specs[i]
        procs.append(Proc(label, cmd, os.path.join(logdir, f"stderr{i}")))
    for p in procs:
        p.finish()
    return procs


def leftovers(folder):
    """What a finished pair must not leave: the checkpoint or a temporary file."""
    return sorted(n for n in os.listdir(folder) if n.endswith(".ckpt") or ".tmp" in n)


def judge_race(procs, out, refs, check):
    """The case's failures (empty when it passed), and a one-line verdict."""
    bad = []
    for p in procs:
        if p.rc not in (0, 2):
            what = ("a hang" if p.rc == "hang" else f"signal {-p.rc}" if p.rc < 0 else
                    f"exit {p.rc}")
            bad.append(f"{p.label} ended in {what} (only 0 or 2 allowed): "
                       f"{' | '.join(p.lines)[:300]}")
    winners = [p for p in procs if p.rc == 0]
    if not winners:
        bad.append("no run exited 0: " + "; ".join(f"{p.label}: {' | '.join(p.lines)[:200]}"
                                                    for p in procs))
    a, b = procs
    # 50 ms of grace: a lock released at the rename is free a moment before
    # the process is gone. Runs last a second or more, offsets 0.3 s at most.
    overlapped = a.start < b.end - 0.05 and b.start < a.end - 0.05
    if len(winners) == 2 and overlapped:
        bad.append("both runs exited 0 though they ran at the same time (no lock held)")
    for me, other in ((a, b), (b, a)):
        if me.rc == 2 and other.end > me.end:  # refused while the other was running
            if len(me.lines) != 1 or not re.search(rf"\b{other.p.pid}\b", me.lines[0]):
                bad.append(f"{me.label} refused (exit 2) while {other.label} (pid "
                           f"{other.p.pid}) ran, but not with one line naming that pid: "
                           f"{' | '.join(me.lines)[:300]}")
    if winners:
        last = max(winners, key=lambda p: p.end)  # the file is the last winner's
        diff = check.diff(refs[last.label], out)
        if diff:
            bad.append(f"OUT.h5 is not {last.label}'s reference: {diff}")
    left = leftovers(os.path.dirname(out))
    if left:
        bad.append("left behind: " + ", ".join(left))
    codes = ", ".join(f"{p.label} {p.rc}" for p in procs)
    return bad, codes


def killed_at(cmd, fraction):
    """Runs cmd with progress on stderr and SIGKILLs it once it reports at
    least fraction of the paths done (batches are on disk by then)."""
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = [0]

    def read():
        for chunk in iter(lambda: os.read(p.stderr.fileno(), 4096), b""):
            for m in re.finditer(rb"(\d+)/(\d+) paths", chunk):
                done[0] = int(m[1])
    t = threading.Thread(target=read, daemon=True)
    t.start()
    deadline = time.monotonic() + HANG_S
    while p.poll() is None and done[0] < fraction * PATHS and time.monotonic() < deadline:
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.wait()
    t.join()
    return p.returncode, done[0]


def batches(ckpt):
    return sorted(int(re.search(r"(\d+)", os.path.basename(f))[1])
                  for f in glob.glob(os.path.join(ckpt, "batch-*.bin")))


def foreign_batch(binary, tmp, seeds, refs, check):
    """Case (e): B's batch copied into A's checkpoint, over one A has and as
    one A lacks; --resume of A must give A's reference."""
    sa, sb = seeds
    folder = os.path.join(tmp, "foreign")
    os.makedirs(folder)
    b_out = os.path.join(folder, "b.h5")
    rc, done = killed_at(run_cmd(binary, b_out, sb), 2 / 3)
    b_has = batches(b_out + ".ckpt")
    print(f"(e) run B (seed {sb}) killed after {done}/{PATHS} paths, batches {b_has}")
    failures = []
    for k, mode in enumerate(("over a batch A has", "as a batch A lacks")):
        a_out = os.path.join(folder, f"a{k}.h5")
        rc, done = killed_at(run_cmd(binary, a_out, sa), 1 / 3)
        a_has = batches(a_out + ".ckpt")
        pick = ([i for i in a_has if i in b_has] if k == 0 else
                [i for i in b_has if i not in a_has])
        if not pick:  # the kills landed so that this case cannot be built: it tested nothing
            failures.append(f"(e) {mode}: could not be set up (A's batches {a_has}, B's "
                            f"{b_has}; A exit {rc})")
            continue
        idx = pick[0]
        name = f"batch-{idx:06d}.bin"
        shutil.copyfile(os.path.join(b_out + ".ckpt", name), os.path.join(a_out + ".ckpt", name))
        r = subprocess.run(run_cmd(binary, a_out, sa, "--resume", "--quiet"), cwd=ROOT,
                           capture_output=True, timeout=HANG_S)
        bad = []
        if r.returncode != 0:
            bad.append(f"--resume exit {r.returncode}: {r.stderr.decode().strip()[:300]}")
        else:
            diff = check.diff(refs["A"], a_out)
            if diff:
                bad.append("resumed file is not A's reference (the foreign batch was used?): "
                           + diff)
        if os.path.exists(a_out + ".ckpt"):
            bad.append("checkpoint left after the resume")
        print(f"(e) B's {name} {mode} (A killed after {done}/{PATHS} paths, batches "
              f"{a_has}): {'ok' if not bad else 'FAILED'}")
        failures += [f"(e) {mode}: {x}" for x in bad]
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stampede", required=True)
    ap.add_argument("--reps", type=int, default=5, help="repetitions of each race")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    binary = os.path.abspath(a.stampede)
    seed = test_seed(a.seed)
    rng = random.Random(seed)
    sa, sb = seed % 100000 + 1, seed % 100000 + 2
    print(f"seed {seed} (run seeds A={sa}, B={sb}; {a.reps} races per case)")
    t_start = time.monotonic()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        refdir = os.path.join(tmp, "ref")
        os.makedirs(refdir)
        refs = {"A": os.path.join(refdir, "a.h5"), "B": os.path.join(refdir, "b.h5")}
        for label, s in (("A", sa), ("B", sb)):
            run_alone(run_cmd(binary, refs[label], s, "--quiet"))
        again = os.path.join(refdir, "a_again.h5")
        run_alone(run_cmd(binary, again, sa, "--quiet"))
        with open(refs["A"], "rb") as x, open(again, "rb") as y:
            check = Checker(x.read() == y.read())
        if not check.bytewise and differences(refs["A"], again):
            raise SystemExit("FAIL two identical runs differ beyond their timings: "
                             + summarise(differences(refs["A"], again)))
        print("reference comparison: " + ("byte for byte" if check.bytewise else
              "identical runs differ in bytes (root created_utc, wall_s, agent_steps_per_s), "
              "so every dataset and attribute but those is compared"))

        # label -> (args of the first run, args of the second); the seed of a
        # label is its reference's, so the survivor is checked against it.
        cases = {
            "a: --force, different seeds": (("A", ["--force"]), ("B", ["--force"])),
            "b: --force, same seed": (("A", ["--force"]), ("A", ["--force"])),
            "c: no --force, fresh output": (("A", []), ("A", [])),
            "d: run and --resume": (("A", []), ("A", ["--resume"])),
        }
        seeds = {"A": sa, "B": sb}
        for name, pair in cases.items():
            for rep in range(a.reps):
                folder = os.path.join(tmp, f"{name[0]}{rep}")
                logdir = folder + ".log"
                os.makedirs(folder)
                os.makedirs(logdir)
                out = os.path.join(folder, "out.h5")
                labels = [f"{lab}#{i + 1}" for i, (lab, _) in enumerate(pair)]
                specs = [(labels[i], run_cmd(binary, out, seeds[lab], "--quiet", *extra))
                         for i, (lab, extra) in enumerate(pair)]
                run_refs = {labels[i]: refs[lab] for i, (lab, _) in enumerate(pair)}
                offsets = [rng.uniform(0, MAX_OFFSET_S) for _ in pair]
                procs = race(specs, offsets, logdir)
                bad, codes = judge_race(procs, out, run_refs, check)
                print(f"({name}) race {rep}: offsets {offsets[0]*1000:.0f}/"
                      f"{offsets[1]*1000:.0f} ms, exits {codes}: "
                      f"{'ok' if not bad else 'FAILED'}")
                failures += [f"({name}) race {rep}: {x}" for x in bad]
        failures += foreign_batch(binary, tmp, (sa, sb), refs, check)
    print(f"{time.monotonic() - t_start:.0f} s")
    for f in failures:
        print("FAIL " + f)
    if not failures:
        print("all cases passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
