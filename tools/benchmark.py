"""Benchmark of the operator playbooks on T tenants x R rooms, with injected latency (`make benchmark`).

For each case (default 20x20, 1x10, 1x200 and 500x20) it starts the emulator in process with a generated
seed (one operator app; per tenant its consent, the Exchange Administrator role, a delegate user and R
generated rooms), writes an inventory of T tenants like inventories/demo, converges the tenants with a
first onboard.yml (no latency, not measured), then measures with the latency on every listener (login,
Graph, Exchange) and for each number of forks:

  audit.yml (check mode)   converged onboard.yml   an empty play (one no-op task per tenant)

each with bookingsone_proof=off (the targets are the operator's own work), the same audit with the
collection's own work replayed (Ansible's floor for audit.yml: see replay_code), the same two for the baseline
revision (--baseline, default BASELINE: the code before issue 25's CPU work; its tree from `git archive`,
run against the same emulator in the same run), and once, at the highest forks, the audit with the
proof as Bookings ONE (its cost apart: its requests and test items are Bookings ONE's). A case of over
100 tenants measures the audits only, at the highest forks.

It prints per run: wall time; controller CPU (user+sys of ansible-playbook and all its children, from
os.wait4) per tenant; requests per tenant by service from the emulator's request log (a $batch is one
HTTP request; the requests inside it are counted apart), and by kind (cmdlet, Graph path); token
requests per tenant per resource (each run has its own, new token cache directory); OpenID metadata
fetches; writes. A case of one tenant runs its sequence of runs SMALL_REPEATS times, interleaved (--repeats):
one run's CPU is its figure per tenant, and runs of the same playbook differ by 0.1-0.5 s on a 2-core machine,
so each figure is the run of median CPU, with every run's CPU beside it. Then the ratios (CPU against the empty play and against the baseline) and issue 25's
targets, each marked met or not met with the baseline's figure beside it. It measures; it never
asserts: the exit code is 0 unless a run could not be made at all.

Where the CPU goes (a profile of ansible-playbook and every worker it forks):
  .venv/bin/python tools/benchmark.py --cases 20x20 --forks 20 --baseline none --keep
  # then, against the kept work directory's emulator state (W=<work dir>/20x20):
  .venv/bin/python -m emulator start --state-dir $W/emulator --seed $W/seed.yml --latency-ms 50
  eval "$(.venv/bin/python -m emulator env --state-dir $W/emulator)"
  .venv/bin/python tools/profile_playbook.py --out /tmp/profile -- -i $W/inventory -f 20 \
      playbooks/audit.yml -e bookingsone_proof=off --vault-password-file $W/vault-pass
  # with --cpu (and a new --out directory) instead: CPU per task and of the main process, at full speed
"""

from __future__ import annotations

