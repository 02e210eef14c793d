"""The Exchange cmdlet engine: parameter binding, defaults, identities, permissions."""

from __future__ import annotations

import pytest

from emulator import exchange

USERS = [{'id': '7d1d6a1e-0000-4000-8000-000000000001', 'userPrincipalName': 'bookings@contoso.com',
          'displayName': 'Bookings ONE', 'mail': 'bookings@contoso.com'}]
SECTION = {'rooms': [{'alias': 'board', 'display_name': 'Board Room', 'address': 'board@contoso.com',
                      'capacity': 12, 'building': 'HQ', 'floor': 3, 'room_list': 'hq@contoso.com',
                      'calendar_processing': {'ScheduleOnlyDuringWorkHours': True}}],
           'room_lists': [{'address': 'hq@contoso.com', 'display_name': 'HQ'}],
           'generate_rooms': {'count': 3, 'prefix': 'gen', 'building': 'B2'}}


@pytest.fixture
def state():
    return exchange.seed_state(SECTION, USERS, 'contoso.com')


def test_room_mailboxes_listed_with_defaults_and_seed_overrides(state):
    rooms, _ = exchange.invoke(state, 'Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox', 'ResultSize': 'Unlimited'})
    assert sorted(r['PrimarySmtpAddress'] for r in rooms) == [
        'board@contoso.com', 'gen-001@contoso.com', 'gen-002@contoso.com', 'gen-003@contoso.com']
    processing, _ = exchange.invoke(state, 'Get-CalendarProcessing', {'Identity': 'board@contoso.com'})
    assert processing[0]['ScheduleOnlyDuringWorkHours'] is True
    assert processing[0]['EnforceSchedulingHorizon'] is True and processing[0]['BookingWindowInDays'] == 180
    assert processing[0]['Identity'] == 'board'


def test_result_size_default_warns_when_cut(state):
    _, warnings = exchange.invoke(state, 'Get-Mailbox', {'ResultSize': 2})
    assert warnings and 'ResultSize' in warnings[0]


def test_set_resolves_delegates_to_identities_and_warns_when_nothing_changes(state):
    params = {'Identity': 'Board Room', 'ResourceDelegates': ['bookings@contoso.com'], 'AllBookInPolicy': False}
    assert exchange.invoke(state, 'Set-CalendarProcessing', params) == ([], [])
    processing, _ = exchange.invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    assert processing[0]['ResourceDelegates'] == ['bookings'] and processing[0]['AllBookInPolicy'] is False
    _, warnings = exchange.invoke(state, 'Set-CalendarProcessing', params)
    assert 'no settings' in warnings[0]


@pytest.mark.parametrize('params,exception', [
    ({'Identity': 'board', 'AllBookInPolicy': 'false'}, exchange.BINDING),
    ({'Identity': 'board', 'BookingWindowInDays': 2000}, exchange.INVALID),
    ({'Identity': 'board', 'AutomateProcessing': 'Yes'}, exchange.BINDING),
    ({'Identity': 'board', 'Colour': 'blue'}, exchange.BINDING),
    ({'Identity': 'nobody@contoso.com'}, exchange.NOT_FOUND),
    ({'Identity': 'board', 'ResourceDelegates': ['ghost@contoso.com']}, exchange.NOT_FOUND),
])
def test_bad_parameters_are_refused_and_change_nothing(state, params, exception):
    before, _ = exchange.invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    with pytest.raises(exchange.ExchangeError) as err:
        exchange.invoke(state, 'Set-CalendarProcessing', params)
    assert err.value.exception_type == exception
    assert err.value.body()['error']['details'][0]['message'].split('|')[1] == exception
    after, _ = exchange.invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    assert before == after


def test_unknown_cmdlet(state):
    with pytest.raises(exchange.ExchangeError) as err:
        exchange.invoke(state, 'Remove-Mailbox', {'Identity': 'board'})
    assert err.value.status == 400 and 'CommandNotFound' in err.value.exception_type


def test_mailbox_permission_add_read_remove(state):
    entries, _ = exchange.invoke(state, 'Get-MailboxPermission', {'Identity': 'board', 'User': 'bookings'})
    assert entries == []
    exchange.invoke(state, 'Add-MailboxPermission', {'Identity': 'board@contoso.com', 'User': 'bookings@contoso.com',
                                                    'AccessRights': ['FullAccess'], 'InheritanceType': 'All',
                                                    'AutoMapping': False})
    entries, _ = exchange.invoke(state, 'Get-MailboxPermission', {'Identity': 'board', 'User': 'Bookings ONE'})
    assert [(e['User'], e['AccessRights']) for e in entries] == [('bookings@contoso.com', ['FullAccess'])]
    _, warnings = exchange.invoke(state, 'Add-MailboxPermission', {'Identity': 'board', 'User': 'bookings',
                                                                  'AccessRights': ['FullAccess']})
    assert 'existing permission' in warnings[0]
    exchange.invoke(state, 'Remove-MailboxPermission', {'Identity': 'board', 'User': 'bookings',
                                                       'AccessRights': ['FullAccess'], 'InheritanceType': 'All'})
    entries, _ = exchange.invoke(state, 'Get-MailboxPermission', {'Identity': 'board'})
    assert [e['User'] for e in entries] == ['NT AUTHORITY\\SELF']


def test_graph_rooms_and_room_lists(state):
    rooms = exchange.graph_rooms(state, room_list='HQ@contoso.com')
    assert [(r['emailAddress'], r['capacity'], r['building'], r['floorNumber']) for r in rooms] == [
        ('board@contoso.com', 12, 'HQ', 3)]
    assert len(exchange.graph_rooms(state)) == 4
    assert exchange.graph_room_lists(state)[0]['emailAddress'] == 'hq@contoso.com'


def test_names_need_not_be_unique_and_hashtables_edit_lists():
    section = dict(SECTION, recipients=[{'alias': 'bookings.team', 'name': 'bookings', 'address': 'team@contoso.com',
                                         'kind': 'SharedMailbox'}])
    state = exchange.seed_state(section, USERS, 'contoso.com')
    with pytest.raises(exchange.ExchangeError) as err:
        exchange.invoke(state, 'Get-Recipient', {'Identity': 'bookings'})
    assert err.value.exception_type == exchange.AMBIGUOUS and 'multiple recipients' in err.value.message
    edit = {'@odata.type': '#Exchange.GenericHashTable', 'Add': ['team@contoso.com', 'bookings@contoso.com']}
    exchange.invoke(state, 'Set-CalendarProcessing', {'Identity': 'board', 'ResourceDelegates': edit})
    processing, _ = exchange.invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    assert processing[0]['ResourceDelegates'] == ['bookings', 'bookings']  # two recipients, one name
    assert state['rooms']['board']['calendar_processing']['ResourceDelegates'] == ['bookings.team', 'bookings']
    for shape in exchange.ERROR_SHAPES:
        assert 'ManagementObjectAmbiguousException' in str(err.value.body(shape))
