"""The resource booking attendant (booking_attendant.py): a room among the attendees of an organizer's new event
answers at once per its calendar processing settings (set here with Set-CalendarProcessing, as an administrator
would), one test per setting; the organizer's copy shows the room's response, the delegates and the organizer find
the requests and responses in their Inbox, and deleting the meeting cancels it in the room.

Times are UTC weekdays a few days ahead (each test its own day, so no two tests' meetings conflict); the rooms' working
hours are the default Monday to Friday 08:00-17:00 UTC unless a test sets them."""

from __future__ import annotations

import datetime

import pytest
from emulator_client import app_token, new_app

DOMAIN = 'contoso.onmicrosoft.com'
ORGANIZER, DELEGATE, OTHER = 'diego@' + DOMAIN, 'alice@' + DOMAIN, 'globaladmin@' + DOMAIN
ANNEX, BOARD = 'annex@' + DOMAIN, 'board@' + DOMAIN
# Every setting a test may change, at Exchange's defaults (exchange.CALENDAR_DEFAULTS), so each test starts from them.
DEFAULTS = {'AutomateProcessing': 'AutoAccept', 'AllBookInPolicy': True, 'AllRequestInPolicy': False,
            'AllRequestOutOfPolicy': False, 'BookInPolicy': [], 'RequestInPolicy': [], 'RequestOutOfPolicy': [],
            'ResourceDelegates': [], 'ForwardRequestsToDelegates': True, 'ScheduleOnlyDuringWorkHours': False,
            'EnforceSchedulingHorizon': True, 'BookingWindowInDays': 180, 'MaximumDurationInMinutes': 1440,
            'TentativePendingApproval': True, 'AllowConflicts': False, 'AddNewRequestsTentatively': True,
            'RemoveCanceledMeetings': False, 'EnableResponseDetails': True, 'AddAdditionalResponse': False}
# Bookings ONE's room policy: requests go to the delegate, no working-hours-only scheduling, no scheduling horizon.
BOOKINGS_ONE = {'AutomateProcessing': 'AutoAccept', 'AllBookInPolicy': False, 'AllRequestInPolicy': True,
                'ForwardRequestsToDelegates': True, 'ScheduleOnlyDuringWorkHours': False,
                'EnforceSchedulingHorizon': False, 'ResourceDelegates': [DELEGATE]}


class Booking(object):
    """Contoso, an app with Calendars.ReadWrite and Mail.Read in every mailbox, and Exchange as its administrator."""

    def __init__(self, client):
        self.client, self.tenant = client, client.tenant(1)
        app_id, _sp, _object, secret = new_app(client, self.tenant, 'Booking checks',
                                               ['Calendars.ReadWrite', 'Mail.Read'])
        self.token = app_token(client, self.tenant, app_id, secret)

    def graph(self, method, path, body=None):
        return self.client.graph(self.tenant, method, path, body, token=self.token)

    def every(self, path):
        page = self.graph('GET', path + '?$top=100')  # the test emulator pages by 2: fewer round trips
        assert page.status_code == 200, page.text
        found = page.json()['value']
        while '@odata.nextLink' in page.json():
            page = self.client.call(self.tenant, 'GET', page.json()['@odata.nextLink'], token=self.token)
            found += page.json()['value']
        return found

    def policy(self, room, **changes):
        answer = self.client.exo(self.tenant, 'Set-CalendarProcessing', dict(DEFAULTS, Identity=room, **changes))
        assert answer.status_code == 200, answer.text

    def book(self, day, hour, room=ANNEX, minutes=60, organizer=ORGANIZER, subject='Planning', **properties):
        start = datetime.datetime.combine(day, datetime.time(hour))
        body = dict({'subject': subject, 'body': {'contentType': 'text', 'content': 'Agenda'},
                     'start': {'dateTime': start.isoformat(), 'timeZone': 'UTC'},
                     'end': {'dateTime': (start + datetime.timedelta(minutes=minutes)).isoformat(), 'timeZone': 'UTC'},
                     'attendees': [{'emailAddress': {'address': room}, 'type': 'resource'}]}, **properties)
        created = self.graph('POST', '/users/%s/events' % organizer, body)
        assert created.status_code == 201, created.text
        return created.json()

    def response(self, event, room=ANNEX):
        """The room's status.response in the organizer's copy, read back with $select as a client would."""
        organizer = event['organizer']['emailAddress']['address']
        read = self.graph('GET', '/users/%s/events/%s?$select=attendees' % (organizer, event['id'])).json()
        return next(a['status']['response'] for a in read['attendees'] if a['emailAddress']['address'] == room)

    def copies(self, event, room=ANNEX):
        return [e for e in self.every('/users/%s/events' % room) if e['iCalUId'] == event['iCalUId']]

    def inbox(self, mailbox, event):
        return [m for m in self.every('/users/%s/mailFolders/inbox/messages' % mailbox)
                if m['subject'].endswith(event['subject'])]

    def hours(self, room, **hours):
        with self.client.emu.store.lock:
            self.client.emu.store.tenant(self.tenant)['exchange']['rooms'][room]['calendar_configuration'] = hours


