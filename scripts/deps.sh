#!/usr/bin/env bash
# Installs stampede's build and test dependencies on Debian (DESIGN §5b).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config libhdf5-dev hdf5-tools libcjson-dev libcriterion-dev \
  librandom123-dev libgsl-dev libopenmpi-dev openmpi-bin \
  python3-h5py python3-numpy python3-matplotlib python3-nbclient python3-ipykernel \
  jupyter-nbconvert clang libclang-rt-14-dev libomp-dev >/dev/null
