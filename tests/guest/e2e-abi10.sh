# ABI 1.0 meets 1.2, both ways: today's driver on a device without lzo-rle,
# zstd and histograms (lzo-rle=off,zstd=off,histograms=off), and the ABI
# 1.0 driver on today's device
# (e2e-abi10-driver.sh). Either way only lz4, lz4hc and lzo are offered
# and offloaded; lzo-rle and zstd stay with the kernel's software, which
# zram (its default, lzo-rle) and zswap use.
#@ lines: 6.1 6.12 7
#@ order: 4
#@ limit: 600
#@ mem: 2048
#@ qemu@6.12,7: -device virtio-iommu-pci
#@ device: zcomp-pci,lzo-rle=off,zstd=off,histograms=off
#@ append: zltp=1
#@ append@6.12,7: zviommu=1
. /tests/lib.sh
load_driver
check abi10-device-found grep -q '^device 0000' $STATS
iommu_begin     # behind virtio-iommu from 6.12 (e2e-abi10-driver.sh)
for a in lz4 lzo lz4hc; do
    check "abi10-selftest-$a" [ "$(selftest $a-zcomp-acomp)" = passed ]
done
for a in lzo-rle zstd; do
    check "abi10-$a-not-registered" sh -c "! grep -q '^driver.*: $a-zcomp' /proc/crypto"
done
if ! kver_ge 6 12; then    # zram's default is lzo-rle on 6.1 only
    check abi10-zram-default-lzo-rle [ "$(zram_alg zram0)" = lzo-rle ]
    echo "$((CORPUS_MB + 16))M" > /sys/block/zram0/disksize
    zram_write zram0
    check abi10-zram-default-integrity zram_verify zram0
    echo 1 > /sys/block/zram0/reset
fi
cgroup_init 32M
zswap_run abi10-zswap lz4-zcomp-acomp lz4
check abi10-nothing-offloaded [ $(($(offloaded lzo-rle) + $(offloaded zstd))) = 0 ]
check abi10-no-errors [ "$(zstat errors)" = 0 ]
if [ -e /sys/kernel/debug/zcomp_pci/histograms ]; then
    check abi10-no-histograms grep -qx 'not offered by this device' /sys/kernel/debug/zcomp_pci/histograms
else    # e2e-abi10-driver.sh: the ABI 1.0 driver, today's device
    na abi10-no-histograms "the ABI 1.0 driver has no histograms file"
fi
iommu_end
zram_selftests
! grep -q zltp=1 /proc/cmdline || zram_ltp
finish
