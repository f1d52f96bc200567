/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcomp_pci: what the driver's parts share. zc_main.c: PCI probe, remove,
 * recovery; zc_queue.c: rings; zc_crypto.c: crypto API glue; zc_sw.c:
 * software fallback; zc_stats.c: counters and debugfs.
 */
#ifndef ZC_H
#define ZC_H

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "zcomp-abi.h"

#define ZC_SLOT_BYTES		(2 * PAGE_SIZE)	/* bounce buffer, each way */
#define ZC_POLL_RING		4		/* one request in flight */
#define ZC_IRQ_RING		64
#define ZC_SW_MAX		(64 * 1024)	/* largest software request */
#define ZC_ZSTD_LEVEL		3		/* the kernel's default */
#define ZC_WATCHDOG		(HZ / 2)
#define ZC_IRQ_QUEUES_PER_CPU	4

/*
 * lzo and lzo-rle output bound: lzo1x_worst_compress() misses lzo-rle's
 * 4 literals before a 4-byte zero run, 9 bytes per 8 of input.
 */
static inline size_t zc_lzo_worst(size_t len)
{
	return len + len / 8 + 72;
}

/* Why a request ran in software. */
enum zc_fallback {
	ZC_FB_NODEV,		/* no device (absent, removed, recovering) */
	ZC_FB_ERROR,		/* device status said so */
	ZC_FB_TIMEOUT,		/* no completion in time */
	ZC_FB_BUSY,		/* ring full */
	ZC_FB_TOO_LARGE,	/* beyond the bounce buffers */
	ZC_FB_UNSUPPORTED,	/* the device does not offer the algorithm */
	ZC_FB_NR
};

struct zc_job;

/*
 * How the rings hand a job back to its owner, the crypto glue, as
 * hisi_zip's qp->req_cb and idxd's desc_complete do: the queue layer and
 * the software fallback call these, never the glue's functions by name.
 */
struct zc_job_ops {
	/*
	 * Copy the source, which is not one run (src NULL), to the bounce
	 * buffer @buf; queue lock held.
	 */
	void (*copy_in)(struct zc_job *job, void *buf);
	/*
	 * Interrupt queues: take a device completion, queue lock held. @ret
	 * and @out: the device's answer; @out_buf: the bounce buffer holding
	 * it, NULL if the device wrote the caller's buffer (mapped). Copy the
	 * result out, or set software to finish it there.
	 */
	void (*take)(struct zc_job *job, int ret, const void *out_buf, u32 out);
	/*
	 * Complete the job, no lock held; in software first if it must
	 * (then in process context: zc_sw_defer()).
	 */
	void (*done)(struct zc_job *job, enum zc_fallback why);
};

/*
 * A request as the rings see it: the crypto glue embeds it in its request
 * context (the interrupt queues) or on its stack (the polled queue, which
 * finishes it before zc_poll_request() returns).
 */
struct zc_job {
	/* the owner's callbacks: none needed on the polled queue with src */
	const struct zc_job_ops *ops;
	struct list_head node;
	struct work_struct work;	/* software completion, zc_sw_defer() */
	/* the caller's buffers where each is one linear run, else NULL */
	const void *src;
	void *dst;
	bool may_map;		/* and those may be DMA-mapped */
	/* mapped for the device (dcap bytes of dst), instead of bounced */
	bool mapped;
	dma_addr_t src_dma;
	dma_addr_t dst_dma;
	u32 dcap;
	unsigned int slen;
	unsigned int dlen;	/* room; the polled queue's result */
	int err;
	bool software;		/* finish in software, outside the queue lock */
	enum zc_fallback why;	/* and why */
	u8 op;
	u8 algo;
};

struct zc_slot {
	void *src;
	void *dst;
	dma_addr_t src_dma;
	dma_addr_t dst_dma;
	struct zc_job *job;
};

struct zc_dev;

/*
 * Where a polled request's time goes in the driver (module parameter
 * phase_times; debugfs zcomp_pci/phases): ns summed over @requests.
 */
enum zc_phase {
	ZC_PH_LOAD,		/* DMA mapping or bounce copy, descriptor */
	ZC_PH_DOORBELL,		/* the doorbell write: its MMIO exit, and
				 * what the device ran on this vCPU (SYNC)
				 */
	ZC_PH_WAIT,		/* polling for the completion */
	ZC_PH_FINISH,		/* result, unmapping or copy back, ring */
	ZC_PH_NR
};

struct zc_phases {
	u64 requests;
	u64 ns[ZC_PH_NR];
};

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
	struct zc_phases phases;	/* polled queues, under @lock */
};

