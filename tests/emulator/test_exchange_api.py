"""The Exchange admin API listener: authorization as Exchange does it, paging, warnings, errors."""

from __future__ import annotations

import threading

from emulator import Emulator

from emulator_client import SEED, Client


def exception_type(response):
    return response.json()['error']['details'][0]['message'].split('|')[1]


def test_get_mailbox_pages_by_next_link_with_the_same_body(client):
    tenant = client.tenant(1)
    first = client.exo(tenant, 'Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox', 'ResultSize': 'Unlimited'})
    assert first.status_code == 200
    page = first.json()
    rooms = [m['PrimarySmtpAddress'] for m in page['value']]
    assert page['@adminapi.warnings'] == [] and '@odata.nextLink' in page
    while '@odata.nextLink' in page:
        page = client.exo(tenant, 'Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox', 'ResultSize': 'Unlimited'},
                          url=page['@odata.nextLink']).json()
        rooms += [m['PrimarySmtpAddress'] for m in page['value']]
    assert sorted(rooms) == ['annex@contoso.onmicrosoft.com', 'board@contoso.onmicrosoft.com',
                             'focus-1@contoso.onmicrosoft.com', 'quiet@contoso.onmicrosoft.com']  # also hidden ones


def test_unknown_identity_fails_as_exchange_fails_it(client):
    answer = client.exo(client.tenant(1), 'Get-CalendarProcessing', {'Identity': 'ghost@contoso.onmicrosoft.com'})
    assert answer.status_code == 404
    assert exception_type(answer) == 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException'


def test_set_without_change_warns_and_logs_a_write(client, emu):
    tenant = client.tenant(1)
    answer = client.exo(tenant, 'Set-CalendarProcessing', {'Identity': 'annex', 'AllowConflicts': False})
    assert answer.status_code == 200 and 'no settings' in answer.json()['@adminapi.warnings'][0]
    last = emu.requests()[-1]
    assert (last['service'], last['cmdlet'], last['write']) == ('exchange', 'Set-CalendarProcessing', True)


def test_needs_manage_as_app_and_an_exchange_role(client):
    no_role = client.exo(client.tenant(3), 'Get-Mailbox')  # Tailspin: ManageAsApp but no Exchange administrator
    assert no_role.status_code == 403 and 'AuthorizationException' in exception_type(no_role)
    graph_token, _ = client.token(client.tenant(1))
    wrong_audience = client.call(client.tenant(1), 'POST', '/adminapi/beta/%s/InvokeCommand' % client.tenant(1),
                                 {'CmdletInput': {'CmdletName': 'Get-Mailbox'}}, service='exchange',
                                 token=graph_token, headers={'X-AnchorMailbox': 'APP:x'})
    assert wrong_audience.status_code == 401
    no_manage_as_app = client.exo(client.tenant(3), 'Get-Mailbox', url='/adminapi/beta/%s/InvokeCommand'
                                  % client.tenant(3))
    assert no_manage_as_app.status_code == 403  # Tailspin again: a role is checked after ManageAsApp
    other_org = client.exo(client.tenant(1), 'Get-Mailbox', url='/adminapi/beta/%s/InvokeCommand' % client.tenant(2))
    assert other_org.status_code == 401


def test_missing_anchor_and_unknown_cmdlet(client):
    tenant = client.tenant(1)
    no_anchor = client.call(tenant, 'POST', '/adminapi/beta/%s/InvokeCommand' % tenant,
                            {'CmdletInput': {'CmdletName': 'Get-Mailbox'}}, service='exchange')
    assert no_anchor.status_code == 400
    unknown = client.exo(tenant, 'Remove-Mailbox', {'Identity': 'annex'})
    assert unknown.status_code == 400 and 'CommandNotFound' in exception_type(unknown)


