"""Benchmark of the operator playbooks on T tenants x R rooms, with injected latency (`make benchmark`).

For each case (default 20x20, 1x10 and 1x200) it starts the emulator in process with a generated
seed (one operator app; per tenant its consent, the Exchange Administrator role, a delegate user
and R generated rooms), writes an inventory of T tenants like inventories/demo, converges the
tenants with a first onboard.yml (no latency, not measured), then measures with the latency on
every listener (login, Graph, Exchange) and for each number of forks:

  audit.yml (check mode)   converged onboard.yml   an empty play (one no-op task per tenant)

and prints per run: wall time; controller CPU (user+sys of ansible-playbook and all its children,
from os.wait4) per tenant; requests per tenant by service from the emulator's request log (HTTP
requests: a $batch is one, the requests inside it are counted apart, by kind), against the floor of
what the work needs (2 tokens + the app + Graph's service principal + the app's service principal +
its assignments + the room list + the delegate + per room Get-CalendarProcessing and
Get-MailboxPermission = 8 + 2R); token requests per tenant per resource (each run has its own, new
token cache directory, so these are the token requests of one run); OpenID metadata fetches; writes.
Then the ratios (CPU against the empty play, forks, 1xR wall times) and the targets of issue 12,
each marked met or not met. It measures; it never asserts: the exit code is 0 unless a run could
not be made at all.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from emulator import Emulator  # noqa: E402

OPERATOR = '4e0c2a61-7d1b-4f5e-9a3c-2b8d6e1f0a71'
OPERATOR_TENANT = '1d2c3b4a-5968-4776-8a9b-0c1d2e3f4a5b'
SECRET = 'bench~QmVuY2htYXJrLW9wZXJhdG9yLXNlY3JldA'
GRAPH_ROLES = ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'Place.Read.All', 'User.Read.All']
EMPTY_PLAY = """---
- name: Empty play (the floor of Ansible itself)
  hosts: tenants
  connection: local
  gather_facts: false
  tasks:
    - name: One no-op task per tenant
      ansible.builtin.debug:
        msg: x
