/* SPDX-License-Identifier: (GPL-2.0-or-later OR MIT) */
/*
 * zcomp-pci: register and descriptor ABI of the virtual compression
 * accelerator. The one definition shared by the QEMU device, the Linux
 * driver and the tests; docs/specs/zcomp-pci.rst describes the semantics.
 *
 * All multi-byte fields are little-endian. Usable from QEMU, the Linux
 * kernel and plain C (C11 static asserts are used when available).
 */
#ifndef ZCOMP_ABI_H
#define ZCOMP_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 zc_u8;
typedef __u16 zc_u16;
typedef __u32 zc_u32;
typedef __u64 zc_u64;
#else
#include <stdint.h>
typedef uint8_t zc_u8;
typedef uint16_t zc_u16;
typedef uint32_t zc_u32;
typedef uint64_t zc_u64;
#endif

/* PCI identity: QEMU's experimental range (docs/specs/pci-ids.rst). */
#define ZCOMP_PCI_VENDOR_ID         0x1af4
#define ZCOMP_PCI_DEVICE_ID         0x10f0
#define ZCOMP_PCI_REVISION          0x01
/* PCI_CLASS_PROCESSOR_CO: "co-processor". */
#define ZCOMP_PCI_CLASS             0x0b40

#define ZCOMP_MAGIC                 0x504d435aU     /* "ZCMP" */
#define ZCOMP_ABI_MAJOR             1
#define ZCOMP_ABI_MINOR             2   /* 1: lzo-rle, zstd; 2: histograms */
#define ZCOMP_ABI_VERSION           ((ZCOMP_ABI_MAJOR << 16) | ZCOMP_ABI_MINOR)

/* BAR0 (64 KiB, 64-bit memory): registers. BAR2: MSI-X table and PBA. */
#define ZCOMP_MSIX_BAR              2
#define ZCOMP_BAR0_SIZE             0x10000

/* Global registers: 32-bit unless noted; 64-bit ones may be read as one
 * 8-byte access or as two 4-byte halves (low first). */
#define ZCOMP_REG_MAGIC             0x000   /* RO: ZCOMP_MAGIC */
#define ZCOMP_REG_VERSION           0x004   /* RO: ZCOMP_ABI_VERSION */
#define ZCOMP_REG_CAP_ALGS          0x008   /* RO: bit (1 << ZCOMP_ALG_*) */
#define ZCOMP_REG_CAP_QUEUES        0x00c   /* RO: number of queues */
#define ZCOMP_REG_CAP_RING          0x010   /* RO: largest ring, entries */
#define ZCOMP_REG_CAP_MAX_REQ       0x014   /* RO: largest src_len/dst_cap */
#define ZCOMP_REG_CAP_MAX_SGE       0x018   /* RO: largest SG list, entries */
#define ZCOMP_REG_CAP_FLAGS         0x01c   /* RO: ZCOMP_CAP_F_* */
#define ZCOMP_REG_CTRL              0x020   /* RW: ZCOMP_CTRL_* */
#define ZCOMP_REG_STATUS            0x024   /* RO: ZCOMP_STS_* */
#define ZCOMP_REG_FATAL_INFO        0x028   /* RO: queue << 16 | reason */
#define ZCOMP_REG_DB_OFFSET         0x02c   /* RO: BAR0 offset of doorbells */
#define ZCOMP_REG_DB_STRIDE         0x030   /* RO: bytes between doorbells */
#define ZCOMP_REG_LZ4HC_LEVEL       0x034   /* RO: level used when sqe=0 */
#define ZCOMP_REG_ZSTD_LEVEL        0x038   /* RO: same for zstd (minor 1) */
#define ZCOMP_REG_HIST_SEL          0x03c   /* RW: ZCOMP_HIST_SEL() (minor 2) */

/* Device-wide statistics: sums over all queues (RO, 64-bit). */
#define ZCOMP_REG_STATS             0x100

