/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zcomp engine: descriptor decoding and validation, scatter-gather,
 * codec dispatch and ring processing for the zcomp-pci device.
 *
 * Pure C with no QEMU headers, so that it can be unit-tested, fuzzed and
 * benchmarked alone. Everything that touches guest memory goes through
 * ZcHostOps, which the QEMU glue (zcomp-pci.c) implements with DMA.
 */
#ifndef ZCOMP_ENGINE_H
#define ZCOMP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "zcomp-abi.h"

/* What the device offers; fixed at realize. */
typedef struct ZcLimits {
    uint32_t max_req;       /* largest src_len / dst_cap */
    uint32_t max_sge;       /* largest SG list */
    uint8_t lz4hc_level;    /* used when sqe.level == 0 */
    uint8_t zstd_level;     /* likewise */
    uint32_t algs;          /* offered: bit (1 << ZCOMP_ALG_*) */
} ZcLimits;

/*
 * Per-queue counters. Single writer (the thread running the queue),
 * any number of relaxed readers.
 */
typedef struct ZcStats {
    uint64_t requests;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t compress;
    uint64_t decompress;
    uint64_t errors;
    uint64_t by_status[ZCOMP_ST_MAX + 1];
} ZcStats;

/*
 * One time histogram, laid out as the register window (ZCOMP_REG_HIST):
 * log2 buckets in ns, the count, the sum. Single writer, relaxed readers.
 */
typedef struct ZcHist {
    uint64_t bucket[ZCOMP_HIST_BUCKETS];
    uint64_t count;
    uint64_t sum_ns;
} ZcHist;

/* A queue's histograms: [algorithm][opcode - 1][ZCOMP_HIST_*]. */
typedef struct ZcHists {
    ZcHist h[ZCOMP_ALG_COUNT][2][ZCOMP_HIST_KINDS];
} ZcHists;

/* The name of ZCOMP_ALG_* @algo, as the kernel's crypto API has it. */
const char *zc_alg_name(unsigned algo);

/* The bucket of @ns: floor(log2(ns)), 0 for 0, at most the last. */
unsigned zc_hist_bucket(uint64_t ns);
/* Count a time of @ns; take back one counted. */
void zc_hist_add(ZcHist *h, uint64_t ns);
void zc_hist_remove(ZcHist *h, uint64_t ns);
/*
 * The histogram of @kind for @sqe's algorithm and opcode, NULL where the
 * entry names none (a bad descriptor).
 */
ZcHist *zc_hist_of(ZcHists *hs, const struct zcomp_sqe *sqe, unsigned kind);

/*
 * Host side of guest memory access. Each returns false when the range is
 * not (entirely) guest RAM; the engine then fails the request.
 */
typedef struct ZcHostOps {
    bool (*read)(void *opaque, uint64_t addr, void *buf, uint32_t len);
    bool (*write)(void *opaque, uint64_t addr, const void *buf, uint32_t len);
    /* Fetch SQ entry @idx (64 bytes) of the ring. */
    bool (*read_sqe)(void *opaque, uint32_t idx, struct zcomp_sqe *sqe);
    /*
     * Post CQ entry @idx: everything but the flags byte first, the flags
     * (phase) byte last, so a polling guest never sees a torn entry.
     */
    bool (*post_cqe)(void *opaque, uint32_t idx, const struct zcomp_cqe *cqe);
    /* Optional: a status to inject instead of running the request, or 0. */
    uint8_t (*inject_fault)(void *opaque);
    /* Optional: told of each completion posted (tracing, error logs). */
    void (*completed)(void *opaque, uint32_t idx, const struct zcomp_sqe *sqe,
                      uint8_t status, uint32_t out_len);
    /*
     * Optional: a pointer through which the codec may read the @len bytes
     * of guest RAM at @addr in place, which the host keeps valid until
     * that request's codec is done; NULL where they are not one piece of
     * RAM that can be read so (they are then copied). Only compression
     * input is read in place: a compressor reads nothing outside its input
     * and its output is bounded whatever the bytes it reads, so a guest
     * changing them meanwhile can only change the result
     * (docs/specs/zcomp-pci.rst, "Guest errors and robustness").
     */
    const uint8_t *(*map_src)(void *opaque, uint64_t addr, uint32_t len);
} ZcHostOps;

/* Working memory for one queue; requests of a queue run one at a time. */
typedef struct ZcScratch {
    uint8_t *src;
    uint8_t *dst;
    /* What the codec reads: @src, or guest RAM read in place (map_src). */
    const uint8_t *in;
    uint32_t dst_size;      /* >= worst-case compressed size of max_req */
    void *lz4_state;
    void *lz4hc_state;
    void *lzo_wrkmem;
    void *lzorle_wrkmem;
    /*
     * Created once per queue; the compression context grows to what the
     * largest level and request need, see zc_zstd_memory().
     */
    struct ZSTD_CCtx_s *zstd_cctx;
    struct ZSTD_DCtx_s *zstd_dctx;
} ZcScratch;

