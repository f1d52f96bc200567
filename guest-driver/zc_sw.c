// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci software fallback: the kernel's own lz4, lz4hc, lzo, lzo-rle
 * and zstd, whose formats the device shares, for requests the device did
 * not finish.
 */

#include <linux/kernel.h>
#include <linux/lz4.h>
#include <linux/lzo.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/zstd.h>

#include "zc.h"
#include "zc_compat.h"

static struct zc_sw_buf __percpu *zc_sw_bufs;
/* Completions that need software, out of hard IRQ; may run in reclaim. */
static struct workqueue_struct *zc_sw_wq;

/* One parameter set for every size up to ZC_SW_MAX: the workspace fits. */
static zstd_parameters zc_sw_zstd_params(void)
{
	return zstd_get_params(ZC_ZSTD_LEVEL, ZC_SW_MAX);
}

size_t zc_sw_wrkmem_size(u8 algo)
{
	zstd_parameters params;

	switch (algo) {
	case ZCOMP_ALG_LZ4:
		return LZ4_MEM_COMPRESS;
	case ZCOMP_ALG_LZ4HC:
		return LZ4HC_MEM_COMPRESS;
	case ZCOMP_ALG_ZSTD:
		params = zc_sw_zstd_params();
		return max(zstd_cctx_workspace_bound(zc_zstd_cparams(&params)),
			   zstd_dctx_workspace_bound());
	default:
		return LZO1X_1_MEM_COMPRESS;
	}
}

size_t zc_sw_compress_bound(u8 algo, unsigned int slen)
{
	if (algo == ZCOMP_ALG_ZSTD)
		return zstd_compress_bound(slen);
	/* lzo(-rle)'s worst case, above lz4's */
	return zc_lzo_worst(slen);
}

static int zc_sw_zstd(u8 op, const u8 *src, unsigned int slen, u8 *dst,
		      unsigned int *dlen, void *wrkmem)
{
	size_t size = zc_sw_wrkmem_size(ZCOMP_ALG_ZSTD);
	zstd_parameters params;
	size_t ret;

	if (op == ZCOMP_OP_DECOMPRESS) {
		zstd_dctx *dctx = zstd_init_dctx(wrkmem, size);

		if (!dctx)
			return -EINVAL;
		ret = zstd_decompress_dctx(dctx, dst, *dlen, src, slen);
	} else {
		zstd_cctx *cctx = zstd_init_cctx(wrkmem, size);

		if (!cctx)
			return -EINVAL;
		params = zc_sw_zstd_params();
		ret = zstd_compress_cctx(cctx, dst, *dlen, src, slen, &params);
	}
	if (zstd_is_error(ret))
		return -EINVAL;
	*dlen = ret;
	return 0;
}

