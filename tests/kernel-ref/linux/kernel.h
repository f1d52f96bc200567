/*
 * Userspace stand-in for the kernel header, for tests/kernel-ref only:
 * what lib/lzo/ uses of it. It is the first header lib/lzo/'s files
 * include, so it also renames their public functions (klzo_*).
 */
#ifndef ZCOMP_SHIM_LINUX_KERNEL_H
#define ZCOMP_SHIM_LINUX_KERNEL_H

#include <string.h>
#include <linux/types.h>

#define lzo1x_1_compress klzo_lzo1x_1_compress
#define lzo1x_1_compress_safe klzo_lzo1x_1_compress_safe
#define lzorle1x_1_compress klzo_lzorle1x_1_compress
#define lzorle1x_1_compress_safe klzo_lzorle1x_1_compress_safe
#define lzo1x_decompress_safe klzo_lzo1x_decompress_safe

/* The configuration a kernel for this host would have. */
#if defined(__x86_64__)
#define CONFIG_X86_64 1
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
#elif defined(__aarch64__)
#define CONFIG_ARM64 1
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
#elif defined(__i386__)
#define CONFIG_X86 1
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define __LITTLE_ENDIAN 1234
#else
#define __BIG_ENDIAN 4321
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define noinline __attribute__((noinline))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

#define min(a, b) ((a) < (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~(__typeof__(x))((a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#endif
