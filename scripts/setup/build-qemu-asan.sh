#!/bin/bash
# Builds qemu-system-x86_64 with ASan and UBSan (gcc) in
# .build/qemu-src/build-asan, for the qtests that check the device frees
# everything on unplug (scripts/tools/qtest-asan.sh). Re-running is cheap.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
log "building qemu-system-x86_64 with ASan and UBSan (first time: about 6 minutes)"
qemu_build "$QEMU_SRC/build-asan" \
    "$QEMU_CONFIGURE_OPTS --enable-asan --enable-ubsan --disable-werror" \
    qemu-system-x86_64 tests/qtest/zcomp-pci-test
