"""Exchange Online RBAC for Applications as cmdlets over a tenant's Exchange state: service principals,
management scopes, role assignments and Test-ServicePrincipalAuthorization; plus app_allows(), which the Graph
mailbox routes (graph_mail.py) ask whether an Exchange role assignment lets an app reach a mailbox.

https://learn.microsoft.com/exchange/permissions-exo/application-rbac: an Exchange service principal is a
pointer to the Entra service principal (AppId + ObjectId); a role assignment gives it an application role
("Application Calendars.ReadWrite", ...) on an optional management scope (a recipient filter, exchange_opath.py,
usually naming a distribution group, exchange_groups.py). The grant is additive to what Entra consented; the scope
is evaluated when the app calls, so a change of group membership counts at once here (the service may cache for a
while; the emulator is the strict side).

Only the roles holding Organization Management run the writes (exchange_cmdlets.ORGANIZATION). State, in the
tenant's `exchange` section: service_principals, management_scopes, role_assignments (lists).
"""

from __future__ import annotations

import uuid

from emulator import exchange
from emulator.exchange import FOREST, MAILBOX_KINDS
from emulator.exchange_cmdlets import (
    ALREADY_EXISTS, BINDING, IN_USE, ORGANIZATION, READ, cmdlet, fail, not_found, unchanged)
from emulator.exchange_opath import RecipientFilter, restriction_filter
from emulator.exchange_params import IDENTITY, NAME64, boolean, guid, text

# https://learn.microsoft.com/exchange/permissions-exo/application-rbac#supported-application-roles
# Role name -> the permissions it grants (Microsoft Graph, or EWS for the last one).
ROLE_PERMISSIONS = {
    'Application Mail.Read': ('Mail.Read',),
    'Application Mail.ReadBasic': ('Mail.ReadBasic',),
    'Application Mail.ReadWrite': ('Mail.ReadWrite',),
    'Application Mail.Send': ('Mail.Send',),
    'Application MailboxSettings.Read': ('MailboxSettings.Read',),
    'Application MailboxSettings.ReadWrite': ('MailboxSettings.ReadWrite',),
    'Application Calendars.Read': ('Calendars.Read',),
    'Application Calendars.ReadWrite': ('Calendars.ReadWrite',),
    'Application Contacts.Read': ('Contacts.Read',),
    'Application Contacts.ReadWrite': ('Contacts.ReadWrite',),
    'Application Mail Full Access': ('Mail.ReadWrite', 'Mail.Send'),
    'Application Exchange Full Access': ('Mail.ReadWrite', 'Mail.Send', 'MailboxSettings.ReadWrite',
                                         'Calendars.ReadWrite', 'Contacts.ReadWrite'),
    'Application EWS.AccessAsApp': ('EWS.AccessAsApp',),
}
# What a permission also lets an app do (the ReadWrite permission reads; Mail.Read reads the basic properties).
IMPLIED = {'Mail.ReadWrite': ('Mail.Read', 'Mail.ReadBasic'), 'Mail.Read': ('Mail.ReadBasic',),
           'MailboxSettings.ReadWrite': ('MailboxSettings.Read',), 'Calendars.ReadWrite': ('Calendars.Read',),
           'Contacts.ReadWrite': ('Contacts.Read',)}
REMOVE_PARAMS = dict(IDENTITY, Confirm=boolean, Force=boolean)


def _items(state, name):
    return state.setdefault(name, [])


def _public(obj):
    """An object as the cmdlet outputs it: without the emulator's own bookkeeping (keys starting with _)."""
    return dict((k, v) for k, v in obj.items() if not k.startswith('_'))


def _config_dn(state, name, container):
    return 'CN=%s,CN=%s,CN=RBAC,CN=%s,CN=ConfigurationUnits,%s' % (name, container, state['domain'], FOREST)


def _check_new_name(state, items, name, container):
    if any(i['Name'].lower() == name.lower() for i in items):
        fail(400, 'Ex5C2D01', ALREADY_EXISTS, "Active Directory operation failed on %s. The object '%s' already "
                                              "exists." % (FOREST, _config_dn(state, name, container)))


# Service principals -------------------------------------------------------------------------------------------