@pytest.fixture(scope='module')
def booking(client):
    return Booking(client)


def weekday(n):
    """The n-th Monday-to-Friday date after today (UTC)."""
    day = datetime.datetime.now(datetime.timezone.utc).date()
    while n:
        day += datetime.timedelta(days=1)
        n -= day.weekday() < 5
    return day


def saturday(n):
    day = weekday(n)
    return day + datetime.timedelta(days=5 - day.weekday())


def outcome(booking, event, room=ANNEX):
    """(organizer's status for the room, [(showAs, response) of the room's copies], whether the delegate and the
    room's Inbox got the request, the room's responses in the organizer's Inbox)."""
    copies = [(c['showAs'], c['responseStatus']['response']) for c in booking.copies(event, room)]
    requested = [bool(booking.inbox(mailbox, event)) for mailbox in (DELEGATE, room)]
    answers = [(m['@odata.type'], m['meetingMessageType'], m['responseType'])
               for m in booking.inbox(ORGANIZER, event)]
    return booking.response(event, room), copies, requested, answers


ACCEPTED = ('#microsoft.graph.eventMessageResponse', 'meetingAccepted', 'accepted')
TENTATIVE = ('#microsoft.graph.eventMessageResponse', 'meetingTenativelyAccepted', 'tentativelyAccepted')
DECLINED = ('#microsoft.graph.eventMessageResponse', 'meetingDeclined', 'declined')
FORWARDED = ('tentativelyAccepted', [('tentative', 'tentativelyAccepted')], [True, False], [TENTATIVE])


def test_a_room_at_exchange_defaults_books_in_policy_requests(booking):
    booking.policy('annex')
    event = booking.book(weekday(1), 9, subject='Defaults')
    assert outcome(booking, event) == ('accepted', [('busy', 'accepted')], [False, False], [ACCEPTED])
    copy = booking.copies(event)[0]  # DeleteSubject, AddOrganizerToSubject and DeleteComments are true by default
    assert (copy['subject'], copy['body']['content'], copy['isOrganizer']) == ('Diego Siciliani', '', False)
    answer = booking.inbox(ORGANIZER, event)[0]
    assert answer['subject'] == 'Accepted: Defaults' and answer['from']['emailAddress']['address'] == ANNEX


def test_subject_and_comments_kept_when_the_room_is_told_to(booking):
    booking.policy('annex', DeleteSubject=False, AddOrganizerToSubject=False, DeleteComments=False)
    copy = booking.copies(booking.book(weekday(2), 9, subject='Kept'))[0]
    assert (copy['subject'], copy['body']['content']) == ('Kept', 'Agenda')


@pytest.mark.parametrize('only_work_hours,hour,expected', [
    (True, 19, 'declined'), (True, 10, 'tentativelyAccepted'), (False, 19, 'tentativelyAccepted')])
def test_schedule_only_during_work_hours(booking, only_work_hours, hour, expected):
    booking.policy('annex', **dict(BOOKINGS_ONE, ScheduleOnlyDuringWorkHours=only_work_hours))
    event = booking.book(weekday(3), hour, subject='Work hours %s %d' % (only_work_hours, hour))
    assert outcome(booking, event) == (FORWARDED if expected != 'declined' else
                                       ('declined', [], [False, False], [DECLINED]))
    if expected == 'declined':
        assert 'working hours' in booking.inbox(ORGANIZER, event)[0]['body']['content']


