#!/bin/bash
# Builds qemu-fuzz-x86_64 (QEMU's qtest fuzzing framework, clang, libFuzzer,
# ASan and UBSan) in .build/qemu-src/build-fuzz, with our zcomp-pci-fuzz
# target and QEMU's generic-fuzz, and from the same objects
# qemu-system-x86_64 and the zcomp qtest with ASan and UBSan (the asan
# stage, scripts/tools/qtest-asan.sh). Uses the tree build-qemu.sh prepared.
# Only the devices those start (tests/qtest/fuzz/zcomp-devices.mak): a
# fifth fewer objects to compile with the sanitizers (1074 against 1310).
# Line tables only (-gline-tables-only, as OSS-Fuzz builds): the
# sanitizers' reports name file and line, for less compile time than -g.
# Re-running is cheap.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
opts="--cc=clang --cxx=clang++ --objcc=clang --enable-fuzzing
  --enable-asan --enable-ubsan --target-list=x86_64-softmmu --without-default-features
  --without-default-devices --with-devices-x86_64=zcomp-fuzz
  --enable-tcg --disable-docs --disable-install-blobs --disable-werror
  --disable-debug-info --extra-cflags=-gline-tables-only
  --python=/usr/bin/python3"
log "building qemu-fuzz-x86_64, and qemu-system-x86_64 and the qtest with ASan and UBSan (first time: about 10 minutes)"
qemu_build "$QEMU_SRC/build-fuzz" "$opts" qemu-fuzz-x86_64 qemu-system-x86_64 \
    tests/qtest/zcomp-pci-test
test -x "$QEMU_SRC/build-fuzz/qemu-fuzz-x86_64"
test -x "$QEMU_SRC/build-fuzz/qemu-system-x86_64"
