#!/bin/bash
# Test stage device-fuzz: the whole device fuzzed inside QEMU (ASan, UBSan),
# its own target, behind intel-iommu, and generic-fuzz: fixed budget and
# seed (scripts/tools/fuzz-device.sh).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_begin
tap_check "device-fuzz: zcomp-pci-fuzz 12000, behind intel-iommu 6000, generic-fuzz 3000 runs, no crash" \
    "$ZCOMP_ROOT/scripts/tools/fuzz-device.sh" 12000
tap_end
