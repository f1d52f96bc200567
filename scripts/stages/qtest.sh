#!/bin/bash
# Test stage qtest: the qtests of zcomp-pci (tests/qtest/zcomp-pci-test.c)
# on our QEMU build.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
cd "$QEMU_BUILD"
set +e
ZCOMP_TEST_DATA="$ZCOMP_ROOT/tests/data" ZCOMP_CORPUS="$ZCOMP_CORPUS" \
QTEST_QEMU_BINARY=./qemu-system-x86_64 \
    timeout 900 ./tests/qtest/zcomp-pci-test --tap 2>&1 | ztap relay qtest
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || tap_fail "qtest: zcomp-pci-test exit status $rc"
tap_end
