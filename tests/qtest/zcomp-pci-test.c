/*
 * QTest of the zcomp-pci compression accelerator.
 *
 * Drives the device as a guest driver would: queues in guest RAM,
 * doorbells, completions polled by phase bit or signalled by MSI-X.
 *
 * Environment: ZCOMP_TEST_DATA (the repository's tests/data) and
 * ZCOMP_CORPUS (unpacked shared corpus) are required.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "libqos/zcomp.h"
#include "hw/pci/pci_regs.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "zcomp-abi.h"
#include "zcomp-sync-guest.h"
#include "zcomp-vtd.h"

#define SLOT            4
#define RAM_MB          512
#define SQ_BASE(q)      (0x01000000ull + (q) * 0x100000ull)
#define CQ_BASE(q)      (0x02000000ull + (q) * 0x100000ull)
#define SRC_BUF         0x04000000ull
#define DST_BUF         0x05000000ull
#define OUT_BUF         0x06000000ull
#define SGL_BUF         0x07000000ull
#define MSI_ADDR(q)     (0x08000000ull + (q) * 0x100ull)
#define NOT_RAM         0x4000000000ull     /* nothing mapped there */
#define WAIT_US         (20 * G_USEC_PER_SEC)

static const uint8_t algos[] = { ZCOMP_ALG_LZ4, ZCOMP_ALG_LZ4HC,
                                 ZCOMP_ALG_LZO, ZCOMP_ALG_LZORLE,
                                 ZCOMP_ALG_ZSTD };

/* Find the device of @z's VM at SLOT, @enable it, map BAR0. */
static void zc_attach(QZcomp *z, bool enable)
{
    qzcomp_init(z, qpci_new_pc(z->qts, NULL), QPCI_DEVFN(SLOT, 0), enable);
}

/* A VM with the device (@props) and, before it, the devices of @args. */
static QZcomp *zc_start_args(const char *args, const char *machine,
                             const char *props)
{
    QZcomp *z = g_new0(QZcomp, 1);

    z->qts = qtest_initf("-machine %s -m %d -nodefaults %s "
                         "-device zcomp-pci,addr=%02x.0%s%s",
                         machine, RAM_MB, args, SLOT, *props ? "," : "",
                         props);
    zc_attach(z, true);
    return z;
}

static QZcomp *zc_start(const char *machine, const char *props)
{
    return zc_start_args("", machine, props);
}

/* A migration destination @d takes @z's driver-side ring state. */
static void zc_take_rings(QZcomp *d, const QZcomp *z)
{
    memcpy(d->queue, z->queue, sizeof(z->queue));
}

static void zc_stop(QZcomp *z)
{
    QPCIBus *bus = z->bus;

    qzcomp_uninit(z);
    qpci_free_pc(bus);
    qtest_quit(z->qts);
    g_free(z);
}

/*
 * Queue @q's rings at SQ_BASE(q) and CQ_BASE(q) in guest memory, the
 * device told they are at @sq and @cq; not checked.
 */
static void queue_setup_at(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                           uint32_t size, uint32_t ctrl)
{
    qzcomp_queue_init(z, q, SQ_BASE(q), CQ_BASE(q), size);
    qzcomp_queue_enable(z, q, sq, cq, size, q, ctrl);
}

static void queue_setup(QZcomp *z, int q, uint32_t size, uint32_t ctrl)
{
    qzcomp_queue_setup(z, q, SQ_BASE(q), CQ_BASE(q), size, ctrl);
    g_assert_cmphex(qzcomp_queue_status(z, q), ==, ZCOMP_QSTS_ENABLED);
}

/* Submit one request on @q and wait for it; returns its status. */
static uint8_t run1(QZcomp *z, int q, struct zcomp_sqe s, uint32_t *out_len)
{
    struct zcomp_cqe c;
    uint32_t tag = le32_to_cpu(s.tag);

    qzcomp_push(z, q, &s);
    qzcomp_kick(z, q);
    c = qzcomp_reap(z, q);
    g_assert_cmpuint(c.tag, ==, tag);
    g_assert_cmpuint(c.sq_head, ==, z->queue[q].tail);
    if (out_len) {
        *out_len = c.out_len;
    }
    return c.status;
}

static void fill(uint8_t *buf, uint32_t len, int kind, GRand *r)
{
    static const char text[] = "Lorem ipsum dolor sit amet, consectetur "
        "adipiscing elit; zcomp offloads zram. ";

    for (uint32_t i = 0; i < len; i++) {
        switch (kind) {
        case 0:
            buf[i] = 0;
            break;
        case 1:
            buf[i] = text[i % (sizeof(text) - 1)];
            break;
        case 2:
            buf[i] = (i % 8 < 2) ? (uint8_t)(i >> 6) : 0;
            break;
        case 4:
            /*
             * Two symbols at random: lz4hc-12's slowest input measured
             * (300 ms for 64 KiB, 9 s for 1 MiB on the development host).
             */
            buf[i] = g_rand_int(r) & 1;
            break;
        default:
            buf[i] = g_rand_int(r);
        }
    }
}

/* Fill @buf with @kind of content and put it at SRC_BUF in the guest. */
static void stage(QZcomp *z, uint8_t *buf, uint32_t len, int kind, GRand *r)
{
    fill(buf, len, kind, r);
    qtest_memwrite(z->qts, SRC_BUF, buf, len);
}

/* Compress @buf through the device, decompress the result, compare. */
static void roundtrip(QZcomp *z, int q, uint8_t algo, const uint8_t *buf,
                      uint32_t len)
{
    g_autofree uint8_t *back = g_malloc(len);
    uint32_t clen, dlen;

    qtest_memwrite(z->qts, SRC_BUF, buf, len);
    g_assert_cmpint(run1(z, q, qzcomp_sqe(ZCOMP_OP_COMPRESS, algo, SRC_BUF, len,
                                          DST_BUF, 65536, len), &clen),
                    ==, ZCOMP_ST_OK);
    g_assert_cmpuint(clen, >, 0);
    g_assert_cmpint(run1(z, q, qzcomp_sqe(ZCOMP_OP_DECOMPRESS, algo, DST_BUF,
                                          clen, OUT_BUF, len, ~len), &dlen),
                    ==, ZCOMP_ST_OK);
    g_assert_cmpuint(dlen, ==, len);
    qtest_memread(z->qts, OUT_BUF, back, len);
    g_assert_true(memcmp(buf, back, len) == 0);
}

/* ---- tests ---- */

static void test_ident(const void *data)
{
    QZcomp *z = zc_start(data, "queues=6,ring-size=256");

    g_assert_cmphex(qpci_config_readw(z->dev, PCI_VENDOR_ID),
                    ==, ZCOMP_PCI_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(z->dev, PCI_DEVICE_ID),
                    ==, ZCOMP_PCI_DEVICE_ID);
    g_assert_cmphex(qpci_config_readw(z->dev, PCI_CLASS_DEVICE),
                    ==, ZCOMP_PCI_CLASS);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_MAGIC), ==, ZCOMP_MAGIC);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_VERSION), ==, ZCOMP_ABI_VERSION);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_CAP_ALGS), ==, 0x1f);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_CAP_QUEUES), ==, 6);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_CAP_RING), ==, 256);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_CAP_MAX_REQ), ==, 65536);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_CAP_MAX_SGE), ==, 256);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_CAP_FLAGS), ==,
                    ZCOMP_CAP_F_SGL | ZCOMP_CAP_F_SYNC | ZCOMP_CAP_F_MSIX |
                    ZCOMP_CAP_F_HIST);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_DB_OFFSET), ==, ZCOMP_DB_OFFSET);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_DB_STRIDE), ==, ZCOMP_DB_STRIDE);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_LZ4HC_LEVEL), ==, 9);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_ZSTD_LEVEL), ==, 3);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, 0);
    qzcomp_enable(z);
    zc_stop(z);
}

/*
 * lzo-rle=off,zstd=off: the device an ABI 1.0 driver knew. It offers the
 * three first algorithms, works as before with them, and refuses the
 * others as bad descriptors; the zstd level register still reads.
 */
static void test_abi_1_0_algorithms(const void *data)
{
    QZcomp *z = zc_start("pc", "lzo-rle=off,zstd=off,zstd-level=7");
    uint8_t page[4096];
    uint32_t out;

    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_CAP_ALGS), ==, 0x7);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_ZSTD_LEVEL), ==, 7);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    for (size_t i = 0; i < sizeof(page); i++) {
        page[i] = i % 13 ? (uint8_t)(i / 7) : 0;
    }
    for (uint8_t a = ZCOMP_ALG_LZ4; a <= ZCOMP_ALG_LZO; a++) {
        roundtrip(z, 0, a, page, sizeof(page));
    }
    qtest_memwrite(z->qts, SRC_BUF, page, sizeof(page));
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZORLE,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         &out),
                    ==, ZCOMP_ST_BAD_DESC);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_ZSTD,
                                          SRC_BUF, 4096, DST_BUF, 8192, 2),
                         &out),
                    ==, ZCOMP_ST_BAD_DESC);
    zc_stop(z);
}

/* A file of tests/data/@subdir. */
static gchar *load_data(const char *subdir, const char *name, gsize *len)
{
    const char *dir = g_getenv("ZCOMP_TEST_DATA");
    g_autofree gchar *p = NULL;
    gchar *buf;

    g_assert_nonnull(dir);
    p = g_build_filename(dir, subdir, name, NULL);
    g_assert_true(g_file_get_contents(p, &buf, len, NULL));
    return buf;
}

/*
 * lzo-rle's worst case, made by a guest (tests/data/lzorle-worst-64k.bin,
 * see test-lzorle): 64 KiB that compress to 73,732 bytes, more than the
 * kernel's lzo1x_worst_compress() (69,701) that the device's scratch was
 * once sized by (ASan saw the overflow on the first device here). It must
 * not fit 64 KiB, and fit (and round-trip) 128 KiB.
 */
static void test_hostile_lzorle_worst_case(const void *data)
{
    gsize len, back_len = 65536;
    g_autofree gchar *in = load_data(".", "lzorle-worst-64k.bin", &len);
    g_autofree gchar *back = g_malloc(back_len);
    QZcomp *z = zc_start("pc", "");   /* max-request 64 KiB: the tightest */
    uint32_t clen, dlen;

    g_assert_cmpuint(len, ==, 65536);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    qtest_memwrite(z->qts, SRC_BUF, in, len);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZORLE,
                                          SRC_BUF, len, DST_BUF, 65536, 1),
                         &clen), ==, ZCOMP_ST_DST_TOO_SMALL);
    zc_stop(z);

    z = zc_start("pc", "max-request=131072");
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    qtest_memwrite(z->qts, SRC_BUF, in, len);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZORLE,
                                          SRC_BUF, len, DST_BUF, 131072, 2),
                         &clen), ==, ZCOMP_ST_OK);
    g_assert_cmpuint(clen, >, 69701);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZORLE,
                                          DST_BUF, clen, OUT_BUF, back_len, 3),
                         &dlen), ==, ZCOMP_ST_OK);
    g_assert_cmpuint(dlen, ==, len);
    qtest_memread(z->qts, OUT_BUF, back, len);
    g_assert_true(memcmp(in, back, len) == 0);
    zc_stop(z);
}

static void test_queue_setup(const void *data)
{
    QZcomp *z = zc_start("q35", "ring-size=64");
    const uint64_t qr = ZCOMP_QREG(1);

    qzcomp_enable(z);
    /* Registers read back; 64-bit ones as halves too. */
    qzcomp_writeq(z, qr + ZCOMP_QREG_SQ_BASE, 0x123456789ab000ull);
    g_assert_cmphex(qzcomp_readq(z, qr + ZCOMP_QREG_SQ_BASE),
                    ==, 0x123456789ab000ull);
    qzcomp_writel(z, qr + ZCOMP_QREG_CQ_BASE, 0xdead0000);
    qzcomp_writel(z, qr + ZCOMP_QREG_CQ_BASE + 4, 0x1);
    g_assert_cmphex(qzcomp_readq(z, qr + ZCOMP_QREG_CQ_BASE),
                    ==, 0x1dead0000ull);
    g_assert_cmphex(qzcomp_readl(z, qr + ZCOMP_QREG_CQ_BASE + 4), ==, 1);

    /* Bad set-ups are refused with SETUP_ERR. */
    static const struct { uint32_t size; uint64_t sq, cq; } bad[] = {
        { 3, SQ_BASE(1), CQ_BASE(1) },          /* not a power of two */
        { 1, SQ_BASE(1), CQ_BASE(1) },          /* too small */
        { 128, SQ_BASE(1), CQ_BASE(1) },        /* above ring-size */
        { 8, SQ_BASE(1) + 8, CQ_BASE(1) },      /* SQ misaligned */
        { 8, SQ_BASE(1), CQ_BASE(1) + 4 },      /* CQ misaligned */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        queue_setup_at(z, 1, bad[i].sq, bad[i].cq, bad[i].size, 0);
        g_assert_cmphex(qzcomp_queue_status(z, 1), ==, ZCOMP_QSTS_SETUP_ERR);
        g_assert_cmphex(qzcomp_readl(z, qr + ZCOMP_QREG_CTRL) &
                        ZCOMP_QCTRL_ENABLE, ==, 0);
    }

    /* A good one; ring registers are frozen while enabled. */
    queue_setup(z, 1, 16, 0);
    qzcomp_writel(z, qr + ZCOMP_QREG_SIZE_ENTRIES, 32);
    qzcomp_writeq(z, qr + ZCOMP_QREG_SQ_BASE, 0);
    g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_SIZE_ENTRIES), ==, 16);
    g_assert_cmphex(qzcomp_readq(z, qr + ZCOMP_QREG_SQ_BASE), ==, SQ_BASE(1));
    g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 5),
                         NULL),
                    ==, ZCOMP_ST_OK);
    g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_SQ_HEAD), ==, 1);
    g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_CQ_TAIL), ==, 1);
    g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_SQ_TAIL), ==, 1);

    /* Teardown: disabled, doorbells are ignored; re-enable starts at 0. */
    qzcomp_writel(z, qr + ZCOMP_QREG_CTRL, 0);
    g_assert_cmphex(qzcomp_queue_status(z, 1), ==, 0);
    qzcomp_kick(z, 1);
    queue_setup(z, 1, 16, 0);
    g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_SQ_HEAD), ==, 0);
    g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZO,
                                          SRC_BUF, 100, DST_BUF, 8192, 6),
                         NULL),
                    ==, ZCOMP_ST_OK);
    zc_stop(z);
}

static void test_roundtrip(const void *data)
{
    static const uint32_t sizes[] = { 1, 2, 17, 1000, 4095, 4096, 4097,
                                      30000, 65536 };
    g_autoptr(GRand) r = g_rand_new_with_seed(1);
    g_autofree uint8_t *buf = g_malloc(65536);
    QZcomp *z = zc_start("q35", "");

    qzcomp_enable(z);
    queue_setup(z, 0, 64, 0);
    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
            for (int kind = 0; kind < 4; kind++) {
                uint32_t clen;

                fill(buf, sizes[s], kind, r);
                if (kind == 3 && sizes[s] == 65536) {
                    /* Random data grows: it cannot fit the largest dst. */
                    qtest_memwrite(z->qts, SRC_BUF, buf, 65536);
                    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                                          algos[a], SRC_BUF,
                                                          65536, DST_BUF,
                                                          65536, 0),
                                         &clen), ==, ZCOMP_ST_DST_TOO_SMALL);
                    continue;
                }
                roundtrip(z, 0, algos[a], buf, sizes[s]);
            }
        }
    }
    zc_stop(z);
}

/*
 * Compress and decompress corpus pages through the device; report the
 * compression ratio per algorithm and the device's own counters.
 */
/*
 * Compression inputs read in place from five memory devices (NUMA nodes)
 * in turn, more than the four regions a queue keeps referenced, each
 * round-tripped; then a change of the address space (bus mastering off
 * and on) drops what the queue holds, and it goes on.
 */
static void test_roundtrip_numa(const void *data)
{
    static const uint64_t node_mb[] = { 96, 96, 96, 96, 128 };
    g_autoptr(GRand) r = g_rand_new_with_seed(7);
    g_autoptr(GString) args = g_string_new("");
    uint8_t page[4096], back[4096];
    uint64_t base = 0;
    QZcomp *z;

    for (size_t n = 0; n < G_N_ELEMENTS(node_mb); n++) {
        g_string_append_printf(args, "-object memory-backend-ram,id=m%zu,"
                               "size=%" PRIu64 "M -numa node,memdev=m%zu ",
                               n, node_mb[n], n);
    }
    z = zc_start_args(args->str, "q35", "");
    qzcomp_enable(z);
    queue_setup(z, 0, 64, 0);
    for (int round = 0; round < 4; round++) {
        base = 0;
        for (size_t n = 0; n < G_N_ELEMENTS(node_mb); n++) {
            /* a page in the middle of node n, above the rings and buffers */
            uint64_t at = base + node_mb[n] / 2 * MiB;
            uint32_t clen, dlen;

            if (round == 2 && n == 0) {
                qpci_config_writew(z->dev, PCI_COMMAND,
                                   qpci_config_readw(z->dev, PCI_COMMAND) &
                                   ~PCI_COMMAND_MASTER);
                qpci_config_writew(z->dev, PCI_COMMAND,
                                   qpci_config_readw(z->dev, PCI_COMMAND) |
                                   PCI_COMMAND_MASTER);
            }
            fill(page, sizeof(page), round % 2 ? 1 : 3, r);
            qtest_memwrite(z->qts, at, page, sizeof(page));
            g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                                  ZCOMP_ALG_LZ4, at,
                                                  sizeof(page), DST_BUF,
                                                  8192, n), &clen),
                            ==, ZCOMP_ST_OK);
            g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_DECOMPRESS,
                                                  ZCOMP_ALG_LZ4, DST_BUF, clen,
                                                  OUT_BUF, sizeof(page), ~n),
                                 &dlen), ==, ZCOMP_ST_OK);
            g_assert_cmpuint(dlen, ==, sizeof(page));
            qtest_memread(z->qts, OUT_BUF, back, sizeof(back));
            g_assert_true(memcmp(page, back, sizeof(page)) == 0);
            base += node_mb[n] * MiB;
        }
    }
    g_assert_cmpuint(base, ==, RAM_MB * MiB);
    zc_stop(z);
}

