/*
 * intel-iommu (VT-d, legacy mode) as a guest programs it, for the zcomp
 * qtests and the zcomp-pci-iommu-fuzz target: registers, root and context
 * tables for one device (domain VTD_DID, 39-bit address width, 3-level
 * second-level tables), invalidations and translation on or off.
 * Register-based invalidation: the queued interface stays off.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ZCOMP_VTD_H
#define ZCOMP_VTD_H

#define VTD_BASE        0xfed90000ull   /* Q35_HOST_BRIDGE_IOMMU_ADDR */
#define VTD_GCMD        0x18
#define VTD_GSTS        0x1c
#define VTD_RTADDR      0x20
#define VTD_CCMD        0x28
#define VTD_IVA         0xf0
#define VTD_IOTLB       0xf8
#define VTD_TE          (1u << 31)
#define VTD_SRTP        (1u << 30)
#define VTD_DID         1
/* IOTLB invalidation granularity */
#define VTD_INVAL_GLOBAL 1
#define VTD_INVAL_DOMAIN 2
#define VTD_INVAL_PAGE   3

/* Wait until @bit of register @reg is @set; false if it never is. */
static inline bool vtd_wait(QTestState *qts, uint64_t reg, uint64_t bit,
                            bool set)
{
    for (int i = 0; i < 1000; i++) {
        if (!!(qtest_readq(qts, VTD_BASE + reg) & bit) == set) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

/* IOTLB invalidation of domain VTD_DID (page: @iva is address | AM). */
static inline bool vtd_inval(QTestState *qts, uint64_t granularity,
                             uint64_t iva)
{
    qtest_writeq(qts, VTD_BASE + VTD_IVA, iva);
    qtest_writeq(qts, VTD_BASE + VTD_IOTLB, (1ull << 63) |
                 (granularity << 60) | ((uint64_t)VTD_DID << 32));
    return vtd_wait(qts, VTD_IOTLB, 1ull << 63, false);
}

static inline bool vtd_te(QTestState *qts, bool on)
{
    qtest_writel(qts, VTD_BASE + VTD_GCMD, on ? VTD_TE : 0);
    return vtd_wait(qts, VTD_GSTS, VTD_TE, on);
}

/*
 * Root table at @pt (bus 0), context table at @pt + 4 KiB with the entry
 * of @devfn pointing at the level-3 table @l3; set as the root table.
 */
static inline bool vtd_root(QTestState *qts, uint64_t pt, int devfn,
                            uint64_t l3)
{
    qtest_writeq(qts, pt, (pt + 4096) | 1);
    qtest_writeq(qts, pt + 4096 + devfn * 16, l3 | 1);
    qtest_writeq(qts, pt + 4096 + devfn * 16 + 8,
                 1 | (VTD_DID << 8));               /* AW 39-bit */
    qtest_writeq(qts, VTD_BASE + VTD_RTADDR, pt);
    qtest_writel(qts, VTD_BASE + VTD_GCMD, VTD_SRTP);
    return vtd_wait(qts, VTD_GSTS, VTD_SRTP, true);
}

/* Context cache and IOTLB invalidated, then translation on. */
static inline bool vtd_enable(QTestState *qts)
{
    qtest_writeq(qts, VTD_BASE + VTD_CCMD, (1ull << 63) | (1ull << 61));
    return vtd_wait(qts, VTD_CCMD, 1ull << 63, false) &&
           vtd_inval(qts, VTD_INVAL_GLOBAL, 0) && vtd_te(qts, true);
}

#endif /* ZCOMP_VTD_H */
