"""Identity platform: discovery, keys, client credentials with msal (secret, PEM and
PFX certificates), the documented AADSTS errors and the roles claim."""

from __future__ import annotations

import time
import uuid

import jwt
import msal
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from emulator_client import EXCHANGE_APP, GRAPH_APP, Client


def claims(token):
    return jwt.decode(token, options={'verify_signature': False})


def token_error(client, tenant, **form):
    """POST to the token endpoint directly: (status, body)."""
    answer = client.http.post('%s/%s/oauth2/v2.0/token' % (client.emu.endpoints['login'], tenant), data=form)
    return answer.status_code, answer.json()


def assert_aadsts(body, number, error):
    assert body['error'] == error and body['error_codes'] == [number], body
    assert body['error_description'].startswith('AADSTS%d:' % number)
    for name in ('timestamp', 'trace_id', 'correlation_id'):
        assert body[name]


def test_discovery_document_points_at_the_login_listener(client):
    for key in (client.tenant(1), 'contoso.onmicrosoft.com'):
        answer = client.http.get('%s/%s/v2.0/.well-known/openid-configuration'
                                 % (client.emu.endpoints['login'], key)).json()
        base = '%s/%s' % (client.emu.endpoints['login'], client.tenant(1))
        assert answer['token_endpoint'] == base + '/oauth2/v2.0/token'
        assert answer['jwks_uri'] == base + '/discovery/v2.0/keys'
        assert answer['authorization_endpoint'] == base + '/oauth2/v2.0/authorize'
        assert answer['issuer'] == base + '/v2.0'


def test_unknown_tenant_discovery_is_invalid_tenant(client):
    answer = client.http.get('%s/nowhere.example/v2.0/.well-known/openid-configuration'
                             % client.emu.endpoints['login'])
    assert answer.status_code == 400
    assert_aadsts(answer.json(), 90002, 'invalid_tenant')
    with pytest.raises(ValueError):  # msal refuses an authority whose discovery fails
        client.msal_app('00000000-0000-4000-8000-000000000000').acquire_token_for_client(
            ['https://graph.microsoft.com/.default'])


def test_access_token_verifies_against_the_published_keys(client):
    token, result = client.token(client.tenant(1))
    assert result['token_type'] == 'Bearer' and 3000 < result['expires_in'] <= 3599
    keys = client.http.get('%s/%s/discovery/v2.0/keys' % (client.emu.endpoints['login'], client.tenant(1))).json()
    key = jwt.PyJWK(keys['keys'][0])
    assert jwt.get_unverified_header(token)['kid'] == keys['keys'][0]['kid']
    payload = jwt.decode(token, key.key, algorithms=['RS256'], audience=client.emu.endpoints['graph'])
    operator_sp = client.principal(client.tenant(1), client.operator()['app_id'])
    assert payload['iss'] == 'https://sts.windows.net/%s/' % client.tenant(1)
    assert payload['tid'] == client.tenant(1) and payload['appid'] == client.operator()['app_id']
    assert payload['oid'] == operator_sp['id'] and payload['idtyp'] == 'app'
    assert payload['exp'] - payload['iat'] == 3599 and payload['nbf'] <= time.time()


def test_roles_are_the_assignments_of_the_service_principal(client):
    graph_token, _ = client.token(client.tenant(1))
    assert claims(graph_token)['roles'] == ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All',
                                            'AuditLog.Read.All', 'Place.Read.All', 'User.Read.All']
    exo, _ = client.token(client.tenant(1), service='exchange')
    assert claims(exo)['aud'] == client.emu.endpoints['exchange']
    assert claims(exo)['roles'] == ['Exchange.ManageAsApp']
    assert claims(exo)['wids'] == ['29232cdf-9323-42fd-ade2-1d097af3e4de']  # Exchange Administrator template


@pytest.mark.parametrize('scope,audience', [
    ('https://graph.microsoft.com/.default', 'https://graph.microsoft.com'),
    (GRAPH_APP + '/.default', GRAPH_APP),
    ('https://outlook.office365.com/.default', 'https://outlook.office365.com'),
    (EXCHANGE_APP + '/.default', EXCHANGE_APP),
])
def test_public_resource_names_map_to_the_listeners(client, scope, audience):
    result = client.msal_app(client.tenant(1)).acquire_token_for_client([scope])
    assert claims(result['access_token'])['aud'] == audience


def test_certificate_from_pem_file(client, emu):
    creds = emu.operator_credentials(client.tenant(1))
    with open(creds['certificate_pem'], 'rb') as handle:
        pem = handle.read()
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(pem[pem.index(b'-----BEGIN CERTIFICATE-----'):])
    credential = {'private_key': pem.decode(), 'thumbprint': cert.fingerprint(hashes.SHA1()).hex()}
    token, result = client.token(client.tenant(1), credential=credential)
    assert token, result
    assert claims(token)['appid'] == creds['client_id']


