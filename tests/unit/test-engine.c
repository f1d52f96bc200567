/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the zcomp engine (hw/zcomp-engine.c): codecs and format
 * compatibility, descriptor validation, scatter-gather, ring and phase.
 *
 * Environment: ZCOMP_TEST_DATA (tests/data) must be set; ZCOMP_CORPUS
 * (the unpacked shared corpus) adds real pages to the round trips.
 */
#include <glib.h>
#include <lz4.h>
#include <lzo/lzo1x.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "zcomp-engine.h"
#include "memhost.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE (8u << 20)
#define SRC_ADDR (RAM_BASE + 0x10000)
#define DST_ADDR (RAM_BASE + 0x40000)
#define OUT_ADDR (RAM_BASE + 0x70000)
#define SGL_ADDR (RAM_BASE + 0xa0000)
#define SQ_ADDR  (RAM_BASE + 0x200000)
#define CQ_ADDR  (RAM_BASE + 0x300000)

static const ZcLimits limits = {
    .max_req = 64 * 1024, .max_sge = 64, .lz4hc_level = 9,
    .zstd_level = ZCOMP_ZSTD_DEFAULT_LEVEL, .algs = ZC_ALGS_ALL,
};
static const uint8_t algos[] = { ZCOMP_ALG_LZ4, ZCOMP_ALG_LZ4HC,
                                 ZCOMP_ALG_LZO, ZCOMP_ALG_LZORLE,
                                 ZCOMP_ALG_ZSTD };

typedef struct Fixture {
    MemHost m;
    ZcScratch *scr;
    const ZcHostOps *ops;
} Fixture;

/* data: NULL for zero-copy host ops, non-NULL for copying ones. */
static void fx_setup(Fixture *f, gconstpointer data)
{
    f->ops = data ? &memhost_ops_copy : &memhost_ops;
    memhost_init(&f->m, RAM_BASE, RAM_SIZE);
    f->m.sq_addr = SQ_ADDR;
    f->m.cq_addr = CQ_ADDR;
    f->scr = zc_scratch_new(limits.max_req);
    g_assert_nonnull(f->scr);
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
    zc_scratch_free(f->scr);
    memhost_free(&f->m);
}

static struct zcomp_sqe mk_sqe(uint8_t op, uint8_t algo, uint64_t src,
                               uint32_t slen, uint64_t dst, uint32_t dcap)
{
    struct zcomp_sqe s = {
        .opcode = op, .algo = algo, .src_addr = src, .src_len = slen,
        .dst_addr = dst, .dst_cap = dcap, .tag = 0x1234,
    };
    return s;
}

/* Fill @buf with one of four kinds of content. */
static void fill(uint8_t *buf, uint32_t len, int kind, GRand *r)
{
    static const char text[] = "The quick brown fox jumps over the lazy "
        "dog; zram stores compressed pages in memory. ";
    uint32_t i;

    for (i = 0; i < len; i++) {
        switch (kind) {
        case 0:
            buf[i] = 0;
            break;
        case 1:
            buf[i] = text[i % (sizeof(text) - 1)];
            break;
        case 2: /* struct-like binary: small ints and pointers */
            buf[i] = (i % 8 < 3) ? (uint8_t)(i / 64) : (i % 8 == 7 ? 0x7f : 0);
            break;
        default:
            buf[i] = (uint8_t)g_rand_int(r);
        }
    }
}

/* Compress and decompress @len bytes at SRC_ADDR through the engine; check
 * the round trip, and that the libraries' own safe decoders read the
 * device output (the format the kernel's decoders read). */
static void roundtrip(Fixture *f, uint8_t algo, uint32_t len)
{
    struct zcomp_sqe c = mk_sqe(ZCOMP_OP_COMPRESS, algo, SRC_ADDR, len,
                                DST_ADDR, limits.max_req);
    uint8_t *src = memhost_ptr(&f->m, SRC_ADDR, len);
    uint8_t *dst = memhost_ptr(&f->m, DST_ADDR, limits.max_req);
    uint8_t *out = memhost_ptr(&f->m, OUT_ADDR, limits.max_req);
    g_autofree uint8_t *lib = g_malloc(len);
    uint32_t clen, dlen;
    struct zcomp_sqe d;

    g_assert_cmpint(zc_execute(&limits, f->scr, f->ops, &f->m, &c,
                               &clen), ==, ZCOMP_ST_OK);
    g_assert_cmpuint(clen, >, 0);
    g_assert_cmpuint(clen, <=, zc_compress_bound(len));

    d = mk_sqe(ZCOMP_OP_DECOMPRESS, algo, DST_ADDR, clen, OUT_ADDR, len);
    memset(out, 0xa5, len);
    g_assert_cmpint(zc_execute(&limits, f->scr, f->ops, &f->m, &d,
                               &dlen), ==, ZCOMP_ST_OK);
    g_assert_cmpuint(dlen, ==, len);
    g_assert_true(memcmp(src, out, len) == 0);

    if (algo == ZCOMP_ALG_LZO) {
        lzo_uint l = len;
        g_assert_cmpint(lzo1x_decompress_safe(dst, clen, lib, &l, NULL), ==,
                        LZO_E_OK);
        g_assert_cmpuint(l, ==, len);
    } else if (algo == ZCOMP_ALG_LZORLE) {
        /*
         * No library reads version 1: test-lzorle checks our streams with
         * the kernel's own decoder. Here: the version 1 header.
         */
        g_assert_cmpuint(clen, >=, 2);
        g_assert_cmpuint(dst[0], ==, 17);
        g_assert_cmpuint(dst[1], ==, 1);
        return;
    } else if (algo == ZCOMP_ALG_ZSTD) {
        g_assert_cmpuint(ZSTD_decompress(lib, len, dst, clen), ==, len);
        g_assert_cmpuint(ZSTD_getFrameContentSize(dst, clen), ==, len);
    } else {
        g_assert_cmpint(LZ4_decompress_safe((char *)dst, (char *)lib,
                                            (int)clen, (int)len), ==, len);
    }
    g_assert_true(memcmp(src, lib, len) == 0);
}