static int zc_sw_decompress(u8 algo, const u8 *src, unsigned int slen,
			    u8 *dst, unsigned int *dlen)
{
	size_t len = *dlen;
	int n;

	if (algo == ZCOMP_ALG_LZO || algo == ZCOMP_ALG_LZORLE) {
		/* reads both bitstream versions */
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

static int zc_sw_lzo1x(u8 algo, const u8 *src, unsigned int slen, u8 *dst,
		       size_t *len, void *wrkmem)
{
	if (algo == ZCOMP_ALG_LZORLE)
		return lzorle1x_1_compress(src, slen, dst, len, wrkmem);
	return lzo1x_1_compress(src, slen, dst, len, wrkmem);
}

/* lzo(-rle) compression does not bound its output: go through @scratch. */
static int zc_sw_lzo_compress(u8 algo, const u8 *src, unsigned int slen,
			      u8 *dst, unsigned int *dlen, void *wrkmem,
			      u8 *scratch, size_t scratch_len)
{
	size_t len;

	if (*dlen >= zc_lzo_worst(slen)) {
		if (zc_sw_lzo1x(algo, src, slen, dst, &len, wrkmem))
			return -EINVAL;
		*dlen = len;
		return 0;
	}
	if (zc_lzo_worst(slen) > scratch_len ||
	    zc_sw_lzo1x(algo, src, slen, scratch, &len, wrkmem))
		return -EINVAL;
	if (len > *dlen)
		return -EINVAL;
	memcpy(dst, scratch, len);
	*dlen = len;
	return 0;
}

/*
 * The kernel's software codecs, on linear buffers. @scratch (of
 * zc_lzo_worst(ZC_SLOT_BYTES) bytes) lets lzo compress into a
 * destination smaller than its worst case.
 */
int zc_sw_run(u8 op, u8 algo, const u8 *src, unsigned int slen, u8 *dst,
	      unsigned int *dlen, void *wrkmem, u8 *scratch, size_t scratch_len)
{
	int n;

	if (algo == ZCOMP_ALG_ZSTD)
		return zc_sw_zstd(op, src, slen, dst, dlen, wrkmem);
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
		return zc_sw_lzo_compress(algo, src, slen, dst, dlen, wrkmem,
					  scratch, scratch_len);
	}
	if (n <= 0)
		return -EINVAL;
	*dlen = n;
	return 0;
}

/*
 * This CPU's linear buffers (another CPU's if we migrate meanwhile: the
 * lock makes that safe). Bottom halves are off while they are held, so a
 * softirq caller on this CPU never finds them taken.
 */
struct zc_sw_buf *zc_sw_buf_get(void)
{
	struct zc_sw_buf *b = raw_cpu_ptr(zc_sw_bufs);

	spin_lock_bh(&b->lock);
	return b;
}

void zc_sw_buf_put(struct zc_sw_buf *b)
{
	spin_unlock_bh(&b->lock);
}

static void zc_sw_work(struct work_struct *work)
{
	struct zc_job *job = container_of(work, struct zc_job, work);

	job->ops->done(job, job->why);
}

/* Finish @job (software set) from the workqueue, in process context. */
void zc_sw_defer(struct zc_job *job)
{
	INIT_WORK(&job->work, zc_sw_work);
	queue_work(zc_sw_wq, &job->work);
}

static void zc_sw_free_bufs(void)
{
	int cpu;

	if (!zc_sw_bufs)
		return;
	for_each_possible_cpu(cpu) {
		struct zc_sw_buf *b = per_cpu_ptr(zc_sw_bufs, cpu);

		vfree(b->wrkmem);
		vfree(b->src);
		vfree(b->dst);
	}
	free_percpu(zc_sw_bufs);
	zc_sw_bufs = NULL;
}

int zc_sw_init(void)
{
	size_t wrkmem = 0;
	int algo, cpu;

	for (algo = 0; algo < ZCOMP_ALG_COUNT; algo++)
		wrkmem = max(wrkmem, zc_sw_wrkmem_size(algo));
	zc_sw_bufs = alloc_percpu(struct zc_sw_buf);
	if (!zc_sw_bufs)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct zc_sw_buf *b = per_cpu_ptr(zc_sw_bufs, cpu);

		spin_lock_init(&b->lock);
		b->wrkmem = vmalloc(wrkmem);
		b->src = vmalloc(ZC_SW_MAX);
		b->dst = vmalloc(zc_lzo_worst(ZC_SW_MAX));
		if (!b->wrkmem || !b->src || !b->dst)
			goto err;
	}
	/* zswap waits for these in reclaim: a rescuer, any CPU. */
	zc_sw_wq = alloc_workqueue("zcomp_sw", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (zc_sw_wq)
		return 0;
err:
	zc_sw_free_bufs();
	return -ENOMEM;
}

/* After every request is done: no work can be queued any more. */
void zc_sw_exit(void)
{
	if (zc_sw_wq)
		destroy_workqueue(zc_sw_wq);
	zc_sw_wq = NULL;
	zc_sw_free_bufs();
}
