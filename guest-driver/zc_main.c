// SPDX-License-Identifier: GPL-2.0
/*
 * zcomp_pci: driver for the zcomp-pci virtual compression accelerator.
 * PCI probe and remove, recovery after a device reset or timeout, the
 * watchdog, and module set-up. Device ABI: include/zcomp-abi.h.
 *
 * No data loss: on a device error, timeout, reset or removal a request is
 * run in software with the kernel's own lz4/lzo, whose format the device
 * shares, and counted (zc_stats.c).
 */

#include <linux/dma-mapping.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "zc.h"
#include "zc_compat.h"

struct zc_dev __rcu *zc_active;
static DEFINE_MUTEX(zc_active_lock);	/* writers of zc_active */
static struct workqueue_struct *zc_wq;	/* recovery; may run in reclaim */

void zc_schedule_recovery(struct zc_dev *zd)
{
	if (!READ_ONCE(zd->removing))
		queue_work(zc_wq, &zd->recover);
}

/* The device stopped answering: no CPU submits until it is reset. */
void zc_stall(struct zc_dev *zd)
{
	WRITE_ONCE(zd->stalled, true);
	zc_schedule_recovery(zd);
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

/*
 * zc_active for a reader that may sleep (debugfs), or NULL: it stays the
 * device in use, its BAR mapped, until zc_active_put().
 */
struct zc_dev *zc_active_get(void)
{
	mutex_lock(&zc_active_lock);
	return rcu_dereference_protected(zc_active,
					 lockdep_is_held(&zc_active_lock));
}

void zc_active_put(void)
{
	mutex_unlock(&zc_active_lock);
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
	zc_count_recovery();
	if (zc_hw_start(zd)) {
		dev_err(&zd->pdev->dev, "device does not come back; software only\n");
		goto out;
	}
	WRITE_ONCE(zd->stalled, false);
	if (zc_publish(zd))
		dev_info(&zd->pdev->dev, "device reset and recovered\n");
out:
	mutex_unlock(&zd->recover_lock);
}

/* Catches lost interrupts and stuck interrupt queues. */
static void zc_watchdog(struct timer_list *t)
{
	struct zc_dev *zd = zc_timer_container_of(zd, t, watchdog);
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
		zc_count_timeout();
		zc_stall(zd);
	}
	if (!READ_ONCE(zd->removing))
		mod_timer(&zd->watchdog, jiffies + ZC_WATCHDOG);
}

/* Map BAR 0 and check that it is a device of our ABI with what we need. */
static int zc_check_device(struct zc_dev *zd)
{
	struct device *dev = &zd->pdev->dev;
	int ret;

	ret = pcim_iomap_regions(zd->pdev, BIT(0), "zcomp_pci");
	if (ret)
		return ret;
	zd->bar = pcim_iomap_table(zd->pdev)[0];
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
	zd->max_req = zc_rd(zd, ZCOMP_REG_CAP_MAX_REQ);
	/* ABI 1.0 devices offer lz4, lz4hc and lzo only. */
	zd->algs = zc_rd(zd, ZCOMP_REG_CAP_ALGS) & GENMASK(ZCOMP_ALG_COUNT - 1, 0);
	zd->hist = zc_rd(zd, ZCOMP_REG_CAP_FLAGS) & ZCOMP_CAP_F_HIST;
	/* The ring arithmetic needs a queue and power-of-two rings of 2+. */
	if (!zc_rd(zd, ZCOMP_REG_CAP_QUEUES) || zc_rd(zd, ZCOMP_REG_CAP_RING) < 2) {
		dev_err(dev, "device offers no queue or ring\n");
		return -ENODEV;
	}
	return 0;
}

/*
 * A polled queue per CPU for callers that cannot sleep, interrupt queues
 * for asynchronous requests; returns the MSI-X/MSI vectors allocated.
 */
