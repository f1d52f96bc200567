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
 *    itself: the checks of status and length catch those), and the status
 *    the reference's: a frame walk written from the zstd format (RFC 8878)
 *    and the device spec, not from the engine (reference_decode()), with
 *    libzstd decoding what it accepts; for OK the same bytes, and one byte
 *    less room then too little;
 *  - compressed (room zc_compress_bound) and decompressed back through the
 *    engine, exactly the same bytes, with one byte less room too little;
 *    libzstd's own ZSTD_decompress gives the same bytes, and the frame
 *    passes the same walk, declares the content size and has no checksum,
 *    as the kernel writes.
 * Any mismatch aborts. Run by scripts/tools/fuzz.sh.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>
#include <zstd.h>
#include <zstd_errors.h>

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
 * The reference: a zstd frame as the format defines it (RFC 8878 and
 * facebook/zstd's doc/zstd_compression_format.md, section by section
 * below), walked here from those texts and not from the engine, which asks
 * libzstd. The device's own rules (docs/specs/zcomp-pci.rst) come on top:
 * exactly one frame and nothing after it, no dictionary, a window of at
 * most 2^ZCOMP_ZSTD_WINDOW_LOG_MAX.
 */
#define REF_MAGIC           0xFD2FB528u
#define BLOCK_SIZE_MAX      (128 * 1024)    /* Block_Maximum_Size's bound */

typedef struct RefFrame {
    uint64_t window;        /* Window_Size */
    uint64_t fcs;           /* Frame_Content_Size, if has_fcs */
    uint32_t dict_id;       /* Dictionary_ID, 0 if absent */
    bool has_fcs;
    bool checksum;          /* Content_Checksum_flag */
} RefFrame;

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;

    while (n--) {
        v = v << 8 | p[n];
    }
    return v;
}

/*
 * Whether @src is one whole zstd frame that the device may decode, as
 * far as its headers tell; *@f describes it.
 */
static bool ref_frame(const uint8_t *src, uint32_t slen, RefFrame *f)
{
    static const int did_bytes[4] = { 0, 1, 2, 4 };
    static const int fcs_bytes[4] = { 0, 2, 4, 8 };
    uint32_t pos, fhd, n;
    uint64_t block_max;
    bool single;

    memset(f, 0, sizeof(*f));
    /*
     * Magic_Number, little-endian. Skippable frames (0x184D2A5?) are zstd
     * data but not a frame to decode (the device spec refuses them), and
     * anything else is not zstd.
     */
    if (slen < 4 || le(src, 4) != REF_MAGIC) {
        return false;
    }
    pos = 4;
    /* Frame_Header_Descriptor */
    if (pos + 1 > slen) {
        return false;
    }
    fhd = src[pos++];
    single = fhd >> 5 & 1;                  /* Single_Segment_flag */
    if (fhd >> 3 & 1) {                     /* Reserved_bit: must be 0 */
        return false;
    }
    f->checksum = fhd >> 2 & 1;             /* bit 4, Unused_bit: ignored */
    /* Window_Descriptor, absent in a single segment */
    if (!single) {
        uint32_t wd, exponent, mantissa;
        uint64_t base;

        if (pos + 1 > slen) {
            return false;
        }
        wd = src[pos++];
        exponent = wd >> 3;
        mantissa = wd & 7;
        base = 1ull << (10 + exponent);
        f->window = base + base / 8 * mantissa;
    }
    /* Dictionary_ID: DID_Field_Size from Dictionary_ID_flag */
    n = did_bytes[fhd & 3];
    if (pos + n > slen) {
        return false;
    }
    f->dict_id = (uint32_t)le(src + pos, n);
    pos += n;
    /* Frame_Content_Size: FCS_Field_Size 0 or 1 (single segment), 2, 4, 8 */
    n = fhd >> 6 ? fcs_bytes[fhd >> 6] : single;
    if (pos + n > slen) {
        return false;
    }
    f->has_fcs = n != 0;
    f->fcs = le(src + pos, n) + (n == 2 ? 256 : 0);
    pos += n;
    if (single) {
        f->window = f->fcs;                 /* Window_Size is the content */
    }
    /* The device's rules: 0 is no dictionary; the window limit */
    if (f->dict_id || f->window > 1ull << ZCOMP_ZSTD_WINDOW_LOG_MAX) {
        return false;
    }
    /*
     * Blocks: a 3-byte little-endian Block_Header (Last_Block, Block_Type,
     * Block_Size) each, until the last. Block_Size is limited by
     * Block_Maximum_Size, min(Window_Size, 128 KiB): the compressed size
     * of a compressed block, the size of a raw block, the repeat count of
     * an RLE block (whose content is one byte).
     */
    block_max = f->window < BLOCK_SIZE_MAX ? f->window : BLOCK_SIZE_MAX;
    for (;;) {
        uint32_t header, type, size;

        if (pos + 3 > slen) {
            return false;
        }
        header = (uint32_t)le(src + pos, 3);
        pos += 3;
        type = header >> 1 & 3;
        size = header >> 3;
        if (type == 3 || size > block_max) {    /* Reserved: corrupt */
            return false;
        }
        n = type == 1 ? 1 : size;
        if (n > slen - pos) {
            return false;
        }
        pos += n;
        if (header & 1) {
            break;
        }
    }
    /* Content_Checksum, then the end: no second frame, no trailing bytes */
    if (f->checksum) {
        if (slen - pos < 4) {
            return false;
        }
        pos += 4;
    }
    return pos == slen;
}

