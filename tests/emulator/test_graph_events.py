"""One event (get, with $select; delete) and a mailbox's messages (list, per folder), authorised as the other mailbox
routes: an Entra application permission reaches every mailbox, an Exchange RBAC for Applications assignment the
mailboxes of its scope; Mail.ReadBasic.All reads no bodies."""

from __future__ import annotations

import datetime
import itertools

import pytest
from graph_schema import needs_schema, properties
from emulator_client import app_token, error_code, new_app

DOMAIN = 'contoso.onmicrosoft.com'
ORGANIZER, ATTENDEE, ROOM, SCOPED_ROOM = ('diego@' + DOMAIN, 'alice@' + DOMAIN, 'annex@' + DOMAIN,
                                          'focus-1@' + DOMAIN)
EVENT = {'subject': 'Quarterly review', 'showAs': 'tentative', 'body': {'contentType': 'text', 'content': 'Numbers'},
         'attendees': [{'emailAddress': {'address': ATTENDEE}, 'type': 'required'},
                       {'emailAddress': {'address': ROOM}, 'type': 'resource'}]}


def exo(client, cmdlet, parameters):
    answer = client.exo(client.tenant(1), cmdlet, parameters)
    assert answer.status_code == 200, answer.text
    return answer.json()['value']


class Apps(object):
    """Contoso apps by what they were granted: Entra permissions, or RBAC for Applications roles scoped to the group
    holding the room focus-1."""

    def __init__(self, client):
        self.client, self.tenant = client, client.tenant(1)
        self.tokens = {}
        for name, graph in (('calendar', ['Calendars.ReadWrite', 'Mail.Send']), ('mail', ['Mail.Read']),
                            ('basic', ['Mail.ReadBasic.All']), ('none', ['User.Read.All'])):
            app_id, _sp, _object, secret = new_app(client, self.tenant, 'Events ' + name, graph)
            self.tokens[name] = app_token(client, self.tenant, app_id, secret)
        app_id, principal, _object, secret = new_app(client, self.tenant, 'Events scoped')
        group = exo(client, 'New-DistributionGroup', {'Name': 'Scoped rooms', 'Type': 'Security',
                                                      'Members': [SCOPED_ROOM]})[0]
        exo(client, 'New-ServicePrincipal', {'AppId': app_id, 'ObjectId': principal})
        exo(client, 'New-ManagementScope', {'Name': 'Scoped rooms', 'RecipientRestrictionFilter':
                                            "MemberOfGroup -eq '%s'" % group['DistinguishedName']})
        for role in ('Application Calendars.Read', 'Application Mail.ReadBasic'):
            exo(client, 'New-ManagementRoleAssignment', {'App': principal, 'Role': role,
                                                         'CustomResourceScope': 'Scoped rooms'})
        self.tokens['scoped'] = app_token(client, self.tenant, app_id, secret)

    def call(self, who, method, path, body=None, headers=None):
        return self.client.graph(self.tenant, method, path, body, token=self.tokens[who], headers=headers)

    days = itertools.count(10)

    def create(self, mailbox=ORGANIZER, **changes):
        """A new event 09:00-10:00 in Berlin, each on a day of its own (the room would decline an overlap)."""
        day = (datetime.date.today() + datetime.timedelta(days=next(self.days))).isoformat()
        times = dict((side, {'dateTime': '%sT%s:00:00' % (day, hour), 'timeZone': 'W. Europe Standard Time'})
                     for side, hour in (('start', '09'), ('end', '10')))
        created = self.call('calendar', 'POST', '/users/%s/events' % mailbox, dict(EVENT, **dict(times, **changes)))
        assert created.status_code == 201, created.text
        return created.json()


@pytest.fixture(scope='module')
def apps(client):
    return Apps(client)


def test_an_event_by_id_as_created(apps):
    event = apps.create()
    assert event['showAs'] == 'tentative'  # the organizer's own free/busy, as sent
    assert [(a['type'], a['status']['response']) for a in event['attendees']] == [('required', 'none'),
                                                                                  ('resource', 'accepted')]
    for path in ('/users/%s/events/%s', '/users/%s/calendar/events/%s'):
        read = apps.call('calendar', 'GET', path % (ORGANIZER, event['id']))
        assert read.status_code == 200, read.text
        assert dict(read.json(), **{'@odata.context': None}) == dict(event, **{'@odata.context': None})
        assert read.json()['@odata.context'].endswith("/$metadata#users('%s')/calendar/events/$entity" % ORGANIZER)


