"""Graph app management policies: the tenant default policy (read, update), custom policies
(create, list, read, update, delete), assignment to applications (appliesTo and the app's own
appManagementPolicies), permissions, and the password restrictions addPassword obeys."""

from __future__ import annotations

import datetime

import pytest
from emulator_client import GRAPH_APP, app_token, error_code, grant, new_app

from emulator.app_policies import duration
from emulator.objects import iso, utc_now

DEFAULT_ID = '00000000-0000-0000-0000-000000000000'
POLICY_URL = 'https://graph.microsoft.com/v1.0/policies/appManagementPolicies/%s'


@pytest.fixture(scope='module')
def contoso(client):
    return client.tenant(1)


@pytest.fixture(scope='module')
def tailspin(client):
    return client.tenant(3)


def grant_operator(client, tenant, operator, *values):
    grant(client, tenant, client.operator(operator)['app_id'], *values)
    client.fresh_token(tenant, operator=operator)


def worker_token(client, tenant, *values):
    """A token of a new app of this tenant that holds exactly the given Graph application permissions."""
    app_id, _principal, _object_id, secret = new_app(client, tenant, 'Worker %s' % '+'.join(values), values,
                                                     signInAudience='AzureADMultipleOrgs')
    return app_token(client, tenant, app_id, secret)


def create(client, tenant, **body):
    answer = client.graph(tenant, 'POST', '/applications', dict({'displayName': 'Policy test app'}, **body))
    assert answer.status_code == 201, answer.text
    return answer.json()


def add_password(client, tenant, app, days=None, start=None):
    spec = {'displayName': 'test'}
    if days is not None:
        spec['endDateTime'] = iso((start or utc_now()) + datetime.timedelta(days=days))
    if start is not None:
        spec['startDateTime'] = iso(start)
    return client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'], {'passwordCredential': spec})


def restriction(kind, lifetime=None, after='2019-01-01T00:00:00Z', state='enabled'):
    return {'restrictionType': kind, 'maxLifetime': lifetime, 'restrictForAppsCreatedAfterDateTime': after,
            'state': state}


def new_policy(client, tenant, *password_restrictions, **body):
    sent = dict({'displayName': 'Credential policy', 'description': 'test policy', 'isEnabled': True,
                 'restrictions': {'passwordCredentials': list(password_restrictions), 'keyCredentials': []}}, **body)
    answer = client.graph(tenant, 'POST', '/policies/appManagementPolicies', sent)
    assert answer.status_code == 201, answer.text
    return answer.json()


def assign(client, tenant, app, policy, **kwargs):
    return client.graph(tenant, 'POST', '/applications/%s/appManagementPolicies/$ref' % app['id'],
                        {'@odata.id': POLICY_URL % policy['id']}, **kwargs)


def set_default(client, tenant, *password_restrictions, enabled=True):
    answer = client.graph(tenant, 'PATCH', '/policies/defaultAppManagementPolicy', {
        'isEnabled': enabled, 'applicationRestrictions': {'passwordCredentials': list(password_restrictions)}})
    assert answer.status_code == 204, answer.text


def refused(answer, code, policy_id):
    assert answer.status_code == 400, answer.text
    assert error_code(answer) == code
    assert policy_id in answer.json()['error']['message']


def denied(answer):
    assert answer.status_code == 403, answer.text
    assert error_code(answer) == 'Authorization_RequestDenied'
    assert answer.json()['error']['message'] == 'Insufficient privileges to complete the operation.'


@pytest.fixture(scope='module')
def writer(client, contoso, tailspin):
    """Operator 0 with Policy.ReadWrite.ApplicationConfiguration in contoso and tailspin."""
    for tenant in (contoso, tailspin):
        grant_operator(client, tenant, 0, 'Policy.ReadWrite.ApplicationConfiguration')
    return client


# Permissions before anything is granted ---------------------------------------------------------


def test_policies_need_a_policy_permission(client, contoso):
    """Operator 0 holds Application.ReadWrite.All but no Policy.* permission in contoso (yet)."""
    for method, path, body in (('GET', '/policies/defaultAppManagementPolicy', None),
                               ('PATCH', '/policies/defaultAppManagementPolicy', {'isEnabled': False}),
                               ('GET', '/policies/appManagementPolicies', None),
                               ('POST', '/policies/appManagementPolicies', {'displayName': 'x', 'description': 'y'})):
        denied(client.graph(contoso, method, path, body))


