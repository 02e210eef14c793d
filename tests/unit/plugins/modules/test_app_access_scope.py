"""app_access_scope's logic against a fake Exchange Online and a fake Microsoft Graph.

The fake Exchange keeps a little tenant (recipients, Exchange service principals, groups, management
scopes, role assignments) and answers the cmdlets as their reference pages describe them, including the
Get- cmdlets that answer an unknown -Identity with every object. Every cmdlet is recorded, so a test can
say exactly what was written and in which order.
"""

from __future__ import annotations

import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules import app_access_scope

from ..module_utils.fakes import FakeConnection, FakeTokens, run_logic

APP = '11111111-2222-3333-4444-555555555555'
SP_ID = '66666666-7777-8888-9999-000000000000'
OTHER_APP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
GUID = '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'
GROUP = 'Bookings ONE mailboxes'
DN = ('CN=Bookings ONE mailboxes,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,'
      'DC=EURPR01A001,DC=PROD,DC=OUTLOOK,DC=COM')
FILTER = "MemberOfGroup -eq '%s'" % DN
ROOM1, ROOM2, ROOM3 = 'room1@contoso.com', 'room2@contoso.com', 'room3@contoso.com'
DELEGATE, USER = 'bookings@contoso.com', 'adele@contoso.com'
CALENDARS, MAIL = 'Application Calendars.ReadWrite', 'Application Mail.Send'
GRAPH_ROLES = {'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
               'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
               'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214'}


def not_found(identity):
    return MicrosoftApiError('exchange', 404, 'NotFound', "The operation couldn't be performed because object '%s' "
                             "couldn't be found." % identity, details=[exchange_api.NOT_FOUND])


def refused(text):
    return MicrosoftApiError('exchange', 400, 'BadRequest', text,
                             details=['Microsoft.Exchange.Configuration.Tasks.TaskException'])


def recipient(address, kind='RoomMailbox'):
    name = address.split('@')[0]
    return dict(Name=name, Alias=name, DisplayName=name.title(), PrimarySmtpAddress=address,
                RecipientTypeDetails=kind, Identity=name)


