#!/usr/bin/env bash
# The cost of an ensemble's populations against its simulation (issue 22):
# runs CONFIG with run.populations = K on PATHS paths, reads the measured
# seconds a population (draw and calm-market screen) and a path from the
# results file (/variants/<v>/ensemble: population_s, path_s), and prints
# the share of wall time outside the simulation at PATHS and at the
# config's own run.paths (K population_s / (K population_s + P path_s)).
# Usage: bash bench/ensemble_setup.sh [CONFIG] [K] [PATHS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=${1:-configs/feb2026_exit.json}
k=${2:-16}
paths=${3:-160}
threads=${4:-$(nproc)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
build/stampede run "$cfg" --set run.populations="$k" --set run.paths="$paths" \
  --threads "$threads" -o "$out/e.h5" --quiet
wall=$(echo "$(date +%s.%N) - $start" | bc)
/usr/bin/python3 - "$out/e.h5" "$cfg" "$k" "$paths" "$threads" "$wall" <<'PY'
import json, platform, subprocess, sys
import h5py
path, cfg, k, paths, threads, wall = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
f = h5py.File(path, "r")
v = next(iter(f["variants"].values()))
e = v["ensemble"].attrs
pop_s, path_s = float(e["population_s"]), float(e["path_s"])
own = json.load(open(cfg))["run"]["paths"]
def share(p):
    return k * pop_s / (k * pop_s + p * path_s)
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True,
                     text=True).stdout.strip()
rec = {"config": cfg, "populations": k, "paths": paths, "threads": threads, "wall_s": round(wall, 2),
       "population_s": pop_s, "path_s": path_s, "setup_share_at_paths": share(paths),
       "config_paths": own, "setup_share_at_config_paths": share(own),
       "paths_for_20pct": 4 * k * pop_s / path_s, "cpu": cpu,
       "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()}
print(json.dumps(rec))
PY
