# Polled request latency from a vCPU, worker vs SYNC queue (no driver).
dev=$(grep -l 0x10f0 /sys/bus/pci/devices/*/device | head -1)
if /bin/sync-bench "${dev%/device}" 2000; then echo "ZTEST-RESULT pass"; else echo "ZTEST-RESULT fail"; fi
