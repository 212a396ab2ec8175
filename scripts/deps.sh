#!/usr/bin/env bash
# Installs stampede's build and test dependencies on Debian (DESIGN §5b).
# libopenblas0-pthread takes over libblas.so.3 (update-alternatives), so
# Debian's numpy runs on the OpenBLAS a NumPy user has, not the reference
# BLAS of libblas3 that the NumPy peers' ratios must not be measured
# against; python3-threadpoolctl lets a peer report the BLAS it ran on
# (bench/peers/peer_blas.py).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config libhdf5-dev hdf5-tools libcjson-dev libcriterion-dev \
  librandom123-dev libgsl-dev libopenmpi-dev openmpi-bin \
  python3-h5py python3-numpy python3-matplotlib python3-nbclient python3-ipykernel \
  jupyter-nbconvert clang libclang-rt-14-dev libomp-dev \
  libopenblas0-pthread python3-threadpoolctl >/dev/null
# which BLAS numpy now runs on (one line; a refusal names the fix; the
# peer_blas test fails on it)
/usr/bin/python3 "$(dirname "$0")/../bench/peers/peer_blas.py" || true
