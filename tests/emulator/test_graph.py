"""Microsoft Graph routes: status codes, error bodies, OData options, batching, permissions."""

from __future__ import annotations

import pytest

GRAPH_APP = '00000003-0000-0000-c000-000000000000'


def error_code(response):
    body = response.json()
    assert set(body['error']['innerError']) >= {'date', 'request-id', 'client-request-id'}
    assert response.headers['request-id'] == body['error']['innerError']['request-id']
    return body['error']['code']


def test_create_get_patch_delete_with_documented_statuses(client):
    tenant = client.tenant(1)
    created = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'Emu app'})
    assert created.status_code == 201
    app = created.json()
    assert app['signInAudience'] == 'AzureADMyOrg' and app['web']['redirectUris'] == []
    patched = client.call(tenant, 'PATCH', '/v1.0/applications/%s' % app['id'],
                          {'web': {'redirectUris': ['https://x.example/cb']}})
    assert patched.status_code == 204 and patched.content == b''
    again = client.call(tenant, 'GET', "/v1.0/applications(appId='%s')" % app['appId']).json()
    assert again['displayName'] == 'Emu app'  # omitted properties keep their values
    assert again['web']['redirectUris'] == ['https://x.example/cb']
    assert client.call(tenant, 'DELETE', '/v1.0/applications/%s' % app['id']).status_code == 204
    gone = client.call(tenant, 'GET', '/v1.0/applications/%s' % app['id'])
    assert gone.status_code == 404 and error_code(gone) == 'Request_ResourceNotFound'


@pytest.mark.parametrize('body,code', [
    ({'displayName': 'x', 'signInAudience': 'Everyone'}, 'InvalidValue'),
    ({'displayName': 'x', 'web': {'redirectUris': ['http://x.example/cb']}}, 'InvalidValue'),
    ({'displayName': 'x', 'colour': 'blue'}, 'Request_BadRequest'),
    ({'displayName': 'x', 'appId': '11111111-1111-1111-1111-111111111111'}, 'Request_BadRequest'),
    ({'signInAudience': 'AzureADMyOrg'}, 'Request_BadRequest'),
])
def test_invalid_bodies_are_refused(client, body, code):
    answer = client.call(client.tenant(1), 'POST', '/v1.0/applications', body)
    assert answer.status_code == 400 and error_code(answer) == code


def test_filter_select_and_paging(client):
    tenant = client.tenant(1)
    for number in range(5):
        client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'Paged %d' % number})
    first = client.call(tenant, 'GET', "/v1.0/applications?$filter=startswith(displayName,'Paged')"
                        "&$select=displayName,appId").json()
    names = [a['displayName'] for a in first['value']]
    assert len(names) == 2 and set(first['value'][0]) == {'displayName', 'appId'}
    page = first
    while '@odata.nextLink' in page:
        assert page['@odata.nextLink'].startswith(client.emu.endpoints['graph'])
        page = client.call(tenant, 'GET', page['@odata.nextLink']).json()
        names += [a['displayName'] for a in page['value']]
    assert sorted(names) == ['Paged %d' % n for n in range(5)]
    exact = client.call(tenant, 'GET', "/v1.0/applications?$filter=displayName eq 'Paged 3'").json()['value']
    assert [a['displayName'] for a in exact] == ['Paged 3']
    bad = client.call(tenant, 'GET', "/v1.0/applications?$filter=notes eq 'x'")
    assert bad.status_code == 400 and error_code(bad) == 'Request_UnsupportedQuery'
    unknown = client.call(tenant, 'GET', '/v1.0/applications?$select=colour')
    assert unknown.status_code == 400


def test_upsert_by_unique_name(client):
    tenant = client.tenant(1)
    path = "/v1.0/applications(uniqueName='emu-upsert')"
    missing = client.call(tenant, 'PATCH', path, {'displayName': 'Upsert'})
    assert missing.status_code == 404
    created = client.call(tenant, 'PATCH', path, {'displayName': 'Upsert'}, headers={'Prefer': 'create-if-missing'})
    assert created.status_code == 201 and created.json()['uniqueName'] == 'emu-upsert'
    updated = client.call(tenant, 'PATCH', path, {'displayName': 'Upsert 2'}, headers={'Prefer': 'create-if-missing'})
    assert updated.status_code == 204
    assert client.call(tenant, 'GET', path).json()['displayName'] == 'Upsert 2'


