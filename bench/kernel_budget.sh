#!/usr/bin/env bash
# kernel_budget.sh: the lockstep kernel's instruction budget, from the
# compiled code, without a GPU (issue 25, item 4).
#
#   bash bench/kernel_budget.sh [CONFIG]        (default configs/bench_1024.json)
#
# Configures build-budget/ (Release, STP_CUDA=ON, the build's own CUDA
# architectures, compile_commands.json), compiles kernels/path_kernel.cu
# with the command CMake wrote for it, disassembles the sm_90 code and
# prints the table of bench/NOTES.md ("The kernel's instruction budget");
# writes bench/results/kernel-budget-<date>-<commit>.json.
#
# nvdisasm: $STP_NVDISASM, else the one beside nvcc, else one on PATH, else
# build-budget/tools/usr/bin/nvdisasm, fetched once from Debian's
# nvidia-cuda-toolkit (CUDA 11.8, non-free; a private apt list, nothing
# installed). That older nvdisasm reads CUDA 13's cubins once their ELF
# header is rewritten, and leaves out the instructions it does not know,
# which bench/sass_cfg.py recovers from their words (the record says how
# many). Environment: STP_BUDGET_BUILD (build folder), STP_BUDGET_OUT
# (record folder; "-" for none).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
config=${1:-configs/bench_1024.json}
build=${STP_BUDGET_BUILD:-$root/build-budget}
out=${STP_BUDGET_OUT:-$root/bench/results}
nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
[ -x "$nvcc" ] || nvcc=$(command -v nvcc || true)
if [ -z "$nvcc" ]; then
    echo "kernel_budget: no nvcc (/usr/local/cuda/bin/nvcc, CUDACXX or PATH)" >&2
    exit 1
fi

if [ ! -f "$build/compile_commands.json" ]; then
    mkdir -p "$build"
    cmake -S "$root" -B "$build" -DSTP_CUDA=ON -DSTP_MPI=OFF -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DBUILD_TESTING=OFF \
        >"$build/configure.log" 2>&1 || {
        echo "kernel_budget: cmake failed, see $build/configure.log" >&2
        exit 1
    }
fi
grep -q -- '-O3' "$build/compile_commands.json" || {
    echo "kernel_budget: $build is not a Release build" >&2
    exit 1
}

fetch_nvdisasm() {
    local tools=$build/tools lists=$build/tools/apt
    mkdir -p "$lists/lists/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
        "http://deb.debian.org/debian bookworm non-free" >"$lists/sources.list"
    local o=(-o "Dir::Etc::sourcelist=$lists/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$lists/lists")
    echo "kernel_budget: fetching nvdisasm (Debian nvidia-cuda-toolkit, ~84 MB)" >&2
    apt-get "${o[@]}" update >/dev/null
    (cd "$tools" && apt-get "${o[@]}" download nvidia-cuda-toolkit >/dev/null 2>&1)
    dpkg-deb -x "$tools"/nvidia-cuda-toolkit_*.deb "$tools"
    rm -f "$tools"/nvidia-cuda-toolkit_*.deb
}

dis=${STP_NVDISASM:-}
for c in "$(dirname "$nvcc")/nvdisasm" "$(command -v nvdisasm || true)" \
    "$build/tools/usr/bin/nvdisasm"; do
    [ -z "$dis" ] && [ -n "$c" ] && [ -x "$c" ] && dis=$c
done
if [ -z "$dis" ]; then
    fetch_nvdisasm
    dis=$build/tools/usr/bin/nvdisasm
fi

args=(--build "$build" --config "$config" --root "$root" --nvdisasm "$dis")
[ "$out" = "-" ] || args+=(--out "$out")
exec /usr/bin/python3 "$root/bench/kernel_budget.py" "${args[@]}"
