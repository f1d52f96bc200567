// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci: driver for the zcomp-pci virtual compression accelerator.
 *
 * Registers lz4, lz4hc and lzo with the crypto API twice: as legacy
 * compression algorithms (what zram allocates in 6.1) and as acomp
 * algorithms (what zswap allocates). The legacy path runs with preemption
 * disabled: it submits on a polled queue in SYNC mode and busy-waits with a
 * bounded timeout. The acomp path submits on an interrupt queue and
 * completes from the MSI-X handler.
 *
 * No data loss: on a device error, timeout, reset or removal the request is
 * run in software with the kernel's own lz4/lzo, whose format the device
 * shares, and counted. Device ABI: include/zcomp-abi.h.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/lz4.h>
#include <linux/lzo.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/version.h>
#include <crypto/internal/acompress.h>
#include <linux/crypto.h>

#include "zcomp-abi.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#error "6.15 removed the legacy compress API; zram stopped using crypto in 6.12"
#endif

#define ZC_SLOT_BYTES		(2 * PAGE_SIZE)	/* bounce buffer, each way */
#define ZC_POLL_RING		4		/* one request in flight */
#define ZC_IRQ_RING		64
#define ZC_SW_MAX		(64 * 1024)	/* largest software request */
#define ZC_WATCHDOG		(HZ / 2)

static int priority = 300;
module_param(priority, int, 0444);
MODULE_PARM_DESC(priority, "crypto priority of the offloaded algorithms (software: 0)");

static bool dma_map = true;
module_param(dma_map, bool, 0644);
MODULE_PARM_DESC(dma_map, "zram path: DMA-map the caller's buffers when possible instead of copying through bounce buffers");

static unsigned int poll_timeout_us = 20000;
module_param(poll_timeout_us, uint, 0644);
MODULE_PARM_DESC(poll_timeout_us, "busy-wait limit of a polled request before software fallback");

enum zc_fallback {
	ZC_FB_NODEV,		/* no device (absent, removed, recovering) */
	ZC_FB_ERROR,		/* device status said so */
	ZC_FB_TIMEOUT,		/* no completion in time */
	ZC_FB_BUSY,		/* ring full */
	ZC_FB_TOO_LARGE,	/* beyond the bounce buffers */
	ZC_FB_NR
};

static const char *const zc_fb_names[ZC_FB_NR] = {
	"no_device", "device_error", "timeout", "ring_full", "too_large",
};

static const char *const zc_alg_names[ZCOMP_ALG_COUNT] = {
	[ZCOMP_ALG_LZ4] = "lz4", [ZCOMP_ALG_LZ4HC] = "lz4hc",
	[ZCOMP_ALG_LZO] = "lzo",
};

/* Module-wide counters: they outlive a removed device. */
static struct {
	atomic64_t offloaded[ZCOMP_ALG_COUNT][2];
	atomic64_t bytes_in[ZCOMP_ALG_COUNT][2];
	atomic64_t bytes_out[ZCOMP_ALG_COUNT][2];
	atomic64_t software[ZCOMP_ALG_COUNT][2];
	atomic64_t fallback[ZC_FB_NR];
	atomic64_t errors;		/* failed, but not for lack of room */
	atomic64_t incompressible;	/* compressed output did not fit */
	atomic64_t recoveries;
} zc_stats;

struct zc_slot {
	void *src;
	void *dst;
	dma_addr_t src_dma;
	dma_addr_t dst_dma;
	struct acomp_req *req;
	u8 op;
	u8 algo;
};

struct zc_dev;

struct zc_queue {
	struct zc_dev *zd;
	u16 qid;
	bool irq;
	spinlock_t lock;		/* ring, slots, dead */
	struct zcomp_sqe *sq;
	struct zcomp_cqe *cq;
	dma_addr_t sq_dma;
	dma_addr_t cq_dma;
	u32 size;
	u32 tail;
	u32 head;
	u8 phase;
	bool dead;			/* waiting for recovery */
	u32 inflight;
	u16 vector;
	unsigned long progress;		/* jiffies of the last completion */
	struct zc_slot *slots;
	void __iomem *doorbell;
};

struct zc_vec {
	struct zc_dev *zd;
	u16 index;
};

struct zc_dev {
	struct pci_dev *pdev;
	void __iomem *bar;
	u32 max_req;
	u32 npoll;
	u32 nirq;
	u32 nvec;
	struct zc_queue *q;
	struct zc_vec *vec;
	struct timer_list watchdog;
	struct work_struct recover;
	struct mutex recover_lock;	/* recovery against remove */
	bool removing;
};

/* The device in use, if any: readers hold rcu_read_lock() and never sleep. */
static struct zc_dev __rcu *zc_active;
static DEFINE_MUTEX(zc_active_lock);	/* writers of zc_active */
static struct workqueue_struct *zc_wq;	/* recovery; may run in reclaim */

/* Software engine for the acomp path (any context), under zc_sw.lock. */
static struct {
	spinlock_t lock;		/* the buffers below */
	void *wrkmem;
	u8 *src;
	u8 *dst;
} zc_sw;

static size_t zc_wrkmem_size(u8 algo)
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

/*
 * The kernel's software codecs, on linear buffers. @scratch (of
 * lzo1x_worst_compress(ZC_SLOT_BYTES) bytes) lets lzo compress into a
 * destination smaller than its worst case.
 */
