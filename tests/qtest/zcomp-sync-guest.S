/*
 * Boot sector for the zcomp-pci qtest: a vCPU that rings doorbells, so
 * that SYNC doorbells run on a vCPU thread as they do under a real guest.
 * Regenerate zcomp-sync-guest.h with scripts/setup/zcomp-sync-guest.sh.
 *
 * It enters 32-bit protected mode with flat segments, sets READY, then
 * loops: while CMD is non-zero it writes CMD - 1 to the 32-bit address in
 * DB (a doorbell) and counts the store in RUNG. The test writes DB, then
 * CMD; it clears CMD to stop the stores. Each turn of the loop also stores
 * the immediate 0x11111111 to MARK: a test has the device overwrite that
 * immediate in guest RAM and watches MARK change (translated code
 * dropped).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define MAILBOX 0x100000
#define READY   (MAILBOX + 0)
#define CMD     (MAILBOX + 4)
#define DB      (MAILBOX + 8)
#define RUNG    (MAILBOX + 12)
#define MARK    (MAILBOX + 16)

.code16
.org 0
start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    lgdtl 0x7c00 + gdtdesc
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $(0x7c00 + pm)

.code32
pm:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    movl $0x600df00d, READY
1:
    movl $0x11111111, MARK
    mov CMD, %eax
    test %eax, %eax
    jz 1b
    mov DB, %edx
    dec %eax
    mov %eax, (%edx)
    incl RUNG
    jmp 1b

.p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* code: base 0, 4 GiB, 32-bit */
    .quad 0x00cf92000000ffff    /* data: base 0, 4 GiB */
gdtdesc:
    .word gdtdesc - gdt - 1
    .long 0x7c00 + gdt

.org 510
    .byte 0x55, 0xaa
