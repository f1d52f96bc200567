#!/bin/bash
# Builds qemu-system-x86_64 with ASan and UBSan (gcc) in
# .build/qemu-src/build-asan, for the qtests that check the device frees
# everything on unplug (scripts/qtest-asan.sh). Re-running is cheap.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/build-qemu.sh"
asan_build=$QEMU_SRC/build-asan
opts="$(echo $QEMU_CONFIGURE_OPTS) --enable-asan --enable-ubsan --disable-werror"
if [ ! -f "$asan_build/build.ninja" ] ||
   [ "$(cat "$asan_build/.zcomp-opts" 2>/dev/null)" != "$opts" ]; then
    log "configuring the ASan build of qemu"
    rm -rf "$asan_build"
    mkdir -p "$asan_build"
    (cd "$asan_build" && ../configure $opts >configure.log 2>&1) || {
        tail -30 "$asan_build/configure.log"; exit 1; }
    echo "$opts" > "$asan_build/.zcomp-opts"
fi
qemu_link_firmware "$asan_build"
log "building qemu-system-x86_64 with ASan and UBSan (first time: minutes)"
ninja -C "$asan_build" qemu-system-x86_64 tests/qtest/zcomp-pci-test \
    > "$asan_build/zcomp-ninja.log" 2>&1 || {
    grep -v '^\[' "$asan_build/zcomp-ninja.log" | tail -60; exit 1; }
