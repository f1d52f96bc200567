#!/bin/bash
# Test stage dkms: the driver's DKMS package, installed as a user would,
# built per kernel, its softdep, purge, and the 6.12 guest with the module
# DKMS built (scripts/dkms-test.sh).
set -euo pipefail
. "$(dirname "$0")/../common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
"$ZCOMP_ROOT/scripts/build-qemu.sh"
tap_guard dkms "$ZCOMP_ROOT/scripts/dkms-test.sh"
tap_end
