/*
 * libqos driver of zcomp-pci (see zcomp.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qemu/bswap.h"
#include "zcomp.h"

/*
 * Find the device at @devfn on @bus, @enable it (memory space and bus
 * mastering), map its BAR0. Queues have no rings yet (qzcomp_queue_init).
 */
void qzcomp_init(QZcomp *z, QPCIBus *bus, int devfn, bool enable)
{
    *z = (QZcomp) { .qts = bus->qts, .bus = bus };
    z->dev = qpci_device_find(bus, devfn);
    g_assert_nonnull(z->dev);
    if (enable) {
        qpci_device_enable(z->dev);
    }
    z->bar = qpci_iomap(z->dev, 0, NULL);
}

/* Undo qzcomp_init (MSI-X off if a test turned it on); the bus stays. */
void qzcomp_uninit(QZcomp *z)
{
    if (z->dev->msix_enabled) {
        qpci_msix_disable(z->dev);
    }
    g_free(z->dev);
    z->dev = NULL;
}

uint32_t qzcomp_readl(QZcomp *z, uint64_t off)
{
    return qpci_io_readl(z->dev, z->bar, off);
}

uint64_t qzcomp_readq(QZcomp *z, uint64_t off)
{
    return qpci_io_readq(z->dev, z->bar, off);
}

void qzcomp_writel(QZcomp *z, uint64_t off, uint32_t val)
{
    qpci_io_writel(z->dev, z->bar, off, val);
}

void qzcomp_writeq(QZcomp *z, uint64_t off, uint64_t val)
{
    qpci_io_writeq(z->dev, z->bar, off, val);
}

uint32_t qzcomp_queue_status(QZcomp *z, int q)
{
    return qzcomp_readl(z, ZCOMP_QREG(q) + ZCOMP_QREG_STATUS);
}

/* Enable the device: it must be ready then. */
void qzcomp_enable(QZcomp *z)
{
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_ENABLE);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, ZCOMP_STS_READY);
}

/*
 * The driver side of queue @q: its rings of @size entries in guest memory
 * at @sq and @cq (guest-physical), the completion ring zeroed, entries and
 * completions counted from 0 again, phase 1. The device is not told.
 */
void qzcomp_queue_init(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                       uint32_t size)
{
    size_t len = size * sizeof(struct zcomp_cqe);
    g_autofree void *zero = g_malloc0(len);

    g_assert_cmpint(q, <, ZCOMP_MAX_QUEUES);
    /* Not qtest_memset: its in-process (fuzzing) wrapper leaks. */
    qtest_memwrite(z->qts, cq, zero, len);
    z->queue[q] = (QZcompQueue) {
        .sq = sq, .cq = cq, .size = size, .phase = 1,
    };
}

/*
 * Program queue @q's registers: rings at @sq and @cq as the device sees
 * them (where qzcomp_queue_init put them, IOVAs behind an IOMMU, or
 * anything the device should refuse), @size entries, MSI-X @vector, and
 * enable it with the other bits of @ctrl. The queue must be disabled
 * (ring registers are frozen while it is enabled).
 */
void qzcomp_queue_enable(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                         uint32_t size, uint32_t vector, uint32_t ctrl)
{
    uint64_t qr = ZCOMP_QREG(q);

    qzcomp_writeq(z, qr + ZCOMP_QREG_SQ_BASE, sq);
    qzcomp_writeq(z, qr + ZCOMP_QREG_CQ_BASE, cq);
    qzcomp_writel(z, qr + ZCOMP_QREG_SIZE_ENTRIES, size);
    qzcomp_writel(z, qr + ZCOMP_QREG_VECTOR, vector);
    qzcomp_writel(z, qr + ZCOMP_QREG_CTRL, ctrl | ZCOMP_QCTRL_ENABLE);
}

/* Both: rings at @sq and @cq in guest memory, vector @q, enabled. */
void qzcomp_queue_setup(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                        uint32_t size, uint32_t ctrl)
{
    qzcomp_queue_init(z, q, sq, cq, size);
    qzcomp_queue_enable(z, q, sq, cq, size, q, ctrl);
}

/* A plain request (no SG lists, default level), little-endian. */
struct zcomp_sqe qzcomp_sqe(uint8_t op, uint8_t algo, uint64_t src,
                            uint32_t src_len, uint64_t dst, uint32_t dst_cap,
                            uint32_t tag)
{
    return (struct zcomp_sqe) {
        .opcode = op, .algo = algo, .tag = cpu_to_le32(tag),
        .src_addr = cpu_to_le64(src), .src_len = cpu_to_le32(src_len),
        .dst_addr = cpu_to_le64(dst), .dst_cap = cpu_to_le32(dst_cap),
    };
}

/* Write @sqe (little-endian already) into entry @slot of @q's SQ. */
void qzcomp_put_sqe(QZcomp *z, int q, uint32_t slot,
                    const struct zcomp_sqe *sqe)
{
    qtest_memwrite(z->qts, z->queue[q].sq + slot * sizeof(*sqe), sqe,
                   sizeof(*sqe));
}

/* Queue @sqe at @q's tail, without ringing. */
void qzcomp_push(QZcomp *z, int q, const struct zcomp_sqe *sqe)
{
    QZcompQueue *zq = &z->queue[q];

    qzcomp_put_sqe(z, q, zq->tail, sqe);
    zq->tail = (zq->tail + 1) % zq->size;
}

/* Write @tail to doorbell @q (any @q: the device checks it). */
void qzcomp_doorbell(QZcomp *z, int q, uint32_t tail)
{
    qzcomp_writel(z, ZCOMP_DB_OFFSET + q * ZCOMP_DB_STRIDE, tail);
}

/* Ring @q's doorbell with the entries pushed so far. */
void qzcomp_kick(QZcomp *z, int q)
{
    qzcomp_doorbell(z, q, z->queue[q].tail);
}

/*
 * The next completion of @q into @cqe (in host byte order), polled by
 * phase bit for up to @timeout_us; false if none came.
 */
bool qzcomp_try_reap(QZcomp *z, int q, struct zcomp_cqe *cqe,
                     int64_t timeout_us)
{
    QZcompQueue *zq = &z->queue[q];
    uint64_t at = zq->cq + zq->head * sizeof(*cqe);
    int64_t end = g_get_monotonic_time() + timeout_us;

    for (;;) {
        qtest_memread(z->qts, at, cqe, sizeof(*cqe));
        if ((cqe->flags & ZCOMP_CQE_F_PHASE) == zq->phase) {
            break;
        }
        if (g_get_monotonic_time() > end) {
            return false;
        }
        g_usleep(200);
    }
    cqe->tag = le32_to_cpu(cqe->tag);
    cqe->out_len = le32_to_cpu(cqe->out_len);
    cqe->sq_head = le16_to_cpu(cqe->sq_head);
    zq->head = (zq->head + 1) % zq->size;
    if (zq->head == 0) {
        zq->phase ^= 1;
    }
    return true;
}

/* The next completion of @q: it must come within QZCOMP_TIMEOUT_US. */
struct zcomp_cqe qzcomp_reap(QZcomp *z, int q)
{
    struct zcomp_cqe cqe;

    g_assert_true(qzcomp_try_reap(z, q, &cqe, QZCOMP_TIMEOUT_US));
    return cqe;
}
