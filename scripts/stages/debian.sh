#!/bin/bash
# Test stage debian: real Debian 12 and 13 guests (debootstrap, systemd,
# systemd-zram-generator, the DKMS package; scripts/tools/debian-guest.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
for suite in bookworm trixie; do
    tap_guard "debian $suite" "$ZCOMP_ROOT/scripts/tools/debian-guest.sh" $suite
done
tap_end
