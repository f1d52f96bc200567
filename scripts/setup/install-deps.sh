#!/bin/bash
# Installs everything zcomp needs on Debian 12 (as root). Cheap when already done.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/apt-sources.sh"

pkgs="build-essential pkg-config autoconf automake dpkg-dev ninja-build ccache python3-venv
  liblz4-dev liblzo2-dev libzstd-dev libglib2.0-dev libfdt-dev libpixman-1-dev zlib1g-dev
  seabios qemu-system-data xz-utils cpio busybox-static kmod bc flex bison libelf-dev
  clang libclang-rt-14-dev debootstrap python3-matplotlib python3-tabulate
  libvirt-daemon-system libvirt-clients"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
# libvirt's daemons without systemd as init (a container, as CI's): the
# init-script flavour, rather than pulling systemd in; the tests start
# the daemons themselves (scripts/tools/libvirt-guest.sh)
case " $missing " in
*" libvirt-daemon-system "*)
    [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] ||
        missing="$missing libvirt-daemon-system-sysv" ;;
esac
need_meson=1
if command -v meson >/dev/null 2>&1; then
    dpkg --compare-versions "$(meson --version)" ge 1.5 && need_meson=0
fi
if [ -n "$missing" ] || [ $need_meson = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends $missing
    [ $need_meson = 0 ] || apt-get install -y -q --no-install-recommends -t bookworm-backports meson
fi
