#!/bin/bash
# Unpacks the corpus (real process memory pages, shipped in
# tests/data/corpus/) once, verified.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

sum=5eeac3575b454481c394066733ad2dd2fe3835e0e5c4328948b3ef18bc62c98b
if [ -f "$ZCOMP_CORPUS" ] && [ -f "$ZCOMP_CORPUS.ok" ]; then
    exit 0
fi
src=$ZCOMP_ROOT/tests/data/corpus/anon-mix.bin.xz
[ -f "$src" ] || { echo "corpus not found: $src" >&2; exit 1; }
mkdir -p "$(dirname "$ZCOMP_CORPUS")"
xz -dc "$src" > "$ZCOMP_CORPUS.tmp"
echo "$sum  $ZCOMP_CORPUS.tmp" | sha256sum -c --quiet
mv "$ZCOMP_CORPUS.tmp" "$ZCOMP_CORPUS"
touch "$ZCOMP_CORPUS.ok"
