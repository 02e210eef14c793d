"""Exchange Online admin API (InvokeCommand) engine: room mailboxes, calendar
processing and mailbox permissions, as pure functions over a tenant's state.

The HTTP route (POST /adminapi/beta/{tenant}/InvokeCommand) lives with the
other routes; this module knows cmdlets, parameters and Exchange's errors.
Parameter names, types, accepted values and defaults follow Microsoft's cmdlet
reference (../shared/reference/exchange, learn.microsoft.com/powershell/module/exchange/).
Unknown cmdlets or parameters are refused, as the real service refuses them.
"""

from __future__ import annotations

import copy
import re
import uuid

ROOM_MAILBOX = 'RoomMailbox'
USER_MAILBOX = 'UserMailbox'
INT32_MAX = 2147483647

# https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing
# Values a room mailbox created in Exchange Online has (the "default value" of each parameter).
CALENDAR_DEFAULTS = {
    'AutomateProcessing': 'AutoAccept',
    'AllowConflicts': False,
    'AllowRecurringMeetings': True,
    'BookingType': 'Standard',
    'BookingWindowInDays': 180,
    'MaximumDurationInMinutes': 1440,
    'MinimumDurationInMinutes': 0,
    'MaximumConflictInstances': 0,
    'ConflictPercentageAllowed': 0,
    'EnforceSchedulingHorizon': True,
    'ScheduleOnlyDuringWorkHours': False,
    'EnforceCapacity': False,
    'ForwardRequestsToDelegates': True,
    'DeleteAttachments': True,
    'DeleteComments': True,
    'RemovePrivateProperty': True,
    'DeleteSubject': True,
    'AddOrganizerToSubject': True,
    'DeleteNonCalendarItems': True,
    'TentativePendingApproval': True,
    'EnableResponseDetails': True,
    'OrganizerInfo': True,
    'ResourceDelegates': [],
    'RequestOutOfPolicy': [],
    'AllRequestOutOfPolicy': False,
    'BookInPolicy': [],
    'AllBookInPolicy': True,
    'RequestInPolicy': [],
    'AllRequestInPolicy': False,
    'AddAdditionalResponse': False,
    'AdditionalResponse': None,
    'RemoveOldMeetingMessages': True,
    'AddNewRequestsTentatively': True,
    'ProcessExternalMeetingMessages': False,
    'RemoveForwardedMeetingNotifications': False,
    'RemoveCanceledMeetings': False,
    'EnableAutoRelease': False,
    'PostReservationMaxClaimTimeInMinutes': 10,
}

RECIPIENT_LISTS = ('ResourceDelegates', 'RequestOutOfPolicy', 'BookInPolicy', 'RequestInPolicy')
MAILBOX_RIGHTS = ('ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount', 'FullAccess',
                  'ReadPermission')
NOT_FOUND = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException'
AMBIGUOUS = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException'
BINDING = 'System.Management.Automation.ParameterBindingException'
INVALID = 'Microsoft.Exchange.Data.DataValidationException'


