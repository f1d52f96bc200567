# Shared settings of the zcomp scripts; sourced, not run.
ZCOMP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ZCOMP_BUILD=${ZCOMP_BUILD:-$ZCOMP_ROOT/.build}
QEMU_PKG_VERSION=1:10.0.13+ds-0+deb13u1
QEMU_SRC=$ZCOMP_BUILD/qemu-src
QEMU_BUILD=$QEMU_SRC/build
QEMU_BIN=$QEMU_BUILD/qemu-system-x86_64
# The same device on arm64 guests (-M virt, its PCIe host bridge).
QEMU_BIN_AARCH64=$QEMU_BUILD/qemu-system-aarch64
# Firmware at run time: SeaBIOS and option ROMs from Debian packages.
QEMU_FIRMWARE="-L /usr/share/seabios -L /usr/share/qemu"
# Installed (the host package, scripts/setup/build-host-deb.sh), it finds
# firmware where Debian's QEMU does: Debian's qemu-system-data, SeaBIOS
# and iPXE packages. qemu-system-aarch64 has the virt board only
# (scripts/setup/qemu-devices-aarch64.mak): 1496 objects to compile
# instead of 2172. No debug information (it costs a fifth of the compile
# time), unless ZCOMP_QEMU_DEBUG_INFO=yes (for gdb); the sanitizer build
# keeps line tables (scripts/setup/build-qemu-fuzz.sh).
QEMU_CONFIGURE_OPTS="--target-list=x86_64-softmmu,aarch64-softmmu --with-devices-aarch64=zcomp
  --$([ "${ZCOMP_QEMU_DEBUG_INFO:-no}" = yes ] && echo enable || echo disable)-debug-info
  --without-default-features
  --enable-tcg --enable-kvm --enable-lzo --enable-fdt=system --disable-docs
  --disable-install-blobs --enable-werror --python=/usr/bin/python3
  --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu"

log() { printf '== %s %s\n' "$(date +%T)" "$*" >&2; }
# zcomp_version: our packages' version: the ABI's major.minor
# (include/zcomp-abi.h), then the commit count, so each change sorts higher.
zcomp_version() {
    local h=$ZCOMP_ROOT/include/zcomp-abi.h
    printf '%s.%s.%s\n' "$(awk '/#define ZCOMP_ABI_MAJOR/ { print $3 }' "$h")" \
        "$(awk '/#define ZCOMP_ABI_MINOR/ { print $3 }' "$h")" \
        "$(git -C "$ZCOMP_ROOT" rev-list --count HEAD 2>/dev/null || echo 0)"
}
ZCOMP_CORPUS=$ZCOMP_BUILD/corpus/anon-mix.bin

# Firmware: the Debian tarball has none; link the seabios and
# qemu-system-data files where a QEMU run from build dir $1 looks.
qemu_link_firmware() {
    local fw=$1/qemu-bundle/usr/local/share/qemu f
    mkdir -p "$fw"
    for f in /usr/share/seabios/bios-256k.bin /usr/share/seabios/bios.bin \
             /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin \
             /usr/share/qemu/kvmvapic.bin /usr/share/qemu/multiboot_dma.bin \
             /usr/share/qemu/pvh.bin; do
        ln -sf "$f" "$fw/"
    done
}

# qemu_build DIR OPTIONS TARGET...: configure QEMU's tree into build dir
# DIR with OPTIONS (again only when they change), link the firmware there,
# and build the ninja TARGETs; the logs stay in DIR.
qemu_build() {
    local dir=$1 opts
    opts=$(echo $2)
    shift 2
    if [ ! -f "$dir/build.ninja" ] ||
       [ "$(cat "$dir/.zcomp-opts" 2>/dev/null)" != "$opts" ]; then
        log "configuring $(basename "$dir")"
        rm -rf "$dir"
        mkdir -p "$dir"
        (cd "$dir" && ../configure $opts >configure.log 2>&1) || {
            tail -30 "$dir/configure.log"; exit 1; }
        echo "$opts" > "$dir/.zcomp-opts"
    fi
    qemu_link_firmware "$dir"
    ninja -C "$dir" "$@" > "$dir/zcomp-ninja.log" 2>&1 || {
        grep -v '^\[' "$dir/zcomp-ninja.log" | tail -60; exit 1; }
}

