#!/usr/bin/env bash
# Fuzzes the config parser, the model loader and the results reader (DESIGN
# §8, issue 15) with libFuzzer (clang, with ASan and UBSan) for SECONDS each
# (default 60), seeded with the shipped configs and models and the results
# corpus in tests/fuzz/corpus/. Prints each target's executions; exits
# nonzero on any crash, leak, sanitizer report or timeout, leaving the input
# as build-fuzz/crash-<target>-* (copy it to tests/fuzz/regressions/<target>/
# once fixed: tests/fuzz/replay.sh replays those in every test build).
# Usage: bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build-fuzz
CC=clang cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Debug -DSTP_FUZZ=ON -DSTP_CUDA=OFF \
  -DSTP_MPI=OFF -DBUILD_TESTING=OFF -DSTP_WERROR=OFF >/dev/null
cmake --build "$out" -j "$(nproc)" --target fuzz_config fuzz_model fuzz_results >/dev/null
for t in config model results; do
  mkdir -p "$out/corpus_$t"
done
cp configs/*.json tests/fuzz/corpus/config/* "$out/corpus_config/" 2>/dev/null || true
cp models/*.json "$out/corpus_model/"
# the inputs HDF5 once crashed or hung on start the run: the sandbox is tested first thing
cp tests/fuzz/corpus/results/* tests/fuzz/regressions/results/* "$out/corpus_results/"
# the reader's own time limit on a file HDF5 hangs on, well inside -timeout
export STAMPEDE_VERIFY_TIMEOUT_S=2
run() { # TARGET MAX_LEN: one target for $secs seconds; the last line of its log says how many runs
  local t=$1 len=$2 log="$out/fuzz_$1.log" rc=0
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" -max_total_time="$secs" \
    -max_len="$len" -timeout=30 -rss_limit_mb=4096 -artifact_prefix="crash-$t-" \
    "corpus_$t") >"$log" 2>&1 || rc=$?
  echo "fuzz $t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" || echo 'no summary'), exit $rc"
  if [ "$rc" != 0 ]; then tail -40 "$log"; return 1; fi
}
status=0
run config 16384 || status=1
run model 16384 || status=1
run results 200000 || status=1
exit $status
