#!/bin/bash
# Builds qemu-fuzz-x86_64 (QEMU's qtest fuzzing framework, clang, libFuzzer,
# ASan and UBSan) in .build/qemu-src/build-fuzz, with our zcomp-pci-fuzz
# target and QEMU's generic-fuzz. Uses the tree build-qemu.sh prepared.
# Re-running is cheap.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/build-qemu.sh"
fuzz_build=$QEMU_SRC/build-fuzz
opts="--cc=clang --cxx=clang++ --objcc=clang --enable-fuzzing
  --enable-asan --enable-ubsan --target-list=x86_64-softmmu --without-default-features
  --enable-tcg --disable-docs --disable-install-blobs --disable-werror
  --python=/usr/bin/python3"
opts=$(echo $opts)
if [ ! -f "$fuzz_build/build.ninja" ] ||
   [ "$(cat "$fuzz_build/.zcomp-opts" 2>/dev/null)" != "$opts" ]; then
    log "configuring the fuzzing build of qemu (clang, ASan, UBSan)"
    rm -rf "$fuzz_build"
    mkdir -p "$fuzz_build"
    (cd "$fuzz_build" && ../configure $opts >configure.log 2>&1) || {
        tail -30 "$fuzz_build/configure.log"; exit 1; }
    echo "$opts" > "$fuzz_build/.zcomp-opts"
fi
qemu_link_firmware "$fuzz_build"
log "building qemu-fuzz-x86_64 (first time: about 10 minutes)"
ninja -C "$fuzz_build" qemu-fuzz-x86_64 > "$fuzz_build/zcomp-ninja.log" 2>&1 || {
    grep -v '^\[' "$fuzz_build/zcomp-ninja.log" | tail -60; exit 1; }
test -x "$fuzz_build/qemu-fuzz-x86_64"
