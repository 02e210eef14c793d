"""Integration tests: real ansible-playbook runs against the emulator over HTTPS.

The emulator runs in this pytest process; each playbook runs as a child
process, exactly as an operator would run it, and the emulator's request log
tells what reached "Microsoft". Plain helpers are in helpers.py.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest

from helpers import REPO, TEST_PLAYBOOKS, VAULT_PASSWORD, Run
from tests.emulator.emulator_fixture import load_seed, running_emulator

# What a test may change of a room, and put back as seeded (Harness.rooms_as_seeded).
ROOM_STATE = ('calendar_processing', 'permissions')


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
        with emulator.store.lock:  # the harness is made before the first test runs: the rooms as seeded
            tenants = [emulator.store.tenant(t['id']) for t in self.seed['tenants']]
            self.seeded_rooms = dict((t['id'], copy.deepcopy(t['exchange']['rooms'])) for t in tenants
                                     if 'exchange' in t)

    def tenant(self, index=0):
        return self.seed['tenants'][index]['id']

    def rooms_as_seeded(self, tenant_index, aliases=None, parts=ROOM_STATE):
        """Put a tenant's rooms (all, or those aliases) back as the seed made them: their calendar processing
        and mailbox permissions (or only the given parts), whatever earlier tests of the session did to them."""
        seeded = self.seeded_rooms[self.tenant(tenant_index)]
        with self.emu.store.lock:
            rooms = self.emu.store.tenant(self.tenant(tenant_index))['exchange']['rooms']
            for alias in sorted(seeded) if aliases is None else aliases:
                for part in parts:
                    rooms[alias][part] = copy.deepcopy(seeded[alias][part])

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

    def mark(self):
        """Where the emulator's request log is now: requests(since=mark()) are the ones made after."""
        seen = self.emu.requests()
        return seen[-1]['seq'] if seen else 0

    def play(self, playbook, check=False, diff=True, verbosity=0, env=None, args=(), **extra_vars):
        """Run a playbook of tests/integration/playbooks against localhost."""
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                   os.path.join(TEST_PLAYBOOKS, playbook), '-e', json.dumps(extra_vars)]
        command += ['--check'] if check else []
        command += ['--diff'] if diff else []
        command += ['-' + 'v' * verbosity] if verbosity else []
        command += list(args)
        mark = self.mark()
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
    with running_emulator(tmp_path_factory.mktemp('emulator'), page_size=2) as emu:
        yield emu


@pytest.fixture(scope='session')
def harness(emulator, tmp_path_factory):
    return Harness(emulator, tmp_path_factory)


@pytest.fixture
def vault(tmp_path):
    """ansible-playbook arguments for a vault password (VAULT_PASSWORD) of the test's own."""
    password = tmp_path / 'vault-pass'
    password.write_text(VAULT_PASSWORD + '\n')
    return ['--vault-password-file', str(password)]
