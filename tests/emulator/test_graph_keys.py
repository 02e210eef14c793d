"""Graph application key credentials: keyCredentials on create and update (replacing the collection, kept
credentials resent as GET returns them), Graph's checks of a key, the key on $select, addKey and removeKey with
their proof of possession, and the certificates in a client-credentials sign-in."""

from __future__ import annotations

import base64
import time

import msal
import pytest
from emulator_client import app_token, error_code, grant, new_app
from key_certificates import Certificate


@pytest.fixture(scope='module')
def tenant(client):
    return client.tenant(1)


@pytest.fixture(scope='module')
def cert():
    return Certificate('emulator key test')


def create(client, tenant, **body):
    answer = client.graph(tenant, 'POST', '/applications', dict({'displayName': 'Keys'}, **body))
    assert answer.status_code == 201, answer.text
    return answer.json()


def sign_in(client, tenant, app_id, certificate):
    """A client-credentials sign-in with the certificate's key, as msal makes it: the token result."""
    app = msal.ConfidentialClientApplication(app_id, authority='%s/%s' % (client.emu.endpoints['login'], tenant),
                                             client_credential=certificate.msal_credential(), instance_discovery=False,
                                             http_client=client.http)
    return app.acquire_token_for_client([client.emu.endpoints['graph'] + '/.default'])


def keyed_app(client, tenant, certificate, name='Keyed'):
    """An app with the certificate as its key and a service principal in `tenant`: (application, principal id)."""
    app = create(client, tenant, displayName=name, keyCredentials=[certificate.key_credential()])
    principal = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']})
    assert principal.status_code == 201, principal.text
    return app, principal.json()['id']


def test_create_accepts_an_empty_collection_as_azure_cli_sends_it(client, tenant):
    app = create(client, tenant, keyCredentials=[])
    assert app['keyCredentials'] == []


def test_create_with_a_certificate_stores_graphs_defaults(client, tenant, cert):
    app = create(client, tenant, keyCredentials=[cert.key_credential()])
    [key] = app['keyCredentials']
    assert key['key'] is None and key['type'] == 'AsymmetricX509Cert' and key['usage'] == 'Verify'
    assert key['customKeyIdentifier'] == cert.thumbprint and key['displayName'] == 'CN=emulator key test'
    assert key['startDateTime'] == cert.cert.not_valid_before_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert key['endDateTime'] == cert.cert.not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert len(key['keyId']) == 36
    with client.emu.store.lock:
        assert client.emu.store.certificate_pem(key['keyId']).startswith('-----BEGIN CERTIFICATE-----')


def test_the_key_is_returned_only_on_select_of_one_application(client, tenant):
    certificate = Certificate('selected')
    app = create(client, tenant, displayName='Select key', keyCredentials=[certificate.key_credential()])
    plain = client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()
    assert plain['keyCredentials'][0]['key'] is None
    selected = client.graph(tenant, 'GET', '/applications/%s?$select=id,keyCredentials' % app['id']).json()
    assert base64.b64decode(selected['keyCredentials'][0]['key']) == certificate.der
    listed = client.graph(tenant, 'GET', "/applications?$filter=appId eq '%s'&$select=keyCredentials"
                          % app['appId']).json()['value']
    assert listed[0]['keyCredentials'][0]['key'] is None


