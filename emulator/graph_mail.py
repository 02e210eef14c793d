"""Graph v1.0 mailbox routes the Bookings ONE app calls: the events of a user's (or a room's) default calendar (list,
create, get, delete), the messages of its mailbox (list) and sendMail, on the mailboxes of the tenant's Exchange state
(exchange.py), so Graph and Exchange see the same rooms and users. Events and messages are built in graph_events.py;
a new event with a room among its attendees is processed by the room's resource booking attendant
(booking_attendant.py) before the answer.

Authorisation as Exchange Online decides it for app-only calls: the token's `roles` hold an Entra permission the
route's page lists (tenant-wide), or an Exchange RBAC for Applications role assignment of the calling app grants
the permission on this mailbox (exchange_rbac.app_allows; https://learn.microsoft.com/exchange/permissions-exo/
application-rbac: the two are additive). Otherwise 403 ErrorAccessDenied. An unknown mailbox is 404 first: Exchange
needs the mailbox to evaluate a scope. Every route is in this module: graph_routes keeps a signed-in user to their
own mailbox here.

Kept per mailbox alias in the tenant's `exchange` section: `calendars` (events), `inbox` (messages received, such as
the booking attendant's meeting requests and responses) and `sent_items` (sendMail's saved copies).
"""

from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import quote, unquote

from emulator import booking_attendant, exchange, exchange_rbac, odata
from emulator.graph_events import (EVENT_TEMPLATE, calendar, check_properties, directory, email_address,
                                   enum, event_view, events_path, item_body, mail_folder, new_event, new_message,
                                   output_zone, recipient, string, strings, type_error)
from emulator.graph_routes import roles, route

USER = r'/users/(?P<user>[^/]+)'
EVENT = USER + r'(?:/calendar)?/events/(?P<event>[^/]+)'
# https://learn.microsoft.com/graph/api/user-list-events#permissions (Application; Calendars.ReadBasic is left out:
# RBAC for Applications has no role for it and it would cut the properties served, stricter). event-get: the same.
READ_EVENTS = ('Calendars.Read', 'Calendars.ReadWrite')
# https://learn.microsoft.com/graph/api/user-post-events#permissions and event-delete#permissions
WRITE_EVENTS = ('Calendars.ReadWrite',)
# https://learn.microsoft.com/graph/api/user-sendmail#permissions
SEND_MAIL = ('Mail.Send',)
# https://learn.microsoft.com/graph/api/user-list-messages#permissions and mailfolder-list-messages (Application)
READ_MAIL = ('Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite')
# What Mail.ReadBasic.All does not read: "all properties except body, previewBody, attachments and any extended
# properties" (https://learn.microsoft.com/graph/permissions-reference#mailreadbasicall); uniqueBody is a body.
FULL_READ = ('Mail.Read', 'Mail.ReadWrite')
BODIES = ('body', 'bodyPreview', 'uniqueBody')
# Outlook pages events and messages by 10 unless $top says otherwise (the emulator's own page size when smaller).
ITEMS_PAGE = 10
DENIED = 'Access is denied. Check credentials and try again.'
# The well-known mail folders kept here (https://learn.microsoft.com/graph/api/resources/mailfolder, "Use well-known
# folder names") and their keys in the Exchange state; /messages lists them all.
FOLDERS = {'inbox': 'inbox', 'sentitems': 'sent_items'}

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
MESSAGE_NAVIGATION = ('attachments', 'extensions', 'multiValueExtendedProperties', 'singleValueExtendedProperties')
# $select takes a message's structural properties; uniqueBody and internetMessageHeaders only come when selected.
MESSAGE_TEMPLATE = dict.fromkeys(p for p in MESSAGE_PROPERTIES if p not in MESSAGE_NAVIGATION)
NOT_DEFAULT = ('uniqueBody', 'internetMessageHeaders')
RECIPIENT_LISTS = ('toRecipients', 'ccRecipients', 'bccRecipients')
ADDRESS = re.compile(r'^[^@\s"<>]+@[^@\s"<>]+\.[^@\s"<>]+$')


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


def _granted(request, mailbox, accepted, permission):
    """The Entra grant (roles) or an Exchange RBAC grant for this mailbox to the calling app (appid, azp in v2)."""
    if roles(request) & set(accepted):
        return True
    claims = request.claims
    return exchange_rbac.app_allows(request.tenant['exchange'], claims.get('appid') or claims.get('azp'), permission,
                                    mailbox['PrimarySmtpAddress'], claims.get('oid'))


