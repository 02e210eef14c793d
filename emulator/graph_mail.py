"""Graph v1.0 mailbox routes the Bookings ONE app calls: the events of a user's (or a room's) default calendar
and sendMail, on the mailboxes of the tenant's Exchange state (exchange.py), so Graph and Exchange see the same
rooms and users.

Authorisation as Exchange Online decides it for app-only calls: the token's `roles` hold an Entra permission the
route's page lists (tenant-wide), or an Exchange RBAC for Applications role assignment of the calling app grants
the permission on this mailbox (exchange_rbac.app_allows; https://learn.microsoft.com/exchange/permissions-exo/
application-rbac: the two are additive). Otherwise 403 ErrorAccessDenied. An unknown mailbox is 404 first: Exchange
needs the mailbox to evaluate a scope.

Events are kept per mailbox in the tenant's `exchange` section (`calendars: {alias: [event]}`), sent mail saved to
Sent Items in `sent_items: {alias: [message]}`.
"""

from __future__ import annotations

import base64
import copy
import datetime
import re
import uuid
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emulator import exchange, exchange_rbac, odata
from emulator.graph_routes import roles, route

USER = r'/users/(?P<user>[^/]+)'
# https://learn.microsoft.com/graph/api/user-list-events#permissions (Application; Calendars.ReadBasic is left out:
# RBAC for Applications has no role for it and it would cut the properties served, stricter)
READ_EVENTS = ('Calendars.Read', 'Calendars.ReadWrite')
# https://learn.microsoft.com/graph/api/user-post-events#permissions
WRITE_EVENTS = ('Calendars.ReadWrite',)
# https://learn.microsoft.com/graph/api/user-sendmail#permissions
SEND_MAIL = ('Mail.Send',)
# Outlook pages events by 10 unless $top says otherwise (the emulator's own page size when that is smaller).
EVENTS_PAGE = 10
DENIED = 'Access is denied. Check credentials and try again.'
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
# https://learn.microsoft.com/graph/api/resources/message#properties
MESSAGE_PROPERTIES = (
    'bccRecipients', 'body', 'bodyPreview', 'categories', 'ccRecipients', 'changeKey', 'conversationId',
    'conversationIndex', 'createdDateTime', 'flag', 'from', 'hasAttachments', 'id', 'importance',
    'inferenceClassification', 'internetMessageHeaders', 'internetMessageId', 'isDeliveryReceiptRequested', 'isDraft',
    'isRead', 'isReadReceiptRequested', 'lastModifiedDateTime', 'parentFolderId', 'receivedDateTime', 'replyTo',
    'sender', 'sentDateTime', 'subject', 'toRecipients', 'uniqueBody', 'webLink', 'attachments', 'extensions',
    'multiValueExtendedProperties', 'singleValueExtendedProperties')
MESSAGE_WRITABLE = ('bccRecipients', 'body', 'categories', 'ccRecipients', 'from', 'importance',
                    'internetMessageHeaders', 'isDeliveryReceiptRequested', 'isReadReceiptRequested', 'replyTo',
                    'sender', 'subject', 'toRecipients', 'attachments', 'flag')
# https://learn.microsoft.com/graph/api/resources/location#properties
LOCATION_PROPERTIES = ('address', 'coordinates', 'displayName', 'locationEmailAddress', 'locationType', 'locationUri',
                       'uniqueId', 'uniqueIdType')
RECIPIENT_LISTS = ('toRecipients', 'ccRecipients', 'bccRecipients')
ADDRESS = re.compile(r'^[^@\s"<>]+@[^@\s"<>]+\.[^@\s"<>]+$')
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


# Mailbox and authorisation ------------------------------------------------------------------------------------

def _mailbox(request):
    """The mailbox /users/{id | userPrincipalName} names, or 404 as Graph answers for it."""
    key = unquote(request.match.group('user'))
    wanted = key.lower()
    found = next((r for r in request.tenant['exchange']['recipients'] if not exchange.is_group(r) and wanted in (
        (r.get('ExternalDirectoryObjectId') or '').lower(), (r.get('UserPrincipalName') or '').lower())), None)
    if found is None:
        request.fail(404, 'ErrorInvalidUser', "The requested user '%s' is invalid." % key)
    if found['RecipientTypeDetails'] not in exchange.MAILBOX_KINDS:  # a mail user has no mailbox here
        request.fail(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted '
                                                         'on-premise.')
    return key, found