class FakeExchange(object):
    """A tenant's RBAC for Applications objects, changed only by the cmdlets sent to it."""

    def __init__(self):
        self.tokens = FakeTokens()
        self.warnings = []
        self.calls = []
        self.lock = threading.Lock()
        self.recipients = dict((a, recipient(a)) for a in (ROOM1, ROOM2, ROOM3))
        self.recipients[DELEGATE] = recipient(DELEGATE, 'UserMailbox')
        self.recipients[USER] = recipient(USER, 'UserMailbox')
        self.principals = [dict(AppId=OTHER_APP, ObjectId='99999999-0000-0000-0000-000000000000', Name='Other',
                                DisplayName='Other app')]
        self.groups = {}
        self.scopes = {}
        self.assignments = []
        self.handlers = {
            'Get-Recipient': self.get_recipient, 'Get-ServicePrincipal': self.get_service_principal,
            'Get-Mailbox': self.get_mailboxes,
            'New-ServicePrincipal': self.new_service_principal,
            'Remove-ServicePrincipal': self.remove_service_principal,
            'Get-DistributionGroup': self.get_group, 'New-DistributionGroup': self.new_group,
            'Remove-DistributionGroup': self.remove_group, 'Get-DistributionGroupMember': self.get_members,
            'Add-DistributionGroupMember': self.add_member, 'Remove-DistributionGroupMember': self.remove_member,
            'Get-ManagementScope': self.get_scope, 'New-ManagementScope': self.new_scope,
            'Set-ManagementScope': self.set_scope, 'Remove-ManagementScope': self.remove_scope,
            'Get-ManagementRoleAssignment': self.get_assignments,
            'New-ManagementRoleAssignment': self.new_assignment,
            'Remove-ManagementRoleAssignment': self.remove_assignment,
            'Test-ServicePrincipalAuthorization': self.test_authorization,
        }

    # What the module sent.
    def invoke(self, cmdlet, parameters=None, anchor=None):
        with self.lock:
            self.calls.append((cmdlet, dict(parameters or {})))
            return self.handlers[cmdlet](dict(parameters or {}))

    def writes(self):
        return [(c, p) for c, p in self.calls if not c.startswith(('Get-', 'Test-'))]

    def sent(self, cmdlet):
        return [p for c, p in self.calls if c == cmdlet]

    # A tenant already set up as the module would.
    def set_up(self, members=(ROOM1, ROOM2, DELEGATE), roles=(CALENDARS, MAIL)):
        self.principals.append(dict(AppId=APP, ObjectId=SP_ID, Name=SP_ID, DisplayName='Bookings ONE'))
        self.groups[GROUP.lower()] = dict(Name=GROUP, DisplayName=GROUP, Alias='BookingsONEmailboxes',
                                          PrimarySmtpAddress='BookingsONEmailboxes@contoso.onmicrosoft.com',
                                          DistinguishedName=DN, RecipientTypeDetails='MailUniversalSecurityGroup',
                                          Identity=GROUP, members=list(members))
        self.scopes[GROUP.lower()] = dict(Name=GROUP, Identity=GROUP, RecipientFilter=FILTER,
                                          ScopeRestrictionType='RecipientScope', Exclusive=False)
        for role in roles:
            self.assign(role, GROUP)
        return self

    def assign(self, role, scope, principal=SP_ID):
        sp = self.principal(principal)
        name = '%s-%s' % (role.replace(' ', ''), sp['Name'])
        self.assignments.append(dict(Name=name, Identity=name, Role=role, RoleAssignee=sp['Name'],
                                     RoleAssigneeName=sp['DisplayName'], RoleAssigneeType='ServicePrincipal',
                                     CustomResourceScope=scope,
                                     RecipientWriteScope='CustomRecipientScope' if scope else 'Organization'))

    # Lookups.
    def get_mailboxes(self, params):
        kind = params.get('RecipientTypeDetails')
        return [r for r in self.recipients.values() if r['RecipientTypeDetails'] == kind][:int(params['ResultSize'])]

    def find_recipient(self, identity):
        wanted = str(identity).lower()
        for item in list(self.recipients.values()) + list(self.groups.values()):
            if wanted in exchange_api.recipient_names(item):
                return item
        return None

    def principal(self, identity):
        for sp in self.principals:
            if str(identity).lower() in (sp['AppId'], sp['ObjectId'], sp['Name'].lower()):
                return sp
        return None

    def group(self, identity):
        found = self.find_recipient(identity)
        if found is None or 'members' not in found:
            raise not_found(identity)
        return found

    # Cmdlets.
    def get_recipient(self, parameters):
        found = self.find_recipient(parameters['Identity'])
        if found is None:
            raise not_found(parameters['Identity'])
        return [dict((k, v) for k, v in found.items() if k != 'members')]

    def get_service_principal(self, parameters):
        found = self.principal(parameters['Identity'])
        return [dict(found)] if found else [dict(sp) for sp in self.principals]  # unknown: all (reference page)

    def new_service_principal(self, parameters):
        if self.principal(parameters['AppId']):
            raise refused('A service principal with this AppId already exists.')
        sp = dict(AppId=parameters['AppId'], ObjectId=parameters['ObjectId'], Name=parameters['ObjectId'],
                  DisplayName=parameters.get('DisplayName') or parameters['ObjectId'])
        self.principals.append(sp)
        return [dict(sp)]

    def remove_service_principal(self, parameters):
        sp = self.principal(parameters['Identity'])
        if sp is None:
            raise not_found(parameters['Identity'])
        self.principals.remove(sp)
        return []

    def get_group(self, parameters):
        found = self.group(parameters['Identity'])
        return [dict((k, v) for k, v in found.items() if k != 'members')]

    def new_group(self, parameters):
        name = parameters['Name']
        alias = parameters.get('Alias') or name.replace(' ', '')
        group = dict(Name=name, DisplayName=name, Alias=alias, Identity=name,
                     PrimarySmtpAddress='%s@contoso.onmicrosoft.com' % alias,
                     DistinguishedName=DN.replace('CN=Bookings ONE mailboxes', 'CN=%s' % name),
                     RecipientTypeDetails=('MailUniversalSecurityGroup' if parameters.get('Type') == 'Security'
                                           else 'MailUniversalDistributionGroup'), members=[])
        self.groups[name.lower()] = group
        return [dict((k, v) for k, v in group.items() if k != 'members')]

    def remove_group(self, parameters):
        group = self.group(parameters['Identity'])
        assert parameters.get('BypassSecurityGroupManagerCheck') is True
        del self.groups[group['Name'].lower()]
        return []

    def get_members(self, parameters):
        return [dict(self.recipients[m]) for m in self.group(parameters['Identity'])['members']]

    def add_member(self, parameters):
        group = self.group(parameters['Identity'])
        assert parameters.get('BypassSecurityGroupManagerCheck') is True
        member = self.find_recipient(parameters['Member'])
        if member is None:
            raise not_found(parameters['Member'])
        if member['PrimarySmtpAddress'] in group['members']:
            raise refused('The recipient is already a member of the group.')
        group['members'].append(member['PrimarySmtpAddress'])
        return []

    def remove_member(self, parameters):
        group = self.group(parameters['Identity'])
        member = self.find_recipient(parameters['Member'])
        if member is None or member['PrimarySmtpAddress'] not in group['members']:
            raise refused('The recipient is not a member of the group.')
        group['members'].remove(member['PrimarySmtpAddress'])
        return []

    def get_scope(self, parameters):
        found = self.scopes.get(parameters['Identity'].lower())
        return [dict(found)] if found else [dict(s) for s in self.scopes.values()]  # unknown: all (reference page)

    def new_scope(self, parameters):
        scope = dict(Name=parameters['Name'], Identity=parameters['Name'],
                     RecipientFilter=parameters['RecipientRestrictionFilter'], ScopeRestrictionType='RecipientScope')
        self.scopes[parameters['Name'].lower()] = scope
        return [dict(scope)]

    def set_scope(self, parameters):
        self.scopes[parameters['Identity'].lower()]['RecipientFilter'] = parameters['RecipientRestrictionFilter']
        return []

    def remove_scope(self, parameters):
        if any(a['CustomResourceScope'] == parameters['Identity'] for a in self.assignments):
            raise refused("The management scope can't be removed while role assignments use it.")
        del self.scopes[parameters['Identity'].lower()]
        return []

    def get_assignments(self, parameters):
        sp = self.principal(parameters['RoleAssignee'])
        if sp is None:
            raise not_found(parameters['RoleAssignee'])
        return [dict(a) for a in self.assignments if a['RoleAssignee'] == sp['Name']]

    def new_assignment(self, parameters):
        sp = self.principal(parameters['App'])
        if sp is None:
            raise not_found(parameters['App'])
        if parameters['CustomResourceScope'].lower() not in self.scopes:
            raise not_found(parameters['CustomResourceScope'])
        self.assign(parameters['Role'], parameters['CustomResourceScope'], principal=sp['ObjectId'])
        return [dict(self.assignments[-1])]

    def remove_assignment(self, parameters):
        found = [a for a in self.assignments if a['Identity'] == parameters['Identity']]
        if not found:
            raise not_found(parameters['Identity'])
        self.assignments.remove(found[0])
        return []

    def test_authorization(self, parameters):
        sp = self.principal(parameters['Identity'])
        target = self.find_recipient(parameters['Resource'])
        if sp is None or target is None:
            raise not_found(parameters['Identity'] if sp is None else parameters['Resource'])
        rows = []
        for assignment in self.assignments:
            if assignment['RoleAssignee'] != sp['Name']:
                continue
            scope = self.scopes.get((assignment['CustomResourceScope'] or '').lower())
            if scope is None:
                reached = True  # an assignment without a scope reaches the whole organization
            else:
                named = scope['RecipientFilter']
                groups = [g for g in self.groups.values() if "'%s'" % g['DistinguishedName'] in named]
                reached = any(target['PrimarySmtpAddress'] in g['members'] for g in groups)
            rows.append(dict(RoleName=assignment['Role'], GrantedPermissions=assignment['Role'].split(' ', 1)[1],
                             AllowedResourceScope=assignment['CustomResourceScope'] or 'Organization',
                             ScopeType='CustomRecipientScope', InScope=reached))
        return rows


