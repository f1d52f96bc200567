/*
 * zcomp-pci: a virtual compression accelerator (lz4, lz4hc, lzo, lzo-rle,
 * zstd) with descriptor rings, doorbells and MSI-X. The ABI is
 * include/zcomp-abi.h, the semantics docs/specs/zcomp-pci.rst.
 *
 * This file is QEMU glue: registers, threads, DMA, interrupts, reset and
 * migration. Descriptor decoding and the codecs live in zcomp-engine.c.
 *
 * Threads: no request runs under the BQL or in the main loop. Each queue is
 * served by one of the worker threads; a queue in SYNC mode is also run by
 * the vCPU that rings its doorbell, with the BQL dropped and a bounded
 * budget. A request runs in three steps (zcomp_queue_step): fetch (copy
 * its input into the queue's scratch memory, or, for compression without
 * an IOMMU, map it to be read in place) and commit (write the output,
 * post the completion) hold the queue's @lock and cost at most max-request
 * bytes of copying; the codec between them holds no lock, writes only
 * scratch memory and reads nothing but scratch memory and its input.
 * Reset, queue disable, bus-master off, VM stop and unplug
 * bump the queue's @epoch, which drops the codec's result unseen, and wait
 * only for the bounded steps. Workers never take the BQL: DMA goes to guest
 * RAM only (anything else fails the request), and interrupts are raised
 * from a main-loop bottom half.
 *
 * The queues, their scratch memory and the workers live in a ZcompCore
 * that a codec still running after unplug keeps alive: unplug waits for no
 * codec, and a thread touches the device itself only under a queue lock,
 * while the queue is enabled.
 *
 * Guest mistakes go through ZCOMP_GUEST_ERR: logged with -d guest_errors
 * and traced, one zcomp_err_* trace event per kind.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#ifdef CONFIG_LINUX
#include <sys/prctl.h>
#endif
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/processor.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "system/xen.h"
#include "exec/memory.h"
#include "hw/core/cpu.h"
#include "trace.h"

#include "zcomp-abi.h"
#include "zcomp-engine.h"
#include "zcomp-price.h"

#define TYPE_ZCOMP_PCI "zcomp-pci"
OBJECT_DECLARE_SIMPLE_TYPE(ZcompPCIState, ZCOMP_PCI)

#define ZCOMP_RING_LIMIT 4096           /* cqe.sq_head is 16 bits */
/* Requests a worker runs of one queue before it looks at its others. */
#define ZCOMP_WORKER_ROUND 8
/*
 * What one SYNC doorbell may run on the vCPU that rang it, priced by each
 * request's worst case (zcomp_sync_cost), and measured as it runs: the
 * vCPU takes no request priced above what is left, and stops once that
 * much time has gone. Anything else is left to the queue's worker.
 */
#define ZCOMP_SYNC_BUDGET_NS (2 * SCALE_MS)

/* Most irq-coalesce-us: a completion waits for its interrupt 1 s at most */
#define ZCOMP_IRQ_HOLD_MAX_US (1000 * 1000)
/* Per request, and per SG entry (a DMA mapping, or an IOMMU lookup). */
#define ZCOMP_SYNC_REQ_NS 2000
#define ZCOMP_SYNC_SGE_NS 500

/*
 * The timing model (latency-ns, engine-bps, engines): the largest values,
 * and the end of a worker's wait that spins rather than sleeps (a sleep
 * ends late: its timer slack, set to 1 ns, and the host's wakeup).
 */
#define ZCOMP_LATENCY_MAX_NS (10 * SCALE_MS)
#define ZCOMP_ENGINE_BPS_MIN (1000 * 1000)
#define ZCOMP_ENGINE_BPS_MAX (1000ULL * 1000 * 1000 * 1000 * 1000)
#define ZCOMP_ENGINES_MAX 1024
#define ZCOMP_SPIN_NS (60 * SCALE_US)

/* Device-side translations of one queue (an ATC), behind an IOMMU. */
#define ZCOMP_ATC_ENTRIES 64
#define ZCOMP_ATC_PAGE_BITS 12      /* the smallest IOMMU page, indexing */
/* Translations of one access undone by invalidations before it fails. */
#define ZCOMP_XLATE_TRIES 16
/* RAM regions a queue keeps referenced for inputs read in place. */
#define ZCOMP_SRC_MRS 4

typedef struct ZcompWorker ZcompWorker;
typedef struct ZcompCore ZcompCore;

typedef struct ZcompAtcEntry {
    hwaddr iova;                /* first byte of the IOMMU page */
    hwaddr mask;                /* its size - 1 */
    hwaddr xlat;                /* where it is in @as */
    AddressSpace *as;
    uint8_t perm;               /* IOMMU_RO/WO granted; IOMMU_NONE: empty */
} ZcompAtcEntry;

/*
 * An IOMMU region of the device's DMA address space, whose invalidations
 * we listen to: one notifier over all of it, for all its sections.
 */
typedef struct ZcompIommu {
    IOMMUNotifier n;
    MemoryRegion *mr;
    hwaddr offset;              /* DMA address - IOMMU region offset */
    unsigned sections;          /* of @mr in the address space */
    bool notified;              /* @n registered: invalidations reach us */
    ZcompPCIState *dev;
    QLIST_ENTRY(ZcompIommu) next;
} ZcompIommu;

typedef struct ZcompQueue {
    ZcompPCIState *dev;         /* only under @lock while @enabled */
    ZcompCore *core;
    uint32_t index;
    ZcompWorker *worker;

    /* Registers (written under the BQL; ring fields only while disabled). */
    uint64_t sq_base;
    uint64_t cq_base;
    uint32_t size;
    uint32_t vector;
    uint32_t ctrl;
    uint32_t status;

    bool enabled;               /* atomic; changes under @lock */
    uint32_t sq_tail;           /* atomic: last doorbell value */
    bool irq_pending;           /* atomic: raise the vector from the BH */
    uint32_t irq_held;          /* @lock: completions not signalled yet */

    QemuMutex lock;             /* held for bounded steps only */
    uint32_t epoch;             /* atomic: a change drops the running codec */
    bool busy;                  /* a thread runs a codec with @scratch */
    ZcRing ring;
    bool sq_mapped;             /* the ring is guest RAM, cached below */
    bool cq_mapped;
    MemoryRegionCache sq_cache;
    MemoryRegionCache cq_cache;
    ZcScratch *scratch;         /* the @busy thread's */
    /*
     * @lock: the RAM regions compression input was read in place from,
     * referenced, so that their memory stays while a codec reads it; kept
     * from one request to the next (a NUMA guest's inputs alternate
     * between its memory devices), and given up under the BQL (an owner
     * may be finalized then): when the queue's mappings are dropped, or
     * once the @busy codec is done if they were dropped meanwhile.
     */
    MemoryRegion *src_mr[ZCOMP_SRC_MRS];
    bool src_mr_drop;
    /*
     * Behind an IOMMU: translations taken for this queue (@lock), dropped
     * by every invalidation that covers them; the step's epoch, and the
     * one translation running without @lock.
     */
    ZcompAtcEntry atc[ZCOMP_ATC_ENTRIES];
    ZcompAtcEntry xlate_once;   /* a translation not to be kept */
    uint32_t step_epoch;
    bool xlate_pending;
    hwaddr xlate_inval_first;   /* what invalidations covered meanwhile */
    hwaddr xlate_inval_last;
    bool xlate_dropped;         /* the request was dropped meanwhile */
    ZcStats stats;              /* single writer: the @lock holder */
    /*
     * Time histograms (single writer: the @lock holder), and when each
     * ring slot's entry was submitted: the clock at the doorbell write
     * that covered it (0: not known, e.g. after migration); @db_ns with
     * histograms or the timing model.
     */
    ZcHists hists;
    int64_t *db_ns;             /* atomic, max-ring entries */
} ZcompQueue;

struct ZcompWorker {
    ZcompCore *core;
    uint32_t index;
    QemuThread thread;
    QemuEvent kick;
    bool exit;                  /* atomic */
};

/* What the device's threads use; freed by the last of them or the device. */
struct ZcompCore {
    uint32_t refs;              /* atomic */
    uint32_t num_queues;
    uint32_t num_workers;
    ZcLimits limits;
    bool histograms;            /* the device's property */
    /*
     * The timing model, when latency-ns or engine-bps is set: when each
     * of @engines (0: as many as there are requests) is free next.
     */
    bool timed;
    uint32_t latency_ns;
    uint64_t engine_bps;
    uint32_t engines;
    QemuMutex engine_lock;
    int64_t *engine_free;       /* @engine_lock */
    ZcompQueue *queues;
    ZcompWorker *workers;
};

struct ZcompPCIState {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    MemoryRegion regs;
    MemoryRegion doorbells;
    QEMUBH *irq_bh;
    VMChangeStateEntry *vmstate_entry;

    /* Properties */
    uint32_t num_queues;
    uint32_t num_workers;
    uint32_t max_ring;
    uint32_t max_req;
    uint32_t max_sge;
    uint8_t lz4hc_level;
    uint8_t zstd_level;
    bool lzorle;                /* offer ZCOMP_ALG_LZORLE */
    bool zstd;                  /* offer ZCOMP_ALG_ZSTD */
    uint32_t fault_every;
    uint8_t fault_status;
    bool histograms;            /* offer ZCOMP_CAP_F_HIST */
    uint32_t latency_ns;        /* the timing model */
    uint64_t engine_bps;
    uint32_t engines;
    uint32_t irq_coalesce;
    uint32_t irq_coalesce_us;
    QEMUTimer **irq_timers;     /* per queue: irq-coalesce-us ran out */

    /* State */
    uint32_t ctrl;
    bool fatal;                 /* atomic, sticky until reset */
    uint32_t fatal_info;
    bool paused;                /* atomic: VM stopped, workers idle */
    /*
     * atomic: bus mastering is on and the DMA address space follows it
     * (zcomp_config_write, zcomp_post_load)
     */
    bool bm_ready;
    uint64_t fault_count;       /* atomic */
    uint32_t hist_sel;          /* ZCOMP_REG_HIST_SEL */
    bool mig_histograms;        /* the stream carried the histogram state */

    ZcompCore *core;
    ZcompQueue *queues;         /* core->queues */

    /* DMA: the bus-master address space and its IOMMUs (BQL) */
    bool iommu;                 /* DMA goes through an IOMMU */
    MemoryListener dma_listener;
    bool dma_listening;
    bool dma_changed;           /* sections changed in this transaction */
    QLIST_HEAD(, ZcompIommu) iommus;
    uint32_t iommus_silent;     /* atomic: IOMMUs that do not notify us */

    /* Capabilities and geometry, as migrated (checked on load) */
    uint32_t mig_algs;
    uint32_t mig_max_ring;
    uint32_t mig_max_req;
    uint32_t mig_max_sge;
    uint8_t mig_lz4hc_level;
    uint8_t mig_zstd_level;
};

/*
 * A guest mistake (after hw/nvme's NVME_GUEST_ERR): fires the trace event
 * @trace (zcomp_err_*, one per kind) and logs, under LOG_GUEST_ERROR, the
 * event's name, the function that saw it and the message, with the same
 * arguments.
 */
