#!/usr/bin/env bash
# The cost of venues (issue 24's target): agent-steps/s on the OpenMP
# backend of configs/bench_1024.json (one venue, 1,024 agents) against the
# same market split over two venues of 512 agents each (half the passive
# positions and collateral each, every protocol on both), no links and no
# cross-venue agents, so the same agents' models run and only the venues'
# bookkeeping is added. The median of three `stampede bench` runs each, on
# THREADS threads, one binary in one session; prints one JSON record (the
# ratio one venue / two venues: at most 1.3 is the target).
# Usage: bash bench/venues_cost.sh [PATHS] [THREADS]   (default 256, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=${1:-256}
threads=${2:-1}
build=${BUILD:-build} # BUILD=build-cpu: a build folder configured already
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target stampede >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - configs/bench_1024.json "$tmp/two.json" <<'PY'
import json, os, sys
cfg = json.load(open(sys.argv[1]))
pop = cfg["population"]
half = {"population.agents": pop["agents"] // 2,
        "population.passive_positions": pop["passive_positions"] // 2,
        "population.collateral_usd.total": pop["collateral_usd"]["total"] / 2,
        "pool.depth_usd": cfg["pool"]["depth_usd"] / 2}
cfg["venues"] = [{"name": "L1", "set": half}, {"name": "L2", "set": half}]
protos = []
for venue in ("L1", "L2"):
    for p in cfg["protocols"]:
        q = dict(p, venue=venue)
        q["name"] = p["name"] + "_" + venue
        protos.append(q)
cfg["protocols"] = protos
for shock in cfg.get("scenario", {}).get("shocks", []):
    if shock.get("kind") == "exploit":
        shock["protocol"] += "_L1"
# the copy lives elsewhere: its model files by absolute path (run from the root)
for fam in pop.get("families", []):
    fam["model"] = os.path.abspath(fam["model"])
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY
rate() {
  for _ in 1 2 3; do
    "$build"/stampede bench "$1" --backend openmp --paths "$paths" --threads "$threads" --json
  done | /usr/bin/python3 -c '
import re, sys
runs = sorted(float(v) for v in re.findall(r"\"agent_steps_per_s\": ([0-9.e+]+)", sys.stdin.read()))
print(runs[1])'
}
one=$(rate configs/bench_1024.json)
two=$(rate "$tmp/two.json")
/usr/bin/python3 - "$one" "$two" "$paths" "$threads" <<'PY'
import json, subprocess, sys
one, two, paths, threads = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True,
                     text=True).stdout.strip()
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip()
print(json.dumps({"bench": "venues_cost", "config": "configs/bench_1024.json",
                  "one_venue_agent_steps_per_s": one, "two_venues_agent_steps_per_s": two,
                  "ratio_one_over_two": one / two, "target_ratio_at_most": 1.3,
                  "paths": paths, "threads": threads, "cpu": cpu, "commit": commit}))
PY