def test_working_hours_are_the_rooms_own(booking):
    """WorkDays, WorkingHoursStartTime, WorkingHoursEndTime in WorkingHoursTimeZone (Tokyo: UTC+9)."""
    booking.policy('annex', ScheduleOnlyDuringWorkHours=True)
    booking.hours('annex', WorkDays='Saturday', WorkingHoursStartTime='10:00:00', WorkingHoursEndTime='12:00:00',
                  WorkingHoursTimeZone='Tokyo Standard Time')
    try:
        assert booking.response(booking.book(saturday(4), 1, subject='Tokyo Saturday')) == 'accepted'
        assert booking.response(booking.book(weekday(4), 1, subject='Tokyo weekday')) == 'declined'
        assert booking.response(booking.book(saturday(4), 3, subject='Tokyo afternoon')) == 'declined'
    finally:
        booking.hours('annex')


@pytest.mark.parametrize('hour,changes,expected', [
    (8, {'AllBookInPolicy': False, 'AllRequestInPolicy': False}, 'declined'),
    (9, {'AllBookInPolicy': False, 'AllRequestInPolicy': True}, 'tentativelyAccepted'),
    (10, {'AllBookInPolicy': False, 'RequestInPolicy': [ORGANIZER]}, 'tentativelyAccepted'),
    (11, {'AllBookInPolicy': False, 'RequestInPolicy': [OTHER]}, 'declined'),
    (12, {'AllBookInPolicy': False, 'BookInPolicy': [ORGANIZER]}, 'accepted'),
    (13, {'AllBookInPolicy': True, 'AllRequestInPolicy': True}, 'accepted'),
])
def test_who_may_book_or_request_in_policy(booking, hour, changes, expected):
    booking.policy('annex', ResourceDelegates=[DELEGATE], **changes)
    event = booking.book(weekday(5), hour, subject='In policy %s' % sorted(changes.items()))
    assert booking.response(event) == expected
    assert bool(booking.inbox(DELEGATE, event)) is (expected == 'tentativelyAccepted')
    if expected == 'declined':
        assert "permission" in booking.inbox(ORGANIZER, event)[0]['body']['content']


def test_a_group_in_book_in_policy_counts_for_its_members(booking):
    """The page's lists take users or groups; the emulator's Set-CalendarProcessing resolves mailboxes only, so the
    group is put in the room's settings directly."""
    made = booking.client.exo(booking.tenant, 'New-DistributionGroup', {'Name': 'Planners', 'Members': [ORGANIZER]})
    assert made.status_code == 200, made.text
    booking.policy('annex', AllBookInPolicy=False)
    with booking.client.emu.store.lock:
        booking.client.emu.store.tenant(booking.tenant)['exchange']['rooms']['annex']['calendar_processing'][
            'BookInPolicy'] = ['Planners']
    assert booking.response(booking.book(weekday(6), 9, subject='Group member')) == 'accepted'
    assert booking.response(booking.book(weekday(6), 11, organizer=OTHER, subject='Not a member')) == 'declined'


def test_without_delegates_a_request_waits_in_the_room(booking):
    booking.policy('annex', **dict(BOOKINGS_ONE, ResourceDelegates=[]))
    event = booking.book(weekday(7), 9, subject='No delegate')
    assert outcome(booking, event) == ('tentativelyAccepted', [('tentative', 'tentativelyAccepted')],
                                       [False, True], [TENTATIVE])
    booking.policy('annex', **dict(BOOKINGS_ONE, ForwardRequestsToDelegates=False))
    event = booking.book(weekday(7), 11, subject='Not forwarded')
    assert outcome(booking, event)[2] == [False, True]


def test_every_delegate_gets_the_request(booking):
    booking.policy('annex', **dict(BOOKINGS_ONE, ResourceDelegates=[DELEGATE, OTHER]))
    event = booking.book(weekday(8), 9, subject='Two delegates')
    for mailbox in (DELEGATE, OTHER):
        request = booking.inbox(mailbox, event)[0]
        assert (request['@odata.type'], request['meetingMessageType'], request['meetingRequestType']) == (
            '#microsoft.graph.eventMessageRequest', 'meetingRequest', 'newMeetingRequest')
        assert request['isDelegated'] is True and request['from']['emailAddress']['address'] == ORGANIZER
        assert request['startDateTime']['dateTime'].startswith(weekday(8).isoformat() + 'T09:00:00')


