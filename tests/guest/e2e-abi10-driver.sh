# The driver as it was at ABI 1.0 (module: abi10, the last commit before
# ABI 1.1, built from this clone's history by scripts/stages/guest.sh) on
# today's device: it must offer lz4, lz4hc and lzo only, and work
# (e2e-abi10.sh's checks; LTP's only with zltp=1, not here).
#@ lines: 6.1
#@ order: 6
#@ limit: 300
#@ device: zcomp-pci
#@ module: abi10
. /tests/e2e-abi10.sh
