#!/bin/bash
# The DKMS package, installed the way a user installs it: `apt-get install
# ./zcomp-pci-dkms_*.deb` inside the Debian trixie build root, which has the
# headers of trixie's and trixie-backports' kernels. Checks that DKMS built
# and installed zcomp_pci for each (vermagic of that kernel), that the
# softdep orders zcomp_pci before zram (trixie's and bookworm's kmod, each
# kernel's module tree), that purging removes it all; then
# boots the 6.12 guest with the DKMS-built module (tests/guest/dkms-module.sh:
# it loads, passes the self-tests and offloads zswap). Results in TAP.
set -euo pipefail
export ZCOMP_FLAVOUR=amd64   # amd64 guests only (fixed paths below)
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_ensure

ok() { tap_ok "dkms: $*"; }
fail() { tap_fail "dkms: $*"; }

deb=$("$ZCOMP_ROOT/scripts/setup/build-dkms-deb.sh")
kvers=
for line in 6.12 7; do
    ZCOMP_KERNEL=$line "$ZCOMP_ROOT/scripts/setup/guest-prep.sh"   # headers in the root
    kvers="$kvers $(cat "$ZCOMP_BUILD/guest/$(kernel_suite $line)/kver")"
done
log "dkms: installing $(basename "$deb") in the trixie root"
trixie_run apt-get install -y -q --no-install-recommends dkms > "$ZCOMP_BUILD/dkms/apt.log" 2>&1 ||
    { tail -20 "$ZCOMP_BUILD/dkms/apt.log"; exit 1; }
trixie_run sh -c 'dpkg -P zcomp-pci-dkms >/dev/null 2>&1 || true'
cp "$deb" "$TRIXIE_ROOT/tmp/"
trixie_run apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
    > "$ZCOMP_BUILD/dkms/install.log" 2>&1 || { tail -30 "$ZCOMP_BUILD/dkms/install.log"; exit 1; }
for k in $kvers; do
    ko=$(trixie_run sh -c "ls /lib/modules/$k/updates/dkms/zcomp_pci.ko* 2>/dev/null || true" | head -1)
    if [ -z "$ko" ]; then
        fail "built-for-$k"; grep -i error "$ZCOMP_BUILD/dkms/install.log" | head -5 || true
        continue
    fi
    ok "built-for-$k"
    vm=$(trixie_run modinfo -F vermagic "$ko")
    if [ "${vm%% *}" = "$k" ]; then ok "vermagic-$k"; else fail "vermagic-$k ($vm)"; fi
done
# The softdep, as trixie's kmod reads the installed /etc/modprobe.d: in the
# guest's module tree, loading zram loads zcomp_pci first. (bookworm's kmod
# reads the same file below.)
softdep_order() { # MODPROBE ARGS...: the module order of `modprobe zram`
    "$@" --show-depends zram | awk '{ n = $NF; sub(".*/", "", n); print n }' | tr '\n' ' '
}
for s in trixie trixie-backports; do
    k=$(cat "$ZCOMP_BUILD/guest/$s/kver")
    rm -rf "$TRIXIE_ROOT/tmp/modtree"
    mkdir -p "$TRIXIE_ROOT/tmp/modtree"
    cp -r "$ZCOMP_BUILD/guest/$s/initramfs/lib" "$TRIXIE_ROOT/tmp/modtree/"
    order=$(softdep_order trixie_run modprobe -d /tmp/modtree -S "$k")
    case $order in
    *zcomp_pci.ko*zram.ko*) ok "softdep-zcomp_pci-before-zram-$k ($(trixie_run kmod --version 2>&1 | head -1))" ;;
    *) fail "softdep-zcomp_pci-before-zram-$k: $order" ;;
    esac
done
rm -rf "$TRIXIE_ROOT/tmp/modtree"
ZCOMP_KERNEL=6.1 "$ZCOMP_ROOT/scripts/setup/guest-prep.sh" >/dev/null 2>&1
conf=$(mktemp -d)
cp "$ZCOMP_ROOT/guest-driver/modprobe-zcomp-pci.conf" "$conf/zcomp-pci.conf"
k=$(cat "$ZCOMP_BUILD/guest/bookworm/kver")
order=$(softdep_order /sbin/modprobe -C "$conf" -d "$ZCOMP_BUILD/guest/bookworm/initramfs" -S "$k")
rm -rf "$conf"
case $order in
*zcomp_pci.ko*zram.ko*) ok "softdep-zcomp_pci-before-zram-$k ($(kmod --version 2>&1 | head -1))" ;;
*) fail "softdep-zcomp_pci-before-zram-$k: $order" ;;
esac
dkms_ko=$TRIXIE_ROOT$(trixie_run sh -c "ls /lib/modules/$(cat "$ZCOMP_BUILD/guest/trixie/kver")/updates/dkms/zcomp_pci.ko* 2>/dev/null || true" | head -1)
case $dkms_ko in
*.xz) xz -dc "$dkms_ko" > "$ZCOMP_BUILD/dkms/zcomp_pci.ko" ;;
*) cp "$dkms_ko" "$ZCOMP_BUILD/dkms/zcomp_pci.ko" ;;
esac
trixie_run dpkg -P zcomp-pci-dkms > "$ZCOMP_BUILD/dkms/purge.log" 2>&1
if trixie_run sh -c 'ls /lib/modules/*/updates/dkms/zcomp_pci.ko* /usr/src/zcomp-pci-* /etc/modprobe.d/zcomp-pci.conf' >/dev/null 2>&1; then
    fail purge-removes-all
else
    ok purge-removes-all
fi

# The module DKMS built, in the 6.12 guest instead of our own build.
ZCOMP_KERNEL=6.12 ZCOMP_MODULE=$ZCOMP_BUILD/dkms/zcomp_pci.ko "$ZCOMP_ROOT/scripts/setup/guest-prep.sh"
if cmp -s "$ZCOMP_BUILD/dkms/zcomp_pci.ko" "$ZCOMP_BUILD/guest/trixie/zcomp_pci.ko"; then
    ok guest-gets-dkms-module
else
    fail guest-gets-dkms-module
fi
ZCOMP_KERNEL=6.12 tap_guard "dkms: guest" "$ZCOMP_ROOT/scripts/tools/guest-boot.sh" dkms-module
ZCOMP_KERNEL=6.12 "$ZCOMP_ROOT/scripts/setup/guest-prep.sh" >/dev/null 2>&1   # back to our build

