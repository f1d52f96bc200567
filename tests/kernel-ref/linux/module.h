/* Userspace stand-in for the kernel header, for tests/kernel-ref only. */
#ifndef ZCOMP_SHIM_LINUX_MODULE_H
#define ZCOMP_SHIM_LINUX_MODULE_H

#define EXPORT_SYMBOL_GPL(sym)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)

#endif