static void test_roundtrip_corpus(const void *data)
{
    static const char *const names[] = { "lz4", "lz4hc", "lzo", "lzo-rle",
                                         "zstd" };
    const char *path = g_getenv("ZCOMP_CORPUS");
    g_autofree gchar *corpus = NULL;
    uint64_t comp[G_N_ELEMENTS(algos)] = { 0 };
    gsize len, step;
    int pages = 0;
    QZcomp *z;

    g_assert_nonnull(path);
    g_assert_true(g_file_get_contents(path, &corpus, &len, NULL));
    z = zc_start("q35", "");
    qzcomp_enable(z);
    queue_setup(z, 0, 64, 0);
    /* 256 pages spread over the whole corpus, every algorithm. */
    step = len / 256 / 4096 * 4096;
    for (gsize off = 0; off + 4096 <= len; off += step) {
        for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
            uint64_t before = qzcomp_readq(z, ZCOMP_REG_STATS +
                                           ZCOMP_STAT_BYTES_OUT);

            roundtrip(z, 0, algos[a], (uint8_t *)corpus + off, 4096);
            /* bytes out = compressed + 4096 decompressed */
            comp[a] += qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_BYTES_OUT) -
                       before - 4096;
        }
        pages++;
    }
    g_assert_cmpint(pages, >=, 256);
    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        g_test_message("%-7s %d pages of %s: %" PRIu64 " -> %" PRIu64
                       " bytes, ratio %.2f, every page round-tripped "
                       "byte-exact", names[a], pages, path,
                       (uint64_t)pages * 4096, comp[a],
                       (double)pages * 4096 / comp[a]);
        g_assert_cmpuint(comp[a], <, (uint64_t)pages * 4096 / 2);
    }
    g_test_message("device counters: requests %" PRIu64 ", compress %"
                   PRIu64 ", decompress %" PRIu64 ", bytes in %" PRIu64
                   ", bytes out %" PRIu64 ", errors %" PRIu64,
                   qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_REQUESTS),
                   qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_COMPRESS),
                   qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_DECOMPRESS),
                   qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_BYTES_IN),
                   qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_BYTES_OUT),
                   qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERRORS));
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_REQUESTS), ==,
                     pages * 2 * G_N_ELEMENTS(algos));
    zc_stop(z);
}

static gchar *load_vec(const char *name, gsize *len)
{
    return load_data("kernel-vectors", name, len);
}

/*
 * Streams made by the kernel's own lz4, lz4hc, lzo, lzo-rle and zstd
 * decode exactly.
 */
static void test_kernel_vectors(const void *data)
{
    static const char *const vecs[][3] = {
        { "lz4-decomp-0.in", "lz4-decomp-0.out", "0" },
        { "lz4hc-decomp-0.in", "lz4hc-decomp-0.out", "1" },
        { "lzo-decomp-0.in", "lzo-decomp-0.out", "2" },
        { "lzo-decomp-1.in", "lzo-decomp-1.out", "2" },
        { "lz4-comp-0.ref", "lz4-comp-0.in", "0" },
        { "lzo-comp-0.ref", "lzo-comp-0.in", "2" },
        { "lzo-comp-1.ref", "lzo-comp-1.in", "2" },
        { "lzorle-decomp-0.in", "lzorle-decomp-0.out", "3" },
        { "lzorle-decomp-1.in", "lzorle-decomp-1.out", "3" },
        { "lzorle-comp-0.ref", "lzorle-comp-0.in", "3" },
        { "lzorle-comp-1.ref", "lzorle-comp-1.in", "3" },
        { "zstd-decomp-0.in", "zstd-decomp-0.out", "4" },
        { "zstd-decomp-1.in", "zstd-decomp-1.out", "4" },
        { "zstd-comp-0.ref", "zstd-comp-0.in", "4" },
        { "zstd-comp-1.ref", "zstd-comp-1.in", "4" },
    };
    QZcomp *z = zc_start("pc", "");

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++) {
        gsize clen, plen;
        g_autofree gchar *c = load_vec(vecs[i][0], &clen);
        g_autofree gchar *p = load_vec(vecs[i][1], &plen);
        g_autofree gchar *back = g_malloc(plen);
        uint32_t out;

        qtest_memwrite(z->qts, SRC_BUF, c, clen);
        g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_DECOMPRESS,
                                              atoi(vecs[i][2]), SRC_BUF, clen,
                                              OUT_BUF, 4096, i), &out), ==, 0);
        g_assert_cmpuint(out, ==, plen);
        qtest_memread(z->qts, OUT_BUF, back, plen);
        g_assert_true(memcmp(back, p, plen) == 0);
    }
    zc_stop(z);
}

/* More requests than the ring holds, in batches: wrap-around and phase. */
static void test_wrap(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(2);
    uint8_t page[4096];
    uint32_t tag = 0, seen = 0;
    QZcomp *z = zc_start("q35", "");

    stage(z, page, sizeof(page), 1, r);
    qzcomp_enable(z);
    queue_setup(z, 2, 8, 0);
    for (int batch = 0; batch < 12; batch++) {
        uint32_t n = 1 + (batch * 3) % 7;      /* at most size - 1 */
        for (uint32_t i = 0; i < n; i++) {
            struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS, algos[tag % 3],
                                            SRC_BUF, 4096,
                                            DST_BUF + tag % 8 * 0x2000,
                                            8192, tag);
            qzcomp_push(z, 2, &s);
            tag++;
        }
        qzcomp_kick(z, 2);
        for (uint32_t i = 0; i < n; i++) {
            struct zcomp_cqe c = qzcomp_reap(z, 2);
            g_assert_cmpuint(c.tag, ==, seen);
            g_assert_cmpint(c.status, ==, ZCOMP_ST_OK);
            seen++;
        }
    }
    g_assert_cmpuint(seen, ==, tag);
    g_assert_cmpuint(tag, >, 3 * 8);    /* wrapped several times */
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_QREG(2) + ZCOMP_QREG_STATS +
                                     ZCOMP_STAT_REQUESTS), ==, tag);
    zc_stop(z);
}

/* Four queues loaded at once, served by several workers. */
static void test_multi_queue(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(3);
    g_autofree uint8_t *pages = g_malloc(4 * 4096);
    enum { nq = 4, per = 30 };
    uint32_t clen[nq][per];
    QZcomp *z = zc_start("q35", "queues=4,workers=3");

    for (int q = 0; q < nq; q++) {
        fill(pages + q * 4096, 4096, q, r);
    }
    qtest_memwrite(z->qts, SRC_BUF, pages, 4 * 4096);
    qzcomp_enable(z);
    for (int q = 0; q < nq; q++) {
        queue_setup(z, q, 32, 0);
    }
    for (int q = 0; q < nq; q++) {
        for (int i = 0; i < per; i++) {
            struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                            algos[(q + i) % 3],
                                            SRC_BUF + q * 4096, 4096,
                                            DST_BUF + (q * per + i) * 0x2000ull,
                                            8192, q << 16 | i);
            qzcomp_push(z, q, &s);
        }
    }
    for (int q = 0; q < nq; q++) {
        qzcomp_kick(z, q);
    }
    for (int q = 0; q < nq; q++) {
        for (int i = 0; i < per; i++) {
            struct zcomp_cqe c = qzcomp_reap(z, q);

            g_assert_cmphex(c.tag, ==, q << 16 | i);
            g_assert_cmpint(c.status, ==, 0);
            clen[q][i] = c.out_len;
        }
    }
    /* Spot-check payloads: decompress some results, compare. */
    for (int q = 0; q < nq; q++) {
        for (int i = 0; i < per; i += 10) {
            uint64_t dst = DST_BUF + (q * per + i) * 0x2000ull;
            uint8_t back[4096];
            uint32_t dlen;

            g_assert_cmpint(run1(z, q, qzcomp_sqe(ZCOMP_OP_DECOMPRESS,
                                                  algos[(q + i) % 3], dst,
                                                  clen[q][i], OUT_BUF, 4096,
                                                  99), &dlen),
                            ==, 0);
            g_assert_cmpuint(dlen, ==, 4096);
            qtest_memread(z->qts, OUT_BUF, back, 4096);
            g_assert_true(memcmp(back, pages + q * 4096, 4096) == 0);
        }
    }
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_REQUESTS), ==,
                     nq * per + nq * (per / 10));
    zc_stop(z);
}

/*
 * MSI-X: a queue with IRQ set writes its vector's message on completion;
 * a polled queue (IRQ clear) does not. Messages go to guest RAM here.
 */
static void test_msix(const void *data)
{
    QZcomp *z = zc_start("q35", "queues=2");
    uint32_t word;

    qpci_msix_enable(z->dev);
    for (int v = 0; v < 2; v++) {
        uint64_t e = z->dev->msix_table_off + v * PCI_MSIX_ENTRY_SIZE;

        word = 0;
        qtest_memwrite(z->qts, MSI_ADDR(v), &word, 4);
        qpci_io_writel(z->dev, z->dev->msix_table_bar,
                       e + PCI_MSIX_ENTRY_LOWER_ADDR, MSI_ADDR(v));
        qpci_io_writel(z->dev, z->dev->msix_table_bar,
                       e + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
        qpci_io_writel(z->dev, z->dev->msix_table_bar,
                       e + PCI_MSIX_ENTRY_DATA, 0xc0de0 + v);
        qpci_io_writel(z->dev, z->dev->msix_table_bar,
                       e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    }
    qzcomp_enable(z);
    queue_setup(z, 0, 8, ZCOMP_QCTRL_IRQ);
    queue_setup(z, 1, 8, 0);

    g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 2),
                         NULL),
                    ==, 0);
    /* The message is written from a main-loop bottom half: let it run. */
    for (int i = 0; i < 1000; i++) {
        qtest_memread(z->qts, MSI_ADDR(0), &word, 4);
        if (word) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmphex(le32_to_cpu(word), ==, 0xc0de0);
    qtest_memread(z->qts, MSI_ADDR(1), &word, 4);
    g_assert_cmphex(word, ==, 0);

    /* A masked vector leaves its pending bit set instead. */
    qpci_io_writel(z->dev, z->dev->msix_table_bar,
                   z->dev->msix_table_off + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 3),
                         NULL),
                    ==, 0);
    for (int i = 0; i < 1000 && !qpci_msix_pending(z->dev, 0); i++) {
        g_usleep(1000);
    }
    g_assert_true(qpci_msix_pending(z->dev, 0));
    zc_stop(z);
}

static void expect_status(QZcomp *z, struct zcomp_sqe s, uint8_t status)
{
    g_assert_cmpint(run1(z, 0, s, NULL), ==, status);
    /* ... and the device goes on working. */
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 7),
                         NULL),
                    ==, ZCOMP_ST_OK);
}

static void test_errors(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(4);
    uint8_t page[4096];
    struct zcomp_sqe s;
    struct zcomp_cqe c;
    uint32_t clen;
    QZcomp *z = zc_start("q35", "");

    stage(z, page, sizeof(page), 3, r);
    qzcomp_enable(z);
    queue_setup(z, 0, 16, 0);
    s = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4, SRC_BUF, 4096, DST_BUF,
                   8192, 1);

#define WITH(field, value) ({ struct zcomp_sqe t = s; t.field = value; t; })
    expect_status(z, WITH(opcode, 0), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(opcode, 0x7f), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(algo, ZCOMP_ALG_COUNT), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(level, 1), ZCOMP_ST_BAD_DESC);    /* lz4: none */
    {
        struct zcomp_sqe zstd = WITH(algo, ZCOMP_ALG_ZSTD);
        zstd.level = ZCOMP_ZSTD_MAX_LEVEL + 1;
        expect_status(z, zstd, ZCOMP_ST_BAD_DESC);
    }
    expect_status(z, WITH(flags, 0x40), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(src_len, 0), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(src_len, cpu_to_le32(65537)), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(dst_cap, 0), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(dst_cap, cpu_to_le32(1 << 20)), ZCOMP_ST_BAD_DESC);
    expect_status(z, WITH(rsvd[2], 1), ZCOMP_ST_BAD_DESC);
    /*
     * DMA: unmapped, RAM end crossing, MMIO (our own BAR), and a SG list
     * outside RAM.
     */
    expect_status(z, WITH(src_addr, cpu_to_le64(NOT_RAM)), ZCOMP_ST_DMA_ERROR);
    expect_status(z, WITH(dst_addr, cpu_to_le64(RAM_MB * 0x100000ull - 100)),
                  ZCOMP_ST_DMA_ERROR);
    expect_status(z, WITH(dst_addr, cpu_to_le64(z->bar.addr + ZCOMP_DB_OFFSET)),
                  ZCOMP_ST_DMA_ERROR);
    {
        struct zcomp_sqe t = s;
        t.flags = ZCOMP_SQE_F_SRC_SGL;
        t.src_nsge = cpu_to_le32(2);
        t.src_addr = cpu_to_le64(NOT_RAM);
        expect_status(z, t, ZCOMP_ST_DMA_ERROR);
    }
    /* Random data does not fit in 1000 bytes. */
    expect_status(z, WITH(dst_cap, cpu_to_le32(1000)), ZCOMP_ST_DST_TOO_SMALL);
#undef WITH

    /*
     * Corrupt input: a real stream with its first byte changed so that it
     * claims a literal run longer than the input.
     */
    stage(z, page, sizeof(page), 1, r);
    g_assert_cmpint(run1(z, 0, s, &clen), ==, 0);
    qtest_writeb(z->qts, DST_BUF, 0xff);
    qtest_writeb(z->qts, DST_BUF + 1, 0xff);
    expect_status(z, qzcomp_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZ4, DST_BUF,
                                clen, OUT_BUF, 4096, 2),
                  ZCOMP_ST_CORRUPT_INPUT);
    qtest_memwrite(z->qts, SRC_BUF, page, sizeof(page));
    expect_status(z, qzcomp_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZO, SRC_BUF,
                                4096, OUT_BUF, 4096, 3),
                  ZCOMP_ST_CORRUPT_INPUT);

    /* A doorbell beyond the ring is ignored and flagged. */
    qzcomp_writel(z, ZCOMP_DB_OFFSET, 16);
    qzcomp_writel(z, ZCOMP_DB_OFFSET, 0xffffffff);
    g_assert_cmphex(qzcomp_queue_status(z, 0), ==,
                    ZCOMP_QSTS_ENABLED | ZCOMP_QSTS_DB_ERR);
    g_assert_false(qzcomp_try_reap(z, 0, &c, 100000));
    /* Doorbells of queues that do not exist, odd offsets, RO registers. */
    qzcomp_writel(z, ZCOMP_DB_OFFSET + 63 * ZCOMP_DB_STRIDE, 1);
    qzcomp_writel(z, ZCOMP_DB_OFFSET + 4, 1);
    qzcomp_writel(z, ZCOMP_REG_MAGIC, 0);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_MAGIC), ==, ZCOMP_MAGIC);
    expect_status(z, s, ZCOMP_ST_OK);

    /* Device disabled, queue still enabled: NOT_ENABLED completions. */
    qzcomp_writel(z, ZCOMP_REG_CTRL, 0);
    g_assert_cmpint(run1(z, 0, s, NULL), ==, ZCOMP_ST_NOT_ENABLED);
    qzcomp_enable(z);
    expect_status(z, s, ZCOMP_ST_OK);

    /* Per-status counters match what was provoked. */
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_QREG(0) + ZCOMP_QREG_STATS +
                                     ZCOMP_STAT_ERR_BASE +
                                     8 * ZCOMP_ST_BAD_DESC),
                     ==, 11);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERR_BASE +
                                     8 * ZCOMP_ST_DMA_ERROR), ==, 4);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERR_BASE +
                                     8 * ZCOMP_ST_DST_TOO_SMALL), ==, 1);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERR_BASE +
                                     8 * ZCOMP_ST_CORRUPT_INPUT), ==, 2);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERR_BASE +
                                     8 * ZCOMP_ST_NOT_ENABLED), ==, 1);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERRORS),
                     ==, 19);
    zc_stop(z);
}

/* Bus mastering off: the device does no DMA, not even to its rings. */
static void test_bus_master_off(const void *data)
{
    QZcomp *z = zc_start("q35", "");
    uint16_t cmd;
    struct zcomp_cqe c;

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    cmd = qpci_config_readw(z->dev, PCI_COMMAND);
    qpci_config_writew(z->dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    qzcomp_push(z, 0, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4, .tag = 1,
        .src_addr = SRC_BUF, .src_len = 4096, .dst_addr = DST_BUF,
        .dst_cap = 8192 });
    qzcomp_kick(z, 0);
    g_assert_false(qzcomp_try_reap(z, 0, &c, 200000));
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_QREG(0) + ZCOMP_QREG_SQ_HEAD),
                     ==, 0);
    /* Back on: the next doorbell runs what is pending. */
    qpci_config_writew(z->dev, PCI_COMMAND, cmd);
    qzcomp_kick(z, 0);
    c = qzcomp_reap(z, 0);
    g_assert_cmpuint(c.tag, ==, 1);
    g_assert_cmpint(c.status, ==, 0);
    zc_stop(z);
}

