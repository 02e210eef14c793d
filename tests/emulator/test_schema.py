"""Every property name the emulator serves exists in Microsoft Graph's v1.0 schema (CSDL).

The schema is reference material in ../shared; the test is skipped where it is absent.
"""

from __future__ import annotations

import os

import pytest
from emulator_client import app_token, new_app
from graph_schema import needs_schema, properties
from key_certificates import Certificate

pytestmark = needs_schema


@pytest.fixture(scope='module')
def schema():
    return properties


def served(obj):
    return set(k for k in obj if not k.startswith('@'))


def test_application_and_nested_types(client, schema):
    tenant = client.tenant(1)
    app = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'Schema app'}).json()
    assert served(app) <= schema('application'), served(app) - schema('application')
    assert served(app['web']) <= schema('webApplication')
    assert served(app['web']['implicitGrantSettings']) <= schema('implicitGrantSettings')
    assert served(app['api']) <= schema('apiApplication')
    assert served(app['info']) <= schema('informationalUrl')
    credential = client.call(tenant, 'POST', '/v1.0/applications/%s/addPassword' % app['id'],
                             {'passwordCredential': {'displayName': 'x'}}).json()
    assert served(credential) <= schema('passwordCredential')


def test_operator_key_credential(client, schema, emu):
    with emu.store.lock:
        _tenant, app = emu.store.home_of(client.seed['operators'][0]['app_id'])
        credential = dict(app['keyCredentials'][0])
    assert served(credential) <= schema('keyCredential')


def test_key_credential_answers_and_delegated_permission_grants(client, schema):
    tenant = client.tenant(1)
    first, second = Certificate('schema first'), Certificate('schema second')
    app = client.call(tenant, 'POST', '/v1.0/applications', {'displayName': 'Schema keys',
                                                             'keyCredentials': [first.key_credential()]}).json()
    assert served(app['keyCredentials'][0]) <= schema('keyCredential')
    added = client.call(tenant, 'POST', '/v1.0/applications/%s/addKey' % app['id'], {
        'keyCredential': second.key_credential(), 'passwordCredential': None, 'proof': first.proof(app['id'])}).json()
    assert served(added) <= schema('keyCredential'), added
    granting_app, _sp, _object_id, secret = new_app(client, tenant, 'Schema grants', graph=['Directory.ReadWrite.All'])
    client_sp = client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': app['appId']}).json()['id']
    grant = client.call(tenant, 'POST', '/v1.0/oauth2PermissionGrants', {
        'clientId': client_sp, 'consentType': 'AllPrincipals', 'scope': 'User.Read',
        'resourceId': client.principal(tenant, '00000003-0000-0000-c000-000000000000')['id']},
        token=app_token(client, tenant, granting_app, secret)).json()
    assert served(grant) <= schema('oAuth2PermissionGrant'), served(grant) - schema('oAuth2PermissionGrant')


def test_service_principal_assignment_and_roles(client, schema):
    tenant = client.tenant(1)
    principals = client.call(tenant, 'GET', '/v1.0/servicePrincipals?$top=50').json()['value']
    for principal in principals:
        assert served(principal) <= schema('servicePrincipal'), served(principal) - schema('servicePrincipal')
        for role in principal['appRoles']:
            assert served(role) <= schema('appRole')
    graph = next(p for p in principals if p['appId'] == '00000003-0000-0000-c000-000000000000')
    assignments = client.call(tenant, 'GET', '/v1.0/servicePrincipals/%s/appRoleAssignedTo' % graph['id']).json()
    assert assignments['value']
    for assignment in assignments['value']:
        assert served(assignment) <= schema('appRoleAssignment')


def test_new_service_principal_and_upsert_answers(client, schema):
    tenant = client.tenant(1)
    app = client.call(tenant, 'PATCH', "/v1.0/applications(uniqueName='schema-upsert')",
                      {'displayName': 'Schema upsert', 'signInAudience': 'AzureADMultipleOrgs'},
                      headers={'Prefer': 'create-if-missing'}).json()
    assert served(app) <= schema('application'), served(app) - schema('application')
    principal = client.call(tenant, 'POST', '/v1.0/servicePrincipals', {'appId': app['appId']}).json()
    assert served(principal) <= schema('servicePrincipal'), served(principal) - schema('servicePrincipal')
    assert served(principal['verifiedPublisher']) <= schema('verifiedPublisher')


def test_the_emulator_does_not_read_the_schema_at_run_time():
    package = os.path.join(os.path.dirname(__file__), '..', '..', 'emulator')
    for name in os.listdir(package):
        if name.endswith('.py'):
            with open(os.path.join(package, name)) as handle:
                text = handle.read()
                assert 'csdl.xml' not in text and 'reference/msgraph' not in text, name


def test_places(client, schema):
    tenant = client.tenant(1)
    for room in client.call(tenant, 'GET', '/v1.0/places/microsoft.graph.room').json()['value']:
        assert served(room) <= schema('room'), served(room) - schema('room')
    for room_list in client.call(tenant, 'GET', '/v1.0/places/microsoft.graph.roomlist').json()['value']:
        assert served(room_list) <= schema('roomList')
