#!/usr/bin/python3
"""Formats the guest's zram benchmark (tests/guest/bench.sh output) as a
table: device next to software, with ratios, and the per-page time split.

    zram-table.py GUEST_LOG [ZCOMP_BENCH_OUTPUT [KERNEL]]

The second file (host `zcomp-bench` output from the same run) supplies the
host codec time per page; without it the split is not printed."""
import re
import sys

rows = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"ZTABLE (\S+) orig (\d+) compr (\d+) used (\d+) W ZBENCH write "
                 r"bytes (\d+) wall_s (\S+) mbps (\S+) busy_s (\S+) R ZBENCH read "
                 r"bytes \d+ wall_s (\S+) mbps (\S+) busy_s (\S+)", line)
    if m:
        g = m.groups()
        rows[g[0]] = dict(orig=int(g[1]), compr=int(g[2]), bytes=int(g[4]),
                          w_s=float(g[5]), w=float(g[6]), w_cpu=float(g[7]),
                          r_s=float(g[8]), r=float(g[9]), r_cpu=float(g[10]))

codec = {}
if len(sys.argv) > 2:
    names = {"lz4 compress": "lz4", "lzo1x-1 compress": "lzo",
             "lz4hc-9 compress": "lz4hc", "lzo-rle compress": "lzo-rle",
             "zstd-3 compress": "zstd"}
    for line in open(sys.argv[2]):
        for k, alg in names.items():
            if line.startswith(k):
                codec[alg] = 4096 / (float(line[len(k):].split()[0]) * 1e6) * 1e6

mib = max((r["bytes"] for k, r in rows.items() if k != "zero"), default=0) / 2**20
print("zram on zcomp-pci vs zram in software: %.1f MiB corpus, written with "
      "O_DIRECT, read back after drop_caches (guest %s, TCG); 'device' "
      "DMA-maps zram's buffers, 'bounce' copies them (dma_map=0)"
      % (mib, sys.argv[3] if len(sys.argv) > 3 else "6.1"))
# the algorithms the run compared (run.sh --alg), in the usual order
algs = [a for a in ("lz4", "lzo", "lz4hc", "lzo-rle", "zstd")
        if any(k.startswith(a + "-") for k in rows)]
hdr = ("algorithm", "impl", "write MB/s", "read MB/s", "ratio",
       "guest CPU s (w+r)")
print("%-7s %-9s %11s %10s %7s %18s" % hdr)
for alg in algs:
    for impl in ("software", "bounce", "device"):
        r = rows.get("%s-%s" % (alg, impl))
        if not r:
            if impl != "bounce":
                print("%-7s %-9s %s" % (alg, impl, "missing"))
            continue
        print("%-7s %-9s %11.0f %10.0f %7.2f %18.2f" % (
            alg, impl, r["w"], r["r"], r["bytes"] / max(r["compr"], 1),
            r["w_cpu"] + r["r_cpu"]))
    s, d = rows.get(alg + "-software"), rows.get(alg + "-device")
    if s and d:
        print("%-7s %-9s %10.2fx %9.2fx" % (alg, "dev/sw", d["w"] / s["w"],
                                            d["r"] / s["r"]))

z = rows.get("zero")
if z and codec:
    pages = z["bytes"] / 4096
    zram_us = z["w_s"] / pages * 1e6
    print("\nper-page write time split (us): zram's own cost is taken from "
          "writing zero pages (stored without a codec; a lower bound), the "
          "codec from the host loop, the rest is offload overhead")
    print("%-7s %10s %10s %10s %10s" % ("alg", "total", "zram", "codec",
                                        "offload"))
    for alg in algs:
        d = rows.get(alg + "-device")
        if d and alg in codec:
            total = d["w_s"] / pages * 1e6
            print("%-7s %10.2f %10.2f %10.2f %10.2f" % (
                alg, total, zram_us, codec[alg], total - zram_us - codec[alg]))
