#!/bin/bash
# README's main command: sets up everything on a fresh Debian 12 machine (as
# root), boots a Debian 6.1 guest whose zram is compressed by zcomp-pci, and
# prints zram on the device next to zram in software on the same data.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/install-deps.sh"
"$ZCOMP_ROOT/scripts/corpus.sh"
"$ZCOMP_ROOT/scripts/build-qemu.sh"
if [ ! -f "$ZCOMP_ROOT/build/build.ninja" ]; then
    meson setup "$ZCOMP_ROOT/build" "$ZCOMP_ROOT" -Dcorpus="$ZCOMP_CORPUS" >/dev/null
fi
ninja -C "$ZCOMP_ROOT/build" >/dev/null
"$ZCOMP_ROOT/scripts/guest-prep.sh"

"$ZCOMP_ROOT/scripts/guest-boot.sh" bench 900 -device zcomp-pci >/dev/null
log "host codecs alone (zcomp-bench, same corpus)"
"$ZCOMP_ROOT/build/zcomp-bench" "$ZCOMP_CORPUS" 8192 3 1 | tee "$ZCOMP_BUILD/host-bench.txt" | sed -n '3,9p'
echo
"$ZCOMP_ROOT/scripts/zram-table.py" "$ZCOMP_BUILD/guest/bench.log" "$ZCOMP_BUILD/host-bench.txt"
echo
echo "driver counters after the run (debugfs zcomp_pci/stats):"
grep '^ZINFO stats' "$ZCOMP_BUILD/guest/bench.log" | sed 's/^ZINFO stats /  /'
