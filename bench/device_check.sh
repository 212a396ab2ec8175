#!/usr/bin/env bash
# The device check of issues 10, 11, 12, 21 and 24: one script, one lent GPU,
# at most 7 minutes (the machine's whole lease is 15 minutes of device
# time, its start-up included). Here, from the project root:
#
#   bash bench/device_pack.sh
#
# then one device call (the `run` tool, carry [".device"], timeout_s 480):
#
#   bash bench/device_check.sh
#
# Each step is a real program (a binary, or `bash -c` on an exported
# function) run under `timeout` with its own budget; a step that fails or
# runs out of time is reported and the next one runs. As each step ends a
# table line (name, status, rc, seconds, one key figure) goes to stdout and
# to the log; a summary ends it, and the exit status is 0 only if every step
# passed (a SKIP line, e.g. no compute-sanitizer, does not fail the check
# but stays visible). `bash bench/device_check.sh --budgets` prints the
# budgets and runs nothing.
#
# $OUT (the device call's folder that comes back) gets only
#   device_check.log   every step's output;
#   device_check.txt   the table: what to commit under bench/results/;
#   device_check.json  the same table as JSON;
#   bench.jsonl        `stampede bench --history` records of the speed steps.
# Results files (.h5) are written under $STP_DEVICE_WORK, never in $OUT.
#
# The steps:
#   setup               .device/setup.sh (the packed source tree in /tmp)
#   device              nvidia-smi: the GPU, driver, memory, clock
#   test_cuda           cuRAND's device Philox words against Random123; GPU/CPU
#                       outcomes and samples bit-identical on quickstart, every
#                       shock kind, every mitigation; launch-size invariance
#   test_kernel_order   the kernel body on the host (the twin), as a control
#   test_kernel_venues  the multi-venue kernel body on the host, as a control
#   racecheck/synccheck compute-sanitizer on 2 paths of quickstart (the block's
#                       phases share memory between barriers)
#   parity:*            CLI parity, CUDA against OpenMP, h5 outcomes bit for
#                       bit: the validation pack's oracle-error case, the
#                       mitigation pack, issue 12's scenario modes, importance
#                       with every tilt, a search
#   parity:two_venues   issue 24: configs/two_venues.json (three venues, two
#                       assets) CUDA against OpenMP, every dataset under
#                       variants/ bit for bit (the system's outcomes, every
#                       venue's record, the samples, the statistics)
#   two_venues@cuda     `stampede bench` of two_venues on each backend:
#   two_venues@openmp   agent-steps/s (8,192 paths a launch on the GPU, a
#                       block a path; 2,048 paths on the CPU)
#   bench_1024@B        `stampede bench` of bench_1024 at launches of B paths:
#                       1,024, 8,192 paths (128 blocks of 8 paths: the
#                       launch, not the kernel; it must print fills_device
#                       false), then 16,384, 65,536 and 131,072 (>= 8 blocks
#                       per SM on 132 SMs), 131,072 paths each
#   feb2026_exit        `stampede bench` of feb2026_exit, 16,384 paths in one
#                       launch of 2,048 blocks; its 1M-path time extrapolated.
#                       The last step: it may use what earlier steps left of
#                       the total (at the previous kernel's 2.15e9
#                       agent-steps/s, a3d6ef6, it would need ~140 s; its
#                       own budget went to the venue steps, so it runs on
#                       what the others leave)
#
# Environment (defaults for the lent machine; tests/test_device_check.sh
# points them at stubs):
#   STP_DEVICE_BIN           the binaries (.device/bin of this checkout)
#   STP_DEVICE_SRC           the source tree the binaries run in
#                            (/tmp/stampede-device-src, where setup.sh puts it)
#   STP_DEVICE_WORK          results files (/tmp/stampede-device-work; emptied)
#   STP_DEVICE_SKIP_SETUP=1  skip .device/setup.sh (SRC already in place)
#   STP_DEVICE_BUDGET_SCALE  multiplies every budget (1; the test uses 0.2)
#   STP_DEVICE_SANITIZER     the sanitizer's command (compute-sanitizer)
#   OUT                      the log's folder (/tmp/stampede-device-out)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export BIN=${STP_DEVICE_BIN:-$ROOT/.device/bin}
export SRC=${STP_DEVICE_SRC:-/tmp/stampede-device-src}
export WORK=${STP_DEVICE_WORK:-/tmp/stampede-device-work}
export OUT=${OUT:-/tmp/stampede-device-out}
SCALE=${STP_DEVICE_BUDGET_SCALE:-1}
SANITIZER=${STP_DEVICE_SANITIZER:-compute-sanitizer}
TOTAL_BUDGET_S=420 # the check's whole budget, before SCALE
KILL_GRACE_S=5     # after a budget's SIGTERM, SIGKILL
# the image's CUDA tools (compute-sanitizer, ncu) are not always on PATH;
# appended, so a PATH that already names a tool keeps it
export PATH=$PATH:/usr/local/cuda/bin