class ExchangeError(Exception):
    """An error Exchange reports as `code|ExceptionType|message` in error.details."""

    def __init__(self, status, code, exception_type, message):
        super(ExchangeError, self).__init__(message)
        self.status = status
        self.code = code
        self.exception_type = exception_type
        self.message = message

    def body(self, shape='details'):
        """The error body in one of the shapes Exchange answers with (ERROR_SHAPES).

        Real InvokeCommand errors carry a generic top-level message; the text that matters is in
        error.details[].message as `code|ExceptionType|message`, sometimes with an empty code, or
        only in innererror.internalexception (shared/README.md, "Checked on 2026-12-01").
        """
        code = {400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound'}.get(self.status, 'InternalServerError')
        if shape == 'empty':
            return None  # a 403 may come with no body at all
        error = {'code': code, 'message': 'Error executing cmdlet'}
        if shape in ('details', 'pipe'):
            error['details'] = [{'code': 'Context', 'target': '', 'message': '%s|%s|%s' % (
                '' if shape == 'pipe' else self.code, self.exception_type, self.message)}]
            error['innererror'] = {'message': self.message, 'type': self.exception_type}
        else:  # 'innererror': the exception only, nested as .NET reports it
            error['innererror'] = {
                'message': 'Error executing cmdlet',
                'type': 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
                'internalexception': {'message': '%s|%s|%s' % (self.code, self.exception_type, self.message),
                                      'type': self.exception_type}}
        return {'error': error}


# Shapes body() can produce; the listener picks one per its `exchange_error_shapes` setting.
ERROR_SHAPES = ('details', 'pipe', 'innererror')


def not_found(identity, tenant_domain):
    return ExchangeError(404, 'Ex6F9304', NOT_FOUND,
                         "The operation couldn't be performed because object '%s' couldn't be found on '%s'."
                         % (identity, tenant_domain))


# State ------------------------------------------------------------------------

def _recipient(alias, display_name, address, kind, object_id=None, name=None):
    # Name need not be unique (https://learn.microsoft.com/powershell/module/exchange/get-recipient);
    # the emulator keys its own state by Alias (Identity), which it keeps unique.
    object_id = object_id or str(uuid.uuid4())
    return {
        'Identity': alias, 'Name': name or alias, 'Alias': alias, 'DisplayName': display_name,
        'PrimarySmtpAddress': address, 'UserPrincipalName': address, 'WindowsLiveID': address,
        'RecipientTypeDetails': kind, 'ExternalDirectoryObjectId': object_id, 'Guid': str(uuid.uuid4()),
    }


def seed_state(section, users, domain):
    """Exchange state of a tenant from its seed `exchange:` section and directory users.

    section: {recipients: [{alias, name, display_name, address, kind}],   # further recipients
              rooms: [{alias, display_name, address, capacity, building, floor, room_list,
              hidden_from_address_lists, calendar_processing: {Param: value}, permissions: [{user, rights}]}],
              room_lists: [{address, display_name}],
              generate_rooms: {count, prefix, building}}
    """
    section = section or {}
    recipients = []
    for user in users or []:
        address = user.get('mail') or user.get('userPrincipalName')
        if address:
            recipients.append(_recipient(address.split('@')[0], user.get('displayName') or address, address,
                                         USER_MAILBOX, user.get('id')))
    for extra in section.get('recipients') or []:
        recipients.append(_recipient(extra['alias'], extra.get('display_name') or extra['alias'], extra['address'],
                                     extra.get('kind', USER_MAILBOX), name=extra.get('name')))
    rooms = list(section.get('rooms') or [])
    generated = section.get('generate_rooms')
    if generated:
        for number in range(1, int(generated['count']) + 1):
            alias = '%s-%03d' % (generated.get('prefix', 'room'), number)
            rooms.append({'alias': alias, 'display_name': 'Room %03d' % number,
                          'address': '%s@%s' % (alias, domain), 'capacity': 4 + number % 12,
                          'building': generated.get('building'), 'floor': number % 10,
                          'room_list': generated.get('room_list')})
    state = {'recipients': recipients, 'rooms': {}, 'room_lists': list(section.get('room_lists') or []),
             'domain': domain}
    for room in rooms:
        recipient = _recipient(room['alias'], room['display_name'], room['address'], ROOM_MAILBOX)
        recipients.append(recipient)
        processing = copy.deepcopy(CALENDAR_DEFAULTS)
        processing.update(room.get('calendar_processing') or {})
        permissions = [{'User': 'NT AUTHORITY\\SELF', 'AccessRights': ['FullAccess', 'ReadPermission'],
                        'IsInherited': False, 'Deny': False, 'InheritanceType': 'All'}]
        state['rooms'][recipient['Alias']] = {
            'place': {'capacity': room.get('capacity'), 'building': room.get('building'),
                      'floor': room.get('floor'), 'room_list': room.get('room_list'),
                      'id': str(uuid.uuid4()),
                      # hidden from the address lists (GAL): Exchange lists it, Graph places does not
                      'hidden_from_address_lists': bool(room.get('hidden_from_address_lists'))},
            'calendar_processing': processing,
            'permissions': permissions,
        }
        for grant in room.get('permissions') or []:
            holder = resolve(state, grant['user'])
            permissions.append({'User': holder['PrimarySmtpAddress'], 'AccessRights': list(grant['rights']),
                                'IsInherited': False, 'Deny': False, 'InheritanceType': 'All'})
        processing['ResourceDelegates'] = [resolve(state, d)['Identity'] for d in processing['ResourceDelegates']]
    return state


def resolve(state, identity):
    """The recipient an identity names: alias, address, display name, GUID or object id.

    https://learn.microsoft.com/powershell/module/exchange/get-recipient (Identity)
    """
    wanted = str(identity).strip().lower()
    keys = ('Identity', 'Name', 'Alias', 'DisplayName', 'PrimarySmtpAddress', 'UserPrincipalName',
            'ExternalDirectoryObjectId', 'Guid')
    matches = [r for r in state['recipients'] if any(str(r.get(k) or '').lower() == wanted for k in keys)]
    if not matches:
        raise not_found(identity, state['domain'])
    if len(matches) > 1:
        # Exchange's wording: https://learn.microsoft.com/exchange/troubleshoot/outlook-on-the-web-issues/
        # there-are-multiple-recipients-matching-the-identity-error
        raise ExchangeError(400, 'Ex1F3C5A', AMBIGUOUS,
                            'There are multiple recipients matching the identity "%s". Please specify a unique value.'
                            % identity)
    return matches[0]


def _room(state, identity):
    recipient = resolve(state, identity)
    room = state['rooms'].get(recipient['Alias'])
    return recipient, room


# Parameter binding ----------------------------------------------------------------

def _bool(name, value):
    if not isinstance(value, bool):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                            "Cannot process argument transformation on parameter '%s'. Cannot convert value "
                            "\"%s\" to type \"System.Boolean\"." % (name, value))
    return value


