#!/bin/bash
# Fetches QEMU 10.0 from Debian trixie's source package (apt verifies it),
# links our device, header, qtest, libqos driver and fuzz target into it,
# applies one small patch and builds qemu-system-x86_64,
# qemu-system-aarch64 (arm64 guests) and the zcomp qtest. Re-running is
# cheap.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

patch=$ZCOMP_ROOT/patches/qemu-10.0-zcomp.patch
stamp=$QEMU_SRC/.zcomp-stamp
want="$QEMU_PKG_VERSION $(sha256sum "$patch" | cut -d' ' -f1)"

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "fetching qemu $QEMU_PKG_VERSION source"
    rm -rf "$QEMU_SRC" "$ZCOMP_BUILD"/qemu_*
    mkdir -p "$ZCOMP_BUILD"
    (cd "$ZCOMP_BUILD" && apt-get source -q --download-only "qemu=$QEMU_PKG_VERSION" >/dev/null 2>&1 &&
        dpkg-source -x qemu_*.dsc qemu-src >/dev/null)
    patch -d "$QEMU_SRC" -p1 --quiet < "$patch"
    echo "$want" > "$stamp"
fi

# Links, not copies: editing one of our files rebuilds only that file.
ln -sfn "$ZCOMP_ROOT/hw" "$QEMU_SRC/hw/zcomp"
ln -sf "$ZCOMP_ROOT/include/zcomp-abi.h" "$QEMU_SRC/include/zcomp-abi.h"
ln -sf "$ZCOMP_ROOT/tests/qtest/zcomp-pci-test.c" "$QEMU_SRC/tests/qtest/zcomp-pci-test.c"
ln -sf "$ZCOMP_ROOT/tests/qtest/zcomp-sync-guest.h" "$QEMU_SRC/tests/qtest/zcomp-sync-guest.h"
ln -sf "$ZCOMP_ROOT/tests/qtest/zcomp-vtd.h" "$QEMU_SRC/tests/qtest/zcomp-vtd.h"
for f in zcomp.c zcomp.h; do
    ln -sf "$ZCOMP_ROOT/tests/qtest/libqos/$f" "$QEMU_SRC/tests/qtest/libqos/$f"
done
ln -sf "$ZCOMP_ROOT/tests/qtest/fuzz/zcomp_fuzz.c" "$QEMU_SRC/tests/qtest/fuzz/zcomp_fuzz.c"
ln -sf "$ZCOMP_ROOT/tests/qtest/fuzz/zcomp-devices.mak" \
    "$QEMU_SRC/configs/devices/x86_64-softmmu/zcomp-fuzz.mak"
ln -sf "$ZCOMP_ROOT/scripts/setup/qemu-devices-aarch64.mak" \
    "$QEMU_SRC/configs/devices/aarch64-softmmu/zcomp.mak"

log "building qemu-system-x86_64, qemu-system-aarch64 and the zcomp qtest"
qemu_build "$QEMU_BUILD" "$QEMU_CONFIGURE_OPTS" \
    qemu-system-x86_64 qemu-system-aarch64 tests/qtest/zcomp-pci-test
test -x "$QEMU_BIN" && test -x "$QEMU_BIN_AARCH64" &&
    test -x "$QEMU_BUILD/tests/qtest/zcomp-pci-test"
