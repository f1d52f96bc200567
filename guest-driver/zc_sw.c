// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci software fallback: the kernel's own lz4, lz4hc and lzo, whose
 * formats the device shares, for requests the device did not finish.
 */

#include <linux/kernel.h>
#include <linux/lz4.h>
#include <linux/lzo.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "zc.h"

static DEFINE_SPINLOCK(zc_sw_lock);	/* zc_sw_buf */
static struct zc_sw_buf zc_sw_buf;

size_t zc_sw_wrkmem_size(u8 algo)
{
	switch (algo) {
	case ZCOMP_ALG_LZ4:
		return LZ4_MEM_COMPRESS;
	case ZCOMP_ALG_LZ4HC:
		return LZ4HC_MEM_COMPRESS;
	default:
		return LZO1X_1_MEM_COMPRESS;
	}
}

static int zc_sw_decompress(u8 algo, const u8 *src, unsigned int slen,
			    u8 *dst, unsigned int *dlen)
{
	size_t len = *dlen;
	int n;

	if (algo == ZCOMP_ALG_LZO) {
		if (lzo1x_decompress_safe(src, slen, dst, &len) != LZO_E_OK)
			return -EINVAL;
		*dlen = len;
		return 0;
	}
	n = LZ4_decompress_safe(src, dst, slen, *dlen);
	if (n < 0)
		return -EINVAL;
	*dlen = n;
	return 0;
}

/* lzo1x_1_compress() does not bound its output: go through @scratch. */
static int zc_sw_lzo_compress(const u8 *src, unsigned int slen, u8 *dst,
			      unsigned int *dlen, void *wrkmem, u8 *scratch,
			      size_t scratch_len)
{
	size_t len;

	if (*dlen >= lzo1x_worst_compress(slen)) {
		if (lzo1x_1_compress(src, slen, dst, &len, wrkmem))
			return -EINVAL;
		*dlen = len;
		return 0;
	}
	if (lzo1x_worst_compress(slen) > scratch_len ||
	    lzo1x_1_compress(src, slen, scratch, &len, wrkmem))
		return -EINVAL;
	if (len > *dlen)
		return -EINVAL;
	memcpy(dst, scratch, len);
	*dlen = len;
	return 0;
}

/*
 * The kernel's software codecs, on linear buffers. @scratch (of
 * lzo1x_worst_compress(ZC_SLOT_BYTES) bytes) lets lzo compress into a
 * destination smaller than its worst case.
 */
int zc_sw_run(u8 op, u8 algo, const u8 *src, unsigned int slen, u8 *dst,
	      unsigned int *dlen, void *wrkmem, u8 *scratch, size_t scratch_len)
{
	int n;

	if (op == ZCOMP_OP_DECOMPRESS)
		return zc_sw_decompress(algo, src, slen, dst, dlen);

	switch (algo) {
	case ZCOMP_ALG_LZ4:
		n = LZ4_compress_default(src, dst, slen, *dlen, wrkmem);
		break;
	case ZCOMP_ALG_LZ4HC:
		n = LZ4_compress_HC(src, dst, slen, *dlen, LZ4HC_DEFAULT_CLEVEL,
				    wrkmem);
		break;
	default:
		return zc_sw_lzo_compress(src, slen, dst, dlen, wrkmem,
					  scratch, scratch_len);
	}
	if (n <= 0)
		return -EINVAL;
	*dlen = n;
	return 0;
}

/* The shared linear buffers, for callers in any context (zswap's path). */
struct zc_sw_buf *zc_sw_buf_get(unsigned long *flags)
{
	spin_lock_irqsave(&zc_sw_lock, *flags);
	return &zc_sw_buf;
}

void zc_sw_buf_put(unsigned long flags)
{
	spin_unlock_irqrestore(&zc_sw_lock, flags);
}

int zc_sw_init(void)
{
	zc_sw_buf.wrkmem = vmalloc(LZ4HC_MEM_COMPRESS);
	zc_sw_buf.src = vmalloc(ZC_SW_MAX);
	zc_sw_buf.dst = vmalloc(lzo1x_worst_compress(ZC_SW_MAX));
	if (!zc_sw_buf.wrkmem || !zc_sw_buf.src || !zc_sw_buf.dst) {
		zc_sw_exit();
		return -ENOMEM;
	}
	return 0;
}

void zc_sw_exit(void)
{
	vfree(zc_sw_buf.wrkmem);
	vfree(zc_sw_buf.src);
	vfree(zc_sw_buf.dst);
	memset(&zc_sw_buf, 0, sizeof(zc_sw_buf));
}
