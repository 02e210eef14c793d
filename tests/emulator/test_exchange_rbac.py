"""Exchange RBAC for Applications in the emulator: service principals, management scopes, role assignments,
Test-ServicePrincipalAuthorization and the distribution groups scopes are built from; who may run them."""

from __future__ import annotations

import pytest
from emulator_client import Client, app_token, new_app

from emulator import catalog, exchange, exchange_cmdlets, exchange_groups, exchange_opath, exchange_rbac, server
from tests.emulator.emulator_fixture import running_emulator

server.load_route_modules()  # the tests below that run cmdlets without an emulator need every cmdlet registered

NOT_FOUND = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException'
ALREADY_EXISTS = 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException'
BINDING = 'System.Management.Automation.ParameterBindingException'
COMMAND_NOT_FOUND = 'System.Management.Automation.CommandNotFoundException'
DOMAIN = 'contoso.onmicrosoft.com'


def exception_type(response):
    return response.json()['error']['details'][0]['message'].split('|')[1]


def exo(client, cmdlet, parameters=None, operator=0, token=None):
    """One InvokeCommand call in Contoso, every page of the answer: (response of the last page, all objects)."""
    tenant = client.tenant(1)
    body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
    url, found = '/adminapi/beta/%s/InvokeCommand' % tenant, []
    while True:
        answer = client.call(tenant, 'POST', url, body, service='exchange', operator=operator, token=token,
                             headers={'X-AnchorMailbox': 'APP:SystemMailbox@%s' % tenant})
        if answer.status_code != 200:
            return answer, None
        found += answer.json()['value']
        url = answer.json().get('@odata.nextLink')
        if not url:
            return answer, found


def ok(client, cmdlet, parameters=None, **kwargs):
    answer, found = exo(client, cmdlet, parameters, **kwargs)
    assert answer.status_code == 200, answer.text
    return found


def refused(client, cmdlet, parameters, status, exception, **kwargs):
    answer, _ = exo(client, cmdlet, parameters, **kwargs)
    assert answer.status_code == status, answer.text
    assert exception_type(answer) == exception, answer.text
    return answer.json()['error']['details'][0]['message'].split('|')[2]


@pytest.fixture(scope='module')
def group(client):
    """A mail-enabled security group holding the room focus-1: the container of the scopes below."""
    created = ok(client, 'New-DistributionGroup', {'Name': 'RBAC Rooms', 'Type': 'Security',
                                                   'Members': ['focus-1@contoso.onmicrosoft.com']})
    return created[0]


@pytest.fixture(scope='module')
def principal(client):
    """An Exchange pointer to a real Entra service principal of Contoso."""
    app_id, sp_id, _object_id, _secret = new_app(client, client.tenant(1), 'RBAC pointer')
    created = ok(client, 'New-ServicePrincipal', {'AppId': app_id, 'ObjectId': sp_id, 'DisplayName': 'RBAC pointer'})
    return created[0]


# Service principals -------------------------------------------------------------------------------------------

def test_service_principal_lifecycle_and_identities(client):
    app_id, sp_id, _object_id, _secret = new_app(client, client.tenant(1), 'Pointer lifecycle')
    created = ok(client, 'New-ServicePrincipal', {'AppId': app_id, 'ObjectId': sp_id, 'DisplayName': 'Lifecycle'})[0]
    assert (created['AppId'], created['ObjectId'], created['DisplayName']) == (app_id, sp_id, 'Lifecycle')
    assert created['Identity'] == created['Name'] == sp_id
    assert created['DistinguishedName'].startswith('CN=%s,OU=%s,OU=Microsoft Exchange Hosted Organizations,'
                                                   % (sp_id, DOMAIN))
    for identity in (app_id, sp_id, 'Lifecycle', app_id.upper()):
        assert [p['ObjectId'] for p in ok(client, 'Get-ServicePrincipal', {'Identity': identity})] == [sp_id]
    assert sp_id in [p['ObjectId'] for p in ok(client, 'Get-ServicePrincipal')]
    answer, _ = exo(client, 'Set-ServicePrincipal', {'Identity': sp_id, 'DisplayName': 'Lifecycle'})
    assert 'no settings' in answer.json()['@adminapi.warnings'][0]
    ok(client, 'Set-ServicePrincipal', {'Identity': sp_id, 'DisplayName': 'Renamed'})
    assert ok(client, 'Get-ServicePrincipal', {'Identity': 'Renamed'})[0]['ObjectId'] == sp_id
    assert ok(client, 'Remove-ServicePrincipal', {'Identity': app_id}) == []
    refused(client, 'Get-ServicePrincipal', {'Identity': sp_id}, 404, NOT_FOUND)
    refused(client, 'Remove-ServicePrincipal', {'Identity': sp_id}, 404, NOT_FOUND)