static void test_roundtrip_kinds(Fixture *f, gconstpointer data)
{
    static const uint32_t sizes[] = { 1, 2, 3, 15, 16, 100, 255, 1000, 4095,
                                      4096, 4097, 8192, 12345, 65536 };
    g_autoptr(GRand) r = g_rand_new_with_seed(42);

    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
            for (int kind = 0; kind < 4; kind++) {
                fill(memhost_ptr(&f->m, SRC_ADDR, sizes[s]), sizes[s], kind,
                     r);
                if (kind == 3 && sizes[s] == limits.max_req) {
                    /* Random data grows past the largest destination. */
                    struct zcomp_sqe c = mk_sqe(ZCOMP_OP_COMPRESS, algos[a],
                                                SRC_ADDR, sizes[s], DST_ADDR,
                                                limits.max_req);
                    uint32_t clen;
                    g_assert_cmpint(zc_execute(&limits, f->scr, f->ops,
                                               &f->m, &c, &clen), ==,
                                    ZCOMP_ST_DST_TOO_SMALL);
                    continue;
                }
                roundtrip(f, algos[a], sizes[s]);
            }
        }
    }
}

static void test_roundtrip_corpus(Fixture *f, gconstpointer data)
{
    const char *path = g_getenv("ZCOMP_CORPUS");
    g_autofree gchar *buf = NULL;
    gsize len;
    size_t pages = 0;

    g_assert_nonnull(path);
    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    g_assert_cmpuint(len, >=, 4096 * 64);
    /* Every 16th page of the whole corpus: both halves, all kinds. */
    for (gsize off = 0; off + 4096 <= len; off += 16 * 4096) {
        memcpy(memhost_ptr(&f->m, SRC_ADDR, 4096), buf + off, 4096);
        for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
            roundtrip(f, algos[a], 4096);
        }
        pages++;
    }
    g_assert_cmpuint(pages, >=, 64);
}

static gchar *vec_path(const char *name)
{
    const char *dir = g_getenv("ZCOMP_TEST_DATA");

    g_assert_nonnull(dir);
    return g_build_filename(dir, "kernel-vectors", name, NULL);
}

static uint32_t load_at(Fixture *f, const char *name, uint64_t addr)
{
    g_autofree gchar *p = vec_path(name);
    g_autofree gchar *buf = NULL;
    gsize len;

    g_assert_true(g_file_get_contents(p, &buf, &len, NULL));
    memcpy(memhost_ptr(&f->m, addr, len), buf, len);
    return (uint32_t)len;
}

/* The kernel's own compressed streams (crypto/testmgr.h) decode exactly,
 * and the kernel's plain inputs round-trip. */
static void test_kernel_vectors(Fixture *f, gconstpointer data)
{
    static const struct { const char *alg; uint8_t algo; int n; } v[] = {
        { "lz4", ZCOMP_ALG_LZ4, 1 },
        { "lz4hc", ZCOMP_ALG_LZ4HC, 1 },
        { "lzo", ZCOMP_ALG_LZO, 2 },
        { "lzorle", ZCOMP_ALG_LZORLE, 2 },
        { "zstd", ZCOMP_ALG_ZSTD, 2 },
    };
    int checked = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
        for (int k = 0; k < v[i].n; k++) {
            static const char *const kinds[][2] = {
                { "decomp", "in" }, { "comp", "ref" },
            };
            for (int t = 0; t < 2; t++) {
                g_autofree gchar *cin = g_strdup_printf("%s-%s-%d.%s",
                    v[i].alg, kinds[t][0], k, kinds[t][1]);
                g_autofree gchar *cout = g_strdup_printf("%s-%s-%d.%s",
                    v[i].alg, kinds[t][0], k, t == 0 ? "out" : "in");
                uint32_t clen = load_at(f, cin, SRC_ADDR);
                uint32_t plen = load_at(f, cout, DST_ADDR);
                struct zcomp_sqe d = mk_sqe(ZCOMP_OP_DECOMPRESS, v[i].algo,
                                            SRC_ADDR, clen, OUT_ADDR, 4096);
                uint32_t out;

                g_assert_cmpint(zc_execute(&limits, f->scr, f->ops,
                                           &f->m, &d, &out), ==, 0);
                g_assert_cmpuint(out, ==, plen);
                g_assert_true(memcmp(memhost_ptr(&f->m, OUT_ADDR, plen),
                                     memhost_ptr(&f->m, DST_ADDR, plen),
                                     plen) == 0);
                if (t == 1) {
                    memcpy(memhost_ptr(&f->m, SRC_ADDR, plen),
                           memhost_ptr(&f->m, DST_ADDR, plen), plen);
                    roundtrip(f, v[i].algo, plen);
                }
                checked++;
            }
        }
    }
    g_assert_cmpint(checked, ==, 16);
}

