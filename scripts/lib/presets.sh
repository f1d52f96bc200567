# zcomp-pci's timing model set to act like accelerators that zram and zswap
# users meet: latency-ns, engine-bps and engines (docs/specs/zcomp-pci.rst,
# "Timing model"), and ring-size as the queue depth. Each figure's public
# source, and what is derived or assumed, is in docs/benchmarks.md
# ("Acting like a given accelerator"). Sourced by scripts/run.sh.
#   zcomp_preset NAME: prints the device properties, or fails
zcomp_presets="iaa iaa-socket hisi-zip qat"
zcomp_preset() {
    case $1 in
    # One Intel IAA (Sapphire Rapids): 2 compress engines of 1.76 GB/s,
    # 850 ns fixed (3.18 us a 4 KiB page as measured), 128 WQ entries.
    iaa) echo "latency-ns=850,engine-bps=1760000000,engines=2,ring-size=128" ;;
    # The 4 IAAs of a socket, as iaa_crypto spreads compress jobs on them.
    iaa-socket) echo "latency-ns=850,engine-bps=1760000000,engines=8,ring-size=512" ;;
    # HiSilicon ZIP (Kunpeng 920): 2 compression cores of 2.38 GB/s or more,
    # queues of 1024; its latency is not public: 2 us assumed.
    hisi-zip) echo "latency-ns=2000,engine-bps=2380000000,engines=2,ring-size=1024" ;;
    # Intel QAT Gen4 (4xxx): 8 engines of 376 MB/s (a lower bound), rings of
    # 512; its latency is not public: 10 us assumed.
    qat) echo "latency-ns=10000,engine-bps=376000000,engines=8,ring-size=512" ;;
    *) return 1 ;;
    esac
}