def test_a_second_pointer_for_the_same_app_is_a_duplicate_object(client, principal):
    again = {'AppId': principal['AppId'], 'ObjectId': principal['ObjectId']}
    assert 'already exists' in refused(client, 'New-ServicePrincipal', again, 400, ALREADY_EXISTS)
    other_object = dict(again, ObjectId='0b0b0b0b-0000-4000-8000-000000000001')
    assert principal['AppId'] in refused(client, 'New-ServicePrincipal', other_object, 400, ALREADY_EXISTS)


@pytest.mark.parametrize('parameters,exception', [
    ({'AppId': 'not-a-guid', 'ObjectId': '0b0b0b0b-0000-4000-8000-000000000002'}, exchange_cmdlets.INVALID),
    ({'AppId': '0b0b0b0b-0000-4000-8000-000000000003'}, BINDING),     # ObjectId (or ServiceId) is mandatory
    ({'ObjectId': '0b0b0b0b-0000-4000-8000-000000000004'}, BINDING),  # so is AppId
    ({'AppId': '0b0b0b0b-0000-4000-8000-000000000005', 'ObjectId': '0b0b0b0b-0000-4000-8000-000000000006',
      'Organization': 'x'}, BINDING),                                 # reserved for Microsoft
])
def test_new_service_principal_binding(client, parameters, exception):
    refused(client, 'New-ServicePrincipal', parameters, 400, exception)


# Distribution groups ------------------------------------------------------------------------------------------

def test_group_shape_and_recipient_identities(client, group):
    assert group['RecipientTypeDetails'] == 'MailUniversalSecurityGroup' and group['Name'] == 'RBAC Rooms'
    assert group['DistinguishedName'] == ('CN=RBAC Rooms,OU=%s,OU=Microsoft Exchange Hosted Organizations,'
                                          'DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM' % DOMAIN)
    assert group['PrimarySmtpAddress'] == 'RBACRooms@%s' % DOMAIN and group['Identity'] == 'RBACRooms'
    assert group['ExternalDirectoryObjectId']
    for identity in ('RBAC Rooms', group['DistinguishedName'], group['PrimarySmtpAddress'], group['Guid']):
        assert ok(client, 'Get-DistributionGroup', {'Identity': identity})[0]['Guid'] == group['Guid']
    assert ok(client, 'Get-Recipient', {'Identity': 'RBAC Rooms'})[0]['RecipientTypeDetails'] == \
        'MailUniversalSecurityGroup'
    assert group['PrimarySmtpAddress'] in [r['PrimarySmtpAddress'] for r in ok(
        client, 'Get-Recipient', {'RecipientTypeDetails': 'MailUniversalSecurityGroup'})]
    # a group is a recipient, not a mailbox
    refused(client, 'Get-Mailbox', {'Identity': 'RBAC Rooms'}, 404, NOT_FOUND)
    assert group['PrimarySmtpAddress'] not in [m['PrimarySmtpAddress'] for m in ok(client, 'Get-Mailbox')]
    refused(client, 'Get-CalendarProcessing', {'Identity': 'RBAC Rooms'}, 404, NOT_FOUND)


