/*
 * zcomp-lzorle: safe decoder of LZO1X bitstream versions 0 and 1.
 * See zcomp-lzorle.h; the format: kernel Documentation/staging/lzo.rst.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "zcomp-lzorle.h"

struct lzr_in {
    const uint8_t *p, *end;
};

struct lzr_out {
    uint8_t *start, *p, *end;
};

static int lzr_byte(struct lzr_in *in, size_t *v)
{
    if (in->p >= in->end) {
        return ZC_LZORLE_CORRUPT;
    }
    *v = *in->p++;
    return ZC_LZORLE_OK;
}

/*
 * A length of @base plus the long form: zero bytes count 255 each, the
 * first non-zero byte ends it. Bounded: no length beyond the input's
 * reach is accepted, so no overflow.
 */
static int lzr_long_len(struct lzr_in *in, size_t base, size_t *len)
{
    size_t zeros = 0, b;

    for (;;) {
        if (lzr_byte(in, &b)) {
            return ZC_LZORLE_CORRUPT;
        }
        if (b) {
            break;
        }
        if (++zeros > (size_t)1 << 24) {
            return ZC_LZORLE_CORRUPT;
        }
    }
    *len = base + zeros * 255 + b;
    return ZC_LZORLE_OK;
}

static int lzr_literals(struct lzr_in *in, struct lzr_out *out, size_t n)
{
    if ((size_t)(in->end - in->p) < n) {
        return ZC_LZORLE_CORRUPT;
    }
    if ((size_t)(out->end - out->p) < n) {
        return ZC_LZORLE_DST_TOO_SMALL;
    }
    memcpy(out->p, in->p, n);
    in->p += n;
    out->p += n;
    return ZC_LZORLE_OK;
}

/* Copy @len bytes from @dist back; overlapping copies repeat (byte-wise). */
static int lzr_match(struct lzr_out *out, size_t dist, size_t len)
{
    const uint8_t *from;

    if (dist == 0 || dist > (size_t)(out->p - out->start)) {
        return ZC_LZORLE_CORRUPT;
    }
    if ((size_t)(out->end - out->p) < len) {
        return ZC_LZORLE_DST_TOO_SMALL;
    }
    from = out->p - dist;
    while (len--) {
        *out->p++ = *from++;
    }
    return ZC_LZORLE_OK;
}

static int lzr_zeros(struct lzr_out *out, size_t len)
{
    if ((size_t)(out->end - out->p) < len) {
        return ZC_LZORLE_DST_TOO_SMALL;
    }
    memset(out->p, 0, len);
    out->p += len;
    return ZC_LZORLE_OK;
}

int zc_lzorle_decompress(const uint8_t *src, size_t slen,
                         uint8_t *dst, size_t *dlen)
{
    struct lzr_in in = { src, src + slen };
    struct lzr_out out = { dst, dst, dst + *dlen };
    size_t state = 0, t, len, dist, h, lo, hi, x;
    int version = 0, ret;

    if (slen >= 5 && src[0] == 17) {
        version = src[1];
        if (version != 1) {
            return ZC_LZORLE_CORRUPT;
        }
        in.p += 2;
    }
    /* The first instruction may be a literal run of its own form. */
    if (in.p < in.end && *in.p > 17) {
        t = *in.p++ - 17;
        ret = lzr_literals(&in, &out, t);
        if (ret) {
            return ret;
        }
        state = t < 4 ? t : 4;
    }
    for (;;) {
        if (lzr_byte(&in, &t)) {
            return ZC_LZORLE_CORRUPT;
        }
        if (t < 16) {
            if (state == 0) {
                /* long literal run: 4 or more */
                len = t;
                if (!len && lzr_long_len(&in, 15, &len)) {
                    return ZC_LZORLE_CORRUPT;
                }
                ret = lzr_literals(&in, &out, len + 3);
                if (ret) {
                    return ret;
                }
                state = 4;
                continue;
            }
            if (lzr_byte(&in, &h)) {
                return ZC_LZORLE_CORRUPT;
            }
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
            if (version == 1 && (t & 8) && in.end - in.p >= 2 &&
                (in.p[0] & 0xfc) == 0xfc && in.p[1] == 0xff) {
                lo = in.p[0] & 3;
                in.p += 2;
                if (lzr_byte(&in, &x)) {
                    return ZC_LZORLE_CORRUPT;
                }
                ret = lzr_zeros(&out, ((x << 3) | (t & 7)) + 4);
                if (ret) {
                    return ret;
                }
                goto trailing;
            }
            len = t & 7;
            if (!len && lzr_long_len(&in, 7, &len)) {
                return ZC_LZORLE_CORRUPT;
            }
            len += 2;
            if (lzr_byte(&in, &lo) || lzr_byte(&in, &hi)) {
                return ZC_LZORLE_CORRUPT;
            }
            dist = 16384 + ((t & 8) << 11) + ((hi << 6) | (lo >> 2));
            lo &= 3;
            if (dist == 16384) {
                /* end of stream: all input consumed, nothing after */
                if (in.p != in.end) {
                    return ZC_LZORLE_CORRUPT;
                }
                *dlen = out.p - out.start;
                return ZC_LZORLE_OK;
            }
        } else if (t < 64) {
            /* 001LLLLL: up to 16 kB distance */
            len = t & 31;
            if (!len && lzr_long_len(&in, 31, &len)) {
                return ZC_LZORLE_CORRUPT;
            }
            len += 2;
            if (lzr_byte(&in, &lo) || lzr_byte(&in, &hi)) {
                return ZC_LZORLE_CORRUPT;
            }
            dist = ((hi << 6) | (lo >> 2)) + 1;
            lo &= 3;
        } else {
            /* 01LDDDSS (3-4 bytes) and 1LLDDDSS (5-8 bytes): 2 kB */
            if (lzr_byte(&in, &h)) {
                return ZC_LZORLE_CORRUPT;
            }
            len = t < 128 ? 3 + ((t >> 5) & 1) : 5 + ((t >> 5) & 3);
            dist = (h << 3) + ((t >> 2) & 7) + 1;
            lo = t & 3;
        }
        ret = lzr_match(&out, dist, len);
        if (ret) {
            return ret;
        }
trailing:
        /* the instruction's S bits: 0..3 literals follow it */
        state = lo;
        if (lo) {
            ret = lzr_literals(&in, &out, lo);
            if (ret) {
                return ret;
            }
        }
    }
}
