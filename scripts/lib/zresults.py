#!/usr/bin/python3
"""The main job's results, read once: tables and the plot.

    zresults.py zram GUEST_LOG [ZCOMP_BENCH_OUTPUT] [--kernel K]
    zresults.py zswap GUEST_LOG [--kernel K]
    zresults.py plot OUT.png [--zram GUEST_LOG] [--zswap GUEST_LOG] [--kernel K]
    zresults.py batch RAW      (scripts/tools/zram-batch-bench.sh's rows)

The guest's benchmarks (tests/guest/bench.sh, zswap-bench.sh) run every
comparison in rounds (run.sh --rounds, default 3), device and software
alternating in one boot, and print one line per row and round:
  ZTABLE LABEL round R orig N compr N used N W ZBENCH write ... R ZBENCH read ...
  ZSWAP LABEL round R driver D wall_s S cpu_s S zswpout N zswpin N peak_pages N N [threads N]
  ZHIST LABEL round R write LC LNS CC CNS LC LNS CC CNS
  ZPHASE LABEL round R write N LOAD DB WAIT FIN PS N LOAD DB WAIT FIN PS
(ZHIST: the device's own time histograms, ABI 1.2, summed over its queues,
before and after a device row's writes: latency count and ns, codec count
and ns. ZPHASE, with zphases=1 only: the driver's phase times of polled
requests, before and after: requests, ns in each phase, and the ps one
clock read costs.)
Each figure is given as its median and, in brackets, its min-max over the
rounds. A ratio is taken per round (device and software of the same round)
and given so too; where its min-max holds 1.0 it is marked "n.s." (not
significant): the run cannot tell which side is faster.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import sys
from collections import defaultdict

from tabulate import tabulate

import ztap  # the guest's console, read once

ALGS = ("lz4", "lzo", "lz4hc", "lzo-rle", "zstd")

ZRAM = re.compile(
    r"ZTABLE (\S+) round (\d+) orig (\d+) compr (\d+) used (\d+) W ZBENCH write "
    r"bytes (\d+) wall_s (\S+) mbps (\S+) busy_s (\S+) R ZBENCH read "
    r"bytes \d+ wall_s (\S+) mbps (\S+) busy_s (\S+)")
ZHIST = re.compile(r"ZHIST (\S+) round (\d+) write" + r" (\d+)" * 8)
ZPHASE = re.compile(r"ZPHASE (\S+) round (\d+) write" + r" (\d+)" * 12)
ZHISTZ = re.compile(r"ZHISTZ (\S+) round (\d+)" + r" (\d+)" * 16)
PHASES = ("load", "doorbell", "wait", "finish")
ZSWAP = re.compile(
    r"ZSWAP (\S+) round (\d+) driver (\S+) wall_s (\S+) cpu_s (\S+) "
    r"zswpout (\d+) zswpin (\d+) peak_pages (\d+) (\d+)(?: threads (\d+))?")


def table_rows(path, regex, row):
    """{label: {round: row(groups after label and round)}}: the lines of
    the guest's console (ztap.GuestRun.table) that REGEX matches."""
    rows = defaultdict(dict)
    for line in ztap.read_guest(path).table:
        m = regex.match(line)
        if m:
            g = m.groups()
            rows[g[0]][int(g[1])] = row(g[2:])
    return rows


def zram_rows(path):
    return table_rows(path, ZRAM, lambda g: dict(
        orig=int(g[0]), compr=int(g[1]), bytes=int(g[3]),
        w_s=float(g[4]), w=float(g[5]), w_cpu=float(g[6]),
        r_s=float(g[7]), r=float(g[8]), r_cpu=float(g[9]),
        cpu=float(g[6]) + float(g[9])))


def zhist_rows(path):
    """{label: {round: the device's write deltas}}: requests, and ns from
    doorbell to completion and in the codec (the codec's count, the third
    figure, is not used)."""
    def delta(g):
        a, b = [int(x) for x in g[:4]], [int(x) for x in g[4:]]
        return dict(reqs=b[0] - a[0], lat_ns=b[1] - a[1],
                    codec_ns=b[3] - a[3])
    return table_rows(path, ZHIST, delta)


