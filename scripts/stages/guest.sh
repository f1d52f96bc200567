#!/bin/bash
# Test stage guest-LINE (meson test --suite guest-6.1, guest-6.12,
# guest-7): the guest scenarios of tests/guest/ whose header names LINE
# ("#@ lines:"), in their "#@ order:", each booted by
# scripts/tools/guest-boot.sh with its header's settings, on the kernel of that
# line Debian ships (resolved at run time), with the zcomp_pci module,
# zram and zswap. TAP on stdout.
#   stages/guest.sh LINE        LINE: 6.1, 6.12 or 7
set -euo pipefail
export ZCOMP_KERNEL=$1
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin

ABI10_DRIVER_COMMIT=9adc22d  # the driver's last ABI 1.0 state
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
"$ZCOMP_ROOT/scripts/setup/guest-prep.sh"

scenarios=$(for f in "$ZCOMP_ROOT"/tests/guest/*.sh; do
    s=$(basename "$f" .sh)
    case " $(scenario_get "$s" lines) " in
    *" $ZCOMP_LINE "*) echo "$(scenario_get "$s" order) $s" ;;
    esac
done | sort -n | cut -d' ' -f2)

# abi10_driver: the driver at ABI 1.0, from this clone's history, built
# for this kernel; it must say ABI 1.0.
abi10_driver() {
    local old=$ZCOMP_BUILD/abi10-driver
    rm -rf "$old"
    mkdir -p "$old"
    git -C "$ZCOMP_ROOT" archive "$ABI10_DRIVER_COMMIT" guest-driver include | tar -x -C "$old"
    grep -q 'ZCOMP_ABI_MINOR *0' "$old/include/zcomp-abi.h" || return 1
    make -s -C "$old/guest-driver" \
        KDIR="$ZCOMP_GUEST/hdr/usr/src/linux-headers-$(cat "$ZCOMP_GUEST/kver")" \
        > "$old/build.log" 2>&1 || { cat "$old/build.log"; return 1; }
    echo "$old/guest-driver/zcomp_pci.ko"
}

for s in $scenarios; do
    module=$(scenario_get "$s" module)
    case $module in
    '') ;;
    abi10)
        if ! ko=$(abi10_driver); then
            tap_fail "$ZCOMP_LINE $s: the ABI 1.0 driver builds"
            continue
        fi
        ZCOMP_MODULE=$ko "$ZCOMP_ROOT/scripts/setup/guest-prep.sh" ;;
    *) echo "$s: unknown module '$module'" >&2; exit 1 ;;
    esac
    tap_guard "$ZCOMP_LINE $s" "$ZCOMP_ROOT/scripts/tools/guest-boot.sh" "$s"
    # back to our own driver
    [ -z "$module" ] || "$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
done
tap_end
