/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync-bench: runs as PID 1's child in a booted guest, with no driver. It
 * maps zcomp-pci's BAR0 through sysfs, finds physical addresses of its own
 * locked pages in /proc/self/pagemap, and times polled requests (submit one
 * descriptor, ring, spin on the phase bit) on a queue in worker mode and on
 * a queue in SYNC mode, side by side, on the same corpus-like page.
 *
 *   sync-bench /sys/bus/pci/devices/0000:00:04.0 [REQUESTS]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "zcomp-abi.h"

static volatile uint8_t *bar;

static void wr32(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(bar + off) = v;
}

static uint32_t rd32(uint32_t off)
{
    return *(volatile uint32_t *)(bar + off);
}

static void wr64(uint32_t off, uint64_t v)
{
    wr32(off, (uint32_t)v);
    wr32(off + 4, (uint32_t)(v >> 32));
}

static uint64_t phys_of(void *p)
{
    uint64_t ent;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    long ps = sysconf(_SC_PAGESIZE);

    if (fd < 0 || pread(fd, &ent, 8, (uintptr_t)p / ps * 8) != 8 ||
        !(ent & (1ull << 63))) {
        fprintf(stderr, "pagemap failed\n");
        exit(1);
    }
    close(fd);
    return (ent & ((1ull << 55) - 1)) * ps + (uintptr_t)p % ps;
}

static void *page(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE,
                   -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(p, 0, 4096);
    return p;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Time @n polled compress requests on queue @q; returns us per request. */
static double run(int q, uint32_t ctrl, uint8_t algo, int n, uint8_t *src,
                  uint64_t src_pa, uint64_t dst_pa)
{
    struct zcomp_sqe *sq = page();
    volatile struct zcomp_cqe *cq = page();
    uint32_t qr = ZCOMP_QREG(q), tail = 0, size = 64;
    uint8_t phase = 1;
    double t0;

    wr32(qr + ZCOMP_QREG_CTRL, 0);
    wr64(qr + ZCOMP_QREG_SQ_BASE, phys_of(sq));
    wr64(qr + ZCOMP_QREG_CQ_BASE, phys_of((void *)cq));
    wr32(qr + ZCOMP_QREG_SIZE_ENTRIES, size);
    wr32(qr + ZCOMP_QREG_CTRL, ctrl | ZCOMP_QCTRL_ENABLE);
    if (!(rd32(qr + ZCOMP_QREG_STATUS) & ZCOMP_QSTS_ENABLED)) {
        fprintf(stderr, "queue %d not enabled\n", q);
        exit(1);
    }
    (void)src;
    t0 = now();
    for (int i = 0; i < n; i++) {
        struct zcomp_sqe s = {
            .opcode = ZCOMP_OP_COMPRESS, .algo = algo, .tag = i,
            .src_addr = src_pa, .src_len = 4096,
            .dst_addr = dst_pa, .dst_cap = 4096,
        };
        uint32_t slot = tail;

        sq[slot] = s;
        tail = (tail + 1) % size;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        wr32(ZCOMP_DB_OFFSET + q * ZCOMP_DB_STRIDE, tail);
        while ((cq[slot].flags & ZCOMP_CQE_F_PHASE) != phase) {
            __builtin_ia32_pause();
        }
        if (cq[slot].status) {
            fprintf(stderr, "status %u\n", cq[slot].status);
            exit(1);
        }
        if (tail == 0) {
            phase ^= 1;
        }
    }
    return (now() - t0) / n * 1e6;
}

int main(int argc, char **argv)
{
    char path[256];
    int fd, n = argc > 2 ? atoi(argv[2]) : 2000;
    uint8_t *src = page(), *dst = page();
    static const char *const names[] = { "lz4", "lz4hc", "lzo" };

    snprintf(path, sizeof(path), "%s/config", argv[1]);
    fd = open(path, O_RDWR);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    {
        uint16_t cmd;
        pread(fd, &cmd, 2, 4);
        cmd |= 0x6;     /* memory decode, bus master */
        pwrite(fd, &cmd, 2, 4);
    }
    close(fd);
    snprintf(path, sizeof(path), "%s/resource0", argv[1]);
    fd = open(path, O_RDWR | O_SYNC);
    bar = mmap(NULL, ZCOMP_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
               fd, 0);
    if (fd < 0 || bar == MAP_FAILED || rd32(ZCOMP_REG_MAGIC) != ZCOMP_MAGIC) {
        fprintf(stderr, "cannot map BAR0 of %s\n", argv[1]);
        return 1;
    }
    wr32(ZCOMP_REG_CTRL, ZCOMP_CTRL_ENABLE);
    for (int i = 0; i < 4096; i++) {
        src[i] = "zram pages: some text, some zeros\0\0\0\0\0\0"[i % 40];
    }
    printf("SYNC-BENCH %d polled requests per case, 4 KiB page\n", n);
    for (int a = 0; a < 3; a += (a == 0 ? 2 : 1)) {
        for (int round = 0; round < 2; round++) {
            double w = run(0, 0, a, n, src, phys_of(src), phys_of(dst));
            double s = run(1, ZCOMP_QCTRL_SYNC, a, n, src, phys_of(src),
                           phys_of(dst));
            printf("SYNC-BENCH %-5s worker %8.2f us/req   sync %8.2f us/req"
                   "   sync/worker %.2f\n", names[a], w, s, s / w);
        }
    }
    return 0;
}