#define ZCOMP_GUEST_ERR(trace, fmt, ...) \
    do { \
        (trace_##trace)(__VA_ARGS__); \
        qemu_log_mask(LOG_GUEST_ERROR, #trace " in %s: " fmt "\n", \
                      __func__, ## __VA_ARGS__); \
    } while (0)

/* Set while this thread runs requests: guards against DMA re-entrancy. */
static __thread bool zcomp_in_request;

static const char *zcomp_status_name(uint8_t status)
{
    static const char *const names[] = {
        [ZCOMP_ST_OK] = "ok",
        [ZCOMP_ST_DST_TOO_SMALL] = "dst-too-small",
        [ZCOMP_ST_CORRUPT_INPUT] = "corrupt-input",
        [ZCOMP_ST_BAD_DESC] = "bad-descriptor",
        [ZCOMP_ST_DMA_ERROR] = "dma-error",
        [ZCOMP_ST_NOT_ENABLED] = "not-enabled",
        [ZCOMP_ST_DEVICE_ERROR] = "device-error",
    };
    return status <= ZCOMP_ST_MAX ? names[status] : "?";
}

/* ---- queue state ---- */

/*
 * Bus mastering as the device's threads may use it. The command register
 * alone is not enough: pci_default_write_config() sets it before it
 * enables the bus master region, so a worker that saw the bit in between
 * found its rings unmapped, took it for the guest's fault and made the
 * device fatal (the hostile/bus-master-race qtest, now and then). Off
 * follows the register at once (cleared before the region goes); on waits
 * for bm_ready, set once the write is done.
 */
static bool zcomp_bus_master(ZcompPCIState *s)
{
    return (s->parent_obj.config[PCI_COMMAND] & PCI_COMMAND_MASTER) &&
           qatomic_read(&s->bm_ready);
}

/*
 * Whether @q may fetch or commit now; @lock held. Looks at the device
 * only while the queue is enabled: after unplug it never is again.
 */
static bool zcomp_queue_runnable(ZcompQueue *q)
{
    ZcompPCIState *s = q->dev;

    return qatomic_read(&q->enabled) && !qatomic_read(&s->paused) &&
           !qatomic_read(&s->fatal) && zcomp_bus_master(s);
}

/* ---- DMA: guest RAM only, through the guest's IOMMU ---- */

/*
 * Map @len (> 0) bytes at @addr of @as into @cache; false, with nothing
 * held, unless all of it is RAM. A region that is not RAM (MMIO,
 * unassigned, bus mastering off) maps with ptr == NULL: fail it rather
 * than dispatch MMIO from a device thread. Behind an IOMMU, @as is where
 * the IOMMU translates to, and the IOMMU itself maps with ptr == NULL.
 */
static bool zcomp_cache_map(AddressSpace *as, MemoryRegionCache *cache,
                            uint64_t addr, hwaddr len, bool is_write)
{
    if (address_space_cache_init(cache, as, addr, len, is_write) <
        (int64_t)len || !cache->ptr) {
        address_space_cache_destroy(cache);
        return false;
    }
    return true;
}

/*
 * A write through a cache is a plain memcpy: mark it dirty (migration) and
 * drop translated code it overwrote (TCG), as QEMU's own DMA writes do.
 */
static void zcomp_write_cached(MemoryRegionCache *cache, hwaddr off,
                               const void *buf, hwaddr len)
{
    address_space_write_cached(cache, off, buf, len);
    address_space_cache_invalidate(cache, off, len);
}

/* Copy to or from @len bytes of RAM at @addr of @as (untranslated). */
static bool zcomp_dma_ram(AddressSpace *as, uint64_t addr, void *buf,
                          hwaddr len, bool is_write)
{
    MemoryRegionCache cache;

    if (!zcomp_cache_map(as, &cache, addr, len, is_write)) {
        return false;
    }
    if (is_write) {
        zcomp_write_cached(&cache, 0, buf, len);
    } else {
        address_space_read_cached(&cache, 0, buf, len);
    }
    address_space_cache_destroy(&cache);
    return true;
}

static bool zcomp_atc_hit(const ZcompAtcEntry *e, hwaddr addr, uint8_t perm)
{
    return (e->perm & perm) == perm && (addr & ~e->mask) == e->iova;
}

/*
 * The translation of @addr for a read or write (@perm) through the
 * guest's IOMMU: from the queue's ATC, or asked of the IOMMU. @lock held.
 *
 * The IOMMUs translate under their own lock and may take the BQL inside
 * it (an IOMMU reads its tables from wherever the guest put them, MMIO
 * included; it may switch address spaces or report a fault), while
 * BQL holders take that lock too: so the IOMMU is asked with the BQL
 * held, as the main loop would. And whoever holds the BQL may wait for
 * @lock: so @lock is dropped meanwhile, with @busy set (no other thread
 * steps this queue) and in an RCU read-side section (the device outlives
 * it, even if unplugged meanwhile). Afterwards the step goes on only if
 * nothing dropped it meanwhile (q->xlate_dropped otherwise). An
 * invalidation of @addr during the translation makes it be asked again;
 * one of another part of the page it returns, or an IOMMU that does not
 * tell us of its invalidations, makes it serve this access alone, not
 * kept in the ATC. NULL if the IOMMU refuses it.
 */
static ZcompAtcEntry *zcomp_translate(ZcompQueue *q, hwaddr addr,
                                      uint8_t perm)
{
    ZcompAtcEntry *e = &q->atc[(addr >> ZCOMP_ATC_PAGE_BITS) %
                               ZCOMP_ATC_ENTRIES];
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(q->dev));

    if (zcomp_atc_hit(e, addr, perm)) {
        return e;
    }
    for (int i = 0; i < ZCOMP_XLATE_TRIES; i++) {
        IOMMUTLBEntry t;
        bool partly;

        q->xlate_pending = true;
        q->busy = true;
        rcu_read_lock();
        qemu_mutex_unlock(&q->lock);
        bql_lock();
        /*
         * Invalidations run under the BQL: those before this point are in
         * the IOMMU's tables already; count only those after it.
         */
        qemu_mutex_lock(&q->lock);
        q->xlate_inval_first = HWADDR_MAX;
        q->xlate_inval_last = 0;
        qemu_mutex_unlock(&q->lock);
        t = address_space_get_iotlb_entry(as, addr, perm == IOMMU_WO,
                                          MEMTXATTRS_UNSPECIFIED);
        bql_unlock();
        qemu_mutex_lock(&q->lock);
        rcu_read_unlock();
        q->busy = false;
        q->xlate_pending = false;
        if (qatomic_read(&q->epoch) != q->step_epoch ||
            !zcomp_queue_runnable(q)) {
            q->xlate_dropped = true;
            return NULL;
        }
        if (q->xlate_inval_first <= addr && addr <= q->xlate_inval_last) {
            continue;           /* maybe before its translation: again */
        }
        if (t.perm == IOMMU_NONE || !t.target_as) {
            trace_zcomp_iommu_fault(q->index, addr, perm == IOMMU_WO);
            return NULL;
        }
        /* An invalidation of another part of a larger page: this once. */
        partly = q->xlate_inval_first <= (addr | t.addr_mask) &&
                 (addr & ~t.addr_mask) <= q->xlate_inval_last;
        if (partly || qatomic_read(&q->dev->iommus_silent)) {
            e = &q->xlate_once;
            e->perm = IOMMU_NONE;
        }
        /* The IOMMU granted @perm; a same page keeps what it had. */
        if (e->perm && (addr & ~e->mask) == e->iova &&
            e->mask == t.addr_mask && e->xlat == t.translated_addr &&
            e->as == t.target_as) {
            e->perm |= perm;
        } else {
            *e = (ZcompAtcEntry) {
                .iova = addr & ~t.addr_mask, .mask = t.addr_mask,
                .xlat = t.translated_addr, .as = t.target_as, .perm = perm,
            };
        }
        trace_zcomp_iommu_translate(q->index, addr, e->xlat, e->mask, perm);
        return e;
    }
    ZCOMP_GUEST_ERR(zcomp_err_iommu_unstable,
                    "queue %u: DMA address 0x%" HWADDR_PRIx " invalidated "
                    "by the IOMMU %d times while translated: access failed",
                    q->index, addr, ZCOMP_XLATE_TRIES);
    return NULL;
}

/*
 * Drop the translations of [@start, @last] (BQL held) from every queue's
 * ATC, and note the range for a translation being taken meanwhile. Once
 * this returns, no copy made under an old translation is still running
 * (each runs under @lock).
 */
static void zcomp_iommu_invalidate(ZcompPCIState *s, hwaddr start,
                                   hwaddr last)
{
    trace_zcomp_iommu_invalidate(start, last);
    for (uint32_t i = 0; i < s->num_queues; i++) {
        ZcompQueue *q = &s->queues[i];

        qemu_mutex_lock(&q->lock);
        for (int j = 0; j < ZCOMP_ATC_ENTRIES; j++) {
            ZcompAtcEntry *e = &q->atc[j];

            /* [iova, iova + mask] meets [start, last], without overflow */
            if (e->perm && e->iova <= last &&
                (start <= e->iova || start - e->iova <= e->mask)) {
                e->perm = IOMMU_NONE;
            }
        }
        if (q->xlate_pending) {
            q->xlate_inval_first = MIN(q->xlate_inval_first, start);
            q->xlate_inval_last = MAX(q->xlate_inval_last, last);
        }
        qemu_mutex_unlock(&q->lock);
    }
}

/*
 * Guest memory access of @q at @addr: RAM only, translated by the guest's
 * IOMMU if there is one. @lock held (dropped meanwhile behind an IOMMU).
 */
static bool zcomp_dma(ZcompQueue *q, uint64_t addr, void *buf, uint32_t len,
                      bool is_write)
{
    ZcompPCIState *s = q->dev;
    uint8_t *p = buf;

    if (len == 0) {
        return true;
    }
    if (!s->iommu) {
        return zcomp_dma_ram(pci_get_address_space(PCI_DEVICE(s)), addr,
                             buf, len, is_write);
    }
    if (addr + len - 1 < addr) {
        return false;
    }
    while (len) {
        ZcompAtcEntry *e = zcomp_translate(q, addr,
                                           is_write ? IOMMU_WO : IOMMU_RO);
        hwaddr off, n;

        if (!e) {
            return false;
        }
        off = addr & e->mask;
        n = e->mask - off >= len - 1 ? len : e->mask - off + 1;
        if (!zcomp_dma_ram(e->as, e->xlat + off, p, n, is_write)) {
            return false;
        }
        addr += n;
        p += n;
        len -= n;
    }
    return true;
}

static bool zcomp_host_read(void *opaque, uint64_t addr, void *buf,
                            uint32_t len)
{
    return zcomp_dma(opaque, addr, buf, len, false);
}

static bool zcomp_host_write(void *opaque, uint64_t addr, const void *buf,
                             uint32_t len)
{
    return zcomp_dma(opaque, addr, (void *)buf, len, true);
}

static bool zcomp_read_sqe(void *opaque, uint32_t idx, struct zcomp_sqe *sqe)
{
    ZcompQueue *q = opaque;
    hwaddr off = (hwaddr)idx * sizeof(*sqe);

    if (q->dev->iommu) {
        return zcomp_dma(q, q->sq_base + off, sqe, sizeof(*sqe), false);
    }
    if (!q->sq_mapped) {
        return false;
    }
    address_space_read_cached(&q->sq_cache, off, sqe, sizeof(*sqe));
    return true;
}

static bool zcomp_post_cqe(void *opaque, uint32_t idx,
                           const struct zcomp_cqe *cqe)
{
    ZcompQueue *q = opaque;
    hwaddr off = (hwaddr)idx * sizeof(*cqe);
    size_t flags_off = offsetof(struct zcomp_cqe, flags);
    const uint8_t *p = (const uint8_t *)cqe;

    if (q->dev->iommu) {
        /* An entry is within a page: one translation for its three parts */
        if (!zcomp_dma(q, q->cq_base + off, (void *)p, flags_off, true) ||
            !zcomp_dma(q, q->cq_base + off + flags_off + 1,
                       (void *)(p + flags_off + 1),
                       sizeof(*cqe) - flags_off - 1, true)) {
            return false;
        }
        /* The phase bit publishes the entry: everything else first. */
        smp_wmb();
        return zcomp_dma(q, q->cq_base + off + flags_off,
                         (void *)(p + flags_off), 1, true);
    }
    if (!q->cq_mapped) {
        return false;
    }
    zcomp_write_cached(&q->cq_cache, off, cqe, flags_off);
    zcomp_write_cached(&q->cq_cache, off + flags_off + 1, p + flags_off + 1,
                       sizeof(*cqe) - flags_off - 1);
    /* The phase bit publishes the entry: everything else first. */
    smp_wmb();
    zcomp_write_cached(&q->cq_cache, off + flags_off, &cqe->flags, 1);
    return true;
}

static uint8_t zcomp_inject_fault(void *opaque)
{
    ZcompQueue *q = opaque;
    ZcompPCIState *s = q->dev;

    if (!s->fault_every) {
        return 0;
    }
    if ((qatomic_fetch_inc(&s->fault_count) + 1) % s->fault_every) {
        return 0;
    }
    return s->fault_status;
}

static void zcomp_completed(void *opaque, uint32_t idx,
                            const struct zcomp_sqe *sqe, uint8_t status,
                            uint32_t out_len)
{
    ZcompQueue *q = opaque;

    trace_zcomp_complete(q->index, idx, sqe->tag, sqe->opcode, sqe->algo,
                         sqe->src_len, status, out_len);
    if (status == ZCOMP_ST_BAD_DESC || status == ZCOMP_ST_DMA_ERROR) {
        /* Ten arguments at most (tracetool): the entry is in the trace. */
        ZCOMP_GUEST_ERR(zcomp_err_request,
                        "queue %u tag 0x%x: %s "
                        "(op %u algo %u flags 0x%x src 0x%" PRIx64 "+%u "
                        "dst 0x%" PRIx64 "+%u)",
                        q->index, sqe->tag, zcomp_status_name(status),
                        sqe->opcode, sqe->algo, sqe->flags, sqe->src_addr,
                        sqe->src_len, sqe->dst_addr, sqe->dst_cap);
    }
}

/* A region reference given up in the main loop, under the BQL. */
static void zcomp_unref_bh(void *opaque)
{
    memory_region_unref(opaque);
}

static void zcomp_unref_later(MemoryRegion *mr)
{
    if (mr) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(), zcomp_unref_bh, mr);
    }
}

/*
 * Give up @q's input regions: now if no codec runs, else once it is done.
 * @lock held.
 */
static void zcomp_drop_src_mr(ZcompQueue *q)
{
    if (q->busy) {
        q->src_mr_drop = true;
        return;
    }
    for (int i = 0; i < ZCOMP_SRC_MRS; i++) {
        zcomp_unref_later(q->src_mr[i]);
        q->src_mr[i] = NULL;
    }
    q->src_mr_drop = false;
}

/*
 * Compression input read in place (docs/specs/zcomp-pci.rst, "Guest
 * errors and robustness"): one piece of guest RAM, without an IOMMU only.
 * Behind one, every access is translated and an invalidation must end the
 * access before it completes, so the input is copied then. What keeps the
 * memory is @q's reference to its region (@src_mr), not the device's
 * address space: a worker's codec may outlive the device (unplug waits for
 * no codec), and they are dropped only when no codec runs. Under Xen a
 * pointer is good only while its cache lives: copy. @lock held.
 */
static const uint8_t *zcomp_host_map_src(void *opaque, uint64_t addr,
                                         uint32_t len)
{
    ZcompQueue *q = opaque;
    MemoryRegionCache cache;
    const uint8_t *p;
    int i;

    if (q->dev->iommu || xen_enabled() || len == 0 ||
        !zcomp_cache_map(pci_get_address_space(PCI_DEVICE(q->dev)), &cache,
                         addr, len, false)) {
        return NULL;
    }
    for (i = 0; i < ZCOMP_SRC_MRS && q->src_mr[i] != cache.mrs.mr; i++) {
        if (!q->src_mr[i]) {
            q->src_mr[i] = cache.mrs.mr;
            memory_region_ref(q->src_mr[i]);
            break;
        }
    }
    if (i == ZCOMP_SRC_MRS) {
        /* all taken: no codec runs, so they can all go */
        zcomp_drop_src_mr(q);
        q->src_mr[0] = cache.mrs.mr;
        memory_region_ref(q->src_mr[0]);
    }
    p = cache.ptr;
    address_space_cache_destroy(&cache);
    return p;
}