/* Ring position of one queue. */
typedef struct ZcRing {
    uint32_t size;          /* entries, power of two */
    uint32_t sq_head;       /* next entry to fetch */
    uint32_t cq_tail;       /* next completion slot */
    uint8_t phase;          /* phase bit written into CQEs */
} ZcRing;

typedef enum ZcRingResult {
    ZC_RING_OK = 0,
    ZC_RING_SQ_FAULT = ZCOMP_FATAL_SQ_READ,
    ZC_RING_CQ_FAULT = ZCOMP_FATAL_CQ_WRITE,
} ZcRingResult;

ZcScratch *zc_scratch_new(uint32_t max_req);
void zc_scratch_free(ZcScratch *s);

/* Worst-case compressed size of @len bytes, over all algorithms. */
uint32_t zc_compress_bound(uint32_t len);

/* Every algorithm this engine implements: bit (1 << ZCOMP_ALG_*). */
#define ZC_ALGS_ALL ((1u << ZCOMP_ALG_COUNT) - 1)

/*
 * Bytes the zstd contexts of one queue hold at most, for requests of up to
 * @max_req bytes at any level (what docs/specs/zcomp-pci.rst states).
 */
size_t zc_zstd_memory(uint32_t max_req);

/* Check the fields of a descriptor that need no memory access. */
uint8_t zc_sqe_validate(const ZcLimits *lim, const struct zcomp_sqe *sqe);

/*
 * Run a plain codec: @src/@slen into @dst (capacity @dcap).
 * Returns a ZCOMP_ST_* status and the produced length in *@out_len.
 */
uint8_t zc_codec_run(ZcScratch *scr, uint8_t op, uint8_t algo, int level,
                     const uint8_t *src, uint32_t slen,
                     uint8_t *dst, uint32_t dcap, uint32_t *out_len);

/*
 * A request runs in three steps, so that the QEMU glue can hold its queue
 * lock only around the two that touch guest memory, and drop the result of
 * the middle one (the only one whose cost depends on the data) unseen:
 *   zc_fetch_input: validate, inject a fault, copy the input into scratch
 *                   (compression input: or map it, to be read in place);
 *   zc_run_codec:   to scratch; reads only the input zc_fetch_input gave;
 *   zc_deliver:     write exactly @out_len bytes of output to the guest.
 * Each returns a ZCOMP_ST_* status.
 */
uint8_t zc_fetch_input(const ZcLimits *lim, ZcScratch *scr,
                       const ZcHostOps *ops, void *opaque,
                       const struct zcomp_sqe *sqe);
uint8_t zc_run_codec(const ZcLimits *lim, ZcScratch *scr,
                     const struct zcomp_sqe *sqe, uint32_t *out_len);
uint8_t zc_deliver(ZcScratch *scr, const ZcHostOps *ops, void *opaque,
                   const struct zcomp_sqe *sqe, uint32_t out_len);

/*
 * All three steps of one descriptor (already copied out of the ring);
 * *@out_len is 0 unless the status is OK.
 */
uint8_t zc_execute(const ZcLimits *lim, ZcScratch *scr,
                   const ZcHostOps *ops, void *opaque,
                   const struct zcomp_sqe *sqe, uint32_t *out_len);

/*
 * Copy the entry at ring->sq_head out of the ring, in host byte order;
 * false if the ring cannot be read.
 */
bool zc_ring_fetch(const ZcRing *ring, const ZcHostOps *ops, void *opaque,
                   struct zcomp_sqe *sqe);

/*
 * Post the completion of the entry at ring->sq_head, count it and advance
 * the ring; ZC_RING_CQ_FAULT (nothing advanced) if it cannot be posted.
 */
ZcRingResult zc_ring_complete(ZcRing *ring, const ZcHostOps *ops,
                              void *opaque, const struct zcomp_sqe *sqe,
                              uint8_t status, uint32_t out_len,
                              ZcStats *stats);

/*
 * Process entries from ring->sq_head up to @tail, at most @budget of them,
 * posting a completion for each. With @force_status != 0, entries are
 * completed with that status without being run (device not enabled).
 * *@done is the number completed. Returns ZC_RING_OK, or the fatal
 * condition that stopped the ring.
 */
ZcRingResult zc_ring_process(ZcRing *ring, uint32_t tail, uint32_t budget,
                             uint8_t force_status,
                             const ZcLimits *lim, ZcScratch *scr,
                             const ZcHostOps *ops, void *opaque,
                             ZcStats *stats, uint32_t *done);

#endif /* ZCOMP_ENGINE_H */
