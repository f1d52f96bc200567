#!/bin/bash
# Boots the prepared guest (scripts/guest-prep.sh) under our QEMU on the
# serial console and runs one scenario of tests/guest/.
#   guest-boot.sh SCENARIO TIMEOUT_S [extra QEMU arguments, e.g. -smp 2]
# Prints the guest's output; exits 0 only when the scenario reports
# "ZTEST-RESULT pass" and the kernel log has no warning, BUG, oops,
# lockup, stall or sanitizer report ("ZKERNEL-LOG clean", from
# tests/guest/init). A guest that hangs is killed at TIMEOUT_S.
set -euo pipefail
. "$(dirname "$0")/common.sh"

scenario=$1 limit=$2
shift 2
g=$ZCOMP_GUEST
log "guest: $scenario ($*)"
# Guest memory: 1 GiB, more for a large corpus (it lives in the initramfs,
# and the guest reads it into its page cache too).
corpus_mb=$(($(stat -c %s "${ZCOMP_GUEST_CORPUS:-$ZCOMP_CORPUS}") >> 20))
mem=$((3 * corpus_mb + 768)); [ $mem -ge 1024 ] || mem=1024
# ZCOMP_APPEND: more kernel arguments (run.sh --alg passes zalgs=...).
out=$(timeout "$limit" "$QEMU_BIN" -M q35 -m $mem -nodefaults -vga none \
    -display none -serial stdio -no-reboot \
    -kernel "$(cat "$g/kernel")" -initrd "$g/initramfs.gz" \
    -append "console=ttyS0 quiet panic=-1 ztest=$scenario ${ZCOMP_APPEND:-}" "$@" 2>&1 | tr -d '\r' |
    tee "$g/$scenario.log") || true
grep -E '^(ZTEST|ZINFO|ZTABLE|SYNC-BENCH|ZKLOG|ZKERNEL-LOG)' <<<"$out" || true
if ! grep -q '^ZKERNEL-LOG clean' <<<"$out"; then
    echo "---- guest $scenario: the kernel log has a warning or worse (ZKLOG above), or was not checked" >&2
    exit 1
fi
if ! grep -q '^ZTEST-RESULT pass' <<<"$out"; then
    echo "---- guest $scenario did not pass; last lines:" >&2
    tail -25 <<<"$out" >&2
    exit 1
fi
