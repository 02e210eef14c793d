"""Stress of the secret lifecycle across controllers: many rounds per mode, random start offsets, kills.

Each round starts 2 or 3 controllers (separate hand-off stores, token caches and identities) on one tenant
of the emulator, in one of three modes - onboard (a tenant without the app), rotate (the recorded secret is
due) and forced (force_rotate) - each controller after a random offset (0-3 s), with a hand-off stand-in
that answers after 0-3 s, and with probability --kill-rate kills one of them (the playbook and every
process it started) at a random moment (0.5-8 s). Then a healing run of
rotate_secrets.yml from yet another controller, and the invariants are checked against the emulator and
its hand-off stand-in (what Bookings ONE received):

  I1  the secret Bookings ONE received last exists and signs in; every secret it ever received still exists
      (the grace period is never over here); after the healing run it is the one recorded, alone;
  I2  no run minted more than one secret; the record never names a secret nobody handed over;
  I3  a run that failed said why; one that failed on a conflict named two key IDs.

It prints, per mode and number of controllers, rounds, kills, failed runs (and conflicts among them),
losses (I1 broken) and other violations, and exits 1 when any invariant broke. Not part of `make test`:

    .venv/bin/python tools/stress_secret_lifecycle.py --rounds 20          # ~15 min on 2 cores
    .venv/bin/python tools/stress_secret_lifecycle.py --rounds 3 --modes forced --controllers 3
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, 'tests', 'integration'), os.path.join(ROOT, 'build', 'collections')]

# pylint: disable=wrong-import-position
from conftest import Harness  # noqa: E402
from lifecycle import Site, kill_tree  # noqa: E402
from tests.emulator.emulator_fixture import running_emulator  # noqa: E402

MINTED = re.compile(r'minted new secret ([0-9a-f-]{36})')
KEY = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
# The runs' lease on the tenant's record: short, so a killed run's lease expires within a round.
LEASE_SECONDS = 20


class Factory(object):
    """What Harness takes of pytest's tmp_path_factory."""

    def __init__(self, root):
        self.root, self.count = root, 0

    def mktemp(self, name):
        self.count += 1
        path = os.path.join(self.root, '%s-%d' % (name, self.count))
        os.makedirs(path)
        return _Path(path)


class _Path(str):
    def __truediv__(self, other):
        return _Path(os.path.join(self, other))


def start(site, playbook, controller, variables, offset):
    time.sleep(offset)
    log = open(os.path.join(str(site.tmp), 'run-%s.log' % controller), 'w+')
    process = subprocess.Popen(site.command(playbook, site.inventory(controller, **variables)),
                               env=site.env(controller), stdout=log, stderr=subprocess.STDOUT, text=True,
                               cwd=str(site.tmp))
    return process, log


def one_round(harness, root, mode, controllers, number, rng, kill_rate):
    """Runs one round; returns dict(kills, failed, conflicts, violations)."""
    import pathlib
    site = Site(harness, pathlib.Path(root) / ('%s-%d-%d' % (mode, controllers, number)))
    found = dict(kills=0, failed=0, conflicts=0, violations=[], lost=0)
    if mode != 'onboard':
        first = site.run('onboard.yml', 'setup')
        if first.rc != 0:
            found['violations'].append('setup onboarding failed: %s' % first.output[-500:])
            return found
        if mode == 'rotate':
            site.due()
    playbook = 'onboard.yml' if mode == 'onboard' else 'rotate_secrets.yml'
    extra = dict(entra_app_secret_force_rotate=True) if mode == 'forced' else {}
    extra['entra_app_secret_lease_seconds'] = LEASE_SECONDS  # a killed run's lease on another controller expires soon
    names = 'abc'[:controllers]
    offsets = dict((name, rng.uniform(0, 3)) for name in names)
    harness.emu.handoff_delay_s = rng.uniform(0, 3)  # a slow Bookings ONE: kills land inside hand-offs too
    victim = rng.choice(names) if rng.random() < kill_rate else None
    kill_at = rng.uniform(0.5, 8)
    began = time.monotonic()
    runs = {}
    for name in sorted(names, key=offsets.get):
        time.sleep(max(0.0, offsets[name] - (time.monotonic() - began)))
        runs[name] = start(site, playbook, name, extra, 0)
    if victim:
        time.sleep(max(0.0, kill_at - (time.monotonic() - began)))
        if runs[victim][0].poll() is None:
            kill_tree(runs[victim][0].pid)
            found['kills'] += 1
            killed_at = time.monotonic()
    outputs = {}
    for name, (process, log) in runs.items():
        code = process.wait(timeout=900)
        log.seek(0)
        outputs[name] = (code, log.read())
        log.close()
    time.sleep(harness.emu.handoff_delay_s + 1)  # a killed run's POST may still be arriving at the stand-in
    harness.emu.handoff_delay_s = 0
    for name, (code, output) in outputs.items():
        if len(set(MINTED.findall(output))) > 1:
            found['violations'].append('I2: %s minted %s' % (name, MINTED.findall(output)))
        if code != 0 and name != victim:
            found['failed'] += 1
            if 'another run recorded' in output or 'dropped' in output:
                found['conflicts'] += 1
                named = set(KEY.findall(output.split('another run recorded')[-1][:600]))
                if len(named) < 2:
                    found['violations'].append('I3: %s failed on a conflict naming fewer than two keys' % name)
            elif 'fatal:' not in output and 'failed:' not in output:
                found['violations'].append('I3: %s failed without saying why' % name)
    check_received(site, found, healed=False, killed=bool(found['kills']))
    if found['kills']:
        # another controller's killed run holds its lease until it expires: only then may a run heal what it left
        # pending (before, a run rightly takes that hand-off for one still in flight)
        time.sleep(max(0.0, LEASE_SECONDS + 1 - (time.monotonic() - killed_at)))
    heal = site.run('rotate_secrets.yml', 'heal', **dict(extra, entra_app_secret_force_rotate=False))
    if heal.rc != 0:
        found['violations'].append('the healing run failed: %s' % heal.output[-800:])
    check_received(site, found, healed=True, killed=bool(found['kills']))
    return found


