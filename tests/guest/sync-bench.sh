# Polled request latency from a vCPU, worker vs SYNC queue (no driver).
#@ lines: 6.1
#@ order: 5
#@ limit: 300
#@ device: zcomp-pci
dev=$(grep -l 0x10f0 /sys/bus/pci/devices/*/device | head -1)
. /tests/lib.sh
check sync-bench /bin/sync-bench "${dev%/device}" 2000
finish