def test_the_graph_service_principal_offers_policy_readwrite_applicationconfiguration(client, contoso):
    roles = client.principal(contoso, GRAPH_APP)['appRoles']
    role = next(r for r in roles if r['value'] == 'Policy.ReadWrite.ApplicationConfiguration')
    assert role['id'] == 'be74164b-cff1-491c-8741-e671cb536e13' and role['allowedMemberTypes'] == ['Application']


def test_iso_durations_as_graph_writes_them():
    assert duration('P4DT12H30M5S') == datetime.timedelta(days=4, hours=12, minutes=30, seconds=5)
    assert duration('P90D') == datetime.timedelta(days=90) and duration('PT1H') == datetime.timedelta(hours=1)
    for text in ('P1Y', 'P1M', 'P2W', 'P', 'PT', 'P1DT', '90', 'P0D', None, 90):
        with pytest.raises(ValueError):
            duration(text)


# The tenant default policy ----------------------------------------------------------------------


def test_seeded_default_policy_is_served_in_graph_shape(client):
    fabrikam = client.tenant(2)  # app_management_policy: {password_max_lifetime_days: 180}; Policy.Read.All
    answer = client.graph(fabrikam, 'GET', '/policies/defaultAppManagementPolicy')
    assert answer.status_code == 200
    policy = answer.json()
    assert policy['@odata.context'].endswith('/v1.0/$metadata#policies/defaultAppManagementPolicy/$entity')
    assert policy['id'] == DEFAULT_ID and policy['isEnabled'] is True
    assert policy['applicationRestrictions']['passwordCredentials'] == [restriction('passwordLifetime', 'P180D')]
    assert policy['servicePrincipalRestrictions'] == {'passwordCredentials': [], 'keyCredentials': []}
    selected = client.graph(fabrikam, 'GET', '/policies/defaultAppManagementPolicy?$select=isEnabled').json()
    assert set(selected) == {'@odata.context', 'id', 'isEnabled'}


def test_default_policy_update_is_stored_and_served(writer, tailspin):
    client = writer
    before = client.graph(tailspin, 'GET', '/policies/defaultAppManagementPolicy').json()
    assert before['isEnabled'] is False and before['applicationRestrictions']['passwordCredentials'] == []
    answer = client.graph(tailspin, 'PATCH', '/policies/defaultAppManagementPolicy', {
        'isEnabled': True, 'description': 'No long secrets',
        'applicationRestrictions': {'passwordCredentials': [
            {'restrictionType': 'passwordLifetime', 'maxLifetime': 'P4DT12H30M5S',
             'restrictForAppsCreatedAfterDateTime': '2014-10-19T10:37:00Z'}],
            'identifierUris': {'nonDefaultUriAddition': {'state': 'disabled', 'excludeSaml': True}}}})
    assert answer.status_code == 204 and answer.content == b''
    after = client.graph(tailspin, 'GET', '/policies/defaultAppManagementPolicy').json()
    assert after['isEnabled'] is True and after['description'] == 'No long secrets'
    assert after['displayName'] == before['displayName']  # omitted properties keep their values
    assert after['applicationRestrictions']['passwordCredentials'] == [
        restriction('passwordLifetime', 'P4DT12H30M5S', '2014-10-19T10:37:00Z')]  # state defaults to enabled
    assert after['applicationRestrictions']['keyCredentials'] == []
    assert after['applicationRestrictions']['identifierUris']['nonDefaultUriAddition']['state'] == 'disabled'
    assert after['servicePrincipalRestrictions'] == before['servicePrincipalRestrictions']
    set_default(client, tailspin, enabled=False)


