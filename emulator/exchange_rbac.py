"""Exchange Online RBAC for Applications, and the mail-enabled groups its management scopes are usually built
from, as cmdlets over a tenant's Exchange state; plus app_allows(), which the Graph mailbox routes
(graph_mail.py) ask whether an Exchange role assignment lets an app reach a mailbox.

https://learn.microsoft.com/exchange/permissions-exo/application-rbac: an Exchange service principal is a
pointer to the Entra service principal (AppId + ObjectId); a role assignment gives it an application role
("Application Calendars.ReadWrite", ...) on an optional management scope (a recipient filter). The grant is
additive to what Entra consented; the scope is evaluated when the app calls, so a change of group membership
counts at once here (the service may cache for a while; the emulator is the strict side).

The cmdlets join exchange.py's tables (SIGNATURES, REQUIRED, HANDLERS); exchange_routes.py lets only the Entra roles
that hold Organization Management in Exchange run the writes (ORGANIZATION_CMDLETS). State, in the tenant's
`exchange` section: service_principals, management_scopes, role_assignments (lists) and groups ({alias: {members:
[aliases]}}; the group itself is a recipient, so Get-Recipient and identities find it).
"""

from __future__ import annotations

import re
import uuid

from emulator import exchange
from emulator.exchange import AMBIGUOUS, BINDING, INVALID, ExchangeError, _bool, _choice, _list, _text, not_found

# The Exchange Online forest part of every distinguished name the emulator makes (any real one looks like it).
FOREST = 'DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM'
HOSTED = 'OU=Microsoft Exchange Hosted Organizations'
ALREADY_EXISTS = 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException'
# Type names below are not documented by Microsoft [unverified]; the messages say what happened.
PROXY_IN_USE = 'Microsoft.Exchange.Data.Directory.ProxyAddressExistsException'
MEMBER_EXISTS = 'Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException'
MEMBER_MISSING = 'Microsoft.Exchange.Management.Tasks.MemberNotFoundException'
IN_USE = 'System.InvalidOperationException'

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

GROUP_KINDS = {'Security': 'MailUniversalSecurityGroup', 'Distribution': 'MailUniversalDistributionGroup'}
MAILBOX_KINDS = (exchange.USER_MAILBOX, exchange.ROOM_MAILBOX, 'EquipmentMailbox', 'SharedMailbox')
RECIPIENT_KINDS = MAILBOX_KINDS + ('MailUser', 'MailContact') + tuple(GROUP_KINDS.values())


def _fail(status, code, exception_type, message):
    raise ExchangeError(status, code, exception_type, message)


def _items(state, name):
    return state.setdefault(name, [])


def _groups(state):
    return state.setdefault('groups', {})


def _public(obj):
    """An object as the cmdlet outputs it: without the emulator's own bookkeeping (keys starting with _)."""
    return dict((k, v) for k, v in obj.items() if not k.startswith('_'))


def _find(items, identity, keys, domain, ambiguous=None):
    wanted = str(identity).strip().lower()
    matches = [i for i in items if any(str(i.get(k) or '').lower() == wanted for k in keys)]
    if not matches:
        raise not_found(identity, domain)
    if len(matches) > 1:
        template = ambiguous or "The operation couldn't be performed because '%s' matches multiple entries."
        _fail(400, 'Ex1F3C5B', AMBIGUOUS, template % identity)
    return matches[0]


def _name(limit):
    def check(name, value):
        value = _text(name, value)
        if len(value) > limit:
            _fail(400, 'Ex0B5F1D', INVALID, 'The length of the property is too long. The maximum length is %d and '
                                            'the length of the value provided is %d.' % (limit, len(value)))
        return value
    return check


NAME64 = _name(64)


def _guid(name, value):
    value = _text(name, value)
    if not exchange.GUID.match(value):
        _fail(400, 'Ex9A1F27', INVALID, "The value '%s' of parameter %s isn't a valid GUID." % (value, name))
    return value.lower()


def _unchanged(identity):
    return [], ["The command completed successfully but no settings of '%s' have been modified." % identity]


def _dn(state, name):
    return 'CN=%s,OU=%s,%s,%s' % (name, state['domain'], HOSTED, FOREST)


