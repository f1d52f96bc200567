# End-to-end, one vCPU, on any supported kernel: load, self-tests, zram per
# algorithm and name (where stock zram uses the crypto API), swap on zram,
# zswap by driver name and plain name, device reset and PCI removal in use,
# unload and reload. What does not apply to the kernel is said (# SKIP).
# arm64: the test command boots it on the 16 KiB-page flavour (2.6 min);
# on 4 KiB pages it takes 6 min there, run by hand (docs/guest-driver.md),
# while e2e-smp covers zram, swap, zswap and faults on 4 KiB pages.
#@ lines: 6.1 6.12 7
#@ flavours: amd64 arm64-16k
#@ order: 1
#@ limit: 900
#@ qemu@amd64: -device intel-iommu
#@ qemu@arm64: -machine iommu=smmuv3
#@ device: zcomp-pci
#@ append@amd64: intel_iommu=on
#@ append@arm64: zsmmu=1 iommu.strict=1
#@ append@7: iommu.strict=1
. /tests/lib.sh
echo "ZINFO $(uname -m), page size $PAGE_SIZE"
load_driver
check device-found grep -q '^device 0000' $STATS
# poll_timeout_us takes 100..100000 only, and keeps its value otherwise
PT=/sys/module/zcomp_pci/parameters/poll_timeout_us
pt=$(cat $PT)
check poll-timeout-below-min-refused sh -c "! echo 99 > $PT 2>/dev/null"
check poll-timeout-above-max-refused sh -c "! echo 100001 > $PT 2>/dev/null"
check poll-timeout-kept [ "$(cat $PT)" = "$pt" ]
check poll-timeout-in-range sh -c "echo 100000 > $PT && echo $pt > $PT"
# Behind the guest's IOMMU (intel_iommu=on; arm64: SMMUv3): every test below runs
# through it.
iommu_begin
OFFERED="lz4 lzo lz4hc lzo-rle zstd"
for a in $OFFERED; do
    check "selftest-$a-zcomp-acomp" [ "$(selftest $a-zcomp-acomp)" = passed ]
done
if kver_ge 6 15; then
    na selftest-legacy "6.15 removed the legacy compress API"
else
    for a in $OFFERED; do
        check "selftest-$a-zcomp" [ "$(selftest $a-zcomp)" = passed ]
    done
fi

