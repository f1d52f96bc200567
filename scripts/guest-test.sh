#!/bin/bash
# The guest end-to-end tests: Debian's 6.1 kernel under our QEMU with the
# zcomp_pci module, zram and zswap. Each boot has a time limit.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$ZCOMP_ROOT/scripts/guest-prep.sh"
boot=$ZCOMP_ROOT/scripts/guest-boot.sh
# 1-6: load, self-tests, zram per algorithm and name, swap, zswap, reset,
# unload/reload; one vCPU.
"$boot" e2e 900 -device zcomp-pci
# 2-5 again with 2 vCPUs (multi-threaded TCG), concurrent writers and
# readers, and fault injection through the device property.
"$boot" e2e-smp 900 -smp 2 -device zcomp-pci,fault-every=97
# 6: no device: the module registers nothing and zram works in software.
"$boot" e2e-nodev 300
# The SYNC doorbell path from a vCPU, without the driver.
"$boot" sync-bench 300 -device zcomp-pci
# Live migration with zram I/O in flight: 3 hops between QEMU processes,
# at 1 and 2 vCPUs, every round verified.
log "guest: live migration with zram I/O in flight"
"$ZCOMP_ROOT/scripts/guest-migrate.py" 1 3
"$ZCOMP_ROOT/scripts/guest-migrate.py" 2 3
