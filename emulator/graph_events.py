"""Outlook items as Graph v1.0 shows them: events as Outlook makes them from a create request, and the values events
and messages share (checked request properties, item bodies, recipients, times, item ids).

The routes are in graph_mail.py (every mailbox route in one module, which graph_routes treats as the mailbox
routes of a delegated caller); the resource booking attendant (booking_attendant.py) copies events into rooms'
calendars. Events are kept per mailbox alias in the tenant's `exchange` section (`calendars: {alias: [event]}`), each
with the bookkeeping keys `_start`/`_end` (the instants, UTC, its times name), never served.
"""

from __future__ import annotations

import base64
import copy
import datetime
import re
import uuid
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NEVER = '0001-01-01T00:00:00Z'

# https://learn.microsoft.com/graph/api/resources/event#properties
EVENT_PROPERTIES = (
    'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'transactionId',
    'originalStartTimeZone', 'originalEndTimeZone', 'iCalUId', 'reminderMinutesBeforeStart', 'isReminderOn',
    'hasAttachments', 'subject', 'bodyPreview', 'importance', 'sensitivity', 'isAllDay', 'isCancelled',
    'isOrganizer', 'responseRequested', 'seriesMasterId', 'showAs', 'type', 'webLink', 'onlineMeetingUrl',
    'isOnlineMeeting', 'onlineMeetingProvider', 'allowNewTimeProposals', 'isDraft', 'hideAttendees', 'recurrence',
    'onlineMeeting', 'responseStatus', 'body', 'start', 'end', 'location', 'locations', 'attendees', 'organizer')
EVENT_TEMPLATE = dict.fromkeys(EVENT_PROPERTIES)
ENUMS = {'importance': ('low', 'normal', 'high'), 'sensitivity': ('normal', 'personal', 'private', 'confidential'),
         'showAs': ('unknown', 'free', 'tentative', 'busy', 'oof', 'workingElsewhere'),
         'onlineMeetingProvider': ('unknown', 'teamsForBusiness', 'skypeForBusiness', 'skypeForConsumer'),
         'contentType': ('text', 'html'), 'type': ('required', 'optional', 'resource')}
BOOLEANS = ('isAllDay', 'isReminderOn', 'responseRequested', 'allowNewTimeProposals', 'isOnlineMeeting',
            'hideAttendees')
# What a new event may carry; the rest of EVENT_PROPERTIES (and the navigation properties) is the service's.
EVENT_WRITABLE = BOOLEANS + ('subject', 'body', 'start', 'end', 'location', 'locations', 'attendees', 'importance',
                             'sensitivity', 'showAs', 'categories', 'reminderMinutesBeforeStart', 'transactionId',
                             'onlineMeetingProvider', 'organizer', 'recurrence')
EVENT_NAVIGATION = ('attachments', 'calendar', 'exceptionOccurrences', 'extensions', 'instances',
                    'multiValueExtendedProperties', 'singleValueExtendedProperties')
# https://learn.microsoft.com/graph/api/resources/location#properties
LOCATION_PROPERTIES = ('address', 'coordinates', 'displayName', 'locationEmailAddress', 'locationType', 'locationUri',
                       'uniqueId', 'uniqueIdType')
DATE_TIME = re.compile(r'^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$')
# Windows time zone names Outlook uses, for the ones clients send most (with IANA names and UTC, which also work).
WINDOWS_ZONES = {
    'UTC': 'UTC', 'Coordinated Universal Time': 'UTC', 'GMT Standard Time': 'Europe/London',
    'W. Europe Standard Time': 'Europe/Berlin', 'Romance Standard Time': 'Europe/Paris',
    'Central Europe Standard Time': 'Europe/Budapest', 'Central European Standard Time': 'Europe/Warsaw',
    'E. Europe Standard Time': 'Europe/Chisinau', 'FLE Standard Time': 'Europe/Kiev',
    'Eastern Standard Time': 'America/New_York', 'Central Standard Time': 'America/Chicago',
    'Mountain Standard Time': 'America/Denver', 'Pacific Standard Time': 'America/Los_Angeles',
    'AUS Eastern Standard Time': 'Australia/Sydney', 'Tokyo Standard Time': 'Asia/Tokyo',
    'India Standard Time': 'Asia/Kolkata', 'China Standard Time': 'Asia/Shanghai',
    'Singapore Standard Time': 'Asia/Singapore',
}
TIMEZONE_PREFERENCE = re.compile(r'(?:^|[,;\s])outlook\.timezone\s*=\s*"([^"]*)"', re.I)


# Values ------------------------------------------------------------------------------------------------------

def property_error(request, name, type_name):
    request.fail(400, 'RequestBodyRead', "The property '%s' does not exist on type '%s'. Make sure to only use "
                                         "property names that are defined by the type or mark the type as open type."
                 % (name, type_name))


