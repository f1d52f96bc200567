/*
 * zcomp-lzorle: safe decoder of LZO1X bitstream versions 0 and 1.
 * See zcomp-lzorle.h; the format: kernel Documentation/staging/lzo.rst.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <string.h>

#include "zcomp-lzorle.h"

static inline uint32_t lzr_ld32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint64_t lzr_ld64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

/*
 * How many leading bytes, in memory order, of the word loaded as @x (not
 * 0) are zero; the host's byte order is folded away at compile time.
 */
static inline size_t lzr_zero_bytes(uint64_t x)
{
    static const union {
        uint16_t u16;
        uint8_t first;
    } one = { .u16 = 1 };

    return (one.first ? __builtin_ctzll(x) : __builtin_clzll(x)) >> 3;
}

/*
 * The decoder's fast paths copy in blocks of up to LZR_SLACK bytes and may
 * write up to LZR_SLACK - 1 bytes past an instruction's output (never past
 * the caller's room: they are taken only where that much room is left;
 * later instructions overwrite those bytes) and read as far past a literal
 * run (never past the input).
 */
#define LZR_SLACK 16

/*
 * A length of @base plus the long form at *@pp: zero bytes count 255
 * each, the first non-zero byte ends it. Bounded: no length beyond the
 * input's reach is accepted, so no overflow. Returns 0 where the input
 * ends first.
 */
static inline size_t lzr_long_len(const uint8_t **pp, const uint8_t *end,
                                  size_t base)
{
    const uint8_t *p = *pp;
    size_t zeros;

    while (p < end && *p == 0) {
        p++;
    }
    zeros = p - *pp;
    if (p == end || zeros > (size_t)1 << 24) {
        return 0;
    }
    *pp = p + 1;
    return base + zeros * 255 + *p;
}

/* @n bytes from @ip to @op; the room for them has been checked */
static inline void lzr_copy_literals(uint8_t *op, const uint8_t *ip,
                                     size_t n, size_t in_room, size_t out_room)
{
    if (in_room >= n + LZR_SLACK && out_room >= n + LZR_SLACK) {
        size_t k = 0;

        do {
            memcpy(op + k, ip + k, LZR_SLACK);
            k += LZR_SLACK;
        } while (k < n);
    } else {
        memcpy(op, ip, n);
    }
}

/*
 * @len bytes from @dist back (1 <= @dist <= what was written) to @op;
 * overlapping copies repeat the pattern. The room has been checked.
 */
static inline void lzr_copy_match(uint8_t *op, size_t dist, size_t len,
                                  size_t out_room)
{
    const uint8_t *from = op - dist;
    uint8_t *end = op + len;

    if (out_room >= len + LZR_SLACK && dist >= 8) {
        if (dist >= 16) {
            do {
                memcpy(op, from, 16);
                op += 16;
                from += 16;
            } while (op < end);
        } else {
            do {
                memcpy(op, from, 8);
                op += 8;
                from += 8;
            } while (op < end);
        }
        return;
    }
    if (dist >= len) {
        memcpy(op, from, len);
        return;
    }
    while (op < end) {
        *op++ = *from++;
    }
}

/*
 * The length and LE16 of M3 (001LLLLL) and M4 (0001HLLL) instructions:
 * @mask's bits of @t, else a long length on top of @mask, plus 2; then
 * the 16 bits whose top 14 are the distance and low 2 the trailing
 * literals. False if the input ends first.
 */
static inline bool lzr_len_le16(const uint8_t **ip, const uint8_t *ip_end,
                                size_t t, size_t mask, size_t *len,
                                size_t *d16)
{
    *len = t & mask;
    if (!*len) {
        *len = lzr_long_len(ip, ip_end, mask);
        if (!*len) {
            return false;
        }
    }
    *len += 2;
    if (ip_end - *ip < 2) {
        return false;
    }
    *d16 = (*ip)[0] | (size_t)(*ip)[1] << 8;
    *ip += 2;
    return true;
}

