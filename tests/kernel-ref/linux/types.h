/* Userspace stand-in for the kernel header, for tests/kernel-ref only. */
#ifndef ZCOMP_SHIM_LINUX_TYPES_H
#define ZCOMP_SHIM_LINUX_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#endif
