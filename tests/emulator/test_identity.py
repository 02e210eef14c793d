"""Identity platform: discovery, client credentials, AADSTS errors, the roles claim."""

from __future__ import annotations

import jwt
import pytest


def claims(token):
    return jwt.decode(token, options={'verify_signature': False})


def test_openid_configuration_points_at_the_emulator(client):
    answer = client.http.get('%s/%s/v2.0/.well-known/openid-configuration'
                             % (client.emu.endpoints['login'], client.tenant(1))).json()
    assert answer['token_endpoint'].startswith(client.emu.endpoints['login'])
    assert answer['token_endpoint'].endswith('/oauth2/v2.0/token')


def test_domain_name_works_as_tenant(client):
    token, result = client.token('contoso.onmicrosoft.com')
    assert token, result
    assert claims(token)['tid'] == client.tenant(1)


def test_token_carries_the_tenant_roles_and_audience(client):
    token, _ = client.token(client.tenant(1))
    payload = claims(token)
    assert payload['aud'] == client.emu.endpoints['graph'] and payload['appid'] == client.seed['operators'][0]['app_id']
    assert payload['roles'] == ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', 'Place.Read.All',
                                'User.Read.All']
    exo, _ = client.token(client.tenant(1), service='exchange')
    exchange_administrator = '29232cdf-9323-42fd-ade2-1d097af3e4de'  # the role's template id
    assert claims(exo)['roles'] == ['Exchange.ManageAsApp'] and claims(exo)['wids'] == [exchange_administrator]


@pytest.mark.parametrize('tenant,credential,scope_service,code,status', [
    ('00000000-0000-4000-8000-000000000000', None, 'graph', 90002, 'invalid_tenant'),
    ('operator.onmicrosoft.com', None, 'graph', 700016, 'unauthorized_client'),  # no service principal there
    (1, 'wrong-secret', 'graph', 7000215, 'invalid_client'),
])
def test_documented_errors(client, tenant, credential, scope_service, code, status):
    tenant = client.tenant(tenant) if isinstance(tenant, int) else tenant
    if code == 90002:
        with pytest.raises(ValueError):  # msal reads the discovery document first and refuses the authority
            client.token(tenant, credential=credential)
        answer = client.http.post('%s/%s/oauth2/v2.0/token' % (client.emu.endpoints['login'], tenant),
                                  data={'grant_type': 'client_credentials'})
        body = answer.json()
    else:
        token, body = client.token(tenant, credential=credential)
        assert token is None
    assert body['error'] == status and body['error_codes'] == [code]
    assert body['error_description'].startswith('AADSTS%d:' % code)
    assert body['trace_id'] and body['correlation_id']


def test_unknown_resource(client):
    result = client.msal_app(client.tenant(1)).acquire_token_for_client(['https://nothing.example/.default'])
    assert result['error_codes'] == [500011]


def test_new_assignment_shows_in_the_next_token(client):
    tenant = client.tenant(1)
    reader_token, _ = client.token(tenant, operator=1)
    assert claims(reader_token)['roles'] == ['Application.Read.All']
    graph_sp = client.call(tenant, 'GET', "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')").json()
    reader = client.call(tenant, 'GET', "/v1.0/servicePrincipals(appId='%s')"
                         % client.seed['operators'][1]['app_id']).json()
    place_read = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'Place.Read.All')
    granted = client.call(tenant, 'POST', '/v1.0/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'],
                          {'principalId': reader['id'], 'resourceId': graph_sp['id'], 'appRoleId': place_read})
    assert granted.status_code == 201
    fresh = client.msal_app(tenant, operator=1).acquire_token_for_client(
        [client.emu.endpoints['graph'] + '/.default'])['access_token']
    assert sorted(claims(fresh)['roles']) == ['Application.Read.All', 'Place.Read.All']
    assert client.call(tenant, 'DELETE', '/v1.0/servicePrincipals/%s/appRoleAssignedTo/%s'
                       % (graph_sp['id'], granted.json()['id'])).status_code == 204
