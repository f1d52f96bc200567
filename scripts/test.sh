#!/bin/bash
# README's test command: sets up everything on a fresh Debian 12 machine
# (as root), then runs every test stage (meson.build: engine unit tests,
# fuzz, qtest, asan, device-fuzz, style, guest-6.1, guest-6.12, guest-7,
# guest-arm64, guest-arm64-16k, migration, dkms, debian) as meson tests whose results are TAP, and ends
# with the count of all results: "N passed, N failed" (a skipped test is
# counted apart, never as passed).
#   test.sh [meson test options, e.g. --suite guest-6.12]
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

"$ZCOMP_ROOT/scripts/setup/install-deps.sh"
"$ZCOMP_ROOT/scripts/setup/corpus.sh"   # the guests' (the prefetch's too)
# All stages: the Debian roots are debootstrapped, and the guest stages'
# guests prepared, in the background while QEMU's two builds run (mostly
# the network's time); its log: .build/prefetch.log
prefetch=
if [ $# = 0 ]; then
    mkdir -p "$ZCOMP_BUILD"
    log "prefetch: Debian roots and the guests in the background"
    setsid "$ZCOMP_ROOT/scripts/setup/prefetch.sh" > "$ZCOMP_BUILD/prefetch.log" 2>&1 &
    prefetch=$!
    # its own process group: stopped with everything in it if we fail first
    trap '[ -z "$prefetch" ] || kill -- -"$prefetch" 2>/dev/null || true' EXIT
fi

log "engine: configure (the kernel's lib/lzo as an oracle)"
kernel_lzo=$("$ZCOMP_ROOT/scripts/setup/kernel-lzo.sh")
opts=(-Dcorpus="$ZCOMP_CORPUS" -Dkernel_lzo="$kernel_lzo")
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" "${opts[@]}" >/dev/null
else
    meson configure "$ZCOMP_ROOT/build" "${opts[@]}" >/dev/null
fi
log "qemu: build (first time: about 5 minutes)"
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
# All stages: the sanitizer build too (stage asan's), while the roots are
# still being made; then wait for them.
if [ -n "$prefetch" ]; then
    log "qemu: the sanitizer and fuzzing build (first time: about 5-8 minutes)"
    "$ZCOMP_ROOT/scripts/setup/build-qemu-fuzz.sh" ||
        log "the sanitizer build failed: stage asan builds it again and says so"
    log "prefetch: waiting for it"
    wait "$prefetch" || log "prefetch failed (the stages that need it try again): $(tail -3 "$ZCOMP_BUILD/prefetch.log")"
    prefetch=
    log "prefetch: done"
fi

log "the test stages (meson test; each stage's output: build/meson-logs/testlog.txt)"
rc=0
rm -f "$ZCOMP_ROOT/build/meson-logs/testlog.json"   # counts of this run only
meson test -C "$ZCOMP_ROOT/build" --num-processes 1 --print-errorlogs "$@" || rc=1
log "results"
python3 "$ZCOMP_ROOT/scripts/lib/ztap.py" summary "$ZCOMP_ROOT/build/meson-logs/testlog.json" || rc=1
exit $rc