def zphase_rows(path):
    """{label: {round: the driver's phase deltas of a device row's
    writes}}: requests, ns per phase, and one clock read's cost in ns."""
    def delta(g):
        a, b = [int(x) for x in g[:6]], [int(x) for x in g[6:]]
        d = dict(reqs=b[0] - a[0], clock_ns=b[5] / 1000)
        for i, ph in enumerate(PHASES):
            d[ph] = b[1 + i] - a[1 + i]
        return d
    return table_rows(path, ZPHASE, delta)


def zhistz_rows(path):
    """{label: {round: the device's codec ns of a zswap row, both ways}}"""
    def delta(g):
        v = [int(x) for x in g]
        return dict(codec_ns=v[7] - v[3] + v[15] - v[11],
                    reqs=v[4] - v[0] + v[12] - v[8])
    return table_rows(path, ZHISTZ, delta)


def zswap_rows(path):
    return table_rows(path, ZSWAP, lambda g: dict(
        drv=g[0], wall=float(g[1]), cpu=float(g[2]), out=int(g[3]),
        inn=int(g[4]), peak=int(g[5]), size=int(g[6]),
        threads=int(g[7] or 1)))


def spread(vals, fmt="%.0f"):
    """median (min-max)"""
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt % med
    return (fmt + " (" + fmt + "-" + fmt + ")") % (med, min(vals), max(vals))


def ratios(rows, a, b, key, invert=False):
    """Per round: rows[a][r][key] / rows[b][r][key] (inverted: b / a)."""
    out = []
    for r in sorted(set(rows.get(a, {})) & set(rows.get(b, {}))):
        x, y = rows[a][r][key], rows[b][r][key]
        if invert:
            x, y = y, x
        if y > 0:
            out.append(x / y)
    return out


def ratio_cell(vals):
    if not vals:
        return "-"
    text = spread(vals, "%.2f") + "x"
    if len(vals) > 1 and min(vals) <= 1.0 <= max(vals):
        text += " n.s."
    return text


def stat(rows, label, key):
    return [v[key] for v in rows.get(label, {}).values()]


def algs_in(rows):
    return [a for a in ALGS if any(k.startswith(a + "-") for k in rows)]


def nrounds(rows):
    return max((len(v) for v in rows.values()), default=0)


