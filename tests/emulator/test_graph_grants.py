"""Graph delegated permission grants (/oauth2PermissionGrants): create, get, list with $filter, update of the
scope, delete, a service principal's grants, the documented permissions and Graph's refusals."""

from __future__ import annotations

import pytest
from emulator_client import GRAPH_APP, app_token, error_code, new_app

# Microsoft Graph's app role DelegatedPermissionGrant.ReadWrite.All (its real id).
DELEGATED_GRANTS_ROLE = {'allowedMemberTypes': ['Application'], 'id': '8e8e4742-1d95-4f68-9d56-6ee75648c72a',
                         'isEnabled': True, 'origin': 'Application', 'value': 'DelegatedPermissionGrant.ReadWrite.All',
                         'displayName': 'Manage all delegated permission grants',
                         'description': 'Allows the app to manage permission grants for delegated permissions '
                                        'exposed by any API (including Microsoft Graph), without a signed-in user.'}


@pytest.fixture(scope='module')
def tenant(client):
    return client.tenant(1)


@pytest.fixture(scope='module')
def admin(client, tenant):
    """A token with Directory.ReadWrite.All."""
    app_id, _sp, _object_id, secret = new_app(client, tenant, 'Grant admin', graph=['Directory.ReadWrite.All'])
    return app_token(client, tenant, app_id, secret)


@pytest.fixture(scope='module')
def reader(client, tenant):
    app_id, _sp, _object_id, secret = new_app(client, tenant, 'Grant reader', graph=['Directory.Read.All'])
    return app_token(client, tenant, app_id, secret)


@pytest.fixture(scope='module')
def parties(client, tenant):
    """(client service principal id, Microsoft Graph's service principal id)."""
    _app_id, client_sp, _object_id, _secret = new_app(client, tenant, 'Delegating client')
    return client_sp, client.principal(tenant, GRAPH_APP)['id']


def fresh_client(client, tenant, name):
    """A new client service principal (one AllPrincipals grant per client and resource is possible)."""
    return new_app(client, tenant, name)[1]


def create(client, tenant, token, **body):
    return client.graph(tenant, 'POST', '/oauth2PermissionGrants', body, token=token)


def test_crud(client, tenant, admin, parties):
    client_sp, graph_sp = parties
    made = create(client, tenant, admin, clientId=client_sp, consentType='AllPrincipals', principalId=None,
                  resourceId=graph_sp, scope='User.Read  openid')   # az ad app permission grant sends principalId null
    assert made.status_code == 201, made.text
    grant = made.json()
    assert grant['@odata.context'].endswith('/v1.0/$metadata#oauth2PermissionGrants/$entity')
    assert (grant['clientId'], grant['consentType'], grant['principalId'], grant['resourceId'], grant['scope']) == \
        (client_sp, 'AllPrincipals', None, graph_sp, 'User.Read openid')
    path = '/oauth2PermissionGrants/%s' % grant['id']
    assert client.graph(tenant, 'GET', path, token=admin).json()['scope'] == 'User.Read openid'
    assert client.graph(tenant, 'PATCH', path, {'scope': 'User.Read'}, token=admin).status_code == 204
    assert client.graph(tenant, 'GET', '/oAuth2PermissionGrants/%s' % grant['id'],   # as az sends it
                        token=admin).json()['scope'] == 'User.Read'
    assert client.graph(tenant, 'DELETE', '/oAuth2PermissionGrants/%s' % grant['id'], token=admin).status_code == 204
    gone = client.graph(tenant, 'GET', path, token=admin)
    assert gone.status_code == 404 and error_code(gone) == 'Request_ResourceNotFound'
    assert client.graph(tenant, 'DELETE', path, token=admin).status_code == 404


