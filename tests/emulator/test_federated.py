"""Federated identity credentials: the Graph routes, and signing in with a token of an external issuer (a small
OpenID issuer over HTTPS with its own CA and key, run by the test: oidc_issuer.py) as msal sends it."""

from __future__ import annotations

import time

import msal
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from delegated import claims
from emulator_client import GRAPH_APP, error_code
from graph_schema import needs_schema, properties
from oidc_issuer import AUDIENCE, SUBJECT, Issuer

CONTOSO = 1


@pytest.fixture(scope='module')
def issuer(emu, tmp_path_factory):
    started = Issuer(str(tmp_path_factory.mktemp('issuer')))
    emu.trusted_cas.append(started.ca_path)
    yield started
    emu.trusted_cas.remove(started.ca_path)
    started.stop()


@pytest.fixture(scope='module')
def workload(client, issuer):
    """An app of Contoso's with a service principal, User.Read.All and a credential for the issuer's subject."""
    tenant = client.tenant(CONTOSO)
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Federated workload'}).json()
    principal = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}).json()
    graph = client.principal(tenant, GRAPH_APP)
    role = next(r['id'] for r in graph['appRoles'] if r['value'] == 'User.Read.All')
    assert client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph['id'], {
        'principalId': principal['id'], 'resourceId': graph['id'], 'appRoleId': role}).status_code == 201
    made = client.graph(tenant, 'POST', '/applications/%s/federatedIdentityCredentials' % app['id'], {
        'name': 'production', 'issuer': issuer.url, 'subject': SUBJECT, 'audiences': [AUDIENCE]})
    assert made.status_code == 201, made.text
    return app


