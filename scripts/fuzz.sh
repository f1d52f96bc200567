#!/bin/bash
# Fuzzes the engine (tests/fuzz/fuzz-engine.c), the lzo-rle codec
# (tests/fuzz/fuzz-lzorle.c) and the engine's zstd path
# (tests/fuzz/fuzz-zstd.c) with libFuzzer, ASan and UBSan for a fixed
# number of runs from a fixed seed, so that a run is repeatable:
# fuzz.sh [RUNS] [LZORLE_RUNS] [ZSTD_RUNS] (default 300000, 200000 and
# 400000). Set ZCOMP_FUZZ_SECONDS for an open-ended session of each instead.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$ZCOMP_BUILD/fuzz
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -I$ZCOMP_ROOT/include -I$ZCOMP_ROOT/hw -I$ZCOMP_ROOT/tests/unit"
# the engine uses the lzo-rle codec too
clang $cflags "$ZCOMP_ROOT/hw/zcomp-engine.c" "$ZCOMP_ROOT/hw/zcomp-lzorle.c" \
    "$ZCOMP_ROOT/tests/fuzz/fuzz-engine.c" -llz4 -llzo2 -lzstd \
    -o "$out/fuzz-engine"
clang $cflags "$ZCOMP_ROOT/hw/zcomp-lzorle.c" \
    "$ZCOMP_ROOT/tests/fuzz/fuzz-lzorle.c" -o "$out/fuzz-lzorle"
clang $cflags "$ZCOMP_ROOT/hw/zcomp-engine.c" "$ZCOMP_ROOT/hw/zcomp-lzorle.c" \
    "$ZCOMP_ROOT/tests/fuzz/fuzz-zstd.c" -llz4 -llzo2 -lzstd \
    -o "$out/fuzz-zstd"

# fuzz NAME SEEDS MAX_LEN RUNS: one target, its seeds from tests/fuzz/SEEDS
fuzz() {
    local name=$1 seeds=$ZCOMP_ROOT/tests/fuzz/$2 max_len=$3 runs=$4 tmp
    if [ -n "${ZCOMP_FUZZ_SECONDS:-}" ]; then
        # open-ended: .build/fuzz/corpus[-NAME] grows from run to run
        local corpus=$out/corpus-$name
        [ "$name" != engine ] || corpus=$out/corpus   # its older name
        mkdir -p "$corpus"
        cp -n "$seeds"/* "$corpus/"
        "$out/fuzz-$name" -max_total_time="$ZCOMP_FUZZ_SECONDS" \
            -max_len="$max_len" "$corpus" 2>&1 | tail -3
    else
        # repeatable: fixed seed, a fresh corpus of the seeds only
        tmp=$(mktemp -d)
        cp "$seeds"/* "$tmp/"
        "$out/fuzz-$name" -runs="$runs" -seed=1 -max_len="$max_len" \
            -artifact_prefix="$out/$name-" "$tmp" > "$out/last-$name.log" 2>&1 || {
            rm -rf "$tmp"
            grep -v '^#' "$out/last-$name.log" | tail -40; exit 1; }
        rm -rf "$tmp"
        echo "fuzz-$name: $(tail -1 "$out/last-$name.log")"
    fi
}
fuzz engine seeds 70000 "${1:-300000}"
fuzz lzorle seeds-lzorle 140000 "${2:-200000}"
fuzz zstd seeds-zstd 70000 "${3:-400000}"