@pytest.mark.parametrize('horizon', [True, False])
def test_beyond_the_booking_window_is_out_of_policy_whatever_the_horizon(booking, horizon):
    """EnforceSchedulingHorizon only governs recurring meetings: a single meeting ending after the window is out of
    policy, declined unless out-of-policy requests are allowed (then it goes to the delegate)."""
    booking.policy('annex', **dict(BOOKINGS_ONE, BookingWindowInDays=10, EnforceSchedulingHorizon=horizon))
    event = booking.book(weekday(15), 9, subject='Far ahead %s' % horizon)
    assert outcome(booking, event) == ('declined', [], [False, False], [DECLINED])
    assert 'up to 10 days in advance' in booking.inbox(ORGANIZER, event)[0]['body']['content']
    for changes in ({'AllRequestOutOfPolicy': True}, {'RequestOutOfPolicy': [ORGANIZER]}):
        booking.policy('annex', **dict(BOOKINGS_ONE, BookingWindowInDays=10, EnforceSchedulingHorizon=horizon,
                                       **changes))
        event = booking.book(weekday(15), (11 if changes.get('AllRequestOutOfPolicy') else 13) + horizon,
                             subject='Far ahead allowed %s %s' % (horizon, sorted(changes)))
        assert outcome(booking, event) == FORWARDED


@pytest.mark.parametrize('hour,maximum,minutes,expected', [(6, 30, 60, 'declined'), (7, 30, 30, 'accepted'),
                                                           (8, 0, 600, 'accepted')])
def test_maximum_duration(booking, hour, maximum, minutes, expected):
    booking.policy('annex', MaximumDurationInMinutes=maximum)
    event = booking.book(weekday(9), hour, minutes=minutes, subject='Duration %d %d' % (maximum, minutes))
    assert booking.response(event) == expected


def test_auto_update_only_adds_the_request_tentatively(booking):
    booking.policy('annex', AutomateProcessing='AutoUpdate', ResourceDelegates=[DELEGATE])
    event = booking.book(weekday(10), 9, subject='Auto update')
    assert outcome(booking, event) == ('none', [('tentative', 'notResponded')], [False, True], [])
    booking.policy('annex', AutomateProcessing='AutoUpdate', AddNewRequestsTentatively=False)
    assert outcome(booking, booking.book(weekday(10), 11, subject='Auto update, nothing added'))[:2] == ('none', [])


def test_with_processing_disabled_nothing_answers(booking):
    booking.policy('annex', AutomateProcessing='None', ResourceDelegates=[DELEGATE])
    event = booking.book(weekday(11), 9, subject='Disabled')
    assert outcome(booking, event) == ('none', [], [False, True], [])


def test_pending_approval_free_and_unanswered_without_tentative_pending_approval(booking):
    booking.policy('annex', **dict(BOOKINGS_ONE, TentativePendingApproval=False))
    event = booking.book(weekday(12), 9, subject='Not tentative')
    assert outcome(booking, event) == ('none', [('free', 'notResponded')], [True, False], [])


def test_a_busy_room_declines_unless_conflicts_are_allowed(booking):
    booking.policy('annex')
    assert booking.response(booking.book(weekday(13), 9, subject='First')) == 'accepted'
    assert booking.response(booking.book(weekday(13), 9, minutes=30, subject='Overlapping')) == 'declined'
    assert booking.response(booking.book(weekday(13), 10, subject='Right after')) == 'accepted'
    booking.policy('annex', AllowConflicts=True)
    assert booking.response(booking.book(weekday(13), 9, subject='Allowed overlap')) == 'accepted'


def test_response_details_and_additional_response(booking):
    booking.policy('annex', AllBookInPolicy=False, EnableResponseDetails=False, AddAdditionalResponse=True,
                   AdditionalResponse='Ask the front desk.')
    event = booking.book(weekday(14), 9, subject='Details')
    assert booking.inbox(ORGANIZER, event)[0]['body']['content'] == 'Your request was declined.\nAsk the front desk.'