int zc_lzorle_decompress(const uint8_t *src, size_t slen,
                         uint8_t *dst, size_t *dlen)
{
    const uint8_t *ip = src, *const ip_end = src + slen;
    uint8_t *op = dst, *const op_end = dst + *dlen;
    size_t state = 0, t, len, dist, h, lo, d16;
    int version = 0;

    if (slen >= 5 && src[0] == 17) {
        version = src[1];
        if (version != 1) {
            return ZC_LZORLE_CORRUPT;
        }
        ip += 2;
    }
    /* The first instruction may be a literal run of its own form. */
    if (ip < ip_end && *ip > 17) {
        t = *ip++ - 17;
        if ((size_t)(ip_end - ip) < t) {
            return ZC_LZORLE_CORRUPT;
        }
        if ((size_t)(op_end - op) < t) {
            return ZC_LZORLE_DST_TOO_SMALL;
        }
        lzr_copy_literals(op, ip, t, ip_end - ip, op_end - op);
        ip += t;
        op += t;
        state = t < 4 ? t : 4;
    }
    for (;;) {
        if (ip >= ip_end) {
            return ZC_LZORLE_CORRUPT;
        }
        t = *ip++;
        if (t < 16) {
            if (state == 0) {
                /* long literal run: 4 or more */
                len = t;
                if (!len) {
                    len = lzr_long_len(&ip, ip_end, 15);
                    if (!len) {
                        return ZC_LZORLE_CORRUPT;
                    }
                }
                len += 3;
                if ((size_t)(ip_end - ip) < len) {
                    return ZC_LZORLE_CORRUPT;
                }
                if ((size_t)(op_end - op) < len) {
                    return ZC_LZORLE_DST_TOO_SMALL;
                }
                lzr_copy_literals(op, ip, len, ip_end - ip, op_end - op);
                ip += len;
                op += len;
                state = 4;
                continue;
            }
            if (ip >= ip_end) {
                return ZC_LZORLE_CORRUPT;
            }
            h = *ip++;
            if (state == 4) {
                len = 3;
                dist = (h << 2) + (t >> 2) + 2049;
            } else {
                len = 2;
                dist = (h << 2) + (t >> 2) + 1;
            }
            lo = t & 3;             /* literals after the match */
        } else if (t < 32) {
            /*
             * 0001HLLL: 16..48 kB distance, end of stream; in version 1
             * with H = 1 and all D bits 1 (distance 0xbfff), a zero run
             * of ((X << 3) | LLL) + 4 bytes, X the byte after the LE16.
             * The run is recognised from the opcode and the LE16 alone,
             * before any long length.
             */
            if (version == 1 && (t & 8) && ip_end - ip >= 2 &&
                (ip[0] & 0xfc) == 0xfc && ip[1] == 0xff) {
                lo = ip[0] & 3;
                if (ip_end - ip < 3) {
                    return ZC_LZORLE_CORRUPT;
                }
                len = ((ip[2] << 3) | (t & 7)) + 4;
                ip += 3;
                if ((size_t)(op_end - op) < len) {
                    return ZC_LZORLE_DST_TOO_SMALL;
                }
                memset(op, 0, len);
                op += len;
                goto trailing;
            }
            if (!lzr_len_le16(&ip, ip_end, t, 7, &len, &d16)) {
                return ZC_LZORLE_CORRUPT;
            }
            dist = 16384 + ((t & 8) << 11) + (d16 >> 2);
            lo = d16 & 3;
            if (dist == 16384) {
                /* end of stream: all input consumed, nothing after */
                if (ip != ip_end) {
                    return ZC_LZORLE_CORRUPT;
                }
                *dlen = op - dst;
                return ZC_LZORLE_OK;
            }
        } else if (t < 64) {
            /* 001LLLLL: up to 16 kB distance */
            if (!lzr_len_le16(&ip, ip_end, t, 31, &len, &d16)) {
                return ZC_LZORLE_CORRUPT;
            }
            dist = (d16 >> 2) + 1;
            lo = d16 & 3;
        } else {
            /* 01LDDDSS (3-4 bytes) and 1LLDDDSS (5-8 bytes): 2 kB */
            if (ip >= ip_end) {
                return ZC_LZORLE_CORRUPT;
            }
            h = *ip++;
            len = t < 128 ? 3 + ((t >> 5) & 1) : 5 + ((t >> 5) & 3);
            dist = (h << 3) + ((t >> 2) & 7) + 1;
            lo = t & 3;
        }
        if (dist == 0 || dist > (size_t)(op - dst)) {
            return ZC_LZORLE_CORRUPT;
        }
        if ((size_t)(op_end - op) < len) {
            return ZC_LZORLE_DST_TOO_SMALL;
        }
        lzr_copy_match(op, dist, len, op_end - op);
        op += len;
trailing:
        /* the instruction's S bits: 0..3 literals follow it */
        state = lo;
        if (lo) {
            if ((size_t)(ip_end - ip) < lo) {
                return ZC_LZORLE_CORRUPT;
            }
            if ((size_t)(op_end - op) < lo) {
                return ZC_LZORLE_DST_TOO_SMALL;
            }
            if (ip_end - ip >= 4 && op_end - op >= 4) {
                memcpy(op, ip, 4);
            } else {
                memcpy(op, ip, lo);
            }
            ip += lo;
            op += lo;
        }
    }
}

