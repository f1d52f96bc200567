#!/bin/bash
# What the later stages need that costs mostly the network and the disk,
# made while the CPUs build QEMU (scripts/test.sh runs this in the
# background and waits for it before the stages): the trixie build root
# with its arm64 cross compiler (scripts/setup/trixie-root.sh), the
# Debian 12 and 13 guests' roots (scripts/setup/debian-root.sh) and,
# beside them, the guest stages' guests (scripts/setup/guest-prep.sh:
# downloads, and builds whose results are kept, such as our zram, LTP
# and the module unless its sources change; the initramfs each stage
# makes again). The roots are made under a lock and only once, the
# guests one after another, so a stage finds them made; one that failed
# here is made again, and fails, in the stage that needs it, as that
# stage's result.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

rc=0
"$ZCOMP_ROOT/scripts/setup/trixie-root.sh" arm64 || rc=1
# Beside the Debian roots: the guests of the guest stages (meson.build's
# guest.sh stages: LINE [FLAVOUR]), each prepared (scripts/setup/
# guest-prep.sh): kernel image, headers and zram's source downloaded, the
# module and our zram built, the initramfs made; the stage then finds it
# made (its stamp) and only makes the initramfs again (and the module
# where its sources changed).
guests=$(python3 - "$ZCOMP_ROOT/meson.build" <<'PY'
import re, sys
for args in re.findall(r"'guest\.sh', \[([^\]]*)\]", open(sys.argv[1]).read()):
    print(' '.join(re.findall(r"'([^']+)'", args)))
PY
)
(
    prc=0
    while read -r line flavour; do
        [ -n "$line" ] || continue
        log "prefetch: guest $line ${flavour:-amd64}"
        ZCOMP_KERNEL=$line ZCOMP_FLAVOUR=${flavour:-amd64} \
            "$ZCOMP_ROOT/scripts/setup/guest-prep.sh" < /dev/null || prc=1
    done <<< "$guests"
    exit $prc
) &
preps=$!
for suite in bookworm trixie; do
    "$ZCOMP_ROOT/scripts/setup/debian-root.sh" "$suite" || rc=1
done
wait $preps || rc=1
exit $rc