dry=0
case ${1:-} in
--budgets) dry=1 ;;
"") ;;
*)
    echo "usage: bash bench/device_check.sh [--budgets]" >&2
    exit 2
    ;;
esac

# --- the step runner ----------------------------------------------------------

log=$OUT/device_check.log
rows=()      # the table's lines
json_rows=() # the same, as JSON objects
planned=0    # the sum of the declared budgets, seconds before SCALE
n_fail=0 n_skip=0 n_pass=0

# Times in integer milliseconds, in bash arithmetic: a step forks only what
# it runs (the budgets of a test run are a second or two).
now_ms() { # sets now to the milliseconds since the epoch
    local t=${EPOCHREALTIME:-}
    [[ -n $t ]] || t=$(date +%s.%6N)
    t=${t//[!0-9]/}
    now=$((10#$t / 1000))
}
secs() { # VAR MS: VAR = MS as seconds with DIGITS decimals (1 or 3)
    local -n _v=$1
    if (($3 == 3)); then
        printf -v _v '%d.%03d' $(($2 / 1000)) $(($2 % 1000))
    else
        printf -v _v '%d.%d' $(($2 / 1000)) $((($2 / 100) % 10))
    fi
}
SCALE_MILLI=$(awk -v k="$SCALE" 'BEGIN { printf "%d", k * 1000 }')
TOTAL_MS=$((TOTAL_BUDGET_S * SCALE_MILLI))

json_str() { # VAR TEXT: VAR = a JSON string literal of TEXT
    local -n _j=$1
    local s=${2//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//[$'\t'$'\n']/ }
    _j="\"$s\""
}

row() { # name status rc seconds budget_s figure
    local line rc=null jn jf
    printf -v line '%-30s %-7s rc=%-3s %7ss  %s' "$1" "$2" "$3" "$4" "$6"
    rows+=("$line")
    [[ $3 =~ ^[0-9]+$ ]] && rc=$3
    json_str jn "$1"
    json_str jf "$6"
    json_rows+=("{\"name\": $jn, \"status\": \"$2\", \"rc\": $rc, \"seconds\": $4, \"budget_s\": $5,"$'\n'"   \"figure\": $jf}")
    printf '%s\n' "$line" >>"$log"
    printf '%s\n' "$line"
}

skip() { # name budget_s reason
    planned=$((planned + $2))
    ((dry)) && { printf '%-30s %5d  (skipped: %s)\n' "$1" "$2" "$3"; return; }
    n_skip=$((n_skip + 1))
    row "$1" SKIP - 0.0 0 "SKIP: $3"
}

# step NAME BUDGET_S FIGURE COMMAND...: runs COMMAND under `timeout`, its
# output appended to the log, and prints the table line; FIGURE is a
# function that reads the step's output on stdin and prints its key figure
# (else the output's last line is shown). A budget never reaches past the
# check's total; an elastic step (ELASTIC=1) may use what the total leaves.
step() {
    local name=$1 budget=$2 fig=$3
    shift 3
    planned=$((planned + budget))
    ((dry)) && { printf '%-30s %5d%s\n' "$name" "$budget" "${ELASTIC:+  (or what the total leaves)}"; return; }
    local t0 left b bs off rc dt status figure now
    now_ms
    t0=$now
    left=$((TOTAL_MS - (t0 - START_MS)))
    b=$((budget * SCALE_MILLI))
    [[ -n ${ELASTIC:-} ]] && ((left - KILL_GRACE_S * 1000 > b)) && b=$((left - KILL_GRACE_S * 1000))
    ((b > left)) && b=$left
    secs bs "$b" 3
    if ((b <= 0)); then
        n_fail=$((n_fail + 1))
        row "$name" NOTRUN 124 0.0 0 "not run: the total budget is spent"
        return
    fi
    off=$(stat -c %s "$log")
    printf '=== %s (budget %ss): %s\n' "$name" "$bs" "$*" >>"$log"
    timeout -k "$KILL_GRACE_S" "$bs" "$@" >>"$log" 2>&1 </dev/null
    rc=$?
    now_ms
    secs dt $((now - t0)) 1
    figure=$(tail -c +"$((off + 1))" "$log" | "$fig" 2>/dev/null | head -n 1)
    [[ -n $figure ]] || figure=$(tail -c +"$((off + 1))" "$log" | fig_last)
    case $rc in
    0) status=PASS n_pass=$((n_pass + 1)) ;;
    124 | 137) status=TIMEOUT n_fail=$((n_fail + 1)) figure="killed at its ${bs}s budget${figure:+; $figure}" ;;
    *) status=FAIL n_fail=$((n_fail + 1)) ;;
    esac
    row "$name" "$status" "$rc" "$dt" "$bs" "$figure"
}

# --- key figures: each reads a step's output --------------------------------

fig_last() { # the last non-empty line of the step's own output
    grep -v -e '^\s*$' -e '^=== ' | tail -n 1
}
fig_criterion() { # Criterion's synthesis line: "P/N passing, F failing, C crashing"
    sed -n 's/.*Synthesis: Tested: \([0-9]*\) | Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\2\/\1 passing, \3 failing, \4 crashing/p' |
        tail -n 1
}
fig_sanitizer() { # "ERROR SUMMARY: 0 errors" or racecheck's "RACECHECK SUMMARY: ..."
    grep -E 'SUMMARY:' | tail -n 1 | sed 's/^=* *//'
}
fig_parity() {
    grep -E 'bit-identical|differ|Error|error' | tail -n 1
}
json_num() { # KEY: the first "KEY": NUMBER of a bench record
    grep -o "\"$1\": [^,}]*" | head -n 1 | awk '{print $2}'
}
fig_bench() { # agent-steps/s and whether the launches fill the device
    local s
    s=$(cat)
    printf '%s agent-steps/s, %s blocks a launch, fills_device %s\n' \
        "$(json_num agent_steps_per_s <<<"$s")" "$(json_num launch_blocks <<<"$s")" \
        "$(json_num fills_device <<<"$s")"
}
fig_feb() { # agent-steps/s and the 1M-path simulation time, extrapolated
    local s pps
    s=$(cat)
    pps=$(json_num paths_per_s <<<"$s")
    awk -v a="$(json_num agent_steps_per_s <<<"$s")" -v p="$pps" \
        -v f="$(json_num fills_device <<<"$s")" 'BEGIN {
        if (p + 0 <= 0) { print "no figure"; exit }
        printf "%s agent-steps/s, 1M paths ~ %.1f min of simulation (extrapolated), fills_device %s\n",
               a, 1e6 / p / 60, f }'
}

