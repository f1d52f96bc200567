#!/bin/bash
# README's main command: sets up everything on a fresh Debian 12 machine (as
# root), boots a Debian guest with zcomp-pci and prints, on the same data,
# what that kernel can offload next to the same work in software, and a
# plot of it (.build/results-<kernel>.png).
set -euo pipefail
usage() {
    cat <<'USAGE'
usage: scripts/run.sh [--kernel LINE] [--help]

  --kernel LINE  the guest's kernel line, resolved from Debian's archive:
                 6.1 (bookworm, the default), 6.12 (trixie) or 7
                 (trixie-backports; 7.3 and the like are accepted too).
                 6.1:   zram on the device vs zram in software (stock zram
                        offloads through the crypto API), then zswap.
                 6.12+: zswap on the device vs zswap in software; stock
                        zram has compile-time backends there and cannot be
                        offloaded.
  --help         this text
USAGE
}
kernel=6.1
while [ $# -gt 0 ]; do
    case $1 in
    --kernel) [ $# -ge 2 ] || { usage >&2; exit 2; }; kernel=$2; shift 2 ;;
    --kernel=*) kernel=${1#--kernel=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done
export ZCOMP_KERNEL=$kernel
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/install-deps.sh"
"$ZCOMP_ROOT/scripts/corpus.sh"
"$ZCOMP_ROOT/scripts/build-qemu.sh"
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" -Dcorpus="$ZCOMP_CORPUS" >/dev/null
fi
ninja -C "$ZCOMP_ROOT/build" >/dev/null
"$ZCOMP_ROOT/scripts/guest-prep.sh"
kver=$(cat "$ZCOMP_GUEST/kver")

if [ "$ZCOMP_KERNEL_SUITE" = bookworm ]; then
    "$ZCOMP_ROOT/scripts/guest-boot.sh" bench 900 -device zcomp-pci >/dev/null
    log "host codecs alone (zcomp-bench, same corpus)"
    "$ZCOMP_ROOT/build/zcomp-bench" "$ZCOMP_CORPUS" 8192 3 1 | tee "$ZCOMP_BUILD/host-bench.txt" | sed -n '3,9p'
    echo
    "$ZCOMP_ROOT/scripts/zram-table.py" "$ZCOMP_GUEST/bench.log" "$ZCOMP_BUILD/host-bench.txt"
    echo
    echo "driver counters after the zram run (debugfs zcomp_pci/stats):"
    grep '^ZINFO stats' "$ZCOMP_GUEST/bench.log" | sed 's/^ZINFO stats /  /'
    echo
else
    echo "guest $kver: stock zram has compile-time backends from 6.12 on and"
    echo "cannot be offloaded; zswap allocates the crypto API and is."
    echo
fi
"$ZCOMP_ROOT/scripts/guest-boot.sh" zswap-bench 900 -device zcomp-pci >/dev/null
"$ZCOMP_ROOT/scripts/zswap-table.py" "$ZCOMP_GUEST/zswap-bench.log" "$kver"
echo
echo "driver counters after the zswap run (debugfs zcomp_pci/stats):"
grep '^ZINFO stats' "$ZCOMP_GUEST/zswap-bench.log" | sed 's/^ZINFO stats /  /'
plot=$ZCOMP_BUILD/results-$kver.png
zram=
[ "$ZCOMP_KERNEL_SUITE" != bookworm ] || zram="--zram $ZCOMP_GUEST/bench.log"
/usr/bin/python3 "$ZCOMP_ROOT/scripts/plot.py" "$plot" "$kver" $zram \
    --zswap "$ZCOMP_GUEST/zswap-bench.log" >/dev/null
echo
echo "plot: $plot"