"""
RUN_TIMEOUT_S = 3600  # one ansible-playbook run; killed (its process group) after that
RECAP = re.compile(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)
GUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', re.I)
FIRST_PARTY = {'00000003-0000-0000-c000-000000000000': '{graph app id}',
               '00000002-0000-0ff1-ce00-000000000000': '{exchange app id}'}
TARGETS = dict(audit_floor_ratio=1.1, audit_cpu_s=1.5, onboard_cpu_s=2.0, wall_ratio_1xR=3.0)


def floor(rooms):
    """Requests per tenant the work needs (see the module docstring)."""
    return 8 + 2 * rooms


def tenant_id(number):
    return '00000000-0000-4000-8000-%012d' % number


def domain(number):
    return 'bench-t%02d.onmicrosoft.com' % number


def host(number):
    return 't%02d' % number


def seed(tenants, rooms):
    entries = [{'id': OPERATOR_TENANT, 'domain': 'bench-operator.onmicrosoft.com', 'display_name': 'Bench operator'}]
    for number in range(1, tenants + 1):
        entries.append({
            'id': tenant_id(number), 'domain': domain(number), 'display_name': 'Bench tenant %d' % number,
            'service_principals': [{'app_id': OPERATOR, 'directory_roles': ['Exchange Administrator'],
                                    'app_roles': {'graph': GRAPH_ROLES, 'exchange': ['Exchange.ManageAsApp']}}],
            'users': [{'id': '00000000-0000-4000-9000-%012d' % number, 'userPrincipalName': 'bookings@' + domain(number),
                       'displayName': 'Bookings ONE', 'mail': 'bookings@' + domain(number)}],
            'exchange': {'generate_rooms': {'count': rooms, 'prefix': 'room', 'building': 'Bench'}},
        })
    return {'operators': [{'app_id': OPERATOR, 'display_name': 'Bookings ONE Operator (bench)',
                           'home_tenant': OPERATOR_TENANT,
                           'secrets': [{'display_name': 'bench', 'value': SECRET}]}],
            'tenants': entries}


def write_inventory(path, tenants, handoff):
    os.makedirs(os.path.join(path, 'host_vars'))
    os.makedirs(os.path.join(path, 'group_vars', 'all'))
    with open(os.path.join(path, 'hosts.yml'), 'w') as handle:
        yaml.safe_dump({'tenants': {'hosts': dict((host(n), None) for n in range(1, tenants + 1))}}, handle)
    with open(os.path.join(path, 'group_vars', 'all', 'main.yml'), 'w') as handle:
        handle.write('---\nansible_python_interpreter: "{{ ansible_playbook_python }}"\n')
    for number in range(1, tenants + 1):
        with open(os.path.join(path, 'host_vars', host(number) + '.yml'), 'w') as handle:
            yaml.safe_dump({'bookingsone_tenant_id': tenant_id(number),
                            'bookingsone_callback_url': 'https://%s.bookingsone.example/auth/callback' % host(number),
                            'bookingsone_delegate': 'bookings@' + domain(number),
                            'bookingsone_handoff_dir': handoff}, handle)


class TokenScopes(object):
    """Records the resource (graph/exchange) of each token request, by log seq: the request log keeps
    no request body, so the scope is read here, in process, from the form as the log entry is made.
    Only the resource name is kept."""

    def __init__(self, emu):
        self.emu = emu
        self.by_seq = {}
        self.original = emu.log.add
        emu.log.add = self.add

    def resource(self, scope):
        resource = scope[:-len('/.default')].rstrip('/').lower() if scope.endswith('/.default') else scope.lower()
        for name, public, app_id in (('graph', 'https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'),
                                     ('exchange', 'https://outlook.office365.com',
                                      '00000002-0000-0ff1-ce00-000000000000')):
            if resource in (self.emu.endpoints[name].lower(), public, app_id):
                return name
        return 'other'

    def add(self, request, status):
        entry = self.original(request, status)
        if request.service == 'login' and request.method == 'POST' and request.path.endswith('/oauth2/v2.0/token'):
            try:
                self.by_seq[entry['seq']] = self.resource(request.form().get('scope', '').strip())
            except Exception:  # noqa: BLE001 - a benchmark's observer must never break a request
                self.by_seq[entry['seq']] = 'other'
        return entry


class Case(object):

    def __init__(self, tenants, rooms, latency_ms, parent):
        self.tenants, self.rooms, self.latency_ms = tenants, rooms, latency_ms
        self.name = '%dx%d' % (tenants, rooms)
        self.work = os.path.join(parent, self.name)
        os.makedirs(self.work)
        with open(os.path.join(self.work, 'seed.yml'), 'w') as handle:
            yaml.safe_dump(seed(tenants, rooms), handle)
        self.inventory = os.path.join(self.work, 'inventory')
        write_inventory(self.inventory, tenants, os.path.join(self.work, 'handoff'))
        self.empty = os.path.join(self.work, 'empty.yml')
        with open(self.empty, 'w') as handle:
            handle.write(EMPTY_PLAY)
        self.vault_pass = os.path.join(self.work, 'vault-pass')
        fd = os.open(self.vault_pass, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write('bench-vault-password-%d' % os.getpid())
        self.emu = Emulator(os.path.join(self.work, 'emulator'), os.path.join(self.work, 'seed.yml'), reset=True)
        self.runs = 0

    def env(self, cache):
        env = dict(os.environ)
        env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, 'build', 'collections'))
        endpoints = self.emu.endpoints
        env.update(
            AZURE_CLIENT_ID=OPERATOR, AZURE_CLIENT_SECRET=SECRET, AZURE_AUTHORITY_HOST=endpoints['login'],
            BOOKINGSONE_GRAPH_ENDPOINT=endpoints['graph'], BOOKINGSONE_EXCHANGE_ENDPOINT=endpoints['exchange'],
            REQUESTS_CA_BUNDLE=endpoints['ca_bundle'], BOOKINGSONE_TOKEN_CACHE_DIR=cache,
            ANSIBLE_VAULT_PASSWORD_FILE=self.vault_pass, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_LOCAL_TEMP=os.path.join(self.work, 'ansible-tmp'), NO_PROXY='127.0.0.1,localhost',
        )
        for name in ('AZURE_TENANT_ID', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY'):
            env.pop(name, None)
        return env

    def run(self, label, playbook, forks, *extra):
        """One ansible-playbook run: wall s, CPU s (user+sys of it and its children), rc, recap, log entries."""
        self.runs += 1
        tag = '%02d-%s-f%d' % (self.runs, label.replace(' ', '-'), forks)
        cache = os.path.join(self.work, 'tokens', tag)  # a new token cache per run
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', self.inventory,
                   '-f', str(forks), playbook] + list(extra)
        log_path = os.path.join(self.work, tag + '.log')
        mark = self.emu.log.seq
        with open(log_path, 'w') as output:
            started = time.monotonic()
            proc = subprocess.Popen(command, cwd=ROOT, env=self.env(cache), stdout=output,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            timer = threading.Timer(RUN_TIMEOUT_S, os.killpg, (proc.pid, signal.SIGKILL))
            timer.start()
            try:
                _pid, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        text = open(log_path).read()
        recap = dict((m.group(1), (int(m.group(2)), int(m.group(3)), int(m.group(4)))) for m in RECAP.finditer(text))
        return dict(label=label, forks=forks, wall=wall, cpu=usage.ru_utime + usage.ru_stime, rc=proc.returncode,
                    recap=recap, requests=self.emu.requests(since=mark), log=log_path, output=text)

    def measure(self, run, scopes):
        """Per-tenant counts of one run's requests."""
        tenants = set(tenant_id(n) for n in range(1, self.tenants + 1))
        by_service, tokens, openid = Counter(), Counter(), 0
        per_tenant = Counter()
        foreign = 0
        inner = 0
        for entry in run['requests']:
            if entry['tenant'] not in tenants:
                foreign += 1
                continue
            if entry['batch']:  # inside a $batch, which is the HTTP request: counted by kind only
                inner += 1
                continue
            by_service[entry['service']] += 1
            per_tenant[entry['tenant']] += 1
            if entry['service'] == 'login':
                if entry['method'] == 'POST' and entry['path'].endswith('/oauth2/v2.0/token'):
                    tokens[scopes.by_seq.get(entry['seq'], 'other')] += 1
                elif entry['path'].endswith('/.well-known/openid-configuration'):
                    openid += 1
        t = float(self.tenants)
        total = sum(by_service.values())
        run.update(
            per_service=dict((s, by_service[s] / t) for s in ('login', 'graph', 'exchange')),
            total=total / t, max_tenant=max(per_tenant.values()) if per_tenant else 0,
            tokens=dict((r, tokens[r] / t) for r in ('graph', 'exchange', 'other')), openid=openid / t,
            writes=sum(1 for e in run['requests'] if e['write']), foreign=foreign,
            inner=inner / t,
            cmdlets=Counter(exchange_kind(e) for e in run['requests'] if e['service'] == 'exchange' and e['tenant'] in tenants),
            graph_paths=Counter(graph_path(e) for e in run['requests'] if e['service'] == 'graph' and e['tenant'] in tenants),
            changed=sum(c for c, _u, _f in run['recap'].values()),
            failed=sum(f + u for _c, u, f in run['recap'].values()),
            cpu_tenant=run['cpu'] / t, floor_ratio=total / t / floor(self.rooms))
        return run


