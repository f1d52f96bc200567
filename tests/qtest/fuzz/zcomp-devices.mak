# The devices of the fuzz and sanitizer build of QEMU
# (scripts/setup/build-qemu-fuzz.sh, configured --without-default-devices
# --with-devices-x86_64=zcomp-fuzz; linked into QEMU's tree as
# configs/devices/x86_64-softmmu/zcomp-fuzz.mak): what the zcomp qtests and
# fuzz targets start, and nothing else. The boards select what they
# cannot do without; what they only imply is off.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_PCIE_PORT=y
CONFIG_ZCOMP_PCI=y
