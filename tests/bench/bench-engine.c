/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zcomp-bench: the device's request path (descriptor fetch, validation,
 * input read in place (compression) or copied (decompression), codec,
 * output copied out, completion with phase bit, statistics)
 * against a plain liblz4 / liblzo2 loop on the same 4 KiB pages, side by
 * side in one run, and beside them the same path with the codec writing
 * the guest's buffer instead of private memory (not what the device does:
 * the ceiling of doing so); then the request path on 1..N worker threads; then
 * lzo-rle: liblzo2's lzo1x-1, our zc_lzorle and (built with meson's
 * -Dkernel_lzo, tests/kernel-ref/) the kernel's lzorle1x-1 on the same
 * pages, each page on its own: ratio and compress / decompress speed.
 *
 *   zcomp-bench CORPUS [PAGES] [ROUNDS] [MAX_THREADS]
 *
 * Guest memory is a flat host buffer here (memhost.h): the QEMU glue's
 * DMA (address_space_cache lookups) is not part of this measurement.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>
#include <lz4hc.h>
#include <lzo/lzo1x.h>
#include <zstd.h>

#include "zcomp-engine.h"
#include "zcomp-lzorle.h"
#include "memhost.h"
#ifdef ZC_HAVE_KERNEL_LZO
#include "kernel-lzo.h"
#endif

#define PAGE 4096u
#define RING 256u
#define MAX_ROUNDS 64
#define RAM_BASE 0x100000ull

typedef struct Bench {
    const uint8_t *pages;   /* plain input */
    uint32_t npages;
    uint8_t *comp;          /* per page compressed (2 pages each) */
    uint32_t *clen;
} Bench;

