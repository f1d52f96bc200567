/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zcomp engine: see zcomp-engine.h. No QEMU headers on purpose.
 *
 * Guest-provided descriptors are copied before use and every field is
 * checked here; only the safe decoders of liblz4, liblzo2, libzstd and our
 * own lzo-rle are used.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>
#include <lzo/lzo1x.h>
#define ZSTD_STATIC_LINKING_ONLY    /* frame header, memory estimates */
#include <zstd.h>
#include <zstd_errors.h>

#include "zcomp-engine.h"
#include "zcomp-lzorle.h"

/* Single writer, relaxed readers: see ZcStats. */
#define STAT_ADD(field, n) \
    __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)

/* SG list entries read from guest memory per DMA. */
#define SGE_BATCH 16

uint32_t zc_compress_bound(uint32_t len)
{
    /*
     * lzo-rle's worst case (n + n/8 + 72, see zc_lzorle_bound) is above
     * lzo1x's, LZ4_COMPRESSBOUND and ZSTD_COMPRESSBOUND: the encoder
     * writes unchecked into scratch memory of this size.
     */
    uint32_t lzo = (uint32_t)zc_lzorle_bound(len);
    uint32_t lz4 = (uint32_t)LZ4_COMPRESSBOUND(len);
    uint32_t zstd = (uint32_t)ZSTD_COMPRESSBOUND(len);
    uint32_t max = lzo > lz4 ? lzo : lz4;

    return max > zstd ? max : zstd;
}

size_t zc_zstd_memory(uint32_t max_req)
{
    size_t cctx = 0, need;
    int level;

    /* Compression adapts its parameters to the request's size. */
    for (level = ZCOMP_ZSTD_MIN_LEVEL; level <= ZCOMP_ZSTD_MAX_LEVEL; level++) {
        need = ZSTD_estimateCCtxSize_usingCParams(
            ZSTD_getCParams(level, max_req, 0));
        cctx = need > cctx ? need : cctx;
    }
    return cctx + ZSTD_estimateDCtxSize();
}

