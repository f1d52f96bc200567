/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zcomp-worst: the slowest input we know of for each algorithm, direction
 * and level, at each request size up to 64 KiB (the largest a SYNC
 * doorbell runs on a vCPU), timed through the engine's codec call
 * (zc_codec_run, what a request runs). Prints one line per algorithm,
 * direction and level: per size class (up to 4, 16 and 64 KiB) the
 * worst cost per byte (of src_len compressing, with room to spare; of
 * max(src_len, dst_cap) decompressing) and its input, which is
 * what the device's SYNC price (zcomp_sync_cost in hw/zcomp-pci.c) must
 * cover; with -c, the price table itself (twice the worst, rounded up).
 *
 *   zcomp-worst [-c] [REPS]     default 3; the median of REPS runs each
 *
 * Inputs, per size n:
 *   compress: random bytes, two random symbols (lz4hc's slowest), four,
 *   zeros, a short period, a long period, text;
 *   decompress: each algorithm's output of those, and streams made to be
 *   slow: lz4 sequences of 4-byte matches at distance 1 (3 bytes each),
 *   lzo and lzo-rle 2-byte M2 matches at distance 1, zstd frames of
 *   1-byte raw blocks, and of tiny blocks each with its own Huffman table
 *   (every block rebuilds its decoding table; the crafted frame of
 *   issue 15). A decoder that refuses a stream late still spent the time:
 *   what counts is the time, not the status.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zstd.h>

#include "zcomp-engine.h"

#define MAX_N (64u * 1024)

typedef struct Input {
    char name[48];
    uint8_t *data;
    uint32_t len;
    uint32_t dcap;          /* decompression: the output capacity */
} Input;

static ZcScratch *scr;
static int reps = 3;
static bool c_table;

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Median time of @reps runs of one request; its status in *@st. */
static double time_codec(uint8_t op, uint8_t algo, int level,
                         const uint8_t *src, uint32_t slen, uint32_t dcap,
                         uint8_t *st, uint32_t *out_len)
{
    double t[16];
    uint8_t *dst = scr->dst;

    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();

        *st = zc_codec_run(scr, op, algo, level, src, slen, dst, dcap,
                           out_len);
        t[r] = now_ns() - t0;
    }
    qsort(t, reps, sizeof(t[0]), cmp_double);
    return t[reps / 2];
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: every bit random enough (an LCG's low bits are periodic) */
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return (rnd_state * 0x2545f4914f6cdd1dull) >> 32;
}

static void fill_kind(uint8_t *b, uint32_t n, int kind)
{
    static const char text[] = "Lorem ipsum dolor sit amet, consectetur "
        "adipiscing elit; zcomp offloads zram and zswap. ";

    for (uint32_t i = 0; i < n; i++) {
        switch (kind) {
        case 0:
            b[i] = rnd();
            break;
        case 1:
            b[i] = rnd() & 1;
            break;
        case 2:
            b[i] = rnd() & 3;
            break;
        case 3:
            b[i] = 0;
            break;
        case 4:
            b[i] = i % 7;
            break;
        case 5:
            b[i] = (i % 1031) * 37;
            break;
        default:
            b[i] = text[i % (sizeof(text) - 1)];
        }
    }
}

static const char *const kind_names[] = {
    "random", "2-symbol", "4-symbol", "zeros", "period-7", "period-1031",
    "text",
};
#define NKINDS 7

/* lz4: one literal, then 4-byte matches at distance 1 until @n bytes. */
static uint32_t craft_lz4(uint8_t *o, uint32_t n)
{
    uint32_t len = 0, out = 1;

    o[len++] = 0x10;        /* 1 literal, then a match of 4 */
    o[len++] = 'a';
    o[len++] = 1;
    o[len++] = 0;
    out += 4;
    while (out + 4 + 12 <= n) {
        o[len++] = 0x00;
        o[len++] = 1;
        o[len++] = 0;
        out += 4;
    }
    o[len++] = 0x50;        /* the last 5 bytes as literals */
    memset(o + len, 'b', 5);
    return len + 5;
}

/* lzo1x (lzo-rle with its "17, 1" header): M2 matches at distance 1. */
static uint32_t craft_lzo(uint8_t *o, uint32_t n, bool rle)
{
    uint32_t len = 0, out = 4;

    if (rle) {
        o[len++] = 17;
        o[len++] = 1;
    }
    o[len++] = 17 + 4;      /* 4 literals */
    memcpy(o + len, "abcd", 4);
    len += 4;
    while (out + 4 <= n) {
        o[len++] = 0x60;    /* M2, length 4, distance 1 */
        o[len++] = 0;
        out += 4;
    }
    o[len++] = 0x11;        /* end of stream */
    o[len++] = 0;
    o[len++] = 0;
    return len;
}

/* A single-segment zstd frame header for @content bytes. */
static uint32_t zstd_header(uint8_t *o, uint32_t content)
{
    o[0] = 0x28;
    o[1] = 0xb5;
    o[2] = 0x2f;
    o[3] = 0xfd;
    o[4] = 0xa0;            /* 4-byte content size, single segment */
    o[5] = content;
    o[6] = content >> 8;
    o[7] = content >> 16;
    o[8] = content >> 24;
    return 9;
}

static void block_header(uint8_t *o, bool last, int type, uint32_t size)
{
    uint32_t h = (size << 3) | (type << 1) | last;

    o[0] = h;
    o[1] = h >> 8;
    o[2] = h >> 16;
}

/* zstd: @n bytes, one raw block each (3 bytes of header a byte). */
static uint32_t craft_zstd_raw(uint8_t *o, uint32_t cap, uint32_t n)
{
    uint32_t len, blocks = (cap - 9) / 4;

    if (blocks > n) {
        blocks = n;
    }
    len = zstd_header(o, blocks);
    for (uint32_t i = 0; i < blocks; i++) {
        block_header(o + len, i == blocks - 1, 0, 1);
        o[len + 3] = i;
        len += 4;
    }
    return len;
}

/*
 * zstd: tiny compressed blocks, each with its own Huffman table (a fresh
 * compression context per block: literals only, no sequence), until the
 * frame reaches @cap bytes or @n bytes of content.
 */
static uint32_t craft_zstd_huf(uint8_t *o, uint32_t cap, uint32_t n,
                               uint32_t chunk)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    uint8_t src[256], blk[512];
    uint32_t len = 9, content = 0, last_at = 0;

    while (content + chunk <= n) {
        size_t r;

        for (uint32_t i = 0; i < chunk; i++) {
            /* skewed, no repeats long enough to match */
            uint32_t v = rnd();
            src[i] = (v & 3) ? (v >> 4) % 12 : (v >> 4) % 40;
        }
        ZSTD_compressBegin(cctx, 1);
        r = ZSTD_compressBlock(cctx, blk, sizeof(blk), src, chunk);
        if (ZSTD_isError(r) || r == 0) {
            continue;
        }
        if (len + 3 + r > cap) {
            break;
        }
        last_at = len;
        block_header(o + len, false, 2, r);
        memcpy(o + len + 3, blk, r);
        len += 3 + r;
        content += chunk;
    }
    ZSTD_freeCCtx(cctx);
    if (!last_at) {
        return 0;
    }
    o[last_at] |= 1;        /* the last block */
    zstd_header(o, content);
    return len;
}