def test_a_room_organizing_its_own_event_processes_nothing(booking):
    booking.policy('annex', AllBookInPolicy=False)
    event = booking.book(weekday(16), 9, organizer=ANNEX, subject='Own event')
    assert event['attendees'][0]['status']['response'] == 'none'


# The Bookings ONE proof: as the Bookings ONE app, POST the organizer's event with the room as a resource, start outside
# the room's working hours, showAs tentative; GET it with $select=attendees; DELETE it.

@pytest.fixture(scope='module')
def bookings_one(booking):
    """A token of an app with Bookings ONE's application permissions."""
    app_id, _sp, _object, secret = new_app(booking.client, booking.tenant, 'Bookings ONE proof', [
        'Calendars.ReadWrite', 'Mail.Send', 'User.Read.All', 'Group.Read.All', 'Place.Read.All'])
    return app_token(booking.client, booking.tenant, app_id, secret)


def proof(booking, token, day, subject):
    start = datetime.datetime.combine(day, datetime.time(20))
    body = {'subject': subject, 'showAs': 'tentative',
            'start': {'dateTime': start.isoformat(), 'timeZone': 'UTC'},
            'end': {'dateTime': (start + datetime.timedelta(minutes=30)).isoformat(), 'timeZone': 'UTC'},
            'attendees': [{'emailAddress': {'address': BOARD}, 'type': 'resource'}]}
    created = booking.client.graph(booking.tenant, 'POST', '/users/%s/events' % ORGANIZER, body, token=token)
    assert created.status_code == 201 and created.json()['showAs'] == 'tentative', created.text
    path = '/users/%s/events/%s' % (ORGANIZER, created.json()['id'])
    read = booking.client.graph(booking.tenant, 'GET', path + '?$select=attendees', token=token)
    assert read.status_code == 200 and set(read.json()) == {'@odata.context', 'id', 'attendees'}, read.text
    status = read.json()['attendees'][0]['status']['response']
    return created.json(), status, booking.client.graph(booking.tenant, 'DELETE', path, token=token)


def test_bookings_one_proof_reaches_the_delegate_and_deleting_cancels_it(booking, bookings_one):
    token = bookings_one
    booking.policy('board', **BOOKINGS_ONE)  # the seed's board room schedules only during work hours: no longer
    event, status, deleted = proof(booking, token, weekday(17), 'Bookings ONE integration check')
    assert status == 'tentativelyAccepted' and deleted.status_code == 204
    assert booking.inbox(DELEGATE, event) == []  # the request was withdrawn with the meeting
    assert [(c['isCancelled'], c['showAs']) for c in booking.copies(event, BOARD)] == [(True, 'free')]
    assert booking.graph('GET', '/users/%s/events/%s' % (ORGANIZER, event['id'])).status_code == 404
    booking.policy('board', **dict(BOOKINGS_ONE, RemoveCanceledMeetings=True))
    event, status, deleted = proof(booking, token, weekday(17), 'Bookings ONE integration check again')
    assert status == 'tentativelyAccepted' and booking.copies(event, BOARD) == []


def test_bookings_one_proof_before_deletion_the_delegate_holds_the_request(booking):
    booking.policy('board', **BOOKINGS_ONE)
    event = booking.book(weekday(18), 20, room=BOARD, subject='Bookings ONE integration check, kept')
    assert outcome(booking, event, BOARD) == FORWARDED


@pytest.mark.parametrize('changes', [{'AllRequestInPolicy': False}, {'ResourceDelegates': []},
                                     {'ScheduleOnlyDuringWorkHours': True}, {'BookingWindowInDays': 10}])
def test_bookings_one_proof_without_the_policy_does_not_reach_a_delegate(booking, bookings_one, changes):
    """Without the whole policy (or beyond the booking window: EnforceSchedulingHorizon false does not lift it for a
    single meeting) the delegate never gets the request."""
    booking.policy('board', **dict(BOOKINGS_ONE, **changes))
    event, status, deleted = proof(booking, bookings_one, weekday(19 if 'BookingWindowInDays' not in changes else 20),
                                   'Bookings ONE check %s' % sorted(changes))
    assert deleted.status_code == 204 and booking.inbox(DELEGATE, event) == []
    assert status == ('tentativelyAccepted' if 'ResourceDelegates' in changes else 'declined')