def sign_in(client, app_id, assertion):
    """A token request with the assertion, as msal sends it: (status, body)."""
    answer = client.http.post('%s/%s/oauth2/v2.0/token' % (client.emu.endpoints['login'], client.tenant(CONTOSO)),
                              data={'grant_type': 'client_credentials', 'client_id': app_id,
                                    'scope': 'https://graph.microsoft.com/.default', 'client_assertion': assertion,
                                    'client_assertion_type': 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'})
    return answer.status_code, answer.json()


def test_msal_signs_in_with_the_external_token(client, issuer, workload):
    app = msal.ConfidentialClientApplication(
        workload['appId'], authority='%s/%s' % (client.emu.endpoints['login'], client.tenant(CONTOSO)),
        client_credential={'client_assertion': issuer.token}, instance_discovery=False, http_client=client.http)
    result = app.acquire_token_for_client(['https://graph.microsoft.com/.default'])
    assert 'access_token' in result, result
    token = claims(result['access_token'])
    assert token['appid'] == workload['appId'] and token['appidacr'] == '2' and token['roles'] == ['User.Read.All']
    assert client.graph(client.tenant(CONTOSO), 'GET', '/users', token=result['access_token']).status_code == 200


@pytest.mark.parametrize('overrides,number,status', [
    ({'sub': 'repo:someone/else:ref:refs/heads/main'}, 70021, 400),  # wrong subject
    ({'aud': 'api://SomethingElse'}, 70021, 400),  # wrong audience
    ({'iss': 'https://issuer.example'}, 70021, 400),  # an issuer no credential names
    ({'exp': int(time.time()) - 60, 'nbf': int(time.time()) - 600, 'iat': int(time.time()) - 600}, 700024, 401),
])
def test_refused_assertions(client, issuer, workload, overrides, number, status):
    got, body = sign_in(client, workload['appId'], issuer.token(**overrides))
    assert got == status and body['error_codes'] == [number], body
    assert body['error_description'].startswith('AADSTS%d:' % number)
    if number == 70021:
        assert "Assertion Subject: '%s'" % overrides.get('sub', SUBJECT) in body['error_description']


def test_a_token_signed_by_another_key_is_refused(client, issuer, workload):
    got, body = sign_in(client, workload['appId'], issuer.token(key=rsa.generate_private_key(65537, 2048)))
    assert got == 400 and body['error'] == 'invalid_request' and body['error_codes'] == [50027], body


def test_an_untrusted_or_unreachable_issuer_is_refused(client, emu, issuer, workload):
    emu.trusted_cas.remove(issuer.ca_path)
    try:
        got, body = sign_in(client, workload['appId'], issuer.token())
    finally:
        emu.trusted_cas.append(issuer.ca_path)
    assert got == 400 and body['error_codes'] == [90061], body
    tenant = client.tenant(CONTOSO)
    path = '/applications/%s/federatedIdentityCredentials' % workload['id']
    gone = 'https://127.0.0.1:9'  # nothing listens there
    assert client.graph(tenant, 'POST', path, {'name': 'gone', 'issuer': gone, 'subject': SUBJECT,
                                               'audiences': [AUDIENCE]}).status_code == 201
    got, body = sign_in(client, workload['appId'], issuer.token(iss=gone))
    assert got == 400 and body['error_codes'] == [90061], body
    assert client.graph(tenant, 'DELETE', path + '/gone').status_code == 204


def test_a_certificate_assertion_still_works_beside_federation(client, emu):
    creds = emu.operator_credentials(client.tenant(CONTOSO))
    credential = {'private_key_pfx_path': creds['certificate_pfx'], 'passphrase': creds['pfx_password']}
    token, result = client.token(client.tenant(CONTOSO), credential=credential)
    assert token and claims(token)['appidacr'] == '2', result


def test_credentials_through_graph(client, issuer, workload):
    tenant = client.tenant(CONTOSO)
    path = '/applications/%s/federatedIdentityCredentials' % workload['id']
    listed = client.graph(tenant, 'GET', path).json()
    assert listed['@odata.context'].endswith("applications('%s')/federatedIdentityCredentials" % workload['id'])
    first = listed['value'][0]
    assert (first['name'], first['issuer'], first['subject'], first['audiences'], first['description']) == \
        ('production', issuer.url, SUBJECT, [AUDIENCE], None)
    by_app_id = "/applications(appId='%s')/federatedIdentityCredentials" % workload['appId']
    assert client.graph(tenant, 'GET', by_app_id + '/production').json()['id'] == first['id']
    assert client.graph(tenant, 'GET', path + '/' + first['id']).json()['name'] == 'production'
    filtered = client.graph(tenant, 'GET', path + "?$filter=subject eq '%s'" % SUBJECT).json()['value']
    assert [c['name'] for c in filtered] == ['production']
    assert client.graph(tenant, 'PATCH', path + '/production', {'description': 'CI deploys'}).status_code == 204
    assert client.graph(tenant, 'GET', path + '/production').json()['description'] == 'CI deploys'
    renamed = client.graph(tenant, 'PATCH', path + '/production', {'name': 'staging'})
    assert renamed.status_code == 400 and error_code(renamed) == 'InvalidFederatedIdentityCredentialValue'


@pytest.mark.parametrize('body', [
    {'name': 'production', 'subject': 'other'},  # the name is taken
    {'name': 'again'},  # the issuer and subject are taken
    {'name': 'two', 'subject': 'x', 'audiences': [AUDIENCE, 'api://other']},
    {'name': 'none', 'subject': 'x', 'audiences': []},
    {'name': 'plain', 'subject': 'x', 'issuer': 'http://issuer.example'},
    {'name': 'has space', 'subject': 'x'},
    {'name': 'n' * 121, 'subject': 'x'},
    {'name': 'long', 'subject': 's' * 601},
    {'name': 'matcher', 'subject': 'x', 'claimsMatchingExpression': {'value': 'x'}},
])
def test_invalid_credentials_are_refused(client, issuer, workload, body):
    full = dict({'issuer': issuer.url, 'subject': SUBJECT, 'audiences': [AUDIENCE]}, **body)
    answer = client.graph(client.tenant(CONTOSO), 'POST', '/applications/%s/federatedIdentityCredentials'
                          % workload['id'], full)
    assert answer.status_code == 400, answer.text


def test_at_most_twenty_credentials_and_delete(client, issuer):
    tenant = client.tenant(CONTOSO)
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Many credentials'}).json()
    path = '/applications/%s/federatedIdentityCredentials' % app['id']
    for number in range(20):
        made = client.graph(tenant, 'POST', path, {'name': 'c%d' % number, 'issuer': issuer.url,
                                                   'subject': 's%d' % number, 'audiences': [AUDIENCE]})
        assert made.status_code == 201, made.text
    over = client.graph(tenant, 'POST', path, {'name': 'c20', 'issuer': issuer.url, 'subject': 's20',
                                               'audiences': [AUDIENCE]})
    assert over.status_code == 400 and error_code(over) == 'InvalidFederatedIdentityCredentialValue'
    assert client.graph(tenant, 'DELETE', path + '/c0').status_code == 204
    assert client.graph(tenant, 'GET', path + '/c0').status_code == 404
    assert client.graph(tenant, 'POST', path, {'name': 'c20', 'issuer': issuer.url, 'subject': 's20',
                                               'audiences': [AUDIENCE]}).status_code == 201


def test_permissions(client, workload):
    tenant = client.tenant(CONTOSO)
    path = '/applications/%s/federatedIdentityCredentials' % workload['id']
    assert client.graph(tenant, 'GET', path, operator=1).status_code == 200  # Application.Read.All reads
    refused = client.graph(tenant, 'POST', path, {'name': 'x', 'issuer': 'https://x.example', 'subject': 'x',
                                                  'audiences': [AUDIENCE]}, operator=1)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    missing = client.graph(tenant, 'GET', '/applications/00000000-0000-4000-8000-000000000000'
                                          '/federatedIdentityCredentials')
    assert missing.status_code == 404


@needs_schema
def test_served_properties_are_in_the_schema(client, workload):
    listed = client.graph(client.tenant(CONTOSO), 'GET', '/applications/%s/federatedIdentityCredentials'
                          % workload['id']).json()['value']
    for credential in listed:
        assert set(credential) <= properties('federatedIdentityCredential')