static uint8_t run1(Fixture *f, struct zcomp_sqe *s, uint32_t *out)
{
    return zc_execute(&limits, f->scr, f->ops, &f->m, s, out);
}

static void test_bad_descriptors(Fixture *f, gconstpointer data)
{
    struct zcomp_sqe base = mk_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4, SRC_ADDR,
                                   4096, DST_ADDR, 8192);
    struct zcomp_sqe s;
    uint32_t out;

#define EXPECT(mutation, status) do {                                   \
        s = base;                                                       \
        mutation;                                                       \
        g_assert_cmpint(run1(f, &s, &out), ==, status);                 \
        g_assert_cmpuint(out, ==, 0);                                   \
    } while (0)

    EXPECT(s.opcode = 0, ZCOMP_ST_BAD_DESC);
    EXPECT(s.opcode = 3, ZCOMP_ST_BAD_DESC);
    EXPECT(s.algo = ZCOMP_ALG_COUNT, ZCOMP_ST_BAD_DESC);
    EXPECT(s.algo = 0xff, ZCOMP_ST_BAD_DESC);
    EXPECT(s.flags = 0x80, ZCOMP_ST_BAD_DESC);
    EXPECT(s.level = 3, ZCOMP_ST_BAD_DESC);             /* level on lz4 */
    EXPECT((s.algo = ZCOMP_ALG_LZ4HC, s.level = 13), ZCOMP_ST_BAD_DESC);
    EXPECT((s.algo = ZCOMP_ALG_ZSTD, s.level = ZCOMP_ZSTD_MAX_LEVEL + 1),
           ZCOMP_ST_BAD_DESC);
    EXPECT((s.algo = ZCOMP_ALG_LZORLE, s.level = 1), ZCOMP_ST_BAD_DESC);
    EXPECT(s.src_len = 0, ZCOMP_ST_BAD_DESC);
    EXPECT(s.src_len = limits.max_req + 1, ZCOMP_ST_BAD_DESC);
    EXPECT(s.dst_cap = 0, ZCOMP_ST_BAD_DESC);
    EXPECT(s.dst_cap = limits.max_req + 1, ZCOMP_ST_BAD_DESC);
    EXPECT(s.src_nsge = 1, ZCOMP_ST_BAD_DESC);          /* without flag */
    EXPECT(s.dst_nsge = 1, ZCOMP_ST_BAD_DESC);
    EXPECT(s.flags = ZCOMP_SQE_F_SRC_SGL, ZCOMP_ST_BAD_DESC); /* nsge 0 */
    EXPECT((s.flags = ZCOMP_SQE_F_DST_SGL, s.dst_nsge = limits.max_sge + 1),
           ZCOMP_ST_BAD_DESC);
    EXPECT(s.rsvd[1] = 1, ZCOMP_ST_BAD_DESC);
    /* DMA outside "RAM", and wrapping around the address space */
    EXPECT(s.src_addr = 0x1000, ZCOMP_ST_DMA_ERROR);
    EXPECT(s.src_addr = RAM_BASE + RAM_SIZE - 100, ZCOMP_ST_DMA_ERROR);
    EXPECT(s.dst_addr = ~0ull - 10, ZCOMP_ST_DMA_ERROR);
    /* destination too small, for every algorithm */
    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        g_autoptr(GRand) r = g_rand_new_with_seed(7);
        fill(memhost_ptr(&f->m, SRC_ADDR, 4096), 4096, 3, r);
        EXPECT((s.algo = algos[a], s.dst_cap = 1000), ZCOMP_ST_DST_TOO_SMALL);
    }
#undef EXPECT
}

static void test_corrupt_input(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(1);
    uint8_t *src = memhost_ptr(&f->m, SRC_ADDR, 4096);
    int corrupt[ZCOMP_ALG_COUNT] = { 0 };
    uint32_t out;

    for (int iter = 0; iter < 300; iter++) {
        for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
            struct zcomp_sqe c = mk_sqe(ZCOMP_OP_COMPRESS, algos[a], SRC_ADDR,
                                        4096, DST_ADDR, 8192);
            struct zcomp_sqe d;
            uint32_t clen;
            uint8_t st;

            fill(src, 4096, 1 + iter % 2, r);
            g_assert_cmpint(run1(f, &c, &clen), ==, 0);
            /* Damage the stream: flip bytes, or cut it short. */
            if (iter % 3) {
                uint8_t *d8 = memhost_ptr(&f->m, DST_ADDR, clen);
                for (int k = 0; k < 4; k++) {
                    d8[g_rand_int_range(r, 0, clen)] ^= 1 + g_rand_int(r) % 255;
                }
            } else {
                clen = clen / 2 + 1;
            }
            d = mk_sqe(ZCOMP_OP_DECOMPRESS, algos[a], DST_ADDR, clen, OUT_ADDR,
                       4096);
            st = run1(f, &d, &out);
            g_assert_true(st == ZCOMP_ST_OK || st == ZCOMP_ST_CORRUPT_INPUT ||
                          st == ZCOMP_ST_DST_TOO_SMALL);
            if (st == ZCOMP_ST_CORRUPT_INPUT) {
                corrupt[algos[a]]++;
            }
        }
    }
    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        g_assert_cmpint(corrupt[a], >, 50);
    }
}

