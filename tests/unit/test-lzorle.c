/*
 * Unit tests of the lzo-rle codec (hw/zcomp-lzorle.c): the kernel's own
 * lzo-rle self-test streams (version 1) and lzo streams (version 0), a
 * hand-made zero run, liblzo2 round trips on the corpus, and safety on
 * truncated, corrupted and random input (run it under ASan to see reads
 * or writes outside the buffers); the encoder's round trips on the corpus
 * and on edge inputs; with the kernel's own code as an oracle
 * (ZC_HAVE_KERNEL_LZO, tests/kernel-ref/), streams each way between it
 * and us, and our size against the kernel's lzorle1x_1_compress.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <string.h>

#include "zcomp-lzorle.h"
#ifdef ZC_HAVE_KERNEL_LZO
#include "kernel-lzo.h"
#endif

static GBytes *vector(const char *name)
{
    g_autofree char *path = g_build_filename(g_getenv("ZCOMP_TEST_DATA"),
                                             "kernel-vectors", name, NULL);
    char *data;
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static void check_decode(const char *in_name, const char *out_name)
{
    g_autoptr(GBytes) in = vector(in_name);
    g_autoptr(GBytes) want = vector(out_name);
    uint8_t out[4096];
    size_t dlen = sizeof(out);

    g_assert_cmpint(zc_lzorle_decompress(g_bytes_get_data(in, NULL),
                                         g_bytes_get_size(in), out, &dlen),
                    ==, ZC_LZORLE_OK);
    g_assert_cmpmem(out, dlen, g_bytes_get_data(want, NULL),
                    g_bytes_get_size(want));
}

/* The kernel's lzo-rle compressor output (version 1) decodes to its input. */
static void test_kernel_v1(void)
{
    check_decode("lzorle-comp-0.ref", "lzorle-comp-0.in");
    check_decode("lzorle-comp-1.ref", "lzorle-comp-1.in");
}

/* The kernel's lzo-rle decompression vectors and its lzo streams (v0). */
static void test_kernel_v0(void)
{
    check_decode("lzorle-decomp-0.in", "lzorle-decomp-0.out");
    check_decode("lzorle-decomp-1.in", "lzorle-decomp-1.out");
    check_decode("lzo-comp-0.ref", "lzo-comp-0.in");
    check_decode("lzo-comp-1.ref", "lzo-comp-1.in");
    check_decode("lzo-decomp-0.in", "lzo-decomp-0.out");
    check_decode("lzo-decomp-1.in", "lzo-decomp-1.out");
}

/*
 * Version 1, by hand: 5 literals, a zero run of ((1 << 3) | 4) + 4 = 16
 * bytes (opcode 0001 1 100, LE16 with all D bits 1, X = 1), end of stream.
 */
static const uint8_t zero_run[] = {
    17, 1, 17 + 5, 'A', 'B', 'C', 'D', 'E',
    0x1c, 0xfc, 0xff, 0x01,
    0x11, 0x00, 0x00,
};

static void test_zero_run(void)
{
    uint8_t want[21] = "ABCDE", out[64];
    size_t dlen = sizeof(out);

    g_assert_cmpint(zc_lzorle_decompress(zero_run, sizeof(zero_run), out,
                                         &dlen), ==, ZC_LZORLE_OK);
    g_assert_cmpmem(out, dlen, want, sizeof(want));
    /* exactly enough room, then one byte too little */
    dlen = sizeof(want);
    g_assert_cmpint(zc_lzorle_decompress(zero_run, sizeof(zero_run), out,
                                         &dlen), ==, ZC_LZORLE_OK);
    dlen = sizeof(want) - 1;
    g_assert_cmpint(zc_lzorle_decompress(zero_run, sizeof(zero_run), out,
                                         &dlen), ==, ZC_LZORLE_DST_TOO_SMALL);
    /* in a version 0 stream the same bytes are a 16..48 kB match: corrupt */
    {
        uint8_t v0[sizeof(zero_run)];

        memcpy(v0, zero_run, sizeof(v0));
        v0[1] = 0;
        dlen = sizeof(out);
        g_assert_cmpint(zc_lzorle_decompress(v0, sizeof(v0), out, &dlen),
                        ==, ZC_LZORLE_CORRUPT);
    }
}

