# End-to-end, one vCPU, on any supported kernel: load, self-tests, zram per
# algorithm and name (where stock zram uses the crypto API), swap on zram,
# zswap by driver name and plain name, device reset and PCI removal in use,
# unload and reload. What does not apply to the kernel is said (ZTEST n/a).
. /tests/lib.sh
load_driver
check device-found grep -q '^device 0000' $STATS
for d in lz4-zcomp-acomp lzo-zcomp-acomp lz4hc-zcomp-acomp; do
    check "selftest-$d" [ "$(selftest $d)" = passed ]
done
if kver_ge 6 15; then
    na selftest-legacy "6.15 removed the legacy compress API"
else
    for d in lz4-zcomp lzo-zcomp lz4hc-zcomp; do
        check "selftest-$d" [ "$(selftest $d)" = passed ]
    done
fi

# 2. zram with each algorithm, by plain name and by driver name; the
# compressed size next to the kernel's software codec on the same data.
if zram_uses_crypto; then
    for alg in lz4 lzo lz4hc; do
        for name in $alg $alg-zcomp; do
            before=$(offloaded $alg)
            check "zram-$name-integrity" zram_roundtrip zram0 $name
            dev=$(zram_compr zram0)
            # 8192 pages written and read, minus same-filled ones
            check "zram-$name-offloaded" [ $(($(offloaded $alg) - before)) -ge 14000 ]
        done
        check "zram-$alg-generic-integrity" zram_roundtrip zram0 $alg-generic
        sw=$(zram_compr zram0)
        echo "ZINFO zram $alg compressed bytes: device $dev software $sw"
        check "zram-$alg-size-within-1pct" within_pct "$dev" "$sw" 1
    done
    echo 1 > /sys/block/zram0/reset
else
    na zram-offload "$ZRAM_NA"
    check zram-software-integrity zram_roundtrip zram0 lz4
fi

# 3. swap on zram (offloaded lz4) under memory pressure
cgroup_init 32M
if zram_uses_crypto; then
    swap_on zram1 lz4
    before=$(offloaded lz4)
    check swap-zram-memtouch squeezed 96 1
    check swap-zram-offloaded [ $(($(offloaded lz4) - before)) -ge 10000 ]
    swap_off zram1
else
    na swap-zram-offload "$ZRAM_NA"
fi

# 4. zswap on our acomp driver, by driver name, then by the plain name
# (our priority wins over the software lz4/lzo)
# (linear buffers on the polled queues; then with acomp_poll=0, through
# the interrupt queues)
zswap_run zswap lz4-zcomp-acomp lz4
echo 0 > /sys/module/zcomp_pci/parameters/acomp_poll
zswap_run zswap-plain-lzo-irq lzo lzo
echo 1 > /sys/module/zcomp_pci/parameters/acomp_poll

# 5. a device reset behind the driver's back while zswap (and zram, where
# offloaded) is in use: nothing lost, recovery, fallbacks counted
fb_before=$(($(zstat fallback_timeout) + $(zstat fallback_no_device)))
rec_before=$(zstat recoveries)
zswap_begin lz4-zcomp-acomp
(sleep 2; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
check reset-zswap-integrity squeezed 96 1
wait
zswap_end
sleep 1
check reset-zswap-recovered [ "$(zstat recoveries)" -gt "$rec_before" ]
check reset-zswap-fallbacks-counted [ $(($(zstat fallback_timeout) + $(zstat fallback_no_device))) -gt "$fb_before" ]
zswap_run reset-zswap-offloads-again lz4-zcomp-acomp lz4
if zram_uses_crypto; then
    fb_before=$(($(zstat fallback_timeout) + $(zstat fallback_no_device)))
    zram_setup zram0 lz4
    (sleep 1; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
    zram_write zram0
    wait
    check reset-zram-integrity zram_verify zram0
    sleep 1
    check reset-recovered [ "$(zstat recoveries)" -ge 1 ]
    check reset-fallbacks-counted [ $(($(zstat fallback_timeout) + $(zstat fallback_no_device))) -gt "$fb_before" ]
    before=$(offloaded lz4)
    check reset-offloads-again zram_roundtrip zram0 lz4
    check reset-offloads-again-count [ "$(offloaded lz4)" -gt "$before" ]
else
    na reset-zram "$ZRAM_NA"
fi

# PCI removal with live transforms: zswap (and zram) go on in software; a
# rescan brings the device back and offload resumes.
pci=$(awk '$1 == "device" { print $2 }' $STATS)
sw_before=$(($(zstat lz4_compress software) + $(zstat lz4_decompress software)))
zswap_begin lz4-zcomp-acomp
(sleep 2; echo 1 > /sys/bus/pci/devices/$pci/remove) &
check remove-zswap-integrity squeezed 96 1
wait
zswap_end
check remove-device-gone grep -q '^device none' $STATS
check remove-zswap-software-counted [ $(($(zstat lz4_compress software) + $(zstat lz4_decompress software))) -gt "$sw_before" ]
if zram_uses_crypto; then
    echo 1 > /sys/bus/pci/rescan
    sleep 1
    check remove-zram-setup zram_roundtrip zram0 lz4
    sw_before=$(zstat lz4_decompress software)
    echo 1 > /sys/bus/pci/devices/$pci/remove
    check remove-zram-reads-in-software zram_verify zram0
    check remove-software-counted [ "$(zstat lz4_decompress software)" -ge $((sw_before + 7000)) ]
    check remove-zram-writes-in-software zram_roundtrip zram0 lz4
fi
echo 1 > /sys/bus/pci/rescan
sleep 1
check rescan-device-back grep -q "^device $pci" $STATS
zswap_run rescan-zswap lz4-zcomp-acomp lz4
if zram_uses_crypto; then
    before=$(offloaded lz4)
    check rescan-zram zram_roundtrip zram0 lz4
    check rescan-offloads-again [ "$(offloaded lz4)" -gt "$before" ]
fi

# 6. unload refused while a transform is held (zram where offloaded, else
# zswap); unload and reload when idle
if zram_uses_crypto; then
    check unload-refused-in-use sh -c '! rmmod zcomp_pci 2>/dev/null'
    echo 1 > /sys/block/zram0/reset
else
    zswap_on lz4-zcomp-acomp
    check unload-refused-in-use sh -c '! rmmod zcomp_pci 2>/dev/null'
    zswap_off
fi
unloaded=no
for i in 1 2 3 4 5 6 7 8 9 10; do
    if rmmod zcomp_pci 2>/dev/null; then unloaded=yes; break; fi
    sleep 1
done
check unload-idle [ $unloaded = yes ]
[ $unloaded = yes ] || { grep zcomp /proc/modules | sed 's/^/ZINFO module /'; grep -A3 zcomp /proc/crypto | head -20 | sed 's/^/ZINFO crypto /'; }
check unload-no-algorithms sh -c '! grep -q zcomp /proc/crypto'
check reload modprobe zcomp_pci
check reload-selftest [ "$(selftest lz4-zcomp-acomp)" = passed ]
zswap_run reload-zswap lz4-zcomp-acomp lz4
if zram_uses_crypto; then
    check reload-zram zram_roundtrip zram0 lz4
fi
check no-errors [ "$(zstat errors)" = 0 ]
cat $STATS | sed 's/^/ZINFO stats /'
finish