/* A ring outside RAM: sticky fatal status, nothing runs until reset. */
static void test_fatal(const void *data)
{
    QZcomp *z = zc_start("q35", "");
    struct zcomp_cqe c;

    qzcomp_enable(z);
    queue_setup(z, 1, 8, 0);
    queue_setup_at(z, 0, NOT_RAM, CQ_BASE(0), 8, 0);
    g_assert_cmphex(qzcomp_queue_status(z, 0), ==, ZCOMP_QSTS_ENABLED);
    qzcomp_kick(z, 0);      /* tail 0: nothing to do yet */
    qzcomp_writel(z, ZCOMP_DB_OFFSET, 1);
    for (int i = 0; i < 1000 && !(qzcomp_readl(z, ZCOMP_REG_STATUS) &
                                  ZCOMP_STS_FATAL); i++) {
        g_usleep(1000);
    }
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, ZCOMP_STS_FATAL);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_FATAL_INFO), ==,
                    (0 << 16) | ZCOMP_FATAL_SQ_READ);
    /* Other queues stop too. */
    qzcomp_push(z, 1, &(struct zcomp_sqe) { .opcode = ZCOMP_OP_COMPRESS,
                                            .src_addr = SRC_BUF, .src_len = 64,
                                            .dst_addr = DST_BUF,
                                            .dst_cap = 4096 });
    qzcomp_kick(z, 1);
    g_assert_false(qzcomp_try_reap(z, 1, &c, 200000));

    /* Completion ring outside RAM is fatal as well, after a reset. */
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, 0);
    g_assert_cmphex(qzcomp_queue_status(z, 0), ==, 0);
    qzcomp_enable(z);
    queue_setup_at(z, 0, SQ_BASE(0), NOT_RAM, 8, 0);
    z->queue[0].tail = 0;
    qzcomp_push(z, 0, &(struct zcomp_sqe) { .opcode = ZCOMP_OP_COMPRESS,
                                            .src_addr = SRC_BUF, .src_len = 64,
                                            .dst_addr = DST_BUF,
                                            .dst_cap = 4096 });
    qzcomp_kick(z, 0);
    for (int i = 0; i < 1000 && !(qzcomp_readl(z, ZCOMP_REG_STATUS) &
                                  ZCOMP_STS_FATAL); i++) {
        g_usleep(1000);
    }
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_FATAL_INFO), ==,
                    (0 << 16) | ZCOMP_FATAL_CQ_WRITE);
    /* A request that never completed counts no time. */
    for (uint32_t kind = 0; kind < ZCOMP_HIST_KINDS; kind++) {
        qzcomp_writel(z, ZCOMP_REG_HIST_SEL,
                      ZCOMP_HIST_SEL(0, ZCOMP_ALG_LZ4, ZCOMP_OP_COMPRESS,
                                     kind));
        g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_HIST + ZCOMP_HIST_COUNT),
                         ==, 0);
    }

    /* Reset: works again. */
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    zc_stop(z);
}

/*
 * Queue @n lz4hc level-12 compressions of @len bytes at SRC_BUF into
 * DST_BUF, tags @tag0 on, without ringing.
 */
static void push_slow(QZcomp *z, int q, int n, uint32_t len, uint32_t tag0)
{
    for (int i = 0; i < n; i++) {
        struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4HC,
                                        SRC_BUF, len, DST_BUF, len, tag0 + i);
        s.level = 12;
        qzcomp_push(z, q, &s);
    }
}

/*
 * Interrupt coalescing: slow requests rung at once raise their queue's
 * vector once the last is done, not before (the qtest clock stands still:
 * irq-coalesce-us never runs out by itself); with irq-coalesce=2, after
 * the third; with the clock moved past irq-coalesce-us once the first is
 * done, at once, the others still running.
 */
static void coalesce_case(const char *props, int n, int first, bool step)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(11);
    g_autofree uint8_t *buf = g_malloc(16384);
    QZcomp *z = zc_start("q35", props);
    uint64_t e = z->dev->msix_table_off;
    struct zcomp_cqe c;
    uint32_t word = 0;
    int done = 0;

    stage(z, buf, 16384, 4, r);     /* lz4hc-12: tens of ms each */
    qpci_msix_enable(z->dev);
    qtest_memwrite(z->qts, MSI_ADDR(0), &word, 4);
    qpci_io_writel(z->dev, z->dev->msix_table_bar,
                   e + PCI_MSIX_ENTRY_LOWER_ADDR, MSI_ADDR(0));
    qpci_io_writel(z->dev, z->dev->msix_table_bar,
                   e + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    qpci_io_writel(z->dev, z->dev->msix_table_bar,
                   e + PCI_MSIX_ENTRY_DATA, 0xc0de0);
    qpci_io_writel(z->dev, z->dev->msix_table_bar,
                   e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    qzcomp_enable(z);
    queue_setup(z, 0, 32, ZCOMP_QCTRL_IRQ);
    push_slow(z, 0, n, 16384, 0);
    qzcomp_kick(z, 0);
    if (step) {
        qzcomp_reap(z, 0);
        done++;
        qtest_clock_step(z->qts, 2 * 1000 * 1000);   /* 2 ms */
    }
    for (int i = 0; i < 10000 && !word; i++) {
        qtest_memread(z->qts, MSI_ADDR(0), &word, 4);
        if (!word) {
            g_usleep(1000);
        }
    }
    g_assert_cmphex(le32_to_cpu(word), ==, 0xc0de0);
    /* Completions posted when the message was seen */
    while (qzcomp_try_reap(z, 0, &c, 0)) {
        g_assert_cmpint(c.status, ==, ZCOMP_ST_OK);
        done++;
    }
    if (step) {
        g_assert_cmpint(done, <, n);
    } else {
        g_assert_cmpint(done, >=, first);
    }
    while (done < n) {
        qzcomp_reap(z, 0);
        done++;
    }
    zc_stop(z);
}

static void test_irq_coalesce(const void *data)
{
    coalesce_case("queues=2", 8, 8, false);
    coalesce_case("queues=2,irq-coalesce=2", 8, 3, false);
    coalesce_case("queues=2,irq-coalesce-us=1000", 16, 0, true);
}

static void fill_slow_batch(QZcomp *z, int q, int n)
{
    for (int i = 0; i < n; i++) {
        struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4HC,
                                        SRC_BUF, 65536,
                                        DST_BUF + i * 0x20000ull,
                                        65536, i);
        s.level = 12;
        qzcomp_push(z, q, &s);
    }
    qzcomp_kick(z, q);
}

/* Device reset and system (bus) reset with requests in flight. */
static void test_reset_in_flight(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(6);
    g_autofree uint8_t *buf = g_malloc(65536);
    QZcomp *z = zc_start("q35", "queues=2,workers=2");
    uint64_t done;

    stage(z, buf, 65536, 1, r);
    qzcomp_enable(z);
    queue_setup(z, 0, 128, 0);
    queue_setup(z, 1, 128, 0);
    fill_slow_batch(z, 0, 100);
    fill_slow_batch(z, 1, 100);
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, 0);
    g_assert_cmphex(qzcomp_queue_status(z, 0), ==, 0);
    done = qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_REQUESTS);
    g_assert_cmpuint(done, ==, 0);  /* counters restart with the device */
    g_usleep(50000);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_QREG(0) + ZCOMP_QREG_SQ_HEAD),
                     ==, 0);

    qzcomp_enable(z);
    queue_setup(z, 0, 128, 0);
    fill_slow_batch(z, 0, 100);
    qtest_system_reset(z->qts);
    qpci_device_enable(z->dev);
    z->bar = qpci_iomap(z->dev, 0, NULL);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, 0);
    g_assert_cmphex(qzcomp_queue_status(z, 0), ==, 0);

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    roundtrip(z, 0, ZCOMP_ALG_LZ4, buf, 4096);
    zc_stop(z);
}

/* Counters: requests, bytes in and out, per queue and in total. */
static void test_stats(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(8);
    uint8_t page[4096];
    uint64_t in = 0, out = 0;
    QZcomp *z = zc_start("q35", "queues=3");

    stage(z, page, sizeof(page), 2, r);
    qzcomp_enable(z);
    for (int q = 0; q < 3; q++) {
        queue_setup(z, q, 16, 0);
    }
    for (int q = 0; q < 3; q++) {
        for (int i = 0; i <= q; i++) {
            uint32_t len = 1000 * (i + 1), clen, dlen;
            g_assert_cmpint(run1(z, q, qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                                  ZCOMP_ALG_LZO, SRC_BUF, len,
                                                  DST_BUF, 8192, i), &clen),
                            ==, 0);
            g_assert_cmpint(run1(z, q, qzcomp_sqe(ZCOMP_OP_DECOMPRESS,
                                                  ZCOMP_ALG_LZO, DST_BUF, clen,
                                                  OUT_BUF, 8192, i), &dlen),
                            ==, 0);
            in += len + clen;
            out += clen + dlen;
        }
        g_assert_cmpuint(qzcomp_readq(z, ZCOMP_QREG(q) + ZCOMP_QREG_STATS +
                                         ZCOMP_STAT_COMPRESS), ==, q + 1);
        g_assert_cmpuint(qzcomp_readq(z, ZCOMP_QREG(q) + ZCOMP_QREG_STATS +
                                         ZCOMP_STAT_DECOMPRESS), ==, q + 1);
    }
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_REQUESTS),
                     ==, 12);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_BYTES_IN),
                     ==, in);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_BYTES_OUT),
                     ==, out);
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_REG_STATS + ZCOMP_STAT_BYTES_IN + 4),
                     ==, in >> 32);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERRORS),
                     ==, 0);
    zc_stop(z);
}

/* Histogram @sel's window slot @slot (ZCOMP_HIST_COUNT etc.). */
static uint64_t hist_read(QZcomp *z, uint32_t sel, uint32_t slot)
{
    qzcomp_writel(z, ZCOMP_REG_HIST_SEL, sel);
    return qzcomp_readq(z, ZCOMP_REG_HIST + slot);
}

/*
 * A selected histogram is consistent: its buckets add up to its count,
 * and its sum lies within what its buckets allow. Returns the count.
 */
static uint64_t hist_check(QZcomp *z, uint32_t sel)
{
    uint64_t count = hist_read(z, sel, ZCOMP_HIST_COUNT);
    uint64_t sum = qzcomp_readq(z, ZCOMP_REG_HIST + ZCOMP_HIST_SUM_NS);
    uint64_t n = 0, lo = 0, hi = 0;

    for (int b = 0; b < ZCOMP_HIST_BUCKETS - 1; b++) {
        uint64_t v = qzcomp_readq(z, ZCOMP_REG_HIST + 8 * b);

        n += v;
        lo += v * (b ? 1ull << b : 0);
        hi += v * ((2ull << b) - 1);
    }
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_HIST +
                                     8 * (ZCOMP_HIST_BUCKETS - 1)), ==, 0);
    g_assert_cmpuint(n, ==, count);
    g_assert_cmpuint(sum, >=, lo);
    g_assert_cmpuint(sum, <=, hi);
    return count;
}

/*
 * Time histograms (ABI 1.2): per queue, algorithm and opcode, each request
 * counted once as doorbell-to-completion and once as codec time, the codec
 * within it; the sum over all queues; nothing where nothing ran; zeros and
 * a guest error for a selection that names none; cleared by reset; the
 * same through QMP (qom-get time-histograms); none with histograms=off.
 */
static void test_histograms(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(23);
    uint8_t page[4096];
    uint32_t clen;
    uint32_t lat = ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZ4, ZCOMP_OP_COMPRESS,
                                  ZCOMP_HIST_LATENCY);
    uint32_t codec = ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZ4, ZCOMP_OP_COMPRESS,
                                    ZCOMP_HIST_CODEC);
    QZcomp *z = zc_start("q35", "queues=3,id=zc");
    QDict *rsp;
    QList *list;
    QListEntry *e;
    int found = 0;

    g_assert_true(qzcomp_readl(z, ZCOMP_REG_CAP_FLAGS) & ZCOMP_CAP_F_HIST);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_VERSION), ==,
                    ZCOMP_ABI_VERSION);
    stage(z, page, sizeof(page), 2, r);
    qzcomp_enable(z);
    for (int q = 0; q < 3; q++) {
        queue_setup(z, q, 16, 0);
    }
    g_assert_cmpuint(hist_check(z, lat), ==, 0);
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                              SRC_BUF, 4096, DST_BUF, 8192,
                                              i), &clen), ==, 0);
    }
    /* A request in error is timed too; a bad descriptor is not. */
    g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8, 5), NULL),
                    ==, ZCOMP_ST_DST_TOO_SMALL);
    g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, 9, SRC_BUF, 4096,
                                          DST_BUF, 8192, 6), NULL),
                    ==, ZCOMP_ST_BAD_DESC);
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(run1(z, 2, qzcomp_sqe(ZCOMP_OP_DECOMPRESS,
                                              ZCOMP_ALG_LZ4, DST_BUF, clen,
                                              OUT_BUF, 4096, i), NULL), ==, 0);
    }
    g_assert_cmpuint(hist_check(z, lat), ==, 6);
    g_assert_cmpuint(hist_check(z, codec), ==, 6);
    {
        uint64_t lat_sum = hist_read(z, lat, ZCOMP_HIST_SUM_NS);
        uint64_t codec_sum = hist_read(z, codec, ZCOMP_HIST_SUM_NS);

        g_assert_cmpuint(codec_sum, >, 0);
        g_assert_cmpuint(codec_sum, <=, lat_sum);
    }
    g_assert_cmpuint(hist_check(z, ZCOMP_HIST_SEL(2, ZCOMP_ALG_LZ4,
                                                  ZCOMP_OP_DECOMPRESS,
                                                  ZCOMP_HIST_LATENCY)), ==, 2);
    g_assert_cmpuint(hist_check(z, ZCOMP_HIST_SEL(0, ZCOMP_ALG_LZ4,
                                                  ZCOMP_OP_COMPRESS,
                                                  ZCOMP_HIST_LATENCY)), ==, 0);
    g_assert_cmpuint(hist_check(z, ZCOMP_HIST_SEL(ZCOMP_HIST_ALL_QUEUES,
                                                  ZCOMP_ALG_LZ4,
                                                  ZCOMP_OP_COMPRESS,
                                                  ZCOMP_HIST_CODEC)), ==, 6);
    g_assert_cmpuint(hist_check(z, ZCOMP_HIST_SEL(ZCOMP_HIST_ALL_QUEUES,
                                                  ZCOMP_ALG_LZO,
                                                  ZCOMP_OP_COMPRESS,
                                                  ZCOMP_HIST_CODEC)), ==, 0);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_HIST_SEL), ==,
                    ZCOMP_HIST_SEL(ZCOMP_HIST_ALL_QUEUES, ZCOMP_ALG_LZO,
                                   ZCOMP_OP_COMPRESS, ZCOMP_HIST_CODEC));
    /* Selections that name none read as zeros. */
    g_assert_cmpuint(hist_read(z, ZCOMP_HIST_SEL(3, ZCOMP_ALG_LZ4,
                                                 ZCOMP_OP_COMPRESS,
                                                 ZCOMP_HIST_LATENCY),
                               ZCOMP_HIST_COUNT), ==, 0);
    g_assert_cmpuint(hist_read(z, ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZ4, 3,
                                                 ZCOMP_HIST_LATENCY),
                               ZCOMP_HIST_COUNT), ==, 0);
    g_assert_cmpuint(hist_read(z, ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZ4,
                                                 ZCOMP_OP_COMPRESS, 2),
                               ZCOMP_HIST_COUNT), ==, 0);

    /* QMP: the same counts, per queue. */
    rsp = qtest_qmp(z->qts, "{'execute': 'qom-get', 'arguments': "
                    "{'path': '/machine/peripheral/zc', "
                    "'property': 'time-histograms'}}");
    list = qdict_get_qlist(rsp, "return");
    g_assert_nonnull(list);
    QLIST_FOREACH_ENTRY(list, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        int64_t q = qdict_get_int(d, "queue");
        const char *kind = qdict_get_str(d, "kind");
        QList *buckets = qdict_get_qlist(d, "buckets");

        g_assert_cmpstr(qdict_get_str(d, "alg"), ==, "lz4");
        g_assert_true(q == 1 || q == 2);
        g_assert_cmpstr(qdict_get_str(d, "op"), ==,
                        q == 1 ? "compress" : "decompress");
        g_assert_true(!strcmp(kind, "latency") || !strcmp(kind, "codec"));
        g_assert_cmpint(qdict_get_int(d, "count"), ==, q == 1 ? 6 : 2);
        g_assert_cmpint(qdict_get_int(d, "sum-ns"), >, 0);
        g_assert_cmpuint(qlist_size(buckets), ==, ZCOMP_HIST_BUCKETS);
        found++;
    }
    g_assert_cmpint(found, ==, 4);
    qobject_unref(rsp);

    /* Reset clears them, and the selection. */
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_HIST_SEL), ==, 0);
    g_assert_cmpuint(hist_check(z, lat), ==, 0);
    g_assert_cmpuint(hist_check(z, codec), ==, 0);
    zc_stop(z);

    /* histograms=off: an ABI 1.1 device, no capability, no register. */
    z = zc_start("q35", "histograms=off,id=zc");
    g_assert_false(qzcomp_readl(z, ZCOMP_REG_CAP_FLAGS) & ZCOMP_CAP_F_HIST);
    qzcomp_enable(z);
    queue_setup(z, 0, 16, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 0),
                         NULL), ==, 0);
    g_assert_cmpuint(hist_read(z, ZCOMP_HIST_SEL(0, ZCOMP_ALG_LZ4,
                                                 ZCOMP_OP_COMPRESS,
                                                 ZCOMP_HIST_LATENCY),
                               ZCOMP_HIST_COUNT), ==, 0);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_HIST_SEL), ==, 0);
    rsp = qtest_qmp(z->qts, "{'execute': 'qom-get', 'arguments': "
                    "{'path': '/machine/peripheral/zc', "
                    "'property': 'time-histograms'}}");
    g_assert_cmpuint(qlist_size(qdict_get_qlist(rsp, "return")), ==, 0);
    qobject_unref(rsp);
    zc_stop(z);
}