static const ZcLimits limits = { .max_req = 65536, .max_sge = 64,
                                 .lz4hc_level = 9,
                                 .zstd_level = ZCOMP_ZSTD_DEFAULT_LEVEL,
                                 .algs = ZC_ALGS_ALL };

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The median of @n values (the mean of the middle two for even @n). */
static double median(const double *v, uint32_t n)
{
    double s[MAX_ROUNDS];

    memcpy(s, v, n * sizeof(*s));
    qsort(s, n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double lowest(const double *v, uint32_t n)
{
    double m = v[0];

    for (uint32_t i = 1; i < n; i++) {
        m = v[i] < m ? v[i] : m;
    }
    return m;
}

static double highest(const double *v, uint32_t n)
{
    double m = v[0];

    for (uint32_t i = 1; i < n; i++) {
        m = v[i] > m ? v[i] : m;
    }
    return m;
}

/*
 * The plain library loop: what a host would do without any device. With
 * @same_api, the codec calls the engine makes (zc_codec_run: for lz4hc a
 * stream reset without clearing tables), so that the engine's gain from
 * that shows apart from its request-path overhead.
 */
/* The level the kernel uses: lz4hc 9, zstd 3. */
static int level_of(uint8_t algo)
{
    return algo == ZCOMP_ALG_ZSTD ? ZCOMP_ZSTD_DEFAULT_LEVEL : 9;
}

static double plain_or_same_api(const Bench *b, uint8_t op, uint8_t algo,
                                ZcScratch *scr, uint8_t *outs, uint64_t *bytes,
                                bool same_api)
{
    double t0 = now();

    *bytes = 0;
    for (uint32_t i = 0; i < b->npages; i++) {
        const uint8_t *src = b->pages + (size_t)i * PAGE;
        /* Outputs rotate over RING buffers, as the device's do. */
        uint8_t *out = outs + (size_t)(i % RING) * 2 * PAGE;
        int r = 0;
        lzo_uint l = 2 * PAGE;
        size_t n;

        if (same_api) {
            uint32_t n;
            const uint8_t *in = op == ZCOMP_OP_COMPRESS ? src :
                                b->comp + (size_t)i * 2 * PAGE;
            uint32_t in_len = op == ZCOMP_OP_COMPRESS ? PAGE : b->clen[i];

            r = zc_codec_run(scr, op, algo, level_of(algo), in, in_len, out,
                             op == ZCOMP_OP_COMPRESS ? 2 * PAGE : PAGE,
                             &n) ? -1 : (int)n;
        } else if (op == ZCOMP_OP_COMPRESS) {
            switch (algo) {
            case ZCOMP_ALG_LZ4:
                r = LZ4_compress_default((const char *)src, (char *)out,
                                         PAGE, 2 * PAGE);
                break;
            case ZCOMP_ALG_LZ4HC:
                r = LZ4_compress_HC((const char *)src, (char *)out, PAGE,
                                    2 * PAGE, 9);
                break;
            case ZCOMP_ALG_LZORLE:
                /* our codec itself: no library writes lzo-rle */
                zc_lzorle_compress(src, PAGE, out, &n, scr->lzorle_wrkmem);
                r = (int)n;
                break;
            case ZCOMP_ALG_ZSTD:
                n = ZSTD_compressCCtx(scr->zstd_cctx, out, 2 * PAGE, src, PAGE,
                                      ZCOMP_ZSTD_DEFAULT_LEVEL);
                r = ZSTD_isError(n) ? -1 : (int)n;
                break;
            default:
                lzo1x_1_compress(src, PAGE, out, &l, scr->lzo_wrkmem);
                r = (int)l;
            }
        } else {
            const uint8_t *c = b->comp + (size_t)i * 2 * PAGE;
            if (algo == ZCOMP_ALG_LZORLE) {
                n = PAGE;
                r = zc_lzorle_decompress(c, b->clen[i], out, &n) ? -1 : (int)n;
            } else if (algo == ZCOMP_ALG_ZSTD) {
                n = ZSTD_decompressDCtx(scr->zstd_dctx, out, PAGE, c,
                                        b->clen[i]);
                r = ZSTD_isError(n) ? -1 : (int)n;
            } else if (algo == ZCOMP_ALG_LZO) {
                l = PAGE;
                lzo1x_decompress_safe(c, b->clen[i], out, &l, NULL);
                r = (int)l;
            } else {
                r = LZ4_decompress_safe((const char *)c, (char *)out,
                                        b->clen[i], PAGE);
            }
        }
        if (r <= 0) {
            fprintf(stderr, "plain loop failed on page %u\n", i);
            exit(1);
        }
        *bytes += PAGE;
    }
    return now() - t0;
}

static double plain_loop(const Bench *b, uint8_t op, uint8_t algo,
                         ZcScratch *scr, uint8_t *out, uint64_t *bytes)
{
    return plain_or_same_api(b, op, algo, scr, out, bytes, false);
}

typedef struct Worker {
    const Bench *b;
    const ZcHostOps *ops;   /* memhost_ops, or memhost_ops_copy */
    /*
     * Not the device: its path with the codec writing the guest's buffer
     * instead of private memory, and no output copy (zc_deliver). What
     * compressing or decoding straight into guest RAM could give at most;
     * the device does not (docs/specs/zcomp-pci.rst, "Guest errors and
     * robustness": the output is made in private memory).
     */
    bool out_in_place;
    uint8_t op, algo;
    uint32_t first, count;
    double secs;
    uint64_t reqs;
} Worker;

/*
 * zc_ring_process's loop, the codec's output pointed at the guest's
 * buffer (Worker.out_in_place): fetch, input, codec, completion. Returns
 * the requests completed, each OK.
 */
static uint32_t ring_in_place(ZcRing *ring, uint32_t tail, ZcScratch *scr,
                              const ZcHostOps *ops, MemHost *m, ZcStats *st)
{
    uint8_t *own = scr->dst;
    uint32_t done = 0;

    while (ring->sq_head != tail) {
        struct zcomp_sqe sqe;
        uint32_t out_len = 0;
        uint8_t status;

        if (!zc_ring_fetch(ring, ops, m, &sqe)) {
            break;
        }
        status = zc_fetch_input(&limits, scr, ops, m, &sqe);
        if (!status) {
            /*
             * The codecs write no more than scratch holds: here the
             * compression dst_cap (2 pages) is above every algorithm's
             * bound for a page, lzo's included, which takes no capacity.
             */
            scr->dst = memhost_ptr(m, sqe.dst_addr, sqe.dst_cap);
            status = zc_run_codec(&limits, scr, &sqe, &out_len);
            scr->dst = own;
        }
        if (status ||
            zc_ring_complete(ring, ops, m, &sqe, status, out_len, st) !=
            ZC_RING_OK) {
            break;
        }
        done++;
    }
    return done;
}

/* The device path: pages staged in "guest RAM", one descriptor each,
 * submitted a ring at a time and reaped by phase bit. */
static void *device_loop(void *opaque)
{
    Worker *w = opaque;
    const Bench *b = w->b;
    /* ring, then one 2-page destination per ring slot, then the input */
    uint64_t dst_area = RAM_BASE + (1 << 20);
    uint64_t data = dst_area + RING * 2ull * PAGE;
    /* inputs laid out as the plain loop has them: pages, or 2-page slots */
    uint64_t stride = w->op == ZCOMP_OP_COMPRESS ? PAGE : 2 * PAGE;
    uint64_t ram_size = (data - RAM_BASE) + (uint64_t)w->count * stride;
    MemHost m;
    ZcScratch *scr = zc_scratch_new(limits.max_req);
    ZcStats st = { 0 };
    ZcRing ring = { .size = RING, .phase = 1 };
    struct zcomp_sqe *sq;
    double t0;
    uint32_t i = 0, head = 0;

    memhost_init(&m, RAM_BASE, ram_size);
    /* Fault every page in now: first touches must not be timed. */
    memset(m.ram, 0, ram_size);
    m.sq_addr = RAM_BASE;
    m.cq_addr = RAM_BASE + RING * sizeof(struct zcomp_sqe);
    sq = (struct zcomp_sqe *)memhost_ptr(&m, m.sq_addr, RING * 64);
    /* The guest's pages are in its RAM before it submits them. */
    for (uint32_t k = 0; k < w->count; k++) {
        uint32_t pg = w->first + k;
        uint8_t *at = memhost_ptr(&m, data + k * stride, stride);

        if (w->op == ZCOMP_OP_COMPRESS) {
            memcpy(at, b->pages + (size_t)pg * PAGE, PAGE);
        } else {
            memcpy(at, b->comp + (size_t)pg * 2 * PAGE, b->clen[pg]);
        }
    }

    t0 = now();
    while (i < w->count) {
        uint32_t n = w->count - i < RING - 1 ? w->count - i : RING - 1;
        uint32_t tail = ring.sq_head, done;

        for (uint32_t k = 0; k < n; k++, i++) {
            uint32_t pg = w->first + i;
            struct zcomp_sqe *s = &sq[tail];

            *s = (struct zcomp_sqe) {
                .opcode = w->op, .algo = w->algo, .tag = pg,
                .src_addr = data + i * stride,
                .src_len = w->op == ZCOMP_OP_COMPRESS ? PAGE : b->clen[pg],
                .dst_addr = dst_area + (uint64_t)tail * 2 * PAGE,
                .dst_cap = w->op == ZCOMP_OP_COMPRESS ? 2 * PAGE : PAGE,
            };
            tail = (tail + 1) % RING;
        }
        if (w->out_in_place) {
            done = ring_in_place(&ring, tail, scr, w->ops, &m, &st);
        } else if (zc_ring_process(&ring, tail, n, 0, &limits, scr, w->ops,
                                   &m, &st, &done) != ZC_RING_OK) {
            done = 0;
        }
        if (done != n) {
            fprintf(stderr, "ring failed\n");
            exit(1);
        }
        for (uint32_t k = 0; k < n; k++) {
            struct zcomp_cqe *c = (struct zcomp_cqe *)memhost_ptr(&m,
                m.cq_addr + head * 16ull, 16);
            if (c->status != ZCOMP_ST_OK) {
                fprintf(stderr, "request %u failed: %u\n", c->tag, c->status);
                exit(1);
            }
            head = (head + 1) % RING;
        }
    }
    w->secs = now() - t0;
    w->reqs = st.requests;
    zc_scratch_free(scr);
    memhost_free(&m);
    return NULL;
}

static double device_run_how(const Bench *b, const ZcHostOps *ops,
                             bool out_in_place, uint8_t op, uint8_t algo,
                             uint32_t threads)
{
    Worker w[64];
    pthread_t t[64];
    double span = 0;

    for (uint32_t i = 0; i < threads; i++) {
        w[i] = (Worker) { .b = b, .ops = ops, .out_in_place = out_in_place,
                          .op = op, .algo = algo,
                          .first = b->npages * i / threads };
        w[i].count = b->npages * (i + 1) / threads - w[i].first;
    }
    if (threads == 1) {
        /* On the thread (and core) the plain loop runs on: same caches. */
        device_loop(&w[0]);
        return w[0].secs;
    }
    for (uint32_t i = 0; i < threads; i++) {
        pthread_create(&t[i], NULL, device_loop, &w[i]);
    }
    /* Each worker times its own request loop (set-up excluded); the run
     * takes as long as the slowest. */
    for (uint32_t i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        span = w[i].secs > span ? w[i].secs : span;
    }
    return span;
}

static double device_run(const Bench *b, const ZcHostOps *ops, uint8_t op,
                         uint8_t algo, uint32_t threads)
{
    return device_run_how(b, ops, false, op, algo, threads);
}

static void prepare(Bench *b, uint8_t algo, ZcScratch *scr)
{
    for (uint32_t i = 0; i < b->npages; i++) {
        uint32_t out;
        uint8_t st = zc_codec_run(scr, ZCOMP_OP_COMPRESS, algo, level_of(algo),
                                  b->pages + (size_t)i * PAGE, PAGE,
                                  b->comp + (size_t)i * 2 * PAGE, 2 * PAGE,
                                  &out);
        if (st) {
            exit(1);
        }
        b->clen[i] = out;
    }
}

/* The lzo-rle comparison: codecs side by side on the same pages. */
enum { LZR_LIBLZO, LZR_OURS, LZR_KERNEL, LZR_CODECS };

static const char *const lzr_names[LZR_CODECS] = {
    "liblzo2 lzo1x-1", "zc_lzorle", "kernel lzorle1x-1",
};

/* Compress one page with @codec; returns the compressed size. */
static size_t lzr_compress(int codec, const uint8_t *src, uint8_t *dst,
                           void *wrk)
{
    size_t n = zc_lzorle_bound(PAGE);
    lzo_uint l = n;

    switch (codec) {
    case LZR_LIBLZO:
        lzo1x_1_compress(src, PAGE, dst, &l, wrk);
        return l;
    case LZR_OURS:
        zc_lzorle_compress(src, PAGE, dst, &n, wrk);
        return n;
#ifdef ZC_HAVE_KERNEL_LZO
    case LZR_KERNEL:
        klzo_lzorle1x_1_compress(src, PAGE, dst, &n, wrk);
        return n;
#endif
    }
    return 0;
}

/* Decompress one page with @codec's decoder; false unless a whole page */
static bool lzr_decompress(int codec, const uint8_t *src, size_t len,
                           uint8_t *dst)
{
    size_t n = PAGE;
    lzo_uint l = PAGE;

    switch (codec) {
    case LZR_LIBLZO:
        return lzo1x_decompress_safe(src, len, dst, &l, NULL) == LZO_E_OK &&
               l == PAGE;
    case LZR_OURS:
        return zc_lzorle_decompress(src, len, dst, &n) == ZC_LZORLE_OK &&
               n == PAGE;
#ifdef ZC_HAVE_KERNEL_LZO
    case LZR_KERNEL:
        return klzo_lzo1x_decompress_safe(src, len, dst, &n) == KLZO_OK &&
               n == PAGE;
#endif
    }
    return false;
}

static void lzorle_compare(const Bench *b, uint32_t rounds, uint8_t *outs)
{
    static uint8_t wrk[LZO1X_1_MEM_COMPRESS + ZC_LZORLE_WRKMEM_SIZE];
    size_t cap = zc_lzorle_bound(PAGE);
    double best_c[LZR_CODECS], best_d[LZR_CODECS];
    uint64_t size[LZR_CODECS] = { 0 };
    uint8_t *comp[LZR_CODECS];
    uint32_t *clen[LZR_CODECS];
    int ncodecs = LZR_CODECS;
    uint64_t bytes = (uint64_t)b->npages * PAGE;

#ifndef ZC_HAVE_KERNEL_LZO
    ncodecs = LZR_KERNEL;
#endif
    if (lzo_init() != LZO_E_OK) {
        exit(1);
    }
    for (int c = 0; c < ncodecs; c++) {
        comp[c] = malloc((size_t)b->npages * cap);
        clen[c] = malloc(b->npages * sizeof(uint32_t));
        best_c[c] = best_d[c] = 1e9;
    }
    for (uint32_t r = 0; r < rounds; r++) {
        /* Codecs alternate within a round, so drift hits them all. */
        for (int c = 0; c < ncodecs; c++) {
            double t0 = now(), t;

            size[c] = 0;
            for (uint32_t i = 0; i < b->npages; i++) {
                clen[c][i] = lzr_compress(c, b->pages + (size_t)i * PAGE,
                                          comp[c] + (size_t)i * cap, wrk);
                size[c] += clen[c][i];
            }
            t = now() - t0;
            best_c[c] = t < best_c[c] ? t : best_c[c];
            t0 = now();
            for (uint32_t i = 0; i < b->npages; i++) {
                uint8_t *out = outs + (size_t)(i % RING) * 2 * PAGE;

                if (!lzr_decompress(c, comp[c] + (size_t)i * cap, clen[c][i],
                                    out) ||
                    (r == 0 && memcmp(out, b->pages + (size_t)i * PAGE,
                                      PAGE))) {
                    fprintf(stderr, "%s: page %u does not round-trip\n",
                            lzr_names[c], i);
                    exit(1);
                }
            }
            t = now() - t0;
            best_d[c] = t < best_d[c] ? t : best_d[c];
        }
    }
    printf("\nlzo-rle: each page compressed on its own, best of %u rounds\n",
           rounds);
    printf("%-18s %12s %8s %14s %16s\n", "codec", "bytes", "ratio",
           "compress MB/s", "decompress MB/s");
    for (int c = 0; c < ncodecs; c++) {
        printf("%-18s %12llu %8.3f %14.0f %16.0f\n", lzr_names[c],
               (unsigned long long)size[c], (double)bytes / size[c],
               bytes / best_c[c] / 1e6, bytes / best_d[c] / 1e6);
    }
    printf("zc_lzorle / liblzo2: speed compress %.2fx, decompress %.2fx; "
           "size %.4f\n", best_c[LZR_LIBLZO] / best_c[LZR_OURS],
           best_d[LZR_LIBLZO] / best_d[LZR_OURS],
           (double)size[LZR_OURS] / size[LZR_LIBLZO]);
    if (ncodecs > LZR_KERNEL) {
        printf("zc_lzorle / kernel: size %.4f; speed compress %.2fx, "
               "decompress %.2fx\n",
               (double)size[LZR_OURS] / size[LZR_KERNEL],
               best_c[LZR_KERNEL] / best_c[LZR_OURS],
               best_d[LZR_KERNEL] / best_d[LZR_OURS]);
    } else {
        printf("kernel lzorle1x-1: not built in (meson configure "
               "-Dkernel_lzo=$(scripts/setup/kernel-lzo.sh))\n");
    }
    for (int c = 0; c < ncodecs; c++) {
        free(comp[c]);
        free(clen[c]);
    }
}

int main(int argc, char **argv)
{
    static const struct { const char *name; uint8_t op, algo; } cases[] = {
        { "lz4 compress", ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4 },
        { "lzo1x-1 compress", ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZO },
        { "lz4hc-9 compress", ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZ4HC },
        { "lz4 decompress", ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZ4 },
        { "lzo decompress", ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZO },
        { "lzo-rle compress", ZCOMP_OP_COMPRESS, ZCOMP_ALG_LZORLE },
        { "lzo-rle decompress", ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_LZORLE },
        { "zstd-3 compress", ZCOMP_OP_COMPRESS, ZCOMP_ALG_ZSTD },
        { "zstd decompress", ZCOMP_OP_DECOMPRESS, ZCOMP_ALG_ZSTD },
    };
    Bench b = { 0 };
    ZcScratch *scr;
    FILE *f;
    long size;
    uint8_t *buf, *out;
    uint32_t rounds, max_threads;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS [PAGES] [ROUNDS] [MAX_THREADS]\n",
                argv[0]);
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    buf = malloc(size);
    if (fread(buf, 1, size, f) != (size_t)size) {
        return 1;
    }
    fclose(f);
    b.pages = buf;
    b.npages = size / PAGE;
    if (argc > 2 && atoi(argv[2]) > 0 && (uint32_t)atoi(argv[2]) < b.npages) {
        b.npages = atoi(argv[2]);
    }
    rounds = argc > 3 ? (uint32_t)atoi(argv[3]) : 5;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "ROUNDS: 1 to %d\n", MAX_ROUNDS);
        return 2;
    }
    max_threads = argc > 4 ? (uint32_t)atoi(argv[4]) : (uint32_t)ncpu;
    if (max_threads < 1 || max_threads > 64) {
        max_threads = 1;
    }
    b.comp = malloc((size_t)b.npages * 2 * PAGE);
    b.clen = malloc(b.npages * sizeof(uint32_t));
    scr = zc_scratch_new(limits.max_req);
    out = malloc(RING * 2 * PAGE);
    memset(out, 0, RING * 2 * PAGE);

    printf("zcomp engine benchmark: %u pages of 4 KiB from %s, %u rounds "
           "(median, and min-max where given), %ld CPUs online\n\n",
           b.npages, argv[1], rounds, ncpu);
    printf("%-18s %7s %7s %21s %21s %9s %8s %21s\n", "case", "plain",
           "device", "device/plain", "input copied/plain", "overhead",
           "same-API", "out in place/plain");
    printf("%-18s %7s %7s %21s %21s %9s %8s %21s\n", "", "MB/s", "MB/s", "",
           "", "us/req", "MB/s", "(not the device)");
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        double p[MAX_ROUNDS], d[MAX_ROUNDS], dc[MAX_ROUNDS], q[MAX_ROUNDS];
        double ratio[MAX_ROUNDS], ratio_copy[MAX_ROUNDS], over[MAX_ROUNDS];
        double ip[MAX_ROUNDS], ratio_ip[MAX_ROUNDS];
        uint64_t bytes = 0;
        uint8_t op = cases[c].op, algo = cases[c].algo;

        prepare(&b, algo, scr);
        for (uint32_t r = 0; r < rounds; r++) {
            /* Alternate, so drift in machine speed hits all of them. */
            p[r] = plain_loop(&b, op, algo, scr, out, &bytes);
            d[r] = device_run(&b, &memhost_ops, op, algo, 1);
            dc[r] = device_run(&b, &memhost_ops_copy, op, algo, 1);
            q[r] = plain_or_same_api(&b, op, algo, scr, out, &bytes, true);
            ip[r] = device_run_how(&b, &memhost_ops, true, op, algo, 1);
            ratio[r] = 100.0 * p[r] / d[r];
            ratio_ip[r] = 100.0 * p[r] / ip[r];
            ratio_copy[r] = 100.0 * p[r] / dc[r];
            over[r] = (d[r] - p[r]) / b.npages * 1e6;
        }
        printf("%-18s %7.0f %7.0f %6.1f%% (%5.1f-%5.1f) ", cases[c].name,
               bytes / median(p, rounds) / 1e6,
               bytes / median(d, rounds) / 1e6,
               median(ratio, rounds), lowest(ratio, rounds),
               highest(ratio, rounds));
        if (op == ZCOMP_OP_COMPRESS) {
            printf("%6.1f%% (%5.1f-%5.1f) ", median(ratio_copy, rounds),
                   lowest(ratio_copy, rounds), highest(ratio_copy, rounds));
        } else {
            printf("%21s ", "- (always copied)");
        }
        printf("%9.3f %8.0f %6.1f%% (%5.1f-%5.1f)\n", median(over, rounds),
               bytes / median(q, rounds) / 1e6, median(ratio_ip, rounds),
               lowest(ratio_ip, rounds), highest(ratio_ip, rounds));
    }

    printf("\nscaling of the request path with worker threads "
           "(lz4 compress, lzo compress; best of %u rounds):\n", rounds);
    printf("%-8s %12s %12s\n", "workers", "lz4 MB/s", "lzo MB/s");
    for (uint32_t t = 1; t <= max_threads; t *= 2) {
        double best[2] = { 1e9, 1e9 };
        uint8_t alg[2] = { ZCOMP_ALG_LZ4, ZCOMP_ALG_LZO };

        for (int a = 0; a < 2; a++) {
            for (uint32_t r = 0; r < rounds; r++) {
                double d = device_run(&b, &memhost_ops, ZCOMP_OP_COMPRESS,
                                      alg[a], t);
                best[a] = d < best[a] ? d : best[a];
            }
        }
        printf("%-8u %12.0f %12.0f\n", t,
               (double)b.npages * PAGE / best[0] / 1e6,
               (double)b.npages * PAGE / best[1] / 1e6);
        if (t < max_threads && t * 2 > max_threads) {
            t = max_threads / 2;
        }
    }

    lzorle_compare(&b, rounds, out);
    return 0;
}
