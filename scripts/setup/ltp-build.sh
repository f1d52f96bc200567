#!/bin/bash
# LTP's zram tests (zram01.sh, zram02.sh, zram03), unmodified, built from
# the subset of LTP 20260529 vendored in third_party/ (third_party/README.md)
# with LTP's own build system, into $ZCOMP_BUILD/ltp/bin: the tests, the
# shell library and the C helpers they run. Debian has no LTP package.
# Cached: rebuilt only when the tarball changes.
#   ltp-build.sh
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

tarball=$ZCOMP_ROOT/third_party/ltp-20260529-zram.tar.xz
out=$ZCOMP_BUILD/ltp
stamp=$out/bin/.stamp
want=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
log "building LTP's zram tests (LTP 20260529, vendored subset)"
rm -rf "$out"
mkdir -p "$out"
tar -xJf "$tarball" -C "$out"
src=$out/ltp-20260529
(
    cd "$src"
    # outside any git tree: the version is LTP's own, not our describe
    export GIT_DIR=/nonexistent
    # AUTOCONFED_SUBDIRS: the open POSIX test suite is not vendored
    make autotools AUTOCONFED_SUBDIRS= >"$out/build.log" 2>&1
    ./configure >>"$out/build.log" 2>&1
    make -j"$(nproc)" -C testcases/lib tst_check_drivers tst_kvcmp \
        tst_supported_fs tst_sleep tst_timeout_kill tst_rod >>"$out/build.log" 2>&1
    make -j"$(nproc)" -C testcases/kernel/device-drivers/zram >>"$out/build.log" 2>&1
) || { tail -30 "$out/build.log"; exit 1; }
mkdir -p "$out/bin"
for f in tst_test.sh tst_ansi_color.sh tst_security.sh tst_check_drivers \
         tst_kvcmp tst_supported_fs tst_sleep tst_timeout_kill tst_rod; do
    cp -a "$src/testcases/lib/$f" "$out/bin/"
done
for f in zram01.sh zram02.sh zram_lib.sh zram03; do
    cp -a "$src/testcases/kernel/device-drivers/zram/$f" "$out/bin/"
done
strip "$out"/bin/tst_check_drivers "$out"/bin/tst_kvcmp "$out"/bin/tst_supported_fs \
    "$out"/bin/tst_sleep "$out"/bin/tst_timeout_kill "$out"/bin/tst_rod "$out"/bin/zram03
echo "$want" > "$stamp"