static int zc_sw_run(u8 op, u8 algo, const u8 *src, unsigned int slen,
		     u8 *dst, unsigned int *dlen, void *wrkmem, u8 *scratch,
		     size_t scratch_len)
{
	size_t len = *dlen;
	int n;

	if (op == ZCOMP_OP_DECOMPRESS) {
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

	switch (algo) {
	case ZCOMP_ALG_LZ4:
		n = LZ4_compress_default(src, dst, slen, *dlen, wrkmem);
		break;
	case ZCOMP_ALG_LZ4HC:
		n = LZ4_compress_HC(src, dst, slen, *dlen, LZ4HC_DEFAULT_CLEVEL,
				    wrkmem);
		break;
	default:
		/* lzo1x_1_compress() does not bound its output. */
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
	if (n <= 0)
		return -EINVAL;
	*dlen = n;
	return 0;
}

static void zc_count_offload(u8 algo, u8 op, unsigned int in, unsigned int out)
{
	int dir = op == ZCOMP_OP_DECOMPRESS;

	atomic64_inc(&zc_stats.offloaded[algo][dir]);
	atomic64_add(in, &zc_stats.bytes_in[algo][dir]);
	atomic64_add(out, &zc_stats.bytes_out[algo][dir]);
}

static void zc_count_software(u8 algo, u8 op, enum zc_fallback why)
{
	atomic64_inc(&zc_stats.software[algo][op == ZCOMP_OP_DECOMPRESS]);
	atomic64_inc(&zc_stats.fallback[why]);
}

/* ---- device ---- */

static u32 zc_rd(struct zc_dev *zd, u32 off)
{
	return readl(zd->bar + off);
}

static void zc_wr(struct zc_dev *zd, u32 off, u32 val)
{
	writel(val, zd->bar + off);
}

static void zc_wr64(struct zc_dev *zd, u32 off, u64 val)
{
	zc_wr(zd, off, lower_32_bits(val));
	zc_wr(zd, off + 4, upper_32_bits(val));
}

static void zc_fill_sqe(struct zcomp_sqe *sqe, u8 op, u8 algo, u32 tag,
			dma_addr_t src, u32 slen, dma_addr_t dst, u32 dcap)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->algo = algo;
	sqe->tag = cpu_to_le32(tag);
	sqe->src_addr = cpu_to_le64(src);
	sqe->src_len = cpu_to_le32(slen);
	sqe->dst_addr = cpu_to_le64(dst);
	sqe->dst_cap = cpu_to_le32(dcap);
}

static void zc_schedule_recovery(struct zc_dev *zd)
{
	if (!READ_ONCE(zd->removing))
		queue_work(zc_wq, &zd->recover);
}

/*
 * Map a completion status to an errno; -EIO means "try software".
 * @capped: the device had less room (a bounce buffer) than the caller.
 */
static int zc_status_errno(u8 op, u8 status, bool capped)
{
	switch (status) {
	case ZCOMP_ST_OK:
		return 0;
	case ZCOMP_ST_DST_TOO_SMALL:
		/* A real answer for compression into the caller's room. */
		return op == ZCOMP_OP_COMPRESS && !capped ? -ENOSPC : -EIO;
	default:
		/* Corrupt input is checked again in software too. */
		return -EIO;
	}
}

/* Linear-map memory (kmalloc, page allocator, kmap on 64-bit): DMA-able. */
static bool zc_can_map(const void *p, unsigned int len)
{
	return virt_addr_valid(p) && virt_addr_valid(p + len - 1);
}

/*
 * DMA-map the caller's buffers for one polled request. False: use the
 * bounce buffers. On success the device may write up to *@dcap bytes.
 */
static bool zc_map_buffers(struct zc_dev *zd, const u8 *src, unsigned int slen,
			   u8 *dst, unsigned int dlen, dma_addr_t *sa,
			   dma_addr_t *da, u32 *dcap)
{
	struct device *dev = &zd->pdev->dev;

	if (!READ_ONCE(dma_map) || !zc_can_map(src, slen) ||
	    !zc_can_map(dst, dlen) || slen > zd->max_req)
		return false;
	*sa = dma_map_single(dev, (void *)src, slen, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, *sa))
		return false;
	*dcap = min(dlen, zd->max_req);
	*da = dma_map_single(dev, dst, *dcap, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, *da)) {
		dma_unmap_single(dev, *sa, slen, DMA_TO_DEVICE);
		return false;
	}
	return true;
}

/*
 * Polled request on the calling CPU's queue (SYNC mode: under TCG the
 * completion is usually there when the doorbell write returns). Called
 * with preemption disabled and rcu_read_lock() held; never sleeps.
 */
static int zc_poll_request(struct zc_dev *zd, u8 op, u8 algo, const u8 *src,
			   unsigned int slen, u8 *dst, unsigned int *dlen,
			   enum zc_fallback *why)
{
	struct zc_queue *q = &zd->q[raw_smp_processor_id() % zd->npoll];
	struct device *dev = &zd->pdev->dev;
	u32 dcap = min_t(u32, *dlen, ZC_SLOT_BYTES);
	dma_addr_t sa, da;
	struct zc_slot *slot;
	struct zcomp_cqe *cqe;
	u64 deadline;
	u32 idx, out;
	unsigned int spins = 0;
	bool mapped;
	int ret;

