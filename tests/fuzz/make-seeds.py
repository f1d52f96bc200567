#!/usr/bin/python3
"""Writes the fuzzer's seed inputs (seeds/): valid requests that the fuzzer
mutates from. Input layout (fuzz-engine.c): byte 0 the doorbell tail,
byte 1 bit 0 zero-copy host ops, then guest RAM from RAM_BASE; addresses
are folded by fold(x) = RAM_BASE - 64 + x % (RAM_SIZE + 128)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def addr(off):
    return off + 64     # fold(addr(off)) == RAM_BASE + off


def sqe(op, algo, flags, src, slen, snsge, dst, dcap, dnsge, level=0):
    return struct.pack('<BBBBIQIIQIIQQQ', op, algo, level, flags, 0, addr(src),
                       slen, snsge, addr(dst), dcap, dnsge, 0, 0, 0)


def sge(off, length):
    return struct.pack('<QII', addr(off), length, 0)


TEXT = (b"The quick brown fox jumps over the lazy dog; zram pages. " * 200)


def image(sqes, extra):
    ram = bytearray(12 * 1024)
    for i, s in enumerate(sqes):
        ram[i * 64:(i + 1) * 64] = s
    for off, b in extra:
        ram[off:off + len(b)] = b
    return ram


SEEDS = {
    'compress': (3, image([sqe(1, 0, 0, 0x1000, 4096, 0, 0x2000, 8192, 0),
                           sqe(1, 2, 0, 0x1000, 4096, 0, 0x2000, 8192, 0),
                           sqe(1, 1, 0, 0x1000, 4096, 0, 0x2000, 8192, 0, 1)],
                          [(0x1000, TEXT[:4096])])),
    'sgl': (1, image([sqe(1, 0, 3, 0x600, 4096, 2, 0x700, 4096, 2)],
                     [(0x600, sge(0x1000, 2048) + sge(0x1800, 2048)),
                      (0x700, sge(0x2000, 2048) + sge(0x2800, 2048)),
                      (0x1000, TEXT[:4096])])),
    'decompress': (2, image([sqe(2, 0, 0, 0x1000, 2000, 0, 0x2000, 4096, 0),
                             sqe(2, 2, 0, 0x1000, 2000, 0, 0x2000, 4096, 0)],
                            [(0x1000, TEXT[:2000])])),
}

for name, (tail, ram) in SEEDS.items():
    for zero_copy in (0, 1):
        with open(os.path.join(HERE, 'seeds', '%s-%d' % (name, zero_copy)), 'wb') as f:
            f.write(bytes([tail, zero_copy]) + bytes(ram))
