#!/usr/bin/env bash
# tests/test_device_check.sh: bench/device_check.sh's control flow on the
# host, with stub scripts in place of the GPU binaries (stampede, test_cuda,
# test_kernel_order), compute-sanitizer, nvidia-smi and python3 (h5py):
# the budgets add up to at most 420 s; the steps run in order and each
# prints a table line; a step past its budget is killed and reported as
# TIMEOUT rc=124 while the others still run; a failing step is reported and
# makes the check exit nonzero; all passing exits 0; a missing sanitizer is
# a visible SKIP; $OUT gets the log and the small tables, never .h5 files.
#
#   bash tests/test_device_check.sh     # from the source dir (ctest: device_check)
#
# STP_DEVICE_CHECK_SCRIPT=FILE checks another script (e.g. an old version,
# to see this test fail).
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=${STP_DEVICE_CHECK_SCRIPT:-$src/bench/device_check.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { # description: passes when the previous command succeeded
    if [[ $1 == 0 ]]; then
        echo "ok   $2"
    else
        echo "FAIL $2"
        failures=$((failures + 1))
    fi
}
expect() { # description command...: the command must succeed
    local d=$1
    shift
    "$@" >/dev/null 2>&1
    ok $? "$d"
}

# --- stubs ------------------------------------------------------------------------
# One script under every name; STUB_FAIL / STUB_SLEEP name the program that
# fails (exit 3) or hangs; every call is logged to $STUB_CALLS in order.
mkdir -p "$tmp/bin" "$tmp/src/configs/validation"
cat >"$tmp/bin/stub" <<'STUB'
#!/usr/bin/env bash
name=$(basename "$0")
echo "$name $*" >>"$STUB_CALLS"
[[ ${STUB_SLEEP:-} == "$name" ]] && exec sleep 120
[[ ${STUB_FAIL:-} == "$name" ]] && { echo "$name: failing on purpose"; exit 3; }
case $name in
test_*) echo "[====] Synthesis: Tested: 4 | Passing: 4 | Failing: 0 | Crashing: 0" ;;
nvidia-smi) echo "Stub GPU, 1.0, 1024 MiB, 1000 MHz" ;;
python3) echo "bit-identical" ;;
compute-sanitizer)
    while [[ $1 == --* ]]; do shift 2; done
    "$@"
    rc=$?
    echo "========= ERROR SUMMARY: 0 errors"
    exit $rc
    ;;
stampede)
    cmd=$1
    shift
    out="" hist="" batch=1024
    while (($#)); do
        case $1 in
        -o) out=$2 ;;
        --history) hist=$2 ;;
        --batch) batch=$2 ;;
        esac
        shift
    done
    case $cmd in
    --version) echo "stampede stub" ;;
    run) echo "stub results" >"$out" ;;
    bench)
        fills=false
        ((batch >= 8448)) && fills=true
        rec="{\"results\": [{\"launch_paths\": $batch, \"launch_blocks\": $((batch / 8)), \"device_sms\": 132, \"fills_device\": $fills, \"sim_s\": 1, \"agent_steps_per_s\": 1.5e+10, \"paths_per_s\": 2000}]}"
        echo "$rec"
        [[ -n $hist ]] && echo "$rec" >>"$hist"
        ;;
    esac
    ;;
esac
exit 0
STUB
chmod +x "$tmp/bin/stub"
for n in stampede test_cuda test_kernel_order test_kernel_venues compute-sanitizer nvidia-smi python3; do
    ln -s stub "$tmp/bin/$n"
done

