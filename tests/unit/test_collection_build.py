"""The Galaxy tarball holds the collection and nothing a checkout collects while it is used: galaxy.yml's
`manifest` is an allowlist. The repository's files are copied to a temporary directory, the files a person's
runs leave behind are planted there (an inventory, hand-off files, the emulator's keys, reports, a virtualenv),
the tarball is built with this virtualenv's ansible-galaxy, and its listing is checked both ways.

Runs in a git checkout only: from an installed collection (ansible-test units) there is nothing to build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GALAXY = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')

# Left behind by the README's own steps and the tools: each must stay out of the tarball.
PLANTED = (
    'inventories/prod/hosts.yml',  # the inventory path the README suggests
    'inventories/prod/group_vars/all/main.yml',
    'handoff/contoso.vault.yml',  # the default hand-off directory (vault-encrypted client secrets)
    'handoff/contoso.rooms-before.json',
    'playbooks/handoff/contoso.vault.yml',  # the roles' own default, beside the playbook
    '.emulator/ca-key.pem',  # an emulator state directory: keys, operator certificates, state
    '.emulator/operators/x.pem',
    '.emulator/state.json',
    '.emulator/state.sqlite3',
    '.emulator/state.sqlite3-wal',
    '.emulator/state.sqlite3-shm',
    'reports/audit.json',
    'reports/audit.html',
    '.venv/lib/x.py',
    '.venv-oldest/lib/x.py',
    'build/dist/bookingsone-office365-0.0.1.tar.gz',
    'tests/output/browser/page.png',
    'plugins/modules/__pycache__/app_secret.cpython-311.pyc',
    'playbooks/audit.retry',
)
# Not for a user of the collection, though they are in the repository.
DEVELOPMENT = ('emulator/', 'tools/', 'tests/integration/', 'tests/emulator/', 'tests/browser/', 'molecule/',
               '.ci/', 'Makefile', 'ansible.cfg', 'pytest.ini', 'requirements-dev.txt', 'requirements-oldest.txt',
               'galaxy.yml')
# Non-Python files beside the plugins (the report page's styles and script): they ship with the plugins.
ASSETS = ('plugins/plugin_utils/report_assets/planted-by-test.css',
          'plugins/plugin_utils/report_assets/planted-by-test.js')
# What may be at the top of the tarball.
TOP_LEVEL = {'MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'COPYING', '.ansible-lint', '.gitignore',
             'requirements.txt', 'bindep.txt', 'meta', 'plugins', 'roles', 'playbooks', 'docs', 'changelogs',
             'execution-environment', 'tests'}
# The collection itself: every file of the checkout under these goes into the tarball.
CONTENT = ('meta/', 'plugins/', 'roles/', 'playbooks/', 'docs/', 'changelogs/', 'execution-environment/',
           'tests/unit/', 'tests/sanity/')


def _checkout_files():
    """The checkout's files as git sees them (tracked, and new ones not ignored), or None outside a checkout."""
    if shutil.which('git') is None or not os.path.exists(os.path.join(ROOT, 'galaxy.yml')):
        return None
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                            capture_output=True, check=False)
    if listed.returncode != 0:
        return None
    names = [name.decode() for name in listed.stdout.split(b'\0') if name]
    return sorted(name for name in names if os.path.isfile(os.path.join(ROOT, name)))  # not ones deleted since


def _write(path, text='planted by test_collection_build\n'):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    files = _checkout_files()
    if files is None:
        pytest.skip('not a git checkout of the collection: nothing to build')
    if not os.path.exists(GALAXY):
        pytest.skip('no ansible-galaxy beside %s' % sys.executable)
    copy = str(tmp_path_factory.mktemp('checkout'))
    for name in files:
        os.makedirs(os.path.dirname(os.path.join(copy, name)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), os.path.join(copy, name))
    for name in PLANTED + ASSETS:
        _write(os.path.join(copy, name))
    output = str(tmp_path_factory.mktemp('dist'))
    built = subprocess.run([GALAXY, 'collection', 'build', '--output-path', output], cwd=copy, capture_output=True,
                           text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    [name] = os.listdir(output)
    with tarfile.open(os.path.join(output, name)) as archive:
        members = set(member.name for member in archive.getmembers() if member.isfile())
    return files, members


def test_nothing_a_checkout_collects_is_packed(tarball):
    members = tarball[1]
    for name in PLANTED:
        assert name not in members, name
    assert not [name for name in members if name.endswith(('.pyc', '.pyo', '.retry', '.tar.gz'))]
    assert not [name for name in members if name.startswith(DEVELOPMENT)]


def test_only_the_collection_is_at_the_top(tarball):
    members = tarball[1]
    assert set(name.split('/')[0] for name in members) <= TOP_LEVEL
    assert not [name for name in members if name.startswith('tests/') and not name.startswith(CONTENT)]


def test_the_collection_is_packed_whole(tarball):
    files, members = tarball
    content = [name for name in files if name.startswith(CONTENT) and not name.endswith(('.pyc', '.retry'))
               and '/__pycache__/' not in name and not name.startswith('playbooks/handoff/')]
    assert [name for name in content if name not in members] == []
    for name in ASSETS + ('README.md', 'meta/runtime.yml', 'meta/execution-environment.yml', 'requirements.txt',
                          'bindep.txt', 'playbooks/audit.yml', 'playbooks/onboard.yml', 'playbooks/tasks/preflight.yml',
                          'playbooks/vars/tenant.yml', 'roles/entra_app/tasks/main.yml',
                          'roles/room_policy/meta/argument_specs.yml', 'plugins/modules/app_secret.py',
                          'docs/awx.md', 'docs/modules/app_secret.md', 'changelogs/changelog.yaml',
                          'changelogs/config.yaml', 'execution-environment/execution-environment.yml'):
        assert name in members, name
