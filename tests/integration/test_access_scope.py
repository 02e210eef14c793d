"""Scoped access, proven (issue 13): the Bookings ONE app signs in with the secret handed off to it and
reaches an ordinary user's calendar with the plain setup; after onboarding with
bookingsone_access_scope=rooms it books a managed room, is refused the user (403), and the audit passes."""

from __future__ import annotations

import copy
import json

import msal
import pytest
import requests

from emulator.client import EmulatorHttpClient
from helpers import DELEGATE, VAULT_PASSWORD, open_vault, operator_playbook, tenant_host, write_inventory

ROOM = 'focus-1@contoso.onmicrosoft.com'
USER = 'alice@contoso.onmicrosoft.com'  # an ordinary mailbox, outside the scope


@pytest.fixture(autouse=True)
def contoso_as_it_was(harness):
    """These tests onboard, scope and offboard Contoso: the tests after them find it as seeded."""
    with harness.emu.store.lock:
        tenant = harness.emu.store.tenant(harness.tenant(1))
        saved = copy.deepcopy(tenant)
    yield
    with harness.emu.store.lock:
        tenant.clear()
        tenant.update(saved)


@pytest.fixture
def site(harness, tmp_path, vault):
    unique = 'scope-%s' % tmp_path.name[-20:].replace('_', '-').lower()

    def run(playbook, *args, **extra):
        # one unique name in the inventory: the room half's scope follows entra_app_unique_name
        host = tenant_host('contoso', harness.tenant(1), tmp_path / 'handoff', bookingsone_room_addresses=[ROOM],
                           entra_app_unique_name=unique, entra_app_display_name='Bookings ONE ' + unique, **extra)
        inventory = write_inventory(tmp_path / 'inventory', {'contoso': host})
        return harness.play(operator_playbook(playbook), diff=False, args=['-i', inventory] + vault + list(args))

    return dict(run=run, tmp=tmp_path, unique=unique)


def handed_off(site):
    """What Bookings ONE received: Client ID, Tenant ID, client secret."""
    return open_vault(site['tmp'] / 'handoff' / 'contoso.vault.yml', VAULT_PASSWORD)


class BookingsOne(object):
    """The Bookings ONE service, signed in as its app with the handed-off credentials (a new token each time)."""

    def __init__(self, harness, credentials):
        endpoints = harness.emu.endpoints
        self.graph, self.verify = endpoints['graph'], endpoints['ca_bundle']
        app = msal.ConfidentialClientApplication(
            credentials['client_id'], client_credential=credentials['client_secret'],
            authority='%s/%s' % (endpoints['login'], credentials['tenant_id']), instance_discovery=False,
            http_client=EmulatorHttpClient(self.verify))
        token = app.acquire_token_for_client(['https://graph.microsoft.com/.default'])
        assert 'access_token' in token, token
        self.headers = {'Authorization': 'Bearer ' + token['access_token']}

    def events(self, mailbox):
        return requests.get('%s/v1.0/users/%s/calendar/events' % (self.graph, mailbox), headers=self.headers,
                            verify=self.verify, timeout=30)

    def book(self, mailbox):
        event = {'subject': 'Stand-up', 'start': {'dateTime': '2027-01-04T09:00:00', 'timeZone': 'UTC'},
                 'end': {'dateTime': '2027-01-04T09:30:00', 'timeZone': 'UTC'}}
        return requests.post('%s/v1.0/users/%s/calendar/events' % (self.graph, mailbox), headers=self.headers,
                             json=event, verify=self.verify, timeout=30)

    def send_mail(self, sender):
        message = {'message': {'subject': 'Booking confirmed', 'body': {'contentType': 'Text', 'content': 'ok'},
                               'toRecipients': [{'emailAddress': {'address': USER}}]}}
        return requests.post('%s/v1.0/users/%s/sendMail' % (self.graph, sender), headers=self.headers,
                             json=message, verify=self.verify, timeout=30)


def report_controls(site):
    with open(str(site['tmp'] / 'reports' / 'audit.json')) as handle:
        return json.load(handle)['controls']


