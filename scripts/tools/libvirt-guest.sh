#!/bin/bash
# One boot of a real Debian guest as a libvirt domain, as a user runs VMs:
# Debian's libvirt (the running qemu:///system daemon, or libvirtd and
# virtlogd started here and stopped at the end), TCG, the domain's
# <emulator> the installed host package's QEMU (zcomp-qemu:
# scripts/setup/build-host-deb.sh), -device zcomp-pci added through
# <qemu:commandline> (docs/libvirt.md). The guest's test service
# (tests/debian/zcomp-test, zcomp.libvirt=1) prints "ZLOAD begin" when its
# zram and zswap load starts; in the middle of it this saves the domain
# (virsh save) and restores it, checks that the device completes requests
# after the restore (its time histograms, through QMP), waits for the
# guest's verdict, then destroys and undefines the domain. Host results
# are TAP; the guest's console goes to LOG (the caller reads its TAP).
#   libvirt-guest.sh NAME KERNEL INITRD DISK LOG [KERNEL ARGS]
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"

name=$1 kernel=$2 initrd=$3 disk=$4 log=$5 args=${6:-}
emulator=/usr/bin/zcomp-qemu-system-x86_64
export LIBVIRT_DEFAULT_URI=qemu:///system
# one domain per checkout: qemu:///system is the machine's
dom=zcomp-test-$name-$(echo "$ZCOMP_BUILD" | md5sum | cut -c1-8)
# Where libvirt's own images live: libvirt-qemu can reach it, and the
# domain's files are relabelled for it on start, back on stop.
dir=/var/lib/libvirt/images/$dom
run=$ZCOMP_BUILD/libvirt
mkdir -p "$run"

started=()
# /dev/kvm's owner and mode before this test changed them (below), kept
# in a file so that a run killed before it put them back has the next
# run do it.
kvm_orig=$run/kvm.orig
kvm_restore() {
    local was
    was=$(cat "$kvm_orig" 2>/dev/null) || return 0
    if chown "${was% *}" /dev/kvm && chmod "${was#* }" /dev/kvm; then
        rm -f "$kvm_orig"
    else
        echo "libvirt guest: /dev/kvm not put back to $was" >&2
    fi
}
kvm_restore
# Whether libvirt's QEMU user can open /dev/kvm.
kvm_usable() { runuser -u libvirt-qemu -- test -r /dev/kvm -a -w /dev/kvm; }
stop_daemons() {
    local p pid i
    for p in "${started[@]}"; do
        pid=$(cat "$run/$p.pid" 2>/dev/null) || continue
        kill "$pid" 2>/dev/null || continue
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    done
}
console=$dir/console.log
# The guest's console to LOG (the caller reads its results), whatever
# ended the run; then no domain, files or daemons of the run are left.
cleanup() {
    [ ! -f "$console" ] || tr -d '\r' < "$console" > "$log"
    virsh destroy "$dom" >/dev/null 2>&1 || true
    virsh undefine "$dom" >/dev/null 2>&1 || true
    rm -rf "$dir"
    kvm_restore
    stop_daemons
}
tap_ensure cleanup
trap 'exit 1' TERM INT
rm -f "$log"
installed=$(dpkg-query -W -f='${Status} ${Version}' zcomp-qemu 2>/dev/null || true)
case $installed in
"install ok installed "*) ;;
*) echo "libvirt guest: the host package zcomp-qemu is not installed" >&2; exit 1 ;;
esac
# ZCOMP_HOST_DEB (stage debian): the package just built is the one installed
if [ -n "${ZCOMP_HOST_DEB:-}" ] &&
   [ "${installed##* }" != "$(dpkg-deb -f "$ZCOMP_HOST_DEB" Version)" ]; then
    echo "libvirt guest: zcomp-qemu ${installed##* } is installed, not $ZCOMP_HOST_DEB" >&2
    exit 1
fi
if ! virsh uri >/dev/null 2>&1; then
    # No daemon (no systemd to start one): the test starts its own.
    log "libvirt: starting virtlogd and libvirtd"
    if ! pgrep -x virtlogd >/dev/null; then
        virtlogd --daemon --pid-file "$run/virtlogd.pid"
        started+=(virtlogd)
    fi
    # No udev either, whose rule (Debian 12's 50-udev-default.rules)
    # makes /dev/kvm root:kvm 0660, and libvirt's QEMU user is in group
    # kvm. With a /dev/kvm that user cannot open, libvirt 9.0 probes QEMU
    # with KVM, then finds KVM not usable and throws the capabilities away
    # at every lookup, probing again: 4 s each, a minute per virsh define.
    # So /dev/kvm gets udev's group and mode while the daemons run (the
    # domain is TCG whatever KVM can do), and its own back after.
    if [ -e /dev/kvm ] && id -nG libvirt-qemu 2>/dev/null | grep -qw kvm &&
       ! kvm_usable; then
        stat -c '%u:%g %a' /dev/kvm > "$kvm_orig"
        log "libvirt: /dev/kvm root:kvm 0660 while the daemons run, as udev makes it"
        chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || true
        kvm_usable || {
            echo "libvirt guest: /dev/kvm still not usable by libvirt-qemu" >&2
            kvm_restore; }
    fi
    libvirtd --daemon --pid-file "$run/libvirtd.pid"
    started+=(libvirtd)
    for _ in $(seq 150); do virsh uri >/dev/null 2>&1 && break; sleep 0.2; done
