"""Plain functions and constants the integration test files share; the fixtures (emulator, harness, vault)
are in conftest.py. Test files import this module as `helpers` (pytest puts this directory on sys.path)."""

from __future__ import annotations

import datetime
import os
import re

import msal
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from emulator.client import EmulatorHttpClient
from tests.emulator.emulator_fixture import REPO

# The tests' own playbooks, and the collection's operator playbooks (playbooks/ at the root).
TEST_PLAYBOOKS = os.path.join(REPO, 'tests', 'integration', 'playbooks')
OPERATOR_PLAYBOOKS = os.path.join(REPO, 'playbooks')

# Contoso (tenant 1) as seeded: its rooms in the address lists, and the Bookings ONE delegate.
CONTOSO_ROOMS = ['annex@contoso.onmicrosoft.com', 'board@contoso.onmicrosoft.com', 'focus-1@contoso.onmicrosoft.com']
CONTOSO_ALIASES = [address.split('@')[0] for address in CONTOSO_ROOMS]  # the emulator's keys of those rooms
DELEGATE = 'bookings@contoso.onmicrosoft.com'

# The entra_app role: the callback the tests give it, and the Graph permissions it consents to by default.
CALLBACK = 'https://contoso.bookingsone.example/auth/callback'
FIVE = ['Calendars.ReadWrite', 'Group.Read.All', 'Mail.Send', 'Place.Read.All', 'User.Read.All']
MAIL_SEND = 'b633e1c5-b582-4048-a93e-9f11b44c7e96'  # the app role id of Graph's Mail.Send
VAULT_PASSWORD = 'integration-vault-password'  # of the `vault` fixture

RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)'
                   r'\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)', re.M)


# The only writes to mailboxes: the proof's, as Bookings ONE (the operator holds no mailbox permission).
PROOF_WRITE = re.compile(r'^/v1\.0/users/[^/]+/(events(/[^/]+)?|sendMail)$')


class Run(object):
    """One ansible-playbook run: exit code, output and the PLAY RECAP per host."""

    def __init__(self, completed, requests):
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.requests = requests
        names = ('ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored')
        self.recap = dict((m.group(1), dict(zip(names, map(int, m.groups()[1:]))))
                          for m in RECAP.finditer(completed.stdout))

    @property
    def changed(self):
        return sum(host['changed'] for host in self.recap.values())

    @property
    def writes(self):
        """What the operator wrote: every write but the proof's, which Bookings ONE makes and undoes."""
        return [r for r in self.requests if r.get('write') and not PROOF_WRITE.search(r['path'])]

    @property
    def proof_writes(self):
        """The proof's test events and booking requests, made and deleted as Bookings ONE (and a test mail)."""
        return [r for r in self.requests if r.get('write') and PROOF_WRITE.search(r['path'])]

    def __repr__(self):
        return 'Run(rc=%s, recap=%s)\n%s' % (self.rc, self.recap, self.output[-6000:])


def operator_playbook(name):
    """The path of one of the collection's operator playbooks (onboard.yml, audit.yml...)."""
    return os.path.join(OPERATOR_PLAYBOOKS, name)


# The emulator's state ---------------------------------------------------------------------------------

def exchange_state(harness, tenant_index):
    return harness.emu.store.tenant(harness.tenant(tenant_index))['exchange']


def processing(harness, tenant_index, alias):
    """A copy of a room's calendar processing as the emulator holds it (Exchange's parameter names)."""
    with harness.emu.store.lock:
        return dict(exchange_state(harness, tenant_index)['rooms'][alias]['calendar_processing'])


def app_by_unique(harness, tenant_index, unique):
    """The application object (the emulator's own, not a copy) of the app with this uniqueName."""
    with harness.emu.store.lock:
        return next(a for a in harness.emu.store.tenant(harness.tenant(tenant_index))['applications']
                    if a.get('uniqueName') == unique)


