// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci queues and rings: polled queues (one request in flight, SYNC
 * doorbells, busy-wait) for callers that cannot sleep, and interrupt
 * queues (MSI-X) for asynchronous requests; submit, poll, reap, drain.
 */

#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "zc.h"

static bool dma_map = true;
module_param(dma_map, bool, 0644);
MODULE_PARM_DESC(dma_map, "zram path: DMA-map the caller's buffers when possible instead of copying through bounce buffers");

#define ZC_POLL_TIMEOUT_MIN	100		/* us: above a SYNC doorbell */
#define ZC_POLL_TIMEOUT_MAX	100000		/* us: a CPU spinning 0.1 s */

static unsigned int poll_timeout_us = 20000;

static int zc_set_poll_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, ZC_POLL_TIMEOUT_MIN,
				     ZC_POLL_TIMEOUT_MAX);
}

static const struct kernel_param_ops zc_poll_timeout_ops = {
	.set = zc_set_poll_timeout,
	.get = param_get_uint,
};

module_param_cb(poll_timeout_us, &zc_poll_timeout_ops, &poll_timeout_us, 0644);
MODULE_PARM_DESC(poll_timeout_us, "busy-wait limit of a polled request before software fallback, 100 to 100000");

static bool phase_times;
module_param(phase_times, bool, 0644);
MODULE_PARM_DESC(phase_times, "time each phase of a polled request (debugfs zcomp_pci/phases); off by default: it costs five clock reads a request");

static struct lock_class_key zc_poll_lock_key;

const char *const zc_phase_names[ZC_PH_NR] = {
	[ZC_PH_LOAD] = "load", [ZC_PH_DOORBELL] = "doorbell",
	[ZC_PH_WAIT] = "wait", [ZC_PH_FINISH] = "finish",
};

/*
 * With phase_times (@ns), the end of phase @ph of a request at *@t; the
 * request's times are added to its queue's when it completes.
 */
