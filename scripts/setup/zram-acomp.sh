#!/bin/bash
# Builds zram.ko with the acomp backend (the series patches/zram-acomp-<line>/)
# for the guest kernel of ZCOMP_KERNEL (6.12 or 7.x), out of tree: zram's
# sources come from Debian's linux-source package of that same kernel
# (apt-get download in the trixie build root, only drivers/block/zram
# unpacked), the module is built against the kernel's installed headers,
# never a whole kernel. Recompression (CONFIG_ZRAM_MULTI_COMP, which
# Debian leaves off) is built in too. Checks that vermagic and the symbol
# CRCs match the kernel. Cached by kernel and patch: prints the module.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

g=$ZCOMP_GUEST
kver=$(cat "$g/kver")                  # scripts/setup/guest-prep.sh ran first
case $kver in
6.12.*) line=6.12 ;;
7.3.*) line=7.3 ;;
*) echo "zram-acomp: no patch for kernel $kver" >&2; exit 1 ;;
esac
# The series, cover letter aside, in order
series=$(ls "$ZCOMP_ROOT"/patches/zram-acomp-$line/0*.patch | grep -v /0000-)
out=$ZCOMP_BUILD/zram-acomp/$kver
want="$kver $(sha256sum $series "$0" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$out/stamp" 2>/dev/null)" = "$want" ] && [ -f "$out/zram.ko" ]; then
    echo "$out/zram.ko"
    exit 0
fi

# linux-source-<major.minor> of the image's own version
ver=$(dpkg-deb -f "$(ls "$g"/linux-image-"$kver"_*.deb | head -1)" Version)
src=linux-source-${kver%.*}   # 6.12.118+deb13-amd64: linux-source-6.12

log "zram-acomp: zram of $src=$ver, patched, for $kver"
b=$TRIXIE_ROOT/build/zram-acomp-$kver
rm -rf "$b"
mkdir -p "$b/src"
if ! ls "$TRIXIE_ROOT/tmp/ksrc/${src}_${ver//:/%3a}"_*.deb >/dev/null 2>&1; then
    mkdir -p "$TRIXIE_ROOT/tmp/ksrc"
    rm -f "$TRIXIE_ROOT/tmp/ksrc/${src}"_*.deb
    trixie_run sh -c "cd /tmp/ksrc && apt-get download -q $src=$ver" >/dev/null 2>&1 || {
        echo "zram-acomp: cannot download $src=$ver" >&2; exit 1; }
fi
dpkg-deb --fsys-tarfile "$TRIXIE_ROOT/tmp/ksrc/${src}"_*.deb |
    tar -x --wildcards '*.tar.xz' -O | xz -dc |
    tar -x -C "$b/src" --strip-components=1 --wildcards '*/drivers/block/zram/*' \
        '*/Documentation/admin-guide/blockdev/zram.rst' \
        '*/Documentation/ABI/testing/sysfs-block-zram' \
        '*/tools/testing/selftests/zram/*'
zdir=$b/src/drivers/block/zram
test -f "$zdir/zram_drv.c"
for p in $series; do
    patch -d "$b/src" -p1 --fuzz=0 --quiet < "$p" || {
        echo "zram-acomp: $(basename "$p") does not apply to $src=$ver" >&2; exit 1; }
done
# The backend and recompression, on top of the kernel's own zram options
# (include/config/auto.conf of its headers); and the lzo and lzo-rle
# backends, which upstream builds by default and Debian leaves off (the
# kernel's zram selftests write "lzo").
trixie_run make -s -C "/usr/src/linux-headers-$kver" M=/build/zram-acomp-$kver/src/drivers/block/zram \
    CONFIG_ZRAM=m CONFIG_ZRAM_BACKEND_ACOMP=y CONFIG_ZRAM_BACKEND_LZO=y \
    KCFLAGS="-DCONFIG_ZRAM_BACKEND_ACOMP=1 -DCONFIG_ZRAM_BACKEND_LZO=1 -DCONFIG_ZRAM_MULTI_COMP=1" modules \
    > "$b/build.log" 2>&1 || { cat "$b/build.log"; exit 1; }
if grep -E 'warning:|error:' "$b/build.log"; then
    echo "zram-acomp: the build has warnings" >&2; exit 1
fi

# The module must load into that kernel: same vermagic, and with
# MODVERSIONS the CRC of every symbol it uses as the kernel exports it.
ko=$zdir/zram.ko
mine=$(/sbin/modinfo -F vermagic "$ko")
stock=$(/sbin/modinfo -F vermagic "$(find "$g/img" -path '*/zram/zram.ko*' | head -1)")
[ "$mine" = "$stock" ] || { echo "zram-acomp: vermagic '$mine' != '$stock'" >&2; exit 1; }
symvers=$TRIXIE_ROOT/usr/src/linux-headers-$kver/Module.symvers
crcs=$(/sbin/modprobe --dump-modversions "$ko" 2>/dev/null || true)
checked=0
while read -r crc sym; do
    [ -n "$sym" ] || continue
    k=$(awk -v s="$sym" '$2 == s { print $1; exit }' "$symvers")
    [ -n "$k" ] || { echo "zram-acomp: $sym not exported by $kver" >&2; exit 1; }
    [ $((crc)) = $((k)) ] || { echo "zram-acomp: CRC of $sym differs" >&2; exit 1; }
    checked=$((checked + 1))
done <<<"$crcs"
case $mine in
*modversions*)
    [ "$checked" -gt 0 ] || { echo "zram-acomp: no symbol CRCs in $ko" >&2; exit 1; }
    log "zram-acomp: vermagic '$mine' matches; $checked symbol CRCs match" ;;
*) log "zram-acomp: vermagic '$mine' matches (kernel without MODVERSIONS: no CRCs)" ;;
esac
mkdir -p "$out"
cp "$ko" "$out/zram.ko"
# The kernel's zram selftests of the same tree, for guest-prep.sh: one
# pass over the tarball instead of two.
rm -rf "$out/selftests-zram"
cp -r "$b/src/tools/testing/selftests/zram" "$out/selftests-zram"
echo "$want" > "$out/stamp"
echo "$out/zram.ko"