static const ZcHostOps zcomp_host_ops = {
    .read = zcomp_host_read,
    .write = zcomp_host_write,
    .read_sqe = zcomp_read_sqe,
    .post_cqe = zcomp_post_cqe,
    .inject_fault = zcomp_inject_fault,
    .completed = zcomp_completed,
    .map_src = zcomp_host_map_src,
};

/* ---- queues ---- */

static void zcomp_unmap_rings(ZcompQueue *q)
{
    zcomp_drop_src_mr(q);
    if (q->sq_mapped) {
        address_space_cache_destroy(&q->sq_cache);
        q->sq_mapped = false;
    }
    if (q->cq_mapped) {
        address_space_cache_destroy(&q->cq_cache);
        q->cq_mapped = false;
    }
}

/*
 * Map both rings on first use with bus mastering on, and keep them until
 * the queue is disabled, reset, bus mastering goes off or the device's
 * address space changes (zcomp_dma_commit). A ring that is not RAM then
 * is fatal: returns the reason, or 0. Behind an IOMMU nothing is kept:
 * each entry is translated through the queue's ATC. @lock held.
 */
static uint32_t zcomp_map_rings(ZcompQueue *q)
{
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(q->dev));

    if (q->dev->iommu) {
        return 0;
    }
    if (!q->sq_mapped) {
        q->sq_mapped = zcomp_cache_map(as, &q->sq_cache, q->sq_base,
                                       (hwaddr)q->size *
                                       sizeof(struct zcomp_sqe), false);
    }
    if (!q->cq_mapped) {
        q->cq_mapped = zcomp_cache_map(as, &q->cq_cache, q->cq_base,
                                       (hwaddr)q->size *
                                       sizeof(struct zcomp_cqe), true);
    }
    return !q->sq_mapped ? ZCOMP_FATAL_SQ_READ :
           !q->cq_mapped ? ZCOMP_FATAL_CQ_WRITE : 0;
}

/*
 * After a guest memory access of the running step failed: whether the
 * step was dropped meanwhile (reset, disable, VM stop, bus mastering off,
 * which may cut DMA before they drop the step), so that it must neither
 * complete nor make the device fatal: it runs again from its entry.
 * @lock held.
 */
static bool zcomp_step_dropped(ZcompQueue *q)
{
    bool dropped = q->xlate_dropped ||
                   qatomic_read(&q->epoch) != q->step_epoch ||
                   !zcomp_queue_runnable(q);

    q->xlate_dropped = false;
    return dropped;
}

static void zcomp_set_fatal(ZcompPCIState *s, ZcompQueue *q, uint32_t reason)
{
    /* First one wins; info (never 0) is visible before the FATAL bit. */
    if (qatomic_cmpxchg(&s->fatal_info, 0, (q->index << 16) | reason)) {
        return;
    }
    qatomic_store_release(&s->fatal, true);
    ZCOMP_GUEST_ERR(zcomp_err_ring_access,
                    "queue %u: %s ring not accessible "
                    "(sq 0x%" PRIx64 " cq 0x%" PRIx64 " size %u): "
                    "device fatal until reset", q->index,
                    reason == ZCOMP_FATAL_SQ_READ ? "submission" :
                                                    "completion",
                    q->sq_base, q->cq_base, q->size);
    trace_zcomp_fatal(q->index, reason);
}

/* @lock held, queue enabled: the device is alive. */
static void zcomp_request_irq(ZcompQueue *q)
{
    q->irq_held = 0;
    if (q->ctrl & ZCOMP_QCTRL_IRQ) {
        qatomic_set(&q->irq_pending, true);
        qemu_bh_schedule(q->dev->irq_bh);
    }
}

/*
 * Interrupt coalescing, @lock held: a completion that more requests of the
 * queue follow, already rung, waits for theirs, up to irq-coalesce of them
 * and irq-coalesce-us of virtual time from the first held (the queue's
 * timer, whatever becomes of the requests that follow: a slow one, a
 * fatal error, the doorbell moved back). The last
 * request rung, and any that fails, raises the vector at once.
 */
static void zcomp_complete_irq(ZcompQueue *q)
{
    ZcompPCIState *s = q->dev;

    if (!(q->ctrl & ZCOMP_QCTRL_IRQ) || !s->irq_coalesce_us ||
        q->irq_held >= s->irq_coalesce ||
        q->ring.sq_head == qatomic_load_acquire(&q->sq_tail)) {
        zcomp_request_irq(q);
        return;
    }
    if (!q->irq_held++) {
        timer_mod(s->irq_timers[q->index],
                  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  (int64_t)s->irq_coalesce_us * SCALE_US);
    }
    trace_zcomp_irq_held(q->index, q->irq_held);
}

/* Main loop: irq-coalesce-us ran out for @q's held completions. */
static void zcomp_irq_timer(void *opaque)
{
    ZcompQueue *q = opaque;

    qemu_mutex_lock(&q->lock);
    if (q->irq_held && qatomic_read(&q->enabled)) {
        zcomp_request_irq(q);
    }
    qemu_mutex_unlock(&q->lock);
}

/*
 * Worst-case cost in ns per byte of @bytes (zcomp_sync_cost): the
 * price table (zcomp-price.h, from zcomp-worst), by size class; 0 above
 * 64 KiB, which never runs on a vCPU. zstd decompression costs at least
 * what a frame crafted in review measured: tiny blocks, each with its
 * own entropy tables, 17-22 ms for 64 KiB (up to 340 ns a byte).
 * @level is the level that runs (not 0).
 */
#define ZCOMP_PRICE_ZSTD_DECOMPRESS_MIN 400

static uint64_t zcomp_ns_per_byte(uint8_t op, uint8_t algo, int level,
                                  uint64_t bytes)
{
    int cls = bytes <= 4 * KiB ? 0 : bytes <= 16 * KiB ? 1 : 2;
    uint64_t price;

    if (bytes > 64 * KiB || algo >= ZCOMP_ALG_COUNT) {
        return 0;
    }
    if (op != ZCOMP_OP_COMPRESS) {
        price = zcomp_price_decompress[algo][cls];
        return algo == ZCOMP_ALG_ZSTD ?
               MAX(price, ZCOMP_PRICE_ZSTD_DECOMPRESS_MIN) : price;
    }
    if (algo != ZCOMP_ALG_LZ4HC && algo != ZCOMP_ALG_ZSTD) {
        level = 0;
    }
    return zcomp_price_compress[algo][MIN(MAX(level, 0),
                                          ZCOMP_ZSTD_MAX_LEVEL)][cls];
}

/*
 * Worst-case cost in ns of running @sqe on a vCPU, from the raw entry (an
 * invalid one costs little anyway); UINT64_MAX if it never runs there.
 * A compressor's work follows its input, whatever its room (zcomp-worst
 * measures it so, with room to spare, and what it writes is bounded by
 * the input): priced by src_len. A decompressor's follows its output as
 * well: by the larger of src_len and dst_cap.
 */
static uint64_t zcomp_sync_cost(const struct zcomp_sqe *sqe,
                                const ZcLimits *lim)
{
    int level = sqe->level;
    uint64_t bytes = sqe->opcode == ZCOMP_OP_COMPRESS ?
                     sqe->src_len : MAX(sqe->src_len, sqe->dst_cap);
    uint64_t rate, cost = ZCOMP_SYNC_REQ_NS;

    if (!level) {
        level = sqe->algo == ZCOMP_ALG_ZSTD ? lim->zstd_level
                                            : lim->lz4hc_level;
    }
    rate = zcomp_ns_per_byte(sqe->opcode, sqe->algo, level, bytes);
    if (!rate) {
        return UINT64_MAX;
    }
    cost += bytes * rate;
    if (sqe->flags & ZCOMP_SQE_F_SRC_SGL) {
        cost += (uint64_t)sqe->src_nsge * ZCOMP_SYNC_SGE_NS;
    }
    if (sqe->flags & ZCOMP_SQE_F_DST_SGL) {
        cost += (uint64_t)sqe->dst_nsge * ZCOMP_SYNC_SGE_NS;
    }
    return cost;
}

/*
 * The timing model: how long @sqe keeps an engine busy, latency-ns plus
 * its uncompressed bytes at engine-bps. Those are what a compressor reads
 * and, for a decompressor, its room (the page it fills, for zram and
 * zswap); at most max-request, whatever the guest wrote.
 */
static int64_t zcomp_service_ns(const ZcompCore *c,
                                const struct zcomp_sqe *sqe)
{
    uint64_t bytes = sqe->opcode == ZCOMP_OP_COMPRESS ? sqe->src_len
                                                      : sqe->dst_cap;
    int64_t ns = c->latency_ns;

    if (c->engine_bps) {
        bytes = MIN(bytes, c->limits.max_req);
        ns += DIV_ROUND_UP(bytes * NANOSECONDS_PER_SECOND, c->engine_bps);
    }
    return ns;
}

/* A request's time on an engine of the timing model (zcomp_engine_take) */
typedef struct ZcompBooking {
    int64_t done;               /* when it completes (0: not booked) */
    int32_t engine;             /* -1: none (engines=0) */
    int64_t prev;               /* when the engine was free before */
} ZcompBooking;

/*
 * The timing model: when @sqe, submitted at @arrival, completes. It takes
 * the engine free first, from when that engine is free or the request
 * came, whichever is later, for zcomp_service_ns. Taken only if it is done
 * within @limit ns of @now; false otherwise, and nothing is taken.
 */
static bool zcomp_engine_take(ZcompCore *c, const struct zcomp_sqe *sqe,
                              int64_t arrival, int64_t now, uint64_t limit,
                              ZcompBooking *b)
{
    int64_t service = zcomp_service_ns(c, sqe);
    uint32_t e = 0;

    if (!c->engines) {
        b->done = arrival + service;
        return b->done <= now || b->done - now <= limit;
    }
    qemu_mutex_lock(&c->engine_lock);
    for (uint32_t i = 1; i < c->engines; i++) {
        if (c->engine_free[i] < c->engine_free[e]) {
            e = i;
        }
    }
    b->done = MAX(arrival, c->engine_free[e]) + service;
    if (b->done > now && b->done - now > limit) {
        qemu_mutex_unlock(&c->engine_lock);
        return false;
    }
    b->engine = e;
    b->prev = c->engine_free[e];
    c->engine_free[e] = b->done;
    qemu_mutex_unlock(&c->engine_lock);
    return true;
}

/*
 * A booked request was dropped: it runs again from its entry, so its
 * engine is free again when nothing was booked after it.
 */
static void zcomp_engine_give_back(ZcompCore *c, const ZcompBooking *b)
{
    if (b->engine >= 0) {
        qemu_mutex_lock(&c->engine_lock);
        if (c->engine_free[b->engine] == b->done) {
            c->engine_free[b->engine] = b->prev;
        }
        qemu_mutex_unlock(&c->engine_lock);
    }
}

/* The timing model after a reset: every engine free. */
static void zcomp_engines_reset(ZcompCore *c)
{
    if (c->engines) {
        qemu_mutex_lock(&c->engine_lock);
        memset(c->engine_free, 0, c->engines * sizeof(*c->engine_free));
        qemu_mutex_unlock(&c->engine_lock);
    }
}

/*
 * Hold @q's running request until @done (the clock), or until the step of
 * @epoch is dropped; without @lock. A worker (@may_sleep) sleeps in steps
 * of 1 ms at most, so that it sees a drop within 1 ms, and spins the last
 * ZCOMP_SPIN_NS; a vCPU on a SYNC doorbell, whose wait its budget bounds,
 * spins, as a CPU waiting for a synchronous accelerator does.
 */
static void zcomp_engine_wait(ZcompQueue *q, uint32_t epoch, int64_t done,
                              bool may_sleep)
{
    int64_t left;

    while ((left = done - get_clock()) > 0 &&
           qatomic_read(&q->epoch) == epoch) {
        if (may_sleep && left >= ZCOMP_SPIN_NS + SCALE_US) {
            g_usleep(MIN(left - ZCOMP_SPIN_NS, SCALE_MS) / SCALE_US);
        } else {
            cpu_relax();
        }
    }
}

/*
 * The timing model: book the entry @sqe at the head of @q, whose input is
 * fetched, on an engine. On a SYNC doorbell (@sync_budget, what is left
 * of it after the request's price) only if its wait fits: the budget
 * shrinks by it. @lock held. False: it goes to the worker.
 */
static bool zcomp_engine_book(ZcompQueue *q, const struct zcomp_sqe *sqe,
                              uint64_t *sync_budget, ZcompBooking *b)
{
    uint64_t left = sync_budget ? *sync_budget : UINT64_MAX;
    int64_t now = get_clock(), wait;
    int64_t arrival = qatomic_read(&q->db_ns[q->ring.sq_head]);

    if (!zcomp_engine_take(q->core, sqe, arrival > 0 ? arrival : now, now,
                           left, b)) {
        trace_zcomp_engine_defer(q->index, sqe->tag, b->done - now, left);
        b->done = 0;
        return false;
    }
    wait = MAX(b->done - now, 0);
    trace_zcomp_engine_wait(q->index, sqe->tag, wait);
    if (sync_budget) {
        *sync_budget -= wait;
    }
    return true;
}

