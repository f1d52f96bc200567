#!/bin/bash
# Kernel coding style of guest-driver/: checkpatch.pl --no-tree from the
# kernel's own source package (linux-source-6.1, fetched once, not installed).
set -euo pipefail
. "$(dirname "$0")/common.sh"

cp_dir=$ZCOMP_BUILD/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
    log "fetching checkpatch.pl from linux-source-6.1"
    rm -rf "$cp_dir"
    mkdir -p "$cp_dir"
    (cd "$cp_dir" && apt-get download -q linux-source-6.1 >/dev/null 2>&1)
    # Only the three files are wanted from the 130 MiB tarball.
    dpkg-deb --fsys-tarfile "$cp_dir"/linux-source-6.1_*.deb |
        tar -x --wildcards '*.tar.xz' -O 2>/dev/null | xz -dc 2>/dev/null |
        tar -x -C "$cp_dir" --strip-components=1 --wildcards \
            '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
            '*/scripts/const_structs.checkpatch' 2>/dev/null || true
    rm -f "$cp_dir"/linux-source-6.1_*.deb
    test -f "$cp_dir/scripts/checkpatch.pl"
    chmod +x "$cp_dir/scripts/checkpatch.pl"
fi
# An out-of-tree module needs its version guard (the legacy compress API is
# gone in 6.15), which checkpatch, written for in-tree code, flags twice.
"$cp_dir/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
    --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
    -f "$ZCOMP_ROOT/guest-driver/zcomp_pci.c"
