# zswap in software next to zswap on the device (polled queues, the
# default, and interrupt queues: acomp_poll=0), same workload, same boot:
# memtouch fills 128 MiB in a 96 MiB memory cgroup (so much of it goes
# through zswap), one thread per vCPU, and verifies every page. Backing
# swap: zram in software.
# Per row: wall time, guest CPU time (all CPUs, /proc/stat), pages
# compressed into zswap (memory.stat zswpout) and read back (zswpin), and
# at the peak of the run the pages stored and their compressed size.
#@ limit: 3600
#@ device: zcomp-pci
. /tests/lib.sh
load_driver
cgroup_init 96M
Z=/sys/kernel/debug/zswap
# memtouch's threads: one per vCPU (1 on the main job's guest), at most
# the 64 it takes
THREADS=$(grep -c '^processor' /proc/cpuinfo)
[ "$THREADS" -le 64 ] || THREADS=64
echo "ZINFO zswap-bench: memtouch threads $THREADS"
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
mstat() { awk -v k="$1" '$1 == k { print $2 }' /sys/fs/cgroup/squeeze/memory.stat; }
now() { awk '{ print $1 }' /proc/uptime; }
# Peak stored_pages and the pool size then, sampled until /tmp/stop.
sample() {
    peak=0 size=0
    while [ ! -f /tmp/stop ]; do
        s=$(cat $Z/stored_pages) p=$(cat $Z/pool_total_size)
        if [ "$s" -gt "$peak" ]; then peak=$s size=$p; fi
        sleep 0.2
    done
    echo "$peak $size" > /tmp/peak
}
row() { # LABEL DRIVER
    swap_on zram1 "$(zram_sw lz4)"
    zswap_on "$2"
    rm -f /tmp/stop /tmp/peak
    sample &
    a=${1%-*}
    hc0=$(zhist $a compress) hd0=$(zhist $a decompress)
    o0=$(mstat zswpout) i0=$(mstat zswpin) b0=$(busy) t0=$(now)
    if squeezed 128 $THREADS 2; then v=ok; else v=FAIL; fi
    t1=$(now) b1=$(busy) o1=$(mstat zswpout) i1=$(mstat zswpin)
    # the device's own times of the row, both ways (ABI 1.2 histograms)
    case $1 in
    *-software) ;;
    *) echo "ZHISTZ $1 round $round $hc0 $(zhist $a compress) $hd0 $(zhist $a decompress)" ;;
    esac
    touch /tmp/stop
    wait
    check "zswap-bench-$1-round-$round-verified" [ $v = ok ]
    echo "ZSWAP $1 round $round driver $2 wall_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
         "cpu_s $(awk -v a="$b0" -v b="$b1" 'BEGIN { print (b - a) / 100 }')" \
         "zswpout $((o1 - o0)) zswpin $((i1 - i0)) peak_pages $(cat /tmp/peak)" \
         "threads $THREADS"
    zswap_off
    swap_off zram1
}
sw_row() { # ALG
    before=$(offloaded $1)
    row "$1-software" "$(acomp_sw $1)"
    check "zswap-bench-$1-software-round-$round-not-offloaded" [ "$(offloaded $1)" = "$before" ]
}
device_rows() { # ALG: polled queues, then interrupt queues
    before=$(offloaded $1)
    row "$1-device" "$1-zcomp-acomp"
    check "zswap-bench-$1-device-round-$round-offloaded" [ $(($(offloaded $1) - before)) -ge 10000 ]
    echo 0 > /sys/module/zcomp_pci/parameters/acomp_poll
    before=$(offloaded $1)
    row "$1-irq" "$1-zcomp-acomp"
    check "zswap-bench-$1-irq-round-$round-offloaded" [ $(($(offloaded $1) - before)) -ge 10000 ]
    echo 1 > /sys/module/zcomp_pci/parameters/acomp_poll
}
# ROUNDS rounds (zrounds=N, run.sh --rounds), software and device in turn
# first.
round=1
while [ $round -le $ROUNDS ]; do
    for alg in $ALGS; do
        if [ $((round % 2)) = 1 ]; then sw_row $alg; device_rows $alg
        else device_rows $alg; sw_row $alg; fi
    done
    round=$((round + 1))
done
cat $STATS | sed 's/^/ZINFO stats /'
finish
