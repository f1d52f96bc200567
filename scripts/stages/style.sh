#!/bin/bash
# Test stage style: checkpatch --strict of the guest driver and of the zram
# series, and the 6.12 series held to the 7.3 series but for its reviewed
# interdiff.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
tap_check "style: checkpatch --strict of guest-driver/ and the zram series" \
    "$ZCOMP_ROOT/scripts/tools/checkpatch.sh"
tap_check "style: zram series 6.12 is 7.3's backport but for the reviewed interdiff" \
    "$ZCOMP_ROOT/scripts/tools/zram-series-check.py"
tap_end