@pytest.mark.parametrize('body', [
    {'id': '11111111-1111-1111-1111-111111111111'},
    {'colour': 'blue'},
    {'isEnabled': 'yes'},
    {'displayName': ''},
    {'applicationRestrictions': {'passwordCredentials': [restriction('passwordLifetime', 'P1Y')]}},
    {'applicationRestrictions': {'passwordCredentials': [restriction('passwordLifetime')]}},
    {'applicationRestrictions': {'passwordCredentials': [restriction('passwordAddition', 'P10D')]}},
    {'applicationRestrictions': {'passwordCredentials': [restriction('passwordLifetime', 'P10D'),
                                                         restriction('passwordLifetime', 'P20D')]}},
    {'applicationRestrictions': {'passwordCredentials': [restriction('passwordLifetime', 'P10D', state='on')]}},
    {'applicationRestrictions': {'passwordCredentials': [restriction('passwordLifetime', 'P10D', after='soon')]}},
    {'applicationRestrictions': {'passwordCredentials': [restriction('asymmetricKeyLifetime', 'P10D')]}},
    {'applicationRestrictions': {'passwordCredentials': [dict(restriction('passwordAddition'), extra=1)]}},
    {'applicationRestrictions': {'keyCredentials': [restriction('passwordLifetime', 'P10D')]}},
    {'applicationRestrictions': {'passwordCredentials': {}}},
    {'applicationRestrictions': {'secrets': []}},
    {'servicePrincipalRestrictions': {'identifierUris': {}}},
])
def test_invalid_default_policy_updates_are_refused(writer, tailspin, body):
    answer = writer.graph(tailspin, 'PATCH', '/policies/defaultAppManagementPolicy', body)
    assert answer.status_code == 400 and error_code(answer) == 'Request_BadRequest', body


def test_default_policy_update_needs_policy_readwrite(writer, client, contoso):
    """The auditor (Application.Read.All) may neither read nor change it; Policy.Read.All reads but cannot write."""
    denied(client.graph(contoso, 'GET', '/policies/defaultAppManagementPolicy', operator=1))
    reader = worker_token(client, contoso, 'Policy.Read.All')
    assert client.graph(contoso, 'GET', '/policies/defaultAppManagementPolicy', token=reader).status_code == 200
    denied(client.graph(contoso, 'PATCH', '/policies/defaultAppManagementPolicy', {'isEnabled': True},
                        token=reader))


# addPassword under the tenant default policy ----------------------------------------------------


def test_tenant_default_lifetime_refuses_a_longer_secret_and_allows_a_shorter_one(writer, tailspin):
    client = writer
    set_default(client, tailspin, restriction('passwordLifetime', 'P30D'))
    app = create(client, tailspin)
    refused(add_password(client, tailspin, app), 'CredentialInvalidLifetimeAsPerAppPolicy', DEFAULT_ID)
    refused(add_password(client, tailspin, app, days=31), 'CredentialInvalidLifetimeAsPerAppPolicy', DEFAULT_ID)
    message = add_password(client, tailspin, app, days=45).json()['error']['message']
    assert message == ("Credential lifetime exceeds the max value allowed as per assigned policy '%s'." % DEFAULT_ID)
    assert add_password(client, tailspin, app, days=29).status_code == 200
    later = utc_now() + datetime.timedelta(days=400)  # the lifetime counts from startDateTime
    assert add_password(client, tailspin, app, days=30, start=later).status_code == 200
    assert len(client.graph(tailspin, 'GET', '/applications/%s' % app['id']).json()['passwordCredentials']) == 2
    set_default(client, tailspin, enabled=False)


def test_tenant_default_password_addition_refuses_every_secret(writer, tailspin):
    client = writer
    set_default(client, tailspin, restriction('passwordAddition'), restriction('passwordLifetime', 'P30D'))
    app = create(client, tailspin)
    for days in (None, 1):
        answer = add_password(client, tailspin, app, days=days)
        refused(answer, 'CredentialTypeNotAllowedAsPerAppPolicy', DEFAULT_ID)
        assert answer.json()['error']['message'] == (
            "Credential type not allowed as per assigned policy '%s'." % DEFAULT_ID)
    assert client.graph(tailspin, 'GET', '/applications/%s' % app['id']).json()['passwordCredentials'] == []
    set_default(client, tailspin, enabled=False)


def test_tenant_default_honours_state_is_enabled_and_the_creation_date(writer, tailspin):
    client = writer
    app = create(client, tailspin)
    tomorrow = iso(utc_now() + datetime.timedelta(days=1))
    yesterday = iso(utc_now() - datetime.timedelta(days=1))
    set_default(client, tailspin, restriction('passwordAddition', state='disabled'))
    assert add_password(client, tailspin, app).status_code == 200
    set_default(client, tailspin, restriction('passwordAddition'), enabled=False)
    assert add_password(client, tailspin, app).status_code == 200
    set_default(client, tailspin, restriction('passwordAddition', after=tomorrow))  # for apps created later
    assert add_password(client, tailspin, app).status_code == 200
    set_default(client, tailspin, restriction('passwordAddition', after=yesterday))
    refused(add_password(client, tailspin, app), 'CredentialTypeNotAllowedAsPerAppPolicy', DEFAULT_ID)
    set_default(client, tailspin, restriction('passwordAddition', after=None))  # null: every app
    refused(add_password(client, tailspin, app), 'CredentialTypeNotAllowedAsPerAppPolicy', DEFAULT_ID)
    set_default(client, tailspin, enabled=False)


