#!/bin/bash
# Test stage guest-LINE (meson test --suite guest-6.1, guest-6.12,
# guest-7) and guest-arm64 (6.12, arm64): the guest scenarios of
# tests/guest/ whose header names LINE ("#@ lines:") and FLAVOUR
# ("#@ flavours:", amd64 if not given), in their "#@ order:", each booted by
# scripts/tools/guest-boot.sh with its header's settings, on the kernel of that
# line and flavour Debian ships (resolved at run time), with the zcomp_pci
# module, zram and zswap. TAP on stdout.
#   stages/guest.sh LINE [FLAVOUR]   LINE: 6.1, 6.12 or 7; FLAVOUR: amd64
#                                    (default), arm64, arm64-16k
set -euo pipefail
export ZCOMP_KERNEL=$1 ZCOMP_FLAVOUR=${2:-amd64}
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin

"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
"$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
scenarios=$(/usr/bin/python3 "$ZCOMP_ROOT/scripts/lib/scenario.py" list "$ZCOMP_LINE" "$ZCOMP_FLAVOUR")
name=$ZCOMP_LINE
[ "$ZCOMP_FLAVOUR" = amd64 ] || name+=" $ZCOMP_FLAVOUR"
[ -n "$scenarios" ] || { tap_fail "$name: no scenario names this line"; tap_end; exit 0; }
for s in $scenarios; do
    tap_guard "$name $s" "$ZCOMP_ROOT/scripts/tools/guest-boot.sh" "$s"
done
tap_end
