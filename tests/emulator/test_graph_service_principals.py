"""Graph service principals, app role assignments (admin consent), places and
JSON batching."""

from __future__ import annotations

import pytest
from emulator_client import EXCHANGE_APP, GRAPH_APP, error_code

from emulator import catalog


@pytest.fixture(scope='module')
def tenant(client):
    return client.tenant(1)


@pytest.fixture(scope='module')
def graph_sp(client, tenant):
    return client.principal(tenant, GRAPH_APP)


def new_principal(client, tenant, name, **app):
    created = client.graph(tenant, 'POST', '/applications', dict({'displayName': name}, **app)).json()
    answer = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': created['appId']})
    assert answer.status_code == 201, answer.text
    return created, answer.json()


def test_first_party_principals_carry_real_app_roles(client, tenant, graph_sp):
    assert graph_sp['displayName'] == 'Microsoft Graph'
    roles = dict((r['value'], r) for r in graph_sp['appRoles'])
    assert roles['Application.ReadWrite.All']['id'] == '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9'
    assert roles['Place.Read.All']['id'] == '913b9306-0ce1-42b8-9137-6a7df690a760'
    assert roles['User.Read.All'] == {
        'allowedMemberTypes': ['Application'], 'description': 'Allows the app to read user profiles without a '
        'signed in user.', 'displayName': "Read all users' full profiles", 'id': 'df021288-bdef-4463-88db-98f22de89214',
        'isEnabled': True, 'origin': 'Application', 'value': 'User.Read.All'}
    exchange = client.principal(tenant, EXCHANGE_APP)
    assert exchange['displayName'] == 'Office 365 Exchange Online'
    assert [(r['value'], r['id']) for r in exchange['appRoles']] == [
        ('Exchange.ManageAsApp', 'dc50a0fb-09a3-484d-be87-e023b12c6440')]
    assert len(catalog.FIRST_PARTY[GRAPH_APP]['appRoles']) >= 13


def test_create_get_filter_delete(client, tenant):
    app, principal = new_principal(client, tenant, 'SP app', signInAudience='AzureADMultipleOrgs')
    assert principal['@odata.context'].endswith('/v1.0/$metadata#servicePrincipals/$entity')
    assert principal['appId'] == app['appId'] and principal['displayName'] == 'SP app'
    assert principal['appOwnerOrganizationId'] == tenant and principal['servicePrincipalType'] == 'Application'
    for path in ('/servicePrincipals/%s' % principal['id'], "/servicePrincipals(appId='%s')" % app['appId']):
        assert client.graph(tenant, 'GET', path).json()['id'] == principal['id']
    for clause in ("appId eq '%s'" % app['appId'], "displayName eq 'SP app'"):
        listed = client.graph(tenant, 'GET', '/servicePrincipals?$filter=' + clause).json()['value']
        assert [p['id'] for p in listed] == [principal['id']]
    assert client.graph(tenant, 'DELETE', '/servicePrincipals/%s' % principal['id']).status_code == 204
    gone = client.graph(tenant, 'GET', "/servicePrincipals(appId='%s')" % app['appId'])
    assert gone.status_code == 404 and error_code(gone) == 'Request_ResourceNotFound'


def test_duplicate_and_unknown_apps_are_refused(client, tenant):
    app, _ = new_principal(client, tenant, 'Twice')
    duplicate = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']})
    assert duplicate.status_code == 409 and error_code(duplicate) == 'Request_MultipleObjectsWithSameKeyValue'
    unknown = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': '12345678-1234-4123-8123-123456789012'})
    assert unknown.status_code == 400 and error_code(unknown) == 'Request_BadRequest'
    assert "does not reference a valid application object" in unknown.json()['error']['message']
    missing = client.graph(tenant, 'POST', '/servicePrincipals', {})
    assert missing.status_code == 400