def graph_path(entry):
    """A Graph request with its object ids left out (Microsoft's first-party app ids named), for the breakdown."""
    path = GUID.sub(lambda m: FIRST_PARTY.get(m.group(0).lower(), '{id}'), entry['path'])
    select = parse_qs(entry['query']).get('$select')
    return '%s %s%s%s' % (entry['method'], path, '?$select=' + select[0] if select else '',
                          ' (in $batch)' if entry['batch'] else '')


def exchange_kind(entry):
    """An Exchange request by its cmdlet, a $batch envelope as such, and a cmdlet inside one marked."""
    if entry['cmdlet'] is None and entry['path'].endswith('/$batch'):
        return '$batch'
    return '%s%s' % (entry['cmdlet'], ' (in $batch)' if entry['batch'] else '')


def per_tenant(counter, tenants):
    return ', '.join('%s %g' % (k, round(v / float(tenants), 2)) for k, v in sorted(counter.items()))


def table(case, rows):
    print('\n== %d tenant(s) x %d rooms, %d ms latency per request; floor = 8 + 2R = %d requests/tenant =='
          % (case.tenants, case.rooms, case.latency_ms, floor(case.rooms)))
    columns = ('%-17s %5s %3s %8s %9s | %7s %7s %8s %7s | %6s | %6s %8s | %7s | %6s %7s %6s')
    head = columns % ('playbook', 'forks', 'rc', 'wall s', 'CPU s', 'login', 'graph', 'exchange', 'total', 'floor',
                      'tokens', 'tokens', 'openid', 'writes', 'changed', 'failed')
    print(head)
    print(columns % ('', '', '', '', '/tenant', '/tenant', '/tenant', '/tenant', '/tenant', 'ratio', 'graph', 'exchange',
                     '/tenant', '', '', ''))
    print('-' * len(head))
    for row in rows:
        print('%-17s %5d %3d %8.2f %9.3f | %7.2f %7.2f %8.2f %7.2f | %6.2f | %6.2f %8.2f | %7.2f | %6d %7d %6d'
              % (row['label'], row['forks'], row['rc'], row['wall'], row['cpu_tenant'], row['per_service']['login'],
                 row['per_service']['graph'], row['per_service']['exchange'], row['total'], row['floor_ratio'],
                 row['tokens']['graph'], row['tokens']['exchange'], row['openid'], row['writes'], row['changed'],
                 row['failed']))
    print('Requests per tenant, by kind (the floor counts 2 tokens, 6 Graph-or-room-list reads and %d Exchange reads):'
          % (2 * case.rooms))
    for row in rows:
        notes = []
        if row['tokens']['other']:
            notes.append('%.2f token requests/tenant for another resource' % row['tokens']['other'])
        if row['foreign']:
            notes.append('%d request(s) not attributed to a tenant of the case' % row['foreign'])
        if row['rc']:
            notes.append('rc=%d, output: %s' % (row['rc'], row['log']))
        if row['inner']:
            notes.append('%g requests/tenant inside $batch requests (not counted above)' % round(row['inner'], 2))
        if row['cmdlets']:
            notes.append('Exchange: %s' % per_tenant(row['cmdlets'], case.tenants))
        if row['graph_paths']:
            notes.append('Graph: %s' % per_tenant(row['graph_paths'], case.tenants))
        if row['total']:
            notes.append('most requests of one tenant: %d' % row['max_tenant'])
        if notes:
            print('  %s forks %d: %s' % (row['label'], row['forks'], '; '.join(notes)))