/*
 * The encoder: a greedy single-pass LZ77 with a hash table of the last
 * position of each 4-byte prefix, which skips ahead faster the longer it
 * finds no match (LZO1X-1's heuristic), and which takes 4 zero bytes at
 * the current position for the start of a zero run (version 1).
 */

/* distance 0xbfff reads as a zero run in version 1, so none beyond 0xbffe */
#define LZR_MAX_DIST 0xbffe
/* the input is split in blocks, each with a fresh table of 16-bit offsets */
#define LZR_BLOCK (LZR_MAX_DIST + 1)
#define LZR_RUN_MIN 4
#define LZR_RUN_MAX (2047 + LZR_RUN_MIN)

typedef struct LzrEnc {
    uint8_t *op;        /* next output byte */
    uint8_t *data;      /* the first byte after the version header */
    uint8_t *end;       /* end of the room the caller gave (the bound) */
    uint8_t *sbits;     /* the byte of the last instruction that has S bits */
    const uint8_t *src_end;
} LzrEnc;

/* Length of the common prefix of @p and @q (@q before @p), up to @end. */
static inline size_t lzr_extend(const uint8_t *p, const uint8_t *q,
                                const uint8_t *end)
{
    const uint8_t *start = p;

    while (end - p >= 8) {
        uint64_t x = lzr_ld64(p) ^ lzr_ld64(q);

        if (x) {
            return p - start + lzr_zero_bytes(x);
        }
        p += 8;
        q += 8;
    }
    while (p < end && *p == *q) {
        p++;
        q++;
    }
    return p - start;
}

/* Length of the zero run at @p, whose first 4 bytes are zero: 4..max. */
static inline size_t lzr_zero_run(const uint8_t *p, size_t max)
{
    size_t n = LZR_RUN_MIN;

    while (n + 8 <= max) {
        uint64_t x = lzr_ld64(p + n);

        if (x) {
            return n + lzr_zero_bytes(x);
        }
        n += 8;
    }
    while (n < max && p[n] == 0) {
        n++;
    }
    return n;
}

/* A long length: 255 for each zero byte, then the last byte (not 0). */
static inline void lzr_put_len(LzrEnc *e, size_t v)
{
    while (v > 255) {
        *e->op++ = 0;
        v -= 255;
    }
    *e->op++ = v;
}

/*
 * @n literals: 1..3 go in the S bits of the last instruction, 4 or more
 * (the last instruction's S bits being 0) in a literal run of their own;
 * at the start of the stream the first byte's own form for up to 238.
 */
static inline void lzr_put_literals(LzrEnc *e, const uint8_t *lit, size_t n)
{
    if (n == 0) {
        return;
    }
    if (e->op == e->data && n <= 238) {
        *e->op++ = 17 + n;
    } else if (n <= 3) {
        *e->sbits |= n;
    } else if (n <= 18) {
        *e->op++ = n - 3;
    } else {
        *e->op++ = 0;
        lzr_put_len(e, n - 18);
    }
    lzr_copy_literals(e->op, lit, n, e->src_end - lit, e->end - e->op);
    e->op += n;
}

/*
 * A match of @len >= 4 bytes at @dist <= LZR_MAX_DIST; returns the length
 * encoded, which is shorter than @len where @len would be ambiguous.
 */
static inline size_t lzr_put_match(LzrEnc *e, size_t dist, size_t len)
{
    if (len <= 8 && dist <= 2048) {
        /* 1LLDDDSS / 01LDDDSS, HHHHHHHH */
        dist--;
        e->sbits = e->op;
        e->op[0] = ((len - 1) << 5) | ((dist & 7) << 2);
        e->op[1] = dist >> 3;
        e->op += 2;
        return len;
    }
    if (dist <= 16384) {
        /* 001LLLLL [long length], LE16 DDDDDDDD DDDDDDSS */
        dist--;
        if (len <= 33) {
            *e->op++ = 32 | (len - 2);
        } else {
            *e->op++ = 32;
            lzr_put_len(e, len - 33);
        }
    } else {
        /* 0001HLLL [long length], LE16 DDDDDDDD DDDDDDSS */
        dist -= 16384;
        if (len <= 9) {
            *e->op++ = 16 | ((dist >> 11) & 8) | (len - 2);
        } else {
            /*
             * H = 1, D's low 6 bits all 1 and a one-byte long length of
             * 0xfc..0xff (length 261..264) would, with S = 3, read as a
             * zero run: the decoder looks at the two bytes after the
             * opcode before any long length. Shorten such a match.
             */
            if ((dist & 0x403f) == 0x403f && len >= 261 && len <= 264) {
                len = 260;
            }
            *e->op++ = 16 | ((dist >> 11) & 8);
            lzr_put_len(e, len - 9);
        }
    }
    e->sbits = e->op;
    e->op[0] = dist << 2;
    e->op[1] = dist >> 6;
    e->op += 2;
    return len;
}