def test_select_and_the_time_zone_asked_for(client, apps):
    event = apps.create()
    read = apps.call('calendar', 'GET', '/users/%s/events/%s?$select=subject,start' % (ORGANIZER, event['id']),
                     headers={'Prefer': 'outlook.timezone="W. Europe Standard Time"'}).json()
    assert set(read) == {'@odata.context', 'id', 'subject', 'start'}
    assert read['start'] == {'dateTime': event['start']['dateTime'][:11] + '09:00:00.0000000',
                             'timeZone': 'W. Europe Standard Time'}
    assert read['@odata.context'].endswith('/calendar/events(subject,start)/$entity')
    diego = next(u['id'] for u in client.seed['tenants'][1]['users'] if u['userPrincipalName'] == ORGANIZER)
    assert apps.call('calendar', 'GET', '/users/%s/events/%s' % (diego, event['id'])).status_code == 200
    for query, code in (('$select=colour', 'Request_BadRequest'), ('$top=1', 'Request_BadRequest')):
        refused = apps.call('calendar', 'GET', '/users/%s/events/%s?%s' % (ORGANIZER, event['id'], query))
        assert refused.status_code == 400 and error_code(refused) == code


def test_an_event_of_another_mailbox_or_none_is_not_found(apps):
    event = apps.create()
    for mailbox, key in ((ATTENDEE, event['id']), (ORGANIZER, 'AAMkNoSuchItem=')):
        missing = apps.call('calendar', 'GET', '/users/%s/events/%s' % (mailbox, key))
        assert missing.status_code == 404 and error_code(missing) == 'ErrorItemNotFound'


def test_delete_an_event(apps):
    event = apps.create()
    path = '/users/%s/events/%s' % (ORGANIZER, event['id'])
    deleted = apps.call('calendar', 'DELETE', path)
    assert deleted.status_code == 204 and deleted.content == b''
    assert apps.call('calendar', 'GET', path).status_code == 404
    assert apps.call('calendar', 'DELETE', path).status_code == 404
    room_copies = [e for e in apps.call('calendar', 'GET', '/users/%s/events?$top=100' % ROOM).json()['value']
                   if e['iCalUId'] == event['iCalUId']]
    assert [(c['isCancelled'], c['showAs'], c['subject']) for c in room_copies] == [
        (True, 'free', 'Canceled: Diego Siciliani')]
    own = apps.call('calendar', 'DELETE', '/users/%s/calendar/events/%s' % (ROOM, room_copies[0]['id']))
    assert own.status_code == 204  # an attendee's copy is just deleted


def test_event_routes_need_a_calendar_permission_or_a_scoped_role(apps):
    event = apps.create()
    for who in ('none', 'mail'):
        for method in ('GET', 'DELETE'):
            denied = apps.call(who, method, '/users/%s/events/%s' % (ORGANIZER, event['id']))
            assert denied.status_code == 403 and error_code(denied) == 'ErrorAccessDenied'
    in_scope = apps.create(mailbox=SCOPED_ROOM, attendees=[])
    path = '/users/%s/events/%s' % (SCOPED_ROOM, in_scope['id'])
    assert apps.call('scoped', 'GET', path).status_code == 200
    assert apps.call('scoped', 'DELETE', path).status_code == 403  # Calendars.Read does not delete
    assert apps.call('scoped', 'GET', '/users/%s/events/%s' % (ORGANIZER, event['id'])).status_code == 403