def test_membership_edits_and_their_refusals(client):
    created = ok(client, 'New-DistributionGroup', {'Name': 'Members test', 'Alias': 'members-test',
                                                   'PrimarySmtpAddress': 'members-test@%s' % DOMAIN})[0]
    assert created['RecipientTypeDetails'] == 'MailUniversalDistributionGroup'  # -Type Distribution is the default
    assert ok(client, 'Get-DistributionGroupMember', {'Identity': 'members-test'}) == []
    for member in ('board@contoso.onmicrosoft.com', 'alice@contoso.onmicrosoft.com', 'RBAC Rooms'):
        assert ok(client, 'Add-DistributionGroupMember', {'Identity': 'Members test', 'Member': member}) == []
    members = ok(client, 'Get-DistributionGroupMember', {'Identity': 'Members test'})
    assert [m['PrimarySmtpAddress'] for m in members] == ['board@contoso.onmicrosoft.com',
                                                          'alice@contoso.onmicrosoft.com', 'RBACRooms@%s' % DOMAIN]
    message = refused(client, 'Add-DistributionGroupMember', {'Identity': 'Members test', 'Member': 'board'}, 400,
                      exchange_groups.MEMBER_EXISTS)
    assert message == 'The recipient "board" is already a member of the group "Members test".'
    ok(client, 'Remove-DistributionGroupMember', {'Identity': 'Members test', 'Member': 'board'})
    assert 'member' in refused(client, 'Remove-DistributionGroupMember', {'Identity': 'Members test',
                                                                          'Member': 'board'}, 400,
                               exchange_groups.MEMBER_MISSING)
    refused(client, 'Add-DistributionGroupMember', {'Identity': 'Members test', 'Member': 'ghost'}, 404, NOT_FOUND)
    refused(client, 'Add-DistributionGroupMember', {'Identity': 'no such group', 'Member': 'board'}, 404, NOT_FOUND)
    ok(client, 'Remove-DistributionGroup', {'Identity': 'Members test'})
    refused(client, 'Get-DistributionGroup', {'Identity': 'members-test'}, 404, NOT_FOUND)


@pytest.mark.parametrize('parameters,status,exception', [
    ({'Name': 'RBAC Rooms'}, 400, ALREADY_EXISTS),                                    # the name is taken
    ({'Name': 'Alias taken', 'Alias': 'alice'}, 400, exchange_groups.PROXY_IN_USE),
    ({'Name': 'Address taken', 'PrimarySmtpAddress': 'board@contoso.onmicrosoft.com'}, 400,
     exchange_groups.PROXY_IN_USE),
    ({'Name': 'Foreign', 'PrimarySmtpAddress': 'foreign@partner.example'}, 400, exchange_cmdlets.INVALID),
    ({'Name': 'Bad type', 'Type': 'Dynamic'}, 400, BINDING),
    ({'Name': 'Ghost member', 'Members': ['ghost@contoso.onmicrosoft.com']}, 404, NOT_FOUND),
    ({'Name': 'x' * 65}, 400, exchange_cmdlets.INVALID),
])
def test_new_distribution_group_refusals(client, group, parameters, status, exception):
    refused(client, 'New-DistributionGroup', parameters, status, exception)


# Management scopes --------------------------------------------------------------------------------------------

