/*
 * libqos driver of zcomp-pci, the compression accelerator: the device
 * found on a PCI bus and its BAR0 mapped, register access, queues set up
 * with their rings in guest memory, descriptors pushed, doorbells rung and
 * completions reaped by phase bit. Shared by tests/qtest/zcomp-pci-test.c
 * and the fuzz target tests/qtest/fuzz/zcomp_fuzz.c. Every offset and
 * layout comes from include/zcomp-abi.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_ZCOMP_H
#define LIBQOS_ZCOMP_H

#include "pci.h"
#include "zcomp-abi.h"

/* How long qzcomp_reap() waits for a completion. */
#define QZCOMP_TIMEOUT_US       (20 * G_USEC_PER_SEC)

/* The driver side of one queue. */
typedef struct QZcompQueue {
    uint64_t sq;        /* guest-physical: where entries are put */
    uint64_t cq;        /* guest-physical: where completions are found */
    uint32_t size;      /* entries */
    uint32_t tail;      /* next SQ entry to fill */
    uint32_t head;      /* next CQ entry to reap */
    uint8_t phase;      /* phase bit of the next new completion */
} QZcompQueue;

typedef struct QZcomp {
    QTestState *qts;
    QPCIBus *bus;       /* the caller's */
    QPCIDevice *dev;
    QPCIBar bar;        /* BAR0: registers and doorbells */
    QZcompQueue queue[ZCOMP_MAX_QUEUES];
} QZcomp;

void qzcomp_init(QZcomp *z, QPCIBus *bus, int devfn, bool enable);
void qzcomp_uninit(QZcomp *z);

uint32_t qzcomp_readl(QZcomp *z, uint64_t off);
uint64_t qzcomp_readq(QZcomp *z, uint64_t off);
void qzcomp_writel(QZcomp *z, uint64_t off, uint32_t val);
void qzcomp_writeq(QZcomp *z, uint64_t off, uint64_t val);
uint32_t qzcomp_queue_status(QZcomp *z, int q);
void qzcomp_enable(QZcomp *z);

void qzcomp_queue_init(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                       uint32_t size);
void qzcomp_queue_enable(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                         uint32_t size, uint32_t vector, uint32_t ctrl);
void qzcomp_queue_setup(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                        uint32_t size, uint32_t ctrl);

struct zcomp_sqe qzcomp_sqe(uint8_t op, uint8_t algo, uint64_t src,
                            uint32_t src_len, uint64_t dst, uint32_t dst_cap,
                            uint32_t tag);
void qzcomp_put_sqe(QZcomp *z, int q, uint32_t slot,
                    const struct zcomp_sqe *sqe);
void qzcomp_push(QZcomp *z, int q, const struct zcomp_sqe *sqe);
void qzcomp_doorbell(QZcomp *z, int q, uint32_t tail);
void qzcomp_kick(QZcomp *z, int q);
bool qzcomp_try_reap(QZcomp *z, int q, struct zcomp_cqe *cqe,
                     int64_t timeout_us);
struct zcomp_cqe qzcomp_reap(QZcomp *z, int q);

#endif
