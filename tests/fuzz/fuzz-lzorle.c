/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target of the lzo-rle codec (hw/zcomp-lzorle.c):
 *  - the decoder on arbitrary input: the first two bytes (LE16, times 2)
 *    give the output room, 0..128 KiB, the rest is the stream; it must
 *    only ever return a status, never touch memory outside (ASan);
 *  - the encoder on the whole input, through the decoder: the same bytes
 *    back, the size bound kept, one byte less room too little.
 * Any mismatch aborts. Run by scripts/tools/fuzz.sh.
 */
#include <stdlib.h>
#include <string.h>

#include "zcomp-lzorle.h"

static void fuzz_decode(const uint8_t *data, size_t size)
{
    size_t cap, dlen;
    uint8_t *out;
    int ret;

    if (size < 2) {
        return;
    }
    cap = (size_t)(data[0] | data[1] << 8) * 2;
    /* exactly the room given, so that ASan sees any write past it */
    out = malloc(cap ? cap : 1);
    dlen = cap;
    ret = zc_lzorle_decompress(data + 2, size - 2, out, &dlen);
    if (ret != ZC_LZORLE_OK && ret != ZC_LZORLE_CORRUPT &&
        ret != ZC_LZORLE_DST_TOO_SMALL) {
        abort();
    }
    if (ret == ZC_LZORLE_OK && dlen > cap) {
        abort();
    }
    free(out);
}

static void fuzz_roundtrip(const uint8_t *data, size_t size)
{
    static uint8_t wrk[ZC_LZORLE_WRKMEM_SIZE];
    size_t bound = zc_lzorle_bound(size), clen = 0, dlen = size;
    uint8_t *comp = malloc(bound), *out = malloc(size ? size : 1);

    if (zc_lzorle_compress(data, size, comp, &clen, wrk) != ZC_LZORLE_OK ||
        clen > bound || clen < 5) {
        abort();
    }
    if (zc_lzorle_decompress(comp, clen, out, &dlen) != ZC_LZORLE_OK ||
        dlen != size || memcmp(out, data, size)) {
        abort();
    }
    if (size) {
        dlen = size - 1;
        if (zc_lzorle_decompress(comp, clen, out, &dlen) !=
            ZC_LZORLE_DST_TOO_SMALL) {
            abort();
        }
    }
    free(comp);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decode(data, size);
    fuzz_roundtrip(data, size);
    return 0;
}
