#!/usr/bin/python3
"""The one reader of zcomp's test results, and the one TAP writer.

Guest scenarios print TAP as the kernel's selftests do
(tools/testing/selftests/kselftest/ktap_helpers.sh, here
tests/guest/lib.sh): "ok N name", "not ok N name", "ok N name # SKIP why",
the plan "1..N" when the scenario ends, and the kernel-log verdict
"ZKERNEL-LOG clean|bad" from tests/guest/init. A stage of the test command
(one meson test, meson.build) is one TAP stream on stdout: every
guest boot and host check of the stage adds its results to it, numbered
across the stage; everything else goes to stderr or into "# " lines.

Used as a module (scripts/tools/guest-migrate.py, soak.py) and from the
shell (scripts/lib/tap.sh):
  ztap.py begin                      start a stage's stream (ZTAP_STATE)
  ztap.py result ok|fail|skip NAME [WHY]
  ztap.py guest PREFIX LOG           a guest boot's console log: its
                                     results, then "PREFIX: finished" and
                                     "PREFIX: kernel log clean"
  CMD | ztap.py relay PREFIX         CMD's TAP results, renumbered, under
                                     PREFIX; its other lines to stderr
  ztap.py end                        the plan; exits 1 if any failed
  ztap.py summary TESTLOG.JSON       the test command's last lines
"""
import json
import os
import re
import sys

# meson's own TAP grammar (mesonbuild/mtest.py, TAPParser), so that a
# line means here what it means to meson: a result at the start of a line
# only (an indented KTAP subtest is not one), SKIP with any suffix.
DIRECTIVE = (r'(?:\s*\#\s*([Ss][Kk][Ii][Pp]\S*|[Tt][Oo][Dd][Oo])\b'
             r'\s*(.*))?')
RESULT = re.compile(r'((?:not )?ok)\s*(?:([0-9]+)\s*)?([^#]*)' + DIRECTIVE)
PLAN = re.compile(r'1\.\.([0-9]+)' + DIRECTIVE)


class Result:
    """One test: status is 'pass', 'fail' or 'skip'."""

    def __init__(self, status, name, why=''):
        self.status, self.name, self.why = status, name, why

    def __repr__(self):
        return 'Result(%r, %r, %r)' % (self.status, self.name, self.why)


def parse_result(line):
    """A TAP result line as a Result, or None, as meson reads it: "ok #
    SKIP" is a skip, "not ok # SKIP" a failure; a TODO that passes is
    unexpected (a failure), one that fails expected (a skip, never a
    pass)."""
    m = RESULT.match(line.rstrip('\r\n'))
    if not m:
        return None
    ok, _, name, directive, why = m.groups()
    ok = ok == 'ok'
    name, why = name.strip(), (why or '').strip()
    directive = (directive or '').upper()
    if directive.startswith('SKIP') and ok:
        return Result('skip', name, why)
    if directive == 'TODO':
        return Result('fail' if ok else 'skip', name, 'TODO ' + why)
    return Result('pass' if ok else 'fail', name)


class GuestRun:
    """What a guest boot printed on its console, parsed once."""

    def __init__(self, lines):
        self.lines = [ln.rstrip('\r\n') for ln in lines]
        self.results, self.plan, self.kernel_log = [], None, None
        self.klog, self.info, self.table = [], [], []
        for ln in self.lines:
            r = parse_result(ln)
            if r:
                self.results.append(r)
                continue
            m = PLAN.match(ln.rstrip())
            if m:
                self.plan = int(m.group(1))
            elif ln.startswith('ZKERNEL-LOG '):
                self.kernel_log = ln.split()[1]
            elif ln.startswith('ZKLOG '):
                self.klog.append(ln[6:])
            elif ln.startswith('ZINFO '):
                self.info.append(ln[6:])
            elif ln.startswith(('ZTABLE ', 'ZSWAP ', 'ZHIST ', 'ZPHASE ',
                                'ZHISTZ ')):
                self.table.append(ln)   # the benchmarks' rows (zresults.py)

    def finished(self):
        """The scenario ran to its end: its plan, as many results."""
        return self.plan is not None and self.plan == len(self.results)

    def passed(self):
        return (self.finished() and self.kernel_log == 'clean' and
                not any(r.status == 'fail' for r in self.results))


def read_guest(path):
    with open(path, errors='replace') as f:
        return GuestRun(f)


