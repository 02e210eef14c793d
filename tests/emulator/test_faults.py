"""Fault injection: latency, throttling, throttle budgets, server errors,
replication delay, which listeners faults apply to, and the control API."""

from __future__ import annotations

import time

import pytest
from emulator_client import Client, error_code


@pytest.fixture(scope='module')
def tenant(client):
    return client.tenant(1)


@pytest.fixture
def token(client, tenant, clean_faults):
    """A Graph token taken before faults are set (the login listener is not faulted by default)."""
    return client.token(tenant)[0]


def get_apps(client, tenant, token):
    return client.graph(tenant, 'GET', '/applications?$top=1', token=token)


def test_latency(client, tenant, token):
    client.emu.set_faults({'latency_ms': 300})
    started = time.monotonic()
    assert get_apps(client, tenant, token).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_throttle_next_counts_down_with_fractional_retry_after(client, tenant, token):
    client.emu.set_faults({'throttle_next': 2, 'retry_after': 0.2})
    answers = [get_apps(client, tenant, token) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers['Retry-After'] == '0.2' and error_code(answers[0]) == 'TooManyRequests'


def test_throttle_rate_is_random_but_reproducible_with_a_seed(client, tenant, token):
    def run():
        client.emu.set_faults({'throttle_rate': 0.5, 'seed': 7})
        return [get_apps(client, tenant, token).status_code for _ in range(12)]
    first = run()
    assert set(first) == {200, 429}
    assert run() == first
    client.emu.set_faults({'throttle_rate': 1.0})
    assert get_apps(client, tenant, token).status_code == 429


def test_throttle_budget_is_per_tenant_and_client(client, tenant, token):
    client.emu.set_faults({'throttle_budget': {'requests': 3, 'window_s': 1}})
    statuses = [get_apps(client, tenant, token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    over = get_apps(client, tenant, token)
    assert 0 < float(over.headers['Retry-After']) <= 1
    reader = Client(client.emu).token(tenant, operator=1)[0]  # another client has its own budget
    assert get_apps(client, tenant, reader).status_code == 200
    time.sleep(float(over.headers['Retry-After']) + 0.05)
    assert get_apps(client, tenant, token).status_code == 200  # a new window


@pytest.mark.parametrize('status,code,retry_after', [
    (500, 'generalException', None), (503, 'serviceNotAvailable', '2'), (504, 'generalException', None)])
def test_error_next_with_status(client, tenant, token, status, code, retry_after):
    client.emu.set_faults({'error_next': 1, 'error_status': status, 'retry_after': 2})
    failed = get_apps(client, tenant, token)
    assert failed.status_code == status and error_code(failed) == code
    assert failed.headers.get('Retry-After') == retry_after
    assert get_apps(client, tenant, token).status_code == 200


def test_error_rate(client, tenant, token):
    client.emu.set_faults({'error_rate': 1.0, 'error_status': 500})
    assert get_apps(client, tenant, token).status_code == 500
    client.emu.set_faults({'error_rate': 0.0})
    assert get_apps(client, tenant, token).status_code == 200


def test_replication_delay(client, tenant, token):
    client.emu.set_faults({'replication_delay_s': 0.6})
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Fresh'}, token=token).json()
    early = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=token)
    assert early.status_code == 400 and error_code(early) == 'Request_BadRequest'
    assert early.json()['error']['message'] == ("The appId '%s' of the service principal does not reference a "
                                                "valid application object." % app['appId'])
    assert client.graph(tenant, 'GET', "/applications(appId='%s')" % app['appId'], token=token).status_code == 404
    assert client.graph(tenant, 'GET', '/applications/%s' % app['id'], token=token).status_code == 200
    time.sleep(0.65)
    assert client.graph(tenant, 'GET', "/applications(appId='%s')" % app['appId'], token=token).status_code == 200
    assert client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=token).status_code == 201


def test_replication_next(client, tenant, token):
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Counted'}, token=token).json()
    client.emu.set_faults({'replication_next': 2})
    statuses = [client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=token).status_code
                for _ in range(3)]
    assert statuses == [400, 400, 201]


