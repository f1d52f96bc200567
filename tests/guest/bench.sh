# zram on the device (DMA-mapped buffers, and bounce buffers) next to zram
# in software, same corpus, same boot:
# write and read throughput, compression ratio, guest CPU time; plus a
# zero-page run (zram stores those without a codec: its own overhead).
# ROUNDS rounds (zrounds=N, run.sh --rounds), software and device in turn
# first, so that a drift of the machine meets both alike; one ZTABLE line
# per row and round, and for the device's rows a ZHIST line with what the
# device measured of the writes (scripts/lib/zresults.py reads them).
#@ limit: 2400
#@ device: zcomp-pci
. /tests/lib.sh
load_driver
dd if=/dev/zero of=/tmp/zero.bin bs=1M count=$CORPUS_MB 2>/dev/null
row() { # LABEL NAME FILE
    zram_setup zram0 "$2" || { echo "ZTABLE $1 round $round error"; return; }
    # the device's own times of the writes: its histograms before and after
    case $1 in
    *-device)
        h0=$(zhist "${1%-device}" compress)
        [ -z "$PHASES" ] || p0=$(zphase)
        w=$(zbench write /dev/zram0 "$3")
        echo "ZHIST $1 round $round write $h0 $(zhist "${1%-device}" compress)"
        [ -z "$PHASES" ] || echo "ZPHASE $1 round $round write $p0 $(zphase)" ;;
    *) w=$(zbench write /dev/zram0 "$3") ;;
    esac
    echo 3 > /proc/sys/vm/drop_caches
    r=$(zbench read /dev/zram0 "$3")
    # mm_stat: orig_data_size compr_data_size mem_used_total ...
    echo "ZTABLE $1 round $round $(awk '{ print "orig", $1, "compr", $2, "used", $3 }' /sys/block/zram0/mm_stat) W $w R $r"
    [ "$label" = zero ] || check "bench-$1-round-$round-integrity" zram_verify zram0
}
P=/sys/module/zcomp_pci/parameters/dma_map
# zphases=1 (by hand: docs/benchmarks.md): the driver times each phase of
# a polled request (phase_times, five clock reads a request), and a ZPHASE
# line per device row gives them.
PHASES=
if grep -qw 'zphases=1' /proc/cmdline; then
    echo 1 > /sys/module/zcomp_pci/parameters/phase_times && PHASES=1
fi
device_rows() { # ALG: the driver's two ways to hand zram's buffers to the device
    echo 0 > $P; label= row "$1-bounce" "$(zram_drv $1)" /corpus.bin
    echo 1 > $P; label= row "$1-device" "$(zram_drv $1)" /corpus.bin
}
round=1
while [ $round -le $ROUNDS ]; do
    label=zero row zero "$(zram_sw lz4)" /tmp/zero.bin
    for alg in $ALGS; do
        if [ $((round % 2)) = 1 ]; then
            label= row "$alg-software" "$(zram_sw $alg)" /corpus.bin
            device_rows $alg
        else
            device_rows $alg
            label= row "$alg-software" "$(zram_sw $alg)" /corpus.bin
        fi
    done
    round=$((round + 1))
done
cat $STATS | sed 's/^/ZINFO stats /'
finish