static void zc_phase_end(u64 *ns, enum zc_phase ph, u64 *t)
{
	u64 now;

	if (!ns)
		return;
	now = ktime_get_ns();
	ns[ph] = now - *t;
	*t = now;
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
	/* The kernel's zstd level, whatever the device's default is. */
	if (algo == ZCOMP_ALG_ZSTD)
		sqe->level = ZC_ZSTD_LEVEL;
	sqe->tag = cpu_to_le32(tag);
	sqe->src_addr = cpu_to_le64(src);
	sqe->src_len = cpu_to_le32(slen);
	sqe->dst_addr = cpu_to_le64(dst);
	sqe->dst_cap = cpu_to_le32(dcap);
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
 * DMA-map the caller's buffers for one request. False: use the bounce
 * buffers. On success the device may write up to *@dcap bytes.
 */
static bool zc_map_buffers(struct zc_dev *zd, const void *src,
			   unsigned int slen, void *dst, unsigned int dlen,
			   dma_addr_t *sa, dma_addr_t *da, u32 *dcap)
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

/* The device is done with @job's buffers (completed, or reset) */
static void zc_job_unmap(struct zc_dev *zd, struct zc_job *job)
{
	if (job->mapped) {
		dma_unmap_single(&zd->pdev->dev, job->src_dma, job->slen,
				 DMA_TO_DEVICE);
		dma_unmap_single(&zd->pdev->dev, job->dst_dma, job->dcap,
				 DMA_FROM_DEVICE);
	}
	job->mapped = false;
}

/*
 * Describe @job in entry @idx of @q (lock held): the caller's buffers as
 * they are where both are runs that may be mapped, else the slot's
 * bounce buffers. False: it fits neither.
 */
static bool zc_job_load(struct zc_queue *q, u32 idx, struct zc_job *job)
{
	struct zc_slot *slot = &q->slots[idx];

	job->mapped = job->may_map && job->src && job->dst &&
		      zc_map_buffers(q->zd, job->src, job->slen, job->dst,
				     job->dlen, &job->src_dma, &job->dst_dma,
				     &job->dcap);
	if (job->mapped) {
		zc_fill_sqe(&q->sq[idx], job->op, job->algo, idx, job->src_dma,
			    job->slen, job->dst_dma, job->dcap);
		return true;
	}
	if (job->slen > ZC_SLOT_BYTES)
		return false;
	if (job->src)
		memcpy(slot->src, job->src, job->slen);
	else
		job->ops->copy_in(job, slot->src);
	zc_fill_sqe(&q->sq[idx], job->op, job->algo, idx, slot->src_dma,
		    job->slen, slot->dst_dma,
		    min_t(u32, job->dlen, ZC_SLOT_BYTES));
	return true;
}

/*
 * The device's answer to @job, read before zc_job_unmap(): 0 and *@out
 * bytes, or an errno (-EIO: try software). No output at all is as wrong
 * as more than the buffer the device had.
 */
static int zc_job_result(struct zc_job *job, struct zcomp_cqe *cqe, u32 *out)
{
	u32 room = job->mapped ? job->dcap :
				 min_t(u32, job->dlen, ZC_SLOT_BYTES);
	int ret = zc_status_errno(job->op, cqe->status, room < job->dlen);

	*out = le32_to_cpu(cqe->out_len);
	if (!ret && (!*out || *out > room))
		ret = -EIO;
	return ret;
}

/*
 * Wait for the completion of a polled queue's one request. False: none
 * came within poll_timeout_us.
 */
static bool zc_poll_wait(struct zc_queue *q, struct zcomp_cqe *cqe)
{
	u64 deadline = ktime_get_ns() +
		       (u64)READ_ONCE(poll_timeout_us) * NSEC_PER_USEC;
	unsigned int spins = 0;

	while ((READ_ONCE(cqe->flags) & ZCOMP_CQE_F_PHASE) != q->phase) {
		cpu_relax();
		if (++spins % 64 == 0 && ktime_get_ns() > deadline)
			return false;
	}
	dma_rmb();
	return true;
}

/*
 * Run @job on the calling CPU's polled queue (SYNC mode: under TCG the
 * completion is usually there when the doorbell write returns). Its
 * destination must be one run (job->dst); a source that is not is copied
 * to the bounce buffer by job->ops->copy_in, and so are buffers the
 * caller says are not for DMA (!job->may_map). 0: job->dlen bytes of
 * result in job->dst; otherwise @job is left as it came, for another
 * queue or software. Called with rcu_read_lock() held, from zram with
 * preemption disabled too; never sleeps. A caller moved to another CPU
 * only shares a queue.
 */
int zc_poll_request(struct zc_dev *zd, struct zc_job *job,
		    enum zc_fallback *why)
{
	struct zc_queue *q = &zd->q[raw_smp_processor_id() % zd->npoll];
	u64 phase_ns[ZC_PH_NR] = {}, *ns = READ_ONCE(phase_times) ? phase_ns : NULL;
	struct zcomp_cqe *cqe;
	u32 idx, out;
	bool mapped;
	u64 t = 0;
	int ret, p;

	if (!job->slen || !job->dlen) {
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
	if (ns)
		t = ktime_get_ns();
	idx = q->tail;
	if (!zc_job_load(q, idx, job)) {
		spin_unlock(&q->lock);
		*why = ZC_FB_TOO_LARGE;
		return -EIO;
	}
	zc_phase_end(ns, ZC_PH_LOAD, &t);
	q->tail = (idx + 1) & (q->size - 1);
	/* writel() orders the descriptor before the doorbell. */
	writel(q->tail, q->doorbell);
	zc_phase_end(ns, ZC_PH_DOORBELL, &t);

	cqe = &q->cq[idx];
	if (!zc_poll_wait(q, cqe)) {
		/*
		 * Reset now: the device returns from the write only when it
		 * no longer runs a request, so it cannot write into the
		 * caller's buffer later.
		 */
		zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
		zc_job_unmap(zd, job);
		q->dead = true;
		spin_unlock(&q->lock);
		zc_stall(zd);
		*why = ZC_FB_TIMEOUT;
		return -EIO;
	}
	zc_phase_end(ns, ZC_PH_WAIT, &t);
	ret = zc_job_result(job, cqe, &out);
	mapped = job->mapped;
	zc_job_unmap(zd, job);
	if (!ret) {
		if (!mapped)
			memcpy(job->dst, q->slots[idx].dst, out);
		job->dlen = out;
	}
	q->head = q->tail;
	if (q->head == 0)
		q->phase ^= 1;
	zc_phase_end(ns, ZC_PH_FINISH, &t);
	if (ns) {
		q->phases.requests++;
		for (p = 0; p < ZC_PH_NR; p++)
			q->phases.ns[p] += ns[p];
	}
	spin_unlock(&q->lock);
	*why = ZC_FB_ERROR;
	return ret;
}

/*
 * Finish jobs collected under a queue lock, with no lock held; those
 * that need software from the workqueue: we may be in hard IRQ.
 */
static void zc_finish_jobs(struct list_head *done, enum zc_fallback why)
{
	struct zc_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, done, node) {
		list_del(&job->node);
		if (job->software) {
			job->why = why;
			zc_sw_defer(job);
		} else {
			job->ops->done(job, why);
		}
	}
}

/* Collect the completions of an interrupt queue. */
bool zc_reap(struct zc_queue *q)
{
	LIST_HEAD(done);
	unsigned long flags;
	bool any = false;

	spin_lock_irqsave(&q->lock, flags);
	while (q->inflight) {
		struct zcomp_cqe *cqe = &q->cq[q->head];
		struct zc_slot *slot = &q->slots[q->head];
		struct zc_job *job = slot->job;
		bool mapped;
		int ret;
		u32 out;

		if ((READ_ONCE(cqe->flags) & ZCOMP_CQE_F_PHASE) != q->phase)
			break;
		dma_rmb();
		ret = zc_job_result(job, cqe, &out);
		mapped = job->mapped;
		zc_job_unmap(q->zd, job);
		job->ops->take(job, ret, mapped ? NULL : slot->dst, out);
		list_add_tail(&job->node, &done);
		slot->job = NULL;
		q->head = (q->head + 1) & (q->size - 1);
		if (q->head == 0)
			q->phase ^= 1;
		q->inflight--;
		q->progress = jiffies;
		any = true;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	zc_finish_jobs(&done, ZC_FB_ERROR);
	return any;
}

/*
 * The crypto API calls completions in softirq context at most: the
 * interrupt only schedules the vector's tasklet, which reaps.
 */
void zc_vec_bh(struct tasklet_struct *t)
{
	struct zc_vec *v = from_tasklet(v, t, bh);
	struct zc_dev *zd = v->zd;
	u32 i;

	for (i = 0; i < zd->nirq; i++) {
		struct zc_queue *q = &zd->q[zd->npoll + i];

		if (q->vector == v->index)
			zc_reap(q);
	}
}

irqreturn_t zc_irq(int irq, void *data)
{
	struct zc_vec *v = data;

	tasklet_schedule(&v->bh);
	/* The vector is ours alone: a batch already reaped is still ours. */
	return IRQ_HANDLED;
}

/* Queue @job on an interrupt queue; -EINPROGRESS when the device has it. */
int zc_irq_submit(struct zc_dev *zd, struct zc_job *job, enum zc_fallback *why)
{
	struct zc_queue *q;
	unsigned long flags;
	u32 idx;

	if (!zd->nirq) {
		*why = ZC_FB_NODEV;
		return -EIO;
	}
	if (job->slen > ZC_SLOT_BYTES) {
		*why = ZC_FB_TOO_LARGE;
		return -EIO;
	}
	/* Round all interrupt queues: the device runs each one's in order */
	q = &zd->q[zd->npoll +
		   (u32)atomic_inc_return(&zd->irq_next) % zd->nirq];
	spin_lock_irqsave(&q->lock, flags);
	if (q->dead || q->inflight >= q->size - 1) {
		*why = q->dead ? ZC_FB_NODEV : ZC_FB_BUSY;
		spin_unlock_irqrestore(&q->lock, flags);
		return -EIO;
	}
	idx = q->tail;
	/* The caller's buffers as they are where possible, as zram's path */
	if (!zc_job_load(q, idx, job)) {
		spin_unlock_irqrestore(&q->lock, flags);
		*why = ZC_FB_TOO_LARGE;
		return -EIO;
	}
	q->slots[idx].job = job;
	if (!q->inflight++)
		q->progress = jiffies;
	q->tail = (idx + 1) & (q->size - 1);
	writel(q->tail, q->doorbell);
	spin_unlock_irqrestore(&q->lock, flags);
	return -EINPROGRESS;
}

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
int zc_hw_start(struct zc_dev *zd)
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
void zc_hw_stop_and_drain(struct zc_dev *zd)
{
	u32 i, k;

	zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
	for (i = 0; i < zd->nvec; i++) {
		synchronize_irq(pci_irq_vector(zd->pdev, i));
		tasklet_kill(&zd->vec[i].bh);
	}
	for (i = zd->npoll; i < zd->npoll + zd->nirq; i++) {
		struct zc_queue *q = &zd->q[i];
		unsigned long flags;
		LIST_HEAD(done);

		spin_lock_irqsave(&q->lock, flags);
		for (k = 0; k < q->size; k++) {
			struct zc_slot *slot = &q->slots[k];

			if (!slot->job)
				continue;
			zc_job_unmap(zd, slot->job);
			slot->job->software = true;
			list_add_tail(&slot->job->node, &done);
			slot->job = NULL;
		}
		q->inflight = 0;
		q->dead = true;
		spin_unlock_irqrestore(&q->lock, flags);
		zc_finish_jobs(&done, ZC_FB_NODEV);
	}
}

int zc_alloc_queue(struct zc_dev *zd, struct zc_queue *q, u16 qid, bool irq,
		   u32 size)
{
	struct device *dev = &zd->pdev->dev;
	u32 i;

	q->zd = zd;
	q->qid = qid;
	q->irq = irq;
	q->size = size;
	spin_lock_init(&q->lock);
	/*
	 * A polled queue's lock is only tried, with softirqs on; an interrupt
	 * queue's is taken in softirq (zc_reap): not one class for lockdep.
	 */
	if (!irq)
		lockdep_set_class(&q->lock, &zc_poll_lock_key);
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
