#!/bin/bash
# README's main command: sets up everything on a fresh Debian 12 machine (as
# root), then shows zcomp-pci at work. Until the guest driver lands (issue
# 3) this is a device-level demonstration: real QEMU, real device, real
# corpus pages compressed and decompressed through descriptor rings, and
# the engine benchmark next to plain liblz4/liblzo2.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/install-deps.sh"
"$ZCOMP_ROOT/scripts/corpus.sh"
"$ZCOMP_ROOT/scripts/build-qemu.sh"
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" -Dcorpus="$ZCOMP_CORPUS" >/dev/null
fi
ninja -C "$ZCOMP_ROOT/build" >/dev/null

log "zcomp-pci in QEMU $("$QEMU_BIN" --version | head -1 | cut -d' ' -f4): corpus pages through the device"
cd "$QEMU_BUILD"
ZCOMP_TEST_DATA="$ZCOMP_ROOT/tests/data" ZCOMP_CORPUS="$ZCOMP_CORPUS" \
QTEST_QEMU_BINARY=./qemu-system-x86_64 \
    timeout 300 ./tests/qtest/zcomp-pci-test -p /x86_64/zcomp-pci/roundtrip/corpus --tap |
    grep -E '^(ok|not ok|# (lz|device))'

log "device request path vs plain library loop (all 8192 corpus pages)"
"$ZCOMP_ROOT/build/zcomp-bench" "$ZCOMP_CORPUS" 8192 3

log "polled request latency from a real guest vCPU: worker vs SYNC queue"
"$ZCOMP_ROOT/scripts/guest-sync-bench.sh"