def zram_table(log, host_bench=None, kernel="6.1"):
    rows = zram_rows(log)
    mib = max((r["bytes"] for k, v in rows.items() if k != "zero"
               for r in v.values()), default=0) / 2**20
    print("zram on zcomp-pci vs zram in software: %.1f MiB corpus, written "
          "with O_DIRECT, read back after drop_caches (guest %s, TCG), %d "
          "rounds, device and software alternating; median (min-max); "
          "'device' DMA-maps zram's buffers, 'bounce' copies them "
          "(dma_map=0); dev/sw: per-round ratios, device over software for "
          "throughput, software over device for CPU time: >1 is the device "
          "better; n.s.: the range holds 1" % (mib, kernel,
                                                       nrounds(rows)))
    table = []
    for alg in algs_in(rows):
        for impl in ("software", "bounce", "device"):
            label = "%s-%s" % (alg, impl)
            if label not in rows:
                if impl != "bounce":
                    table.append([alg, impl, "missing"])
                continue
            v = rows[label]
            table.append([alg, impl, spread(stat(rows, label, "w")),
                          spread(stat(rows, label, "r")),
                          "%.2f" % statistics.median(
                              r["bytes"] / max(r["compr"], 1)
                              for r in v.values()),
                          spread(stat(rows, label, "cpu"), "%.2f")])
        s, d = alg + "-software", alg + "-device"
        table.append([alg, "dev/sw", ratio_cell(ratios(rows, d, s, "w")),
                      ratio_cell(ratios(rows, d, s, "r")), "",
                      ratio_cell(ratios(rows, d, s, "cpu", invert=True))])
    print(tabulate(table, headers=("algorithm", "impl", "write MB/s",
                                   "read MB/s", "ratio", "guest CPU s (w+r)"),
                   tablefmt="simple", disable_numparse=True))
    if "zero" not in rows:
        return
    names = {"lz4 compress": "lz4", "lzo1x-1 compress": "lzo",
             "lz4hc-9 compress": "lz4hc", "lzo-rle compress": "lzo-rle",
             "zstd-3 compress": "zstd"}
    loop = {}
    if host_bench:
        with open(host_bench) as f:
            for line in f:
                for k, alg in names.items():
                    if line.startswith(k):
                        loop[alg] = 4096 / float(line[len(k):].split()[0])
    hist = zhist_rows(log)
    z = rows["zero"]
    pages = next(iter(z.values()))["bytes"] / 4096
    zram_us = {r: v["w_s"] / pages * 1e6 for r, v in z.items()}
    print("\nper-page write time split (us per page written, median "
          "(min-max) over the rounds), 'device' rows: total: the guest's "
          "write time; zram: zram's own cost, from writing zero pages "
          "(stored without a codec; a lower bound); queueing and codec: the "
          "device's own measurement (ABI 1.2 histograms), doorbell to "
          "completion less the codec, and the codec; offload: the rest "
          "(MMIO exit, descriptor, DMA mapping, completion, the driver); "
          "host loop: the codec alone in zcomp-bench per 4 KiB, a "
          "cross-check; req/page: device requests per page written")
    split, overlapped = [], False
    for alg in algs_in(rows):
        label = alg + "-device"
        d, h = rows.get(label, {}), hist.get(label, {})
        # rounds with the device's measurement (none: zeros) and a zero row
        rnds = sorted(r for r in set(d) & set(h) & set(zram_us)
                      if h[r]["reqs"] > 0)
        if not rnds:
            continue
        total = [d[r]["w_s"] / pages * 1e6 for r in rnds]
        lat = [h[r]["lat_ns"] / pages / 1e3 for r in rnds]
        codec = [h[r]["codec_ns"] / pages / 1e3 for r in rnds]
        rest = [t - zram_us[r] - a for r, t, a in zip(rnds, total, lat)]
        if min(rest) < 0:
            # the device's times add up to more than the page took: its
            # requests ran in flight together, so they do not split it
            overlapped = True
            rest_cell = "overlapped"
        else:
            rest_cell = spread(rest, "%.2f")
        split.append([
            alg, spread(total, "%.2f"),
            spread([zram_us[r] for r in rnds], "%.2f"),
            spread([a - c for a, c in zip(lat, codec)], "%.2f"),
            spread(codec, "%.2f"), rest_cell,
            "%.2f" % loop[alg] if alg in loop else "-",
            "%.2f" % statistics.median(h[r]["reqs"] / pages for r in rnds)])
    if not split:
        print("(no device measurements: a device without ABI 1.2 "
              "histograms, or a guest driver without them)")
        return
    print(tabulate(split, headers=("alg", "total", "zram", "queueing",
                                   "codec", "offload", "host loop",
                                   "req/page"),
                   tablefmt="simple", disable_numparse=True))
    if overlapped:
        print("overlapped: the device's times of a page's requests add up "
              "to more than the page took, as where a kernel keeps many in "
              "flight at once (7.x zram batches a bio's pages on the "
              "interrupt queues): queueing includes the wait behind the "
              "others, and the page's time does not split")
    phase_table(rows, hist, zphase_rows(log), pages, zram_us)