# run TAG [VAR=VALUE...]: the check against the stubs, budgets x0.2 (84 s in
# all, a few seconds used); stdout in $tmp/TAG.out, rc in $tmp/TAG.rc.
run() {
    local tag=$1
    shift
    mkdir -p "$tmp/$tag"
    env PATH="$tmp/bin:$PATH" STP_DEVICE_BIN="$tmp/bin" STP_DEVICE_SRC="$tmp/src" \
        STP_DEVICE_WORK="$tmp/$tag/work" OUT="$tmp/$tag/out" STP_DEVICE_SKIP_SETUP=1 \
        STP_DEVICE_BUDGET_SCALE=0.2 STUB_CALLS="$tmp/$tag/calls" "$@" \
        bash "$script" >"$tmp/$tag.out" 2>"$tmp/$tag.err"
    echo $? >"$tmp/$tag.rc"
}
# the table as printed while the steps ran (before the summary repeats it)
live() { # TAG
    sed '/^--- summary/,$d' "$tmp/$1.out" | grep -E "^[^ ]+ +(PASS|FAIL|TIMEOUT|SKIP|NOTRUN) +rc="
}
line() { # TAG STEP: the step's table line
    live "$1" | grep -E "^$2 " | head -n 1
}

# --- the budgets ----------------------------------------------------------------------
bash "$script" --budgets >"$tmp/budgets" 2>&1
ok $? "--budgets runs and says the total fits"
mapfile -t steps < <(awk '$1 != "total" && $2 ~ /^[0-9]+$/ {print $1}' "$tmp/budgets")
sum=$(awk '$1 != "total" && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$tmp/budgets")
total=$(awk '$1 == "total" {print $2}' "$tmp/budgets")
echo "     ${#steps[@]} steps, budgets sum to ${sum}s, total line ${total:-none}"
expect "at least 10 steps" test "${#steps[@]}" -ge 10
expect "the budgets sum to at most 420 s" test "$sum" -gt 0 -a "$sum" -le 420
expect "the total line is that sum" test "${total:-x}" = "$sum"
expect "a feb2026_exit step" grep -q '^feb2026_exit ' "$tmp/budgets"
expect "a compute-sanitizer racecheck and synccheck step" \
    grep -qE '^sanitizer:racecheck .*|^sanitizer:synccheck ' "$tmp/budgets"

# --- all pass ------------------------------------------------------------------------
t0=$SECONDS
run pass
echo "     all-pass run: rc $(cat "$tmp/pass.rc") in $((SECONDS - t0))s"
expect "all passing exits 0" test "$(cat "$tmp/pass.rc")" = 0
missing=0 order_ok=1 prev=0
for s in "${steps[@]}"; do
    n=$(live pass | grep -nE "^$s " | head -n 1 | cut -d: -f1)
    if [[ -z $n ]]; then
        echo "     no table line for $s"
        missing=1
        continue
    fi
    ((n > prev)) || order_ok=0
    prev=$n
done
ok $missing "a table line for every step, printed as it ends"
ok $((1 - order_ok)) "the table lines come in the budgets' order"
expect "one table line per step" test "$(live pass | wc -l)" = "${#steps[@]}"
expect "every step but setup passes" \
    test "$(live pass | grep -cE ' PASS +rc=0 ')" = $((${#steps[@]} - 1))
expect "setup is a visible SKIP when skipped" grep -qE '^setup +SKIP' <(live pass)
expect "the summary says PASS" grep -q '^--- summary: PASS' "$tmp/pass.out"
# the programs ran in the steps' order
calls=$tmp/pass/calls
first() { grep -n -m1 -E "$1" "$calls" | cut -d: -f1; }
order=("^nvidia-smi" "^test_cuda" "^test_kernel_order" "^compute-sanitizer --tool racecheck"
    "^compute-sanitizer --tool synccheck" "^stampede run .*oracle_error" "^python3"
    "^stampede bench .*--batch 1024 " "^stampede bench .*--batch 131072 " "feb2026_exit")
prev=0 order_ok=1
for pat in "${order[@]}"; do
    n=$(first "$pat")
    [[ -n $n && $n -gt $prev ]] || { order_ok=0; echo "     out of order or missing: $pat"; }
    prev=${n:-$prev}
done
ok $((1 - order_ok)) "the programs run in order"
expect "test_kernel_order runs from an absolute path" grep -q "^test_kernel_order " "$calls"
expect "the stubs' binary dir is used (STP_DEVICE_BIN)" \
    grep -qE "^compute-sanitizer .* $tmp/bin/stampede run" "$calls"
expect "bench runs fill the device" grep -qE '^bench_1024@131072 .*fills_device true' <(live pass)
expect "the 1,024 contrast shows fills_device false" \
    grep -qE '^bench_1024@1024 .*fills_device false' <(live pass)
expect "a feb2026_exit figure" grep -qE '^feb2026_exit .*agent-steps/s.*1M paths' <(live pass)
others=$(cd "$tmp/pass/out" && find . -type f ! -name device_check.log ! -name device_check.txt \
    ! -name device_check.json ! -name bench.jsonl | wc -l)
expect "\$OUT holds only the log, the tables and bench.jsonl" test "$others" = 0
expect "results files land in STP_DEVICE_WORK" \
    test -n "$(find "$tmp/pass/work" -name '*.h5' | head -n 1)"
expect "the table is in the log" grep -qE '^feb2026_exit .*PASS' "$tmp/pass/out/device_check.log"
expect "the table file holds the summary" grep -q '^--- summary: PASS' "$tmp/pass/out/device_check.txt"
expect "the JSON table names every step" \
    test "$(grep -c '"name"' "$tmp/pass/out/device_check.json")" = "${#steps[@]}"
if command -v python3 >/dev/null; then
    expect "the JSON table parses" python3 -m json.tool "$tmp/pass/out/device_check.json"
fi
expect "bench records are kept in bench.jsonl" \
    test "$(wc -l <"$tmp/pass/out/bench.jsonl")" -ge 4

# --- one step fails ------------------------------------------------------------------
run fail STUB_FAIL=test_cuda
expect "a failing step makes the check exit nonzero" test "$(cat "$tmp/fail.rc")" != 0
expect "the failing step is reported with its rc" grep -qE '^test_cuda +FAIL +rc=3 ' <(live fail)
expect "the steps after it still run" grep -qE '^feb2026_exit +PASS' <(live fail)
expect "the summary says FAIL" grep -q '^--- summary: FAIL' "$tmp/fail.out"

# --- one step hangs --------------------------------------------------------------------
# nvidia-smi's step (device, the smallest budget) hangs: killed at 0.2 x its budget
t0=$SECONDS
run hang STUB_SLEEP=nvidia-smi
wall=$((SECONDS - t0))
budget=$(awk '$1 == "device" {print $2 * 0.2}' "$tmp/budgets")
echo "     hang run: rc $(cat "$tmp/hang.rc") in ${wall}s; $(line hang device)"
expect "a hung step makes the check exit nonzero" test "$(cat "$tmp/hang.rc")" != 0
expect "the hung step is killed and reported as TIMEOUT rc=124" \
    grep -qE '^device +TIMEOUT +rc=124 ' <(live hang)
secs=$(line hang device | grep -oE '[0-9.]+s ' | head -n 1 | tr -d 's ')
expect "it is killed at its budget (${budget:-?} s), not after the stub's 120 s" \
    awk -v s="${secs:-999}" -v b="${budget:-0}" 'BEGIN { exit !(b > 0 && s >= 0.9 * b && s < b + 5) }'
expect "the steps after it still run and pass" grep -qE '^test_cuda +PASS' <(live hang)
expect "the last step still runs" grep -qE '^feb2026_exit +PASS' <(live hang)
expect "the whole check ends in well under a minute" test "$wall" -lt 40

# --- no compute-sanitizer -------------------------------------------------------------
run nosan STP_DEVICE_SANITIZER=no-such-compute-sanitizer
expect "a missing sanitizer is no failure" test "$(cat "$tmp/nosan.rc")" = 0
expect "it is a visible SKIP line for each tool" \
    test "$(live nosan | grep -cE '^sanitizer:(racecheck|synccheck) +SKIP .*not found')" = 2

if ((failures)); then
    echo "test_device_check: $failures check(s) failed; the runs' output is below"
    for t in pass fail hang nosan; do
        echo "--- $t (rc $(cat "$tmp/$t.rc" 2>/dev/null))"
        cat "$tmp/$t.out" "$tmp/$t.err" 2>/dev/null | tail -n 40
    done
    exit 1
fi
echo "test_device_check: all checks passed"