def test_single_tenant_app_of_another_tenant_cannot_get_a_principal(client, tenant):
    home_only = client.graph(tenant, 'POST', '/applications', {'displayName': 'Mine only'}).json()
    elsewhere = client.graph(client.tenant(2), 'POST', '/servicePrincipals', {'appId': home_only['appId']})
    assert elsewhere.status_code == 400 and error_code(elsewhere) == 'Request_BadRequest'
    multi = client.graph(tenant, 'POST', '/applications', {'displayName': 'Shared',
                                                           'signInAudience': 'AzureADMultipleOrgs'}).json()
    consented = client.graph(client.tenant(2), 'POST', '/servicePrincipals', {'appId': multi['appId']})
    assert consented.status_code == 201 and consented.json()['appOwnerOrganizationId'] == tenant


def test_app_role_assignment_lifecycle(client, tenant, graph_sp):
    _, principal = new_principal(client, tenant, 'Consented app')
    role = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'Mail.Send')
    body = {'principalId': principal['id'], 'resourceId': graph_sp['id'], 'appRoleId': role}
    path = '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id']
    created = client.graph(tenant, 'POST', path, body)
    assert created.status_code == 201
    assignment = created.json()
    assert (assignment['principalId'], assignment['resourceId'], assignment['appRoleId']) == (
        principal['id'], graph_sp['id'], role)
    assert assignment['principalType'] == 'ServicePrincipal' and assignment['resourceDisplayName'] == 'Microsoft Graph'
    again = client.graph(tenant, 'POST', path, body)
    assert again.status_code == 400 and error_code(again) == 'Request_BadRequest'
    assert again.json()['error']['message'] == 'Permission being assigned already exists on the object'
    from_principal = client.graph(tenant, 'GET', '/servicePrincipals/%s/appRoleAssignments' % principal['id'])
    assert [a['id'] for a in from_principal.json()['value']] == [assignment['id']]
    on_resource = client.graph(tenant, 'GET', path + '?$top=999').json()['value']
    assert assignment['id'] in [a['id'] for a in on_resource]
    assert client.graph(tenant, 'DELETE', '%s/%s' % (path, assignment['id'])).status_code == 204
    assert client.graph(tenant, 'GET', '/servicePrincipals/%s/appRoleAssignments'
                        % principal['id']).json()['value'] == []
    gone = client.graph(tenant, 'DELETE', '%s/%s' % (path, assignment['id']))
    assert gone.status_code == 404 and error_code(gone) == 'Request_ResourceNotFound'


def test_assignment_through_the_principal_side(client, tenant, graph_sp):
    _, principal = new_principal(client, tenant, 'Principal side')
    role = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'Group.Read.All')
    answer = client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignments' % principal['id'],
                          {'principalId': principal['id'], 'resourceId': graph_sp['id'], 'appRoleId': role})
    assert answer.status_code == 201 and answer.json()['resourceId'] == graph_sp['id']


@pytest.mark.parametrize('change,status,code', [
    ({'appRoleId': '00000000-0000-4000-8000-000000000000'}, 400, 'Request_BadRequest'),  # no such role
    ({'resourceId': '00000000-0000-4000-8000-000000000000'}, 400, 'Request_BadRequest'),  # not the URL's resource
    ({'principalId': '00000000-0000-4000-8000-000000000000'}, 404, 'Request_ResourceNotFound'),
    ({'appRoleId': None}, 400, 'Request_BadRequest'),
])
def test_invalid_assignments(client, tenant, graph_sp, change, status, code):
    reader = client.principal(tenant, client.operator(1)['app_id'])
    body = {'principalId': reader['id'], 'resourceId': graph_sp['id'],
            'appRoleId': next(r['id'] for r in graph_sp['appRoles'] if r['value'] == 'Mail.Send')}
    body.update(change)
    answer = client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'], body)
    assert answer.status_code == status and error_code(answer) == code


def test_consent_needs_app_role_assignment_permission(client, tenant, graph_sp):
    reader = client.principal(tenant, client.operator(1)['app_id'])
    answer = client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'],
                          {'principalId': reader['id'], 'resourceId': graph_sp['id'],
                           'appRoleId': graph_sp['appRoles'][0]['id']}, operator=1)
    assert answer.status_code == 403 and error_code(answer) == 'Authorization_RequestDenied'
    listed = client.graph(tenant, 'GET', '/servicePrincipals/%s/appRoleAssignments' % reader['id'], operator=1)
    assert listed.status_code == 200  # Application.Read.All reads assignments