def ratios(case, rows):
    by = dict(((r['label'], r['forks']), r) for r in rows)
    forks = sorted(set(r['forks'] for r in rows))
    print('Ratios, %s:' % case.name)
    for f in forks:
        empty = by.get(('empty play', f))
        for label in ('audit', 'onboard converged'):
            row = by.get((label, f))
            if row and empty and empty['cpu_tenant']:
                print('  CPU/tenant %-17s / empty play, forks %2d: %.3f / %.3f = %.1fx'
                      % (label, f, row['cpu_tenant'], empty['cpu_tenant'], row['cpu_tenant'] / empty['cpu_tenant']))
    if len(forks) > 1:
        low, high = forks[0], forks[-1]
        for label in ('audit', 'onboard converged', 'empty play'):
            a, b = by.get((label, high)), by.get((label, low))
            if a and b and b['wall']:
                print('  wall %-17s forks %d / forks %d: %.2f / %.2f s = %.2fx'
                      % (label, high, low, a['wall'], b['wall'], a['wall'] / b['wall']))


def mark(ok, *runs):
    """A target is met only by runs that completed: a failed run proves nothing."""
    if any(run.get('rc') for run in runs):
        return 'NOT MET (a run failed, see its log)'
    return 'met' if ok else 'NOT MET'


