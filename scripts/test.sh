#!/bin/bash
# README's test command: sets up everything on a fresh Debian 12 machine
# (as root) and runs all tests: engine unit tests and fuzzing, QEMU qtests,
# whole-device fuzzing inside QEMU, the guest driver's style check, the
# guest end-to-end tests on Debian's 6.1, 6.12 and 7.x kernels (live
# migration included), the driver's DKMS package, and real Debian 12 and 13
# guests (systemd, systemd-zram-generator) with the package installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/install-deps.sh"
"$ZCOMP_ROOT/scripts/corpus.sh"

log "engine: build and unit tests (the kernel's lib/lzo as an oracle)"
kernel_lzo=$("$ZCOMP_ROOT/scripts/kernel-lzo.sh")
opts=(-Dcorpus="$ZCOMP_CORPUS" -Dkernel_lzo="$kernel_lzo")
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" "${opts[@]}" >/dev/null
else
    meson configure "$ZCOMP_ROOT/build" "${opts[@]}" >/dev/null
fi
meson test -C "$ZCOMP_ROOT/build" --print-errorlogs

log "engine: libFuzzer with ASan and UBSan, 300000 runs, fixed seed"
"$ZCOMP_ROOT/scripts/fuzz.sh" 300000

log "qemu: build (first time: about 7 minutes)"
"$ZCOMP_ROOT/scripts/build-qemu.sh"

log "qtests of zcomp-pci"
cd "$QEMU_BUILD"
ZCOMP_TEST_DATA="$ZCOMP_ROOT/tests/data" ZCOMP_CORPUS="$ZCOMP_CORPUS" \
QTEST_QEMU_BINARY=./qemu-system-x86_64 \
    timeout 900 ./tests/qtest/zcomp-pci-test --tap | grep -v '^# starting QEMU'

log "hostile-guest qtests under ASan and UBSan (memory errors, leaks on unplug)"
"$ZCOMP_ROOT/scripts/qtest-asan.sh"

log "whole device fuzzing inside QEMU (ASan, UBSan): fixed budget, fixed seed"
"$ZCOMP_ROOT/scripts/fuzz-device.sh" 20000

log "guest driver: style"
"$ZCOMP_ROOT/scripts/checkpatch.sh"
log "zram series: 6.12 is the 7.3 series' backport, but for the reviewed interdiff"
"$ZCOMP_ROOT/scripts/zram-series-check.py"

log "guest end-to-end tests on each kernel line"
"$ZCOMP_ROOT/scripts/guest-test.sh"

log "the driver's DKMS package: install, build per kernel, softdep, guest"
"$ZCOMP_ROOT/scripts/dkms-test.sh"

log "real Debian guests (debootstrap, systemd, systemd-zram-generator, DKMS)"
"$ZCOMP_ROOT/scripts/debian-guest.sh" bookworm
"$ZCOMP_ROOT/scripts/debian-guest.sh" trixie

log "all tests passed"
