"""Graph paging (@odata.nextLink), JSON batching, and Exchange InvokeCommand paging."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient

from .fakes import FakeClock, FakeResponse, FakeTokens, ScriptedSession, policy

BASE = 'https://graph.example/v1.0'


def client(session, clock=None):
    return GraphClient('https://graph.example', FakeTokens(), session, policy=policy(clock or FakeClock()))


def test_list_follows_next_link_until_absent():
    session = ScriptedSession(
        FakeResponse(200, {'value': [1, 2], '@odata.nextLink': BASE + '/applications?$skiptoken=a'}),
        FakeResponse(200, {'value': [3], '@odata.nextLink': BASE + '/applications?$skiptoken=b'}),
        FakeResponse(200, {'value': []}))
    assert client(session).list('/applications', params={'$top': 2}) == [1, 2, 3]
    assert [c['url'] for c in session.calls] == [BASE + '/applications', BASE + '/applications?$skiptoken=a',
                                                 BASE + '/applications?$skiptoken=b']


def test_next_link_to_another_host_is_refused():
    session = ScriptedSession(FakeResponse(200, {'value': [1], '@odata.nextLink': 'https://evil.example/v1.0/x'}))
    with pytest.raises(MicrosoftApiError) as err:
        client(session).list('/applications')
    assert err.value.code == 'UnexpectedNextLink' and len(session.calls) == 1


def batch_answer(*responses):
    return FakeResponse(200, {'responses': list(responses)})


def test_batch_splits_into_even_chunks_of_at_most_twenty_and_keeps_order():
    requests_ = [{'id': 'r%d' % i, 'method': 'GET', 'url': '/users/%d' % i} for i in range(45)]
    # three batches of 15 (even: a short last one would idle a worker), each answered in reverse order
    answers = [batch_answer(*[{'id': str(i), 'status': 200, 'body': {'n': i}}
                              for i in reversed(range(s, s + 15))]) for s in (0, 15, 30)]
    session = ScriptedSession(*answers)
    responses = client(session).batch(requests_)
    assert [len(c['json']['requests']) for c in session.calls] == [15, 15, 15]
    assert [(r['id'], r['body']['n']) for r in responses] == [('r%d' % i, i) for i in range(45)]
    assert all(c['url'] == BASE + '/$batch' for c in session.calls)


def test_batch_retries_inner_429_after_its_own_retry_after():
    clock = FakeClock()
    requests_ = [{'id': 'a', 'method': 'GET', 'url': '/a'}, {'id': 'b', 'method': 'GET', 'url': '/b'}]
    session = ScriptedSession(
        batch_answer({'id': '0', 'status': 200, 'body': {}},
                     {'id': '1', 'status': 429, 'headers': {'Retry-After': '1.5'}, 'body': {}}),
        batch_answer({'id': '1', 'status': 200, 'body': {'ok': True}}))
    responses = client(session, clock).batch(requests_)
    assert [(r['id'], r['status']) for r in responses] == [('a', 200), ('b', 200)]
    assert responses[1]['body'] == {'ok': True}
    assert clock.sleeps == [1.5]
    assert [(r['id'], r['url']) for r in session.calls[1]['json']['requests']] == [('1', '/b')]  # only b again


def test_batch_hands_back_the_last_answer_when_throttling_never_ends():
    clock = FakeClock()
    throttled = {'id': '0', 'status': 429, 'headers': {'Retry-After': '1'}, 'body': {'error': {'code': 'x'}}}
    session = ScriptedSession(*[batch_answer(throttled) for _attempt in range(3)])
    graph = GraphClient('https://graph.example', FakeTokens(), session, policy=policy(clock, max_attempts=3))
    responses = graph.batch([{'id': 'a', 'method': 'GET', 'url': '/a'}])
    assert responses[0]['status'] == 429 and len(session.calls) == 3
    error = graph.inner_error(responses[0], {'method': 'GET', 'url': '/a'})
    assert error.status == 429 and error.code == 'x'


def test_exchange_invoke_pages_and_collects_warnings():
    first = FakeResponse(200, {'value': [{'Identity': 'r1'}], '@adminapi.warnings': ['careful'],
                               '@odata.nextLink': 'https://exo.example/adminapi/beta/t/InvokeCommand?$skiptoken=1'})
    second = FakeResponse(200, {'value': [{'Identity': 'r2'}]})
    session = ScriptedSession(first, second)
    exo = ExchangeClient('https://exo.example', 't', FakeTokens(), session, policy=policy(FakeClock()))
    assert exo.invoke('Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox'}) == [{'Identity': 'r1'},
                                                                                  {'Identity': 'r2'}]
    assert exo.warnings == ['careful']
    assert session.calls[0]['url'] == 'https://exo.example/adminapi/beta/t/InvokeCommand'
    assert session.calls[0]['json'] == session.calls[1]['json']  # the same body is posted to the next link
    assert session.calls[0]['headers']['X-AnchorMailbox'].startswith('APP:SystemMailbox{')


def test_exchange_anchor_is_the_target_mailbox():
    session = ScriptedSession(FakeResponse(200, {'value': []}))
    exo = ExchangeClient('https://exo.example', 't', FakeTokens(), session, policy=policy(FakeClock()))
    exo.invoke('Get-CalendarProcessing', {'Identity': 'room@x'}, anchor='room@x')
    assert session.calls[0]['headers']['X-AnchorMailbox'] == 'UPN:room@x'
    assert session.calls[0]['json'] == {'CmdletInput': {'CmdletName': 'Get-CalendarProcessing',
                                                        'Parameters': {'Identity': 'room@x'}}}
