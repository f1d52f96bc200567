# klog_verdict: whatever a boot's checks printed, a kernel warning, BUG,
# oops, lockup, stall or sanitizer report in the kernel log fails it: this
# prints "ZKERNEL-LOG clean" or, after the report (ZKLOG lines),
# "ZKERNEL-LOG bad" (scripts/lib/ztap.py reads it; without the line the
# boot fails too). Sourced (POSIX sh) by tests/guest/init and by the real
# Debian guests' tests/debian/zcomp-test.
klog_verdict() {
    _kbad='WARNING:|BUG:|Oops|kernel BUG|soft lockup|hard LOCKUP|rcu: INFO|rcu_.*detected stalls|blocked for more than|hung_task|UBSAN:|KASAN:|general protection fault'
    if dmesg | grep -qE "$_kbad"; then
        dmesg | awk -v re="$_kbad" '$0 ~ re { n = 60 } n > 0 { print "ZKLOG " $0; n-- }'
        echo "ZKERNEL-LOG bad"
    else
        echo "ZKERNEL-LOG clean"
    fi
}
