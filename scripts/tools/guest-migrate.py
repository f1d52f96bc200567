#!/usr/bin/env python3
"""Live migration of a guest whose zram runs on zcomp-pci, with I/O in flight.

    guest-migrate.py SMP HOPS

Boots the prepared guest (scripts/setup/guest-prep.sh) with the 'migrate'
scenario
(tests/guest/migrate.sh), then moves it HOPS times between QEMU processes on
this machine over TCP on 127.0.0.1 while it writes and verifies zram through
the device. After each hop it waits for two rounds on the destination: the
second ran there entirely, and the device counters must have grown in it.
At the end it types "stop" on the console and wants the scenario's TAP
all passed (its plan came, its kernel log clean), every round verified, no
fallback and no error. Prints TAP results (scripts/lib/ztap.py: in a test
stage they join its stream). Exits non-zero if any failed.
"""
import os
import socket
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'scripts', 'lib'))
import scenario  # noqa: E402
import ztap  # noqa: E402
BUILD = os.environ.get('ZCOMP_BUILD', os.path.join(ROOT, '.build'))
QEMU = os.environ.get('ZCOMP_QEMU') or os.path.join(BUILD, 'qemu-src', 'build',
                                                  'qemu-system-x86_64')
# The 6.1 guest (stock zram offload), as scripts/setup/guest-prep.sh made it.
GUEST = os.environ.get('ZCOMP_GUEST') or os.path.join(BUILD, 'guest', 'bookworm')
# QEMU's Python machine library, from the tree build-qemu.sh unpacked
sys.path.insert(0, os.path.join(BUILD, 'qemu-src', 'python'))
from qemu.machine import QEMUMachine  # noqa: E402
ROUND_TIMEOUT = 300
MIGRATE_TIMEOUT = 300
# Without the device (ZMIG_NO_DEVICE=1): the same run in software, to tell
# the device's faults from the rest of the stack's.
DEVICE = not os.environ.get('ZMIG_NO_DEVICE')
# The scenario (soak.py sets its own); its header gives memory and device.
SCENARIO = 'migrate'


def scenario_get(key):
    """A setting of the scenario's header, for the 6.1 guest."""
    return scenario.settings(SCENARIO, '6.1').get(key, '')


def log(msg):
    print('== ' + msg, file=sys.stderr, flush=True)


class Vm:
    """One QEMU process, run by QEMU's own Python machine library
    (python/qemu/machine of the QEMU tree build-qemu.sh unpacked): its
    QMP monitor and its serial console, whose lines a thread collects."""

    def __init__(self, index, smp, tmp, incoming_port=None):
        self.index = index
        self.lines = []
        self.cond = threading.Condition()
        self.lock = threading.Lock()    # soak.py probes from a thread
        with open(os.path.join(GUEST, 'kernel')) as f:
            kernel = f.read().strip()
        # QEMU's own output: GUEST/SCENARIO-smpN-vmI-qemu.log
        self.m = QEMUMachine(QEMU, name='%s-smp%d-vm%d-qemu'
                             % (SCENARIO, smp, index), base_temp_dir=tmp,
                             log_dir=GUEST)
        self.m.set_machine('q35')
        self.m.set_console()
        device = scenario_get('device')
        self.m.add_args('-m', scenario_get('mem') or '1024', '-smp', str(smp),
                        '-nodefaults',
                        '-no-reboot', '-kernel', kernel,
                        '-initrd', os.path.join(GUEST, 'initramfs.gz'),
                        '-append', 'console=ttyS0 quiet panic=-1 ztest=' +
                        SCENARIO, *(['-device', device]
                                    if DEVICE and device else []))
        if incoming_port:
            self.m.add_args('-incoming', 'tcp:127.0.0.1:%d' % incoming_port)
        self.log = open(os.path.join(GUEST, '%s-smp%d-vm%d.log'
                                     % (SCENARIO, smp, index)), 'w')
        self.m.launch()
        self.console = self.m.console_socket
        threading.Thread(target=self._reader, daemon=True).start()

    def qmp(self, name, **args):
        with self.lock:
            return self.m.cmd(name, **args)

    def running(self):
        return self.m.is_running()

    def _reader(self):
        self.partial = False        # its output ended inside a line
        for raw in self.console.makefile('rb'):
            self.partial = not raw.endswith(b'\n')
            line = raw.decode(errors='replace').rstrip('\r\n')
            self.log.write(line + '\n')
            self.log.flush()
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)     # end of output
            self.cond.notify_all()

    def rounds(self):
        with self.cond:
            return [parse_round(l) for l in self.lines
                    if l and l.startswith('ZMIG round ')]

    def wait_for(self, pred, timeout, what):
        end = time.time() + timeout
        with self.cond:
            while not pred(self.lines):
                if None in self.lines:
                    raise RuntimeError('vm%d ended while waiting for %s'
                                       % (self.index, what))
                left = end - time.time()
                if left <= 0:
                    raise RuntimeError('vm%d: no %s in %d s'
                                       % (self.index, what, timeout))
                self.cond.wait(left)

    def wait_rounds(self, n):
        self.wait_for(lambda ls: sum(1 for l in ls if l and
                                     l.startswith('ZMIG round ')) >= n,
                      ROUND_TIMEOUT, '%d rounds' % n)

    def type(self, text):
        self.console.sendall(text.encode())

    def finish(self, timeout):
        """Waits for QEMU to end (the guest powered off, or 'quit')."""
        try:
            with self.lock:
                self.m.wait(timeout)
        finally:
            if self.m.is_running():
                self.m.kill()
            self.log.close()