def test_messages_of_a_mailbox_and_its_folders(apps):
    sent = apps.call('calendar', 'POST', '/users/%s/sendMail' % ORGANIZER, {'message': {
        'subject': 'Minutes', 'body': {'contentType': 'text', 'content': 'Attached.'},
        'toRecipients': [{'emailAddress': {'address': ATTENDEE}}]}})
    assert sent.status_code == 202
    apps.create(subject='Messages check')  # the room's acceptance lands in the organizer's Inbox
    every = apps.call('mail', 'GET', '/users/%s/messages?$top=100' % ORGANIZER).json()
    assert every['@odata.context'].endswith("/$metadata#users('%s')/messages" % ORGANIZER)
    subjects = [m['subject'] for m in every['value']]
    assert subjects.index('Accepted: Messages check') < subjects.index('Minutes')  # newest first
    accepted = every['value'][subjects.index('Accepted: Messages check')]
    assert (accepted['@odata.type'], accepted['meetingMessageType'], accepted['responseType']) == (
        '#microsoft.graph.eventMessageResponse', 'meetingAccepted', 'accepted')
    assert 'uniqueBody' not in accepted  # only when selected
    inbox = apps.call('mail', 'GET', '/users/%s/mailFolders/Inbox/messages?$top=100' % ORGANIZER).json()['value']
    in_inbox = [m['subject'] for m in inbox]
    assert 'Minutes' not in in_inbox and 'Accepted: Messages check' in in_inbox
    folder = inbox[0]['parentFolderId']
    by_id = apps.call('mail', 'GET', '/users/%s/mailFolders/%s/messages?$top=100' % (ORGANIZER, folder)).json()['value']
    assert [m['id'] for m in by_id] == [m['id'] for m in inbox]
    sent_items = apps.call('mail', 'GET', '/users/%s/mailFolders/sentitems/messages' % ORGANIZER).json()['value']
    assert [m['subject'] for m in sent_items] == ['Minutes'] and '@odata.type' not in sent_items[0]
    unknown = apps.call('mail', 'GET', '/users/%s/mailFolders/Archive/messages' % ORGANIZER)
    assert unknown.status_code == 400 and error_code(unknown) == 'ErrorInvalidIdMalformed'


def test_select_and_paging_of_messages(apps):
    first = apps.call('mail', 'GET', '/users/%s/messages?$select=subject,uniqueBody' % ORGANIZER).json()
    assert len(first['value']) == 2 and '@odata.nextLink' in first  # the test emulator's page size
    assert set(first['value'][0]) == {'id', 'subject', 'uniqueBody'}
    assert apps.call('mail', 'GET', '/users/%s/messages?$select=meetingMessageType' % ORGANIZER).status_code == 400


def test_basic_mail_permissions_read_no_bodies(apps):
    apps.create(mailbox=SCOPED_ROOM, subject='Scoped mail', attendees=[{'emailAddress': {'address': ORGANIZER}}])
    apps.call('calendar', 'POST', '/users/%s/sendMail' % SCOPED_ROOM, {'message': {
        'subject': 'From the room', 'toRecipients': [{'emailAddress': {'address': ORGANIZER}}]}})
    for who, mailbox in (('basic', ORGANIZER), ('scoped', SCOPED_ROOM)):
        listed = apps.call(who, 'GET', '/users/%s/messages?$top=100' % mailbox)
        assert listed.status_code == 200, listed.text
        assert listed.json()['value'] and not any({'body', 'bodyPreview'} & set(m) for m in listed.json()['value'])
    full = apps.call('mail', 'GET', '/users/%s/messages?$top=1' % ORGANIZER).json()['value'][0]
    assert {'body', 'bodyPreview'} <= set(full)


def test_messages_need_a_mail_read_permission_or_a_scoped_role(apps):
    for who, mailbox in (('calendar', ORGANIZER), ('none', ORGANIZER), ('scoped', ORGANIZER)):
        denied = apps.call(who, 'GET', '/users/%s/messages' % mailbox)
        assert denied.status_code == 403 and error_code(denied) == 'ErrorAccessDenied'
    missing = apps.call('mail', 'GET', '/users/ghost@%s/messages' % DOMAIN)
    assert missing.status_code == 404 and error_code(missing) == 'ErrorInvalidUser'


@needs_schema
def test_message_property_names_are_graphs(apps):
    listed = apps.call('mail', 'GET', '/users/%s/messages?$top=100' % ORGANIZER).json()['value']
    for message in listed:
        kind = message.get('@odata.type', '#microsoft.graph.message').rsplit('.', 1)[-1]
        served = set(k for k in message if not k.startswith('@'))
        assert served <= properties(kind), (kind, served - properties(kind))