# Custom policies --------------------------------------------------------------------------------


def test_create_get_list_update_and_delete_a_policy(writer, contoso):
    client = writer
    created = client.graph(contoso, 'POST', '/policies/appManagementPolicies', {
        'displayName': 'Credential management policy', 'description': 'Cred policy sample', 'isEnabled': True,
        'restrictions': {
            'passwordCredentials': [
                {'restrictionType': 'passwordAddition', 'maxLifetime': None,
                 'restrictForAppsCreatedAfterDateTime': '2019-10-19T10:37:00Z'},
                {'restrictionType': 'passwordLifetime', 'maxLifetime': 'P4DT12H30M5S',
                 'restrictForAppsCreatedAfterDateTime': '2014-10-19T10:37:00Z'},
                {'restrictionType': 'symmetricKeyLifetime', 'maxLifetime': 'P4D',
                 'restrictForAppsCreatedAfterDateTime': '2014-10-19T10:37:00Z'}],
            'keyCredentials': [
                {'restrictionType': 'asymmetricKeyLifetime', 'maxLifetime': 'P90D',
                 'restrictForAppsCreatedAfterDateTime': '2014-10-19T10:37:00Z'}],
            'applicationRestrictions': {'identifierUris': {'nonDefaultUriAddition': {
                'state': 'disabled', 'excludeAppsReceivingV2Tokens': True, 'excludeSaml': True}}}}})
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy['@odata.context'].endswith('/v1.0/$metadata#policies/appManagementPolicies/$entity')
    assert len(policy['id']) == 36 and policy['displayName'] == 'Credential management policy'
    assert policy['description'] == 'Cred policy sample' and policy['isEnabled'] is True
    assert policy['restrictions']['passwordCredentials'][1] == restriction(
        'passwordLifetime', 'P4DT12H30M5S', '2014-10-19T10:37:00Z')
    assert policy['restrictions']['keyCredentials'][0]['maxLifetime'] == 'P90D'
    nested = policy['restrictions']['applicationRestrictions']['identifierUris']['nonDefaultUriAddition']
    assert nested['excludeSaml'] is True and nested['state'] == 'disabled'
    path = '/policies/appManagementPolicies/%s' % policy['id']
    got = client.graph(contoso, 'GET', path).json()
    assert dict(got, **{'@odata.context': None}) == dict(policy, **{'@odata.context': None})
    listed = client.graph(contoso, 'GET', '/policies/appManagementPolicies').json()
    assert listed['@odata.context'].endswith('/v1.0/$metadata#policies/appManagementPolicies')
    assert policy['id'] in [p['id'] for p in listed['value']]
    by_name = client.graph(contoso, 'GET', "/policies/appManagementPolicies?$filter=displayName eq "
                                           "'Credential management policy'&$select=displayName").json()['value']
    assert by_name == [{'id': policy['id'], 'displayName': 'Credential management policy'}]
    assert client.graph(contoso, 'PATCH', path, {'isEnabled': False, 'restrictions': {
        'passwordCredentials': [restriction('passwordLifetime', 'P7D')]}}).status_code == 204
    updated = client.graph(contoso, 'GET', path).json()
    assert updated['isEnabled'] is False and updated['description'] == 'Cred policy sample'
    assert updated['restrictions'] == {'passwordCredentials': [restriction('passwordLifetime', 'P7D')],
                                       'keyCredentials': []}  # replaced as a whole
    assert client.graph(contoso, 'DELETE', path).status_code == 204
    for method in ('GET', 'DELETE', 'PATCH'):
        gone = client.graph(contoso, method, path, {'isEnabled': True} if method == 'PATCH' else None)
        assert gone.status_code == 404 and error_code(gone) == 'Request_ResourceNotFound'


def test_a_policy_created_without_is_enabled_is_enabled(writer, contoso):
    answer = writer.graph(contoso, 'POST', '/policies/appManagementPolicies',
                          {'displayName': 'No isEnabled', 'description': 'test policy'})
    # The default is undocumented: the emulator takes the stricter one.
    assert answer.status_code == 201 and answer.json()['isEnabled'] is True


