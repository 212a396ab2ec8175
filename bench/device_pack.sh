#!/usr/bin/env bash
# The one command that packs this checkout for the lent GPU machine, run
# here, from anywhere in the checkout:
#
#   bash bench/device_pack.sh
#
# It builds what bench/device_check.sh runs (stampede, test_cuda,
# test_kernel_order, test_kernel_venues) for sm_90 with the shared packer,
# ../shared/device/pack.sh, into .device/ (bin/, lib/, src/, setup.sh).
# The packer installs patchelf with `apt-get install` but without
# `apt-get update`, which fails on a fresh image whose package lists are
# empty: so patchelf is installed here first. Then, one device call:
#
#   run(command="bash bench/device_check.sh", carry=[".device"], timeout_s=480)
#
# STP_SHARED_DIR overrides where the packer lives (../shared beside the
# checkout).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
shared=${STP_SHARED_DIR:-$root/../shared}
if ! command -v patchelf >/dev/null; then
    echo "device_pack: installing patchelf (apt-get update first)" >&2
    apt-get update >/dev/null && apt-get install -y patchelf >/dev/null || {
        echo "device_pack: cannot install patchelf: install it (apt-get install patchelf), then rerun" >&2
        exit 1
    }
fi
cd "$root"
bash "$shared/device/pack.sh" stampede test_cuda test_kernel_order test_kernel_venues
# the device call carries at most 64 MiB, the working tree included
size_mb=$(du -sm .device | cut -f1)
if ((size_mb > 60)); then
    echo "device_pack: .device is ${size_mb} MB: too close to the call's 64 MiB" >&2
    exit 1
fi
