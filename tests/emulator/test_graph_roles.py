"""Directory roles through Graph: the built-in role definitions, role assignments (app-only and delegated), the
`wids` they put in the next token, Exchange authorizing on them, and a delegated caller's rights as the signed-in
user's directory roles allow them (the customer's bootstrap, end to end)."""

from __future__ import annotations

import base64
import uuid

import pytest
from delegated import (EXCHANGE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR, AZURE_CLI, claims,
                       user_token)
from emulator_client import EXCHANGE_APP, GRAPH_APP, Client, error_code
from graph_schema import needs_schema, properties

ROLES = '/roleManagement/directory/roleAssignments'
DEFINITIONS = '/roleManagement/directory/roleDefinitions'
EXCHANGE_RECIPIENT_ADMINISTRATOR = '31392ffb-586c-42d1-9346-e59415a2cc4e'
APPLICATION_ADMINISTRATOR = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3'
WOODGROVE, CONTOSO, TAILSPIN = 5, 1, 3


def app_role(client, tenant, resource_app_id, value, token=None):
    resource = client.graph(tenant, 'GET', "/servicePrincipals(appId='%s')" % resource_app_id, token=token).json()
    return resource['id'], next(r['id'] for r in resource['appRoles'] if r['value'] == value)


def assign_app_role(client, tenant, principal_id, resource_app_id, value, token=None):
    resource_id, role_id = app_role(client, tenant, resource_app_id, value, token)
    return client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % resource_id,
                        {'principalId': principal_id, 'resourceId': resource_id, 'appRoleId': role_id}, token=token)


def assign_role(client, tenant, principal_id, role_id, token=None, **extra):
    body = dict({'principalId': principal_id, 'roleDefinitionId': role_id, 'directoryScopeId': '/'}, **extra)
    return client.graph(tenant, 'POST', ROLES, body, token=token)


def decode_id(assignment_id):
    raw = assignment_id[:-2]
    data = base64.urlsafe_b64decode(raw + '=' * (-len(raw) % 4))
    return [str(uuid.UUID(bytes_le=data[i:i + 16])) for i in range(0, len(data), 16)]


@pytest.fixture(scope='module')
def reader(client):
    """The operator may read Contoso's role definitions and assignments (RoleManagement.Read.Directory)."""
    tenant = client.tenant(CONTOSO)
    refused = client.graph(tenant, 'GET', ROLES)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    operator_sp = client.principal(tenant, client.operator()['app_id'])
    assert assign_app_role(client, tenant, operator_sp['id'], GRAPH_APP, 'RoleManagement.Read.Directory').status_code \
        == 201
    client.fresh_token(tenant)
    return client


def test_reading_roles_needs_a_documented_permission(client):
    for path in (ROLES, DEFINITIONS):
        refused = client.graph(client.tenant(CONTOSO), 'GET', path, operator=1)  # Application.Read.All only
        assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'


def test_role_definitions_are_the_built_in_roles(reader):
    client = reader
    tenant = client.tenant(CONTOSO)
    listed = []
    page = client.graph(tenant, 'GET', DEFINITIONS).json()
    while True:
        listed += page['value']
        if '@odata.nextLink' not in page:
            break
        page = client.call(tenant, 'GET', page['@odata.nextLink']).json()
    by_name = dict((d['displayName'], d) for d in listed)
    assert len(by_name) == 8 and by_name['Global Administrator']['templateId'] == GLOBAL_ADMINISTRATOR
    assert by_name['Privileged Role Administrator']['id'] == PRIVILEGED_ROLE_ADMINISTRATOR
    assert all(d['isBuiltIn'] and d['isEnabled'] and d['resourceScopes'] == ['/'] for d in listed)
    got = client.graph(tenant, 'GET', DEFINITIONS + '/' + EXCHANGE_ADMINISTRATOR).json()
    assert got['displayName'] == 'Exchange Administrator' and got['@odata.context'].endswith('/$entity')
    filtered = client.graph(tenant, 'GET', DEFINITIONS + "?$filter=displayName eq 'Global Reader'").json()['value']
    assert [d['templateId'] for d in filtered] == ['f2ef992c-3afb-46b9-b7cf-a126ee74c451']
    missing = client.graph(tenant, 'GET', DEFINITIONS + '/00000000-0000-4000-8000-000000000000')
    assert missing.status_code == 404 and error_code(missing) == 'Request_ResourceNotFound'


def test_seeded_roles_are_role_assignments_with_entra_ids(reader):
    client = reader
    tenant = client.tenant(CONTOSO)
    operator_sp = client.principal(tenant, client.operator()['app_id'])
    listed = client.graph(tenant, 'GET', ROLES + "?$filter=principalId eq '%s'" % operator_sp['id']).json()['value']
    assert [(a['roleDefinitionId'], a['directoryScopeId']) for a in listed] == [(EXCHANGE_ADMINISTRATOR, '/')]
    assert listed[0]['id'].endswith('-1') and decode_id(listed[0]['id']) == [EXCHANGE_ADMINISTRATOR, operator_sp['id']]
    got = client.graph(tenant, 'GET', ROLES + '/' + listed[0]['id']).json()
    assert got['principalId'] == operator_sp['id']
    admins = client.graph(tenant, 'GET', ROLES + "?$filter=roleDefinitionId eq '%s'" % GLOBAL_ADMINISTRATOR).json()
    assert [a['principalId'] for a in admins['value']] == ['6c2d3e4f-5a6b-4c7d-8e9f-000000000011']