/*
 * Run @n requests of 64 KiB (lz4 compressions of zeros, which cost the
 * host little), @per_queue on each queue from 0 rung at once, on a device
 * whose timing model is set. Returns the time from the first doorbell to
 * the last completion, in ns, and in *@lag the time from the first
 * doorbell to the last; checks that the device's latency histogram (all
 * queues) counted all @n, and gives its sum in *@lat_sum.
 */
static int64_t model_batch(QZcomp *z, int n, int per_queue, uint64_t *lat_sum,
                           int64_t *lag)
{
    uint32_t sel = ZCOMP_HIST_SEL(ZCOMP_HIST_ALL_QUEUES, ZCOMP_ALG_LZ4,
                                  ZCOMP_OP_COMPRESS, ZCOMP_HIST_LATENCY);
    int queues = n / per_queue;
    int64_t t0;

    for (int i = 0; i < n; i++) {
        struct zcomp_sqe sqe = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 65536,
                                          DST_BUF + i * 0x10000, 65536, i);

        qzcomp_push(z, i / per_queue, &sqe);
    }
    t0 = g_get_monotonic_time();
    for (int q = 0; q < queues; q++) {
        qzcomp_kick(z, q);
    }
    *lag = (g_get_monotonic_time() - t0) * 1000;
    for (int i = 0; i < n; i++) {
        g_assert_cmpint(qzcomp_reap(z, i / per_queue).status, ==, 0);
    }
    t0 = (g_get_monotonic_time() - t0) * 1000;
    g_assert_cmpuint(hist_check(z, sel), ==, n);
    *lat_sum = qzcomp_readq(z, ZCOMP_REG_HIST + ZCOMP_HIST_SUM_NS);
    return t0;
}

/*
 * The model is a floor: what is measured, @v, never comes in under
 * @floor. Returns whether it is within 10% of it; a busy host adds to it
 * now and then, which is why the callers measure up to ZC_MODEL_TRIES
 * times.
 */
#define ZC_MODEL_TRIES 5

static bool within_10pct(const char *what, double v, double floor)
{
    g_test_message("%s: %.0f, set %.0f (%+.1f%%)", what, v, floor,
                   100.0 * (v - floor) / floor);
    g_assert_cmpfloat(v, >=, floor * 0.999);
    return v <= floor * 1.1;
}

/*
 * One request @sqe, input @src of @len bytes, on queue 0 of a model device
 * (@props): its latency as the device measured it is within 10% of
 * @floor (within_10pct), in one of ZC_MODEL_TRIES tries.
 */
static void model_one(const char *what, const char *props,
                      struct zcomp_sqe sqe, const void *src, size_t len,
                      double floor)
{
    uint32_t sel = ZCOMP_HIST_SEL(0, sqe.algo, sqe.opcode,
                                  ZCOMP_HIST_LATENCY);
    bool ok = false;

    for (int try = 0; try < ZC_MODEL_TRIES && !ok; try++) {
        QZcomp *z = zc_start("q35", props);

        qtest_memwrite(z->qts, sqe.src_addr, src, len);
        qzcomp_enable(z);
        queue_setup(z, 0, 8, 0);
        g_assert_cmpint(run1(z, 0, sqe, NULL), ==, 0);
        g_assert_cmpuint(hist_check(z, sel), ==, 1);
        ok = within_10pct(what, hist_read(z, sel, ZCOMP_HIST_SUM_NS), floor);
        zc_stop(z);
    }
    g_assert_true(ok);
}

/* device_add of zcomp-pci with @prop = @val fails, saying @why. */
static void assert_refused(QTestState *qts, const char *prop, int64_t val,
                           const char *why)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'device_add', 'arguments': "
                           "{'driver': 'zcomp-pci', %s: %" PRId64 "}}",
                           prop, val);

    g_assert_nonnull(strstr(qdict_get_str(qdict_get_qdict(rsp, "error"),
                                          "desc"), why));
    qobject_unref(rsp);
}

/*
 * The timing model (latency-ns, engine-bps, engines): what the device's
 * own histograms and a driver measure matches the settings within 10%.
 * The settings are large (milliseconds) against what the host adds, so
 * that the check does not depend on the host's speed. The model is a
 * floor, never undercut; the host can only add, so each check passes if
 * one of ZC_MODEL_TRIES tries is within 10%. (The SYNC path, where a vCPU
 * waits, is for a booted guest: qtest's writes are not a vCPU's.)
 */
static void test_timing_model(const void *data)
{
    static const struct {
        uint32_t engines, queues, workers;
    } cases[] = {
        { 1, 1, 1 }, { 4, 1, 1 }, { 2, 2, 2 }, { 1, 2, 2 },
    };
    const uint64_t bps = 10 * 1000 * 1000;
    const double service = 65536.0 * 1e9 / bps;     /* 6.55 ms */
    uint32_t lat = ZCOMP_HIST_SEL(0, ZCOMP_ALG_LZ4, ZCOMP_OP_COMPRESS,
                                  ZCOMP_HIST_LATENCY);
    g_autofree uint8_t *zero = g_malloc0(65536);
    struct zcomp_sqe sqe;
    uint8_t page[4096];
    uint32_t clen = 0;
    bool ok = false;
    QTestState *qts;
    int64_t t, lag;
    uint64_t sum;
    QZcomp *z;

    /* A fixed latency: 5 ms a request, 16 of them one at a time. */
    memset(page, 'z', sizeof(page));
    for (int try = 0; try < ZC_MODEL_TRIES && !ok; try++) {
        z = zc_start("q35", "latency-ns=5000000");
        qtest_memwrite(z->qts, SRC_BUF, page, sizeof(page));
        qzcomp_enable(z);
        queue_setup(z, 0, 32, 0);
        t = g_get_monotonic_time();
        for (int i = 0; i < 16; i++) {
            g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                                  ZCOMP_ALG_LZ4, SRC_BUF,
                                                  4096, DST_BUF, 8192, i),
                                 NULL), ==, 0);
        }
        t = g_get_monotonic_time() - t;
        g_assert_cmpint(t, >=, 16 * 5000);
        g_assert_cmpuint(hist_check(z, lat), ==, 16);
        ok = within_10pct("latency-ns=5000000: mean latency, ns",
                          hist_read(z, lat, ZCOMP_HIST_SUM_NS) / 16.0, 5e6);
        zc_stop(z);
    }
    g_assert_true(ok);

    /*
     * What a request's time is made of: latency and bytes together; a
     * decompression's bytes are its room (a compression's, its input), at
     * most max-request.
     */
    model_one("latency-ns=2000000,engine-bps=10000000: 64 KiB compression, "
              "ns", "latency-ns=2000000,engine-bps=10000000",
              qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4, SRC_BUF, 65536,
                         DST_BUF, 65536, 1), zero, 65536, 2e6 + service);
    z = zc_start("q35", "");
    qtest_memwrite(z->qts, SRC_BUF, zero, 65536);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 65536, DST_BUF, 65536, 1),
                         &clen), ==, 0);
    g_assert_cmpuint(clen, <, 4096);
    qtest_memread(z->qts, DST_BUF, page, clen);
    zc_stop(z);
    model_one("engine-bps=10000000: decompression of a 64 KiB room, ns",
              "engine-bps=10000000",
              qzcomp_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZ4, SRC_BUF, clen,
                         DST_BUF, 65536, 1), page, clen, service);

    /* Bad settings are refused, with the reason (pc: hotplug). */
    qts = qtest_init("-machine pc -nodefaults");
    assert_refused(qts, "latency-ns", 20000000, "latency-ns must be");
    assert_refused(qts, "engine-bps", 1000, "engine-bps must be");
    assert_refused(qts, "engines", 4, "engines needs");
    qtest_quit(qts);

    /*
     * Throughput: 16 requests of 64 KiB rung at once, on @engines engines
     * of 10 MB/s each, from one queue or two (two worker threads); the
     * model runs engines in parallel whatever the host's threads. Request
     * i (from 1) completes after ceil(i / engines) services.
     */
    for (int k = 0; k < ARRAY_SIZE(cases); k++) {
        g_autofree gchar *props = g_strdup_printf(
            "engine-bps=%" PRIu64 ",engines=%u,queues=%u,workers=%u",
            bps, cases[k].engines, cases[k].queues, cases[k].workers);
        double rate = (double)bps * cases[k].engines, mean = 0;
        bool rate_ok = false, mean_ok = false;

        for (int i = 1; i <= 16; i++) {
            mean += DIV_ROUND_UP(i, cases[k].engines) * service / 16;
        }
        for (int try = 0; try < ZC_MODEL_TRIES && !(rate_ok && mean_ok);
             try++) {
            g_autofree gchar *what = g_strdup_printf("%s: ns per MB", props);

            z = zc_start("q35", props);
            qtest_memwrite(z->qts, SRC_BUF, zero, 65536);
            qzcomp_enable(z);
            for (uint32_t q = 0; q < cases[k].queues; q++) {
                queue_setup(z, q, 32, 0);
            }
            t = model_batch(z, 16, 16 / cases[k].queues, &sum, &lag);
            /* As the driver sees it: time per MB, at least the model's. */
            rate_ok |= within_10pct(what, t / (16 * 65536 / 1e6),
                                    1e15 / rate);
            g_free(what);
            /*
             * The device's mean latency. With two queues, the second
             * doorbell comes @lag after the first, and its requests'
             * latencies count from it: on one engine, all their
             * completions are what they would be, so the mean is up to
             * @lag / 2 lower.
             */
            if (cases[k].queues == 1) {
                lag = 0;
            }
            what = g_strdup_printf("%s: mean latency + doorbell lag / 2, ns",
                                   props);
            mean_ok |= within_10pct(what, sum / 16.0 + lag / 2.0, mean);
            zc_stop(z);
        }
        g_assert_true(rate_ok && mean_ok);
    }

    /*
     * A request dropped while it waits for its engine (bus mastering off)
     * gives its time back: run again, it completes one service after its
     * doorbell, not two. And a reset frees the engines.
     */
    ok = false;
    for (int try = 0; try < ZC_MODEL_TRIES && !ok; try++) {
        uint16_t cmd;

        z = zc_start("q35", "engine-bps=10000000,engines=1");
        qtest_memwrite(z->qts, SRC_BUF, zero, 65536);
        qzcomp_enable(z);
        queue_setup(z, 0, 32, 0);
        cmd = qpci_config_readw(z->dev, PCI_COMMAND);
        sqe = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4, SRC_BUF, 65536,
                         DST_BUF, 65536, 1);
        qzcomp_push(z, 0, &sqe);
        qzcomp_kick(z, 0);
        g_usleep(service / 2000);
        qpci_config_writew(z->dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
        g_assert_cmpuint(qzcomp_readl(z, ZCOMP_QREG(0) + ZCOMP_QREG_SQ_HEAD),
                         ==, 0);
        qpci_config_writew(z->dev, PCI_COMMAND, cmd);
        g_assert_cmpint(qzcomp_reap(z, 0).status, ==, 0);
        ok = within_10pct("dropped while waiting, run again: latency, ns",
                          hist_read(z, lat, ZCOMP_HIST_SUM_NS), service);
        if (ok) {
            for (int i = 0; i < 4; i++) {
                sqe.tag = cpu_to_le32(2 + i);
                qzcomp_push(z, 0, &sqe);
            }
            qzcomp_kick(z, 0);
            qzcomp_reap(z, 0);
            qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
            qzcomp_enable(z);
            queue_setup(z, 0, 32, 0);
            model_batch(z, 1, 1, &sum, &lag);
            ok = within_10pct("after a reset: latency, ns", sum, service);
        }
        zc_stop(z);
    }
    g_assert_true(ok);
}

/*
 * SYNC mode: requests complete correctly. qtest's register writes come
 * from the main loop, not from a vCPU, so the device must fall back to its
 * worker here (running inline is only for vCPU stores); the inline path is
 * exercised by a booted guest.
 */
static void test_sync_mode(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(9);
    uint8_t page[4096];
    QZcomp *z = zc_start("q35", "");

    stage(z, page, sizeof(page), 1, r);
    qzcomp_enable(z);
    queue_setup(z, 3, 8, ZCOMP_QCTRL_SYNC);
    for (int i = 0; i < 20; i++) {
        struct zcomp_cqe c;
        qzcomp_push(z, 3, &(struct zcomp_sqe) {
            .opcode = ZCOMP_OP_COMPRESS, .algo = algos[i % 3], .tag = i,
            .src_addr = SRC_BUF, .src_len = 4096, .dst_addr = DST_BUF,
            .dst_cap = 8192 });
        qzcomp_kick(z, 3);
        g_assert_true(qzcomp_try_reap(z, 3, &c, WAIT_US));
        g_assert_cmpuint(c.tag, ==, i);
        g_assert_cmpint(c.status, ==, 0);
    }
    roundtrip(z, 3, ZCOMP_ALG_LZO, page, 4096);
    zc_stop(z);
}

static void test_fault_injection(const void *data)
{
    QZcomp *z = zc_start("q35", "fault-every=4,fault-status=6");
    int faults = 0;

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    for (int i = 0; i < 20; i++) {
        uint8_t st = run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                           SRC_BUF, 4096, DST_BUF, 8192, i),
                          NULL);
        g_assert_cmpint(st, ==, i % 4 == 3 ? ZCOMP_ST_DEVICE_ERROR : 0);
        faults += st != 0;
    }
    g_assert_cmpint(faults, ==, 5);
    g_assert_cmpuint(qzcomp_readq(z, ZCOMP_REG_STATS + ZCOMP_STAT_ERR_BASE +
                                     8 * ZCOMP_ST_DEVICE_ERROR), ==, 5);
    zc_stop(z);
}

static void wait_migration(QTestState *qts)
{
    for (int i = 0; i < 20000; i++) {
        QDict *rsp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
        const char *st = qdict_get_try_str(qdict_get_qdict(rsp, "return"),
                                           "status");
        bool fin = st && !strcmp(st, "completed");

        g_assert_true(!st || strcmp(st, "failed"));
        qobject_unref(rsp);
        if (fin) {
            return;
        }
        g_usleep(1000);
    }
    g_assert_not_reached();
}

/* Stopped VM runs nothing; migration carries the queues over. */
static void test_stop_and_migrate(const void *data)
{
    g_autofree gchar *file = g_strdup_printf("%s/zcomp-mig-%d",
                                             g_get_tmp_dir(), getpid());
    g_autofree gchar *uri = g_strdup_printf("file:%s", file);
    g_autoptr(GRand) r = g_rand_new_with_seed(10);
    uint8_t page[4096];
    struct zcomp_cqe c;
    QZcomp *z = zc_start("q35", "queues=2"), *d;

    stage(z, page, sizeof(page), 1, r);
    qzcomp_enable(z);
    queue_setup(z, 1, 8, 0);
    g_assert_cmpint(run1(z, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    qtest_qmp_assert_success(z->qts, "{'execute': 'stop'}");
    qzcomp_push(z, 1, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZO, .tag = 2,
        .src_addr = SRC_BUF, .src_len = 4096, .dst_addr = DST_BUF,
        .dst_cap = 8192 });
    qzcomp_kick(z, 1);
    g_assert_false(qzcomp_try_reap(z, 1, &c, 200000));
    g_assert_cmpuint(hist_read(z, ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZ4,
                                                 ZCOMP_OP_COMPRESS,
                                                 ZCOMP_HIST_LATENCY),
                               ZCOMP_HIST_COUNT), ==, 1);

    qtest_qmp_assert_success(z->qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    wait_migration(z->qts);

    d = g_new0(QZcomp, 1);
    d->qts = qtest_initf("-machine q35 -m %d -nodefaults "
                         "-device zcomp-pci,addr=%02x.0,queues=2 "
                         "-incoming file:%s", RAM_MB, SLOT, file);
    wait_migration(d->qts);
    qtest_qmp_assert_success(d->qts, "{'execute': 'cont'}");
    zc_attach(d, false);
    zc_take_rings(d, z);
    zc_stop(z);

    /* The request rung while stopped completes on the destination. */
    c = qzcomp_reap(d, 1);
    g_assert_cmpuint(c.tag, ==, 2);
    g_assert_cmpint(c.status, ==, 0);
    g_assert_cmpuint(qzcomp_readq(d, ZCOMP_QREG(1) + ZCOMP_QREG_STATS +
                                     ZCOMP_STAT_REQUESTS), ==, 2);
    /*
     * The histogram selection travelled, the histograms did not; nor did
     * the doorbell time of the request rung on the source: its codec time
     * counts here, its latency nowhere.
     */
    g_assert_cmphex(qzcomp_readl(d, ZCOMP_REG_HIST_SEL), ==,
                    ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZ4, ZCOMP_OP_COMPRESS,
                                   ZCOMP_HIST_LATENCY));
    g_assert_cmpuint(qzcomp_readq(d, ZCOMP_REG_HIST + ZCOMP_HIST_COUNT), ==,
                     0);
    g_assert_cmpuint(hist_read(d, ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZO,
                                                 ZCOMP_OP_COMPRESS,
                                                 ZCOMP_HIST_CODEC),
                               ZCOMP_HIST_COUNT), ==, 1);
    g_assert_cmpuint(hist_read(d, ZCOMP_HIST_SEL(1, ZCOMP_ALG_LZO,
                                                 ZCOMP_OP_COMPRESS,
                                                 ZCOMP_HIST_LATENCY),
                               ZCOMP_HIST_COUNT), ==, 0);
    roundtrip(d, 1, ZCOMP_ALG_LZ4HC, page, 4096);
    zc_stop(d);
    unlink(file);
}


