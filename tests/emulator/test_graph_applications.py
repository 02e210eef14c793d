"""Graph applications: statuses, defaults, OData options, alternate keys, upsert,
PATCH semantics, validation, passwords and permissions."""

from __future__ import annotations

import time

import datetime

import jwt
import msal
import pytest
from emulator_client import error_code

from emulator.objects import iso, parse_time, utc_now


@pytest.fixture(scope='module')
def tenant(client):
    return client.tenant(1)


def create(client, tenant, **body):
    answer = client.graph(tenant, 'POST', '/applications', dict({'displayName': 'App'}, **body))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_create_returns_201_and_graph_defaults(client, tenant):
    app = create(client, tenant, displayName='Defaults')
    assert app['@odata.context'] == client.emu.endpoints['graph'] + '/v1.0/$metadata#applications/$entity'
    assert app['id'] != app['appId'] and len(app['appId']) == 36
    assert app['signInAudience'] == 'AzureADMyOrg' and app['publisherDomain'] == 'contoso.onmicrosoft.com'
    assert app['web'] == {'homePageUrl': None, 'implicitGrantSettings': {'enableAccessTokenIssuance': False,
                                                                         'enableIdTokenIssuance': False},
                          'logoutUrl': None, 'redirectUris': [], 'redirectUriSettings': []}
    assert app['requiredResourceAccess'] == [] and app['passwordCredentials'] == [] and app['keyCredentials'] == []
    assert app['createdDateTime'].endswith('Z')


def test_get_by_id_and_alternate_keys(client, tenant):
    app = create(client, tenant, displayName='Keys', uniqueName='emu-keys')
    for path in ('/applications/%s' % app['id'], "/applications(appId='%s')" % app['appId'],
                 "/applications(uniqueName='emu-keys')"):
        answer = client.graph(tenant, 'GET', path)
        assert answer.status_code == 200 and answer.json()['id'] == app['id']
    missing = client.graph(tenant, 'GET', "/applications(appId='00000000-0000-4000-8000-000000000001')")
    assert missing.status_code == 404 and error_code(missing) == 'Request_ResourceNotFound'


def test_patch_keeps_omitted_properties_and_replaces_complex_values_whole(client, tenant):
    app = create(client, tenant, displayName='Patch me', notes='keep',
                 web={'redirectUris': ['https://a.example/cb'], 'logoutUrl': 'https://a.example/out',
                      'implicitGrantSettings': {'enableIdTokenIssuance': True, 'enableAccessTokenIssuance': False}})
    patched = client.graph(tenant, 'PATCH', '/applications/%s' % app['id'],
                           {'web': {'redirectUris': ['https://b.example/cb']}, 'tags': ['x']})
    assert patched.status_code == 204 and patched.content == b''
    again = client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()
    assert again['displayName'] == 'Patch me' and again['notes'] == 'keep' and again['tags'] == ['x']
    assert again['web']['redirectUris'] == ['https://b.example/cb']
    assert again['web']['logoutUrl'] is None  # web was replaced as a whole
    assert again['web']['implicitGrantSettings']['enableIdTokenIssuance'] is False


def test_patch_and_delete_by_alternate_key(client, tenant):
    app = create(client, tenant, displayName='By key')
    path = "/applications(appId='%s')" % app['appId']
    assert client.graph(tenant, 'PATCH', path, {'description': 'changed'}).status_code == 204
    assert client.graph(tenant, 'GET', path).json()['description'] == 'changed'
    assert client.graph(tenant, 'DELETE', path).status_code == 204
    gone = client.graph(tenant, 'GET', '/applications/%s' % app['id'])
    assert gone.status_code == 404 and error_code(gone) == 'Request_ResourceNotFound'
    again = client.graph(tenant, 'DELETE', path)
    assert again.status_code == 404 and error_code(again) == 'Request_ResourceNotFound'