/*
 * Whether the entry @sqe at the head of @q may run now: on a SYNC doorbell,
 * if its price fits *@sync_budget, which shrinks by it. @lock held.
 */
static bool zcomp_admit(ZcompQueue *q, const struct zcomp_sqe *sqe,
                        uint64_t *sync_budget)
{
    uint64_t cost;

    if (!sync_budget) {
        return true;
    }
    cost = zcomp_sync_cost(sqe, &q->core->limits);
    if (cost > *sync_budget) {
        trace_zcomp_sync_defer(q->index, sqe->tag, cost, *sync_budget);
        return false;
    }
    *sync_budget -= cost;
    return true;
}

typedef enum ZcompStep {
    ZCOMP_STEP_IDLE,        /* nothing to do, or another thread has it */
    ZCOMP_STEP_RAN,         /* one entry completed (or the device failed) */
    ZCOMP_STEP_DROPPED,     /* the codec's result was dropped */
    ZCOMP_STEP_DEFERRED,    /* over the SYNC budget: for the worker */
} ZcompStep;

/*
 * Count the times of the entry at the head, about to complete, whose codec
 * took @codec_ns (-1: it did not run); @lock held. Before the completion
 * is posted, so that a guest that sees it sees them too. Returns the
 * latency counted (-1: none), for zcomp_untime_request.
 */
static int64_t zcomp_time_request(ZcompQueue *q, const struct zcomp_sqe *sqe,
                                  int64_t codec_ns)
{
    int64_t submitted = qatomic_read(&q->db_ns[q->ring.sq_head]);
    ZcHist *h = zc_hist_of(&q->hists, sqe, ZCOMP_HIST_CODEC);
    int64_t latency = -1;

    if (h && codec_ns >= 0) {
        zc_hist_add(h, codec_ns);
    }
    h = zc_hist_of(&q->hists, sqe, ZCOMP_HIST_LATENCY);
    if (h && submitted > 0) {
        int64_t now = get_clock();

        latency = now > submitted ? now - submitted : 0;
        zc_hist_add(h, latency);
    }
    smp_wmb();                  /* the counts before the completion */
    return latency;
}

/* Its completion was not posted after all: take its times back. */
static void zcomp_untime_request(ZcompQueue *q, const struct zcomp_sqe *sqe,
                                 int64_t codec_ns, int64_t latency)
{
    ZcHist *h = zc_hist_of(&q->hists, sqe, ZCOMP_HIST_CODEC);

    if (h && codec_ns >= 0) {
        zc_hist_remove(h, codec_ns);
    }
    h = zc_hist_of(&q->hists, sqe, ZCOMP_HIST_LATENCY);
    if (h && latency >= 0) {
        zc_hist_remove(h, latency);
    }
}

/*
 * Post the completion of the entry at the head; @lock held. False if the
 * step was dropped while posting it (nothing advanced).
 */
static bool zcomp_queue_complete(ZcompQueue *q, const struct zcomp_sqe *sqe,
                                 uint8_t status, uint32_t out_len,
                                 int64_t codec_ns)
{
    int64_t latency = -1;
    ZcRingResult r;

    if (q->core->histograms) {
        latency = zcomp_time_request(q, sqe, codec_ns);
    }
    r = zc_ring_complete(&q->ring, &zcomp_host_ops, q, sqe, status,
                         status ? 0 : out_len, &q->stats);
    if (r != ZC_RING_OK && q->core->histograms) {
        zcomp_untime_request(q, sqe, codec_ns, latency);
    }

    if (r != ZC_RING_OK) {
        if (zcomp_step_dropped(q)) {
            return false;
        }
        zcomp_set_fatal(q->dev, q, r);
        zcomp_request_irq(q);
        return true;
    }
    if (status) {
        zcomp_request_irq(q);       /* errors at once */
    } else {
        zcomp_complete_irq(q);
    }
    return true;
}

/*
 * Run the entry at the head of @q, if any, and if it fits *@sync_budget
 * (NULL: no limit; the budget shrinks by its cost). Called by workers and
 * SYNC doorbells, never with the BQL held.
 */
static ZcompStep zcomp_queue_step(ZcompQueue *q, uint64_t *sync_budget)
{
    ZcompCore *c = q->core;
    struct zcomp_sqe sqe;
    ZcompBooking booking = { .engine = -1 };
    uint32_t out_len = 0, fault, epoch;
    int64_t codec_ns;
    uint8_t status;

    qemu_mutex_lock(&q->lock);
    /*
     * The epoch first: what drops requests changes the state, then bumps
     * the epoch. So either the check below sees the new state, or the
     * commit sees a new epoch, even if the queue is runnable again by then
     * (reset, then enabled again). It becomes the step's only if this
     * thread runs the step: one that finds the queue busy must not change
     * the epoch that the busy thread checks.
     */
    epoch = qatomic_load_acquire(&q->epoch);
    if (q->busy || !zcomp_queue_runnable(q) ||
        q->ring.sq_head == qatomic_load_acquire(&q->sq_tail)) {
        qemu_mutex_unlock(&q->lock);
        return ZCOMP_STEP_IDLE;
    }
    q->step_epoch = epoch;
    zcomp_in_request = true;
    q->xlate_dropped = false;
    fault = zcomp_map_rings(q);
    if (!fault && !zc_ring_fetch(&q->ring, &zcomp_host_ops, q, &sqe)) {
        fault = ZCOMP_FATAL_SQ_READ;
    }
    if (fault) {
        if (zcomp_step_dropped(q)) {
            goto dropped;
        }
        zcomp_set_fatal(q->dev, q, fault);
        zcomp_request_irq(q);
        goto out;
    }
    if (!zcomp_admit(q, &sqe, sync_budget)) {
        goto deferred;
    }
    if (!(qatomic_read(&q->dev->ctrl) & ZCOMP_CTRL_ENABLE)) {
        if (!zcomp_queue_complete(q, &sqe, ZCOMP_ST_NOT_ENABLED, 0, -1)) {
            goto dropped;
        }
        goto out;
    }
    status = zc_fetch_input(&c->limits, q->scratch, &zcomp_host_ops, q, &sqe);
    if (status) {
        if ((status == ZCOMP_ST_DMA_ERROR && zcomp_step_dropped(q)) ||
            !zcomp_queue_complete(q, &sqe, status, 0, -1)) {
            goto dropped;
        }
        goto out;
    }
    if (c->timed && !zcomp_engine_book(q, &sqe, sync_budget, &booking)) {
        goto deferred;
    }

    /*
     * The codec: scratch memory, and a compression input read in place
     * (its RAM region held); no lock.
     */
    q->busy = true;
    zcomp_in_request = false;
    qemu_mutex_unlock(&q->lock);
    codec_ns = c->histograms ? get_clock() : 0;
    status = zc_run_codec(&c->limits, q->scratch, &sqe, &out_len);
    codec_ns = c->histograms ? get_clock() - codec_ns : -1;
    if (booking.done) {
        zcomp_engine_wait(q, epoch, booking.done, !sync_budget);
    }
    qemu_mutex_lock(&q->lock);
    zcomp_in_request = true;
    q->busy = false;
    if (q->src_mr_drop) {
        zcomp_drop_src_mr(q);   /* asked for while the codec ran */
    }

    if (qatomic_read(&q->epoch) != q->step_epoch ||
        !zcomp_queue_runnable(q)) {
        /* Reset, disable, stop, bus master off: as if never fetched. */
        goto dropped;
    }
    if (!status) {
        status = zc_deliver(q->scratch, &zcomp_host_ops, q, &sqe, out_len);
        if (status == ZCOMP_ST_DMA_ERROR && zcomp_step_dropped(q)) {
            goto dropped;
        }
    }
    if (!zcomp_queue_complete(q, &sqe, status, out_len, codec_ns)) {
        goto dropped;
    }
out:
    zcomp_in_request = false;
    qemu_mutex_unlock(&q->lock);
    return ZCOMP_STEP_RAN;
dropped:
    zcomp_engine_give_back(c, &booking);
    zcomp_in_request = false;
    qemu_mutex_unlock(&q->lock);
    return ZCOMP_STEP_DROPPED;
deferred:
    zcomp_in_request = false;
    qemu_mutex_unlock(&q->lock);
    return ZCOMP_STEP_DEFERRED;
}

static void zcomp_core_free(ZcompCore *c)
{
    for (uint32_t i = 0; i < c->num_queues; i++) {
        for (int k = 0; k < ZCOMP_SRC_MRS; k++) {
            zcomp_unref_later(c->queues[i].src_mr[k]);
        }
        zc_scratch_free(c->queues[i].scratch);
        g_free(c->queues[i].db_ns);   /* NULL without histograms or model */
        qemu_mutex_destroy(&c->queues[i].lock);
    }
    for (uint32_t i = 0; i < c->num_workers; i++) {
        qemu_event_destroy(&c->workers[i].kick);
    }
    qemu_mutex_destroy(&c->engine_lock);
    g_free(c->engine_free);
    g_free(c->queues);
    g_free(c->workers);
    g_free(c);
}

static void zcomp_core_ref(ZcompCore *c)
{
    qatomic_inc(&c->refs);
}

static void zcomp_core_unref(ZcompCore *c)
{
    if (qatomic_fetch_dec(&c->refs) == 1) {
        zcomp_core_free(c);
    }
}

static void *zcomp_worker_thread(void *opaque)
{
    ZcompWorker *w = opaque;
    ZcompCore *c = w->core;

    rcu_register_thread();
#ifdef CONFIG_LINUX
    /* The timing model's sleeps end on time, not up to 50 us late. */
    if (c->timed) {
        prctl(PR_SET_TIMERSLACK, 1UL);
    }
#endif
    for (;;) {
        bool progress = false;

        /* Reset before looking at @exit: a kick with it is never lost. */
        qemu_event_reset(&w->kick);
        if (qatomic_read(&w->exit)) {
            break;
        }
        for (uint32_t i = w->index; i < c->num_queues; i += c->num_workers) {
            for (int n = 0; n < ZCOMP_WORKER_ROUND; n++) {
                if (zcomp_queue_step(&c->queues[i], NULL) ==
                    ZCOMP_STEP_IDLE) {
                    break;
                }
                progress = true;
            }
        }
        if (!progress) {
            qemu_event_wait(&w->kick);
        }
    }
    rcu_unregister_thread();
    zcomp_core_unref(c);
    return NULL;
}

static void zcomp_kick_all(ZcompPCIState *s)
{
    for (uint32_t i = 0; i < s->core->num_workers; i++) {
        qemu_event_set(&s->core->workers[i].kick);
    }
}

/* Wait for @q's bounded steps, and unmap its rings. BQL held. */
static void zcomp_queue_wait_steps(ZcompQueue *q)
{
    qemu_mutex_lock(&q->lock);
    zcomp_unmap_rings(q);
    qemu_mutex_unlock(&q->lock);
}

/*
 * Drop what @q is running and wait for its bounded steps: afterwards no
 * thread writes guest memory for it until it runs again. BQL held.
 */
static void zcomp_queue_drop_running(ZcompQueue *q)
{
    qatomic_inc(&q->epoch);
    zcomp_queue_wait_steps(q);
}

/*
 * The same for all queues; first all epochs, so that no queue starts
 * another step while the others are waited for.
 */
static void zcomp_drop_running(ZcompPCIState *s)
{
    for (uint32_t i = 0; i < s->core->num_queues; i++) {
        qatomic_inc(&s->queues[i].epoch);
    }
    for (uint32_t i = 0; i < s->core->num_queues; i++) {
        zcomp_queue_wait_steps(&s->queues[i]);
    }
}

static void zcomp_queue_disable(ZcompQueue *q)
{
    qemu_mutex_lock(&q->lock);
    qatomic_set(&q->enabled, false);
    qemu_mutex_unlock(&q->lock);
}

static void zcomp_queue_reset(ZcompQueue *q)
{
    qemu_mutex_lock(&q->lock);
    qatomic_set(&q->enabled, false);
    zcomp_unmap_rings(q);
    memset(&q->ring, 0, sizeof(q->ring));
    memset(&q->stats, 0, sizeof(q->stats));
    memset(&q->hists, 0, sizeof(q->hists));
    if (q->db_ns) {
        memset(q->db_ns, 0, q->dev->max_ring * sizeof(*q->db_ns));
    }
    memset(q->atc, 0, sizeof(q->atc));
    q->irq_held = 0;
    qemu_mutex_unlock(&q->lock);
    q->sq_base = q->cq_base = 0;
    q->size = q->vector = q->ctrl = q->status = 0;
    qatomic_set(&q->sq_tail, 0);
    qatomic_set(&q->irq_pending, false);
}

/*
 * A vCPU may still dispatch to our regions through a flat view taken before
 * unplug; the device struct lives until the view goes, its queues not.
 */
static bool zcomp_unplugged(ZcompPCIState *s)
{
    return !s->core;
}

/* ---- the DMA address space: IOMMU invalidations, topology changes ---- */

static void zcomp_iommu_unmap_notify(IOMMUNotifier *n, IOMMUTLBEntry *entry)
{
    ZcompIommu *mmu = container_of(n, ZcompIommu, n);
    hwaddr start = entry->iova + mmu->offset;
    hwaddr last = start + entry->addr_mask;

    zcomp_iommu_invalidate(mmu->dev, start, last < start ? HWADDR_MAX : last);
}

/*
 * The IOMMUs known to tell of every invalidation through UNMAP
 * notifiers. Another one (amd-iommu in QEMU 10.0 accepts the notifier
 * but never calls it) gets no ATC: each access is translated anew.
 */
