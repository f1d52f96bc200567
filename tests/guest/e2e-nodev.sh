# Booted without the device: the module loads, registers nothing, and
# zram works in software.
. /tests/lib.sh
load_driver
check nodev-no-device grep -q '^device none' $STATS
check nodev-no-algorithms sh -c '! grep -q zcomp /proc/crypto'
check nodev-zram-lz4 zram_roundtrip zram0 lz4
check nodev-nothing-offloaded [ "$(offloaded lz4)" = 0 ]
finish
