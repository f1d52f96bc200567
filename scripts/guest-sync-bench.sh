#!/bin/bash
# Boots Debian's 6.1 kernel under our QEMU (TCG, 1 vCPU) with a busybox
# initramfs whose tests/guest/sync-bench drives zcomp-pci from guest
# userspace (BAR0 via sysfs, physical addresses via pagemap; no driver),
# timing polled requests on a worker-mode queue and on a SYNC-mode queue.
# Fails if the guest does not finish or any request fails.
set -euo pipefail
. "$(dirname "$0")/common.sh"

g=$ZCOMP_BUILD/guest
mkdir -p "$g"
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
if [ ! -f "$g/$pkg.stamp" ]; then
    log "fetching guest kernel $pkg (apt-get download, not installed)"
    rm -rf "$g/img" "$g"/linux-image-*.deb
    (cd "$g" && apt-get download -q "$pkg" >/dev/null 2>&1 && dpkg -x linux-image-*.deb img)
    touch "$g/$pkg.stamp"
fi
kernel=$(ls "$g"/img/boot/vmlinuz-*)

gcc -static -O2 -Wall -Werror -I"$ZCOMP_ROOT/include" \
    -o "$g/sync-bench" "$ZCOMP_ROOT/tests/guest/sync-bench.c"
rm -rf "$g/initramfs"
mkdir -p "$g/initramfs"/{bin,proc,sys,dev}
cp /bin/busybox "$g/sync-bench" "$g/initramfs/bin/"
cat > "$g/initramfs/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
dev=$(grep -l 0x10f0 /sys/bus/pci/devices/*/device | head -1)
/bin/sync-bench "${dev%/device}" 2000 && echo SYNC-BENCH-DONE
poweroff -f
INIT
chmod +x "$g/initramfs/init"
(cd "$g/initramfs" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > ../initramfs.gz)

log "booting $(basename "$kernel") with -device zcomp-pci (TCG, 1 vCPU)"
out=$(timeout 300 "$QEMU_BIN" -M q35 -m 512 -smp 1 -nodefaults -vga none \
    -display none -serial stdio -no-reboot -kernel "$kernel" \
    -initrd "$g/initramfs.gz" -append "console=ttyS0 quiet panic=-1" \
    -device zcomp-pci,addr=04.0 2>&1) || true
grep '^SYNC-BENCH' <<<"$out" | tr -d '\r'
grep -q '^SYNC-BENCH-DONE' <<<"$out" || { echo "$out" | tail -20; echo "guest sync bench FAILED" >&2; exit 1; }