/* liblzo2's lzo1x-1 (version 0) on corpus pages: same as liblzo2 decodes. */
static void test_corpus_roundtrip(void)
{
    const char *corpus = g_getenv("ZCOMP_CORPUS");
    g_autofree char *data = NULL;
    static uint8_t wrk[LZO1X_1_MEM_COMPRESS];
    uint8_t comp[4096 + 4096 / 16 + 64 + 3], out[4096];
    gsize len;
    size_t p;

    if (!corpus || !g_file_get_contents(corpus, &data, &len, NULL)) {
        g_test_skip("no corpus (ZCOMP_CORPUS)");
        return;
    }
    g_assert_cmpint(lzo_init(), ==, LZO_E_OK);
    for (p = 0; p + 4096 <= len && p < 2048 * 4096; p += 4096) {
        lzo_uint clen = sizeof(comp);
        size_t dlen = sizeof(out);

        g_assert_cmpint(lzo1x_1_compress((uint8_t *)data + p, 4096, comp,
                                         &clen, wrk), ==, LZO_E_OK);
        g_assert_cmpint(zc_lzorle_decompress(comp, clen, out, &dlen), ==,
                        ZC_LZORLE_OK);
        g_assert_cmpmem(out, dlen, data + p, 4096);
    }
}

/*
 * Safety: every truncation and every single-byte change of valid streams,
 * and random input, end in a status; output never passes the room given.
 */
static void try_decode(const uint8_t *src, size_t slen)
{
    uint8_t *out = g_malloc(300);    /* ASan sees any overrun */
    size_t dlen = 300;
    int ret = zc_lzorle_decompress(src, slen, out, &dlen);

    g_assert_true(ret == ZC_LZORLE_OK || ret == ZC_LZORLE_CORRUPT ||
                  ret == ZC_LZORLE_DST_TOO_SMALL);
    if (ret == ZC_LZORLE_OK) {
        g_assert_cmpuint(dlen, <=, 300);
    }
    g_free(out);
}

static void test_hostile(void)
{
    const char *names[] = { "lzorle-comp-0.ref", "lzorle-comp-1.ref",
                            "lzo-comp-0.ref", "lzo-comp-1.ref" };
    GRand *rng = g_rand_new_with_seed(12345);
    size_t n, i, v;

    for (v = 0; v < G_N_ELEMENTS(names); v++) {
        g_autoptr(GBytes) in = vector(names[v]);
        size_t len = g_bytes_get_size(in);
        uint8_t *buf = g_malloc(len);

        for (n = 0; n <= len; n++) {
            memcpy(buf, g_bytes_get_data(in, NULL), n);
            try_decode(buf, n);
        }
        for (i = 0; i < len; i++) {
            for (n = 0; n < 8; n++) {
                memcpy(buf, g_bytes_get_data(in, NULL), len);
                buf[i] = g_rand_int(rng);
                try_decode(buf, len);
            }
        }
        g_free(buf);
    }
    for (n = 0; n < 200000; n++) {
        uint8_t buf[64];
        size_t len = g_rand_int_range(rng, 0, sizeof(buf));

        for (i = 0; i < len; i++) {
            buf[i] = g_rand_int(rng);
        }
        if (len > 1 && (n & 1)) {
            buf[0] = 17;
            buf[1] = 1;
        }
        try_decode(buf, len);
    }
    g_rand_free(rng);
}

/* The corpus, or NULL (the test skipped) */
static char *corpus_pages(gsize *len)
{
    const char *corpus = g_getenv("ZCOMP_CORPUS");
    char *data;

    if (!corpus || !*corpus || !g_file_get_contents(corpus, &data, len, NULL)) {
        g_test_skip("no corpus (ZCOMP_CORPUS)");
        return NULL;
    }
    return data;
}

/*
 * Our encoder through our decoder (and, with the oracle, the kernel's):
 * exact output, the bound kept, and one byte less room too little.
 */
