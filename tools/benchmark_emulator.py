"""The emulator's own cost as the fleet grows (issue: state saved per write). Two measurements, printed, never asserted:

writes   One write at T tenants (default 10 and 500): a seed of T tenants (tools/benchmark.py's seed: an operator,
         per tenant its consent, a delegate and R rooms) is built in a temporary directory and served in process;
         then, for tenant 1, W timed `PATCH /applications/{id}` and W `POST /applications/{id}/addPassword` through
         the HTTPS Graph listener (one request each, a new connection each: the listener speaks HTTP/1.0), and W
         direct `Store.save(tenant)` calls (the persistence alone). Milliseconds per write: median, mean, p90.
         Target: flat from 10 to 500 tenants.
onboard  The first onboard.yml of T tenants x R rooms (default 100 x 5) at no latency, with tools/benchmark.py's
         case (seed, inventory, environment), the emulator in this process: controller CPU = user+sys of
         ansible-playbook and its children (os.wait4), emulator CPU = user+sys of this process over the run (its
         main thread waits in wait4; the rest is the emulator's listener threads). Target: emulator CPU below half
         the controller's.

    .venv/bin/python tools/benchmark_emulator.py                 # both
    .venv/bin/python tools/benchmark_emulator.py writes --write-tenants 10,500
    .venv/bin/python tools/benchmark_emulator.py onboard --onboard-tenants 100 --rooms 5 --forks 20
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

import requests
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import benchmark  # noqa: E402  (tools/benchmark.py: its seed, inventory and ansible-playbook runs)
from emulator import Emulator  # noqa: E402

GRAPH = 'https://graph.microsoft.com/.default'


def cpu_self():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def state_bytes(state_dir):
    """Bytes of the saved state on disk (whichever files the emulator keeps it in)."""
    return sum(os.path.getsize(os.path.join(state_dir, name)) for name in os.listdir(state_dir)
               if name.startswith('state.') and os.path.isfile(os.path.join(state_dir, name)))


def figures(samples):
    ms = sorted(s * 1000.0 for s in samples)
    return 'min %7.2f  median %7.2f  mean %7.2f  p90 %7.2f ms' % (
        ms[0], statistics.median(ms), statistics.fmean(ms), ms[int(0.9 * (len(ms) - 1))])


class Graph(object):
    """Plain HTTPS to the emulator as operator of one tenant (client credentials with the bench secret)."""

    def __init__(self, emu, tenant):
        self.emu, self.ca = emu, emu.endpoints['ca_bundle']
        answer = requests.post('%s/%s/oauth2/v2.0/token' % (emu.endpoints['login'], tenant), verify=self.ca,
                               data={'grant_type': 'client_credentials', 'client_id': benchmark.OPERATOR,
                                     'client_secret': benchmark.SECRET, 'scope': GRAPH})
        answer.raise_for_status()
        self.token = answer.json()['access_token']

    def call(self, method, path, body=None):
        answer = requests.request(method, self.emu.endpoints['graph'] + '/v1.0' + path, json=body, verify=self.ca,
                                  headers={'Authorization': 'Bearer ' + self.token})
        if answer.status_code >= 400:
            raise RuntimeError('%s %s: %d %s' % (method, path, answer.status_code, answer.text[:300]))
        return answer.json() if answer.content else None


def timed(count, action):
    samples = []
    for number in range(count):
        started = time.perf_counter()
        action(number)
        samples.append(time.perf_counter() - started)
    return samples


def measure_writes(tenants, rooms, count, work):
    directory = os.path.join(work, 'writes-%d' % tenants)
    os.makedirs(directory)
    seed_path = os.path.join(directory, 'seed.yml')
    with open(seed_path, 'w') as handle:
        yaml.safe_dump(benchmark.seed(tenants, rooms), handle)
    state_dir = os.path.join(directory, 'emulator')
    started = time.perf_counter()
    emu = Emulator(state_dir, seed_path, reset=True)
    built = time.perf_counter() - started
    emu.start()
    try:
        tenant = benchmark.tenant_id(1)
        graph = Graph(emu, tenant)
        app = graph.call('POST', '/applications', {'displayName': 'Benchmark write'})
        for number in range(3):  # warm up: connections, caches
            graph.call('PATCH', '/applications/' + app['id'], {'displayName': 'Warm %d' % number})
        patch = timed(count, lambda n: graph.call('PATCH', '/applications/' + app['id'],
                                                  {'displayName': 'Benchmark write %d' % n}))
        add = timed(count, lambda n: graph.call('POST', '/applications/%s/addPassword' % app['id'],
                                                {'passwordCredential': {'displayName': 'bench %d' % n}}))

        def save(_number):
            with emu.store.lock:
                emu.store.save(tenant)
        direct = timed(count, save)
        size = state_bytes(state_dir)
    finally:
        emu.stop()
    print('%4d tenants x %d rooms (seed built and first saved in %.1f s; state on disk %.1f MB):'
          % (tenants, rooms, built, size / 1e6))
    print('  PATCH /applications/{id}             x%d: %s' % (count, figures(patch)))
    print('  POST  /applications/{id}/addPassword x%d: %s' % (count, figures(add)))
    print('  Store.save(tenant), direct           x%d: %s' % (count, figures(direct)), flush=True)
    return dict(patch=statistics.median(patch), add=statistics.median(add), save=statistics.median(direct))


def writes(args, work):
    print('One write, by fleet size (emulator in process; HTTPS to the Graph listener, a new connection per request).')
    results = dict((tenants, measure_writes(tenants, args.rooms, args.count, work))
                   for tenants in sorted(set(int(t) for t in args.write_tenants.split(','))))
    if len(results) > 1:
        low, high = min(results), max(results)
        for name, label in (('patch', 'PATCH'), ('add', 'addPassword'), ('save', 'Store.save(tenant)')):
            print('  %-18s median at %d / at %d tenants: %.2f / %.2f ms = %.2fx (target: flat)'
                  % (label, high, low, results[high][name] * 1000, results[low][name] * 1000,
                     results[high][name] / results[low][name]))


def onboard(args, work):
    case = benchmark.Case(args.onboard_tenants, args.rooms, 0, work)
    case.emu.start()
    try:
        print('First onboard.yml, %s, no latency, forks %d (emulator in process) ...' % (case.name, args.forks),
              flush=True)
        before = cpu_self()
        run = case.run('first onboard', os.path.join(ROOT, 'playbooks', 'onboard.yml'), args.forks)
        emulator_cpu = cpu_self() - before
        size = state_bytes(case.emu.store.state_dir)
    finally:
        case.emu.stop()
    writes_made = sum(1 for entry in run['requests'] if entry['write'])
    changed = sum(c for c, _u, _f in run['recap'].values())
    failed = sum(f + u for _c, u, f in run['recap'].values())
    print('  rc %d, %d hosts, %d changed, %d failed; wall %.1f s; %d requests, %d writes; state on disk %.1f MB'
          % (run['rc'], len(run['recap']), changed, failed, run['wall'], len(run['requests']), writes_made,
             size / 1e6))
    if run['rc'] or failed:
        print('  the run failed; its output ends:\n%s' % run['output'][-3000:])
    share = emulator_cpu / run['cpu'] if run['cpu'] else 0
    per_request = 1000.0 * emulator_cpu / max(1, len(run['requests']))
    print('  controller CPU %.1f s; emulator CPU %.1f s = %.2f of the controller\'s (target: below 0.5); emulator CPU '
          'per request %.2f ms' % (run['cpu'], emulator_cpu, share, per_request))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('what', nargs='?', choices=['writes', 'onboard', 'both'], default='both')
    parser.add_argument('--write-tenants', default='10,500',
                        help='writes: comma-separated fleet sizes (default 10,500)')
    parser.add_argument('--onboard-tenants', type=int, default=100, help='onboard: tenants (default 100)')
    parser.add_argument('--rooms', type=int, default=5, help='rooms per tenant (default 5)')
    parser.add_argument('--count', type=int, default=50, help='writes: timed writes of each kind (default 50)')
    parser.add_argument('--forks', type=int, default=20, help='onboard: ansible forks (default 20)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='bookingsone-emulator-bench-')
    try:
        if args.what in ('writes', 'both'):
            writes(args, work)
        if args.what in ('onboard', 'both'):
            onboard(args, work)
    finally:
        if args.keep:
            print('Work directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
