/*
 * Unit tests of the lzo-rle decoder (hw/zcomp-lzorle.c): the kernel's own
 * lzo-rle self-test streams (version 1) and lzo streams (version 0), a
 * hand-made zero run, liblzo2 round trips on the corpus, and safety on
 * truncated, corrupted and random input (run it under ASan to see reads
 * or writes outside the buffers).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <string.h>

#include "zcomp-lzorle.h"

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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lzorle/kernel-v1", test_kernel_v1);
    g_test_add_func("/lzorle/kernel-v0", test_kernel_v0);
    g_test_add_func("/lzorle/zero-run", test_zero_run);
    g_test_add_func("/lzorle/corpus-roundtrip", test_corpus_roundtrip);
    g_test_add_func("/lzorle/hostile", test_hostile);
    return g_test_run();
}