/* A zstd frame built by hand, for test_zstd_frames(). */
typedef struct ZFrame {
    uint8_t b[4096];
    uint32_t len;
} ZFrame;

/* Magic_Number, then the rest of the header as given. */
static void zf_header(ZFrame *z, const char *hdr, uint32_t n)
{
    memcpy(z->b, "\x28\xb5\x2f\xfd", 4);
    memcpy(z->b + 4, hdr, n);
    z->len = 4 + n;
}

/* A block: type 0 raw (@size bytes of @c), 1 RLE (@c @size times). */
static void zf_block(ZFrame *z, int type, uint32_t size, bool last, char c)
{
    uint32_t h = size << 3 | type << 1 | last, n = type == 1 ? 1 : size;

    z->b[z->len++] = h;
    z->b[z->len++] = h >> 8;
    z->b[z->len++] = h >> 16;
    g_assert_cmpuint(z->len + n, <=, sizeof(z->b));
    memset(z->b + z->len, c, n);
    z->len += n;
}

static uint8_t zf_run(Fixture *f, const ZFrame *z, uint32_t dcap,
                      uint32_t *out)
{
    struct zcomp_sqe d = mk_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_ZSTD,
                                SRC_ADDR, z->len, OUT_ADDR, dcap);

    memcpy(memhost_ptr(&f->m, SRC_ADDR, z->len), z->b, z->len);
    return run1(f, &d, out);
}

/*
 * zstd frames against the spec's rules (docs/specs/zcomp-pci.rst) and
 * the format's (RFC 8878): one frame, no dictionary, a window of at most
 * 2^20, every block within min(window, 128 KiB), and a declared content
 * size that fits dst_cap or DST_TOO_SMALL; a frame whose content is not
 * what it declares is corrupt, whatever the room.
 */
static void test_zstd_frames(Fixture *f, gconstpointer data)
{
    ZFrame z;
    uint32_t out;

#define EXPECT(dcap, status, len) do {                                  \
        g_assert_cmpint(zf_run(f, &z, dcap, &out), ==, status);         \
        g_assert_cmpuint(out, ==, len);                                 \
    } while (0)

    /* A 1 KiB window (Window_Descriptor 0): blocks of 1 KiB at most */
    zf_header(&z, "\x00\x00", 2);
    zf_block(&z, 0, 1024, false, 'a');
    zf_block(&z, 1, 1024, true, 'b');
    EXPECT(4096, ZCOMP_ST_OK, 2048);
    EXPECT(2047, ZCOMP_ST_DST_TOO_SMALL, 0);    /* no size declared */
    zf_header(&z, "\x00\x00", 2);
    zf_block(&z, 0, 1025, true, 'a');           /* libzstd decodes these */
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);
    zf_header(&z, "\x00\x00", 2);
    zf_block(&z, 1, 1025, true, 'b');
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);

    /* Single segment, 100 bytes declared: the window and block limit */
    zf_header(&z, "\x20\x64", 2);
    zf_block(&z, 0, 60, false, 'a');
    zf_block(&z, 1, 40, true, 'b');
    EXPECT(100, ZCOMP_ST_OK, 100);
    EXPECT(99, ZCOMP_ST_DST_TOO_SMALL, 0);
    /* 120 bytes in blocks for 100 declared: corrupt in any room */
    zf_header(&z, "\x20\x64", 2);
    zf_block(&z, 0, 60, false, 'a');
    zf_block(&z, 0, 60, true, 'b');
    EXPECT(110, ZCOMP_ST_CORRUPT_INPUT, 0);
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);
    zf_header(&z, "\x20\x64", 2);
    zf_block(&z, 0, 101, true, 'a');
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);

    /* The device's own limits */
    zf_header(&z, "\x00\x50", 2);               /* window 2^20 */
    zf_block(&z, 1, 4096, true, 'c');
    EXPECT(4096, ZCOMP_ST_OK, 4096);
    z.b[5] = 0x51;                              /* 2^20 + 2^17 */
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);
    zf_header(&z, "\x01\x00\x05", 3);           /* Dictionary_ID 5 */
    zf_block(&z, 0, 10, true, 'd');
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);
    zf_header(&z, "\x01\x00\x00", 3);           /* Dictionary_ID 0: none */
    zf_block(&z, 0, 10, true, 'd');
    EXPECT(4096, ZCOMP_ST_OK, 10);
    z.b[z.len++] = 0;                           /* a trailing byte */
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);
    memcpy(z.b, "\x50\x2a\x4d\x18\x04\x00\x00\x00zstd", 12); /* skippable */
    z.len = 12;
    EXPECT(4096, ZCOMP_ST_CORRUPT_INPUT, 0);