# debian_sources SUITE [MORE SUITES]: the apt sources of a Debian root
# (deb822) as a user of SUITE has them: SUITE and SUITE-updates (and MORE,
# e.g. SUITE-backports) from the mirror, SUITE-security.
DEBIAN_MIRROR=http://deb.debian.org/debian
debian_sources() {
    local suite=$1
    shift
    cat <<SRC
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $suite $suite-updates${*:+ $*}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

# libfuzzer_run NAME OUT SEEDS RUNS FUZZER [OPTIONS]: one libFuzzer target
# run in OUT (its log OUT/NAME.log, a crash's input OUT/NAME-crash-*),
# started from the seed directory SEEDS. Repeatable: RUNS runs from a fixed
# seed on a fresh corpus of the seeds only. With ZCOMP_FUZZ_SECONDS set,
# open-ended instead: that long, on OUT/corpus-NAME, which grows from run
# to run (ZCOMP_FUZZ_JOBS processes). A crash prints the log's end and
# fails.
libfuzzer_run() {
    local name=$1 out=$2 seeds=$3 runs=$4 corpus log=$2/$1.log rc=0
    shift 4
    if [ -n "${ZCOMP_FUZZ_SECONDS:-}" ]; then
        corpus=$out/corpus-$name
        mkdir -p "$corpus"
        cp -n "$seeds"/* "$corpus/"
        (cd "$out" && "$@" -max_total_time="$ZCOMP_FUZZ_SECONDS" \
            ${ZCOMP_FUZZ_JOBS:+-jobs=$ZCOMP_FUZZ_JOBS -workers=$ZCOMP_FUZZ_JOBS} \
            -artifact_prefix="$out/$name-" "$corpus") > "$log" 2>&1 || rc=$?
    else
        corpus=$(mktemp -d)
        cp "$seeds"/* "$corpus/"
        (cd "$out" && "$@" -runs="$runs" -seed=1 \
            -artifact_prefix="$out/$name-" "$corpus") > "$log" 2>&1 || rc=$?
        rm -rf "$corpus"
    fi
    if [ $rc != 0 ]; then
        grep -v '^#' "$log" | tail -40
        echo "$name: libFuzzer exit status $rc, log $log" >&2
        return 1
    fi
    echo "$name: $(grep -E '^(Done [0-9]+ runs|#[0-9]+.*DONE)' "$log" | tail -1)"
}

# The trixie build root (scripts/setup/trixie-root.sh) and a command inside it.
TRIXIE_ROOT=$ZCOMP_BUILD/trixie-root
# chroot_run ROOT COMMAND...: a command in a Debian root made with
# debootstrap. /proc is mounted in a private mount namespace (objtool and
# apt read it), so nothing stays mounted under .build when it ends.
chroot_run() {
    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        unshare -m sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$@"
}
trixie_run() { chroot_run "$TRIXIE_ROOT" "$@"; }

# The guest kernel lines, by Debian suite: ZCOMP_KERNEL (default 6.1) is a
# suite or the line's version (6.1, 6.12, 7.x). Versions are resolved from
# the suite's linux-image-FLAVOUR (amd64, arm64, arm64-16k: below) at run
# time, never written down here.
kernel_suite() {
    case "${1:-6.1}" in
    6.1|bookworm) echo bookworm ;;
    6.12|trixie) echo trixie ;;
    7|7.*|trixie-backports) echo trixie-backports ;;
    *) echo "unknown kernel line '$1' (6.1, 6.12, 7.x or bookworm, trixie, trixie-backports)" >&2
       return 1 ;;
    esac
}
ZCOMP_KERNEL_SUITE=$(kernel_suite "${ZCOMP_KERNEL:-6.1}")
# The guest's architecture, as Debian's kernel flavour names it
# (linux-image-FLAVOUR): ZCOMP_FLAVOUR amd64 (default), arm64, or
# arm64-16k (16 KiB pages); ZCOMP_ARCH is its Debian architecture.
ZCOMP_FLAVOUR=${ZCOMP_FLAVOUR:-amd64}
case $ZCOMP_FLAVOUR in
amd64) ZCOMP_ARCH=amd64 ;;
arm64|arm64-16k) ZCOMP_ARCH=arm64 ;;
*) echo "unknown kernel flavour '$ZCOMP_FLAVOUR' (amd64, arm64, arm64-16k)" >&2
   exit 1 ;;
esac
if [ "$ZCOMP_FLAVOUR" = amd64 ]; then
    ZCOMP_GUEST=$ZCOMP_BUILD/guest/$ZCOMP_KERNEL_SUITE
else
    ZCOMP_GUEST=$ZCOMP_BUILD/guest/$ZCOMP_KERNEL_SUITE-$ZCOMP_FLAVOUR
fi
# the line's short name, as the scenario headers write it: 6.1, 6.12, 7
case $ZCOMP_KERNEL_SUITE in
bookworm) ZCOMP_LINE=6.1 ;; trixie) ZCOMP_LINE=6.12 ;; *) ZCOMP_LINE=7 ;;
esac

# scenario_get SCENARIO KEY: a setting of a guest scenario from its header
# (tests/guest/SCENARIO.sh), for the kernel line and flavour booted: scripts/lib/
# scenario.py reads it, and says which keys there are.
scenario_get() {
    /usr/bin/python3 "$ZCOMP_ROOT/scripts/lib/scenario.py" "$1" "$2" "$ZCOMP_LINE" \
        "$ZCOMP_FLAVOUR"
}

# kernel_src_extract DIR PATTERN...: the files of Debian's linux-source-6.1
# (fetched with apt-get download, not installed) that match PATTERNs
# (tar wildcards, "*/" and a path in the tree), copied into DIR with the
# tarball's top directory stripped. Only the .deb is downloaded, once, into
# .build/ksrc-6.1, and its 130 MiB tarball is read once: the first call
# unpacks there every file any caller wants (KSRC_61_PATHS; a PATTERN
# outside them gives nothing, and its caller's check of its files fails).
KSRC_61_PATHS=('*/lib/lzo/*' '*/include/linux/lzo.h' '*/scripts/checkpatch.pl'
    '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
    '*/tools/testing/selftests/zram/*')
kernel_src_extract() {
    local dir=$1 deb=$ZCOMP_BUILD/ksrc-6.1 p lock
    shift
    mkdir -p "$dir" "$deb"
    dir=$(cd "$dir" && pwd)
    # one at a time (test.sh's kernel-lzo.sh, the prefetch's guests)
    exec {lock}> "$deb/.lock"
    flock "$lock"
    ls "$deb"/linux-source-6.1_*.deb >/dev/null 2>&1 ||
        (cd "$deb" && apt-get download -q linux-source-6.1 >/dev/null 2>&1) || true
    if [ "$(cat "$deb/tree.paths" 2>/dev/null)" != "${KSRC_61_PATHS[*]}" ]; then
        rm -rf "$deb/tree" "$deb/tree.paths"
        mkdir -p "$deb/tree"
        dpkg-deb --fsys-tarfile "$(ls "$deb"/linux-source-6.1_*.deb | head -1)" |
            tar -x --wildcards '*.tar.xz' -O 2>/dev/null | xz -dc 2>/dev/null |
            tar -x -C "$deb/tree" --strip-components=1 --wildcards "${KSRC_61_PATHS[@]}" \
                2>/dev/null || true
        echo "${KSRC_61_PATHS[*]}" > "$deb/tree.paths"
    fi
    for p in "$@"; do
        (cd "$deb/tree" && cp -a --parents ${p#\*/} "$dir/") 2>/dev/null || true
    done
    exec {lock}>&-
}