def _int(low, high):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "Cannot process argument transformation on parameter '%s'. Cannot convert value "
                                "\"%s\" to type \"System.Int32\"." % (name, value))
        if not low <= value <= high:
            raise ExchangeError(400, 'Ex0D6E2B', INVALID,
                                'The value of property %s must be between %d and %d.' % (name, low, high))
        return value
    return check


def _choice(*values):
    def check(name, value):
        if value not in values:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "Cannot bind parameter '%s'. Cannot convert value \"%s\" to type. Valid values are: "
                                '%s.' % (name, value, ', '.join(values)))
        return value
    return check


def _text(name, value):
    if not isinstance(value, str) or not value:
        raise ExchangeError(400, 'Ex6D4A1E', BINDING, "Cannot bind argument to parameter '%s'." % name)
    return value


def _list(name, value):
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING, "Cannot bind argument to parameter '%s'." % name)
    return value


HASHTABLE = '#Exchange.GenericHashTable'


def _multi(name, value):
    """A multi-valued parameter: a list replaces the values; a hashtable {Add: [...], Remove: [...]} edits them.

    https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing#-resourcedelegates
    ("To add or remove one or more values without affecting any existing entries, use @{Add=...; Remove=...}");
    on InvokeCommand the hashtable is a JSON object with "@odata.type": "#Exchange.GenericHashTable".
    Returns {'replace': [...]} or {'add': [...], 'remove': [...]}.
    """
    if not isinstance(value, dict):
        return {'replace': _list(name, value)}
    keys = dict((k.lower(), v) for k, v in value.items() if k != '@odata.type')
    if value.get('@odata.type') != HASHTABLE or not keys or set(keys) - set(['add', 'remove']):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                            "Cannot process argument transformation on parameter '%s'. A hashtable needs "
                            "\"@odata.type\": \"%s\" and only the keys Add and Remove." % (name, HASHTABLE))
    return dict((k, _list(name, v)) for k, v in keys.items())


def _rights(name, value):
    rights = _list(name, value)
    for right in rights:
        _choice(*MAILBOX_RIGHTS)(name, right)
    return rights