/*
 * zstd: blocks of one literal each, Huffman-coded with a table of 128
 * symbols (weights in direct representation, table log 11) that the
 * decoder builds for every block: 70 bytes of input per byte of output.
 */
static uint32_t huf_block(uint8_t *o, uint8_t code)
{
    uint32_t len = 0, hdr = 2 | (1u << 4) | ((1u + 64 + 1) << 14);
    uint8_t w[128];
    int i = 0;

    /* 120 x 5, 2 x 1, 7, 6, 4, 3, 2 (sum 2032), the last (5) implied */
    while (i < 120) {
        w[i++] = 5;
    }
    w[i++] = 1;
    w[i++] = 1;
    w[i++] = 7;
    w[i++] = 6;
    w[i++] = 4;
    w[i++] = 3;
    w[i++] = 2;
    w[i] = 0;
    o[len++] = hdr;
    o[len++] = hdr >> 8;
    o[len++] = hdr >> 16;
    o[len++] = 127 + 127;
    for (i = 0; i < 128; i += 2) {
        o[len++] = w[i] << 4 | w[i + 1];
    }
    o[len++] = 0x80 | code;     /* one 7-bit code and the end mark */
    o[len++] = 0;               /* no sequence */
    return len;
}

static uint32_t craft_zstd_direct(uint8_t *o, uint32_t cap, uint32_t n)
{
    static int code = -1;
    uint8_t blk[128], out[8];
    uint32_t len, blen = 0, blocks;

    /* The first code that decodes to one literal of weight 5. */
    for (int c = 0; code < 0 && c < 128; c++) {
        ZSTD_DCtx *d = ZSTD_createDCtx();

        blen = huf_block(blk, c);
        ZSTD_decompressBegin(d);
        if (ZSTD_decompressBlock(d, out, sizeof(out), blk, blen) == 1) {
            code = c;
        }
        ZSTD_freeDCtx(d);
    }
    if (code < 0) {
        return 0;
    }
    blen = huf_block(blk, code);
    blocks = (cap - 9) / (blen + 3);
    if (blocks > n) {
        blocks = n;
    }
    len = zstd_header(o, blocks);
    for (uint32_t i = 0; i < blocks; i++) {
        block_header(o + len, i == blocks - 1, 2, blen);
        memcpy(o + len + 3, blk, blen);
        len += 3 + blen;
    }
    return len;
}

