#!/bin/bash
# Builds the Debian package zcomp-pci-dkms_<version>_all.deb (dpkg-deb)
# into $ZCOMP_BUILD/dkms/: the driver's source for DKMS, which builds it
# against the running kernel on install and again on kernel upgrades; a
# modprobe softdep that loads zcomp_pci before zram; and a modules-load.d
# entry that loads it at boot.
#   build-dkms-deb.sh        prints the path of the .deb
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

# Version: zcomp_version (scripts/lib/common.sh)
ver=$(zcomp_version)
out=$ZCOMP_BUILD/dkms
root=$out/root
src=$root/usr/src/zcomp-pci-$ver
rm -rf "$root" "$out"/zcomp-pci-dkms_*.deb
mkdir -p "$src/guest-driver" "$src/include" "$root/DEBIAN" \
    "$root/etc/modprobe.d" "$root/usr/lib/modules-load.d" \
    "$root/usr/share/doc/zcomp-pci-dkms"
cp "$ZCOMP_ROOT"/guest-driver/{Kbuild,Makefile,*.c,*.h} "$src/guest-driver/"
cp "$ZCOMP_ROOT/include/zcomp-abi.h" "$src/include/"
sed "s/@VERSION@/$ver/" "$ZCOMP_ROOT/guest-driver/dkms.conf" > "$src/dkms.conf"
cp "$ZCOMP_ROOT/guest-driver/modprobe-zcomp-pci.conf" "$root/etc/modprobe.d/zcomp-pci.conf"
cp "$ZCOMP_ROOT/guest-driver/modules-load-zcomp-pci.conf" "$root/usr/lib/modules-load.d/zcomp-pci.conf"
cp "$ZCOMP_ROOT/docs/guest-driver.md" "$root/usr/share/doc/zcomp-pci-dkms/"
cat > "$root/DEBIAN/control" <<CTL
Package: zcomp-pci-dkms
Version: $ver
Architecture: all
Maintainer: zcomp developers <zcomp@localhost>
Depends: dkms (>= 2.1.0.0), kmod
Section: kernel
Priority: optional
Description: zcomp-pci compression accelerator driver (DKMS)
 The guest driver of the zcomp-pci virtual compression accelerator (QEMU
 -device zcomp-pci): offloads zswap's and, up to Linux 6.11, zram's lz4,
 lzo and lz4hc compression to the host through the crypto API.
CTL
echo /etc/modprobe.d/zcomp-pci.conf > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<POST
#!/bin/sh
# DKMS: add the source, then build and install for every kernel whose
# headers are installed; dkms's own kernel hook rebuilds on upgrades.
set -e
if [ "\$1" = configure ]; then
    dkms add -m zcomp-pci -v $ver >/dev/null 2>&1 || true
    for b in /lib/modules/*/build; do
        [ -d "\$b" ] || continue
        k=\${b%/build}; k=\${k##*/}
        dkms install -m zcomp-pci -v $ver -k "\$k" ||
            echo "zcomp-pci-dkms: no module for \$k; see /var/lib/dkms/zcomp-pci/$ver/build/make.log" >&2
    done
fi
POST
cat > "$root/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
dkms remove -m zcomp-pci -v $ver --all >/dev/null 2>&1 || true
PRERM
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/zcomp-pci-dkms_${ver}_all.deb" >/dev/null
echo "$out/zcomp-pci-dkms_${ver}_all.deb"