	if (!slen || !*dlen) {
		*why = ZC_FB_TOO_LARGE;
		return -EIO;
	}
	/* CPUs sharing a queue, or a caller in softirq: software, not spin. */
	if (!spin_trylock(&q->lock)) {
		*why = ZC_FB_BUSY;
		return -EIO;
	}
	if (q->dead) {
		spin_unlock(&q->lock);
		*why = ZC_FB_NODEV;
		return -EIO;
	}
	idx = q->tail;
	slot = &q->slots[idx];
	mapped = zc_map_buffers(zd, src, slen, dst, *dlen, &sa, &da, &dcap);
	if (!mapped) {
		if (slen > ZC_SLOT_BYTES) {
			spin_unlock(&q->lock);
			*why = ZC_FB_TOO_LARGE;
			return -EIO;
		}
		memcpy(slot->src, src, slen);
		sa = slot->src_dma;
		da = slot->dst_dma;
	}
	zc_fill_sqe(&q->sq[idx], op, algo, idx, sa, slen, da, dcap);
	q->tail = (idx + 1) & (q->size - 1);
	/* writel() orders the descriptor before the doorbell. */
	writel(q->tail, q->doorbell);

	cqe = &q->cq[idx];
	deadline = ktime_get_ns() +
		   (u64)max(READ_ONCE(poll_timeout_us), 100U) * 1000;
	while ((READ_ONCE(cqe->flags) & ZCOMP_CQE_F_PHASE) != q->phase) {
		cpu_relax();
		if (++spins % 64 == 0 && ktime_get_ns() > deadline) {
			/*
			 * Reset now: the device returns from the write only
			 * when it no longer runs a request, so it cannot
			 * write into the caller's buffer later.
			 */
			zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
			if (mapped) {
				dma_unmap_single(dev, sa, slen, DMA_TO_DEVICE);
				dma_unmap_single(dev, da, dcap, DMA_FROM_DEVICE);
			}
			q->dead = true;
			spin_unlock(&q->lock);
			zc_schedule_recovery(zd);
			*why = ZC_FB_TIMEOUT;
			return -EIO;
		}
	}
	dma_rmb();
	out = le32_to_cpu(cqe->out_len);
	ret = zc_status_errno(op, cqe->status, dcap < *dlen);
	if (mapped) {
		dma_unmap_single(dev, sa, slen, DMA_TO_DEVICE);
		dma_unmap_single(dev, da, dcap, DMA_FROM_DEVICE);
	}
	if (!ret) {
		if (out > dcap) {
			ret = -EIO;
		} else {
			if (!mapped)
				memcpy(dst, slot->dst, out);
			*dlen = out;
		}
	}
	q->head = q->tail;
	if (q->head == 0)
		q->phase ^= 1;
	spin_unlock(&q->lock);
	*why = ZC_FB_ERROR;
	return ret;
}

/* ---- legacy crypto_alg (zram in 6.1) ---- */

struct zc_alg {
	struct crypto_alg comp;
	struct acomp_alg acomp;
	u8 algo;
	bool comp_registered;
	bool acomp_registered;
};

struct zc_comp_ctx {
	void *wrkmem;
	u8 *scratch;
};

#define ZC_SCRATCH_LEN	lzo1x_worst_compress(ZC_SLOT_BYTES)

static struct zc_alg *zc_alg_of_tfm(struct crypto_tfm *tfm)
{
	return container_of(tfm->__crt_alg, struct zc_alg, comp);
}

static int zc_comp_init(struct crypto_tfm *tfm)
{
	struct zc_comp_ctx *ctx = crypto_tfm_ctx(tfm);

	ctx->wrkmem = vmalloc(zc_wrkmem_size(zc_alg_of_tfm(tfm)->algo));
	ctx->scratch = vmalloc(ZC_SCRATCH_LEN);
	if (!ctx->wrkmem || !ctx->scratch) {
		vfree(ctx->wrkmem);
		vfree(ctx->scratch);
		return -ENOMEM;
	}
	return 0;
}

static void zc_comp_exit(struct crypto_tfm *tfm)
{
	struct zc_comp_ctx *ctx = crypto_tfm_ctx(tfm);

	vfree(ctx->wrkmem);
	vfree(ctx->scratch);
}

static int zc_comp_run(struct crypto_tfm *tfm, u8 op, const u8 *src,
		       unsigned int slen, u8 *dst, unsigned int *dlen)
{
	struct zc_comp_ctx *ctx = crypto_tfm_ctx(tfm);
	u8 algo = zc_alg_of_tfm(tfm)->algo;
	enum zc_fallback why = ZC_FB_NODEV;
	unsigned int out = *dlen;
	struct zc_dev *zd;
	int ret = -EIO;

	rcu_read_lock();
	zd = rcu_dereference(zc_active);
	if (zd)
		ret = zc_poll_request(zd, op, algo, src, slen, dst, &out, &why);
	rcu_read_unlock();

	if (!ret) {
		zc_count_offload(algo, op, slen, out);
		*dlen = out;
		return 0;
	}
	if (ret != -EIO) {
		atomic64_inc(&zc_stats.incompressible);
		return -EINVAL;		/* as the software lz4/lzo say it */
	}
	zc_count_software(algo, op, why);
	ret = zc_sw_run(op, algo, src, slen, dst, dlen, ctx->wrkmem,
			ctx->scratch, ZC_SCRATCH_LEN);
	if (ret)
		atomic64_inc(&zc_stats.errors);
	return ret;
}

static int zc_comp_compress(struct crypto_tfm *tfm, const u8 *src,
			    unsigned int slen, u8 *dst, unsigned int *dlen)
{
	return zc_comp_run(tfm, ZCOMP_OP_COMPRESS, src, slen, dst, dlen);
}

static int zc_comp_decompress(struct crypto_tfm *tfm, const u8 *src,
			      unsigned int slen, u8 *dst, unsigned int *dlen)
{
	return zc_comp_run(tfm, ZCOMP_OP_DECOMPRESS, src, slen, dst, dlen);
}

