"""The shared HTTP layer: retries, Retry-After, token refresh, error mapping."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ExplicitVerifyClient, parse_retry_after

from .fakes import FakeClock, FakeResponse, FakeTokens, ScriptedSession, graph_error, policy


def graph(session, clock, **kwargs):
    return GraphClient('https://graph.example', FakeTokens(), session, policy=policy(clock, **kwargs))


def test_429_waits_for_fractional_retry_after_then_succeeds():
    clock = FakeClock()
    session = ScriptedSession(
        graph_error(429, 'TooManyRequests', 'slow down', headers={'Retry-After': '0.25'}),
        FakeResponse(200, {'id': 'x'}))
    assert graph(session, clock).get('/applications/x') == {'id': 'x'}
    assert clock.sleeps == [0.25]
    assert len(session.calls) == 2
    # verify goes with every request: requests would let REQUESTS_CA_BUNDLE override the session's
    assert [c['verify'] for c in session.calls] == ['/path/to/ca.pem'] * 2


def test_503_and_504_without_retry_after_back_off_exponentially_with_jitter():
    clock = FakeClock()
    session = ScriptedSession(graph_error(503, 'ServiceUnavailable', 'x'), graph_error(504, 'GatewayTimeout', 'x'),
                              graph_error(503, 'ServiceUnavailable', 'x'), FakeResponse(200, {}))
    graph(session, clock, base_delay=1.0).get('/x')
    # jitter 0.5 of 1, 2, 4 seconds
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_retry_after_is_capped():
    clock = FakeClock()
    session = ScriptedSession(graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '3600'}),
                              FakeResponse(200, {}))
    graph(session, clock, max_retry_after=10, max_total=100).get('/x')
    assert clock.sleeps == [10]


def test_gives_up_after_max_attempts_with_the_services_code_and_request_id():
    clock = FakeClock()
    throttled = [graph_error(429, 'TooManyRequests', 'Too many requests', request_id='rid-%d' % i,
                             headers={'Retry-After': '1'}) for i in range(3)]
    session = ScriptedSession(*throttled)
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock, max_attempts=3).get('/x')
    assert (err.value.status, err.value.code, err.value.request_id) == (429, 'TooManyRequests', 'rid-2')
    assert len(session.calls) == 3 and clock.sleeps == [1, 1]


def test_total_time_budget_stops_retries():
    clock = FakeClock()
    session = ScriptedSession(*[graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '40'})
                                for _attempt in range(10)])
    with pytest.raises(MicrosoftApiError):
        graph(session, clock, max_attempts=10, max_total=100, max_retry_after=60).get('/x')
    assert clock.sleeps == [40, 40]  # a third wait would pass 100 s


def test_client_errors_are_not_retried():
    clock = FakeClock()
    session = ScriptedSession(graph_error(400, 'Request_BadRequest', 'bad'))
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock).post('/applications', {})
    assert err.value.code == 'Request_BadRequest' and err.value.message == 'bad'
    assert err.value.method == 'POST' and err.value.url == 'https://graph.example/v1.0/applications'
    assert len(session.calls) == 1 and clock.sleeps == []


def test_connection_errors_retried_for_reads():
    clock = FakeClock()
    session = ScriptedSession(requests.exceptions.ConnectionError('refused'),
                              requests.exceptions.ReadTimeout('slow'), FakeResponse(200, {'ok': 1}))
    assert graph(session, clock).get('/x') == {'ok': 1}
    assert len(session.calls) == 3


def test_read_timeout_on_a_write_is_not_repeated():
    """The write may have happened; repeating a POST could create a second object."""
    clock = FakeClock()
    session = ScriptedSession(requests.exceptions.ReadTimeout('slow'), FakeResponse(201, {}))
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock).post('/applications', {'displayName': 'x'})
    assert err.value.code == 'ConnectionError' and len(session.calls) == 1


def test_connect_failure_on_a_write_is_repeated():
    clock = FakeClock()
    session = ScriptedSession(requests.exceptions.ConnectionError('refused'), FakeResponse(201, {'id': 1}))
    assert graph(session, clock).post('/applications', {}) == {'id': 1}


def test_401_refreshes_the_token_once():
    clock = FakeClock()
    session = ScriptedSession(graph_error(401, 'InvalidAuthenticationToken', 'expired'), FakeResponse(200, {}))
    client = graph(session, clock)
    client.get('/x')
    assert client.tokens.calls == [('graph', False), ('graph', True)]
    assert session.calls[0]['headers']['Authorization'] == 'Bearer token-1'
    assert session.calls[1]['headers']['Authorization'] == 'Bearer token-2'


def test_second_401_is_an_error():
    clock = FakeClock()
    session = ScriptedSession(graph_error(401, 'InvalidAuthenticationToken', 'no'),
                              graph_error(401, 'InvalidAuthenticationToken', 'still no'))
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock).get('/x')
    assert err.value.status == 401 and err.value.message == 'still no'


def test_each_request_carries_a_client_request_id():
    clock = FakeClock()
    session = ScriptedSession(FakeResponse(200, {}), FakeResponse(200, {}))
    client = graph(session, clock)
    client.get('/a')
    client.get('/b')
    ids = [call['headers']['client-request-id'] for call in session.calls]
    assert len(set(ids)) == 2 and all(len(i) == 36 for i in ids)


def test_error_without_json_body_still_maps():
    clock = FakeClock()
    response = FakeResponse(502, None, {'request-id': 'hdr-id'})
    session = ScriptedSession(response)
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock).get('/x')
    assert (err.value.code, err.value.request_id) == ('HTTP502', 'hdr-id')


@pytest.mark.parametrize('value,expected', [('2', 2.0), ('0.5', 0.5), (None, None), ('soon', None)])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    assert parse_retry_after('Thu, 01 Jan 2026 00:00:30 GMT', now=1767225600.0) == 30.0


def test_exchange_error_details_give_code_and_exception_type():
    clock = FakeClock()
    body = {'error': {'code': 'NotFound', 'message': 'summary',
                      'details': [{'code': 'Context', 'message':
                                   "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|"
                                   "The operation couldn't be performed because object 'x' couldn't be found."}]}}
    session = ScriptedSession(FakeResponse(404, body))
    client = ExchangeClient('https://exo.example', 'contoso.onmicrosoft.com', FakeTokens(), session,
                            policy=policy(clock))
    with pytest.raises(MicrosoftApiError) as err:
        client.invoke('Get-CalendarProcessing', {'Identity': 'x'})
    assert err.value.code == 'Ex6F9304'
    assert err.value.details == ['Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException']
    assert err.value.message.startswith("The operation couldn't be performed")


# Retry counts (the modules' `retries` result) --------------------------------------------------------------

def test_graph_429_retries_are_counted_with_the_time_waited():
    clock = FakeClock()
    session = ScriptedSession(graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '0.25'}),
                              graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '1.004'}),
                              FakeResponse(200, {}))
    client = graph(session, clock)
    assert client.policy.retries() == {}  # nothing retried: no service listed
    client.get('/x')
    assert client.policy.retries() == {'graph': {'retried': 2, 'waited_s': 1.25}}


def test_one_policy_counts_each_service_apart_and_the_last_failed_attempt_is_no_retry():
    clock = FakeClock()
    shared = policy(clock, max_attempts=2)
    session = ScriptedSession(graph_error(503, 'ServiceUnavailable', 'x', headers={'Retry-After': '2'}),
                              graph_error(503, 'ServiceUnavailable', 'x', headers={'Retry-After': '2'}),
                              FakeResponse(503, None, {'Retry-After': '3'}), FakeResponse(200, {'results': []}))
    with pytest.raises(MicrosoftApiError):
        GraphClient('https://graph.example', FakeTokens(), session, policy=shared).get('/x')
    ExchangeClient('https://exo.example', 'contoso.onmicrosoft.com', FakeTokens(), session,
                   policy=shared).invoke('Get-Mailbox', {})
    assert shared.retries() == {'graph': {'retried': 1, 'waited_s': 2.0}, 'exchange': {'retried': 1, 'waited_s': 3.0}}


def test_batch_inner_retries_are_counted():
    clock = FakeClock()
    throttled = {'responses': [{'id': '1', 'status': 200, 'body': {}},
                               {'id': '2', 'status': 429, 'headers': {'Retry-After': '0.5'}, 'body': {}}]}
    session = ScriptedSession(FakeResponse(200, throttled),
                              FakeResponse(200, {'responses': [{'id': '2', 'status': 200, 'body': {}}]}))
    client = graph(session, clock)
    answers = client.batch([{'id': '1', 'method': 'GET', 'url': '/a'}, {'id': '2', 'method': 'GET', 'url': '/b'}])
    assert [a['status'] for a in answers] == [200, 200]
    assert client.policy.retries() == {'graph': {'retried': 1, 'waited_s': 0.5}}


def test_the_count_is_thread_safe():
    """Modules fan requests out over threads; without the lock this loses counts."""
    shared = policy(FakeClock())
    shared.sleep = lambda seconds: None
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, between a read and its write too

    def retry_many(_worker):
        for _n in range(2000):
            assert shared.wait('graph', 1, shared.clock(), retry_after=0.01)

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(retry_many, range(8)))
    finally:
        sys.setswitchinterval(interval)
    assert shared.retries() == {'graph': {'retried': 16000, 'waited_s': 160.0}}


# The login: msal's http client retries with the same policy -------------------------------------------------

def login_body(error, number, description, trace='trace-1', correlation='corr-1'):
    return {'error': error, 'error_codes': [number], 'trace_id': trace, 'correlation_id': correlation,
            'timestamp': '2026-11-24 00:00:00Z',
            'error_description': 'AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: 2026-11-24 00:00:00Z'
                                 % (number, description, trace, correlation)}


def login_client(session, clock, **kwargs):
    return ExplicitVerifyClient(session, 30, policy(clock, **kwargs))


@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_login_retries_throttling_and_server_errors(status):
    clock = FakeClock()
    session = ScriptedSession(FakeResponse(status, login_body('server_error', 50000, 'x'), {'Retry-After': '2'}),
                              FakeResponse(200, {'access_token': 't'}))
    client = login_client(session, clock)
    assert client.post('https://login.example/t/oauth2/v2.0/token', data={'a': 'b'}).json() == {'access_token': 't'}
    assert clock.sleeps == [2.0] and len(session.calls) == 2
    assert [c['data'] for c in session.calls] == [{'a': 'b'}] * 2 and session.calls[1]['verify'] == '/path/to/ca.pem'
    assert client.policy.retries() == {'login': {'retried': 1, 'waited_s': 2.0}}


def test_login_final_server_error_names_service_status_aadsts_and_ids():
    clock = FakeClock()
    session = ScriptedSession(*[FakeResponse(500, login_body('server_error', 50000, 'There is an issue.',
                                                             correlation='corr-%d' % n)) for n in range(3)])
    with pytest.raises(MicrosoftApiError) as err:
        login_client(session, clock, max_attempts=3).get('https://login.example/t/v2.0/.well-known/openid-configuration')
    error = err.value
    assert (error.service, error.status, error.code, error.request_id) == ('login', 500, 'server_error', 'corr-2')
    assert error.message == 'AADSTS50000: There is an issue. (trace ID trace-1, correlation ID corr-2)'
    assert str(error).startswith('login HTTP 500 server_error: AADSTS50000')
    assert len(session.calls) == 3 and clock.sleeps == [0.25, 0.5]  # backoff without Retry-After


def test_login_error_without_a_body_still_names_the_status():
    clock = FakeClock()
    session = ScriptedSession(FakeResponse(501, None))  # not retried, but msal would only say "HTTP Error: 501"
    with pytest.raises(MicrosoftApiError) as err:
        login_client(session, clock).post('https://login.example/t/oauth2/v2.0/token')
    assert (err.value.status, err.value.code) == (501, 'HTTP501') and 'HTTP 501' in err.value.message
    assert clock.sleeps == []


@pytest.mark.parametrize('status,error', [(400, 'invalid_request'), (401, 'invalid_client')])
def test_login_client_errors_go_back_to_msal_unretried(status, error):
    clock = FakeClock()
    session = ScriptedSession(FakeResponse(status, login_body(error, 7000215, 'Invalid client secret provided.')))
    client = login_client(session, clock)
    assert client.post('https://login.example/t/oauth2/v2.0/token').status_code == status
    assert len(session.calls) == 1 and clock.sleeps == [] and client.policy.retries() == {}


def test_login_connection_failures_are_retried_then_reported():
    clock = FakeClock()
    session = ScriptedSession(requests.exceptions.ReadTimeout('slow'), FakeResponse(200, {}))
    assert login_client(session, clock).post('https://login.example/t/oauth2/v2.0/token').status_code == 200
    session = ScriptedSession(*[requests.exceptions.ConnectionError('refused')] * 2)
    with pytest.raises(MicrosoftApiError) as err:
        login_client(session, clock, max_attempts=2).get('https://login.example/t/x')
    assert (err.value.service, err.value.code) == ('login', 'ConnectionError')
    assert 'https://login.example/t/x' in err.value.message and len(session.calls) == 2