/* Per-queue statistics block, at ZCOMP_REG_STATS (totals) and at
 * ZCOMP_QREG(q) + ZCOMP_QREG_STATS (one queue). RO, 64-bit each. */
#define ZCOMP_STAT_REQUESTS         0x00    /* descriptors completed */
#define ZCOMP_STAT_BYTES_IN         0x08    /* src bytes of successes */
#define ZCOMP_STAT_BYTES_OUT        0x10    /* dst bytes produced */
#define ZCOMP_STAT_COMPRESS         0x18    /* successful compressions */
#define ZCOMP_STAT_DECOMPRESS       0x20    /* successful decompressions */
#define ZCOMP_STAT_ERRORS           0x28    /* completions with status != 0 */
/* Completions by status code s (1 .. ZCOMP_ST_MAX): ERR_BASE + 8 * s. */
#define ZCOMP_STAT_ERR_BASE         0x30
#define ZCOMP_STAT_SIZE             0x80

/*
 * Time histograms (ZCOMP_CAP_F_HIST, minor 2): the device measures, per
 * queue, algorithm and opcode, each request's time from the doorbell write
 * that submitted it to its completion (LATENCY), and its codec's time
 * alone (CODEC). ZCOMP_REG_HIST_SEL selects one histogram (queue
 * ZCOMP_HIST_ALL_QUEUES: the sum over all queues); the window at
 * ZCOMP_REG_HIST reads it: ZCOMP_HIST_BUCKETS counts, bucket b holding the
 * times t (ns) with 2^b <= t < 2^(b+1) (t of 0 in bucket 0, the last one
 * also everything longer), then the number of times and their sum in ns.
 * RO, 64-bit each. A selection that names no histogram reads as zeros.
 */
#define ZCOMP_REG_HIST              0x200
#define ZCOMP_HIST_BUCKETS          40
#define ZCOMP_HIST_COUNT            (8 * ZCOMP_HIST_BUCKETS)  /* in window */
#define ZCOMP_HIST_SUM_NS           (ZCOMP_HIST_COUNT + 8)
#define ZCOMP_HIST_SIZE             (ZCOMP_HIST_SUM_NS + 8)
#define ZCOMP_HIST_LATENCY          0   /* doorbell write to completion */
#define ZCOMP_HIST_CODEC            1   /* the codec alone */
#define ZCOMP_HIST_KINDS            2
#define ZCOMP_HIST_ALL_QUEUES       0xff
#define ZCOMP_HIST_SEL(q, alg, op, kind) \
	((zc_u32)(q) | (zc_u32)(alg) << 8 | (zc_u32)(op) << 16 | \
	 (zc_u32)(kind) << 24)

/* Queue registers: block of ZCOMP_QREG_SIZE bytes per queue. */
#define ZCOMP_QREG_BASE             0x1000
#define ZCOMP_QREG_SIZE             0x100
#define ZCOMP_QREG(q)               (ZCOMP_QREG_BASE + (q) * ZCOMP_QREG_SIZE)
#define ZCOMP_QREG_SQ_BASE          0x00    /* RW 64-bit: SQ ring, 64-aligned */
#define ZCOMP_QREG_CQ_BASE          0x08    /* RW 64-bit: CQ ring, 16-aligned */
#define ZCOMP_QREG_SIZE_ENTRIES     0x10    /* RW: entries, power of 2, >= 2 */
#define ZCOMP_QREG_VECTOR           0x14    /* RW: MSI-X vector */
#define ZCOMP_QREG_CTRL             0x18    /* RW: ZCOMP_QCTRL_* */
#define ZCOMP_QREG_STATUS           0x1c    /* RO: ZCOMP_QSTS_* */
#define ZCOMP_QREG_SQ_HEAD          0x20    /* RO: next SQ entry to fetch */
#define ZCOMP_QREG_CQ_TAIL          0x24    /* RO: next CQ entry to post */
#define ZCOMP_QREG_SQ_TAIL          0x28    /* RO: last doorbell value */
#define ZCOMP_QREG_STATS            0x80    /* RO: ZCOMP_STAT_* block */