def targets(results):
    """The targets of issue 12 next to the measured values; never asserted."""
    print('\nTargets (issue 12), for reference:')
    multi = [(case, rows) for case, rows in results if case.tenants > 1]
    if not any(case.tenants == 20 and case.rooms == 20 for case, _rows in multi):
        print('  (the targets are set for 20x20; shown here for the multi-tenant case(s) measured)')
    for case, rows in multi:
        for row in rows:
            if row['label'] == 'audit':
                limit = TARGETS['audit_floor_ratio'] * floor(case.rooms)
                print('  audit %s forks %d: requests/tenant %.2f <= 1.1 x floor = %.1f: %s; CPU %.3f <= %.1f s/tenant: %s'
                      % (case.name, row['forks'], row['total'], limit, mark(row['total'] <= limit, row),
                         row['cpu_tenant'], TARGETS['audit_cpu_s'], mark(row['cpu_tenant'] <= TARGETS['audit_cpu_s'], row)))
            elif row['label'] == 'onboard converged':
                print('  converged onboard %s forks %d: writes %d = 0: %s; CPU %.3f <= %.1f s/tenant: %s'
                      % (case.name, row['forks'], row['writes'], mark(row['writes'] == 0, row), row['cpu_tenant'],
                         TARGETS['onboard_cpu_s'], mark(row['cpu_tenant'] <= TARGETS['onboard_cpu_s'], row)))
    single = sorted([(case, rows) for case, rows in results if case.tenants == 1], key=lambda item: item[0].rooms)
    if len(single) > 1:
        (small, small_rows), (big, big_rows) = single[0], single[-1]
        small_by = dict(((r['label'], r['forks']), r) for r in small_rows)
        for row in big_rows:
            other = small_by.get((row['label'], row['forks']))
            if row['label'] == 'empty play' or not other or not other['wall']:
                continue
            ratio = row['wall'] / other['wall']
            print('  wall %s / %s, %s forks %d: %.2f / %.2f s = %.2fx <= %.0fx: %s'
                  % (big.name, small.name, row['label'], row['forks'], row['wall'], other['wall'], ratio,
                     TARGETS['wall_ratio_1xR'], mark(ratio <= TARGETS['wall_ratio_1xR'], row, other)))
    else:
        print('  wall 1xR large / 1x10 <= 3x: not measured (needs two 1xR cases, e.g. --cases 1x10,1x200)')
    worst, measured = [], 0
    for case, rows in results:
        for row in rows:
            measured += row['label'] != 'empty play'
            if row['label'] != 'empty play' and (row['tokens']['graph'] != 1 or row['tokens']['exchange'] != 1
                                                 or row['tokens']['other']):
                worst.append('%s %s forks %d: graph %.2f, exchange %.2f'
                             % (case.name, row['label'], row['forks'], row['tokens']['graph'],
                                row['tokens']['exchange']))
    print('  tokens = 1 per resource per tenant per run (audit, converged onboard; new token cache per run): %s%s'
          % (mark(not worst) if measured else 'not measured', '' if not worst else ' (' + '; '.join(worst) + ')'))


def output_lines(case, audit_reports):
    """Lines an operator reads: audit.yml with --diff, with Ansible's default output and with the collection's
    fleet callback (bookingsone.office365.fleet), after a tenant's room drifted (so diffs exist)."""
    with case.emu.store.lock:
        room = case.emu.store.tenant(tenant_id(1))['exchange']['rooms']['room-001']
        room['calendar_processing']['ScheduleOnlyDuringWorkHours'] = True
    counts = {}
    for callback in ('default', 'bookingsone.office365.fleet'):
        os.environ['ANSIBLE_STDOUT_CALLBACK'] = callback
        try:
            run = case.run('audit lines', os.path.join(ROOT, 'playbooks', 'audit.yml'), 20, '--diff',
                           '-e', 'bookingsone_report_dir=%s' % os.path.join(audit_reports, callback))
        finally:
            os.environ.pop('ANSIBLE_STDOUT_CALLBACK', None)
        counts[callback] = len(run['output'].splitlines())
    print('\n%s: lines printed by audit.yml --diff (forks 20): default callback %d, fleet callback %d (%.1f per tenant)'
          % (case.name, counts['default'], counts['bookingsone.office365.fleet'],
             counts['bookingsone.office365.fleet'] / float(case.tenants)))
    return counts