/* ---- acomp (zswap) ---- */

struct zc_req_ctx {
	int err;
	bool software;		/* finish in software, outside the queue lock */
	u8 op;
	u8 algo;
};

static struct zc_alg *zc_alg_of_acomp(struct acomp_req *req)
{
	struct crypto_tfm *tfm = crypto_acomp_tfm(crypto_acomp_reqtfm(req));

	return container_of(tfm->__crt_alg, struct zc_alg, acomp.base);
}

/* Run @req in software, linearised through zc_sw. Any context. */
static int zc_acomp_software(struct acomp_req *req, u8 op, u8 algo,
			     enum zc_fallback why)
{
	unsigned int dlen;
	unsigned long flags;
	int ret;

	zc_count_software(algo, op, why);
	if (req->slen > ZC_SW_MAX) {
		atomic64_inc(&zc_stats.errors);
		return -EINVAL;
	}
	/*
	 * Compress into the whole (worst-case sized) buffer, then check the
	 * caller's room: lzo1x_1_compress() has no output bound.
	 */
	dlen = op == ZCOMP_OP_COMPRESS ? lzo1x_worst_compress(req->slen) :
					 min_t(unsigned int, req->dlen, ZC_SW_MAX);
	spin_lock_irqsave(&zc_sw.lock, flags);
	if (sg_copy_to_buffer(req->src, sg_nents_for_len(req->src, req->slen),
			      zc_sw.src, req->slen) != req->slen)
		ret = -EINVAL;
	else
		ret = zc_sw_run(op, algo, zc_sw.src, req->slen, zc_sw.dst,
				&dlen, zc_sw.wrkmem, NULL, 0);
	if (!ret && dlen > req->dlen)
		ret = -ENOSPC;
	if (!ret) {
		if (sg_copy_from_buffer(req->dst,
					sg_nents_for_len(req->dst, dlen),
					zc_sw.dst, dlen) == dlen)
			req->dlen = dlen;
		else
			ret = -EINVAL;
	}
	spin_unlock_irqrestore(&zc_sw.lock, flags);
	if (ret)
		atomic64_inc(ret == -ENOSPC ? &zc_stats.incompressible :
			     &zc_stats.errors);
	return ret;
}

/*
 * Take a device completion of @req (queue lock held): copy the result out
 * of the slot, or mark the request for software (done after unlocking).
 */
static void zc_acomp_finish(struct zc_slot *slot, struct acomp_req *req,
			    u8 status, u32 out)
{
	struct zc_req_ctx *rctx = acomp_request_ctx(req);
	int ret = zc_status_errno(slot->op, status, req->dlen > ZC_SLOT_BYTES);

	rctx->software = false;
	rctx->op = slot->op;
	rctx->algo = slot->algo;
	if (!ret && out <= req->dlen &&
	    sg_copy_from_buffer(req->dst, sg_nents_for_len(req->dst, out),
				slot->dst, out) == out) {
		req->dlen = out;
		zc_count_offload(slot->algo, slot->op, req->slen, out);
		rctx->err = 0;
	} else if (ret == -ENOSPC) {
		atomic64_inc(&zc_stats.incompressible);
		rctx->err = -ENOSPC;
	} else {
		rctx->software = true;
	}
}

/* Complete requests collected under a queue lock, with no lock held. */
static void zc_complete_list(struct list_head *done, enum zc_fallback why)
{
	struct crypto_async_request *areq, *tmp;

	list_for_each_entry_safe(areq, tmp, done, list) {
		struct acomp_req *req = container_of(areq, struct acomp_req,
						     base);
		struct zc_req_ctx *rctx = acomp_request_ctx(req);

		list_del(&areq->list);
		if (rctx->software)
			rctx->err = zc_acomp_software(req, rctx->op,
						      rctx->algo, why);
		acomp_request_complete(req, rctx->err);
	}
}