CALENDAR_TYPES = {
    'AutomateProcessing': _choice('None', 'AutoUpdate', 'AutoAccept'),
    'BookingType': _choice('Standard', 'Reserved'),
    'BookingWindowInDays': _int(0, 1080),
    'MaximumDurationInMinutes': _int(0, INT32_MAX),
    'MinimumDurationInMinutes': _int(0, INT32_MAX),
    'MaximumConflictInstances': _int(0, INT32_MAX),
    'ConflictPercentageAllowed': _int(0, 100),
    'PostReservationMaxClaimTimeInMinutes': _int(0, 60),
    'AdditionalResponse': _text,
}
for _name, _default in CALENDAR_DEFAULTS.items():
    if isinstance(_default, bool):
        CALENDAR_TYPES[_name] = _bool
    elif _name in RECIPIENT_LISTS:
        CALENDAR_TYPES[_name] = _multi

COMMON = {'Identity': _text}
SIGNATURES = {
    'Get-Mailbox': dict(COMMON, RecipientTypeDetails=_text, ResultSize=None),
    'Get-Recipient': dict(COMMON, RecipientTypeDetails=_text, ResultSize=None, Filter=_text),
    'Get-User': dict(COMMON, ResultSize=None),
    'Get-CalendarProcessing': dict(COMMON),
    'Set-CalendarProcessing': dict(COMMON, **CALENDAR_TYPES),
    'Get-MailboxPermission': dict(COMMON, User=_text, ResultSize=None),
    'Add-MailboxPermission': dict(COMMON, User=_text, AccessRights=_rights, InheritanceType=_choice(
        'None', 'All', 'Children', 'Descendents', 'SelfAndChildren'), AutoMapping=_bool, Deny=_bool),
    'Remove-MailboxPermission': dict(COMMON, User=_text, AccessRights=_rights, InheritanceType=_choice(
        'None', 'All', 'Children', 'Descendents', 'SelfAndChildren'), Deny=_bool, Confirm=_bool),
}
REQUIRED = {
    'Get-CalendarProcessing': ('Identity',), 'Set-CalendarProcessing': ('Identity',),
    'Get-MailboxPermission': ('Identity',), 'Add-MailboxPermission': ('Identity', 'User', 'AccessRights'),
    'Remove-MailboxPermission': ('Identity', 'User', 'AccessRights'),
}


def bind(cmdlet, parameters):
    """Check a cmdlet's parameters as PowerShell binding would; returns them typed."""
    signature = SIGNATURES.get(cmdlet)
    if signature is None:
        raise ExchangeError(400, 'Ex2F52D0', 'System.Management.Automation.CommandNotFoundException',
                            "The term '%s' is not recognized as a name of a cmdlet." % cmdlet)
    if not isinstance(parameters, dict):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING, 'Parameters must be an object.')
    bound = {}
    for name, value in parameters.items():
        if name not in signature:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "A parameter cannot be found that matches parameter name '%s'." % name)
        check = signature[name]
        bound[name] = check(name, value) if check else value
    for name in REQUIRED.get(cmdlet, ()):
        if name not in bound:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "Cannot process command because of one or more missing mandatory parameters: %s."
                                % name)
    return bound


def is_write(cmdlet):
    return not cmdlet.startswith(('Get-', 'Test-'))  # Test-* cmdlets report, they change nothing


# Cmdlets ----------------------------------------------------------------------------

def invoke(state, cmdlet, parameters):
    """Run a cmdlet: (objects, warnings). Writes change `state` in place."""
    bound = bind(cmdlet, parameters or {})
    handler = HANDLERS[cmdlet]
    return handler(state, bound)


def _mailbox_view(recipient, room):
    view = dict(recipient)
    view['ResourceCapacity'] = room['place']['capacity'] if room else None
    view['Office'] = room['place']['building'] if room else None
    view['HiddenFromAddressListsEnabled'] = bool(room and room['place'].get('hidden_from_address_lists'))
    return view


# https://learn.microsoft.com/powershell/module/exchange/get-mailbox
def get_mailbox(state, params):
    warnings = []
    if 'Identity' in params:
        recipient, room = _room(state, params['Identity'])
        found = [(recipient, room)]
    else:
        found = [(r, state['rooms'].get(r['Alias'])) for r in state['recipients']]
    if 'RecipientTypeDetails' in params:
        found = [(r, room) for r, room in found if r['RecipientTypeDetails'] == params['RecipientTypeDetails']]
    size = params.get('ResultSize', 1000)
    if size != 'Unlimited':
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING, "Cannot bind parameter 'ResultSize'.")
        if len(found) > size:
            warnings.append('By default, only the first %d items are returned. Use the ResultSize parameter to '
                            'specify the number of items returned. To return all items, specify "-ResultSize '
                            'Unlimited".' % size)
            found = found[:size]
    return [_mailbox_view(r, room) for r, room in found], warnings