def test_principal_grants_and_filters(client, tenant, admin, reader, parties):
    client_sp, graph_sp = parties
    alice = '2b7a1c4f-3d5e-4f6a-9b0c-1d2e3f4a5b62'
    for_alice = create(client, tenant, admin, clientId=client_sp, consentType='Principal', principalId=alice,
                       resourceId=graph_sp, scope='Calendars.ReadWrite').json()
    for_all = create(client, tenant, admin, clientId=client_sp, consentType='AllPrincipals', resourceId=graph_sp,
                     scope='User.Read').json()
    duplicate = create(client, tenant, admin, clientId=client_sp, consentType='Principal', principalId=alice,
                       resourceId=graph_sp, scope='User.Read')
    assert duplicate.status_code == 409 and error_code(duplicate) == 'Request_MultipleObjectsWithSameKeyValue'
    for text, expected in (("clientId eq '%s'" % client_sp, {for_alice['id'], for_all['id']}),
                           ("consentType eq 'Principal' and clientId eq '%s'" % client_sp, {for_alice['id']}),
                           ("principalId eq '%s'" % alice, {for_alice['id']}),
                           ("resourceId eq '%s' and consentType eq 'AllPrincipals' and clientId eq '%s'"
                            % (graph_sp, client_sp), {for_all['id']})):
        answer = client.graph(tenant, 'GET', '/oauth2PermissionGrants?$filter=' + text, token=reader)
        assert answer.status_code == 200 and {g['id'] for g in answer.json()['value']} == expected, text
    own = client.graph(tenant, 'GET', '/servicePrincipals/%s/oauth2PermissionGrants' % client_sp, token=reader)
    assert {g['id'] for g in own.json()['value']} == {for_alice['id'], for_all['id']}
    refused = client.graph(tenant, 'GET', "/oauth2PermissionGrants?$filter=scope eq 'User.Read'", token=reader)
    assert refused.status_code == 400 and error_code(refused) == 'Request_UnsupportedQuery'


@pytest.mark.parametrize('change,status', [
    ({'consentType': 'Everyone'}, 400),
    ({'consentType': None}, 400),
    ({'consentType': 'Principal'}, 400),                                     # without principalId
    ({'principalId': '2b7a1c4f-3d5e-4f6a-9b0c-1d2e3f4a5b62'}, 400),          # with AllPrincipals
    ({'consentType': 'Principal', 'principalId': '00000000-0000-4000-8000-00000000abcd'}, 404),  # no such user
    ({'clientId': '00000000-0000-4000-8000-00000000abcd'}, 404),
    ({'resourceId': None}, 400),
    ({'scope': None}, 400),
    ({'id': 'chosen'}, 400),                                                 # read-only
    ({'expiryTime': '2030-01-01T00:00:00Z'}, 400),                           # beta only
])
def test_invalid_grants_are_refused(client, tenant, admin, parties, change, status):
    client_sp, graph_sp = parties
    body = dict({'clientId': client_sp, 'consentType': 'AllPrincipals', 'resourceId': graph_sp,
                 'scope': 'Directory.Read.All'}, **change)
    answer = client.graph(tenant, 'POST', '/oauth2PermissionGrants', body, token=admin)
    assert answer.status_code == status, answer.text
    assert error_code(answer) == ('Request_ResourceNotFound' if status == 404 else 'Request_BadRequest')


def test_update_changes_the_scope_only(client, tenant, admin, parties):
    client_sp, graph_sp = fresh_client(client, tenant, 'Updated client'), parties[1]
    grant = create(client, tenant, admin, clientId=client_sp, consentType='AllPrincipals', resourceId=graph_sp,
                   scope='Group.ReadWrite.All').json()
    for body in ({'clientId': graph_sp}, {'consentType': 'Principal'}, {'scope': 5}):
        answer = client.graph(tenant, 'PATCH', '/oauth2PermissionGrants/%s' % grant['id'], body, token=admin)
        assert answer.status_code == 400, body
    missing = client.graph(tenant, 'PATCH', '/oauth2PermissionGrants/bm90LWEtZ3JhbnQ', {'scope': 'x'}, token=admin)
    assert missing.status_code == 404