#undef EXPECT
}

static void put_sgl(Fixture *f, uint64_t at, const uint64_t *addr,
                    const uint32_t *len, int n)
{
    struct zcomp_sge *l = (void *)memhost_ptr(&f->m, at, n * sizeof(*l));

    for (int i = 0; i < n; i++) {
        l[i] = (struct zcomp_sge) { .addr = addr[i], .len = len[i] };
    }
}

static void test_sgl(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(3);
    /* Source: a page scattered over 3 pieces (odd sizes and places). */
    const uint64_t sa[] = { RAM_BASE + 0x5003, RAM_BASE + 0x1000,
                            RAM_BASE + 0x9000 };
    const uint32_t sl[] = { 1000, 3000, 96 };
    /* Destination: 5 pieces of 1 KiB plus a tail. */
    const uint64_t da[] = { RAM_BASE + 0xb000, RAM_BASE + 0xc400,
                            RAM_BASE + 0xd800, RAM_BASE + 0xec00,
                            RAM_BASE + 0xf000, RAM_BASE + 0x3000 };
    const uint32_t dl[] = { 1024, 1024, 1024, 1024, 1024, 4096 };
    uint8_t page[4096], packed[9216];
    struct zcomp_sqe s, d;
    uint32_t clen, out, off = 0;

    fill(page, sizeof(page), 1, r);
    for (int i = 0; i < 3; i++) {
        memcpy(memhost_ptr(&f->m, sa[i], sl[i]), page + off, sl[i]);
        off += sl[i];
    }
    put_sgl(f, SGL_ADDR, sa, sl, 3);
    put_sgl(f, SGL_ADDR + 0x100, da, dl, 6);

    s = mk_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4, SGL_ADDR, 4096,
               SGL_ADDR + 0x100, 9216);
    s.flags = ZCOMP_SQE_F_SRC_SGL | ZCOMP_SQE_F_DST_SGL;
    s.src_nsge = 3;
    s.dst_nsge = 6;
    g_assert_cmpint(run1(f, &s, &clen), ==, 0);
    off = 0;
    for (int i = 0; i < 6 && off < clen; i++) {
        uint32_t n = MIN(dl[i], clen - off);
        memcpy(packed + off, memhost_ptr(&f->m, da[i], n), n);
        off += n;
    }
    memcpy(memhost_ptr(&f->m, SRC_ADDR, clen), packed, clen);
    d = mk_sqe(ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZ4, SRC_ADDR, clen, OUT_ADDR,
               4096);
    g_assert_cmpint(run1(f, &d, &out), ==, 0);
    g_assert_cmpuint(out, ==, 4096);
    g_assert_true(memcmp(memhost_ptr(&f->m, OUT_ADDR, 4096), page, 4096) == 0);

    /* Lengths that do not add up, a zero-length entry, a bad entry address,
     * a list outside RAM. */
    s.src_len = 4095;
    g_assert_cmpint(run1(f, &s, &out), ==, ZCOMP_ST_BAD_DESC);
    s.src_len = 4097;
    g_assert_cmpint(run1(f, &s, &out), ==, ZCOMP_ST_BAD_DESC);
    s.src_len = 4096;
    ((struct zcomp_sge *)memhost_ptr(&f->m, SGL_ADDR, 16))->len = 0;
    g_assert_cmpint(run1(f, &s, &out), ==, ZCOMP_ST_BAD_DESC);
    put_sgl(f, SGL_ADDR, sa, sl, 3);
    ((struct zcomp_sge *)memhost_ptr(&f->m, SGL_ADDR + 16, 16))->addr = 0x10;
    g_assert_cmpint(run1(f, &s, &out), ==, ZCOMP_ST_DMA_ERROR);
    put_sgl(f, SGL_ADDR, sa, sl, 3);
    s.src_addr = RAM_BASE + RAM_SIZE - 16;
    g_assert_cmpint(run1(f, &s, &out), ==, ZCOMP_ST_DMA_ERROR);
}