def test_upsert_by_unique_name(client, tenant):
    path = "/applications(uniqueName='emu-upsert')"
    missing = client.graph(tenant, 'PATCH', path, {'displayName': 'Upsert'})
    assert missing.status_code == 404 and error_code(missing) == 'Request_ResourceNotFound'
    created = client.graph(tenant, 'PATCH', path, {'displayName': 'Upsert'}, headers={'Prefer': 'create-if-missing'})
    assert created.status_code == 201
    assert created.json()['uniqueName'] == 'emu-upsert' and created.json()['displayName'] == 'Upsert'
    updated = client.graph(tenant, 'PATCH', path, {'displayName': 'Upsert 2'}, headers={'Prefer': 'create-if-missing'})
    assert updated.status_code == 204
    assert client.graph(tenant, 'GET', path).json()['displayName'] == 'Upsert 2'
    listed = client.graph(tenant, 'GET', "/applications?$filter=uniqueName eq 'emu-upsert'").json()['value']
    assert len(listed) == 1
    renamed = client.graph(tenant, 'PATCH', path, {'uniqueName': 'other'})
    assert renamed.status_code == 400 and error_code(renamed) == 'Request_BadRequest'


@pytest.mark.parametrize('body', [
    {'displayName': 'x', 'signInAudience': 'Everyone'},
    {'displayName': 'x', 'web': {'redirectUris': ['http://x.example/cb']}},  # http only for localhost
    {'displayName': 'x', 'web': {'redirectUris': ['/relative/cb']}},
    {'displayName': 'x', 'web': {'redirectUris': ['https://x.example/cb#frag']}},
    {'displayName': 'x', 'web': {'redirectUris': ['https://*.example/cb']}},
    {'displayName': 'x', 'web': {'redirectUri': ['https://x.example/cb']}},  # no such member of web
    {'displayName': 'x', 'colour': 'blue'},
    {'displayName': 'x', 'appId': '11111111-1111-1111-1111-111111111111'},
    {'displayName': 'x', 'passwordCredentials': []},
    {'displayName': 'x', 'requiredResourceAccess': [{'resourceAppId': 'a', 'resourceAccess': [{'id': 'b',
                                                                                               'type': 'App'}]}]},
    {'signInAudience': 'AzureADMyOrg'},
])
def test_invalid_bodies_are_refused_as_graph_refuses_them(client, tenant, body):
    answer = client.graph(tenant, 'POST', '/applications', body)
    assert answer.status_code == 400 and error_code(answer) == 'Request_BadRequest'


def test_loopback_http_redirect_is_allowed(client, tenant):
    app = create(client, tenant, displayName='Loopback', web={'redirectUris': ['http://localhost:8400/cb']})
    assert app['web']['redirectUris'] == ['http://localhost:8400/cb']


def test_not_json_is_a_bad_request(client, tenant):
    token, _ = client.token(tenant)
    answer = client.http.session.post(client.emu.endpoints['graph'] + '/v1.0/applications', data='{nope',
                                      headers={'Authorization': 'Bearer ' + token,
                                               'Content-Type': 'application/json'},
                                      verify=client.emu.endpoints['ca_bundle'])
    assert answer.status_code == 400 and error_code(answer) == 'BadRequest'


def test_filters_select_top_count_and_paging(client, tenant):
    for number in range(5):
        create(client, tenant, displayName='Paged %d' % number)
    first = client.graph(tenant, 'GET', "/applications?$filter=startswith(displayName,'paged')"
                                        "&$select=displayName,appId")
    page = first.json()
    assert page['@odata.context'].endswith('/v1.0/$metadata#applications(displayName,appId)')
    assert len(page['value']) == 2 and set(page['value'][0]) == {'id', 'displayName', 'appId'}
    names = [a['displayName'] for a in page['value']]
    while '@odata.nextLink' in page:
        assert page['@odata.nextLink'].startswith(client.emu.endpoints['graph'] + '/v1.0/applications?')
        page = client.call(tenant, 'GET', page['@odata.nextLink']).json()
        names += [a['displayName'] for a in page['value']]
    assert sorted(names) == ['Paged %d' % n for n in range(5)]
    exact = client.graph(tenant, 'GET', "/applications?$filter=displayName eq 'Paged 3'").json()['value']
    assert [a['displayName'] for a in exact] == ['Paged 3']
    top = client.graph(tenant, 'GET', "/applications?$filter=startswith(displayName,'Paged')&$top=4").json()
    assert len(top['value']) == 4 and '@odata.nextLink' in top
    counted = client.graph(tenant, 'GET', "/applications?$filter=startswith(displayName,'Paged')&$count=true",
                           headers={'ConsistencyLevel': 'eventual'}).json()
    assert counted['@odata.count'] == 5
    by_app_id = client.graph(tenant, 'GET', "/applications?$filter=appId eq '%s'" % exact[0]['appId']).json()
    assert [a['id'] for a in by_app_id['value']] == [exact[0]['id']]