static void check_roundtrip(const uint8_t *in, size_t len)
{
    static uint8_t wrk[ZC_LZORLE_WRKMEM_SIZE];
    size_t bound = zc_lzorle_bound(len), clen = 0, dlen = len;
    /* exact sizes, so that ASan sees any access outside */
    uint8_t *comp = g_malloc(bound), *out = g_malloc(len + 1);

    g_assert_cmpint(zc_lzorle_compress(in, len, comp, &clen, wrk), ==,
                    ZC_LZORLE_OK);
    g_assert_cmpuint(clen, <=, bound);
    g_assert_cmpuint(clen, >=, 5);
    g_assert_cmpuint(comp[0], ==, 17);
    g_assert_cmpuint(comp[1], ==, 1);
    g_assert_cmpint(zc_lzorle_decompress(comp, clen, out, &dlen), ==,
                    ZC_LZORLE_OK);
    g_assert_cmpmem(out, dlen, in, len);
    if (len) {
        dlen = len - 1;
        g_assert_cmpint(zc_lzorle_decompress(comp, clen, out, &dlen), ==,
                        ZC_LZORLE_DST_TOO_SMALL);
    }
#ifdef ZC_HAVE_KERNEL_LZO
    dlen = len;
    g_assert_cmpint(klzo_lzo1x_decompress_safe(comp, clen, out, &dlen), ==,
                    KLZO_OK);
    g_assert_cmpmem(out, dlen, in, len);
#endif
    g_free(comp);
    g_free(out);
}

/*
 * The worst case a guest can make: groups of 8 bytes "A B C X 0 0 0 0"
 * where no 4-byte window finds a match, so each group costs a run of 4
 * literals (5 bytes) and a zero run (4 bytes): 9 bytes per 8, beyond the
 * kernel's lzo1x_worst_compress(). (C, X) differs in every group, and
 * (A, B) is picked so that "A B C X" takes the hash slot of "X 0 0 0"
 * (the encoder's hash, repeated here), which is thus never found.
 */
static void test_encode_worst_case(void)
{
    const size_t len = 65536, old_bound = len + len / 16 + 64 + 3 + 2;
    static uint8_t wrk[ZC_LZORLE_WRKMEM_SIZE];
    g_autofree uint8_t *in = g_malloc0(len);
    g_autofree uint8_t *comp = g_malloc(zc_lzorle_bound(len));
    size_t clen = 0;

    for (size_t g = 0; g < len / 8; g++) {
        uint8_t c = 1 + g / 255, x = 1 + g % 255;
        uint32_t want = (uint32_t)(x * 0x9e3779b1u) >> (32 - ZC_LZORLE_HASH_BITS);
        gboolean found = FALSE;

        for (unsigned ab = 0x0101; ab <= 0xffff && !found; ab++) {
            uint32_t dv = (ab & 0xff) | (ab & 0xff00) | (uint32_t)c << 16 |
                          (uint32_t)x << 24;

            if ((ab & 0xff) && (ab >> 8) &&
                (uint32_t)(dv * 0x9e3779b1u) >> (32 - ZC_LZORLE_HASH_BITS) ==
                want) {
                in[g * 8] = ab & 0xff;
                in[g * 8 + 1] = ab >> 8;
                found = TRUE;
            }
        }
        g_assert_true(found);
        in[g * 8 + 2] = c;
        in[g * 8 + 3] = x;
    }
    /* the same bytes as the device's qtest uses */
    {
        g_autofree char *path = g_build_filename(g_getenv("ZCOMP_TEST_DATA"),
                                                 "lzorle-worst-64k.bin", NULL);
        g_autofree char *file = NULL;
        gsize flen;

        g_assert_true(g_file_get_contents(path, &file, &flen, NULL));
        g_assert_cmpmem(file, flen, in, len);
    }
    g_assert_cmpint(zc_lzorle_compress(in, len, comp, &clen, wrk), ==,
                    ZC_LZORLE_OK);
    g_test_message("worst case: %zu bytes -> %zu (bound %zu, the kernel's "
                   "lzo1x_worst_compress %zu)", len, clen,
                   zc_lzorle_bound(len), old_bound);
    /* the input is as bad as meant, and the bound holds */
    g_assert_cmpuint(clen, >, old_bound);
    g_assert_cmpuint(clen, <=, zc_lzorle_bound(len));
    check_roundtrip(in, len);
}

/* Every corpus page, each compressed on its own. */
static void test_encode_corpus(void)
{
    gsize len;
    g_autofree char *data = corpus_pages(&len);
    size_t p;

    if (!data) {
        return;
    }
    for (p = 0; p + 4096 <= len; p += 4096) {
        check_roundtrip((uint8_t *)data + p, 4096);
    }
}

static void fill_random(GRand *rng, uint8_t *p, size_t n)
{
    while (n--) {
        *p++ = g_rand_int(rng);
    }
}

