// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci crypto API glue: lz4, lz4hc, lzo, lzo-rle and zstd (those the
 * device offers) registered as acomp algorithms (zswap, and zram through
 * our acomp backend, on every kernel) and, where the kernel still has the
 * legacy compress API (up to 6.14), as compression algorithms too (zram
 * up to 6.11). API generations differ only through zc_compat.h.
 *
 * Each algorithm comes in two acomp flavours:
 * - "<alg>-zcomp-acomp" (CRYPTO_ALG_ASYNC): a request with linear
 *   buffers runs on the CPU's polled queue (acomp_poll), anything else on
 *   an interrupt queue, completed from the MSI-X handler: the caller
 *   waits for the completion, as the API wants of an async transform.
 * - "<alg>-zcomp-sync" (no CRYPTO_ALG_ASYNC, before 6.15 only): always
 *   finished before it returns, on the polled queue or in software, for
 *   callers that cannot wait (6.12 zram, under its stream's local lock).
 *   Never -EINPROGRESS; never sleeps.
 * The legacy path is the sync one too. Whatever the device does not
 * finish runs in software.
 */

#include <linux/kernel.h>
#include <linux/lzo.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/vmalloc.h>
#include <crypto/internal/acompress.h>

#include "zc.h"
#include "zc_compat.h"

static int priority = 300;
module_param(priority, int, 0444);
MODULE_PARM_DESC(priority, "crypto priority of the offloaded algorithms (software: 0)");

static bool acomp_poll = true;
module_param(acomp_poll, bool, 0644);
MODULE_PARM_DESC(acomp_poll, "acomp path: run a request whose caller waits for it at once (crypto_req_done) on the CPU's polled queue, completing it before returning; 0: every request on the interrupt queues");

struct zc_alg {
#if ZC_HAVE_LEGACY_COMP
	struct crypto_alg comp;
	bool comp_registered;
#endif
	struct acomp_alg acomp;
	bool acomp_registered;
#if ZC_HAVE_SYNC_TWIN
	struct acomp_alg sync;
	bool sync_registered;
#endif
	u8 algo;
};

static struct zc_alg zc_algs[] = {
	{ .algo = ZCOMP_ALG_LZ4 },
	{ .algo = ZCOMP_ALG_LZ4HC },
	{ .algo = ZCOMP_ALG_LZO },
	{ .algo = ZCOMP_ALG_LZORLE },
	{ .algo = ZCOMP_ALG_ZSTD },
};

/* ---- legacy compress API (zram up to 6.11) ---- */

#if ZC_HAVE_LEGACY_COMP
struct zc_comp_ctx {
	void *wrkmem;
	u8 *scratch;
};

/* lzo(-rle)'s worst case is the largest of all algorithms'. */
#define ZC_SCRATCH_LEN	zc_lzo_worst(ZC_SLOT_BYTES)

static struct zc_alg *zc_alg_of_tfm(struct crypto_tfm *tfm)
{
	return container_of(tfm->__crt_alg, struct zc_alg, comp);
}

static int zc_comp_init(struct crypto_tfm *tfm)
{
	struct zc_comp_ctx *ctx = crypto_tfm_ctx(tfm);

	ctx->wrkmem = vmalloc(zc_sw_wrkmem_size(zc_alg_of_tfm(tfm)->algo));
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
	/* Both buffers are runs: the rings need no callback of it. */
	struct zc_job job = {
		.src = src, .dst = dst, .slen = slen, .dlen = *dlen,
		.may_map = true, .op = op, .algo = algo,
	};
	enum zc_fallback why = ZC_FB_NODEV;
	struct zc_dev *zd;
	int ret = -EIO;

	rcu_read_lock();
	zd = zc_device_for(algo, &why);
	if (zd)
		ret = zc_poll_request(zd, &job, &why);
	rcu_read_unlock();

	if (!ret) {
		zc_count_offload(algo, op, slen, job.dlen);
		*dlen = job.dlen;
		return 0;
	}
	if (ret != -EIO) {
		zc_count_incompressible();
		return -EINVAL;		/* as the software lz4/lzo say it */
	}
	zc_count_software(algo, op, why);
	ret = zc_sw_run(op, algo, src, slen, dst, dlen, ctx->wrkmem,
			ctx->scratch, ZC_SCRATCH_LEN);
	if (ret)
		zc_count_error();
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

static void zc_setup_comp(struct zc_alg *a, const char *name)
{
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
	snprintf(a->comp.cra_driver_name, CRYPTO_MAX_ALG_NAME, "%s-zcomp",
		 name);
}

static void zc_register_comp(struct zc_alg *a, struct device *dev)
{
	int ret;

	if (a->comp_registered)
		return;
	ret = crypto_register_alg(&a->comp);
	if (ret)
		dev_warn(dev, "%s: %d\n", a->comp.cra_driver_name, ret);
	a->comp_registered = !ret;
}

static void zc_unregister_comp(struct zc_alg *a)
{
	if (a->comp_registered)
		crypto_unregister_alg(&a->comp);
	a->comp_registered = false;
}
#else
static void zc_setup_comp(struct zc_alg *a, const char *name) {}
static void zc_register_comp(struct zc_alg *a, struct device *dev) {}
static void zc_unregister_comp(struct zc_alg *a) {}
#endif /* ZC_HAVE_LEGACY_COMP */

/*
 * ---- acomp (zswap) ----
 *
 * Requests arrive as scatterlists, and from 6.16 also as virtual
 * addresses (CRYPTO_ALG_REQ_VIRT: the core hands them over as they are,
 * non-DMA ones included, which are then copied, never mapped).
 */

struct zc_req_ctx {
	struct zc_job job;
	struct acomp_req *req;
};

static struct zc_alg *zc_alg_of_acomp(struct acomp_req *req)
{
	struct crypto_tfm *tfm = crypto_acomp_tfm(crypto_acomp_reqtfm(req));

	return container_of(tfm->__crt_alg, struct zc_alg, acomp.base);
}

static struct acomp_req *zc_req_of_job(struct zc_job *job)
{
	return container_of(job, struct zc_req_ctx, job)->req;
}

/*
 * The request's buffers, as scatterlists or (6.16+, CRYPTO_ALG_REQ_VIRT)
 * virtual addresses: copy @len bytes of the source to @buf, or from @buf
 * to the destination; false if they are not there.
 */
static bool zc_req_copy_src(struct acomp_req *req, void *buf, unsigned int len)
{
	if (zc_src_virt(req)) {
		memcpy(buf, zc_svirt(req), len);
		return true;
	}
	return sg_copy_to_buffer(req->src, sg_nents_for_len(req->src, len),
				 buf, len) == len;
}

static bool zc_req_copy_dst(struct acomp_req *req, const void *buf,
			    unsigned int len)
{
	if (zc_dst_virt(req)) {
		memcpy(zc_dvirt(req), buf, len);
		return true;
	}
	return sg_copy_from_buffer(req->dst, sg_nents_for_len(req->dst, len),
				   buf, len) == len;
}

/*
 * Run @req in software, linearised through this CPU's zc_sw_buf. Process
 * or softirq context, never hard IRQ.
 */
static int zc_acomp_software(struct acomp_req *req, u8 op, u8 algo,
			     enum zc_fallback why)
{
	struct zc_sw_buf *b;
	unsigned int dlen;
	int ret;

	zc_count_software(algo, op, why);
	if (req->slen > ZC_SW_MAX) {
		zc_count_error();
		return -EINVAL;
	}
	/*
	 * Compress into the whole (worst-case sized) buffer, then check the
	 * caller's room: lzo1x_1_compress() has no output bound.
	 */
	dlen = op == ZCOMP_OP_COMPRESS ? zc_sw_compress_bound(algo, req->slen) :
					 min_t(unsigned int, req->dlen, ZC_SW_MAX);
	b = zc_sw_buf_get();
	if (!zc_req_copy_src(req, b->src, req->slen))
		ret = -EINVAL;
	else
		ret = zc_sw_run(op, algo, b->src, req->slen, b->dst, &dlen,
				b->wrkmem, NULL, 0);
	/* Nothing out of something is a codec failure, never a result. */
	if (!ret && !dlen)
		ret = -EINVAL;
	if (!ret && dlen > req->dlen)
		ret = -ENOSPC;
	if (!ret) {
		if (zc_req_copy_dst(req, b->dst, dlen))
			req->dlen = dlen;
		else
			ret = -EINVAL;
	}
	zc_sw_buf_put(b);
	if (ret == -ENOSPC)
		zc_count_incompressible();
	else if (ret)
		zc_count_error();
	return ret;
}

/* zc_job_ops of the acomp requests: the rings' way back to them */
static void zc_acomp_copy_in(struct zc_job *job, void *buf)
{
	struct acomp_req *req = zc_req_of_job(job);

	zc_req_copy_src(req, buf, req->slen);
}

/*
 * Take a device completion (queue lock held): copy the result out of the
 * bounce buffer, or mark the job for software, done after unlocking.
 */
static void zc_acomp_take(struct zc_job *job, int ret, const void *out_buf,
			  u32 out)
{
	struct acomp_req *req = zc_req_of_job(job);

	job->software = false;
	if (!ret && out <= req->dlen &&
	    (!out_buf || zc_req_copy_dst(req, out_buf, out))) {
		req->dlen = out;
		zc_count_offload(job->algo, job->op, req->slen, out);
		job->err = 0;
	} else if (ret == -ENOSPC) {
		zc_count_incompressible();
		job->err = -ENOSPC;
	} else {
		job->software = true;
	}
}

/*
 * Complete the request, no lock held; software first if it must (then in
 * process context: zc_finish_jobs() deferred it).
 */
static void zc_acomp_done(struct zc_job *job, enum zc_fallback why)
{
	struct acomp_req *req = zc_req_of_job(job);

	if (job->software)
		job->err = zc_acomp_software(req, job->op, job->algo, why);
	/* callbacks run with bottom halves off, as from softirq (cryptd) */
	local_bh_disable();
	acomp_request_complete(req, job->err);
	local_bh_enable();
}

static const struct zc_job_ops zc_acomp_job_ops = {
	.copy_in = zc_acomp_copy_in,
	.take = zc_acomp_take,
	.done = zc_acomp_done,
};

/* One scatterlist entry covering @len bytes of the linear map. */
static bool zc_sg_linear(struct scatterlist *sg, unsigned int len)
{
	return sg->length >= len && !PageHighMem(sg_page(sg));
}

/* The source or destination as one virtual run, or NULL */
static const u8 *zc_req_src_run(struct acomp_req *req)
{
	if (zc_src_virt(req))
		return zc_svirt(req);
	return zc_sg_linear(req->src, req->slen) ? sg_virt(req->src) : NULL;
}

static u8 *zc_req_dst_run(struct acomp_req *req)
{
	if (zc_dst_virt(req))
		return zc_dvirt(req);
	return zc_sg_linear(req->dst, req->dlen) ? sg_virt(req->dst) : NULL;
}

/*
 * Whether to run @req on the polled queue. A caller that waits for the
 * completion at once (crypto_req_done(), with crypto_wait_req(): zswap,
 * zram one page at a time) is best served there: under TCG a SYNC
 * doorbell completes it before the write returns, far cheaper than an
 * interrupt and a wake-up. A caller with a completion of its own has
 * other work, or other requests in flight (zram's batches): the
 * interrupt queues let them overlap on the device's workers.
 */
static bool zc_acomp_wants_poll(struct acomp_req *req, bool sync)
{
	return sync || (READ_ONCE(acomp_poll) &&
			req->base.complete == crypto_req_done);
}

/*
 * Run @req on the CPU's polled queue when its destination is one run
 * (a source in several entries, as 7.x zswap reads zsmalloc objects that
 * span two pages, is copied to the bounce buffer; so are buffers the
 * caller says are not for DMA). 0 or -ENOSPC: done; -EIO: use the
 * interrupt queues, or software if @sync; *@why tells why. Never sleeps.
 */
static int zc_acomp_poll(struct zc_dev *zd, struct acomp_req *req,
			 struct zc_job *job, bool sync, enum zc_fallback *why)
{
	int ret;

	*why = ZC_FB_TOO_LARGE;
	if (!zc_acomp_wants_poll(req, sync) || !zd->npoll || !job->dst)
		return -EIO;
	ret = zc_poll_request(zd, job, why);
	if (!ret) {
		req->dlen = job->dlen;
		zc_count_offload(job->algo, job->op, req->slen, job->dlen);
	} else if (ret == -ENOSPC) {
		zc_count_incompressible();
	}
	return ret;
}

/*
 * @sync: the synchronous twin's request, finished before we return (the
 * polled queue or software). Else the interrupt queues may take it and
 * we return -EINPROGRESS, whatever the request's flags say: a caller of
 * an async transform waits for its completion (the API's contract, which
 * zswap keeps without CRYPTO_TFM_REQ_MAY_SLEEP). Submission never sleeps.
 */
static int zc_acomp_run(struct acomp_req *req, u8 op, u8 algo, bool sync)
{
	struct zc_req_ctx *rctx = acomp_request_ctx(req);
	enum zc_fallback why = ZC_FB_NODEV;
	struct zc_dev *zd;
	int ret = -EIO;

	/* The scomp-style "allocate my destination" mode is not offered. */
	if (!req->src || !req->dst || !req->slen || !req->dlen ||
	    (!zc_src_virt(req) && sg_nents_for_len(req->src, req->slen) < 0) ||
	    (!zc_dst_virt(req) && sg_nents_for_len(req->dst, req->dlen) < 0))
		return -EINVAL;
	if (zc_should_fail()) {
		zc_count_error();
		return -EIO;
	}
	/*
	 * Non-DMA virtual addresses (a kmap_local of a highmem page) are the
	 * caller's thread's only: finish before returning, in its context.
	 */
	if (zc_nondma(req))
		sync = true;
	rctx->req = req;
	/* DMA-able runs may go to the device as they are (zc_job_load()) */
	rctx->job = (struct zc_job) {
		.ops = &zc_acomp_job_ops,
		.src = zc_req_src_run(req), .dst = zc_req_dst_run(req),
		.may_map = !zc_nondma(req),
		.slen = req->slen, .dlen = req->dlen, .op = op, .algo = algo,
	};
	rcu_read_lock();
	zd = zc_device_for(algo, &why);
	if (zd) {
		ret = zc_acomp_poll(zd, req, &rctx->job, sync, &why);
		/* Not to a device that just stopped answering (zc_stall()) */
		if (ret == -EIO && !sync && !READ_ONCE(zd->stalled))
			ret = zc_irq_submit(zd, &rctx->job, &why);
	}
	rcu_read_unlock();
	if (ret != -EIO)
		return ret;
	/* Ring full, no device: finish now; a 0 return is a completion. */
	return zc_acomp_software(req, op, algo, why);
}

static int zc_acomp_compress(struct acomp_req *req)
{
	return zc_acomp_run(req, ZCOMP_OP_COMPRESS,
			    zc_alg_of_acomp(req)->algo, false);
}

static int zc_acomp_decompress(struct acomp_req *req)
{
	return zc_acomp_run(req, ZCOMP_OP_DECOMPRESS,
			    zc_alg_of_acomp(req)->algo, false);
}

static void zc_init_acomp(struct acomp_alg *alg, const char *name,
			  const char *suffix, u32 flags, int prio)
{
	alg->base.cra_flags = flags;
	alg->base.cra_module = THIS_MODULE;
	alg->base.cra_priority = prio;
	zc_acomp_set_reqsize(alg, sizeof(struct zc_req_ctx));
	strscpy(alg->base.cra_name, name, CRYPTO_MAX_ALG_NAME);
	snprintf(alg->base.cra_driver_name, CRYPTO_MAX_ALG_NAME, "%s-%s",
		 name, suffix);
}

#if ZC_HAVE_SYNC_TWIN
static struct zc_alg *zc_alg_of_sync(struct acomp_req *req)
{
	struct crypto_tfm *tfm = crypto_acomp_tfm(crypto_acomp_reqtfm(req));

	return container_of(tfm->__crt_alg, struct zc_alg, sync.base);
}

static int zc_sync_compress(struct acomp_req *req)
{
	return zc_acomp_run(req, ZCOMP_OP_COMPRESS,
			    zc_alg_of_sync(req)->algo, true);
}

static int zc_sync_decompress(struct acomp_req *req)
{
	return zc_acomp_run(req, ZCOMP_OP_DECOMPRESS,
			    zc_alg_of_sync(req)->algo, true);
}

/*
 * One below the async flavour: a caller that can wait (zswap) gets that;
 * one that asks for a synchronous transform by name gets this.
 */
static void zc_setup_sync(struct zc_alg *a, const char *name)
{
	a->sync = (struct acomp_alg) {
		.compress = zc_sync_compress,
		.decompress = zc_sync_decompress,
	};
	zc_init_acomp(&a->sync, name, "zcomp-sync", 0, priority - 1);
}

static void zc_register_sync(struct zc_alg *a, struct device *dev)
{
	int ret;

	if (a->sync_registered)
		return;
	ret = crypto_register_acomp(&a->sync);
	if (ret)
		dev_warn(dev, "%s: %d\n", a->sync.base.cra_driver_name, ret);
	a->sync_registered = !ret;
}

static void zc_unregister_sync(struct zc_alg *a)
{
	if (a->sync_registered)
		crypto_unregister_acomp(&a->sync);
	a->sync_registered = false;
}
#else
static void zc_setup_sync(struct zc_alg *a, const char *name) {}
static void zc_register_sync(struct zc_alg *a, struct device *dev) {}
static void zc_unregister_sync(struct zc_alg *a) {}
#endif /* ZC_HAVE_SYNC_TWIN */

static void zc_setup_acomp(struct zc_alg *a, const char *name)
{
	a->acomp = (struct acomp_alg) {
		.compress = zc_acomp_compress,
		.decompress = zc_acomp_decompress,
	};
	zc_init_acomp(&a->acomp, name, "zcomp-acomp",
		      CRYPTO_ALG_ASYNC | ZC_ACOMP_VIRT, priority);
	zc_setup_sync(a, name);
}

/* ---- registration ---- */

void zc_crypto_setup(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zc_algs); i++) {
		zc_setup_comp(&zc_algs[i], zc_alg_names[zc_algs[i].algo]);
		zc_setup_acomp(&zc_algs[i], zc_alg_names[zc_algs[i].algo]);
	}
}

