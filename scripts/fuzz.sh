#!/usr/bin/env bash
# Fuzzes the config parser and the model loader (DESIGN §8) with libFuzzer
# (clang, with ASan and UBSan) for SECONDS each (default 60), seeded with the
# shipped configs and models. Crashes land in build-fuzz/ as crash-* files.
# Usage: bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out/corpus_config" "$out/corpus_model"
cp configs/*.json "$out/corpus_config/"
cp models/*.json "$out/corpus_model/"
flags="-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L
  -DSTP_INSTALL_DATADIR=\"/nonexistent\" -Iinclude"
# shellcheck disable=SC2086
clang $flags tests/fuzz/fuzz_config.c host/config.c host/config_schema.c host/error.c \
  -lcjson -lm -o "$out/fuzz_config"
# shellcheck disable=SC2086
clang $flags tests/fuzz/fuzz_model.c host/models.c host/error.c -lcjson -lm -o "$out/fuzz_model"
(cd "$out" && ./fuzz_config -max_total_time="$secs" -max_len=16384 corpus_config)
(cd "$out" && ./fuzz_model -max_total_time="$secs" -max_len=16384 corpus_model)
