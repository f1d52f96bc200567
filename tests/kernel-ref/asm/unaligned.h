/* Userspace stand-in for the kernel header, for tests/kernel-ref only. */
#ifndef ZCOMP_SHIM_ASM_UNALIGNED_H
#define ZCOMP_SHIM_ASM_UNALIGNED_H

#include <linux/types.h>

/* as the kernel does it: through a packed struct of the pointed-to type */
#define get_unaligned(p)                                      \
    (((const struct { __typeof__(*(p)) x_; }                  \
       __attribute__((packed)) *)(p))->x_)
#define put_unaligned(v, p)                                   \
    ((((struct { __typeof__(*(p)) x_; }                       \
        __attribute__((packed)) *)(p))->x_) = (v))

static inline u16 get_unaligned_le16(const void *p)
{
    const u8 *b = p;

    return b[0] | b[1] << 8;
}

static inline u32 get_unaligned_le32(const void *p)
{
    const u8 *b = p;

    return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

static inline void put_unaligned_le32(u32 v, void *p)
{
    u8 *b = p;

    b[0] = v;
    b[1] = v >> 8;
    b[2] = v >> 16;
    b[3] = v >> 24;
}

#endif