/* Collect the completions of an interrupt queue. */
static bool zc_reap(struct zc_queue *q)
{
	LIST_HEAD(done);
	unsigned long flags;
	bool any = false;

	spin_lock_irqsave(&q->lock, flags);
	while (q->inflight) {
		struct zcomp_cqe *cqe = &q->cq[q->head];
		struct zc_slot *slot = &q->slots[q->head];
		struct acomp_req *req = slot->req;

		if ((READ_ONCE(cqe->flags) & ZCOMP_CQE_F_PHASE) != q->phase)
			break;
		dma_rmb();
		zc_acomp_finish(slot, req, cqe->status,
				le32_to_cpu(cqe->out_len));
		list_add_tail(&req->base.list, &done);
		slot->req = NULL;
		q->head = (q->head + 1) & (q->size - 1);
		if (q->head == 0)
			q->phase ^= 1;
		q->inflight--;
		q->progress = jiffies;
		any = true;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	zc_complete_list(&done, ZC_FB_ERROR);
	return any;
}

static irqreturn_t zc_irq(int irq, void *data)
{
	struct zc_vec *v = data;
	struct zc_dev *zd = v->zd;
	u32 i;

	for (i = 0; i < zd->nirq; i++) {
		struct zc_queue *q = &zd->q[zd->npoll + i];

		if (q->vector == v->index)
			zc_reap(q);
	}
	/* The vector is ours alone: a batch already reaped is still ours. */
	return IRQ_HANDLED;
}

/* Queue @req on an interrupt queue; -EINPROGRESS when the device has it. */
static int zc_irq_submit(struct zc_dev *zd, struct acomp_req *req, u8 op,
			 u8 algo, enum zc_fallback *why)
{
	struct zc_queue *q;
	struct zc_slot *slot;
	unsigned long flags;
	u32 idx;

	if (!zd->nirq) {
		*why = ZC_FB_NODEV;
		return -EIO;
	}
	if (req->slen > ZC_SLOT_BYTES) {
		*why = ZC_FB_TOO_LARGE;
		return -EIO;
	}
	q = &zd->q[zd->npoll + raw_smp_processor_id() % zd->nirq];
	spin_lock_irqsave(&q->lock, flags);
	if (q->dead || q->inflight >= q->size - 1) {
		*why = q->dead ? ZC_FB_NODEV : ZC_FB_BUSY;
		spin_unlock_irqrestore(&q->lock, flags);
		return -EIO;
	}
	idx = q->tail;
	slot = &q->slots[idx];
	sg_copy_to_buffer(req->src, sg_nents_for_len(req->src, req->slen),
			  slot->src, req->slen);
	zc_fill_sqe(&q->sq[idx], op, algo, idx, slot->src_dma, req->slen,
		    slot->dst_dma, min_t(u32, req->dlen, ZC_SLOT_BYTES));
	slot->req = req;
	slot->op = op;
	slot->algo = algo;
	if (!q->inflight++)
		q->progress = jiffies;
	q->tail = (idx + 1) & (q->size - 1);
	writel(q->tail, q->doorbell);
	spin_unlock_irqrestore(&q->lock, flags);
	return -EINPROGRESS;
}

static int zc_acomp_run(struct acomp_req *req, u8 op)
{
	u8 algo = zc_alg_of_acomp(req)->algo;
	enum zc_fallback why = ZC_FB_NODEV;
	struct zc_dev *zd;
	int ret = -EIO;

	/* The scomp-style "allocate my destination" mode is not offered. */
	if (!req->src || !req->dst || !req->slen || !req->dlen ||
	    sg_nents_for_len(req->src, req->slen) < 0 ||
	    sg_nents_for_len(req->dst, req->dlen) < 0)
		return -EINVAL;
	rcu_read_lock();
	zd = rcu_dereference(zc_active);
	if (zd)
		ret = zc_irq_submit(zd, req, op, algo, &why);
	rcu_read_unlock();
	if (ret == -EINPROGRESS)
		return ret;
	/* Ring full, no device: finish now; a 0 return is a completion. */
	return zc_acomp_software(req, op, algo, why);
}

static int zc_acomp_compress(struct acomp_req *req)
{
	return zc_acomp_run(req, ZCOMP_OP_COMPRESS);
}

static int zc_acomp_decompress(struct acomp_req *req)
{
	return zc_acomp_run(req, ZCOMP_OP_DECOMPRESS);
}

static struct zc_alg zc_algs[] = {
	{ .algo = ZCOMP_ALG_LZ4 },
	{ .algo = ZCOMP_ALG_LZ4HC },
	{ .algo = ZCOMP_ALG_LZO },
};

static void zc_setup_algs(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zc_algs); i++) {
		struct zc_alg *a = &zc_algs[i];
		const char *name = zc_alg_names[a->algo];

		a->comp = (struct crypto_alg) {
			.cra_flags = CRYPTO_ALG_TYPE_COMPRESS,
			.cra_ctxsize = sizeof(struct zc_comp_ctx),
			.cra_module = THIS_MODULE,
			.cra_priority = priority,
			.cra_init = zc_comp_init,
			.cra_exit = zc_comp_exit,
			.cra_u.compress = {
				.coa_compress = zc_comp_compress,
				.coa_decompress = zc_comp_decompress,
			},
		};
		strscpy(a->comp.cra_name, name, CRYPTO_MAX_ALG_NAME);
		snprintf(a->comp.cra_driver_name, CRYPTO_MAX_ALG_NAME,
			 "%s-zcomp", name);

		a->acomp = (struct acomp_alg) {
			.compress = zc_acomp_compress,
			.decompress = zc_acomp_decompress,
			.reqsize = sizeof(struct zc_req_ctx),
			.base = {
				.cra_flags = CRYPTO_ALG_ASYNC,
				.cra_module = THIS_MODULE,
				.cra_priority = priority,
			},
		};
		strscpy(a->acomp.base.cra_name, name, CRYPTO_MAX_ALG_NAME);
		snprintf(a->acomp.base.cra_driver_name, CRYPTO_MAX_ALG_NAME,
			 "%s-zcomp-acomp", name);
	}
}

/*
 * Registered at the first device found, removed only at module exit:
 * 6.1 must not unregister an algorithm that still has transforms.
 */
static DEFINE_MUTEX(zc_algs_lock);

static void zc_register_algs(struct device *dev)
{
	int i, ret;

	mutex_lock(&zc_algs_lock);
	for (i = 0; i < ARRAY_SIZE(zc_algs); i++) {
		struct zc_alg *a = &zc_algs[i];

		if (!a->comp_registered) {
			ret = crypto_register_alg(&a->comp);
			if (ret)
				dev_warn(dev, "%s: %d\n", a->comp.cra_driver_name, ret);
			a->comp_registered = !ret;
		}
		if (!a->acomp_registered) {
			ret = crypto_register_acomp(&a->acomp);
			if (ret)
				dev_warn(dev, "%s: %d\n",
					 a->acomp.base.cra_driver_name, ret);
			a->acomp_registered = !ret;
		}
	}
	mutex_unlock(&zc_algs_lock);
}