def test_app_only_role_assignment_needs_role_management_and_shows_in_wids(client):
    tenant = client.tenant(CONTOSO)
    operator_sp = client.principal(tenant, client.operator()['app_id'])
    auditor_sp = client.principal(tenant, client.operator(1)['app_id'])
    refused = assign_role(client, tenant, auditor_sp['id'], EXCHANGE_RECIPIENT_ADMINISTRATOR)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    granted = assign_app_role(client, tenant, operator_sp['id'], GRAPH_APP, 'RoleManagement.ReadWrite.Directory')
    assert granted.status_code == 201, granted.text
    client.fresh_token(tenant)
    created = assign_role(client, tenant, auditor_sp['id'], EXCHANGE_RECIPIENT_ADMINISTRATOR)
    assert created.status_code == 201, created.text
    assert created.json()['@odata.context'].endswith('roleAssignments/$entity')
    auditor = Client(client.emu)
    for service in ('graph', 'exchange'):
        assert claims(auditor.token(tenant, service, operator=1)[0])['wids'] == [
            'f2ef992c-3afb-46b9-b7cf-a126ee74c451', EXCHANGE_RECIPIENT_ADMINISTRATOR]
    duplicate = assign_role(client, tenant, auditor_sp['id'], EXCHANGE_RECIPIENT_ADMINISTRATOR)
    assert duplicate.status_code == 400 and 'conflicting object' in duplicate.json()['error']['message']
    removed = client.graph(tenant, 'DELETE', ROLES + '/' + created.json()['id'])
    assert removed.status_code == 204
    assert claims(auditor.fresh_token(tenant, 'exchange', operator=1))['wids'] == [
        'f2ef992c-3afb-46b9-b7cf-a126ee74c451']
    again = client.graph(tenant, 'DELETE', ROLES + '/' + created.json()['id'])
    assert again.status_code == 404


@pytest.mark.parametrize('change,status', [
    ({'roleDefinitionId': '00000000-0000-4000-8000-000000000000'}, 404),
    ({'principalId': '00000000-0000-4000-8000-000000000000'}, 404),
    ({'directoryScopeId': '/administrativeUnits/5d107bba-d8e2-4e13-b6ae-884be90e5d1a'}, 400),
    ({'directoryScopeId': None}, 400),
    ({'principalId': None}, 400),
    ({'appScopeId': '/'}, 400),
    ({'colour': 'blue'}, 400),
])
def test_invalid_role_assignments_are_refused(client, change, status):
    tenant = client.tenant(CONTOSO)
    operator_sp = client.principal(tenant, client.operator()['app_id'])
    assign_app_role(client, tenant, operator_sp['id'], GRAPH_APP, 'RoleManagement.ReadWrite.Directory')
    client.fresh_token(tenant)
    body = dict({'principalId': '6c2d3e4f-5a6b-4c7d-8e9f-000000000013', 'roleDefinitionId': GLOBAL_ADMINISTRATOR,
                 'directoryScopeId': '/'}, **change)
    answer = client.graph(tenant, 'POST', ROLES, dict((k, v) for k, v in body.items() if v is not None))
    assert answer.status_code == status, answer.text


def test_bootstrap_of_a_new_customer_with_one_sign_in(client):
    """The customer's Global Administrator signs in once; with that token the operator's service principal is made,
    granted Graph and Exchange application permissions and the Exchange Administrator role; the operator then signs
    in app-only and manages Exchange."""
    tenant = client.tenant(WOODGROVE)
    operator = client.operator()['app_id']
    assert client.token_result(tenant)['error_codes'] == [700016]  # nothing of the operator there yet
    admin = user_token(client, tenant, 'admin@woodgrove.onmicrosoft.com')
    created = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': operator}, token=admin)
    assert created.status_code == 201, created.text
    principal = created.json()['id']
    for resource, value in ((GRAPH_APP, 'Place.Read.All'), (GRAPH_APP, 'User.Read.All'),
                            (EXCHANGE_APP, 'Exchange.ManageAsApp')):
        answer = assign_app_role(client, tenant, principal, resource, value, token=admin)
        assert answer.status_code == 201, answer.text
    assert assign_role(client, tenant, principal, EXCHANGE_ADMINISTRATOR, token=admin).status_code == 201
    operator_client = Client(client.emu)
    graph_token = claims(operator_client.token(tenant)[0])
    assert graph_token['roles'] == ['Place.Read.All', 'User.Read.All'] and graph_token['wids'] == [
        EXCHANGE_ADMINISTRATOR]
    rooms = operator_client.exo(tenant, 'Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox'})
    assert rooms.status_code == 200, rooms.text
    page = rooms.json()
    assert [m['Alias'] for m in page['value']] == ['orchard', 'grove']