static const char *const zcomp_notifying_iommus[] = {
    "intel-iommu-iommu-memory-region",      /* TYPE_INTEL_IOMMU_... */
    "virtio-iommu-memory-region",           /* TYPE_VIRTIO_IOMMU_... */
};

static bool zcomp_iommu_notifies(MemoryRegion *mr)
{
    for (size_t i = 0; i < ARRAY_SIZE(zcomp_notifying_iommus); i++) {
        if (object_dynamic_cast(OBJECT(mr), zcomp_notifying_iommus[i])) {
            return true;
        }
    }
    return false;
}

/*
 * An IOMMU region appears in the device's DMA address space (translation
 * turned on, bus mastering on): listen to its invalidations, as vhost and
 * vfio do, with one notifier over the whole region (a guest may
 * invalidate a range across two of its sections). BQL held.
 */
static void zcomp_dma_region_add(MemoryListener *listener,
                                 MemoryRegionSection *section)
{
    ZcompPCIState *s = container_of(listener, ZcompPCIState, dma_listener);
    IOMMUMemoryRegion *iommu_mr;
    Error *err = NULL;
    ZcompIommu *mmu;
    uint64_t size;

    s->dma_changed = true;
    if (!memory_region_is_iommu(section->mr)) {
        return;
    }
    QLIST_FOREACH(mmu, &s->iommus, next) {
        if (mmu->mr == section->mr) {
            mmu->sections++;
            return;
        }
    }
    iommu_mr = IOMMU_MEMORY_REGION(section->mr);
    size = memory_region_size(section->mr);
    mmu = g_new0(ZcompIommu, 1);
    iommu_notifier_init(&mmu->n, zcomp_iommu_unmap_notify,
                        IOMMU_NOTIFIER_UNMAP, 0,
                        size == UINT64_MAX ? UINT64_MAX : size - 1,
                        memory_region_iommu_attrs_to_index(
                            iommu_mr, MEMTXATTRS_UNSPECIFIED));
    mmu->mr = section->mr;
    mmu->offset = section->offset_within_address_space -
                  section->offset_within_region;
    mmu->sections = 1;
    mmu->dev = s;
    if (!zcomp_iommu_notifies(section->mr)) {
        warn_report_once("zcomp-pci: %s sends no invalidations: the device "
                         "translates every DMA through it anew",
                         memory_region_name(section->mr));
    } else if (memory_region_register_iommu_notifier(section->mr, &mmu->n,
                                                     &err)) {
        warn_report_err_once(err);
    } else {
        mmu->notified = true;
    }
    if (!mmu->notified) {
        qatomic_inc(&s->iommus_silent);
    }
    QLIST_INSERT_HEAD(&s->iommus, mmu, next);
}

static void zcomp_iommu_forget(ZcompPCIState *s, ZcompIommu *mmu)
{
    if (mmu->notified) {
        memory_region_unregister_iommu_notifier(mmu->mr, &mmu->n);
    } else {
        qatomic_dec(&s->iommus_silent);
    }
    QLIST_REMOVE(mmu, next);
    g_free(mmu);
}

static void zcomp_dma_region_del(MemoryListener *listener,
                                 MemoryRegionSection *section)
{
    ZcompPCIState *s = container_of(listener, ZcompPCIState, dma_listener);
    ZcompIommu *mmu, *tmp;

    s->dma_changed = true;
    QLIST_FOREACH_SAFE(mmu, &s->iommus, next, tmp) {
        if (mmu->mr == section->mr && !--mmu->sections) {
            zcomp_iommu_forget(s, mmu);
        }
    }
}

/*
 * The device's DMA address space changed (translation turned on or off,
 * bus mastering, RAM remapped): drop every translation and ring mapping
 * taken before; they are taken again on next use. BQL held.
 */
static void zcomp_dma_commit(MemoryListener *listener)
{
    ZcompPCIState *s = container_of(listener, ZcompPCIState, dma_listener);

    if (!s->dma_changed || zcomp_unplugged(s)) {
        return;
    }
    s->dma_changed = false;
    zcomp_iommu_invalidate(s, 0, HWADDR_MAX);
    for (uint32_t i = 0; i < s->num_queues; i++) {
        zcomp_queue_wait_steps(&s->queues[i]);
    }
}

static void zcomp_dma_listen(ZcompPCIState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    s->iommu = pci_device_iommu_address_space(pdev) != &address_space_memory;
    s->dma_listener = (MemoryListener) {
        .name = "zcomp-dma",
        .region_add = zcomp_dma_region_add,
        .region_del = zcomp_dma_region_del,
        .commit = zcomp_dma_commit,
    };
    memory_listener_register(&s->dma_listener, pci_get_address_space(pdev));
    s->dma_listening = true;
}

static void zcomp_dma_unlisten(ZcompPCIState *s)
{
    ZcompIommu *mmu, *tmp;

    if (!s->dma_listening) {
        return;
    }
    memory_listener_unregister(&s->dma_listener);
    QLIST_FOREACH_SAFE(mmu, &s->iommus, next, tmp) {
        zcomp_iommu_forget(s, mmu);
    }
    s->dma_listening = false;
}

/* Why @q's registers cannot be enabled, or NULL. */
static const char *zcomp_queue_setup_error(ZcompPCIState *s, ZcompQueue *q)
{
    if (q->size < 2 || q->size > s->max_ring || !is_power_of_2(q->size)) {
        return "ring size not a power of two within limits";
    }
    if (q->sq_base & (sizeof(struct zcomp_sqe) - 1) ||
        q->cq_base & (sizeof(struct zcomp_cqe) - 1)) {
        return "ring base misaligned";
    }
    if (q->vector >= s->num_queues) {
        return "vector not below CAP_QUEUES";
    }
    return NULL;
}

static void zcomp_queue_enable(ZcompPCIState *s, ZcompQueue *q)
{
    const char *why = zcomp_queue_setup_error(s, q);

    if (why) {
        ZCOMP_GUEST_ERR(zcomp_err_queue_setup,
                        "queue %u enable refused: %s", q->index, why);
        q->ctrl &= ~ZCOMP_QCTRL_ENABLE;
        q->status |= ZCOMP_QSTS_SETUP_ERR;
        return;
    }

    /* The machine is complete by now, its IOMMU included. */
    if (!s->dma_listening) {
        zcomp_dma_listen(s);
    }
    qemu_mutex_lock(&q->lock);
    q->ring = (ZcRing) { .size = q->size, .phase = 1 };
    if (q->db_ns) {
        memset(q->db_ns, 0, q->size * sizeof(*q->db_ns));
    }
    zcomp_unmap_rings(q);
    q->irq_held = 0;
    qatomic_set(&q->sq_tail, 0);
    q->status = ZCOMP_QSTS_ENABLED;
    qatomic_store_release(&q->enabled, true);
    qemu_mutex_unlock(&q->lock);
    trace_zcomp_queue_enable(q->index, q->sq_base, q->cq_base, q->size,
                             q->ctrl);
}

static void zcomp_queue_ctrl_write(ZcompPCIState *s, ZcompQueue *q,
                                   uint32_t val)
{
    uint32_t mask = ZCOMP_QCTRL_ENABLE | ZCOMP_QCTRL_IRQ | ZCOMP_QCTRL_SYNC;
    bool was = q->ctrl & ZCOMP_QCTRL_ENABLE;
    bool now = val & ZCOMP_QCTRL_ENABLE;

    if (val & ~mask) {
        ZCOMP_GUEST_ERR(zcomp_err_qctrl_reserved,
                        "queue %u: reserved control bits 0x%x ignored",
                        q->index, val & ~mask);
    }
    if (was && now) {
        /* Only IRQ may change on a live queue. */
        q->ctrl = (q->ctrl & ~ZCOMP_QCTRL_IRQ) | (val & ZCOMP_QCTRL_IRQ);
        return;
    }
    if (was && !now) {
        zcomp_queue_disable(q);
        zcomp_queue_drop_running(q);
        q->ctrl = val & mask;
        q->status &= ~ZCOMP_QSTS_ENABLED;
        trace_zcomp_queue_disable(q->index);
        return;
    }
    q->ctrl = val & mask;
    if (now) {
        zcomp_queue_enable(s, q);
    }
}

/* ---- interrupts (main loop, BQL held) ---- */

static void zcomp_irq_bh(void *opaque)
{
    ZcompPCIState *s = opaque;
    PCIDevice *pdev = PCI_DEVICE(s);

    for (uint32_t i = 0; i < s->num_queues; i++) {
        ZcompQueue *q = &s->queues[i];

        if (!qatomic_xchg(&q->irq_pending, false)) {
            continue;
        }
        trace_zcomp_irq(i, q->vector);
        if (msix_enabled(pdev)) {
            if (q->vector < s->num_queues) {
                msix_notify(pdev, q->vector);
            }
        } else if (msi_enabled(pdev)) {
            msi_notify(pdev, 0);
        }
    }
}

/* ---- device reset ---- */

static void zcomp_reset_state(ZcompPCIState *s)
{
    /* No queue starts anything new, then none runs anything. */
    for (uint32_t i = 0; i < s->num_queues; i++) {
        qatomic_set(&s->queues[i].enabled, false);
    }
    zcomp_drop_running(s);
    for (uint32_t i = 0; i < s->num_queues; i++) {
        zcomp_queue_reset(&s->queues[i]);
    }
    qatomic_set(&s->ctrl, 0);
    qatomic_set(&s->fatal, false);
    qatomic_set(&s->fatal_info, 0);
    qatomic_set(&s->fault_count, 0);
    s->hist_sel = 0;
    zcomp_engines_reset(s->core);
    trace_zcomp_reset();
}

static void zcomp_qdev_reset(DeviceState *dev)
{
    zcomp_reset_state(ZCOMP_PCI(dev));
}

/* ---- registers ---- */

static uint64_t zcomp_stat_read(const ZcStats *const *st, uint32_t n,
                                hwaddr off)
{
    uint64_t sum = 0;
    size_t idx;

    if (off < ZCOMP_STAT_ERR_BASE) {
        idx = off / 8;
    } else {
        size_t code = (off - ZCOMP_STAT_ERR_BASE) / 8;
        if (code > ZCOMP_ST_MAX) {
            return 0;
        }
        idx = offsetof(ZcStats, by_status[code]) / 8;
    }
    for (uint32_t i = 0; i < n; i++) {
        sum += qatomic_read(&((const uint64_t *)st[i])[idx]);
    }
    return sum;
}

/* A 64-bit register value; 4-byte reads pick a half. */
static uint64_t zcomp_reg64(uint64_t v, hwaddr addr, unsigned size)
{
    return size == 8 ? v : (addr & 4) ? v >> 32 : (uint32_t)v;
}

static uint64_t zcomp_queue_read(ZcompPCIState *s, ZcompQueue *q, hwaddr off,
                                 unsigned size)
{
    const ZcStats *st = &q->stats;

    if (off >= ZCOMP_QREG_STATS &&
        off < ZCOMP_QREG_STATS + ZCOMP_STAT_SIZE) {
        return zcomp_reg64(zcomp_stat_read(&st, 1,
                                           (off - ZCOMP_QREG_STATS) & ~7),
                           off, size);
    }
    switch (off & ~7) {
    case ZCOMP_QREG_SQ_BASE:
        return zcomp_reg64(q->sq_base, off, size);
    case ZCOMP_QREG_CQ_BASE:
        return zcomp_reg64(q->cq_base, off, size);
    }
    switch (off) {
    case ZCOMP_QREG_SIZE_ENTRIES:
        return q->size;
    case ZCOMP_QREG_VECTOR:
        return q->vector;
    case ZCOMP_QREG_CTRL:
        return q->ctrl;
    case ZCOMP_QREG_STATUS:
        return q->status;
    case ZCOMP_QREG_SQ_HEAD:
        /* Racy read of a live ring: a snapshot, good for debugging. */
        return qatomic_read(&q->ring.sq_head);
    case ZCOMP_QREG_CQ_TAIL:
        return qatomic_read(&q->ring.cq_tail);
    case ZCOMP_QREG_SQ_TAIL:
        return qatomic_read(&q->sq_tail);
    }
    return 0;
}

/* Whether ZCOMP_HIST_SEL value @sel names a histogram of this device. */
static bool zcomp_hist_sel_valid(ZcompPCIState *s, uint32_t sel)
{
    uint32_t qi = extract32(sel, 0, 8), op = extract32(sel, 16, 8);

    return (qi < s->num_queues || qi == ZCOMP_HIST_ALL_QUEUES) &&
           extract32(sel, 8, 8) < ZCOMP_ALG_COUNT &&
           (op == ZCOMP_OP_COMPRESS || op == ZCOMP_OP_DECOMPRESS) &&
           extract32(sel, 24, 8) < ZCOMP_HIST_KINDS;
}

/*
 * The histogram window (ZCOMP_REG_HIST) at @off, for the selection in
 * ZCOMP_REG_HIST_SEL: zero where that names none.
 */
static uint64_t zcomp_hist_read(ZcompPCIState *s, hwaddr off)
{
    QEMU_BUILD_BUG_ON(sizeof(ZcHist) != ZCOMP_HIST_SIZE);
    uint32_t sel = s->hist_sel;
    uint32_t qi = extract32(sel, 0, 8), alg = extract32(sel, 8, 8);
    uint32_t op = extract32(sel, 16, 8), kind = extract32(sel, 24, 8);
    bool all = qi == ZCOMP_HIST_ALL_QUEUES;
    uint32_t first = all ? 0 : qi, last = all ? s->num_queues - 1 : qi;
    uint64_t sum = 0;

    if (!s->histograms || !zcomp_hist_sel_valid(s, sel)) {
        return 0;
    }
    for (uint32_t i = first; i <= last; i++) {
        const ZcHist *h = &s->queues[i].hists.h[alg][op - 1][kind];

        sum += qatomic_read(&((const uint64_t *)h)[off / 8]);
    }
    return sum;
}

