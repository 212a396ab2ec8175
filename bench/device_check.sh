#!/usr/bin/env bash
# The device check of issues 10, 11 and 12, one script for a lent GPU. Here,
# from the project root:
#
#   bash ../shared/device/pack.sh stampede test_cuda test_kernel_order
#
# then on the device (the `run` tool, carry [".device"], timeout_s 540):
#
#   bash bench/device_check.sh
#
# Each step has its own time budget (at most about 9.5 minutes in all, usually far less) and logs to
# $OUT/device_check.log; the table at the end is what to commit under
# bench/results/ with the device, date and commit:
#   1. test_cuda: cuRAND's device Philox words against Random123; GPU/CPU
#      outcomes and samples bit-identical on quickstart, every shock kind
#      and every mitigation; launch-size invariance;
#   2. the kernel body on the host (test_kernel_order), as a control;
#   3. compute-sanitizer racecheck and synccheck on 2 paths of quickstart
#      (the block's phases share memory between barriers);
#   4. CLI parity, CUDA against OpenMP, h5 outcomes bit for bit: the
#      validation pack's oracle-error case, the mitigation pack, and
#      issue 12's scenario modes, importance with every tilt, and a search;
#   5. speed: bench_1024, 65,536 paths in launches of 1,024 / 4,096 /
#      16,384 / 65,536 (`stampede bench --batch`), and feb2026_exit as a
#      real `stampede run` of 65,536 paths (launches of 16,384), its wall
#      time extrapolated to 1M paths.
set -uo pipefail
OUT=${OUT:-/tmp/device_out}
mkdir -p "$OUT"
log="$OUT/device_check.log"
bash .device/setup.sh >>"$log" 2>&1
src=/tmp/stampede-device-src
bin=$PWD/.device/bin
cd "$src" || exit 1
results=()

step() { # name budget_s command...
    local name=$1 budget=$2
    shift 2
    echo "=== $name (budget ${budget}s)" >>"$log"
    local t0=$SECONDS
    timeout "$budget" "$@" >>"$log" 2>&1
    local rc=$?
    results+=("$(printf '%-40s rc=%-3s %4ss' "$name" "$rc" "$((SECONDS - t0))")")
}

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >>"$log" 2>&1
step "test_cuda (bit-identical parity)" 150 "$bin/test_cuda" --jobs 1 --verbose
step "kernel body on the host" 40 "$bin/test_kernel_order" --jobs 1

sanitize() { # tool
    compute-sanitizer --tool "$1" --error-exitcode 9 "$bin/stampede" run configs/quickstart.json \
        -o "$OUT/san.h5" --paths 2 --backend cuda --force --quiet
}
step "compute-sanitizer racecheck" 45 sanitize racecheck
step "compute-sanitizer synccheck" 45 sanitize synccheck

cli_parity() { # config extra-args...
    local cfg=$1
    shift
    "$bin/stampede" run "$cfg" -o "$OUT/gpu.h5" --backend cuda --force --quiet "$@" &&
        "$bin/stampede" run "$cfg" -o "$OUT/cpu.h5" --backend openmp --force --quiet "$@" &&
        python3 - "$OUT/gpu.h5" "$OUT/cpu.h5" <<'PY'
import sys, h5py, numpy as np
g, c = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
bad = 0
for v in g["variants"]:
    for m in g["variants"][v]["outcomes"]:
        a = g["variants"][v]["outcomes"][m][:]; b = c["variants"][v]["outcomes"][m][:]
        n = int(np.sum(a.view(np.uint64) != b.view(np.uint64)))
        if n: print(f"{v}/{m}: {n} paths differ"); bad += n
print("bit-identical" if bad == 0 else f"{bad} values differ")
sys.exit(bad != 0)
PY
}
step "CLI parity: oracle_error case" 40 cli_parity configs/validation/oracle_error.json
step "CLI parity: mitigation pack, 64" 90 cli_parity configs/mitigation_pack.json --paths 64
# issue 12: every scenario mode and the search, shrunk (the modes are host
# data; the first-mover draw and the jumps' likelihood ratio are kernel code)
step "CLI parity: adversarial modes, 256" 45 cli_parity configs/adversarial.json --paths 256 \
    --set scenario.qmc.points=128
step "CLI parity: rare tail (importance)" 30 cli_parity configs/rare_tail.json --paths 1024 \
    --set scenario.importance.pilot_paths=512 --set scenario.importance.count_tilt=1 \
    --set scenario.importance.jump_tilt=1
step "CLI parity: search, 2 x 64" 45 cli_parity configs/adversarial_search.json --paths 128 \
    --set experiment.search.iterations=2 --set experiment.search.paths_per_iter=64

for n in 1024 4096 16384 65536; do
    step "bench bench_1024, $n a launch" 40 "$bin/stampede" bench configs/bench_1024.json \
        --backend cuda --paths 65536 --batch "$n" --json
done
# A user's wall time: the run at 65,536 paths less a run of 8 paths (the
# population, its equilibrium, the files: a fixed cost) gives the cost per
# path; 1M paths = the fixed cost + 1M x that.
feb() {
    "$bin/stampede" run configs/feb2026_exit.json -o "$OUT/feb8.h5" --paths 8 --backend cuda \
        --force --quiet &&
        "$bin/stampede" run configs/feb2026_exit.json -o "$OUT/feb.h5" --paths 65536 \
            --batch 16384 --backend cuda --force --quiet &&
        python3 - "$bin/stampede" "$OUT/feb8.h5" "$OUT/feb.h5" <<'PY'
import json, subprocess, sys
def summ(f):
    return json.loads(subprocess.run([sys.argv[1], "summary", f, "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
s8, s = summ(sys.argv[2]), summ(sys.argv[3])
t = json.load(open("configs/feb2026_exit.json"))["time"]
steps, a = round(t["horizon_s"] / t["dt_s"]), s["population"]["n_agents"]
per_path = (s["wall_s"] - s8["wall_s"]) / (65536 - 8)
print(f"feb2026_exit: 65,536 paths in {s['wall_s']:.1f} s wall, 8 paths in {s8['wall_s']:.1f} s;"
      f" simulation {a * steps / per_path:.3e} agent-steps/s;"
      f" 1M paths ~ {(s8['wall_s'] + 1e6 * per_path) / 60:.1f} min (extrapolated)")
PY
}
step "feb2026_exit run, 65,536 paths" 150 feb

echo "--- device check $(date -u +%FT%TZ) commit $(cat "$src/.git_commit" 2>/dev/null || echo '?')" |
    tee -a "$log"
printf '%s\n' "${results[@]}" | tee -a "$log"
grep -E "agent-steps/s|agent_steps_per_s|bit-identical|values differ|Synthesis|SKIP|ERROR SUMMARY" \
    "$log" | tail -40
