# Live migration with zram I/O in flight; scripts/tools/guest-migrate.py moves
# the VM between QEMU processes meanwhile. Rounds of zram set-up, write and
# verify through the device, plus a zram written once and verified every
# round, until the host types "stop" on the console. With 2 vCPUs the
# long-lived device is read while the other is written.
#@ mem: 1024
#@ device: zcomp-pci
. /tests/lib.sh
load_driver
zram_setup zram1 lz4hc && zram_write zram1
check mig-keeper-written zram_verify zram1
# verify DEV: read it back through zram (from the compressed pages), and on
# a mismatch say where and what was read instead.
verify() {
    echo 3 > /proc/sys/vm/drop_caches
    dd if=/dev/$1 of=/tmp/$1.read bs=4096 count=$CORPUS_PAGES iflag=direct 2>/dev/null
    [ "$(sha256sum < /tmp/$1.read | cut -d' ' -f1)" = "$CORPUS_SHA" ] && return 0
    first=$(cmp /tmp/$1.read /corpus.bin | sed -n 's/.*byte \([0-9]*\).*/\1/p')
    page=$(((first - 1) / 4096))
    echo "ZINFO $1: $(cmp -l /tmp/$1.read /corpus.bin | wc -l) bytes differ, first at byte $first (page $page)"
    echo "ZINFO $1 read:     $(dd if=/tmp/$1.read bs=4096 skip=$page count=1 2>/dev/null | hexdump -C | head -4 | tr '\n' '|')"
    echo "ZINFO $1 expected: $(dd if=/corpus.bin bs=4096 skip=$page count=1 2>/dev/null | hexdump -C | head -4 | tr '\n' '|')"
    return 1
}
round=0
while :; do
    round=$((round + 1))
    zram_setup zram0 lz4 || fail "mig-setup-$round"
    if [ "$(nproc)" -ge 2 ]; then
        (verify zram1; echo $? > /tmp/keeper) &
        zram_write zram0
        wait
    else
        zram_write zram0
        verify zram1; echo $? > /tmp/keeper
    fi
    verify zram0 && [ "$(cat /tmp/keeper)" = 0 ] && res=ok || res=FAIL
    echo "ZMIG round $round $res cpus $(nproc) offloaded $(($(offloaded lz4) + $(offloaded lz4hc))) fallbacks $(fallbacks) errors $(zstat errors)"
    [ $res = ok ] || fail "mig-round-$round"
    host_says_stop && break
done
check mig-no-fallbacks [ "$(fallbacks)" = 0 ]
check mig-no-errors [ "$(zstat errors)" = 0 ]
cat $STATS | sed 's/^/ZINFO stats /'
finish