def test_permissions_are_enforced(client):
    tenant = client.tenant(1)
    refused = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'x'}, operator=1)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    assert client.call(tenant, 'GET', '/v1.0/applications', operator=1).status_code == 200
    no_token = client.http.session.get(client.emu.endpoints['graph'] + '/v1.0/applications',
                                       verify=client.emu.endpoints['ca_bundle'])
    assert no_token.status_code == 401 and error_code(no_token) == 'InvalidAuthenticationToken'
    exchange_token, _ = client.token(tenant, service='exchange')
    wrong_audience = client.call(tenant, 'GET', '/v1.0/applications', token=exchange_token)
    assert wrong_audience.status_code == 401
    places = client.call(client.tenant(1), 'GET', '/v1.0/places/microsoft.graph.room', operator=1)
    assert places.status_code == 403


def test_passwords_and_tenant_policy(client):
    tenant, strict = client.tenant(1), client.tenant(2)
    app = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'Secret app'}).json()
    added = client.call(tenant, 'POST', '/v1.0/applications/%s/addPassword' % app['id'],
                        {'passwordCredential': {'displayName': 'one'}})
    assert added.status_code == 200
    credential = added.json()
    assert credential['secretText'] and credential['hint'] == credential['secretText'][:3]
    stored = client.call(tenant, 'GET', '/v1.0/applications/%s' % app['id']).json()['passwordCredentials']
    assert stored[0]['secretText'] is None and stored[0]['keyId'] == credential['keyId']
    assert client.call(tenant, 'POST', '/v1.0/applications/%s/removePassword' % app['id'],
                       {'keyId': credential['keyId']}).status_code == 204
    other = client.call(strict, 'POST', '/v1.0/applications', {'displayName': 'Policy app'}).json()
    refused = client.call(strict, 'POST', '/v1.0/applications/%s/addPassword' % other['id'],
                          {'passwordCredential': {'displayName': 'long', 'endDateTime': '2099-01-01T00:00:00Z'}})
    assert refused.status_code == 400 and error_code(refused) == 'CredentialInvalidLifetimeAsPerAppPolicy'


def test_service_principals_and_assignments(client):
    tenant = client.tenant(1)
    app = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'SP app'}).json()
    principal = client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': app['appId']})
    assert principal.status_code == 201
    duplicate = client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': app['appId']})
    assert duplicate.status_code == 409
    graph = client.call(tenant, 'GET', "/v1.0/servicePrincipals?$filter=appId eq '%s'" % GRAPH_APP).json()['value'][0]
    role = next(r['id'] for r in graph['appRoles'] if r['value'] == 'Mail.Send')
    body = {'principalId': principal.json()['id'], 'resourceId': graph['id'], 'appRoleId': role}
    path = '/v1.0/servicePrincipals/%s/appRoleAssignedTo' % graph['id']
    assert client.call(tenant, 'POST', path, body).status_code == 201
    again = client.call(tenant, 'POST', path, body)
    assert again.status_code == 400 and error_code(again) == 'Request_BadRequest'
    listed = client.call(tenant, 'GET', '/v1.0/servicePrincipals/%s/appRoleAssignments' % principal.json()['id'])
    assert [a['appRoleId'] for a in listed.json()['value']] == [role]
    unknown_app = client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': '12345678-1234-4123-8123-123456789012'})
    assert unknown_app.status_code == 400 and 'does not reference a valid application' in unknown_app.json()['error']['message']