/* ---- hostile guest: every access, bounded stalls, unplug, migration ---- */

/*
 * Every access the memory core can deliver to BAR0: each size, aligned and
 * not, read and write, in the registers, at every doorbell and beyond. A
 * read of a doorbell returns 0. The device is alive afterwards.
 */
static void test_every_access(const void *data)
{
    static const uint32_t offsets[] = {
        ZCOMP_REG_MAGIC, ZCOMP_REG_CTRL, ZCOMP_REG_STATUS, 0x038, 0x0fc,
        ZCOMP_REG_STATS, ZCOMP_REG_STATS + 0x7c, 0x180, 0x0ffc,
        ZCOMP_REG_HIST_SEL, ZCOMP_REG_HIST, ZCOMP_REG_HIST + 0x14c,
        ZCOMP_QREG(0), ZCOMP_QREG(0) + ZCOMP_QREG_CTRL, ZCOMP_QREG(1) + 0x88,
        ZCOMP_QREG(2) + 0xfc, ZCOMP_QREG(ZCOMP_MAX_QUEUES) - 4, 0x7ffc,
        ZCOMP_DB_OFFSET, ZCOMP_DB_OFFSET + 4, ZCOMP_DB_OFFSET + 8,
        ZCOMP_DB_OFFSET + 3 * ZCOMP_DB_STRIDE, ZCOMP_DB_OFFSET + 0x100,
        ZCOMP_BAR0_SIZE - 8,
    };
    QZcomp *z = zc_start("q35", "queues=3");

    for (int q = 0; q < 3; q++) {
        g_assert_cmphex(qzcomp_readl(z, ZCOMP_DB_OFFSET + q * ZCOMP_DB_STRIDE),
                        ==, 0);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
        for (uint32_t skew = 0; skew < 8; skew++) {
            uint64_t off = offsets[i] + skew;

            if (off + 8 > ZCOMP_BAR0_SIZE || off == ZCOMP_REG_CTRL) {
                continue;
            }
            qpci_io_readb(z->dev, z->bar, off);
            qpci_io_readw(z->dev, z->bar, off);
            qpci_io_readl(z->dev, z->bar, off);
            qpci_io_readq(z->dev, z->bar, off);
            if (off >= ZCOMP_DB_OFFSET) {
                /* Doorbells of queues that are not enabled: ignored. */
                qpci_io_writeb(z->dev, z->bar, off, 0xff);
                qpci_io_writew(z->dev, z->bar, off, 0xffff);
                qpci_io_writel(z->dev, z->bar, off, 1);
                qpci_io_writeq(z->dev, z->bar, off, ~0ull);
            }
        }
    }
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_MAGIC), ==, ZCOMP_MAGIC);
    /* And it works. */
    qzcomp_enable(z);
    queue_setup(z, 2, 8, 0);
    g_assert_cmpint(run1(z, 2, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 7),
                         NULL),
                    ==, 0);
    zc_stop(z);
}

/* Round trip of a QMP command without arguments. */
static double qmp_ms(QTestState *qts, const char *cmd)
{
    int64_t t0 = g_get_monotonic_time();

    qtest_qmp_assert_success(qts, "{'execute': %s}", cmd);
    return (g_get_monotonic_time() - t0) / 1000.0;
}

#define STALL_BOUND_MS 500.0     /* vs. 9 s and more before; see spec */

/*
 * Slow requests at the property limits (1 MiB, lz4hc level 12, input that
 * takes it 9 s a request) on every queue; then everything that waits for
 * the device with the BQL held, timed by its round trip.
 */
static void test_bounded_stalls(const void *data)
{
    const uint32_t len = 1024 * 1024;
    g_autoptr(GRand) r = g_rand_new_with_seed(11);
    g_autofree uint8_t *buf = g_malloc(len);
    QZcomp *z = zc_start("q35", "queues=4,workers=4,max-request=1048576,"
                     "lz4hc-level=12");
    double ping = 0, t;
    uint16_t cmd;
    int64_t t0;

    stage(z, buf, len, 4, r);
    qzcomp_enable(z);
    for (int q = 0; q < 4; q++) {
        queue_setup(z, q, 8, 0);
        push_slow(z, q, 7, len, 0);
        qzcomp_kick(z, q);
    }
    g_usleep(300 * 1000);       /* every worker is inside a codec now */
    for (int i = 0; i < 10; i++) {
        ping = MAX(ping, qmp_ms(z->qts, "query-status"));
    }
    g_test_message("QMP round trip during the work: %.1f ms at most", ping);
    g_assert_cmpfloat(ping, <, STALL_BOUND_MS);

    t = qmp_ms(z->qts, "stop");
    g_test_message("stop: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);
    qtest_qmp_assert_success(z->qts, "{'execute': 'cont'}");
    g_usleep(100 * 1000);

    cmd = qpci_config_readw(z->dev, PCI_COMMAND);
    t0 = g_get_monotonic_time();
    qpci_config_writew(z->dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    t = (g_get_monotonic_time() - t0) / 1000.0;
    g_test_message("bus master off: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);
    qpci_config_writew(z->dev, PCI_COMMAND, cmd);
    g_usleep(100 * 1000);

    t0 = g_get_monotonic_time();
    qzcomp_writel(z, ZCOMP_QREG(1) + ZCOMP_QREG_CTRL, 0);
    t = (g_get_monotonic_time() - t0) / 1000.0;
    g_test_message("queue disable: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);

    t0 = g_get_monotonic_time();
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    t = (g_get_monotonic_time() - t0) / 1000.0;
    g_test_message("device reset: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);

    t = qmp_ms(z->qts, "system_reset");
    g_test_message("system_reset: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);
    zc_stop(z);
}

/*
 * Bus mastering: a queue enabled while it is off works once it is on; and
 * once clearing it returns, the device writes nothing to guest memory.
 */
static void test_bus_master_semantics(const void *data)
{
    const uint32_t len = 65536;
    g_autoptr(GRand) r = g_rand_new_with_seed(12);
    g_autofree uint8_t *buf = g_malloc(len);
    g_autofree uint8_t *before = g_malloc(len);
    g_autofree uint8_t *after = g_malloc(len);
    struct zcomp_cqe cq_before[8], cq_after[8];
    QZcomp *z = zc_start("q35", "lz4hc-level=12");
    uint16_t cmd = qpci_config_readw(z->dev, PCI_COMMAND);
    struct zcomp_cqe c = { 0 };

    stage(z, buf, len, 4, r);
    qzcomp_enable(z);
    qpci_config_writew(z->dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    queue_setup(z, 0, 8, 0);
    qpci_config_writew(z->dev, PCI_COMMAND, cmd);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, ZCOMP_STS_READY);

    /* Seven slow requests (about 300 ms each), then bus mastering off. */
    push_slow(z, 0, 7, len, 10);
    qtest_memset(z->qts, DST_BUF, 0x5a, len);
    qzcomp_kick(z, 0);
    g_usleep(100 * 1000);
    qpci_config_writew(z->dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    qtest_memread(z->qts, CQ_BASE(0), cq_before, sizeof(cq_before));
    qtest_memread(z->qts, DST_BUF, before, len);
    g_usleep(1000 * 1000);
    qtest_memread(z->qts, CQ_BASE(0), cq_after, sizeof(cq_after));
    qtest_memread(z->qts, DST_BUF, after, len);
    g_assert_true(memcmp(cq_before, cq_after, sizeof(cq_after)) == 0);
    g_assert_true(memcmp(before, after, len) == 0);

    /* Back on: every entry completes, in order, none lost. */
    qpci_config_writew(z->dev, PCI_COMMAND, cmd);
    while (z->queue[0].head != z->queue[0].tail) {
        c = qzcomp_reap(z, 0);
        g_assert_cmpint(c.status, ==, 0);
        g_assert_cmpuint(c.tag, >=, 10);
    }
    g_assert_cmpuint(c.tag, ==, 16);
    zc_stop(z);
}

/*
 * A decompression writes out_len bytes and nothing past them (liblz4's
 * decoder, given room, copies a few bytes ahead: at these lengths, say).
 */
static void test_no_write_past_out_len(const void *data)
{
    static const uint32_t lens[] = { 101, 212, 397, 508, 4096 };
    g_autoptr(GRand) r = g_rand_new_with_seed(13);
    uint8_t page[4096], out[16384];
    QZcomp *z = zc_start("q35", "");

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    for (size_t l = 0; l < G_N_ELEMENTS(lens); l++) {
        uint32_t len = lens[l];

        stage(z, page, len, 1, r);
        for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
            uint32_t clen, dlen;

            g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, algos[a],
                                                  SRC_BUF, len, DST_BUF, 8192,
                                                  a), &clen), ==, 0);
            qtest_memset(z->qts, OUT_BUF, 0xa5, sizeof(out));
            g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_DECOMPRESS, algos[a],
                                                  DST_BUF, clen, OUT_BUF,
                                                  sizeof(out), a), &dlen),
                            ==, 0);
            g_assert_cmpuint(dlen, ==, len);
            qtest_memread(z->qts, OUT_BUF, out, sizeof(out));
            g_assert_true(memcmp(out, page, len) == 0);
            for (size_t i = len; i < sizeof(out); i++) {
                g_assert_cmphex(out[i], ==, 0xa5);
            }
        }
    }
    zc_stop(z);
}

/* A vector no queue has is refused at enable, whatever MSI-X's state. */
static void test_vector_checked(const void *data)
{
    QZcomp *z = zc_start("q35", "queues=2");

    qzcomp_enable(z);
    qzcomp_writeq(z, ZCOMP_QREG(0) + ZCOMP_QREG_SQ_BASE, SQ_BASE(0));
    qzcomp_writeq(z, ZCOMP_QREG(0) + ZCOMP_QREG_CQ_BASE, CQ_BASE(0));
    qzcomp_writel(z, ZCOMP_QREG(0) + ZCOMP_QREG_SIZE_ENTRIES, 8);
    for (uint32_t ctrl = 0; ctrl <= ZCOMP_QCTRL_IRQ; ctrl += ZCOMP_QCTRL_IRQ) {
        qzcomp_writel(z, ZCOMP_QREG(0) + ZCOMP_QREG_VECTOR, 2);
        qzcomp_writel(z, ZCOMP_QREG(0) + ZCOMP_QREG_CTRL,
                      ctrl | ZCOMP_QCTRL_ENABLE);
        g_assert_cmphex(qzcomp_queue_status(z, 0), ==, ZCOMP_QSTS_SETUP_ERR);
    }
    qzcomp_writel(z, ZCOMP_QREG(0) + ZCOMP_QREG_VECTOR, 1);
    qzcomp_writel(z, ZCOMP_QREG(0) + ZCOMP_QREG_CTRL, ZCOMP_QCTRL_ENABLE);
    g_assert_cmphex(qzcomp_queue_status(z, 0) & ZCOMP_QSTS_ENABLED, ==,
                    ZCOMP_QSTS_ENABLED);
    zc_stop(z);
}

/*
 * A reset drops the request being run, even if the guest enables the
 * device and the queue again before its codec ends: no stale completion
 * in the new ring, no output written, SQ head still 0.
 */
static void test_reset_drops_running(const void *data)
{
    const uint32_t len = 65536;
    g_autoptr(GRand) r = g_rand_new_with_seed(18);
    g_autofree uint8_t *buf = g_malloc(len);
    g_autofree uint8_t *out = g_malloc(len);
    struct zcomp_cqe c;
    QZcomp *z = zc_start("q35", "queues=1,workers=1");

    stage(z, buf, len, 4, r);
    qtest_memset(z->qts, DST_BUF, 0x5a, len);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    qzcomp_push(z, 0, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4HC, .level = 12,
        .tag = 1, .src_addr = SRC_BUF, .src_len = len, .dst_addr = DST_BUF,
        .dst_cap = len });
    qzcomp_kick(z, 0);
    g_usleep(50 * 1000);        /* inside a 300 ms codec */
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);    /* same rings, entry 0 still there */
    g_assert_false(qzcomp_try_reap(z, 0, &c, 1000 * 1000));
    g_assert_cmpuint(qzcomp_readl(z, ZCOMP_QREG(0) + ZCOMP_QREG_SQ_HEAD),
                     ==, 0);
    qtest_memread(z->qts, DST_BUF, out, len);
    for (uint32_t i = 0; i < len; i++) {
        g_assert_cmphex(out[i], ==, 0x5a);
    }
    /* The queue works: the entry runs when rung. */
    z->queue[0].tail = 1;
    qzcomp_kick(z, 0);
    c = qzcomp_reap(z, 0);
    g_assert_cmpuint(c.tag, ==, 1);
    g_assert_cmpint(c.status, ==, 0);
    zc_stop(z);
}

/* ---- unplug from a PCIe root port ---- */

#define RP_SLOT 5

static int count_workers(QTestState *qts)
{
    g_autofree gchar *dir = g_strdup_printf("/proc/%d/task",
                                            (int)qtest_pid(qts));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *tid;
    int n = 0;

    g_assert_nonnull(d);
    while ((tid = g_dir_read_name(d))) {
        g_autofree gchar *path = g_strdup_printf("%s/%s/comm", dir, tid);
        g_autofree gchar *comm = NULL;

        if (g_file_get_contents(path, &comm, NULL, NULL) &&
            g_str_has_prefix(comm, "zcomp-worker")) {
            n++;
        }
    }
    return n;
}

/*
 * Start a q35 with zcomp-pci behind a pcie-root-port (bus 1) and, unless
 * @idle, make the device drivable: the port gets bus numbers and a memory
 * window over libqos' MMIO range. Threads are named (for count_workers).
 */
static QZcomp *zc_start_behind_port(const char *props, bool idle)
{
    QZcomp *z = g_new0(QZcomp, 1);
    QPCIDevice *port;

    z->qts = qtest_initf("-machine q35 -m %d -nodefaults "
                         "-name zc,debug-threads=on "
                         "-device pcie-root-port,id=rp,chassis=1,"
                         "addr=%02x.0 -device zcomp-pci,id=zc,bus=rp%s%s",
                         RAM_MB, RP_SLOT, *props ? "," : "", props);
    z->bus = qpci_new_pc(z->qts, NULL);
    if (idle) {
        return z;
    }
    port = qpci_device_find(z->bus, QPCI_DEVFN(RP_SLOT, 0));
    g_assert_nonnull(port);
    qpci_config_writeb(port, PCI_SECONDARY_BUS, 1);
    qpci_config_writeb(port, PCI_SUBORDINATE_BUS, 1);
    qpci_config_writew(port, PCI_MEMORY_BASE, 0xe000);
    qpci_config_writew(port, PCI_MEMORY_LIMIT, 0xfff0);
    qpci_config_writew(port, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    g_free(port);
    qzcomp_init(z, z->bus, 1 << 8, true);       /* 01:00.0 */
    return z;
}

/* device_del, then a reset completes it (no guest to ack): time it. */
static double unplug_ms(QTestState *qts)
{
    int64_t t0 = g_get_monotonic_time();

    qtest_qmp_device_del_send(qts, "zc");
    qtest_system_reset_nowait(qts);
    qtest_qmp_eventwait(qts, "DEVICE_DELETED");
    return (g_get_monotonic_time() - t0) / 1000.0;
}

/*
 * Wait up to 30 s for @n workers: a thread names itself once it runs, which
 * on a loaded host can be well after QEMU answers. Workers also end by
 * themselves once their codec is done (@n = 0).
 */
static void assert_workers(QTestState *qts, int n)
{
    for (int i = 0; i < 600 && count_workers(qts) != n; i++) {
        g_usleep(50 * 1000);
    }
    g_assert_cmpint(count_workers(qts), ==, n);
}

static void test_unplug_idle(const void *data)
{
    QZcomp *z = zc_start_behind_port("workers=3,queues=3", true);
    double t;

    assert_workers(z->qts, 3);
    t = unplug_ms(z->qts);
    g_test_message("unplug of an idle device: %.1f ms", t);
    assert_workers(z->qts, 0);
    qpci_free_pc(z->bus);
    qtest_quit(z->qts);
    g_free(z);
}

static void test_unplug_busy(const void *data)
{
    const uint32_t len = 256 * 1024;
    g_autoptr(GRand) r = g_rand_new_with_seed(14);
    g_autofree uint8_t *buf = g_malloc(len);
    QZcomp *z = zc_start_behind_port("queues=2,workers=2,max-request=1048576,"
                                 "lz4hc-level=12", false);
    double t;

    stage(z, buf, len, 4, r);
    qzcomp_enable(z);
    for (int q = 0; q < 2; q++) {
        queue_setup(z, q, 8, 0);
        push_slow(z, q, 5, len, 0);
        qzcomp_kick(z, q);
    }
    g_usleep(300 * 1000);
    t = unplug_ms(z->qts);
    g_test_message("unplug with both workers inside a codec: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);
    assert_workers(z->qts, 0);
    g_free(z->dev);
    qpci_free_pc(z->bus);
    qtest_quit(z->qts);
    g_free(z);
}

/*
 * The timing model holds requests for long (here 1 MB/s: 66 ms a 64 KiB
 * request, queued behind each other on one engine): a reset returns at
 * once and nothing completes after it; unplug neither waits for the
 * sleeping workers nor leaves them behind.
 */
static void test_unplug_while_waiting(const void *data)
{
    g_autofree uint8_t *zero = g_malloc0(65536);
    QZcomp *z = zc_start_behind_port("queues=2,workers=2,engine-bps=1000000,"
                                     "engines=1", false);
    int64_t t0;
    double t;

    qtest_memwrite(z->qts, SRC_BUF, zero, 65536);
    qzcomp_enable(z);
    for (int q = 0; q < 2; q++) {
        queue_setup(z, q, 8, 0);
        for (int i = 0; i < 4; i++) {
            struct zcomp_sqe sqe = qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                              ZCOMP_ALG_LZ4, SRC_BUF, 65536,
                                              DST_BUF + q * 0x40000 +
                                              i * 0x10000, 65536, i);

            qzcomp_push(z, q, &sqe);
        }
        qzcomp_kick(z, q);
    }
    g_usleep(20 * 1000);
    t0 = g_get_monotonic_time();
    qzcomp_writel(z, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, STALL_BOUND_MS * 1000);
    g_usleep(150 * 1000);
    for (int q = 0; q < 2; q++) {
        g_assert_cmpuint(qzcomp_readl(z, ZCOMP_QREG(q) + ZCOMP_QREG_SQ_HEAD),
                         ==, 0);
    }

    qzcomp_enable(z);
    for (int q = 0; q < 2; q++) {
        queue_setup(z, q, 8, 0);
        for (int i = 0; i < 4; i++) {
            struct zcomp_sqe sqe = qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                              ZCOMP_ALG_LZ4, SRC_BUF, 65536,
                                              DST_BUF, 65536, i);

            qzcomp_push(z, q, &sqe);
        }
        qzcomp_kick(z, q);
    }
    g_usleep(20 * 1000);
    t = unplug_ms(z->qts);
    g_test_message("unplug with both workers waiting on the model: %.1f ms",
                   t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);
    assert_workers(z->qts, 0);
    g_free(z->dev);
    qpci_free_pc(z->bus);
    qtest_quit(z->qts);
    g_free(z);
}

