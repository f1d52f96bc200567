# Booted without the device: the module loads, registers nothing, and
# zram works in software (booted with zram=stock: the kernel's own zram).
#@ lines: 6.1 6.12 7
#@ order: 3
#@ limit: 300
#@ append: zram=stock
. /tests/lib.sh
load_driver
check nodev-no-device grep -q '^device none' $STATS
check nodev-no-algorithms sh -c '! grep -q zcomp /proc/crypto'
if kver_ge 6 12; then
    check nodev-stock-zram sh -c '! grep -q acomp /sys/block/zram0/comp_algorithm'
fi
check nodev-zram-lz4 zram_roundtrip zram0 lz4
check nodev-nothing-offloaded [ "$(offloaded lz4)" = 0 ]
finish