/*
 * Edge inputs: every length up to 64 (random, zeros, one value), zero
 * runs around the run's limits (4..2051 bytes per instruction) and the
 * encoder's 49151-byte blocks, long literal runs, 1 MiB random, far
 * matches (16..48 kB) and the lengths 261..264 whose version 1 encoding
 * at some distances would be ambiguous.
 */
static void test_encode_edges(void)
{
    static const size_t zero_lens[] = {
        4, 5, 7, 8, 11, 12, 19, 20, 21, 255, 256, 2047, 2050, 2051, 2052,
        2053, 2055, 2056, 2059, 4095, 4096, 4097, 4102, 4103, 4104, 6153,
        6154, 16384, 49150, 49151, 49152, 49153, 65536, 98302, 98303,
        100000, 1 << 20,
    };
    GRand *rng = g_rand_new_with_seed(4242);
    size_t max = 1 << 20, n, i, k;
    uint8_t *buf = g_malloc(max);

    check_roundtrip(buf, 0);
    for (n = 1; n <= 64; n++) {
        fill_random(rng, buf, n);
        check_roundtrip(buf, n);
        memset(buf, 0, n);
        check_roundtrip(buf, n);
        memset(buf, 'a', n);
        check_roundtrip(buf, n);
        /* a zero run after k literals, then a few more */
        for (k = 0; k < n && k < 6; k++) {
            memset(buf, 0, n);
            fill_random(rng, buf, k);
            buf[n - 1] |= 1;
            check_roundtrip(buf, n);
        }
    }
    for (i = 0; i < G_N_ELEMENTS(zero_lens); i++) {
        n = zero_lens[i];
        memset(buf, 0, n);
        check_roundtrip(buf, n);
        /* after 1, 3, 4 and 300 literals; with a non-zero byte after */
        for (k = 1; k <= 300; k = k == 4 ? 300 : k + 1 + (k == 1)) {
            if (n + k + 1 <= max) {
                fill_random(rng, buf, k);
                memset(buf + k, 0, n);
                buf[n + k] = 0x5a;
                check_roundtrip(buf, n + k + 1);
            }
        }
    }
    /* long literal runs, with the long length form's 255 steps */
    for (n = 15; n < 1200; n += n < 300 ? 1 : 97) {
        fill_random(rng, buf, n);
        check_roundtrip(buf, n);
    }
    fill_random(rng, buf, max);
    check_roundtrip(buf, max);
    /* random, with random zero runs and repeats near and far */
    for (i = 0; i < max;) {
        size_t len = g_rand_int_range(rng, 1, 3000);

        len = len < max - i ? len : max - i;
        switch (g_rand_int_range(rng, 0, 4)) {
        case 0:
            fill_random(rng, buf + i, len);
            break;
        case 1:
            memset(buf + i, 0, len);
            break;
        default:
            k = g_rand_int_range(rng, 1, 49152);
            if (k > i) {
                k = i;
            }
            for (n = 0; n < len; n++) {
                buf[i + n] = k ? buf[i + n - k] : 7;
            }
        }
        i += len;
    }
    check_roundtrip(buf, max);
    for (n = 1000; n <= max; n *= 3) {
        check_roundtrip(buf + max - n, n);
    }
    /*
     * A match of 258..266 bytes at distance 32831 = 16384 + 0x403f: H = 1
     * and D's low 6 bits all 1; zeros between, which are zero runs, so
     * that the table's entry for the first bytes is still there.
     */
    for (n = 258; n <= 266; n++) {
        const size_t dist = 32831;

        memset(buf, 0, dist + n + 2);
        fill_random(rng, buf + 1, n);
        buf[n + 1] = 0x11;
        memcpy(buf + dist + 1, buf + 1, n);
        buf[dist + n + 1] = 0x22;
        check_roundtrip(buf, dist + n + 2);
    }
    g_free(buf);
    g_rand_free(rng);
}

#ifdef ZC_HAVE_KERNEL_LZO
/*
 * Against the kernel's code on every corpus page: its lzorle1x_1_compress
 * streams decode with ours, ours with its lzo1x_decompress_safe (in
 * check_roundtrip), and our total size is within 1% of its.
 */