@pytest.mark.parametrize('body', [
    {'description': 'no name'},
    {'displayName': 'no description'},
    {'displayName': 'x', 'description': 'y', 'id': '11111111-1111-1111-1111-111111111111'},
    {'displayName': 'x', 'description': 'y', 'appliesTo': []},
    {'displayName': 'x', 'description': 'y', 'applicationRestrictions': {}},  # the tenant policy's property
    {'displayName': 'x', 'description': 'y', 'restrictions': {'identifierUris': {}}},
    {'displayName': 'x', 'description': 'y', 'restrictions': {'passwordCredentials': [
        restriction('passwordLifetime', '30 days')]}},
    {'displayName': 'x', 'description': 'y', 'restrictions': {'passwordCredentials': [
        restriction('unknownFutureValue')]}},
    {'displayName': 'x', 'description': 'y', 'restrictions': {'passwordCredentials': [
        dict(restriction('passwordAddition'), **{'@odata.type': '#microsoft.graph.keyCredentialConfiguration'})]}},
    {'displayName': 'x', 'description': 'y', 'restrictions': {'passwordCredentials': [
        dict(restriction('passwordAddition'), excludeActors={'customSecurityAttributes': 'all'})]}},
])
def test_invalid_policies_are_refused(writer, contoso, body):
    answer = writer.graph(contoso, 'POST', '/policies/appManagementPolicies', body)
    assert answer.status_code == 400 and error_code(answer) == 'Request_BadRequest', body


def test_policy_routes_need_their_permissions(writer, client, contoso):
    policy = new_policy(writer, contoso, restriction('passwordAddition'))
    path = '/policies/appManagementPolicies/%s' % policy['id']
    for method, route, body in (('POST', '/policies/appManagementPolicies', {'displayName': 'x', 'description': 'y'}),
                                ('GET', '/policies/appManagementPolicies', None), ('GET', path, None),
                                ('PATCH', path, {'isEnabled': False}), ('DELETE', path, None),
                                ('GET', path + '/appliesTo', None)):
        denied(client.graph(contoso, method, route, body, operator=1))  # Application.Read.All only
    reader = worker_token(client, contoso, 'Policy.Read.All')
    assert client.graph(contoso, 'GET', path, token=reader).status_code == 200
    assert client.graph(contoso, 'GET', '/policies/appManagementPolicies', token=reader).status_code == 200
    denied(client.graph(contoso, 'PATCH', path, {'isEnabled': False}, token=reader))
    denied(client.graph(contoso, 'DELETE', path, token=reader))
    denied(client.graph(contoso, 'GET', path + '/appliesTo', token=reader))  # and Application.Read.All


# Assignment ------------------------------------------------------------------------------------


def test_assign_list_applies_to_and_remove(writer, contoso):
    client = writer
    policy = new_policy(client, contoso, restriction('passwordLifetime', 'P10D'))
    app = create(client, contoso, displayName='Assigned app')
    assigned = assign(client, contoso, app, policy)
    assert assigned.status_code == 204 and assigned.content == b''
    mine = client.graph(contoso, 'GET', '/applications/%s/appManagementPolicies' % app['id']).json()
    assert mine['@odata.context'].endswith('/v1.0/$metadata#policies/appManagementPolicies')
    assert [p['id'] for p in mine['value']] == [policy['id']]
    assert mine['value'][0]['restrictions']['passwordCredentials'][0]['maxLifetime'] == 'P10D'
    by_app_id = client.graph(contoso, 'GET', "/applications(appId='%s')/appManagementPolicies" % app['appId'])
    assert [p['id'] for p in by_app_id.json()['value']] == [policy['id']]
    applies = client.graph(contoso, 'GET', '/policies/appManagementPolicies/%s/appliesTo' % policy['id']).json()
    assert applies['@odata.context'].endswith('/v1.0/$metadata#directoryObjects')
    assert [(o['@odata.type'], o['id'], o['appId']) for o in applies['value']] == [
        ('#microsoft.graph.application', app['id'], app['appId'])]
    selected = client.graph(contoso, 'GET', '/policies/appManagementPolicies/%s/appliesTo?$select=appId,displayName'
                            % policy['id']).json()['value']
    assert selected == [{'@odata.type': '#microsoft.graph.application', 'id': app['id'], 'appId': app['appId'],
                         'displayName': 'Assigned app'}]
    removed = client.graph(contoso, 'DELETE', '/applications/%s/appManagementPolicies/%s/$ref'
                           % (app['id'], policy['id']))
    assert removed.status_code == 204
    assert client.graph(contoso, 'GET', '/applications/%s/appManagementPolicies' % app['id']).json()['value'] == []
    assert client.graph(contoso, 'GET', '/policies/appManagementPolicies/%s/appliesTo'
                        % policy['id']).json()['value'] == []
    again = client.graph(contoso, 'DELETE', '/applications/%s/appManagementPolicies/%s/$ref'
                         % (app['id'], policy['id']))
    assert again.status_code == 404 and error_code(again) == 'Request_ResourceNotFound'


