#!/usr/bin/env bash
# The device checks of issue 10, prepared as one script for the next lent
# GPU (none was lent to issue 10). Here, from the project root:
#
#   bash ../shared/device/pack.sh stampede test_cuda test_kernel_order
#
# then on the device (the `run` tool, carry [".device"], timeout ~540 s):
#
#   bash scripts/device_check.sh
#
# It runs, each under its own time budget, logging to $OUT/device_check.log:
#   1. test_cuda: cuRAND's device Philox words against Random123, and the
#      GPU/CPU parity tests, which now require every outcome of every path
#      and every sampled step to be bit-identical (quickstart, every shock
#      kind, every mitigation), and launch-size invariance;
#   2. the same parity through the CLI on the validation pack's oracle-error
#      case and the mitigation pack's first 512 paths (h5 outcomes compared
#      bit for bit, CUDA against OpenMP);
#   3. stampede bench on bench_1024 (paths/s, agent-steps/s) for
#      bench/results/.
# and prints a short table last. Commit the log's table under bench/results/
# with the device, date and commit.
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
    results+=("$(printf '%-34s rc=%-3s %4ss' "$name" "$rc" "$((SECONDS - t0))")")
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >>"$log" 2>&1
step "test_cuda (bit-identical parity)" 300 "$bin/test_cuda" --jobs 1 --verbose
step "kernel order on the host" 60 "$bin/test_kernel_order" --jobs 1

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
step "CLI parity: oracle_error case" 60 cli_parity configs/validation/oracle_error.json
step "CLI parity: mitigation pack, 512" 240 cli_parity configs/mitigation_pack.json --paths 512
step "bench bench_1024" 120 "$bin/stampede" bench configs/bench_1024.json --backend cuda --json

echo "--- device check $(date -u +%FT%TZ) commit $(cat "$src/.git_commit" 2>/dev/null || echo '?')" |
    tee -a "$log"
printf '%s\n' "${results[@]}" | tee -a "$log"
