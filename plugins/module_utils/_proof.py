# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proof as Bookings ONE sees it: sign in as the Bookings ONE app with the credentials handed over to it (the token
request Bookings ONE itself makes), use each of its Microsoft Graph application permissions the way a room-booking
product does, with reads and writes undone at once, and send a booking request to a managed room, which the room
policy must route to the delegate for approval instead of declining.

Each step is one finding: {step, permission, room, ok, detail, status}; `step` is the audit control's id without its
'proof.' prefix. Nothing here returns or logs the secret or a token.
"""

from __future__ import annotations

import datetime
import time

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _booking_api as booking_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._auth import NOT_YET_PROPAGATED
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError

SUBJECT = 'Bookings ONE integration check (made by the onboarding or audit run; safe to delete)'
TEXT = ('Made by bookingsone.office365 acting as the Bookings ONE app to prove it can book this room; '
        'it deletes this item at once.')
# Sign-in errors a person can act on. https://learn.microsoft.com/entra/identity-platform/reference-error-codes
SIGN_IN_FIXES = {
    '7000215': 'hand Bookings ONE a new secret: run rotate_secrets.yml -e entra_app_secret_force_rotate=true',
    '7000222': 'hand Bookings ONE a new secret: run rotate_secrets.yml -e entra_app_secret_force_rotate=true',
    '7000112': 'enable the Bookings ONE app in the tenant (Enterprise applications: "Enabled for users to sign-in", '
               'the service principal\'s accountEnabled)',
    '700016': 'run onboard.yml (the app has no service principal in this tenant)',
}
# The room's answer to a request the delegate must approve: tentative until the delegate decides.
# https://learn.microsoft.com/graph/api/resources/responsestatus
PENDING = 'tentativelyAccepted'
UNANSWERED = ('none', 'notResponded', None)
ANSWERS = {'declined': 'was declined by the room', 'accepted': 'was booked by the room without the delegate'}


def finding(step, ok, detail=None, permission=None, room=None, status=None):
    return dict(step=step, permission=permission, room=room, ok=bool(ok), detail=detail, status=status)


def refused(step, exc, permission=None, room=None):
    return finding(step, False, '%s answered HTTP %s %s: %s' % (exc.service, exc.status, exc.code, exc.message),
                   permission, room, exc.status)


def sign_in(connection, timeout, sleep=time.sleep, clock=time.monotonic):
    """(claims of Bookings ONE's Graph token, the sign-in finding), retrying through Entra's propagation delay
    for a secret handed over moments ago; claims None when it could not sign in."""
    started, pause = clock(), 1.0
    while True:
        try:
            claims = connection.token_claims('graph')
        except MicrosoftApiError as exc:
            code = next((c for c in SIGN_IN_FIXES if 'AADSTS%s' % c in exc.message), None)
            if code in NOT_YET_PROPAGATED and clock() - started + pause <= timeout:
                sleep(pause)
                pause = min(pause * 2, 8.0)
                continue
            result = finding('sign_in', False, 'Bookings ONE cannot sign in: %s' % exc.message, status=exc.status)
            result['fix'] = SIGN_IN_FIXES.get(code)
            return None, result
        return claims, finding('sign_in', True, 'signed in as %s' % claims.get('appid', 'the Bookings ONE app'))


def utc(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).replace(tzinfo=None)


def booking_start(now, days_ahead):
    """A Saturday 02:00 UTC at least `days_ahead` days from now: outside anyone's working hours."""
    day = (now + datetime.timedelta(days=days_ahead)).date()
    day += datetime.timedelta(days=(5 - day.weekday()) % 7)
    return datetime.datetime(day.year, day.month, day.day, 2, 0)


def event_body(start, minutes, attendees=()):
    end = start + datetime.timedelta(minutes=minutes)
    return dict(subject=SUBJECT, body=dict(contentType='Text', content=TEXT), showAs='tentative',
                isReminderOn=False, responseRequested=True,
                start=dict(dateTime=start.strftime('%Y-%m-%dT%H:%M:%S'), timeZone='UTC'),
                end=dict(dateTime=end.strftime('%Y-%m-%dT%H:%M:%S'), timeZone='UTC'),
                attendees=[dict(emailAddress=dict(address=a), type='resource') for a in attendees])


def rooms_for_today(rooms, count, today):
    """`count` of the managed rooms, a different set each day, so every room is asked in turn."""
    if not rooms or count <= 0:
        return []
    ordered = sorted(rooms, key=str.lower)
    first = today.toordinal() % len(ordered)
    return [ordered[(first + i) % len(ordered)] for i in range(min(count, len(ordered)))]


class Proof(object):
    """The steps, run on Bookings ONE's own Graph client. params: delegate, rooms, scoped, mail_in_scope,
    out_of_scope, send_mail, requests (whether to write: events and a booking request), request_rooms,
    organizer, booking_windows {room: days}, forwarding {room: whether its requests go to the delegate, as the
    operator read it}, answer_timeout."""

    def __init__(self, graph, claims, params, clock=time.time, sleep=time.sleep):
        self.graph, self.claims, self.params = graph, claims, params
        self.clock, self.sleep = clock, sleep
        self.events = 0  # test events made (and deleted, or said otherwise)

    def run(self):
        probes = dict(PROBES)
        findings = []
        for permission in bookingsone.GRAPH_PERMISSIONS:
            findings.append(self._guarded(permission, lambda p=permission: probes[p](self)))
        if self.params['scoped']:
            findings.append(self._guarded(None, self.scope, step='scope'))
        if self.params['requests']:
            now = utc(self.clock())
            for room in rooms_for_today(self.params['rooms'], self.params['request_rooms'], now.date()):
                findings.append(self._guarded(None, lambda r=room: self.room_request(r, now), step='room_request',
                                              room=room))
        return findings

    def _guarded(self, permission, probe, step=None, room=None):
        try:
            return probe()
        except MicrosoftApiError as exc:
            return refused(step or permission, exc, permission, room)

    # One probe per permission -----------------------------------------------------------------

    def users(self):
        booking_api.get_user(self.graph, self.params['delegate'])
        booking_api.first_users(self.graph)
        return finding('User.Read.All', True, 'read the delegate and the first user', 'User.Read.All')

    def groups(self):
        found = booking_api.first_groups(self.graph)
        return finding('Group.Read.All', True, 'listed groups (%d on the first page)' % len(found), 'Group.Read.All')

    def places(self):
        seen = set(str(p.get('emailAddress', '')).lower() for p in graph_api.rooms(self.graph))
        unseen = sorted(r for r in self.params['rooms'] if r.lower() not in seen)
        detail = '%d room(s) in places' % len(seen)
        if unseen:  # not a refusal: Bookings ONE lists these rooms elsewhere, or they are hidden from address lists
            detail += '; managed rooms Bookings ONE cannot see there: %s' % ', '.join(unseen)
        return finding('Place.Read.All', True, detail, 'Place.Read.All')

    def calendars(self):
        room = sorted(self.params['rooms'], key=str.lower)[0] if self.params['rooms'] else self.params['delegate']
        if not self.params['requests']:
            booking_api.first_events(self.graph, room)
            return finding('Calendars.ReadWrite', True, 'read the calendar of %s (no write: requests is off)' % room,
                           'Calendars.ReadWrite', room)
        start = booking_start(utc(self.clock()), 1)
        created = booking_api.create_event(self.graph, room, event_body(start, 30))
        self.events += 1
        booking_api.get_event(self.graph, room, created['id'], ['id', 'subject'])
        booking_api.delete_event(self.graph, room, created['id'])
        return finding('Calendars.ReadWrite', True, 'made, read and deleted a tentative event in %s' % room,
                       'Calendars.ReadWrite', room)

    def mail(self):
        delegate = self.params['delegate']
        if self.params['send_mail']:
            booking_api.send_mail(self.graph, delegate, delegate, SUBJECT, TEXT)
            return finding('Mail.Send', True, 'sent one message from %s to itself' % delegate, 'Mail.Send')
        if self.params['scoped']:
            allowed = self.params['mail_in_scope']
            return finding('Mail.Send', allowed, 'Exchange authorizes it for %s (Test-ServicePrincipalAuthorization)'
                           % delegate if allowed else 'Exchange does not authorize it for %s, or it was not '
                           'verified' % delegate, 'Mail.Send')
        roles = self.claims.get('roles') or []
        return finding('Mail.Send', 'Mail.Send' in roles, 'in the roles of Bookings ONE\'s token' if 'Mail.Send' in roles
                       else 'not in the roles of Bookings ONE\'s token (%s)' % ', '.join(sorted(roles)), 'Mail.Send')

    # The scope, and the room policy by its effect ---------------------------------------------------

    def scope(self):
        probes = self.params['out_of_scope']
        if not probes:
            return finding('scope', False, 'no ordinary mailbox to try')
        mailbox = probes[0]
        try:
            booking_api.first_events(self.graph, mailbox)
        except MicrosoftApiError as exc:
            if exc.status == 403:
                return finding('scope', True, 'the calendar of %s is refused (HTTP 403 %s)' % (mailbox, exc.code))
            raise
        return finding('scope', False, 'Bookings ONE reads the calendar of %s, a mailbox it does not manage' % mailbox)

    def room_request(self, room, now):
        """Two requests from the organizer to the room, outside working hours: one inside the booking window (in
        policy: it must await the delegate, not be booked or declined by the room) and one beyond it (out of policy:
        it must not be declined either). Exchange forwards what awaits approval to the room's delegates, which
        Bookings ONE cannot see itself: the operator's reading of the room says whether the delegate is one."""
        organizer = self.params['organizer'] or self.params['delegate']
        window = (self.params['booking_windows'] or {}).get(room.lower(), bookingsone.BOOKING_WINDOW_DAYS)
        problems, said = [], []
        for label, days in (('inside the %d-day booking window' % window, min(7, max(window - 1, 1))),
                            ('beyond the %d-day booking window' % window, window + 1)):
            start = booking_start(now, days)
            answer = self._request(organizer, room, start)
            said.append('%s UTC (%s): %s' % (start.strftime('%Y-%m-%d %H:%M'), label, answer))
            if answer != PENDING:
                problems.append('the request for %s %s' % (start.strftime('%Y-%m-%d'), ANSWERS.get(
                    answer, 'got no answer from the room within %d s' % self.params['answer_timeout'])))
        forwarded = (self.params['forwarding'] or {}).get(room.lower())
        if forwarded is False:
            problems.append('the room answers tentatively but forwards requests to no delegate %s (ResourceDelegates, '
                            'ForwardRequestsToDelegates)' % self.params['delegate'])
        detail = 'requests from %s, outside working hours, the room\'s answers: %s' % (organizer, '; '.join(said))
        if problems:
            return finding('room_request', False, '%s (%s)' % ('; '.join(problems), detail), room=room)
        return finding('room_request', True, detail + ': each awaits the delegate\'s approval', room=room)

    def _request(self, organizer, room, start):
        """The room's answer to one request, which is then cancelled and its cancelled copy in the room removed."""
        created = booking_api.create_event(self.graph, organizer, event_body(start, 30, [room]))
        self.events += 1
        try:
            return self._answer(organizer, created['id'], room)
        finally:
            booking_api.delete_event(self.graph, organizer, created['id'])
            # Exchange keeps a cancelled meeting in the room's calendar unless RemoveCanceledMeetings
            for copy in booking_api.events_of_meeting(self.graph, room, created.get('iCalUId')):
                booking_api.delete_event(self.graph, room, copy['id'])

    def _answer(self, organizer, event_id, room):
        """The room's response to the request, once it answered or the wait is over."""
        deadline, pause = self.clock() + self.params['answer_timeout'], 1.0
        while True:
            event = booking_api.get_event(self.graph, organizer, event_id, ['attendees']) or {}
            response = next(((a.get('status') or {}).get('response') for a in event.get('attendees') or []
                             if str((a.get('emailAddress') or {}).get('address', '')).lower() == room.lower()), None)
            if response not in UNANSWERED or self.clock() + pause > deadline:
                return response
            self.sleep(pause)
            pause = min(pause * 2, 8.0)


# What proves each permission Bookings ONE needs: one probe per entry of bookingsone.GRAPH_PERMISSIONS.
PROBES = {'User.Read.All': Proof.users, 'Group.Read.All': Proof.groups, 'Place.Read.All': Proof.places,
          'Calendars.ReadWrite': Proof.calendars, 'Mail.Send': Proof.mail}
