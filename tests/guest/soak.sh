# Soak, by hand (scripts/tools/soak.py, which also migrates the VM every few
# minutes): rounds until the host types "stop" on the console. Each round
# writes and verifies zram on the device, swaps on a zram of the device
# and then through zswap on the device under memory pressure (memtouch
# verifies every page it reads back), with a device reset behind the
# driver's back every fourth round. The device injects faults
# (fault-every): fallbacks are expected, errors and bad pages are not.
#@ mem: 1024
#@ device: zcomp-pci,fault-every=997
. /tests/lib.sh
load_driver
cgroup_init 32M
requests() { for _a in lz4 lzo-rle zstd; do offloaded $_a; done | awk '{ s += $1 } END { print s }'; }
round=0
while :; do
    round=$((round + 1))
    res=ok
    if [ $((round % 4)) = 0 ]; then
        (sleep 3; echo 1 > /sys/kernel/debug/zcomp_pci/device_reset) &
    fi
    zram_roundtrip zram0 $(zram_dev lz4) || { res=FAIL; echo "ZINFO round $round: zram"; }
    swap_on zram1 $(zram_dev lzo-rle)
    squeezed 96 "$(nproc)" 2 || { res=FAIL; echo "ZINFO round $round: swap on zram"; }
    swap_off zram1
    zswap_begin zstd-zcomp-acomp
    squeezed 96 "$(nproc)" 2 || { res=FAIL; echo "ZINFO round $round: zswap"; }
    zswap_end
    wait
    echo "ZMIG round $round $res cpus $(nproc) offloaded $(requests) fallbacks $(fallbacks) errors $(zstat errors) recoveries $(zstat recoveries)"
    [ $res = ok ] || fail "soak-round-$round"
    host_says_stop && break
done
check soak-no-errors [ "$(zstat errors)" = 0 ]
cat $STATS | sed 's/^/ZINFO stats /'
finish
