"""The Exchange admin API listener: authorization as Exchange does it, paging, warnings, errors."""

from __future__ import annotations

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
                             'focus-1@contoso.onmicrosoft.com']


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
    reader = client.exo(client.tenant(1), 'Get-Mailbox', operator=1)  # no Exchange.ManageAsApp at all
    assert reader.status_code == 401
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