@pytest.mark.parametrize('query,code', [
    ("$filter=notes eq 'x'", 'Request_UnsupportedQuery'),
    ("$filter=displayName ne 'x'", 'Request_UnsupportedQuery'),
    ('$filter=displayName eq', 'BadRequest'),
    ('$select=colour', 'Request_BadRequest'),
    ('$top=1000', 'Request_BadRequest'),
    ('$orderby=displayName', 'Request_BadRequest'),
    ('$count=true', 'Request_BadRequest'),  # without ConsistencyLevel: eventual
    ('$skiptoken=forged', 'Request_BadRequest'),
])
def test_unsupported_queries_are_refused(client, tenant, query, code):
    answer = client.graph(tenant, 'GET', '/applications?' + query)
    assert answer.status_code == 400 and error_code(answer) == code


def test_select_on_a_single_object(client, tenant):
    app = create(client, tenant, displayName='Select one')
    answer = client.graph(tenant, 'GET', '/applications/%s?$select=displayName' % app['id']).json()
    assert answer == {'@odata.context': client.emu.endpoints['graph'] +
                      '/v1.0/$metadata#applications(displayName)/$entity', 'id': app['id'],
                      'displayName': 'Select one'}


def test_unknown_segment_and_method(client, tenant):
    unknown = client.graph(tenant, 'GET', '/nothingHere')
    assert unknown.status_code == 400 and error_code(unknown) == 'BadRequest'
    assert "segment 'nothingHere'" in unknown.json()['error']['message']
    wrong_method = client.graph(tenant, 'PUT', '/applications')
    assert wrong_method.status_code == 405


def test_client_request_id_is_echoed(client, tenant):
    answer = client.graph(tenant, 'GET', '/applications/00000000-0000-4000-8000-0000000000aa',
                          headers={'client-request-id': 'my-correlation-id'})
    assert answer.headers['client-request-id'] == 'my-correlation-id'
    assert answer.json()['error']['innerError']['client-request-id'] == 'my-correlation-id'


def test_read_only_operator_may_read_but_not_write(client, tenant):
    assert client.graph(tenant, 'GET', '/applications', operator=1).status_code == 200
    app = create(client, tenant, displayName='Not yours')
    for method, path, body in (('POST', '/applications', {'displayName': 'x'}),
                               ('PATCH', '/applications/%s' % app['id'], {'notes': 'x'}),
                               ('DELETE', '/applications/%s' % app['id'], None),
                               ('POST', '/applications/%s/addPassword' % app['id'], {}),
                               ('POST', '/servicePrincipals', {'appId': app['appId']})):
        refused = client.graph(tenant, method, path, body, operator=1)
        assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
        assert refused.json()['error']['message'] == 'Insufficient privileges to complete the operation.'
    places = client.graph(tenant, 'GET', '/places/microsoft.graph.room', operator=1)
    assert places.status_code == 403


def _forged(emu, **claims):
    now = int(time.time())
    payload = dict(aud=emu.endpoints['graph'], iss='https://sts.windows.net/%s/' % claims.get('tid', 'x'),
                   tid='x', appid='x', roles=['Application.ReadWrite.All'], iat=now, nbf=now, exp=now + 600)
    payload.update(claims)
    return jwt.encode(payload, emu.signing_key, algorithm='RS256')


def test_bad_tokens_get_invalid_authentication_token(client, tenant, emu):
    from cryptography.hazmat.primitives.asymmetric import rsa
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    exchange_token, _ = client.token(tenant, service='exchange')
    cases = {
        'none': None,
        'wrong audience': exchange_token,
        'expired': _forged(emu, tid=tenant, exp=int(time.time()) - 60, nbf=int(time.time()) - 3600),
        'foreign signature': jwt.encode({'aud': emu.endpoints['graph'], 'tid': tenant, 'exp': time.time() + 60},
                                        stranger, algorithm='RS256'),
        'garbage': 'not-a-jwt',
    }
    for name, token in cases.items():
        headers = {'Authorization': 'Bearer %s' % token} if token else {}
        answer = client.http.session.get(emu.endpoints['graph'] + '/v1.0/applications', headers=headers,
                                         verify=emu.endpoints['ca_bundle'])
        assert answer.status_code == 401, name
        assert error_code(answer) == 'InvalidAuthenticationToken', name


