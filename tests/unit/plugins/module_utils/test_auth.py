"""The auth layer against the emulator's identity platform: token reuse across processes,
the private cache file, refresh after a 401, and each credential kind."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._auth import TokenProvider, token_claims
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_certificate import CertificateError
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import Endpoints
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import new_session
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RetryPolicy

from .fakes import FakeClock, policy as fake_policy

# the emulator and the tests' way of starting it are not part of the collection tarball
emulator_fixture = pytest.importorskip('tests.emulator.emulator_fixture')


@pytest.fixture(scope='module')
def emu(tmp_path_factory):
    with emulator_fixture.running_emulator(tmp_path_factory.mktemp('emulator')) as instance:
        yield instance


@pytest.fixture(scope='module')
def operator():
    return emulator_fixture.load_seed()['operators'][0]


def provider(emu, operator, cache_dir, policy=None, **overrides):
    """A TokenProvider as one module process builds it."""
    params = dict(tenant_id='contoso.onmicrosoft.com', client_id=operator['app_id'],
                  client_secret=operator['secrets'][0]['value'], client_certificate_path=None,
                  client_certificate_password=None, access_token=None, token_cache=True, token_cache_dir=cache_dir,
                  login_endpoint=emu.endpoints['login'], graph_endpoint=emu.endpoints['graph'],
                  exchange_endpoint=emu.endpoints['exchange'], cloud='public')
    params.update(overrides)
    return TokenProvider(params, Endpoints(params), new_session(emu.endpoints['ca_bundle']), 30, policy)


def token_requests(emu, since):
    return [r for r in emu.requests(since) if r['service'] == 'login' and r['method'] == 'POST']


def mark(emu):
    return emu.requests()[-1]['seq'] if emu.requests() else 0


def test_token_reused_across_processes_through_a_private_file(emu, operator, tmp_path):
    start = mark(emu)
    first = provider(emu, operator, str(tmp_path)).token('graph')
    second = provider(emu, operator, str(tmp_path)).token('graph')  # a new "process"
    assert first == second and len(token_requests(emu, start)) == 1
    files = sorted(os.listdir(str(tmp_path)))
    assert len(files) == 2 and files[1] == 'msal-metadata.json', files  # the tokens, the public metadata
    for name in files:
        assert stat.S_IMODE(os.stat(str(tmp_path / name)).st_mode) == 0o600
        assert operator['secrets'][0]['value'] not in open(str(tmp_path / name)).read()
    assert first not in open(str(tmp_path / 'msal-metadata.json')).read()
    provider(emu, operator, str(tmp_path)).token('exchange')
    assert len(token_requests(emu, start)) == 2  # one per resource


def test_openid_metadata_is_fetched_once_for_all_processes_then_again_after_a_day(emu, operator, tmp_path):
    start = mark(emu)
    for _process in range(3):  # three "processes" (tasks), each with its own msal application
        provider(emu, operator, str(tmp_path)).token('graph')
    metadata = [r for r in emu.requests(start) if r['service'] == 'login' and r['method'] == 'GET']
    assert len(metadata) == 1, metadata
    path = str(tmp_path / 'msal-metadata.json')
    entries = json.load(open(path))
    for entry in entries.values():
        entry['expires'] = time.time() - 1  # a day later
    json.dump(entries, open(path, 'w'))
    provider(emu, operator, str(tmp_path)).token('graph', refresh=True)
    metadata = [r for r in emu.requests(start) if r['service'] == 'login' and r['method'] == 'GET']
    assert len(metadata) == 2, metadata


def test_an_unreadable_metadata_file_is_fetched_again(emu, operator, tmp_path):
    (tmp_path / 'msal-metadata.json').write_text('{not json')
    start = mark(emu)
    assert provider(emu, operator, str(tmp_path)).token('graph')
    assert [r for r in emu.requests(start) if r['service'] == 'login' and r['method'] == 'GET']
    assert json.load(open(str(tmp_path / 'msal-metadata.json')))


def test_cache_off_and_refresh_ask_again(emu, operator, tmp_path):
    start = mark(emu)
    provider(emu, operator, str(tmp_path), token_cache=False).token('graph')
    provider(emu, operator, str(tmp_path), token_cache=False).token('graph')
    assert len(token_requests(emu, start)) == 2 and os.listdir(str(tmp_path)) == []
    cached = provider(emu, operator, str(tmp_path))
    old = cached.token('graph')
    assert cached.token('graph', refresh=True) != old


def test_another_secret_never_shares_a_cache_entry(emu, operator, tmp_path):
    provider(emu, operator, str(tmp_path)).token('graph')
    wrong = provider(emu, operator, str(tmp_path), client_secret='not-the-secret')
    with pytest.raises(MicrosoftApiError) as err:
        wrong.token('graph')
    assert err.value.code == 'invalid_client' and 'AADSTS7000215' in err.value.message


def test_tenant_guid_comes_from_the_token(emu, operator, tmp_path):
    tokens = provider(emu, operator, str(tmp_path))
    token = tokens.token('graph')
    assert tokens.tenant_id == token_claims(token)['tid'] == '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'


def test_access_token_is_passed_through(emu, operator, tmp_path):
    token = provider(emu, operator, str(tmp_path)).token('graph')
    start = mark(emu)
    passthrough = provider(emu, operator, str(tmp_path), client_secret=None, client_id=None, access_token=token)
    assert passthrough.token('graph') == token and token_requests(emu, start) == []


def test_certificate_file_without_a_key_is_refused(emu, operator, tmp_path):
    bad = tmp_path / 'cert.pem'
    bad.write_text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    with pytest.raises(CertificateError) as err:
        provider(emu, operator, str(tmp_path), client_secret=None, client_certificate_path=str(bad)).token('graph')
    assert str(bad) in str(err.value)


def test_unreachable_login_is_a_clear_error(operator, tmp_path):
    params = dict(tenant_id='contoso.onmicrosoft.com', client_id=operator['app_id'], client_secret='x',
                  client_certificate_path=None, access_token=None, token_cache=False, cloud='public',
                  login_endpoint='https://127.0.0.1:9', graph_endpoint=None, exchange_endpoint=None)
    quick = RetryPolicy(max_attempts=3, base_delay=0.01)
    tokens = TokenProvider(params, Endpoints(params), new_session(True), 2, quick)
    with pytest.raises(MicrosoftApiError) as err:
        tokens.token('graph')
    assert err.value.code == 'ConnectionError' and '127.0.0.1:9' in err.value.message
    assert quick.retries()['login']['retried'] == 2  # retried like any other connection failure


# Retries of the login: the same policy as Graph and Exchange, inside msal's http client -------------------

@pytest.fixture
def faults(emu):
    yield emu.set_faults
    emu.set_faults({})


def login_requests(emu, since):
    return [(r['method'], r['status']) for r in emu.requests(since) if r['service'] == 'login']


def test_login_unavailable_for_two_seconds_then_a_token(emu, operator, tmp_path, faults):
    start = mark(emu)
    shared = RetryPolicy()
    faults({'services': ['login'], 'error_status': 503, 'error_for_s': 2, 'retry_after': 1})
    token = provider(emu, operator, str(tmp_path), policy=shared, token_cache=False).token('graph')
    assert token_claims(token)['tid'] == '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'
    answers = login_requests(emu, start)
    assert answers[0] == ('GET', 503) and answers[-2:] == [('GET', 200), ('POST', 200)], answers
    retried = shared.retries()['login']
    assert retried['retried'] == len(answers) - 2 >= 1 and retried['waited_s'] >= 1.0


@pytest.mark.parametrize('failing', ['discovery', 'token'])
def test_login_500_every_time_is_a_clear_error(emu, operator, tmp_path, faults, failing):
    tokens = provider(emu, operator, str(tmp_path), policy=RetryPolicy(max_attempts=3, base_delay=0.01),
                      token_cache=False)
    if failing == 'token':
        tokens._client_app()  # discovery done: only the token POST meets the fault
    start = mark(emu)
    faults({'services': ['login'], 'error_rate': 1.0, 'error_status': 500})
    with pytest.raises(MicrosoftApiError) as err:
        tokens.token('graph')
    error = err.value
    assert (error.service, error.status, error.code) == ('login', 500, 'server_error')
    assert error.message.startswith('AADSTS50000: ') and 'HTTP Error' not in str(error)
    assert error.request_id and 'correlation ID %s' % error.request_id in error.message and 'trace ID ' in error.message
    assert login_requests(emu, start) == [('GET' if failing == 'discovery' else 'POST', 500)] * 3


def test_login_429_waits_for_retry_after(emu, operator, tmp_path, faults):
    clock = FakeClock()
    tokens = provider(emu, operator, str(tmp_path), policy=fake_policy(clock), token_cache=False)
    tokens._client_app()
    faults({'services': ['login'], 'throttle_next': 1, 'retry_after': 0.3})
    start = mark(emu)
    assert tokens.token('graph')
    assert clock.sleeps == [0.3] and login_requests(emu, start) == [('POST', 429), ('POST', 200)]
    assert tokens._policy.retries() == {'login': {'retried': 1, 'waited_s': 0.3}}


@pytest.mark.parametrize('overrides,status,code,number', [
    ({'client_secret': 'not-the-secret'}, 401, 'invalid_client', 7000215),
    ({'client_id': '00000000-0000-4000-8000-00000000beef'}, 400, 'unauthorized_client', 700016),
])
def test_client_errors_of_the_login_are_not_retried(emu, operator, tmp_path, overrides, status, code, number):
    clock = FakeClock()
    start = mark(emu)
    tokens = provider(emu, operator, str(tmp_path), policy=fake_policy(clock), token_cache=False, **overrides)
    with pytest.raises(MicrosoftApiError) as err:
        tokens.token('graph')
    assert err.value.code == code and err.value.message.startswith('AADSTS%d: ' % number)
    assert 'correlation ID %s' % err.value.request_id in err.value.message
    assert [r for r in login_requests(emu, start) if r[0] == 'POST'] == [('POST', status)]  # exactly one
    assert clock.sleeps == [] and tokens._policy.retries() == {}
