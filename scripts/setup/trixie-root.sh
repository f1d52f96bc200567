#!/bin/bash
# A cached Debian trixie build root (debootstrap) for the guest kernels of
# trixie and trixie-backports: their modules need trixie's gcc-14 (bookworm's
# gcc-12 rejects their flags), and inside it the kernel headers install the
# normal way. Also the place where trixie's binary packages are fetched from,
# so this machine's own apt never sees a trixie binary suite.
#   trixie-root.sh            create or refresh (cheap when done)
#   trixie-root.sh arm64      and make it build for arm64 guests too: arm64
#                             package lists, gcc-14's cross compiler and
#                             the arm64 C library (static test programs)
# Prints nothing but errors; the root is $ZCOMP_BUILD/trixie-root.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

root=$TRIXIE_ROOT
# One maker at a time (scripts/setup/prefetch.sh may run in the background).
mkdir -p "$ZCOMP_BUILD"
exec 9> "$ZCOMP_BUILD/trixie-root.lock"
flock 9
if [ ! -f "$root/.zcomp-ready" ]; then
    log "debootstrap: trixie build root in $root (first time: a few minutes)"
    rm -rf "$root"
    mkdir -p "$root"
    debootstrap --variant=minbase --include=build-essential,perl,kmod,bc,libelf-dev \
        trixie "$root" "$DEBIAN_MIRROR" > "$ZCOMP_BUILD/trixie-root.log" 2>&1 || {
        tail -30 "$ZCOMP_BUILD/trixie-root.log"; exit 1; }
    rm -f "$root/etc/apt/sources.list"
    touch "$root/.zcomp-ready"
fi
# arm64 package lists beside amd64's (before the update below)
if [ "${1:-}" = arm64 ] && ! trixie_run dpkg --print-foreign-architectures | grep -qx arm64; then
    trixie_run dpkg --add-architecture arm64
    rm -f "$root/etc/apt/sources.list.d/debian.sources"
fi
# What a trixie user has: the suite, its updates and security archive, and
# backports (the 7.x kernels). A change of this list refreshes apt.
src=$root/etc/apt/sources.list.d/debian.sources
want=$(debian_sources trixie trixie-backports)
if [ "$(cat "$src" 2>/dev/null)" != "$want" ]; then
    printf '%s\n' "$want" > "$src"
    trixie_run apt-get update -qq
fi
# The package lists at most a day old: the kernels move with point releases.
if [ -z "$(find "$root/var/lib/apt/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
    trixie_run apt-get update -qq
fi
if [ "${1:-}" = arm64 ] && [ ! -x "$root/usr/bin/aarch64-linux-gnu-gcc-14" ]; then
    log "trixie build root: gcc-14 for arm64 (cross)"
    trixie_run apt-get install -y -q --no-install-recommends \
        gcc-14-aarch64-linux-gnu libc6-dev-arm64-cross \
        > "$ZCOMP_BUILD/trixie-root-arm64.log" 2>&1 || {
        tail -20 "$ZCOMP_BUILD/trixie-root-arm64.log"; exit 1; }
fi