static int zc_alloc_queues(struct zc_dev *zd)
{
	struct device *dev = &zd->pdev->dev;
	u32 nq, ring, cpus = num_online_cpus();
	int ret, nvec = 0;
	u32 i;

	nq = zc_rd(zd, ZCOMP_REG_CAP_QUEUES);
	ring = rounddown_pow_of_two(zc_rd(zd, ZCOMP_REG_CAP_RING));
	/*
	 * Polled queues first, up to half; the rest take interrupts, up to
	 * ZC_IRQ_QUEUES_PER_CPU per CPU (each has its bounce buffers). The
	 * device runs one request of a queue at a time, so asynchronous
	 * requests go round all interrupt queues, more than the CPUs if
	 * there are, to be worked on together.
	 */
	zd->npoll = nq >= 2 ? min(cpus, nq / 2) : 1;
	zd->nirq = min(nq - zd->npoll, ZC_IRQ_QUEUES_PER_CPU * cpus);
	if (zd->nirq) {
		nvec = pci_alloc_irq_vectors(zd->pdev, 1, zd->nirq,
					     PCI_IRQ_MSIX | PCI_IRQ_MSI);
		if (nvec < 0) {
			dev_info(dev, "no MSI-X or MSI: async requests in software\n");
			zd->nirq = 0;
			nvec = 0;
		}
	}
	zd->nvec = nvec;
	zd->q = devm_kcalloc(dev, zd->npoll + zd->nirq, sizeof(*zd->q),
			     GFP_KERNEL);
	zd->vec = devm_kcalloc(dev, max(nvec, 1), sizeof(*zd->vec), GFP_KERNEL);
	if (!zd->q || !zd->vec)
		return -ENOMEM;
	for (i = 0; i < zd->npoll + zd->nirq; i++) {
		bool irq = i >= zd->npoll;

		ret = zc_alloc_queue(zd, &zd->q[i], i, irq,
				     min(ring, irq ? ZC_IRQ_RING : ZC_POLL_RING));
		if (ret)
			return ret;
		zd->q[i].vector = irq ? (i - zd->npoll) % nvec : 0;
	}
	return 0;
}

static int zc_request_irqs(struct zc_dev *zd)
{
	u32 i;
	int ret;

	for (i = 0; i < zd->nvec; i++) {
		zd->vec[i].zd = zd;
		zd->vec[i].index = i;
		tasklet_setup(&zd->vec[i].bh, zc_vec_bh);
		ret = request_irq(pci_irq_vector(zd->pdev, i), zc_irq, 0,
				  "zcomp_pci", &zd->vec[i]);
		if (ret) {
			while (i--)
				free_irq(pci_irq_vector(zd->pdev, i),
					 &zd->vec[i]);
			return ret;
		}
	}
	return 0;
}

static void zc_free_irqs(struct zc_dev *zd)
{
	u32 i;

	for (i = 0; i < zd->nvec; i++) {
		free_irq(pci_irq_vector(zd->pdev, i), &zd->vec[i]);
		tasklet_kill(&zd->vec[i].bh);
	}
	if (zd->nvec)
		pci_free_irq_vectors(zd->pdev);
}

static int zc_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct zc_dev *zd;
	int ret;

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
	ret = zc_check_device(zd);
	if (ret)
		return ret;
	pci_set_master(pdev);

	ret = zc_alloc_queues(zd);
	if (ret)
		goto err_vectors;
	ret = zc_request_irqs(zd);
	if (ret)
		goto err_vectors;
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
	dev_info(dev, "zcomp: %u polled + %u interrupt queues, %u vectors\n",
		 zd->npoll, zd->nirq, zd->nvec);
	zc_register_algs(dev, zd->algs);
	return 0;

err_irqs:
	zc_wr(zd, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
	zc_free_irqs(zd);
	return ret;
err_vectors:
	if (zd->nvec)
		pci_free_irq_vectors(pdev);
	return ret;
}

static void zc_remove(struct pci_dev *pdev)
{
	struct zc_dev *zd = pci_get_drvdata(pdev);

	mutex_lock(&zd->recover_lock);
	WRITE_ONCE(zd->removing, true);
	mutex_unlock(&zd->recover_lock);
	/*
	 * From here on, transforms in use run in software. Unpublish first:
	 * afterwards no submitter can queue the recovery work again.
	 */
	zc_unpublish(zd);
	timer_delete_sync(&zd->watchdog);
	cancel_work_sync(&zd->recover);
	zc_hw_stop_and_drain(zd);
	zc_free_irqs(zd);
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

static int __init zc_init(void)
{
	int ret;

	/*
	 * zswap waits for us in reclaim: recovery needs a rescuer. Any CPU
	 * will do (7.x warns about a workqueue that says neither).
	 */
	zc_wq = alloc_workqueue("zcomp_recover", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!zc_wq)
		return -ENOMEM;
	ret = zc_sw_init();
	if (ret)
		goto err_wq;
	zc_crypto_setup();
	zc_debugfs_init();
	ret = pci_register_driver(&zc_driver);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	zc_debugfs_exit();
	zc_sw_exit();
err_wq:
	destroy_workqueue(zc_wq);
	return ret;
}

static void __exit zc_exit(void)
{
	pci_unregister_driver(&zc_driver);
	/* No transforms are left: each holds a reference on this module. */
	zc_unregister_algs();
	zc_debugfs_exit();
	zc_sw_exit();
	destroy_workqueue(zc_wq);
}

module_init(zc_init);
module_exit(zc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zcomp-pci compression accelerator: lz4, lz4hc, lzo, lzo-rle, zstd offload for zram and zswap");
/*
 * From 6.15 an async acomp tfm needs the same-named software algorithm
 * as its fallback; load them first on every kernel.
 */
MODULE_SOFTDEP("pre: lz4 lz4hc lzo lzo-rle zstd");