SP_KEYS = ('Identity', 'Name', 'DisplayName', 'AppId', 'ObjectId', 'ServiceId', 'DistinguishedName', 'Guid')


def _principal(state, identity):
    return exchange.find(_items(state, 'service_principals'), identity, SP_KEYS, state['domain'])


# https://learn.microsoft.com/powershell/module/exchange/new-serviceprincipal
@cmdlet('New-ServicePrincipal', params={'AppId': guid, 'ObjectId': guid, 'ServiceId': guid, 'DisplayName': text,
                                        'Confirm': boolean},
        required=('AppId',), roles=ORGANIZATION)
def new_service_principal(state, params):
    object_id = params.get('ObjectId') or params.get('ServiceId')
    if object_id is None:  # ServiceId is the deprecated name of ObjectId; one of them is mandatory
        fail(400, 'Ex6D4A1E', BINDING, 'Cannot process command because of one or more missing mandatory parameters: '
                                       'ObjectId.')
    if params.get('ServiceId') not in (None, object_id):
        fail(400, 'Ex6D4A1E', BINDING, 'ObjectId and ServiceId (its deprecated name) name different objects.')
    principals = _items(state, 'service_principals')
    dn = exchange.distinguished_name(state, object_id)
    if any(p['ObjectId'] == object_id for p in principals):
        fail(400, 'Ex5C2D01', ALREADY_EXISTS, "Active Directory operation failed on %s. The object '%s' already "
                                              "exists." % (FOREST, dn))
    same_app = next((p for p in principals if p['AppId'] == params['AppId']), None)
    if same_app is not None:
        fail(400, 'Ex5C2D01', ALREADY_EXISTS, "A service principal for AppId '%s' already exists: '%s'."
             % (params['AppId'], same_app['Identity']))
    # Name (the directory object's CN) is the ObjectId, which stays; DisplayName can change (Set-ServicePrincipal).
    principal = {'Identity': object_id, 'Name': object_id, 'DisplayName': params.get('DisplayName'),
                 'AppId': params['AppId'], 'ObjectId': object_id, 'ServiceId': object_id, 'DistinguishedName': dn,
                 'Guid': str(uuid.uuid4()), 'Organization': state['domain']}
    principals.append(principal)
    return [dict(principal)], []


# https://learn.microsoft.com/powershell/module/exchange/get-serviceprincipal
@cmdlet('Get-ServicePrincipal', params=IDENTITY, roles=READ)
def get_service_principal(state, params):
    if 'Identity' in params:
        return [dict(_principal(state, params['Identity']))], []
    return [dict(p) for p in _items(state, 'service_principals')], []


# https://learn.microsoft.com/powershell/module/exchange/set-serviceprincipal (DisplayName only)
@cmdlet('Set-ServicePrincipal', params=dict(IDENTITY, DisplayName=text, Confirm=boolean), required=('Identity',),
        roles=ORGANIZATION)
def set_service_principal(state, params):
    principal = _principal(state, params['Identity'])
    if 'DisplayName' not in params or params['DisplayName'] == principal['DisplayName']:
        return unchanged(principal['Identity'])
    principal['DisplayName'] = params['DisplayName']
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/remove-serviceprincipal
@cmdlet('Remove-ServicePrincipal', params=dict(IDENTITY, Confirm=boolean), required=('Identity',), roles=ORGANIZATION)
def remove_service_principal(state, params):
    principal = _principal(state, params['Identity'])
    used = [a['Name'] for a in _items(state, 'role_assignments') if a['_principal'] == principal['ObjectId']]
    if used:
        # Stricter than the page, which is silent: a pointer still assigned roles is not removed under them.
        fail(400, 'Ex3B7A10', IN_USE, "The service principal '%s' can't be removed because management role "
                                      "assignments are assigned to it: %s. Remove them first."
             % (principal['Identity'], ', '.join(used)))
    _items(state, 'service_principals').remove(principal)
    return [], []


# Management scopes ---------------------------------------------------------------------------------------------

SCOPE_KEYS = ('Identity', 'Name', 'DistinguishedName', 'Guid')


def _scope(state, identity):
    return exchange.find(_items(state, 'management_scopes'), identity, SCOPE_KEYS, state['domain'])


