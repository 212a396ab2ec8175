#!/usr/bin/python3
"""Agreement test: the engine against the independent NumPy peer
(bench/peers/numpy_model.py) on configs/peer_small.json.

Runs the engine (fresh seed unless --seed), then the peer on the engine's
results file (its config and drawn population) with a different seed, and
compares in distribution:
  * P(cascade): two-proportion z statistic (pooled standard error);
  * the mean of every outcome the peer covers: Welch z statistic;
  * the 90% quantile of max_drawdown and liquidated_usd: the share of each
    sample above the pooled sample's 90% quantile, two-proportion z.
It fails when any |z| > 4. Why 4: under agreement each z is close to
standard normal, P(|z| > 4) = 6.3e-5, so the ~18 comparisons here (not
independent) false-alarm in fewer than 1 run in 800, while a model error
that moves an outcome by ~4 standard errors is caught (at the default 3,000
paths a side: about 0.05 in P(cascade), about 1.3% of the mean drawdown).

Usage: tests/test_numpy_peer.py --stampede build/stampede [--paths N]
       [--seed S] [--peer-seed S] [--perturb KIND]
Exit 0 when they agree, 1 when they do not (2 on usage or run errors).
--perturb runs the peer with one model detail changed, to show the test
can fail.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
import numpy_model  # noqa: E402
from seed import test_seed  # noqa: E402  tests/seed.py: STAMPEDE_TEST_SEED replays a seed

CONFIG = os.path.join(ROOT, "configs", "peer_small.json")
Z_FAIL = 4.0
PERTURB = {"no_oracle_delay": {"no_oracle_delay": True},
           "bonus_x2": {"bonus_factor": 2.0},
           "no_skip": {"no_skip": True},
           "delay_plus_1step": {"extra_delay_steps": 1},
           "cooldown_minus_10": {"cooldown_shift": -10}}


def welch(a, b):
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0.0:
        return 0.0 if a.mean() == b.mean() else math.inf
    return (a.mean() - b.mean()) / se


def two_prop(ka, na, kb, nb):
    p = (ka + kb) / (na + nb)
    se = math.sqrt(p * (1 - p) * (1 / na + 1 / nb))
    if se == 0.0:
        return 0.0
    return (ka / na - kb / nb) / se


def fmt(v):
    return "%.4g" % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stampede", required=True, help="the engine binary")
    ap.add_argument("--paths", type=int, default=3000, help="paths on each side")
    ap.add_argument("--seed", type=int, default=None, help="engine seed (default: fresh)")
    ap.add_argument("--peer-seed", type=int, default=None, help="default: derived from --seed")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--perturb", choices=sorted(PERTURB), default=None)
    ap.add_argument("--keep", help="keep the engine's results file at this path")
    ap.add_argument("--set", action="append", default=[], metavar="a.b.c=VALUE",
                    help="a config override for the engine (the peer reads the resolved config)")
    a = ap.parse_args()
    seed = test_seed(a.seed)
    peer_seed = a.peer_seed if a.peer_seed is not None else (seed * 2654435761 + 12345) % 2**32
    print("seed %d (engine), peer seed %d, %d paths each, config %s"
          % (seed, peer_seed, a.paths, os.path.relpath(CONFIG, ROOT)))
    if a.perturb:
        print("peer perturbed: %s (this run should FAIL)" % a.perturb)

    with tempfile.TemporaryDirectory() as tmp:
        h5 = a.keep or os.path.join(tmp, "engine.h5")
        t0 = time.time()
        cmd = [a.stampede, "run", CONFIG, "-o", h5, "--force", "--quiet", "--paths",
               str(a.paths), "--seed", str(seed), "--backend", "openmp",
               "--threads", str(a.threads)]
        for kv in a.set:
            cmd += ["--set", kv]
        r = subprocess.run(cmd, cwd=ROOT)
        if r.returncode != 0:
            print("engine run failed (%d): %s" % (r.returncode, " ".join(cmd)))
            return 2
        t1 = time.time()
        import h5py
        with h5py.File(h5, "r") as f:
            (vname,) = list(f["variants"].keys())
            og = f["variants"][vname]["outcomes"]
            eng = {k: og[k][:] for k in numpy_model.OUTCOMES}
        peer = numpy_model.run(h5, a.paths, peer_seed, perturb=PERTURB.get(a.perturb))
        t2 = time.time()

    rows = []
    ne, npr = len(eng["cascade"]), len(peer["cascade"])
    ke, kp = eng["cascade"].sum(), peer["cascade"].sum()
    se_e = math.sqrt(ke / ne * (1 - ke / ne) / ne)
    se_p = math.sqrt(kp / npr * (1 - kp / npr) / npr)
    rows.append(("P(cascade)", ke / ne, se_e, kp / npr, se_p, two_prop(ke, ne, kp, npr)))
    for k in numpy_model.OUTCOMES:
        if k == "cascade":
            continue
        e, p = eng[k], peer[k]
        rows.append(("mean " + k, e.mean(), e.std(ddof=1) / math.sqrt(ne),
                     p.mean(), p.std(ddof=1) / math.sqrt(npr), welch(e, p)))
    for k in ("max_drawdown", "liquidated_usd"):
        thr = np.quantile(np.concatenate([eng[k], peer[k]]), 0.9)
        ka, kb = (eng[k] > thr).sum(), (peer[k] > thr).sum()
        rows.append(("P(%s > %s) [pooled q90]" % (k, fmt(thr)), ka / ne,
                     math.sqrt(ka / ne * (1 - ka / ne) / ne), kb / npr,
                     math.sqrt(kb / npr * (1 - kb / npr) / npr), two_prop(ka, ne, kb, npr)))

    w = max(len(r[0]) for r in rows)
    print("%-*s %24s %24s %8s" % (w, "statistic", "engine (± se)", "peer (± se)", "z"))
    bad = []
    for name, me, se, mp, sp, z in rows:
        flag = "  <-- |z| > %g" % Z_FAIL if abs(z) > Z_FAIL else ""
        print("%-*s %24s %24s %8.2f%s" % (w, name, "%s ± %s" % (fmt(me), fmt(se)),
                                          "%s ± %s" % (fmt(mp), fmt(sp)), z, flag))
        if abs(z) > Z_FAIL:
            bad.append(name)
    print("engine %.1f s, peer %.1f s" % (t1 - t0, t2 - t1))
    if bad:
        print("FAIL (seed %d, peer seed %d): %d of %d statistics disagree: %s"
              % (seed, peer_seed, len(bad), len(rows), ", ".join(bad)))
        return 1
    print("PASS (seed %d, peer seed %d): all %d statistics within |z| <= %g"
          % (seed, peer_seed, len(rows), Z_FAIL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
