#!/bin/bash
# Style. Kernel coding style of guest-driver/: checkpatch.pl --no-tree from the
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

# QEMU's coding style of hw/ and of our qtests and fuzz target: QEMU's own
# checkpatch.pl from the tree build-qemu.sh unpacked; no error, no warning.
"$ZCOMP_ROOT/scripts/build-qemu.sh"
cd "$ZCOMP_ROOT"      # checkpatch tells tests from paths relative to the root
for f in hw/*.[ch] tests/qtest/*.c tests/qtest/fuzz/*.c; do
    out=$(perl "$QEMU_SRC/scripts/checkpatch.pl" --no-tree --file "$f" 2>&1 || true)
    if ! grep -q 'total: 0 errors, 0 warnings' <<<"$out"; then
        echo "$out" | grep -E -A4 '^(ERROR|WARNING)' | head -40
        echo "QEMU style: $f" >&2
        exit 1
    fi
done
