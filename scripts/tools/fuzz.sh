#!/bin/bash
# Fuzzes the engine (tests/fuzz/fuzz-engine.c), the lzo-rle codec
# (tests/fuzz/fuzz-lzorle.c) and the engine's zstd path
# (tests/fuzz/fuzz-zstd.c) with libFuzzer, ASan and UBSan for a fixed
# number of runs from a fixed seed, so that a run is repeatable:
# fuzz.sh [RUNS] [LZORLE_RUNS] [ZSTD_RUNS] (default 300000, 200000 and
# 400000). Set ZCOMP_FUZZ_SECONDS for an open-ended session of each instead
# (corpora kept in .build/fuzz/corpus-fuzz-NAME).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

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
    libfuzzer_run "fuzz-$1" "$out" "$ZCOMP_ROOT/tests/fuzz/$2" "$4" \
        "$out/fuzz-$1" -max_len="$3"
}
fuzz engine seeds 70000 "${1:-300000}"
fuzz lzorle seeds-lzorle 140000 "${2:-200000}"
fuzz zstd seeds-zstd 70000 "${3:-400000}"
