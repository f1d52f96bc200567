# zram on 7.x, batched writes against per-page against software, same
# corpus, same boot (scripts/tools/zram-batch-bench.sh runs it per vCPU count
# and device workers, and makes the table): 1 MiB O_DIRECT writes
# (a bio of 256 pages), then reads, each row REPS times, every run
# verified. Modes: software (zram's built-in backend, or the kernel's
# software acomp where zram has none); page-poll and page-irq (the acomp
# backend one page at a time, comp_batch_size=1, on the polled queues or
# the interrupt queues: acomp_poll=1 or 0); batchN (comp_batch_size=N,
# acomp_poll=1: the driver sends batches to its interrupt queues, where
# requests can be in flight together, and single pages to the polled ones).
#@ limit: 3000
#@ device: zcomp-pci
. /tests/lib.sh
load_driver
REPS=$(sed -n 's/.*zreps=\([0-9]*\).*/\1/p' /proc/cmdline); REPS=${REPS:-3}
DEPTHS=$(sed -n 's/.*zdepths=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
DEPTHS=${DEPTHS:-8 32}
P=/sys/module/zcomp_pci/parameters/acomp_poll
z=/sys/block/zram0
# MODE ALG NAME BATCH POLL: one row per repetition
row() {
    for rep in $(seq 1 $REPS); do
        echo 1 > $z/reset
        echo "$5" > $P
        echo "$4" > $z/comp_batch_size
        zram_setup zram0 "$3" || { echo "ZTABLE $2 $1 $rep error"; continue; }
        i0=$(zirqs); q0=$(zdevreqs)
        w=$(zbench write /dev/zram0 /corpus.bin | awk '{ print $8 }')
        i1=$(zirqs); q1=$(zdevreqs)
        echo 3 > /proc/sys/vm/drop_caches
        r=$(zbench read /dev/zram0 /corpus.bin | awk '{ print $8 }')
        check "batch-bench-$2-$1-$rep-integrity" zram_verify zram0
        # per page written: device requests (one doorbell write, an MMIO
        # exit, each) and interrupts taken
        echo "ZTABLE $2 $1 $rep W $w R $r compr $(zram_compr zram0) req/page $(awk -v a=$((q1 - q0)) -v p=$CORPUS_PAGES 'BEGIN { printf "%.3f", a / p }') irq/page $(awk -v a=$((i1 - i0)) -v p=$CORPUS_PAGES 'BEGIN { printf "%.3f", a / p }')"
    done
}
if ! zram_acomp || ! [ -e $z/comp_batch_size ]; then
    fail "zram-batch-bench: no zram with batched writes here"; finish; exit
fi
for alg in $ALGS; do
    row software $alg "$(zram_sw $alg)" 1 1
    row page-poll $alg "$(zram_drv $alg)" 1 1
    row page-irq $alg "$(zram_drv $alg)" 1 0
    for d in $DEPTHS; do row batch$d $alg "$(zram_drv $alg)" $d 1; done
done
echo 1 > $P
echo 1 > $z/reset
cat $STATS | sed 's/^/ZINFO stats /'
finish