@pytest.mark.parametrize('change,code', [
    ({'key': base64.b64encode(b'not a certificate').decode()}, 'KeyCredentialsInvalidValue'),
    ({'key': '-----BEGIN CERTIFICATE-----'}, 'KeyCredentialsInvalidValue'),
    ({'key': None}, 'KeyCredentialsInvalidValue'),
    ({'usage': 'Encrypt'}, 'KeyCredentialsInvalidValue'),
    ({'usage': 'Sign'}, 'KeyCredentialsInvalidValue'),  # AsymmetricX509Cert: "The usage must be Verify"
    ({'type': 'Symmetric'}, 'KeyCredentialsInvalidValue'),
    ({'endDateTime': '2999-01-01T00:00:00Z'}, 'KeyCredentialsInvalidValue'),  # after the certificate expires
    ({'startDateTime': '2000-01-01T00:00:00Z'}, 'KeyCredentialsInvalidValue'),  # before it is valid
    ({'keyId': 'not-a-guid'}, 'KeyCredentialsInvalidValue'),
    ({'thumbprint': 'x'}, 'Request_BadRequest'),
    ({'customKeyIdentifier': '*not base64*'}, 'KeyCredentialsInvalidValue'),
])
def test_keys_graph_refuses(client, tenant, cert, change, code):
    answer = client.graph(tenant, 'POST', '/applications', {'displayName': 'Bad key',
                                                            'keyCredentials': [cert.key_credential(**change)]})
    assert answer.status_code == 400 and error_code(answer) == code, answer.text


def test_a_key_with_line_breaks_is_read_as_base64_decoders_read_it(client, tenant):
    """Azure CLI's `credential reset --create-cert` sends the body of a PEM file: Base64 broken into lines."""
    certificate = Certificate('lines')
    text = '\n'.join(certificate.key_text[i:i + 64] for i in range(0, len(certificate.key_text), 64)) + '\n'
    app = create(client, tenant, displayName='Lines', keyCredentials=[certificate.key_credential(key=text)])
    assert app['keyCredentials'][0]['customKeyIdentifier'] == certificate.thumbprint


def test_not_a_collection_and_a_duplicate_key_id_are_refused(client, tenant, cert):
    for value in (None, {'key': cert.key_text}):
        answer = client.graph(tenant, 'POST', '/applications', {'displayName': 'x', 'keyCredentials': value})
        assert answer.status_code == 400
    key_id = '6f2c1d0e-9b8a-4c7d-8e6f-5a4b3c2d1e0f'
    twice = [cert.key_credential(keyId=key_id), cert.key_credential(keyId=key_id)]
    assert client.graph(tenant, 'POST', '/applications', {'displayName': 'x', 'keyCredentials': twice}) \
        .status_code == 400


def test_patch_replaces_the_collection_keeping_credentials_sent_back(client, tenant, cert):
    app = create(client, tenant, displayName='Append', keyCredentials=[cert.key_credential(displayName='first')])
    current = client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()['keyCredentials']
    second = Certificate('second')
    body = {'keyCredentials': current + [second.key_credential(displayName='second')]}  # as az ... --append sends
    assert client.graph(tenant, 'PATCH', '/applications/%s' % app['id'], body).status_code == 204
    keys = client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()['keyCredentials']
    assert [k['displayName'] for k in keys] == ['first', 'second'] and keys[0] == current[0]
    changed = dict(current[0], displayName='renamed')
    refused = client.graph(tenant, 'PATCH', '/applications/%s' % app['id'], {'keyCredentials': [changed]})
    assert refused.status_code == 400 and 'Update to existing credential' in refused.json()['error']['message']
    assert client.graph(tenant, 'PATCH', '/applications/%s' % app['id'], {'keyCredentials': []}).status_code == 204
    assert client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()['keyCredentials'] == []
    with client.emu.store.lock:
        assert all(client.emu.store.certificate_pem(k['keyId']) is None for k in keys)


def test_a_key_added_through_graph_signs_in_and_a_removed_one_does_not(client, tenant):
    certificate = Certificate('sign-in')
    app, _principal = keyed_app(client, tenant, certificate, 'Cert sign-in')
    result = sign_in(client, tenant, app['appId'], certificate)
    assert 'access_token' in result, result
    assert client.graph(tenant, 'PATCH', '/applications/%s' % app['id'], {'keyCredentials': []}).status_code == 204
    refused = sign_in(client, tenant, app['appId'], certificate)
    assert refused.get('error') == 'invalid_client' and 700027 in refused['error_codes']


