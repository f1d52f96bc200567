/*
 * zcomp-pci fuzz target: the whole device through its glue, past the
 * registers: queues set up, descriptors, SG lists and buffers in guest RAM,
 * doorbells, register writes, resets, bus-master flips and queue disables,
 * in worker and SYNC modes (qtest stores come from the main loop, so SYNC
 * queues fall back to their worker here, as documented); doorbells with
 * bus mastering toggled while the requests run.
 *
 * zcomp-pci-iommu-fuzz: the same behind intel-iommu, whose page tables
 * (identity for the fuzzed RAM at the start of each input) the input
 * also changes: pages unmapped, moved, made read-only, invalidated or
 * not, translation turned off and on, while requests run.
 *
 * Built into qemu-fuzz-x86_64 (scripts/setup/build-qemu-fuzz.sh); run by
 * scripts/tools/fuzz-device.sh. Linked into QEMU's tree as
 * tests/qtest/fuzz/zcomp_fuzz.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"

#include "tests/qtest/libqtest.h"
#include "tests/qtest/libqos/pci.h"
#include "tests/qtest/libqos/pci-pc.h"
#include "tests/qtest/libqos/zcomp.h"
#include "hw/pci/pci_regs.h"
#include "qemu/bswap.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "fuzz.h"
#include "zcomp-abi.h"
#include "tests/qtest/zcomp-vtd.h"

#define SLOT            4
#define QUEUES          2
#define RING_MAX        16
#define MAX_REQ         8192
#define SQ_BASE(q)      (0x100000ull + (q) * 0x10000ull)
#define CQ_BASE(q)      (0x200000ull + (q) * 0x10000ull)
#define BUF_BASE        0x300000ull     /* 8 buffers of MAX_REQ */
#define BUF(i)          (BUF_BASE + (i) * (uint64_t)MAX_REQ)
#define SGL_BASE        0x400000ull     /* 4 lists of 16 entries */
#define SGL(i)          (SGL_BASE + (i) * 0x100ull)
#define NOT_RAM         0x4000000000ull
/* How long an action waits for the worker to catch up with a doorbell. */
#define SETTLE_US       2000

static QZcomp zc;
static uint64_t bar_addr;

/* Input: a sequence of actions, each an opcode byte and a fixed payload. */
enum {
    OP_QUEUE_SETUP,     /* q, size code, ctrl bits, base choice */
    OP_SQE,             /* q, slot, 64 bytes of entry, addressing hints */
    OP_DOORBELL,        /* q, tail */
    OP_DATA,            /* buffer, offset, 16 bytes */
    OP_SGE,             /* list, slot, buffer, offset, len */
    OP_REG_WRITE,       /* offset, value, width */
    OP_REG_READ,        /* offset, width */
    OP_CTRL,            /* device enable / reset */
    OP_BUS_MASTER,      /* on or off */
    OP_QUEUE_DISABLE,   /* q */
    OP_COMPRESS_INTO,   /* a valid stream in a buffer, to decompress later */
    OP_RACE,            /* doorbell, then bus mastering off and on at once */
    OP_IOMMU,           /* a change to the IOMMU's tables or state */
    OP_COUNT
};

/* intel-iommu (zcomp-pci-iommu-fuzz only): 39-bit, 3-level tables. */
#define PT_BASE         0x800000ull     /* root, context, L3, L2, 4 x L1 */
#define PT_PAGES        8
#define PT_L1           (PT_BASE + 4 * 4096)
#define MAPPED_BASE     0x000000ull     /* identity: the first 8 MiB */
#define MAPPED_PAGES    2048

static bool with_iommu;

typedef struct Input {
    const uint8_t *p;
    size_t left;
} Input;

static bool take(Input *in, void *buf, size_t n)
{
    if (in->left < n) {
        return false;
    }
    memcpy(buf, in->p, n);
    in->p += n;
    in->left -= n;
    return true;
}

/*
 * Let the worker run what a doorbell started: a bounded wait, and none
 * when nothing can run.
 */
static void settle(int q)
{
    int64_t end = g_get_monotonic_time() + SETTLE_US;
    uint32_t reg = ZCOMP_QREG(q);

    if (qzcomp_readl(&zc, ZCOMP_REG_STATUS) != ZCOMP_STS_READY ||
        !(qzcomp_queue_status(&zc, q) & ZCOMP_QSTS_ENABLED)) {
        return;
    }
    while (qzcomp_readl(&zc, reg + ZCOMP_QREG_SQ_HEAD) !=
           qzcomp_readl(&zc, reg + ZCOMP_QREG_SQ_TAIL) &&
           g_get_monotonic_time() < end) {
        /* Without the BQL: behind an IOMMU the worker translates with it. */
        bql_unlock();
        g_usleep(10);
        bql_lock();
    }
}