def _config_dn(state, name, container):
    return 'CN=%s,CN=%s,CN=RBAC,CN=%s,CN=ConfigurationUnits,%s' % (name, container, state['domain'], FOREST)


def _sized(found, params):
    """ResultSize as the recipient cmdlets take it: a positive number (default 1000, with a warning when cut) or
    Unlimited (https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup#-resultsize)."""
    size = params.get('ResultSize', 1000)
    if size == 'Unlimited':
        return found, []
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        _fail(400, 'Ex6D4A1E', BINDING, "Cannot bind parameter 'ResultSize'.")
    if len(found) <= size:
        return found, []
    return found[:size], ['By default, only the first %d items are returned. Use the ResultSize parameter to specify '
                          'the number of items returned. To return all items, specify "-ResultSize Unlimited".' % size]


# Service principals -------------------------------------------------------------------------------------------

SP_KEYS = ('Identity', 'Name', 'DisplayName', 'AppId', 'ObjectId', 'ServiceId', 'DistinguishedName', 'Guid')


def _principal(state, identity):
    return _find(_items(state, 'service_principals'), identity, SP_KEYS, state['domain'])


# https://learn.microsoft.com/powershell/module/exchange/new-serviceprincipal
def new_service_principal(state, params):
    object_id = params.get('ObjectId') or params.get('ServiceId')
    if object_id is None:  # ServiceId is the deprecated name of ObjectId; one of them is mandatory
        _fail(400, 'Ex6D4A1E', BINDING, 'Cannot process command because of one or more missing mandatory parameters: '
                                        'ObjectId.')
    if params.get('ServiceId') not in (None, object_id):
        _fail(400, 'Ex6D4A1E', BINDING, 'ObjectId and ServiceId (its deprecated name) name different objects.')
    principals = _items(state, 'service_principals')
    dn = _dn(state, object_id)
    if any(p['ObjectId'] == object_id for p in principals):
        _fail(400, 'Ex5C2D01', ALREADY_EXISTS, "Active Directory operation failed on %s. The object '%s' already "
                                               "exists." % (FOREST, dn))
    same_app = next((p for p in principals if p['AppId'] == params['AppId']), None)
    if same_app is not None:
        _fail(400, 'Ex5C2D01', ALREADY_EXISTS, "A service principal for AppId '%s' already exists: '%s'."
              % (params['AppId'], same_app['Identity']))
    # Name (the directory object's CN) is the ObjectId, which stays; DisplayName can change (Set-ServicePrincipal).
    principal = {'Identity': object_id, 'Name': object_id, 'DisplayName': params.get('DisplayName'),
                 'AppId': params['AppId'], 'ObjectId': object_id, 'ServiceId': object_id, 'DistinguishedName': dn,
                 'Guid': str(uuid.uuid4()), 'Organization': state['domain']}
    principals.append(principal)
    return [dict(principal)], []


# https://learn.microsoft.com/powershell/module/exchange/get-serviceprincipal
def get_service_principal(state, params):
    if 'Identity' in params:
        return [dict(_principal(state, params['Identity']))], []
    return [dict(p) for p in _items(state, 'service_principals')], []


# https://learn.microsoft.com/powershell/module/exchange/set-serviceprincipal (DisplayName only)
def set_service_principal(state, params):
    principal = _principal(state, params['Identity'])
    if 'DisplayName' not in params or params['DisplayName'] == principal['DisplayName']:
        return _unchanged(principal['Identity'])
    principal['DisplayName'] = params['DisplayName']
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/remove-serviceprincipal
def remove_service_principal(state, params):
    principal = _principal(state, params['Identity'])
    used = [a['Name'] for a in _items(state, 'role_assignments') if a['_principal'] == principal['ObjectId']]
    if used:
        # Stricter than the page, which is silent: a pointer still assigned roles is not removed under them.
        _fail(400, 'Ex3B7A10', IN_USE, "The service principal '%s' can't be removed because management role "
                                       "assignments are assigned to it: %s. Remove them first."
              % (principal['Identity'], ', '.join(used)))
    _items(state, 'service_principals').remove(principal)
    return [], []