def test_add_key_needs_a_valid_certificate_and_a_proof(client, tenant, cert):
    bare = create(client, tenant, displayName='No key yet')
    body = {'keyCredential': cert.key_credential(), 'passwordCredential': None, 'proof': cert.proof(bare['id'])}
    refused = client.graph(tenant, 'POST', '/applications/%s/addKey' % bare['id'], body)
    assert refused.status_code == 400 and 'no valid certificate' in refused.json()['error']['message']
    first = Certificate('first')
    app = create(client, tenant, displayName='Roll', keyCredentials=[first.key_credential()])
    second = Certificate('second')
    for proof in (second.proof(app['id']),                                 # signed by a key the app does not have
                  first.proof(app['id'], audience='00000003-0000-0000-c000-000000000000'),
                  first.proof(app['id'], issuer=app['appId']),             # iss must be the object id
                  first.proof(app['id'], lifetime=3600),                   # exp at most nbf + 10 minutes
                  first.proof(app['id'], nbf=time.time() - 1200),          # expired
                  'not.a.jwt'):
        answer = client.graph(tenant, 'POST', '/applications/%s/addKey' % app['id'],
                              {'keyCredential': second.key_credential(), 'passwordCredential': None, 'proof': proof})
        assert answer.status_code == 401 and error_code(answer) == 'Authentication_MissingOrMalformed', answer.text
    with_password = client.graph(tenant, 'POST', '/applications/%s/addKey' % app['id'], {
        'keyCredential': second.key_credential(), 'passwordCredential': {'secretText': 'x'},
        'proof': first.proof(app['id'])})
    assert with_password.status_code == 400


def test_add_key_and_remove_key_roll_a_certificate(client, tenant):
    old, new = Certificate('old'), Certificate('new')
    app, _principal = keyed_app(client, tenant, old, 'Rolled')
    added = client.graph(tenant, 'POST', "/applications(appId='%s')/addKey" % app['appId'],
                         {'keyCredential': new.key_credential(displayName='new'), 'passwordCredential': None,
                          'proof': old.proof(app['id'])})
    assert added.status_code == 200, added.text
    body = added.json()
    assert body['@odata.context'].endswith('/v1.0/$metadata#microsoft.graph.keyCredential')
    assert body['displayName'] == 'new' and body['key'] is None and body['customKeyIdentifier'] == new.thumbprint
    assert 'access_token' in sign_in(client, tenant, app['appId'], new)
    old_id = next(k['keyId'] for k in app['keyCredentials'])
    unknown = client.graph(tenant, 'POST', '/applications/%s/removeKey' % app['id'],
                           {'keyId': '00000000-0000-4000-8000-000000000001', 'proof': new.proof(app['id'])})
    assert unknown.status_code == 400
    removed = client.graph(tenant, 'POST', '/applications/%s/removeKey' % app['id'],
                           {'keyId': old_id, 'proof': new.proof(app['id'])})
    assert removed.status_code == 204 and removed.content == b''
    keys = client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()['keyCredentials']
    assert [k['keyId'] for k in keys] == [body['keyId']]
    assert 'access_token' not in sign_in(client, tenant, app['appId'], old)
    forged = client.graph(tenant, 'POST', '/applications/%s/removeKey' % app['id'],
                          {'keyId': body['keyId'], 'proof': old.proof(app['id'])})
    assert forged.status_code == 401


def test_an_app_rolls_its_own_keys_without_a_permission(client, tenant):
    """ "An application does not need any specific permission to roll its own keys." """
    own, new = Certificate('own'), Certificate('own next')
    app, _principal = keyed_app(client, tenant, own, 'Self-rolling')
    token = sign_in(client, tenant, app['appId'], own)['access_token']
    added = client.graph(tenant, 'POST', '/applications/%s/addKey' % app['id'],
                         {'keyCredential': new.key_credential(), 'passwordCredential': None,
                          'proof': own.proof(app['id'])}, token=token)
    assert added.status_code == 200, added.text
    other = create(client, tenant, displayName='Not its own', keyCredentials=[Certificate('x').key_credential()])
    refused = client.graph(tenant, 'POST', '/applications/%s/addKey' % other['id'],
                           {'keyCredential': new.key_credential(), 'proof': own.proof(other['id'])}, token=token)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    assert client.graph(tenant, 'PATCH', '/applications/%s' % app['id'], {'keyCredentials': []},
                        token=token).status_code == 403


