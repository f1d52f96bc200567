#!/bin/bash
# Fuzzes the whole device inside QEMU (qemu-fuzz-x86_64: libFuzzer, ASan,
# UBSan): our zcomp-pci-fuzz target (queues, descriptors, SG lists, buffers,
# doorbells, resets, bus mastering, queue disables), the same behind
# intel-iommu (zcomp-pci-iommu-fuzz: page tables changed, invalidated or
# not, translation toggled under running requests), then QEMU's
# generic-fuzz with its zcomp-pci config (generic-fuzz-zcomp-pci, in
# generic_fuzz_configs.h: the device's regions only), from the committed
# seeds.
#   fuzz-device.sh [RUNS]      repeatable: RUNS of zcomp-pci-fuzz (default
#                              20000) and RUNS/4 of generic-fuzz, fixed
#                              seed, fresh corpus from the committed seeds
#   ZCOMP_FUZZ_SECONDS=N fuzz-device.sh [JOBS]
#                              open-ended: N seconds per target, JOBS
#                              processes, corpus kept in .build/fuzz-device
# A crash leaves its input in .build/fuzz-device/ and fails the script.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

"$ZCOMP_ROOT/scripts/setup/build-qemu-fuzz.sh"
fuzzer=$QEMU_SRC/build-fuzz/qemu-fuzz-x86_64
seeds=$ZCOMP_ROOT/tests/qtest/fuzz/seeds
out=$ZCOMP_BUILD/fuzz-device
mkdir -p "$out"
# Leaks of QEMU's own fuzzing framework are not ours to chase here.
export ASAN_OPTIONS=detect_leaks=0

run() { # TARGET SEEDDIR [RUNS]
    libfuzzer_run "$1" "$out" "$2" "${3:-$RUNS}" "$fuzzer" --fuzz-target="$1"
}

RUNS=${1:-20000}
[ -z "${ZCOMP_FUZZ_SECONDS:-}" ] || export ZCOMP_FUZZ_JOBS=${1:-1}
run zcomp-pci-fuzz "$seeds/zcomp"
# The same behind intel-iommu, its tables changed under running requests.
run zcomp-pci-iommu-fuzz "$seeds/zcomp" $((RUNS / 2))
# generic-fuzz resets the whole machine per input: a quarter of the runs.
run generic-fuzz-zcomp-pci "$seeds/generic" $((RUNS / 4))