/* The algorithms this device offers: bit (1 << ZCOMP_ALG_*). */
static uint32_t zcomp_algs(ZcompPCIState *s)
{
    return (1u << ZCOMP_ALG_LZ4) | (1u << ZCOMP_ALG_LZ4HC) |
           (1u << ZCOMP_ALG_LZO) |
           (s->lzorle ? 1u << ZCOMP_ALG_LZORLE : 0) |
           (s->zstd ? 1u << ZCOMP_ALG_ZSTD : 0);
}

static uint64_t zcomp_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    ZcompPCIState *s = opaque;
    uint64_t val = 0;

    if (zcomp_in_request || zcomp_unplugged(s)) {
        return 0;
    }
    if (addr >= ZCOMP_QREG_BASE) {
        uint32_t qi = (addr - ZCOMP_QREG_BASE) / ZCOMP_QREG_SIZE;

        if (qi < s->num_queues) {
            val = zcomp_queue_read(s, &s->queues[qi],
                                   (addr - ZCOMP_QREG_BASE) % ZCOMP_QREG_SIZE,
                                   size);
        }
    } else if (addr >= ZCOMP_REG_STATS &&
               addr < ZCOMP_REG_STATS + ZCOMP_STAT_SIZE) {
        g_autofree const ZcStats **st = g_new(const ZcStats *, s->num_queues);

        for (uint32_t i = 0; i < s->num_queues; i++) {
            st[i] = &s->queues[i].stats;
        }
        val = zcomp_reg64(zcomp_stat_read(st, s->num_queues,
                                          (addr - ZCOMP_REG_STATS) & ~7),
                          addr, size);
    } else if (addr >= ZCOMP_REG_HIST &&
               addr < ZCOMP_REG_HIST + ZCOMP_HIST_SIZE) {
        val = zcomp_reg64(zcomp_hist_read(s, (addr - ZCOMP_REG_HIST) & ~7),
                          addr, size);
    } else {
        switch (addr) {
        case ZCOMP_REG_MAGIC:
            val = ZCOMP_MAGIC;
            break;
        case ZCOMP_REG_VERSION:
            val = ZCOMP_ABI_VERSION;
            break;
        case ZCOMP_REG_CAP_ALGS:
            val = zcomp_algs(s);
            break;
        case ZCOMP_REG_CAP_QUEUES:
            val = s->num_queues;
            break;
        case ZCOMP_REG_CAP_RING:
            val = s->max_ring;
            break;
        case ZCOMP_REG_CAP_MAX_REQ:
            val = s->max_req;
            break;
        case ZCOMP_REG_CAP_MAX_SGE:
            val = s->max_sge;
            break;
        case ZCOMP_REG_CAP_FLAGS:
            val = ZCOMP_CAP_F_SGL | ZCOMP_CAP_F_SYNC | ZCOMP_CAP_F_MSIX |
                  (s->histograms ? ZCOMP_CAP_F_HIST : 0);
            break;
        case ZCOMP_REG_CTRL:
            val = qatomic_read(&s->ctrl);
            break;
        case ZCOMP_REG_STATUS:
            if (qatomic_read(&s->fatal)) {
                val = ZCOMP_STS_FATAL;
            } else if (qatomic_read(&s->ctrl) & ZCOMP_CTRL_ENABLE) {
                val = ZCOMP_STS_READY;
            }
            break;
        case ZCOMP_REG_FATAL_INFO:
            val = qatomic_read(&s->fatal) ? s->fatal_info : 0;
            break;
        case ZCOMP_REG_DB_OFFSET:
            val = ZCOMP_DB_OFFSET;
            break;
        case ZCOMP_REG_DB_STRIDE:
            val = ZCOMP_DB_STRIDE;
            break;
        case ZCOMP_REG_LZ4HC_LEVEL:
            val = s->lz4hc_level;
            break;
        case ZCOMP_REG_ZSTD_LEVEL:
            val = s->zstd_level;
            break;
        case ZCOMP_REG_HIST_SEL:
            val = s->histograms ? s->hist_sel : 0;
            break;
        }
    }
    trace_zcomp_reg_read(addr, size, val);
    return val;
}

static void zcomp_queue_write(ZcompPCIState *s, ZcompQueue *q, hwaddr off,
                              uint64_t val, unsigned size)
{
    bool live = q->ctrl & ZCOMP_QCTRL_ENABLE;
    uint64_t *base = NULL;

    switch (off & ~7) {
    case ZCOMP_QREG_SQ_BASE:
        base = &q->sq_base;
        break;
    case ZCOMP_QREG_CQ_BASE:
        base = &q->cq_base;
        break;
    }
    if (off != ZCOMP_QREG_CTRL && live) {
        ZCOMP_GUEST_ERR(zcomp_err_qreg_live,
                        "queue %u: write to 0x%x while enabled ignored",
                        q->index, (unsigned)off);
        return;
    }
    if (base) {
        if (size == 8) {
            *base = val;
        } else if (off & 4) {
            *base = deposit64(*base, 32, 32, val);
        } else {
            *base = deposit64(*base, 0, 32, val);
        }
        return;
    }
    switch (off) {
    case ZCOMP_QREG_SIZE_ENTRIES:
        q->size = val;
        break;
    case ZCOMP_QREG_VECTOR:
        q->vector = val;
        break;
    case ZCOMP_QREG_CTRL:
        zcomp_queue_ctrl_write(s, q, val);
        break;
    default:
        ZCOMP_GUEST_ERR(zcomp_err_qreg_reserved,
                        "queue %u: write to read-only or reserved offset "
                        "0x%x ignored", q->index, (unsigned)off);
    }
}

static void zcomp_regs_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    ZcompPCIState *s = opaque;

    trace_zcomp_reg_write(addr, size, val);
    if (zcomp_unplugged(s)) {
        return;
    }
    if (zcomp_in_request) {
        ZCOMP_GUEST_ERR(zcomp_err_reg_reentrant,
                        "re-entrant register write at 0x%" HWADDR_PRIx
                        " from DMA ignored", addr);
        return;
    }
    if (addr >= ZCOMP_QREG_BASE) {
        uint32_t qi = (addr - ZCOMP_QREG_BASE) / ZCOMP_QREG_SIZE;

        if (qi < s->num_queues) {
            zcomp_queue_write(s, &s->queues[qi],
                              (addr - ZCOMP_QREG_BASE) % ZCOMP_QREG_SIZE,
                              val, size);
            return;
        }
    } else if (addr == ZCOMP_REG_CTRL) {
        if (val & ZCOMP_CTRL_RESET) {
            zcomp_reset_state(s);
            return;
        }
        qatomic_set(&s->ctrl, val & ZCOMP_CTRL_ENABLE);
        /* Work submitted while disabled now completes (NOT_ENABLED before). */
        zcomp_kick_all(s);
        return;
    } else if (addr == ZCOMP_REG_HIST_SEL && size == 4 && s->histograms) {
        if (!zcomp_hist_sel_valid(s, val)) {
            ZCOMP_GUEST_ERR(zcomp_err_hist_sel,
                            "histogram selection 0x%x names none: the "
                            "window reads as zeros", (uint32_t)val);
        }
        s->hist_sel = val;
        return;
    }
    ZCOMP_GUEST_ERR(zcomp_err_reg_reserved,
                    "write to read-only or reserved register 0x%"
                    HWADDR_PRIx " ignored", addr);
}

