"""The Exchange cmdlet engine: parameter binding, defaults, identities, permissions, and the cmdlet registry
(exchange_cmdlets) as the one table of what runs."""

from __future__ import annotations

import sys

import pytest

from emulator import exchange, exchange_cmdlets, server
from emulator.exchange_cmdlets import AMBIGUOUS, BINDING, ERROR_SHAPES, INVALID, NOT_FOUND, ExchangeError, invoke

server.load_route_modules()  # the cmdlet modules register their cmdlets as the emulator loads them

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
    rooms, _ = invoke(state, 'Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox', 'ResultSize': 'Unlimited'})
    assert sorted(r['PrimarySmtpAddress'] for r in rooms) == [
        'board@contoso.com', 'gen-001@contoso.com', 'gen-002@contoso.com', 'gen-003@contoso.com']
    processing, _ = invoke(state, 'Get-CalendarProcessing', {'Identity': 'board@contoso.com'})
    assert processing[0]['ScheduleOnlyDuringWorkHours'] is True
    assert processing[0]['EnforceSchedulingHorizon'] is True and processing[0]['BookingWindowInDays'] == 180
    assert processing[0]['Identity'] == 'board'


def test_result_size_default_warns_when_cut(state):
    _, warnings = invoke(state, 'Get-Mailbox', {'ResultSize': 2})
    assert warnings and 'ResultSize' in warnings[0]


def test_set_resolves_delegates_to_identities_and_warns_when_nothing_changes(state):
    params = {'Identity': 'Board Room', 'ResourceDelegates': ['bookings@contoso.com'], 'AllBookInPolicy': False}
    assert invoke(state, 'Set-CalendarProcessing', params) == ([], [])
    processing, _ = invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    assert processing[0]['ResourceDelegates'] == ['bookings'] and processing[0]['AllBookInPolicy'] is False
    _, warnings = invoke(state, 'Set-CalendarProcessing', params)
    assert 'no settings' in warnings[0]


@pytest.mark.parametrize('params,exception', [
    ({'Identity': 'board', 'AllBookInPolicy': 'false'}, BINDING),
    ({'Identity': 'board', 'BookingWindowInDays': 2000}, INVALID),
    ({'Identity': 'board', 'AutomateProcessing': 'Yes'}, BINDING),
    ({'Identity': 'board', 'Colour': 'blue'}, BINDING),
    ({'Identity': 'nobody@contoso.com'}, NOT_FOUND),
    ({'Identity': 'board', 'ResourceDelegates': ['ghost@contoso.com']}, NOT_FOUND),
])
def test_bad_parameters_are_refused_and_change_nothing(state, params, exception):
    before, _ = invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    with pytest.raises(ExchangeError) as err:
        invoke(state, 'Set-CalendarProcessing', params)
    assert err.value.exception_type == exception
    assert err.value.body()['error']['details'][0]['message'].split('|')[1] == exception
    after, _ = invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    assert before == after


def test_unknown_cmdlet(state):
    with pytest.raises(ExchangeError) as err:
        invoke(state, 'Remove-Mailbox', {'Identity': 'board'})
    assert err.value.status == 400 and 'CommandNotFound' in err.value.exception_type


def test_mailbox_permission_add_read_remove(state):
    entries, _ = invoke(state, 'Get-MailboxPermission', {'Identity': 'board', 'User': 'bookings'})
    assert entries == []
    invoke(state, 'Add-MailboxPermission', {'Identity': 'board@contoso.com', 'User': 'bookings@contoso.com',
                                            'AccessRights': ['FullAccess'], 'InheritanceType': 'All',
                                            'AutoMapping': False})
    entries, _ = invoke(state, 'Get-MailboxPermission', {'Identity': 'board', 'User': 'Bookings ONE'})
    assert [(e['User'], e['AccessRights']) for e in entries] == [('bookings@contoso.com', ['FullAccess'])]
    _, warnings = invoke(state, 'Add-MailboxPermission', {'Identity': 'board', 'User': 'bookings',
                                                          'AccessRights': ['FullAccess']})
    assert 'existing permission' in warnings[0]
    invoke(state, 'Remove-MailboxPermission', {'Identity': 'board', 'User': 'bookings',
                                               'AccessRights': ['FullAccess'], 'InheritanceType': 'All'})
    entries, _ = invoke(state, 'Get-MailboxPermission', {'Identity': 'board'})
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
    with pytest.raises(ExchangeError) as err:
        invoke(state, 'Get-Recipient', {'Identity': 'bookings'})
    assert err.value.exception_type == AMBIGUOUS and 'multiple recipients' in err.value.message
    edit = {'@odata.type': '#Exchange.GenericHashTable', 'Add': ['team@contoso.com', 'bookings@contoso.com']}
    invoke(state, 'Set-CalendarProcessing', {'Identity': 'board', 'ResourceDelegates': edit})
    processing, _ = invoke(state, 'Get-CalendarProcessing', {'Identity': 'board'})
    assert processing[0]['ResourceDelegates'] == ['bookings', 'bookings']  # two recipients, one name
    assert state['rooms']['board']['calendar_processing']['ResourceDelegates'] == ['bookings.team', 'bookings']
    for shape in ERROR_SHAPES:
        assert 'ManagementObjectAmbiguousException' in str(err.value.body(shape))


