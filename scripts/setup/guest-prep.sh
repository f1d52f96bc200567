#!/bin/bash
# Prepares the guest side for one kernel line (ZCOMP_KERNEL: 6.1, 6.12 or
# 7.x; default 6.1) and flavour (ZCOMP_FLAVOUR: amd64, arm64, or arm64-16k
# from trixie on): the suite's current kernel image and matching headers
# (apt-get download + dpkg -x, never installed on this machine), the
# zcomp_pci module built against those headers (W=1, no warnings), the
# guest test programs, and a busybox initramfs with zram, zsmalloc, the
# kernel's software lz4/lz4hc/lzo, our module, the scenarios and the corpus.
#
# bookworm's kernel is built here with the host's gcc-12; trixie's kernels
# need gcc-14: their headers are installed, and the module is built, in the
# cached trixie build root (scripts/setup/trixie-root.sh). So are trixie's
# arm64 ones, with its gcc-14 cross compiler (bookworm's arm64 one here,
# with bookworm's gcc-12 cross compiler): their headers are unpacked there
# (installing them would replace its gcc-14 with gcc-14:arm64), beside the
# amd64 kernel scripts (linux-kbuild) they run with; the initramfs then
# holds arm64 busybox and test programs.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

suite=$ZCOMP_KERNEL_SUITE
arch=$ZCOMP_ARCH
g=$ZCOMP_GUEST
mkdir -p "$g"
# This guest's scratch space in the trixie build root, apart from other
# guests'
tw=/build/guest-$(basename "$g")
# root_download DIR PKG...: apt-get download of PKGs in the build root,
# into $TRIXIE_ROOT$tw/DIR
root_download() {
    mkdir -p "$TRIXIE_ROOT$tw/$1"
    trixie_run sh -c "cd $tw/$1 && apt-get download -q ${*:2}" >/dev/null 2>&1
}

# bookworm's packages of the guest's architecture: this machine's apt for
# amd64; for arm64 apt with a state of its own (APT_CONFIG: arm64 lists
# of bookworm under .build/apt-bookworm-arm64), so that this machine's own
# apt never sees a foreign architecture. bw_apt apt-get|apt-cache ARGS...
bw_apt() {
    [ "$arch" != amd64 ] || { "$@"; return; }
    local d=$ZCOMP_BUILD/apt-bookworm-$arch
    if [ "$(cat "$d/sources.list.d/debian.sources" 2>/dev/null)" != "$(debian_sources bookworm)" ]; then
        rm -rf "$d"
        mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/sources.list.d"
        debian_sources bookworm > "$d/sources.list.d/debian.sources"
        : > "$d/status"
        cat > "$d/apt.conf" <<CONF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$d/sources.list.d";
Dir::State::Lists "$d/lists";
Dir::State::status "$d/status";
Dir::Cache "$d/cache";
CONF
    fi
    # lists at most a day old, as the trixie root's
    if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
        APT_CONFIG=$d/apt.conf apt-get update -qq
    fi
    APT_CONFIG=$d/apt.conf "$@"
}

# The trixie build root, for trixie's kernels and for any arm64 one (its
# cross compiler builds the guest's programs)
if [ "$suite" != bookworm ] || [ "$arch" != amd64 ]; then
    "$ZCOMP_ROOT/scripts/setup/trixie-root.sh" $([ "$arch" = amd64 ] || echo "$arch")
fi

# The kernel package of $suite's linux-image-$ZCOMP_FLAVOUR.
resolve_kernel() {
    if [ "$suite" = bookworm ]; then
        bw_apt apt-cache depends "linux-image-$ZCOMP_FLAVOUR" |
            awk '/Depends: linux-image-/{print $2; exit}'
        return
    fi
    local meta
    # the newest of the suite and its security and updates archives
    meta=$(trixie_run apt-cache madison "linux-image-$ZCOMP_FLAVOUR:$arch" |
           awk -F' *[|] *' -v s="$suite" '$3 ~ " "s"(-security|-updates)?/main " { print $2; exit }')
    [ -n "$meta" ] || { echo "no linux-image-$ZCOMP_FLAVOUR in $suite" >&2; exit 1; }
    trixie_run apt-cache depends "linux-image-$ZCOMP_FLAVOUR:$arch=$meta" |
        awk '/Depends: linux-image-/{ sub(":.*", "", $2); print $2; exit }'
}

