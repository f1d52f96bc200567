/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ABI header compiles as strict C11 and has the documented layout. */
#include <stddef.h>
#include <stdio.h>
#include "zcomp-abi.h"

#define CHECK(cond) do { if (!(cond)) { \
    printf("FAIL: %s\n", #cond); return 1; } } while (0)

int main(void)
{
    CHECK(offsetof(struct zcomp_sqe, tag) == 4);
    CHECK(offsetof(struct zcomp_sqe, src_addr) == 8);
    CHECK(offsetof(struct zcomp_sqe, src_len) == 16);
    CHECK(offsetof(struct zcomp_sqe, dst_addr) == 24);
    CHECK(offsetof(struct zcomp_sqe, dst_cap) == 32);
    CHECK(offsetof(struct zcomp_sqe, rsvd) == 40);
    CHECK(offsetof(struct zcomp_cqe, out_len) == 4);
    CHECK(offsetof(struct zcomp_cqe, sq_head) == 8);
    CHECK(offsetof(struct zcomp_cqe, status) == 10);
    CHECK(offsetof(struct zcomp_cqe, flags) == 11);
    CHECK(ZCOMP_QREG(ZCOMP_MAX_QUEUES) <= ZCOMP_DB_OFFSET);
    CHECK(ZCOMP_DB_OFFSET + ZCOMP_MAX_QUEUES * ZCOMP_DB_STRIDE <=
          ZCOMP_BAR0_SIZE);
    CHECK(ZCOMP_QREG_STATS + ZCOMP_STAT_SIZE <= ZCOMP_QREG_SIZE);
    CHECK(ZCOMP_HIST_SEL(ZCOMP_HIST_ALL_QUEUES, ZCOMP_ALG_ZSTD,
                         ZCOMP_OP_DECOMPRESS, ZCOMP_HIST_CODEC) == 0x010204ff);
    CHECK(ZCOMP_HIST_COUNT == 0x140 && ZCOMP_HIST_SUM_NS == 0x148);
    CHECK(ZCOMP_REG_STATS + ZCOMP_STAT_SIZE <= ZCOMP_REG_HIST);
    CHECK(ZCOMP_REG_HIST + ZCOMP_HIST_SIZE <= ZCOMP_QREG_BASE);
    CHECK(ZCOMP_ABI_VERSION == 0x10002);
    printf("ok\n");
    return 0;
}
