#!/bin/bash
# Private apt sources: bookworm-backports (meson >= 1.5) and trixie deb-src (QEMU 10.0).
# No trixie binaries are ever installed: only its source package is fetched.
set -eu
f=/etc/apt/sources.list.d/zcomp.sources
want='Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
'
if [ "$(cat "$f" 2>/dev/null)" != "$(printf '%s' "$want")" ]; then
    printf '%s' "$want" > "$f"
    apt-get update -qq
fi