def run_case(case, forks, audit_reports, lines=False):
    case.emu.start()
    scopes = TokenScopes(case.emu)
    rows = []
    try:
        first = case.run('first onboard', os.path.join(ROOT, 'playbooks', 'onboard.yml'), max(forks))
        case.measure(first, scopes)
        if first['rc'] or first['failed']:
            print('\nThe first onboard of %s failed (rc=%d); output: %s\n%s'
                  % (case.name, first['rc'], first['log'], first['output'][-4000:]))
            return None
        print('\n%s: first onboard (converging, no latency, not measured): %.1f s wall, %.2f s CPU/tenant, '
              '%d writes, %d changed' % (case.name, first['wall'], first['cpu_tenant'], first['writes'],
                                         first['changed']))
        if lines:
            output_lines(case, audit_reports)
            return []
        case.emu.set_faults({'latency_ms': case.latency_ms, 'services': ['login', 'graph', 'exchange']})
        for f in forks:
            reports = os.path.join(audit_reports, '%s-f%d' % (case.name, f))
            for label, playbook, extra in (
                    ('audit', os.path.join(ROOT, 'playbooks', 'audit.yml'),
                     ('--check', '-e', 'bookingsone_report_dir=%s' % reports)),
                    ('onboard converged', os.path.join(ROOT, 'playbooks', 'onboard.yml'), ()),
                    ('empty play', case.empty, ())):
                print('  %s: %s, forks %d ...' % (case.name, label, f), flush=True)
                rows.append(case.measure(case.run(label, playbook, f, *extra), scopes))
        case.emu.set_faults({})
    finally:
        case.emu.stop()
    return rows


def parse_cases(text):
    cases = []
    for item in text.split(','):
        tenants, _x, rooms = item.strip().lower().partition('x')
        if not tenants.isdigit() or not rooms.isdigit() or int(tenants) < 1 or int(rooms) < 1:
            raise argparse.ArgumentTypeError('a case is TxR, e.g. 20x20: %r' % item)
        cases.append((int(tenants), int(rooms)))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cases', type=parse_cases, default=parse_cases('20x20,1x10,1x200'),
                        help='comma-separated TxR cases (default 20x20,1x10,1x200)')
    parser.add_argument('--tenants', type=int, help='one case of this many tenants (with --rooms; replaces --cases)')
    parser.add_argument('--rooms', type=int, help='rooms per tenant of that case (default 20)')
    parser.add_argument('--forks', default='5,20', help='comma-separated forks to measure (default 5,20)')
    parser.add_argument('--latency-ms', type=int, default=50, help='injected latency per request (default 50)')
    parser.add_argument('--quick', action='store_true', help='2 tenants x 2 rooms only')
    parser.add_argument('--keep', action='store_true', help='keep the work directory (logs, seeds, inventories)')
    parser.add_argument('--output-lines', action='store_true',
                        help='instead of timings: the lines audit.yml --diff prints per case, with the default and '
                             'the fleet callback')
    args = parser.parse_args()
    cases = args.cases
    if args.tenants or args.rooms:
        cases = [(args.tenants or 1, args.rooms or 20)]
    if args.quick:
        cases = [(2, 2)]
    forks = sorted(set(int(f) for f in args.forks.split(',')))
    work = tempfile.mkdtemp(prefix='bookingsone-bench-')
    print('Benchmark of audit.yml, converged onboard.yml and an empty play; cases %s, forks %s, %d ms latency '
          'per request on login, Graph and Exchange (emulator in process, loopback only).'
          % (', '.join('%dx%d' % c for c in cases), ', '.join(map(str, forks)), args.latency_ms))
    print('Each run has a new token cache directory: token counts are per run. CPU = user+sys of ansible-playbook '
          'and all its children (os.wait4). Work directory (removed at the end unless --keep): %s' % work, flush=True)
    results, broken = [], False
    try:
        for tenants, rooms in cases:
            case = Case(tenants, rooms, args.latency_ms, work)
            rows = run_case(case, forks, os.path.join(work, 'reports'), args.output_lines)
            if rows is None:
                broken = True
                continue
            results.append((case, rows))
        if not args.output_lines:
            for case, rows in results:
                table(case, rows)
                ratios(case, rows)
            targets(results)
    finally:
        if args.keep or broken:
            print('\nWork directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