/* ---- corrupted migration streams ---- */

/* Where our fields sit in the device's section, from queue 0's sq_base. */
typedef struct Field {
    int off;                    /* from queue 0's sq_base */
    int size;
} Field;

#define QSTATE_SIZE (8 + 8 + 4 * 7 + 1 + 1 + 8 * 6 + 8 * (ZCOMP_ST_MAX + 1))
#define DEV_CTRL (-17)          /* ctrl u32, fatal u8, info u32, count u64 */

static const Field fields[] = {
    { DEV_CTRL, 4 }, { DEV_CTRL + 4, 1 }, { DEV_CTRL + 5, 4 },
    { 0, 8 }, { 8, 8 }, { 16, 4 }, { 20, 4 }, { 24, 4 }, { 28, 4 },
    { 32, 4 }, { 36, 4 }, { 40, 4 }, { 44, 1 }, { 45, 1 }, { 46, 8 },
    { QSTATE_SIZE + 0, 8 }, { QSTATE_SIZE + 16, 4 }, { QSTATE_SIZE + 24, 4 },
    { QSTATE_SIZE + 36, 4 }, { QSTATE_SIZE + 40, 4 }, { QSTATE_SIZE + 44, 1 },
};

static void put_be(uint8_t *p, int size, uint64_t v)
{
    for (int i = size - 1; i >= 0; i--, v >>= 8) {
        p[i] = v;
    }
}

/* What the spec promises of any device state, read through registers. */
static void assert_device_sane(QZcomp *z, int nq)
{
    uint32_t st = qzcomp_readl(z, ZCOMP_REG_STATUS);

    g_assert_cmphex(st & ~(ZCOMP_STS_READY | ZCOMP_STS_FATAL), ==, 0);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_CTRL) & ~ZCOMP_CTRL_ENABLE, ==,
                    0);
    if (st & ZCOMP_STS_FATAL) {
        uint32_t info = qzcomp_readl(z, ZCOMP_REG_FATAL_INFO);

        g_assert_cmpuint(info >> 16, <, nq);
        g_assert_true((info & 0xffff) == ZCOMP_FATAL_SQ_READ ||
                      (info & 0xffff) == ZCOMP_FATAL_CQ_WRITE);
    }
    for (int q = 0; q < nq; q++) {
        uint32_t qs = qzcomp_queue_status(z, q);
        uint32_t ctrl = qzcomp_readl(z, ZCOMP_QREG(q) + ZCOMP_QREG_CTRL);
        uint32_t size = qzcomp_readl(z, ZCOMP_QREG(q) +
                                     ZCOMP_QREG_SIZE_ENTRIES);

        g_assert_cmphex(qs & ~(ZCOMP_QSTS_ENABLED | ZCOMP_QSTS_SETUP_ERR |
                               ZCOMP_QSTS_DB_ERR), ==, 0);
        g_assert_cmphex(!!(qs & ZCOMP_QSTS_ENABLED), ==,
                        !!(ctrl & ZCOMP_QCTRL_ENABLE));
        if (ctrl & ZCOMP_QCTRL_ENABLE) {
            uint64_t qr = ZCOMP_QREG(q);

            g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_SQ_HEAD), ==,
                             qzcomp_readl(z, qr + ZCOMP_QREG_CQ_TAIL));
            g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_SQ_HEAD),
                             <, size);
            g_assert_cmpuint(qzcomp_readl(z, qr + ZCOMP_QREG_VECTOR), <, nq);
        }
    }
}

static void memfind_or_fail(const uint8_t *hay, gsize n, const uint8_t *pat,
                            gsize m, gsize *at)
{
    for (gsize i = 0; i + m <= n; i++) {
        if (!memcmp(hay + i, pat, m)) {
            *at = i;
            return;
        }
    }
    g_assert_not_reached();
}

/*
 * Load the stream at @uri into @d (started with -incoming defer), which
 * stays alive either way; whether it was taken.
 */
static bool incoming_loads(QTestState *d, const char *uri)
{
    const char *st;
    QDict *rsp;
    bool ok;

    qtest_qmp_assert_success(d, "{'execute': 'migrate-incoming', "
                             "'arguments': {'uri': %s, "
                             "'exit-on-error': false}}", uri);
    for (;;) {
        rsp = qtest_qmp(d, "{'execute': 'query-migrate'}");
        st = qdict_get_try_str(qdict_get_qdict(rsp, "return"), "status");
        if (st && (!strcmp(st, "completed") || !strcmp(st, "failed"))) {
            break;
        }
        qobject_unref(rsp);
        g_usleep(1000);
    }
    ok = !strcmp(st, "completed");
    qobject_unref(rsp);
    return ok;
}

/*
 * Save a device with two enabled queues, then load many copies whose
 * device section has one field corrupted (random or edge values) into a
 * second QEMU. It never crashes; what it accepts behaves as the spec says
 * and works after a reset.
 */
static void test_corrupt_migration(const void *data)
{
    g_autofree gchar *file = g_strdup_printf("%s/zcomp-mig-%d",
                                             g_get_tmp_dir(), getpid());
    g_autofree gchar *bad = g_strdup_printf("%s.bad", file);
    g_autofree gchar *bad_uri = g_strdup_printf("file:%s", bad);
    g_autofree gchar *uri = g_strdup_printf("file:%s", file);
    g_autoptr(GRand) r = g_rand_new_with_seed(15);
    static const uint64_t edges[] = { 0, 1, 2, 3, 7, 8, 0xff, 0x10000,
                                      0x7fffffff, 0xffffffff, ~0ull };
    g_autofree uint8_t *stream = NULL;
    uint8_t pat[32];
    gsize len, at;
    int accepted = 0, refused = 0;
    QZcomp *z = zc_start("q35", "queues=2");

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    queue_setup(z, 1, 16, ZCOMP_QCTRL_IRQ);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    qtest_qmp_assert_success(z->qts, "{'execute': 'stop'}");
    qtest_qmp_assert_success(z->qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    wait_migration(z->qts);
    zc_stop(z);
    g_assert_true(g_file_get_contents(file, (gchar **)&stream, &len, NULL));
    /* Queue 0: sq_base, cq_base, size 8, vector 0, ctrl and status 1. */
    put_be(pat, 8, SQ_BASE(0));
    put_be(pat + 8, 8, CQ_BASE(0));
    put_be(pat + 16, 4, 8);
    put_be(pat + 20, 4, 0);
    put_be(pat + 24, 4, ZCOMP_QCTRL_ENABLE);
    put_be(pat + 28, 4, ZCOMP_QSTS_ENABLED);
    memfind_or_fail(stream, len, pat, sizeof(pat), &at);

    for (int n = 0; n < 60; n++) {
        const Field *f = &fields[g_rand_int_range(r, 0, G_N_ELEMENTS(fields))];
        g_autofree uint8_t *copy = g_memdup2(stream, len);
        uint64_t v = g_rand_boolean(r) ?
            edges[g_rand_int_range(r, 0, G_N_ELEMENTS(edges))] :
            ((uint64_t)g_rand_int(r) << 32 | g_rand_int(r));
        QTestState *d;
        QZcomp dz = { 0 };

        put_be(copy + at + f->off, f->size, v);
        g_assert_true(g_file_set_contents(bad, (gchar *)copy, len, NULL));
        d = qtest_initf("-machine q35 -m %d -nodefaults "
                        "-device zcomp-pci,addr=%02x.0,queues=2 "
                        "-incoming defer", RAM_MB, SLOT);
        if (!incoming_loads(d, bad_uri)) {
            refused++;
            qtest_quit(d);
            continue;
        }
        accepted++;
        qtest_qmp_assert_success(d, "{'execute': 'cont'}");
        dz.qts = d;
        zc_attach(&dz, false);
        g_usleep(20 * 1000);
        assert_device_sane(&dz, 2);
        /* And a reset gives a working device. */
        qzcomp_writel(&dz, ZCOMP_REG_CTRL, ZCOMP_CTRL_RESET);
        qzcomp_enable(&dz);
        queue_setup(&dz, 1, 8, 0);
        g_assert_cmpint(run1(&dz, 1, qzcomp_sqe(ZCOMP_OP_COMPRESS,
                                                ZCOMP_ALG_LZO, SRC_BUF, 4096,
                                                DST_BUF, 8192, 9),
                             NULL), ==, 0);
        g_free(dz.dev);
        qpci_free_pc(dz.bus);
        qtest_quit(d);
    }
    g_test_message("corrupted streams: %d refused, %d accepted and sane",
                   refused, accepted);
    g_assert_cmpint(refused, >, 0);
    unlink(file);
    unlink(bad);
}

/* ---- doorbells from a vCPU (zcomp-sync-guest.S) ---- */

#define MB_READY        0x100000ull
#define MB_CMD          (MB_READY + 4)
#define MB_DB           (MB_READY + 8)
#define MB_RUNG         (MB_READY + 12)
#define MB_MARK         (MB_READY + 16)
#define MB_READY_MAGIC  0x600df00d

/*
 * A TCG VM whose vCPU runs a boot sector that rings doorbells on request,
 * so that SYNC doorbells run on a vCPU thread, without the BQL, as under a
 * real guest. (qtest's own register writes come from the main loop.)
 */
static QZcomp *zc_start_vcpu_args(const char *machine, const char *props,
                              const char *args, gchar **disk)
{
    QZcomp *z = g_new0(QZcomp, 1);
    int i;

    *disk = g_strdup_printf("%s/zcomp-boot-%d", g_get_tmp_dir(), getpid());
    g_assert_true(g_file_set_contents(*disk, (const gchar *)zcomp_sync_guest,
                                      sizeof(zcomp_sync_guest), NULL));
    z->qts = qtest_initf("-accel tcg -machine %s -m %d -nodefaults "
                         "-drive if=none,id=d0,file=%s,format=raw "
                         "-device ide-hd,drive=d0,secs=1,cyls=1,heads=1 "
                         "-device zcomp-pci,id=zc,addr=%02x.0%s%s %s",
                         machine, RAM_MB, *disk, SLOT, *props ? "," : "",
                         props, args);
    for (i = 0; i < 3000; i++) {
        if (qtest_readl(z->qts, MB_READY) == MB_READY_MAGIC) {
            break;
        }
        g_usleep(10 * 1000);
    }
    g_assert_cmpint(i, <, 3000);
    /* The firmware is done with PCI: set the device up as usual. */
    zc_attach(z, true);
    return z;
}

static QZcomp *zc_start_vcpu(const char *machine, const char *props,
                         gchar **disk)
{
    return zc_start_vcpu_args(machine, props, "", disk);
}

/* Have the vCPU store @q's tail to its doorbell, once or until stopped. */
static void vcpu_ring(QZcomp *z, int q, bool once)
{
    uint32_t rung = qtest_readl(z->qts, MB_RUNG);

    qtest_writel(z->qts, MB_DB, z->bar.addr + ZCOMP_DB_OFFSET +
                 q * ZCOMP_DB_STRIDE);
    qtest_writel(z->qts, MB_CMD, z->queue[q].tail + 1);
    if (once) {
        g_usleep(20 * 1000);
        qtest_writel(z->qts, MB_CMD, 0);
        (void)rung;
    }
}

static void zc_stop_vcpu(QZcomp *z, gchar *disk)
{
    qtest_writel(z->qts, MB_CMD, 0);
    zc_stop(z);
    unlink(disk);
    g_free(disk);
}

/* Fill @q's ring but one entry with 4 KiB lz4hc-12 pages of slow input. */
static void fill_slow_pages(QZcomp *z, int q)
{
    for (uint32_t i = 0; i < z->queue[q].size - 1; i++) {
        struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4HC,
                                        SRC_BUF + (i % 16) * 4096ull, 4096,
                                        DST_BUF + i * 8192ull, 8192, i);
        s.level = 12;
        qzcomp_push(z, q, &s);
    }
}

/*
 * A SYNC doorbell rung by a vCPU over a full ring of the slowest pages:
 * the vCPU runs its budget and leaves the rest to the worker, so a VM stop
 * (which waits for every vCPU) is not held up; all entries complete.
 */
static void test_sync_vcpu_bounded(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(16);
    g_autofree uint8_t *buf = g_malloc(16 * 4096);
    gchar *disk;
    QZcomp *z = zc_start_vcpu("pc", "ring-size=1024", &disk);
    double t, worst = 0;
    struct zcomp_cqe c;

    stage(z, buf, 16 * 4096, 4, r);
    qzcomp_enable(z);
    queue_setup(z, 0, 1024, ZCOMP_QCTRL_SYNC);
    fill_slow_pages(z, 0);
    vcpu_ring(z, 0, true);
    for (int i = 0; i < 5; i++) {
        t = qmp_ms(z->qts, "stop");
        worst = MAX(worst, t);
        qtest_qmp_assert_success(z->qts, "{'execute': 'cont'}");
        g_usleep(10 * 1000);
    }
    g_test_message("stop while a vCPU rang a SYNC doorbell over 1023 "
                   "lz4hc-12 pages: %.1f ms at most", worst);
    g_assert_cmpfloat(worst, <, STALL_BOUND_MS);
    for (uint32_t i = 0; i < 1023; i++) {
        c = qzcomp_reap(z, 0);
        g_assert_cmpuint(c.tag, ==, i);
        g_assert_cmpint(c.status, ==, 0);
    }
    zc_stop_vcpu(z, disk);
}

/* Unplug while the vCPU keeps ringing a SYNC doorbell of a busy queue. */
static void test_unplug_during_sync(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(17);
    g_autofree uint8_t *buf = g_malloc(16 * 4096);
    gchar *disk;
    QZcomp *z = zc_start_vcpu("pc", "ring-size=1024", &disk);
    uint32_t rung;
    double t;

    stage(z, buf, 16 * 4096, 4, r);
    qzcomp_enable(z);
    queue_setup(z, 0, 1024, ZCOMP_QCTRL_SYNC);
    fill_slow_pages(z, 0);
    vcpu_ring(z, 0, false);
    rung = qtest_readl(z->qts, MB_RUNG);
    for (int i = 0; i < 500 && qtest_readl(z->qts, MB_RUNG) < rung + 3; i++) {
        g_usleep(10 * 1000);
    }
    g_assert_cmpuint(qtest_readl(z->qts, MB_RUNG), >=, rung + 3);
    t = unplug_ms(z->qts);
    g_test_message("unplug while a vCPU rings a SYNC doorbell: %.1f ms", t);
    g_assert_cmpfloat(t, <, STALL_BOUND_MS);
    assert_workers(z->qts, 0);
    g_free(z->dev);
    z->dev = NULL;
    qpci_free_pc(z->bus);
    qtest_quit(z->qts);
    g_free(z);
    unlink(disk);
    g_free(disk);
}

/*
 * What the device writes to guest RAM goes through QEMU's dirty tracking
 * (migration resends it, TCG drops code it overwrote; one call does both):
 * the device decompresses a new immediate into the instruction the vCPU
 * keeps running, and the vCPU must then run the new one.
 */
static void test_writes_tracked(const void *data)
{
    static const uint8_t old_imm[4] = { 0x11, 0x11, 0x11, 0x11 };
    static const uint8_t lz4_block[] = { 0x40, 0x22, 0x22, 0x22, 0x22 };
    const uint8_t *imm = memmem(zcomp_sync_guest, sizeof(zcomp_sync_guest),
                                old_imm, sizeof(old_imm));
    uint64_t at = 0x7c00 + (imm - zcomp_sync_guest);
    gchar *disk;
    QZcomp *z = zc_start_vcpu("pc", "", &disk);
    uint32_t out_len, mark = 0;

    g_assert_nonnull(imm);
    g_assert_cmphex(qtest_readl(z->qts, MB_MARK), ==, 0x11111111);
    qtest_memwrite(z->qts, SRC_BUF, lz4_block, sizeof(lz4_block));
    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, sizeof(lz4_block), at, 4, 1),
                         &out_len), ==, 0);
    g_assert_cmpuint(out_len, ==, 4);
    for (int i = 0; i < 2000 && mark != 0x22222222; i++) {
        g_usleep(1000);
        mark = qtest_readl(z->qts, MB_MARK);
    }
    g_assert_cmphex(mark, ==, 0x22222222);
    zc_stop_vcpu(z, disk);
}

/* ---- behind a vIOMMU (intel-iommu, legacy mode, 3-level tables) ---- */

