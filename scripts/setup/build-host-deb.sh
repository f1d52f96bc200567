#!/bin/bash
# Builds the host package zcomp-qemu_<version>_amd64.deb (dpkg-deb) into
# $ZCOMP_BUILD/host-deb/ from our QEMU build (scripts/setup/build-qemu.sh):
# qemu-system-x86_64 with -device zcomp-pci, under its own prefix so that
# it never replaces or breaks Debian's qemu-system-x86:
#   /usr/lib/zcomp-qemu/bin/qemu-system-x86_64   the emulator (stripped)
#   /usr/lib/zcomp-qemu/share/qemu -> /usr/share/qemu
#                       its data (QEMU is built relocatable: it looks in
#                       ../share/qemu from its bin): Debian's
#                       qemu-system-data; its firmware path is Debian's
#                       QEMU's (scripts/lib/common.sh): that package's,
#                       SeaBIOS's and iPXE's
#   /usr/bin/zcomp-qemu-system-x86_64            the command on PATH
# Its library dependencies are dpkg-shlibdeps's.
#   build-host-deb.sh        prints the path of the .deb
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
umask 022

[ -x "$QEMU_BIN" ] || { echo "no $QEMU_BIN: run scripts/setup/build-qemu.sh" >&2; exit 1; }
# Version: QEMU's, then ours (zcomp_version, as the DKMS package's)
qver=$(cat "$QEMU_SRC/VERSION")
ver=$qver+zcomp$(zcomp_version)
out=$ZCOMP_BUILD/host-deb
root=$out/root
prefix=usr/lib/zcomp-qemu
rm -rf "$root" "$out"/zcomp-qemu_*.deb "$out/shlibs"
mkdir -p "$root/DEBIAN" "$root/$prefix/bin" "$root/$prefix/share" "$root/usr/bin" \
    "$root/usr/share/doc/zcomp-qemu" "$out/shlibs/debian"
objcopy --strip-unneeded "$QEMU_BIN" "$root/$prefix/bin/qemu-system-x86_64"
chmod 755 "$root/$prefix/bin/qemu-system-x86_64"
ln -s ../../../share/qemu "$root/$prefix/share/qemu"
ln -s ../lib/zcomp-qemu/bin/qemu-system-x86_64 "$root/usr/bin/zcomp-qemu-system-x86_64"
cat > "$root/usr/share/doc/zcomp-qemu/copyright" <<COPY
zcomp-qemu: QEMU $qver from Debian's source package qemu
$QEMU_PKG_VERSION (trixie; apt-get source qemu=$QEMU_PKG_VERSION) with
the zcomp-pci device (zcomp's hw/, linked into QEMU's tree as hw/zcomp)
and zcomp's patches/qemu-10.0-zcomp.patch, built by zcomp's
scripts/setup/build-qemu.sh; the zcomp source is the repository this
package was built from.

Copyright: Fabrice Bellard and the QEMU Project developers (QEMU);
 the zcomp developers (zcomp-pci).
License: QEMU as a whole is released under the GNU General Public
 License, version 2; on Debian systems its text is in
 /usr/share/common-licenses/GPL-2. Parts of QEMU have licences of their
 own, listed in the QEMU source's LICENSE file. The zcomp-pci device is
 GPL-2.0-or-later.
COPY
printf 'zcomp-qemu (%s) unstable; urgency=medium\n\n  * Built from zcomp %s.\n\n -- zcomp developers <zcomp@localhost>  %s\n' \
    "$ver" "$(git -C "$ZCOMP_ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
    "$(date -R)" | gzip -9n > "$root/usr/share/doc/zcomp-qemu/changelog.gz"
cp "$ZCOMP_ROOT/docs/libvirt.md" "$root/usr/share/doc/zcomp-qemu/"

# Library dependencies, as debhelper would find them.
printf 'Source: zcomp-qemu\n\nPackage: zcomp-qemu\nArchitecture: amd64\n' \
    > "$out/shlibs/debian/control"
shlibs=$(cd "$out/shlibs" && dpkg-shlibdeps -O -e "$root/$prefix/bin/qemu-system-x86_64" \
    2> "$out/shlibdeps.log" | sed -n 's/^shlibs:Depends=//p') || true
[ -n "$shlibs" ] || {
    echo "dpkg-shlibdeps found no dependencies:" >&2; cat "$out/shlibdeps.log" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CTL
Package: zcomp-qemu
Version: $ver
Architecture: amd64
Maintainer: zcomp developers <zcomp@localhost>
Installed-Size: $size
Depends: $shlibs, qemu-system-data, seabios, ipxe-qemu
Suggests: libvirt-daemon-system, zcomp-pci-dkms
Section: otherosfs
Priority: optional
Homepage: https://www.qemu.org/
Description: QEMU x86-64 emulator with the zcomp-pci compression accelerator
 QEMU $qver's qemu-system-x86_64 with -device zcomp-pci, a virtual
 hardware compression accelerator (lz4, lz4hc, lzo, lzo-rle, zstd) to
 which a guest's zram and zswap offload compression through the
 zcomp_pci driver (package zcomp-pci-dkms).
 .
 It installs under /usr/lib/zcomp-qemu, with the command
 zcomp-qemu-system-x86_64, beside Debian's qemu-system-x86, which it
 neither replaces nor changes. libvirt runs it as a domain's <emulator>
 (/usr/share/doc/zcomp-qemu/libvirt.md).
CTL
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
    xargs -0 md5sum) > "$root/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/zcomp-qemu_${ver}_amd64.deb" >/dev/null
echo "$out/zcomp-qemu_${ver}_amd64.deb"