def test_state_survives_a_restart(tmp_path):
    first = Emulator(str(tmp_path), SEED).start()
    try:
        client = Client(first)
        created = client.call(client.tenant(1), 'POST', '/v1.0/applications', {'displayName': 'Persisted'}).json()
        client.exo(client.tenant(1), 'Set-CalendarProcessing', {'Identity': 'annex', 'BookingWindowInDays': 365})
    finally:
        first.stop()
    second = Emulator(str(tmp_path), SEED).start()
    try:
        client = Client(second)
        again = client.call(client.tenant(1), 'GET', '/v1.0/applications/%s' % created['id'])
        processing = client.exo(client.tenant(1), 'Get-CalendarProcessing', {'Identity': 'annex'}).json()['value'][0]
    finally:
        second.stop()
    assert again.status_code == 200 and again.json()['displayName'] == 'Persisted'
    assert processing['BookingWindowInDays'] == 365
    reset = Emulator(str(tmp_path), SEED, reset=True)
    with reset.store.lock:
        tenant = reset.store.tenant('contoso.onmicrosoft.com')
        assert not any(a['displayName'] == 'Persisted' for a in tenant['applications'])


# Fidelity (issue 11) ---------------------------------------------------------------------------------


def raw_exo(client, tenant, cmdlet, parameters=None, operator=0, path_tenant=None, anchor=None, headers=None):
    body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
    sent = dict(headers or {}, **{'X-AnchorMailbox': anchor or 'APP:SystemMailbox@%s' % tenant})
    return client.call(tenant, 'POST', '/adminapi/beta/%s/InvokeCommand' % (path_tenant or tenant), body,
                       service='exchange', operator=operator, headers=sent)


def test_tenant_must_be_a_guid_in_the_url_and_the_system_anchor(client):
    tenant = client.tenant(1)
    by_domain = raw_exo(client, tenant, 'Get-Mailbox', path_tenant='contoso.onmicrosoft.com')
    assert by_domain.status_code == 400 and 'GUID' in by_domain.json()['error']['details'][0]['message']
    anchor = raw_exo(client, tenant, 'Get-Mailbox',
                     anchor='APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com')
    assert anchor.status_code == 400 and 'InvalidAnchorMailbox' in exception_type(anchor)
    good = raw_exo(client, tenant, 'Get-Mailbox',
                   anchor='APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@%s' % tenant)
    assert good.status_code == 200


def test_prefer_maxpagesize_makes_pages_smaller_never_larger(client):
    tenant = client.tenant(2)  # 200 rooms, emulator page size 2
    small = raw_exo(client, tenant, 'Get-Mailbox', {'ResultSize': 'Unlimited'},
                    headers={'Prefer': 'odata.maxpagesize=1'}).json()
    assert len(small['value']) == 1 and '@odata.nextLink' in small
    large = raw_exo(client, tenant, 'Get-Mailbox', {'ResultSize': 'Unlimited'},
                    headers={'Prefer': 'odata.maxpagesize=1000'}).json()
    assert len(large['value']) == 2