typedef struct Worst {
    double ns;
    double ns_per_byte;
    char what[64];
} Worst;

static void consider(Worst *w, double ns, uint32_t bytes, const char *what,
                     uint32_t n)
{
    double per = ns / bytes;

    if (per > w->ns_per_byte) {
        w->ns_per_byte = per;
        w->ns = ns;
        snprintf(w->what, sizeof(w->what), "%s/%u", what, n);
    }
}

static void report(const char *dir, uint8_t algo, int level,
                   const Worst *w)
{
    if (c_table) {
        if (!strcmp(dir, "compress")) {
            printf("    [%d][%d] = {", algo, level);
        } else {
            printf("    [%d] = {", algo);
        }
        for (int s = 0; s < 3; s++) {
            /* twice the worst, rounded up to 2 significant digits */
            double v = 2 * w[s].ns_per_byte;
            double unit = v < 10 ? 1 : v < 100 ? 1 : v < 1000 ? 10 : 100;

            printf(" %u%s", (unsigned)(((uint64_t)(v / unit) + 1) * unit),
                   s < 2 ? "," : " },");
        }
        printf(" /* %s %s: %.1f, %.1f, %.1f */\n", zc_alg_name(algo), dir,
               w[0].ns_per_byte, w[1].ns_per_byte, w[2].ns_per_byte);
        return;
    }
    printf("%-8s %-10s %5d", zc_alg_name(algo), dir, level);
    for (int s = 0; s < 3; s++) {
        printf(" %8.2f", w[s].ns_per_byte);
    }
    printf("  %s, %s, %s\n", w[0].what, w[1].what, w[2].what);
    fflush(stdout);
}