#define PT_BASE         0x09000000ull   /* root, context, then tables */
#define IOVA_OFF        0x100000000ull  /* IOVA of GPA x: x + IOVA_OFF */
#define ALT_BUF         0x0a000000ull   /* pages mapped in their place */
#define IOVA(gpa)       ((gpa) + IOVA_OFF)

typedef struct Vtd {
    QTestState *qts;
    uint64_t next;      /* next free page of tables */
} Vtd;

/* The second-level PTE of @iova, its tables made on the way. */
static uint64_t vtd_pte_addr(Vtd *v, uint64_t iova)
{
    uint64_t table = qtest_readq(v->qts, PT_BASE + 4096 + QPCI_DEVFN(SLOT, 0)
                                 * 16) & ~0xfffull;

    for (int level = 3; level > 1; level--) {
        uint64_t at = table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
        uint64_t e = qtest_readq(v->qts, at);

        if (!(e & 3)) {
            e = v->next | 3;
            qtest_memset(v->qts, v->next, 0, 4096);
            v->next += 4096;
            qtest_writeq(v->qts, at, e);
        }
        table = e & ~0xfffull;
    }
    return table + ((iova >> 12) & 511) * 8;
}

/* Map (or with @perm 0 unmap) the page at @iova to @gpa. */
static void vtd_map(Vtd *v, uint64_t iova, uint64_t gpa, int perm)
{
    qtest_writeq(v->qts, vtd_pte_addr(v, iova), perm ? gpa | perm : 0);
}

static void vtd_map_range(Vtd *v, uint64_t gpa, uint64_t len)
{
    for (uint64_t o = 0; o < len; o += 4096) {
        vtd_map(v, IOVA(gpa + o), gpa + o, 3);
    }
}

/*
 * Page-selective IOTLB invalidation of 2^@am pages at @iova, as a
 * driver's unmap does.
 */
static void vtd_inval_pages(Vtd *v, uint64_t iova, int am)
{
    g_assert_true(vtd_inval(v->qts, VTD_INVAL_PAGE, iova | am));
}

static void vtd_inval_page(Vtd *v, uint64_t iova)
{
    vtd_inval_pages(v, iova, 0);
}

/*
 * Root and context tables for the device (domain VTD_DID, 39-bit, 3
 * levels), empty page tables; translation on if @enable.
 */
static void vtd_setup(Vtd *v, QTestState *qts, bool enable)
{
    v->qts = qts;
    v->next = PT_BASE + 3 * 4096;
    qtest_memset(qts, PT_BASE, 0, 3 * 4096);
    g_assert_true(vtd_root(qts, PT_BASE, QPCI_DEVFN(SLOT, 0),
                           PT_BASE + 2 * 4096));
    if (enable) {
        g_assert_true(vtd_enable(qts));
    }
}

/*
 * The completion entry at @gpa (a CQ page the IOMMU moved there), once
 * its phase bit is set; polled as qzcomp_reap() does.
 */
static struct zcomp_cqe wait_cqe_at(QZcomp *z, uint64_t gpa)
{
    struct zcomp_cqe c;

    for (int i = 0; i < WAIT_US / 1000; i++) {
        qtest_memread(z->qts, gpa, &c, sizeof(c));
        if (c.flags & ZCOMP_CQE_F_PHASE) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmpuint(c.flags & ZCOMP_CQE_F_PHASE, ==, 1);
    return c;
}

static QZcomp *zc_start_iommu(const char *props)
{
    return zc_start_args("-device intel-iommu,aw-bits=39", "q35", props);
}

/* A queue whose rings the device reaches at @sq and @cq (IOVAs). */
static void queue_setup_iova(QZcomp *z, int q, uint64_t sq, uint64_t cq,
                             uint32_t size)
{
    qzcomp_queue_init(z, q, SQ_BASE(q), CQ_BASE(q), size);
    qzcomp_queue_enable(z, q, sq, cq, size, q, 0);
    g_assert_cmphex(qzcomp_queue_status(z, q), ==, ZCOMP_QSTS_ENABLED);
}

/*
 * Every DMA goes through the guest's IOMMU: rings, buffers and SG lists
 * live at IOVAs 4 GiB above their RAM, where there is no RAM at all.
 * Each algorithm, plain buffers and SG lists crossing pages, round trip.
 */
static void test_iommu_translated(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(21);
    g_autofree uint8_t *buf = g_malloc(16384);
    g_autofree uint8_t *back = g_malloc(16384);
    QZcomp *z = zc_start_iommu("");
    Vtd v;
    uint32_t clen, dlen, tag = 0;

    vtd_setup(&v, z->qts, true);
    vtd_map_range(&v, SQ_BASE(0), 4096);
    vtd_map_range(&v, CQ_BASE(0), 4096);
    vtd_map_range(&v, SRC_BUF, 65536);
    vtd_map_range(&v, DST_BUF, 65536);
    vtd_map_range(&v, OUT_BUF, 65536);
    vtd_map_range(&v, SGL_BUF, 4096);
    qzcomp_enable(z);
    queue_setup_iova(z, 0, IOVA(SQ_BASE(0)), IOVA(CQ_BASE(0)), 64);
    stage(z, buf, 16384, 1, r);
    for (unsigned i = 0; i < G_N_ELEMENTS(algos); i++) {
        struct zcomp_sqe s;
        struct zcomp_sge sg[4];

        g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, algos[i],
                                              IOVA(SRC_BUF), 16384,
                                              IOVA(DST_BUF), 32768, ++tag),
                             &clen), ==, ZCOMP_ST_OK);
        /* The output back through an SG list of 4 pieces, across pages. */
        for (int k = 0; k < 4; k++) {
            sg[k].addr = cpu_to_le64(IOVA(OUT_BUF) + k * 4096 + 2048);
            sg[k].len = cpu_to_le32(4096);
            sg[k].rsvd = 0;
        }
        qtest_memwrite(z->qts, SGL_BUF, sg, sizeof(sg));
        s = qzcomp_sqe(ZCOMP_OP_DECOMPRESS, algos[i], IOVA(DST_BUF), clen,
                       IOVA(SGL_BUF), 16384, ++tag);
        s.flags = ZCOMP_SQE_F_DST_SGL;
        s.dst_nsge = cpu_to_le32(4);
        g_assert_cmpint(run1(z, 0, s, &dlen), ==, ZCOMP_ST_OK);
        g_assert_cmpuint(dlen, ==, 16384);
        for (int k = 0; k < 4; k++) {
            qtest_memread(z->qts, OUT_BUF + k * 4096 + 2048, back + k * 4096,
                          4096);
        }
        g_assert_true(memcmp(buf, back, 16384) == 0);
    }
    /* An IOVA the guest never mapped: DMA_ERROR, the device lives. */
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          IOVA(SRC_BUF) + 0x100000, 4096,
                                          IOVA(DST_BUF), 8192, ++tag), NULL),
                    ==, ZCOMP_ST_DMA_ERROR);
    /* Read-only mapping: the device may read, never write there. */
    vtd_map(&v, IOVA(DST_BUF), DST_BUF, 1);
    vtd_inval_page(&v, IOVA(DST_BUF));
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          IOVA(SRC_BUF), 4096, IOVA(DST_BUF),
                                          4096, ++tag), NULL),
                    ==, ZCOMP_ST_DMA_ERROR);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, ZCOMP_STS_READY);
    /*
     * An invalidation across the IOMMU's interrupt window, which splits
     * its region in two sections (a notifier per section would abort).
     */
    vtd_inval_pages(&v, 0xfedff000ull, 1);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          IOVA(SRC_BUF), 4096, IOVA(OUT_BUF),
                                          8192, ++tag), NULL), ==, ZCOMP_ST_OK);
    zc_stop(z);
}

/*
 * Invalidations are honoured: the guest moves the page of a live CQ
 * elsewhere, then unmaps it, each time with an IOTLB invalidation as its
 * IOMMU driver does. The device writes where the page is now, and
 * nowhere once it is gone (the queue goes fatal instead).
 */
static void test_iommu_invalidate(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(22);
    uint8_t page[4096];
    struct zcomp_cqe c, old[8], alt[8], zero[8] = { 0 };
    QZcomp *z = zc_start_iommu("");
    Vtd v;

    vtd_setup(&v, z->qts, true);
    vtd_map_range(&v, SQ_BASE(0), 4096);
    vtd_map_range(&v, CQ_BASE(0), 4096);
    vtd_map_range(&v, SRC_BUF, 4096);
    vtd_map_range(&v, DST_BUF, 8192);
    stage(z, page, sizeof(page), 1, r);
    qzcomp_enable(z);
    queue_setup_iova(z, 0, IOVA(SQ_BASE(0)), IOVA(CQ_BASE(0)), 8);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          IOVA(SRC_BUF), 4096, IOVA(DST_BUF),
                                          8192, 1), NULL), ==, 0);

    /* The CQ page moves to ALT_BUF: completion 2 lands there. */
    qtest_memset(z->qts, ALT_BUF, 0, 4096);
    vtd_map(&v, IOVA(CQ_BASE(0)), ALT_BUF, 3);
    vtd_inval_page(&v, IOVA(CQ_BASE(0)));
    qzcomp_push(z, 0, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4, .tag = 2,
        .src_addr = IOVA(SRC_BUF), .src_len = 4096,
        .dst_addr = IOVA(DST_BUF), .dst_cap = 8192 });
    qzcomp_kick(z, 0);
    c = wait_cqe_at(z, ALT_BUF + sizeof(c));
    g_assert_cmpuint(le32_to_cpu(c.tag), ==, 2);
    g_assert_cmpint(c.status, ==, 0);
    qtest_memread(z->qts, CQ_BASE(0) + sizeof(c), &c, sizeof(c));
    g_assert_cmpuint(c.flags, ==, 0);

    /* Unmapped: nothing written anywhere, the queue's CQ is fatal. */
    qtest_memread(z->qts, CQ_BASE(0), old, sizeof(old));
    qtest_memread(z->qts, ALT_BUF, alt, sizeof(alt));
    vtd_map(&v, IOVA(CQ_BASE(0)), 0, 0);
    vtd_inval_page(&v, IOVA(CQ_BASE(0)));
    qzcomp_push(z, 0, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4, .tag = 3,
        .src_addr = IOVA(SRC_BUF), .src_len = 4096,
        .dst_addr = IOVA(DST_BUF), .dst_cap = 8192 });
    qzcomp_kick(z, 0);
    for (int i = 0; i < WAIT_US / 1000 &&
         qzcomp_readl(z, ZCOMP_REG_STATUS) != ZCOMP_STS_FATAL; i++) {
        g_usleep(1000);
    }
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, ZCOMP_STS_FATAL);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_FATAL_INFO),
                    ==, ZCOMP_FATAL_CQ_WRITE);
    {
        struct zcomp_cqe now_old[8], now_alt[8];

        qtest_memread(z->qts, CQ_BASE(0), now_old, sizeof(now_old));
        qtest_memread(z->qts, ALT_BUF, now_alt, sizeof(now_alt));
        g_assert_true(memcmp(now_old, old, sizeof(old)) == 0);
        g_assert_true(memcmp(now_alt, alt, sizeof(alt)) == 0);
        g_assert_true(memcmp(&now_old[2], zero, sizeof(c)) == 0);
    }
    zc_stop(z);
}

/*
 * The guest turns translation on under a live ring (as Linux does when
 * it boots with intel_iommu=on after firmware used the device): from
 * then on the device reaches the ring where the IOMMU maps it, not where
 * it was before.
 */
static void test_iommu_enable_live(const void *data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(23);
    uint8_t page[4096];
    struct zcomp_cqe c;
    QZcomp *z = zc_start_iommu("");
    Vtd v;

    stage(z, page, sizeof(page), 1, r);
    qzcomp_enable(z);
    /* Translation off: the device's addresses are RAM addresses. */
    queue_setup(z, 0, 8, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    /* Identity for the buffers, the ring pages moved to ALT_BUF. */
    vtd_setup(&v, z->qts, false);
    for (uint64_t o = 0; o < 8192; o += 4096) {
        vtd_map(&v, SRC_BUF + o, SRC_BUF + o, 3);
        vtd_map(&v, DST_BUF + o, DST_BUF + o, 3);
    }
    vtd_map(&v, SQ_BASE(0), ALT_BUF, 3);
    vtd_map(&v, CQ_BASE(0), ALT_BUF + 4096, 3);
    qtest_memset(z->qts, ALT_BUF, 0, 8192);
    g_assert_true(vtd_enable(z->qts));

    /* Entry 1 is where the IOMMU maps the SQ now; its CQE too. */
    qtest_memwrite(z->qts, ALT_BUF + 64, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4, .tag = 2,
        .src_addr = SRC_BUF, .src_len = 4096, .dst_addr = DST_BUF,
        .dst_cap = 8192 }, 64);
    z->queue[0].tail = 2;
    qzcomp_kick(z, 0);
    c = wait_cqe_at(z, ALT_BUF + 4096 + sizeof(c));
    g_assert_cmpuint(le32_to_cpu(c.tag), ==, 2);
    g_assert_cmpint(c.status, ==, 0);
    qtest_memread(z->qts, CQ_BASE(0) + sizeof(c), &c, sizeof(c));
    g_assert_cmpuint(c.flags, ==, 0);
    g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS), ==, ZCOMP_STS_READY);
    zc_stop(z);
}

/*
 * Bus mastering toggled while requests with long SG lists run: each one
 * completes once, OK, in order; the device is never fatal (a cut-off DMA
 * drops the request, which runs again when mastering is back).
 */
static void test_bus_master_race(const void *data)
{
    const uint32_t nsge = 4096, n = 400, len = 65536;
    g_autoptr(GRand) r = g_rand_new_with_seed(24);
    g_autofree uint8_t *buf = g_malloc(len);
    g_autofree struct zcomp_sge *sg = g_new0(struct zcomp_sge, nsge);
    QZcomp *z = zc_start("q35", "ring-size=64,max-sge=4096");
    uint16_t cmd = qpci_config_readw(z->dev, PCI_COMMAND);
    uint32_t done = 0, pushed = 0, toggles = 0;
    struct zcomp_cqe c;
    int64_t start;

    stage(z, buf, len, 1, r);
    /* 16-byte pieces: the output into every other piece of DST_BUF. */
    for (uint32_t i = 0; i < nsge; i++) {
        sg[i].addr = cpu_to_le64(DST_BUF + i * 32);
        sg[i].len = cpu_to_le32(16);
    }
    qtest_memwrite(z->qts, SGL_BUF, sg, nsge * sizeof(*sg));
    for (uint32_t i = 0; i < nsge; i++) {
        sg[i].addr = cpu_to_le64(SRC_BUF + i * 16);
    }
    qtest_memwrite(z->qts, SGL_BUF + 0x100000, sg, nsge * sizeof(*sg));
    qzcomp_enable(z);
    queue_setup(z, 0, 64, 0);
    start = g_get_monotonic_time();
    while (done < n) {
        uint32_t before = done;

        while (pushed < n && pushed - done < 63) {
            struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                            SGL_BUF + 0x100000, len, SGL_BUF,
                                            nsge * 16, pushed++);

            s.flags = ZCOMP_SQE_F_SRC_SGL | ZCOMP_SQE_F_DST_SGL;
            s.src_nsge = cpu_to_le32(nsge);
            s.dst_nsge = cpu_to_le32(nsge);
            qzcomp_push(z, 0, &s);
        }
        qzcomp_kick(z, 0);
        qpci_config_writew(z->dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
        g_usleep(g_rand_int_range(r, 0, 500));
        qpci_config_writew(z->dev, PCI_COMMAND, cmd);
        toggles++;
        g_usleep(g_rand_int_range(r, 0, 2000));
        /*
         * Every 8th toggle, mastering stays on until a request completes:
         * progress however slow the host (each flip drops the request
         * being run).
         */
        do {
            while (done < n && qzcomp_try_reap(z, 0, &c, 0)) {
                g_assert_cmpuint(c.tag, ==, done);
                g_assert_cmpint(c.status, ==, ZCOMP_ST_OK);
                done++;
            }
            g_assert_cmphex(qzcomp_readl(z, ZCOMP_REG_STATUS),
                            ==, ZCOMP_STS_READY);
            g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * WAIT_US);
        } while (toggles % 8 == 0 && done == before && done < n &&
                 (g_usleep(1000), true));
    }
    g_test_message("%u requests of %u SG entries each way, %u bus-master "
                   "toggles: all OK", n, nsge, toggles);
    zc_stop(z);
}

/*
 * Capabilities and geometry travel with the device: a destination that
 * offers what the source did loads its state; one that offers more,
 * less or other sizes refuses it.
 */
