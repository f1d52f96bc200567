// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci statistics: module-wide counters (they outlive a removed
 * device) in debugfs zcomp_pci/stats, the device's own time histograms in
 * zcomp_pci/histograms, and the test hooks.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "zc.h"

const char *const zc_alg_names[ZCOMP_ALG_COUNT] = {
	[ZCOMP_ALG_LZ4] = "lz4", [ZCOMP_ALG_LZ4HC] = "lz4hc",
	[ZCOMP_ALG_LZO] = "lzo", [ZCOMP_ALG_LZORLE] = "lzo-rle",
	[ZCOMP_ALG_ZSTD] = "zstd",
};

static const char *const zc_fb_names[ZC_FB_NR] = {
	"no_device", "device_error", "timeout", "ring_full", "too_large",
	"unsupported",
};

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

void zc_count_offload(u8 algo, u8 op, unsigned int in, unsigned int out)
{
	int dir = op == ZCOMP_OP_DECOMPRESS;

	atomic64_inc(&zc_stats.offloaded[algo][dir]);
	atomic64_add(in, &zc_stats.bytes_in[algo][dir]);
	atomic64_add(out, &zc_stats.bytes_out[algo][dir]);
}

void zc_count_software(u8 algo, u8 op, enum zc_fallback why)
{
	atomic64_inc(&zc_stats.software[algo][op == ZCOMP_OP_DECOMPRESS]);
	atomic64_inc(&zc_stats.fallback[why]);
}

/* The watchdog found a stuck queue or device. */
void zc_count_timeout(void)
{
	atomic64_inc(&zc_stats.fallback[ZC_FB_TIMEOUT]);
}

void zc_count_error(void)
{
	atomic64_inc(&zc_stats.errors);
}

void zc_count_incompressible(void)
{
	atomic64_inc(&zc_stats.incompressible);
}

void zc_count_recovery(void)
{
	atomic64_inc(&zc_stats.recoveries);
}

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
 * One histogram of the device's (@q, ZCOMP_HIST_ALL_QUEUES for all), if
 * it counted something. The selection register and the window are one per
 * device: the caller holds zc_active_get(), which all their users take.
 * (On 32-bit kernels readq is two reads: a counter may tear, in debugfs.)
 */
static void zc_hist_show_one(struct seq_file *m, struct zc_dev *zd, u32 q,
			     u8 algo, u8 op, u8 kind)
{
	static const char *const kinds[ZCOMP_HIST_KINDS] = {
		[ZCOMP_HIST_LATENCY] = "latency", [ZCOMP_HIST_CODEC] = "codec",
	};
	void __iomem *w = zd->bar + ZCOMP_REG_HIST;
	u64 count, v;
	int b;

	zc_wr(zd, ZCOMP_REG_HIST_SEL, ZCOMP_HIST_SEL(q, algo, op, kind));
	count = readq(w + ZCOMP_HIST_COUNT);
	if (!count)
		return;
	if (q == ZCOMP_HIST_ALL_QUEUES)
		seq_puts(m, "queue all");
	else
		seq_printf(m, "queue %u", q);
	seq_printf(m, " %s %s %s count %llu sum_ns %llu buckets",
		   zc_alg_names[algo],
		   op == ZCOMP_OP_COMPRESS ? "compress" : "decompress",
		   kinds[kind], count, readq(w + ZCOMP_HIST_SUM_NS));
	for (b = 0; b < ZCOMP_HIST_BUCKETS; b++) {
		v = readq(w + 8 * b);
		if (v)
			seq_printf(m, " %d:%llu", b, v);
	}
	seq_putc(m, '\n');
}

/*
 * The device's time histograms (ZCOMP_CAP_F_HIST), for the algorithms it
 * offers: the sum over all queues, then each queue; per algorithm, opcode
 * and kind that counted something. Bucket b counts the times of 2^b to
 * 2^(b+1) - 1 ns, the last one also all longer.
 */
