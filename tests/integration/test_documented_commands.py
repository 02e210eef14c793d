"""Every shell command the documentation shows runs as written.

The commands are the lines of the fenced ```sh blocks of README.md, docs/*.md and emulator/README.md. Each
block runs, one command after the other, in a fresh copy of the repository with what `make venv` leaves there
(.venv, and the build/collections link to the copy), from a shell of a person who has done nothing else: the
project's virtualenv is not on PATH, no ANSIBLE_*, AZURE_*, BOOKINGSONE_* or PYTHONPATH variable is set, and
HOME is empty but for the vault password file the README names. What one command exports (`eval "$(...)"`,
`export`, `source`) holds for the next commands of its block. A command passes when it exits 0.

A block that runs playbooks on `inventories/prod` (the README's example inventory) runs against an emulator
the test starts with the documented command: it starts with the exports `python -m emulator env` prints, and
inventories/prod is written from the tenants that command lists, as a person trying the README would.

Commands that cannot run here are in NOT_RUN with the reason, and commands that serve in the foreground are in
FOREGROUND; anything else new in the docs runs, so a command that does not work as written fails this test until
the doc or the command is fixed, or it is listed with its reason.
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import select
import shlex
import shutil
import signal
import ssl
import subprocess
import time
import urllib.request

import pytest

from tests.emulator.emulator_fixture import REPO

DOCS = ('README.md', 'docs/*.md', 'emulator/README.md')
FENCE = re.compile(r'^```(sh|bash|shell)\s*$')
TIMEOUT = 300  # seconds, per command

# Commands of the docs that are not run here, and why (the command as written, without its trailing comment).
NOT_RUN = {
    'make test': 'the whole of CI (.ci/run), this test included',
    'export AZURE_CLIENT_ID=<operator app id> AZURE_CLIENT_SECRET=<secret>':
        'placeholders for a real operator: the block starts with the exports `python -m emulator env` prints for '
        "the test's emulator instead",
    '.venv/bin/ansible-builder build  -f execution-environment/execution-environment.yml '
    '-t bookingsone-office365-ee:0.1.0': 'needs a running podman or docker, and pulls its base image from quay.io',
    '.venv/bin/ansible-playbook -i inventories/prod playbooks/bootstrap.yml -e bookingsone_operator_role=onboard':
        'waits for a person to sign in with the device code it prints; tests/integration/test_bootstrap.py runs it '
        'and approves the code through the emulator',
    '.venv/bin/python tools/stress_secret_lifecycle.py --rounds 20':
        'about 15 minutes; tests/integration/test_secret_concurrency.py runs its checks for three rounds',
}
# Commands that serve in the foreground until stopped: started as written, checked to answer, stopped with SIGTERM.
FOREGROUND = (
    '.venv/bin/python -m emulator serve --state-dir .emulator --seed emulator/seeds/demo.yml',
)
# A block that runs a playbook on this inventory needs a tenant: the test's emulator and inventory.
NEEDS_TENANT = re.compile(r'ansible-playbook\b.*\s-i\s+inventories/prod\b')
# The README's inventory, as a person writes it for a tenant `env` lists (the demo seed's Contoso).
TENANT_DOMAIN = 'contoso.onmicrosoft.com'
HOST_VARS = {
    'bookingsone_callback_url': 'https://contoso.bookingsone.example/auth/callback',
    'bookingsone_delegate': 'bookings@contoso.onmicrosoft.com',
    'bookingsone_room_list': 'hq-rooms@contoso.onmicrosoft.com',
}


def _without_comment(line):
    """A command line without its trailing `# comment` (a # that starts a word, outside quotes)."""
    quote, escaped = None, False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == '\\':
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in '\'"':
            quote = char
        elif char == '#' and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def documented_blocks():
    """[(doc, line of the fence, [(line, command)])] for every shell block of the docs, in the docs' order."""
    blocks = []
    for pattern in DOCS:
        for path in sorted(glob.glob(os.path.join(REPO, pattern))):
            doc = os.path.relpath(path, REPO)
            with open(path) as handle:
                lines = handle.read().splitlines()
            block, pending, first = None, '', None
            for number, text in enumerate(lines, 1):
                if block is None:
                    if FENCE.match(text.strip()):
                        block = (doc, number, [])
                    continue
                if text.strip().startswith('```'):
                    assert not pending, '%s:%d: a command continues past the end of its block' % (doc, number)
                    blocks.append(block)
                    block = None
                    continue
                command = _without_comment(text).strip()
                if not command:
                    continue
                first = first or number
                if command.endswith('\\'):  # continued on the next line
                    pending += command[:-1] + ' '
                    continue
                block[2].append((first, pending + command))
                pending, first = '', None
    return blocks


def _key(command):
    return ' '.join(command.split())


NOT_RUN_KEYS = dict((_key(command), reason) for command, reason in NOT_RUN.items())
FOREGROUND_KEYS = set(_key(command) for command in FOREGROUND)
BLOCKS = documented_blocks()


def _user_path():
    """PATH without this virtualenv (make puts it first): the project's tools only by their .venv/bin path."""
    venv = os.path.realpath(os.path.join(REPO, '.venv'))
    kept = [entry for entry in os.environ.get('PATH', '').split(os.pathsep)
            if entry and not os.path.realpath(entry).startswith(venv + os.sep)
            and os.path.realpath(entry) != venv]
    return os.pathsep.join(kept)


class Shell(object):
    """Runs commands one after the other as bash does in one terminal: exports and the directory carry over."""

    def __init__(self, env, cwd, scratch):
        self.env, self.cwd, self.scratch = dict(env), cwd, scratch

    def run(self, command, timeout=TIMEOUT):
        dump = os.path.join(self.scratch, 'env-%s' % secrets.token_hex(4))
        script = '%s\nstatus=$?\nenv -0 > %s\nexit $status\n' % (command, shlex.quote(dump))
        done = subprocess.run(['bash', '-c', script], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if os.path.exists(dump):
            with open(dump) as handle:
                pairs = [item.split('=', 1) for item in handle.read().split('\0') if '=' in item]
            os.remove(dump)
            self.env = dict((name, value) for name, value in pairs if name not in ('_', 'SHLVL', 'OLDPWD'))
            self.cwd = self.env.get('PWD', self.cwd)
        return done

    def serve(self, command):
        """A command that serves in the foreground: it must print the endpoints, answer, and stop on SIGTERM."""
        server = subprocess.Popen(['bash', '-c', 'exec ' + command], cwd=self.cwd, env=self.env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            ready, _, _ = select.select([server.stdout], [], [], 60)
            assert ready, 'printed nothing within 60 s'
            endpoints = json.loads(server.stdout.readline())
            assert os.path.isabs(endpoints['ca_bundle']), endpoints
            context = ssl.create_default_context(cafile=endpoints['ca_bundle'])
            urllib.request.urlopen(endpoints['control'] + '/requests', context=context, timeout=10).read()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        return server.returncode


@pytest.fixture(scope='module')
def checkout(tmp_path_factory):
    """A fresh copy of the repository (git's files: tracked, and new ones not ignored) as `make venv` leaves it."""
    venv = os.path.join(REPO, '.venv')
    assert os.path.exists(os.path.join(venv, 'bin', 'python')), 'run `make venv` first'
    copy = str(tmp_path_factory.mktemp('checkout'))
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=REPO,
                            capture_output=True, check=True).stdout
    for name in (item.decode() for item in listed.split(b'\0') if item):
        if os.path.isfile(os.path.join(REPO, name)):
            os.makedirs(os.path.dirname(os.path.join(copy, name)), exist_ok=True)
            shutil.copy2(os.path.join(REPO, name), os.path.join(copy, name))
    os.symlink(venv, os.path.join(copy, '.venv'))
    # `make demo` here must find that venv current (the requirements files keep their times in the copy), or it
    # would build another one from the package index.
    current = subprocess.run(['make', '-q', '.venv/bin/.installed'], cwd=copy, capture_output=True, check=False)
    assert current.returncode == 0, '.venv is older than the requirements files: run `make venv` first'
    link = os.path.join(copy, 'build', 'collections', 'ansible_collections', 'bookingsone', 'office365')
    os.makedirs(os.path.dirname(link))
    os.symlink(copy, link)
    return copy


@pytest.fixture(scope='module')
def user_env(tmp_path_factory):
    home = str(tmp_path_factory.mktemp('home'))
    with open(os.path.join(home, '.vault-pass'), 'w') as handle:  # the README's --vault-password-file ~/.vault-pass
        handle.write(secrets.token_urlsafe(24) + '\n')
    os.chmod(os.path.join(home, '.vault-pass'), 0o600)
    # Not what a person's shell has: what make (MAKEFLAGS...), pytest and the Makefile's exports set, and settings
    # of Ansible, the modules and Python.
    unset = ('ANSIBLE_', 'AZURE_', 'BOOKINGSONE_', 'PYTHON', 'VIRTUAL_ENV', 'PYTEST_', 'MAKE', 'MFLAGS')
    env = dict((name, value) for name, value in os.environ.items()
               if not name.startswith(unset) and name not in ('REQUESTS_CA_BUNDLE', 'XDG_CACHE_HOME', 'NO_COLOR'))
    env.update(HOME=home, PATH=_user_path())
    return env


@pytest.fixture(scope='module')
def tenant_exports(checkout, user_env, tmp_path_factory):
    """The test's emulator (demo seed), started and described by the documented commands, and inventories/prod
    in the copy for the tenant it lists: the variables `eval "$(python -m emulator env ...)"` exports."""
    state = str(tmp_path_factory.mktemp('emulator'))
    shell = Shell(user_env, checkout, str(tmp_path_factory.mktemp('shell')))
    started = shell.run('.venv/bin/python -m emulator start --state-dir %s --seed emulator/seeds/demo.yml'
                        % shlex.quote(state))
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        listing = shell.run('.venv/bin/python -m emulator env --state-dir %s' % shlex.quote(state))
        assert listing.returncode == 0, listing.stdout + listing.stderr
        tenants = dict((domain, tenant_id) for tenant_id, domain in
                       re.findall(r'^# tenant (\S+) (\S+) ', listing.stdout, re.M))
        before = dict(shell.env)
        evaluated = shell.run('eval "$(.venv/bin/python -m emulator env --state-dir %s)"' % shlex.quote(state))
        assert evaluated.returncode == 0, evaluated.stderr
        exports = dict((name, value) for name, value in shell.env.items() if before.get(name) != value)
        inventory = os.path.join(checkout, 'inventories', 'prod')
        for name, text in (
                ('hosts.yml', 'tenants:\n  hosts:\n    contoso:\n'),
                ('host_vars/contoso.yml', 'bookingsone_tenant_id: %s\n' % tenants[TENANT_DOMAIN]
                 + ''.join('%s: %s\n' % item for item in sorted(HOST_VARS.items()))),
                ('group_vars/all/main.yml', 'ansible_python_interpreter: "{{ ansible_playbook_python }}"\n')):
            os.makedirs(os.path.dirname(os.path.join(inventory, name)), exist_ok=True)
            with open(os.path.join(inventory, name), 'w') as handle:
                handle.write('---\n' + text)
        yield exports
    finally:
        shell.run('.venv/bin/python -m emulator stop --state-dir %s' % shlex.quote(state))


def test_the_docs_have_commands_and_every_listed_one_is_in_them():
    written = set(_key(command) for _, _, commands in BLOCKS for _, command in commands)
    assert len(written) >= 10, 'the fences of the docs were not found: %s' % sorted(written)
    assert sorted(set(NOT_RUN_KEYS) - written) == [], 'listed in NOT_RUN but in no doc any more'
    assert sorted(FOREGROUND_KEYS - written) == [], 'listed in FOREGROUND but in no doc any more'


@pytest.mark.parametrize('block', BLOCKS, ids=['%s:%d' % (doc, line) for doc, line, _ in BLOCKS])
def test_documented_block_runs_as_written(block, checkout, user_env, request, tmp_path):
    doc, _, commands = block
    env = dict(user_env)
    if any(NEEDS_TENANT.search(command) for _, command in commands):
        env.update(request.getfixturevalue('tenant_exports'))
    shell = Shell(env, checkout, str(tmp_path))
    failures = []
    for line, command in commands:
        key = _key(command)
        if key in NOT_RUN_KEYS:
            continue
        started = time.time()
        if key in FOREGROUND_KEYS:
            try:
                status, output = shell.serve(command), ''
            except (AssertionError, OSError, ValueError) as exc:
                status, output = 'did not serve', str(exc)
        else:
            done = shell.run(command)
            status, output = done.returncode, done.stdout + done.stderr
        if status != 0:
            failures.append('%s:%d: %s\n  exit %s after %.1f s; the end of its output:\n%s'
                            % (doc, line, command, status, time.time() - started, output[-3000:]))
    assert not failures, 'documented commands that do not work as written:\n\n' + '\n\n'.join(failures)