class FakeGraph(object):
    """The app's service principal and its admin-consented Graph permissions."""

    def __init__(self, granted=()):
        self.granted = list(granted)
        self.calls = []

    def get_or_none(self, path, params=None):
        self.calls.append(path)
        if path == "/servicePrincipals(appId='%s')" % APP:
            return dict(id=SP_ID, appId=APP, displayName='Bookings ONE')
        if path == "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')":
            return dict(id='graph', appRoles=[dict(value=k, id=v, allowedMemberTypes=['Application'])
                                              for k, v in GRAPH_ROLES.items()])
        return None

    def list(self, path, params=None):
        self.calls.append(path)
        assert path == '/servicePrincipals/%s/appRoleAssignments' % SP_ID
        return [dict(appRoleId=GRAPH_ROLES[name], resourceId='graph', principalId=SP_ID) for name in self.granted]


def run(exchange, graph=None, check_mode=False, **args):
    args.setdefault('app_id', APP)
    args.setdefault('concurrency', 1)  # the order of writes is then the order they were sent in
    return run_logic(app_access_scope, FakeConnection(exchange, graph or FakeGraph()), check_mode, **args)


MEMBERS = [ROOM1, ROOM2, DELEGATE]


def test_everything_is_created_from_nothing_in_dependency_order():
    exo = FakeExchange()
    result, failure = run(exo, members=MEMBERS, verify_out_of_scope=[USER])
    assert failure is None
    assert exo.writes() == [
        ('New-ServicePrincipal', dict(AppId=APP, ObjectId=SP_ID, DisplayName='Bookings ONE')),
        ('New-DistributionGroup', dict(Name=GROUP, Type='Security')),
        ('Add-DistributionGroupMember', dict(Identity=GROUP, Member=DELEGATE, BypassSecurityGroupManagerCheck=True)),
        ('Add-DistributionGroupMember', dict(Identity=GROUP, Member=ROOM1, BypassSecurityGroupManagerCheck=True)),
        ('Add-DistributionGroupMember', dict(Identity=GROUP, Member=ROOM2, BypassSecurityGroupManagerCheck=True)),
        ('New-ManagementScope', dict(Name=GROUP, RecipientRestrictionFilter=FILTER)),
        ('New-ManagementRoleAssignment', dict(App=SP_ID, Role=CALENDARS, CustomResourceScope=GROUP)),
        ('New-ManagementRoleAssignment', dict(App=SP_ID, Role=MAIL, CustomResourceScope=GROUP)),
    ]
    # Each object read once, before the first write; then the proof.
    reads = [c for c, p in exo.calls if c.startswith('Get-')]
    assert reads == ['Get-Recipient'] * 4 + ['Get-ServicePrincipal', 'Get-DistributionGroup', 'Get-ManagementScope']
    assert [p['Resource'] for p in exo.sent('Test-ServicePrincipalAuthorization')] == MEMBERS + [USER]
    assert result['changed'] is True
    assert result['diff']['before'] == dict(service_principal=False, group=False, members=[], scope_filter=None,
                                            roles=[])
    assert result['diff']['after'] == dict(service_principal=True, group=True, members=[DELEGATE, ROOM1, ROOM2],
                                           scope_filter=FILTER, roles=[CALENDARS, MAIL])
    assert result['service_principal'] == dict(app_id=APP, object_id=SP_ID, display_name='Bookings ONE', present=True)
    assert result['group'] == dict(name=GROUP, address='BookingsONEmailboxes@contoso.onmicrosoft.com',
                                   distinguished_name=DN, members=[DELEGATE, ROOM1, ROOM2], present=True)
    assert result['scope'] == dict(name=GROUP, filter=FILTER, present=True)
    assert result['roles'] == [CALENDARS, MAIL] and result['tenant_id'] == GUID
    assert result['verification'] == dict(in_scope=dict.fromkeys(MEMBERS, True), out_of_scope={USER: True},
                                          unscoped_grants=[], ok=True)


