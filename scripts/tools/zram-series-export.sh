#!/bin/bash
# Writes a zram series back into patches/zram-acomp-<line>/ from a git
# tree where it was edited (docs/guest-driver.md: "To change the
# series"): git format-patch of the commits after BASE, no signature,
# blank context lines bare (6.1's checkpatch.pl flags " "), and the cover
# letter's subject and text kept from the series it replaces.
#   zram-series-export.sh LINE TREE BASE      e.g. 7.3 ~/zram-7.3 v7.3-base
set -euo pipefail
line=$1 tree=$2 base=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/patches/zram-acomp-$line
prefix="RFC PATCH"; [ "$line" = 7.3 ] || prefix="RFC PATCH $line"
old=$(mktemp); trap 'rm -f "$old"' EXIT
cp "$out/0000-cover-letter.patch" "$old"
rm -f "$out"/0*.patch
git -C "$tree" format-patch -q --no-signature --cover-letter \
    --subject-prefix="$prefix" -o "$out" "$base..HEAD"
sed -i 's/^ $//' "$out"/0*.patch
python3 - "$old" "$out/0000-cover-letter.patch" <<'PY'
import re, sys
old, new = open(sys.argv[1]).read(), open(sys.argv[2]).read()
oh, ob = old.split('\n\n', 1)
nh, nb = new.split('\n\n', 1)
subj = re.search(r'^Subject: \[[^]]*\] (.*)$', oh, re.M).group(1)
nh = re.sub(r'^(Subject: \[[^]]*\]) .*$', lambda m: m.group(1) + ' ' + subj, nh, flags=re.M)
# the text ends where git's shortlog ("Author (N):") begins
blurb = re.split(r'\n(?=\S[^\n]* \(\d+\):\n)', ob, maxsplit=1)[0]
short = re.split(r'\n(?=\S[^\n]* \(\d+\):\n)', nb, maxsplit=1)[1]
open(sys.argv[2], 'w').write(nh + '\n\n' + blurb + '\n' + short)
PY
ls "$out"
