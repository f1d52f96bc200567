#!/bin/bash
# Test stage debian: real Debian 12 and 13 guests (debootstrap, systemd,
# systemd-zram-generator, the DKMS package; scripts/debian-guest.sh).
set -euo pipefail
. "$(dirname "$0")/../common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/build-qemu.sh"
for suite in bookworm trixie; do
    tap_guard "debian $suite" "$ZCOMP_ROOT/scripts/debian-guest.sh" $suite
done
tap_end