def test_a_second_run_writes_nothing():
    exo = FakeExchange()
    run(exo, members=MEMBERS, group_alias='bookingsone-rooms')
    assert exo.sent('New-DistributionGroup') == [dict(Name=GROUP, Type='Security', Alias='bookingsone-rooms')]
    exo.calls = []
    result, failure = run(exo, members=MEMBERS, group_alias='bookingsone-rooms')
    assert failure is None and exo.writes() == []
    assert result['changed'] is False and 'diff' not in result
    assert result['verification']['ok'] is True


def test_the_filter_as_exchange_stores_it_is_not_rewritten():
    exo = FakeExchange().set_up()
    exo.scopes[GROUP.lower()]['RecipientFilter'] = "(memberofgroup -eq '%s')" % DN.lower()
    result, failure = run(exo, members=MEMBERS)
    assert failure is None and exo.writes() == [] and result['changed'] is False
    assert result['scope']['filter'] == "(memberofgroup -eq '%s')" % DN.lower()


def test_members_are_made_exact():
    exo = FakeExchange().set_up(members=[ROOM1, ROOM3, DELEGATE])
    result, failure = run(exo, members=[ROOM1, ROOM2, DELEGATE])
    assert failure is None
    assert exo.writes() == [
        ('Add-DistributionGroupMember', dict(Identity=GROUP, Member=ROOM2, BypassSecurityGroupManagerCheck=True)),
        ('Remove-DistributionGroupMember', dict(Identity=GROUP, Member=ROOM3, BypassSecurityGroupManagerCheck=True)),
    ]
    assert result['diff']['before']['members'] == [DELEGATE, ROOM1, ROOM3]
    assert result['diff']['after']['members'] == [DELEGATE, ROOM1, ROOM2]
    assert exo.groups[GROUP.lower()]['members'] == [ROOM1, DELEGATE, ROOM2]


