/*
 * The kernel's LZO functions, compiled from lib/lzo/ with the shim headers
 * of tests/kernel-ref/ and renamed klzo_* (see linux/kernel.h there), as
 * an oracle for tests and the benchmark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ZCOMP_KERNEL_LZO_H
#define ZCOMP_KERNEL_LZO_H

#include <stddef.h>

/* LZO1X_1_MEM_COMPRESS: 8192 16-bit entries */
#define KLZO_WRKMEM_SIZE (8192 * sizeof(unsigned short))
#define KLZO_OK 0

int klzo_lzo1x_1_compress(const unsigned char *src, size_t src_len,
                          unsigned char *dst, size_t *dst_len, void *wrkmem);
int klzo_lzorle1x_1_compress(const unsigned char *src, size_t src_len,
                             unsigned char *dst, size_t *dst_len,
                             void *wrkmem);
int klzo_lzo1x_decompress_safe(const unsigned char *src, size_t src_len,
                               unsigned char *dst, size_t *dst_len);

#endif