def console(vms):
    """The guest's console over all its QEMU processes, in order: a line
    that a migration cut is joined again."""
    out = []
    cut = False
    for v in vms:
        with v.cond:
            lines = [ln for ln in v.lines if ln is not None]
        if cut and out and lines:
            out[-1] += lines.pop(0)
        out += lines
        cut = getattr(v, 'partial', False)
    return [ln for ln in out if ln]


def parse_round(line):
    f = line.split()
    # ZMIG round N ok cpus C offloaded O fallbacks F errors E
    return {'n': int(f[2]), 'ok': f[3] == 'ok', 'offloaded': int(f[7]),
            'fallbacks': int(f[9]), 'errors': int(f[11])}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def migrate(src, dst_port):
    t0 = time.time()
    src.qmp('migrate', uri='tcp:127.0.0.1:%d' % dst_port)
    while time.time() - t0 < MIGRATE_TIMEOUT:
        info = src.qmp('query-migrate')
        if info.get('status') == 'completed':
            return time.time() - t0, info.get('downtime', -1)
        if info.get('status') in ('failed', 'cancelled'):
            raise RuntimeError('migration %s: %s' % (info['status'], info))
        time.sleep(0.2)
    raise RuntimeError('migration did not complete in %d s' % MIGRATE_TIMEOUT)


def main(tap):
    smp, hops = int(sys.argv[1]), int(sys.argv[2])
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        vm = Vm(0, smp, tmp)
        vms = [vm]
        try:
            vm.wait_rounds(2)
            for hop in range(1, hops + 1):
                before = vm.rounds()[-1]
                port = free_port()
                dst = Vm(hop, smp, tmp, incoming_port=port)
                vms.append(dst)
                secs, downtime = migrate(vm, port)
                vm.qmp('quit')
                vm.finish(30)
                vm = dst
                vm.wait_rounds(2)
                here = vm.rounds()
                grew = here[1]['offloaded'] - here[0]['offloaded']
                print('ZMIG hop %d: smp %d, after round %d, migrated in '
                      '%.1f s (downtime %s ms); device requests in the '
                      'first round run wholly on the destination: %d'
                      % (hop, smp, before['n'], secs, downtime, grew),
                      file=sys.stderr, flush=True)
                if grew <= 0:
                    failures.append('hop %d: no device work after it' % hop)
            vm.type('stop\n')
            vm.wait_for(lambda ls: any(l and l.startswith('ZKERNEL-LOG ')
                                       for l in ls), ROUND_TIMEOUT,
                        'the end of the scenario')
            vm.finish(60)
        finally:
            for v in vms:
                if v.running():
                    v.m.kill()
        every = [r for v in vms for r in v.rounds()]
        for v in vms:
            if not v.rounds():
                failures.append('vm%d ran no round' % v.index)
        if not all(r['ok'] for r in every):
            failures.append('a round failed verification')
        if every[-1]['fallbacks'] or every[-1]['errors']:
            failures.append('fallbacks or errors: %s' % every[-1])
        out = console(vms)
        print('ZMIG smp %d: %d hops, %d rounds verified, %d device requests, '
              '%d fallbacks, %d errors' % (smp, hops, len(every),
                                           every[-1]['offloaded'],
                                           every[-1]['fallbacks'],
                                           every[-1]['errors']),
              file=sys.stderr, flush=True)
    name = 'migration smp %d' % smp
    guest_ok = tap.guest(name, ztap.GuestRun(out))
    tap.result(not failures, '%s: %d hops, every round verified, device '
               'work after each, no fallback or error' % (name, hops))
    for f in failures:
        tap.diag('%s: %s' % (name, f))
    return 0 if guest_ok and not failures else 1


if __name__ == '__main__':
    # alone, a TAP stream of its own; in the migration stage, the stage's
    alone = not os.environ.get('ZTAP_STATE')
    stream = ztap.Stream()
    if alone:
        stream.begin()
    try:
        rc = main(stream)
    except Exception as e:  # a hang, a QEMU that died: a failure, said
        stream.result(False, 'migration smp %s: %s' % (sys.argv[1], e))
        rc = 1
    if alone:
        stream.end()
    sys.exit(rc)