def test_a_role_no_longer_wanted_is_removed():
    exo = FakeExchange().set_up()
    exo.assign('Application Mail.Read', 'Somebody else')  # the app's, but not on our scope: not ours
    result, failure = run(exo, members=MEMBERS, roles=[CALENDARS])
    assert failure is None
    assert exo.writes() == [('Remove-ManagementRoleAssignment', dict(Identity='ApplicationMail.Send-%s' % SP_ID))]
    assert result['diff']['before']['roles'] == [CALENDARS, MAIL] and result['diff']['after']['roles'] == [CALENDARS]
    assert result['roles'] == [CALENDARS]
    assert any('Application Mail.Read' in note and 'not managed' in note for note in result['notes'])


def test_a_changed_group_is_put_back_in_the_filter():
    exo = FakeExchange().set_up()
    exo.scopes[GROUP.lower()]['RecipientFilter'] = "MemberOfGroup -eq 'CN=Old,DC=x'"
    result, failure = run(exo, members=MEMBERS)
    assert failure is None
    assert exo.writes() == [('Set-ManagementScope', dict(Identity=GROUP, RecipientRestrictionFilter=FILTER))]
    assert result['diff']['before']['scope_filter'] == "MemberOfGroup -eq 'CN=Old,DC=x'"


def test_check_mode_writes_nothing_and_shows_the_diff():
    exo = FakeExchange()
    graph = FakeGraph()
    result, failure = run(exo, graph, check_mode=True, members=MEMBERS, verify_out_of_scope=[USER])
    assert failure is None
    assert [c for c, p in exo.calls if not c.startswith('Get-')] == []  # not even a test: nothing exists yet
    assert result['changed'] is True and result['verification'] is None
    assert result['diff']['after']['members'] == [DELEGATE, ROOM1, ROOM2]
    assert result['diff']['after']['roles'] == [CALENDARS, MAIL]
    assert 'once it exists' in result['diff']['after']['scope_filter']
    assert result['group']['distinguished_name'] is None and result['scope']['filter'] is None
    assert graph.calls == ["/servicePrincipals(appId='%s')" % APP]


