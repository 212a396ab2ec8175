#!/usr/bin/python3
"""The NumPy peers' BLAS check (bench/peers/peer_blas.py), and that the
peers here run on OpenBLAS.

A ratio against a NumPy peer on Debian's reference BLAS (libblas3) flatters
the engine about 2x; bench/run_peers.sh must refuse it. This checks:
  * refusal() refuses the reference BLAS, an unknown one, a missing report
    and a BLAS running another thread count than asked, and accepts
    OpenBLAS, MKL and BLIS (the dicts are blas_in_use()'s reports on this
    project's machine before and after scripts/deps.sh);
  * numpy_agents.py (1 path) and, with --stampede, numpy_model.py (2 paths
    on an 8-path engine file of configs/peer_small.json) report OpenBLAS on
    one thread from the process that timed them: scripts/deps.sh installs
    libopenblas0-pthread and python3-threadpoolctl;
  * where libblas3's reference library is present, forcing it in with
    LD_LIBRARY_PATH makes peer_blas.py and bench/run_peers.sh exit nonzero
    with the fix, before run_peers.sh builds or times anything.
A few seconds. Usage: tests/test_peer_blas.py [--stampede build/stampede]
Exit 0 when every check passes, 1 otherwise.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PEERS = os.path.join(ROOT, "bench", "peers")
sys.path.insert(0, PEERS)
import peer_blas  # noqa: E402

PY = "/usr/bin/python3"
ONE_CORE = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
# blas_in_use() on the development machine, libblas3 only (before deps.sh) and after it
REFERENCE = {"internal_api": "reference", "version": None,
             "filepath": "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", "num_threads": None,
             "threading_layer": None, "architecture": None}
OPENBLAS = {"internal_api": "openblas", "version": "0.3.21",
            "filepath": "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so",
            "num_threads": 1, "threading_layer": "pthreads", "architecture": "Haswell"}

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def refuses(info, *words, threads=None):
    r = peer_blas.refusal(info, "peer", threads)
    return r is not None and "\n" not in r and all(w in r for w in words)


def check_refusal():
    fix = "libopenblas0-pthread"
    check(refuses(REFERENCE, "reference BLAS", REFERENCE["filepath"], fix),
          "refuses the reference BLAS in one line naming the library and the fix")
    check(refuses(dict(REFERENCE, internal_api="unknown", filepath=None), "unknown BLAS", fix),
          "refuses an unknown BLAS")
    check(refuses(dict(REFERENCE, internal_api="flexiblas"), "unknown BLAS"),
          "refuses FlexiBLAS (a switch whose backend it cannot see)")
    check(refuses(None, "unknown BLAS") and refuses({}, "unknown BLAS"),
          "refuses a peer that reported no BLAS")
    check(peer_blas.refusal(OPENBLAS, "peer") is None, "accepts OpenBLAS")
    check(peer_blas.refusal(OPENBLAS, "peer", threads=1) is None, "accepts OpenBLAS on 1 thread")
    check(refuses(OPENBLAS, "OPENBLAS_NUM_THREADS=2", threads=2),
          "refuses OpenBLAS on 1 thread where 2 were asked")
    check(all(peer_blas.refusal(dict(OPENBLAS, internal_api=api), "peer") is None
              for api in ("mkl", "blis")), "accepts MKL and BLIS")


def peer_report(argv):
    """A peer's --json output, run on one core; None (and a FAIL) when it fails."""
    p = subprocess.run([PY] + argv + ["--json"], env=ONE_CORE, capture_output=True, text=True)
    check(p.returncode == 0, f"{os.path.basename(argv[0])} --json runs (rc {p.returncode}) "
          + p.stderr.strip()[-300:])
    return json.loads(p.stdout) if p.returncode == 0 else None


def check_peer(rec):
    if rec is None:
        return
    info = rec.get("blas")
    r = peer_blas.refusal(info, rec.get("peer"), threads=1)
    check(r is None and info["internal_api"] == "openblas",
          f"{rec.get('peer')} ran on OpenBLAS, 1 thread: "
          + (r or peer_blas.describe(info)))


def check_forced_reference():
    ref = sorted(glob.glob("/usr/lib/*/blas/libblas.so.3"))
    if not ref:
        print("SKIP forced reference BLAS: libblas3 is not installed")
        return
    env = dict(ONE_CORE, LD_LIBRARY_PATH=os.path.dirname(ref[0]))
    p = subprocess.run([PY, os.path.join(PEERS, "peer_blas.py")], env=env,
                       capture_output=True, text=True)
    check(p.returncode == 1 and "reference BLAS" in p.stderr,
          f"peer_blas.py refuses numpy on {ref[0]}: rc {p.returncode}, {p.stderr.strip()}")
    records = set(glob.glob(os.path.join(ROOT, "bench", "results", "peers-*.json")))
    run = subprocess.Popen(["bash", os.path.join(ROOT, "bench", "run_peers.sh")], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:  # the refusal comes before the build: 120 s ends a run that wrongly went on
        out, err = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, 9)
        out, err = run.communicate()
    lines = err.strip().splitlines()
    check(run.returncode != 0 and len(lines) == 1 and "reference BLAS" in lines[0]
          and "scripts/deps.sh" in lines[0],
          f"run_peers.sh refuses it in one line: rc {run.returncode}, {err.strip()[-300:]}")
    new = set(glob.glob(os.path.join(ROOT, "bench", "results", "peers-*.json"))) - records
    check(not new and not out.strip(),
          f"run_peers.sh prints no ratio and writes no record (new: {sorted(new)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stampede", help="the engine, for numpy_model.py's engine file")
    a = ap.parse_args()
    check_refusal()
    check_peer(peer_report([os.path.join(PEERS, "numpy_agents.py"), "1"]))
    if a.stampede:
        with tempfile.TemporaryDirectory() as tmp:
            h5 = os.path.join(tmp, "small.h5")
            subprocess.run([a.stampede, "run", os.path.join(ROOT, "configs", "peer_small.json"),
                            "-o", h5, "--paths", "8", "--quiet", "--backend", "openmp"],
                           check=True)
            check_peer(peer_report([os.path.join(PEERS, "numpy_model.py"), h5, "--paths", "2"]))
    check_forced_reference()
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
