# End-to-end, one vCPU: load, self-tests, zram per algorithm and name,
# swap on zram, zswap, device reset in use, unload and reload.
. /tests/lib.sh
load_driver
check device-found grep -q '^device 0000' $STATS
for d in lz4-zcomp lzo-zcomp lz4hc-zcomp lz4-zcomp-acomp lzo-zcomp-acomp lz4hc-zcomp-acomp; do
    check "selftest-$d" [ "$(selftest $d)" = passed ]
done

# 2. zram with each algorithm, by plain name and by driver name; the
# compressed size next to the kernel's software codec on the same data.
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

# 3. swap on zram (offloaded lz4) under memory pressure
cgroup_init 32M
swap_on zram1 lz4
before=$(offloaded lz4)
check swap-zram-memtouch squeezed 96 1
check swap-zram-offloaded [ $(($(offloaded lz4) - before)) -ge 10000 ]
swap_off zram1

# 4. zswap on our acomp driver (backing swap: zram in software)
swap_on zram1 lzo-generic
echo 64M > /sys/fs/cgroup/squeeze/memory.max  # zswap's pool is charged too
zswap_on lz4-zcomp-acomp
check zswap-compressor grep -q lz4-zcomp-acomp /sys/module/zswap/parameters/compressor
before=$(offloaded lz4)
check zswap-memtouch squeezed 96 1
check zswap-offloaded [ $(($(offloaded lz4) - before)) -ge 10000 ]
zswap_off
swap_off zram1
echo 32M > /sys/fs/cgroup/squeeze/memory.max

# 5. a device reset behind the driver's back while zram is written
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

# PCI removal with live transforms: zram goes on in software; a rescan
# brings the device back and offload resumes.
pci=$(awk '$1 == "device" { print $2 }' $STATS)
check remove-zram-setup zram_roundtrip zram0 lz4
sw_before=$(zstat lz4_decompress software)
echo 1 > /sys/bus/pci/devices/$pci/remove
check remove-device-gone grep -q '^device none' $STATS
check remove-zram-reads-in-software zram_verify zram0
check remove-software-counted [ "$(zstat lz4_decompress software)" -ge $((sw_before + 7000)) ]
check remove-zram-writes-in-software zram_roundtrip zram0 lz4
echo 1 > /sys/bus/pci/rescan
sleep 1
check rescan-device-back grep -q "^device $pci" $STATS
before=$(offloaded lz4)
check rescan-zram zram_roundtrip zram0 lz4
check rescan-offloads-again [ "$(offloaded lz4)" -gt "$before" ]

# 6. unload refused while zram uses it; unload and reload when idle
check unload-refused-in-use sh -c '! rmmod zcomp_pci 2>/dev/null'
echo 1 > /sys/block/zram0/reset
unloaded=no
for i in 1 2 3 4 5 6 7 8 9 10; do
    if rmmod zcomp_pci 2>/dev/null; then unloaded=yes; break; fi
    sleep 1
done
check unload-idle [ $unloaded = yes ]
[ $unloaded = yes ] || { grep zcomp /proc/modules | sed 's/^/ZINFO module /'; grep -A3 zcomp /proc/crypto | head -20 | sed 's/^/ZINFO crypto /'; ls /sys/kernel/debug/zswap 2>/dev/null; cat /sys/kernel/debug/zswap/pool_total_size /sys/kernel/debug/zswap/stored_pages | sed 's/^/ZINFO zswap /'; }
check unload-no-algorithms sh -c '! grep -q zcomp /proc/crypto'
check reload modprobe zcomp_pci
check reload-selftest [ "$(selftest lz4-zcomp)" = passed ]
check reload-zram zram_roundtrip zram0 lz4
check no-errors [ "$(zstat errors)" = 0 ]
cat $STATS | sed 's/^/ZINFO stats /'
finish
