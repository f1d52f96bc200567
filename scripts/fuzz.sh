#!/bin/bash
# Fuzzes the engine (tests/fuzz/fuzz-engine.c) with libFuzzer, ASan and
# UBSan for a fixed number of runs from a fixed seed, so that a run is
# repeatable: fuzz.sh [RUNS] (default 300000). Set ZCOMP_FUZZ_SECONDS for
# an open-ended session instead.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$ZCOMP_BUILD/fuzz
mkdir -p "$out/corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$ZCOMP_ROOT/include" -I"$ZCOMP_ROOT/hw" -I"$ZCOMP_ROOT/tests/unit" \
    "$ZCOMP_ROOT/hw/zcomp-engine.c" "$ZCOMP_ROOT/tests/fuzz/fuzz-engine.c" \
    -llz4 -llzo2 -o "$out/fuzz-engine"
if [ -n "${ZCOMP_FUZZ_SECONDS:-}" ]; then
    # open-ended: the corpus in .build/fuzz/corpus grows from run to run
    cp -n "$ZCOMP_ROOT"/tests/fuzz/seeds/* "$out/corpus/"
    "$out/fuzz-engine" -max_total_time="$ZCOMP_FUZZ_SECONDS" -max_len=70000 \
        "$out/corpus" 2>&1 | tail -3
else
    # repeatable: fixed seed, empty corpus
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp "$ZCOMP_ROOT"/tests/fuzz/seeds/* "$tmp/"
    "$out/fuzz-engine" -runs="${1:-300000}" -seed=1 -max_len=70000 \
        -artifact_prefix="$out/" "$tmp" > "$out/last.log" 2>&1 || {
        grep -v '^#' "$out/last.log" | tail -40; exit 1; }
    tail -1 "$out/last.log"
fi