static void zc_unregister_algs(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zc_algs); i++) {
		if (zc_algs[i].comp_registered)
			crypto_unregister_alg(&zc_algs[i].comp);
		if (zc_algs[i].acomp_registered)
			crypto_unregister_acomp(&zc_algs[i].acomp);
	}
}

/* ---- queues and device bring-up ---- */

static void zc_queue_hw_setup(struct zc_dev *zd, struct zc_queue *q)
{
	u32 qr = ZCOMP_QREG(q->qid);
	u32 ctrl = ZCOMP_QCTRL_ENABLE |
		   (q->irq ? ZCOMP_QCTRL_IRQ : ZCOMP_QCTRL_SYNC);

	memset(q->cq, 0, q->size * sizeof(*q->cq));
	q->tail = 0;
	q->head = 0;
	q->phase = 1;
	q->inflight = 0;
	q->dead = false;
	zc_wr64(zd, qr + ZCOMP_QREG_SQ_BASE, q->sq_dma);
	zc_wr64(zd, qr + ZCOMP_QREG_CQ_BASE, q->cq_dma);
	zc_wr(zd, qr + ZCOMP_QREG_SIZE_ENTRIES, q->size);
	zc_wr(zd, qr + ZCOMP_QREG_VECTOR, q->vector);
	zc_wr(zd, qr + ZCOMP_QREG_CTRL, ctrl);
}

/* Reset the device and set up every queue; the rings are idle. */
static int zc_hw_start(struct zc_dev *zd)
{
	u32 i;

	zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
	zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_ENABLE);
	for (i = 0; i < zd->npoll + zd->nirq; i++) {
		zc_queue_hw_setup(zd, &zd->q[i]);
		if (!(zc_rd(zd, ZCOMP_QREG(i) + ZCOMP_QREG_STATUS) &
		      ZCOMP_QSTS_ENABLED))
			return -EIO;
	}
	return zc_rd(zd, ZCOMP_REG_STATUS) == ZCOMP_STS_READY ? 0 : -EIO;
}

/*
 * Stop the device and finish, in software, whatever it still held.
 * Publishing is off (zc_active != zd) and RCU readers are gone.
 */
static void zc_hw_stop_and_drain(struct zc_dev *zd)
{
	u32 i, k;

	zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
	for (i = 0; i < zd->nvec; i++)
		synchronize_irq(pci_irq_vector(zd->pdev, i));
	for (i = zd->npoll; i < zd->npoll + zd->nirq; i++) {
		struct zc_queue *q = &zd->q[i];
		unsigned long flags;
		LIST_HEAD(done);

		spin_lock_irqsave(&q->lock, flags);
		for (k = 0; k < q->size; k++) {
			struct zc_slot *slot = &q->slots[k];
			struct zc_req_ctx *rctx;

			if (!slot->req)
				continue;
			rctx = acomp_request_ctx(slot->req);
			rctx->software = true;
			rctx->op = slot->op;
			rctx->algo = slot->algo;
			list_add_tail(&slot->req->base.list, &done);
			slot->req = NULL;
		}
		q->inflight = 0;
		q->dead = true;
		spin_unlock_irqrestore(&q->lock, flags);
		zc_complete_list(&done, ZC_FB_NODEV);
	}
}

/* Make @zd the device in use, unless another one is. */
static bool zc_publish(struct zc_dev *zd)
{
	bool ok;

	mutex_lock(&zc_active_lock);
	ok = !rcu_access_pointer(zc_active);
	if (ok)
		rcu_assign_pointer(zc_active, zd);
	mutex_unlock(&zc_active_lock);
	return ok;
}

/* Afterwards no reader holds @zd. */
static void zc_unpublish(struct zc_dev *zd)
{
	mutex_lock(&zc_active_lock);
	if (rcu_access_pointer(zc_active) == zd)
		RCU_INIT_POINTER(zc_active, NULL);
	mutex_unlock(&zc_active_lock);
	synchronize_rcu();
}

static void zc_recover_work(struct work_struct *work)
{
	struct zc_dev *zd = container_of(work, struct zc_dev, recover);

	mutex_lock(&zd->recover_lock);
	if (zd->removing)
		goto out;
	zc_unpublish(zd);
	zc_hw_stop_and_drain(zd);
	atomic64_inc(&zc_stats.recoveries);
	if (zc_hw_start(zd)) {
		dev_err(&zd->pdev->dev, "device does not come back; software only\n");
		goto out;
	}
	if (zc_publish(zd))
		dev_info(&zd->pdev->dev, "device reset and recovered\n");
out:
	mutex_unlock(&zd->recover_lock);
}

/* Catches lost interrupts and stuck interrupt queues. */
static void zc_watchdog(struct timer_list *t)
{
	struct zc_dev *zd = from_timer(zd, t, watchdog);
	bool stuck = false;
	u32 i;

	for (i = zd->npoll; i < zd->npoll + zd->nirq; i++) {
		struct zc_queue *q = &zd->q[i];

		zc_reap(q);
		if (READ_ONCE(q->inflight) &&
		    time_after(jiffies, READ_ONCE(q->progress) + ZC_WATCHDOG))
			stuck = true;
	}
	if (zc_rd(zd, ZCOMP_REG_STATUS) != ZCOMP_STS_READY)
		stuck = true;
	if (stuck) {
		atomic64_inc(&zc_stats.fallback[ZC_FB_TIMEOUT]);
		zc_schedule_recovery(zd);
	}
	if (!READ_ONCE(zd->removing))
		mod_timer(&zd->watchdog, jiffies + ZC_WATCHDOG);
}

