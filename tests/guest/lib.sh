# Helpers of the guest scenarios (busybox sh). Each check prints
# "ZTEST ok NAME" or "ZTEST FAIL NAME"; finish prints the verdict.
ZFAILS=0
STATS=/sys/kernel/debug/zcomp_pci/stats
CORPUS_SHA=$(cat /corpus.sha256)
CORPUS_MB=32

ok() { echo "ZTEST ok $*"; }
fail() { echo "ZTEST FAIL $*"; ZFAILS=$((ZFAILS + 1)); }
check() { local _n=$1; shift; if "$@"; then ok "$_n"; else fail "$_n"; fi; }
finish() {
    if [ "$ZFAILS" = 0 ]; then echo "ZTEST-RESULT pass"; else echo "ZTEST-RESULT fail ($ZFAILS)"; fi
}

# zstat KEY [FIELD]: a counter of the driver (0 when absent).
zstat() {
    v=$(awk -v k="$1" -v f="${2:-}" '$1 == k {
        if (f == "") print $2; else for (i = 2; i < NF; i++) if ($i == f) print $(i + 1) }' $STATS 2>/dev/null)
    echo "${v:-0}"
}
# offloaded ALG: requests of ALG that ran on the device, both directions.
offloaded() { echo $(($(zstat ${1}_compress offloaded) + $(zstat ${1}_decompress offloaded))); }
selftest() { awk -v d="$1" '/^driver/ { cur = $3 } /^selftest/ && cur == d { print $3 }' /proc/crypto; }

zram_setup() { # DEV ALG [SIZE]
    echo 1 > /sys/block/$1/reset
    echo "$2" > /sys/block/$1/comp_algorithm || return 1
    echo "${3:-48M}" > /sys/block/$1/disksize
}
zram_write() { dd if=/corpus.bin of=/dev/$1 bs=1M oflag=direct 2>/dev/null; }
zram_verify() {
    echo 3 > /proc/sys/vm/drop_caches
    sum=$(dd if=/dev/$1 bs=1M count=$CORPUS_MB iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
    [ "$sum" = "$CORPUS_SHA" ]
}
zram_compr() { awk '{ print $2 }' /sys/block/$1/mm_stat; }
zram_roundtrip() { zram_setup "$1" "$2" && zram_write "$1" && zram_verify "$1"; }

# within_pct A B PCT: |A - B| <= PCT% of B
within_pct() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d * 100 <= p * b) }'; }

cgroup_init() {
    echo +memory > /sys/fs/cgroup/cgroup.subtree_control
    mkdir -p /sys/fs/cgroup/squeeze
    echo "${1:-32M}" > /sys/fs/cgroup/squeeze/memory.max
}
# squeezed MiB THREADS: memtouch inside the small cgroup, so it swaps.
squeezed() { sh -c "echo \$\$ > /sys/fs/cgroup/squeeze/cgroup.procs; exec memtouch $1 $2 /corpus.bin"; }

swap_on() { # DEV ALG
    zram_setup "$1" "$2" 256M && mkswap /dev/$1 >/dev/null && swapon /dev/$1
}
swap_off() { swapoff /dev/$1 && echo 1 > /sys/block/$1/reset; }

zswap_on() { echo "$1" > /sys/module/zswap/parameters/compressor && echo 1 > /sys/module/zswap/parameters/enabled; }
zswap_off() { echo 0 > /sys/module/zswap/parameters/enabled; echo lzo-scomp > /sys/module/zswap/parameters/compressor; }  # not ours: lets us unload

load_driver() {
    modprobe zram num_devices=2
    # the kernel's software codecs, for reference runs
    modprobe lz4 && modprobe lz4hc
    check module-load modprobe zcomp_pci
}
