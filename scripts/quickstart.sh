#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds and installs
# stampede (to /usr/local, or ~/.local without root), then runs the
# built-in quickstart config and prints its tail-risk summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
prefix=/usr/local
if [ "$(id -u)" != 0 ]; then prefix="$HOME/.local"; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build build -j "$(nproc)"
cmake --install build >/dev/null
export PATH="$prefix/bin:$PATH"
stampede run configs/quickstart.json -o quickstart.h5 --force