static int zc_alloc_queue(struct zc_dev *zd, struct zc_queue *q, u16 qid,
			  bool irq, u32 size)
{
	struct device *dev = &zd->pdev->dev;
	u32 i;

	q->zd = zd;
	q->qid = qid;
	q->irq = irq;
	q->size = size;
	spin_lock_init(&q->lock);
	q->doorbell = zd->bar + zc_rd(zd, ZCOMP_REG_DB_OFFSET) +
		      qid * zc_rd(zd, ZCOMP_REG_DB_STRIDE);
	q->sq = dmam_alloc_coherent(dev, size * sizeof(*q->sq), &q->sq_dma,
				    GFP_KERNEL);
	q->cq = dmam_alloc_coherent(dev, size * sizeof(*q->cq), &q->cq_dma,
				    GFP_KERNEL);
	q->slots = devm_kcalloc(dev, size, sizeof(*q->slots), GFP_KERNEL);
	if (!q->sq || !q->cq || !q->slots)
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		struct zc_slot *s = &q->slots[i];

		s->src = dmam_alloc_coherent(dev, ZC_SLOT_BYTES, &s->src_dma,
					     GFP_KERNEL);
		s->dst = dmam_alloc_coherent(dev, ZC_SLOT_BYTES, &s->dst_dma,
					     GFP_KERNEL);
		if (!s->src || !s->dst)
			return -ENOMEM;
	}
	return 0;
}

static int zc_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	u32 nq, ring, cpus = num_online_cpus();
	struct zc_dev *zd;
	int ret, nvec;
	u32 i;

	zd = devm_kzalloc(dev, sizeof(*zd), GFP_KERNEL);
	if (!zd)
		return -ENOMEM;
	zd->pdev = pdev;
	mutex_init(&zd->recover_lock);
	INIT_WORK(&zd->recover, zc_recover_work);
	timer_setup(&zd->watchdog, zc_watchdog, 0);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "zcomp_pci");
	if (ret)
		return ret;
	zd->bar = pcim_iomap_table(pdev)[0];
	if (zc_rd(zd, ZCOMP_REG_MAGIC) != ZCOMP_MAGIC ||
	    zc_rd(zd, ZCOMP_REG_VERSION) >> 16 != ZCOMP_ABI_MAJOR) {
		dev_err(dev, "not a zcomp ABI %d device\n", ZCOMP_ABI_MAJOR);
		return -ENODEV;
	}
	if ((zc_rd(zd, ZCOMP_REG_CAP_ALGS) & 7) != 7 ||
	    zc_rd(zd, ZCOMP_REG_CAP_MAX_REQ) < ZC_SLOT_BYTES) {
		dev_err(dev, "device lacks an algorithm or request size\n");
		return -ENODEV;
	}
	pci_set_master(pdev);

	/* A polled queue per CPU for zram, interrupt queues for zswap. */
	nq = zc_rd(zd, ZCOMP_REG_CAP_QUEUES);
	ring = zc_rd(zd, ZCOMP_REG_CAP_RING);
	zd->max_req = zc_rd(zd, ZCOMP_REG_CAP_MAX_REQ);
	zd->nirq = nq >= 2 ? min(cpus, nq / 2) : 0;
	zd->npoll = min(cpus, nq - zd->nirq);
	nvec = 0;
	if (zd->nirq) {
		nvec = pci_alloc_irq_vectors(pdev, 1, zd->nirq,
					     PCI_IRQ_MSIX | PCI_IRQ_MSI);
		if (nvec < 0) {
			dev_info(dev, "no MSI-X or MSI: zswap requests in software\n");
			zd->nirq = 0;
			nvec = 0;
		}
	}
	zd->nvec = nvec;
	zd->q = devm_kcalloc(dev, zd->npoll + zd->nirq, sizeof(*zd->q),
			     GFP_KERNEL);
	zd->vec = devm_kcalloc(dev, max(nvec, 1), sizeof(*zd->vec), GFP_KERNEL);
	if (!zd->q || !zd->vec) {
		ret = -ENOMEM;
		goto err_vectors;
	}
	for (i = 0; i < zd->npoll + zd->nirq; i++) {
		bool irq = i >= zd->npoll;

		ret = zc_alloc_queue(zd, &zd->q[i], i, irq,
				     min(ring, irq ? ZC_IRQ_RING : ZC_POLL_RING));
		if (ret)
			goto err_vectors;
		zd->q[i].vector = irq ? (i - zd->npoll) % nvec : 0;
	}
	for (i = 0; i < nvec; i++) {
		zd->vec[i].zd = zd;
		zd->vec[i].index = i;
		ret = request_irq(pci_irq_vector(pdev, i), zc_irq, 0,
				  "zcomp_pci", &zd->vec[i]);
		if (ret)
			goto err_irqs;
	}
	ret = zc_hw_start(zd);
	if (ret) {
		dev_err(dev, "device refused its queues\n");
		goto err_irqs;
	}
	if (!zc_publish(zd)) {
		dev_info(dev, "only one zcomp device is used\n");
		ret = -EBUSY;
		goto err_irqs;
	}
	pci_set_drvdata(pdev, zd);
	mod_timer(&zd->watchdog, jiffies + ZC_WATCHDOG);
	dev_info(dev, "zcomp: %u polled + %u interrupt queues, %d vectors\n",
		 zd->npoll, zd->nirq, nvec);
	zc_register_algs(dev);
	return 0;

err_irqs:
	while (i--)
		free_irq(pci_irq_vector(pdev, i), &zd->vec[i]);
	zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
err_vectors:
	if (nvec)
		pci_free_irq_vectors(pdev);
	return ret;
}

