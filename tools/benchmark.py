"""Benchmark of the room policy on tenants of 10 and 200 rooms, 50 ms latency per request.

Prints, for a converged run of the room_policy role (nothing to change): token requests per
resource, HTTP requests per room (Exchange reads per room in particular) and wall time, then the
ratio of the two wall times. Run with `make benchmark`; it measures, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from emulator import Emulator  # noqa: E402

OPERATOR = '4e0c2a61-7d1b-4f5e-9a3c-2b8d6e1f0a71'
SECRET = 'bench~QmVuY2htYXJrLW9wZXJhdG9yLXNlY3JldA'
PLAY = """
- name: Benchmark
  hosts: localhost
  gather_facts: false
  roles:
    - role: bookingsone.office365.room_policy
"""


def seed(sizes):
    tenants = [{'id': '1d2c3b4a-5968-4776-8a9b-0c1d2e3f4a5b', 'domain': 'bench-operator.onmicrosoft.com'}]
    for number, size in enumerate(sizes):
        domain = 'bench%d.onmicrosoft.com' % size
        tenants.append({
            'id': '00000000-0000-4000-8000-%012d' % (number + 1), 'domain': domain,
            'service_principals': [{'app_id': OPERATOR, 'directory_roles': ['Exchange Administrator'],
                                    'app_roles': {'graph': ['Place.Read.All'], 'exchange': ['Exchange.ManageAsApp']}}],
            'users': [{'id': '00000000-0000-4000-9000-%012d' % (number + 1), 'userPrincipalName': 'bookings@' + domain,
                       'displayName': 'Bookings ONE', 'mail': 'bookings@' + domain}],
            'exchange': {'generate_rooms': {'count': size, 'prefix': 'room', 'building': 'Bench'}},
        })
    return {'operators': [{'app_id': OPERATOR, 'display_name': 'Bench operator', 'home_tenant': tenants[0]['id'],
                           'secrets': [{'display_name': 'bench', 'value': SECRET}]}], 'tenants': tenants}


def run_role(emu, work, tenant, cache):
    env = dict(os.environ, AZURE_CLIENT_ID=OPERATOR, AZURE_CLIENT_SECRET=SECRET,
               AZURE_AUTHORITY_HOST=emu.endpoints['login'], BOOKINGSONE_GRAPH_ENDPOINT=emu.endpoints['graph'],
               BOOKINGSONE_EXCHANGE_ENDPOINT=emu.endpoints['exchange'], REQUESTS_CA_BUNDLE=emu.endpoints['ca_bundle'],
               BOOKINGSONE_TOKEN_CACHE_DIR=cache, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    extra = json.dumps({'room_policy_tenant_id': tenant['id'], 'room_policy_delegate': 'bookings@' + tenant['domain'],
                        'room_policy_record_file': os.path.join(work, tenant['domain'] + '.json')})
    mark = emu.requests()[-1]['seq'] if emu.requests() else 0
    started = time.time()
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                           '-c', 'local', os.path.join(work, 'play.yml'), '-e', extra],
                          env=env, capture_output=True, text=True)
    elapsed = time.time() - started
    if done.returncode:
        sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
    return elapsed, emu.requests(since=mark), done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--sizes', default='10,200')
    parser.add_argument('--latency-ms', type=int, default=50)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    work = tempfile.mkdtemp(prefix='bookingsone-bench-')
    with open(os.path.join(work, 'seed.yml'), 'w') as handle:
        yaml.safe_dump(seed(sizes), handle)
    with open(os.path.join(work, 'play.yml'), 'w') as handle:
        handle.write(PLAY)
    emu = Emulator(os.path.join(work, 'emulator'), os.path.join(work, 'seed.yml'), reset=True).start()
    rows = []
    try:
        for tenant, size in zip(seed(sizes)['tenants'][1:], sizes):
            run_role(emu, work, tenant, os.path.join(work, 'cache-setup'))       # converge first
            emu.set_faults({'latency_ms': args.latency_ms, 'services': ['graph', 'exchange', 'login']})
            elapsed, requests, output = run_role(emu, work, tenant, os.path.join(work, 'cache-%d' % size))
            emu.set_faults({})
            changed = output.split('changed=')[1].split()[0]
            logins = sum(1 for r in requests if r['service'] == 'login' and r['method'] == 'POST')
            exchange = [r for r in requests if r['service'] == 'exchange']
            per_room = Counter(r['cmdlet'] for r in exchange)
            reads_per_room = sum(per_room[c] for c in ('Get-CalendarProcessing', 'Get-MailboxPermission')) / size
            rows.append((size, elapsed, logins, len(requests) / size, len(exchange) / size, reads_per_room,
                         changed, dict(per_room), sum(1 for r in requests if r['write'])))
    finally:
        emu.stop()
    print('Converged run of bookingsone.office365.room_policy, %d ms injected latency per request' % args.latency_ms)
    print('%6s %9s %15s %14s %18s %22s %8s %7s' % ('rooms', 'wall s', 'token requests', 'HTTP/room',
                                                  'Exchange/room', 'Exchange reads/room', 'changed', 'writes'))
    for size, elapsed, logins, http, exo, reads, changed, _cmdlets, writes in rows:
        print('%6d %9.2f %15d %14.2f %18.2f %22.2f %8s %7d' % (size, elapsed, logins, http, exo, reads, changed,
                                                              writes))
    for size, _e, _l, _h, _x, _r, _c, cmdlets, _w in rows:
        print('  %d rooms, Exchange calls by cmdlet: %s' % (size, json.dumps(cmdlets, sort_keys=True)))
    if len(rows) == 2:
        print('Wall time ratio %d/%d rooms: %.2fx (target <= 5x)' % (rows[1][0], rows[0][0], rows[1][1] / rows[0][1]))


if __name__ == '__main__':
    main()
