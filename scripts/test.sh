#!/usr/bin/env bash
# The test command of the README and of CI: installs the dependencies,
# builds (with CUDA where nvcc is present), and runs every test; then runs
# the whole suite again under AddressSanitizer and UBSan; then fuzzes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -LE gpu
# the validation pack (configs/validation/) at 64 paths a case on a fresh seed
source tests/seed.sh # STAMPEDE_TEST_SEED=S replays a seed
seed=$(test_seed "validation pack" "bash scripts/test.sh")
echo "validation pack: --paths 64 --seed $seed"
/usr/bin/python3 scripts/validation.py --stampede build/stampede --paths 64 --seed "$seed"
# GPU tests verbosely: without a device their SKIP line names what did not run
ctest --test-dir build --output-on-failure -L gpu -V
# RelWithDebInfo (-O2 -g): ASan and UBSan catch the same errors as at -O0,
# and the pass takes under 5 minutes on 2 cores instead of 11
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTP_SANITIZE=address,undefined \
  -DSTP_CUDA=OFF >/dev/null
cmake --build build-asan -j "$jobs"
# the calibration and kernel-order tests (label slow) run only in the optimised build
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --test-dir build-asan --output-on-failure \
  -LE 'slow|gpu|mpi|notebooks|python'
# libFuzzer on the config parser, the model loader and the results reader,
# 20 s each (clang; scripts/fuzz.sh prints each target's executions)
bash scripts/fuzz.sh 20