def test_check_mode_on_an_existing_setup_verifies_what_is_there():
    exo = FakeExchange().set_up(members=[ROOM1, DELEGATE])
    result, failure = run(exo, check_mode=True, members=MEMBERS)
    assert failure is None and exo.writes() == []
    assert result['diff']['after']['members'] == [DELEGATE, ROOM1, ROOM2]
    assert result['verification']['in_scope'] == {ROOM1: True, ROOM2: False, DELEGATE: True}
    assert result['verification']['ok'] is False


def test_a_refused_test_is_a_note_in_check_mode_and_a_failure_otherwise():
    class ReadOnly(FakeExchange):
        def test_authorization(self, parameters):
            raise MicrosoftApiError('exchange', 400, 'BadRequest', "The term 'Test-ServicePrincipalAuthorization' is "
                                    "not recognized", details=['System.Management.Automation.CommandNotFoundException'])

    result, failure = run(ReadOnly().set_up(), check_mode=True, members=MEMBERS)
    assert failure is None and result['verification'] is None
    assert any('verification could not run' in note for note in result['notes'])
    result, failure = run(ReadOnly().set_up(), members=MEMBERS)
    assert failure is not None and 'not recognized' in failure[0]


def test_absent_removes_in_order_and_only_what_is_there():
    exo = FakeExchange().set_up()
    result, failure = run(exo, state='absent')
    assert failure is None
    assert exo.writes() == [
        ('Remove-ManagementRoleAssignment', dict(Identity='ApplicationCalendars.ReadWrite-%s' % SP_ID)),
        ('Remove-ManagementRoleAssignment', dict(Identity='ApplicationMail.Send-%s' % SP_ID)),
        ('Remove-ManagementScope', dict(Identity=GROUP)),
        ('Remove-DistributionGroup', dict(Identity=GROUP, BypassSecurityGroupManagerCheck=True)),
        ('Remove-ServicePrincipal', dict(Identity=APP)),
    ]
    assert result['changed'] is True and result['diff']['after'] == dict(
        service_principal=False, group=False, members=[], scope_filter=None, roles=[])
    assert result['verification'] is None
    exo.calls = []
    result, failure = run(exo, state='absent')
    assert failure is None and exo.writes() == [] and result['changed'] is False


def test_absent_keeps_a_service_principal_with_other_assignments():
    exo = FakeExchange().set_up()
    exo.assign('Application Contacts.Read', None)
    result, failure = run(exo, state='absent')
    assert failure is None
    assert [c for c, p in exo.writes()] == ['Remove-ManagementRoleAssignment'] * 2 + [
        'Remove-ManagementScope', 'Remove-DistributionGroup']
    assert result['service_principal']['present'] is True
    assert any('stays' in note for note in result['notes'])


def test_absent_in_check_mode_writes_nothing():
    exo = FakeExchange().set_up()
    result, failure = run(exo, check_mode=True, state='absent')
    assert failure is None and exo.writes() == [] and result['changed'] is True
    assert result['diff']['before']['roles'] == [CALENDARS, MAIL]


def test_an_unknown_member_fails_before_any_write():
    exo = FakeExchange()
    result, failure = run(exo, members=[ROOM1, 'ghost@contoso.com', 'nobody@contoso.com'])
    assert failure is not None and exo.writes() == []
    assert 'ghost@contoso.com' in failure[0] and 'nobody@contoso.com' in failure[0]
    assert 'nothing was changed' in failure[0] and result['changed'] is False


def test_an_unknown_out_of_scope_address_fails_before_any_write():
    exo = FakeExchange()
    result, failure = run(exo, members=MEMBERS, verify_out_of_scope=['ghost@contoso.com'])
    assert failure is not None and 'ghost@contoso.com' in failure[0] and exo.writes() == []