def test_groups_are_recipients_but_not_mailboxes(state):
    """The mailbox cmdlets leave groups out wherever they list or resolve, whatever else the process imported."""
    invoke(state, 'New-DistributionGroup', {'Name': 'Board Watchers', 'Alias': 'watchers', 'Members': ['board']})
    assert 'watchers' in [r['Identity'] for r in invoke(state, 'Get-Recipient', {})[0]]
    assert invoke(state, 'Get-Recipient', {'Identity': 'Board Watchers'})[0][0]['Identity'] == 'watchers'
    for cmdlet in ('Get-Mailbox', 'Get-User'):
        assert 'watchers' not in [r['Identity'] for r in invoke(state, cmdlet, {'ResultSize': 'Unlimited'})[0]]
    for cmdlet, params in (('Get-Mailbox', {'Identity': 'watchers'}), ('Get-User', {'Identity': 'watchers'}),
                           ('Get-CalendarProcessing', {'Identity': 'watchers'}),
                           ('Set-CalendarProcessing', {'Identity': 'watchers', 'AllowConflicts': True}),
                           ('Set-CalendarProcessing', {'Identity': 'board', 'ResourceDelegates': ['watchers']})):
        with pytest.raises(ExchangeError) as err:
            invoke(state, cmdlet, params)
        assert err.value.exception_type == NOT_FOUND, cmdlet
    # the permission cmdlets resolve any recipient: a group holds no permission entries
    assert invoke(state, 'Get-MailboxPermission', {'Identity': 'watchers'}) == ([], [])


def _role_set(roles):
    return {exchange_cmdlets.READ: 'read', exchange_cmdlets.RECIPIENT: 'recipient',
            exchange_cmdlets.ORGANIZATION: 'organization'}[roles]


# Every cmdlet the emulator answers, and who may run it (README.md, "RBAC for Applications"): reads for every Exchange
# role, recipient writes for the Recipient Management roles, RBAC for Applications and distribution groups (and
# Test-ServicePrincipalAuthorization) for Organization Management only.
REGISTERED = {
    'Get-Mailbox': 'read', 'Get-Recipient': 'read', 'Get-User': 'read', 'Get-CalendarProcessing': 'read',
    'Set-CalendarProcessing': 'recipient', 'Get-MailboxPermission': 'read', 'Add-MailboxPermission': 'recipient',
    'Remove-MailboxPermission': 'recipient',
    'New-ServicePrincipal': 'organization', 'Get-ServicePrincipal': 'read', 'Set-ServicePrincipal': 'organization',
    'Remove-ServicePrincipal': 'organization', 'New-ManagementScope': 'organization', 'Get-ManagementScope': 'read',
    'Set-ManagementScope': 'organization', 'Remove-ManagementScope': 'organization',
    'New-ManagementRoleAssignment': 'organization', 'Get-ManagementRoleAssignment': 'read',
    'Remove-ManagementRoleAssignment': 'organization', 'Test-ServicePrincipalAuthorization': 'organization',
    'New-DistributionGroup': 'organization', 'Get-DistributionGroup': 'read', 'Remove-DistributionGroup': 'organization',
    'Add-DistributionGroupMember': 'organization', 'Remove-DistributionGroupMember': 'organization',
    'Get-DistributionGroupMember': 'read',
}


def test_the_registry_is_the_one_table_of_what_runs():
    assert dict((name, _role_set(c.roles)) for name, c in exchange_cmdlets.CMDLETS.items()) == REGISTERED
    for name, registered in exchange_cmdlets.CMDLETS.items():
        assert registered.name == name and set(registered.required) <= set(registered.params)
        # the handler is the module-level function a reader finds under its @cmdlet, not a wrapper put in later
        module = sys.modules[registered.handler.__module__]
        assert module.__name__.startswith('emulator.exchange_'), name
        assert getattr(module, registered.handler.__name__) is registered.handler, name
    # a name that is not registered is refused by binding, and is taken as the read or write its verb says
    assert exchange_cmdlets.roles_of('Remove-Mailbox') == exchange_cmdlets.RECIPIENT
    assert exchange_cmdlets.roles_of('Get-Nothing') == exchange_cmdlets.roles_of(None) == exchange_cmdlets.READ


def test_a_cmdlet_registers_once_with_roles_and_known_required_parameters():
    for name, params, required, roles in (('Get-Mailbox', {}, (), exchange_cmdlets.READ),
                                          ('Get-Thing', {'Identity': None}, ('Name',), exchange_cmdlets.READ),
                                          ('Get-Thing', {}, (), frozenset())):
        with pytest.raises(ValueError):
            exchange_cmdlets.cmdlet(name, params=params, required=required, roles=roles)
    assert 'Get-Thing' not in exchange_cmdlets.CMDLETS
