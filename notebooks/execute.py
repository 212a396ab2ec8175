"""Runs a notebook headless (nbclient) on one input file and checks that it
wrote every figure it should: CI's notebook test and scripts/figures.sh.

    /usr/bin/python3 notebooks/execute.py NOTEBOOK INPUT FIGURES --expect a,b,...
        [--save EXECUTED.ipynb] [--timeout S]

INPUT becomes STAMPEDE_RESULTS and FIGURES STAMPEDE_FIGURES for the kernel.
FIGURES is emptied of PNGs first, so a figure left from an earlier run
cannot pass for this one. Each expected FIGURES/<name>.png must be a PNG of
a real figure (the PNG signature, at least 2 KB). Exit 0 when all are;
1 with one line per failure otherwise.
"""
import argparse
import glob
import os
import sys

import nbclient
import nbformat

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("input")
    ap.add_argument("figures")
    ap.add_argument("--expect", required=True, help="comma-separated figure names")
    ap.add_argument("--save", help="write the executed notebook here")
    ap.add_argument("--timeout", type=int, default=300, help="per cell, seconds")
    a = ap.parse_args()
    os.makedirs(a.figures, exist_ok=True)
    for old in glob.glob(os.path.join(a.figures, "*.png")):
        os.remove(old)
    os.environ["STAMPEDE_RESULTS"] = os.path.abspath(a.input)
    os.environ["STAMPEDE_FIGURES"] = os.path.abspath(a.figures)
    os.environ["MPLBACKEND"] = "Agg"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # ipykernel 6 debugger noise
    nb = nbformat.read(a.notebook, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=a.timeout, kernel_name="python3",
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(a.notebook))}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        last = [line for line in str(e).splitlines() if line.strip()][-1]
        print(f"{a.notebook}: a cell failed: {last}", file=sys.stderr)
        return 1
    if a.save:
        nbformat.write(nb, a.save)
    bad = []
    for name in a.expect.split(","):
        path = os.path.join(a.figures, name + ".png")
        if not os.path.exists(path):
            bad.append(f"{path}: not written")
            continue
        with open(path, "rb") as fh:
            head = fh.read(8)
        size = os.path.getsize(path)
        if head != PNG_SIGNATURE or size < 2048:
            bad.append(f"{path}: not a figure ({size} bytes)")
    for line in bad:
        print(f"{a.notebook}: {line}", file=sys.stderr)
    if not bad:
        print(f"{a.notebook}: {len(a.expect.split(','))} figures in {a.figures}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