def _authorise(request, mailbox, accepted, permission):
    """The Entra grant (roles) or an Exchange RBAC grant for this mailbox to the calling app (appid, azp in v2)."""
    if roles(request) & set(accepted):
        return
    claims = request.claims
    if exchange_rbac.app_allows(request.tenant['exchange'], claims.get('appid') or claims.get('azp'), permission,
                                mailbox['PrimarySmtpAddress'], claims.get('oid')):
        return
    request.fail(403, 'ErrorAccessDenied', DENIED)


# Values ------------------------------------------------------------------------------------------------------

def _property_error(request, name, type_name):
    request.fail(400, 'RequestBodyRead', "The property '%s' does not exist on type '%s'. Make sure to only use "
                                         "property names that are defined by the type or mark the type as open type."
                 % (name, type_name))


def _type_error(request, edm):
    request.fail(400, 'RequestBodyRead', "Cannot convert a primitive value to the expected type '%s'. See the inner "
                                         "exception for more details." % edm)


def _check_properties(request, obj, known, writable, type_name):
    if not isinstance(obj, dict):
        _type_error(request, type_name)
    for name in obj:
        if name == '@odata.type':
            continue
        if name not in known:
            _property_error(request, name, type_name)
        if name not in writable:
            # [unverified wording] Graph documents these as read-only; the emulator refuses them being sent.
            request.fail(400, 'ErrorInvalidProperty', "The property '%s' is read-only and can't be set." % name)


def _enum(request, name, value):
    if not isinstance(value, str) or value.lower() not in [v.lower() for v in ENUMS[name]]:
        request.fail(400, 'RequestBodyRead', "Requested value '%s' was not found." % value)
    return next(v for v in ENUMS[name] if v.lower() == value.lower())


def _string(request, value, nullable=True):
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        _type_error(request, 'Edm.String')
    return value