/* Submit @n entries through a ring of @size; check tags, phase, sq_head. */
static void test_ring(Fixture *f, gconstpointer data)
{
    const uint32_t size = 8;
    struct zcomp_sqe *sq = (void *)memhost_ptr(&f->m, SQ_ADDR, size * 64);
    struct zcomp_cqe *cq = (void *)memhost_ptr(&f->m, CQ_ADDR, size * 16);
    ZcRing ring = { .size = size, .phase = 1 };
    ZcStats st = { 0 };
    uint32_t tail = 0, head = 0, done, expect_phase = 1, tag = 0;
    uint32_t seen = 0;
    g_autoptr(GRand) r = g_rand_new_with_seed(5);

    fill(memhost_ptr(&f->m, SRC_ADDR, 4096), 4096, 1, r);
    memset(cq, 0, size * 16);
    for (int batch = 0; batch < 10; batch++) {
        uint32_t n = 1 + batch % (size - 1);
        for (uint32_t i = 0; i < n; i++) {
            sq[tail] = mk_sqe(ZCOMP_OP_COMPRESS, algos[tag % 3], SRC_ADDR,
                              4096, DST_ADDR, 8192);
            if (tag % 5 == 4) {
                sq[tail].opcode = 9;   /* a bad one in the mix */
            }
            sq[tail].tag = tag++;
            tail = (tail + 1) % size;
        }
        /* Budget 3 forces several calls per batch. */
        do {
            g_assert_cmpint(zc_ring_process(&ring, tail, 3, 0, &limits,
                                            f->scr, f->ops, &f->m, &st,
                                            &done), ==, ZC_RING_OK);
            g_assert_cmpuint(done, <=, 3);
        } while (done);
        g_assert_cmpuint(ring.sq_head, ==, tail);
        for (uint32_t i = 0; i < n; i++) {
            struct zcomp_cqe *c = &cq[head];
            g_assert_cmpuint(c->flags & ZCOMP_CQE_F_PHASE, ==, expect_phase);
            g_assert_cmpuint(c->tag, ==, seen);
            g_assert_cmpuint(c->status, ==,
                             seen % 5 == 4 ? ZCOMP_ST_BAD_DESC : ZCOMP_ST_OK);
            g_assert_cmpuint(c->sq_head, ==, (head + 1) % size);
            seen++;
            head = (head + 1) % size;
            if (head == 0) {
                expect_phase ^= 1;
            }
        }
    }
    g_assert_cmpuint(st.requests, ==, tag);
    g_assert_cmpuint(st.errors, ==, tag / 5);
    g_assert_cmpuint(st.by_status[ZCOMP_ST_BAD_DESC], ==, tag / 5);
    g_assert_cmpuint(st.compress, ==, tag - tag / 5);
    g_assert_cmpuint(st.bytes_in, ==, 4096ull * (tag - tag / 5));

    /* Forced status (device disabled): completed, not run. */
    sq[tail] = mk_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4, SRC_ADDR, 4096,
                      DST_ADDR, 8192);
    sq[tail].tag = 777;
    tail = (tail + 1) % size;
    g_assert_cmpint(zc_ring_process(&ring, tail, 8, ZCOMP_ST_NOT_ENABLED,
                                    &limits, f->scr, f->ops, &f->m, &st,
                                    &done), ==, ZC_RING_OK);
    g_assert_cmpuint(done, ==, 1);
    g_assert_cmpuint(cq[head].tag, ==, 777);
    g_assert_cmpuint(cq[head].status, ==, ZCOMP_ST_NOT_ENABLED);

    /* A ring that is not RAM is fatal and completes nothing. */
    f->m.sq_addr = 0x10;
    tail = (tail + 1) % size;
    g_assert_cmpint(zc_ring_process(&ring, tail, 8, 0, &limits, f->scr,
                                    f->ops, &f->m, &st, &done), ==,
                    ZC_RING_SQ_FAULT);
    g_assert_cmpuint(done, ==, 0);
    f->m.sq_addr = SQ_ADDR;
    f->m.cq_addr = RAM_BASE + RAM_SIZE;
    g_assert_cmpint(zc_ring_process(&ring, tail, 8, 0, &limits, f->scr,
                                    f->ops, &f->m, &st, &done), ==,
                    ZC_RING_CQ_FAULT);
}

static void test_fault_injection(Fixture *f, gconstpointer data)
{
    struct zcomp_sqe s = mk_sqe(ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZO, SRC_ADDR,
                                4096, DST_ADDR, 8192);
    int faults = 0;
    uint32_t out;

    f->m.fault_every = 3;
    for (int i = 0; i < 30; i++) {
        uint8_t st = run1(f, &s, &out);
        g_assert_true(st == ZCOMP_ST_OK || st == ZCOMP_ST_DEVICE_ERROR);
        faults += st == ZCOMP_ST_DEVICE_ERROR;
    }
    g_assert_cmpint(faults, ==, 10);
}

/* Random descriptors over random memory: statuses only, never a crash. */
static void test_random_descriptors(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(11);
    int ok = 0;

    fill(memhost_ptr(&f->m, RAM_BASE, 0x100000), 0x100000, 3, r);
    for (int i = 0; i < 20000; i++) {
        struct zcomp_sqe s = { 0 };
        uint32_t out;
        uint8_t st;

        s.opcode = g_rand_int_range(r, 0, 4);
        s.algo = g_rand_int_range(r, 0, 4);
        s.flags = g_rand_int_range(r, 0, 4) | (g_rand_int_range(r, 0, 50) ?
                                               0 : 0x10);
        s.src_addr = RAM_BASE + g_rand_int_range(r, 0, 0x120000);
        s.dst_addr = RAM_BASE + g_rand_int_range(r, 0x100000, 0x7f0000);
        s.src_len = g_rand_int_range(r, 0, 8192);
        s.dst_cap = g_rand_int_range(r, 0, 70000);
        s.src_nsge = s.flags & 1 ? g_rand_int_range(r, 0, 70) : 0;
        s.dst_nsge = s.flags & 2 ? g_rand_int_range(r, 0, 70) : 0;
        st = run1(f, &s, &out);
        g_assert_cmpint(st, <=, ZCOMP_ST_MAX);
        g_assert_true(st == ZCOMP_ST_OK || out == 0);
        g_assert_cmpuint(out, <=, s.dst_cap);
        ok += st == ZCOMP_ST_OK;
    }
    g_assert_cmpint(ok, >, 100);
}