def _scope_users(state, scope):
    return [a['Name'] for a in _items(state, 'role_assignments') if a['_scope'] == scope['Guid']]


def _check_filter(state, params):
    if 'RecipientRestrictionFilter' in params:
        restriction_filter(state)('RecipientRestrictionFilter', params['RecipientRestrictionFilter'])


# https://learn.microsoft.com/powershell/module/exchange/new-managementscope (RecipientFilter parameter set)
@cmdlet('New-ManagementScope', params={'Name': NAME64, 'RecipientRestrictionFilter': text, 'Confirm': boolean,
                                       'Force': boolean},
        required=('Name', 'RecipientRestrictionFilter'), roles=ORGANIZATION)
def new_management_scope(state, params):
    scopes = _items(state, 'management_scopes')
    _check_new_name(state, scopes, params['Name'], 'Scopes')
    _check_filter(state, params)
    scope = {'Identity': params['Name'], 'Name': params['Name'],
             'RecipientFilter': params['RecipientRestrictionFilter'], 'RecipientRoot': None,
             'ScopeRestrictionType': 'RecipientScope', 'Exclusive': False, 'IsValid': True,
             'DistinguishedName': _config_dn(state, params['Name'], 'Scopes'), 'Guid': str(uuid.uuid4())}
    scopes.append(scope)
    return [dict(scope)], []


# https://learn.microsoft.com/powershell/module/exchange/get-managementscope
@cmdlet('Get-ManagementScope', params=dict(IDENTITY, Orphan=boolean, Exclusive=boolean), roles=READ)
def get_management_scope(state, params):
    found = [_scope(state, params['Identity'])] if 'Identity' in params else list(_items(state, 'management_scopes'))
    if params.get('Orphan'):
        found = [s for s in found if not _scope_users(state, s)]
    if 'Exclusive' in params:
        found = [s for s in found if s['Exclusive'] == params['Exclusive']]
    return [dict(s) for s in found], []


# https://learn.microsoft.com/powershell/module/exchange/set-managementscope
@cmdlet('Set-ManagementScope', params=dict(IDENTITY, Name=NAME64, RecipientRestrictionFilter=text, Confirm=boolean,
                                           Force=boolean),
        required=('Identity',), roles=ORGANIZATION)
def set_management_scope(state, params):
    scope = _scope(state, params['Identity'])
    changes = {}
    if 'Name' in params and params['Name'] != scope['Name']:
        _check_new_name(state, [s for s in _items(state, 'management_scopes') if s is not scope], params['Name'],
                        'Scopes')
        changes.update(Name=params['Name'], Identity=params['Name'],
                       DistinguishedName=_config_dn(state, params['Name'], 'Scopes'))
    _check_filter(state, params)
    if params.get('RecipientRestrictionFilter', scope['RecipientFilter']) != scope['RecipientFilter']:
        changes['RecipientFilter'] = params['RecipientRestrictionFilter']
    if not changes:
        return unchanged(scope['Identity'])
    scope.update(changes)
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/remove-managementscope
# "You can't remove a management scope if it's associated with a management role assignment."
@cmdlet('Remove-ManagementScope', params=REMOVE_PARAMS, required=('Identity',), roles=ORGANIZATION)
def remove_management_scope(state, params):
    scope = _scope(state, params['Identity'])
    users = _scope_users(state, scope)
    if users:
        fail(400, 'Ex7D20C4', IN_USE, 'Management scope "%s" can\'t be deleted because it\'s being used by the '
                                      'following management role assignments: %s. Remove the management scope '
                                      'from these role assignments first.' % (scope['Name'], ', '.join(users)))
    _items(state, 'management_scopes').remove(scope)
    return [], []


# Management role assignments -----------------------------------------------------------------------------------

ASSIGNMENT_KEYS = ('Identity', 'Name', 'DistinguishedName', 'Guid')


def _role(state, name):
    found = next((r for r in ROLE_PERMISSIONS if r.lower() == str(name).strip().lower()), None)
    if found is None:
        raise not_found(name, state['domain'])
    return found