static int zc_hist_show(struct seq_file *m, void *v)
{
	const u32 per_queue = ZCOMP_ALG_COUNT * 2 * ZCOMP_HIST_KINDS;
	struct zc_dev *zd = zc_active_get();
	u32 i, n, q;
	u8 algo, op;

	if (!zd || !zd->hist) {
		seq_puts(m, zd ? "not offered by this device\n"
			       : "no device\n");
		goto out;
	}
	/* All queues first, then each one: algorithm, opcode, kind. */
	n = min_t(u32, zc_rd(zd, ZCOMP_REG_CAP_QUEUES),
		  ZCOMP_HIST_ALL_QUEUES);
	for (i = 0; i < (n + 1) * per_queue; i++) {
		q = i / per_queue;
		algo = i / (2 * ZCOMP_HIST_KINDS) % ZCOMP_ALG_COUNT;
		op = ZCOMP_OP_COMPRESS + i / ZCOMP_HIST_KINDS % 2;
		if (zd->algs & BIT(algo))
			zc_hist_show_one(m, zd,
					 q ? q - 1 : ZCOMP_HIST_ALL_QUEUES,
					 algo, op, i % ZCOMP_HIST_KINDS);
	}
out:
	zc_active_put();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zc_hist);

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

/*
 * Test hook: fail the next N acomp requests with -EIO, device and
 * software fallback alike, as a driver that breaks would: its callers
 * must report the error, never store or return wrong data.
 */
static atomic_t zc_inject_errors = ATOMIC_INIT(0);

bool zc_should_fail(void)
{
	return atomic_add_unless(&zc_inject_errors, -1, 0);
}

static int zc_inject_get(void *data, u64 *val)
{
	*val = atomic_read(&zc_inject_errors);
	return 0;
}

/*
 * The polled queues' phase times (phase_times) of requests that completed:
 * a line per queue, then what one clock read costs here (the least of a
 * few runs of 1000), which each phase includes once.
 */
static int zc_phases_show(struct seq_file *m, void *v)
{
	struct zc_dev *zd = zc_active_get();
	u64 t0, best = U64_MAX;
	u32 i;
	int p, k;

	if (!zd) {
		seq_puts(m, "no device\n");
		zc_active_put();
		return 0;
	}
	for (i = 0; i < zd->npoll; i++) {
		struct zc_queue *q = &zd->q[i];
		struct zc_phases ph;
		unsigned long flags;

		spin_lock_irqsave(&q->lock, flags);
		ph = q->phases;
		spin_unlock_irqrestore(&q->lock, flags);
		seq_printf(m, "queue %u requests %llu", i, ph.requests);
		for (p = 0; p < ZC_PH_NR; p++)
			seq_printf(m, " %s %llu", zc_phase_names[p], ph.ns[p]);
		seq_putc(m, '\n');
	}
	zc_active_put();
	for (k = 0; k < 5; k++) {
		t0 = ktime_get_ns();
		for (p = 0; p < 999; p++)
			ktime_get_ns();
		best = min(best, ktime_get_ns() - t0);
	}
	seq_printf(m, "clock_read_ps %llu\n", best);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zc_phases);

static int zc_inject_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&zc_inject_errors, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(zc_inject_fops, zc_inject_get, zc_inject_set, "%llu\n");

static struct dentry *zc_debugfs;

void zc_debugfs_init(void)
{
	zc_debugfs = debugfs_create_dir("zcomp_pci", NULL);
	debugfs_create_file("stats", 0444, zc_debugfs, NULL, &zc_stats_fops);
	debugfs_create_file("histograms", 0444, zc_debugfs, NULL,
			    &zc_hist_fops);
	debugfs_create_file("phases", 0444, zc_debugfs, NULL, &zc_phases_fops);
	debugfs_create_file("device_reset", 0200, zc_debugfs, NULL,
			    &zc_device_reset_fops);
	debugfs_create_file_unsafe("inject_errors", 0600, zc_debugfs, NULL,
				   &zc_inject_fops);
}

void zc_debugfs_exit(void)
{
	debugfs_remove_recursive(zc_debugfs);
}
