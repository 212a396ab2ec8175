#!/usr/bin/env bash
# The nightly record: builds Release at the checked-out commit, runs
# `stampede bench` on the fixed configs (throughput and, over the same
# paths, P(cascade), ES 99% of bad debt and mean drawdown) and appends one
# JSON line to bench/results/history.jsonl (or FILE). The configs' seeds and
# the CPU's default path counts are fixed, so on one machine and backend the
# tail statistics of two commits differ only when the model changed: a
# speed-up that moves them is a bug. notebooks/history.ipynb plots the file.
# Usage: bash bench/nightly.sh [--backend auto|cuda|openmp] [--history FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=auto
history=bench/results/history.jsonl
while [ $# -gt 0 ]; do
  case $1 in
    --backend) backend=$2; shift 2 ;;
    --history) history=$2; shift 2 ;;
    *) echo "nightly.sh: unknown option $1 (--backend B, --history FILE)" >&2; exit 2 ;;
  esac
done
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "nightly.sh: the work tree has uncommitted changes; a record names a commit, so commit or stash first" >&2
  exit 2
fi
# configure every time: the record's commit is taken at configure time
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target stampede >/dev/null
build/stampede bench configs/bench_1024.json configs/quickstart.json configs/feb2026_exit.json \
  --backend "$backend" --json --history "$history"
echo "appended to $history ($(wc -l <"$history") records)"
