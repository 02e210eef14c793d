"""A tenant's Exchange state: its recipients (user, room and other mailboxes, mail users, groups), the rooms'
settings, how an identity names a recipient, and the Graph places built from the same rooms (places.py).

The cmdlets over this state are registered in exchange_cmdlets.py's registry by exchange_mailboxes,
exchange_rooms, exchange_groups and exchange_rbac. State, in the tenant's `exchange` section: recipients (list),
rooms ({alias: {place, calendar_processing, permissions}}), room_lists, domain; the RBAC and group cmdlets add
their own lists (exchange_rbac.py, exchange_groups.py).
"""

from __future__ import annotations

import copy
import uuid

from emulator.exchange_cmdlets import AMBIGUOUS, ExchangeError, not_found

ROOM_MAILBOX = 'RoomMailbox'
USER_MAILBOX = 'UserMailbox'
GROUP_KINDS = {'Security': 'MailUniversalSecurityGroup', 'Distribution': 'MailUniversalDistributionGroup'}
MAILBOX_KINDS = (USER_MAILBOX, ROOM_MAILBOX, 'EquipmentMailbox', 'SharedMailbox')
RECIPIENT_KINDS = MAILBOX_KINDS + ('MailUser', 'MailContact') + tuple(GROUP_KINDS.values())
# The Exchange Online forest part of every distinguished name the emulator makes (any real one looks like it).
FOREST = 'DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM'
HOSTED = 'OU=Microsoft Exchange Hosted Organizations'

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


# Seed ---------------------------------------------------------------------------------------------------------

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
        _seed_room(state, room)
    return state


def _seed_room(state, room):
    """A seed's room: its recipient, place, calendar processing (the defaults, then the seed's) and permissions."""
    recipient = _recipient(room['alias'], room['display_name'], room['address'], ROOM_MAILBOX)
    state['recipients'].append(recipient)
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


# Identities ---------------------------------------------------------------------------------------------------

RECIPIENT_KEYS = ('Identity', 'Name', 'Alias', 'DisplayName', 'PrimarySmtpAddress', 'UserPrincipalName',
                  'ExternalDirectoryObjectId', 'Guid')
# Exchange's wording: https://learn.microsoft.com/exchange/troubleshoot/outlook-on-the-web-issues/
# there-are-multiple-recipients-matching-the-identity-error
MULTIPLE_RECIPIENTS = 'There are multiple recipients matching the identity "%s". Please specify a unique value.'
MULTIPLE_ENTRIES = "The operation couldn't be performed because '%s' matches multiple entries."


def find(items, identity, keys, domain, ambiguous=('Ex1F3C5B', MULTIPLE_ENTRIES)):
    """The one item whose value of one of `keys` is `identity` (case-insensitive): 404 when none matches, 400
    ManagementObjectAmbiguousException (ambiguous = (code, message template)) when several do."""
    wanted = str(identity).strip().lower()
    matches = [i for i in items if any(str(i.get(k) or '').lower() == wanted for k in keys)]
    if not matches:
        raise not_found(identity, domain)
    if len(matches) > 1:
        raise ExchangeError(400, ambiguous[0], AMBIGUOUS, ambiguous[1] % identity)
    return matches[0]


def is_group(recipient):
    return recipient.get('RecipientTypeDetails') in GROUP_KINDS.values()


def without_groups(state):
    """The recipients the mailbox cmdlets see (Get-Mailbox, Get-User, Get/Set-CalendarProcessing): all but the
    distribution groups, which are recipients (Get-Recipient, -Member, -Identity elsewhere) but not mailboxes."""
    return [r for r in state['recipients'] if not is_group(r)]


def resolve(state, identity, groups=True):
    """The recipient an identity names: alias, name, address, display name, GUID or object id; groups=False for a
    mailbox cmdlet, which does not see the groups.

    https://learn.microsoft.com/powershell/module/exchange/get-recipient (Identity)
    """
    recipients = state['recipients'] if groups else without_groups(state)
    return find(recipients, identity, RECIPIENT_KEYS, state['domain'], ('Ex1F3C5A', MULTIPLE_RECIPIENTS))


def room(state, identity, groups=True):
    """(recipient, its room settings or None when it is not a room) for an identity, as resolve() finds it."""
    recipient = resolve(state, identity, groups)
    return recipient, state['rooms'].get(recipient['Alias'])


def distinguished_name(state, name):
    """The DN of a recipient or service principal of this organization named `name`."""
    return 'CN=%s,OU=%s,%s,%s' % (name, state['domain'], HOSTED, FOREST)


# Graph places, built from the same rooms ----------------------------------------------------------------------

def graph_rooms(state, room_list=None):
    """Rooms as Graph `room` resources (https://learn.microsoft.com/graph/api/resources/room)."""
    found = []
    for recipient in state['recipients']:
        settings = state['rooms'].get(recipient['Alias'])
        if settings is None:
            continue
        place = settings['place']
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
