#!/bin/bash
# A real Debian guest instead of busybox: a minimal Debian root made with
# debootstrap (systemd, udev, kmod, systemd-zram-generator, stress-ng, the
# suite's kernel and headers), cached as a disk image; the zcomp-pci DKMS
# package installed into it (built in its chroot against its kernel, as a
# user's apt would); booted with -device zcomp-pci and -smp 2 under a time
# limit. tests/debian/zcomp-test runs as a systemd service and checks.
#   debian-guest.sh bookworm|trixie
# bookworm (6.1): zram swap by systemd-zram-generator (lz4) is offloaded;
# a second boot loads zcomp_pci late and checks what the docs promise.
# trixie (6.12): our zram.ko with the acomp backend (patches/zram-acomp-
# 6.12/, built as scripts/setup/zram-acomp.sh does, installed in updates/ as a
# user would), and zram-generator's config alone names the transform
# (compression-algorithm = acomp/lz4): zram swap is offloaded; then zswap;
# booted as a libvirt domain on the installed host package's QEMU, saved
# and restored in the middle of that load (scripts/tools/libvirt-guest.sh;
# DEBIAN_GUEST_DIRECT=1: QEMU from the build tree, started directly).
set -euo pipefail
export ZCOMP_FLAVOUR=amd64   # amd64 guests only (fixed paths below)
. "$(dirname "$0")/../lib/common.sh"
. "$ZCOMP_ROOT/scripts/lib/tap.sh"
tap_ensure

suite=$1
d=$ZCOMP_BUILD/debian/$suite
root=$d/root
run() { chroot_run "$root" "$@"; }   # a command in the guest's root
mkdir -p "$d"
"$ZCOMP_ROOT/scripts/setup/debian-root.sh" "$suite"

# The driver's package and the test, reinstalled when either changes;
# from 6.12 our zram.ko too, for the root's own kernel.
deb=$("$ZCOMP_ROOT/scripts/setup/build-dkms-deb.sh")
kver=$(ls "$root/lib/modules" | head -1)
zram_ko= alg=lz4
if [ "$suite" != bookworm ]; then
    case $kver in 6.12.*) line=6.12 ;; *) line=7 ;; esac
    ZCOMP_KERNEL=$line "$ZCOMP_ROOT/scripts/setup/guest-prep.sh" >/dev/null
    [ "$(cat "$ZCOMP_BUILD/guest/$suite/kver")" = "$kver" ] || {
        echo "debian guest: the root's kernel $kver is not the guest's $(cat "$ZCOMP_BUILD/guest/$suite/kver")" >&2; exit 1; }
    zram_ko=$(ZCOMP_KERNEL=$line "$ZCOMP_ROOT/scripts/setup/zram-acomp.sh")
    alg=acomp/lz4
fi
# zram swap as a user configures it, the transform named in the
# generator's own config. From 6.12 (our zram): zram0 recompresses with
# zstd on the device too; zram1 names a recompression transform that
# does not exist, which must cost it nothing but that.
if [ -n "$zram_ko" ]; then
    conf=$(printf '[zram0]\ncompression-algorithm = %s acomp/zstd\nzram-size = 256\n\n[zram1]\ncompression-algorithm = %s acomp/nosuch\nzram-size = 64\n' "$alg" "$alg")
else
    conf=$(printf '[zram0]\ncompression-algorithm = %s\nzram-size = 256\n' "$alg")