# One installer at a time in the trixie build root (another guest's
# preparation, trixie-root.sh): its lock, held around apt-get install.
root_lock() { exec 8> "$ZCOMP_BUILD/trixie-root.lock"; flock 8; }
root_unlock() { exec 8>&-; }

# Where the image keeps lib/modules: /usr from trixie on (merged /usr).
kernel_tree() {
    if [ -d "$g/img/usr/lib/modules" ]; then echo "$g/img/usr"; else echo "$g/img"; fi
}

kpkg=$(resolve_kernel)
[ -n "$kpkg" ] || { echo "guest-prep: $suite has no linux-image-$ZCOMP_FLAVOUR" >&2; exit 1; }
kver=${kpkg#linux-image-}
hpkg=linux-headers-$kver
log "guest kernel ($suite): $kver"
# (trixie's headers live in the build root: made again with it)
if [ ! -f "$g/$kver.stamp" ] ||
   { [ "$suite" != bookworm ] && [ ! -f "$TRIXIE_ROOT/usr/src/$hpkg/Makefile" ]; }; then
    log "fetching $kpkg and $hpkg (apt-get download, not installed here)"
    rm -rf "$g/img" "$g/hdr" "$g"/*.deb "$g"/*.stamp
    if [ "$suite" = bookworm ]; then
        # the kernel's scripts (linux-kbuild) are this machine's, amd64
        common=$(bw_apt apt-cache depends "$hpkg" | awk '/Depends: linux-headers-.*-common/{print $2; exit}')
        kbuild=$(bw_apt apt-cache depends "$hpkg" | awk '/Depends: linux-kbuild-/{print $2; exit}')
        (cd "$g" && bw_apt apt-get download -q "$kpkg" "$hpkg" "$common" >/dev/null 2>&1 &&
            apt-get download -q "$kbuild" >/dev/null 2>&1)
        for d in "$g/$hpkg"_*.deb "$g/$common"_*.deb "$g/$kbuild"_*.deb; do dpkg -x "$d" "$g/hdr"; done
        # The headers' Makefile includes the common tree by absolute path.
        sed -i "s|include /usr/src/|include $g/hdr/usr/src/|" "$g/hdr/usr/src/$hpkg/Makefile"
    elif [ "$arch" = amd64 ]; then
        # Inside the build root the headers install normally (gcc-14 too).
        root_lock
        trixie_run apt-get install -y -q --no-install-recommends -t "$suite" "$hpkg" \
            > "$g/headers-install.log" 2>&1 || { tail -20 "$g/headers-install.log"; exit 1; }
        root_unlock
    else
        # What they need that runs on the build machine, installed: the
        # common headers (all architectures) and the kernel scripts (amd64);
        # the arm64 part unpacked beside them.
        deps=$(trixie_run apt-cache depends "$hpkg:$arch" |
               awk '/Depends: <?linux-(headers-.*-common|kbuild-)/{ gsub("[<>]|:.*", "", $2); print $2 }')
        [ "$(echo $deps | wc -w)" = 2 ] || { echo "guest-prep: $hpkg:$arch depends on '$deps'?" >&2; exit 1; }
        root_lock
        trixie_run apt-get install -y -q --no-install-recommends -t "$suite" $deps \
            > "$g/headers-install.log" 2>&1 || { tail -20 "$g/headers-install.log"; exit 1; }
        root_unlock
        rm -rf "$TRIXIE_ROOT$tw/khdr"
        root_download khdr "$hpkg:$arch"
        dpkg -x "$TRIXIE_ROOT$tw/khdr/$hpkg"_*.deb "$TRIXIE_ROOT"
        test -f "$TRIXIE_ROOT/usr/src/$hpkg/Makefile"
        # Not a kernel of the root's: DKMS there (scripts/tools/dkms-test.sh)
        # builds for each /lib/modules/*/build. Ours use /usr/src.
        rm -rf "$TRIXIE_ROOT/usr/lib/modules/$kver"
    fi
    if [ "$suite" != bookworm ]; then
        rm -rf "$TRIXIE_ROOT$tw/kimg"
        root_download kimg "$kpkg:$arch"
        # From 7.x the image package is split: vmlinuz in linux-binary-*,
        # modules in linux-modules-*, modules.builtin in linux-base-*.
        parts=$(dpkg-deb -f "$TRIXIE_ROOT$tw/kimg/$kpkg"_*.deb Depends | tr ',' '\n' |
                awk -v v="$kver" '{ p = $1; if (p == "linux-binary-" v || p == "linux-modules-" v || p == "linux-base-" v) print p }')
        # (each of $arch; one for all architectures, unqualified)
        for p in $parts; do
            q=$p:$arch
            trixie_run apt-cache show "$q" >/dev/null 2>&1 || q=$p
            root_download kimg "$q"
        done
        cp "$TRIXIE_ROOT$tw/kimg"/*.deb "$g/"
    fi
    for d in "$g"/linux-image-*.deb "$g"/linux-binary-*.deb "$g"/linux-modules-*.deb "$g"/linux-base-*.deb; do
        [ ! -f "$d" ] || dpkg -x "$d" "$g/img"
    done
    # The package leaves modules.dep to its postinst.
    /sbin/depmod -b "$(kernel_tree)" "$kver"
    touch "$g/$kver.stamp"
fi
echo "$kver" > "$g/kver"

# An arm64 kernel of bookworm's names gcc-12 and, unlike trixie's, leaves
# the cross prefix to the caller: bookworm's cross gcc-12.
cross=()
if [ "$suite" = bookworm ] && [ "$arch" = arm64 ]; then
    cross=(CROSS_COMPILE=aarch64-linux-gnu-)
    command -v aarch64-linux-gnu-gcc-12 >/dev/null || {
        log "installing gcc-12-aarch64-linux-gnu (bookworm's cross compiler)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            gcc-12-aarch64-linux-gnu >/dev/null; }
fi

# What the module and the guest's programs are built from: their sources,
# how they are built (this script, the variables kbuild reads), the
# kernel's headers (their Module.symvers and Makefile) and the compilers'
# and C libraries' packages, this machine's and the trixie root's. Every
# stage, and every scenario with a module of its own, prepares its guest
# again: the builds are made again only when one of these changed.
if [ "$suite" = bookworm ]; then
    kdir=$g/hdr/usr/src/$hpkg
else
    kdir=$TRIXIE_ROOT/usr/src/$hpkg
fi
dbs=/var/lib/dpkg
[ "$suite" = bookworm ] && [ "$arch" = amd64 ] || dbs+=" $TRIXIE_ROOT/var/lib/dpkg"
build_key=$( {
    echo "$kver $arch $suite ${cross[*]}"
    echo "${KCFLAGS-} ${KCPPFLAGS-} ${CC-} ${LLVM-} ${CROSS_COMPILE-} ${ARCH-}"
    for f in "$0" "$kdir/Makefile" "$kdir/Module.symvers"; do
        sha256sum < "$f" 2>&1 || echo "no $f"
    done
    for db in $dbs; do
        dpkg-query --admindir="$db" -W -f='${Package} ${Version}\n' 'gcc-[0-9]*' \
            'cpp-[0-9]*' 'binutils*' 'libc6-dev*' 'libgcc-*-dev*' 'linux-libc-dev*' \
            2>/dev/null || true
    done
    cd "$ZCOMP_ROOT" && { find guest-driver include -type f; ls tests/guest/*.c; } |
        LC_ALL=C sort | xargs sha256sum
} | sha256sum | cut -d' ' -f1)
src=$g/src
progs="memtouch zbench"
[ "$arch" != amd64 ] || progs+=" sync-bench"
if [ "$(cat "$g/build.key" 2>/dev/null)" = "$build_key" ] &&
   [ -f "$src/guest-driver/zcomp_pci.ko" ] &&
   (for p in $progs; do [ -x "$g/$p" ] || exit 1; done); then
    log "zcomp_pci.ko for $kver: built already from the same sources"
    built=yes
else
    built=no
    rm -f "$g/build.key"
    # Build from a copy per kernel: objects of one kernel never meet another's.
    log "building zcomp_pci.ko for $kver (W=1)"
    rm -rf "$src"
    mkdir -p "$src"
    cp -r "$ZCOMP_ROOT/guest-driver" "$ZCOMP_ROOT/include" "$src/"
    if [ "$suite" = bookworm ]; then
        make -s -C "$src/guest-driver" KDIR="$kdir" "${cross[@]}" > "$g/module-build.log" 2>&1 || {
            cat "$g/module-build.log"; exit 1; }
    else
        b=$TRIXIE_ROOT$tw/zcomp
        rm -rf "$b"
        mkdir -p "$b"
        cp -r "$src"/* "$b/"
        trixie_run make -s -C $tw/zcomp/guest-driver KDIR="/usr/src/$hpkg" \
            > "$g/module-build.log" 2>&1 || { cat "$g/module-build.log"; exit 1; }
        cp "$b/guest-driver/zcomp_pci.ko" "$src/guest-driver/"
    fi
    if grep -E 'warning:|error:' "$g/module-build.log"; then
        echo "module build has warnings" >&2; exit 1
    fi
fi
cp "$src/guest-driver/zcomp_pci.ko" "$g/zcomp_pci.ko"
# ZCOMP_MODULE: put that build of the module in the guest instead (the
# one DKMS built, for scripts/tools/dkms-test.sh).
[ -z "${ZCOMP_MODULE:-}" ] || cp "$ZCOMP_MODULE" "$g/zcomp_pci.ko"

# The guest's programs, static: busybox and ours (sync-bench, x86 only).
if [ "$arch" = amd64 ]; then
    [ $built = yes ] || for p in $progs; do
        gcc -static -O2 -Wall -Werror -pthread -I"$ZCOMP_ROOT/include" \
            -o "$g/$p" "$ZCOMP_ROOT/tests/guest/$p.c"
    done
    install -m 755 /bin/busybox "$g/busybox"
else
    b=$TRIXIE_ROOT$tw/progs
    if [ $built = no ]; then
        rm -rf "$b"
        mkdir -p "$b"
        cp "$ZCOMP_ROOT"/tests/guest/*.c "$ZCOMP_ROOT/include/zcomp-abi.h" "$b/"
        for p in $progs; do
            trixie_run aarch64-linux-gnu-gcc-14 -static -O2 -Wall -Werror -pthread -I$tw/progs \
                -o "$tw/progs/$p" "$tw/progs/$p.c"
            cp "$b/$p" "$g/"
        done
    fi
    if [ ! -x "$g/busybox-$arch/usr/bin/busybox" ]; then
        rm -rf "$TRIXIE_ROOT$tw/bb"
        root_download bb "busybox-static:$arch"
        rm -rf "$g/busybox-$arch"
        dpkg -x "$TRIXIE_ROOT$tw/bb"/busybox-static_*.deb "$g/busybox-$arch"
    fi
    install -m 755 "$g/busybox-$arch/usr/bin/busybox" "$g/busybox"
fi
for p in $progs; do test -x "$g/$p"; done
echo "$build_key" > "$g/build.key"

log "assembling the initramfs"
r=$g/initramfs
rm -rf "$r"
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,tests} "$r/lib/modules/$kver/extra"
cp "$g/busybox" "$r/bin/"
for p in $progs; do cp "$g/$p" "$r/bin/"; done
install -m 755 "$ZCOMP_ROOT/tests/guest/init" "$r/init"
cp "$ZCOMP_ROOT"/tests/guest/*.sh "$r/tests/"
kmod=$(kernel_tree)/lib/modules/$kver
# Each module the guest needs, with what it depends on (modules.dep),
# uncompressed: busybox's modprobe does not read .ko.xz. Built-in ones
# (modules.builtin) need nothing.
# ext4 and the crc32c it loads through the crypto API: the zram selftests
want="zram zsmalloc lz4 lz4hc lzo lzo-rle zstd virtio_iommu ext4 crc32c_generic crc32c-intel crc32c-cryptoapi"
add_module() {
    local path dep
    path=$(awk -F: -v m="$1" '{ n = $1; sub(".*/", "", n); sub("[.]ko.*", "", n);
        gsub("-", "_", n); t = m; gsub("-", "_", t); if (n == t) { print $1; exit } }' "$kmod/modules.dep")
    [ -n "$path" ] || return 0
    [ ! -e "$r/lib/modules/$kver/${path%.xz}" ] || return 0
    mkdir -p "$r/lib/modules/$kver/$(dirname "$path")"
    case $path in
    *.xz) xz -dc "$kmod/$path" > "$r/lib/modules/$kver/${path%.xz}" ;;
    *) cp "$kmod/$path" "$r/lib/modules/$kver/$path" ;;
    esac
    for dep in $(awk -F: -v p="$path" '$1 == p { print $2 }' "$kmod/modules.dep"); do
        dep=${dep##*/}; add_module "${dep%%.ko*}"
    done
}
for m in $want; do add_module "$m"; done
cp "$kmod"/modules.builtin* "$kmod/modules.order" "$r/lib/modules/$kver/"
cp "$g/zcomp_pci.ko" "$r/lib/modules/$kver/extra/"
# From 6.12: our zram with the acomp backend, beside the stock one (the
# scenarios load it by hand; zram=stock on the command line keeps the stock).
if [ "$suite" != bookworm ]; then
    zram_ko=$("$ZCOMP_ROOT/scripts/setup/zram-acomp.sh")
    mkdir -p "$r/lib/zram-acomp"
    cp "$zram_ko" "$r/lib/zram-acomp/zram.ko"
