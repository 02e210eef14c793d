"""The shared HTTP layer: retries, Retry-After, token refresh, error mapping."""

from __future__ import annotations

import errno
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from urllib3 import exceptions as urllib3_errors
from urllib3.connection import HTTPSConnection

from ansible_collections.bookingsone.office365.plugins.module_utils._connection import connection_errors
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ExplicitVerifyClient
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import (
    connect_failure, connection_message, parse_retry_after,
)
from ansible_collections.bookingsone.office365.plugins.module_utils._runtime import Connection
from ansible_collections.bookingsone.office365.plugins.module_utils._http import StaticToken
from ansible_collections.bookingsone.office365.plugins.plugin_utils._handoff import HandoffClient

from .fakes import FakeClock, FakeResponse, FakeTokens, ScriptedSession, graph_error, policy


def graph(session, clock, base_url='https://graph.example', **kwargs):
    return GraphClient(base_url, FakeTokens(), session, policy=policy(clock, **kwargs))


# requests' exceptions as requests and urllib3 raise them (the messages are theirs) ---------------------------

def _no_connection(reason, cause, outer=requests.exceptions.ConnectionError):
    """requests' `outer` around urllib3's MaxRetryError, whose `reason` was raised from `cause`."""
    reason.__cause__ = cause
    return outer(urllib3_errors.MaxRetryError(None, '/v1.0/x', reason))


def refused(host='graph.example'):
    cause = ConnectionRefusedError(errno.ECONNREFUSED, 'Connection refused')
    return _no_connection(urllib3_errors.NewConnectionError(
        HTTPSConnection(host, 443), 'Failed to establish a new connection: %s' % cause), cause)


def unresolved(host='graph.example'):
    cause = socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    return _no_connection(urllib3_errors.NameResolutionError(host, HTTPSConnection(host, 443), cause), cause)


def connect_timeout(host='graph.example'):
    return _no_connection(urllib3_errors.ConnectTimeoutError(HTTPSConnection(host, 443), 'Connection to %s timed out.'
                                                             % host), socket.timeout('timed out'),
                          requests.exceptions.ConnectTimeout)


def aborted():
    """The connection dropped after the request went out: the service may have carried it out."""
    return requests.exceptions.ConnectionError(urllib3_errors.ProtocolError(
        'Connection aborted.', ConnectionResetError(errno.ECONNRESET, 'Connection reset by peer')))