def _assignment_view(state, assignment):
    """The assignment with the current names of its service principal and scope (both may be renamed)."""
    view = _public(assignment)
    principal = next((p for p in _items(state, 'service_principals') if p['ObjectId'] == assignment['_principal']),
                     None)
    scope = next((s for s in _items(state, 'management_scopes') if s['Guid'] == assignment['_scope']), None)
    if principal is not None:
        view.update(RoleAssignee=principal['Identity'], RoleAssigneeName=principal['Name'])
    view['CustomResourceScope'] = scope['Name'] if scope else None
    return view


def _assignment(state, identity):
    return exchange.find(_items(state, 'role_assignments'), identity, ASSIGNMENT_KEYS, state['domain'])


def _assignment_name(state, role, principal):
    """"If you don't specify a name, a name is created automatically": <role>-<assignee>, at most 64 characters."""
    taken = set(a['Name'].lower() for a in _items(state, 'role_assignments'))
    base = ('%s-%s' % (role, principal['Name']))[:64]
    name, number = base, 1
    while name.lower() in taken:
        suffix = str(number)
        name, number = base[:64 - len(suffix)] + suffix, number + 1
    return name


# https://learn.microsoft.com/powershell/module/exchange/new-managementroleassignment (App parameter set)
@cmdlet('New-ManagementRoleAssignment', params={'Name': NAME64, 'Role': text, 'App': text, 'CustomResourceScope': text,
                                                'Confirm': boolean, 'Force': boolean},
        required=('Role', 'App'), roles=ORGANIZATION)
def new_management_role_assignment(state, params):
    role = _role(state, params['Role'])
    principal = _principal(state, params['App'])
    scope = _scope(state, params['CustomResourceScope']) if 'CustomResourceScope' in params else None
    assignments = _items(state, 'role_assignments')
    same = next((a for a in assignments if a['Role'] == role and a['_principal'] == principal['ObjectId']
                 and a['_scope'] == (scope and scope['Guid'])), None)
    if same is not None:
        fail(400, 'Ex5C2D01', ALREADY_EXISTS, 'A management role assignment with the same role, role assignee and '
                                              'scope already exists: "%s".' % same['Name'])
    if 'Name' in params:
        _check_new_name(state, assignments, params['Name'], 'Role Assignments')
    name = params.get('Name') or _assignment_name(state, role, principal)
    assignment = {
        'Identity': name, 'Name': name, 'Role': role, 'RoleAssignee': principal['Identity'],
        'RoleAssigneeName': principal['Name'], 'RoleAssigneeType': 'ServicePrincipal', 'AssignmentMethod': 'Direct',
        'CustomResourceScope': scope and scope['Name'], 'CustomRecipientWriteScope': None,
        'CustomConfigWriteScope': None, 'RecipientWriteScope': 'CustomRecipientScope' if scope else 'Organization',
        'ConfigWriteScope': 'None', 'RecipientReadScope': 'Organization', 'ConfigReadScope': 'None',
        'RoleAssignmentDelegationType': 'Regular', 'Enabled': True, 'IsValid': True,
        'DistinguishedName': _config_dn(state, name, 'Role Assignments'), 'Guid': str(uuid.uuid4()),
        '_principal': principal['ObjectId'], '_scope': scope and scope['Guid'],
    }
    assignments.append(assignment)
    return [_assignment_view(state, assignment)], []


# https://learn.microsoft.com/powershell/module/exchange/get-managementroleassignment
# Only the App assignments exist here (a real organization also lists its role groups' assignments).
@cmdlet('Get-ManagementRoleAssignment', params=dict(IDENTITY, RoleAssignee=text, Role=text), roles=READ)
def get_management_role_assignment(state, params):
    if 'Identity' in params and set(params) & {'RoleAssignee', 'Role'}:
        fail(400, 'Ex6D4A1E', BINDING, 'Parameter set cannot be resolved using the specified named parameters. One '
                                       'or more parameters issued cannot be used together or an insufficient number '
                                       'of parameters were provided.')
    if 'Identity' in params:
        return [_assignment_view(state, _assignment(state, params['Identity']))], []
    found = _items(state, 'role_assignments')
    if 'RoleAssignee' in params:
        principal = _principal(state, params['RoleAssignee'])
        found = [a for a in found if a['_principal'] == principal['ObjectId']]
    if 'Role' in params:
        role = _role(state, params['Role'])
        found = [a for a in found if a['Role'] == role]
    return [_assignment_view(state, a) for a in found], []


