"""A service that cannot be reached, and one that keeps asking to wait: real runs, clear and quick failures.

A refused connection is retried like a 503 and then reported as `could not connect to host:port`, never in
urllib3's words; a tenant answering every request with a long Retry-After fails its task at once, naming
the wait_budget option, instead of holding the run for minutes.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

URLLIB3_WORDS = ('HTTPSConnectionPool', 'NewConnectionError', 'Max retries exceeded', 'Failed to establish')


@pytest.fixture
def faults(harness):
    yield harness.emu.set_faults
    harness.emu.set_faults({})


@pytest.fixture
def closed_port():
    """A local port nothing listens on: bound, then closed, so connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def read_app(harness, tmp_path, env=None, **extra):
    """app_registration_info in a fresh process: (run, its registered result, seconds the run took)."""
    result_file = str(tmp_path / 'result.json')
    started = time.monotonic()
    run = harness.play('connection_failures.yml', env=env or harness.env(), tenant=harness.tenant(1),
                       unique_name='no-such-app', result_file=result_file, **extra)
    took = time.monotonic() - started
    assert 'Traceback' not in run.output and 'unexpected error' not in run.output, run
    with open(result_file) as handle:
        return run, json.load(handle), took


def failed_alone(run, result):
    """Only the task failed (ignored), and the result says why."""
    assert run.rc == 0 and run.recap['localhost']['ignored'] == 1, run
    assert result['failed'], result
    return result['msg']


def test_refused_graph_connection_says_could_not_connect(harness, tmp_path, closed_port):
    env = harness.env(BOOKINGSONE_GRAPH_ENDPOINT='https://127.0.0.1:%d' % closed_port)
    env.pop('AZURE_CLIENT_SECRET')  # the token is given: no sign-in, the first request goes to the closed port
    run, result, _took = read_app(harness, tmp_path, env=env, access_token='not-a-real-token', max_retries=2)
    message = failed_alone(run, result)
    assert message.startswith('graph ConnectionError: could not connect to 127.0.0.1:%d (connection refused)'
                              % closed_port), message
    assert result['error']['service'] == 'graph' and result['error']['status'] is None, result
    assert list(result['retries']) == ['graph'] and result['retries']['graph']['retried'] == 2, result  # like a 503
    for words in URLLIB3_WORDS:
        assert words not in run.output, run


def test_refused_login_connection_says_could_not_connect(harness, tmp_path, closed_port):
    env = harness.env(AZURE_AUTHORITY_HOST='https://127.0.0.1:%d' % closed_port, BOOKINGSONE_TOKEN_CACHE='false')
    run, result, _took = read_app(harness, tmp_path, env=env, max_retries=1)
    message = failed_alone(run, result)
    assert message.startswith('login ConnectionError: could not connect to 127.0.0.1:%d (connection refused)'
                              % closed_port), message
    assert list(result['retries']) == ['login'] and result['retries']['login']['retried'] == 1, result
    assert not run.requests  # nothing reached the emulator
    for words in URLLIB3_WORDS:
        assert words not in run.output, run


def test_retry_after_an_hour_fails_at_once_naming_wait_budget(harness, tmp_path, faults):
    faults({'throttle_next': 1000, 'retry_after': 3600})
    run, result, took = read_app(harness, tmp_path)
    message = failed_alone(run, result)
    assert took < 30, (took, run)
    assert ("Microsoft Graph asked to wait 3600 s (Retry-After) but only 300 s of this tenant's wait budget are "
            "left (wait_budget=300); the request was not repeated") in message, message
    assert message.startswith('graph HTTP 429 TooManyRequests: '), message  # the service's status and code kept
    assert (result['error']['status'], result['error']['code']) == (429, 'TooManyRequests'), result
    assert result['retries'] == {}, result  # no wait at all
    assert [r['status'] for r in run.requests if r['service'] == 'graph'] == [429], run.requests


def test_a_small_wait_budget_is_spent_then_the_task_fails(harness, tmp_path, faults):
    faults({'throttle_next': 1000, 'retry_after': 2})
    run, result, took = read_app(harness, tmp_path, wait_budget=3)
    message = failed_alone(run, result)
    assert took < 30, (took, run)
    assert ("Microsoft Graph asked to wait 2 s (Retry-After) but only 1 s of this tenant's wait budget are left "
            "(wait_budget=3); the request was not repeated") in message, message
    assert result['retries'] == {'graph': {'retried': 1, 'waited_s': 2.0}}, result
    assert [r['status'] for r in run.requests if r['service'] == 'graph'] == [429, 429], run.requests


def test_throttling_within_the_budget_is_waited_out(harness, tmp_path, faults):
    faults({'throttle_next': 2, 'retry_after': 1})
    run, result, _took = read_app(harness, tmp_path, wait_budget=5)
    assert run.rc == 0 and not result.get('failed') and result['exists'] is False, run
    assert result['retries'] == {'graph': {'retried': 2, 'waited_s': 2.0}}, result


def test_no_wait_budget_from_the_environment_never_waits(harness, tmp_path, faults):
    faults({'throttle_next': 1000, 'retry_after': 1})
    run, result, took = read_app(harness, tmp_path, env=harness.env(BOOKINGSONE_WAIT_BUDGET='0'))
    message = failed_alone(run, result)
    assert took < 30 and result['retries'] == {}, (took, result)
    assert "but only 0 s of this tenant's wait budget are left (wait_budget=0)" in message, message


def test_a_negative_wait_budget_is_refused_before_any_request(harness, tmp_path):
    run, result, _took = read_app(harness, tmp_path, wait_budget=-5)
    message = failed_alone(run, result)
    assert 'wait_budget -5.0 must be 0 or more seconds' in message, message
    assert not run.requests, run.requests