class Stream:
    """A stage's TAP stream; its count lives in the file $ZTAP_STATE so
    that every process of the stage numbers on from the last."""

    def __init__(self, state=None):
        self.state = state or os.environ.get('ZTAP_STATE')
        # a stage's shell keeps its TAP on a descriptor of its own
        # (scripts/lib/tap.sh): the rest of the output goes to stderr
        fd = os.environ.get('ZTAP_FD')
        self.out = os.fdopen(int(fd), 'w', closefd=False) if fd else sys.stdout
        self.n = self.fails = 0
        if self.state and os.path.exists(self.state):
            with open(self.state) as f:
                v = f.read().split()
            if v:
                self.n, self.fails = int(v[0]), int(v[1])

    def _save(self):
        if self.state:
            with open(self.state, 'w') as f:
                f.write('%d %d\n' % (self.n, self.fails))

    def _print(self, line):
        self.out.write(line + '\n')
        self.out.flush()

    def begin(self):
        self.n = self.fails = 0
        self._save()
        self._print('TAP version 13')

    def result(self, status, name, why=''):
        """status: 'pass', 'fail', 'skip' (or a bool)."""
        if status is True:
            status = 'pass'
        elif status is False:
            status = 'fail'
        self.n += 1
        name = name.replace('#', '')
        if status == 'skip':
            line = 'ok %d %s # SKIP %s' % (self.n, name, why)
        elif status == 'pass':
            line = 'ok %d %s' % (self.n, name)
        else:
            self.fails += 1
            line = 'not ok %d %s' % (self.n, name)
        self._save()
        self._print(line)
        return status != 'fail'

    def diag(self, text):
        for ln in str(text).splitlines():
            self._print('# ' + ln)

    def guest(self, prefix, run):
        """A guest boot's results under PREFIX; True if it passed."""
        for r in run.results:
            self.result(r.status, '%s: %s' % (prefix, r.name), r.why)
        done = run.finished()
        self.result(done, '%s: finished' % prefix)
        if not done:
            self.diag('%s: %d results, plan %s; last lines:' %
                      (prefix, len(run.results), run.plan))
            self.diag('\n'.join(run.lines[-25:]))
        clean = run.kernel_log == 'clean'
        self.result(clean, '%s: kernel log clean' % prefix)
        if not clean:
            self.diag('\n'.join(run.klog) or
                      '%s: the kernel log was not checked' % prefix)
        return run.passed()

    def end(self):
        """The plan; a stream without a result has failed (nothing ran)."""
        if self.n == 0:
            self.result('fail', 'no test ran')
        self._print('1..%d' % self.n)
        return 0 if self.fails == 0 else 1


def summary(testlog):
    """Counts over the test command's meson log: every TAP result of every
    stage; a test that printed none counts once, by its own result."""
    passed = failed = skipped = tests = 0
    failures = []
    if not os.path.exists(testlog):
        print('no test ran (%s missing)' % testlog)
        print('0 passed, 1 failed')
        return 1
    with open(testlog) as f:
        for ln in f:
            tests += 1
            t = json.loads(ln)
            rs = [r for r in map(parse_result, t.get('stdout', '').splitlines())
                  if r]
            if not rs:
                st = {'OK': 'pass', 'SKIP': 'skip'}.get(t['result'], 'fail')
                rs = [Result(st, '')]
            elif t['result'] not in ('OK', 'SKIP') and \
                    not any(r.status == 'fail' for r in rs):
                # the stage failed outside its TAP (set-up, exit status)
                rs.append(Result('fail', 'exit: ' + t['result']))
            for r in rs:
                if r.status == 'pass':
                    passed += 1
                elif r.status == 'skip':
                    skipped += 1
                else:
                    failed += 1
                    failures.append('%s: %s' % (t['name'], r.name))
    for f in failures:
        print('failed: ' + f)
    print('%d skipped (not counted as passed)' % skipped)
    if tests == 0:
        print('no test ran')
        failed += 1
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ''
    s = Stream()
    if cmd == 'begin':
        s.begin()
    elif cmd == 'result':
        st = {'ok': 'pass', 'fail': 'fail', 'skip': 'skip'}[argv[2]]
        s.result(st, argv[3], ' '.join(argv[4:]))
    elif cmd == 'diag':
        s.diag(' '.join(argv[2:]))
    elif cmd == 'guest':
        return 0 if s.guest(argv[2], read_guest(argv[3])) else 1
    elif cmd == 'relay':
        n = 0
        for ln in sys.stdin:
            r = parse_result(ln)
            if r:
                n += 1
                s.result(r.status, '%s: %s' % (argv[2], r.name), r.why)
            else:
                sys.stderr.write(ln)
        if n == 0:
            s.result('fail', '%s: no results' % argv[2])
    elif cmd == 'end':
        return s.end()
    elif cmd == 'summary':
        return summary(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