def check_received(site, found, healed, killed):
    received = site.received()
    app = site.app()
    if app is None:
        if received:
            found['violations'].append('I1: the app is gone but Bookings ONE received a secret')
        return
    if not received:
        return  # e.g. the only onboarding run was killed before its hand-off
    keys = set(site.keys())
    last = received[-1]
    if last['secret_key_id'] not in keys or not site.signs_in(last):
        found['lost'] += 1
        found['violations'].append('I1: the secret Bookings ONE received last (%s) does not sign in%s'
                                   % (last['secret_key_id'], ' after healing' if healed else ''))
    gone = set(b['secret_key_id'] for b in received) - keys
    if gone:
        found['lost'] += 1
        found['violations'].append('I1: secrets Bookings ONE received were removed: %s' % sorted(gone))
    current = site.tagged('bookingsone:handed-off:')
    handed = set(b['secret_key_id'] for b in received)
    if set(current) - handed:
        found['violations'].append('I2: the record names %s, which nobody handed over' % sorted(set(current) - handed))
    if healed and current != [last['secret_key_id']]:
        found['violations'].append('after healing the record names %s, Bookings ONE holds %s'
                                   % (current, last['secret_key_id']))
    if not healed and not killed and last['secret_key_id'] not in current:  # a killed run's may be pending
        found['violations'].append('I1: the record (%s) does not name what Bookings ONE received last (%s)'
                                   % (current, last['secret_key_id']))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=20, help='rounds per mode and number of controllers')
    parser.add_argument('--modes', nargs='+', default=['onboard', 'rotate', 'forced'])
    parser.add_argument('--controllers', nargs='+', type=int, default=[2, 3])
    parser.add_argument('--kill-rate', type=float, default=0.3, help='probability that a round kills a run')
    parser.add_argument('--seed', type=int, default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10 ** 6)
    rng = random.Random(seed)
    print('seed %d' % seed)
    os.environ.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, 'build', 'collections'))
    totals = defaultdict(lambda: defaultdict(int))
    violations = []
    with tempfile.TemporaryDirectory(prefix='stress-') as root:
        with running_emulator(os.path.join(root, 'emulator'), page_size=2) as emulator:
            harness = Harness(emulator, Factory(root))
            for mode in args.modes:
                for controllers in args.controllers:
                    row = totals[(mode, controllers)]
                    for number in range(args.rounds):
                        began = time.monotonic()
                        found = one_round(harness, root, mode, controllers, number, rng, args.kill_rate)
                        row['rounds'] += 1
                        row['seconds'] += time.monotonic() - began
                        for name in ('kills', 'failed', 'conflicts', 'lost'):
                            row[name] += found[name]
                        row['violations'] += len(found['violations'])
                        violations += ['%s/%d round %d: %s' % (mode, controllers, number, v) for v in found['violations']]
                        print('%-8s x%d round %2d: %4.1f s, kills %d, failed runs %d (conflicts %d), violations %d'
                              % (mode, controllers, number, time.monotonic() - began, found['kills'], found['failed'],
                                 found['conflicts'], len(found['violations'])), flush=True)
    print('\n| mode | controllers | rounds | kills | failed runs | conflicts | losses (I1) | violations | s/round |')
    print('|---|---|---|---|---|---|---|---|---|')
    for (mode, controllers), row in sorted(totals.items()):
        print('| %s | %d | %d | %d | %d | %d | %d | %d | %.1f |' % (
            mode, controllers, row['rounds'], row['kills'], row['failed'], row['conflicts'], row['lost'],
            row['violations'], row['seconds'] / max(1, row['rounds'])))
    for violation in violations:
        print('VIOLATION ' + violation)
    return 1 if violations else 0


if __name__ == '__main__':
    sys.exit(main())
