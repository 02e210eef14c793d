"""The proof as Bookings ONE (_proof.py) on an in-memory Graph: every permission has a probe, a refusal names the
permission and the HTTP error, the booking request is judged by the room's answer, and every event made is deleted."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _proof as proof
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError

ROOM, DELEGATE, ORDINARY = 'board@contoso.example', 'bookings@contoso.example', 'megan@contoso.example'
NOW = datetime.datetime(2026, 12, 7, 10, 0).replace(tzinfo=datetime.timezone.utc).timestamp()


class Answer(object):
    def __init__(self, body):
        self.body = body


class BookingGraph(object):
    """Users, groups, room places and events of one tenant; `refuse` maps a path fragment to an HTTP status, and
    `room_answer` is how the room answers a request sent to it."""

    def __init__(self, refuse=None, room_answer=proof.PENDING):
        self.refuse = refuse or {}
        self.room_answer = room_answer
        self.events = {}  # (mailbox, id): event
        self.log = []

    def _check(self, method, path):
        self.log.append((method, path))
        for fragment, status in self.refuse.items():
            if fragment in path:
                raise MicrosoftApiError('graph', status, 'ErrorAccessDenied', 'Access is denied.', method=method, url=path)

    def get(self, path, params=None):
        self._check('GET', path)
        if path.startswith('/places/'):
            return dict(value=[dict(emailAddress=ROOM)])
        return dict(value=[dict(id='1')], id='1')

    def list(self, path, params=None):
        return self.get(path, params)['value']

    def post(self, path, body):
        self._check('POST', path)
        mailbox = path.split('/')[2]
        event = dict(body, id='e%d' % len(self.log))
        event['attendees'] = [dict(a, status=dict(response=self.room_answer)) for a in body.get('attendees') or []]
        self.events[(mailbox, event['id'])] = event
        return event

    def request(self, method, path, body=None, params=None):
        self._check(method, path)
        parts = path.split('/')
        if method == 'GET' and len(parts) == 5:
            return Answer(self.events.get((parts[2], parts[4])))
        return Answer(dict(value=[]))

    @staticmethod
    def json_or_none(answer):
        return answer.body

    def delete(self, path):
        self._check('DELETE', path)
        parts = path.split('/')
        del self.events[(parts[2], parts[4])]


def params(**extra):
    return dict(dict(delegate=DELEGATE, rooms=[ROOM], scoped=False, mail_in_scope=None, out_of_scope=[],
                     send_mail=False, requests=True, request_rooms=1, organizer=None, booking_windows={},
                     forwarding={ROOM: True}, answer_timeout=0), **extra)


def run(graph, roles=bookingsone.GRAPH_PERMISSIONS, **extra):
    check = proof.Proof(graph, dict(roles=list(roles)), params(**extra), clock=lambda: NOW, sleep=lambda s: None)
    return check, dict((f['step'] if not f['room'] or f['permission'] else f['step'] + ':' + f['room'], f)
                       for f in check.run())


def test_every_permission_bookings_one_needs_has_a_probe():
    assert sorted(proof.PROBES) == sorted(bookingsone.GRAPH_PERMISSIONS)


def test_a_working_tenant_passes_every_step_and_keeps_no_event():
    graph = BookingGraph()
    check, found = run(graph)
    assert all(f['ok'] for f in found.values()), found
    assert sorted(found) == sorted(list(bookingsone.GRAPH_PERMISSIONS) + ['room_request:' + ROOM])
    assert check.events == 3 and graph.events == {}  # the calendar probe and two booking requests
    assert 'awaits the delegate' in found['room_request:' + ROOM]['detail']


def test_a_refused_permission_is_named_with_the_http_error():
    _check, found = run(BookingGraph(refuse={'/groups': 403}))
    failed = [f for f in found.values() if not f['ok']]
    assert [f['permission'] for f in failed] == ['Group.Read.All']
    assert failed[0]['status'] == 403 and 'HTTP 403 ErrorAccessDenied' in failed[0]['detail']


@pytest.mark.parametrize('answer, said', [('declined', 'declined by the room'),
                                          ('accepted', 'booked by the room without the delegate'),
                                          ('none', 'no answer from the room')])
def test_a_request_the_delegate_never_sees_fails_and_is_deleted(answer, said):
    graph = BookingGraph(room_answer=answer)
    _check, found = run(graph)
    request = found['room_request:' + ROOM]
    assert not request['ok'] and said in request['detail'], request
    assert graph.events == {}


def test_one_request_inside_and_one_beyond_the_booking_window_both_outside_working_hours():
    graph = BookingGraph()
    run(graph, booking_windows={ROOM: 30})
    made = [p for m, p in graph.log if m == 'POST' and p.startswith('/users/' + DELEGATE)]
    assert len(made) == 2, graph.log
    inside, beyond = proof.booking_start(proof.utc(NOW), 7), proof.booking_start(proof.utc(NOW), 31)
    for start in (inside, beyond):
        assert start.weekday() == 5 and start.hour == 2
    assert inside - proof.utc(NOW) < datetime.timedelta(days=30) < beyond - proof.utc(NOW)


def test_a_room_that_forwards_to_no_delegate_fails_though_it_answers_tentatively():
    _check, found = run(BookingGraph(), forwarding={ROOM: False})
    request = found['room_request:' + ROOM]
    assert not request['ok'] and 'forwards requests to no delegate' in request['detail'], request


def test_mail_send_is_proven_from_the_token_roles_or_exchange_in_scoped_mode():
    _check, found = run(BookingGraph(), roles=[r for r in bookingsone.GRAPH_PERMISSIONS if r != 'Mail.Send'])
    assert not found['Mail.Send']['ok'] and 'not in the roles' in found['Mail.Send']['detail']
    _check, found = run(BookingGraph(), roles=[], scoped=True, mail_in_scope=True, out_of_scope=[ORDINARY])
    assert found['Mail.Send']['ok']


def test_scoped_mode_requires_an_ordinary_mailbox_to_be_refused():
    _check, found = run(BookingGraph(refuse={'/users/' + ORDINARY: 403}), scoped=True, mail_in_scope=True,
                        out_of_scope=[ORDINARY])
    assert found['scope']['ok'], found['scope']
    _check, found = run(BookingGraph(), scoped=True, mail_in_scope=True, out_of_scope=[ORDINARY])
    assert not found['scope']['ok'] and ORDINARY in found['scope']['detail']


def test_reads_only_makes_nothing():
    graph = BookingGraph()
    check, found = run(graph, requests=False)
    assert check.events == 0 and not [m for m, _p in graph.log if m != 'GET']
    assert found['Calendars.ReadWrite']['ok'] and 'room_request:' + ROOM not in found


def test_each_day_asks_other_rooms_in_turn():
    rooms = ['a@x', 'b@x', 'c@x']
    days = [proof.rooms_for_today(rooms, 1, datetime.date(2026, 12, d)) for d in (7, 8, 9)]
    assert sorted(sum(days, [])) == rooms