def test_owned_by_callers_manage_keys_of_their_own_apps_only(client, tenant):
    app_id, _sp, _object_id, secret = new_app(client, tenant, 'Key owner', graph=['Application.ReadWrite.OwnedBy'])
    token = app_token(client, tenant, app_id, secret)
    certificate = Certificate('owned')
    mine = client.graph(tenant, 'POST', '/applications', {'displayName': 'Owned keys',
                                                          'keyCredentials': [certificate.key_credential()]},
                        token=token)
    assert mine.status_code == 201, mine.text
    added = client.graph(tenant, 'POST', '/applications/%s/addKey' % mine.json()['id'],
                         {'keyCredential': Certificate('owned 2').key_credential(), 'passwordCredential': None,
                          'proof': certificate.proof(mine.json()['id'])}, token=token)
    assert added.status_code == 200
    theirs = create(client, tenant, displayName='Not owned', keyCredentials=[certificate.key_credential()])
    refused = client.graph(tenant, 'POST', '/applications/%s/addKey' % theirs['id'],
                           {'keyCredential': Certificate('x').key_credential(), 'passwordCredential': None,
                            'proof': certificate.proof(theirs['id'])}, token=token)
    assert refused.status_code == 403
    reader = client.graph(tenant, 'POST', '/applications/%s/addKey' % theirs['id'], {}, operator=1)
    assert reader.status_code == 403


def test_an_asymmetric_key_lifetime_policy_limits_new_keys(client):
    fabrikam = client.tenant(2)
    with client.emu.store.lock:
        state = client.emu.store.tenant(fabrikam)
        state['defaultAppManagementPolicy'] = {
            'id': '00000000-0000-0000-0000-000000000000', 'displayName': 'Default', 'description': None,
            'isEnabled': True, 'servicePrincipalRestrictions': {'passwordCredentials': [], 'keyCredentials': []},
            'applicationRestrictions': {'passwordCredentials': [], 'keyCredentials': [
                {'restrictionType': 'asymmetricKeyLifetime', 'maxLifetime': 'P90D', 'state': 'enabled',
                 'restrictForAppsCreatedAfterDateTime': None}]}}
    try:
        long_lived = Certificate('long', days=365)
        refused = client.graph(fabrikam, 'POST', '/applications', {'displayName': 'Long key',
                                                                   'keyCredentials': [long_lived.key_credential()]})
        assert refused.status_code == 400 and error_code(refused) == 'CredentialInvalidLifetimeAsPerAppPolicy'
        short = client.graph(fabrikam, 'POST', '/applications', {
            'displayName': 'Short key', 'keyCredentials': [Certificate('short', days=60).key_credential()]})
        assert short.status_code == 201
    finally:
        with client.emu.store.lock:
            client.emu.store.tenant(fabrikam).pop('defaultAppManagementPolicy')


def test_deleting_an_application_forgets_its_certificates(client, tenant):
    app = create(client, tenant, displayName='Gone', keyCredentials=[Certificate('gone').key_credential()])
    assert client.graph(tenant, 'DELETE', '/applications/%s' % app['id']).status_code == 204
    with client.emu.store.lock:
        assert client.emu.store.certificate_pem(app['keyCredentials'][0]['keyId']) is None


def test_granted_permissions_are_unchanged_by_keys(client, tenant):
    """A certificate-signed token carries the app's roles like a secret-signed one."""
    certificate = Certificate('roles')
    app, _principal = keyed_app(client, tenant, certificate, 'Roles by cert')
    grant(client, tenant, app['appId'], 'Application.Read.All')
    token = sign_in(client, tenant, app['appId'], certificate)['access_token']
    assert client.graph(tenant, 'GET', '/applications/%s' % app['id'], token=token).status_code == 200