/*
 * What the engine must answer for @src with @cap bytes of room: a status
 * and, for OK, the length of ref[], decoded by libzstd (which only
 * decodes here: what is accepted is ref_frame()'s to say). -1: either
 * error status will do.
 *  - not a frame the device decodes (ref_frame()): CORRUPT_INPUT;
 *  - a declared content size above @cap: DST_TOO_SMALL, from the header;
 *  - decoded into @cap: OK. A frame whose declared size fits but that
 *    does not decode into it is CORRUPT_INPUT (its blocks make more than
 *    it says, or are not valid). Without a declared size, libzstd's
 *    errors other than running out of room are CORRUPT_INPUT; running out
 *    of room may be a large frame or one corrupt further on: either error
 *    (fuzz_decode() holds every accepted frame to DST_TOO_SMALL with one
 *    byte less room).
 */
static int reference_decode(const uint8_t *src, uint32_t slen, uint32_t cap,
                            long *len)
{
    RefFrame f;
    size_t ret;

    if (!ref_frame(src, slen, &f)) {
        return ZCOMP_ST_CORRUPT_INPUT;
    }
    if (f.has_fcs && f.fcs > cap) {
        return ZCOMP_ST_DST_TOO_SMALL;
    }
    ret = ZSTD_decompressDCtx(ref_dctx, ref, cap, src, slen);
    if (!ZSTD_isError(ret)) {
        /* libzstd holds a frame to its declared size; so do we */
        if (f.has_fcs && ret != f.fcs) {
            abort();
        }
        *len = (long)ret;
        return ZCOMP_ST_OK;
    }
    if (f.has_fcs ||
        ZSTD_getErrorCode(ret) != ZSTD_error_dstSize_tooSmall) {
        return ZCOMP_ST_CORRUPT_INPUT;
    }
    return -1;
}

static void fuzz_decode(const uint8_t *src, uint32_t slen, uint32_t cap)
{
    uint32_t out_len = 0;
    long want = -1;
    int ref_st;
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
    /* the reference's answer, and for OK the same bytes */
    ref_st = reference_decode(src, slen, cap, &want);
    if (ref_st >= 0 ? st != ref_st : st == ZCOMP_ST_OK) {
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
    RefFrame f;
    size_t ret;

    room(comp, zc_compress_bound(MAX_REQ), bound);
    if (zc_codec_run(scr, ZCOMP_OP_COMPRESS, ZCOMP_ALG_ZSTD, level,
                     src, slen, comp, bound, &clen) != ZCOMP_ST_OK ||
        clen > bound) {
        abort();
    }
    room(comp, zc_compress_bound(MAX_REQ), zc_compress_bound(MAX_REQ));
    /*
     * A frame by the format and the device's rules, as the kernel writes
     * it: the content size declared, no checksum.
     */
    if (!ref_frame(comp, clen, &f) || !f.has_fcs || f.fcs != slen ||
        f.checksum) {
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
