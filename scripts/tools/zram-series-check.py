#!/usr/bin/env python3
"""The 6.12 zram series is the 7.3 series' backport: show that the two
differ only where the kernels require it.

Patches are paired by subject. For each pair and each file, the lines
each patch adds and removes (context and line numbers aside) are
compared; what differs is the interdiff. It must equal the reviewed one,
patches/zram-acomp-6.12/interdiff, whose header says why each hunk is
needed. A 6.12 patch without a 7.3 twin must be named there too
("only: <subject>"). Exit 1, with the difference, otherwise.
  zram-series-check.py [--write]   --write: store the interdiff as it is
"""
import difflib
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PRIMARY = os.path.join(ROOT, 'patches', 'zram-acomp-7.3')
BACKPORT = os.path.join(ROOT, 'patches', 'zram-acomp-6.12')
REVIEWED = os.path.join(BACKPORT, 'interdiff')


def series(d):
    """{subject: {file: [changed lines, '+...' or '-...']}} in order."""
    out = {}
    for p in sorted(glob.glob(os.path.join(d, '0*.patch'))):
        if os.path.basename(p).startswith('0000-'):
            continue
        text = open(p).read()
        # the header may be folded over several lines
        subj = re.search(r'^Subject: \[[^]]*\] (.*(?:\n .*)*)$', text, re.M).group(1)
        subj = re.sub(r'\n ', ' ', subj)
        files, cur = {}, None
        body = text.split('\n---\n', 1)[1]
        for line in body.splitlines():
            m = re.match(r'^diff --git a/(\S+) ', line)
            if m:
                cur = files.setdefault(m.group(1), [])
            elif cur is not None and re.match(r'^[-+](?![-+]{2} )', line):
                cur.append(line)
        out[subj] = files
    return out


def interdiff():
    a, b = series(PRIMARY), series(BACKPORT)
    lines = []
    for subj in b:
        if subj not in a:
            lines.append('only: %s' % subj)
            continue
        for f in sorted(set(a[subj]) | set(b[subj])):
            d = list(difflib.unified_diff(a[subj].get(f, []), b[subj].get(f, []),
                                          '7.3', '6.12', n=0, lineterm=''))
            if d:
                lines.append('== %s: %s' % (subj, f))
                lines += [l for l in d[2:]]
    for subj in a:
        if subj not in b:
            lines.append('missing in 6.12: %s' % subj)
    return lines


def main():
    got = interdiff()
    if '--write' in sys.argv:
        head = [l for l in open(REVIEWED).read().splitlines() if l.startswith('#')] \
            if os.path.exists(REVIEWED) else []
        open(REVIEWED, 'w').write('\n'.join(head + got) + '\n')
        return 0
    want = [l for l in open(REVIEWED).read().splitlines() if not l.startswith('#')]
    changed = sum(1 for l in got if l[:1] in '+-' and l[:3] not in ('+++', '---'))
    if got != want:
        sys.stdout.writelines(l + '\n' for l in difflib.unified_diff(
            want, got, 'reviewed interdiff', 'interdiff now', lineterm=''))
        print('zram-series-check: the 6.12 series differs from 7.3 beyond the reviewed interdiff')
        return 1
    print('zram-series-check: 6.12 is 7.3 but for the reviewed interdiff (%d lines, %d hunks)'
          % (changed, sum(1 for l in got if l.startswith('@@'))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
