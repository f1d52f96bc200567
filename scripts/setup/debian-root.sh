#!/bin/bash
# The root of a real Debian guest (scripts/tools/debian-guest.sh): a
# minimal Debian made with debootstrap (systemd, udev, kmod), then with the
# user's sources, the suite's kernel and headers, dkms,
# systemd-zram-generator, stress-ng and initramfs-tools installed by its
# own apt. Made once, in $ZCOMP_BUILD/debian/SUITE/root; a lock keeps a
# second caller (scripts/setup/prefetch.sh in the background) waiting
# rather than making it twice.
#   debian-root.sh bookworm|trixie
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

suite=$1
d=$ZCOMP_BUILD/debian/$suite
root=$d/root
run() { chroot_run "$root" "$@"; }   # a command in the guest's root
mkdir -p "$d"
exec 9> "$d/.lock"
flock 9
[ ! -f "$d/root.ready" ] || exit 0
log "debian guest ($suite): debootstrap and packages (first time: a few minutes)"
rm -rf "$root"
debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,udev,kmod,procps,util-linux,e2fsprogs \
    "$suite" "$root" "$DEBIAN_MIRROR" > "$d/debootstrap.log" 2>&1 || {
    tail -20 "$d/debootstrap.log"; exit 1; }
# A user's sources: the suite, its updates and its security archive.
rm -f "$root/etc/apt/sources.list"
debian_sources "$suite" > "$root/etc/apt/sources.list.d/debian.sources"
run apt-get update -qq
# Debian 12 as debootstrapped: the clean root in which the host
# package is installed and purged (scripts/tools/host-deb-test.sh)
[ "$suite" != bookworm ] || tar -C "$root" -cf "$d/clean-root.tar" .
run apt-get install -y -q --no-install-recommends linux-image-amd64 \
    linux-headers-amd64 dkms systemd-zram-generator stress-ng initramfs-tools \
    > "$d/apt.log" 2>&1 || { tail -20 "$d/apt.log"; exit 1; }
echo "/dev/vda / ext4 defaults 0 1" > "$root/etc/fstab"
echo zcomp-guest > "$root/etc/hostname"
run apt-get clean
touch "$d/root.ready"
