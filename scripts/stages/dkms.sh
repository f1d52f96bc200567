#!/bin/bash
# Test stage dkms: the driver's DKMS package, installed as a user would,
# built per kernel, its softdep, purge, and the 6.12 guest with the module
# DKMS built (scripts/tools/dkms-test.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/setup/build-qemu.sh"
tap_guard dkms "$ZCOMP_ROOT/scripts/tools/dkms-test.sh"
tap_end
