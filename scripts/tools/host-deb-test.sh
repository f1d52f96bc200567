#!/bin/bash
# The host package (scripts/setup/build-host-deb.sh) as a user installs it,
# in a clean Debian 12 root (as debootstrapped for the Debian 12 guest,
# scripts/tools/debian-guest.sh, or here; cached as a tarball, unpacked
# afresh each run): apt-get install ./zcomp-qemu_*.deb takes its
# dependencies from Debian's archive; zcomp-qemu-system-x86_64 lists the
# device's properties, finds its firmware and realizes the device on q35;
# the package's files are all its own (Debian's qemu-system-x86 installs
# beside it: apt's simulation removes nothing); purging it with the
# dependencies it brought leaves the root's files as they were.
# (The installed package boots a real guest with the device in
# scripts/tools/libvirt-guest.sh.)
#   host-deb-test.sh DEB
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_ensure

deb=$1
d=$ZCOMP_BUILD/host-deb
root=$d/clean-root
mkdir -p "$d"
tarball=$ZCOMP_BUILD/debian/bookworm/clean-root.tar
[ -f "$tarball" ] || tarball=$d/bookworm-minbase.tar
if [ ! -f "$tarball" ]; then
    log "host package: debootstrap a clean Debian 12 root (first time: a minute or two)"
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" \
        > "$d/debootstrap.log" 2>&1 || { tail -20 "$d/debootstrap.log"; exit 1; }
    rm -f "$root/etc/apt/sources.list"
    debian_sources bookworm > "$root/etc/apt/sources.list.d/debian.sources"
    tar -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
fi
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
run() { chroot_run "$root" "$@"; }
# the archive as it is today, not as when the root was made
run apt-get update -qq
# The root's files (name, type, mode, size), less what apt and dpkg keep
# of their own doings.
files() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./var/cache \
        -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/log \) -prune \
        -o \( -type d -printf '%p %y %m\n' \) -o -printf '%p %y %m %s\n' | sort)
}
files > "$d/files-before"
cp "$deb" "$root/tmp/"
pkg=/tmp/$(basename "$deb")
if ! run apt-get install -y -q --no-install-recommends "$pkg" > "$d/install.log" 2>&1; then
    tail -20 "$d/install.log" >&2
    tap_fail "host package: apt-get install ./$(basename "$deb") in a clean Debian 12 root"
    exit 0
fi
tap_ok "host package: apt-get install ./$(basename "$deb") in a clean Debian 12 root"
run dpkg -L zcomp-qemu > "$d/owned"
tap_check "host package: its files are its own (/usr/lib/zcomp-qemu, zcomp-* on PATH, its doc)" \
    sh -c "! grep -vE '^/\.?\$|^/usr\$|^/usr/(bin|lib|share|share/doc)\$|^/usr/lib/zcomp-qemu(/|\$)|^/usr/bin/zcomp-qemu-|^/usr/share/doc/zcomp-qemu(/|\$)' '$d/owned'"
run zcomp-qemu-system-x86_64 -device zcomp-pci,help > "$d/help.log" 2>&1 || true
tap_check "host package: zcomp-qemu-system-x86_64 -device zcomp-pci,help lists its properties" \
    sh -c "grep -q 'queues=' '$d/help.log' && grep -q 'latency-ns=' '$d/help.log' && grep -q 'engine-bps=' '$d/help.log'"
# Firmware from ../share/qemu (Debian's qemu-system-data, SeaBIOS): the
# machine builds, with the device on its PCI bus, paused before the BIOS.
printf 'info pci\nquit\n' | run timeout 60 zcomp-qemu-system-x86_64 -M q35 -nodefaults \
    -display none -S -monitor stdio -device zcomp-pci > "$d/machine.log" 2>&1 || true
tap_check "host package: q35 with its firmware and the device (info pci)" \
    grep -q 'PCI device 1af4:10f0' "$d/machine.log"
sim=$(run apt-get install -s -q --no-install-recommends qemu-system-x86 2>&1 || true)
echo "$sim" > "$d/beside.log"
tap_check "host package: Debian's qemu-system-x86 installs beside it (apt's simulation)" \
    sh -c "grep -q '^Inst qemu-system-x86 ' '$d/beside.log' && ! grep -q '^Remv' '$d/beside.log'"
run apt-get purge -y -q --autoremove zcomp-qemu > "$d/purge.log" 2>&1 || { tail -20 "$d/purge.log" >&2; }
tap_check "host package: purged" sh -c "chroot '$root' dpkg-query -W zcomp-qemu 2>&1 | grep -q 'no packages found'"
files > "$d/files-after"
rm -f "$root/tmp/$(basename "$deb")"
if diff -u "$d/files-before" "$d/files-after" > "$d/files.diff"; then
    tap_ok "host package: purging it (and what it brought) leaves the root's files as they were"
else
    head -20 "$d/files.diff" >&2
    tap_fail "host package: purging it (and what it brought) leaves the root's files as they were"
fi