static bool migrate_to(const char *src_props, const char *dst_props)
{
    g_autofree gchar *file = g_strdup_printf("%s/zcomp-mig-caps-%d",
                                             g_get_tmp_dir(), getpid());
    g_autofree gchar *uri = g_strdup_printf("file:%s", file);
    QZcomp *z = zc_start("q35", src_props);
    QTestState *d;
    bool ok;

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    qtest_qmp_assert_success(z->qts, "{'execute': 'stop'}");
    qtest_qmp_assert_success(z->qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    wait_migration(z->qts);
    zc_stop(z);
    d = qtest_initf("-machine q35 -m %d -nodefaults "
                    "-device zcomp-pci,addr=%02x.0%s%s -incoming defer",
                    RAM_MB, SLOT, *dst_props ? "," : "", dst_props);
    ok = incoming_loads(d, uri);
    if (ok) {
        QZcomp dz = { .qts = d };

        qtest_qmp_assert_success(d, "{'execute': 'cont'}");
        zc_attach(&dz, false);
        g_assert_cmphex(qzcomp_readl(&dz, ZCOMP_REG_CAP_ALGS), ==,
                        strstr(dst_props, "zstd=off") ? 0x7 : 0x1f);
        g_free(dz.dev);
        qpci_free_pc(dz.bus);
    }
    qtest_quit(d);
    unlink(file);
    return ok;
}

static void test_migrate_caps(const void *data)
{
    static const char *const other[] = {
        "", "lzo-rle=off,zstd=off,max-request=131072",
        "lzo-rle=off,zstd=off,max-sge=128",
        "lzo-rle=off,zstd=off,ring-size=512",
        "lzo-rle=off,zstd=off,lz4hc-level=12",
        "lzo-rle=off,zstd=off,zstd-level=4",
        "lzo-rle=off", "zstd=off", "lzo-rle=off,zstd=off,histograms=off",
    };
    const char *abi10 = "lzo-rle=off,zstd=off";

    g_assert_true(migrate_to(abi10, abi10));
    for (unsigned i = 0; i < G_N_ELEMENTS(other); i++) {
        g_test_message("destination '%s': refused", other[i]);
        g_assert_false(migrate_to(abi10, other[i]));
    }
    g_assert_true(migrate_to("", ""));
    /* A device without histograms (as before ABI 1.2) meets one with. */
    g_assert_false(migrate_to("histograms=off", ""));
    g_assert_true(migrate_to("histograms=off", "histograms=off"));
}

/*
 * A version 1 stream (from before the capabilities travelled: this
 * device's, made by hand) loads, taken as offering what the destination
 * does, and the device works on.
 */
static void test_migrate_v1(const void *data)
{
    static const char idstr[] = "0000:00:04.0/zcomp-pci";
    /* CAP_ALGS 0x1f, ring 1024, 64 KiB, 256 SGEs, lz4hc 9, zstd 3 */
    static const uint8_t caps[18] = { 0, 0, 0, 0x1f, 0, 0, 4, 0, 0, 1, 0, 0,
                                      0, 0, 1, 0, 9, 3 };
    g_autofree gchar *file = g_strdup_printf("%s/zcomp-mig-v1-%d",
                                             g_get_tmp_dir(), getpid());
    g_autofree gchar *uri = g_strdup_printf("file:%s", file);
    g_autofree uint8_t *stream = NULL;
    QZcomp *z = zc_start("q35", ""), *d;
    gsize len, at, c;

    qzcomp_enable(z);
    queue_setup(z, 0, 8, 0);
    g_assert_cmpint(run1(z, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4,
                                          SRC_BUF, 4096, DST_BUF, 8192, 1),
                         NULL),
                    ==, 0);
    qtest_qmp_assert_success(z->qts, "{'execute': 'stop'}");
    qtest_qmp_assert_success(z->qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    wait_migration(z->qts);
    g_assert_true(g_file_get_contents(file, (gchar **)&stream, &len, NULL));
    /* The section header: idstr, instance id, version id 2 -> 1. */
    memfind_or_fail(stream, len, (const uint8_t *)idstr, strlen(idstr), &at);
    at += strlen(idstr) + 4;
    g_assert_cmphex(ldl_be_p(stream + at), ==, 2);
    stl_be_p(stream + at, 1);
    /* And without the capabilities. */
    memfind_or_fail(stream + at, len - at, caps, sizeof(caps), &c);
    c += at;
    memmove(stream + c, stream + c + sizeof(caps), len - c - sizeof(caps));
    len -= sizeof(caps);
    g_assert_true(g_file_set_contents(file, (gchar *)stream, len, NULL));

    d = g_new0(QZcomp, 1);
    d->qts = qtest_initf("-machine q35 -m %d -nodefaults "
                         "-device zcomp-pci,addr=%02x.0 -incoming %s",
                         RAM_MB, SLOT, uri);
    wait_migration(d->qts);
    qtest_qmp_assert_success(d->qts, "{'execute': 'cont'}");
    zc_attach(d, false);
    zc_take_rings(d, z);
    zc_stop(z);
    g_assert_cmphex(qzcomp_readl(d, ZCOMP_REG_CAP_ALGS), ==, 0x1f);
    g_assert_cmpint(run1(d, 0, qzcomp_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_ZSTD,
                                          SRC_BUF, 4096, DST_BUF, 8192, 2),
                         NULL),
                    ==, 0);
    zc_stop(d);
    unlink(file);
}

/*
 * A SYNC doorbell prices each request by its worst case, not its bytes:
 * a 64 KiB zstd decompression (whose crafted worst case is tens of ms)
 * goes to the worker, a 4 KiB lz4 page runs on the vCPU, and so does a
 * 4 KiB lz4hc page with room for two (a compression is priced by its
 * input). All complete.
 */
static void test_sync_priced(const void *data)
{
    g_autofree gchar *log = g_strdup_printf("%s/zcomp-sync-%d.log",
                                            g_get_tmp_dir(), getpid());
    g_autofree gchar *trace = g_strdup_printf("-trace zcomp_sync_defer "
                                              "-trace zcomp_sync_run -D %s",
                                              log);
    g_autofree uint8_t *frame = g_malloc(65536 + 64);
    g_autofree gchar *text = NULL;
    g_autoptr(GRand) r = g_rand_new_with_seed(25);
    uint8_t page[4096];
    uint32_t len = 0, n = 64000;
    struct zcomp_cqe c;
    gchar *disk;
    QZcomp *z;

    /* A zstd frame of 64000 bytes in 2 raw blocks. */
    memcpy(frame, "\x28\xb5\x2f\xfd\xa0", 5);
    stl_le_p(frame + 5, n);
    len = 9;
    for (int b = 0; b < 2; b++) {
        uint32_t h = (32000 << 3) | (b == 1);

        frame[len++] = h;
        frame[len++] = h >> 8;
        frame[len++] = h >> 16;
        for (uint32_t i = 0; i < 32000; i++) {
            frame[len++] = i * 7 + b;
        }
    }
    unlink(log);
    z = zc_start_vcpu_args("pc", "", trace, &disk);
    qtest_memwrite(z->qts, SRC_BUF + 0x100000, frame, len);
    stage(z, page, sizeof(page), 1, r);
    qzcomp_enable(z);
    queue_setup(z, 0, 8, ZCOMP_QCTRL_SYNC);
    qzcomp_push(z, 0, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4, .tag = 1,
        .src_addr = SRC_BUF, .src_len = 4096, .dst_addr = DST_BUF,
        .dst_cap = 8192 });
    vcpu_ring(z, 0, true);
    c = qzcomp_reap(z, 0);
    g_assert_cmpint(c.status, ==, 0);
    /*
     * The 64 KiB zstd request: priced and left to the worker. A doorbell
     * that the vCPU had to leave before pricing anything (asked to exit,
     * or descheduled past the budget) proves nothing: ring again then.
     */
    for (uint32_t tag = 2; tag < 5; tag++) {
        g_autofree gchar *deferred = g_strdup_printf("tag 0x%x:", tag);
        gsize seen = 0;

        if (g_file_get_contents(log, &text, &seen, NULL)) {
            g_clear_pointer(&text, g_free);
        }
        qzcomp_push(z, 0, &(struct zcomp_sqe) {
            .opcode = ZCOMP_OP_DECOMPRESS, .algo = ZCOMP_ALG_ZSTD,
            .tag = tag, .src_addr = SRC_BUF + 0x100000, .src_len = len,
            .dst_addr = OUT_BUF, .dst_cap = n });
        vcpu_ring(z, 0, true);
        c = qzcomp_reap(z, 0);
        g_assert_cmpint(c.status, ==, 0);
        g_assert_cmpuint(c.out_len, ==, n);
        g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
        g_test_message("%s", text + seen);
        /* Never on the vCPU: no doorbell ran an entry. */
        g_assert_null(strstr(text + seen, ": 1 entries on the vCPU"));
        if (strstr(text + seen, deferred)) {
            break;
        }
        g_clear_pointer(&text, g_free);
        g_assert_cmpuint(tag, <, 4);
    }
    g_clear_pointer(&text, g_free);
    /*
     * A 4 KiB page compressed with lz4hc (the device's default level 9)
     * into zram's two-page buffer: priced by its input (1.3 ms), it fits
     * the doorbell's budget; by its room (4.4 ms) it would not.
     */
    qzcomp_push(z, 0, &(struct zcomp_sqe) {
        .opcode = ZCOMP_OP_COMPRESS, .algo = ZCOMP_ALG_LZ4HC, .tag = 5,
        .src_addr = SRC_BUF, .src_len = 4096, .dst_addr = DST_BUF,
        .dst_cap = 8192 });
    vcpu_ring(z, 0, true);
    c = qzcomp_reap(z, 0);
    g_assert_cmpint(c.status, ==, 0);
    zc_stop_vcpu(z, disk);
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_null(strstr(text, "tag 0x1:"));
    g_assert_null(strstr(text, "tag 0x5:"));
    unlink(log);
}

/*
 * How long a SYNC doorbell keeps its vCPU, per algorithm and direction,
 * on the slowest input known at the heaviest level (two random symbols;
 * lz4hc 12, zstd 19), 4 KiB pages, a full ring per doorbell: the longest
 * of the doorbells, from the device's own clock (trace zcomp_sync_run).
 * The spec's bound is 10 ms; the test fails at 100 ms (a shared host
 * may deschedule the vCPU thread in between: a figure, not a timing).
 */
static const char *algo_name(uint8_t algo)
{
    static const char *const names[] = { "lz4", "lz4hc", "lzo", "lzo-rle",
                                         "zstd" };

    return algo < G_N_ELEMENTS(names) ? names[algo] : "?";
}

/* The heaviest level of @algo (0 for those without levels). */
static uint8_t top_level(uint8_t algo)
{
    return algo == ZCOMP_ALG_ZSTD ? 19 : algo == ZCOMP_ALG_LZ4HC ? 12 : 0;
}

static void test_sync_stall_per_algorithm(const void *data)
{
    g_autofree gchar *log = g_strdup_printf("%s/zcomp-stall-%d.log",
                                            g_get_tmp_dir(), getpid());
    g_autofree gchar *trace = g_strdup_printf("-trace zcomp_sync_run -D %s",
                                              log);
    g_autoptr(GRand) r = g_rand_new_with_seed(26);
    g_autofree uint8_t *buf = g_malloc(4096);
    const uint32_t n = 15;
    gsize seen = 0;
    gchar *disk;
    QZcomp *z;

    unlink(log);
    z = zc_start_vcpu_args("pc", "ring-size=16", trace, &disk);
    stage(z, buf, 4096, 4, r);
    qzcomp_enable(z);
    queue_setup(z, 0, 16, ZCOMP_QCTRL_SYNC);
    queue_setup(z, 1, 16, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(algos); i++) {
        for (int op = ZCOMP_OP_COMPRESS; op <= ZCOMP_OP_DECOMPRESS; op++) {
            uint8_t level = op == ZCOMP_OP_COMPRESS ? top_level(algos[i]) : 0;
            g_autofree gchar *text = NULL;
            uint32_t clen = 0;
            double worst = 0;
            gchar **lines;
            gsize len;

            if (op == ZCOMP_OP_DECOMPRESS) {
                struct zcomp_sqe s = qzcomp_sqe(ZCOMP_OP_COMPRESS, algos[i],
                                                SRC_BUF, 4096, DST_BUF,
                                                8192, 0);

                s.level = top_level(algos[i]);
                g_assert_cmpint(run1(z, 1, s, &clen), ==, 0);
            }
            for (uint32_t k = 0; k < n; k++) {
                struct zcomp_sqe s = op == ZCOMP_OP_COMPRESS ?
                    qzcomp_sqe(op, algos[i], SRC_BUF, 4096,
                               OUT_BUF + k * 8192ull, 8192, k) :
                    qzcomp_sqe(op, algos[i], DST_BUF, clen,
                               OUT_BUF + k * 8192ull, 4096, k);

                s.level = level;
                qzcomp_push(z, 0, &s);
            }
            vcpu_ring(z, 0, true);
            for (uint32_t k = 0; k < n; k++) {
                struct zcomp_cqe c = qzcomp_reap(z, 0);

                g_assert_cmpint(c.status, ==, 0);
            }
            /* The doorbells' lines since the last reading. */
            g_assert_true(g_file_get_contents(log, &text, &len, NULL));
            g_assert_cmpuint(len, >, seen);
            lines = g_strsplit(text + seen, "\n", -1);
            seen = len;
            for (gchar **l = lines; *l; l++) {
                const char *at = strstr(*l, " in ");

                if (at) {
                    worst = MAX(worst, g_ascii_strtod(at + 4, NULL) / 1e6);
                }
            }
            g_strfreev(lines);
            g_test_message("SYNC doorbell, %u x 4 KiB %s %s (level %u): "
                           "longest %.2f ms", n, algo_name(algos[i]),
                           op == ZCOMP_OP_COMPRESS ? "compress" :
                           "decompress", level, worst);
            g_assert_cmpfloat(worst, <, 100);
        }
    }
    zc_stop_vcpu(z, disk);
    unlink(log);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/zcomp-pci/ident/q35", "q35", test_ident);
    qtest_add_data_func("/zcomp-pci/ident/pc", "pc", test_ident);
    qtest_add_data_func("/zcomp-pci/abi-1.0-algorithms", NULL,
                        test_abi_1_0_algorithms);
    qtest_add_data_func("/zcomp-pci/queue-setup", NULL, test_queue_setup);
    qtest_add_data_func("/zcomp-pci/roundtrip/kinds-and-sizes", NULL,
                        test_roundtrip);
    qtest_add_data_func("/zcomp-pci/roundtrip/numa", NULL,
                        test_roundtrip_numa);
    qtest_add_data_func("/zcomp-pci/roundtrip/corpus", NULL,
                        test_roundtrip_corpus);
    qtest_add_data_func("/zcomp-pci/kernel-vectors", NULL,
                        test_kernel_vectors);
    qtest_add_data_func("/zcomp-pci/ring-wrap", NULL, test_wrap);
    qtest_add_data_func("/zcomp-pci/multi-queue", NULL, test_multi_queue);
    qtest_add_data_func("/zcomp-pci/msix", NULL, test_msix);
    qtest_add_data_func("/zcomp-pci/irq-coalesce", NULL, test_irq_coalesce);
    qtest_add_data_func("/zcomp-pci/errors", NULL, test_errors);
    qtest_add_data_func("/zcomp-pci/fatal-and-reset", NULL, test_fatal);
    qtest_add_data_func("/zcomp-pci/bus-master-off", NULL,
                        test_bus_master_off);
    qtest_add_data_func("/zcomp-pci/reset-in-flight", NULL,
                        test_reset_in_flight);
    qtest_add_data_func("/zcomp-pci/stats", NULL, test_stats);
    qtest_add_data_func("/zcomp-pci/histograms", NULL, test_histograms);
    qtest_add_data_func("/zcomp-pci/sync-mode", NULL, test_sync_mode);
    qtest_add_data_func("/zcomp-pci/timing-model", NULL,
                        test_timing_model);
    qtest_add_data_func("/zcomp-pci/fault-injection", NULL,
                        test_fault_injection);
    qtest_add_data_func("/zcomp-pci/stop-and-migrate", NULL,
                        test_stop_and_migrate);
    qtest_add_data_func("/zcomp-pci/hostile/every-access", NULL,
                        test_every_access);
    qtest_add_data_func("/zcomp-pci/hostile/bounded-stalls", NULL,
                        test_bounded_stalls);
    qtest_add_data_func("/zcomp-pci/hostile/bus-master", NULL,
                        test_bus_master_semantics);
    qtest_add_data_func("/zcomp-pci/hostile/no-write-past-out-len", NULL,
                        test_no_write_past_out_len);
    qtest_add_data_func("/zcomp-pci/hostile/vector-checked", NULL,
                        test_vector_checked);
    qtest_add_data_func("/zcomp-pci/hostile/reset-drops-running", NULL,
                        test_reset_drops_running);
    qtest_add_data_func("/zcomp-pci/hostile/unplug-idle", NULL,
                        test_unplug_idle);
    qtest_add_data_func("/zcomp-pci/hostile/unplug-while-waiting", NULL,
                        test_unplug_while_waiting);
    qtest_add_data_func("/zcomp-pci/hostile/unplug-busy", NULL,
                        test_unplug_busy);
    qtest_add_data_func("/zcomp-pci/hostile/corrupt-migration", NULL,
                        test_corrupt_migration);
    qtest_add_data_func("/zcomp-pci/hostile/sync-vcpu-bounded", NULL,
                        test_sync_vcpu_bounded);
    qtest_add_data_func("/zcomp-pci/hostile/unplug-during-sync", NULL,
                        test_unplug_during_sync);
    qtest_add_data_func("/zcomp-pci/hostile/lzorle-worst-case", NULL,
                        test_hostile_lzorle_worst_case);
    qtest_add_data_func("/zcomp-pci/hostile/writes-tracked", NULL,
                        test_writes_tracked);
    qtest_add_data_func("/zcomp-pci/hostile/bus-master-race", NULL,
                        test_bus_master_race);
    qtest_add_data_func("/zcomp-pci/hostile/sync-priced", NULL,
                        test_sync_priced);
    qtest_add_data_func("/zcomp-pci/migrate-caps", NULL, test_migrate_caps);
    qtest_add_data_func("/zcomp-pci/migrate-v1", NULL, test_migrate_v1);
    qtest_add_data_func("/zcomp-pci/hostile/sync-stall-per-algorithm", NULL,
                        test_sync_stall_per_algorithm);
    if (qtest_has_device("intel-iommu")) {
        qtest_add_data_func("/zcomp-pci/iommu/translated", NULL,
                            test_iommu_translated);
        qtest_add_data_func("/zcomp-pci/iommu/invalidate", NULL,
                            test_iommu_invalidate);
        qtest_add_data_func("/zcomp-pci/iommu/enable-under-live-ring", NULL,
                            test_iommu_enable_live);
    }
    return g_test_run();
}