def phase_table(rows, hist, ph, pages, zram_us):
    """The offload split further by the driver's own phase times
    (zphases=1): where the guest's time goes around the device's."""
    table = []
    for alg in algs_in(rows):
        label = alg + "-device"
        d, h, p = rows.get(label, {}), hist.get(label, {}), ph.get(label, {})
        # rounds whose device requests were all polled, so that the
        # device's times and the driver's cover the same requests (7.x
        # batches zram's writes on the interrupt queues)
        rnds = sorted(r for r in set(d) & set(h) & set(p) & set(zram_us)
                      if h[r]["reqs"] > 0 and
                      abs(p[r]["reqs"] - h[r]["reqs"]) <= h[r]["reqs"] / 100)
        if not rnds:
            table.append([alg] + ["-"] * 6 + ["not all polled", "-"])
            continue
        us = {k: [p[r][k] / pages / 1e3 for r in rnds] for k in PHASES}
        lat = [h[r]["lat_ns"] / pages / 1e3 for r in rnds]
        total = [d[r]["w_s"] / pages * 1e6 for r in rnds]
        # doorbell write and polling, less what the device took from the
        # doorbell's arrival to the completion it posted
        exit_ = [db + w - a for db, w, a in
                 zip(us["doorbell"], us["wait"], lat)]
        outside = [t - zram_us[r] - sum(us[k][i] for k in PHASES)
                   for i, (r, t) in enumerate(zip(rnds, total))]
        table.append([alg] + [spread(us[k], "%.2f") for k in PHASES] +
                     [spread(exit_, "%.2f"), spread(outside, "%.2f"),
                      "%.2f" % statistics.median(p[r]["reqs"] / pages
                                                 for r in rnds),
                      "%.0f" % statistics.median(p[r]["clock_ns"]
                                                 for r in rnds)])
    if not table:
        return
    print("\nthe offload in the driver (zphases=1: phase_times, on for the "
          "whole run, which it slows by its clock reads; us per page "
          "written, median (min-max)): load: DMA mapping or bounce copy and "
          "the descriptor; doorbell: the doorbell write, which on a SYNC "
          "queue runs the request on the vCPU; wait: polling for the "
          "completion; finish: result, unmapping, ring; exit: doorbell + "
          "wait less the device's doorbell-to-completion time (the MMIO "
          "exit and return under TCG, and the completion's discovery); "
          "outside: the total less zram's own cost and the four phases (the "
          "crypto API and the driver's entry, zram's per-page work beyond a "
          "zero page); req/page: polled requests timed per page; clock ns: "
          "one clock read, which each phase holds once")
    print(tabulate(table, headers=("alg",) + PHASES + (
        "exit", "outside", "req/page", "clock ns"),
        tablefmt="simple", disable_numparse=True))


def zswap_table(log, kernel):
    rows = zswap_rows(log)
    threads = sorted({r["threads"] for v in rows.values() for r in v.values()})
    print("zswap on zcomp-pci vs zswap in software, guest %s (TCG): memtouch "
          "(%s thread%s) writes and verifies 128 MiB in a 96 MiB memory "
          "cgroup; %d rounds, "
          "device and software alternating; median (min-max); 'device': "
          "polled queues (acomp_poll=1, the default), 'irq': interrupt "
          "queues (acomp_poll=0); speedup: software's time over the "
          "device's, per round, >1 is the device better; n.s.: the range "
          "holds 1" % (kernel, "/".join(map(str, threads)) or "1",
                       "" if threads in ([], [1]) else "s", nrounds(rows)))
    table = []
    for alg in algs_in(rows):
        for impl in ("software", "device", "irq"):
            label = "%s-%s" % (alg, impl)
            v = rows.get(label)
            if not v:
                table.append([alg, impl, "missing"])
                continue
            first = next(iter(v.values()))
            table.append([
                alg, impl, first["drv"], spread(stat(rows, label, "wall"), "%.2f"),
                spread(stat(rows, label, "cpu"), "%.2f"),
                spread(stat(rows, label, "out")), spread(stat(rows, label, "inn")),
                "%.2f" % statistics.median(
                    r["peak"] * 4096 / r["size"] if r["size"] else 0
                    for r in v.values())])
        s = alg + "-software"
        for impl in ("device", "irq"):
            d = "%s-%s" % (alg, impl)
            table.append([alg, impl[:3] + "/sw speedup", "",
                          ratio_cell(ratios(rows, d, s, "wall", invert=True)),
                          ratio_cell(ratios(rows, d, s, "cpu", invert=True))])
    print(tabulate(table, headers=("alg", "impl", "driver", "wall s", "CPU s",
                                   "zswpout", "zswpin", "ratio"),
                   tablefmt="simple", disable_numparse=True))
    zswap_limit_table(rows, zhistz_rows(log))