fi
virsh uri >/dev/null || { echo "libvirt guest: no libvirt daemon" >&2; exit 1; }
virsh destroy "$dom" >/dev/null 2>&1 || true    # a run that was killed
virsh undefine "$dom" >/dev/null 2>&1 || true

rm -rf "$dir"
mkdir -p "$dir"
cp "$kernel" "$dir/vmlinuz"
cp "$initrd" "$dir/initrd.img"
cp --sparse=always "$disk" "$dir/disk.img"      # the run's own copy
sed -e "s|@NAME@|$dom|g" -e "s|@DIR@|$dir|g" -e "s|@EMULATOR@|$emulator|g" \
    -e "s|@ARGS@|console=ttyS0 root=/dev/vda rw quiet panic=-1 zcomp.libvirt=1 $args|" \
    "$ZCOMP_ROOT/tests/debian/libvirt-domain.xml" > "$dir/domain.xml"

# seen REGEX: whether the guest's console has printed REGEX (grep -E).
seen() { grep -qE "$1" "$console" 2>/dev/null; }
# wait_for PATTERN SECONDS: until the console prints PATTERN, while the
# domain runs.
wait_for() {
    local i
    for ((i = 0; i < $2; i++)); do
        seen "$1" && return 0
        [ "$(virsh domstate "$dom" 2>/dev/null)" = running ] || break
        sleep 1
    done
    seen "$1"
}
# requests: requests the device has completed since it was last reset or
# restored (the sum of its latency histograms' counts, qom-get through
# libvirt's QMP connection).
requests() {
    virsh qemu-monitor-command "$dom" \
        '{"execute":"qom-get","arguments":{"path":"/machine/peripheral/zcomp0","property":"time-histograms"}}' |
        python3 -c 'import json, sys
print(sum(h["count"] for h in json.load(sys.stdin)["return"] if h["kind"] == "latency"))'
}
tap_check "libvirt $name: define (emulator $emulator)" virsh define "$dir/domain.xml" --validate
log "libvirt $name: virsh start (libvirt $(dpkg-query -W -f='${Version}' libvirt-daemon 2>/dev/null))"
if ! virsh start "$dom"; then
    tap_fail "libvirt $name: start"
    exit 0
fi
tap_ok "libvirt $name: start"
if ! wait_for 'ZLOAD begin' 300; then
    tap_fail "libvirt $name: the guest's load began"
    exit 0
fi
sleep 5
t0=$(date +%s.%N)
if ! virsh save "$dom" "$dir/saved" >/dev/null; then
    tap_fail "libvirt $name: virsh save during the load"
    exit 0
fi
t1=$(date +%s.%N)
tap_ok "libvirt $name: virsh save during the load ($(echo "$t1 - $t0" | bc) s, $(du -m "$dir/saved" | cut -f1) MiB)"
tap_check "libvirt $name: the domain is off once saved" \
    test "$(virsh domstate "$dom")" = "shut off"
tap_check "libvirt $name: saved in the middle of the load" sh -c "test -f '$console' && ! grep -q 'ZLOAD end' '$console'"
if ! virsh restore "$dir/saved" >/dev/null; then
    tap_fail "libvirt $name: virsh restore"
    exit 0
fi
tap_ok "libvirt $name: virsh restore ($(echo "$(date +%s.%N) - $t1" | bc) s)"
rm -f "$dir/saved"
sleep 3
a=$(requests || echo -1)
sleep 5
b=$(requests || echo -1)
tap_diag "libvirt $name: device requests since the restore: $a, 5 s later $b"
tap_check "libvirt $name: offload goes on after the restore" test "$a" -gt 0 -a "$b" -gt "$a"
if ! wait_for '^ZKERNEL-LOG (clean|bad)' 600; then
    tap_fail "libvirt $name: the guest's tests ended"
    exit 0
fi
tap_check "libvirt $name: the load ended after the restore" seen 'ZLOAD end'
tap_check "libvirt $name: virsh destroy" virsh destroy "$dom"
tap_check "libvirt $name: virsh undefine" virsh undefine "$dom"
tap_check "libvirt $name: the domain is gone" sh -c "! virsh list --all --name | grep -qx '$dom'"
exit 0