#define ZCOMP_MAX_QUEUES            64

/* Doorbells: BAR0 + ZCOMP_REG_DB_OFFSET + q * ZCOMP_REG_DB_STRIDE; a 32-bit
 * write of the new SQ tail (index of the next free entry). */
#define ZCOMP_DB_OFFSET             0x8000
#define ZCOMP_DB_STRIDE             0x8

/* ZCOMP_REG_CAP_FLAGS */
#define ZCOMP_CAP_F_SGL             (1U << 0)
#define ZCOMP_CAP_F_SYNC            (1U << 1)   /* ZCOMP_QCTRL_SYNC works */
#define ZCOMP_CAP_F_MSIX            (1U << 2)
#define ZCOMP_CAP_F_HIST            (1U << 3)   /* time histograms (minor 2) */

/* ZCOMP_REG_CTRL */
#define ZCOMP_CTRL_ENABLE           (1U << 0)
#define ZCOMP_CTRL_RESET            (1U << 1)   /* write 1: reset, reads 0 */

/* ZCOMP_REG_STATUS */
#define ZCOMP_STS_READY             (1U << 0)   /* enabled, not fatal */
#define ZCOMP_STS_FATAL             (1U << 1)   /* sticky until reset */

/* ZCOMP_REG_FATAL_INFO reason (low 16 bits) */
#define ZCOMP_FATAL_NONE            0
#define ZCOMP_FATAL_SQ_READ         1   /* SQ entry could not be read */
#define ZCOMP_FATAL_CQ_WRITE        2   /* CQ entry could not be written */

/* ZCOMP_QREG_CTRL: ring registers may only change while ENABLE is 0. */
#define ZCOMP_QCTRL_ENABLE          (1U << 0)
#define ZCOMP_QCTRL_IRQ             (1U << 1)   /* MSI-X on completion */
#define ZCOMP_QCTRL_SYNC            (1U << 2)   /* run on doorbell writer */

/* ZCOMP_QREG_STATUS */
#define ZCOMP_QSTS_ENABLED          (1U << 0)
#define ZCOMP_QSTS_SETUP_ERR        (1U << 1)   /* enable refused */
#define ZCOMP_QSTS_DB_ERR           (1U << 2)   /* doorbell >= ring size */

/* Opcodes */
#define ZCOMP_OP_COMPRESS           1
#define ZCOMP_OP_DECOMPRESS         2

/*
 * Algorithms: formats are those of the Linux kernel's lz4, lz4hc, lzo,
 * lzo-rle and zstd. A device offers those whose bit is set in CAP_ALGS;
 * lzo-rle and zstd came with ABI minor 1.
 */
#define ZCOMP_ALG_LZ4               0   /* LZ4 block format */
#define ZCOMP_ALG_LZ4HC             1   /* LZ4 block format, HC encoder */
#define ZCOMP_ALG_LZO               2   /* LZO1X-1, bitstream version 0 */
#define ZCOMP_ALG_LZORLE            3   /* LZO1X-1, bitstream version 1 */
#define ZCOMP_ALG_ZSTD              4   /* one zstd frame, no dictionary */
#define ZCOMP_ALG_COUNT             5

#define ZCOMP_LZ4HC_MIN_LEVEL       1
#define ZCOMP_LZ4HC_MAX_LEVEL       12
#define ZCOMP_ZSTD_MIN_LEVEL        1
#define ZCOMP_ZSTD_MAX_LEVEL        19
#define ZCOMP_ZSTD_DEFAULT_LEVEL    3   /* the kernel's default */
/* zstd decompression refuses frames whose window exceeds this. */
#define ZCOMP_ZSTD_WINDOW_LOG_MAX   20

