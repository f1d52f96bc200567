#!/bin/bash
# The guest end-to-end tests on each kernel line Debian ships (bookworm's
# 6.1, trixie's 6.12, trixie-backports' 7.x; each resolved at run time),
# under our QEMU with the zcomp_pci module, zram and zswap. Each boot has a
# time limit. What does not apply to a kernel is said in its output.
#   guest-test.sh [LINE...]     default: 6.1 6.12 7
set -euo pipefail
. "$(dirname "$0")/common.sh"

boot=$ZCOMP_ROOT/scripts/guest-boot.sh
ABI10_DRIVER_COMMIT=9adc22d  # the driver's last ABI 1.0 state
for line in "${@:-6.1 6.12 7}"; do
    for line in $line; do
        export ZCOMP_KERNEL=$line
        "$ZCOMP_ROOT/scripts/guest-prep.sh"
        # 1-6: load, self-tests, zram per algorithm and name, swap, zswap,
        # reset, remove, unload/reload; one vCPU; behind the guest's IOMMU
        # (intel-iommu, DMA remapping on; strict invalidation on 7.x).
        strict=; [ "$line" != 7 ] || strict=" iommu.strict=1"
        ZCOMP_APPEND="intel_iommu=on$strict" "$boot" e2e 900 \
            -device intel-iommu -device zcomp-pci
        # Again with 2 vCPUs (multi-threaded TCG), concurrent writers and
        # readers, and fault injection through the device property.
        "$boot" e2e-smp 900 -smp 2 -device zcomp-pci,fault-every=97
        # No device: the module registers nothing and zram works in
        # software; from 6.12 with the kernel's own zram module.
        ZCOMP_APPEND=zram=stock "$boot" e2e-nodev 300
        # A device without lzo-rle and zstd (as of ABI 1.0): the driver
        # offers only what the device does. From 6.12 (virtio-iommu is a
        # module there; 6.1 has none) behind virtio-iommu.
        # At its end, the kernel's zram selftests and LTP's zram01-03
        # (zltp=1; 2 GiB: zram02's 100 GiB disk takes 600 MiB of table).
        viommu=(); append=
        if [ "$line" != 6.1 ]; then viommu=(-device virtio-iommu-pci); append=zviommu=1; fi
        ZCOMP_APPEND="$append zltp=1" "$boot" e2e-abi10 600 "${viommu[@]}" \
            -m 2048 -device zcomp-pci,lzo-rle=off,zstd=off
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

# The driver as it was at ABI 1.0 (the last commit before 1.1, from this
# clone's history) on today's device: it must offer lz4, lz4hc and lzo
# only, and work (the scenario of a device without lzo-rle and zstd).
log "guest: the ABI 1.0 driver ($ABI10_DRIVER_COMMIT) on an ABI 1.1 device"
old=$ZCOMP_BUILD/abi10-driver
rm -rf "$old"
mkdir -p "$old"
git -C "$ZCOMP_ROOT" archive "$ABI10_DRIVER_COMMIT" guest-driver include | tar -x -C "$old"
grep -q 'ZCOMP_ABI_MINOR *0' "$old/include/zcomp-abi.h"
make -s -C "$old/guest-driver" KDIR="$ZCOMP_GUEST/hdr/usr/src/linux-headers-$(cat "$ZCOMP_GUEST/kver")" \
    > "$old/build.log" 2>&1 || { cat "$old/build.log"; exit 1; }
ZCOMP_MODULE=$old/guest-driver/zcomp_pci.ko "$ZCOMP_ROOT/scripts/guest-prep.sh"
"$boot" e2e-abi10 300 -device zcomp-pci