# 2. zram with each algorithm, by plain name and by driver name (6.1:
# the crypto API; 6.12+: our zram's acomp backend); the compressed size
# next to the kernel's software codec on the same data.
if zram_uses_crypto; then
    zram_acomp && echo "ZINFO zram: the acomp backend ($ZRAM_ACOMP_KO)"
    for alg in $OFFERED; do
        before=$(offloaded $alg)
        check "zram-$alg-plain-integrity" zram_roundtrip zram0 $(zram_dev $alg)
        # 8192 4 KiB pages written and read, minus same-filled ones
        check "zram-$alg-plain-offloaded" [ $(($(offloaded $alg) - before)) -ge $(pages4k 14000) ]
        # By the driver's name: the same driver as the plain name's (whose
        # run checked every page), so the corpus' first 8 MiB suffice:
        # 2048 pages written and read, less the 263 same-filled ones, and
        # less the incompressible ones on reads (stored as they are): about
        # 3200 requests of 4 KiB, the same pages every run.
        before=$(offloaded $alg)
        check "zram-$alg-driver-integrity" zram_part_roundtrip_as zram0 $(zram_drv $alg) 8
        dev=$(zram_compr zram0)
        check "zram-$alg-driver-offloaded" [ $(($(offloaded $alg) - before)) -ge $(pages4k 2900) ]
        # The kernel's software codec on the same 8 MiB, sizes side by side
        check "zram-$alg-software-integrity" zram_part_roundtrip_as zram0 $(zram_sw $alg) 8
        sw=$(zram_compr zram0)
        echo "ZINFO zram $alg compressed bytes of the first 8 MiB: device $dev software $sw"
        if [ $alg = lzo-rle ]; then
            # ours also encodes zero runs at block edges: smaller, not equal
            check "zram-$alg-size-at-most-1pct-above" within_pct "$dev" "$sw" 1 below
        else
            check "zram-$alg-size-within-1pct" within_pct "$dev" "$sw" 1
        fi
    done
    echo 1 > /sys/block/zram0/reset
    # The device's own times (ABI 1.2 histograms, debugfs
    # zcomp_pci/histograms) of the self-tests and zram runs above, each
    # algorithm both ways: no device reset since the driver loaded (one
    # clears them; the driver's counters stay).
    for alg in $OFFERED; do
        for op in compress decompress; do
            check device-times-$alg-$op zhist_sane $alg $op
        done
    done
    grep '^queue all' /sys/kernel/debug/zcomp_pci/histograms | cut -d' ' -f1-10 | sed 's/^/ZINFO histograms /'

    # The driver's phase times (phase_times, off by default): off, a zram
    # round trip times nothing; on, its polled requests (at least its
    # 8192 reads less same-filled pages, at most its offloads) and each
    # phase. 7.x's zram sends the pages of a multi-page bio together, on
    # the interrupt queues (comp_batch_size, see below), which phase_times
    # does not time: one page at a time (1) here, so on the polled queues.
    PT=/sys/module/zcomp_pci/parameters/phase_times
    BS=/sys/block/zram0/comp_batch_size
    p0=$(zphase)
    check driver-phases-off-integrity zram_roundtrip zram0 $(zram_dev lz4)
    p1=$(zphase)
    check driver-phases-off-untimed zphase_untimed "$p0" "$p1"
    o1=$(offloaded lz4)
    echo 1 > /sys/block/zram0/reset
    [ ! -e $BS ] || { bs0=$(cat $BS); echo 1 > $BS; }
    echo 1 > $PT
    check driver-phases-on-integrity zram_roundtrip zram0 $(zram_dev lz4)
    echo 0 > $PT
    p2=$(zphase)
    check driver-phases-on-timed zphase_timed "$p1" "$p2" $(pages4k 6000) $(($(offloaded lz4) - o1))
    echo "ZINFO phases $p2"
    echo 1 > /sys/block/zram0/reset
    [ ! -e $BS ] || echo $bs0 > $BS   # its default again, checked below

    # Recompression of idle pages with lz4hc on the device (zram with
    # CONFIG_ZRAM_MULTI_COMP: ours from 6.12; Debian's 6.1 has none).
    if [ -e /sys/block/zram0/recomp_algorithm ]; then
        echo acomp/lz4 > /sys/block/zram0/comp_algorithm
        echo "algo=acomp/lz4hc priority=1" > /sys/block/zram0/recomp_algorithm
        echo "$((CORPUS_MB + 16))M" > /sys/block/zram0/disksize
        check recompress-names-bound grep -qE '#1: .*\[acomp/lz4hc-zcomp-(sync|acomp)\]' /sys/block/zram0/recomp_algorithm
        zram_write zram0
        first=$(zram_compr zram0)
        before=$(zstat lz4hc_compress offloaded)
        echo all > /sys/block/zram0/idle
        echo "type=idle" > /sys/block/zram0/recompress
        echo "ZINFO zram recompress lz4 -> lz4hc: compressed bytes $first -> $(zram_compr zram0)"
        check recompress-lz4hc-offloaded [ $(($(zstat lz4hc_compress offloaded) - before)) -ge $(pages4k 5000) ]
        check recompress-smaller [ "$(zram_compr zram0)" -lt "$first" ]
        check recompress-integrity zram_verify zram0
        echo 1 > /sys/block/zram0/reset
    else
        na recompress "this zram has no recompression (CONFIG_ZRAM_MULTI_COMP)"
    fi