/* Log2 buckets as the ABI defines them, and the histogram a request picks. */
static void test_histograms(void)
{
    static const struct { uint64_t ns; unsigned b; } cases[] = {
        { 0, 0 }, { 1, 0 }, { 2, 1 }, { 3, 1 }, { 4, 2 }, { 1023, 9 },
        { 1024, 10 }, { 1025, 10 }, { (1ULL << 39) - 1, 38 },
        { 1ULL << 39, 39 }, { UINT64_MAX, ZCOMP_HIST_BUCKETS - 1 },
    };
    struct zcomp_sqe sqe = { .opcode = ZCOMP_OP_DECOMPRESS,
                             .algo = ZCOMP_ALG_ZSTD };
    ZcHists hs = { 0 };
    ZcHist *h;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpuint(zc_hist_bucket(cases[i].ns), ==, cases[i].b);
    }
    h = zc_hist_of(&hs, &sqe, ZCOMP_HIST_CODEC);
    g_assert_true(h == &hs.h[ZCOMP_ALG_ZSTD][1][ZCOMP_HIST_CODEC]);
    zc_hist_add(h, 1500);
    zc_hist_add(h, 1500);
    zc_hist_add(h, 5000);
    g_assert_cmpuint(h->bucket[10], ==, 2);
    g_assert_cmpuint(h->bucket[12], ==, 1);
    g_assert_cmpuint(h->count, ==, 3);
    g_assert_cmpuint(h->sum_ns, ==, 8000);
    zc_hist_remove(h, 5000);
    g_assert_cmpuint(h->bucket[12], ==, 0);
    g_assert_cmpuint(h->count, ==, 2);
    g_assert_cmpuint(h->sum_ns, ==, 3000);
    zc_hist_add(h, 5000);
    /* The window's layout: buckets, then count and sum. */
    g_assert_cmpuint(offsetof(ZcHist, count), ==, ZCOMP_HIST_COUNT);
    g_assert_cmpuint(offsetof(ZcHist, sum_ns), ==, ZCOMP_HIST_SUM_NS);
    g_assert_cmpuint(sizeof(ZcHist), ==, ZCOMP_HIST_SIZE);
    sqe.opcode = 3;
    g_assert_null(zc_hist_of(&hs, &sqe, ZCOMP_HIST_CODEC));
    sqe.opcode = ZCOMP_OP_COMPRESS;
    sqe.algo = ZCOMP_ALG_COUNT;
    g_assert_null(zc_hist_of(&hs, &sqe, ZCOMP_HIST_LATENCY));
    sqe.algo = ZCOMP_ALG_LZ4;
    g_assert_null(zc_hist_of(&hs, &sqe, ZCOMP_HIST_KINDS));
}

/*
 * Compression input read in place while the guest rewrites it: whatever
 * the compressor reads, it reads nothing outside the input (guard pages on
 * both sides of the RAM it sits at either end of), writes nothing past the
 * worst-case bound (a guard page right after it), and succeeds; its
 * result decodes safely, if not always (liblz4's can be refused). Once the
 * writer stops, the input round-trips again. 4 KiB, a zram page, and 64 KiB, where lzo and lzo-rle
 * encode more than one block.
 */
typedef struct Scribbler {
    uint8_t *buf;
    uint32_t len;
    gint stop;
    gint passes;
} Scribbler;

static gpointer scribble(gpointer opaque)
{
    Scribbler *w = opaque;
    uint64_t x = 0x9e3779b97f4a7c15ull;

    while (!g_atomic_int_get(&w->stop)) {
        uint32_t at, n;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        at = (uint32_t)x % w->len;
        n = (uint32_t)(x >> 32) % 64 + 1;
        n = n < w->len - at ? n : w->len - at;
        switch ((x >> 40) & 3) {
        case 0:     /* a zero run: matches and lzo-rle's runs */
            memset(w->buf + at, 0, n);
            break;
        case 1:     /* a copy of earlier bytes: a match */
            memmove(w->buf + at, w->buf + at / 2, n);
            break;
        default:    /* noise */
            for (uint32_t i = 0; i < n; i++) {
                w->buf[at + i] = (uint8_t)(x >> (i % 8 * 8));
            }
        }
        g_atomic_int_inc(&w->passes);
    }
    return NULL;
}