def test_concurrency_limit_per_tenant_in_both_variants(client, emu):
    emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms = 1, 300
    try:
        for status, retry_after in ((429, '1'), (503, None), (500, None)):
            emu.exchange_concurrency_status = status
            answers = []
            threads = [threading.Thread(target=lambda: answers.append(raw_exo(client, client.tenant(1), 'Get-Mailbox')))
                       for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            refused = [a for a in answers if a.status_code != 200]
            assert len(refused) == 2 and all(a.status_code == status for a in refused)
            assert all(a.headers.get('Retry-After') == retry_after for a in refused)
            assert all('maximum number of concurrent requests per tenant' in a.text for a in refused)
    finally:
        emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms = 3, 0
        emu.exchange_concurrency_status = 429


def test_error_shapes_are_exchanges_and_random_is_seeded(client, emu):
    def shapes_of(count):
        seen = []
        for _ in range(count):
            error = raw_exo(client, client.tenant(1), 'Get-CalendarProcessing', {'Identity': 'ghost'}).json()['error']
            assert error['code'] == 'NotFound' and error['message'] == 'Error executing cmdlet'
            if 'details' in error:
                code = error['details'][0]['message'].split('|')[0]
                seen.append('pipe' if code == '' else 'details')
            else:
                assert 'ManagementObjectNotFoundException' in error['innererror']['internalexception']['message']
                seen.append('innererror')
        return seen
    try:
        emu.exchange_error_shapes = 'innererror'
        assert shapes_of(1) == ['innererror']
        emu.exchange_error_shapes = 'random'
        first = shapes_of(12)
        assert set(first) == {'details', 'pipe', 'innererror'}
    finally:
        emu.exchange_error_shapes = 'details'


def test_read_only_roles_read_but_cannot_write(client):
    tenant = client.tenant(1)
    reads = raw_exo(client, tenant, 'Get-CalendarProcessing', {'Identity': 'annex'}, operator=1)
    assert reads.status_code == 200
    write = raw_exo(client, tenant, 'Set-CalendarProcessing', {'Identity': 'annex', 'AllowConflicts': True},
                    operator=1)
    assert write.status_code == 400 and exception_type(write) == 'System.Management.Automation.CommandNotFoundException'
    assert raw_exo(client, tenant, 'Get-CalendarProcessing', {'Identity': 'annex'}).json()['value'][0][
        'AllowConflicts'] is False


def test_delegates_listed_by_name_and_edited_by_hashtable(client):
    tenant = client.tenant(1)
    listed = raw_exo(client, tenant, 'Get-CalendarProcessing', {'Identity': 'focus-1'}).json()['value'][0]
    assert listed['ResourceDelegates'] == ['alice']  # a name: alice@partner.example is named alice too
    written_back = raw_exo(client, tenant, 'Set-CalendarProcessing',
                           {'Identity': 'focus-1', 'ResourceDelegates': listed['ResourceDelegates']})
    assert written_back.status_code == 400 and 'multiple recipients matching the identity' in written_back.text
    edit = {'@odata.type': '#Exchange.GenericHashTable', 'add': ['bookings@contoso.onmicrosoft.com']}
    added = raw_exo(client, tenant, 'Set-CalendarProcessing', {'Identity': 'focus-1', 'ResourceDelegates': edit})
    assert added.status_code == 200
    after = raw_exo(client, tenant, 'Get-CalendarProcessing', {'Identity': 'focus-1'}).json()['value'][0]
    assert after['ResourceDelegates'] == ['alice', 'bookings']
    removed = raw_exo(client, tenant, 'Set-CalendarProcessing', {'Identity': 'focus-1', 'ResourceDelegates': {
        '@odata.type': '#Exchange.GenericHashTable', 'Remove': ['bookings@contoso.onmicrosoft.com']}})
    assert removed.status_code == 200
    bad = raw_exo(client, tenant, 'Set-CalendarProcessing', {'Identity': 'focus-1', 'ResourceDelegates': {'add': []}})
    assert bad.status_code == 400
    named = raw_exo(client, tenant, 'Get-Recipient', {'Filter': "Name -eq 'alice'"}).json()['value']
    assert sorted(r['PrimarySmtpAddress'] for r in named) == ['alice@contoso.onmicrosoft.com', 'alice@partner.example']


def test_without_manage_as_app_exchange_refuses_the_token(client):
    """The auditor holds Exchange.ManageAsApp in Contoso; taken away, its fresh token is refused (401)."""
    store = client.emu.store
    manage_as_app = 'dc50a0fb-09a3-484d-be87-e023b12c6440'
    auditor = client.seed['operators'][1]
    with store.lock:
        tenant = store.tenant(client.tenant(1))
        principal = store.principal_by_app_id(tenant, auditor['app_id'])
        kept = [a for a in tenant['appRoleAssignments']
                if a['principalId'] == principal['id'] and a['appRoleId'] == manage_as_app]
        tenant['appRoleAssignments'] = [a for a in tenant['appRoleAssignments'] if a not in kept]
    try:
        token, _ = client.token(client.tenant(1), 'exchange', operator=1, credential=auditor['secrets'][0]['value'])
        refused = client.call(client.tenant(1), 'POST', '/adminapi/beta/%s/InvokeCommand' % client.tenant(1),
                              {'CmdletInput': {'CmdletName': 'Get-Mailbox'}}, service='exchange', token=token,
                              headers={'X-AnchorMailbox': 'APP:SystemMailbox@%s' % client.tenant(1)})
        assert kept and refused.status_code == 401 and 'ManageAsApp' in refused.text
    finally:
        with store.lock:
            tenant['appRoleAssignments'].extend(kept)