static const MemoryRegionOps zcomp_regs_ops = {
    .read = zcomp_regs_read,
    .write = zcomp_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- doorbells ---- */

/* The vCPU running a SYNC doorbell is asked to stop or leave the loop. */
static bool zcomp_vcpu_must_yield(void)
{
    return qatomic_read(&current_cpu->stop) ||
           qatomic_read(&current_cpu->exit_request);
}

/*
 * Run, on the calling vCPU, at most the @found entries the doorbell saw
 * and ZCOMP_SYNC_BUDGET_NS of work; the worker takes whatever is left. The
 * vCPU stops early when it is asked to pause.
 */
static void zcomp_run_sync(ZcompQueue *q, uint32_t found)
{
    uint64_t budget = ZCOMP_SYNC_BUDGET_NS;
    int64_t start = get_clock();
    ZcompStep st = found ? ZCOMP_STEP_RAN : ZCOMP_STEP_IDLE;
    uint32_t n = 0;

    while (n < found && !zcomp_vcpu_must_yield()) {
        int64_t spent = get_clock() - start;

        if (spent >= ZCOMP_SYNC_BUDGET_NS) {
            st = ZCOMP_STEP_DEFERRED;
            break;
        }
        budget = MIN(budget, ZCOMP_SYNC_BUDGET_NS - spent);
        st = zcomp_queue_step(q, &budget);
        if (st != ZCOMP_STEP_RAN) {
            break;
        }
        n++;
    }
    trace_zcomp_sync_run(q->index, n, get_clock() - start);
    /*
     * Idle: nothing left, or its owner (worker or vCPU) goes on with it.
     * All done: the worker only if later doorbells left work (a doorbell
     * that found us busy counted on us).
     */
    if (st == ZCOMP_STEP_IDLE ||
        (n == found && qatomic_read(&q->ring.sq_head) ==
                       qatomic_load_acquire(&q->sq_tail))) {
        return;
    }
    qemu_event_set(&q->worker->kick);
}

/*
 * A store by a vCPU, as opposed to DMA or an MSI message of some device
 * (ours included), which must not see the BQL dropped under it.
 */
static bool zcomp_is_cpu_access(MemTxAttrs attrs)
{
    return current_cpu && !attrs.unspecified && !attrs.requester_id;
}

/*
 * The entries a doorbell write submits, from the last doorbell value to
 * @tail, were submitted now. At most ring-size - 1 stores (4095), whatever
 * the guest writes: one per new entry when it submits them in turn.
 */
static void zcomp_stamp_doorbell(ZcompQueue *q, uint32_t tail)
{
    uint32_t mask = q->size - 1;
    int64_t now = get_clock();

    for (uint32_t i = qatomic_read(&q->sq_tail); i != tail;
         i = (i + 1) & mask) {
        qatomic_set(&q->db_ns[i], now);
    }
}

static MemTxResult zcomp_doorbell_write(void *opaque, hwaddr addr,
                                        uint64_t val, unsigned size,
                                        MemTxAttrs attrs)
{
    ZcompPCIState *s = opaque;
    uint32_t qi = addr / ZCOMP_DB_STRIDE;
    uint32_t found;
    ZcompCore *core;
    ZcompQueue *q;

    trace_zcomp_doorbell(qi, val);
    if (zcomp_unplugged(s)) {
        return MEMTX_OK;
    }
    if (zcomp_in_request) {
        ZCOMP_GUEST_ERR(zcomp_err_db_reentrant,
                        "re-entrant doorbell write at offset 0x%"
                        HWADDR_PRIx " from DMA ignored", addr);
        return MEMTX_OK;
    }
    if (addr % ZCOMP_DB_STRIDE || qi >= s->num_queues) {
        ZCOMP_GUEST_ERR(zcomp_err_db_offset,
                        "write to doorbell offset 0x%" HWADDR_PRIx
                        " with no queue ignored", addr);
        return MEMTX_OK;
    }
    q = &s->queues[qi];
    if (!qatomic_read(&q->enabled)) {
        ZCOMP_GUEST_ERR(zcomp_err_db_disabled,
                        "doorbell of disabled queue %u ignored", qi);
        return MEMTX_OK;
    }
    if (val >= q->size) {
        ZCOMP_GUEST_ERR(zcomp_err_db_beyond_ring,
                        "queue %u: doorbell %" PRIu64 " beyond ring of %u "
                        "ignored", qi, val, q->size);
        q->status |= ZCOMP_QSTS_DB_ERR;
        return MEMTX_OK;
    }
    if (q->db_ns) {
        zcomp_stamp_doorbell(q, val);
    }
    qatomic_store_release(&q->sq_tail, (uint32_t)val);

    /*
     * Behind an IOMMU a request's cost includes translations (the BQL, a
     * table walk each) that its price does not bound: the worker runs it.
     */
    if (!(q->ctrl & ZCOMP_QCTRL_SYNC) || qatomic_read(&s->paused) ||
        !zcomp_is_cpu_access(attrs) || !bql_locked() || s->iommu) {
        qemu_event_set(&q->worker->kick);
        return MEMTX_OK;
    }
    /*
     * SYNC: run what fits the budget here, on the vCPU that rang, without
     * the BQL, so other vCPUs and the main loop go on. The core outlives
     * an unplug meanwhile; the memory region does too (this vCPU is in an
     * RCU read-side section that pins the flat view that references it).
     */
    found = (val - qatomic_read(&q->ring.sq_head)) & (q->size - 1);
    core = s->core;             /* unplug may clear s->core meanwhile */
    zcomp_core_ref(core);
    bql_unlock();
    zcomp_run_sync(q, found);
    bql_lock();
    zcomp_core_unref(core);
    return MEMTX_OK;
}

/* Doorbells are write-only: a read returns 0 (any size the core passes). */
static MemTxResult zcomp_doorbell_read(void *opaque, hwaddr addr,
                                       uint64_t *val, unsigned size,
                                       MemTxAttrs attrs)
{
    ZCOMP_GUEST_ERR(zcomp_err_db_read,
                    "read of write-only doorbell offset 0x%" HWADDR_PRIx
                    " (size %u) returns 0", addr, size);
    *val = 0;
    return MEMTX_OK;
}

static const MemoryRegionOps zcomp_doorbell_ops = {
    .read_with_attrs = zcomp_doorbell_read,
    .write_with_attrs = zcomp_doorbell_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---- PCI config ---- */

/*
 * Bus mastering off: once the config write returns, the device writes
 * nothing to guest memory; what was running is dropped and runs again
 * from its entry when bus mastering is back (and the queue rung).
 */
static void zcomp_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
                               int len)
{
    ZcompPCIState *s = ZCOMP_PCI(pdev);
    bool was = zcomp_bus_master(s);

    if (!was) {
        /* off (a reset clears the register alone): not ready until on */
        qatomic_set(&s->bm_ready, false);
    }
    pci_default_write_config(pdev, addr, val, len);
    qatomic_set(&s->bm_ready,
                pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER);
    if (was && !zcomp_bus_master(s)) {
        zcomp_drop_running(s);
    } else if (!was && zcomp_bus_master(s)) {
        zcomp_kick_all(s);
    }
}

/* ---- VM state ---- */

static void zcomp_vm_state_change(void *opaque, bool running, RunState state)
{
    ZcompPCIState *s = opaque;

    if (running) {
        qatomic_set(&s->paused, false);
        zcomp_kick_all(s);
        return;
    }
    /*
     * Nothing is written to guest RAM from here on: requests being run are
     * dropped, and run again from their entries when the VM (here or on a
     * migration destination) continues.
     */
    qatomic_set(&s->paused, true);
    zcomp_drop_running(s);
}

/* Everything zcomp_queue_step relies on, for a migrated queue. */
static bool zcomp_queue_state_valid(ZcompPCIState *s, ZcompQueue *q)
{
    uint32_t ctrl_bits = ZCOMP_QCTRL_ENABLE | ZCOMP_QCTRL_IRQ |
                         ZCOMP_QCTRL_SYNC;
    uint32_t status_bits = ZCOMP_QSTS_ENABLED | ZCOMP_QSTS_SETUP_ERR |
                           ZCOMP_QSTS_DB_ERR;
    bool on = q->ctrl & ZCOMP_QCTRL_ENABLE;

    if (q->ctrl & ~ctrl_bits || q->status & ~status_bits ||
        !(q->status & ZCOMP_QSTS_ENABLED) != !on) {
        return false;
    }
    if (!on) {
        return true;
    }
    /* One completion per entry since enable: CQ tail follows SQ head. */
    return !zcomp_queue_setup_error(s, q) && q->ring.sq_head < q->size &&
           q->ring.cq_tail == q->ring.sq_head && q->sq_tail < q->size &&
           q->ring.phase <= 1;
}

/* What the guest sees of the device's capabilities, as migrated. */
static int zcomp_pre_save(void *opaque)
{
    ZcompPCIState *s = opaque;

    s->mig_algs = zcomp_algs(s);
    s->mig_max_ring = s->max_ring;
    s->mig_max_req = s->max_req;
    s->mig_max_sge = s->max_sge;
    s->mig_lz4hc_level = s->lz4hc_level;
    s->mig_zstd_level = s->zstd_level;
    /* Held completions signalled by the destination, at worst spuriously */
    for (uint32_t i = 0; i < s->num_queues; i++) {
        ZcompQueue *q = &s->queues[i];

        qemu_mutex_lock(&q->lock);
        if (q->irq_held) {
            q->irq_held = 0;
            qatomic_set(&q->irq_pending, true);
        }
        qemu_mutex_unlock(&q->lock);
    }
    return 0;
}

/*
 * Nothing runs while a stream loads, nor after a load that failed. A
 * version 1 stream leaves the capabilities as this device has them.
 */
static int zcomp_pre_load(void *opaque)
{
    ZcompPCIState *s = opaque;

    zcomp_reset_state(s);
    s->mig_histograms = false;  /* until their subsection comes */
    return zcomp_pre_save(s);
}

static bool zcomp_cap_matches(const char *prop, uint32_t src, uint32_t here)
{
    if (src != here) {
        error_report("zcomp-pci: migration: the source has %s=%u, this "
                     "device %u: start it with the source's properties",
                     prop, src, here);
        return false;
    }
    return true;
}

static bool zcomp_flag_matches(const char *prop, bool src, bool here)
{
    if (src != here) {
        error_report("zcomp-pci: migration: the source has %s=%s, this "
                     "device %s: start it with the source's properties",
                     prop, src ? "on" : "off", here ? "on" : "off");
        return false;
    }
    return true;
}

static bool zcomp_alg_matches(const char *prop, uint32_t src_algs,
                              uint32_t algs, int alg)
{
    return zcomp_flag_matches(prop, src_algs & (1u << alg),
                              algs & (1u << alg));
}

/*
 * The destination must offer what the source did, or a running driver
 * would see its device change under it.
 */
static bool zcomp_caps_match(ZcompPCIState *s)
{
    uint32_t algs = zcomp_algs(s);

    return zcomp_alg_matches("lzo-rle", s->mig_algs, algs,
                             ZCOMP_ALG_LZORLE) &&
           zcomp_flag_matches("histograms", s->mig_histograms,
                              s->histograms) &&
           zcomp_alg_matches("zstd", s->mig_algs, algs, ZCOMP_ALG_ZSTD) &&
           zcomp_cap_matches("algorithms (CAP_ALGS)", s->mig_algs, algs) &&
           zcomp_cap_matches("ring-size", s->mig_max_ring, s->max_ring) &&
           zcomp_cap_matches("max-request", s->mig_max_req, s->max_req) &&
           zcomp_cap_matches("max-sge", s->mig_max_sge, s->max_sge) &&
           zcomp_cap_matches("lz4hc-level", s->mig_lz4hc_level,
                             s->lz4hc_level) &&
           zcomp_cap_matches("zstd-level", s->mig_zstd_level,
                             s->zstd_level);
}

static int zcomp_post_load(void *opaque, int version_id)
{
    ZcompPCIState *s = opaque;
    uint32_t fatal_queue = s->fatal_info >> 16;
    uint32_t fatal_reason = s->fatal_info & 0xffff;

    if (version_id < 2) {
        s->mig_histograms = s->histograms;      /* no capabilities sent */
    }
    if (!zcomp_caps_match(s)) {
        return -EINVAL;
    }
    if (s->ctrl & ~ZCOMP_CTRL_ENABLE) {
        return -EINVAL;
    }
    /* the PCI state, loaded before ours, has set the bus master region */
    qatomic_set(&s->bm_ready, PCI_DEVICE(s)->config[PCI_COMMAND] &
                              PCI_COMMAND_MASTER);
    /* FATAL and its reason come together, or neither. */
    if (s->fatal != !!s->fatal_info ||
        (s->fatal && (fatal_queue >= s->num_queues ||
                      (fatal_reason != ZCOMP_FATAL_SQ_READ &&
                       fatal_reason != ZCOMP_FATAL_CQ_WRITE)))) {
        return -EINVAL;
    }
    for (uint32_t i = 0; i < s->num_queues; i++) {
        if (!zcomp_queue_state_valid(s, &s->queues[i])) {
            return -EINVAL;
        }
    }
    if (!s->dma_listening) {
        zcomp_dma_listen(s);
    }
    for (uint32_t i = 0; i < s->num_queues; i++) {
        ZcompQueue *q = &s->queues[i];
        bool on = q->ctrl & ZCOMP_QCTRL_ENABLE;

        qemu_mutex_lock(&q->lock);
        zcomp_unmap_rings(q);       /* mapped again on first use */
        q->ring.size = on ? q->size : 0;
        qatomic_set(&q->enabled, on);
        qemu_mutex_unlock(&q->lock);
        if (!on || !(q->ctrl & ZCOMP_QCTRL_IRQ)) {
            q->irq_pending = false;
        }
        if (q->irq_pending) {
            qemu_bh_schedule(s->irq_bh);
        }
    }
    return 0;
}

static const VMStateDescription vmstate_zcomp_queue = {
    .name = "zcomp-pci/queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(sq_base, ZcompQueue),
        VMSTATE_UINT64(cq_base, ZcompQueue),
        VMSTATE_UINT32(size, ZcompQueue),
        VMSTATE_UINT32(vector, ZcompQueue),
        VMSTATE_UINT32(ctrl, ZcompQueue),
        VMSTATE_UINT32(status, ZcompQueue),
        VMSTATE_UINT32(sq_tail, ZcompQueue),
        VMSTATE_UINT32(ring.sq_head, ZcompQueue),
        VMSTATE_UINT32(ring.cq_tail, ZcompQueue),
        VMSTATE_UINT8(ring.phase, ZcompQueue),
        VMSTATE_BOOL(irq_pending, ZcompQueue),
        VMSTATE_UINT64(stats.requests, ZcompQueue),
        VMSTATE_UINT64(stats.bytes_in, ZcompQueue),
        VMSTATE_UINT64(stats.bytes_out, ZcompQueue),
        VMSTATE_UINT64(stats.compress, ZcompQueue),
        VMSTATE_UINT64(stats.decompress, ZcompQueue),
        VMSTATE_UINT64(stats.errors, ZcompQueue),
        VMSTATE_UINT64_ARRAY(stats.by_status, ZcompQueue, ZCOMP_ST_MAX + 1),
        VMSTATE_END_OF_LIST()
    },
};

static bool zcomp_hist_needed(void *opaque)
{
    ZcompPCIState *s = opaque;

    return s->histograms;
}

static int zcomp_hist_post_load(void *opaque, int version_id)
{
    ZcompPCIState *s = opaque;

    s->mig_histograms = true;
    return 0;
}

/*
 * Sent by a device with histograms (ABI 1.2): that it has them (checked
 * against this device in zcomp_post_load, like the other capabilities),
 * and the selection, so that a guest reading the window across the
 * switch-over reads what it chose. Any selection is safe: the window
 * checks it at each read. The histograms themselves stay behind: they
 * measure this host's time, and start again from zero on the destination.
 */
static const VMStateDescription vmstate_zcomp_hist = {
    .name = "zcomp-pci/histograms",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = zcomp_hist_needed,
    .post_load = zcomp_hist_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(hist_sel, ZcompPCIState),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Version 2 added the capabilities. A version 1 stream (an older zcomp)
 * carries none: it is taken as offering what this device does.
 */
static const VMStateDescription vmstate_zcomp = {
    .name = TYPE_ZCOMP_PCI,
    .version_id = 2,
    .minimum_version_id = 1,
    .pre_save = zcomp_pre_save,
    .pre_load = zcomp_pre_load,
    .post_load = zcomp_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, ZcompPCIState),
        VMSTATE_MSIX(parent_obj, ZcompPCIState),
        VMSTATE_UINT32_EQUAL(num_queues, ZcompPCIState, NULL),
        VMSTATE_UINT32_V(mig_algs, ZcompPCIState, 2),
        VMSTATE_UINT32_V(mig_max_ring, ZcompPCIState, 2),
        VMSTATE_UINT32_V(mig_max_req, ZcompPCIState, 2),
        VMSTATE_UINT32_V(mig_max_sge, ZcompPCIState, 2),
        VMSTATE_UINT8_V(mig_lz4hc_level, ZcompPCIState, 2),
        VMSTATE_UINT8_V(mig_zstd_level, ZcompPCIState, 2),
        VMSTATE_UINT32(ctrl, ZcompPCIState),
        VMSTATE_BOOL(fatal, ZcompPCIState),
        VMSTATE_UINT32(fatal_info, ZcompPCIState),
        VMSTATE_UINT64(fault_count, ZcompPCIState),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT32(queues, ZcompPCIState,
                                             num_queues, vmstate_zcomp_queue,
                                             ZcompQueue),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_zcomp_hist,
        NULL
    },
};

/* ---- realize / exit ---- */

static ZcompCore *zcomp_core_new(ZcompPCIState *s)
{
    ZcompCore *c = g_new0(ZcompCore, 1);

    c->refs = 1;
    c->num_queues = s->num_queues;
    c->num_workers = s->num_workers;
    c->limits = (ZcLimits) {
        .max_req = s->max_req,
        .max_sge = s->max_sge,
        .lz4hc_level = s->lz4hc_level,
        .zstd_level = s->zstd_level,
        .algs = zcomp_algs(s),
    };
    c->histograms = s->histograms;
    c->timed = s->latency_ns || s->engine_bps;
    c->latency_ns = s->latency_ns;
    c->engine_bps = s->engine_bps;
    c->engines = s->engines;
    qemu_mutex_init(&c->engine_lock);
    c->engine_free = g_new0(int64_t, c->engines);
    c->queues = g_new0(ZcompQueue, c->num_queues);
    c->workers = g_new0(ZcompWorker, c->num_workers);
    for (uint32_t i = 0; i < c->num_workers; i++) {
        c->workers[i].core = c;
        c->workers[i].index = i;
        qemu_event_init(&c->workers[i].kick, false);
    }
    for (uint32_t i = 0; i < c->num_queues; i++) {
        ZcompQueue *q = &c->queues[i];

        q->dev = s;
        q->core = c;
        q->index = i;
        q->worker = &c->workers[i % c->num_workers];
        if (s->histograms || c->timed) {
            q->db_ns = g_new0(int64_t, s->max_ring);
        }
        qemu_mutex_init(&q->lock);
    }
    for (uint32_t i = 0; i < c->num_queues; i++) {
        c->queues[i].scratch = zc_scratch_new(s->max_req);
        if (!c->queues[i].scratch) {
            zcomp_core_free(c);
            return NULL;
        }
    }
    return c;
}

static void zcomp_remove_bar_regions(ZcompPCIState *s)
{
    memory_region_del_subregion(&s->bar0, &s->regs);
    memory_region_del_subregion(&s->bar0, &s->doorbells);
}