def test_scopes_are_checked_against_those_the_resource_publishes(client, tenant, admin, parties):
    client_sp, _graph_sp = parties
    api = client.graph(tenant, 'POST', '/applications', {'displayName': 'Things API', 'api': {
        'oauth2PermissionScopes': [{'id': '5a1e2f3c-1111-4a2b-8c3d-4e5f6a7b8c9d', 'value': 'Things.Read',
                                    'type': 'User', 'isEnabled': True, 'adminConsentDisplayName': 'Read things',
                                    'adminConsentDescription': 'Read things'}]}}).json()
    resource = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': api['appId']}).json()
    assert [s['value'] for s in resource['oauth2PermissionScopes']] == ['Things.Read']
    ok = create(client, tenant, admin, clientId=client_sp, consentType='AllPrincipals', resourceId=resource['id'],
                scope='Things.Read')
    assert ok.status_code == 201
    unknown = client.graph(tenant, 'PATCH', '/oauth2PermissionGrants/%s' % ok.json()['id'],
                           {'scope': 'Things.Read Things.Write'}, token=admin)
    assert unknown.status_code == 400 and 'Things.Write' in unknown.json()['error']['message']


def test_deleting_a_service_principal_deletes_its_grants(client, tenant, admin, parties):
    _client_sp, graph_sp = parties
    _app_id, doomed, _object_id, _secret = new_app(client, tenant, 'Doomed client')
    grant = create(client, tenant, admin, clientId=doomed, consentType='AllPrincipals', resourceId=graph_sp,
                   scope='User.Read').json()
    assert client.graph(tenant, 'DELETE', '/servicePrincipals/%s' % doomed).status_code == 204
    assert client.graph(tenant, 'GET', '/oauth2PermissionGrants/%s' % grant['id'], token=admin).status_code == 404


def test_documented_permissions(client, tenant, admin, reader, parties):
    client_sp, graph_sp = fresh_client(client, tenant, 'Permissions client'), parties[1]
    body = {'clientId': client_sp, 'consentType': 'AllPrincipals', 'resourceId': graph_sp, 'scope': 'User.Read'}
    # operator 0: Application.ReadWrite.All and AppRoleAssignment.ReadWrite.All, neither of which is listed
    for method, path, payload in (('GET', '/oauth2PermissionGrants', None), ('POST', '/oauth2PermissionGrants', body)):
        refused = client.graph(tenant, method, path, payload)
        assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    assert client.graph(tenant, 'GET', '/oauth2PermissionGrants', token=reader).status_code == 200
    assert client.graph(tenant, 'POST', '/oauth2PermissionGrants', body, token=reader).status_code == 403
    made = client.graph(tenant, 'POST', '/oauth2PermissionGrants', dict(body, scope='Mail.Send'), token=admin).json()
    for method, payload in (('PATCH', {'scope': 'User.Read'}), ('DELETE', None)):
        refused = client.graph(tenant, method, '/oauth2PermissionGrants/%s' % made['id'], payload, token=reader)
        assert refused.status_code == 403


def test_delegated_permission_grant_read_write_all_suffices(client, tenant, parties):
    """The least privileged permission for writes (the emulator's catalogue may lack the app role: added here)."""
    with client.emu.store.lock:
        graph = client.emu.store.principal_by_app_id(client.emu.store.tenant(tenant), GRAPH_APP)
        if not any(r['value'] == DELEGATED_GRANTS_ROLE['value'] for r in graph['appRoles']):
            graph['appRoles'].append(dict(DELEGATED_GRANTS_ROLE))
    app_id, _sp, _object_id, secret = new_app(client, tenant, 'Grant manager',
                                              graph=['DelegatedPermissionGrant.ReadWrite.All'])
    token = app_token(client, tenant, app_id, secret)
    client_sp, graph_sp = fresh_client(client, tenant, 'Managed client'), parties[1]
    made = create(client, tenant, token, clientId=client_sp, consentType='AllPrincipals', resourceId=graph_sp,
                  scope='Policy.Read.All')
    assert made.status_code == 201, made.text
    assert client.graph(tenant, 'GET', '/oauth2PermissionGrants/%s' % made.json()['id'], token=token).status_code \
        == 200
    assert client.graph(tenant, 'DELETE', '/oauth2PermissionGrants/%s' % made.json()['id'], token=token) \
        .status_code == 204