static uint64_t pick_addr(uint8_t hint, uint64_t raw)
{
    switch (hint % 8) {
    case 0 ... 4:
        return BUF(hint % 8 + (hint >> 4) % 4);
    case 5:
        return SGL(hint >> 6);
    case 6:
        return NOT_RAM;
    default:
        return raw;
    }
}

/* The leaf entries of the identity map, as each input starts with. */
static void vtd_identity(void)
{
    static uint64_t pte[MAPPED_PAGES];

    for (int i = 0; i < MAPPED_PAGES; i++) {
        pte[i] = cpu_to_le64((MAPPED_BASE + i * 4096ull) | 3);
    }
    qtest_memwrite(zc.qts, PT_L1, pte, sizeof(pte));
}

/* Root, context and page tables for the device; translation on. */
static void vtd_setup(void)
{
    static const uint8_t zero[4096];

    for (int i = 0; i < PT_PAGES; i++) {
        qtest_memwrite(zc.qts, PT_BASE + i * 4096ull, zero, sizeof(zero));
    }
    qtest_writeq(zc.qts, PT_BASE + 2 * 4096, (PT_BASE + 3 * 4096) | 3);
    for (int i = 0; i < MAPPED_PAGES / 512; i++) {
        qtest_writeq(zc.qts, PT_BASE + 3 * 4096 + i * 8,
                     (PT_L1 + i * 4096ull) | 3);
    }
    vtd_identity();
    vtd_root(zc.qts, PT_BASE, QPCI_DEVFN(SLOT, 0), PT_BASE + 2 * 4096);
    vtd_enable(zc.qts);
}

static void act_iommu(uint8_t a, uint8_t b, uint32_t v)
{
    uint32_t page = v % MAPPED_PAGES, other = (v >> 11) % MAPPED_PAGES;
    uint64_t at = PT_L1 + page * 8ull, iova = MAPPED_BASE + page * 4096ull;

    switch (a % 8) {
    case 0:     /* unmap */
        qtest_writeq(zc.qts, at, 0);
        break;
    case 1:     /* moved to another page */
        qtest_writeq(zc.qts, at, (MAPPED_BASE + other * 4096ull) | 3);
        break;
    case 2:     /* read-only, or write-only */
        qtest_writeq(zc.qts, at, iova | (b & 1 ? 1 : 2));
        break;
    case 3:     /* back to identity */
        qtest_writeq(zc.qts, at, iova | 3);
        break;
    case 4:
        vtd_inval(zc.qts, VTD_INVAL_PAGE, iova);
        return;
    case 5:
        vtd_inval(zc.qts, b & 1 ? VTD_INVAL_GLOBAL : VTD_INVAL_DOMAIN, 0);
        return;
    case 6:
        vtd_te(zc.qts, b & 1);
        return;
    default:    /* a 2 MiB page over the first half */
        qtest_writeq(zc.qts, PT_BASE + 3 * 4096, MAPPED_BASE | 0x83);
        break;
    }
    /* Changed tables: invalidated at once, or left for a later action. */
    if (b & 2) {
        vtd_inval(zc.qts, VTD_INVAL_PAGE, iova);
    }
}