def zswap_limit_table(rows, hist):
    """The limit of offload: each device row as if its codec cost nothing
    (its wall time less the codec time the device measured), one thread
    only (with more, codecs run side by side and do not add up)."""
    table = []
    for alg in algs_in(rows):
        s = alg + "-software"
        for impl in ("device", "irq"):
            d = "%s-%s" % (alg, impl)
            rnds = sorted(r for r in set(rows.get(d, {})) & set(hist.get(d, {}))
                          & set(rows.get(s, {}))
                          if rows[d][r]["threads"] == 1 and
                          hist[d][r]["reqs"] > 0)
            if not rnds:
                continue
            codec = [hist[d][r]["codec_ns"] / 1e9 for r in rnds]
            free = [rows[d][r]["wall"] - c for r, c in zip(rnds, codec)]
            limit = [rows[s][r]["wall"] / f for r, f in zip(rnds, free)
                     if f > 0]
            table.append([alg, impl, spread(codec, "%.2f"),
                          spread([rows[d][r]["wall"] for r in rnds], "%.2f"),
                          spread(free, "%.2f"), ratio_cell(limit)])
    if not table:
        return
    print("\nthe limit: the device's rows as if the codec cost nothing (wall "
          "time less the codec time the device's histograms measured, both "
          "ways; 1 memtouch thread only), and software's time over that, "
          "per round")
    print(tabulate(table, headers=("alg", "impl", "codec s", "wall s",
                                   "free codec s", "sw/free speedup"),
                   tablefmt="simple", disable_numparse=True))


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
    """Medians as bars, the rounds' min-max as error bars."""
    algs = [a for a in ALGS if any("%s-%s" % (a, i) in rows for i in impls)]
    width = 0.8 / len(impls)
    for n, impl in enumerate(impls):
        med, lo, hi = [], [], []
        for a in algs:
            vals = stat(rows, "%s-%s" % (a, impl), key) or [0]
            m = statistics.median(vals)
            med.append(m)
            lo.append(m - min(vals))
            hi.append(max(vals) - m)
        xs = [i + (n - (len(impls) - 1) / 2) * width for i in range(len(algs))]
        ax.bar(xs, med, width, yerr=[lo, hi], capsize=2, label=impl,
               error_kw={"elinewidth": 0.8})
    ax.set_xticks(range(len(algs)))
    ax.set_xticklabels(algs)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(unit, fontsize=8)
    ax.legend(fontsize=7)


def plot(out, kernel, zram=None, zswap=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = []
    rounds = 0
    if zram:
        z = zram_rows(zram)
        rounds = max(rounds, nrounds(z))
        impls = ("software", "device")
        panels += [(z, impls, "w", "zram write", "MB/s"),
                   (z, impls, "r", "zram read", "MB/s"),
                   (z, impls, "cpu", "zram guest CPU (write + read)", "s")]
    if zswap:
        z = zswap_rows(zswap)
        rounds = max(rounds, nrounds(z))
        impls = ("software", "device", "irq")
        panels += [(z, impls, "wall", "zswap wall time (lower is better)", "s"),
                   (z, impls, "cpu", "zswap guest CPU time", "s")]
    if not panels:
        sys.exit("nothing to plot: give --zram and/or --zswap")
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4))
    if len(panels) == 1:
        axes = [axes]
    for ax, panel in zip(axes, panels):
        bars(ax, *panel)
    fig.suptitle("zcomp-pci: device vs software, guest %s under TCG "
                 "(median of %d rounds, bars: min-max)" % (kernel, rounds),
                 fontsize=10)
    when = max(os.path.getmtime(f) for f in (zram, zswap) if f)
    fig.text(0.5, 0.01, "run of %s UTC · %s · QEMU TCG, 1 vCPU" % (
        datetime.datetime.utcfromtimestamp(when).strftime("%Y-%m-%d %H:%M"),
        machine()), ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.05, 1, 0.93))
    fig.savefig(out, dpi=110)
    print(out)


