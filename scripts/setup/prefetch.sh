#!/bin/bash
# What the later stages need that costs mostly the network and the disk,
# made while the CPUs build QEMU (scripts/test.sh runs this in the
# background and waits for it before the stages): the Debian 12 and 13
# guests' roots (scripts/setup/debian-root.sh) and the trixie build root
# with its arm64 cross compiler (scripts/setup/trixie-root.sh). Each is made under a lock and only once,
# so a stage that needs one simply finds it; one that failed here is made
# again, and fails, in the stage that needs it, as that stage's result.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

rc=0
"$ZCOMP_ROOT/scripts/setup/trixie-root.sh" arm64 || rc=1
for suite in bookworm trixie; do
    "$ZCOMP_ROOT/scripts/setup/debian-root.sh" "$suite" || rc=1
done
exit $rc
