"""The login is retried like Graph and Exchange, and every result says how much was retried."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture
def login_faults(harness):
    yield lambda faults: harness.emu.set_faults(dict(faults, services=['login']))
    harness.emu.set_faults({})


def read_app(harness, tmp_path, **extra):
    """app_registration_info in a fresh process, with no token cache to skip the login."""
    result_file = str(tmp_path / 'result.json')
    run = harness.play('login_retry.yml', env=harness.env(BOOKINGSONE_TOKEN_CACHE='false'),
                       tenant=harness.tenant(1), unique_name='no-such-app', result_file=result_file, **extra)
    assert 'Traceback' not in run.output and 'unexpected error' not in run.output, run
    with open(result_file) as handle:
        return run, json.load(handle)


def test_login_unavailable_for_two_seconds_is_waited_out(harness, tmp_path, login_faults):
    login_faults({'error_for_s': 2, 'error_status': 503, 'retry_after': 1})
    run, result = read_app(harness, tmp_path)
    assert run.rc == 0 and not result.get('failed') and result['exists'] is False, run
    assert result['retries']['login']['retried'] >= 1 and result['retries']['login']['waited_s'] >= 1.0, result
    assert set(result['retries']) == {'login'}  # Graph answered at once
    logins = [(r['method'], r['status']) for r in run.requests if r['service'] == 'login']
    assert logins[0] == ('GET', 503) and logins[-1] == ('POST', 200), logins


def test_login_failing_with_500_is_a_clear_task_failure(harness, tmp_path, login_faults):
    login_faults({'error_rate': 1.0, 'error_status': 500})
    run, result = read_app(harness, tmp_path, max_retries=2)
    assert run.rc == 0 and run.recap['localhost']['ignored'] == 1, run  # only the task failed (ignored)
    assert result['failed'] and result['error']['service'] == 'login' and result['error']['status'] == 500, result
    correlation = result['error']['request_id']
    assert re.match(r'^[0-9a-f-]{36}$', correlation), result
    message = result['msg']
    assert message.startswith('login HTTP 500 server_error: AADSTS50000') and correlation in message, message
    assert list(result['retries']) == ['login'] and result['retries']['login']['retried'] == 2, result
    assert [r['status'] for r in run.requests if r['service'] == 'login'] == [500] * 3
    assert not [r for r in run.requests if r['service'] != 'login']  # nothing went on without a token