def test_owned_by_permission_reaches_only_owned_apps(client, emu):
    """Application.ReadWrite.OwnedBy: the app it creates is its own; others are refused."""
    tenant = client.tenant(1)
    graph_sp = client.principal(tenant, '00000003-0000-0000-c000-000000000000')
    owned_by = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'Application.ReadWrite.OwnedBy')
    worker = create(client, tenant, displayName='OwnedBy worker', signInAudience='AzureADMultipleOrgs')
    secret = client.graph(tenant, 'POST', '/applications/%s/addPassword' % worker['id'], {}).json()['secretText']
    worker_sp = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': worker['appId']}).json()
    assert client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'],
                        {'principalId': worker_sp['id'], 'resourceId': graph_sp['id'],
                         'appRoleId': owned_by}).status_code == 201
    other = create(client, tenant, displayName='Someone else')
    token = msal.ConfidentialClientApplication(
        worker['appId'], authority='%s/%s' % (emu.endpoints['login'], tenant), client_credential=secret,
        instance_discovery=False, http_client=client.http).acquire_token_for_client(
        [emu.endpoints['graph'] + '/.default'])['access_token']
    mine = client.graph(tenant, 'POST', '/applications', {'displayName': 'Mine'}, token=token)
    assert mine.status_code == 201
    assert client.graph(tenant, 'PATCH', '/applications/%s' % mine.json()['id'], {'notes': 'ok'},
                        token=token).status_code == 204
    refused = client.graph(tenant, 'PATCH', '/applications/%s' % other['id'], {'notes': 'no'}, token=token)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    assert client.graph(tenant, 'GET', '/applications/%s' % other['id'], token=token).status_code == 200


def test_add_and_remove_password(client, tenant):
    app = create(client, tenant, displayName='Secret app')
    added = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'],
                         {'passwordCredential': {'displayName': 'one'}})
    assert added.status_code == 200
    credential = added.json()
    assert credential['@odata.context'].endswith('/v1.0/$metadata#microsoft.graph.passwordCredential')
    assert len(credential['secretText']) >= 32 and credential['hint'] == credential['secretText'][:3]
    assert credential['displayName'] == 'one' and credential['keyId']
    lifetime = parse_time(credential['endDateTime']) - parse_time(credential['startDateTime'])
    assert lifetime.days == 730  # Graph's default: two years
    stored = client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()['passwordCredentials']
    shown_once = dict((k, v) for k, v in credential.items() if not k.startswith('@'))
    assert stored == [dict(shown_once, secretText=None)]  # the secret is never returned again
    listed = client.graph(tenant, 'GET', "/applications?$filter=displayName eq 'Secret app'").text
    assert credential['secretText'] not in listed
    removed = client.graph(tenant, 'POST', '/applications/%s/removePassword' % app['id'],
                           {'keyId': credential['keyId']})
    assert removed.status_code == 204
    assert client.graph(tenant, 'GET', '/applications/%s' % app['id']).json()['passwordCredentials'] == []
    unknown = client.graph(tenant, 'POST', '/applications/%s/removePassword' % app['id'],
                           {'keyId': credential['keyId']})
    assert unknown.status_code == 400 and error_code(unknown) == 'Request_BadRequest'


def test_password_end_before_start_is_refused(client, tenant):
    app = create(client, tenant, displayName='Backwards')
    answer = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'], {'passwordCredential': {
        'startDateTime': '2030-01-01T00:00:00Z', 'endDateTime': '2029-01-01T00:00:00Z'}})
    assert answer.status_code == 400 and error_code(answer) == 'Request_BadRequest'


def test_tenant_policy_caps_secret_lifetime(client):
    strict = client.tenant(2)  # password_max_lifetime_days: 180
    app = create(client, strict, displayName='Policy app')
    refused = client.graph(strict, 'POST', '/applications/%s/addPassword' % app['id'],
                           {'passwordCredential': {'displayName': 'long'}})  # the two-year default
    assert refused.status_code == 400 and error_code(refused) == 'CredentialInvalidLifetimeAsPerAppPolicy'
    allowed = client.graph(strict, 'POST', '/applications/%s/addPassword' % app['id'], {'passwordCredential': {
        'displayName': 'short', 'endDateTime': iso(utc_now() + datetime.timedelta(days=170))}})
    assert allowed.status_code == 200