def test_scope_lifecycle(client, group):
    text = "MemberOfGroup -eq '%s'" % group['DistinguishedName']
    created = ok(client, 'New-ManagementScope', {'Name': 'Lifecycle scope', 'RecipientRestrictionFilter': text})[0]
    assert (created['Name'], created['Identity']) == ('Lifecycle scope', 'Lifecycle scope')
    assert created['RecipientFilter'] == text
    assert created['ScopeRestrictionType'] == 'RecipientScope' and created['Exclusive'] is False
    assert ok(client, 'Get-ManagementScope', {'Identity': 'lifecycle scope'})[0]['Guid'] == created['Guid']
    assert 'Lifecycle scope' in [s['Name'] for s in ok(client, 'Get-ManagementScope', {'Orphan': True})]
    again = refused(client, 'New-ManagementScope', {'Name': 'Lifecycle scope', 'RecipientRestrictionFilter': text},
                    400, ALREADY_EXISTS)
    assert 'already exists' in again
    wider = "(%s) -or PrimarySmtpAddress -eq 'alice@contoso.onmicrosoft.com'" % text
    ok(client, 'Set-ManagementScope', {'Identity': 'Lifecycle scope', 'RecipientRestrictionFilter': wider})
    assert ok(client, 'Get-ManagementScope', {'Identity': 'Lifecycle scope'})[0]['RecipientFilter'] == wider
    answer, _ = exo(client, 'Set-ManagementScope', {'Identity': 'Lifecycle scope', 'RecipientRestrictionFilter': wider})
    assert 'no settings' in answer.json()['@adminapi.warnings'][0]
    ok(client, 'Set-ManagementScope', {'Identity': 'Lifecycle scope', 'Name': 'Lifecycle renamed'})
    ok(client, 'Remove-ManagementScope', {'Identity': 'Lifecycle renamed'})
    refused(client, 'Get-ManagementScope', {'Identity': 'Lifecycle renamed'}, 404, NOT_FOUND)


@pytest.mark.parametrize('text,status,exception', [
    ("Department -eq 'Sales'", 400, BINDING),                           # not a property the emulator evaluates
    ("MemberOfGroup -eq 'rbacrooms@contoso.onmicrosoft.com'", 400, BINDING),  # MemberOfGroup takes a DN
    ("MemberOfGroup -eq 'CN=Nobody,OU=contoso.onmicrosoft.com,DC=X'", 404, NOT_FOUND),
    ("PrimarySmtpAddress -like 'a*'", 400, BINDING),
    ("PrimarySmtpAddress -eq 'a@b.c' -or", 400, BINDING),
    ("(PrimarySmtpAddress -eq 'a@b.c'", 400, BINDING),
    ('PrimarySmtpAddress -eq a@b.c', 400, BINDING),
    ("RecipientTypeDetails -eq 'Room'", 400, BINDING),
])
def test_invalid_filters_are_refused(client, text, status, exception):
    message = refused(client, 'New-ManagementScope', {'Name': 'Bad filter', 'RecipientRestrictionFilter': text},
                      status, exception)
    if exception == BINDING:
        assert message.startswith("Cannot bind parameter 'RecipientRestrictionFilter' to the target.")
        assert '"%s" at position' % text in message


def test_filter_syntax_the_emulator_evaluates():
    state = exchange.seed_state({'rooms': [{'alias': 'r1', 'display_name': 'R1', 'address': 'r1@c.com'},
                                           {'alias': 'r2', 'display_name': 'R2', 'address': 'r2@c.com'}]},
                                [{'id': '00000000-0000-4000-8000-0000000000a1', 'userPrincipalName': 'u@c.com',
                                  'displayName': 'U', 'mail': 'u@c.com'}], 'c.com')
    group = exchange_cmdlets.invoke(state, 'New-DistributionGroup', {'Name': 'G', 'Type': 'Security', 'Members': ['r1']})
    dn = group[0][0]['DistinguishedName']
    by_alias = dict((r['Identity'], r) for r in state['recipients'])
    cases = {
        "MemberOfGroup -eq '%s'" % dn: {'r1'},
        "MemberOfGroup -ne '%s'" % dn.lower(): {'r2', 'u', 'G'},
        "{ RecipientTypeDetails -eq 'RoomMailbox' -and -not (PrimarySmtpAddress -eq \"R1@c.com\") }": {'r2'},
        "recipienttypedetails -EQ 'UserMailbox' -or (MemberOfGroup -eq '%s')" % dn: {'u', 'r1'},
        "PrimarySmtpAddress -eq 'o''brien@c.com'": set(),
    }
    for text, expected in cases.items():
        parsed = exchange_opath.RecipientFilter('RecipientRestrictionFilter', text, state)
        assert set(a for a, r in by_alias.items() if parsed.matches(state, r)) == expected, text