def test_certificate_from_pfx_file(client, emu):
    creds = emu.operator_credentials(client.tenant(2))
    credential = {'private_key_pfx_path': creds['certificate_pfx'], 'passphrase': creds['pfx_password']}
    token, result = client.token(client.tenant(2), credential=credential)
    assert token, result
    assert claims(token)['tid'] == client.tenant(2)


def test_operator_key_files_are_private(emu):
    import os
    import stat
    creds = emu.operator_credentials('contoso.onmicrosoft.com')
    for path in (creds['certificate_pem'], creds['certificate_pfx']):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def _assertion(client, creds, key, **overrides):
    from cryptography import x509
    with open(creds['certificate_pem'], 'rb') as handle:
        pem = handle.read()
    cert = x509.load_pem_x509_certificate(pem[pem.index(b'-----BEGIN CERTIFICATE-----'):])
    now = int(time.time())
    payload = dict(aud='%s/%s/oauth2/v2.0/token' % (client.emu.endpoints['login'], creds['tenant_id']),
                   iss=creds['client_id'], sub=creds['client_id'], jti=str(uuid.uuid4()), nbf=now, exp=now + 600)
    payload.update(overrides)
    thumbprint = jwt.utils.base64url_encode(cert.fingerprint(hashes.SHA1())).decode()
    return jwt.encode(payload, key, algorithm='RS256', headers={'x5t': thumbprint})


def _operator_key(creds):
    with open(creds['certificate_pem'], 'rb') as handle:
        return serialization.load_pem_private_key(handle.read().split(b'-----BEGIN CERTIFICATE-----')[0], None)


@pytest.mark.parametrize('overrides,number', [
    ({'exp': int(time.time()) - 3600, 'nbf': int(time.time()) - 7200}, 700024),  # expired assertion
    ({'aud': 'https://login.example/token'}, 700027),  # not for this token endpoint
    ({'iss': 'someone-else', 'sub': 'someone-else'}, 700021),
])
def test_bad_client_assertions(client, emu, overrides, number):
    creds = emu.operator_credentials(client.tenant(1))
    assertion = _assertion(client, creds, _operator_key(creds), **overrides)
    status, body = token_error(client, client.tenant(1), grant_type='client_credentials', client_id=creds['client_id'],
                               scope=creds['graph_scope'], client_assertion=assertion,
                               client_assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    assert status == 401
    assert_aadsts(body, number, 'invalid_client')


def test_assertion_signed_by_another_key_is_refused(client, emu):
    from cryptography.hazmat.primitives.asymmetric import rsa
    creds = emu.operator_credentials(client.tenant(1))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    status, body = token_error(client, client.tenant(1), grant_type='client_credentials', client_id=creds['client_id'],
                               scope=creds['graph_scope'], client_assertion=_assertion(client, creds, stranger),
                               client_assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    assert status == 401
    assert_aadsts(body, 700027, 'invalid_client')


@pytest.mark.parametrize('tenant,form,status,number,error', [
    ('operator.onmicrosoft.com', {}, 400, 700016, 'unauthorized_client'),  # no service principal there
    ('contoso.onmicrosoft.com', {'client_id': '11111111-2222-4333-8444-555555555555'}, 400, 700016,
     'unauthorized_client'),
    ('contoso.onmicrosoft.com', {'client_secret': 'wrong'}, 401, 7000215, 'invalid_client'),
    ('contoso.onmicrosoft.com', {'scope': 'https://nothing.example/.default'}, 400, 500011, 'invalid_resource'),
    ('contoso.onmicrosoft.com', {'scope': 'https://graph.microsoft.com/User.Read'}, 400, 1002012, 'invalid_scope'),
    ('contoso.onmicrosoft.com', {'grant_type': 'password'}, 400, 70003, 'unsupported_grant_type'),
    ('contoso.onmicrosoft.com', {'client_secret': ''}, 401, 7000218, 'invalid_client'),
])
def test_documented_token_errors(client, tenant, form, status, number, error):
    sent = dict(grant_type='client_credentials', client_id=client.operator()['app_id'],
                client_secret=client.operator()['secrets'][0]['value'], scope='https://graph.microsoft.com/.default')
    sent.update(form)
    got, body = token_error(client, tenant, **sent)
    assert got == status
    assert_aadsts(body, number, error)


def test_msal_reports_the_aadsts_error(client):
    token, result = client.token(client.tenant(1), credential='not-the-secret')
    assert token is None and result['error'] == 'invalid_client' and result['error_codes'] == [7000215]


def test_expired_secret_is_refused_with_7000222(client, emu):
    tenant = client.tenant(1)
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Expiring', 'signInAudience':
                                                         'AzureADMultipleOrgs'}).json()
    secret = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'],
                          {'passwordCredential': {'displayName': 'x'}}).json()
    assert client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}).status_code == 201
    sent = dict(grant_type='client_credentials', client_id=app['appId'], client_secret=secret['secretText'],
                scope='https://graph.microsoft.com/.default')
    assert token_error(client, tenant, **sent)[0] == 200  # a secret added with addPassword signs in
    with emu.store.lock:  # time passes: the secret expires
        stored = next(a for a in emu.store.tenant(tenant)['applications'] if a['id'] == app['id'])
        stored['passwordCredentials'][0]['endDateTime'] = '2020-01-01T00:00:00Z'
    status, body = token_error(client, tenant, **sent)
    assert status == 401
    assert_aadsts(body, 7000222, 'invalid_client')