# --- the steps' programs ------------------------------------------------------

# CUDA against OpenMP on one config: h5 outcomes bit for bit.
cli_parity() { # tag config extra-args...
    local tag=$1 cfg=$2
    shift 2
    "$BIN/stampede" run "$cfg" -o "$WORK/$tag-cuda.h5" --backend cuda --force --quiet "$@" &&
        "$BIN/stampede" run "$cfg" -o "$WORK/$tag-openmp.h5" --backend openmp --force --quiet "$@" &&
        python3 "$WORK/h5_same.py" "$WORK/$tag-cuda.h5" "$WORK/$tag-openmp.h5"
}
export -f cli_parity

# CUDA against OpenMP on a multi-venue config: every dataset under
# variants/ (outcomes, the venues' records, samples, statistics) bit for bit.
venue_parity() { # tag config extra-args...
    local tag=$1 cfg=$2
    shift 2
    "$BIN/stampede" run "$cfg" -o "$WORK/$tag-cuda.h5" --backend cuda --force --quiet "$@" &&
        "$BIN/stampede" run "$cfg" -o "$WORK/$tag-openmp.h5" --backend openmp --force --quiet "$@" &&
        python3 "$WORK/h5_same_tree.py" "$WORK/$tag-cuda.h5" "$WORK/$tag-openmp.h5"
}
export -f venue_parity