def withdraw_consent(harness, tenant_index, app_id, app_role_id=MAIL_SEND):
    """Admin consent to one Graph permission taken back behind the automation's back."""
    store = harness.emu.store
    with store.lock:
        tenant = store.tenant(harness.tenant(tenant_index))
        principal = store.principal_by_app_id(tenant, app_id)
        tenant['appRoleAssignments'] = [a for a in tenant['appRoleAssignments']
                                        if not (a['principalId'] == principal['id'] and a['appRoleId'] == app_role_id)]


def days_from_now(days):
    """A Graph dateTime (as endDateTime holds it) `days` days from now."""
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


# The entra_app role and the hand-off ---------------------------------------------------------------------

def role_vars(harness, tmp_path, unique, tenant_index=1, **extra):
    """Variables of tests/integration/playbooks/entra_role.yml for an app of its own (unique name)."""
    values = dict(entra_app_tenant_id=harness.tenant(tenant_index), entra_app_callback_url=CALLBACK,
                  entra_app_unique_name=unique, entra_app_display_name='Bookings ONE %s' % unique,
                  entra_app_handoff_dir=str(tmp_path / 'handoff'))
    values.update(extra)
    return values


def unvault(sealed, password):
    """The data of ansible-vault encrypted YAML (a hand-off file's bytes)."""
    return yaml.safe_load(VaultLib([('default', VaultSecret(password.encode()))]).decrypt(sealed))


def open_vault(path, password):
    """The data of an ansible-vault encrypted YAML file."""
    with open(str(path), 'rb') as handle:
        return unvault(handle.read(), password)


def read_handoff(tmp_path):
    """The hand-off file the entra_role.yml playbook (role_vars) wrote, opened with the vault fixture's password."""
    with open(str(tmp_path / 'handoff' / 'localhost.vault.yml'), 'rb') as handle:
        sealed = handle.read()
    assert sealed.startswith(b'$ANSIBLE_VAULT;1.1;AES256')
    return unvault(sealed, VAULT_PASSWORD)


def token_works(harness, tenant, client_id, secret):
    """Whether the identity platform issues a token for these credentials (as Bookings ONE would ask)."""
    app = msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority='%s/%s' % (harness.emu.endpoints['login'], tenant),
        instance_discovery=False, http_client=EmulatorHttpClient(harness.emu.endpoints['ca_bundle']))
    return 'access_token' in app.acquire_token_for_client([harness.emu.endpoints['graph'] + '/.default'])


# Operator inventories --------------------------------------------------------------------------------

def tenant_host(name, tenant_id, handoff_dir, **extra):
    """The host variables of the tenant `name` (contoso, fabrikam...) in an operator inventory: its
    delegate bookings@<name>.onmicrosoft.com and callback https://<name>.bookingsone.example/cb unless
    `extra` says otherwise."""
    variables = {'bookingsone_tenant_id': tenant_id, 'bookingsone_delegate': 'bookings@%s.onmicrosoft.com' % name,
                 'bookingsone_callback_url': 'https://%s.bookingsone.example/cb' % name,
                 'bookingsone_handoff_dir': str(handoff_dir),
                 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    variables.update(extra)
    return variables


def write_inventory(root, hosts):
    """An inventory at root of the group `tenants`: hosts.yml, and host_vars/<host>.yml of each host's
    variables (hosts: {host: variables}). Returns root as a string, as ansible-playbook -i takes it."""
    root = str(root)
    os.makedirs(os.path.join(root, 'host_vars'), exist_ok=True)
    with open(os.path.join(root, 'hosts.yml'), 'w') as handle:
        yaml.safe_dump({'tenants': {'hosts': dict((host, None) for host in hosts)}}, handle)
    for host, variables in hosts.items():
        with open(os.path.join(root, 'host_vars', host + '.yml'), 'w') as handle:
            yaml.safe_dump(variables, handle)
    return root