# Recipient filters (OPATH) -------------------------------------------------------------------------------------
# https://learn.microsoft.com/powershell/exchange/recipient-filters. Comparisons `Property -eq|-ne 'value'`
# joined by -and / -or, -not and parentheses, optionally inside { }. Properties evaluated: MemberOfGroup (a
# group's distinguished name; direct members), PrimarySmtpAddress and RecipientTypeDetails. Anything else is
# refused, stricter than Exchange, which filters on many more properties.

TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<op>-[A-Za-z]+)|'(?P<single>(?:[^']|'')*)'|"
                   r'"(?P<double>(?:[^"]|"")*)"|(?P<word>[A-Za-z][A-Za-z0-9_.]*))')
FILTER_PROPERTIES = ('MemberOfGroup', 'PrimarySmtpAddress', 'RecipientTypeDetails')


class _Filter(object):
    """A parsed filter: a tree of ('or'|'and', left, right), ('not', node), ('cmp', property, op, value)."""

    def __init__(self, parameter, text, state=None):
        self.parameter, self.text, self.state = parameter, text, state
        body = text.strip()
        offset = len(text) - len(text.lstrip())
        if body.startswith('{') and body.endswith('}'):
            body, offset = body[1:-1], offset + 1
        self.tokens = self._tokens(body, offset)
        self.position = 0
        self.tree = self._or()
        if self.position < len(self.tokens):
            self._invalid(self.tokens[self.position][2])

    def _invalid(self, at, why=None):
        _fail(400, 'Ex5E0B77', BINDING,
              'Cannot bind parameter \'%s\' to the target. Exception setting "%s": "%s"%s" at position %d."'
              % (self.parameter, self.parameter, why or 'Invalid filter syntax. For a description of the filter '
                 'parameter syntax see the command help.\n', self.text, at + 1))

    def _tokens(self, body, offset):
        tokens, index = [], 0
        while index < len(body):
            if not body[index:].strip():
                break
            match = TOKEN.match(body, index)
            if not match or match.end() == index:
                self._invalid(offset + index + (len(body[index:]) - len(body[index:].lstrip())))
            start = offset + match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
            if match.group('paren'):
                tokens.append(('paren', match.group('paren'), start))
            elif match.group('op'):
                tokens.append(('op', match.group('op').lower(), start))
            elif match.group('word'):
                tokens.append(('word', match.group('word'), start))
            else:
                quoted = match.group('single')
                text = quoted.replace("''", "'") if quoted is not None else match.group('double').replace('""', '"')
                tokens.append(('value', text, start))
            index = match.end()
        return tokens

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None, len(self.text))

    def _take(self):
        token = self._peek()
        self.position += 1
        return token

    def _chain(self, operator, operand):
        """operand (operator operand)*, grouped from the left: ('or'|'and', left, right)."""
        node = operand()
        while self._peek()[:2] == ('op', operator):
            self._take()
            node = (operator[1:], node, operand())
        return node

    def _or(self):
        return self._chain('-or', self._and)

    def _and(self):
        return self._chain('-and', self._unary)

    def _unary(self):
        kind, value, at = self._peek()
        if (kind, value) == ('op', '-not'):
            self._take()
            return ('not', self._unary())
        if (kind, value) == ('paren', '('):
            self._take()
            node = self._or()
            closing = self._take()
            if closing[:2] != ('paren', ')'):
                self._invalid(closing[2])
            return node
        return self._comparison()

    def _comparison(self):
        kind, name, at = self._take()
        if kind != 'word':
            self._invalid(at)
        prop = next((p for p in FILTER_PROPERTIES if p.lower() == name.lower()), None)
        if prop is None:
            self._invalid(at, 'The emulator evaluates only %s; "%s" isn\'t supported here.\n'
                          % (', '.join(FILTER_PROPERTIES), name))
        op_kind, op, op_at = self._take()
        if op_kind != 'op' or op not in ('-eq', '-ne'):
            why = 'The emulator evaluates only -eq and -ne; "%s" isn\'t supported here.\n' % op
            self._invalid(op_at, why if op_kind == 'op' else None)
        value_kind, value, value_at = self._take()
        if value_kind != 'value':
            self._invalid(value_at)
        if prop == 'MemberOfGroup':
            self._check_group(value, value_at)
        elif prop == 'RecipientTypeDetails' and value not in RECIPIENT_KINDS:
            self._invalid(value_at, '"%s" isn\'t a RecipientTypeDetails value the emulator knows (%s).\n'
                          % (value, ', '.join(RECIPIENT_KINDS)))
        return ('cmp', prop, op, value)

    def _check_group(self, value, at):
        """MemberOfGroup takes a distinguished name; at creation it must name an existing group (stricter)."""
        if not value.upper().startswith('CN='):
            self._invalid(at, 'MemberOfGroup takes the distinguished name of a group (CN=...), not "%s".\n' % value)
        if self.state is not None and _group_by_dn(self.state, value) is None:
            raise not_found(value, self.state['domain'])

    def matches(self, state, recipient, node=None):
        node = self.tree if node is None else node
        if node[0] == 'or':
            return self.matches(state, recipient, node[1]) or self.matches(state, recipient, node[2])
        if node[0] == 'and':
            return self.matches(state, recipient, node[1]) and self.matches(state, recipient, node[2])
        if node[0] == 'not':
            return not self.matches(state, recipient, node[1])
        _, prop, op, value = node
        if prop == 'MemberOfGroup':
            group = _group_by_dn(state, value)
            hit = group is not None and recipient['Identity'] in _groups(state).get(group['Identity'], {}).get(
                'members', [])
        elif prop == 'PrimarySmtpAddress':
            hit = (recipient.get('PrimarySmtpAddress') or '').lower() == value.lower()
        else:
            hit = recipient.get('RecipientTypeDetails') == value
        return hit if op == '-eq' else not hit


