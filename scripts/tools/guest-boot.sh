#!/bin/bash
# Boots the prepared guest (scripts/setup/guest-prep.sh) under our QEMU on the
# serial console and runs one scenario of tests/guest/.
#   guest-boot.sh SCENARIO [more QEMU arguments]
# The scenario's header ("#@ KEY: VALUE" lines, read by scenario_get in
# scripts/lib/common.sh) gives its time limit, vCPUs, memory, device, other
# QEMU options and kernel arguments for the kernel line booted
# (ZCOMP_KERNEL) and flavour (ZCOMP_FLAVOUR: amd64 on q35, arm64 and
# arm64-16k on qemu-system-aarch64's virt board). ZCOMP_APPEND adds kernel arguments; ZCOMP_DEVICE
# replaces the header's device (e.g. zcomp-pci,workers=4; empty: none),
# ZCOMP_DEVICE_PROPS adds properties to it (scripts/run.sh --device-props),
# ZCOMP_SMP its vCPUs, ZCOMP_LIMIT its time limit. A guest that hangs is
# killed at the limit. "#@ module: abi10" boots the driver of ABI 1.0.
# Prints the scenario's results as TAP (scripts/lib/ztap.py): its own, then
# "SCENARIO: finished" (its plan came) and "SCENARIO: kernel log clean"
# (no warning, BUG, oops, lockup, stall or sanitizer report: tests/guest/init).
# In a test stage (scripts/lib/tap.sh) they join the stage's TAP stream.
# Exits 0 only when all passed.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_ensure

scenario=$1
shift
[ -f "$ZCOMP_ROOT/tests/guest/$scenario.sh" ] || { echo "no scenario $scenario" >&2; exit 2; }
hdr() { scenario_get "$scenario" "$1"; }
g=$ZCOMP_GUEST
ABI10_DRIVER_COMMIT=9adc22d  # the driver's last ABI 1.0 state
# abi10_driver: the driver at ABI 1.0, from this clone's history, built
# for this kernel; it must say ABI 1.0.
abi10_driver() {
    local old=$ZCOMP_BUILD/abi10-driver
    rm -rf "$old"
    mkdir -p "$old"
    git -C "$ZCOMP_ROOT" archive "$ABI10_DRIVER_COMMIT" guest-driver include | tar -x -C "$old"
    grep -q 'ZCOMP_ABI_MINOR *0' "$old/include/zcomp-abi.h" || return 1
    make -s -C "$old/guest-driver" \
        KDIR="$g/hdr/usr/src/linux-headers-$(cat "$g/kver")" \
        > "$old/build.log" 2>&1 || { cat "$old/build.log" >&2; return 1; }
    echo "$old/guest-driver/zcomp_pci.ko"
}
# "#@ module:": another driver in the initramfs for this boot, ours again
# after it
module=$(hdr module)
case $module in
'') ;;
abi10)
    [ "$ZCOMP_FLAVOUR" = amd64 ] || { echo "$scenario: the ABI 1.0 driver is built for amd64 only" >&2; exit 2; }
    ko=$(abi10_driver)
    ZCOMP_MODULE=$ko "$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
    ;;
*) echo "$scenario: unknown module '$module'" >&2; exit 2 ;;
esac
limit=${ZCOMP_LIMIT:-$(hdr limit)}
# Guest memory: the header's, or 1 GiB, more for a large corpus (it lives
# in the initramfs, and the guest reads it into its page cache too).
mem=$(hdr mem)
if [ -z "$mem" ]; then
    corpus_mb=$(($(stat -c %s "${ZCOMP_GUEST_CORPUS:-$ZCOMP_CORPUS}") >> 20))
    mem=$((3 * corpus_mb + 768)); [ $mem -ge 1024 ] || mem=1024
fi
device=${ZCOMP_DEVICE-$(hdr device)}
[ -z "$device" ] || device+=${ZCOMP_DEVICE_PROPS:+,$ZCOMP_DEVICE_PROPS}
smp=${ZCOMP_SMP:-$(hdr smp)}
args=(-smp "${smp:-1}" $(hdr qemu))
[ -z "$device" ] || args+=(-device "$device")
append="$(hdr append) ${ZCOMP_APPEND:-}"
# The machine: q35 for amd64; for arm64 the virt board with GICv3 (its
# ITS gives the device MSI-X) and a CPU with every granule (16 KiB pages)
case $ZCOMP_ARCH in
amd64) qemu=("$QEMU_BIN" -M q35 -vga none); console=ttyS0 ;;
arm64) qemu=("$QEMU_BIN_AARCH64" -M virt,gic-version=3 -cpu max,pauth-impdef=on)
       console=ttyAMA0 ;;
esac
log "guest $ZCOMP_LINE $ZCOMP_FLAVOUR: $scenario (${args[*]} $*; $append; ${limit} s)"
timeout "${limit:-600}" "${qemu[@]}" -m "$mem" -nodefaults \
    -display none -serial stdio -no-reboot \
    -kernel "$(cat "$g/kernel")" -initrd "$g/initramfs.gz" \
    -append "console=$console quiet panic=-1 ztest=$scenario $append" \
    "${args[@]}" "$@" 2>&1 3>&- | tr -d '\r' > "$g/$scenario.log" || true
grep -E '^(ZINFO|ZTABLE|SYNC-BENCH|ZKLOG)' "$g/$scenario.log" >&2 || true
rc=0
ztap guest "$ZCOMP_LINE$([ "$ZCOMP_FLAVOUR" = amd64 ] || echo " $ZCOMP_FLAVOUR") $scenario" \
    "$g/$scenario.log" || rc=$?
# our own driver in the initramfs again
[ -z "$module" ] || "$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
exit $rc