# Role assignments and Test-ServicePrincipalAuthorization ------------------------------------------------------

def test_role_assignment_lifecycle_and_authorization_test(client, group, principal):
    text = "MemberOfGroup -eq '%s'" % group['DistinguishedName']
    ok(client, 'New-ManagementScope', {'Name': 'Bookable rooms', 'RecipientRestrictionFilter': text})
    created = ok(client, 'New-ManagementRoleAssignment', {'App': principal['ObjectId'],
                                                          'Role': 'Application Calendars.ReadWrite',
                                                          'CustomResourceScope': 'Bookable rooms'})[0]
    assert created['Role'] == 'Application Calendars.ReadWrite' and created['RoleAssigneeType'] == 'ServicePrincipal'
    assert created['CustomResourceScope'] == 'Bookable rooms' and created['RecipientWriteScope'] == \
        'CustomRecipientScope'
    assert created['RoleAssignee'] == created['RoleAssigneeName'] == principal['ObjectId']
    assert created['Name'] == created['Identity'] and len(created['Name']) <= 64
    assert created['Name'].startswith('Application Calendars.ReadWrite-')
    named = ok(client, 'New-ManagementRoleAssignment', {'Name': 'Rooms send', 'App': principal['DisplayName'],
                                                        'Role': 'application mail.send',
                                                        'CustomResourceScope': 'Bookable rooms'})[0]
    assert (named['Name'], named['Role']) == ('Rooms send', 'Application Mail.Send')

    mine = ok(client, 'Get-ManagementRoleAssignment', {'RoleAssignee': principal['AppId']})
    assert sorted(a['Name'] for a in mine) == sorted([created['Name'], 'Rooms send'])
    assert [a['Name'] for a in ok(client, 'Get-ManagementRoleAssignment', {
        'RoleAssignee': principal['ObjectId'], 'Role': 'Application Mail.Send'})] == ['Rooms send']
    assert ok(client, 'Get-ManagementRoleAssignment', {'Identity': 'Rooms send'})[0]['Guid'] == named['Guid']
    refused(client, 'Get-ManagementRoleAssignment', {'Identity': 'Rooms send', 'Role': 'Application Mail.Send'}, 400,
            BINDING)
    assert 'Bookable rooms' not in [s['Name'] for s in ok(client, 'Get-ManagementScope', {'Orphan': True})]

    rows = ok(client, 'Test-ServicePrincipalAuthorization', {'Identity': principal['AppId'],
                                                             'Resource': 'focus-1@contoso.onmicrosoft.com'})
    assert sorted((r['RoleName'], r['GrantedPermissions'], r['AllowedResourceScope'], r['ScopeType'], r['InScope'])
                  for r in rows) == [
        ('Application Calendars.ReadWrite', 'Calendars.ReadWrite', 'Bookable rooms', 'CustomRecipientScope', True),
        ('Application Mail.Send', 'Mail.Send', 'Bookable rooms', 'CustomRecipientScope', True)]
    user = ok(client, 'Test-ServicePrincipalAuthorization', {'Identity': principal['ObjectId'],
                                                             'Resource': 'alice@contoso.onmicrosoft.com'})
    assert [r['InScope'] for r in user] == [False, False]
    assert [r['InScope'] for r in ok(client, 'Test-ServicePrincipalAuthorization',
                                     {'Identity': principal['ObjectId']})] == ['Not Run', 'Not Run']
    # the scope is evaluated when asked: membership changes count at once
    alice = 'alice@contoso.onmicrosoft.com'
    ok(client, 'Add-DistributionGroupMember', {'Identity': 'RBAC Rooms', 'Member': alice})
    try:
        assert [r['InScope'] for r in ok(client, 'Test-ServicePrincipalAuthorization', {
            'Identity': principal['ObjectId'], 'Resource': alice})] == [True, True]
    finally:
        ok(client, 'Remove-DistributionGroupMember', {'Identity': 'RBAC Rooms', 'Member': alice})
    refused(client, 'Test-ServicePrincipalAuthorization', {'Identity': principal['ObjectId'], 'Resource': 'RBAC Rooms'},
            404, NOT_FOUND)  # a group is no mailbox

    duplicate = {'App': principal['ObjectId'], 'Role': 'Application Mail.Send', 'CustomResourceScope': 'Bookable rooms'}
    assert 'Rooms send' in refused(client, 'New-ManagementRoleAssignment', duplicate, 400, ALREADY_EXISTS)
    in_use = refused(client, 'Remove-ManagementScope', {'Identity': 'Bookable rooms'}, 400, exchange_cmdlets.IN_USE)
    assert 'Rooms send' in in_use and created['Name'] in in_use
    assert 'Rooms send' in refused(client, 'Remove-ServicePrincipal', {'Identity': principal['ObjectId']}, 400,
                                   exchange_cmdlets.IN_USE)
    ok(client, 'Remove-ManagementRoleAssignment', {'Identity': 'Rooms send'})
    ok(client, 'Remove-ManagementRoleAssignment', {'Identity': created['Name']})
    refused(client, 'Remove-ManagementRoleAssignment', {'Identity': 'Rooms send'}, 404, NOT_FOUND)
    assert ok(client, 'Test-ServicePrincipalAuthorization', {'Identity': principal['ObjectId']}) == []
    ok(client, 'Remove-ManagementScope', {'Identity': 'Bookable rooms'})


