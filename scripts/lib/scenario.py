#!/usr/bin/python3
"""A guest scenario's settings, from its header: the one reader of them.

A scenario (tests/guest/NAME.sh) states its settings in "#@" lines of its
leading comment block:
    #@ KEY: VALUE             for every kernel line and flavour
    #@ KEY@6.12,7: VALUE      for those lines only
    #@ KEY@arm64: VALUE       for that flavour or architecture only
A tag after "@" is a kernel line (6.1, 6.12, 7), a kernel flavour (amd64,
arm64, arm64-16k: Debian's linux-image-FLAVOUR) or a Debian architecture
(amd64, arm64: both arm64 flavours); a line holds when one of its tags
names the boot's (tags are alternatives: "@arm64,7" holds on arm64 of any
line and on 7 of any flavour). The values of every line that holds are
joined by spaces. Keys:
    lines    the kernel lines (6.1, 6.12, 7) whose test stage boots it
    flavours the kernel flavours it boots (amd64 if not given); a stage is
             one line and one flavour
    order    its place in that stage
    limit    its time limit in seconds
    smp      vCPUs (1 if not given)
    mem      MiB of guest memory
    device   the -device of zcomp-pci, with its properties (none without)
    qemu     more QEMU options, given before the device
    append   kernel arguments
    module   abi10: the driver of ABI 1.0 instead of ours
An unknown key or a malformed "#@" line is an error.

    scenario.py NAME KEY LINE [FLAVOUR]   the value (empty when not
                                          given); FLAVOUR amd64 if not given
    scenario.py list LINE [FLAVOUR]       the scenarios whose stage is that
                                          line's and flavour's, in order
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GUEST = os.path.join(ROOT, 'tests', 'guest')
KEYS = ('lines', 'flavours', 'order', 'limit', 'smp', 'mem', 'device', 'qemu', 'append',
        'module')
HEADER = re.compile(r'#@ ([a-z]+)(?:@([0-9a-z.,-]+))?: (.*)$')
FLAVOURS = {'amd64': 'amd64', 'arm64': 'arm64', 'arm64-16k': 'arm64'}
LINES = ('6.1', '6.12', '7')
TAGS = set(LINES) | set(FLAVOURS)


def settings(name, line, flavour='amd64'):
    """{key: value} of scenario NAME for kernel LINE and FLAVOUR."""
    if flavour not in FLAVOURS:
        raise ValueError('unknown flavour %s (one of %s)'
                         % (flavour, ', '.join(FLAVOURS)))
    tags = {line, flavour, FLAVOURS[flavour]}
    path = os.path.join(GUEST, name + '.sh')
    out = {}
    with open(path) as f:
        for n, ln in enumerate(f, 1):
            ln = ln.rstrip('\n')
            if not ln.startswith('#'):
                break                   # the header is the leading comments
            if not ln.startswith('#@'):
                continue
            m = HEADER.match(ln)
            if not m or m.group(1) not in KEYS:
                raise ValueError('%s:%d: not a header line ("#@ KEY: VALUE" '
                                 'or "#@ KEY@LINES: VALUE", KEY one of %s): %s'
                                 % (path, n, ', '.join(KEYS), ln))
            key, lines, value = m.groups()
            known = {'lines': LINES, 'flavours': FLAVOURS}.get(key)
            bad = [t for t in (lines.split(',') if lines else []) if t not in TAGS]
            bad += [v for v in (value.replace(',', ' ').split() if known else [])
                    if v not in known]
            if bad:
                raise ValueError('%s:%d: unknown line or flavour %s (lines %s, '
                                 'flavours %s): %s'
                                 % (path, n, ', '.join(bad), ' '.join(LINES),
                                    ' '.join(FLAVOURS), ln))
            if lines and not tags.intersection(lines.split(',')):
                continue
            if key in ('lines', 'flavours'):
                value = value.replace(',', ' ')
            out[key] = (out[key] + ' ' + value) if key in out else value
    return out


def stage(line, flavour='amd64'):
    """The scenarios the stage of LINE and FLAVOUR boots, in order."""
    found = []
    for f in os.listdir(GUEST):
        if not f.endswith('.sh'):
            continue
        s = settings(f[:-3], line, flavour)
        if (line in s.get('lines', '').split() and
                flavour in s.get('flavours', 'amd64').split()):
            found.append((int(s.get('order', '0')), f[:-3]))
    return [name for _, name in sorted(found)]


def main(argv):
    try:
        if len(argv) in (3, 4) and argv[1] == 'list':
            print('\n'.join(stage(*argv[2:])))
        elif len(argv) in (4, 5):
            if argv[2] not in KEYS:
                raise ValueError('unknown key %s (one of %s)'
                                 % (argv[2], ', '.join(KEYS)))
            print(settings(argv[1], *argv[3:]).get(argv[2], ''))
        else:
            sys.stderr.write(__doc__)
            return 2
    except (OSError, ValueError) as e:
        sys.stderr.write('scenario.py: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
