#!/usr/bin/env bash
# CPU (OpenMP) benchmark, one binary in one session: agent-steps/s of the
# simulation (`stampede bench`, no results file, population set-up not
# timed; the median of three runs) on configs/bench_1024.json at 1 and 2
# threads, one core's measured FP32 FMA peak, the consensus MLP's FLOPs per
# agent-step, and the NumPy peer (bench/peers/numpy_agents.py) on one core.
# Writes bench/results/cpu-<date>-<commit>.json, with the BLAS the peer ran
# on; refuses (one line, exit 1, no record) when it was the reference BLAS
# or an unknown one (bench/peers/peer_blas.py).
# Usage: bash bench/run_cpu.sh [PATHS] (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=${1:-1024}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 bench/peers/peer_blas.py # a reference BLAS refused before the timing
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target stampede >/dev/null
gcc -O2 -march=native -ffp-contract=fast bench/fma_peak.c -o build/fma_peak
peak=$(build/fma_peak 2>/dev/null)
# one and two threads in turn, five rounds: a shared virtual machine's
# neighbours move a single run by several per cent and drift over a
# minute, so the two counts are taken side by side; each is the median of
# its five, and the efficiency the median of the rounds' own ratios
rate() {
  build/stampede bench configs/bench_1024.json --backend openmp --paths "$paths" \
    --threads "$1" --json | /usr/bin/python3 -c '
import re, sys
print(re.findall(r"\"agent_steps_per_s\": ([0-9.e+]+)", sys.stdin.read())[0])'
}
for _ in 1 2 3 4 5; do
  rate 1 >>"$tmp/r1"
  rate 2 >>"$tmp/r2"
done
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/numpy_agents.py 512 --json \
  >"$tmp/numpy.json"
/usr/bin/python3 bench/peers/peer_blas.py --threads 1 "$tmp/numpy.json" >/dev/null
commit=$(git rev-parse --short HEAD)
date=$(date -u +%Y-%m-%d)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
out=bench/results/cpu-$date-$commit.json
/usr/bin/python3 - "$tmp/r1" "$tmp/r2" "$peak" "$paths" "$commit" "$date" "$cpu" "$(nproc)" \
  "$tmp/numpy.json" >"$out" <<'PY'
import json, statistics, sys
runs1 = [float(v) for v in open(sys.argv[1]).read().split()]
runs2 = [float(v) for v in open(sys.argv[2]).read().split()]
r1, r2, peak = statistics.median(runs1), statistics.median(runs2), float(sys.argv[3])
eff = [b / (2 * a) for a, b in zip(runs1, runs2)]
peer = json.load(open(sys.argv[9]))
numpy = peer["agent_steps_per_s"]
# Consensus MLP (8 -> 16 -> 1) per agent-step: 16 x 8 FMA (hidden) + 16 FMA
# (output) = 144 FMA = 288 FLOP; each of the 16 tanh (stp_tanhf, 0.4.0)
# adds 2 clamps, 1 mul (x^2), 3 FMA, 1 mul, 4 FMA (14 FLOP) and 1 div =
# 19 FLOP: 304 more. (Before 0.4.0 the exp-based tanh was 23 FLOP.)
fma_flop, tanh_flop = 288, 16 * 19
print(json.dumps({
    "benchmark": "openmp agent-steps/s of the simulation (stampede bench), configs/bench_1024.json",
    "machine": sys.argv[7], "cores": int(sys.argv[8]), "paths": int(sys.argv[4]),
    "commit": sys.argv[5], "date": sys.argv[6],
    "agent_steps_per_s": {"threads_1": r1, "threads_2": r2},
    "runs": {"threads_1": runs1, "threads_2": runs2},
    "parallel_efficiency_1_to_2": statistics.median(eff),
    "parallel_efficiency_rounds": [round(e, 3) for e in eff],
    "core_fp32_fma_peak_gflops_measured": peak,
    "mlp_flop_per_agent_step": {"fma": fma_flop, "tanh": tanh_flop},
    "fraction_of_fma_peak_per_core": {
        "fma_flops_only": r1 * fma_flop / (peak * 1e9),
        "all_mlp_flops": r1 * (fma_flop + tanh_flop) / (peak * 1e9)},
    "numpy_peer_agent_steps_per_s_one_core": numpy,
    "ratio_to_numpy_one_core": r1 / numpy,
    "numpy_peer_blas": peer["blas"],
}, indent=2))
PY
cat "$out"