write_h5_same() {
    cat >"$WORK/h5_same.py" <<'PY'
# Every outcome of every variant of two stampede results files, bit for bit.
import sys, h5py, numpy as np
g, c = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
bad = 0
for v in g["variants"]:
    for m in g["variants"][v]["outcomes"]:
        a = g["variants"][v]["outcomes"][m][:]; b = c["variants"][v]["outcomes"][m][:]
        n = a.size if a.shape != b.shape else int(np.sum(a.view(np.uint8) != b.view(np.uint8)))
        if n: print(f"{v}/{m}: {n} bytes differ"); bad += n
print("bit-identical" if bad == 0 else f"{bad} bytes differ")
sys.exit(bad != 0)
PY
    cat >"$WORK/h5_same_tree.py" <<'PY'
# Every dataset under variants/ of two stampede results files, bit for bit.
import sys, h5py, numpy as np
g, c = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
bad, seen = [], []
def walk(name, x):
    if not isinstance(x, h5py.Dataset): return
    seen.append(name)
    if name not in c["variants"]: bad.append(name + " missing"); return
    a, b = np.asarray(x[()]), np.asarray(c["variants"][name][()])
    same = list(a.ravel()) == list(b.ravel()) if x.dtype.kind == "O" else \
        a.shape == b.shape and a.tobytes() == b.tobytes()
    if not same: bad.append(name)
g["variants"].visititems(walk)
for n in bad[:10]: print(f"differs: {n}")
print(f"bit-identical ({len(seen)} datasets)" if not bad else f"{len(bad)} of {len(seen)} datasets differ")
sys.exit(bool(bad))
PY
}

# --- the check ------------------------------------------------------------------