def _restriction_filter(state):
    def check(name, value):
        _Filter(name, _text(name, value), state)
        return value
    return check


# Management scopes ---------------------------------------------------------------------------------------------

SCOPE_KEYS = ('Identity', 'Name', 'DistinguishedName', 'Guid')


def _scope(state, identity):
    return _find(_items(state, 'management_scopes'), identity, SCOPE_KEYS, state['domain'])


def _scope_users(state, scope):
    return [a['Name'] for a in _items(state, 'role_assignments') if a['_scope'] == scope['Guid']]


def _check_filter(state, params):
    if 'RecipientRestrictionFilter' in params:
        _restriction_filter(state)('RecipientRestrictionFilter', params['RecipientRestrictionFilter'])


def _check_new_name(state, items, name, container):
    if any(i['Name'].lower() == name.lower() for i in items):
        _fail(400, 'Ex5C2D01', ALREADY_EXISTS, "Active Directory operation failed on %s. The object '%s' already "
                                               "exists." % (FOREST, _config_dn(state, name, container)))


# https://learn.microsoft.com/powershell/module/exchange/new-managementscope (RecipientFilter parameter set)
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
def get_management_scope(state, params):
    found = [_scope(state, params['Identity'])] if 'Identity' in params else list(_items(state, 'management_scopes'))
    if params.get('Orphan'):
        found = [s for s in found if not _scope_users(state, s)]
    if 'Exclusive' in params:
        found = [s for s in found if s['Exclusive'] == params['Exclusive']]
    return [dict(s) for s in found], []