import argparse
import configparser
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from emulator import Emulator  # noqa: E402
import benchmark_report as report  # noqa: E402 - beside this script

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
BASELINE = '0db292e'  # the code before issue 25's CPU work: the previous figures
SMALL_REPEATS = 3  # rounds of a one-tenant case (--repeats)
BIG_CASE = 100  # tenants above which a case measures the audits only, at the highest forks
RECAP = re.compile(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


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
            'users': [{'id': '00000000-0000-4000-9000-%012d' % number,
                       'userPrincipalName': 'bookings@' + domain(number),
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


class Code(object):
    """A tree of the collection to run: its root (playbooks/), the collections path that finds it and the
    environment its runs add."""

    def __init__(self, name, root, collections, env=None):
        self.name, self.root, self.collections, self.env = name, root, collections, env or {}


CURRENT = Code('this tree', ROOT, os.path.join(ROOT, 'build', 'collections'))


def poll_interval(code):
    """The internal_poll_interval of the ansible.cfg a tree's runs read (they run in its root): how often the
    controller checks its workers, which costs CPU while tenants answer."""
    config = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(';',))
    config.read(os.path.join(code.root, 'ansible.cfg'))
    return config.get('defaults', 'internal_poll_interval', fallback="0.001 (Ansible's default)")


def baseline_code(revision, work):
    """The collection as it was at `revision` (git archive of this repository), laid out so ansible finds it."""
    root = os.path.join(work, 'baseline', 'ansible_collections', 'bookingsone', 'office365')
    os.makedirs(root)
    archive = subprocess.run(['git', '-C', ROOT, 'archive', '--format=tar', revision], check=True,
                             stdout=subprocess.PIPE).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter='data')
    described = subprocess.run(['git', '-C', ROOT, 'log', '-1', '--format=%h %s', revision], check=True,
                               stdout=subprocess.PIPE, text=True).stdout.strip()
    return Code(described[:90], root, os.path.join(work, 'baseline'))


# Appended to a copy of each of the REPLAYED action plugins, whose own class is renamed RealActionModule.
REPLAY_PLUGIN = """

class ActionModule(RealActionModule):
    \"\"\"tools/benchmark.py's stand-in: with BOOKINGSONE_BENCH_REPLAY set, the result an earlier run recorded for
    this plugin and host, and nothing else; without it, the real run, its result recorded.\"\"\"

    def run(self, tmp=None, task_vars=None):
        import json
        import os
        record = os.path.join(os.environ['BOOKINGSONE_BENCH_RECORDS'], '%s-%%s.json' %% task_vars['inventory_hostname'])
        if os.environ.get('BOOKINGSONE_BENCH_REPLAY'):
            ActionBase.run(self, tmp, task_vars)
            with open(record) as handle:
                return json.load(handle)
        result = RealActionModule.run(self, tmp, task_vars)
        with open(record, 'w') as handle:
            json.dump(result, handle, default=str)
        return result
"""
REPLAYED = ('tenant', 'audit_report')  # the tenant task and the report: all the audit's own work
TREE = ('ansible.cfg', 'galaxy.yml', 'meta', 'playbooks', 'plugins', 'roles')  # what a run of the collection reads


def replay_code(work):
    """(recording, replaying): this tree with the audit's own work taken out, for Ansible's floor of audit.yml.

    Its tenant and audit_report actions first run for real and record their result (a run not measured), then
    return that result and do nothing else: no request, no judging, no report written. The rest stays: the same
    tasks and plugins imported, inputs templated, results of the same size passed between the processes, polled
    less (no network to wait for). So a replayed audit's CPU is what Ansible costs around the collection's work."""
    parent = os.path.join(work, 'replayed')
    root = os.path.join(parent, 'ansible_collections', 'bookingsone', 'office365')
    os.makedirs(root)
    for name in TREE:
        source = os.path.join(ROOT, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(root, name), ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copy2(source, os.path.join(root, name))
    for name in REPLAYED:
        path = os.path.join(root, 'plugins', 'action', name + '.py')
        with open(path) as handle:
            source, renamed = re.subn(r'\bActionModule\b', 'RealActionModule', handle.read())
        if not renamed or 'from ansible.plugins.action import ActionBase' not in source:
            raise RuntimeError('%s no longer has an ActionModule(ActionBase) to replay: update replay_code' % path)
        with open(path, 'w') as handle:
            handle.write(source + REPLAY_PLUGIN % name)
    return Code('recording', root, parent), Code(report.REPLAYED_AUDIT, root, parent, dict(BOOKINGSONE_BENCH_REPLAY='1'))


def failures(run):
    """Hosts failed or unreachable in a run, from its recap."""
    return sum(failed + unreachable for _changed, unreachable, failed in run['recap'].values())


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
        self.records = os.path.join(self.work, 'records')  # what a replayed tree's plugins recorded (replay_code)
        os.makedirs(self.records)
        self.emu = Emulator(os.path.join(self.work, 'emulator'), os.path.join(self.work, 'seed.yml'), reset=True)
        self.runs = 0

    def env(self, cache, code):
        env = dict(os.environ)
        env['ANSIBLE_COLLECTIONS_PATH'] = code.collections
        endpoints = self.emu.endpoints
        env.update(
            AZURE_CLIENT_ID=OPERATOR, AZURE_CLIENT_SECRET=SECRET, AZURE_AUTHORITY_HOST=endpoints['login'],
            BOOKINGSONE_GRAPH_ENDPOINT=endpoints['graph'], BOOKINGSONE_EXCHANGE_ENDPOINT=endpoints['exchange'],
            REQUESTS_CA_BUNDLE=endpoints['ca_bundle'], BOOKINGSONE_TOKEN_CACHE_DIR=cache,
            ANSIBLE_VAULT_PASSWORD_FILE=self.vault_pass, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_LOCAL_TEMP=os.path.join(self.work, 'ansible-tmp'), NO_PROXY='127.0.0.1,localhost',
            BOOKINGSONE_BENCH_RECORDS=self.records,
        )
        env.update(code.env)
        for name in ('AZURE_TENANT_ID', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY'):
            env.pop(name, None)
        return env

    def run(self, label, playbook, forks, *extra, code=None):
        """One ansible-playbook run of `code` (default: this tree): wall s, CPU s (user+sys of it and its
        children), rc, recap, log entries. `playbook` is a path relative to the code's root."""
        code = code or CURRENT
        self.runs += 1
        tag = '%02d-%s-f%d' % (self.runs, label.replace(' ', '-'), forks)
        cache = os.path.join(self.work, 'tokens', tag)  # a new token cache per run
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', self.inventory,
                   '-f', str(forks), os.path.join(code.root, playbook)] + list(extra)
        log_path = os.path.join(self.work, tag + '.log')
        mark = self.emu.log.seq
        with open(log_path, 'w') as output:
            started = time.monotonic()
            proc = subprocess.Popen(command, cwd=code.root, env=self.env(cache, code), stdout=output,
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
        mine = [e for e in run['requests'] if e['tenant'] in tenants]
        run.update(
            per_service=dict((s, by_service[s] / t) for s in ('login', 'graph', 'exchange')),
            total=total / t, max_tenant=max(per_tenant.values()) if per_tenant else 0,
            tokens=dict((r, tokens[r] / t) for r in ('graph', 'exchange', 'other')), openid=openid / t,
            writes=sum(1 for e in run['requests'] if e['write']), foreign=foreign,
            inner=inner / t,
            cmdlets=Counter(report.exchange_kind(e) for e in mine if e['service'] == 'exchange'),
            graph_paths=Counter(report.graph_path(e) for e in mine if e['service'] == 'graph'),
            changed=sum(c for c, _u, _f in run['recap'].values()),
            failed=failures(run),
            cpu_tenant=run['cpu'] / t)
        return run


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
            run = case.run('audit lines', AUDIT, 20, '--diff',
                           '-e', 'bookingsone_report_dir=%s' % os.path.join(audit_reports, callback))
        finally:
            os.environ.pop('ANSIBLE_STDOUT_CALLBACK', None)
        counts[callback] = len(run['output'].splitlines())
    print('\n%s: lines printed by audit.yml --diff (forks 20): default callback %d, fleet callback %d (%.1f per tenant)'
          % (case.name, counts['default'], counts['bookingsone.office365.fleet'],
             counts['bookingsone.office365.fleet'] / float(case.tenants)))
    return counts


AUDIT, ONBOARD = os.path.join('playbooks', 'audit.yml'), os.path.join('playbooks', 'onboard.yml')
NO_PROOF = ('-e', 'bookingsone_proof=off')


def audit_args(case, forks, reports):
    return ('--check', '-e', 'bookingsone_report_dir=%s' % os.path.join(reports, '%s-f%d' % (case.name, forks)))


def runs_of(case, forks, baseline, reports, replaying=None):
    """(label, playbook, forks, extra arguments, code) of each measured run of a case, in order."""
    codes = [('', CURRENT)] + ([(' (baseline)', baseline)] if baseline else [])
    big = case.tenants > BIG_CASE
    for f in forks[-1:] if big else forks:
        report_dir = audit_args(case, f, reports)
        for suffix, code in codes:
            yield 'audit' + suffix, AUDIT, f, report_dir + NO_PROOF, code
            if not big:
                yield 'onboard converged' + suffix, ONBOARD, f, NO_PROOF, code
        if not big:
            yield 'empty play', case.empty, f, (), CURRENT
            if replaying:
                yield report.REPLAYED_AUDIT, AUDIT, f, report_dir + NO_PROOF, replaying
    if not big:
        yield 'audit with proof', AUDIT, forks[-1], report_dir, CURRENT  # the proof's own cost, apart


def broken(case, run):
    """A run every later one needs (the first onboard, the recording) that failed: said, with its output's end."""
    if run['rc'] or failures(run):
        print('\nThe %s of %s failed (rc=%d); output: %s\n%s'
              % (run['label'], case.name, run['rc'], run['log'], run['output'][-4000:]))
        return True
    return False


def run_case(case, forks, baseline, audit_reports, lines=False, repeats=1, replayed=None):
    case.emu.start()
    scopes = TokenScopes(case.emu)
    rows = []
    try:
        first = case.run('first onboard', ONBOARD, max(forks))
        case.measure(first, scopes)
        if broken(case, first):
            return None
        print('\n%s: first onboard (converging, no latency, not measured): %.1f s wall, %.2f s CPU/tenant, '
              '%.1f requests/tenant (%.1f inside $batch), %d writes, %d changed'
              % (case.name, first['wall'], first['cpu_tenant'], first['total'], first['inner'], first['writes'],
                 first['changed']), flush=True)
        if lines:
            output_lines(case, audit_reports)
            return []
        replaying = None
        if replayed and case.tenants <= BIG_CASE:  # the converged audit, run for real and recorded (not measured)
            recorded = case.run('recording for the replay', AUDIT, max(forks),
                                *(audit_args(case, max(forks), audit_reports) + NO_PROOF), code=replayed[0])
            if broken(case, recorded):
                return None
            replaying = replayed[1]
        case.emu.set_faults({'latency_ms': case.latency_ms, 'services': ['login', 'graph', 'exchange']})
        for round_ in range(repeats):
            for label, playbook, f, extra, code in runs_of(case, forks, baseline, audit_reports, replaying):
                print('  %s: %s, forks %d%s ...' % (case.name, label, f,
                                                    ', round %d of %d' % (round_ + 1, repeats) if repeats > 1 else ''),
                      flush=True)
                rows.append(case.measure(case.run(label, playbook, f, *extra, code=code), scopes))
        case.emu.set_faults({})
    finally:
        case.emu.stop()
    return median_rows(rows)


def median_rows(rows):
    """One row per (label, forks): the run of median CPU, with every run's CPU per tenant (cpu_runs) and the
    highest rc of them (a target is met only when every run completed)."""
    groups = {}
    for row in rows:
        groups.setdefault((row['label'], row['forks']), []).append(row)
    merged = []
    for runs in groups.values():
        ranked = sorted(runs, key=lambda run: run['cpu'])
        row = dict(ranked[(len(ranked) - 1) // 2], cpu_runs=[run['cpu_tenant'] for run in runs],
                   rc=max(runs, key=lambda run: abs(run['rc']))['rc'])
        merged.append(row)
    return merged


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
    parser.add_argument('--cases', type=parse_cases, default=parse_cases('20x20,1x10,1x200,500x20'),
                        help='comma-separated TxR cases (default 20x20,1x10,1x200,500x20)')
    parser.add_argument('--tenants', type=int, help='one case of this many tenants (with --rooms; replaces --cases)')
    parser.add_argument('--rooms', type=int, help='rooms per tenant of that case (default 20)')
    parser.add_argument('--forks', default='5,20', help='comma-separated forks to measure (default 5,20)')
    parser.add_argument('--latency-ms', type=int, default=50, help='injected latency per request (default 50)')
    parser.add_argument('--baseline', default=BASELINE,
                        help='git revision measured beside this tree in the same run (default %s, the code before '
                             'issue 25\'s CPU work); none: do not' % BASELINE)
    parser.add_argument('--quick', action='store_true', help='2 tenants x 2 rooms, forks 20, no baseline (for CI)')
    parser.add_argument('--repeats', type=int,
                        help='rounds of a case\'s runs, interleaved; each figure is the run of median CPU (default: '
                             '%d for a case of one tenant, whose CPU per tenant is one run\'s, 1 otherwise)' % SMALL_REPEATS)
    parser.add_argument('--keep', action='store_true', help='keep the work directory (logs, seeds, inventories)')
    parser.add_argument('--output-lines', action='store_true',
                        help='instead of timings: the lines audit.yml --diff prints per case, with the default and '
                             'the fleet callback')
    args = parser.parse_args()
    cases = args.cases
    if args.tenants or args.rooms:
        cases = [(args.tenants or 1, args.rooms or 20)]
    forks = sorted(set(int(f) for f in args.forks.split(',')))
    if args.quick:
        cases, forks, args.baseline = [(2, 2)], [20], 'none'
    work = tempfile.mkdtemp(prefix='bookingsone-bench-')
    baseline = None if args.baseline == 'none' or args.output_lines else baseline_code(args.baseline, work)
    replayed = None if args.output_lines else replay_code(work)
    print('Benchmark of audit.yml, converged onboard.yml, an empty play and the audit with the collection\'s work '
          'replayed; cases %s, forks %s, %d ms latency per request on login, Graph and Exchange (emulator in process, '
          'loopback only); baseline: %s.'
          % (', '.join('%dx%d' % c for c in cases), ', '.join(map(str, forks)), args.latency_ms,
             baseline.name if baseline else 'none'))
    print('Each run has a new token cache directory: token counts are per run. CPU = user+sys of ansible-playbook '
          'and all its children (os.wait4). Work directory (removed at the end unless --keep): %s' % work, flush=True)
    print('Each tree runs in its root, with its ansible.cfg: internal_poll_interval %s' % '; '.join(
        '%s %s' % (code.name.split(' ')[0] if code is baseline else code.name, poll_interval(code))
        for code in [CURRENT] + ([baseline] if baseline else [])), flush=True)
    results, broken = [], False
    try:
        for tenants, rooms in cases:
            case = Case(tenants, rooms, args.latency_ms, work)
            repeats = args.repeats or (SMALL_REPEATS if tenants == 1 else 1)
            rows = run_case(case, forks, baseline, os.path.join(work, 'reports'), args.output_lines, max(1, repeats),
                            replayed)
            if rows is None:
                broken = True
                continue
            results.append((case, rows))
        if not args.output_lines:
            for case, rows in results:
                report.table(case, rows)
                report.ratios(case, rows)
            report.targets(results, baseline.name if baseline else None)
    finally:
        if args.keep or broken:
            print('\nWork directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
