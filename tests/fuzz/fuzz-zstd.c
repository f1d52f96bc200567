/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target of the engine's zstd path (zc_codec_run with
 * ZCOMP_ALG_ZSTD). The first two bytes (LE16 v) choose the output room,
 * v + 1 (1..64 KiB), and the level from the low byte: 1..3 mostly, 4..19
 * for one input in 16 of at most 4 KiB (high levels are slow). The rest,
 * cut to 64 KiB, is
 *  - decompressed with that room: the status must be OK, CORRUPT_INPUT or
 *    DST_TOO_SMALL, the length within the room (the room's end is
 *    poisoned, though ASan sees no write of the uninstrumented libzstd
 *    itself: the checks of status and length catch those); OK exactly
 *    when libzstd decodes the input, one frame without dictionary whose
 *    header states a window of at most 2^ZCOMP_ZSTD_WINDOW_LOG_MAX, into
 *    that room, and the same bytes; one byte less room then too little;
 *  - compressed (room zc_compress_bound) and decompressed back through the
 *    engine, exactly the same bytes, with one byte less room too little;
 *    libzstd's own ZSTD_decompress gives the same bytes, and the frame
 *    declares the content size and has no checksum, as the kernel writes.
 * Any mismatch aborts. Run by scripts/fuzz.sh.
 */
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>
#define ZSTD_STATIC_LINKING_ONLY    /* ZSTD_getFrameHeader */
#include <zstd.h>

#include "zcomp-engine.h"

#define MAX_REQ 65536

static ZcScratch *scr;
static uint8_t *comp;       /* zc_compress_bound(MAX_REQ) bytes */
static uint8_t *out;        /* MAX_REQ bytes */
static uint8_t *ref;        /* MAX_REQ bytes, for libzstd's own decoding */
static ZSTD_DCtx *ref_dctx;

/* @buf of @size bytes, of which only the first @room may be touched. */
static void room(uint8_t *buf, size_t size, size_t room)
{
    ASAN_UNPOISON_MEMORY_REGION(buf, size);
    ASAN_POISON_MEMORY_REGION(buf + room, size - room);
}

/*
 * What the engine must do with @src, by libzstd alone: decode exactly one
 * frame without dictionary and with a window of at most
 * 2^ZCOMP_ZSTD_WINDOW_LOG_MAX into @cap bytes of ref[]. (libzstd's own
 * ZSTD_d_windowLogMax is no help: it is not checked when the frame's
 * content size fits the output, streaming or not.) Returns the length, or
 * -1 where the engine must refuse the input.
 */
static long reference_decode(const uint8_t *src, uint32_t slen, uint32_t cap)
{
    ZSTD_frameHeader fh;
    size_t ret;

    if (ZSTD_getFrameHeader(&fh, src, slen) != 0 ||
        fh.frameType != ZSTD_frame || fh.dictID != 0 ||
        fh.windowSize > (1ull << ZCOMP_ZSTD_WINDOW_LOG_MAX) ||
        ZSTD_findFrameCompressedSize(src, slen) != slen) {
        return -1;
    }
    ret = ZSTD_decompressDCtx(ref_dctx, ref, cap, src, slen);
    return ZSTD_isError(ret) ? -1 : (long)ret;
}

static void fuzz_decode(const uint8_t *src, uint32_t slen, uint32_t cap)
{
    uint32_t out_len = 0;
    long want;
    uint8_t st;

    room(out, MAX_REQ, cap);
    st = zc_codec_run(scr, ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_ZSTD, 0,
                      src, slen, out, cap, &out_len);
    if (st != ZCOMP_ST_OK && st != ZCOMP_ST_CORRUPT_INPUT &&
        st != ZCOMP_ST_DST_TOO_SMALL) {
        abort();
    }
    if (out_len > cap || (st != ZCOMP_ST_OK && out_len)) {
        abort();
    }
    /* accepted exactly what the reference accepts, with the same bytes */
    want = reference_decode(src, slen, cap);
    if ((st == ZCOMP_ST_OK) != (want >= 0)) {
        abort();
    }
    if (st == ZCOMP_ST_OK &&
        (out_len != (uint32_t)want || memcmp(out, ref, out_len))) {
        abort();
    }
    /* one byte less room is too little, and nothing is written past it */
    if (st == ZCOMP_ST_OK && out_len) {
        room(out, MAX_REQ, out_len - 1);
        if (zc_codec_run(scr, ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_ZSTD, 0,
                         src, slen, out, out_len - 1, &out_len) !=
            ZCOMP_ST_DST_TOO_SMALL) {
            abort();
        }
    }
    room(out, MAX_REQ, MAX_REQ);
}

static void fuzz_roundtrip(const uint8_t *src, uint32_t slen, int level)
{
    uint32_t bound = zc_compress_bound(slen), clen = 0, dlen = 0;
    ZSTD_frameHeader fh;
    size_t ret;

    room(comp, zc_compress_bound(MAX_REQ), bound);
    if (zc_codec_run(scr, ZCOMP_OP_COMPRESS, ZCOMP_ALG_ZSTD, level,
                     src, slen, comp, bound, &clen) != ZCOMP_ST_OK ||
        clen > bound) {
        abort();
    }
    room(comp, zc_compress_bound(MAX_REQ), zc_compress_bound(MAX_REQ));
    /* as the kernel writes: content size declared, no checksum */
    if (ZSTD_getFrameContentSize(comp, clen) != slen ||
        ZSTD_getFrameHeader(&fh, comp, clen) != 0 || fh.checksumFlag) {
        abort();
    }

    room(out, MAX_REQ, slen);
    if (zc_codec_run(scr, ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_ZSTD, 0,
                     comp, clen, out, slen, &dlen) != ZCOMP_ST_OK ||
        dlen != slen || memcmp(out, src, slen)) {
        abort();
    }
    if (slen && zc_codec_run(scr, ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_ZSTD, 0,
                             comp, clen, out, slen - 1, &dlen) !=
                ZCOMP_ST_DST_TOO_SMALL) {
        abort();
    }
    room(out, MAX_REQ, MAX_REQ);

    ret = ZSTD_decompress(ref, MAX_REQ, comp, clen);
    if (ZSTD_isError(ret) || ret != slen || memcmp(ref, src, slen)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t v, slen;
    int level;

    if (!scr) {
        scr = zc_scratch_new(MAX_REQ);
        comp = malloc(zc_compress_bound(MAX_REQ));
        out = malloc(MAX_REQ);
        ref = malloc(MAX_REQ);
        ref_dctx = ZSTD_createDCtx();
        if (!scr || !comp || !out || !ref || !ref_dctx) {
            abort();
        }
    }
    if (size < 2) {
        return 0;
    }
    v = data[0] | data[1] << 8;
    slen = size - 2 > MAX_REQ ? MAX_REQ : (uint32_t)(size - 2);
    if (data[0] < 16 && slen <= 4096) {
        level = 4 + data[0];                    /* 4..19 */
    } else {
        level = ZCOMP_ZSTD_MIN_LEVEL + data[0] % 3;     /* 1..3 */
    }

    fuzz_decode(data + 2, slen, v + 1);
    fuzz_roundtrip(data + 2, slen, level);
    return 0;
}
