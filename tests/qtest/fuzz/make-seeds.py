#!/usr/bin/env python3
"""Writes the seed inputs of the device fuzzers (scripts/tools/fuzz-device.sh):

  seeds/zcomp/    zcomp-pci-fuzz (tests/qtest/fuzz/zcomp_fuzz.c): queues set
                  up in worker and SYNC mode, compressions, decompressions of
                  what the device made, SG lists, resets, bus-master flips
                  (also during requests), and (zcomp-pci-iommu-fuzz) IOMMU
                  pages unmapped, moved and invalidated under requests;
  seeds/generic/  QEMU's generic-fuzz limited to zcomp*: register writes
                  that enable the device and a queue, then ring it.

    make-seeds.py [OUTDIR]   (default: seeds/ next to this file)
"""
import os
import struct
import sys

# zcomp_fuzz.c opcodes and its 8-byte action header {u8 q, a, b, c; u32 v}
QUEUE_SETUP, SQE, DOORBELL, DATA, SGE, REG_WRITE, REG_READ, CTRL, \
    BUS_MASTER, QUEUE_DISABLE, COMPRESS_INTO, RACE, IOMMU = range(13)
# IOMMU actions (a) on page v (its 4 KiB index in the identity map)
UNMAP, MOVE, READ_ONLY, IDENTITY, INVAL_PAGE, INVAL_ALL, TE = range(7)
SQ_PAGE, CQ_PAGE, BUF_PAGE = 0x100, 0x200, 0x300
SYNC, IRQ = 4, 2
COMPRESS, DECOMPRESS = 1, 2
LZ4, LZ4HC, LZO = 0, 1, 2
TEXT = b'Lorem ipsum dolor sit amet, zcomp offloads zram. '


def act(op, q=0, a=0, b=0, c=0, v=0, payload=b''):
    return bytes([op]) + struct.pack('<BBBBI', q, a, b, c, v) + payload


def sqe(opcode, algo, src_len, dst_cap, level=0, flags=0, nsrc=0, ndst=0):
    # zcomp_fuzz.c picks the addresses from the header's c byte
    return struct.pack('<BBBBIQIIQII24x', opcode, algo, level, flags, 0x77,
                       0, src_len, nsrc, 0, dst_cap, ndst)


def fill(buf, data):
    out = b''
    for off in range(0, len(data), 16):
        out += act(DATA, q=buf, v=off, payload=data[off:off + 16].ljust(16, b'\0'))
    return out


def zcomp_seeds():
    text = (TEXT * 8)[:256]
    seeds = {}
    for mode, name in ((0, 'worker'), (SYNC, 'sync')):
        for algo in (LZ4, LZ4HC, LZO):
            s = act(QUEUE_SETUP, q=0, a=3, b=mode) + fill(0, text)
            # compress buffer 0 (256 bytes) into buffer 1, ring
            s += act(SQE, q=0, a=0, c=0 | (1 << 3),
                     payload=sqe(COMPRESS, algo, 256, 8192))
            s += act(DOORBELL, q=0, a=1)
            # the device's own output back through it
            s += act(COMPRESS_INTO, a=0, b=2, c=algo, v=255)
            s += act(SQE, q=0, a=2, c=2,
                     payload=sqe(DECOMPRESS, algo, 64, 8192))
            s += act(DOORBELL, q=0, a=3)
            seeds['%s-%d' % (name, algo)] = s
    s = act(QUEUE_SETUP, q=1, a=2, b=0) + fill(0, text)
    s += act(SGE, q=0, a=0, c=0, v=100) + act(SGE, q=0, a=1, c=0, b=2, v=156)
    s += act(SQE, q=1, a=0, c=0, payload=sqe(COMPRESS, LZ4, 256, 8192,
                                              flags=1, nsrc=2))
    s += act(DOORBELL, q=1, a=1)
    seeds['sgl'] = s
    s = act(QUEUE_SETUP, q=0, a=3) + fill(0, text)
    for i in range(4):
        s += act(SQE, q=0, a=i, c=0 | (1 << 3),
                 payload=sqe(COMPRESS, LZ4HC, 256, 8192, level=12))
    s += act(DOORBELL, q=0, a=4) + act(BUS_MASTER, a=0) + act(BUS_MASTER, a=1)
    s += act(QUEUE_DISABLE, q=0) + act(CTRL, a=2) + act(CTRL, a=1)
    seeds['flips'] = s
    # Requests in flight while bus mastering goes off and on.
    s = act(QUEUE_SETUP, q=0, a=3) + fill(0, text)
    for i in range(8):
        s += act(SQE, q=0, a=i, c=0 | (1 << 3),
                 payload=sqe(COMPRESS, LZ4HC, 256, 8192, level=12))
    s += act(RACE, q=0, a=8, b=10, c=20)
    seeds['race'] = s
    # Behind the IOMMU: a ring's and a buffer's pages moved, unmapped,
    # made read-only, each invalidated, between and under requests.
    s = act(QUEUE_SETUP, q=0, a=3) + fill(0, text)
    s += act(SQE, q=0, a=0, c=0 | (1 << 3),
             payload=sqe(COMPRESS, LZ4, 256, 8192))
    s += act(DOORBELL, q=0, a=1)
    for how, page in ((MOVE, CQ_PAGE | (0x201 << 11)), (READ_ONLY, BUF_PAGE + 2),
                      (UNMAP, SQ_PAGE), (IDENTITY, SQ_PAGE)):
        s += act(IOMMU, q=0, a=how, b=2, v=page)
        s += act(SQE, q=0, a=1, c=0 | (1 << 3),
                 payload=sqe(COMPRESS, LZ4, 256, 8192))
        s += act(DOORBELL, q=0, a=2)
    s += act(IOMMU, a=TE, b=0) + act(DOORBELL, q=0, a=3)
    s += act(IOMMU, a=TE, b=1) + act(IOMMU, a=INVAL_ALL, b=1)
    seeds['iommu'] = s
    return seeds


# generic-fuzz: opcode OP_WRITE (3) with {u8 size; u8 base; u32 offset;
# u64 value} (C layout: 2 bytes of padding), commands separated by "FUZZ".
OP_WRITE, LONG, QUAD = 3, 2, 3


def gwrite(base, offset, value, size=LONG):
    return bytes([OP_WRITE]) + struct.pack('<BBxxIQ', size, base, offset,
                                           value)


def generic_seeds():
    seeds = {}
    # The regions' order in generic-fuzz is not known here: one seed each.
    for regs, bells in ((0, 1), (1, 0)):
        cmds = [gwrite(regs, 0x20, 1),                       # CTRL.ENABLE
                gwrite(regs, 0x1000, 0x100000, QUAD),         # SQ_BASE
                gwrite(regs, 0x1008, 0x200000, QUAD),         # CQ_BASE
                gwrite(regs, 0x1010, 8),                      # SIZE
                gwrite(regs, 0x1014, 0),                      # VECTOR
                gwrite(regs, 0x1018, 1),                      # CTRL.ENABLE
                gwrite(bells, 0, 3)]                          # doorbell
        seeds['enable-queue-%d' % regs] = b'FUZZ'.join(cmds)
    return seeds


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds')
    for sub, seeds in (('zcomp', zcomp_seeds()), ('generic', generic_seeds())):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, sub, name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
