#!/bin/bash
# Prepares the guest side: Debian bookworm's kernel image and matching
# headers (apt-get download + dpkg -x, never installed on this machine),
# the zcomp_pci module built against those headers (W=1, no warnings), the
# guest test programs, and a busybox initramfs with zram, zsmalloc, lz4,
# lz4hc, our module, the scenario scripts and the corpus.
set -euo pipefail
. "$(dirname "$0")/common.sh"

g=$ZCOMP_BUILD/guest
mkdir -p "$g"
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
kver=${kpkg#linux-image-}
hpkg=linux-headers-$kver
if [ ! -f "$g/$kver.stamp" ]; then
    log "fetching guest kernel $kpkg and $hpkg (apt-get download, not installed)"
    rm -rf "$g/img" "$g/hdr" "$g"/*.deb
    common=$(apt-cache depends "$hpkg" | awk '/Depends: linux-headers-.*-common/{print $2; exit}')
    kbuild=$(apt-cache depends "$hpkg" | awk '/Depends: linux-kbuild-/{print $2; exit}')
    (cd "$g" && apt-get download -q "$kpkg" "$hpkg" "$common" "$kbuild" >/dev/null 2>&1)
    dpkg -x "$g/$kpkg"_*.deb "$g/img"
    for d in "$g/$hpkg"_*.deb "$g/$common"_*.deb "$g/$kbuild"_*.deb; do dpkg -x "$d" "$g/hdr"; done
    # The headers' Makefile includes the common tree by absolute path.
    sed -i "s|include /usr/src/|include $g/hdr/usr/src/|" "$g/hdr/usr/src/$hpkg/Makefile"
    touch "$g/$kver.stamp"
fi
echo "$kver" > "$g/kver"
KDIR=$g/hdr/usr/src/$hpkg

log "building zcomp_pci.ko for $kver (W=1)"
make -s -C "$ZCOMP_ROOT/guest-driver" KDIR="$KDIR" > "$g/module-build.log" 2>&1 || {
    cat "$g/module-build.log"; exit 1; }
if grep -E 'warning:|error:' "$g/module-build.log"; then
    echo "module build has warnings" >&2; exit 1
fi

for p in memtouch sync-bench zbench; do
    gcc -static -O2 -Wall -Werror -pthread -I"$ZCOMP_ROOT/include" \
        -o "$g/$p" "$ZCOMP_ROOT/tests/guest/$p.c"
done

log "assembling the initramfs"
r=$g/initramfs
rm -rf "$r"
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,tests} "$r/lib/modules/$kver/extra"
cp /bin/busybox "$g/memtouch" "$g/sync-bench" "$g/zbench" "$r/bin/"
install -m 755 "$ZCOMP_ROOT/tests/guest/init" "$r/init"
cp "$ZCOMP_ROOT"/tests/guest/*.sh "$r/tests/"
kmod=$g/img/lib/modules/$kver
for m in drivers/block/zram/zram.ko mm/zsmalloc.ko crypto/lz4.ko crypto/lz4hc.ko \
         lib/lz4/lz4_compress.ko lib/lz4/lz4hc_compress.ko; do
    mkdir -p "$r/lib/modules/$kver/kernel/$(dirname $m)"
    cp "$kmod/kernel/$m" "$r/lib/modules/$kver/kernel/$m"
done
cp "$kmod"/modules.builtin* "$kmod/modules.order" "$r/lib/modules/$kver/"
cp "$ZCOMP_ROOT/guest-driver/zcomp_pci.ko" "$r/lib/modules/$kver/extra/"
/sbin/depmod -b "$r" "$kver"
cp "$ZCOMP_CORPUS" "$r/corpus.bin"
sha256sum "$ZCOMP_CORPUS" | cut -d' ' -f1 > "$r/corpus.sha256"
(cd "$r" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$g/initramfs.gz")
ls "$g"/img/boot/vmlinuz-* > "$g/kernel"
