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
. "$(dirname "$0")/common.sh"

out=${1:-$ZCOMP_BUILD/zram-batch-bench}
mkdir -p "$out"
export ZCOMP_KERNEL=7
pages=$((${BENCH_MB:-16} * 256))
export ZCOMP_GUEST_CORPUS=$ZCOMP_BUILD/batch-corpus.bin
head -c $((pages * 4096)) "$ZCOMP_CORPUS" > "$ZCOMP_GUEST_CORPUS"
"$ZCOMP_ROOT/scripts/guest-prep.sh" >/dev/null
algs=${ALGS:-lz4 lzo lz4hc lzo-rle zstd}
depths=${DEPTHS:-8 32}
raw=$out/raw.txt
: > "$raw"
for smp in ${SMPS:-1 2}; do
    for w in ${WORKERS:-1 2 4}; do
        ZCOMP_APPEND="zalgs=${algs// /,} zreps=${REPS:-3} zdepths=${depths// /,}" \
            ZCOMP_SMP=$smp ZCOMP_DEVICE=zcomp-pci,workers=$w${DEVICE_OPTS:+,$DEVICE_OPTS} \
            "$ZCOMP_ROOT/scripts/guest-boot.sh" zram-batch-bench > "$out/boot-smp$smp-w$w.tap" 2>&1
        cp "$ZCOMP_GUEST/zram-batch-bench.log" "$out/boot-smp$smp-w$w.log"
        grep '^ZTABLE' "$out/boot-smp$smp-w$w.log" | sed "s/^ZTABLE /smp=$smp workers=$w /" >> "$raw"
    done
done
python3 - "$raw" <<'PY' | tee "$out/table.md"
import statistics, sys
from collections import defaultdict
w = defaultdict(list); r = defaultdict(list); rq = defaultdict(list); iq = defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if 'error' in f:
        continue
    key = (f[0], f[1], f[2], f[3])          # smp, workers, alg, mode
    w[key].append(float(f[6])); r[key].append(float(f[8]))
    rq[key].append(float(f[12])); iq[key].append(float(f[14]))
def cell(v):
    return '%.1f (%.1f-%.1f)' % (statistics.median(v), min(v), max(v))
def ratio(a, b):
    lo, hi = min(a) / max(b), max(a) / min(b)
    verdict = '' if lo > 1 or hi < 1 else ' (spread crosses 1: no result)'
    return '%.2fx (%.2f-%.2f)%s' % (statistics.median(a) / statistics.median(b), lo, hi, verdict)
modes = []
for k in w:
    if k[3] not in modes:
        modes.append(k[3])
print('| vCPUs | workers | algorithm | ' + ' | '.join('%s W MB/s' % m for m in modes) +
      ' | batch/page-poll W | batch/software W |')
print('|' + '---|' * (5 + len(modes)))
for smp, wk, alg in sorted({k[:3] for k in w}, key=lambda t: (t[0], int(t[1].split('=')[1]), t[2])):
    row = [w.get((smp, wk, alg, m)) for m in modes]
    best = max((m for m in modes if m.startswith('batch')),
               key=lambda m: statistics.median(w[(smp, wk, alg, m)]))
    print('| %s | %s | %s | %s | %s: %s | %s |' % (
        smp.split('=')[1], wk.split('=')[1], alg,
        ' | '.join(cell(v) if v else '-' for v in row), best,
        ratio(w[(smp, wk, alg, best)], w[(smp, wk, alg, 'page-poll')]),
        ratio(w[(smp, wk, alg, best)], w[(smp, wk, alg, 'software')])))
print()
print('Per page written (medians): device requests, each one doorbell write (an MMIO exit), and interrupts:')
for k in sorted(rq):
    print('  ' + ' '.join(k) + ': requests %.3f, interrupts %.3f' % (statistics.median(rq[k]), statistics.median(iq[k])))
print()
print('Reads (not batched), R MB/s:')
for k in sorted(r):
    print('  ' + ' '.join(k) + ': ' + cell(r[k]))
PY