def test_assignment_refusals(writer, contoso):
    client = writer
    policy, other = new_policy(client, contoso), new_policy(client, contoso, displayName='Other policy')
    app = create(client, contoso)
    ref = '/applications/%s/appManagementPolicies/$ref' % app['id']
    for body in ({}, {'@odata.id': 'policies/appManagementPolicies/%s' % policy['id']},
                 {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/%s' % policy['id']},
                 {'@odata.id': 'https://example.com/v1.0/policies/appManagementPolicies/%s' % policy['id']},
                 {'@odata.id': POLICY_URL % policy['id'], 'extra': 1}):
        answer = client.graph(contoso, 'POST', ref, body)
        assert answer.status_code == 400 and error_code(answer) == 'Request_BadRequest', body
    missing = assign(client, contoso, app, {'id': '00000000-0000-4000-8000-00000000abcd'})
    assert missing.status_code == 404 and error_code(missing) == 'Request_ResourceNotFound'
    no_app = assign(client, contoso, {'id': '00000000-0000-4000-8000-00000000abce'}, policy)
    assert no_app.status_code == 404 and error_code(no_app) == 'Request_ResourceNotFound'
    assert assign(client, contoso, app, policy).status_code == 204
    twice = assign(client, contoso, app, policy)
    assert twice.status_code == 400 and error_code(twice) == 'Request_BadRequest'
    assert twice.json()['error']['message'] == ("One or more added object references already exist for the "
                                                "following modified properties: 'appManagementPolicies'.")
    second = assign(client, contoso, app, other)  # only one policy per object
    assert second.status_code == 400 and error_code(second) == 'Request_BadRequest'
    in_use = client.graph(contoso, 'DELETE', '/policies/appManagementPolicies/%s' % policy['id'])
    assert in_use.status_code == 400 and error_code(in_use) == 'Request_BadRequest'
    wrong = client.graph(contoso, 'DELETE', '/applications/%s/appManagementPolicies/%s/$ref' % (app['id'], other['id']))
    assert wrong.status_code == 404
    assert client.graph(contoso, 'DELETE', '/applications/%s' % app['id']).status_code == 204  # drops the assignment
    assert client.graph(contoso, 'DELETE', '/policies/appManagementPolicies/%s' % policy['id']).status_code == 204


def test_assignment_needs_application_read_and_policy_readwrite(writer, client, contoso):
    policy = new_policy(writer, contoso)
    app = create(writer, contoso)
    denied(assign(client, contoso, app, policy, operator=1))  # Application.Read.All without the Policy half
    denied(client.graph(contoso, 'GET', '/applications/%s/appManagementPolicies' % app['id'], operator=1))
    policy_only = worker_token(client, contoso, 'Policy.ReadWrite.ApplicationConfiguration')
    denied(assign(client, contoso, app, policy, token=policy_only))  # the Policy half without Application.Read.All
    denied(client.graph(contoso, 'GET', '/applications/%s/appManagementPolicies' % app['id'], token=policy_only))
    both = worker_token(client, contoso, 'Application.Read.All', 'Policy.ReadWrite.ApplicationConfiguration')
    assert assign(client, contoso, app, policy, token=both).status_code == 204
    assert client.graph(contoso, 'GET', '/applications/%s/appManagementPolicies' % app['id'],
                        token=both).status_code == 200
    denied(client.graph(contoso, 'DELETE', '/applications/%s/appManagementPolicies/%s/$ref'
                        % (app['id'], policy['id']), operator=1))
    assert client.graph(contoso, 'DELETE', '/applications/%s/appManagementPolicies/%s/$ref'
                        % (app['id'], policy['id']), token=both).status_code == 204


# addPassword under an app's own policy ----------------------------------------------------------


def test_app_policy_lifetime_refuses_longer_secrets(writer, contoso):
    client = writer
    policy = new_policy(client, contoso, restriction('passwordLifetime', 'P10D'))
    app, bystander = create(client, contoso), create(client, contoso)
    assert assign(client, contoso, app, policy).status_code == 204
    answer = add_password(client, contoso, app, days=11)
    refused(answer, 'CredentialInvalidLifetimeAsPerAppPolicy', policy['id'])
    assert answer.json()['error']['message'] == (
        "Credential lifetime exceeds the max value allowed as per assigned policy '%s'." % policy['id'])
    refused(add_password(client, contoso, app), 'CredentialInvalidLifetimeAsPerAppPolicy', policy['id'])
    allowed = add_password(client, contoso, app, days=9)
    assert allowed.status_code == 200 and allowed.json()['secretText']
    assert add_password(client, contoso, bystander).status_code == 200  # no policy applies to it


def test_app_policy_password_addition_refuses_every_secret(writer, contoso):
    client = writer
    policy = new_policy(client, contoso, restriction('passwordAddition'))
    app = create(client, contoso)
    assert assign(client, contoso, app, policy).status_code == 204
    answer = add_password(client, contoso, app, days=1)
    refused(answer, 'CredentialTypeNotAllowedAsPerAppPolicy', policy['id'])
    assert answer.json()['error']['message'] == (
        "Credential type not allowed as per assigned policy '%s'." % policy['id'])
    assert client.graph(contoso, 'DELETE', '/applications/%s/appManagementPolicies/%s/$ref'
                        % (app['id'], policy['id'])).status_code == 204
    assert add_password(client, contoso, app, days=1).status_code == 200  # back under the (disabled) default


def test_app_policy_honours_its_creation_date_and_state(writer, contoso):
    client = writer
    tomorrow = iso(utc_now() + datetime.timedelta(days=1))
    yesterday = iso(utc_now() - datetime.timedelta(days=1))
    app = create(client, contoso)
    later = new_policy(client, contoso, restriction('passwordAddition', after=tomorrow))
    assert assign(client, contoso, app, later).status_code == 204
    assert add_password(client, contoso, app).status_code == 200  # the app was created before that date
    path = '/policies/appManagementPolicies/%s' % later['id']
    assert client.graph(contoso, 'PATCH', path, {'restrictions': {'passwordCredentials': [
        restriction('passwordAddition', after=yesterday)]}}).status_code == 204
    refused(add_password(client, contoso, app), 'CredentialTypeNotAllowedAsPerAppPolicy', later['id'])
    assert client.graph(contoso, 'PATCH', path, {'restrictions': {'passwordCredentials': [
        restriction('passwordAddition', after=yesterday, state='disabled')]}}).status_code == 204
    assert add_password(client, contoso, app).status_code == 200


def test_app_policy_overrides_the_tenant_default_and_a_disabled_one_does_not(writer, tailspin):
    client = writer
    set_default(client, tailspin, restriction('passwordAddition'))
    policy = new_policy(client, tailspin, restriction('passwordLifetime', 'P10D'))
    app = create(client, tailspin)
    refused(add_password(client, tailspin, app, days=5), 'CredentialTypeNotAllowedAsPerAppPolicy', DEFAULT_ID)
    assert assign(client, tailspin, app, policy).status_code == 204
    assert add_password(client, tailspin, app, days=5).status_code == 200  # the app's policy replaces the default
    refused(add_password(client, tailspin, app, days=20), 'CredentialInvalidLifetimeAsPerAppPolicy', policy['id'])
    assert client.graph(tailspin, 'PATCH', '/policies/appManagementPolicies/%s' % policy['id'],
                        {'isEnabled': False}).status_code == 204
    refused(add_password(client, tailspin, app, days=5), 'CredentialTypeNotAllowedAsPerAppPolicy', DEFAULT_ID)
    set_default(client, tailspin, enabled=False)
    assert add_password(client, tailspin, app, days=500).status_code == 200


def test_the_seeded_lifetime_policy_still_applies(client):
    fabrikam = client.tenant(2)
    app = create(client, fabrikam)
    refused(add_password(client, fabrikam, app, days=181), 'CredentialInvalidLifetimeAsPerAppPolicy', DEFAULT_ID)
    assert add_password(client, fabrikam, app, days=179).status_code == 200
