/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A flat "guest RAM" for driving the zcomp engine without QEMU: addresses
 * [base, base + size) are RAM, anything else fails like non-RAM DMA does.
 * Shared by the unit tests and the engine benchmark.
 */
#ifndef ZCOMP_MEMHOST_H
#define ZCOMP_MEMHOST_H

#include <stdlib.h>
#include <string.h>
#include "zcomp-engine.h"

typedef struct MemHost {
    uint8_t *ram;
    uint64_t base;
    uint64_t size;
    uint64_t sq_addr;       /* ring addresses, for read_sqe/post_cqe */
    uint64_t cq_addr;
    uint32_t fault_every;   /* inject ZCOMP_ST_DEVICE_ERROR every Nth */
    uint32_t fault_count;
} MemHost;

static inline uint8_t *memhost_ptr(MemHost *m, uint64_t addr, uint64_t len)
{
    if (addr < m->base || len > m->size || addr - m->base > m->size - len) {
        return NULL;
    }
    return m->ram + (addr - m->base);
}

static inline bool memhost_read(void *opaque, uint64_t addr, void *buf,
                                uint32_t len)
{
    uint8_t *p = memhost_ptr(opaque, addr, len);

    if (!p) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

static inline bool memhost_write(void *opaque, uint64_t addr, const void *buf,
                                 uint32_t len)
{
    uint8_t *p = memhost_ptr(opaque, addr, len);

    if (!p) {
        return false;
    }
    memcpy(p, buf, len);
    return true;
}

static inline bool memhost_read_sqe(void *opaque, uint32_t idx,
                                    struct zcomp_sqe *sqe)
{
    MemHost *m = opaque;

    return memhost_read(m, m->sq_addr + (uint64_t)idx * sizeof(*sqe), sqe,
                        sizeof(*sqe));
}

static inline bool memhost_post_cqe(void *opaque, uint32_t idx,
                                    const struct zcomp_cqe *cqe)
{
    MemHost *m = opaque;
    uint8_t *p = memhost_ptr(m, m->cq_addr + (uint64_t)idx * sizeof(*cqe),
                             sizeof(*cqe));
    size_t fo = offsetof(struct zcomp_cqe, flags);

    if (!p) {
        return false;
    }
    memcpy(p, cqe, fo);
    memcpy(p + fo + 1, (const uint8_t *)cqe + fo + 1, sizeof(*cqe) - fo - 1);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(p + fo, cqe->flags, __ATOMIC_RELAXED);
    return true;
}

static inline uint8_t memhost_inject(void *opaque)
{
    MemHost *m = opaque;

    if (m->fault_every && ++m->fault_count % m->fault_every == 0) {
        return ZCOMP_ST_DEVICE_ERROR;
    }
    return 0;
}

/* Compression input read in place: the RAM itself, as long as it lives. */
static inline const uint8_t *memhost_map_src(void *opaque, uint64_t addr,
                                             uint32_t len)
{
    return memhost_ptr(opaque, addr, len);
}

static const ZcHostOps memhost_ops = {
    .read = memhost_read,
    .write = memhost_write,
    .read_sqe = memhost_read_sqe,
    .post_cqe = memhost_post_cqe,
    .inject_fault = memhost_inject,
    .map_src = memhost_map_src,
};

static inline void memhost_init(MemHost *m, uint64_t base, uint64_t size)
{
    memset(m, 0, sizeof(*m));
    m->ram = calloc(1, size);
    m->base = base;
    m->size = size;
}

static inline void memhost_free(MemHost *m)
{
    free(m->ram);
}

/* The same without reading in place: every input is copied into scratch. */
static const ZcHostOps memhost_ops_copy = {
    .read = memhost_read,
    .write = memhost_write,
    .read_sqe = memhost_read_sqe,
    .post_cqe = memhost_post_cqe,
    .inject_fault = memhost_inject,
};

#endif
