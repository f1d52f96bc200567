#!/usr/bin/python3
"""Formats the guest's zswap benchmark (tests/guest/zswap-bench.sh output):
zswap on the device next to zswap in software, same workload, same boot.

    zswap-table.py GUEST_LOG KERNEL_VERSION"""
import re
import sys

rows = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"ZSWAP (\S+) driver (\S+) wall_s (\S+) cpu_s (\S+) zswpout (\d+) "
                 r"zswpin (\d+) peak_pages (\d+) (\d+)", line)
    if m:
        g = m.groups()
        rows[g[0]] = dict(drv=g[1], wall=float(g[2]), cpu=float(g[3]),
                          out=int(g[4]), inn=int(g[5]), peak=int(g[6]),
                          size=int(g[7]))

print("zswap on zcomp-pci vs zswap in software, guest %s (TCG): memtouch "
      "writes and verifies 128 MiB in a 96 MiB memory cgroup; 'device': "
      "polled queues (acomp_poll=1, the default), 'irq': interrupt queues "
      "(acomp_poll=0)" % sys.argv[2])
print("%-7s %-9s %-20s %7s %8s %9s %8s %11s %6s" % (
    "alg", "impl", "driver", "wall s", "CPU s", "zswpout", "zswpin",
    "peak pages", "ratio"))
# the algorithms the run compared (run.sh --alg), in the usual order
algs = [a for a in ("lz4", "lzo", "lz4hc", "lzo-rle", "zstd")
        if any(k.startswith(a + "-") for k in rows)]
for alg in algs:
    for impl in ("software", "device", "irq"):
        r = rows.get("%s-%s" % (alg, impl))
        if not r:
            print("%-7s %-9s missing" % (alg, impl))
            continue
        ratio = r["peak"] * 4096 / r["size"] if r["size"] else 0
        print("%-7s %-9s %-20s %7.2f %8.2f %9d %8d %11d %6.2f" % (
            alg, impl, r["drv"], r["wall"], r["cpu"], r["out"], r["inn"],
            r["peak"], ratio))
    s = rows.get(alg + "-software")
    for impl in ("device", "irq"):
        d = rows.get("%s-%s" % (alg, impl))
        if s and d:
            print("%-7s %-9s %-20s %6.2fx %7.2fx" % (
                alg, impl[:3] + "/sw", "", d["wall"] / s["wall"],
                d["cpu"] / s["cpu"] if s["cpu"] else 0))
