# Two vCPUs, device with fault injection: several writers and readers at
# once on zram (where offloaded), swap and zswap; every byte checked;
# fallbacks counted. In the test command on amd64 and arm64 (4 KiB
# pages); on arm64-16k by hand (guest-boot.sh), where e2e covers 16 KiB
# pages in the test command.
#@ lines: 6.1 6.12 7
#@ flavours: amd64 arm64
#@ order: 2
#@ limit: 900
#@ smp: 2
#@ device: zcomp-pci,fault-every=97
. /tests/lib.sh
load_driver
check smp-two-cpus [ "$(nproc)" = 2 ]
check smp-selftest [ "$(selftest lz4-zcomp-acomp)" = passed ]
cgroup_init 32M

if zram_uses_crypto; then
    zram_setup zram0 $(zram_dev lz4) && zram_setup zram1 $(zram_dev lzo)
    zram_write zram0 & zram_write zram1 & wait
    (zram_verify zram0; echo $? > /tmp/v0) & (zram_verify zram1; echo $? > /tmp/v1) & wait
    check smp-zram-parallel-lz4 [ "$(cat /tmp/v0)" = 0 ]
    check smp-zram-parallel-lzo [ "$(cat /tmp/v1)" = 0 ]
    echo 1 > /sys/block/zram0/reset; echo 1 > /sys/block/zram1/reset
    # 7.x zram may sleep: there these two go through the interrupt
    # queues, where an injected fault falls back to software (on the polled
    # queue a fault is retried on an interrupt queue, and the retry is not
    # the next fault's turn)
    ! kver_ge 7 0 || echo 0 > /sys/module/zcomp_pci/parameters/acomp_poll
    zram_setup zram0 $(zram_dev lzo-rle) && zram_setup zram1 $(zram_dev zstd)
    zram_write zram0 & zram_write zram1 & wait
    (zram_verify zram0; echo $? > /tmp/v0) & (zram_verify zram1; echo $? > /tmp/v1) & wait
    echo 1 > /sys/module/zcomp_pci/parameters/acomp_poll
    check smp-zram-parallel-lzo-rle [ "$(cat /tmp/v0)" = 0 ]
    check smp-zram-parallel-zstd [ "$(cat /tmp/v1)" = 0 ]
    check smp-fault-fallbacks [ "$(zstat fallback_device_error)" -gt 0 ]
    echo 1 > /sys/block/zram0/reset; echo 1 > /sys/block/zram1/reset

    swap_on zram1 $(zram_dev lz4hc)
    before=$(offloaded lz4hc)
    check smp-swap-zram-2threads squeezed 96 2
    check smp-swap-zram-offloaded [ $(($(offloaded lz4hc) - before)) -ge $(pages4k 10000) ]
    swap_off zram1
else
    na smp-zram-offload "$ZRAM_NA"
fi

zswap_run smp-zswap-2threads lzo-zcomp-acomp lzo 2
zswap_run smp-zswap-lzo-rle-2threads lzo-rle-zcomp-acomp lzo-rle 2
zswap_run smp-zswap-zstd-2threads zstd-zcomp-acomp zstd 2
echo 0 > /sys/module/zcomp_pci/parameters/acomp_poll
fb_before=$(zstat fallback_device_error)
zswap_run smp-zswap-irq-2threads lz4-zcomp-acomp lz4 2
check smp-zswap-fault-fallbacks [ "$(zstat fallback_device_error)" -gt "$fb_before" ]
echo 1 > /sys/module/zcomp_pci/parameters/acomp_poll

# a device reset under two zswap writers
rec_before=$(zstat recoveries)
zswap_begin lz4-zcomp-acomp
(sleep 2; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
check smp-reset-zswap-integrity squeezed 96 2 2
wait
zswap_end
sleep 1
check smp-reset-zswap-recovered [ "$(zstat recoveries)" -gt "$rec_before" ]

if zram_uses_crypto; then
    zram_setup zram0 $(zram_dev lz4) && zram_setup zram1 $(zram_dev lz4)
    (sleep 1; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
    zram_write zram0 & zram_write zram1 & wait
    check smp-reset-integrity-0 zram_verify zram0
    check smp-reset-integrity-1 zram_verify zram1
    sleep 1
    check smp-reset-recovered [ "$(zstat recoveries)" -ge 1 ]
fi
check no-errors [ "$(zstat errors)" = 0 ]
cat $STATS | sed 's/^/ZINFO stats /'
finish