def test_new_assignment_shows_in_the_next_token(client):
    tenant = client.tenant(1)
    reader = Client(client.emu)
    assert claims(reader.token(tenant, operator=1)[0])['roles'] == ['Application.Read.All']
    graph_sp = client.principal(tenant, GRAPH_APP)
    reader_sp = client.principal(tenant, client.operator(1)['app_id'])
    place_read = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'Place.Read.All')
    granted = client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'],
                           {'principalId': reader_sp['id'], 'resourceId': graph_sp['id'], 'appRoleId': place_read})
    assert granted.status_code == 201
    assert claims(reader.fresh_token(tenant, operator=1))['roles'] == ['Application.Read.All', 'Place.Read.All']
    assert client.graph(tenant, 'DELETE', '/servicePrincipals/%s/appRoleAssignedTo/%s'
                        % (graph_sp['id'], granted.json()['id'])).status_code == 204
    assert claims(reader.fresh_token(tenant, operator=1))['roles'] == ['Application.Read.All']


def test_token_requests_are_logged_without_credentials(client, emu):
    mark = emu.requests()[-1]['seq'] if emu.requests() else 0
    client.fresh_token(client.tenant(1))
    entry = [e for e in emu.requests(since=mark) if e['service'] == 'login' and e['method'] == 'POST'][-1]
    assert entry['write'] is False and entry['client_id'] == client.operator()['app_id']
    assert entry['tenant'] == client.tenant(1) and entry['status'] == 200
    with open(emu.log.path) as handle:
        text = handle.read()
    assert client.operator()['secrets'][0]['value'] not in text and 'eyJ' not in text


def test_msal_works_unmodified_against_the_emulator(emu, monkeypatch):
    """msal as the product builds it: authority + verify=CA bundle. (requests lets these variables
    override a session's verify, so they are cleared here as on a machine without them.)"""
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    creds = emu.operator_credentials('contoso.onmicrosoft.com')
    app = msal.ConfidentialClientApplication(creds['client_id'], authority=creds['authority'],
                                             client_credential=creds['client_secret'], instance_discovery=False,
                                             verify=creds['ca_bundle'])
    result = app.acquire_token_for_client([creds['graph_scope']])
    assert claims(result['access_token'])['aud'] == emu.endpoints['graph']


@pytest.mark.parametrize('faults,status,error,number', [
    ({'throttle_next': 1, 'retry_after': 2}, 429, 'temporarily_unavailable', 90055),
    ({'error_next': 1, 'error_status': 500}, 500, 'server_error', 50000),
    ({'error_for_s': 1, 'error_status': 503}, 503, 'temporarily_unavailable', 90006),
])
def test_faulted_login_answers_in_the_identity_platform_error_shape(client, clean_faults, faults, status, error,
                                                                    number):
    clean_faults.set_faults(dict(faults, services=['login']))
    answer = client.http.get('%s/%s/v2.0/.well-known/openid-configuration'
                             % (client.emu.endpoints['login'], client.tenant(1)), headers={'client-request-id': 'c-1'})
    assert answer.status_code == status
    assert_aadsts(answer.json(), number, error)
    assert answer.json()['correlation_id'] == 'c-1'


def test_error_for_s_is_an_outage_of_that_long(client, clean_faults):
    url = '%s/%s/v2.0/.well-known/openid-configuration' % (client.emu.endpoints['login'], client.tenant(1))
    clean_faults.set_faults({'services': ['login'], 'error_for_s': 0.5, 'error_status': 503})
    assert [client.http.get(url).status_code for _ in range(3)] == [503] * 3  # every request, not a count
    time.sleep(0.6)
    assert client.http.get(url).status_code == 200