def _strings(request, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _type_error(request, 'Collection(Edm.String)')
    return list(value)


def _body(request, value):
    """itemBody: {contentType text|html, content}; Outlook stores html unless told text."""
    if value is None:
        return {'contentType': 'html', 'content': ''}
    _check_properties(request, value, ('contentType', 'content'), ('contentType', 'content'),
                      'Microsoft.OutlookServices.ItemBody')
    return {'contentType': _enum(request, 'contentType', value.get('contentType', 'text')),
            'content': _string(request, value.get('content')) or ''}


def _email_address(request, value, directory):
    if not isinstance(value, dict) or not isinstance(value.get('emailAddress'), dict):
        _type_error(request, 'Microsoft.OutlookServices.Recipient')
    address = value['emailAddress'].get('address')
    if not isinstance(address, str) or not address.strip():
        request.fail(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid., A recipient's address is "
                                                    "missing.")
    known = directory.get(address.lower())
    name = value['emailAddress'].get('name') or (known and known['DisplayName']) or address
    return {'name': _string(request, name), 'address': address}


# Time -------------------------------------------------------------------------------------------------------

def _zone(name):
    """ZoneInfo of a Windows, IANA or UTC time zone name, or None."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone_refused(request, name):
    request.fail(400, 'TimeZoneNotSupportedException', "A valid TimeZone value must be specified. The following "
                                                       "TimeZone value is not supported: '%s'." % (name or ''))


def _instant(request, value, what):
    """dateTimeTimeZone -> (aware UTC datetime, time zone name)."""
    if not isinstance(value, dict):
        _type_error(request, 'Microsoft.OutlookServices.DateTimeTimeZone')
    _check_properties(request, value, ('dateTime', 'timeZone'), ('dateTime', 'timeZone'),
                      'Microsoft.OutlookServices.DateTimeTimeZone')
    match = DATE_TIME.match(str(value.get('dateTime') or '').strip())
    if not match:
        # [unverified wording] an offset or 'Z' is refused too: the time zone says where the time is
        request.fail(400, 'ErrorInvalidRequest', "The value of '%s.dateTime' isn't a valid date and time: '%s'."
                     % (what, value.get('dateTime')))
    zone = _zone(value.get('timeZone'))
    if zone is None:
        _zone_refused(request, value.get('timeZone'))
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        local = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                                  int((fraction or '0').ljust(7, '0')[:6]), tzinfo=zone)
    except ValueError:
        request.fail(400, 'ErrorInvalidRequest', "The value of '%s.dateTime' isn't a valid date and time: '%s'."
                     % (what, value.get('dateTime')))
    return local.astimezone(datetime.timezone.utc), value['timeZone']


def _stamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + '%07d' % (moment.microsecond * 10)


def _now():
    return _stamp(datetime.datetime.now(datetime.timezone.utc)) + 'Z'


def _output_zone(request):
    """Times come back in UTC unless `Prefer: outlook.timezone="..."` asks for another zone."""
    found = TIMEZONE_PREFERENCE.search(request.headers.get('prefer') or '')
    if not found:
        return 'UTC', ZoneInfo('UTC')
    zone = _zone(found.group(1))
    if zone is None:
        _zone_refused(request, found.group(1))
    return found.group(1), zone


def _item_id():
    """An Outlook item id: opaque, URL-safe base64 (the service's are longer and start AAMk)."""
    return 'AAMk' + base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()


# Events -----------------------------------------------------------------------------------------------------

def _events_path(key):
    return "users('%s')/calendar/events" % quote(key, safe='@')


def _new_event(request, mailbox, body):
    """An event as Outlook creates it from what the request gave (https://learn.microsoft.com/graph/api/
    user-post-events); the bookkeeping keys _start/_end hold the instants (UTC) the times name."""
    _check_properties(request, body, EVENT_PROPERTIES + EVENT_NAVIGATION, EVENT_WRITABLE,
                      'Microsoft.OutlookServices.Event')
    if 'start' not in body or 'end' not in body:
        # [unverified wording] Graph's answer to an event without start or end is not documented
        request.fail(400, 'ErrorInvalidRequest', 'An event needs both start and end (dateTime and timeZone).')
    start, start_zone = _instant(request, body['start'], 'start')
    end, end_zone = _instant(request, body['end'], 'end')
    if end < start:
        request.fail(400, 'ErrorCalendarEndDateIsEarlierThanStartDate', 'The end date occurs before the start date.')
    if body.get('recurrence') is not None:
        request.fail(400, 'ErrorInvalidRequest', 'The emulator does not expand recurring events; send single '
                                                 'instances.')
    state = request.tenant['exchange']
    directory = dict((r['PrimarySmtpAddress'].lower(), r) for r in state['recipients'] if r.get('PrimarySmtpAddress'))
    owner = {'emailAddress': {'name': mailbox['DisplayName'], 'address': mailbox['PrimarySmtpAddress']}}
    if body.get('organizer') is not None:
        given = _email_address(request, body['organizer'], directory)
        if given['address'].lower() != mailbox['PrimarySmtpAddress'].lower():
            request.fail(400, 'ErrorInvalidRequest', "The organizer of an event created in a mailbox is its owner, "
                                                     "'%s'." % mailbox['PrimarySmtpAddress'])
    event = _event_fields(request, body)
    event.update(_event_places(request, body), attendees=_event_attendees(request, body, directory), organizer=owner,
                 originalStartTimeZone=start_zone, originalEndTimeZone=end_zone, _start=start.isoformat(),
                 _end=end.isoformat())
    return event


def _event_attendees(request, body, directory):
    """The attendees as Outlook keeps them: each with no response yet."""
    attendees = []
    for attendee in body.get('attendees') or []:
        if not isinstance(attendee, dict):
            _type_error(request, 'Microsoft.OutlookServices.Attendee')
        _check_properties(request, attendee, ('emailAddress', 'type', 'status', 'proposedNewTime'),
                          ('emailAddress', 'type'), 'Microsoft.OutlookServices.Attendee')
        attendees.append({'type': _enum(request, 'type', attendee.get('type', 'required')),
                          'status': {'response': 'none', 'time': NEVER},
                          'emailAddress': _email_address(request, attendee, directory)})
    return attendees


def _event_places(request, body):
    """location (as shown, with Outlook's defaults) and locations."""
    location = body.get('location')
    if location is not None:
        _check_properties(request, location, LOCATION_PROPERTIES, LOCATION_PROPERTIES,
                          'Microsoft.OutlookServices.Location')
        _string(request, location.get('displayName'))
    shown_location = dict({'displayName': '', 'locationType': 'default', 'uniqueIdType': 'unknown', 'address': {},
                           'coordinates': {}}, **(location or {}))
    locations = body.get('locations')
    if locations is None:
        locations = [shown_location] if shown_location['displayName'] else []
    elif not isinstance(locations, list) or not all(isinstance(item, dict) for item in locations):
        _type_error(request, 'Collection(Microsoft.OutlookServices.Location)')
    return dict(location=shown_location, locations=locations)


def _event_fields(request, body):
    """The event's own properties, with Outlook's defaults for what the request left out."""
    for name in BOOLEANS:
        if name in body and not isinstance(body[name], bool):
            _type_error(request, 'Edm.Boolean')
    minutes = body.get('reminderMinutesBeforeStart', 15)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        _type_error(request, 'Edm.Int32')
    content = _body(request, body.get('body'))
    item_id, change_key, now = _item_id(), base64.b64encode(uuid.uuid4().bytes).decode()[:22], _now()
    return {
        '@odata.etag': 'W/"%s"' % change_key, 'id': item_id, 'createdDateTime': now, 'lastModifiedDateTime': now,
        'changeKey': change_key, 'categories': _strings(request, body.get('categories', [])),
        'transactionId': _string(request, body.get('transactionId')),
        'iCalUId': '040000008200E00074C5B7101A82E008' + uuid.uuid4().hex.upper(),
        'reminderMinutesBeforeStart': minutes, 'isReminderOn': body.get('isReminderOn', True),
        'hasAttachments': False, 'subject': _string(request, body.get('subject')) or '',
        'bodyPreview': content['content'][:255] if content['contentType'] == 'text' else
        re.sub(r'<[^>]*>', '', content['content'])[:255],
        'importance': _enum(request, 'importance', body.get('importance', 'normal')),
        'sensitivity': _enum(request, 'sensitivity', body.get('sensitivity', 'normal')),
        'isAllDay': body.get('isAllDay', False), 'isCancelled': False, 'isOrganizer': True,
        'responseRequested': body.get('responseRequested', True), 'seriesMasterId': None,
        'showAs': _enum(request, 'showAs', body.get('showAs', 'busy')), 'type': 'singleInstance',
        'webLink': 'https://outlook.office365.com/owa/?itemid=%s&exvsurl=1&path=/calendar/item' % quote(item_id),
        'onlineMeetingUrl': None, 'isOnlineMeeting': body.get('isOnlineMeeting', False),
        'onlineMeetingProvider': _enum(request, 'onlineMeetingProvider', body.get('onlineMeetingProvider',
                                                                                  'unknown')),
        'allowNewTimeProposals': body.get('allowNewTimeProposals', True), 'isDraft': False,
        'hideAttendees': body.get('hideAttendees', False), 'recurrence': None, 'onlineMeeting': None,
        'responseStatus': {'response': 'organizer', 'time': NEVER}, 'body': content, 'start': None, 'end': None,
    }


def _event_view(event, zone_name, zone):
    """An event as served: start and end in the zone asked for, without the bookkeeping keys."""
    view = dict((k, copy.deepcopy(v)) for k, v in event.items() if not k.startswith('_'))
    for side in ('start', 'end'):
        moment = datetime.datetime.fromisoformat(event['_' + side]).astimezone(zone)
        view[side] = {'dateTime': _stamp(moment), 'timeZone': zone_name}
    return view


# https://learn.microsoft.com/graph/api/user-list-events (/users/{id}/events)
# https://learn.microsoft.com/graph/api/calendar-list-events (/users/{id}/calendar/events)
@route('GET', USER + r'(?:/calendar)?/events')
def list_events(request):
    key, mailbox = _mailbox(request)
    _authorise(request, mailbox, READ_EVENTS, 'Calendars.Read')
    zone_name, zone = _output_zone(request)
    events = (request.tenant['exchange'].get('calendars') or {}).get(mailbox['Identity'], [])
    shown = [_event_view(e, zone_name, zone) for e in events]
    return 200, odata.collection(request, shown, 'event', _events_path(key), EVENT_TEMPLATE,
                                 page_size=min(EVENTS_PAGE, request.emulator.page_size))


# https://learn.microsoft.com/graph/api/user-post-events (/users/{id}/events)
# https://learn.microsoft.com/graph/api/calendar-post-events (/users/{id}/calendar/events)
@route('POST', USER + r'(?:/calendar)?/events')
def create_event(request):
    body = request.json_object()
    key, mailbox = _mailbox(request)
    _authorise(request, mailbox, WRITE_EVENTS, 'Calendars.ReadWrite')
    zone_name, zone = _output_zone(request)
    event = _new_event(request, mailbox, body)
    request.tenant['exchange'].setdefault('calendars', {}).setdefault(mailbox['Identity'], []).append(event)
    return 201, dict({'@odata.context': odata.context(request, _events_path(key), entity=True)},
                     **_event_view(event, zone_name, zone))


# Mail -------------------------------------------------------------------------------------------------------

def _message(request, mailbox, message):
    """The message of a sendMail request checked as Outlook checks it before it is submitted."""
    if message is None or message == {}:
        request.fail(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.")
    _check_properties(request, message, MESSAGE_PROPERTIES, MESSAGE_WRITABLE, 'Microsoft.OutlookServices.Message')
    state = request.tenant['exchange']
    directory = dict((r['PrimarySmtpAddress'].lower(), r) for r in state['recipients'] if r.get('PrimarySmtpAddress'))
    lists = {}
    for name in RECIPIENT_LISTS + ('replyTo',):
        value = message.get(name) or []
        if not isinstance(value, list):
            _type_error(request, 'Collection(Microsoft.OutlookServices.Recipient)')
        lists[name] = [{'emailAddress': _email_address(request, item, directory)} for item in value]
        for item in lists[name]:
            if not ADDRESS.match(item['emailAddress']['address']):
                request.fail(400, 'ErrorInvalidRecipients', 'At least one recipient isn\'t valid., Recipient "%s" '
                                                            'isn\'t resolved. All recipients must be resolved before '
                                                            'a message can be submitted.'
                             % item['emailAddress']['address'])
    if not any(lists[name] for name in RECIPIENT_LISTS):
        request.fail(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid., A message can't be sent "
                                                    "because it contains no recipients.")
    owner = {'emailAddress': {'name': mailbox['DisplayName'], 'address': mailbox['PrimarySmtpAddress']}}
    for name in ('from', 'sender'):
        if message.get(name) is not None:
            given = _email_address(request, message[name], directory)
            if given['address'].lower() != mailbox['PrimarySmtpAddress'].lower():
                # Sending as another mailbox needs SendAs on it, which app-only callers do not hold here.
                request.fail(403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does '
                                                       'not have the right to send mail on behalf of the specified '
                                                       'sending account., Cannot submit message.')
    attachments = message.get('attachments') or []
    if not isinstance(attachments, list) or not all(isinstance(a, dict) and a.get('@odata.type') in (
            '#microsoft.graph.fileAttachment', '#microsoft.graph.itemAttachment') for a in attachments):
        _type_error(request, 'Collection(Microsoft.OutlookServices.Attachment)')
    now = _now()
    return dict(lists, **{
        'id': _item_id(), 'createdDateTime': now, 'lastModifiedDateTime': now, 'sentDateTime': now,
        'subject': _string(request, message.get('subject')) or '', 'body': _body(request, message.get('body')),
        'importance': _enum(request, 'importance', message.get('importance', 'normal')),
        'categories': _strings(request, message.get('categories', [])), 'hasAttachments': bool(attachments),
        'from': owner, 'sender': owner, 'isDraft': False, 'isRead': True,
        'internetMessageId': '<%s@%s>' % (uuid.uuid4().hex.upper(), mailbox['PrimarySmtpAddress'].split('@')[1]),
    })


# https://learn.microsoft.com/graph/api/user-sendmail
@route('POST', USER + r'/sendMail')
def send_mail(request):
    body = request.json_object()
    _key, mailbox = _mailbox(request)
    _authorise(request, mailbox, SEND_MAIL, 'Mail.Send')
    for name in body:
        if name not in ('message', 'saveToSentItems'):
            request.fail(400, 'RequestBodyRead', "The parameter '%s' in the request payload is not a valid "
                                                 "parameter for the operation 'sendMail'." % name)
    save = body.get('saveToSentItems', True)
    if not isinstance(save, bool):
        _type_error(request, 'Edm.Boolean')
    message = _message(request, mailbox, body.get('message'))
    if save:
        request.tenant['exchange'].setdefault('sent_items', {}).setdefault(mailbox['Identity'], []).append(message)
    return 202, None
