#!/bin/bash
# Test stage fuzz: the engine's libFuzzer targets (engine, lzo-rle, zstd)
# with ASan and UBSan, a fixed budget and seed (scripts/tools/fuzz.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
tap_check "fuzz: engine 300000, lzo-rle 200000, zstd 400000 runs, no crash" \
    "$ZCOMP_ROOT/scripts/tools/fuzz.sh" 300000
tap_end