static void act(Input *in, uint8_t op)
{
    struct {
        uint8_t q, a, b, c;
        uint32_t v;
    } hdr;
    struct zcomp_sqe sqe;
    uint8_t data[16];

    switch (op % OP_COUNT) {
    case OP_QUEUE_SETUP:
        if (take(in, &hdr, sizeof(hdr))) {
            uint32_t q = hdr.q % QUEUES;
            uint32_t size = hdr.a & 0x80 ? hdr.v : 2u << (hdr.a % 4);

            /* Its CQ zeroed, then disabled, set up as the input says. */
            qzcomp_queue_init(&zc, q, SQ_BASE(q), CQ_BASE(q), RING_MAX);
            qzcomp_writel(&zc, ZCOMP_QREG(q) + ZCOMP_QREG_CTRL, 0);
            qzcomp_queue_enable(&zc, q, hdr.c & 1 ? NOT_RAM : SQ_BASE(q),
                                hdr.c & 2 ? NOT_RAM + 64 :
                                CQ_BASE(q) + (hdr.c & 4),
                                size, hdr.c >> 4, hdr.b & 0x0e);
        }
        break;
    case OP_SQE:
        if (take(in, &hdr, sizeof(hdr)) && take(in, &sqe, sizeof(sqe))) {
            uint32_t q = hdr.q % QUEUES;

            /* Mostly plausible entries: the fuzzer flips what it likes. */
            if (!(hdr.b & 0x80)) {
                sqe.opcode = 1 + sqe.opcode % 2;
                sqe.algo %= ZCOMP_ALG_COUNT;
                sqe.level = sqe.algo == ZCOMP_ALG_LZ4HC ? sqe.level % 13 : 0;
                sqe.flags &= ZCOMP_SQE_F_MASK;
                sqe.src_len = 1 + sqe.src_len % MAX_REQ;
                sqe.dst_cap = 1 + sqe.dst_cap % MAX_REQ;
                sqe.src_nsge = sqe.flags & ZCOMP_SQE_F_SRC_SGL ?
                               1 + sqe.src_nsge % 16 : 0;
                sqe.dst_nsge = sqe.flags & ZCOMP_SQE_F_DST_SGL ?
                               1 + sqe.dst_nsge % 16 : 0;
                memset(sqe.rsvd, 0, sizeof(sqe.rsvd));
                sqe.src_addr = sqe.flags & ZCOMP_SQE_F_SRC_SGL ?
                               SGL(hdr.c % 4) : pick_addr(hdr.c, sqe.src_addr);
                sqe.dst_addr = sqe.flags & ZCOMP_SQE_F_DST_SGL ?
                               SGL((hdr.c >> 2) % 4) :
                               pick_addr(hdr.c >> 3, sqe.dst_addr);
            }
            qzcomp_put_sqe(&zc, q, hdr.a % RING_MAX, &sqe);
        }
        break;
    case OP_DOORBELL:
        if (take(in, &hdr, sizeof(hdr))) {
            uint32_t q = hdr.q % QUEUES;

            qzcomp_doorbell(&zc, hdr.b & 0x80 ? hdr.v % 0x100 : q,
                            hdr.a & 0x80 ? hdr.v : hdr.a % RING_MAX);
            settle(q);
        }
        break;
    case OP_DATA:
        if (take(in, &hdr, sizeof(hdr)) && take(in, data, sizeof(data))) {
            qtest_memwrite(zc.qts,
                           BUF(hdr.q % 8) + hdr.v % (MAX_REQ - 16), data,
                           sizeof(data));
        }
        break;
    case OP_SGE:
        if (take(in, &hdr, sizeof(hdr))) {
            struct zcomp_sge sge = {
                .addr = cpu_to_le64(pick_addr(hdr.c, hdr.v) + hdr.b * 64),
                .len = cpu_to_le32(hdr.v % (MAX_REQ + 1)),
                .rsvd = hdr.c == 0xff,
            };

            qtest_memwrite(zc.qts, SGL(hdr.q % 4) +
                           (hdr.a % 16) * sizeof(sge), &sge, sizeof(sge));
        }
        break;
    case OP_REG_WRITE:
        if (take(in, &hdr, sizeof(hdr))) {
            uint64_t off = ((uint64_t)hdr.a << 8 | hdr.b) % ZCOMP_BAR0_SIZE;

            if (hdr.c & 1) {
                qzcomp_writeq(&zc, off & ~7ull, hdr.v);
            } else {
                qzcomp_writel(&zc, off & ~3ull, hdr.v);
            }
            settle(hdr.q % QUEUES);
        }
        break;
    case OP_REG_READ:
        if (take(in, &hdr, sizeof(hdr))) {
            uint64_t off = ((uint64_t)hdr.a << 8 | hdr.b) % ZCOMP_BAR0_SIZE;

            if (hdr.c & 1) {
                qzcomp_readq(&zc, off & ~7ull);
            } else {
                qzcomp_readl(&zc, off & ~3ull);
            }
        }
        break;
    case OP_CTRL:
        if (take(in, &hdr, sizeof(hdr))) {
            qzcomp_writel(&zc, ZCOMP_REG_CTRL, hdr.a & 3);
        }
        break;
    case OP_BUS_MASTER:
        if (take(in, &hdr, sizeof(hdr))) {
            qpci_config_writew(zc.dev, PCI_COMMAND, PCI_COMMAND_MEMORY |
                               (hdr.a & 1 ? PCI_COMMAND_MASTER : 0));
        }
        break;
    case OP_QUEUE_DISABLE:
        if (take(in, &hdr, sizeof(hdr))) {
            qzcomp_writel(&zc, ZCOMP_QREG(hdr.q % QUEUES) + ZCOMP_QREG_CTRL,
                          hdr.a & 0x0e);
        }
        break;
    case OP_COMPRESS_INTO:
        /* Queue 0 set up and enabled: compress buffer a into buffer b. */
        if (take(in, &hdr, sizeof(hdr))) {
            struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                            hdr.c % ZCOMP_ALG_COUNT,
                                            BUF(hdr.a % 8),
                                            1 + hdr.v % MAX_REQ,
                                            BUF(hdr.b % 8), MAX_REQ, 0);
            uint32_t head = qzcomp_readl(&zc,
                                         ZCOMP_QREG(0) + ZCOMP_QREG_SQ_TAIL);

            qzcomp_put_sqe(&zc, 0, head % RING_MAX, &s);
            qzcomp_doorbell(&zc, 0, (head + 1) % RING_MAX);
            settle(0);
        }
        break;
    case OP_RACE:
        if (take(in, &hdr, sizeof(hdr))) {
            uint32_t q = hdr.q % QUEUES;

            qzcomp_doorbell(&zc, q, hdr.a % RING_MAX);
            g_usleep(hdr.b % 64);
            qpci_config_writew(zc.dev, PCI_COMMAND, PCI_COMMAND_MEMORY);
            g_usleep(hdr.c % 64);
            qpci_config_writew(zc.dev, PCI_COMMAND, PCI_COMMAND_MEMORY |
                               PCI_COMMAND_MASTER);
            settle(q);
        }
        break;
    case OP_IOMMU:
        if (take(in, &hdr, sizeof(hdr)) && with_iommu) {
            act_iommu(hdr.a, hdr.b, hdr.v);
            settle(hdr.q % QUEUES);
        }
        break;
    }
}

