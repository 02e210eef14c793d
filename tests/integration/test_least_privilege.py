"""The least-privileged operator of each playbook (README, "Permissions"): rotation with
Application.ReadWrite.OwnedBy on the app the operator created, the Exchange half with Exchange
Recipient Administrator instead of Exchange Administrator. (The read-only audit identity is
test_exchange_fidelity.test_audit_with_the_read_only_identity_passes_without_writing.)"""

from __future__ import annotations

import contextlib
import json
import os
import uuid

from emulator import catalog
from helpers import DELEGATE

ROOM = 'annex@contoso.onmicrosoft.com'


def permission_id(name):
    return catalog.role_id(catalog.GRAPH_APP_ID, name)


@contextlib.contextmanager
def operator_rights(harness, graph=None, directory_roles=None):
    """Operator 0's Graph app roles and Entra roles in Contoso replaced for the block, then restored."""
    with harness.emu.store.lock:
        tenant = harness.emu.store.tenant(harness.tenant(1))
        principal = harness.emu.store.principal_by_app_id(tenant, harness.operator['app_id'])
        graph_sp = harness.emu.store.principal_by_app_id(tenant, catalog.GRAPH_APP_ID)
        saved_assignments = list(tenant['appRoleAssignments'])
        saved_roles = list(tenant['directoryRoles'].get(principal['id'], []))
        if graph is not None:
            tenant['appRoleAssignments'] = [a for a in saved_assignments if not (
                a['principalId'] == principal['id'] and a['resourceId'] == graph_sp['id'])] + [
                dict(id=str(uuid.uuid4()), appRoleId=permission_id(name), principalId=principal['id'],
                     principalType='ServicePrincipal', resourceId=graph_sp['id'], principalDisplayName='operator',
                     resourceDisplayName='Microsoft Graph', createdDateTime=None, deletedDateTime=None)
                for name in graph]
        if directory_roles is not None:
            tenant['directoryRoles'][principal['id']] = list(directory_roles)
    try:
        yield principal
    finally:
        with harness.emu.store.lock:
            tenant['appRoleAssignments'] = saved_assignments
            tenant['directoryRoles'][principal['id']] = saved_roles


def fresh_tokens(harness, name):
    """A token cache of its own: tokens carry the roles of the moment they were issued."""
    return harness.env(BOOKINGSONE_TOKEN_CACHE_DIR=os.path.join(harness.home, 'tokens-' + name + uuid.uuid4().hex))


def test_rotation_needs_only_owned_by_on_the_app_the_operator_created(harness, tmp_path):
    tenant = harness.tenant(1)
    for unique in ('owned-by-mine', 'owned-by-theirs'):
        created = harness.play('app_registration.yml', tenant=tenant, unique_name=unique, name=unique)
        assert created.rc == 0, created  # created app-only by the operator, which Entra makes its owner
    with harness.emu.store.lock:
        apps = harness.emu.store.tenant(tenant)['applications']
        theirs = next(a for a in apps if a.get('uniqueName') == 'owned-by-theirs')
        harness.emu.store.tenant(tenant)['owners'][theirs['id']] = []  # as if a person had created it
    with operator_rights(harness, graph=['Application.ReadWrite.OwnedBy']):
        env = fresh_tokens(harness, 'owned-by')
        result = str(tmp_path / 'secret.json')
        mine = harness.play('app_secret.yml', env=env, tenant=tenant, unique_name='owned-by-mine', lifetime=90,
                            result_file=result)
        assert mine.rc == 0 and mine.changed == 1, mine
        done = [(w['method'], w['path'].rsplit('/', 1)[-1]) for w in mine.writes if w['status'] < 300]
        # the lease, the new secret, pending, the record, the release: all allowed to the owner
        assert [verb for verb, _what in done] == ['PATCH', 'POST', 'PATCH', 'PATCH', 'PATCH'], mine
        assert done[1] == ('POST', 'addPassword') and len(done) == len(mine.writes), mine
        assert json.load(open(result))['key_id']
        other = harness.play('app_secret.yml', env=env, tenant=tenant, unique_name='owned-by-theirs', lifetime=90)
        assert other.rc != 0 and [w for w in other.writes if w['status'] < 300] == [], other
        assert 'Authorization_RequestDenied' in other.output, other.output


def test_the_exchange_half_needs_only_exchange_recipient_administrator(harness):
    with operator_rights(harness, directory_roles=['Exchange Recipient Administrator']):
        env = fresh_tokens(harness, 'recipient-admin')
        case = dict(tenant=harness.tenant(1), mailboxes=[ROOM], user='alice@contoso.onmicrosoft.com')
        added = harness.play('permission.yml', env=env, **case)
        assert added.rc == 0 and added.changed == 1, added
        assert [w['cmdlet'] for w in added.writes] == ['Add-MailboxPermission'], added
        removed = harness.play('permission.yml', env=env, state='absent', **case)
        assert removed.rc == 0 and [w['cmdlet'] for w in removed.writes] == ['Remove-MailboxPermission'], removed
        # the room policy: Set-CalendarProcessing is the other write of the Exchange half
        harness.rooms_as_seeded(1, ['annex'], parts=['calendar_processing'])
        policy = harness.play('calendar.yml', env=env, tenant=harness.tenant(1), rooms=[ROOM], delegates=[DELEGATE],
                              work_hours_only=False, horizon=False, window=365)
        harness.rooms_as_seeded(1, ['annex'], parts=['calendar_processing'])
        assert policy.rc == 0 and policy.changed == 1, policy
        assert [w['cmdlet'] for w in policy.writes] == ['Set-CalendarProcessing'], policy


def test_without_an_exchange_role_the_exchange_half_is_refused_before_any_write(harness):
    with operator_rights(harness, directory_roles=[]):
        env = fresh_tokens(harness, 'no-role')
        run = harness.play('permission.yml', env=env, tenant=harness.tenant(1), mailboxes=[ROOM], user=DELEGATE)
        assert run.rc != 0 and [w for w in run.writes if w['status'] < 300] == [], run