def test_repeated_members_are_kept_once_with_a_note():
    exo = FakeExchange().set_up()
    result, failure = run(exo, members=[ROOM1, 'ROOM1@contoso.com', ROOM2, DELEGATE, 'room2'])
    assert failure is None and exo.writes() == []
    assert 'members: repeated values removed (5 given, 4 kept)' in result['notes']
    assert any('room2 is the mailbox %s' % ROOM2 in note for note in result['notes'])


def test_a_member_also_out_of_scope_is_refused():
    result, failure = run(FakeExchange(), members=MEMBERS, verify_out_of_scope=[ROOM1.upper()])
    assert failure is not None and 'both in members and in verify_out_of_scope' in failure[0]


def test_verification_tells_what_still_reaches_too_far():
    exo = FakeExchange().set_up()
    exo.assign(MAIL, None)  # an organization-wide assignment made by hand
    graph = FakeGraph(granted=['Calendars.ReadWrite', 'User.Read.All'])
    result, failure = run(exo, graph, members=MEMBERS, verify_out_of_scope=[USER])
    assert failure is None and exo.writes() == []
    verification = result['verification']
    assert verification['in_scope'] == dict.fromkeys(MEMBERS, True)
    assert verification['out_of_scope'] == {USER: False}
    assert verification['unscoped_grants'] == ['Calendars.ReadWrite']
    assert verification['ok'] is False
    assert any('Calendars.ReadWrite tenant-wide' in note for note in result['notes'])


def test_unreadable_entra_grants_are_no_proof():
    class Forbidden(FakeGraph):
        def list(self, path, params=None):
            raise MicrosoftApiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges')

    result, failure = run(FakeExchange().set_up(), Forbidden(), members=MEMBERS)
    assert failure is None
    assert result['verification']['unscoped_grants'] is None and result['verification']['ok'] is False
    assert any('could not be read' in note for note in result['notes'])


def test_a_stale_exchange_pointer_fails_before_any_write():
    exo = FakeExchange().set_up()
    exo.principal(SP_ID)['ObjectId'] = '12121212-1212-1212-1212-121212121212'
    result, failure = run(exo, members=MEMBERS)
    assert failure is not None and exo.writes() == []
    assert '12121212-1212-1212-1212-121212121212' in failure[0] and SP_ID in failure[0]


def test_the_given_service_principal_id_spares_the_graph_lookup():
    graph = FakeGraph()
    result, failure = run(FakeExchange(), graph, members=MEMBERS, service_principal_id=SP_ID, roles=[])
    assert failure is None
    assert graph.calls == []  # no lookup, and no roles whose Graph permissions need checking
    assert result['verification']['in_scope'] == dict.fromkeys(MEMBERS, False)  # no role: nothing proven


def test_a_group_that_is_not_a_security_group_is_refused():
    exo = FakeExchange().set_up()
    exo.groups[GROUP.lower()]['RecipientTypeDetails'] = 'MailUniversalDistributionGroup'
    result, failure = run(exo, members=MEMBERS)
    assert failure is not None and 'not a mail-enabled security group' in failure[0] and exo.writes() == []


def test_members_are_required_when_present():
    outcome = ArgumentSpecValidator(app_access_scope.SPEC['argument_spec'],
                                    required_if=app_access_scope.SPEC['required_if']).validate(dict(app_id=APP))
    assert any('members' in message for message in outcome.error_messages)


def test_without_out_of_scope_addresses_one_user_mailbox_outside_the_members_is_tested():
    exo = FakeExchange().set_up()
    result, failure = run(exo, members=MEMBERS)
    assert failure is None, failure
    assert list(result['verification']['out_of_scope']) == [USER]  # the delegate is a member, so not picked
    assert exo.sent('Get-Mailbox') == [{'RecipientTypeDetails': 'UserMailbox', 'ResultSize': 10}]
    assert [p['Resource'] for p in exo.sent('Test-ServicePrincipalAuthorization')][-1] == USER