def test_an_ordinary_user_reads_but_cannot_write(client):
    tenant = client.tenant(CONTOSO)
    user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com')  # consent for the organization
    diego = user_token(client, tenant, 'diego@contoso.onmicrosoft.com')
    auditor_sp = client.principal(tenant, client.operator(1)['app_id'])
    assert client.graph(tenant, 'GET', '/users', token=diego).status_code == 200
    assert client.graph(tenant, 'GET', ROLES, token=diego).status_code == 200
    for answer in (client.graph(tenant, 'POST', '/servicePrincipals', {'appId': client.operator(2)['app_id']},
                                token=diego),
                   assign_app_role(client, tenant, auditor_sp['id'], EXCHANGE_APP, 'Exchange.ManageAsApp', diego),
                   assign_role(client, tenant, auditor_sp['id'], EXCHANGE_ADMINISTRATOR, token=diego)):
        assert answer.status_code == 403 and error_code(answer) == 'Authorization_RequestDenied', answer.text
        assert answer.json()['error']['message'] == 'Insufficient privileges to complete the operation.'


def test_a_privileged_role_administrator_assigns_roles_and_grants_but_does_not_create(client):
    tenant = client.tenant(CONTOSO)
    user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com')
    admin = user_token(client, tenant, 'roleadmin@contoso.onmicrosoft.com')
    auditor_sp = client.principal(tenant, client.operator(1)['app_id'])
    assert assign_app_role(client, tenant, auditor_sp['id'], GRAPH_APP, 'Place.Read.All', admin).status_code == 201
    made = assign_role(client, tenant, '6c2d3e4f-5a6b-4c7d-8e9f-000000000013', APPLICATION_ADMINISTRATOR, token=admin)
    assert made.status_code == 201, made.text
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Made by an admin'}).json()
    refused = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=admin)
    assert refused.status_code == 403
    assert client.graph(tenant, 'DELETE', ROLES + '/' + made.json()['id'], token=admin).status_code == 204


def test_an_application_administrator_may_grant_any_api_but_microsoft_graph(client):
    tenant = client.tenant(CONTOSO)
    global_admin = user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com')
    made = assign_role(client, tenant, '6c2d3e4f-5a6b-4c7d-8e9f-000000000013', APPLICATION_ADMINISTRATOR,
                       token=global_admin)
    assert made.status_code == 201, made.text
    app_admin = user_token(client, tenant, 'diego@contoso.onmicrosoft.com')
    assert claims(app_admin)['wids'] == [APPLICATION_ADMINISTRATOR]
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'App admin app',
                                                         'signInAudience': 'AzureADMultipleOrgs'}).json()
    created = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}, token=app_admin)
    assert created.status_code == 201, created.text
    principal = created.json()['id']
    assert assign_app_role(client, tenant, principal, EXCHANGE_APP, 'Exchange.ManageAsApp', app_admin).status_code \
        == 201
    graph_grant = assign_app_role(client, tenant, principal, GRAPH_APP, 'User.Read.All', app_admin)
    assert graph_grant.status_code == 403 and error_code(graph_grant) == 'Authorization_RequestDenied'
    assert assign_role(client, tenant, principal, EXCHANGE_ADMINISTRATOR, token=app_admin).status_code == 403
    assert client.graph(tenant, 'DELETE', ROLES + '/' + made.json()['id'], token=global_admin).status_code == 204


def test_a_global_administrator_without_the_scope_is_refused(client):
    tenant = client.tenant(CONTOSO)
    cli = user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com', AZURE_CLI)
    refused = assign_role(client, tenant, '6c2d3e4f-5a6b-4c7d-8e9f-000000000013', EXCHANGE_ADMINISTRATOR, token=cli)
    assert refused.status_code == 403  # Azure CLI holds no RoleManagement.ReadWrite.Directory


def test_exchange_authorizes_on_a_role_assigned_through_graph(client):
    tenant = client.tenant(TAILSPIN)  # the operator has Exchange.ManageAsApp but no Exchange role there
    assert client.exo(tenant, 'Get-Mailbox').status_code == 403
    admin = user_token(client, tenant, 'globaladmin@tailspin.onmicrosoft.com')
    operator_sp = client.principal(tenant, client.operator()['app_id'])
    assert assign_role(client, tenant, operator_sp['id'], EXCHANGE_ADMINISTRATOR, token=admin).status_code == 201
    client.fresh_token(tenant, 'exchange')
    assert client.exo(tenant, 'Get-Mailbox').status_code == 200


@needs_schema
def test_served_properties_are_in_the_schema(reader):
    client = reader
    tenant = client.tenant(CONTOSO)
    for path, name in ((DEFINITIONS, 'unifiedRoleDefinition'), (ROLES, 'unifiedRoleAssignment')):
        for item in client.graph(tenant, 'GET', path).json()['value']:
            assert set(item) <= properties(name), set(item) - properties(name)
    definition = client.graph(tenant, 'GET', DEFINITIONS + '/' + GLOBAL_ADMINISTRATOR).json()
    assert set(definition['rolePermissions'][0]) <= properties('unifiedRolePermission')