def _authorise(request, mailbox, accepted, permission):
    if not _granted(request, mailbox, accepted, permission):
        request.fail(403, 'ErrorAccessDenied', DENIED)


# Events -----------------------------------------------------------------------------------------------------

def _event(request, mailbox):
    """The event /events/{id} names in the mailbox's calendar, or 404 as Outlook answers for it."""
    wanted = unquote(request.match.group('event'))
    found = next((e for e in calendar(request.tenant['exchange'], mailbox['Identity']) if e['id'] == wanted), None)
    if found is None:
        request.fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.')
    return found


# https://learn.microsoft.com/graph/api/user-list-events (/users/{id}/events)
# https://learn.microsoft.com/graph/api/calendar-list-events (/users/{id}/calendar/events)
@route('GET', USER + r'(?:/calendar)?/events')
def list_events(request):
    key, mailbox = _mailbox(request)
    _authorise(request, mailbox, READ_EVENTS, 'Calendars.Read')
    zone_name, zone = output_zone(request)
    events = (request.tenant['exchange'].get('calendars') or {}).get(mailbox['Identity'], [])
    shown = [event_view(e, zone_name, zone) for e in events]
    # an event's copies in attendees' calendars share its iCalUId, which clients find them by
    # https://learn.microsoft.com/graph/api/resources/event (iCalUId)
    return 200, odata.collection(request, shown, 'event', events_path(key), EVENT_TEMPLATE, filterable=('iCalUId',),
                                 page_size=min(ITEMS_PAGE, request.emulator.page_size))


# https://learn.microsoft.com/graph/api/user-post-events (/users/{id}/events)
# https://learn.microsoft.com/graph/api/calendar-post-events (/users/{id}/calendar/events)
@route('POST', USER + r'(?:/calendar)?/events')
def create_event(request):
    body = request.json_object()
    key, mailbox = _mailbox(request)
    _authorise(request, mailbox, WRITE_EVENTS, 'Calendars.ReadWrite')
    zone_name, zone = output_zone(request)
    event = new_event(request, mailbox, body)
    state = request.tenant['exchange']
    calendar(state, mailbox['Identity']).append(event)
    booking_attendant.process(state, mailbox, event)
    return 201, dict({'@odata.context': odata.context(request, events_path(key), entity=True)},
                     **event_view(event, zone_name, zone))


# https://learn.microsoft.com/graph/api/event-get (/users/{id}/events/{id}, /users/{id}/calendar/events/{id})
@route('GET', EVENT)
def get_event(request):
    key, mailbox = _mailbox(request)
    _authorise(request, mailbox, READ_EVENTS, 'Calendars.Read')
    zone_name, zone = output_zone(request)
    return 200, odata.entity(request, event_view(_event(request, mailbox), zone_name, zone), 'event',
                             events_path(key))


# https://learn.microsoft.com/graph/api/event-delete: the organizer deleting a meeting cancels it
# (booking_attendant.cancel says what the rooms and delegates then hold).
@route('DELETE', EVENT)
def delete_event(request):
    _key, mailbox = _mailbox(request)
    _authorise(request, mailbox, WRITE_EVENTS, 'Calendars.ReadWrite')
    event = _event(request, mailbox)
    state = request.tenant['exchange']
    calendar(state, mailbox['Identity']).remove(event)
    if event['isOrganizer']:
        booking_attendant.cancel(state, mailbox, event)
    return 204, None


# Messages ---------------------------------------------------------------------------------------------------

def _folder_id(mailbox, folder):
    """A mail folder's id: opaque and stable per mailbox and folder."""
    return 'AAMkAGI' + base64.urlsafe_b64encode(
        uuid.uuid5(uuid.NAMESPACE_URL, '%s/%s' % (mailbox['ExternalDirectoryObjectId'], folder)).bytes).decode()


def _folders(request, mailbox):
    """The folders a messages request reads: all of them, or the one /mailFolders/{id} names (well-known name or
    id)."""
    if request.match.group('folder') is None:
        return list(FOLDERS.values())
    wanted = unquote(request.match.group('folder'))
    for name, folder in FOLDERS.items():
        if wanted.lower() == name or wanted == _folder_id(mailbox, folder):
            return [folder]
    return request.fail(400, 'ErrorInvalidIdMalformed', 'Id is malformed.')