def test_faults_apply_to_chosen_listeners(client, tenant, token):
    client.emu.set_faults({'throttle_next': 1})  # default: graph and exchange, not login
    assert Client(client.emu).token(tenant)[0]
    assert get_apps(client, tenant, token).status_code == 429
    client.emu.set_faults({'throttle_next': 1, 'services': ['login'], 'retry_after': 3})
    assert get_apps(client, tenant, token).status_code == 200
    answer = client.http.post('%s/%s/oauth2/v2.0/token' % (client.emu.endpoints['login'], tenant),
                              data={'grant_type': 'client_credentials'})
    assert answer.status_code == 429 and answer.headers['Retry-After'] == '3'
    assert answer.json()['error'] == 'temporarily_unavailable'
    client.emu.set_faults({'error_next': 1, 'error_status': 503})
    exchange = client.exo(tenant, 'Get-Mailbox', {'Identity': 'board'})
    assert exchange.status_code == 503 and exchange.headers['Retry-After'] == '1'


def test_inner_batch_requests_are_throttled_with_their_own_retry_after(client, tenant, token):
    client.emu.set_faults({'throttle_budget': {'requests': 2, 'window_s': 30}})
    batch = client.graph(tenant, 'POST', '/$batch', {'requests': [
        {'id': str(n), 'method': 'GET', 'url': '/applications?$top=1'} for n in range(3)]}, token=token)
    # the envelope used one request of the budget, the first inner request the second
    assert batch.status_code == 200
    statuses = [r['status'] for r in batch.json()['responses']]
    assert statuses == [200, 429, 429]
    inner = batch.json()['responses'][1]
    assert 0 < float(inner['headers']['Retry-After']) <= 30 and inner['body']['error']['code'] == 'TooManyRequests'


def test_whole_batch_can_be_throttled(client, tenant, token):
    client.emu.set_faults({'throttle_next': 1, 'retry_after': 0.5})
    answer = client.graph(tenant, 'POST', '/$batch', {'requests': [{'id': '1', 'method': 'GET',
                                                                    'url': '/applications'}]}, token=token)
    assert answer.status_code == 429 and answer.headers['Retry-After'] == '0.5'


def test_control_api_sets_and_validates_faults(client, tenant, token):
    control = client.emu.endpoints['control']
    answer = client.http.session.put(control + '/faults', json={'throttle_next': 1, 'retry_after': 0.3},
                                     verify=client.emu.endpoints['ca_bundle'])
    assert answer.status_code == 200 and answer.json()['throttle_next'] == 1
    assert get_apps(client, tenant, token).status_code == 429
    typo = client.http.session.put(control + '/faults', json={'throtle_next': 1},
                                   verify=client.emu.endpoints['ca_bundle'])
    assert typo.status_code == 400 and 'throtle_next' in typo.json()['error']['message']
    with pytest.raises(ValueError):
        client.emu.set_faults({'error_status': 418})


def assign(client, tenant, principal, token):
    graph_sp = client.principal(tenant, '00000003-0000-0000-c000-000000000000')
    role = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'User.Read.All')
    return client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'],
                        {'principalId': principal['id'], 'resourceId': graph_sp['id'], 'appRoleId': role},
                        token=token)


def test_replication_delay_covers_a_new_service_principal(client, tenant, token):
    client.emu.set_faults({'replication_delay_s': 0.6})
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Fresh SP'}, token=token).json()
    time.sleep(0.65)  # the app has replicated; its new service principal has not
    principal = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=token).json()
    early = assign(client, tenant, principal, token)
    assert early.status_code == 400 and error_code(early) == 'Request_BadRequest'
    assert early.json()['error']['message'] == 'Not a valid reference update.'
    by_app_id = "/servicePrincipals(appId='%s')" % app['appId']
    assert client.graph(tenant, 'GET', by_app_id, token=token).status_code == 404
    assert client.graph(tenant, 'GET', '/servicePrincipals/%s' % principal['id'], token=token).status_code == 200
    time.sleep(0.65)
    assert client.graph(tenant, 'GET', by_app_id, token=token).status_code == 200
    assert assign(client, tenant, principal, token).status_code == 201


def test_assignment_replication_next(client, tenant, token):
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Counted SP'}, token=token).json()
    principal = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=token).json()
    client.emu.set_faults({'assignment_replication_next': 2})
    assert [assign(client, tenant, principal, token).status_code for _ in range(3)] == [400, 400, 201]
