# zram on the device (DMA-mapped buffers, and bounce buffers) next to zram
# in software, same corpus, same boot:
# write and read throughput, compression ratio, guest CPU time; plus a
# zero-page run (zram stores those without a codec: its own overhead).
#@ limit: 900
#@ device: zcomp-pci
. /tests/lib.sh
load_driver
dd if=/dev/zero of=/tmp/zero.bin bs=1M count=$CORPUS_MB 2>/dev/null
row() { # LABEL NAME FILE
    zram_setup zram0 "$2" || { echo "ZTABLE $1 error"; return; }
    w=$(zbench write /dev/zram0 "$3")
    echo 3 > /proc/sys/vm/drop_caches
    r=$(zbench read /dev/zram0 "$3")
    # mm_stat: orig_data_size compr_data_size mem_used_total ...
    echo "ZTABLE $1 $(awk '{ print "orig", $1, "compr", $2, "used", $3 }' /sys/block/zram0/mm_stat) W $w R $r"
    [ "$label" = zero ] || check "bench-$1-integrity" zram_verify zram0
}
label=zero row zero "$(zram_sw lz4)" /tmp/zero.bin
P=/sys/module/zcomp_pci/parameters/dma_map
for alg in $ALGS; do
    label= row "$alg-software" "$(zram_sw $alg)" /corpus.bin
    # the driver's two ways to hand zram's buffers to the device
    echo 0 > $P; label= row "$alg-bounce" "$(zram_drv $alg)" /corpus.bin
    echo 1 > $P; label= row "$alg-device" "$(zram_drv $alg)" /corpus.bin
done
cat $STATS | sed 's/^/ZINFO stats /'
finish