/* @len bytes with PROT_NONE pages before and after: a stray access faults. */
static uint8_t *guarded(size_t len)
{
    size_t pg = sysconf(_SC_PAGESIZE), n = (len + pg - 1) / pg * pg;
    uint8_t *p = mmap(NULL, n + 2 * pg, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    g_assert_true(p != MAP_FAILED);
    g_assert_cmpint(mprotect(p, pg, PROT_NONE), ==, 0);
    g_assert_cmpint(mprotect(p + pg + n, pg, PROT_NONE), ==, 0);
    /* the buffer ends where the second guard starts */
    return p + pg + (n - len);
}

static void unguard(uint8_t *buf, size_t len)
{
    size_t pg = sysconf(_SC_PAGESIZE), n = (len + pg - 1) / pg * pg;

    munmap(buf - (n - len) - pg, n + 2 * pg);
}

static void changing_input(ZcScratch *scr, uint8_t algo, uint32_t len,
                           int runs, GRand *r)
{
    uint32_t bound = zc_compress_bound(len), ram_len = 2 * len + bound;
    uint32_t cap = MIN(bound, limits.max_req);
    uint8_t *dst_saved = scr->dst, *dst = guarded(bound);
    uint8_t *ram = guarded(ram_len), *back = g_malloc(len);
    MemHost m = { .ram = ram, .base = RAM_BASE, .size = ram_len };

    /* the codec's output right against a guard page */
    scr->dst = dst;
    for (int end = 0; end < 2; end++) {
        /* the input against the first guard page, then the last */
        uint64_t at = RAM_BASE + (end ? ram_len - len : 0);
        struct zcomp_sqe c = mk_sqe(ZCOMP_OP_COMPRESS, algo, at, len,
                                    RAM_BASE + len, cap);
        Scribbler w = { .buf = memhost_ptr(&m, at, len), .len = len };
        GThread *t;
        uint32_t out, n;
        int valid = 0;
        uint8_t st;

        fill(w.buf, len, 1, r);
        t = g_thread_new("scribble", scribble, &w);
        while (!g_atomic_int_get(&w.passes)) {
            g_thread_yield();
        }
        for (int i = 0; i < runs; i++) {
            g_assert_cmpint(zc_fetch_input(&limits, scr, &memhost_ops, &m,
                                           &c), ==, ZCOMP_ST_OK);
            g_assert_true(scr->in == w.buf);   /* read in place */
            g_assert_cmpint(zc_run_codec(&limits, scr, &c, &out), ==,
                            ZCOMP_ST_OK);
            g_assert_cmpuint(out, <=, bound);
            /*
             * Not always a valid stream (liblz4's can then fail to
             * decode), but one a decoder reads safely, within the input.
             */
            st = zc_codec_run(scr, ZCOMP_OP_DECOMPRESS, algo, 0, dst, out,
                              back, len, &n);
            g_assert_true(st == ZCOMP_ST_OK || st == ZCOMP_ST_CORRUPT_INPUT ||
                          st == ZCOMP_ST_DST_TOO_SMALL);
            g_assert_cmpuint(n, <=, len);
            valid += st == ZCOMP_ST_OK && n == len;
        }
        g_atomic_int_set(&w.stop, 1);
        g_thread_join(t);
        g_test_message("%s, %u bytes: %d of %d results decode whole, %d "
                       "writer passes", zc_alg_name(algo), len, valid, runs,
                       g_atomic_int_get(&w.passes));
        g_assert_cmpint(zc_execute(&limits, scr, &memhost_ops, &m, &c, &out),
                        ==, ZCOMP_ST_OK);
        memcpy(dst, memhost_ptr(&m, RAM_BASE + len, out), out);
        g_assert_cmpint(zc_codec_run(scr, ZCOMP_OP_DECOMPRESS, algo, 0, dst,
                                     out, back, len, &n), ==, ZCOMP_ST_OK);
        g_assert_cmpuint(n, ==, len);
        g_assert_true(memcmp(back, w.buf, len) == 0);
    }
    scr->dst = dst_saved;
    unguard(dst, bound);
    unguard(ram, ram_len);
    g_free(back);
}

static void test_changing_input(void)
{
    ZcScratch *scr = zc_scratch_new(limits.max_req);
    g_autoptr(GRand) r = g_rand_new_with_seed(31);

#ifdef __SANITIZE_THREAD__
    g_test_skip("races with the codec on purpose");
    return;
#endif
    for (size_t a = 0; a < G_N_ELEMENTS(algos); a++) {
        bool slow = algos[a] == ZCOMP_ALG_LZ4HC || algos[a] == ZCOMP_ALG_ZSTD;

        changing_input(scr, algos[a], 4096, slow ? 300 : 3000, r);
        changing_input(scr, algos[a], 65536, slow ? 20 : 200, r);
    }
    zc_scratch_free(scr);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) do { \
    g_test_add("/zcomp-engine/" name, Fixture, NULL, fx_setup, fn, \
               fx_teardown); \
    g_test_add("/zcomp-engine/copy/" name, Fixture, "copy", fx_setup, fn, \
               fx_teardown); \
    } while (0)
    ADD("roundtrip/kinds-and-sizes", test_roundtrip_kinds);
    ADD("roundtrip/corpus", test_roundtrip_corpus);
    ADD("kernel-vectors", test_kernel_vectors);
    ADD("validate/bad-descriptors", test_bad_descriptors);
    ADD("validate/corrupt-input", test_corrupt_input);
    ADD("validate/zstd-frames", test_zstd_frames);
    ADD("sgl", test_sgl);
    ADD("ring/wrap-phase-stats", test_ring);
    ADD("fault-injection", test_fault_injection);
    ADD("validate/random-descriptors", test_random_descriptors);
    g_test_add_func("/zcomp-engine/histograms", test_histograms);
    g_test_add_func("/zcomp-engine/changing-input", test_changing_input);
    return g_test_run();
}
