# Helpers of the guest scenarios (busybox sh). Results are TAP, as the
# kernel's selftests print them (kselftest/ktap_helpers.sh): "ok N NAME",
# "not ok N NAME", "ok N NAME # SKIP WHY"; finish prints the plan and the
# totals. The host reads them with scripts/lib/ztap.py: a scenario whose
# plan is missing (it did not run to its end) has failed.
ZN=0 ZFAILS=0 ZSKIPS=0
STATS=/sys/kernel/debug/zcomp_pci/stats
CORPUS_SHA=$(cat /corpus.sha256)
CORPUS_PAGES=$(($(wc -c < /corpus.bin) / 4096))   # whole pages (run.sh --corpus)
CORPUS_MB=$(((CORPUS_PAGES + 255) / 256))
# The kernel's page (arm64-16k: 16 KiB): zram and zswap compress one a
# request. pages4k N: N requests of 4 KiB pages, in this kernel's pages.
PAGE_SIZE=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
PAGE_SIZE=${PAGE_SIZE:-4096}
pages4k() { echo $(($1 * 4096 / PAGE_SIZE)); }
# The algorithms to compare (run.sh --alg: zalgs=lz4,lzo on the command line).
ALGS=$(sed -n 's/.*zalgs=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
ALGS=${ALGS:-lz4 lzo lz4hc lzo-rle zstd}
# The benchmarks' rounds (run.sh --rounds: zrounds=N).
ROUNDS=$(sed -n 's/.*zrounds=\([0-9]*\).*/\1/p' /proc/cmdline)
ROUNDS=${ROUNDS:-3}

echo "TAP version 13"
ok() { ZN=$((ZN + 1)); echo "ok $ZN $*"; }
# A check that does not apply to this kernel, and why: a SKIP, never a pass.
na() { ZN=$((ZN + 1)); ZSKIPS=$((ZSKIPS + 1)); echo "ok $ZN $1 # SKIP $2"; }
fail() { ZN=$((ZN + 1)); ZFAILS=$((ZFAILS + 1)); echo "not ok $ZN $*"; }
# Each check's end in seconds since boot (ZTIME), in the boot's log file
# only (the host does not pass ZTIME on): where a scenario's time goes.
check() {
    local _n=$1; shift
    if "$@"; then ok "$_n"; else fail "$_n"; fi
    echo "ZTIME $(cut -d' ' -f1 /proc/uptime) $_n"
}
finish() {
    echo "1..$ZN"
    echo "# Totals: pass:$((ZN - ZFAILS - ZSKIPS)) fail:$ZFAILS skip:$ZSKIPS"
}

# zstat KEY [FIELD]: a counter of the driver (0 when absent).
zstat() {
    v=$(awk -v k="$1" -v f="${2:-}" '$1 == k {
        if (f == "") print $2; else for (i = 2; i < NF; i++) if ($i == f) print $(i + 1) }' $STATS 2>/dev/null)
    echo "${v:-0}"
}
# fallbacks: requests the driver ran in software, for whatever reason.
fallbacks() { awk '$1 ~ /^fallback_/ { s += $2 } END { print s + 0 }' $STATS; }
# host_says_stop: the host typed "stop" on the console within a second
# (scripts/tools/guest-migrate.py and soak.py end their rounds so).
host_says_stop() { read -t 1 _cmd && [ "$_cmd" = stop ]; }
# zdevreqs: requests the device ran, all algorithms and directions
zdevreqs() { awk '/_compress |_decompress / { s += $3 } END { print s + 0 }' $STATS; }
# offloaded ALG: requests of ALG that ran on the device, both directions.
offloaded() { echo $(($(zstat ${1}_compress offloaded) + $(zstat ${1}_decompress offloaded))); }
# selftest DRIVER: its self-test verdict, waiting up to 5 s (a newly
# registered algorithm may be tested asynchronously).
selftest() {
    for _i in 1 2 3 4 5 6 7 8 9 10; do
        _v=$(awk -v d="$1" '/^driver/ { cur = $3 } /^selftest/ && cur == d { print $3 }' /proc/crypto)
        [ "$_v" != passed ] || break
        sleep 0.5
    done
    echo "$_v"
}

# kver_ge MAJOR MINOR: the running kernel is at least MAJOR.MINOR.
kver_ge() {
    set -- "$1" "$2" $(uname -r | awk -F'[.-]' '{ print $1, $2 }')
    [ "$3" -gt "$1" ] || { [ "$3" -eq "$1" ] && [ "$4" -ge "$2" ]; }
}
# Stock zram compresses through the crypto API's legacy compress
# algorithms up to 6.11; from 6.12 it has compile-time backends only,
# unless the zram loaded is ours with the acomp backend
# (patches/zram-acomp-*/, scripts/setup/zram-acomp.sh).
zram_acomp() { kver_ge 6 12 && grep -q acomp /sys/block/zram0/comp_algorithm 2>/dev/null; }
zram_uses_crypto() { ! kver_ge 6 12 || zram_acomp; }
ZRAM_NA="zram in 6.12+ has compile-time backends, no crypto API: stock zram cannot be offloaded"
# zram's names, for zram_setup: "acomp:T" is the acomp backend on
# transform T (comp_algorithm acomp/T).
# zram_sw ALG: ALG in software (on 6.1 the plain name would pick our
# higher-priority algorithm; 6.12+: the built-in backend, or the kernel's
# software acomp where zram has none, as lzo and lzo-rle in Debian's).
zram_sw() {
    if ! kver_ge 6 12; then echo "$1-generic"
    elif tr -d '[]' < /sys/block/zram0/comp_algorithm | tr ' ' '\n' | grep -qx -- "$1"; then echo "$1"
    else echo "acomp:$(acomp_sw "$1")"; fi
}
# zram_dev ALG / zram_drv ALG: ALG on the device, by plain name (our
# priority wins) and by our driver's name.
# On 6.12 zram takes synchronous transforms only: our "-zcomp-sync" twin.
zram_dev() { if kver_ge 6 12; then echo "acomp:$1"; else echo "$1"; fi; }
zram_drv() {
    if kver_ge 6 15; then echo "acomp:$1-zcomp-acomp"
    elif kver_ge 6 12; then echo "acomp:$1-zcomp-sync"
    else echo "$1-zcomp"; fi
}
# zram's current (after a reset: default) algorithm: 6.1's is lzo-rle,
# which the device offers since ABI 1.1; 6.12+'s a compile-time backend.
zram_alg() { sed 's/.*\[\([^]]*\)\].*/\1/' /sys/block/$1/comp_algorithm; }
# acomp_sw ALG: the kernel's software acomp of ALG for zswap (an scomp up
# to 6.x; 7.x's zstd is an acomp of its own, "zstd-generic").
acomp_sw() {
    for _d in "$1-scomp" "$1-generic"; do
        awk -v d="$_d" '/^driver/ { cur = $3 } /^type/ && cur == d && ($3 == "scomp" || $3 == "acomp") { f = 1 } END { exit !f }' /proc/crypto &&
            { echo "$_d"; return; }
    done
    echo "$1-scomp"
}

zram_setup() { # DEV NAME [SIZE]
    echo 1 > /sys/block/$1/reset
    case $2 in
    acomp:*) echo "acomp/${2#acomp:}" > /sys/block/$1/comp_algorithm || return 1 ;;
    *) echo "$2" > /sys/block/$1/comp_algorithm || return 1 ;;
    esac
    # room for the corpus and zram's metadata, at least 48M
    _mb=$((CORPUS_MB + 16)); [ $_mb -ge 48 ] || _mb=48
    echo "${3:-${_mb}M}" > /sys/block/$1/disksize
}
zram_write() { dd if=/corpus.bin of=/dev/$1 bs=1M oflag=direct 2>/dev/null; }
# zram_verify DEV: read back in direct reads of whole pages of this kernel
# (1 MiB; for a corpus not a whole number of MiB, run.sh --corpus, one
# page at a time, then the corpus' part of its last page), the corpus'
# bytes compared. Piping the whole through busybox's head -c would more
# than double the time of a read back.
zram_verify() {
    echo 3 > /proc/sys/vm/drop_caches
    _vb=$((CORPUS_PAGES * 4096))
    if [ $((_vb % 1048576)) = 0 ]; then
        sum=$(dd if=/dev/$1 bs=1M count=$((_vb >> 20)) iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
    else
        _vn=$((_vb / PAGE_SIZE)) _vr=$((_vb % PAGE_SIZE))
        sum=$({ dd if=/dev/$1 bs=$PAGE_SIZE count=$_vn iflag=direct 2>/dev/null
                [ $_vr = 0 ] || dd if=/dev/$1 bs=$PAGE_SIZE skip=$_vn count=1 iflag=direct 2>/dev/null | head -c $_vr; } |
              sha256sum | cut -d' ' -f1)
    fi
    [ "$sum" = "$CORPUS_SHA" ]
}
zram_compr() { awk '{ print $2 }' /sys/block/$1/mm_stat; }
zram_roundtrip() { zram_setup "$1" "$2" && zram_write "$1" && zram_verify "$1"; }
# zram_part_roundtrip_as DEV NAME MIB: DEV set up with NAME, then
# zram_part_roundtrip DEV MIB
zram_part_roundtrip_as() { zram_setup "$1" "$2" && zram_part_roundtrip "$1" "$3"; }
# zram_part_roundtrip DEV MIB: the corpus' first MIB MiB written to the
# set-up DEV in 1 MiB direct writes, read back so, compared
zram_part_roundtrip() {
    dd if=/corpus.bin of=/dev/$1 bs=1M count=$2 oflag=direct 2>/dev/null &&
        [ "$(dd if=/dev/$1 bs=1M count=$2 iflag=direct 2>/dev/null | sha256sum)" = \
          "$(dd if=/corpus.bin bs=1M count=$2 2>/dev/null | sha256sum)" ]
}
# zphase: the driver's phase times of polled requests (module parameter
# phase_times, debugfs zcomp_pci/phases), summed over the polled queues:
# "REQUESTS LOAD DOORBELL WAIT FINISH CLOCK_PS" (ns; CLOCK_PS: one clock
# read's cost)
zphase() {
    awk '$1 == "queue" { n += $4; l += $6; d += $8; w += $10; f += $12 }
        $1 == "clock_read_ps" { c = $2 }
        END { printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", n, l, d, w, f, c }' \
        /sys/kernel/debug/zcomp_pci/phases
}
# zphase_untimed BEFORE AFTER (zphase's): nothing timed in between
zphase_untimed() {
    set -- $1 $2
    [ $# -eq 12 ] && [ "$1 $2 $3 $4 $5" = "$7 $8 $9 ${10} ${11}" ]
}
# zphase_timed BEFORE AFTER MIN MAX (zphase's): MIN..MAX requests were
# timed, each phase took time, and a request under 20 ms on average (the
# driver's poll limit)
zphase_timed() {
    _min=$3 _max=$4
    set -- $1 $2
    [ $# -eq 12 ] && [ $((${7} - $1)) -ge "$_min" ] &&
        [ $((${7} - $1)) -le "$_max" ] &&
        [ "${8}" -gt "$2" ] && [ "${9}" -gt "$3" ] &&
        [ "${10}" -gt "$4" ] && [ "${11}" -gt "$5" ] && [ "${12}" -gt 0 ] &&
        [ $(((${8} - $2 + ${9} - $3 + ${10} - $4 + ${11} - $5) / (${7} - $1))) -lt 20000000 ]
}
# zhist ALG OP: the device's own times (ABI 1.2 histograms, debugfs
# zcomp_pci/histograms), summed over its queues, for ALG and OP (compress,
# decompress): "LATENCY_COUNT LATENCY_NS CODEC_COUNT CODEC_NS", zeros
# where it has none.
zhist() {
    awk -v a="$1" -v o="$2" '$1 == "queue" && $2 == "all" && $3 == a && $4 == o { c[$5] = $7; s[$5] = $9 }
        END { printf "%.0f %.0f %.0f %.0f\n", c["latency"], s["latency"], c["codec"], s["codec"] }' \
        /sys/kernel/debug/zcomp_pci/histograms 2>/dev/null || echo "0 0 0 0"
}
# zhist_sane ALG OP: the device's histograms of ALG and OP hang together
# and cover the driver's offloads: over all queues, latency counted at
# least once per offload (zcomp_pci/stats), its buckets adding up to its
# count and bounding its sum (bucket b: 2^b to 2^(b+1) - 1 ns), the
# queues' lines adding up to it too; the codec counted as often at most,
# its time within the latency's.
zhist_sane() {
    awk -v a="$1" -v o="$2" -v off="$(zstat ${1}_$2 offloaded)" '
        $1 == "queue" && $3 == a && $4 == o {
            if ($2 == "all") {
                c[$5] = $7; s[$5] = $9
                if ($5 == "latency")
                    for (i = 11; i <= NF; i++) {    # (busybox awk: no ^)
                        split($i, kv, ":"); b += kv[2]
                        p = 1; for (k = 0; k < kv[1]; k++) p *= 2
                        lo += kv[2] * (kv[1] ? p : 0); hi += kv[2] * (2 * p - 1)
                    }
            } else if ($5 == "latency") q += $7
        }
        END { exit !(c["latency"] > 0 && c["latency"] >= off && b == c["latency"] &&
                     s["latency"] >= lo && s["latency"] <= hi &&
                     q == c["latency"] && c["codec"] > 0 && c["codec"] <= c["latency"] &&
                     s["codec"] <= s["latency"]) }' /sys/kernel/debug/zcomp_pci/histograms
}
# interrupts taken by zcomp_pci's vectors so far
zirqs() { awk '/zcomp/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' /proc/interrupts; }

# within_pct A B PCT [below]: |A - B| <= PCT% of B; with "below", A may
# also be any amount smaller than B.
within_pct() { awk -v a="$1" -v b="$2" -v p="$3" -v below="${4:-}" 'BEGIN { d = a - b; if (d < 0) d = below == "below" ? 0 : -d; exit !(b > 0 && d * 100 <= p * b) }'; }

cgroup_init() {
    echo +memory > /sys/fs/cgroup/cgroup.subtree_control
    mkdir -p /sys/fs/cgroup/squeeze
    echo "${1:-32M}" > /sys/fs/cgroup/squeeze/memory.max
}
# squeezed MiB THREADS [PASSES]: memtouch inside the small cgroup, so it
# swaps. Most checks verify once (every page out and back in, and out
# again as others come in). Those that reset or remove the device during
# the run, the benchmark and the soak keep 2 passes: pages read back and
# pushed out again are checked again, and the run lasts past the event.
squeezed() { sh -c "echo \$\$ > /sys/fs/cgroup/squeeze/cgroup.procs; exec memtouch $1 $2 /corpus.bin ${3:-1}"; }

swap_on() { # DEV ALG
    zram_setup "$1" "$2" 256M && mkswap /dev/$1 >/dev/null && swapon /dev/$1
}
swap_off() { swapoff /dev/$1 && echo 1 > /sys/block/$1/reset; }

zswap_on() { echo "$1" > /sys/module/zswap/parameters/compressor && echo 1 > /sys/module/zswap/parameters/enabled; }
zswap_off() { echo 0 > /sys/module/zswap/parameters/enabled; echo lzo-scomp > /sys/module/zswap/parameters/compressor; }  # not ours: lets us unload
# zswap_run NAME ALG COUNTER [THREADS]: memtouch 96 MiB in 64 MiB with
# zswap on ALG (backing swap: zram1 in software), every page verified, and
# at least 10000 requests of COUNTER on the device (in 4 KiB pages).
zswap_run() {
    zswap_begin "$2"
    check "$1-compressor" grep -q "^$2\$" /sys/module/zswap/parameters/compressor
    _before=$(offloaded "$3")
    check "$1-memtouch" squeezed 96 "${4:-1}"
    check "$1-offloaded" [ $(($(offloaded "$3") - _before)) -ge $(pages4k 10000) ]
    zswap_end
}
# zswap_begin ALG / zswap_end: zswap on ALG over a backing swap (zram1 in
# software), the squeeze cgroup raised to 64M (zswap's pool is charged
# too); then all of it undone.
zswap_begin() {
    swap_on zram1 "$(zram_sw lz4)"
    echo 64M > /sys/fs/cgroup/squeeze/memory.max
    zswap_on "$1"
}
zswap_end() {
    zswap_off
    swap_off zram1
    echo 32M > /sys/fs/cgroup/squeeze/memory.max
}

# zram_load: our zram with the acomp backend where the initramfs has one
# for this kernel (and "zram=stock" is not on the command line), else the
# kernel's own module. Ours is loaded by hand after the modules the stock
# one depends on (modules.dep), so the stock module stays as it was.
ZRAM_ACOMP_KO=/lib/zram-acomp/zram.ko
zram_load() {
    if [ -f $ZRAM_ACOMP_KO ] && ! grep -q 'zram=stock' /proc/cmdline; then
        for _d in $(awk -F': *' '$1 ~ "/zram[.]ko" { print $2 }' /lib/modules/$(uname -r)/modules.dep); do
            _d=${_d##*/}; modprobe "${_d%%.ko*}"
        done
        insmod $ZRAM_ACOMP_KO num_devices=2
    else
        modprobe zram num_devices=2
    fi
}

# The kernel's own zram selftests (tools/testing/selftests/zram of this
# kernel's source, unmodified), on the zram loaded (ours from 6.12, the
# stock one on 6.1) with the device: each of zram01 and zram02 must say
# [PASS] and no line may say FAIL. Their output is shown (ZINFO). They
# pick their algorithms: lzo and zram's default. On 6.1 those are the
# crypto API's, ours: offloaded. From 6.12 zram's built-in lzo and lz4
# backends (ours has lzo too, as upstream builds it): software.
zram_selftests() {
    modprobe ext4
    for _m in crc32c_generic crc32c-intel crc32c-cryptoapi; do modprobe $_m 2>/dev/null; done
    _before=$(($(offloaded lzo) + $(offloaded lzo-rle)))
    # bounded: a test that cannot mount fills the initramfs instead
    (cd /selftests/zram && timeout 120 bash ./zram.sh) > /tmp/selftests.log 2>&1
    _rc=$?
    sed 's/^/ZINFO selftests /' /tmp/selftests.log
    check zram-selftests-exit [ $_rc = 0 ]
    check zram-selftests-zram01-pass grep -q 'zram01 : \[PASS\]' /tmp/selftests.log
    check zram-selftests-zram02-pass grep -q 'zram02 : \[PASS\]' /tmp/selftests.log
    check zram-selftests-no-fail sh -c '! grep -q FAIL /tmp/selftests.log'
    if ! kver_ge 6 12; then
        check zram-selftests-on-device [ $(($(offloaded lzo) + $(offloaded lzo-rle))) -gt "$_before" ]
    fi
}

# LTP's zram tests (testcases/kernel/device-drivers/zram of LTP 20260529,
# unmodified; scripts/setup/ltp-build.sh), on the zram loaded (ours from 6.12,
# the stock one on 6.1) with the device: each must exit 0 with no TFAIL,
# TBROK or TWARN. zram01 and zram02 write every name comp_algorithm lists,
# and keep the last; zram01 fills ext4 on zram, zram02 swaps on a 100 GiB
# zram, zram03 maps 512 MiB of one. Their output is shown (ZINFO).
zram_ltp() {
    modprobe ext4
    _before=$(zdevreqs)
    for _t in zram01.sh zram02.sh zram03; do
        (cd /tmp && PATH=/ltp/bin:$PATH LTPROOT=/ltp TMPDIR=/tmp \
            LTP_COLORIZE_OUTPUT=n LTP_SINGLE_FS_TYPE=ext4 LTP_TIMEOUT_MUL=4 \
            KCONFIG_PATH=/ltp/config setsid $_t) > /tmp/ltp.log 2>&1
        _rc=$?
        sed "s/^/ZINFO ltp /" /tmp/ltp.log
        check "ltp-${_t%.sh}-exit" [ $_rc = 0 ]
        check "ltp-${_t%.sh}-pass" grep -q TPASS /tmp/ltp.log
        check "ltp-${_t%.sh}-no-fail" sh -c '! grep -qE "TFAIL|TBROK|TWARN" /tmp/ltp.log'
        # skipped: only zram01's and zram02's max_comp_streams (gone since 4.7)
        _skip=0; [ $_t = zram03 ] || _skip=1
        check "ltp-${_t%.sh}-skipped-$_skip" [ "$(awk '/^skipped/ { print $2 }' /tmp/ltp.log)" = $_skip ]
    done
    _reqs=$(($(zdevreqs) - _before))
    echo "ZINFO ltp: $_reqs device requests"
    # The last name listed: our zram's "acomp" (lz4, on the device); 6.1's
    # zstd, which this scenario's ABI 1.0 device does not offer. The tests
    # write zeros (same-filled pages, stored without compression): what
    # reaches the device is ext4's metadata and swap's header.
    if kver_ge 6 12; then
        check ltp-on-device [ $_reqs -gt 10 ]
    else
        na ltp-on-device "6.1's zram keeps zstd, the last name listed, which an ABI 1.0 device lacks"
    fi
}

load_driver() {
    zram_load
    # the kernel's software codecs, for reference runs
    for _m in lz4 lz4hc lzo-rle zstd; do modprobe $_m; done
    # virtio-iommu (a module): before our driver, so that the device
    # is behind it when it probes
    if grep -q zviommu=1 /proc/cmdline; then
        check virtio-iommu-load modprobe virtio_iommu
    fi
    check module-load modprobe zcomp_pci
}

# The guest's IOMMU, where the command line turns one on: intel_iommu=on
# (-device intel-iommu), zviommu=1 (-device virtio-iommu-pci) or zsmmu=1
# (arm64: -machine iommu=smmuv3).
# iommu_begin: the device is in an IOMMU group whose domain translates
# its DMA (strict with iommu.strict=1). iommu_end: all that ran meanwhile
# went through it: no DMA fault logged, no fallback for a device error or
# a timeout. Both do nothing without an IOMMU.
iommu_on() { grep -qE 'intel_iommu=on|zviommu=1|zsmmu=1' /proc/cmdline; }
iommu_begin() {
    iommu_on || return 0
    _pci=$(awk '$1 == "device" { print $2 }' $STATS)
    _grp=$(readlink /sys/bus/pci/devices/$_pci/iommu_group)
    _type=$(cat /sys/kernel/iommu_groups/${_grp##*/}/type 2>/dev/null)
    echo "ZINFO iommu: $_pci in group ${_grp##*/}, domain $_type"
    if grep -q iommu.strict=1 /proc/cmdline; then _want=DMA; else _want=DMA-FQ; fi
    check iommu-domain-translates [ "$_type" = "$_want" ]
}
iommu_end() {
    iommu_on || return 0
    check iommu-no-dma-faults sh -c '! dmesg | grep -qE "DMAR: \[DMA|fault from EP|arm-smmu-v3.*event 0x"'
    echo "ZINFO iommu: fallbacks for device errors $(zstat fallback_device_error), timeouts $(zstat fallback_timeout)"
    check iommu-no-fallbacks [ $(($(zstat fallback_device_error) + $(zstat fallback_timeout))) = 0 ]
}