/* zcomp_sqe.flags */
#define ZCOMP_SQE_F_SRC_SGL         (1U << 0)   /* src_addr: zcomp_sge list */
#define ZCOMP_SQE_F_DST_SGL         (1U << 1)   /* dst_addr: zcomp_sge list */
#define ZCOMP_SQE_F_MASK            (ZCOMP_SQE_F_SRC_SGL | ZCOMP_SQE_F_DST_SGL)

/* Submission queue entry: 64 bytes. Reserved fields must be zero. */
struct zcomp_sqe {
	zc_u8 opcode;           /* ZCOMP_OP_* */
	zc_u8 algo;             /* ZCOMP_ALG_* */
	zc_u8 level;            /* lz4hc 1..12, zstd 1..19; 0: default */
	zc_u8 flags;            /* ZCOMP_SQE_F_* */
	zc_u32 tag;             /* returned in the completion */
	zc_u64 src_addr;        /* buffer, or SG list with F_SRC_SGL */
	zc_u32 src_len;         /* input bytes, 1 .. CAP_MAX_REQ */
	zc_u32 src_nsge;        /* SG entries with F_SRC_SGL, else 0 */
	zc_u64 dst_addr;        /* buffer, or SG list with F_DST_SGL */
	zc_u32 dst_cap;         /* output capacity, 1 .. CAP_MAX_REQ */
	zc_u32 dst_nsge;        /* SG entries with F_DST_SGL, else 0 */
	zc_u64 rsvd[3];
};

/* Scatter-gather entry: 16 bytes. The entries' lengths must add up to
 * src_len (or dst_cap) exactly. */
struct zcomp_sge {
	zc_u64 addr;
	zc_u32 len;
	zc_u32 rsvd;
};

/* Completion queue entry: 16 bytes. */
struct zcomp_cqe {
	zc_u32 tag;             /* from the sqe */
	zc_u32 out_len;         /* bytes written to dst on success */
	zc_u16 sq_head;         /* device's SQ head after this entry */
	zc_u8 status;           /* ZCOMP_ST_* */
	zc_u8 flags;            /* ZCOMP_CQE_F_* */
	zc_u32 rsvd;
};

#define ZCOMP_CQE_F_PHASE           (1U << 0)   /* inverts on each CQ wrap */

/* Completion status */
#define ZCOMP_ST_OK                 0
#define ZCOMP_ST_DST_TOO_SMALL      1   /* output does not fit dst_cap */
#define ZCOMP_ST_CORRUPT_INPUT      2   /* decompression input invalid */
#define ZCOMP_ST_BAD_DESC           3   /* opcode, algo, length, flags... */
#define ZCOMP_ST_DMA_ERROR          4   /* src/dst/SG list not guest RAM */
#define ZCOMP_ST_NOT_ENABLED        5   /* device disabled, queue enabled */
#define ZCOMP_ST_DEVICE_ERROR       6   /* internal (fault injection) */
#define ZCOMP_ST_MAX                6

#if !defined(__KERNEL__) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct zcomp_sqe) == 64, "sqe is 64 bytes");
_Static_assert(sizeof(struct zcomp_cqe) == 16, "cqe is 16 bytes");
_Static_assert(sizeof(struct zcomp_sge) == 16, "sge is 16 bytes");
_Static_assert(ZCOMP_STAT_ERR_BASE + 8 * (ZCOMP_ST_MAX + 1) <= ZCOMP_STAT_SIZE,
	       "stats block fits");
_Static_assert(ZCOMP_REG_STATS + ZCOMP_STAT_SIZE <= ZCOMP_REG_HIST &&
	       ZCOMP_REG_HIST + ZCOMP_HIST_SIZE <= ZCOMP_QREG_BASE,
	       "histogram window fits");
#endif

#endif /* ZCOMP_ABI_H */
