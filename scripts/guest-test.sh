#!/bin/bash
# The guest end-to-end tests on each kernel line Debian ships (bookworm's
# 6.1, trixie's 6.12, trixie-backports' 7.x; each resolved at run time),
# under our QEMU with the zcomp_pci module, zram and zswap. Each boot has a
# time limit. What does not apply to a kernel is said in its output.
#   guest-test.sh [LINE...]     default: 6.1 6.12 7
set -euo pipefail
. "$(dirname "$0")/common.sh"

boot=$ZCOMP_ROOT/scripts/guest-boot.sh
for line in "${@:-6.1 6.12 7}"; do
    for line in $line; do
        export ZCOMP_KERNEL=$line
        "$ZCOMP_ROOT/scripts/guest-prep.sh"
        # 1-6: load, self-tests, zram per algorithm and name, swap, zswap,
        # reset, remove, unload/reload; one vCPU.
        "$boot" e2e 900 -device zcomp-pci
        # Again with 2 vCPUs (multi-threaded TCG), concurrent writers and
        # readers, and fault injection through the device property.
        "$boot" e2e-smp 900 -smp 2 -device zcomp-pci,fault-every=97
        # No device: the module registers nothing and zram works in software.
        "$boot" e2e-nodev 300
        # A device without lzo-rle and zstd (as of ABI 1.0): the driver
        # offers only what the device does.
        "$boot" e2e-abi10 300 -device zcomp-pci,lzo-rle=off,zstd=off
    done
done
# Kernel-independent, or about stock zram offload: with 6.1 only.
case " ${*:-6.1} " in *" 6.1 "*|*" bookworm "*) ;; *) exit 0 ;; esac
export ZCOMP_KERNEL=6.1
"$ZCOMP_ROOT/scripts/guest-prep.sh"
# The SYNC doorbell path from a vCPU, without the driver.
"$boot" sync-bench 300 -device zcomp-pci
# Live migration with zram I/O in flight: 3 hops between QEMU processes,
# at 1 and 2 vCPUs, every round verified.
log "guest: live migration with zram I/O in flight"
"$ZCOMP_ROOT/scripts/guest-migrate.py" 1 3
"$ZCOMP_ROOT/scripts/guest-migrate.py" 2 3