@pytest.mark.parametrize('parameters', [
    {'Role': 'Application Calendars.Write'},   # no such role
    {'Role': 'Mail Recipients'},               # a management role the emulator does not hold
    {'CustomResourceScope': 'No such scope'},
    {'App': '0c0c0c0c-0000-4000-8000-000000000001'},
])
def test_unknown_role_scope_or_principal_is_not_found(client, principal, parameters):
    base = {'App': principal['ObjectId'], 'Role': 'Application Mail.Read'}
    refused(client, 'New-ManagementRoleAssignment', dict(base, **parameters), 404, NOT_FOUND)


def test_unscoped_assignment_reaches_the_organization(client, principal):
    created = ok(client, 'New-ManagementRoleAssignment', {'App': principal['ObjectId'],
                                                          'Role': 'Application Contacts.Read'})[0]
    try:
        assert created['CustomResourceScope'] is None and created['RecipientWriteScope'] == 'Organization'
        rows = ok(client, 'Test-ServicePrincipalAuthorization', {'Identity': principal['ObjectId'],
                                                                 'Resource': 'alice@contoso.onmicrosoft.com'})
        assert [(r['AllowedResourceScope'], r['ScopeType'], r['InScope']) for r in rows] == [
            ('Organization', 'Organization', True)]
    finally:
        ok(client, 'Remove-ManagementRoleAssignment', {'Identity': created['Identity']})


