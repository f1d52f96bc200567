#!/bin/bash
# README's main command: sets up everything on a fresh Debian 12 machine (as
# root), boots a Debian guest with zcomp-pci and prints, on the same data,
# what that kernel can offload next to the same work in software, and a
# plot of it (.build/results-<kernel>.png).
set -euo pipefail
usage() {
    cat <<'USAGE'
usage: scripts/run.sh [--kernel LINE] [--corpus FILE] [--alg LIST] [--help]

  --kernel LINE  the guest's kernel line, resolved from Debian's archive:
                 6.1 (bookworm, the default), 6.12 (trixie) or 7
                 (trixie-backports; 7.3 and the like are accepted too).
                 6.1:   zram on the device vs zram in software (stock zram
                        offloads through the crypto API), then zswap.
                 6.12+: the same, zram with our acomp backend (stock zram
                        has compile-time backends there: the guest loads
                        the zram.ko scripts/zram-acomp.sh builds).
  --corpus FILE  your own data instead of the shipped corpus
                 (tests/data/corpus): its whole 4 KiB pages are used, any
                 number of them; less than one page is an error.
  --alg LIST     the algorithms to compare, comma-separated, from lz4, lzo,
                 lz4hc, lzo-rle, zstd (default: all five).
  --help         this text

Prints the tables and writes a plot to .build/results-<kernel>.png.
USAGE
}
kernel=6.1 corpus= algs=lz4,lzo,lz4hc,lzo-rle,zstd
need() { [ "$2" -ge 2 ] || { echo "$1 needs a value" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case $1 in
    --kernel) need "$1" $#; kernel=$2; shift 2 ;;
    --kernel=*) kernel=${1#--kernel=}; shift ;;
    --corpus) need "$1" $#; corpus=$2; shift 2 ;;
    --corpus=*) corpus=${1#--corpus=}; shift ;;
    --alg) need "$1" $#; algs=$2; shift 2 ;;
    --alg=*) algs=${1#--alg=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for a in ${algs//,/ }; do
    case $a in
    lz4|lzo|lz4hc|lzo-rle|zstd) ;;
    *) echo "--alg: '$a' is not one of lz4, lzo, lz4hc, lzo-rle, zstd" >&2; exit 2 ;;
    esac
done
[ -n "${algs//,/}" ] || { echo "--alg: no algorithm given" >&2; exit 2; }
if [ -n "$corpus" ]; then
    [ -f "$corpus" ] && [ -r "$corpus" ] || { echo "--corpus: cannot read '$corpus'" >&2; exit 2; }
    size=$(stat -L -c %s "$corpus")
    if [ "$size" -lt 4096 ]; then
        echo "--corpus: '$corpus' has $size bytes, less than one 4096-byte page" >&2
        exit 2
    fi
fi
export ZCOMP_KERNEL=$kernel
. "$(dirname "$0")/common.sh"
export ZCOMP_APPEND="zalgs=$algs"
if [ -n "$corpus" ]; then
    # Whole pages only: the guest compares them page by page.
    pages=$((size / 4096))
    export ZCOMP_GUEST_CORPUS=$ZCOMP_BUILD/user-corpus.bin
    head -c $((pages * 4096)) "$corpus" > "$ZCOMP_GUEST_CORPUS"
    log "corpus: $corpus, $pages whole pages ($((size - pages * 4096)) bytes left out)"
fi

"$ZCOMP_ROOT/scripts/install-deps.sh"
"$ZCOMP_ROOT/scripts/corpus.sh"
"$ZCOMP_ROOT/scripts/build-qemu.sh"
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" -Dcorpus="$ZCOMP_CORPUS" >/dev/null
fi
ninja -C "$ZCOMP_ROOT/build" >/dev/null
"$ZCOMP_ROOT/scripts/guest-prep.sh"
kver=$(cat "$ZCOMP_GUEST/kver")
# boot SCENARIO: its TAP and log lines in .build, shown if it fails
boot() {
    "$ZCOMP_ROOT/scripts/guest-boot.sh" "$1" > "$ZCOMP_GUEST/$1.tap" 2>&1 ||
        { tail -40 "$ZCOMP_GUEST/$1.tap"; exit 1; }
}

# zram (6.12+: our zram.ko with the acomp backend, see guest-prep.sh)
boot bench
log "host codecs alone (zcomp-bench, same corpus)"
"$ZCOMP_ROOT/build/zcomp-bench" "${ZCOMP_GUEST_CORPUS:-$ZCOMP_CORPUS}" 8192 3 1 |
    tee "$ZCOMP_BUILD/host-bench.txt" | sed -n '3,13p'
echo
"$ZCOMP_ROOT/scripts/zram-table.py" "$ZCOMP_GUEST/bench.log" "$ZCOMP_BUILD/host-bench.txt" "$kver"
echo
echo "driver counters after the zram run (debugfs zcomp_pci/stats):"
grep '^ZINFO stats' "$ZCOMP_GUEST/bench.log" | sed 's/^ZINFO stats /  /'
echo
boot zswap-bench
"$ZCOMP_ROOT/scripts/zswap-table.py" "$ZCOMP_GUEST/zswap-bench.log" "$kver"
echo
echo "driver counters after the zswap run (debugfs zcomp_pci/stats):"
grep '^ZINFO stats' "$ZCOMP_GUEST/zswap-bench.log" | sed 's/^ZINFO stats /  /'
plot=$ZCOMP_BUILD/results-$kver.png
zram="--zram $ZCOMP_GUEST/bench.log"
/usr/bin/python3 "$ZCOMP_ROOT/scripts/plot.py" "$plot" "$kver" $zram \
    --zswap "$ZCOMP_GUEST/zswap-bench.log" >/dev/null
echo
echo "plot: $plot"