if ((!dry)); then
    mkdir -p "$OUT" || exit 1
    case $WORK/ in "$OUT"/*) echo "device_check: STP_DEVICE_WORK must not be inside OUT" >&2; exit 2 ;; esac
    rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
    : >"$log"
    rm -f "$OUT/bench.jsonl"
    write_h5_same
    now_ms
    START_MS=$now
    secs TOTAL_S "$TOTAL_MS" 3
    version=$("$BIN/stampede" --version 2>&1 | head -n 1)
    header="device check $(date -u +%FT%TZ): $version"
    {
        echo "$header"
        echo "bin $BIN, src $SRC, work $WORK, out $OUT; budgets x$SCALE, total ${TOTAL_S}s"
    } | tee -a "$log"
fi

if [[ ${STP_DEVICE_SKIP_SETUP:-} == 1 ]]; then
    skip setup 10 "STP_DEVICE_SKIP_SETUP=1"
else
    step setup 10 fig_last bash "$ROOT/.device/setup.sh"
fi
((dry)) || cd "$SRC" || { echo "device_check: no source tree at $SRC" | tee -a "$log"; exit 1; }

step device 5 fig_last nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
    --format=csv,noheader
step test_cuda 60 fig_criterion "$BIN/test_cuda" --jobs 1 --verbose
step test_kernel_order 40 fig_criterion "$BIN/test_kernel_order" --jobs 1
step test_kernel_venues 10 fig_criterion "$BIN/test_kernel_venues" --jobs 1

if ((dry)) || command -v "$SANITIZER" >/dev/null; then
    for tool in racecheck synccheck; do
        step "sanitizer:$tool" 20 fig_sanitizer "$SANITIZER" --tool "$tool" --error-exitcode 9 \
            "$BIN/stampede" run "$SRC/configs/quickstart.json" -o "$WORK/san-$tool.h5" \
            --paths 2 --backend cuda --force --quiet
    done
else
    skip sanitizer:racecheck 20 "$SANITIZER not found on PATH (nor in /usr/local/cuda/bin)"
    skip sanitizer:synccheck 20 "$SANITIZER not found on PATH (nor in /usr/local/cuda/bin)"
fi

parity() { # tag budget_s config extra-args...
    local tag=$1 budget=$2
    shift 2
    step "parity:$tag" "$budget" fig_parity bash -c 'cli_parity "$@"' cli_parity "$tag" "$@"
}
parity oracle_error 10 "$SRC/configs/validation/oracle_error.json"
parity mitigation_pack 20 "$SRC/configs/mitigation_pack.json" --paths 32
# issue 12: every scenario mode and the search, shrunk (the modes are host
# data; the first-mover draw and the jumps' likelihood ratio are kernel code)
parity adversarial 20 "$SRC/configs/adversarial.json" --paths 128 --set scenario.qmc.points=64
parity rare_tail 15 "$SRC/configs/rare_tail.json" --paths 1024 \
    --set scenario.importance.pilot_paths=512 --set scenario.importance.count_tilt=1 \
    --set scenario.importance.jump_tilt=1
parity search 15 "$SRC/configs/adversarial_search.json" --paths 128 \
    --set experiment.search.iterations=2 --set experiment.search.paths_per_iter=64

# issue 24: a path over three venues, a block a path on the GPU
step parity:two_venues 20 fig_parity bash -c 'venue_parity "$@"' venue_parity two_venues \
    "$SRC/configs/two_venues.json" --paths 512
step two_venues@cuda 15 fig_bench "$BIN/stampede" bench "$SRC/configs/two_venues.json" \
    --backend cuda --paths 8192 --batch 8192 --json --history "$OUT/bench.jsonl"
step two_venues@openmp 15 fig_bench "$BIN/stampede" bench "$SRC/configs/two_venues.json" \
    --backend openmp --paths 2048 --json --history "$OUT/bench.jsonl"

bench() { # budget_s launch_paths paths config
    step "$(basename "$4" .json)@$2" "$1" fig_bench "$BIN/stampede" bench "$4" --backend cuda \
        --paths "$3" --batch "$2" --json --history "$OUT/bench.jsonl"
}
# 1,024 a launch is 128 blocks: the launch's latency, kept as the contrast
# (and to see the fills_device warning on a device)
bench 10 1024 8192 "$SRC/configs/bench_1024.json"
for b in 16384 65536 131072; do
    bench 15 "$b" 131072 "$SRC/configs/bench_1024.json"
done
ELASTIC=1 step feb2026_exit 65 fig_feb "$BIN/stampede" bench "$SRC/configs/feb2026_exit.json" \
    --backend cuda --paths 16384 --batch 16384 --json --history "$OUT/bench.jsonl"

# --- the summary ----------------------------------------------------------------

if ((dry)); then
    printf '%-30s %5d  (limit %d)\n' total "$planned" "$TOTAL_BUDGET_S"
    ((planned <= TOTAL_BUDGET_S))
    exit
fi
now_ms
elapsed="" jv="" # set by secs and json_str (namerefs)
secs elapsed $((now - START_MS)) 1
verdict=PASS
((n_fail == 0)) || verdict=FAIL
{
    echo "$header"
    echo "--- summary: $verdict: $n_pass passed, $n_fail failed or timed out, $n_skip skipped;" \
        "${elapsed}s of ${TOTAL_S}s"
    printf '%s\n' "${rows[@]}"
} | tee -a "$log" >"$OUT/device_check.txt"
cat "$OUT/device_check.txt"
{
    json_str jv "$version"
    printf '{"format": "stampede-device-check", "date": "%s", "stampede": %s, "verdict": "%s", ' \
        "$(date -u +%FT%TZ)" "$jv" "$verdict"
    printf '"elapsed_s": %s, "total_budget_s": %s, "steps": [\n  ' "$elapsed" "$TOTAL_S"
    sep=""
    for r in "${json_rows[@]}"; do
        printf '%s%s' "$sep" "$r"
        sep=$',\n  '
    done
    printf '\n]}\n'
} >"$OUT/device_check.json"
[[ $verdict == PASS ]]