def closed_port():
    """A local port nothing listens on: bound, then closed."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


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


def test_retry_after_is_waited_in_full():
    """Not cut short: a retry before the Retry-After has passed only earns another 429."""
    clock = FakeClock()
    session = ScriptedSession(graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '200'}),
                              FakeResponse(200, {}))
    graph(session, clock).get('/x')
    assert clock.sleeps == [200]


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
        graph(session, clock, max_attempts=10, max_total=100).get('/x')
    assert clock.sleeps == [40, 40]  # a third wait would pass 100 s (within the wait budget of 300 s)


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
    session = ScriptedSession(refused(), FakeResponse(201, {'id': 1}))
    assert graph(session, clock).post('/applications', {}) == {'id': 1}
    assert len(session.calls) == 2 and clock.sleeps == [0.25]


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
    throttled = {'responses': [{'id': '0', 'status': 200, 'body': {}},
                               {'id': '1', 'status': 429, 'headers': {'Retry-After': '0.5'}, 'body': {}}]}
    session = ScriptedSession(FakeResponse(200, throttled),
                              FakeResponse(200, {'responses': [{'id': '1', 'status': 200, 'body': {}}]}))
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


# Connections that could not be made --------------------------------------------------------------------------

def test_a_real_refusal_is_told_without_urllib3s_wording():
    port = closed_port()
    url = 'https://127.0.0.1:%d/v1.0/x' % port
    session = requests.Session()
    session.trust_env = False  # straight to the port, whatever proxy the environment names
    with pytest.raises(requests.exceptions.ConnectionError) as err:
        session.get(url, timeout=5)
    assert 'NewConnectionError' in str(err.value)  # what the message used to be
    assert connect_failure(err.value) == 'connection refused'
    assert connection_message(err.value, url) == 'could not connect to 127.0.0.1:%d (connection refused)' % port


@pytest.mark.parametrize('failure,reason', [(refused, 'connection refused'), (unresolved, 'name not resolved'),
                                            (connect_timeout, 'connection timed out')])
def test_connect_failures_are_told_apart(failure, reason):
    assert connect_failure(failure()) == reason


@pytest.mark.parametrize('failure', [lambda: requests.exceptions.ReadTimeout('slow'), aborted,
                                     lambda: requests.exceptions.SSLError('certificate verify failed')])
def test_failures_after_a_connection_are_no_connect_failures(failure):
    assert connect_failure(failure()) is None


@pytest.mark.parametrize('first', ['refused', 503])
def test_a_refused_connection_is_retried_exactly_like_a_503(first):
    clock = FakeClock()
    failure = (lambda: refused('graph.example')) if first == 'refused' else (
        lambda: graph_error(503, 'ServiceUnavailable', 'x'))
    session = ScriptedSession(failure(), failure(), FakeResponse(200, {'ok': 1}))
    client = graph(session, clock)
    assert client.get('/x') == {'ok': 1}
    assert clock.sleeps == [0.25, 0.5] and len(session.calls) == 3  # the same backoff
    assert client.policy.retries() == {'graph': {'retried': 2, 'waited_s': 0.75}}


def test_refused_to_the_last_attempt_says_could_not_connect_to_the_host():
    clock = FakeClock()
    session = ScriptedSession(*[refused('graph.example') for _n in range(3)])
    client = graph(session, clock, base_url='https://graph.example:8443', max_attempts=3)
    with pytest.raises(MicrosoftApiError) as err:
        client.get('/x')
    error = err.value
    assert (error.service, error.status, error.code) == ('graph', None, 'ConnectionError')
    assert error.message == 'could not connect to graph.example:8443 (connection refused)'
    assert str(error) == ('graph ConnectionError: could not connect to graph.example:8443 (connection refused) '
                          '(GET https://graph.example:8443/v1.0/x)')
    assert 'HTTPSConnectionPool' not in str(error) and 'NewConnectionError' not in str(error)
    assert len(session.calls) == 3 and client.policy.retries() == {'graph': {'retried': 2, 'waited_s': 0.75}}


@pytest.mark.parametrize('failure', [refused, unresolved, connect_timeout])
def test_a_write_whose_connection_was_not_made_is_repeated(failure):
    clock = FakeClock()
    session = ScriptedSession(failure(), failure(), FakeResponse(201, {'id': 1}))
    client = graph(session, clock)
    assert client.post('/applications', {'displayName': 'x'}) == {'id': 1}
    assert [c['method'] for c in session.calls] == ['POST'] * 3
    assert client.policy.retries() == {'graph': {'retried': 2, 'waited_s': 0.75}}


@pytest.mark.parametrize('failure', [lambda: requests.exceptions.ReadTimeout('slow'), aborted])
def test_a_write_that_went_out_is_not_repeated(failure):
    """The service may have carried it out: a repeat could create a second object."""
    clock = FakeClock()
    session = ScriptedSession(failure(), FakeResponse(201, {}))
    client = graph(session, clock)
    with pytest.raises(MicrosoftApiError) as err:
        client.post('/applications', {'displayName': 'x'})
    assert err.value.code == 'ConnectionError' and 'could not connect' not in err.value.message
    assert len(session.calls) == 1 and clock.sleeps == [] and client.policy.retries() == {}


def test_exchange_says_could_not_connect_too():
    clock = FakeClock()
    session = ScriptedSession(refused('outlook.example'), refused('outlook.example'))
    client = ExchangeClient('https://outlook.example', 'contoso.onmicrosoft.com', FakeTokens(), session,
                            policy=policy(clock, max_attempts=2))
    with pytest.raises(MicrosoftApiError) as err:
        client.invoke('Set-CalendarProcessing', {'Identity': 'x', 'AutomateProcessing': 'AutoAccept'})
    assert (err.value.service, err.value.code) == ('exchange', 'ConnectionError')
    assert err.value.message == 'could not connect to outlook.example (connection refused)'
    assert client.policy.retries() == {'exchange': {'retried': 1, 'waited_s': 0.25}}


def test_the_login_says_could_not_connect():
    clock = FakeClock()
    session = ScriptedSession(refused('login.example'), unresolved('login.example'), unresolved('login.example'))
    client = login_client(session, clock, max_attempts=3)
    with pytest.raises(MicrosoftApiError) as err:
        client.post('https://login.example/t/oauth2/v2.0/token', data={'a': 'b'})
    assert (err.value.service, err.value.code) == ('login', 'ConnectionError')
    assert err.value.message == 'could not connect to login.example (name not resolved)'
    assert len(session.calls) == 3 and client.policy.retries() == {'login': {'retried': 2, 'waited_s': 0.75}}


def test_the_handoff_client_says_could_not_connect():
    clock = FakeClock()
    session = ScriptedSession(refused('bookingsone.example'), refused('bookingsone.example'), FakeResponse(204))
    client = HandoffClient('https://bookingsone.example:9443/credentials', StaticToken('t'), session,
                           policy=policy(clock))
    client.request('POST', 'https://bookingsone.example:9443/credentials', body={'client_id': 'x'})
    assert len(session.calls) == 3  # a POST, repeated: it never arrived
    session = ScriptedSession(*[refused('bookingsone.example') for _n in range(2)])
    client = HandoffClient('https://bookingsone.example:9443/credentials', StaticToken('t'), session,
                           policy=policy(clock, max_attempts=2))
    with pytest.raises(MicrosoftApiError) as err:
        client.request('POST', 'https://bookingsone.example:9443/credentials', body={'client_id': 'x'})
    assert err.value.message == 'could not connect to bookingsone.example:9443 (connection refused)'


# The wait budget: the seconds one connection may spend waiting between retries ----------------------------

def test_a_retry_after_over_the_budget_fails_at_once_naming_wait_budget():
    clock = FakeClock()
    session = ScriptedSession(graph_error(429, 'TooManyRequests', 'Too many requests', request_id='rid-1',
                                          headers={'Retry-After': '3600'}), FakeResponse(200, {}))
    client = graph(session, clock)
    with pytest.raises(MicrosoftApiError) as err:
        client.get('/x')
    error = err.value
    assert (error.service, error.status, error.code, error.request_id) == ('graph', 429, 'TooManyRequests', 'rid-1')
    assert error.message == ("Microsoft Graph asked to wait 3600 s (Retry-After) but only 300 s of this tenant's wait "
                             "budget are left (wait_budget=300); the request was not repeated. Its answer: "
                             "Too many requests")
    assert (error.method, error.url) == ('GET', 'https://graph.example/v1.0/x')
    assert clock.sleeps == [] and len(session.calls) == 1 and client.policy.retries() == {}


def test_the_budget_is_shared_by_the_requests_and_services_of_one_policy():
    clock = FakeClock()
    shared = policy(clock, wait_budget=10)
    session = ScriptedSession(graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '4'}),
                              graph_error(503, 'ServiceUnavailable', 'x', headers={'Retry-After': '3.5'}),
                              FakeResponse(200, {}),
                              FakeResponse(429, {'error': {'code': 'TooManyRequests', 'message': 'slow'}},
                                           {'Retry-After': '3'}))
    GraphClient('https://graph.example', FakeTokens(), session, policy=shared).get('/x')
    assert clock.sleeps == [4, 3.5]  # 2.5 s left
    exchange = ExchangeClient('https://exo.example', 'contoso.onmicrosoft.com', FakeTokens(), session, policy=shared)
    with pytest.raises(MicrosoftApiError) as err:
        exchange.invoke('Get-Mailbox', {})
    assert err.value.status == 429 and err.value.message.startswith(
        "Exchange Online asked to wait 3 s (Retry-After) but only 2.5 s of this tenant's wait budget are left "
        "(wait_budget=10); the request was not repeated")
    assert clock.sleeps == [4, 3.5] and shared.retries() == {'graph': {'retried': 2, 'waited_s': 7.5}}


def test_threads_do_not_overspend_the_budget():
    shared = policy(FakeClock(), wait_budget=5)
    shared.sleep = lambda seconds: None
    barrier = threading.Barrier(8, timeout=30)  # all eight ask at once

    def one_wait(_worker):
        barrier.wait()
        return shared.wait('graph', 1, shared.clock(), retry_after=1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        waited = list(pool.map(one_wait, range(8)))
    assert waited.count(True) == 5 and shared.retries() == {'graph': {'retried': 5, 'waited_s': 5.0}}


def test_a_derived_policy_waits_out_of_the_same_budget():
    clock = FakeClock()
    shared = policy(clock, wait_budget=6)
    patient = shared.with_budget(120)
    assert patient.wait('graph', 1, 0.0, retry_after=5)
    assert not shared.wait('graph', 1, 0.0, retry_after=2)  # 1 s left
    assert shared.wait('graph', 1, 0.0, retry_after=1) and not patient.wait('graph', 1, 0.0, retry_after=0.5)


def test_no_budget_never_waits():
    clock = FakeClock()
    session = ScriptedSession(graph_error(429, 'TooManyRequests', 'x', headers={'Retry-After': '1'}))
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock, wait_budget=0).get('/x')
    assert 'only 0 s' in err.value.message and '(wait_budget=0)' in err.value.message
    session = ScriptedSession(graph_error(503, 'ServiceUnavailable', 'x'))
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock, wait_budget=0).get('/x')
    assert err.value.message.startswith(
        "Microsoft Graph answered HTTP 503; a retry would wait 0.25 s (backoff) but only 0 s of this tenant's wait "
        "budget are left (wait_budget=0)")
    session = ScriptedSession(refused('graph.example'))
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock, wait_budget=0).post('/applications', {})
    assert err.value.code == 'ConnectionError' and err.value.message == (
        "could not connect to graph.example (connection refused); a retry would wait 0.25 s (backoff) but only 0 s "
        "of this tenant's wait budget are left (wait_budget=0); the request was not repeated")
    assert clock.sleeps == []


def test_the_attempts_still_end_within_the_budget_as_before():
    clock = FakeClock()
    session = ScriptedSession(*[graph_error(429, 'TooManyRequests', 'slow', headers={'Retry-After': '1'})] * 3)
    with pytest.raises(MicrosoftApiError) as err:
        graph(session, clock, max_attempts=3, wait_budget=100).get('/x')
    assert err.value.message == 'slow' and clock.sleeps == [1, 1]  # the service's own error, as before


def test_the_login_fails_at_once_over_the_budget():
    clock = FakeClock()
    session = ScriptedSession(FakeResponse(429, login_body('temporarily_unavailable', 50196, 'Slow down.'),
                                           {'Retry-After': '900'}), FakeResponse(200, {}))
    with pytest.raises(MicrosoftApiError) as err:
        login_client(session, clock).post('https://login.example/t/oauth2/v2.0/token')
    error = err.value
    assert (error.service, error.status, error.code) == ('login', 429, 'temporarily_unavailable')
    assert error.message.startswith("the identity platform asked to wait 900 s (Retry-After) but only 300 s")
    assert 'AADSTS50196: Slow down.' in error.message and len(session.calls) == 1 and clock.sleeps == []


@pytest.mark.parametrize('value,ok', [(0.0, True), (300.0, True), (1e9, True), (-1.0, False),
                                      (float('nan'), False)])
def test_wait_budget_is_validated(value, ok):
    params = dict(tenant_id='contoso.onmicrosoft.com', client_id='1b7c5c1e-5d2f-4a65-9f3e-7a1a2b3c4d5e',
                  client_secret='x', wait_budget=value)
    errors = [e for e in connection_errors(params) if 'wait_budget' in e]
    assert errors == ([] if ok else ['wait_budget %r must be 0 or more seconds (0: never wait for a retry)' % value])


def test_a_connection_builds_its_policy_with_the_budget():
    connection = Connection(dict(max_retries=2, wait_budget=12.5))
    assert (connection.policy.max_attempts, connection.policy.wait_budget) == (3, 12.5)


def test_threads_that_need_a_client_at_once_share_the_one_made(monkeypatch):
    # A check's two halves (and the preflight's two services) run in threads on one connection: a client made
    # twice would hold its own token and read cache, so each is made once, whichever thread asks first.
    from ansible_collections.bookingsone.office365.plugins.module_utils import _runtime
    made, gate = [], threading.Barrier(4)

    class SlowTokens(object):
        def __init__(self, *args):
            made.append('tokens')
            threading.Event().wait(0.05)  # long enough for every thread to be inside before the first ends

    monkeypatch.setattr(_runtime._auth, 'TokenProvider', SlowTokens)
    monkeypatch.setattr(_runtime._http, 'new_session', lambda verify: made.append('session') or object())
    connection = Connection(dict(max_retries=0, wait_budget=0, ca_bundle=None, validate_certs=True,
                                 request_timeout=5, cloud='public', tenant_id='contoso.onmicrosoft.com',
                                 login_endpoint=None, graph_endpoint=None, exchange_endpoint=None))

    def touch(name):
        gate.wait()
        return getattr(connection, name)

    with ThreadPoolExecutor(4) as pool:
        clients = list(pool.map(touch, ['graph', 'exchange', 'graph', 'exchange']))
    assert sorted(made) == ['session', 'tokens']
    assert clients[0] is clients[2] and clients[1] is clients[3] and clients[0] is not clients[1]
    assert clients[0].tokens is clients[1].tokens


# The session's environment --------------------------------------------------------------------------------------

class RecordingAdapter(requests.adapters.HTTPAdapter):
    """Answers every request 200 without a network, keeping what requests would have sent and through which proxy."""

    def __init__(self):
        super(RecordingAdapter, self).__init__()
        self.sent = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.sent.append(dict(url=request.url, authorization=request.headers.get('Authorization'), verify=verify,
                              proxy=requests.utils.select_proxy(request.url, proxies)))
        response = requests.models.Response()
        response.status_code, response._content, response.url, response.request = 200, b'{}', request.url, request
        return response


def recording_session(verify=True):
    from ansible_collections.bookingsone.office365.plugins.module_utils._http import new_session
    session, adapter = new_session(verify), RecordingAdapter()
    session.mount('https://', adapter)
    return session, adapter


def test_the_session_takes_the_proxy_requests_would_take_reading_the_environment_once_per_host(monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.corp.example:3128')
    monkeypatch.setenv('NO_PROXY', 'login.example,.internal.example')
    read = []
    original = requests.utils.get_environ_proxies
    monkeypatch.setattr(requests.utils, 'get_environ_proxies', lambda url, no_proxy=None: read.append(url) or
                        original(url, no_proxy))
    session, adapter = recording_session()
    for url in ['https://graph.example/v1.0/a', 'https://graph.example/v1.0/b?$top=1', 'https://login.example/t',
                'https://exo.internal.example/adminapi', 'https://login.example/u']:
        session.get(url, timeout=5)
    assert [sent['proxy'] for sent in adapter.sent] == ['http://proxy.corp.example:3128'] * 2 + [None] * 3
    assert read == ['https://graph.example/v1.0/a', 'https://login.example/t', 'https://exo.internal.example/adminapi']
    plain = requests.Session()  # what requests itself decides, from the same environment
    assert [requests.utils.select_proxy(url, plain.merge_environment_settings(url, {}, None, None, None)['proxies'])
            for url in ('https://graph.example/x', 'https://login.example/x')] == ['http://proxy.corp.example:3128', None]


def test_a_netrc_entry_for_the_host_does_not_replace_the_bearer_token(monkeypatch, tmp_path):
    netrc = tmp_path / '.netrc'
    netrc.write_text('machine graph.example login someone password not-for-us\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    session, adapter = recording_session()
    session.get('https://graph.example/v1.0/me', headers={'Authorization': 'Bearer t0ken'}, timeout=5)
    assert adapter.sent[0]['authorization'] == 'Bearer t0ken'
    assert requests.utils.get_netrc_auth('https://graph.example/v1.0/me') == ('someone', 'not-for-us')  # it is there


@pytest.mark.parametrize('environment,ca_bundle,validate,verify', [
    ({}, None, True, True),
    ({'REQUESTS_CA_BUNDLE': '/etc/corp-ca.pem'}, None, True, '/etc/corp-ca.pem'),
    ({'CURL_CA_BUNDLE': '/etc/curl-ca.pem'}, None, True, '/etc/curl-ca.pem'),
    ({'REQUESTS_CA_BUNDLE': '/etc/corp-ca.pem', 'CURL_CA_BUNDLE': '/etc/curl-ca.pem'}, None, True, '/etc/corp-ca.pem'),
    ({'REQUESTS_CA_BUNDLE': '/etc/corp-ca.pem'}, '/srv/given.pem', True, '/srv/given.pem'),
    ({'REQUESTS_CA_BUNDLE': '/etc/corp-ca.pem'}, '/srv/given.pem', False, False),
])
def test_the_ca_bundle_is_the_one_given_else_the_one_the_environment_names_as_requests_reads_it(
        monkeypatch, environment, ca_bundle, validate, verify):
    from ansible_collections.bookingsone.office365.plugins.module_utils._http import tls_verify
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert tls_verify(ca_bundle, validate) == verify
    session, adapter = recording_session(tls_verify(ca_bundle, validate))
    session.get('https://graph.example/v1.0/x', timeout=5)
    assert adapter.sent[0]['verify'] == verify
