#!/usr/bin/env bash
# Replays each fuzz target over its seed corpus and its regressions
# (tests/fuzz/regressions/<target>/: every input that once failed a target).
# Usage: tests/fuzz/replay.sh BUILD_DIR
set -euo pipefail
b=$1
cd "$(dirname "$0")/../.."
"$b/fuzz_replay_config" configs tests/fuzz/corpus/config tests/fuzz/regressions/config
"$b/fuzz_replay_model" models tests/fuzz/corpus/model tests/fuzz/regressions/model
# regressions/results holds a file HDF5 hangs on: 5 s of it, not the default 60
STAMPEDE_VERIFY_TIMEOUT_S=5 "$b/fuzz_replay_results" tests/fuzz/corpus/results \
  tests/fuzz/regressions/results