fi
# The kernel's own zram selftests, tools/testing/selftests/zram of this
# kernel's linux-source (6.1: bookworm's linux-source-6.1; 6.12+: the one
# zram-acomp.sh fetched and extracted them from), run by zram_selftests
# (tests/guest/lib.sh); and what they need beyond busybox: the host's bash,
# bc and mkfs.ext4 with their libraries; and LTP's zram tests.
# An arm64 guest has neither: the host's programs are amd64, and the
# scenarios that run them (ltp) are not booted on arm64.
if [ "$arch" = amd64 ]; then
    st=$g/selftests-zram-$kver
    if [ ! -f "$st/zram.sh" ]; then
        rm -rf "$st" "$st.src"
        if [ "$suite" = bookworm ]; then
            kernel_src_extract "$st.src" '*/tools/testing/selftests/zram/*'
        else
            mkdir -p "$st.src/tools/testing/selftests"
            cp -r "$(dirname "$zram_ko")/selftests-zram" "$st.src/tools/testing/selftests/zram"
        fi
        mv "$st.src/tools/testing/selftests/zram" "$st"
        rm -rf "$st.src"
        test -f "$st/zram.sh"
    fi
    mkdir -p "$r/selftests"
    cp -r "$st" "$r/selftests/zram"
    for b in /bin/bash /usr/bin/bc /sbin/mkfs.ext4; do
        mkdir -p "$r$(dirname "$b")"
        cp "$b" "$r$b"
        for lib in $(ldd "$b" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
            mkdir -p "$r$(dirname "$lib")"
            cp -L "$lib" "$r$lib"
        done
    done
    # LTP's zram01-03, unmodified (scripts/setup/ltp-build.sh), run by
    # zram_ltp (tests/guest/lib.sh); zram03 reads this kernel's config.
    "$ZCOMP_ROOT/scripts/setup/ltp-build.sh"
    mkdir -p "$r/ltp"
    cp -a "$ZCOMP_BUILD/ltp/bin" "$r/ltp/bin"
    # (/boot/config-<ver> up to 6.12, lib/modules/<ver>/config from 7.x)
    for c in "$g/img/boot/config-$kver" "$(kernel_tree)/lib/modules/$kver/config"; do
        [ ! -f "$c" ] || { cp "$c" "$r/ltp/config"; break; }
    done
    test -f "$r/ltp/config"
fi
/sbin/depmod -b "$r" "$kver"
# The corpus: the shipped one, or run.sh --corpus's whole pages.
corpus=${ZCOMP_GUEST_CORPUS:-$ZCOMP_CORPUS}
cp "$corpus" "$r/corpus.bin"
sha256sum "$corpus" | cut -d' ' -f1 > "$r/corpus.sha256"
(cd "$r" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$g/initramfs.gz")
find "$g/img" -name "vmlinuz*" -type f | head -1 > "$g/kernel"