static void test_kernel_oracle(void)
{
    static uint8_t kwrk[KLZO_WRKMEM_SIZE], wrk[ZC_LZORLE_WRKMEM_SIZE];
    uint8_t comp[4096 + 4096 / 16 + 64 + 3 + 2], out[4096];
    uint64_t ours = 0, kernel = 0, pages = 0;
    gsize len;
    g_autofree char *data = corpus_pages(&len);
    size_t p;

    if (!data) {
        return;
    }
    for (p = 0; p + 4096 <= len; p += 4096, pages++) {
        const uint8_t *page = (uint8_t *)data + p;
        size_t clen = sizeof(comp), dlen = sizeof(out);

        g_assert_cmpint(klzo_lzorle1x_1_compress(page, 4096, comp, &clen,
                                                 kwrk), ==, KLZO_OK);
        kernel += clen;
        g_assert_cmpint(zc_lzorle_decompress(comp, clen, out, &dlen), ==,
                        ZC_LZORLE_OK);
        g_assert_cmpmem(out, dlen, page, 4096);
        g_assert_cmpint(zc_lzorle_compress(page, 4096, comp, &clen, wrk), ==,
                        ZC_LZORLE_OK);
        ours += clen;
        dlen = sizeof(out);
        g_assert_cmpint(klzo_lzo1x_decompress_safe(comp, clen, out, &dlen),
                        ==, KLZO_OK);
        g_assert_cmpmem(out, dlen, page, 4096);
    }
    g_test_message("%" G_GUINT64_FORMAT " pages: zc_lzorle %" G_GUINT64_FORMAT
                   " bytes, kernel lzorle1x_1 %" G_GUINT64_FORMAT
                   " bytes (%.2f%%)", pages, ours, kernel,
                   100.0 * ours / kernel);
    g_assert_cmpuint(pages, >, 0);
    g_assert_cmpfloat((double)ours, <=, 1.01 * kernel);
}

/* The kernel's streams of edge inputs decode with ours. */
static void test_kernel_edges(void)
{
    static uint8_t kwrk[KLZO_WRKMEM_SIZE];
    static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 20, 21, 22, 64, 4096,
                                   49151, 49152, 100000, 1 << 20 };
    GRand *rng = g_rand_new_with_seed(99);
    size_t max = 1 << 20, i, z;
    uint8_t *buf = g_malloc(max), *out = g_malloc(max);
    uint8_t *comp = g_malloc(zc_lzorle_bound(max));

    for (z = 0; z < 3; z++) {
        for (i = 0; i < G_N_ELEMENTS(lens); i++) {
            size_t n = lens[i], clen = zc_lzorle_bound(n), dlen = n;

            if (z == 1) {
                memset(buf, 0, n);
            } else {
                fill_random(rng, buf, n);
                if (z == 2 && n > 64) {
                    memset(buf + 10, 0, n / 2);
                }
            }
            g_assert_cmpint(klzo_lzorle1x_1_compress(buf, n, comp, &clen,
                                                     kwrk), ==, KLZO_OK);
            g_assert_cmpint(zc_lzorle_decompress(comp, clen, out, &dlen), ==,
                            ZC_LZORLE_OK);
            g_assert_cmpmem(out, dlen, buf, n);
        }
    }
    g_free(buf);
    g_free(out);
    g_free(comp);
    g_rand_free(rng);
}
#else
static void test_kernel_oracle(void)
{
    g_test_skip("no kernel LZO oracle (meson -Dkernel_lzo, "
                "scripts/setup/kernel-lzo.sh)");
}

static void test_kernel_edges(void)
{
    test_kernel_oracle();
}
#endif

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lzorle/kernel-v1", test_kernel_v1);
    g_test_add_func("/lzorle/kernel-v0", test_kernel_v0);
    g_test_add_func("/lzorle/zero-run", test_zero_run);
    g_test_add_func("/lzorle/corpus-roundtrip", test_corpus_roundtrip);
    g_test_add_func("/lzorle/hostile", test_hostile);
    g_test_add_func("/lzorle/encode-corpus", test_encode_corpus);
    g_test_add_func("/lzorle/encode-edges", test_encode_edges);
    g_test_add_func("/lzorle/encode-worst-case", test_encode_worst_case);
    g_test_add_func("/lzorle/kernel-oracle", test_kernel_oracle);
    g_test_add_func("/lzorle/kernel-edges", test_kernel_edges);
    return g_test_run();
}