# https://learn.microsoft.com/powershell/module/exchange/set-managementscope
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
        return _unchanged(scope['Identity'])
    scope.update(changes)
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/remove-managementscope
# "You can't remove a management scope if it's associated with a management role assignment."
def remove_management_scope(state, params):
    scope = _scope(state, params['Identity'])
    users = _scope_users(state, scope)
    if users:
        _fail(400, 'Ex7D20C4', IN_USE, 'Management scope "%s" can\'t be deleted because it\'s being used by the '
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
    return _find(_items(state, 'role_assignments'), identity, ASSIGNMENT_KEYS, state['domain'])


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
def new_management_role_assignment(state, params):
    role = _role(state, params['Role'])
    principal = _principal(state, params['App'])
    scope = _scope(state, params['CustomResourceScope']) if 'CustomResourceScope' in params else None
    assignments = _items(state, 'role_assignments')
    same = next((a for a in assignments if a['Role'] == role and a['_principal'] == principal['ObjectId']
                 and a['_scope'] == (scope and scope['Guid'])), None)
    if same is not None:
        _fail(400, 'Ex5C2D01', ALREADY_EXISTS, 'A management role assignment with the same role, role assignee and '
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
def get_management_role_assignment(state, params):
    if 'Identity' in params and set(params) & {'RoleAssignee', 'Role'}:
        _fail(400, 'Ex6D4A1E', BINDING, 'Parameter set cannot be resolved using the specified named parameters. One '
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
    return scope is not None and _Filter('RecipientRestrictionFilter', scope['RecipientFilter']).matches(
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


# Distribution groups (mail-enabled security groups are what scopes usually name) ------------------------------

GROUP_KEYS = ('Identity', 'Name', 'Alias', 'DisplayName', 'PrimarySmtpAddress', 'DistinguishedName',
              'ExternalDirectoryObjectId', 'Guid')
ALIAS = re.compile(r"[^A-Za-z0-9!#%*+\-/=?^_~.]")
ADDRESS = re.compile(r'^[^@\s]+@([^@\s]+\.[^@\s]+)$')


def is_group(recipient):
    return recipient.get('RecipientTypeDetails') in GROUP_KINDS.values()


def _group(state, identity):
    return _find([r for r in state['recipients'] if is_group(r)], identity, GROUP_KEYS, state['domain'],
                 'There are multiple recipients matching the identity "%s". Please specify a unique value.')


def _group_by_dn(state, dn):
    return next((r for r in state['recipients'] if is_group(r) and r['DistinguishedName'].lower() == dn.lower()),
                None)


def _members(state, group):
    return _groups(state).setdefault(group['Identity'], {'members': []})['members']


def _address(state, value):
    match = ADDRESS.match(value)
    if not match:
        _fail(400, 'Ex2A6E0F', INVALID, 'The email address "%s" isn\'t correct. Please use this format: user name, the '
                                        '@ sign, followed by the domain name. For example, tonysmith@contoso.com or '
                                        'tony.smith@contoso.com.' % value)
    if match.group(1).lower() != state['domain'].lower():
        _fail(400, 'Ex2A6E10', INVALID, 'The domain "%s" of the address "%s" isn\'t an accepted domain of this '
                                        'organization.' % (match.group(1), value))
    holder = next((r for r in state['recipients'] if (r.get('PrimarySmtpAddress') or '').lower() == value.lower()),
                  None)
    if holder is not None:
        _fail(400, 'Ex2A6E11', PROXY_IN_USE, 'The proxy address "SMTP:%s" is already being used by the proxy '
                                             'addresses or LegacyExchangeDN of "%s". Please choose another proxy '
                                             'address.' % (value, holder['Identity']))
    return value


# https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup
def new_distribution_group(state, params):
    name = params['Name']
    if any(r['Name'].lower() == name.lower() for r in state['recipients']):
        _fail(400, 'Ex5C2D01', ALREADY_EXISTS, "Active Directory operation failed on %s. The object '%s' already "
                                               "exists." % (FOREST, _dn(state, name)))
    # Without -Alias, a group's alias is its Name with the spaces removed and unsupported characters made '?'.
    alias = params.get('Alias') or ALIAS.sub('?', name.replace(' ', ''))
    if 'Alias' in params and (ALIAS.search(alias) or alias.startswith('.') or alias.endswith('.')):
        _fail(400, 'Ex2A6E12', INVALID, 'The alias "%s" contains characters that aren\'t valid in an alias.' % alias)
    if any(r['Alias'].lower() == alias.lower() for r in state['recipients']):
        _fail(400, 'Ex2A6E11', PROXY_IN_USE, 'The alias "%s" is already being used by another recipient. Please '
                                             'choose another alias.' % alias)
    address = _address(state, params.get('PrimarySmtpAddress') or '%s@%s' % (alias, state['domain']))
    members = []
    for identity in params.get('Members') or []:
        member = exchange.resolve(state, identity)['Identity']
        if member not in members:
            members.append(member)
    kind = GROUP_KINDS[params.get('Type', 'Distribution')]
    group = {
        'Identity': alias, 'Name': name, 'Alias': alias, 'DisplayName': params.get('DisplayName') or name,
        'PrimarySmtpAddress': address, 'WindowsEmailAddress': address, 'EmailAddresses': ['SMTP:' + address],
        'RecipientType': kind, 'RecipientTypeDetails': kind,
        'GroupType': 'Universal, SecurityEnabled' if kind == GROUP_KINDS['Security'] else 'Universal',
        'ExternalDirectoryObjectId': str(uuid.uuid4()), 'Guid': str(uuid.uuid4()),
        'DistinguishedName': _dn(state, name),
        'OrganizationalUnit': 'NAMPR01A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/' + state['domain'],
        'ManagedBy': [], 'MemberJoinRestriction': 'Closed',
        'MemberDepartRestriction': 'Closed' if kind == GROUP_KINDS['Security'] else 'Open',
        'HiddenFromAddressListsEnabled': False,
    }
    state['recipients'].append(group)
    _groups(state)[alias] = {'members': members}
    return [dict(group)], []


# https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup
def get_distribution_group(state, params):
    if 'Identity' in params:
        return [dict(_group(state, params['Identity']))], []
    found, warnings = _sized([r for r in state['recipients'] if is_group(r)], params)
    return [dict(r) for r in found], warnings


# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroup
def remove_distribution_group(state, params):
    group = _group(state, params['Identity'])
    state['recipients'].remove(group)
    _groups(state).pop(group['Identity'], None)
    for entry in _groups(state).values():  # it is no longer a member of other groups either
        if group['Identity'] in entry['members']:
            entry['members'].remove(group['Identity'])
    return [], []


def _membership(state, params):
    """(group, member recipient, the group's member list) that -Identity and -Member address."""
    group = _group(state, params['Identity'])
    return group, exchange.resolve(state, params['Member']), _members(state, group)


# https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember
def add_distribution_group_member(state, params):
    group, member, members = _membership(state, params)
    if member['Identity'] == group['Identity']:
        _fail(400, 'Ex4C1D92', INVALID, 'The group "%s" can\'t be made a member of itself.' % group['Name'])
    if member['Identity'] in members:
        _fail(400, 'Ex4C1D90', MEMBER_EXISTS, 'The recipient "%s" is already a member of the group "%s".'
              % (params['Member'], group['Name']))
    members.append(member['Identity'])
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroupmember
def remove_distribution_group_member(state, params):
    group, member, members = _membership(state, params)
    if member['Identity'] not in members:
        _fail(400, 'Ex4C1D91', MEMBER_MISSING, 'The recipient "%s" isn\'t a member of the group "%s".'
              % (params['Member'], group['Name']))
    members.remove(member['Identity'])
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/get-distributiongroupmember
def get_distribution_group_member(state, params):
    group = _group(state, params['Identity'])
    by_identity = dict((r['Identity'], r) for r in state['recipients'])
    found, warnings = _sized([by_identity[m] for m in _members(state, group) if m in by_identity], params)
    return [dict(r) for r in found], warnings


def _mailboxes_only(handler):
    """A mailbox cmdlet of exchange.py run as if groups were not there: a group is a recipient (Get-Recipient),
    not a mailbox or a user (Get-Mailbox, Get-User) and has no calendar processing."""
    def run(state, params):
        return handler(dict(state, recipients=[r for r in state['recipients'] if not is_group(r)]), params)
    return run


# Tables merged into exchange.py's ------------------------------------------------------------------------------

COMMON = {'Identity': _text}
REMOVE = dict(COMMON, Confirm=_bool, Force=_bool)
SIGNATURES = {
    'New-ServicePrincipal': {'AppId': _guid, 'ObjectId': _guid, 'ServiceId': _guid, 'DisplayName': _text,
                             'Confirm': _bool},
    'Get-ServicePrincipal': dict(COMMON),
    'Set-ServicePrincipal': dict(COMMON, DisplayName=_text, Confirm=_bool),
    'Remove-ServicePrincipal': dict(COMMON, Confirm=_bool),
    'New-ManagementScope': {'Name': NAME64, 'RecipientRestrictionFilter': _text, 'Confirm': _bool, 'Force': _bool},
    'Get-ManagementScope': dict(COMMON, Orphan=_bool, Exclusive=_bool),
    'Set-ManagementScope': dict(COMMON, Name=NAME64, RecipientRestrictionFilter=_text, Confirm=_bool, Force=_bool),
    'Remove-ManagementScope': dict(REMOVE),
    'New-ManagementRoleAssignment': {'Name': NAME64, 'Role': _text, 'App': _text, 'CustomResourceScope': _text,
                                     'Confirm': _bool, 'Force': _bool},
    'Get-ManagementRoleAssignment': dict(COMMON, RoleAssignee=_text, Role=_text),
    'Remove-ManagementRoleAssignment': dict(REMOVE),
    'Test-ServicePrincipalAuthorization': dict(COMMON, Resource=_text),
    'New-DistributionGroup': {'Name': NAME64, 'Type': _choice('Distribution', 'Security'), 'Alias': NAME64,
                              'PrimarySmtpAddress': _text, 'Members': _list, 'DisplayName': _name(256),
                              'Confirm': _bool},
    'Get-DistributionGroup': dict(COMMON, ResultSize=None),
    'Remove-DistributionGroup': dict(COMMON, BypassSecurityGroupManagerCheck=_bool, Confirm=_bool),
    'Add-DistributionGroupMember': dict(COMMON, Member=_text, BypassSecurityGroupManagerCheck=_bool, Confirm=_bool),
    'Remove-DistributionGroupMember': dict(COMMON, Member=_text, BypassSecurityGroupManagerCheck=_bool,
                                           Confirm=_bool),
    'Get-DistributionGroupMember': dict(COMMON, ResultSize=None),
}
REQUIRED = {
    'New-ServicePrincipal': ('AppId',), 'Set-ServicePrincipal': ('Identity',), 'Remove-ServicePrincipal': ('Identity',),
    'New-ManagementScope': ('Name', 'RecipientRestrictionFilter'), 'Set-ManagementScope': ('Identity',),
    'Remove-ManagementScope': ('Identity',), 'New-ManagementRoleAssignment': ('Role', 'App'),
    'Remove-ManagementRoleAssignment': ('Identity',), 'Test-ServicePrincipalAuthorization': ('Identity',),
    'New-DistributionGroup': ('Name',), 'Remove-DistributionGroup': ('Identity',),
    'Add-DistributionGroupMember': ('Identity', 'Member'), 'Remove-DistributionGroupMember': ('Identity', 'Member'),
    'Get-DistributionGroupMember': ('Identity',),
}
HANDLERS = {
    'New-ServicePrincipal': new_service_principal,
    'Get-ServicePrincipal': get_service_principal,
    'Set-ServicePrincipal': set_service_principal,
    'Remove-ServicePrincipal': remove_service_principal,
    'New-ManagementScope': new_management_scope,
    'Get-ManagementScope': get_management_scope,
    'Set-ManagementScope': set_management_scope,
    'Remove-ManagementScope': remove_management_scope,
    'New-ManagementRoleAssignment': new_management_role_assignment,
    'Get-ManagementRoleAssignment': get_management_role_assignment,
    'Remove-ManagementRoleAssignment': remove_management_role_assignment,
    'Test-ServicePrincipalAuthorization': test_service_principal_authorization,
    'New-DistributionGroup': new_distribution_group,
    'Get-DistributionGroup': get_distribution_group,
    'Remove-DistributionGroup': remove_distribution_group,
    'Add-DistributionGroupMember': add_distribution_group_member,
    'Remove-DistributionGroupMember': remove_distribution_group_member,
    'Get-DistributionGroupMember': get_distribution_group_member,
    # exchange.py's mailbox cmdlets, with groups kept out of what they see
    'Get-Mailbox': _mailboxes_only(exchange.get_mailbox),
    'Get-User': _mailboxes_only(exchange.get_recipient),
    'Get-CalendarProcessing': _mailboxes_only(exchange.get_calendar_processing),
    'Set-CalendarProcessing': _mailboxes_only(exchange.set_calendar_processing),
}
# Cmdlets only the roles holding Organization Management in Exchange may run (exchange_routes.py): "You need to be a
# member of the Organization Management role group to assign these permissions ... In Microsoft Entra ID, you need
# the Exchange Administrator role" (application-rbac). Distribution-group writes are kept there too, stricter than
# Exchange, whose Recipient Management role group may also manage distribution groups.
ORGANIZATION_CMDLETS = frozenset(name for name in SIGNATURES if not name.startswith('Get-'))

exchange.register(SIGNATURES, REQUIRED, HANDLERS)