# https://learn.microsoft.com/powershell/module/exchange/get-recipient
# A tenant or object named by its GUID.
GUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.I)
NAME_FILTER = re.compile(r"^\s*Name\s+-eq\s+'((?:[^']|'')*)'\s*$", re.I)


def get_recipient(state, params):
    if 'Identity' in params:
        return [dict(resolve(state, params['Identity']))], []
    found = state['recipients']
    if 'Filter' in params:
        # OPATH (https://learn.microsoft.com/powershell/exchange/recipient-filters); only Name -eq '…' here,
        # anything else is refused rather than guessed.
        match = NAME_FILTER.match(params['Filter'])
        if not match:
            raise ExchangeError(400, 'Ex7C2E91', 'Microsoft.Exchange.Management.Tasks.InvalidFilterException',
                                "The filter \"%s\" isn't supported here; use Name -eq '<name>'." % params['Filter'])
        wanted = match.group(1).replace("''", "'").lower()
        found = [r for r in found if r['Name'].lower() == wanted]
    if 'RecipientTypeDetails' in params:
        found = [r for r in found if r['RecipientTypeDetails'] == params['RecipientTypeDetails']]
    return [dict(r) for r in found], []


# https://learn.microsoft.com/powershell/module/exchange/get-calendarprocessing
def get_calendar_processing(state, params):
    recipient, room = _room(state, params['Identity'])
    processing = room['calendar_processing'] if room else dict(CALENDAR_DEFAULTS, AutomateProcessing='AutoUpdate')
    shown = copy.deepcopy(processing)
    # Recipient lists are kept as unique aliases but shown as Exchange shows them: recipient *names*,
    # which need not be unique (shared/README.md, "Checked on 2026-12-01").
    names = dict((r['Identity'], r['Name']) for r in state['recipients'])
    for key in RECIPIENT_LISTS:
        shown[key] = [names.get(alias, alias) for alias in shown.get(key) or []]
    return [dict(shown, Identity=recipient['Identity'], MailboxOwnerId=recipient['Identity'])], []


# https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing
def set_calendar_processing(state, params):
    recipient, room = _room(state, params['Identity'])
    if room is None:
        raise ExchangeError(400, 'Ex4A8B1C', 'Microsoft.Exchange.Management.Tasks.RecipientTaskException',
                            "Calendar processing can only be set on resource mailboxes; '%s' is a %s."
                            % (params['Identity'], recipient['RecipientTypeDetails']))
    changes = {}
    processing = room['calendar_processing']
    for name, value in params.items():
        if name == 'Identity':
            continue
        if name in RECIPIENT_LISTS:
            # Every identity is resolved first: an unknown or ambiguous one fails the whole call.
            edit = dict((k, [resolve(state, v)['Identity'] for v in values]) for k, values in value.items())
            if 'replace' in edit:
                value = edit['replace']
            else:
                value = [a for a in processing.get(name) or [] if a not in edit.get('remove', [])]
                value += [a for a in edit.get('add', []) if a not in value]
        changes[name] = value
    if all(processing.get(k) == v for k, v in changes.items()):
        return [], ["The command completed successfully but no settings of '%s' have been modified."
                    % recipient['Identity']]
    processing.update(changes)
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/get-mailboxpermission
def get_mailbox_permission(state, params):
    recipient, room = _room(state, params['Identity'])
    permissions = room['permissions'] if room else []
    user = resolve(state, params['User'])['PrimarySmtpAddress'] if 'User' in params else None
    entries = [dict(e, Identity=recipient['Identity']) for e in permissions
               if user is None or e['User'].lower() == user.lower()]
    return entries, []