def test_app_allows_follows_the_roles_and_what_they_imply():
    state = exchange.seed_state({'rooms': [{'alias': 'r1', 'display_name': 'R1', 'address': 'r1@c.com'}]},
                                [{'id': '00000000-0000-4000-8000-0000000000b1', 'userPrincipalName': 'u@c.com',
                                  'displayName': 'U', 'mail': 'u@c.com'}], 'c.com')
    app, sp = '0d0d0d0d-0000-4000-8000-000000000001', '0d0d0d0d-0000-4000-8000-000000000002'

    def run(cmdlet, parameters):
        return exchange_cmdlets.invoke(state, cmdlet, parameters)[0]
    run('New-ServicePrincipal', {'AppId': app, 'ObjectId': sp})
    group = run('New-DistributionGroup', {'Name': 'G', 'Type': 'Security', 'Members': ['r1']})[0]
    run('New-ManagementScope', {'Name': 'S', 'RecipientRestrictionFilter': "MemberOfGroup -eq '%s'"
                                % group['DistinguishedName']})
    assert not exchange_rbac.app_allows(state, app, 'Calendars.Read', 'r1@c.com')
    run('New-ManagementRoleAssignment', {'App': sp, 'Role': 'Application Exchange Full Access',
                                         'CustomResourceScope': 'S'})
    for permission in ('Calendars.Read', 'Calendars.ReadWrite', 'Mail.Send', 'Mail.ReadBasic', 'Contacts.Read',
                       'MailboxSettings.ReadWrite'):
        assert exchange_rbac.app_allows(state, app, permission, 'r1@c.com'), permission
        assert not exchange_rbac.app_allows(state, app, permission, 'u@c.com'), permission
    assert not exchange_rbac.app_allows(state, app, 'EWS.AccessAsApp', 'r1@c.com')
    assert exchange_rbac.app_allows(state, app.upper(), 'Mail.Send', 'R1@c.com')
    assert not exchange_rbac.app_allows(state, app, 'Mail.Send', 'r1@c.com', object_id='0d0d0d0d-0000-4000-8000-0')
    assert not exchange_rbac.app_allows(state, 'another-app', 'Mail.Send', 'r1@c.com')
    assert not exchange_rbac.app_allows(state, app, 'Mail.Send', 'G@c.com')  # a group has no mailbox
    run('Remove-ManagementRoleAssignment', {'Identity': run('Get-ManagementRoleAssignment', {})[0]['Name']})
    run('New-ManagementRoleAssignment', {'App': sp, 'Role': 'Application Mail Full Access'})  # organization-wide
    assert exchange_rbac.app_allows(state, app, 'Mail.Send', 'u@c.com')
    assert exchange_rbac.app_allows(state, app, 'Mail.Read', 'u@c.com')
    assert not exchange_rbac.app_allows(state, app, 'Calendars.Read', 'u@c.com')


# Who may run the cmdlets --------------------------------------------------------------------------------------

def test_global_reader_reads_but_cannot_write(client, group):
    assert ok(client, 'Get-ManagementScope', operator=1) is not None
    assert ok(client, 'Get-DistributionGroup', {'Identity': 'RBAC Rooms'}, operator=1)[0]['Guid'] == group['Guid']
    refused(client, 'New-ManagementScope', {'Name': 'Reader scope', 'RecipientRestrictionFilter':
                                            "PrimarySmtpAddress -eq 'a@b.c'"}, 400, COMMAND_NOT_FOUND, operator=1)


@pytest.fixture(scope='module')
def recipient_admin(client):
    """(app id, Exchange token) of an app of Contoso holding Exchange Recipient Administrator."""
    tenant = client.tenant(1)
    app_id, _sp_id, _object_id, secret = new_app(client, tenant, 'Recipient admin', exchange_roles=[
        'Exchange.ManageAsApp'], directory_roles=['Exchange Recipient Administrator'])
    return app_id, app_token(client, tenant, app_id, secret, 'exchange')


def test_exchange_recipient_administrator_cannot_touch_rbac(client, group, principal, recipient_admin):
    app_id, token = recipient_admin
    for cmdlet, parameters in (
            ('New-ManagementScope', {'Name': 'Recipient admin scope',
                                     'RecipientRestrictionFilter': "PrimarySmtpAddress -eq 'a@b.c'"}),
            ('New-ServicePrincipal', {'AppId': app_id, 'ObjectId': '0e0e0e0e-0000-4000-8000-000000000001'}),
            ('New-ManagementRoleAssignment', {'App': principal['ObjectId'], 'Role': 'Application Mail.Read'}),
            ('New-DistributionGroup', {'Name': 'Recipient admin group'}),
            ('Add-DistributionGroupMember', {'Identity': 'RBAC Rooms', 'Member': 'board'}),
            ('Test-ServicePrincipalAuthorization', {'Identity': principal['ObjectId']})):
        assert cmdlet in refused(client, cmdlet, parameters, 400, COMMAND_NOT_FOUND, token=token)
    assert ok(client, 'Get-ManagementScope', token=token) is not None  # reads stay open to it
    assert ok(client, 'Get-ServicePrincipal', {'Identity': principal['ObjectId']}, token=token)
    # and the recipient writes it always had still work
    ok(client, 'Set-CalendarProcessing', {'Identity': 'annex', 'AllowConflicts': False}, token=token)