ZcScratch *zc_scratch_new(uint32_t max_req)
{
    ZcScratch *s;

    if (lzo_init() != LZO_E_OK) {
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->dst_size = zc_compress_bound(max_req);
    s->src = malloc(max_req);
    s->in = s->src;
    s->dst = malloc(s->dst_size);
    s->lz4_state = malloc(LZ4_sizeofState());
    s->lz4hc_state = LZ4_createStreamHC();
    s->lzo_wrkmem = malloc(LZO1X_1_MEM_COMPRESS);
    s->lzorle_wrkmem = malloc(ZC_LZORLE_WRKMEM_SIZE);
    s->zstd_cctx = ZSTD_createCCtx();
    s->zstd_dctx = ZSTD_createDCtx();
    if (!s->src || !s->dst || !s->lz4_state || !s->lz4hc_state ||
        !s->lzo_wrkmem || !s->lzorle_wrkmem || !s->zstd_cctx ||
        !s->zstd_dctx) {
        zc_scratch_free(s);
        return NULL;
    }
    return s;
}

void zc_scratch_free(ZcScratch *s)
{
    if (!s) {
        return;
    }
    free(s->src);
    free(s->dst);
    free(s->lz4_state);
    LZ4_freeStreamHC(s->lz4hc_state);
    free(s->lzo_wrkmem);
    free(s->lzorle_wrkmem);
    ZSTD_freeCCtx(s->zstd_cctx);
    ZSTD_freeDCtx(s->zstd_dctx);
    free(s);
}

/* sqe.level: 0 (the device default) or a level of a leveled algorithm. */
static bool level_valid(uint8_t algo, uint8_t level)
{
    switch (algo) {
    case ZCOMP_ALG_LZ4HC:
        return level <= ZCOMP_LZ4HC_MAX_LEVEL;
    case ZCOMP_ALG_ZSTD:
        return level <= ZCOMP_ZSTD_MAX_LEVEL;
    default:
        return level == 0;
    }
}

uint8_t zc_sqe_validate(const ZcLimits *lim, const struct zcomp_sqe *sqe)
{
    if (sqe->opcode != ZCOMP_OP_COMPRESS &&
        sqe->opcode != ZCOMP_OP_DECOMPRESS) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (sqe->algo >= ZCOMP_ALG_COUNT || !(lim->algs & (1u << sqe->algo))) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (sqe->flags & ~ZCOMP_SQE_F_MASK) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (!level_valid(sqe->algo, sqe->level)) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (sqe->src_len == 0 || sqe->src_len > lim->max_req ||
        sqe->dst_cap == 0 || sqe->dst_cap > lim->max_req) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (sqe->flags & ZCOMP_SQE_F_SRC_SGL) {
        if (sqe->src_nsge == 0 || sqe->src_nsge > lim->max_sge) {
            return ZCOMP_ST_BAD_DESC;
        }
    } else if (sqe->src_nsge) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (sqe->flags & ZCOMP_SQE_F_DST_SGL) {
        if (sqe->dst_nsge == 0 || sqe->dst_nsge > lim->max_sge) {
            return ZCOMP_ST_BAD_DESC;
        }
    } else if (sqe->dst_nsge) {
        return ZCOMP_ST_BAD_DESC;
    }
    if (sqe->rsvd[0] || sqe->rsvd[1] || sqe->rsvd[2]) {
        return ZCOMP_ST_BAD_DESC;
    }
    return ZCOMP_ST_OK;
}

static uint8_t lz4_status_of_decode(int ret)
{
    /* liblz4 does not tell a short destination from corrupt input. */
    return ret < 0 ? ZCOMP_ST_CORRUPT_INPUT : ZCOMP_ST_OK;
}

static uint8_t lzorle_decode(const uint8_t *src, uint32_t slen,
                             uint8_t *dst, uint32_t dcap, uint32_t *out_len)
{
    size_t len = dcap;
    int ret = zc_lzorle_decompress(src, slen, dst, &len);

    if (ret == ZC_LZORLE_OK) {
        *out_len = (uint32_t)len;
        return ZCOMP_ST_OK;
    }
    return ret == ZC_LZORLE_DST_TOO_SMALL ? ZCOMP_ST_DST_TOO_SMALL
                                          : ZCOMP_ST_CORRUPT_INPUT;
}

/* Like lzo1x_1_compress, unbounded: @dst must hold the worst case. */
static uint8_t lzorle_encode(ZcScratch *scr, const uint8_t *src,
                             uint32_t slen, uint8_t *dst, uint32_t dcap,
                             uint32_t *out_len)
{
    size_t len = 0;

    if (zc_lzorle_compress(src, slen, dst, &len, scr->lzorle_wrkmem) !=
        ZC_LZORLE_OK) {
        return ZCOMP_ST_DEVICE_ERROR;
    }
    if (len > dcap) {
        return ZCOMP_ST_DST_TOO_SMALL;
    }
    *out_len = (uint32_t)len;
    return ZCOMP_ST_OK;
}

/*
 * Whether every block of the frame at @src, whose blocks start at @pos,
 * is within its Block_Maximum_Size, min(window, 128 KiB): RFC 8878
 * 3.1.1.2.3 limits Block_Size by it for all block types (for an RLE block
 * it is the repeat count). libzstd's one-shot decoder leaves raw and RLE
 * blocks unchecked (its streaming one refuses them).
 */
static bool zstd_blocks_fit(const uint8_t *src, uint32_t slen, uint32_t pos,
                            uint32_t block_max)
{
    for (;;) {
        uint32_t header, size;

        if (slen - pos < 3) {
            return false;
        }
        header = src[pos] | src[pos + 1] << 8 | (uint32_t)src[pos + 2] << 16;
        pos += 3;
        size = header >> 3;
        if (size > block_max) {
            return false;
        }
        if ((header >> 1 & 3) == 1) {
            size = 1;                   /* RLE: one byte of content */
        }
        if (slen - pos < size) {
            return false;
        }
        pos += size;
        if (header & 1) {
            return true;
        }
    }
}

/*
 * Exactly one zstd frame (the kernel's zstd writes one; skippable frames
 * and concatenations are refused), whose window is at most
 * 2^ZCOMP_ZSTD_WINDOW_LOG_MAX, whose blocks are within the frame's block
 * size limit and whose declared content fits @dcap. These are checked
 * from the headers before any decoding.
 */
static uint8_t zstd_decode(ZcScratch *scr, const uint8_t *src, uint32_t slen,
                           uint8_t *dst, uint32_t dcap, uint32_t *out_len)
{
    ZSTD_frameHeader fh;
    size_t ret;

    if (ZSTD_getFrameHeader(&fh, src, slen) != 0 ||
        fh.frameType != ZSTD_frame || fh.dictID != 0 ||
        fh.windowSize > (1ull << ZCOMP_ZSTD_WINDOW_LOG_MAX) ||
        ZSTD_findFrameCompressedSize(src, slen) != slen ||
        !zstd_blocks_fit(src, slen, fh.headerSize, fh.blockSizeMax)) {
        return ZCOMP_ST_CORRUPT_INPUT;
    }
    if (fh.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN &&
        fh.frameContentSize > dcap) {
        return ZCOMP_ST_DST_TOO_SMALL;
    }
    ret = ZSTD_decompressDCtx(scr->zstd_dctx, dst, dcap, src, slen);
    if (ZSTD_isError(ret)) {
        /*
         * Out of room is DST_TOO_SMALL only where the content's size is
         * not declared: a frame whose declared size fits and that still
         * overflows makes more than it says, which is corrupt.
         */
        return ZSTD_getErrorCode(ret) == ZSTD_error_dstSize_tooSmall &&
               fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN
               ? ZCOMP_ST_DST_TOO_SMALL : ZCOMP_ST_CORRUPT_INPUT;
    }
    *out_len = (uint32_t)ret;
    return ZCOMP_ST_OK;
}

/* One frame with the content size, no checksum: as the kernel writes. */
static uint8_t zstd_encode(ZcScratch *scr, int level, const uint8_t *src,
                           uint32_t slen, uint8_t *dst, uint32_t dcap,
                           uint32_t *out_len)
{
    size_t ret = ZSTD_compressCCtx(scr->zstd_cctx, dst, dcap, src, slen,
                                   level);

    if (ZSTD_isError(ret)) {
        return ZSTD_getErrorCode(ret) == ZSTD_error_dstSize_tooSmall
               ? ZCOMP_ST_DST_TOO_SMALL : ZCOMP_ST_DEVICE_ERROR;
    }
    *out_len = (uint32_t)ret;
    return ZCOMP_ST_OK;
}

uint8_t zc_codec_run(ZcScratch *scr, uint8_t op, uint8_t algo, int level,
                     const uint8_t *src, uint32_t slen,
                     uint8_t *dst, uint32_t dcap, uint32_t *out_len)
{
    int ret;
    lzo_uint lzo_len;

    *out_len = 0;
    if (op == ZCOMP_OP_DECOMPRESS) {
        switch (algo) {
        case ZCOMP_ALG_LZ4:
        case ZCOMP_ALG_LZ4HC:
            ret = LZ4_decompress_safe((const char *)src, (char *)dst,
                                      (int)slen, (int)dcap);
            if (ret >= 0) {
                *out_len = (uint32_t)ret;
            }
            return lz4_status_of_decode(ret);
        case ZCOMP_ALG_LZO:
            lzo_len = dcap;
            ret = lzo1x_decompress_safe(src, slen, dst, &lzo_len, NULL);
            if (ret == LZO_E_OK) {
                *out_len = (uint32_t)lzo_len;
                return ZCOMP_ST_OK;
            }
            return ret == LZO_E_OUTPUT_OVERRUN ? ZCOMP_ST_DST_TOO_SMALL
                                               : ZCOMP_ST_CORRUPT_INPUT;
        case ZCOMP_ALG_LZORLE:
            return lzorle_decode(src, slen, dst, dcap, out_len);
        case ZCOMP_ALG_ZSTD:
            return zstd_decode(scr, src, slen, dst, dcap, out_len);
        }
        return ZCOMP_ST_BAD_DESC;
    }

    switch (algo) {
    case ZCOMP_ALG_LZ4:
        ret = LZ4_compress_fast_extState(scr->lz4_state, (const char *)src,
                                         (char *)dst, (int)slen, (int)dcap, 1);
        break;
    /*
     * An HC stream reset "fast" and compressed into once gives an
     * independent block, as LZ4_compress_HC() does, without clearing its
     * 256 KiB of tables on every request: stale entries are below the new
     * window and never matched. (For lz4 the same trick measured slower
     * than LZ4_compress_fast_extState.)
     */
    case ZCOMP_ALG_LZ4HC:
        LZ4_resetStreamHC_fast(scr->lz4hc_state, level);
        ret = LZ4_compress_HC_continue(scr->lz4hc_state, (const char *)src,
                                       (char *)dst, (int)slen, (int)dcap);
        break;
    case ZCOMP_ALG_LZORLE:
        return lzorle_encode(scr, src, slen, dst, dcap, out_len);
    case ZCOMP_ALG_ZSTD:
        return zstd_encode(scr, level, src, slen, dst, dcap, out_len);
    case ZCOMP_ALG_LZO:
        /*
         * lzo1x_1_compress has no output bound: @dst must hold the worst
         * case (callers pass scratch memory), the capacity is checked after.
         */
        lzo_len = 0;
        if (lzo1x_1_compress(src, slen, dst, &lzo_len, scr->lzo_wrkmem)
            != LZO_E_OK) {
            return ZCOMP_ST_DEVICE_ERROR;
        }
        if (lzo_len > dcap) {
            return ZCOMP_ST_DST_TOO_SMALL;
        }
        *out_len = (uint32_t)lzo_len;
        return ZCOMP_ST_OK;
    default:
        return ZCOMP_ST_BAD_DESC;
    }
    if (ret <= 0) {
        return ZCOMP_ST_DST_TOO_SMALL;
    }
    *out_len = (uint32_t)ret;
    return ZCOMP_ST_OK;
}

/*
 * Walk an SG list of @nsge entries at @list whose lengths must add up to
 * exactly @total, copying guest memory into @buf (to_host) or the first
 * @used bytes of @buf out to the guest (!to_host).
 */
static uint8_t sgl_copy(const ZcHostOps *ops, void *opaque, uint64_t list,
                        uint32_t nsge, uint32_t total, uint8_t *buf,
                        uint32_t used, bool to_host)
{
    struct zcomp_sge sge[SGE_BATCH];
    uint64_t sum = 0;
    uint32_t i, n, k;

    for (i = 0; i < nsge; i += n) {
        n = nsge - i < SGE_BATCH ? nsge - i : SGE_BATCH;
        if (list + (uint64_t)i * sizeof(sge[0]) < list ||
            !ops->read(opaque, list + (uint64_t)i * sizeof(sge[0]), sge,
                       n * sizeof(sge[0]))) {
            return ZCOMP_ST_DMA_ERROR;
        }
        for (k = 0; k < n; k++) {
            uint64_t addr = le64toh(sge[k].addr);
            uint32_t len = le32toh(sge[k].len);
            uint32_t copy;

            if (len == 0 || sge[k].rsvd || sum + len > total) {
                return ZCOMP_ST_BAD_DESC;
            }
            if (to_host) {
                if (!ops->read(opaque, addr, buf + sum, len)) {
                    return ZCOMP_ST_DMA_ERROR;
                }
            } else if (sum < used) {
                copy = used - sum < len ? (uint32_t)(used - sum) : len;
                if (!ops->write(opaque, addr, buf + sum, copy)) {
                    return ZCOMP_ST_DMA_ERROR;
                }
            }
            sum += len;
        }
    }
    return sum == total ? ZCOMP_ST_OK : ZCOMP_ST_BAD_DESC;
}

uint8_t zc_fetch_input(const ZcLimits *lim, ZcScratch *scr,
                       const ZcHostOps *ops, void *opaque,
                       const struct zcomp_sqe *sqe)
{
    uint8_t st = zc_sqe_validate(lim, sqe);

    if (st) {
        return st;
    }
    if (ops->inject_fault) {
        st = ops->inject_fault(opaque);
        if (st) {
            return st;
        }
    }
    scr->in = scr->src;
    /*
     * A compressor may read its input in place, where the host offers it:
     * it reads only within it, and its output is bounded whatever it reads
     * (liblz4 and liblzo2 below their bound, zstd by capacity, zc_lzorle
     * as lzo), so a guest changing the input meanwhile changes only the
     * result (which may then not decode). A decoder's input is always a
     * private copy: what it read once must stay what it checked.
     */
    if (sqe->opcode == ZCOMP_OP_COMPRESS &&
        !(sqe->flags & ZCOMP_SQE_F_SRC_SGL) && ops->map_src) {
        const uint8_t *p = ops->map_src(opaque, sqe->src_addr, sqe->src_len);

        if (p) {
            scr->in = p;
            return ZCOMP_ST_OK;
        }
    }
    if (sqe->flags & ZCOMP_SQE_F_SRC_SGL) {
        return sgl_copy(ops, opaque, sqe->src_addr, sqe->src_nsge,
                        sqe->src_len, scr->src, 0, true);
    }
    if (!ops->read(opaque, sqe->src_addr, scr->src, sqe->src_len)) {
        return ZCOMP_ST_DMA_ERROR;
    }
    return ZCOMP_ST_OK;
}

uint8_t zc_run_codec(const ZcLimits *lim, ZcScratch *scr,
                     const struct zcomp_sqe *sqe, uint32_t *out_len)
{
    int level = sqe->level;

    if (!level) {
        level = sqe->algo == ZCOMP_ALG_ZSTD ? lim->zstd_level
                                            : lim->lz4hc_level;
    }

    /* dst_cap <= max_req <= dst_size: the output fits scratch. */
    return zc_codec_run(scr, sqe->opcode, sqe->algo, level, scr->in,
                        sqe->src_len, scr->dst, sqe->dst_cap, out_len);
}

uint8_t zc_deliver(ZcScratch *scr, const ZcHostOps *ops, void *opaque,
                   const struct zcomp_sqe *sqe, uint32_t out_len)
{
    if (sqe->flags & ZCOMP_SQE_F_DST_SGL) {
        return sgl_copy(ops, opaque, sqe->dst_addr, sqe->dst_nsge,
                        sqe->dst_cap, scr->dst, out_len, false);
    }
    if (!ops->write(opaque, sqe->dst_addr, scr->dst, out_len)) {
        return ZCOMP_ST_DMA_ERROR;
    }
    return ZCOMP_ST_OK;
}

uint8_t zc_execute(const ZcLimits *lim, ZcScratch *scr,
                   const ZcHostOps *ops, void *opaque,
                   const struct zcomp_sqe *sqe, uint32_t *out_len)
{
    uint8_t st;

    *out_len = 0;
    st = zc_fetch_input(lim, scr, ops, opaque, sqe);
    if (!st) {
        st = zc_run_codec(lim, scr, sqe, out_len);
    }
    if (!st) {
        st = zc_deliver(scr, ops, opaque, sqe, *out_len);
    }
    if (st) {
        *out_len = 0;
    }
    return st;
}

/* Decode a little-endian ring entry into host order. */
static void sqe_to_host(struct zcomp_sqe *sqe)
{
    sqe->tag = le32toh(sqe->tag);
    sqe->src_addr = le64toh(sqe->src_addr);
    sqe->src_len = le32toh(sqe->src_len);
    sqe->src_nsge = le32toh(sqe->src_nsge);
    sqe->dst_addr = le64toh(sqe->dst_addr);
    sqe->dst_cap = le32toh(sqe->dst_cap);
    sqe->dst_nsge = le32toh(sqe->dst_nsge);
}

static void stats_account(ZcStats *st, const struct zcomp_sqe *sqe,
                          uint8_t status, uint32_t out_len)
{
    STAT_ADD(st->requests, 1);
    if (status == ZCOMP_ST_OK) {
        STAT_ADD(st->bytes_in, sqe->src_len);
        STAT_ADD(st->bytes_out, out_len);
        if (sqe->opcode == ZCOMP_OP_COMPRESS) {
            STAT_ADD(st->compress, 1);
        } else {
            STAT_ADD(st->decompress, 1);
        }
    } else {
        STAT_ADD(st->errors, 1);
        STAT_ADD(st->by_status[status], 1);
    }
}

bool zc_ring_fetch(const ZcRing *ring, const ZcHostOps *ops, void *opaque,
                   struct zcomp_sqe *sqe)
{
    if (!ops->read_sqe(opaque, ring->sq_head, sqe)) {
        return false;
    }
    sqe_to_host(sqe);
    return true;
}

const char *zc_alg_name(unsigned algo)
{
    static const char *const names[ZCOMP_ALG_COUNT] = {
        [ZCOMP_ALG_LZ4] = "lz4", [ZCOMP_ALG_LZ4HC] = "lz4hc",
        [ZCOMP_ALG_LZO] = "lzo", [ZCOMP_ALG_LZORLE] = "lzo-rle",
        [ZCOMP_ALG_ZSTD] = "zstd",
    };

    return algo < ZCOMP_ALG_COUNT ? names[algo] : "?";
}

unsigned zc_hist_bucket(uint64_t ns)
{
    unsigned b = 0;

    while (ns > 1 && b < ZCOMP_HIST_BUCKETS - 1) {
        ns >>= 1;
        b++;
    }
    return b;
}

void zc_hist_add(ZcHist *h, uint64_t ns)
{
    STAT_ADD(h->bucket[zc_hist_bucket(ns)], 1);
    STAT_ADD(h->count, 1);
    STAT_ADD(h->sum_ns, ns);
}

void zc_hist_remove(ZcHist *h, uint64_t ns)
{
    STAT_ADD(h->bucket[zc_hist_bucket(ns)], -1);
    STAT_ADD(h->count, -1);
    STAT_ADD(h->sum_ns, -ns);
}

ZcHist *zc_hist_of(ZcHists *hs, const struct zcomp_sqe *sqe, unsigned kind)
{
    if (sqe->algo >= ZCOMP_ALG_COUNT || kind >= ZCOMP_HIST_KINDS ||
        (sqe->opcode != ZCOMP_OP_COMPRESS &&
         sqe->opcode != ZCOMP_OP_DECOMPRESS)) {
        return NULL;
    }
    return &hs->h[sqe->algo][sqe->opcode - 1][kind];
}

ZcRingResult zc_ring_complete(ZcRing *ring, const ZcHostOps *ops,
                              void *opaque, const struct zcomp_sqe *sqe,
                              uint8_t status, uint32_t out_len,
                              ZcStats *stats)
{
    uint32_t mask = ring->size - 1;
    struct zcomp_cqe cqe = {
        .tag = htole32(sqe->tag),
        .out_len = htole32(out_len),
        .sq_head = htole16((uint16_t)((ring->sq_head + 1) & mask)),
        .status = status,
        .flags = ring->phase ? ZCOMP_CQE_F_PHASE : 0,
    };

    if (!ops->post_cqe(opaque, ring->cq_tail, &cqe)) {
        return ZC_RING_CQ_FAULT;
    }
    stats_account(stats, sqe, status, out_len);
    if (ops->completed) {
        ops->completed(opaque, ring->sq_head, sqe, status, out_len);
    }
    ring->sq_head = (ring->sq_head + 1) & mask;
    ring->cq_tail = (ring->cq_tail + 1) & mask;
    if (ring->cq_tail == 0) {
        ring->phase ^= 1;
    }
    return ZC_RING_OK;
}

ZcRingResult zc_ring_process(ZcRing *ring, uint32_t tail, uint32_t budget,
                             uint8_t force_status,
                             const ZcLimits *lim, ZcScratch *scr,
                             const ZcHostOps *ops, void *opaque,
                             ZcStats *stats, uint32_t *done)
{
    struct zcomp_sqe sqe;
    uint32_t out_len = 0;
    uint8_t status;
    ZcRingResult r;

    *done = 0;
    while (ring->sq_head != tail && *done < budget) {
        if (!zc_ring_fetch(ring, ops, opaque, &sqe)) {
            return ZC_RING_SQ_FAULT;
        }
        status = force_status;
        if (!status) {
            status = zc_execute(lim, scr, ops, opaque, &sqe, &out_len);
        }
        r = zc_ring_complete(ring, ops, opaque, &sqe, status,
                             status ? 0 : out_len, stats);
        if (r != ZC_RING_OK) {
            return r;
        }
        (*done)++;
    }
    return ZC_RING_OK;
}
