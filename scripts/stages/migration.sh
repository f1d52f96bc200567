#!/bin/bash
# Test stage migration: live migration of a 6.1 guest with zram I/O in
# flight, 3 hops between QEMU processes at 1 and 2 vCPUs, every round
# verified (scripts/tools/guest-migrate.py).
set -euo pipefail
export ZCOMP_FLAVOUR=amd64   # amd64 guests only (fixed paths below)
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
ZCOMP_KERNEL=6.1 "$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
tap_guard "migration smp 1" "$ZCOMP_ROOT/scripts/tools/guest-migrate.py" 1 3
tap_guard "migration smp 2" "$ZCOMP_ROOT/scripts/tools/guest-migrate.py" 2 3
tap_end
