# The module DKMS built (scripts/tools/dkms-test.sh): it loads, passes the
# self-tests and offloads zswap.
#@ limit: 300
#@ device: zcomp-pci
. /tests/lib.sh
load_driver
check dkms-module-selftest [ "$(selftest lz4-zcomp-acomp)" = passed ]
cgroup_init 32M
zswap_run dkms-zswap lz4-zcomp-acomp lz4
check no-errors [ "$(zstat errors)" = 0 ]
finish