/* The properties, before anything is made of them. */
static bool zcomp_check_params(ZcompPCIState *s, Error **errp)
{
    if (s->num_queues < 1 || s->num_queues > ZCOMP_MAX_QUEUES) {
        error_setg(errp, "zcomp-pci: queues must be 1..%d", ZCOMP_MAX_QUEUES);
        return false;
    }
    if (s->num_workers < 1 || s->num_workers > s->num_queues) {
        error_setg(errp, "zcomp-pci: workers must be 1..queues (%u)",
                   s->num_queues);
        return false;
    }
    if (s->max_ring < 2 || s->max_ring > ZCOMP_RING_LIMIT ||
        !is_power_of_2(s->max_ring)) {
        error_setg(errp, "zcomp-pci: ring-size must be a power of two, "
                   "2..%d", ZCOMP_RING_LIMIT);
        return false;
    }
    if (s->max_req < 4 * KiB || s->max_req > 1 * MiB) {
        error_setg(errp, "zcomp-pci: max-request must be 4 KiB..1 MiB");
        return false;
    }
    if (s->max_sge < 1 || s->max_sge > 4096) {
        error_setg(errp, "zcomp-pci: max-sge must be 1..4096");
        return false;
    }
    if (s->lz4hc_level < ZCOMP_LZ4HC_MIN_LEVEL ||
        s->lz4hc_level > ZCOMP_LZ4HC_MAX_LEVEL) {
        error_setg(errp, "zcomp-pci: lz4hc-level must be %d..%d",
                   ZCOMP_LZ4HC_MIN_LEVEL, ZCOMP_LZ4HC_MAX_LEVEL);
        return false;
    }
    if (s->zstd_level < ZCOMP_ZSTD_MIN_LEVEL ||
        s->zstd_level > ZCOMP_ZSTD_MAX_LEVEL) {
        error_setg(errp, "zcomp-pci: zstd-level must be %d..%d",
                   ZCOMP_ZSTD_MIN_LEVEL, ZCOMP_ZSTD_MAX_LEVEL);
        return false;
    }
    if (s->fault_status < 1 || s->fault_status > ZCOMP_ST_MAX) {
        error_setg(errp, "zcomp-pci: fault-status must be 1..%d",
                   ZCOMP_ST_MAX);
        return false;
    }
    if (s->latency_ns > ZCOMP_LATENCY_MAX_NS) {
        error_setg(errp, "zcomp-pci: latency-ns must be 0..%" PRId64,
                   (int64_t)ZCOMP_LATENCY_MAX_NS);
        return false;
    }
    if (s->engine_bps && (s->engine_bps < ZCOMP_ENGINE_BPS_MIN ||
                          s->engine_bps > ZCOMP_ENGINE_BPS_MAX)) {
        error_setg(errp, "zcomp-pci: engine-bps must be 0 or %d..10^15 "
                   "(bytes per second)", ZCOMP_ENGINE_BPS_MIN);
        return false;
    }
    if (s->engines > ZCOMP_ENGINES_MAX) {
        error_setg(errp, "zcomp-pci: engines must be 0..%d",
                   ZCOMP_ENGINES_MAX);
        return false;
    }
    if (s->engines && !s->latency_ns && !s->engine_bps) {
        error_setg(errp, "zcomp-pci: engines needs latency-ns or engine-bps "
                   "(it counts the engines of the timing model)");
        return false;
    }
    if (s->irq_coalesce_us > ZCOMP_IRQ_HOLD_MAX_US) {
        error_setg(errp, "zcomp-pci: irq-coalesce-us must be 0..%d",
                   ZCOMP_IRQ_HOLD_MAX_US);
        return false;
    }
    return true;
}

static void zcomp_realize(PCIDevice *pdev, Error **errp)
{
    ZcompPCIState *s = ZCOMP_PCI(pdev);
    uint32_t i;

    if (!zcomp_check_params(s, errp)) {
        return;
    }
    s->core = zcomp_core_new(s);
    if (!s->core) {
        error_setg(errp, "zcomp-pci: out of memory for queue buffers");
        return;
    }
    s->queues = s->core->queues;

    memory_region_init(&s->bar0, OBJECT(s), "zcomp-bar0", ZCOMP_BAR0_SIZE);
    memory_region_init_io(&s->regs, OBJECT(s), &zcomp_regs_ops, s,
                          "zcomp-regs", ZCOMP_DB_OFFSET);
    memory_region_init_io(&s->doorbells, OBJECT(s), &zcomp_doorbell_ops, s,
                          "zcomp-doorbells", ZCOMP_BAR0_SIZE - ZCOMP_DB_OFFSET);
    /*
     * A SYNC doorbell drops the BQL while it runs requests; the per-device
     * re-entrancy flag would then block other vCPUs' register accesses.
     * zcomp_in_request is the per-thread guard instead.
     */
    s->doorbells.disable_reentrancy_guard = true;
    memory_region_add_subregion(&s->bar0, 0, &s->regs);
    memory_region_add_subregion(&s->bar0, ZCOMP_DB_OFFSET, &s->doorbells);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);

    if (msix_init_exclusive_bar(pdev, s->num_queues, ZCOMP_MSIX_BAR, errp)) {
        goto fail;
    }
    for (i = 0; i < s->num_queues; i++) {
        msix_vector_use(pdev, i);
    }
    if (msi_init(pdev, 0, 1, true, false, errp)) {
        msix_unuse_all_vectors(pdev);
        msix_uninit_exclusive_bar(pdev);
        goto fail;
    }

    s->irq_bh = qemu_bh_new_guarded(zcomp_irq_bh, s,
                                    &DEVICE(s)->mem_reentrancy_guard);
    s->irq_timers = g_new0(QEMUTimer *, s->num_queues);
    for (i = 0; i < s->num_queues; i++) {
        s->irq_timers[i] = timer_new_ns(QEMU_CLOCK_VIRTUAL, zcomp_irq_timer,
                                        &s->queues[i]);
    }
    /* Suspended (S3) is live: the wakeup sends no VM state change. */
    s->paused = !runstate_is_live(runstate_get());
    for (i = 0; i < s->num_workers; i++) {
        ZcompWorker *w = &s->core->workers[i];
        g_autofree char *name = g_strdup_printf("zcomp-worker-%u", i);

        /* Detached: unplug does not wait for a codec to finish. */
        zcomp_core_ref(s->core);
        qemu_thread_create(&w->thread, name, zcomp_worker_thread, w,
                           QEMU_THREAD_DETACHED);
    }
    s->vmstate_entry = qdev_add_vm_change_state_handler(DEVICE(s),
                                                        zcomp_vm_state_change,
                                                        s);
    return;

fail:
    zcomp_remove_bar_regions(s);
    zcomp_core_unref(s->core);
}

static void zcomp_exit(PCIDevice *pdev)
{
    ZcompPCIState *s = ZCOMP_PCI(pdev);

    qemu_del_vm_change_state_handler(s->vmstate_entry);
    zcomp_dma_unlisten(s);
    /*
     * Every queue disabled, nothing running but codecs whose results are
     * dropped: from here on no thread looks at the device. Those threads
     * (workers, SYNC doorbells) hold the core until they are done.
     */
    zcomp_reset_state(s);
    for (uint32_t i = 0; i < s->num_workers; i++) {
        qatomic_set(&s->core->workers[i].exit, true);
        qemu_event_set(&s->core->workers[i].kick);
    }
    for (uint32_t i = 0; i < s->num_queues; i++) {
        timer_free(s->irq_timers[i]);
    }
    g_free(s->irq_timers);
    s->irq_timers = NULL;
    zcomp_core_unref(s->core);
    s->core = NULL;
    s->queues = NULL;
    qemu_bh_delete(s->irq_bh);
    msi_uninit(pdev);
    msix_unuse_all_vectors(pdev);
    msix_uninit_exclusive_bar(pdev);
    /*
     * bar0 holds references to its subregions, whose owner is the device:
     * without this the device is never finalized (no DEVICE_DELETED).
     */
    zcomp_remove_bar_regions(s);
}

static const Property zcomp_properties[] = {
    DEFINE_PROP_UINT32("queues", ZcompPCIState, num_queues, 4),
    DEFINE_PROP_UINT32("workers", ZcompPCIState, num_workers, 2),
    DEFINE_PROP_UINT32("ring-size", ZcompPCIState, max_ring, 1024),
    DEFINE_PROP_UINT32("max-request", ZcompPCIState, max_req, 64 * KiB),
    DEFINE_PROP_UINT32("max-sge", ZcompPCIState, max_sge, 256),
    DEFINE_PROP_UINT8("lz4hc-level", ZcompPCIState, lz4hc_level, 9),
    DEFINE_PROP_UINT8("zstd-level", ZcompPCIState, zstd_level,
                      ZCOMP_ZSTD_DEFAULT_LEVEL),
    /* Off: the algorithms of ABI 1.0 only, as an older device. */
    DEFINE_PROP_BOOL("lzo-rle", ZcompPCIState, lzorle, true),
    DEFINE_PROP_BOOL("zstd", ZcompPCIState, zstd, true),
    DEFINE_PROP_UINT32("fault-every", ZcompPCIState, fault_every, 0),
    DEFINE_PROP_UINT32("irq-coalesce", ZcompPCIState, irq_coalesce, 32),
    DEFINE_PROP_UINT32("irq-coalesce-us", ZcompPCIState, irq_coalesce_us,
                       1000),
    DEFINE_PROP_UINT8("fault-status", ZcompPCIState, fault_status,
                      ZCOMP_ST_DEVICE_ERROR),
    /* Off: no time histograms, as a device of ABI 1.1. */
    DEFINE_PROP_BOOL("histograms", ZcompPCIState, histograms, true),
    /* The timing model: all 0, the device runs at the host's speed. */
    DEFINE_PROP_UINT32("latency-ns", ZcompPCIState, latency_ns, 0),
    DEFINE_PROP_UINT64("engine-bps", ZcompPCIState, engine_bps, 0),
    DEFINE_PROP_UINT32("engines", ZcompPCIState, engines, 0),
};

/*
 * @q's histogram of ZCOMP_ALG_* @alg, opcode @op + 1 and kind @k,
 * appended to @list as {queue, alg, op, kind, count, sum-ns, buckets} if
 * it counted something.
 */
static void zcomp_hist_append(QList *list, ZcompQueue *q, int alg, int op,
                              int k)
{
    static const char *const ops[] = { "compress", "decompress" };
    static const char *const kinds[ZCOMP_HIST_KINDS] = {
        [ZCOMP_HIST_LATENCY] = "latency", [ZCOMP_HIST_CODEC] = "codec",
    };
    const ZcHist *h = &q->hists.h[alg][op][k];
    uint64_t count = qatomic_read(&h->count);
    QList *buckets;
    QDict *d;

    if (!count) {
        return;
    }
    buckets = qlist_new();
    for (int b = 0; b < ZCOMP_HIST_BUCKETS; b++) {
        qlist_append(buckets, qnum_from_uint(qatomic_read(&h->bucket[b])));
    }
    d = qdict_new();
    qdict_put_int(d, "queue", q->index);
    qdict_put_str(d, "alg", zc_alg_name(alg));
    qdict_put_str(d, "op", ops[op]);
    qdict_put_str(d, "kind", kinds[k]);
    qdict_put(d, "count", qnum_from_uint(count));
    qdict_put(d, "sum-ns", qnum_from_uint(qatomic_read(&h->sum_ns)));
    qdict_put(d, "buckets", buckets);
    qlist_append(list, d);
}

/*
 * qom-get of "time-histograms": every histogram that counted something,
 * per queue, algorithm, opcode and kind (zcomp_hist_append).
 */
static void zcomp_get_histograms(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    const int per_queue = ZCOMP_ALG_COUNT * 2 * ZCOMP_HIST_KINDS;
    ZcompPCIState *s = ZCOMP_PCI(obj);
    QList *list = qlist_new();
    QObject *o;

    for (uint32_t i = 0; s->histograms && s->queues &&
                         i < s->num_queues * per_queue; i++) {
        zcomp_hist_append(list, &s->queues[i / per_queue],
                          i / (2 * ZCOMP_HIST_KINDS) % ZCOMP_ALG_COUNT,
                          i / ZCOMP_HIST_KINDS % 2, i % ZCOMP_HIST_KINDS);
    }
    o = QOBJECT(list);
    visit_type_any(v, name, &o, errp);
    qobject_unref(o);
}

static void zcomp_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = zcomp_realize;
    k->exit = zcomp_exit;
    k->config_write = zcomp_config_write;
    k->vendor_id = ZCOMP_PCI_VENDOR_ID;
    k->device_id = ZCOMP_PCI_DEVICE_ID;
    k->revision = ZCOMP_PCI_REVISION;
    k->class_id = ZCOMP_PCI_CLASS;
    dc->desc = "zcomp compression accelerator "
               "(lz4, lz4hc, lzo, lzo-rle, zstd)";
    dc->vmsd = &vmstate_zcomp;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, zcomp_properties);
    object_class_property_add(klass, "time-histograms", "any",
                              zcomp_get_histograms, NULL, NULL, NULL);
    object_class_property_set_description(klass, "time-histograms",
        "per queue, algorithm and opcode: doorbell-to-completion and codec "
        "times of the requests (log2 buckets in ns)");
    device_class_set_legacy_reset(dc, zcomp_qdev_reset);
}

static const TypeInfo zcomp_types[] = {
    {
        .name = TYPE_ZCOMP_PCI,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(ZcompPCIState),
        .class_init = zcomp_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { },
        },
    },
};

DEFINE_TYPES(zcomp_types)
