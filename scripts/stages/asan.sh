#!/bin/bash
# Test stage asan: the hostile-guest and IOMMU qtests again under ASan and
# UBSan (scripts/tools/qtest-asan.sh): memory errors, undefined behaviour, and
# leaks on unplug that name zcomp fail.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
set +e
"$ZCOMP_ROOT/scripts/tools/qtest-asan.sh" | ztap relay asan
rc=${PIPESTATUS[0]}
set -e
tap_check "asan: no sanitizer report or leak naming zcomp" [ "$rc" = 0 ]
tap_end