def _message_view(mailbox, folder, message, bodies, selecting):
    """A message as served: in its folder, without bookkeeping keys; the bodies only to a caller that may read them,
    uniqueBody and internetMessageHeaders only when selected; a derived type (eventMessageRequest,
    eventMessageResponse) carries its @odata.type, as in Graph's collections."""
    view = dict((k, v) for k, v in message.items() if not k.startswith('_'))
    view.update(parentFolderId=_folder_id(mailbox, folder), uniqueBody=message.get('uniqueBody', message['body']),
                internetMessageHeaders=message.get('internetMessageHeaders', []))
    for name in (() if selecting else NOT_DEFAULT) + (() if bodies else BODIES):
        view.pop(name, None)
    return view


# https://learn.microsoft.com/graph/api/user-list-messages (/users/{id}/messages: every folder's, newest first)
# https://learn.microsoft.com/graph/api/mailfolder-list-messages (/users/{id}/mailFolders/{id}/messages)
@route('GET', USER + r'(?:/mailFolders/(?P<folder>[^/]+))?/messages')
def list_messages(request):
    key, mailbox = _mailbox(request)
    _authorise(request, mailbox, READ_MAIL, 'Mail.ReadBasic')
    bodies = _granted(request, mailbox, FULL_READ, 'Mail.Read')
    state, folder = request.tenant['exchange'], request.match.group('folder')
    shown = [_message_view(mailbox, name, m, bodies, bool(request.query.get('$select')))
             for name in _folders(request, mailbox) for m in (state.get(name) or {}).get(mailbox['Identity'], [])]
    shown.sort(key=lambda m: m['receivedDateTime'], reverse=True)
    path = "users('%s')/%smessages" % (quote(key, safe='@'), "mailFolders('%s')/" % unquote(folder) if folder else '')
    return 200, odata.collection(request, shown, 'message', path, MESSAGE_TEMPLATE,
                                 page_size=min(ITEMS_PAGE, request.emulator.page_size))


# Mail -------------------------------------------------------------------------------------------------------

def _recipient_lists(request, message, known):
    lists = {}
    for name in RECIPIENT_LISTS + ('replyTo',):
        value = message.get(name) or []
        if not isinstance(value, list):
            type_error(request, 'Collection(Microsoft.OutlookServices.Recipient)')
        lists[name] = [{'emailAddress': email_address(request, item, known)} for item in value]
        for item in lists[name]:
            if not ADDRESS.match(item['emailAddress']['address']):
                request.fail(400, 'ErrorInvalidRecipients', 'At least one recipient isn\'t valid., Recipient "%s" '
                                                            'isn\'t resolved. All recipients must be resolved before '
                                                            'a message can be submitted.'
                             % item['emailAddress']['address'])
    if not any(lists[name] for name in RECIPIENT_LISTS):
        request.fail(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid., A message can't be sent "
                                                    "because it contains no recipients.")
    return lists


def _message(request, mailbox, message):
    """The message of a sendMail request checked as Outlook checks it before it is submitted."""
    if message is None or message == {}:
        request.fail(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.")
    check_properties(request, message, MESSAGE_PROPERTIES, MESSAGE_WRITABLE, 'Microsoft.OutlookServices.Message')
    known = directory(request.tenant['exchange'])
    lists = _recipient_lists(request, message, known)
    for name in ('from', 'sender'):
        if message.get(name) is not None:
            given = email_address(request, message[name], known)
            if given['address'].lower() != mailbox['PrimarySmtpAddress'].lower():
                # Sending as another mailbox needs SendAs on it, which app-only callers do not hold here.
                request.fail(403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does '
                                                       'not have the right to send mail on behalf of the specified '
                                                       'sending account., Cannot submit message.')
    attachments = message.get('attachments') or []
    if not isinstance(attachments, list) or not all(isinstance(a, dict) and a.get('@odata.type') in (
            '#microsoft.graph.fileAttachment', '#microsoft.graph.itemAttachment') for a in attachments):
        type_error(request, 'Collection(Microsoft.OutlookServices.Attachment)')
    return new_message(recipient(mailbox), string(request, message.get('subject')) or '',
                       item_body(request, message.get('body')), lists['toRecipients'], lists['ccRecipients'],
                       bccRecipients=lists['bccRecipients'], replyTo=lists['replyTo'], isRead=True,
                       importance=enum(request, 'importance', message.get('importance', 'normal')),
                       categories=strings(request, message.get('categories', [])), hasAttachments=bool(attachments))


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
        type_error(request, 'Edm.Boolean')
    message = _message(request, mailbox, body.get('message'))
    if save:
        mail_folder(request.tenant['exchange'], mailbox['Identity'], 'sent_items').append(message)
    return 202, None
