#!/bin/bash
# The hostile-guest and IOMMU qtests (unplug, resets, migration streams, every
# access...) against qemu-system-x86_64 built with ASan and UBSan: fails on
# any memory error, on any UBSan report from the device's files, and on any
# leak whose allocation stack goes through the device (LeakSanitizer at
# QEMU's exit; leaks of QEMU's own are listed but not ours to fail on).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

# The sanitizer build of QEMU the fuzzers use (clang, ASan, UBSan) has
# the system emulator and the qtest too: no third build of QEMU.
"$ZCOMP_ROOT/scripts/setup/build-qemu-fuzz.sh"
b=$QEMU_SRC/build-fuzz
log=$b/qtest-asan.log
cd "$b"
ZCOMP_TEST_DATA="$ZCOMP_ROOT/tests/data" ZCOMP_CORPUS="$ZCOMP_CORPUS" \
QTEST_QEMU_BINARY=./qemu-system-x86_64 \
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=exitcode=0 \
UBSAN_OPTIONS=print_stacktrace=1 \
    timeout 1200 ./tests/qtest/zcomp-pci-test --tap \
    -p /x86_64/zcomp-pci/hostile -p /x86_64/zcomp-pci/iommu > "$log" 2>&1 || {
    grep -E '^(ok|not ok)' "$log" || true
    grep -v '^# starting QEMU' "$log" | tail -60 >&2; exit 1; }
grep -E '^(ok|not ok)' "$log" || true
bad=0
if grep -E 'runtime error' "$log" | grep -q 'hw/zcomp/'; then
    grep -E 'runtime error' "$log" | grep 'hw/zcomp/'; bad=1
fi
# One leak report per block separated by blank lines: ours if it names us.
if awk 'BEGIN { RS = "" } /(Direct|Indirect) leak/ && /zcomp/' "$log" | grep -q .; then
    awk 'BEGIN { RS = "" } /(Direct|Indirect) leak/ && /zcomp/' "$log" | head -40
    bad=1
fi
echo "leak reports in all: $(grep -cE '^(Direct|Indirect) leak' "$log"), naming zcomp: $(awk 'BEGIN { RS = "" } /(Direct|Indirect) leak/ && /zcomp/' "$log" | grep -cE '(Direct|Indirect) leak')"
exit $bad