fi
# Our zram's acomp backend as a user meets it (patches/zram-acomp-*/):
# the transform named in comp_algorithm and shown bound there; "acomp"
# alone works (LTP writes every name listed); algorithm_params refused
# once initialised; on 6.12 an async-only transform refused at disksize;
# a failing driver's errors reach the caller (failed_writes,
# failed_reads), never stored as an incompressible page.
if zram_acomp; then
    if kver_ge 6 15; then flavour=acomp; else flavour=sync; fi
    z=/sys/block/zram0
    zram_setup zram0 acomp:lz4
    check acomp-name-bound grep -q "\[acomp/lz4-zcomp-$flavour\]" $z/comp_algorithm
    check acomp-params-busy-after-init sh -c "! echo level=1 > $z/algorithm_params"
    echo 1 > $z/reset
    echo acomp > $z/comp_algorithm
    check acomp-alone-listed grep -q '\[acomp\]' $z/comp_algorithm
    echo 48M > $z/disksize
    # Debian's CONFIG_ZRAM_DEF_COMP is lz4
    check acomp-alone-default grep -q "\\[acomp/lz4-zcomp-$flavour\\]" $z/comp_algorithm
    check acomp-alone-integrity zram_part_roundtrip zram0 8
    echo 1 > $z/reset
    # A name no transform has is refused where it is written, so that a
    # recompression name that cannot be set up costs the device nothing
    # (zram-generator writes both, and goes on when one is refused)
    check acomp-unknown-name-refused sh -c "! echo acomp/nosuch > $z/comp_algorithm 2>/dev/null"
    check acomp-unknown-name-says-why sh -c 'dmesg | grep -q "no acomp transform nosuch"'
    check acomp-unknown-recomp-refused sh -c "! echo 'algo=acomp/nosuch priority=1' > $z/recomp_algorithm 2>/dev/null"
    zram_setup zram0 acomp:lz4
    check acomp-after-unknown-recomp grep -q "\[acomp/lz4-zcomp-$flavour\]" $z/comp_algorithm
    check acomp-after-unknown-recomp-none sh -c "! grep -q '#1' $z/recomp_algorithm"
    echo 1 > $z/reset
    if ! kver_ge 6 15; then
        check acomp-async-refused sh -c "! echo acomp/lz4-zcomp-acomp > $z/comp_algorithm 2>/dev/null"
        check acomp-async-refused-says-why sh -c 'dmesg | grep -q "lz4-zcomp-acomp is asynchronous only"'
    fi
    # error_case NAME BYTES: one direct write, then read, of BYTES of
    # compressible data (not same-filled) through a driver that fails
    # once each time: the I/O fails and is counted, no page is stored
    # as incompressible, the same I/O then works. BYTES: whole pages (with
    # 16 KiB pages a 4 KiB direct write is part of a page, which zram
    # reads and rewrites, and dd saw no error of it though zram logged and
    # counted one: "lost async page write").
    error_case() {
        zram_setup zram0 acomp:lz4
        yes zcomp | head -c $2 > /tmp/err-data
        echo 1 > /sys/kernel/debug/zcomp_pci/inject_errors
        check $1-error-write-fails sh -c "! dd if=/tmp/err-data of=/dev/zram0 bs=$2 count=1 oflag=direct 2>/dev/null"
        check $1-error-counted [ "$(awk '{ print $2 }' $z/io_stat)" -ge 1 ]
        check $1-error-not-huge [ "$(awk '{ print $8 }' $z/mm_stat)" = 0 ]
        check $1-write-after-error dd if=/tmp/err-data of=/dev/zram0 bs=$2 count=1 oflag=direct
        echo 1 > /sys/kernel/debug/zcomp_pci/inject_errors
        check $1-error-read-fails sh -c "! dd if=/dev/zram0 of=/dev/null bs=$2 count=1 iflag=direct 2>/dev/null"
        check $1-error-read-counted [ "$(awk '{ print $1 }' $z/io_stat)" -ge 1 ]
        check $1-read-after-error sh -c "dd if=/dev/zram0 bs=$2 count=1 iflag=direct 2>/dev/null | cmp -s - /tmp/err-data"
        echo 1 > $z/reset
    }
    error_case acomp $PAGE_SIZE
    check acomp-error-logged sh -c 'dmesg | grep -q "zram acomp: lz4-zcomp-.*: compression failed: -5"'
    # Recompression that meets a driver error fails, and leaves the pages
    # to a later one (not marked incompressible for good): 16 corpus
    # pages, lz4 then zstd, both on the device.
    echo acomp/lz4 > $z/comp_algorithm
    echo "algo=acomp/zstd priority=1" > $z/recomp_algorithm
    echo 48M > $z/disksize
    head -c 65536 /corpus.bin > /tmp/pages16
    dd if=/tmp/pages16 of=/dev/zram0 bs=65536 count=1 oflag=direct 2>/dev/null
    c0=$(zram_compr zram0)
    echo all > $z/idle
    echo 1 > /sys/kernel/debug/zcomp_pci/inject_errors
    check recompress-error-fails sh -c "! echo type=idle > $z/recompress 2>/dev/null"
    check recompress-error-nothing-lost [ "$(zram_compr zram0)" = "$c0" ]
    echo all > $z/idle
    echo type=idle > $z/recompress
    echo "ZINFO zram recompress after an error: compressed bytes $c0 -> $(zram_compr zram0)"
    check recompress-after-error [ "$(zram_compr zram0)" -lt "$c0" ]
    check recompress-after-error-integrity sh -c 'dd if=/dev/zram0 bs=65536 count=1 iflag=direct 2>/dev/null | cmp -s - /tmp/pages16'
    echo 1 > $z/reset
    # 7.x: the pages of a bio (de)compressed in flight together
    # (comp_batch_size, default 32), on the interrupt queues; one page at
    # a time (1) on the polled queues. Every write above went batched.
    if [ -e $z/comp_batch_size ]; then
        check batch-default-32 [ "$(cat $z/comp_batch_size)" = 32 ]
        for n in 32 1; do
            echo $n > $z/comp_batch_size
            zram_setup zram0 acomp:lz4
            check batch-$n-busy-after-init sh -c "! echo 8 > $z/comp_batch_size"
            # 8 MiB in 1 MiB direct writes, read back so: 2048 pages
            i0=$(zirqs)
            dd if=/corpus.bin of=/dev/zram0 bs=1M count=8 oflag=direct 2>/dev/null
            i1=$(zirqs)
            sum=$(dd if=/dev/zram0 bs=1M count=8 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
            i2=$(zirqs)
            echo "ZINFO zram batch $n: interrupts $((i1 - i0)) writing, $((i2 - i1)) reading 2048 pages"
            check batch-$n-integrity [ "$sum" = "$(dd if=/corpus.bin bs=1M count=8 2>/dev/null | sha256sum | cut -d' ' -f1)" ]
            if [ $n = 1 ]; then
                check batch-1-write-polled [ $((i1 - i0)) -lt 50 ]
                check batch-1-read-polled [ $((i2 - i1)) -lt 50 ]
            else
                check batch-$n-write-interrupt-queues [ $((i1 - i0)) -ge 50 ]
                check batch-$n-read-interrupt-queues [ $((i2 - i1)) -ge 50 ]
            fi
            echo 1 > $z/reset
        done
        echo 32 > $z/comp_batch_size
        # an error inside a batch (16 pages) fails the bio, counted
        error_case batch 65536
    fi
fi
if zram_uses_crypto && ! kver_ge 6 12; then
    # zram's default algorithm (lzo-rle): a new device (a reset keeps the
    # algorithm written before) set up without writing comp_algorithm is
    # offloaded once zcomp_pci is loaded.
    before=$(offloaded lzo-rle)
    zd=zram$(cat /sys/class/zram-control/hot_add)
    check zram-default-is-lzo-rle [ "$(zram_alg $zd)" = lzo-rle ]
    echo "$((CORPUS_MB + 16))M" > /sys/block/$zd/disksize
    zram_write $zd
    check zram-default-integrity zram_verify $zd
    check zram-default-offloaded [ $(($(offloaded lzo-rle) - before)) -ge $(pages4k 14000) ]
    echo 1 > /sys/block/$zd/reset
    echo ${zd#zram} > /sys/class/zram-control/hot_remove
elif zram_uses_crypto; then
    na zram-default "zram's default here is a built-in backend (lz4), not the crypto API"
fi
if zram_uses_crypto; then

    # Format compatibility with the kernel's software codecs, both ways,
    # through zram: pages the device compressed are read in software (the
    # kernel's lzo1x_decompress_safe, which lzo and lzo-rle share; zstd's
    # zstd_decompress_dctx), and pages the kernel's software compressed
    # (lzorle1x_1_compress, zstd_compress_cctx: the driver's fallback while
    # the device is away) are read on the device.
    pci=$(awk '$1 == "device" { print $2 }' $STATS)
    for alg in lzo-rle zstd; do
        zram_setup zram0 $(zram_dev $alg) && zram_write zram0
        sw=$(zstat ${alg}_decompress software)
        echo 1 > /sys/bus/pci/devices/$pci/remove
        check "interop-$alg-device-to-software" zram_verify zram0
        check "interop-$alg-read-in-software" [ $(($(zstat ${alg}_decompress software) - sw)) -ge $(pages4k 7000) ]
        sw=$(zstat ${alg}_compress software)
        zram_setup zram0 $(zram_dev $alg) && zram_write zram0
        check "interop-$alg-written-in-software" [ $(($(zstat ${alg}_compress software) - sw)) -ge $(pages4k 7000) ]
        echo 1 > /sys/bus/pci/rescan
        sleep 1
        dev=$(zstat ${alg}_decompress offloaded)
        check "interop-$alg-software-to-device" zram_verify zram0
        check "interop-$alg-read-on-device" [ $(($(zstat ${alg}_decompress offloaded) - dev)) -ge $(pages4k 7000) ]
        echo 1 > /sys/block/zram0/reset
    done
else
    na zram-offload "$ZRAM_NA"
    check zram-software-integrity zram_roundtrip zram0 lz4
fi

# 3. swap on zram (offloaded) under memory pressure
cgroup_init 32M
if zram_uses_crypto; then
    for alg in lz4 lzo-rle zstd; do
        swap_on zram1 $(zram_dev $alg)
        before=$(offloaded $alg)
        check swap-zram-$alg-memtouch squeezed 64 1
        check swap-zram-$alg-offloaded [ $(($(offloaded $alg) - before)) -ge $(pages4k 10000) ]
        swap_off zram1
    done
else
    na swap-zram-offload "$ZRAM_NA"
fi

# 4. zswap on our acomp driver, by driver name, then by the plain name
# (our priority wins over the software lz4/lzo)
# (linear buffers on the polled queues; then with acomp_poll=0, through
# the interrupt queues)
zswap_run zswap lz4-zcomp-acomp lz4
zswap_run zswap-lzo-rle lzo-rle-zcomp-acomp lzo-rle
zswap_run zswap-plain-zstd zstd zstd
echo 0 > /sys/module/zcomp_pci/parameters/acomp_poll
zswap_run zswap-plain-lzo-irq lzo lzo
zswap_run zswap-zstd-irq zstd-zcomp-acomp zstd
echo 1 > /sys/module/zcomp_pci/parameters/acomp_poll

# All of the above through the IOMMU, where there is one.
iommu_end

# 5. a device reset behind the driver's back while zswap (and zram, where
# offloaded) is in use: nothing lost, recovery, fallbacks counted
fb_before=$(($(zstat fallback_timeout) + $(zstat fallback_no_device)))
rec_before=$(zstat recoveries)
zswap_begin zstd-zcomp-acomp
(sleep 2; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
check reset-zswap-integrity squeezed 96 1 2
wait
zswap_end
sleep 1
check reset-zswap-recovered [ "$(zstat recoveries)" -gt "$rec_before" ]
check reset-zswap-fallbacks-counted [ $(($(zstat fallback_timeout) + $(zstat fallback_no_device))) -gt "$fb_before" ]
zswap_run reset-zswap-offloads-again zstd-zcomp-acomp zstd
if zram_uses_crypto; then
    fb_before=$(($(zstat fallback_timeout) + $(zstat fallback_no_device)))
    zram_setup zram0 $(zram_dev lz4)
    (sleep 1; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
    zram_write zram0
    wait
    check reset-zram-integrity zram_verify zram0
    sleep 1
    check reset-recovered [ "$(zstat recoveries)" -ge 1 ]
    check reset-fallbacks-counted [ $(($(zstat fallback_timeout) + $(zstat fallback_no_device))) -gt "$fb_before" ]
    before=$(offloaded lz4)
    check reset-offloads-again zram_roundtrip zram0 $(zram_dev lz4)
    check reset-offloads-again-count [ "$(offloaded lz4)" -gt "$before" ]
else
    na reset-zram "$ZRAM_NA"
fi

# PCI removal with live transforms: zswap (and zram) go on in software; a
# rescan brings the device back and offload resumes.
pci=$(awk '$1 == "device" { print $2 }' $STATS)
sw_before=$(($(zstat lzo-rle_compress software) + $(zstat lzo-rle_decompress software)))
zswap_begin lzo-rle-zcomp-acomp
(sleep 2; echo 1 > /sys/bus/pci/devices/$pci/remove) &
check remove-zswap-integrity squeezed 96 1 2
wait
zswap_end
check remove-device-gone grep -q '^device none' $STATS
check remove-zswap-software-counted [ $(($(zstat lzo-rle_compress software) + $(zstat lzo-rle_decompress software))) -gt "$sw_before" ]
if zram_uses_crypto; then
    echo 1 > /sys/bus/pci/rescan
    sleep 1
    check remove-zram-setup zram_roundtrip zram0 $(zram_dev lz4)
    sw_before=$(zstat lz4_decompress software)
    echo 1 > /sys/bus/pci/devices/$pci/remove
    check remove-zram-reads-in-software zram_verify zram0
    check remove-software-counted [ "$(zstat lz4_decompress software)" -ge $((sw_before + $(pages4k 7000))) ]
    check remove-zram-writes-in-software zram_roundtrip zram0 $(zram_dev lz4)
fi
echo 1 > /sys/bus/pci/rescan
sleep 1
check rescan-device-back grep -q "^device $pci" $STATS
zswap_run rescan-zswap lzo-rle-zcomp-acomp lzo-rle
if zram_uses_crypto; then
    before=$(offloaded lz4)
    check rescan-zram zram_roundtrip zram0 $(zram_dev lz4)
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
    check reload-zram zram_roundtrip zram0 $(zram_dev lz4)
fi
check no-errors [ "$(zstat errors)" = 0 ]
cat $STATS | sed 's/^/ZINFO stats /'
finish
