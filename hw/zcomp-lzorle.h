/*
 * zcomp-lzorle: LZO1X streams with the kernel's run-length extension
 * (bitstream version 1, "lzo-rle"), written for zcomp from the format's
 * description in the kernel's Documentation/staging/lzo.rst.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ZCOMP_LZORLE_H
#define ZCOMP_LZORLE_H

#include <stddef.h>
#include <stdint.h>

enum {
    ZC_LZORLE_OK = 0,
    ZC_LZORLE_CORRUPT = -1,          /* not a valid stream */
    ZC_LZORLE_DST_TOO_SMALL = -2,    /* valid so far, output does not fit */
};

/*
 * Decode a version 0 (plain LZO1X) or version 1 (lzo-rle) stream of @slen
 * bytes into @dst of *@dlen bytes; on success *@dlen is the output size.
 * Safe on any input: never reads outside @src or writes outside @dst.
 */
int zc_lzorle_decompress(const uint8_t *src, size_t slen,
                         uint8_t *dst, size_t *dlen);

#endif