def batch_table(raw):
    """scripts/tools/zram-batch-bench.sh: rows "smp=S workers=W ALG MODE REP W
    mbps R mbps compr N req/page X irq/page Y"."""
    w, r = defaultdict(dict), defaultdict(dict)
    rq, iq = defaultdict(list), defaultdict(list)
    modes = []
    for line in open(raw):
        f = line.split()
        if "error" in f:
            continue
        key = (f[0], f[1], f[2], f[3])          # smp, workers, alg, mode
        rep = int(f[4])
        w[key][rep] = float(f[6])
        r[key][rep] = float(f[8])
        rq[key].append(float(f[12]))
        iq[key].append(float(f[14]))
        if f[3] not in modes:
            modes.append(f[3])

    def vs(a, b):
        """median ratio, and the widest range the runs allow (the modes
        ran one after the other, not alternating: no pairs)"""
        if not a or not b:
            return "-"
        a, b = list(a.values()), list(b.values())
        lo, hi = min(a) / max(b), max(a) / min(b)
        return "%.2fx (%.2f-%.2f)%s" % (
            statistics.median(a) / statistics.median(b), lo, hi,
            " n.s." if lo <= 1 <= hi else "")

    table = []
    for smp, wk, alg in sorted({k[:3] for k in w},
                               key=lambda t: (t[0], int(t[1].split("=")[1]), t[2])):
        cells = [spread(list(w[(smp, wk, alg, m)].values()), "%.1f")
                 if (smp, wk, alg, m) in w else "-" for m in modes]
        batches = [m for m in modes if m.startswith("batch") and (smp, wk, alg, m) in w]
        if batches:
            best = max(batches, key=lambda m: statistics.median(
                w[(smp, wk, alg, m)].values()))
            b = w[(smp, wk, alg, best)]
            vs_page = "%s: %s" % (best, vs(b, w.get((smp, wk, alg, "page-poll"))))
            vs_sw = vs(b, w.get((smp, wk, alg, "software")))
        else:
            vs_page = vs_sw = "-"
        table.append([smp.split("=")[1], wk.split("=")[1], alg] + cells +
                     [vs_page, vs_sw])
    print(tabulate(table, headers=["vCPUs", "workers", "algorithm"] +
                   ["%s W MB/s" % m for m in modes] +
                   ["batch/page-poll W", "batch/software W"],
                   tablefmt="github", disable_numparse=True))
    print("\nPer page written (medians): device requests, each one doorbell "
          "write (an MMIO exit), and interrupts:")
    for k in sorted(rq):
        print("  " + " ".join(k) + ": requests %.3f, interrupts %.3f" % (
            statistics.median(rq[k]), statistics.median(iq[k])))
    print("\nReads (not batched), R MB/s:")
    for k in sorted(r):
        print("  " + " ".join(k) + ": " + spread(list(r[k].values()), "%.1f"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    z = sub.add_parser("zram")
    z.add_argument("log")
    z.add_argument("host_bench", nargs="?")
    z.add_argument("--kernel", default="6.1")
    s = sub.add_parser("zswap")
    s.add_argument("log")
    s.add_argument("--kernel", default="6.1")
    pl = sub.add_parser("plot")
    pl.add_argument("out")
    pl.add_argument("--zram")
    pl.add_argument("--zswap")
    pl.add_argument("--kernel", default="6.1")
    b = sub.add_parser("batch")
    b.add_argument("raw")
    a = p.parse_args()
    if a.cmd == "zram":
        zram_table(a.log, a.host_bench, a.kernel)
    elif a.cmd == "zswap":
        zswap_table(a.log, a.kernel)
    elif a.cmd == "plot":
        plot(a.out, a.kernel, a.zram, a.zswap)
    else:
        batch_table(a.raw)


if __name__ == "__main__":
    main()
