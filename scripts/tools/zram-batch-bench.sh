#!/bin/bash
# zram batched writes on 7.x, measured (docs/benchmarks.md, "zram batched
# writes"): one boot per vCPU count and device worker count, each running
# tests/guest/zram-batch-bench.sh (software, per page on the polled and
# the interrupt queues, batches of each depth; REPS runs each, verified),
# then the table: median MB/s with min-max, and the batched / per-page
# ratios with their spread. A benchmark, not a test: run it by hand.
#   zram-batch-bench.sh [out-dir]
# Environment: SMPS ("1 2"), WORKERS ("1 2 4"), ALGS (all five), REPS (3),
# DEPTHS ("8 32"), BENCH_MB (corpus MiB used, 16), DEVICE_OPTS (more
# zcomp-pci properties, e.g. "irq-coalesce=0").
set -euo pipefail
export ZCOMP_KERNEL=7 ZCOMP_FLAVOUR=amd64   # before common.sh: its ZCOMP_GUEST is 7.x amd64's
. "$(dirname "$0")/../lib/common.sh"

out=${1:-$ZCOMP_BUILD/zram-batch-bench}
mkdir -p "$out"
pages=$((${BENCH_MB:-16} * 256))
export ZCOMP_GUEST_CORPUS=$ZCOMP_BUILD/batch-corpus.bin
head -c $((pages * 4096)) "$ZCOMP_CORPUS" > "$ZCOMP_GUEST_CORPUS"
"$ZCOMP_ROOT/scripts/setup/guest-prep.sh" >/dev/null
algs=${ALGS:-lz4 lzo lz4hc lzo-rle zstd}
depths=${DEPTHS:-8 32}
raw=$out/raw.txt
: > "$raw"
for smp in ${SMPS:-1 2}; do
    for w in ${WORKERS:-1 2 4}; do
        ZCOMP_APPEND="zalgs=${algs// /,} zreps=${REPS:-3} zdepths=${depths// /,}" \
            ZCOMP_SMP=$smp ZCOMP_DEVICE=zcomp-pci,workers=$w${DEVICE_OPTS:+,$DEVICE_OPTS} \
            "$ZCOMP_ROOT/scripts/tools/guest-boot.sh" zram-batch-bench > "$out/boot-smp$smp-w$w.tap" 2>&1
        cp "$ZCOMP_GUEST/zram-batch-bench.log" "$out/boot-smp$smp-w$w.log"
        grep '^ZTABLE' "$out/boot-smp$smp-w$w.log" | sed "s/^ZTABLE /smp=$smp workers=$w /" >> "$raw"
    done
done
/usr/bin/python3 "$ZCOMP_ROOT/scripts/lib/zresults.py" batch "$raw" | tee "$out/table.md"
