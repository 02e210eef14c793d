"""Behaviour of the real services the collection allows for: grants refused while a new service principal
replicates (retried only when asked), room discovery from Exchange, Graph places or both, and the clouds
without places. (The web body of an app update: modules/test_app_registration.py.)"""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _rooms
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient

from .fakes import FakeClock, FakeResponse, FakeTokens, ScriptedSession, policy

NOT_YET = {'error': {'code': 'Request_BadRequest', 'message': 'Not a valid reference update.'}}


def client(session, clock, **kwargs):
    return GraphClient('https://graph.example', FakeTokens(), session, policy=policy(clock, **kwargs))


def answer(*responses):
    return FakeResponse(200, {'responses': list(responses)})


def test_batch_retries_inner_errors_with_the_given_codes_only():
    clock = FakeClock()
    grants = [{'id': '1', 'method': 'POST', 'url': '/x'}, {'id': '2', 'method': 'POST', 'url': '/x'}]
    # on the wire each inner request is numbered by its place in the call ('0', '1'); answers keep the ids given
    session = ScriptedSession(answer({'id': '0', 'status': 400, 'body': NOT_YET}, {'id': '1', 'status': 201}),
                              answer({'id': '0', 'status': 201}))
    graph = client(session, clock)
    answers = graph.batch(grants, retry_codes=('Request_BadRequest',))
    assert [(r['id'], r['status']) for r in answers] == [('1', 201), ('2', 201)]
    assert [len(c['json']['requests']) for c in session.calls] == [2, 1]
    assert graph.policy.retries()['graph']['retried'] == 1
    session = ScriptedSession(answer({'id': '0', 'status': 400, 'body': NOT_YET}, {'id': '1', 'status': 201}))
    assert [r['status'] for r in client(session, FakeClock()).batch(grants)] == [400, 201]  # a bad request fails fast
    assert len(session.calls) == 1


def test_retry_budget_is_time_bound_and_counted_in_the_module_retries():
    clock = FakeClock()
    session = ScriptedSession(*[FakeResponse(400, NOT_YET)] * 40)
    graph = client(session, clock, max_attempts=2)
    patient = graph.with_retry_budget(30)
    with pytest.raises(Exception):
        patient.request('POST', '/servicePrincipals', body={}, retry_codes=('Request_BadRequest',))
    assert len(session.calls) > 2 and clock.now <= 30  # more than max_retries, within the budget
    assert max(clock.sleeps) <= 10.0
    assert graph.policy.retries()['graph']['retried'] == len(session.calls) - 1
    assert graph.policy.max_total == 300.0  # the module's own policy is unchanged


class FakeState(object):
    """What _rooms.discover takes of a TaskState."""

    def __init__(self, cloud='public'):
        self.params = dict(cloud=cloud)
        self.graph = self.exchange = object()


@pytest.fixture
def sources(monkeypatch):
    places = [dict(emailAddress='board@x.com', displayName='Board', capacity=8, building='HQ', floorNumber=3),
              dict(emailAddress='ghost@x.com', displayName='Ghost', capacity=2, building=None, floorNumber=None)]
    mailboxes = [dict(PrimarySmtpAddress='board@x.com', DisplayName='Board', ResourceCapacity=8),
                 dict(PrimarySmtpAddress='quiet@x.com', DisplayName='Quiet', ResourceCapacity=1)]
    calls = []
    monkeypatch.setattr(_rooms.graph_api, 'rooms', lambda graph, room_list=None: calls.append(('graph', room_list))
                        or [p for p in places if not room_list or p['emailAddress'] == 'board@x.com'])
    monkeypatch.setattr(_rooms.exchange_api, 'room_mailboxes', lambda exo: calls.append(('exchange',)) or mailboxes)
    return calls


def test_exchange_is_authoritative_and_both_names_the_differences(sources):
    rooms, discovery = _rooms.discover(FakeState(), 'exchange')
    assert [r['address'] for r in rooms] == ['board@x.com', 'quiet@x.com'] and discovery is None
    assert sources == [('exchange',)]  # no Graph request without a room list
    rooms, discovery = _rooms.discover(FakeState(), 'both')
    assert [r['address'] for r in rooms] == ['board@x.com', 'quiet@x.com']
    assert rooms[0]['building'] == 'HQ' and rooms[0]['floor'] == 3  # Graph's details where it has them
    assert discovery == dict(not_in_places=['quiet@x.com'], not_in_exchange=['ghost@x.com'])
    rooms, _discovery = _rooms.discover(FakeState(), 'graph')
    assert [r['address'] for r in rooms] == ['board@x.com', 'ghost@x.com']


def test_a_room_list_comes_from_graph_and_is_intersected_with_exchange(sources):
    rooms, _discovery = _rooms.discover(FakeState(), 'exchange', 'hq@x.com')
    assert [r['address'] for r in rooms] == ['board@x.com'] and ('graph', 'hq@x.com') in sources


@pytest.mark.parametrize('cloud', ['usgov', 'usgovdod', 'china'])
def test_clouds_without_places_fail_before_any_request(sources, cloud):
    for source, room_list in (('graph', None), ('both', None), ('exchange', 'hq@x.com')):
        with pytest.raises(InputError) as err:
            _rooms.discover(FakeState(cloud), source, room_list)
        assert cloud in str(err.value)
    assert sources == []
    assert _rooms.discover(FakeState(cloud), 'exchange')[0]
