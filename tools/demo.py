"""The demo: the emulator with three demo tenants, then audit -> onboard -> audit.

Run with `make demo`. State persists in .emulator/, so a second run finds
everything in place and changes nothing; `make demo-reset` starts over from
the seed (emulator/seeds/demo.yml).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, '.emulator')
SEED = os.path.join(ROOT, 'emulator', 'seeds', 'demo.yml')
REPORTS = os.path.join(ROOT, 'reports')
HANDOFF = os.path.join(STATE, 'handoff')
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)', re.M)


def emulator(*args):
    return subprocess.run([sys.executable, '-m', 'emulator'] + list(args), cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def environment(endpoints):
    operator = yaml.safe_load(open(SEED))['operators'][0]
    vault_pass = os.path.join(STATE, 'vault-pass')
    if not os.path.exists(vault_pass):
        fd = os.open(vault_pass, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(secrets.token_urlsafe(24))
    env = dict(os.environ)
    env.update(
        AZURE_CLIENT_ID=operator['app_id'], AZURE_CLIENT_SECRET=operator['secrets'][0]['value'],
        AZURE_AUTHORITY_HOST=endpoints['login'], BOOKINGSONE_GRAPH_ENDPOINT=endpoints['graph'],
        BOOKINGSONE_EXCHANGE_ENDPOINT=endpoints['exchange'], REQUESTS_CA_BUNDLE=endpoints['ca_bundle'],
        BOOKINGSONE_TOKEN_CACHE_DIR=os.path.join(STATE, 'tokens'), BOOKINGSONE_HANDOFF_DIR=HANDOFF,
        ANSIBLE_VAULT_PASSWORD_FILE=vault_pass, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
    )
    env.pop('AZURE_TENANT_ID', None)
    return env


def playbook(env, name, *extra):
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', os.path.join(ROOT, 'inventories', 'demo'),
               os.path.join(ROOT, 'playbooks', name)] + list(extra)
    started = time.time()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    with open(os.path.join(REPORTS, name.replace('.yml', '') + '.log'), 'a') as log:
        log.write(done.stdout + done.stderr)
    recap = dict((m.group(1), (int(m.group(2)), int(m.group(3)))) for m in RECAP.finditer(done.stdout))
    return done.returncode, recap, time.time() - started


def load_report(name):
    with open(os.path.join(REPORTS, name + '.json')) as handle:
        return json.load(handle)


def controls(name):
    return load_report(name)['controls']


def overview(name):
    """The numbers the page's overview opens with, from the report's JSON."""
    report = load_report(name)
    tenants = [t['status'] for t in report['summary']['tenants'].values()]
    totals, drift = report['summary']['totals'], report.get('drift') or {}
    since = ('drift since %s: %d new, %d fixed, %d still failing' % (
        drift['previous'], drift['new'], drift['fixed'], drift['still_failing']) if drift.get('previous')
        else 'no earlier run to compare with')
    return ('%d tenant(s): %d in error, %d not onboarded, %d failing, %d passing; controls: %d fail, %d error, '
            '%d pass; %s' % (len(tenants), tenants.count('error'), tenants.count('not_onboarded'), tenants.count('fail'),
                             tenants.count('pass'), totals['fail'], totals['error'], totals['pass'], since))


def counts(items, tenant):
    mine = [c for c in items if c['tenant'] == tenant]
    return '%d fail, %d error, %d pass' % tuple(sum(1 for c in mine if c['status'] == s)
                                               for s in ('fail', 'error', 'pass'))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--reset', action='store_true', help='start the tenants over from the seed')
    args = parser.parse_args()
    os.makedirs(REPORTS, exist_ok=True)
    for name in os.listdir(REPORTS):
        if name.endswith('.log'):
            os.remove(os.path.join(REPORTS, name))
    started = time.time()
    if args.reset and os.path.isdir(HANDOFF):
        shutil.rmtree(HANDOFF)  # secrets and room records of the tenants being reset
    endpoints = json.loads(emulator('start', '--state-dir', STATE, '--seed', SEED, '--latency-ms', '5',
                                    *(['--reset'] if args.reset else [])))
    try:
        env = environment(endpoints)
        rc_before, _, t_before = playbook(env, 'audit.yml', '--diff', '-e', 'bookingsone_report_name=audit-before')
        rc_onboard, recap, t_onboard = playbook(env, 'onboard.yml')
        rc_after, _, t_after = playbook(env, 'audit.yml', '-e', 'bookingsone_report_name=audit-after')
    finally:
        emulator('stop', '--state-dir', STATE)
    before, after = controls('audit-before'), controls('audit-after')
    tenants = sorted(set(c['tenant'] for c in before))
    print('\nBookings ONE demo on the offline emulator (%s)\n' % endpoints['graph'])
    print('%-10s | %-28s | %-17s | %-28s' % ('tenant', 'audit before', 'onboard changed', 'audit after'))
    print('-' * 93)
    for tenant in tenants:
        changed, failed = recap.get(tenant, (0, 0))
        print('%-10s | %-28s | %-17s | %-28s' % (tenant, counts(before, tenant),
                                                 '%d task(s)%s' % (changed, ' FAILED' if failed else ''),
                                                 counts(after, tenant)))
    fixed = [b for b in before if b['status'] != 'pass' and any(
        a['status'] == 'pass' and (a['tenant'], a['room'], a['id']) == (b['tenant'], b['room'], b['id'])
        for a in after)]
    print('\nDrift found by the first audit and fixed by onboarding: %d control(s)' % len(fixed))
    grouped = {}
    for item in fixed:
        grouped.setdefault((item['tenant'], item['id']), []).append(item)
    for (tenant, _id), items in sorted(grouped.items()):
        where = '%d room(s)' % len(items) if items[0]['room'] else 'tenant'
        print('  %-10s %-45s %-12s was %s' % (tenant, items[0]['name'], where, json.dumps(items[0]['observed'])[:60]))
    print('\nReports (.html to open in a browser; also .json, .csv, .junit.xml, .prom and one JSON per run):')
    for name in ('audit-before', 'audit-after'):
        print('  %s\n    %s' % (os.path.join(REPORTS, name + '.html'), overview(name)))
    print('Playbook output: %s/*.log; credentials handed over (vault-encrypted): %s' % (REPORTS, HANDOFF))
    print('Times: audit %.1f s, onboard %.1f s, audit %.1f s; total %.1f s'
          % (t_before, t_onboard, t_after, time.time() - started))
    remaining = [a for a in after if a['status'] != 'pass']
    if rc_onboard or rc_before or rc_after or remaining:
        print('\nNOT CLEAN: onboard rc=%d, audits rc=%d/%d, %d control(s) still not passing'
              % (rc_onboard, rc_before, rc_after, len(remaining)))
        return 1
    print('Every control passes after onboarding.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
