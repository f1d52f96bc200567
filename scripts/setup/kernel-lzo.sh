#!/bin/bash
# The kernel's LZO code (lib/lzo/, include/linux/lzo.h) from Debian's
# linux-source-6.1, fetched once into .build/linux-6.1, as a test and
# benchmark oracle for hw/zcomp-lzorle.c: lzorle1x_1_compress,
# lzo1x_1_compress and lzo1x_decompress_safe, compiled unmodified as
# userspace C with the shim headers of tests/kernel-ref/. It is GPL-2.0
# and never shipped. Prints the directory to pass as meson's kernel_lzo:
#   meson configure build -Dkernel_lzo=$(scripts/setup/kernel-lzo.sh)
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

kdir=$ZCOMP_BUILD/linux-6.1
if [ ! -f "$kdir/lib/lzo/lzo1x_compress.c" ] ||
   [ ! -f "$kdir/lib/lzo/lzo1x_decompress_safe.c" ] ||
   [ ! -f "$kdir/include/linux/lzo.h" ]; then
    log "fetching lib/lzo from linux-source-6.1"
    rm -rf "$kdir"
    kernel_src_extract "$kdir" '*/lib/lzo/*' '*/include/linux/lzo.h'
    test -f "$kdir/lib/lzo/lzo1x_compress.c"
    test -f "$kdir/include/linux/lzo.h"
fi
echo "$kdir"
