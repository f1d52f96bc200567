#!/bin/bash
# README's main command: sets up everything on a fresh Debian 12 machine (as
# root), boots a Debian guest with zcomp-pci and prints, on the same data,
# what that kernel can offload next to the same work in software, and a
# plot of it (.build/results-<kernel>.png).
set -euo pipefail
usage() {
    cat <<'USAGE'
usage: scripts/run.sh [--kernel LINE] [--arch ARCH] [--corpus FILE] [--alg LIST]
                     [--rounds N] [--device-props PROPS] [--preset NAME] [--help]

  --kernel LINE  the guest's kernel line, resolved from Debian's archive:
                 6.1 (bookworm, the default), 6.12 (trixie) or 7
                 (trixie-backports; 7.3 and the like are accepted too).
                 6.1:   zram on the device vs zram in software (stock zram
                        offloads through the crypto API), then zswap.
                 6.12+: the same, zram with our acomp backend (stock zram
                        has compile-time backends there: the guest loads
                        the zram.ko scripts/setup/zram-acomp.sh builds).
  --arch ARCH    the guest's architecture, as Debian's kernel flavours
                 name it: amd64 (the default, -M q35), arm64 (-M virt,
                 qemu-system-aarch64, the driver and zram cross-built), or
                 arm64-16k (16 KiB pages, from 6.12 on). For arm64,
                 --kernel is 6.12 unless given.
  --corpus FILE  your own data instead of the shipped corpus
                 (tests/data/corpus): its whole 4 KiB pages are used, any
                 number of them; less than one page is an error.
  --alg LIST     the algorithms to compare, comma-separated, from lz4, lzo,
                 lz4hc, lzo-rle, zstd (default: all five).
  --rounds N     each comparison N times, device and software in turn
                 first, in one boot (default 3): every figure is printed
                 as its median (min-max), every ratio too, and a ratio
                 whose range holds 1.0 is marked n.s. (not significant).
  --device-props PROPS
                 more zcomp-pci properties, comma-separated, e.g.
                 latency-ns=5000,engine-bps=500000000,engines=4: the
                 device acts like a slower accelerator (its timing model,
                 docs/specs/zcomp-pci.rst), compared with software.
  --preset NAME  the timing model of an accelerator from public figures
                 (docs/benchmarks.md): iaa, iaa-socket, hisi-zip or qat;
                 --device-props come after it and win.
  --help         this text

Prints the tables and writes a plot to .build/results-<kernel>.png
(results-<kernel>-<preset>.png with --preset, -props with --device-props).
USAGE
}
kernel= arch=amd64 corpus= algs=lz4,lzo,lz4hc,lzo-rle,zstd rounds=3 props= preset=
. "$(dirname "$0")/lib/presets.sh"
need() { [ "$2" -ge 2 ] || { echo "$1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case $1 in
    --kernel) need "$1" $#; kernel=$2; shift 2 ;;
    --kernel=*) kernel=${1#--kernel=}; shift ;;
    --arch) need "$1" $#; arch=$2; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --corpus) need "$1" $#; corpus=$2; shift 2 ;;
    --corpus=*) corpus=${1#--corpus=}; shift ;;
    --alg) need "$1" $#; algs=$2; shift 2 ;;
    --alg=*) algs=${1#--alg=}; shift ;;
    --rounds) need "$1" $#; rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#--rounds=}; shift ;;
    --device-props) need "$1" $#; props=$2; shift 2 ;;
    --device-props=*) props=${1#--device-props=}; shift ;;
    --preset) need "$1" $#; preset=$2; shift 2 ;;
    --preset=*) preset=${1#--preset=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case $arch in
amd64) kernel=${kernel:-6.1} ;;
arm64) kernel=${kernel:-6.12} ;;
arm64-16k)
    kernel=${kernel:-6.12}
    case $kernel in
    6.1|bookworm) echo "--arch arm64-16k: Debian 12 has no such kernel (--kernel 6.12 or 7)" >&2; exit 2 ;;
    esac ;;
*) echo "--arch: '$arch' is not one of amd64, arm64, arm64-16k" >&2; exit 2 ;;
esac
for a in ${algs//,/ }; do
    case $a in
    lz4|lzo|lz4hc|lzo-rle|zstd) ;;
    *) echo "--alg: '$a' is not one of lz4, lzo, lz4hc, lzo-rle, zstd" >&2; exit 2 ;;
    esac