def test_batch_dependencies_and_inner_throttling(client):
    tenant = client.tenant(1)
    client.emu.set_faults(dict(throttle_next=1, retry_after=0.5))
    try:
        token, _ = client.token(tenant)  # the token request is not subject to Graph faults
        answer = client.call(tenant, 'POST', '/v1.0/$batch', {'requests': [
            {'id': '1', 'method': 'GET', 'url': '/applications'},
        ]}, token=token)
    finally:
        client.emu.set_faults({})
    assert answer.status_code == 429 and answer.headers['Retry-After'] == '0.5'
    client.emu.set_faults(dict(throttle_next=0))
    batch = client.call(tenant, 'POST', '/v1.0/$batch', {'requests': [
        {'id': 'a', 'method': 'GET', 'url': '/applications/00000000-0000-4000-8000-000000000000'},
        {'id': 'b', 'method': 'GET', 'url': '/applications', 'dependsOn': ['a']},
        {'id': 'c', 'method': 'GET', 'url': "/servicePrincipals(appId='%s')" % GRAPH_APP},
    ]}).json()['responses']
    assert [(r['id'], r['status']) for r in batch] == [('a', 404), ('b', 424), ('c', 200)]
    too_many = client.call(tenant, 'POST', '/v1.0/$batch', {'requests': [
        {'id': str(n), 'method': 'GET', 'url': '/applications'} for n in range(21)]})
    assert too_many.status_code == 400


def test_inner_batch_requests_throttled_with_their_own_retry_after(client):
    tenant = client.tenant(1)
    token, _ = client.token(tenant)
    mark = client.emu.requests()[-1]['seq']
    client.emu.set_faults(dict(throttle_budget={'requests': 2, 'window_s': 30}, retry_after=1))
    try:
        batch = client.call(tenant, 'POST', '/v1.0/$batch', {'requests': [
            {'id': str(n), 'method': 'GET', 'url': '/applications'} for n in range(3)]}, token=token)
    finally:
        client.emu.set_faults({})
    # the envelope used one request of the budget, the first inner one the second
    statuses = [r['status'] for r in batch.json()['responses']]
    assert batch.status_code == 200 and statuses == [200, 429, 429]
    assert float(batch.json()['responses'][1]['headers']['Retry-After']) > 0
    logged = client.emu.requests(since=mark)
    # inner requests are logged as they run, the envelope once it completes
    assert [(r['batch'], r['path']) for r in logged] == [(True, '/v1.0/applications')] * 3 + [(False, '/v1.0/$batch')]
    assert not any(r['write'] for r in logged)


def test_errors_latency_and_request_log(client):
    import time
    tenant = client.tenant(1)
    token, _ = client.token(tenant)
    client.emu.set_faults(dict(error_next=1, error_status=503, retry_after=2, latency_ms=150))
    try:
        started = time.time()
        failed = client.call(tenant, 'GET', '/v1.0/applications', token=token)
        elapsed = time.time() - started
        ok = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'After outage'}, token=token)
    finally:
        client.emu.set_faults({})
    assert failed.status_code == 503 and failed.headers['Retry-After'] == '2' and elapsed >= 0.15
    assert ok.status_code == 201
    last = client.emu.requests()[-2:]
    assert [(r['method'], r['status'], r['write'], r['tenant']) for r in last] == [
        ('GET', 503, False, tenant), ('POST', 201, True, tenant)]


def test_replication_delay_after_create(client):
    tenant = client.tenant(1)
    client.emu.set_faults(dict(replication_delay_s=30))
    try:
        app = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'Fresh app'}).json()
        early = client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': app['appId']})
        by_key = client.call(tenant, 'GET', "/v1.0/applications(appId='%s')" % app['appId'])
    finally:
        client.emu.set_faults({})
    assert early.status_code == 400 and error_code(early) == 'Request_BadRequest'
    assert by_key.status_code == 404
    assert client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': app['appId']}).status_code == 201


def test_rooms_and_room_lists(client):
    tenant = client.tenant(1)
    rooms = client.call(tenant, 'GET', '/v1.0/places/microsoft.graph.room?$top=10').json()['value']
    assert sorted(r['emailAddress'] for r in rooms) == ['annex@contoso.onmicrosoft.com', 'board@contoso.onmicrosoft.com',
                                                        'focus-1@contoso.onmicrosoft.com']
    lists = client.call(tenant, 'GET', '/v1.0/places/microsoft.graph.roomlist').json()['value']
    assert [rl['emailAddress'] for rl in lists] == ['hq-rooms@contoso.onmicrosoft.com']
    hq = client.call(tenant, 'GET', '/v1.0/places/hq-rooms@contoso.onmicrosoft.com/microsoft.graph.roomlist/rooms'
                     '?$top=10').json()['value']
    assert sorted(r['displayName'] for r in hq) == ['Board Room', 'Focus Room 1']