def test_rooms_and_room_lists(client, tenant):
    rooms = client.graph(tenant, 'GET', '/places/microsoft.graph.room?$top=10').json()['value']
    assert sorted(r['emailAddress'] for r in rooms) == ['annex@contoso.onmicrosoft.com',
                                                        'board@contoso.onmicrosoft.com',
                                                        'focus-1@contoso.onmicrosoft.com']
    lists = client.graph(tenant, 'GET', '/places/microsoft.graph.roomlist').json()['value']
    assert [rl['emailAddress'] for rl in lists] == ['hq-rooms@contoso.onmicrosoft.com']
    hq = client.graph(tenant, 'GET', '/places/hq-rooms@contoso.onmicrosoft.com/microsoft.graph.roomlist/rooms'
                                     '?$top=10').json()['value']
    assert sorted(r['displayName'] for r in hq) == ['Board Room', 'Focus Room 1']
    unknown = client.graph(tenant, 'GET', '/places/nope@contoso.onmicrosoft.com/microsoft.graph.roomlist/rooms')
    assert unknown.status_code == 404


def test_batch_routes_each_request_and_fails_dependents(client, tenant):
    batch = client.graph(tenant, 'POST', '/$batch', {'requests': [
        {'id': 'a', 'method': 'GET', 'url': '/applications/00000000-0000-4000-8000-000000000000'},
        {'id': 'b', 'method': 'GET', 'url': '/applications', 'dependsOn': ['a']},
        {'id': 'c', 'method': 'GET', 'url': "servicePrincipals(appId='%s')?$select=displayName" % GRAPH_APP},
        {'id': 'd', 'method': 'POST', 'url': '/applications', 'body': {'displayName': 'Batched'},
         'headers': {'Content-Type': 'application/json'}},
        {'id': 'e', 'method': 'PATCH', 'url': "/applications(uniqueName='batched')", 'dependsOn': ['d'],
         'body': {'displayName': 'Upserted'}, 'headers': {'Content-Type': 'application/json',
                                                          'Prefer': 'create-if-missing'}},
    ]})
    assert batch.status_code == 200
    responses = dict((r['id'], r) for r in batch.json()['responses'])
    statuses = dict((k, r['status']) for k, r in responses.items())
    assert statuses == {'a': 404, 'b': 424, 'c': 200, 'd': 201, 'e': 201}
    assert responses['a']['body']['error']['code'] == 'Request_ResourceNotFound'
    assert responses['c']['body']['displayName'] == 'Microsoft Graph'
    assert responses['d']['body']['displayName'] == 'Batched'


@pytest.mark.parametrize('requests', [
    [{'id': str(n), 'method': 'GET', 'url': '/applications'} for n in range(21)],  # over the limit of 20
    [{'id': '1', 'method': 'GET', 'url': '/applications'}, {'id': '1', 'method': 'GET', 'url': '/applications'}],
    [{'id': '1', 'method': 'GET', 'url': '/applications', 'dependsOn': ['9']}],
    [{'id': '1', 'method': 'POST', 'url': '/applications', 'body': {'displayName': 'x'}}],  # no Content-Type
    [],
])
def test_invalid_batches_are_refused(client, tenant, requests):
    answer = client.graph(tenant, 'POST', '/$batch', {'requests': requests})
    assert answer.status_code == 400 and error_code(answer) == 'BadRequest'


def test_batch_logs_inner_requests_with_their_write_flag(client, tenant):
    mark = client.emu.requests()[-1]['seq']
    client.graph(tenant, 'POST', '/$batch', {'requests': [
        {'id': '1', 'method': 'GET', 'url': '/applications?$top=1'},
        {'id': '2', 'method': 'POST', 'url': '/applications', 'body': {'displayName': 'Logged'},
         'headers': {'Content-Type': 'application/json'}}]})
    logged = [(e['method'], e['path'], e['batch'], e['write'], e['status'])
              for e in client.emu.requests(since=mark) if e['service'] == 'graph']
    assert logged == [('GET', '/v1.0/applications', True, False, 200),
                      ('POST', '/v1.0/applications', True, True, 201),
                      ('POST', '/v1.0/$batch', False, False, 200)]
