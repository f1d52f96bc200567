#!/bin/bash
# Boots the prepared guest (scripts/setup/guest-prep.sh) under our QEMU on the
# serial console and runs one scenario of tests/guest/.
#   guest-boot.sh SCENARIO [more QEMU arguments]
# The scenario's header ("#@ KEY: VALUE" lines, read by scenario_get in
# scripts/lib/common.sh) gives its time limit, vCPUs, memory, device, other
# QEMU options and kernel arguments for the kernel line booted
# (ZCOMP_KERNEL). ZCOMP_APPEND adds kernel arguments; ZCOMP_DEVICE
# replaces the header's device (e.g. zcomp-pci,workers=4; empty: none),
# ZCOMP_SMP its vCPUs, ZCOMP_LIMIT its time limit. A guest that hangs is killed at the limit.
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
limit=${ZCOMP_LIMIT:-$(hdr limit)}
# Guest memory: the header's, or 1 GiB, more for a large corpus (it lives
# in the initramfs, and the guest reads it into its page cache too).
mem=$(hdr mem)
if [ -z "$mem" ]; then
    corpus_mb=$(($(stat -c %s "${ZCOMP_GUEST_CORPUS:-$ZCOMP_CORPUS}") >> 20))
    mem=$((3 * corpus_mb + 768)); [ $mem -ge 1024 ] || mem=1024
fi
device=${ZCOMP_DEVICE-$(hdr device)}
smp=${ZCOMP_SMP:-$(hdr smp)}
args=(-smp "${smp:-1}" $(hdr qemu))
[ -z "$device" ] || args+=(-device "$device")
append="$(hdr append) ${ZCOMP_APPEND:-}"
log "guest $ZCOMP_LINE: $scenario (${args[*]} $*; $append; ${limit} s)"
timeout "${limit:-600}" "$QEMU_BIN" -M q35 -m "$mem" -nodefaults -vga none \
    -display none -serial stdio -no-reboot \
    -kernel "$(cat "$g/kernel")" -initrd "$g/initramfs.gz" \
    -append "console=ttyS0 quiet panic=-1 ztest=$scenario $append" \
    "${args[@]}" "$@" 2>&1 | tr -d '\r' > "$g/$scenario.log" || true
grep -E '^(ZINFO|ZTABLE|SYNC-BENCH|ZKLOG)' "$g/$scenario.log" >&2 || true
ztap guest "$ZCOMP_LINE $scenario" "$g/$scenario.log"