# https://learn.microsoft.com/powershell/module/exchange/remove-managementroleassignment
@cmdlet('Remove-ManagementRoleAssignment', params=REMOVE_PARAMS, required=('Identity',), roles=ORGANIZATION)
def remove_management_role_assignment(state, params):
    _items(state, 'role_assignments').remove(_assignment(state, params['Identity']))
    return [], []


# Authorization -------------------------------------------------------------------------------------------------

def granted(role):
    """The permissions a role assignment grants, with those they imply."""
    found = set()
    for permission in ROLE_PERMISSIONS.get(role, ()):
        found.add(permission)
        found.update(IMPLIED.get(permission, ()))
    return found


def _in_scope(state, assignment, recipient):
    if assignment['_scope'] is None:
        return True  # no scope: the whole organization
    scope = next((s for s in _items(state, 'management_scopes') if s['Guid'] == assignment['_scope']), None)
    return scope is not None and RecipientFilter('RecipientRestrictionFilter', scope['RecipientFilter']).matches(
        state, recipient)


def _mailbox(state, key):
    """The mailbox an address, UPN or object id names, or None (groups and mail users have no mailbox)."""
    wanted = str(key or '').strip().lower()
    return next((r for r in state['recipients'] if r['RecipientTypeDetails'] in MAILBOX_KINDS and wanted in (
        (r.get(k) or '').lower() for k in ('PrimarySmtpAddress', 'UserPrincipalName', 'ExternalDirectoryObjectId',
                                           'Identity'))), None)


def app_allows(exchange_state, app_id, permission, address, object_id=None):
    """Whether an Exchange RBAC role assignment of the service principal with AppId `app_id` grants the Graph
    `permission` (e.g. 'Calendars.ReadWrite'; 'Calendars.Read' is also granted by ReadWrite) on the mailbox
    `address` (address, UPN or object id): the assignment's scope contains the mailbox, evaluated now.

    `object_id` (the token's oid): when given, the Exchange pointer must name that Entra service principal too,
    so a pointer made with the application object's id instead grants nothing (the page warns of that mix-up).
    """
    wanted = str(app_id or '').lower()
    principals = set(p['ObjectId'] for p in exchange_state.get('service_principals') or []
                     if p['AppId'] == wanted and (object_id is None or p['ObjectId'] == str(object_id).lower()))
    recipient = _mailbox(exchange_state, address) if principals else None
    if recipient is None:
        return False
    return any(a['_principal'] in principals and permission in granted(a['Role'])
               and _in_scope(exchange_state, a, recipient) for a in exchange_state.get('role_assignments') or [])


# https://learn.microsoft.com/powershell/module/exchange/test-serviceprincipalauthorization
# One row per role assignment of the service principal; InScope is True/False for -Resource and the text "Not Run"
# without it, as the page's examples show (a client testing it for truth must compare with True).
@cmdlet('Test-ServicePrincipalAuthorization', params=dict(IDENTITY, Resource=text), required=('Identity',),
        roles=ORGANIZATION)
def test_service_principal_authorization(state, params):
    principal = _principal(state, params['Identity'])
    resource = None
    if 'Resource' in params:
        resource = _mailbox(state, exchange.resolve(state, params['Resource'])['Identity'])
        if resource is None:
            raise not_found(params['Resource'], state['domain'])
    rows = []
    for assignment in _items(state, 'role_assignments'):
        if assignment['_principal'] != principal['ObjectId']:
            continue
        view = _assignment_view(state, assignment)
        scoped = assignment['_scope'] is not None
        rows.append({'RoleName': assignment['Role'],
                     'GrantedPermissions': ', '.join(ROLE_PERMISSIONS[assignment['Role']]),
                     'AllowedResourceScope': view['CustomResourceScope'] if scoped else 'Organization',
                     'ScopeType': 'CustomRecipientScope' if scoped else 'Organization',
                     'InScope': 'Not Run' if resource is None else _in_scope(state, assignment, resource)})
    return rows, []
