#!/bin/bash
# Test stage debian: the host package and real Debian 12 and 13 guests.
# The guests: debootstrap, systemd, systemd-zram-generator, the DKMS
# package (scripts/tools/debian-guest.sh). Debian 12 on the build tree's
# QEMU; then the host package zcomp-qemu (scripts/setup/build-host-deb.sh)
# installed in a clean Debian 12 root and purged
# (scripts/tools/host-deb-test.sh), and on this machine with apt as a user
# would; Debian 13 as a libvirt domain on that package's QEMU, saved and
# restored during its load (scripts/tools/libvirt-guest.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
deb=$("$ZCOMP_ROOT/scripts/setup/build-host-deb.sh")
# Debian 12 first: the host package's test reuses its debootstrapped root
tap_guard "debian bookworm" "$ZCOMP_ROOT/scripts/tools/debian-guest.sh" bookworm
tap_guard "host package" "$ZCOMP_ROOT/scripts/tools/host-deb-test.sh" "$deb"
# (it stays installed, as the packages install-deps.sh installs do)
tap_check "host package: apt-get install on this machine" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
    --allow-downgrades --no-install-recommends "$deb"
ZCOMP_HOST_DEB=$deb tap_guard "debian trixie" "$ZCOMP_ROOT/scripts/tools/debian-guest.sh" trixie
tap_end