/*
 * Registered when a device first offers them (@algs: its CAP_ALGS),
 * removed only at module exit: 6.1 must not unregister an algorithm that
 * still has transforms. A device without one later sends its requests to
 * software.
 */
static DEFINE_MUTEX(zc_algs_lock);

void zc_register_algs(struct device *dev, u32 algs)
{
	int i, ret;

	mutex_lock(&zc_algs_lock);
	for (i = 0; i < ARRAY_SIZE(zc_algs); i++) {
		struct zc_alg *a = &zc_algs[i];

		if (!(algs & BIT(a->algo)))
			continue;
		zc_register_comp(a, dev);
		zc_register_sync(a, dev);
		if (a->acomp_registered)
			continue;
		ret = crypto_register_acomp(&a->acomp);
		if (ret)
			dev_warn(dev, "%s: %d\n", a->acomp.base.cra_driver_name,
				 ret);
		a->acomp_registered = !ret;
	}
	mutex_unlock(&zc_algs_lock);
}

void zc_unregister_algs(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zc_algs); i++) {
		zc_unregister_comp(&zc_algs[i]);
		zc_unregister_sync(&zc_algs[i]);
		if (zc_algs[i].acomp_registered)
			crypto_unregister_acomp(&zc_algs[i].acomp);
		zc_algs[i].acomp_registered = false;
	}
}