def type_error(request, edm):
    request.fail(400, 'RequestBodyRead', "Cannot convert a primitive value to the expected type '%s'. See the inner "
                                         "exception for more details." % edm)


def check_properties(request, obj, known, writable, type_name):
    if not isinstance(obj, dict):
        type_error(request, type_name)
    for name in obj:
        if name == '@odata.type':
            continue
        if name not in known:
            property_error(request, name, type_name)
        if name not in writable:
            # [unverified wording] Graph documents these as read-only; the emulator refuses them being sent.
            request.fail(400, 'ErrorInvalidProperty', "The property '%s' is read-only and can't be set." % name)


def enum(request, name, value):
    if not isinstance(value, str) or value.lower() not in [v.lower() for v in ENUMS[name]]:
        request.fail(400, 'RequestBodyRead', "Requested value '%s' was not found." % value)
    return next(v for v in ENUMS[name] if v.lower() == value.lower())


def string(request, value, nullable=True):
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        type_error(request, 'Edm.String')
    return value


def strings(request, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        type_error(request, 'Collection(Edm.String)')
    return list(value)


def item_body(request, value):
    """itemBody: {contentType text|html, content}; Outlook stores html unless told text."""
    if value is None:
        return {'contentType': 'html', 'content': ''}
    check_properties(request, value, ('contentType', 'content'), ('contentType', 'content'),
                     'Microsoft.OutlookServices.ItemBody')
    return {'contentType': enum(request, 'contentType', value.get('contentType', 'text')),
            'content': string(request, value.get('content')) or ''}


def preview(body):
    """bodyPreview: the first 255 characters of the body as text."""
    text = body['content'] if body['contentType'] == 'text' else re.sub(r'<[^>]*>', '', body['content'])
    return text[:255]


def directory(state):
    """The tenant's recipients by lower-cased primary address."""
    return dict((r['PrimarySmtpAddress'].lower(), r) for r in state['recipients'] if r.get('PrimarySmtpAddress'))


def email_address(request, value, known):
    """A recipient's emailAddress; the name defaults to the directory's display name (`known`: directory())."""
    if not isinstance(value, dict) or not isinstance(value.get('emailAddress'), dict):
        type_error(request, 'Microsoft.OutlookServices.Recipient')
    address = value['emailAddress'].get('address')
    if not isinstance(address, str) or not address.strip():
        request.fail(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid., A recipient's address is "
                                                    "missing.")
    found = known.get(address.lower())
    name = value['emailAddress'].get('name') or (found and found['DisplayName']) or address
    return {'name': string(request, name), 'address': address}


def recipient(mailbox):
    """A mailbox (Exchange recipient) as a Graph recipient."""
    return {'emailAddress': {'name': mailbox['DisplayName'], 'address': mailbox['PrimarySmtpAddress']}}


# Time -------------------------------------------------------------------------------------------------------

def zone(name):
    """ZoneInfo of a Windows, IANA or UTC time zone name, or None."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_refused(request, name):
    request.fail(400, 'TimeZoneNotSupportedException', "A valid TimeZone value must be specified. The following "
                                                       "TimeZone value is not supported: '%s'." % (name or ''))


def instant(request, value, what):
    """dateTimeTimeZone -> (aware UTC datetime, time zone name)."""
    if not isinstance(value, dict):
        type_error(request, 'Microsoft.OutlookServices.DateTimeTimeZone')
    check_properties(request, value, ('dateTime', 'timeZone'), ('dateTime', 'timeZone'),
                     'Microsoft.OutlookServices.DateTimeTimeZone')
    match = DATE_TIME.match(str(value.get('dateTime') or '').strip())
    if not match:
        # [unverified wording] an offset or 'Z' is refused too: the time zone says where the time is
        request.fail(400, 'ErrorInvalidRequest', "The value of '%s.dateTime' isn't a valid date and time: '%s'."
                     % (what, value.get('dateTime')))
    found = zone(value.get('timeZone'))
    if found is None:
        zone_refused(request, value.get('timeZone'))
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        local = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                                  int((fraction or '0').ljust(7, '0')[:6]), tzinfo=found)
    except ValueError:
        request.fail(400, 'ErrorInvalidRequest', "The value of '%s.dateTime' isn't a valid date and time: '%s'."
                     % (what, value.get('dateTime')))
    return local.astimezone(datetime.timezone.utc), value['timeZone']


def stamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + '%07d' % (moment.microsecond * 10)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def now():
    return stamp(utc_now()) + 'Z'


def date_time_zone(moment, zone_name='UTC', found=None):
    """A dateTimeTimeZone of an aware datetime, in the zone named."""
    return {'dateTime': stamp(moment.astimezone(found or ZoneInfo('UTC'))), 'timeZone': zone_name}


def output_zone(request):
    """Times come back in UTC unless `Prefer: outlook.timezone="..."` asks for another zone."""
    found = TIMEZONE_PREFERENCE.search(request.headers.get('prefer') or '')
    if not found:
        return 'UTC', ZoneInfo('UTC')
    asked = zone(found.group(1))
    if asked is None:
        zone_refused(request, found.group(1))
    return found.group(1), asked


def item_id():
    """An Outlook item id: opaque, URL-safe base64 (the service's are longer and start AAMk)."""
    return 'AAMk' + base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()


def change_key():
    return base64.b64encode(uuid.uuid4().bytes).decode()[:22]


def web_link(item, path):
    return 'https://outlook.office365.com/owa/?itemid=%s&exvsurl=1&path=/%s' % (quote(item), path)


# Events -----------------------------------------------------------------------------------------------------

def events_path(key):
    return "users('%s')/calendar/events" % quote(key, safe='@')


def calendar(state, alias):
    """A mailbox's calendar (its events), made when first written."""
    return state.setdefault('calendars', {}).setdefault(alias, [])


def mail_folder(state, alias, folder):
    """A mailbox's messages in a folder: `inbox` (what it received) or `sent_items`, made when first written."""
    return state.setdefault(folder, {}).setdefault(alias, [])


def new_message(sender, subject, body, to, cc=(), **properties):
    """A message as Outlook keeps it once sent (https://learn.microsoft.com/graph/api/resources/message#properties),
    `properties` overriding or adding to the defaults."""
    identifier, key, sent = item_id(), change_key(), now()
    domain = sender['emailAddress']['address'].rsplit('@', 1)[-1]
    message = {
        '@odata.etag': 'W/"%s"' % key, 'id': identifier, 'createdDateTime': sent, 'lastModifiedDateTime': sent,
        'receivedDateTime': sent, 'sentDateTime': sent, 'changeKey': key, 'categories': [], 'hasAttachments': False,
        'internetMessageId': '<%s@%s>' % (uuid.uuid4().hex.upper(), domain), 'subject': subject,
        'bodyPreview': preview(body), 'importance': 'normal', 'parentFolderId': None,
        'conversationId': 'AAQk' + base64.urlsafe_b64encode(uuid.uuid4().bytes).decode(),
        'conversationIndex': base64.b64encode(uuid.uuid4().bytes).decode(), 'isDeliveryReceiptRequested': False,
        'isReadReceiptRequested': False, 'isRead': False, 'isDraft': False, 'inferenceClassification': 'focused',
        'webLink': web_link(identifier, 'mail/item'), 'body': body, 'uniqueBody': body, 'sender': sender,
        'from': sender, 'toRecipients': list(to), 'ccRecipients': list(cc), 'bccRecipients': [], 'replyTo': [],
        'flag': {'flagStatus': 'notFlagged'},
    }
    message.update(properties)
    return message


def new_event(request, mailbox, body):
    """An event as Outlook creates it from what the request gave (https://learn.microsoft.com/graph/api/
    user-post-events)."""
    check_properties(request, body, EVENT_PROPERTIES + EVENT_NAVIGATION, EVENT_WRITABLE,
                     'Microsoft.OutlookServices.Event')
    if 'start' not in body or 'end' not in body:
        # [unverified wording] Graph's answer to an event without start or end is not documented
        request.fail(400, 'ErrorInvalidRequest', 'An event needs both start and end (dateTime and timeZone).')
    start, start_zone = instant(request, body['start'], 'start')
    end, end_zone = instant(request, body['end'], 'end')
    if end < start:
        request.fail(400, 'ErrorCalendarEndDateIsEarlierThanStartDate', 'The end date occurs before the start date.')
    if body.get('recurrence') is not None:
        request.fail(400, 'ErrorInvalidRequest', 'The emulator does not expand recurring events; send single '
                                                 'instances.')
    known = directory(request.tenant['exchange'])
    if body.get('organizer') is not None:
        given = email_address(request, body['organizer'], known)
        if given['address'].lower() != mailbox['PrimarySmtpAddress'].lower():
            request.fail(400, 'ErrorInvalidRequest', "The organizer of an event created in a mailbox is its owner, "
                                                     "'%s'." % mailbox['PrimarySmtpAddress'])
    event = _event_fields(request, body)
    event.update(_event_places(request, body), attendees=_event_attendees(request, body, known),
                 organizer=recipient(mailbox), originalStartTimeZone=start_zone, originalEndTimeZone=end_zone,
                 _start=start.isoformat(), _end=end.isoformat())
    return event


def _event_attendees(request, body, known):
    """The attendees as Outlook keeps them: each with no response yet."""
    attendees = []
    for attendee in body.get('attendees') or []:
        if not isinstance(attendee, dict):
            type_error(request, 'Microsoft.OutlookServices.Attendee')
        check_properties(request, attendee, ('emailAddress', 'type', 'status', 'proposedNewTime'),
                         ('emailAddress', 'type'), 'Microsoft.OutlookServices.Attendee')
        attendees.append({'type': enum(request, 'type', attendee.get('type', 'required')),
                          'status': {'response': 'none', 'time': NEVER},
                          'emailAddress': email_address(request, attendee, known)})
    return attendees


def _event_places(request, body):
    """location (as shown, with Outlook's defaults) and locations."""
    location = body.get('location')
    if location is not None:
        check_properties(request, location, LOCATION_PROPERTIES, LOCATION_PROPERTIES,
                         'Microsoft.OutlookServices.Location')
        string(request, location.get('displayName'))
    shown_location = dict({'displayName': '', 'locationType': 'default', 'uniqueIdType': 'unknown', 'address': {},
                           'coordinates': {}}, **(location or {}))
    locations = body.get('locations')
    if locations is None:
        locations = [shown_location] if shown_location['displayName'] else []
    elif not isinstance(locations, list) or not all(isinstance(item, dict) for item in locations):
        type_error(request, 'Collection(Microsoft.OutlookServices.Location)')
    return dict(location=shown_location, locations=locations)


def _event_fields(request, body):
    """The event's own properties, with Outlook's defaults for what the request left out."""
    for name in BOOLEANS:
        if name in body and not isinstance(body[name], bool):
            type_error(request, 'Edm.Boolean')
    minutes = body.get('reminderMinutesBeforeStart', 15)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        type_error(request, 'Edm.Int32')
    content = item_body(request, body.get('body'))
    identifier, key, created = item_id(), change_key(), now()
    return {
        '@odata.etag': 'W/"%s"' % key, 'id': identifier, 'createdDateTime': created, 'lastModifiedDateTime': created,
        'changeKey': key, 'categories': strings(request, body.get('categories', [])),
        'transactionId': string(request, body.get('transactionId')),
        'iCalUId': '040000008200E00074C5B7101A82E008' + uuid.uuid4().hex.upper(),
        'reminderMinutesBeforeStart': minutes, 'isReminderOn': body.get('isReminderOn', True),
        'hasAttachments': False, 'subject': string(request, body.get('subject')) or '',
        'bodyPreview': preview(content),
        'importance': enum(request, 'importance', body.get('importance', 'normal')),
        'sensitivity': enum(request, 'sensitivity', body.get('sensitivity', 'normal')),
        'isAllDay': body.get('isAllDay', False), 'isCancelled': False, 'isOrganizer': True,
        'responseRequested': body.get('responseRequested', True), 'seriesMasterId': None,
        # showAs is the organizer's own: tentative, busy, ... as sent (https://learn.microsoft.com/graph/api/
        # resources/event, showAs)
        'showAs': enum(request, 'showAs', body.get('showAs', 'busy')), 'type': 'singleInstance',
        'webLink': web_link(identifier, 'calendar/item'), 'onlineMeetingUrl': None,
        'isOnlineMeeting': body.get('isOnlineMeeting', False),
        'onlineMeetingProvider': enum(request, 'onlineMeetingProvider', body.get('onlineMeetingProvider', 'unknown')),
        'allowNewTimeProposals': body.get('allowNewTimeProposals', True), 'isDraft': False,
        'hideAttendees': body.get('hideAttendees', False), 'recurrence': None, 'onlineMeeting': None,
        'responseStatus': {'response': 'organizer', 'time': NEVER}, 'body': content, 'start': None, 'end': None,
    }


def attendee_copy(event, show_as, response, **changes):
    """The copy of an organizer's event an attendee's calendar holds (same iCalUId, its own id), as the attendee's
    mailbox shows it: not the organizer's, with the attendee's own showAs and response."""
    identifier, key, created = item_id(), change_key(), now()
    copied = copy.deepcopy(event)
    copied.update({'@odata.etag': 'W/"%s"' % key, 'id': identifier, 'changeKey': key, 'createdDateTime': created,
                   'lastModifiedDateTime': created, 'isOrganizer': False, 'showAs': show_as,
                   'responseStatus': {'response': response, 'time': created if response != 'notResponded' else NEVER},
                   'webLink': web_link(identifier, 'calendar/item')}, **changes)
    return copied


def instants(event):
    """(start, end) of an event as aware UTC datetimes."""
    return (datetime.datetime.fromisoformat(event['_start']), datetime.datetime.fromisoformat(event['_end']))


def event_view(event, zone_name, found):
    """An event as served: start and end in the zone asked for, without the bookkeeping keys."""
    view = dict((k, copy.deepcopy(v)) for k, v in event.items() if not k.startswith('_'))
    for side, moment in zip(('start', 'end'), instants(event)):
        view[side] = date_time_zone(moment, zone_name, found)
    return view
