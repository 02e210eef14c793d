"""Integration tests: real ansible-playbook runs against the emulator over HTTPS.

The emulator runs in this pytest process; each playbook runs as a child
process, exactly as an operator would run it, and the emulator's request log
tells what reached "Microsoft".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from emulator import Emulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(REPO, 'tests', 'integration', 'playbooks')
SEED = os.path.join(REPO, 'emulator', 'seeds', 'test.yml')
RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)'
                   r'\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)', re.M)


def load_seed():
    with open(SEED) as handle:
        return yaml.safe_load(handle)


class Run(object):
    """One ansible-playbook run: exit code, output and the PLAY RECAP per host."""

    def __init__(self, completed, requests):
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.requests = requests
        self.recap = dict((m.group(1), dict(zip(('ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued',
                                                  'ignored'), map(int, m.groups()[1:]))))
                          for m in RECAP.finditer(completed.stdout))

    @property
    def changed(self):
        return sum(host['changed'] for host in self.recap.values())

    @property
    def writes(self):
        return [r for r in self.requests if r.get('write')]

    def __repr__(self):
        return 'Run(rc=%s, recap=%s)\n%s' % (self.rc, self.recap, self.output[-6000:])


class Harness(object):
    def __init__(self, emulator, tmp_path_factory):
        self.emu = emulator
        self.seed = load_seed()
        self.operator = self.seed['operators'][0]
        self.home = str(tmp_path_factory.mktemp('ansible-home'))
        collections = str(tmp_path_factory.mktemp('collections'))
        os.makedirs(os.path.join(collections, 'ansible_collections', 'bookingsone'))
        os.symlink(REPO, os.path.join(collections, 'ansible_collections', 'bookingsone', 'office365'))
        self.collections = collections

    def tenant(self, index=0):
        return self.seed['tenants'][index]['id']

    def env(self, operator=None, **extra):
        operator = operator or self.operator
        endpoints = self.emu.endpoints
        env = dict(os.environ)
        env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_LOCAL_TEMP=os.path.join(self.home, 'tmp'),
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            AZURE_CLIENT_ID=operator['app_id'],
            AZURE_CLIENT_SECRET=operator['secrets'][0]['value'],
            AZURE_AUTHORITY_HOST=endpoints['login'],
            BOOKINGSONE_GRAPH_ENDPOINT=endpoints['graph'],
            BOOKINGSONE_EXCHANGE_ENDPOINT=endpoints['exchange'],
            REQUESTS_CA_BUNDLE=endpoints['ca_bundle'],
            BOOKINGSONE_TOKEN_CACHE_DIR=os.path.join(self.home, 'tokens'),
        )
        env.pop('AZURE_TENANT_ID', None)
        env.update(extra)
        return env

    def play(self, playbook, check=False, diff=True, verbosity=0, env=None, args=(), **extra_vars):
        """Run a playbook of tests/integration/playbooks against localhost."""
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', os.path.join(PLAYBOOKS, playbook),
                   '-e', json.dumps(extra_vars)]
        command += ['--check'] if check else []
        command += ['--diff'] if diff else []
        command += ['-' + 'v' * verbosity] if verbosity else []
        command += list(args)
        mark = self.emu.requests()[-1]['seq'] if self.emu.requests() else 0
        completed = subprocess.run(command, env=env or self.env(), capture_output=True, text=True, timeout=600,
                                   cwd=self.home, check=False)
        return Run(completed, self.emu.requests(since=mark))

    def three_ways(self, playbook, **extra_vars):
        """hashi_vault style: check mode, real run, idempotent re-run, and check mode once converged."""
        check = self.play(playbook, check=True, **extra_vars)
        assert check.rc == 0, check
        assert check.changed > 0, check
        assert check.writes == [], check
        real = self.play(playbook, **extra_vars)
        assert real.rc == 0, real
        assert real.changed > 0 and real.writes, real
        again = self.play(playbook, **extra_vars)
        assert again.rc == 0, again
        assert again.changed == 0 and again.writes == [], again
        audit = self.play(playbook, check=True, **extra_vars)
        assert audit.rc == 0 and audit.changed == 0 and audit.writes == [], audit
        return check, real, again


@pytest.fixture(scope='session')
def emulator(tmp_path_factory):
    emu = Emulator(str(tmp_path_factory.mktemp('emulator')), SEED, page_size=2)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture(scope='session')
def harness(emulator, tmp_path_factory):
    return Harness(emulator, tmp_path_factory)