/* A zero run of LZR_RUN_MIN..LZR_RUN_MAX bytes: 00011LLL, 0xfc|S, 0xff, X */
static inline void lzr_put_zeros(LzrEnc *e, size_t run)
{
    run -= LZR_RUN_MIN;
    e->op[0] = 0x18 | (run & 7);
    e->op[1] = 0xfc;
    e->op[2] = 0xff;
    e->op[3] = run >> 3;
    e->sbits = e->op + 1;
    e->op += 4;
}

/*
 * Encode the block [@base, @end), @lit being the first byte not yet
 * written (at or before @base); returns the new @lit. Matches and runs
 * stay within the block, so all distances are below LZR_BLOCK.
 */
static const uint8_t *lzr_block(LzrEnc *enc, uint16_t *dict,
                                const uint8_t *base, const uint8_t *end,
                                const uint8_t *lit)
{
    LzrEnc state = *enc, *e = &state;   /* in registers, not memory */
    const uint8_t *ip = base;

    /*
     * All entries point at @base: no match can start there, so unless a
     * zero run does, the search starts after it and every candidate is
     * before the position searched for.
     */
    memset(dict, 0, ZC_LZORLE_WRKMEM_SIZE);
    if (end - ip >= 4 &&
        (lzr_ld32(ip) != 0 || (ip == lit && e->op == e->data))) {
        ip += 1 + ((ip - lit) >> 5);
    }
    while (end - ip >= 4) {
        uint32_t dv = lzr_ld32(ip);
        const uint8_t *cand;
        size_t h, len;

        /*
         * A zero run (opcode 0x18..0x1f) cannot be the stream's first
         * instruction, where bytes above 17 are literal runs: the first
         * zero byte of the input is a literal.
         */
        if (dv == 0 && (ip != lit || e->op != e->data)) {
            size_t max = end - ip < LZR_RUN_MAX ? end - ip : LZR_RUN_MAX;

            len = lzr_zero_run(ip, max);
            lzr_put_literals(e, lit, ip - lit);
            lzr_put_zeros(e, len);
            ip += len;
            lit = ip;
            continue;
        }
        /* Fibonacci hashing of the 4-byte prefix */
        h = (uint32_t)(dv * 0x9e3779b1u) >> (32 - ZC_LZORLE_HASH_BITS);
        cand = base + dict[h];
        dict[h] = ip - base;
        /*
         * @cand is before @ip, unless the input changed under us (read in
         * place, docs/specs/zcomp-pci.rst) between the check above and
         * here: at @base, read as zero there and not here.
         */
        if (cand >= ip || lzr_ld32(cand) != dv) {
            /* one byte on, more the longer nothing matched */
            ip += 1 + ((ip - lit) >> 5);
            continue;
        }
        len = 4 + lzr_extend(ip + 4, cand + 4, end);
        lzr_put_literals(e, lit, ip - lit);
        ip += lzr_put_match(e, ip - cand, len);
        lit = ip;
    }
    *enc = state;
    return lit;
}

size_t zc_lzorle_bound(size_t len)
{
    return len + len / 8 + 72;
}

int zc_lzorle_compress(const uint8_t *src, size_t slen, uint8_t *dst,
                       size_t *dlen, void *wrkmem)
{
    LzrEnc e = {
        .op = dst + 2, .data = dst + 2, .end = dst + zc_lzorle_bound(slen),
        .src_end = slen ? src + slen : src,    /* @src may be NULL then */
    };
    const uint8_t *lit = src, *base;
    size_t left;

    dst[0] = 17;
    dst[1] = 1;
    for (base = src; base < e.src_end; base += left) {
        left = e.src_end - base < LZR_BLOCK ? e.src_end - base : LZR_BLOCK;
        lit = lzr_block(&e, wrkmem, base, base + left, lit);
    }
    lzr_put_literals(&e, lit, e.src_end - lit);
    /* end of stream: 0001HLLL with distance 16384 */
    e.op[0] = 16 | 1;
    e.op[1] = 0;
    e.op[2] = 0;
    e.op += 3;
    *dlen = e.op - dst;
    return ZC_LZORLE_OK;
}