/* The price table's header (hw/zcomp-price.h), up to its first table. */
static void print_header_start(void)
{
    char line[256], cpu[128] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");

    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(cpu, sizeof(cpu), "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = 0;
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    printf("/* SPDX-License-Identifier: GPL-2.0-or-later */\n"
           "/*\n"
           " * The price of a request on a SYNC doorbell (hw/zcomp-pci.c),\n"
           " * in ns per byte priced (src_len compressing, else max(src_len,\n"
           " * dst_cap): zcomp_sync_cost), per size class (up\n"
           " * to 4, 16 and 64 KiB): twice the slowest input known, as\n"
           " * measured by zcomp-worst (tests/bench/worst-case.c); each\n"
           " * line's comment gives what it measured.\n"
           " * Generated by \"zcomp-worst -c %d\" on %s;\n"
           " * regenerate rather than edit.\n"
           " */\n"
           "#ifndef ZCOMP_PRICE_H\n#define ZCOMP_PRICE_H\n\n"
           "static const uint16_t zcomp_price_compress[ZCOMP_ALG_COUNT]\n"
           "                                          "
           "[ZCOMP_ZSTD_MAX_LEVEL + 1][3] = {\n", reps, cpu);
}

int main(int argc, char **argv)
{
    static const uint32_t sizes[] = { 4096, 16384, 65536 };
    uint8_t *in = malloc(MAX_N), *comp = malloc(2 * MAX_N);
    uint8_t st;
    uint32_t out;

    if (argc > 1 && !strcmp(argv[1], "-c")) {
        c_table = true;
        argc--;
        argv++;
    }
    if (argc > 1) {
        reps = atoi(argv[1]);
        if (reps < 1 || reps > 16) {
            fprintf(stderr, "usage: zcomp-worst [-c] [REPS 1..16]\n");
            return 2;
        }
    }
    scr = zc_scratch_new(MAX_N);
    if (!scr || !in || !comp) {
        return 1;
    }
    if (!c_table) {
        printf("%-8s %-10s %5s %8s %8s %8s  %s\n", "algo", "direction",
               "level", "4K ns/B", "16K ns/B", "64K ns/B", "worst inputs");
    } else {
        print_header_start();
    }

    /* Compression, per algorithm and level. */
    for (uint8_t algo = 0; algo < ZCOMP_ALG_COUNT; algo++) {
        int lo = 0, hi = 0;

        if (algo == ZCOMP_ALG_LZ4HC) {
            lo = ZCOMP_LZ4HC_MIN_LEVEL;
            hi = ZCOMP_LZ4HC_MAX_LEVEL;
        } else if (algo == ZCOMP_ALG_ZSTD) {
            lo = ZCOMP_ZSTD_MIN_LEVEL;
            hi = ZCOMP_ZSTD_MAX_LEVEL;
        }
        for (int level = lo; level <= hi; level++) {
            Worst w[3] = { 0 };

            for (unsigned s = 0; s < 3; s++) {
                for (int k = 0; k < NKINDS; k++) {
                    double ns;

                    fill_kind(in, sizes[s], k);
                    ns = time_codec(ZCOMP_OP_COMPRESS, algo, level, in,
                                    sizes[s], scr->dst_size, &st, &out);
                    consider(&w[s], ns, sizes[s], kind_names[k], sizes[s]);
                }
            }
            report("compress", algo, level, w);
        }
    }

    if (c_table) {
        printf("};\n\nstatic const uint16_t "
               "zcomp_price_decompress[ZCOMP_ALG_COUNT][3] = {\n");
    }
    /* Decompression, per algorithm: valid streams, then crafted ones. */
    for (uint8_t algo = 0; algo < ZCOMP_ALG_COUNT; algo++) {
        Worst all[3] = { 0 };

        for (unsigned s = 0; s < 3; s++) {
            uint32_t n = sizes[s], clen;
            Worst *w = &all[s];
            double ns;

            for (int k = 0; k < NKINDS; k++) {
                int level = algo == ZCOMP_ALG_ZSTD ? 19 :
                            algo == ZCOMP_ALG_LZ4HC ? 12 : 0;

                fill_kind(in, n, k);
                if (zc_codec_run(scr, ZCOMP_OP_COMPRESS, algo, level, in, n,
                                 scr->dst, scr->dst_size, &clen)) {
                    continue;
                }
                memcpy(comp, scr->dst, clen);
                ns = time_codec(ZCOMP_OP_DECOMPRESS, algo, 0, comp, clen, n,
                                &st, &out);
                consider(w, ns, n > clen ? n : clen, kind_names[k], n);
            }
            switch (algo) {
            case ZCOMP_ALG_LZ4:
            case ZCOMP_ALG_LZ4HC:
                clen = craft_lz4(comp, n);
                ns = time_codec(ZCOMP_OP_DECOMPRESS, algo, 0, comp, clen, n,
                                &st, &out);
                consider(w, ns, n > clen ? n : clen, "crafted-matches", n);
                break;
            case ZCOMP_ALG_LZO:
            case ZCOMP_ALG_LZORLE:
                clen = craft_lzo(comp, n, algo == ZCOMP_ALG_LZORLE);
                ns = time_codec(ZCOMP_OP_DECOMPRESS, algo, 0, comp, clen, n,
                                &st, &out);
                consider(w, ns, n > clen ? n : clen, "crafted-m2", n);
                break;
            case ZCOMP_ALG_ZSTD:
                clen = craft_zstd_raw(comp, n, n);
                ns = time_codec(ZCOMP_OP_DECOMPRESS, algo, 0, comp, clen, n,
                                &st, &out);
                consider(w, ns, n, "crafted-raw-blocks", n);
                clen = craft_zstd_direct(comp, n, n);
                if (clen) {
                    ns = time_codec(ZCOMP_OP_DECOMPRESS, algo, 0, comp, clen,
                                    n, &st, &out);
                    consider(w, ns, n, st ? "crafted-huf-direct(refused)" :
                             "crafted-huf-direct", n);
                }
                for (uint32_t chunk = 64; chunk <= 192; chunk += 64) {
                    char what[40];

                    clen = craft_zstd_huf(comp, n, n, chunk);
                    if (!clen) {
                        continue;
                    }
                    ns = time_codec(ZCOMP_OP_DECOMPRESS, algo, 0, comp, clen,
                                    n, &st, &out);
                    snprintf(what, sizeof(what), "crafted-huf-%u%s", chunk,
                             st ? "(refused)" : "");
                    consider(w, ns, n, what, n);
                }
                break;
            }
        }
        report("decompress", algo, 0, all);
    }
    if (c_table) {
        printf("};\n\n#endif /* ZCOMP_PRICE_H */\n");
    }
    zc_scratch_free(scr);
    free(in);
    free(comp);
    return 0;
}
