#!/usr/bin/python3
"""Draws the main job's results next to its tables: a PNG with, per
algorithm, device next to software.

    plot.py OUT.png KERNEL [--zram BENCH_LOG] [--zswap ZSWAP_BENCH_LOG]

zram (tests/guest/bench.sh): write and read throughput and guest CPU time.
zswap (tests/guest/zswap-bench.sh): wall time and guest CPU time.
The caption gives the run's date, the machine and the guest kernel."""
import argparse
import datetime
import os
import platform
import re

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ALGS = ("lz4", "lzo", "lz4hc", "lzo-rle", "zstd")


def zram_rows(path):
    rows = {}
    for line in open(path, errors="replace"):
        m = re.match(r"ZTABLE (\S+) orig \d+ compr \d+ used \d+ W ZBENCH write "
                     r"bytes \d+ wall_s \S+ mbps (\S+) busy_s (\S+) R ZBENCH "
                     r"read bytes \d+ wall_s \S+ mbps (\S+) busy_s (\S+)", line)
        if m:
            g = m.groups()
            rows[g[0]] = dict(w=float(g[1]), r=float(g[3]),
                              cpu=float(g[2]) + float(g[4]))
    return rows


def zswap_rows(path):
    rows = {}
    for line in open(path, errors="replace"):
        m = re.match(r"ZSWAP (\S+) driver \S+ wall_s (\S+) cpu_s (\S+)", line)
        if m:
            rows[m.group(1)] = dict(wall=float(m.group(2)),
                                    cpu=float(m.group(3)))
    return rows


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, %s" % (platform.node(), os.cpu_count() or 0, cpu)


def bars(ax, rows, impls, key, title, unit):
    algs = [a for a in ALGS if any("%s-%s" % (a, i) in rows for i in impls)]
    width = 0.8 / len(impls)
    for n, impl in enumerate(impls):
        vals = [rows.get("%s-%s" % (a, impl), {}).get(key, 0) for a in algs]
        xs = [i + (n - (len(impls) - 1) / 2) * width for i in range(len(algs))]
        ax.bar(xs, vals, width, label=impl)
    ax.set_xticks(range(len(algs)))
    ax.set_xticklabels(algs)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(unit, fontsize=8)
    ax.legend(fontsize=7)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("kernel")
    p.add_argument("--zram")
    p.add_argument("--zswap")
    a = p.parse_args()
    panels = []
    if a.zram:
        z = zram_rows(a.zram)
        impls = ("software", "device")
        panels += [(z, impls, "w", "zram write", "MB/s"),
                   (z, impls, "r", "zram read", "MB/s"),
                   (z, impls, "cpu", "zram guest CPU (write + read)", "s")]
    if a.zswap:
        z = zswap_rows(a.zswap)
        impls = ("software", "device", "irq")
        panels += [(z, impls, "wall", "zswap wall time (lower is better)", "s"),
                   (z, impls, "cpu", "zswap guest CPU time", "s")]
    if not panels:
        p.error("nothing to plot: give --zram and/or --zswap")
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4))
    if len(panels) == 1:
        axes = [axes]
    for ax, panel in zip(axes, panels):
        bars(ax, *panel)
    fig.suptitle("zcomp-pci: device vs software, guest %s under TCG" % a.kernel,
                 fontsize=10)
    # The run's date: when its newest log was written.
    when = max(os.path.getmtime(f) for f in (a.zram, a.zswap) if f)
    fig.text(0.5, 0.01, "run of %s UTC · %s · QEMU TCG, 1 vCPU" % (
        datetime.datetime.utcfromtimestamp(when).strftime("%Y-%m-%d %H:%M"),
        machine()),
        ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.05, 1, 0.93))
    fig.savefig(a.out, dpi=110)
    print(a.out)


if __name__ == "__main__":
    main()
