#!/usr/bin/env bash
# The engine against its peers, in one run on one machine (DESIGN §7: >= 20x
# a vectorized NumPy implementation on the CPU, >= 10x JAX on a GPU):
#  - the agents' step (bench/peers/numpy_agents.py, shaped like
#    configs/bench_1024.json: 1,024 agents, 600 steps) against
#    `stampede bench configs/bench_1024.json`, agent-steps/s, one core and
#    every core;
#  - on a GPU, the same step in JAX (bench/peers/jax_agents.py) against the
#    CUDA backend, when `import jax` works (else a SKIP line says so);
#  - the whole model (bench/peers/numpy_model.py) against the engine on
#    configs/peer_small.json, paths/s, one core.
# Prints the ratios and writes bench/results/peers-<date>-<commit>.json,
# with the BLAS each NumPy peer reported from the process that timed it
# (bench/peers/peer_blas.py). Refuses, with one line and exit 1, before
# printing or writing any ratio, when a peer ran on the reference BLAS or
# an unknown one (Debian's default libblas3: about 2x slower than the
# OpenBLAS a NumPy user has), or on another thread count than asked.
# Usage: bash bench/run_peers.sh [ENGINE_PATHS] [NUMPY_PATHS]
set -euo pipefail
cd "$(dirname "$0")/.."
engine_paths=${1:-1024}
numpy_paths=${2:-256}
py=/usr/bin/python3
cores=$(nproc)
# the NumPy here first, so that a reference BLAS is refused before minutes
# of timing; each peer's own report is checked below
$py bench/peers/peer_blas.py
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$cores" --target stampede >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { # FILE KEY: the first number after "KEY": in a bench record
  $py -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0][sys.argv[2]])' "$1" "$2"
}
peer() { # FILE KEY: a field of a peer's --json output
  $py -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
one_core() { OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$@"; }
all_cores() { OMP_NUM_THREADS=$cores OPENBLAS_NUM_THREADS=$cores "$@"; }

echo "engine: configs/bench_1024.json, $engine_paths paths, openmp, 1 and $cores threads"
build/stampede bench configs/bench_1024.json --backend openmp --threads 1 \
  --paths "$engine_paths" --json >"$tmp/e1.json"
build/stampede bench configs/bench_1024.json --backend openmp --threads "$cores" \
  --paths "$engine_paths" --json >"$tmp/en.json"
echo "numpy agents peer: $numpy_paths paths, 1 and $cores threads"
one_core $py bench/peers/numpy_agents.py "$numpy_paths" --json >"$tmp/np1.json"
$py bench/peers/peer_blas.py --threads 1 "$tmp/np1.json" >/dev/null
all_cores $py bench/peers/numpy_agents.py "$numpy_paths" --json >"$tmp/npn.json"
$py bench/peers/peer_blas.py --threads "$cores" "$tmp/npn.json" >/dev/null
np1=$(peer "$tmp/np1.json" agent_steps_per_s)
npn=$(peer "$tmp/npn.json" agent_steps_per_s)
e1=$(field "$tmp/e1.json" agent_steps_per_s)
en=$(field "$tmp/en.json" agent_steps_per_s)

gpu=null jax=null
if build/stampede bench configs/bench_1024.json --backend cuda --json >"$tmp/eg.json" 2>"$tmp/eg.err"; then
  gpu=$(field "$tmp/eg.json" agent_steps_per_s)
  if $py -c "import jax" 2>/dev/null; then
    jax=$($py bench/peers/jax_agents.py 4096)
  else
    echo "SKIP JAX peer: python3 cannot import jax (not packaged in Debian); the GPU ratio to JAX is not measured"
  fi
else
  echo "SKIP GPU and JAX peers: $(head -1 "$tmp/eg.err")"
fi

echo "whole-model numpy peer: configs/peer_small.json, one core"
small_paths=512
build/stampede run configs/peer_small.json -o "$tmp/small.h5" --paths 8 --quiet --backend openmp
build/stampede bench configs/peer_small.json --backend openmp --threads 1 --paths "$small_paths" \
  --json >"$tmp/es.json"
es=$(field "$tmp/es.json" paths_per_s)
one_core $py bench/peers/numpy_model.py "$tmp/small.h5" --paths "$small_paths" --seed 1 \
  --json >"$tmp/model.json"
$py bench/peers/peer_blas.py --threads 1 "$tmp/model.json" >/dev/null
model=$(peer "$tmp/model.json" paths_per_s)

commit=$(git rev-parse --short HEAD)
date=$(date -u +%Y-%m-%d)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
out=bench/results/peers-$date-$commit.json
$py - "$out" "$e1" "$en" "$np1" "$npn" "$gpu" "$jax" "$es" "$model" "$cpu" "$cores" "$commit" \
  "$date" "$engine_paths" "$numpy_paths" "$small_paths" "$(field "$tmp/eg.json" device 2>/dev/null || echo none)" \
  "$tmp" <<'PY'
import json, sys
a = sys.argv
num = lambda s: None if s == "null" else float(s)
e1, en, np1, npn, gpu, jax, es, model = (num(x) for x in a[2:10])
blas = {k: json.load(open(f"{a[18]}/{k}.json"))["blas"] for k in ("np1", "npn", "model")}
rec = {
    "benchmark": "engine against peers, one run (bench/run_peers.sh)",
    "machine": a[10], "cores": int(a[11]), "commit": a[12], "date": a[13],
    "gpu_device": a[17] if gpu else None,
    "agents_step": {"config": "configs/bench_1024.json", "engine_paths": int(a[14]),
                    "numpy_paths": int(a[15]), "unit": "agent-steps/s",
                    "engine_1_thread": e1, f"engine_{a[11]}_threads": en,
                    "numpy_1_core": np1, f"numpy_{a[11]}_cores": npn,
                    "ratio_1_core": e1 / np1, "ratio_all_cores": en / npn,
                    "engine_gpu": gpu, "jax_gpu": jax,
                    "ratio_gpu_to_jax": gpu / jax if gpu and jax else None,
                    "blas": {"numpy_1_core": blas["np1"], f"numpy_{a[11]}_cores": blas["npn"]}},
    "whole_model": {"config": "configs/peer_small.json", "paths": int(a[16]), "unit": "paths/s",
                    "engine_1_thread": es, "numpy_model_1_core": model,
                    "ratio_1_core": es / model, "blas": {"numpy_model_1_core": blas["model"]}},
}
json.dump(rec, open(a[1], "w"), indent=2)
s = rec["agents_step"]
print(f"\nmachine: {a[10]}, {a[11]} cores; commit {a[12]}, {a[13]}")
b = blas["np1"]
print(f"numpy peers' BLAS: {b['internal_api']} {b['version']} ({b['threading_layer']}, "
      f"{b['architecture']}) {b['filepath']}")
print(f"agents' step, agent-steps/s: engine {e1:.3g} vs numpy {np1:.3g} on 1 core = {s['ratio_1_core']:.1f}x; "
      f"{en:.3g} vs {npn:.3g} on {a[11]} cores = {s['ratio_all_cores']:.1f}x")
if gpu:
    print(f"GPU: engine {gpu:.3g}" + (f" vs JAX {jax:.3g} = {gpu / jax:.1f}x" if jax else " (JAX not run)"))
print(f"whole model, paths/s on 1 core: engine {es:.3g} vs numpy {model:.3g} = {es / model:.1f}x")
print(f"wrote {a[1]}")
PY
