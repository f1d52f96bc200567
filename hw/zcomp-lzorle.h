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
 * Work memory of zc_lzorle_compress(): its hash table of 2^13 positions,
 * 16 bits each (16 KiB), as the kernel's LZO1X_1_MEM_COMPRESS.
 */
#define ZC_LZORLE_HASH_BITS 13
#define ZC_LZORLE_WRKMEM_SIZE ((size_t)2 << ZC_LZORLE_HASH_BITS)

/*
 * Worst case size of the stream of @len input bytes: len + len / 8 + 72.
 * Not the kernel's lzo1x_worst_compress() (len + len / 16 + 69): a run of
 * 4 literals (5 bytes) before a 4-byte zero run (4 bytes) takes 9 bytes
 * per 8, and a guest can make every 8 bytes of a request so (a test in
 * test-lzorle does). Every literal run of n >= 4 costs at most 1 + n / 255
 * bytes more than its input and is followed by at least 4 bytes that cost
 * at most as many; runs of 1..3 ride in the previous instruction; the
 * rest is the header (2), the end (3) and the first run's byte.
 */
size_t zc_lzorle_bound(size_t len);

/*
 * Compress @slen bytes (any length, 0 included) into @dst, which must hold
 * zc_lzorle_bound(@slen) bytes; *@dlen is set to the stream's size.
 * @wrkmem: ZC_LZORLE_WRKMEM_SIZE bytes, any alignment, no contents needed.
 *
 * The stream is bitstream version 1 (lzo-rle), as the kernel's
 * lzorle1x_1_compress writes it: the marker byte 17 and the version byte
 * 1, then LZO1X instructions in which runs of 4..2051 zero bytes are
 * encoded as the version 1 zero-run instruction, then the end-of-stream
 * instruction (0x11 0 0). The header is written for every input, the
 * empty one too, so every stream is at least 5 bytes long; decoders (the
 * kernel's lzo1x_decompress_safe and zc_lzorle_decompress) take a stream
 * for versioned when it is at least 5 bytes long and starts with 17,
 * which a version 0 stream never does. Returns ZC_LZORLE_OK.
 */
int zc_lzorle_compress(const uint8_t *src, size_t slen, uint8_t *dst,
                       size_t *dlen, void *wrkmem);

/*
 * Decode a version 0 (plain LZO1X) or version 1 (lzo-rle) stream of @slen
 * bytes into @dst of *@dlen bytes; on success *@dlen is the output size.
 * Safe on any input: never reads outside @src or writes outside @dst.
 */
int zc_lzorle_decompress(const uint8_t *src, size_t slen,
                         uint8_t *dst, size_t *dlen);

#endif