# The callers of Contoso by their Entra role: operator 0 (Exchange Administrator), operator 1 (Global Reader) and the
# recipient_admin app (Exchange Recipient Administrator).
CALLERS = {'Exchange Administrator': {'operator': 0}, 'Global Reader': {'operator': 1},
           'Exchange Recipient Administrator': None}


@pytest.mark.parametrize('role', sorted(CALLERS))
def test_every_cmdlet_is_answered_by_the_roles_the_registry_gives_it(client, recipient_admin, role):
    """Each registered cmdlet, called without parameters (a write then fails binding and changes nothing): a role
    the registry does not list for it is answered as RBAC answers it, a role it lists gets past RBAC."""
    caller = CALLERS[role] or {'token': recipient_admin[1]}
    role_id = catalog.DIRECTORY_ROLES[role]
    for name, registered in sorted(exchange_cmdlets.CMDLETS.items()):
        answer, _ = exo(client, name, {}, **caller)
        not_recognized = answer.status_code == 400 and exception_type(answer) == COMMAND_NOT_FOUND
        if role_id in registered.roles:
            assert not not_recognized, (name, answer.text)
            assert answer.status_code == 200 or exception_type(answer) == BINDING, (name, answer.text)
        else:
            assert not_recognized, (name, answer.text)
            assert answer.json()['error']['details'][0]['message'].split('|')[2] == (
                "The term '%s' is not recognized as a name of a cmdlet, function, script file, or executable "
                "program." % name)


def test_the_authorization_test_is_logged_as_a_read(client, emu, principal):
    ok(client, 'Test-ServicePrincipalAuthorization', {'Identity': principal['ObjectId']})
    last = emu.requests()[-1]
    assert (last['cmdlet'], last['write']) == ('Test-ServicePrincipalAuthorization', False)
    renamed = {'Identity': principal['ObjectId'], 'DisplayName': principal['DisplayName'] + '!'}
    ok(client, 'Set-ServicePrincipal', renamed)
    assert emu.requests()[-1]['write'] is True
    ok(client, 'Set-ServicePrincipal', {'Identity': principal['ObjectId'], 'DisplayName': principal['DisplayName']})


def test_rbac_state_survives_a_restart_and_starts_empty(tmp_path):
    with running_emulator(tmp_path) as first:
        client = Client(first)
        assert ok(client, 'Get-ManagementScope') == [] and ok(client, 'Get-ServicePrincipal') == []
        assert ok(client, 'Get-DistributionGroup') == [] and ok(client, 'Get-ManagementRoleAssignment') == []
        ok(client, 'New-DistributionGroup', {'Name': 'Kept', 'Type': 'Security', 'Members': ['board']})
        ok(client, 'New-ManagementScope', {'Name': 'Kept scope', 'RecipientRestrictionFilter':
                                           "MemberOfGroup -eq '%s'" % ok(client, 'Get-DistributionGroup', {
                                               'Identity': 'Kept'})[0]['DistinguishedName']})
    with running_emulator(tmp_path) as second:
        client = Client(second)
        assert [s['Name'] for s in ok(client, 'Get-ManagementScope')] == ['Kept scope']
        members = ok(client, 'Get-DistributionGroupMember', {'Identity': 'Kept'})
        assert [m['PrimarySmtpAddress'] for m in members] == ['board@contoso.onmicrosoft.com']