struct zc_vec {
	struct zc_dev *zd;
	u16 index;
	/* reaps the vector's queues: completions run in softirq, not hard IRQ */
	struct tasklet_struct bh;
};

struct zc_dev {
	struct pci_dev *pdev;
	void __iomem *bar;
	u32 max_req;
	u32 algs;			/* CAP_ALGS */
	bool hist;			/* time histograms (ABI 1.2) */
	u32 npoll;
	u32 nirq;
	atomic_t irq_next;		/* the interrupt queue to take next */
	u32 nvec;
	struct zc_queue *q;
	struct zc_vec *vec;
	struct timer_list watchdog;
	struct work_struct recover;
	struct mutex recover_lock;	/* recovery against remove */
	bool removing;
	/*
	 * A request timed out or a queue stalled: no new submission on any
	 * CPU until recovery has reset the device (each CPU would otherwise
	 * burn its own poll_timeout_us).
	 */
	bool stalled;
};

/* The device in use, if any: readers hold rcu_read_lock() and never sleep. */
extern struct zc_dev __rcu *zc_active;

/* zc_active if it offers @algo, else NULL and why (under rcu_read_lock). */
static inline struct zc_dev *zc_device_for(u8 algo, enum zc_fallback *why)
{
	struct zc_dev *zd = rcu_dereference(zc_active);

	if (!zd) {
		*why = ZC_FB_NODEV;
		return NULL;
	}
	if (READ_ONCE(zd->stalled)) {
		*why = ZC_FB_TIMEOUT;
		return NULL;
	}
	if (!(zd->algs & BIT(algo))) {
		*why = ZC_FB_UNSUPPORTED;
		return NULL;
	}
	return zd;
}

static inline u32 zc_rd(struct zc_dev *zd, u32 off)
{
	return readl(zd->bar + off);
}

static inline void zc_wr(struct zc_dev *zd, u32 off, u32 val)
{
	writel(val, zd->bar + off);
}

/* zc_main.c */
void zc_schedule_recovery(struct zc_dev *zd);
void zc_stall(struct zc_dev *zd);
struct zc_dev *zc_active_get(void);
void zc_active_put(void);

/* zc_queue.c */
extern const char *const zc_phase_names[ZC_PH_NR];
int zc_poll_request(struct zc_dev *zd, struct zc_job *job,
		    enum zc_fallback *why);
int zc_irq_submit(struct zc_dev *zd, struct zc_job *job,
		  enum zc_fallback *why);
bool zc_reap(struct zc_queue *q);
irqreturn_t zc_irq(int irq, void *data);
void zc_vec_bh(struct tasklet_struct *t);
int zc_alloc_queue(struct zc_dev *zd, struct zc_queue *q, u16 qid, bool irq,
		   u32 size);
int zc_hw_start(struct zc_dev *zd);
void zc_hw_stop_and_drain(struct zc_dev *zd);

/* zc_crypto.c */
void zc_crypto_setup(void);
void zc_register_algs(struct device *dev, u32 algs);
void zc_unregister_algs(void);

/* zc_sw.c */
int zc_sw_run(u8 op, u8 algo, const u8 *src, unsigned int slen, u8 *dst,
	      unsigned int *dlen, void *wrkmem, u8 *scratch,
	      size_t scratch_len);
size_t zc_sw_wrkmem_size(u8 algo);
size_t zc_sw_compress_bound(u8 algo, unsigned int slen);
/*
 * Per-CPU linear buffers of ZC_SW_MAX bytes, for process and softirq
 * context (never hard IRQ: completions that need software are deferred
 * to a workqueue by zc_sw_defer()).
 */
struct zc_sw_buf {
	spinlock_t lock;		/* the buffers below */
	void *wrkmem;
	u8 *src;
	u8 *dst;
};

struct zc_sw_buf *zc_sw_buf_get(void);
void zc_sw_buf_put(struct zc_sw_buf *b);
void zc_sw_defer(struct zc_job *job);
int zc_sw_init(void);
void zc_sw_exit(void);

/* zc_stats.c */
extern const char *const zc_alg_names[ZCOMP_ALG_COUNT];
void zc_count_offload(u8 algo, u8 op, unsigned int in, unsigned int out);
void zc_count_software(u8 algo, u8 op, enum zc_fallback why);
void zc_count_timeout(void);
void zc_count_error(void);
void zc_count_incompressible(void);
void zc_count_recovery(void);
bool zc_should_fail(void);
void zc_debugfs_init(void);
void zc_debugfs_exit(void);

#endif /* ZC_H */