# https://learn.microsoft.com/powershell/module/exchange/add-mailboxpermission
def add_mailbox_permission(state, params):
    recipient, room = _room(state, params['Identity'])
    if room is None:
        raise not_found(params['Identity'], state['domain'])
    user = resolve(state, params['User'])['PrimarySmtpAddress']
    deny = params.get('Deny', False)
    entry = next((e for e in room['permissions'] if e['User'].lower() == user.lower() and e['Deny'] == deny
                  and not e['IsInherited']), None)
    warnings = []
    if entry is None:
        entry = {'User': user, 'AccessRights': [], 'IsInherited': False, 'Deny': deny,
                 'InheritanceType': params.get('InheritanceType', 'All')}
        room['permissions'].append(entry)
    missing = [r for r in params['AccessRights'] if r not in entry['AccessRights']]
    if not missing:
        warnings.append("An existing permission entry was found for user: %s." % user)
    entry['AccessRights'] = entry['AccessRights'] + missing
    entry['AutoMapping'] = params.get('AutoMapping', True)
    return [dict(entry, Identity=recipient['Identity'])], warnings


# https://learn.microsoft.com/powershell/module/exchange/remove-mailboxpermission
def remove_mailbox_permission(state, params):
    recipient, room = _room(state, params['Identity'])
    if room is None:
        raise not_found(params['Identity'], state['domain'])
    user = resolve(state, params['User'])['PrimarySmtpAddress']
    warnings = []
    for entry in list(room['permissions']):
        if entry['User'].lower() != user.lower() or entry['IsInherited'] or entry['Deny'] != params.get('Deny', False):
            continue
        kept = [r for r in entry['AccessRights'] if r not in params['AccessRights']]
        if kept == entry['AccessRights']:
            continue
        if kept:
            entry['AccessRights'] = kept
        else:
            room['permissions'].remove(entry)
        return [], warnings
    warnings.append("Can't remove the access control entry on the object '%s' for account '%s' because the ACE "
                    "doesn't exist on the object." % (recipient['Identity'], user))
    return [], warnings


HANDLERS = {
    'Get-Mailbox': get_mailbox,
    'Get-Recipient': get_recipient,
    'Get-User': get_recipient,
    'Get-CalendarProcessing': get_calendar_processing,
    'Set-CalendarProcessing': set_calendar_processing,
    'Get-MailboxPermission': get_mailbox_permission,
    'Add-MailboxPermission': add_mailbox_permission,
    'Remove-MailboxPermission': remove_mailbox_permission,
}


def register(signatures, required, handlers):
    """Add the cmdlets of another area (exchange_rbac: RBAC for Applications and distribution groups, which
    also keeps groups out of what the mailbox cmdlets above see); it imports this module, never the reverse."""
    SIGNATURES.update(signatures)
    REQUIRED.update(required)
    HANDLERS.update(handlers)


# Graph places, built from the same rooms --------------------------------------------

def graph_rooms(state, room_list=None):
    """Rooms as Graph `room` resources (https://learn.microsoft.com/graph/api/resources/room)."""
    found = []
    for recipient in state['recipients']:
        room = state['rooms'].get(recipient['Alias'])
        if room is None:
            continue
        place = room['place']
        if room_list and (place.get('room_list') or '').lower() != room_list.lower():
            continue
        found.append({
            '@odata.type': '#microsoft.graph.room', 'id': place['id'],
            'emailAddress': recipient['PrimarySmtpAddress'], 'displayName': recipient['DisplayName'],
            'nickname': recipient['DisplayName'], 'building': place.get('building'),
            'floorNumber': place.get('floor'), 'floorLabel': None, 'label': None,
            'capacity': place.get('capacity'), 'bookingType': 'standard', 'isWheelChairAccessible': False,
            'audioDeviceName': None, 'videoDeviceName': None, 'displayDeviceName': None, 'phone': None,
            'tags': [], 'address': None, 'geoCoordinates': None,
        })
    return found


def graph_room_lists(state):
    """Room lists as Graph `roomList` resources (https://learn.microsoft.com/graph/api/resources/roomlist)."""
    return [{'@odata.type': '#microsoft.graph.roomList', 'id': str(uuid.uuid5(uuid.NAMESPACE_URL, rl['address'])),
             'emailAddress': rl['address'], 'displayName': rl.get('display_name') or rl['address'],
             'address': None, 'geoCoordinates': None, 'phone': None}
            for rl in state['room_lists']]