static void zcomp_fuzz(QTestState *s, const unsigned char *data, size_t size)
{
    static unsigned inputs;
    Input in = { data, size };
    uint8_t op;

    /*
     * A known start: BAR where it was, memory and bus mastering on, the
     * device reset and enabled (reset is bounded: it waits for no codec).
     */
    qpci_config_writel(zc.dev, PCI_BASE_ADDRESS_0, (uint32_t)bar_addr | 4);
    qpci_config_writel(zc.dev, PCI_BASE_ADDRESS_1, bar_addr >> 32);
    qpci_config_writew(zc.dev, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    qzcomp_writel(&zc, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    if (with_iommu) {
        vtd_setup();
    }
    qzcomp_writel(&zc, ZCOMP_REG_CTRL, ZCOMP_CTRL_ENABLE);
    while (take(&in, &op, 1)) {
        act(&in, op);
    }
    flush_events(s);
    /*
     * Every bus-master flip and IOMMU switch makes new flat views, freed
     * by RCU callbacks that need the BQL, which this thread holds but
     * for short breaks: free them every 64 inputs (a drain takes tens of
     * ms), or memory grows with every input.
     */
    if (!(++inputs % 64)) {
        drain_call_rcu();
    }
}

static void zcomp_pre_fuzz(QTestState *s)
{
    qzcomp_init(&zc, qpci_new_pc(s, NULL), QPCI_DEVFN(SLOT, 0), true);
    bar_addr = zc.bar.addr;
    /* Where OP_SQE puts entries before any OP_QUEUE_SETUP. */
    for (int q = 0; q < QUEUES; q++) {
        qzcomp_queue_init(&zc, q, SQ_BASE(q), CQ_BASE(q), RING_MAX);
    }
}

#define ZCOMP_FUZZ_DEVICE "-device zcomp-pci,addr=04.0,queues=2,workers=1," \
                          "ring-size=16,max-request=8192,max-sge=16," \
                          "fault-every=61"

static GString *zcomp_argv(FuzzTarget *t)
{
    return g_string_new(TARGET_NAME " -machine q35,accel=qtest -m 64 "
                        "-nodefaults -display none " ZCOMP_FUZZ_DEVICE);
}

static GString *zcomp_iommu_argv(FuzzTarget *t)
{
    with_iommu = true;
    return g_string_new(TARGET_NAME " -machine q35,accel=qtest -m 64 "
                        "-nodefaults -display none "
                        "-device intel-iommu,aw-bits=39 " ZCOMP_FUZZ_DEVICE);
}

static void register_zcomp_fuzz_targets(void)
{
    fuzz_add_target(&(FuzzTarget){
        .name = "zcomp-pci-fuzz",
        .description = "Fuzz zcomp-pci past its registers: queues, "
                       "descriptors, SG lists, buffers, doorbells, resets, "
                       "bus mastering and queue disables",
        .get_init_cmdline = zcomp_argv,
        .pre_fuzz = zcomp_pre_fuzz,
        .fuzz = zcomp_fuzz,
    });
    fuzz_add_target(&(FuzzTarget){
        .name = "zcomp-pci-iommu-fuzz",
        .description = "Fuzz zcomp-pci behind intel-iommu, changing its "
                       "page tables and state while requests run",
        .get_init_cmdline = zcomp_iommu_argv,
        .pre_fuzz = zcomp_pre_fuzz,
        .fuzz = zcomp_fuzz,
    });
}

fuzz_target_init(register_zcomp_fuzz_targets);