def test_scoping_takes_the_app_from_every_mailbox_to_the_rooms_and_the_audit_proves_it(harness, site):
    plain = site['run']('onboard.yml')
    assert plain.rc == 0, plain.output[-3000:]
    credentials = handed_off(site)
    before = BookingsOne(harness, credentials)
    assert before.events(USER).status_code == 200  # the plain setup: every mailbox of the tenant

    scoped = site['run']('onboard.yml', bookingsone_access_scope='rooms')
    assert scoped.rc == 0, scoped
    cmdlets = [w['cmdlet'] for w in scoped.writes if w.get('cmdlet')]
    for cmdlet in ('New-ServicePrincipal', 'New-DistributionGroup', 'New-ManagementScope',
                   'New-ManagementRoleAssignment'):
        assert cmdlet in cmdlets, cmdlets
    revoked = [w for w in scoped.writes if w['method'] == 'DELETE' and '/appRoleAssignedTo/' in w['path']]
    assert len(revoked) == 2, scoped.writes  # Calendars.ReadWrite and Mail.Send, tenant-wide, gone

    after = BookingsOne(harness, credentials)  # a new token: its roles no longer hold the two
    assert after.events(ROOM).status_code == 200
    assert after.book(ROOM).status_code == 201
    assert after.send_mail(DELEGATE).status_code == 202
    denied = after.events(USER)
    assert denied.status_code == 403 and denied.json()['error']['code'] == 'ErrorAccessDenied', denied.text

    again = site['run']('onboard.yml', bookingsone_access_scope='rooms')
    assert again.rc == 0 and again.changed == 0 and again.writes == [], again

    audit = site['run']('audit.yml', '-e', 'bookingsone_report_dir=%s' % (site['tmp'] / 'reports'),
                        bookingsone_access_scope='rooms')
    assert audit.rc == 0 and audit.writes == [], audit
    reach = [c for c in report_controls(site) if c['id'] == 'scope.rooms_only']
    assert len(reach) == 1 and reach[0]['status'] == 'pass', reach
    assert reach[0]['observed']['probes'] == [USER] and reach[0]['observed']['tenant_wide_grants'] == []

    gone = site['run']('offboard.yml', '-e', 'bookingsone_offboard_confirm=yes', bookingsone_access_scope='rooms')
    assert gone.rc == 0, gone
    removed = [w['cmdlet'] for w in gone.writes if (w.get('cmdlet') or '').startswith('Remove-') and w['status'] < 300]
    for cmdlet in ('Remove-ManagementRoleAssignment', 'Remove-ManagementScope', 'Remove-DistributionGroup',
                   'Remove-ServicePrincipal'):
        assert cmdlet in removed, removed
    with harness.emu.store.lock:
        rbac = harness.emu.store.tenant(harness.tenant(1))['exchange']
        assert not [g for g in rbac.get('groups', {}).values() if g.get('Name') == 'Bookings ONE mailboxes'], rbac


def test_the_strict_profile_fails_a_tenant_with_tenant_wide_mailbox_access(harness, site):
    plain = site['run']('onboard.yml')
    assert plain.rc == 0, plain.output[-3000:]
    audit = site['run']('audit.yml', '-e', 'bookingsone_report_dir=%s' % (site['tmp'] / 'reports'),
                        '-e', 'bookingsone_audit_profile=strict', '-e', 'bookingsone_audit_fail_on=never')
    assert audit.rc == 0 and audit.writes == [], audit
    reach = [c for c in report_controls(site) if c['id'] == 'scope.rooms_only']
    assert len(reach) == 1 and reach[0]['status'] == 'fail', reach
    assert reach[0]['observed']['tenant_wide_grants'] == ['Calendars.ReadWrite', 'Mail.Send'], reach
    lifetime = [c for c in report_controls(site) if c['id'] == 'secret.lifetime']
    assert lifetime and lifetime[0]['status'] == 'fail', lifetime  # the default 730-day secret
