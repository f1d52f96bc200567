/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target of the zcomp engine: the input is guest RAM (a ring of
 * descriptors, SG lists, data) plus a doorbell value; the engine must
 * only ever produce status codes, never touch memory outside it (ASan).
 * Addresses in descriptors are folded near guest RAM so that the fuzzer
 * reaches the codecs, not only DMA_ERROR.
 */
#include <stdlib.h>
#include <string.h>

#include "zcomp-engine.h"
#include "memhost.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE (64 * 1024)
#define RING 8

static uint64_t fold(uint64_t a)
{
    /* mostly inside RAM, sometimes just outside it */
    return RAM_BASE - 64 + a % (RAM_SIZE + 128);
}

/* Fold the entries of an SG list that lies in RAM, like the addresses. */
static void fold_sgl(MemHost *m, bool sgl, uint64_t list)
{
    for (int k = 0; sgl && k < 8; k++) {
        struct zcomp_sge e;
        uint8_t *p = memhost_ptr(m, list + k * sizeof(e), sizeof(e));

        if (!p) {
            return;
        }
        memcpy(&e, p, sizeof(e));   /* the list may be misaligned */
        e.addr = fold(e.addr);
        e.len %= 20000;
        memcpy(p, &e, sizeof(e));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ZcScratch *scr;
    static const ZcLimits lim = { .max_req = 16384, .max_sge = 8,
                                  .lz4hc_level = 1, .zstd_level = 1,
                                  .algs = ZC_ALGS_ALL };
    ZcRing ring = { .size = RING, .phase = 1 };
    ZcStats st = { 0 };
    struct zcomp_sqe *sq;
    uint32_t done;
    MemHost m;

    if (size < 2) {
        return 0;
    }
    if (!scr) {
        scr = zc_scratch_new(lim.max_req);
    }
    memhost_init(&m, RAM_BASE, RAM_SIZE);
    memcpy(m.ram, data + 2, size - 2 < RAM_SIZE ? size - 2 : RAM_SIZE);
    m.sq_addr = RAM_BASE;
    m.cq_addr = RAM_BASE + RAM_SIZE - RING * sizeof(struct zcomp_cqe);
    sq = (struct zcomp_sqe *)m.ram;
    for (int i = 0; i < RING; i++) {
        sq[i].src_addr = fold(sq[i].src_addr);
        sq[i].dst_addr = fold(sq[i].dst_addr);
        if (sq[i].level > 12) {
            sq[i].level %= 13;
        }
        fold_sgl(&m, sq[i].flags & ZCOMP_SQE_F_SRC_SGL, sq[i].src_addr);
        fold_sgl(&m, sq[i].flags & ZCOMP_SQE_F_DST_SGL, sq[i].dst_addr);
    }
    zc_ring_process(&ring, data[0] % RING, RING, 0, &lim, scr,
                    data[1] & 1 ? &memhost_ops : &memhost_ops_copy, &m, &st,
                    &done);
    if (done > RING || st.requests != done) {
        abort();
    }
    memhost_free(&m);
    return 0;
}