static void zc_remove(struct pci_dev *pdev)
{
	struct zc_dev *zd = pci_get_drvdata(pdev);
	u32 i;

	mutex_lock(&zd->recover_lock);
	WRITE_ONCE(zd->removing, true);
	mutex_unlock(&zd->recover_lock);
	/*
	 * From here on, transforms in use run in software. Unpublish first:
	 * afterwards no submitter can queue the recovery work again.
	 */
	zc_unpublish(zd);
	del_timer_sync(&zd->watchdog);
	cancel_work_sync(&zd->recover);
	zc_hw_stop_and_drain(zd);
	for (i = 0; i < zd->nvec; i++)
		free_irq(pci_irq_vector(pdev, i), &zd->vec[i]);
	if (zd->nvec)
		pci_free_irq_vectors(pdev);
	dev_info(&pdev->dev, "zcomp: removed; algorithms go on in software\n");
}

static const struct pci_device_id zc_ids[] = {
	{ PCI_DEVICE(ZCOMP_PCI_VENDOR_ID, ZCOMP_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, zc_ids);

static struct pci_driver zc_driver = {
	.name = "zcomp_pci",
	.id_table = zc_ids,
	.probe = zc_probe,
	.remove = zc_remove,
};

/* ---- statistics (debugfs: zcomp_pci/stats) ---- */

static int zc_stats_show(struct seq_file *m, void *v)
{
	static const char *const dirs[] = { "compress", "decompress" };
	struct zc_dev *zd;
	int a, d, i;

	for (a = 0; a < ZCOMP_ALG_COUNT; a++)
		for (d = 0; d < 2; d++)
			seq_printf(m, "%s_%s offloaded %lld bytes_in %lld bytes_out %lld software %lld\n",
				   zc_alg_names[a], dirs[d],
				   atomic64_read(&zc_stats.offloaded[a][d]),
				   atomic64_read(&zc_stats.bytes_in[a][d]),
				   atomic64_read(&zc_stats.bytes_out[a][d]),
				   atomic64_read(&zc_stats.software[a][d]));
	for (i = 0; i < ZC_FB_NR; i++)
		seq_printf(m, "fallback_%s %lld\n", zc_fb_names[i],
			   atomic64_read(&zc_stats.fallback[i]));
	seq_printf(m, "errors %lld\n", atomic64_read(&zc_stats.errors));
	seq_printf(m, "incompressible %lld\n",
		   atomic64_read(&zc_stats.incompressible));
	seq_printf(m, "recoveries %lld\n", atomic64_read(&zc_stats.recoveries));
	rcu_read_lock();
	zd = rcu_dereference(zc_active);
	seq_printf(m, "device %s\n", zd ? pci_name(zd->pdev) : "none");
	if (zd)
		for (i = zd->npoll; i < zd->npoll + zd->nirq; i++)
			seq_printf(m, "queue%d_inflight %u\n", i,
				   READ_ONCE(zd->q[i].inflight));
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zc_stats);

/*
 * Test hook: reset the device behind the driver's back, as a device that
 * fails and restarts would. The driver must notice and recover.
 */
static ssize_t zc_device_reset_write(struct file *file, const char __user *buf,
				     size_t len, loff_t *ppos)
{
	struct zc_dev *zd;

	rcu_read_lock();
	zd = rcu_dereference(zc_active);
	if (zd)
		zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
	rcu_read_unlock();
	return zd ? len : -ENODEV;
}

static const struct file_operations zc_device_reset_fops = {
	.owner = THIS_MODULE,
	.write = zc_device_reset_write,
	.llseek = noop_llseek,
};

static struct dentry *zc_debugfs;

static int __init zc_init(void)
{
	int ret;

	spin_lock_init(&zc_sw.lock);
	/* zswap waits for us in reclaim: recovery needs a rescuer. */
	zc_wq = alloc_workqueue("zcomp_recover", WQ_MEM_RECLAIM, 0);
	if (!zc_wq)
		return -ENOMEM;
	zc_sw.wrkmem = vmalloc(LZ4HC_MEM_COMPRESS);
	zc_sw.src = vmalloc(ZC_SW_MAX);
	zc_sw.dst = vmalloc(lzo1x_worst_compress(ZC_SW_MAX));
	if (!zc_sw.wrkmem || !zc_sw.src || !zc_sw.dst) {
		ret = -ENOMEM;
		goto err;
	}
	zc_setup_algs();
	zc_debugfs = debugfs_create_dir("zcomp_pci", NULL);
	debugfs_create_file("stats", 0444, zc_debugfs, NULL, &zc_stats_fops);
	debugfs_create_file("device_reset", 0200, zc_debugfs, NULL,
			    &zc_device_reset_fops);
	ret = pci_register_driver(&zc_driver);
	if (ret) {
		debugfs_remove_recursive(zc_debugfs);
		goto err;
	}
	return 0;
err:
	vfree(zc_sw.wrkmem);
	vfree(zc_sw.src);
	vfree(zc_sw.dst);
	destroy_workqueue(zc_wq);
	return ret;
}

static void __exit zc_exit(void)
{
	pci_unregister_driver(&zc_driver);
	/* No transforms are left: each holds a reference on this module. */
	zc_unregister_algs();
	debugfs_remove_recursive(zc_debugfs);
	vfree(zc_sw.wrkmem);
	vfree(zc_sw.src);
	vfree(zc_sw.dst);
	destroy_workqueue(zc_wq);
}

module_init(zc_init);
module_exit(zc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zcomp-pci compression accelerator: lz4, lz4hc, lzo offload for zram and zswap");
