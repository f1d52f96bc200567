#!/usr/bin/env python3
"""Soak of zcomp-pci under a real guest, by hand (not in CI).

    soak.py [MINUTES] [MIGRATE_EVERY_S] [SMP]    default 30, 300, 2

Boots the prepared 6.1 guest (scripts/setup/guest-prep.sh) with the 'soak'
scenario (tests/guest/soak.sh: zram, swap on zram and zswap on the device
under memory pressure, every page verified, a device reset every fourth
round) on a device that injects a fault every 997 requests, and moves it
to a new QEMU process by live migration every MIGRATE_EVERY_S seconds,
for MINUTES. Meanwhile it asks QMP for the VM's status every 100 ms: the
longest answer outside a migration is the longest the main loop (the
BQL) was held. Prints the figures the spec and the closing notes quote:
rounds, device requests, faults (fallbacks), recoveries, migrations and
their downtime, errors (must be 0), longest stall. Exits non-zero on a
failed round, an error, or a guest verdict other than pass.
"""
import importlib.util
import os
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'guest_migrate', os.path.join(HERE, 'guest-migrate.py'))
gm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gm)
gm.SCENARIO = 'soak'    # its header: the device with fault-every=997


class Probe(threading.Thread):
    """QMP round trips to the current VM, outside migrations."""

    def __init__(self):
        super().__init__(daemon=True)
        self.vm = None
        self.paused = threading.Event()
        self.done = False
        self.worst = 0.0
        self.samples = 0

    def run(self):
        while not self.done:
            vm = self.vm
            if vm and not self.paused.is_set():
                t0 = time.time()
                try:
                    vm.qmp('query-status')
                except Exception:
                    pass
                else:
                    if not self.paused.is_set():
                        self.worst = max(self.worst, time.time() - t0)
                        self.samples += 1
            time.sleep(0.1)


def main():
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    every = float(sys.argv[2]) if len(sys.argv) > 2 else 300
    smp = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    failures, downtimes = [], []
    probe = Probe()
    probe.start()
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        vm = gm.Vm(0, smp, tmp)
        vms = [vm]
        probe.vm = vm
        try:
            vm.wait_rounds(1)
            hop = 0
            while time.time() - start < minutes * 60:
                time.sleep(min(every, max(0, minutes * 60 -
                                          (time.time() - start))))
                if time.time() - start >= minutes * 60:
                    break
                hop += 1
                port = gm.free_port()
                dst = gm.Vm(hop, smp, tmp, incoming_port=port)
                vms.append(dst)
                probe.paused.set()
                secs, downtime = gm.migrate(vm, port)
                vm.qmp('quit')
                vm.finish(30)
                vm = dst
                probe.vm = vm
                probe.paused.clear()
                downtimes.append(downtime)
                n = len([r for v in vms for r in v.rounds()])
                print('SOAK %4.1f min: migration %d in %.1f s, downtime %s '
                      'ms, %d rounds so far' % ((time.time() - start) / 60,
                                                hop, secs, downtime, n),
                      flush=True)
            vm.wait_rounds(len(vm.rounds()) + 1)
            vm.type('stop\n')
            vm.wait_for(lambda ls: any(ln and ln.startswith('ZKERNEL-LOG ')
                                       for ln in ls), gm.ROUND_TIMEOUT,
                        'the end of the scenario')
            probe.done = True       # no QMP from its thread while QEMU ends
            probe.join()
            vm.finish(60)
        finally:
            probe.done = True
            for v in vms:
                if v.running():
                    v.m.kill()
    every_round = [r for v in vms for r in v.rounds()]
    last = every_round[-1]
    if not all(r['ok'] for r in every_round):
        failures.append('a round failed verification')
    if last['errors']:
        failures.append('errors: %d' % last['errors'])
    out = gm.console(vms)
    run = gm.ztap.GuestRun(out)
    if not run.passed():
        failures.append('guest verdict: %s, kernel log %s' % (
            [r for r in run.results if r.status == 'fail'] or
            'not finished', run.kernel_log))
    print('SOAK %.1f min, smp %d: %d rounds verified, %d device requests, '
          '%d faults (fallbacks), %d migrations (downtime at most %s ms), '
          '%d errors, longest QMP stall %.1f ms over %d samples'
          % ((time.time() - start) / 60, smp, len(every_round),
             last['offloaded'], last['fallbacks'], len(downtimes),
             max(downtimes) if downtimes else '-', last['errors'],
             probe.worst * 1000, probe.samples), flush=True)
    for f in failures:
        print('SOAK FAIL ' + f, flush=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