fi
want=$( (cat "$deb" "$ZCOMP_ROOT"/tests/debian/* "$ZCOMP_ROOT/tests/guest/klog.sh" $zram_ko; echo "$conf") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$d/installed.sha256" 2>/dev/null)" != "$want" ]; then
    log "debian guest ($suite): apt install $(basename "$deb") (DKMS builds it in the guest's root)"
    run sh -c 'dpkg -P zcomp-pci-dkms >/dev/null 2>&1 || true'
    cp "$deb" "$root/tmp/"
    run apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
        > "$d/dkms-install.log" 2>&1 || { tail -30 "$d/dkms-install.log"; exit 1; }
    rm -f "$root/tmp/$(basename "$deb")"
    ls "$root/lib/modules/$kver/updates/dkms/"zcomp_pci.ko* >/dev/null || {
        echo "DKMS built no module for $kver" >&2; tail -30 "$d/dkms-install.log"; exit 1; }
    rm -f "$root/lib/modules/$kver/updates/zram.ko"
    if [ -n "$zram_ko" ]; then
        install -m 644 "$zram_ko" "$root/lib/modules/$kver/updates/zram.ko"
        # depmod prefers updates/; the initramfs must not carry the stock one
        run depmod -a "$kver"
        run update-initramfs -u -k "$kver" > "$d/initramfs.log" 2>&1 || {
            tail -20 "$d/initramfs.log"; exit 1; }
    fi
    echo "$conf" > "$root/etc/systemd/zram-generator.conf"
    install -m 755 "$ZCOMP_ROOT/tests/debian/zcomp-test" "$root/usr/local/sbin/zcomp-test"
    install -D -m 644 "$ZCOMP_ROOT/tests/guest/klog.sh" "$root/usr/local/lib/zcomp/klog.sh"
    install -m 644 "$ZCOMP_ROOT/tests/debian/zcomp-test.service" "$root/etc/systemd/system/"
    ln -sf /etc/systemd/system/zcomp-test.service \
        "$root/etc/systemd/system/multi-user.target.wants/zcomp-test.service"
    # The test owns the serial console: no login prompt hanging it up.
    ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
    # Disk images: as installed, and (Debian 12, whose second boot uses
    # it) with the package's load-order files moved away and udev's PCI
    # autoload of zcomp_pci blacklisted (zcomp_pci loaded late, by the
    # test).
    log "debian guest ($suite): disk images"
    rm -f "$d/disk.img" "$d/disk-late.img"
    mkfs.ext4 -q -F -L root -d "$root" "$d/disk.img" 4G
    if [ "$suite" = bookworm ]; then
        mkdir -p "$d/aside"
        mv "$root/etc/modprobe.d/zcomp-pci.conf" "$d/aside/modprobe.conf"
        mv "$root/usr/lib/modules-load.d/zcomp-pci.conf" "$d/aside/modules-load.conf"
        echo "blacklist zcomp_pci" > "$root/etc/modprobe.d/zcomp-late.conf"
        mkfs.ext4 -q -F -L root -d "$root" "$d/disk-late.img" 4G
        rm "$root/etc/modprobe.d/zcomp-late.conf"
        mv "$d/aside/modprobe.conf" "$root/etc/modprobe.d/zcomp-pci.conf"
        mv "$d/aside/modules-load.conf" "$root/usr/lib/modules-load.d/zcomp-pci.conf"
    fi
    echo "$want" > "$d/installed.sha256"
fi

# DEBIAN_GUEST_PREPARE_ONLY=1: build the root and images, boot nothing.
[ -z "${DEBIAN_GUEST_PREPARE_ONLY:-}" ] || exit 0

boot() { # NAME IMAGE [KERNEL ARGS]
    local name=$1 img=$2 out
    log "debian guest ($suite): boot $name (-smp 2, -device zcomp-pci)"
    out=$(timeout 600 "$QEMU_BIN" -M q35 -m 1024 -smp 2 -nodefaults -vga none \
        -display none -serial stdio -no-reboot -snapshot \
        -kernel "$(ls "$root"/boot/vmlinuz-* | head -1)" \
        -initrd "$(ls "$root"/boot/initrd.img-* | head -1)" \
        -append "console=ttyS0 root=/dev/vda rw quiet panic=-1 ${3:-}" \
        -drive "file=$img,if=virtio,format=raw" \
        -device zcomp-pci,queues=4 2>&1 3>&- | tr -d '\r' | tee "$d/$name.log") || true
    grep -E '^ZINFO kernel' <<<"$out" >&2 || true
    ztap guest "debian $suite $name" "$d/$name.log"
}
# As boot, as a libvirt domain on the installed host package's QEMU, the
# domain saved and restored in the middle of the guest's load
# (scripts/tools/libvirt-guest.sh).
boot_libvirt() { # NAME IMAGE
    local name=$1 img=$2
    log "debian guest ($suite): boot $name as a libvirt domain (-smp 2, -device zcomp-pci)"
    # (its own waits, at most 300 + 600 s, and save and restore)
    timeout -k 30 1200 "$ZCOMP_ROOT/scripts/tools/libvirt-guest.sh" "$suite-$name" \
        "$(ls "$root"/boot/vmlinuz-* | head -1)" "$(ls "$root"/boot/initrd.img-* | head -1)" \
        "$img" "$d/$name.log" || true
    grep -E '^ZINFO kernel' "$d/$name.log" >&2 || true
    ztap guest "debian $suite $name" "$d/$name.log"
}
rc=0
if [ "$suite" = bookworm ]; then
    boot normal "$d/disk.img" || rc=1
    boot late "$d/disk-late.img" zcomp.mode=late || rc=1
elif [ -n "${DEBIAN_GUEST_DIRECT:-}" ]; then
    boot normal "$d/disk.img" || rc=1
else
    boot_libvirt libvirt "$d/disk.img" || rc=1
fi
exit $rc