done
[ -n "${algs//,/}" ] || { echo "--alg: no algorithm given" >&2; exit 2; }
if [ -n "$preset" ]; then
    p=$(zcomp_preset "$preset") ||
        { echo "--preset: '$preset' is not one of: $zcomp_presets" >&2; exit 2; }
    props=$p${props:+,$props}
fi
case $props in
*[!A-Za-z0-9=,._-]*) echo "--device-props: '$props' has characters no property takes" >&2; exit 2 ;;
esac
case $rounds in
''|*[!0-9]*|0) echo "--rounds: '$rounds' is not a whole number of 1 or more" >&2; exit 2 ;;
esac
if [ -n "$corpus" ]; then
    [ -f "$corpus" ] && [ -r "$corpus" ] || { echo "--corpus: cannot read '$corpus'" >&2; exit 2; }
    size=$(stat -L -c %s "$corpus")
    if [ "$size" -lt 4096 ]; then
        echo "--corpus: '$corpus' has $size bytes, less than one 4096-byte page" >&2
        exit 2
    fi
fi
export ZCOMP_KERNEL=$kernel ZCOMP_FLAVOUR=$arch
. "$(dirname "$0")/lib/common.sh"
export ZCOMP_APPEND="zalgs=$algs zrounds=$rounds"
# The device of both benchmarks gets the user's properties.
export ZCOMP_DEVICE_PROPS=$props
if [ -n "$corpus" ]; then
    # Whole pages only: the guest compares them page by page.
    pages=$((size / 4096))
    export ZCOMP_GUEST_CORPUS=$ZCOMP_BUILD/user-corpus.bin
    head -c $((pages * 4096)) "$corpus" > "$ZCOMP_GUEST_CORPUS"
    log "corpus: $corpus, $pages whole pages ($((size - pages * 4096)) bytes left out)"
fi

"$ZCOMP_ROOT/scripts/setup/install-deps.sh"
"$ZCOMP_ROOT/scripts/setup/corpus.sh"
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" -Dcorpus="$ZCOMP_CORPUS" >/dev/null
fi
ninja -C "$ZCOMP_ROOT/build" >/dev/null
"$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
kver=$(cat "$ZCOMP_GUEST/kver")
[ -z "$props" ] || log "device: zcomp-pci,$props${preset:+ (preset $preset)}"
# boot SCENARIO: its TAP and log lines in .build, shown if it fails
boot() {
    "$ZCOMP_ROOT/scripts/tools/guest-boot.sh" "$1" > "$ZCOMP_GUEST/$1.tap" 2>&1 ||
        { tail -40 "$ZCOMP_GUEST/$1.tap"; exit 1; }
}

# zram (6.12+: our zram.ko with the acomp backend, see guest-prep.sh)
boot bench
log "host codecs alone (zcomp-bench, same corpus)"
"$ZCOMP_ROOT/build/zcomp-bench" "${ZCOMP_GUEST_CORPUS:-$ZCOMP_CORPUS}" 8192 5 1 |
    tee "$ZCOMP_BUILD/host-bench.txt" | sed -n '3,13p'
echo
results=("$ZCOMP_ROOT/scripts/lib/zresults.py")
/usr/bin/python3 "${results[@]}" zram "$ZCOMP_GUEST/bench.log" "$ZCOMP_BUILD/host-bench.txt" --kernel "$kver"
echo
echo "driver counters after the zram run (debugfs zcomp_pci/stats):"
grep '^ZINFO stats' "$ZCOMP_GUEST/bench.log" | sed 's/^ZINFO stats /  /'
echo
boot zswap-bench
/usr/bin/python3 "${results[@]}" zswap "$ZCOMP_GUEST/zswap-bench.log" --kernel "$kver"
echo
echo "driver counters after the zswap run (debugfs zcomp_pci/stats):"
grep '^ZINFO stats' "$ZCOMP_GUEST/zswap-bench.log" | sed 's/^ZINFO stats /  /'
# a timing model's plot apart from the device's own
tag=
if [ -n "$preset" ]; then tag=-$preset; elif [ -n "$props" ]; then tag=-props; fi
plot=$ZCOMP_BUILD/results-$kver$tag.png
/usr/bin/python3 "${results[@]}" plot "$plot" --kernel "$kver" \
    --zram "$ZCOMP_GUEST/bench.log" --zswap "$ZCOMP_GUEST/zswap-bench.log" >/dev/null
echo
echo "plot: $plot"
