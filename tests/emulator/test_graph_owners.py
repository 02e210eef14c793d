"""Graph application owners (list, add, remove), Application.ReadWrite.OwnedBy (reads reach every
app, changes only owned ones), and the application's servicePrincipalLockConfiguration."""

from __future__ import annotations

import pytest
from graph_schema import declared_types, needs_schema
from emulator_client import app_token, error_code, grant, new_app

DIRECTORY_URL = 'https://graph.microsoft.com/v1.0/directoryObjects/%s'
ALICE = '2b7a1c4f-3d5e-4f6a-9b0c-1d2e3f4a5b62'  # a user of contoso in seeds/test.yml
LOCK = 'servicePrincipalLockConfiguration'


@pytest.fixture(scope='module')
def contoso(client):
    return client.tenant(1)


def create(client, tenant, token=None, **body):
    answer = client.graph(tenant, 'POST', '/applications', dict({'displayName': 'Owned app'}, **body), token=token)
    assert answer.status_code == 201, answer.text
    return answer.json()


def worker(client, tenant, *values):
    """(appId, service principal, token) of a new app of this tenant holding exactly these permissions."""
    app_id, principal_id, _object_id, secret = new_app(client, tenant, 'Worker %s' % '+'.join(values), values,
                                                       signInAudience='AzureADMultipleOrgs')
    return app_id, dict(id=principal_id), app_token(client, tenant, app_id, secret)


def add_owner(client, tenant, app, object_id, **kwargs):
    return client.graph(tenant, 'POST', '/applications/%s/owners/$ref' % app['id'],
                        {'@odata.id': DIRECTORY_URL % object_id}, **kwargs)


def owner_ids(client, tenant, app, **kwargs):
    """Every owner's id, following @odata.nextLink (the test emulator pages by 2)."""
    answer = client.graph(tenant, 'GET', '/applications/%s/owners' % app['id'], **kwargs)
    ids = []
    while True:
        assert answer.status_code == 200, answer.text
        ids += [o['id'] for o in answer.json()['value']]
        if '@odata.nextLink' not in answer.json():
            return ids
        answer = client.call(tenant, 'GET', answer.json()['@odata.nextLink'], **kwargs)


def denied(answer):
    assert answer.status_code == 403, answer.text
    assert error_code(answer) == 'Authorization_RequestDenied'
    assert answer.json()['error']['message'] == 'Insufficient privileges to complete the operation.'


@pytest.fixture(scope='module')
def admin(client, contoso):
    """Operator 0 (Application.ReadWrite.All) with Directory.Read.All too, as adding an owner needs."""
    grant(client, contoso, client.operator(0)['app_id'], 'Directory.Read.All')
    client.fresh_token(contoso)
    return client


# Owners ----------------------------------------------------------------------------------------


def test_adding_an_owner_needs_directory_read_all_too(client, contoso):
    app = create(client, contoso)  # operator 0: Application.ReadWrite.All without Directory.Read.All (yet)
    denied(add_owner(client, contoso, app, ALICE))
    denied(add_owner(client, contoso, app, ALICE, operator=1))  # Application.Read.All


def test_the_app_only_creator_is_the_first_owner(client, contoso):
    app = create(client, contoso)
    me = client.principal(contoso, client.operator(0)['app_id'])
    answer = client.graph(contoso, 'GET', '/applications/%s/owners' % app['id'])
    body = answer.json()
    assert answer.status_code == 200
    assert body['@odata.context'].endswith('/v1.0/$metadata#directoryObjects')
    assert [(o['@odata.type'], o['id'], o['appId']) for o in body['value']] == [
        ('#microsoft.graph.servicePrincipal', me['id'], me['appId'])]
    selected = client.graph(contoso, 'GET', '/applications/%s/owners?$select=displayName' % app['id']).json()
    assert selected['value'] == [{'@odata.type': '#microsoft.graph.servicePrincipal', 'id': me['id'],
                                  'displayName': me['displayName']}]
    assert owner_ids(client, contoso, app, operator=1) == [me['id']]  # Application.Read.All reads owners
    by_app_id = client.graph(contoso, 'GET', "/applications(appId='%s')/owners" % app['appId']).json()
    assert [o['id'] for o in by_app_id['value']] == [me['id']]
    missing = client.graph(contoso, 'GET', '/applications/00000000-0000-4000-8000-0000000000ff/owners')
    assert missing.status_code == 404 and error_code(missing) == 'Request_ResourceNotFound'


def test_add_list_and_remove_owners(admin, contoso):
    client = admin
    app, other = create(client, contoso), create(client, contoso, displayName='Other app')
    other_sp = client.graph(contoso, 'POST', '/servicePrincipals', {'appId': other['appId']}).json()
    me = client.principal(contoso, client.operator(0)['app_id'])
    added = add_owner(client, contoso, app, other_sp['id'])  # another app's service principal
    assert added.status_code == 204 and added.content == b''
    assert add_owner(client, contoso, app, ALICE).status_code == 204  # a user
    listed = client.graph(contoso, 'GET', '/applications/%s/owners?$top=10' % app['id']).json()['value']
    assert [(o['@odata.type'], o['id']) for o in listed] == [
        ('#microsoft.graph.servicePrincipal', me['id']), ('#microsoft.graph.servicePrincipal', other_sp['id']),
        ('#microsoft.graph.user', ALICE)]
    assert listed[2]['userPrincipalName'] == 'alice@contoso.onmicrosoft.com'
    twice = add_owner(client, contoso, app, other_sp['id'])
    assert twice.status_code == 400 and error_code(twice) == 'Request_BadRequest'
    assert twice.json()['error']['message'] == ("One or more added object references already exist for the "
                                                "following modified properties: 'owners'.")
    unknown = add_owner(client, contoso, app, '00000000-0000-4000-8000-0000000000fe')
    assert unknown.status_code == 404 and error_code(unknown) == 'Request_ResourceNotFound'
    for body in ({}, {'@odata.id': other_sp['id']}, {'@odata.id': 'https://example.com/v1.0/directoryObjects/x'},
                 {'@odata.id': 'https://graph.microsoft.com/v1.0/applications/%s' % other['id']},
                 {'@odata.id': DIRECTORY_URL % other_sp['id'], 'id': other_sp['id']}):
        bad = client.graph(contoso, 'POST', '/applications/%s/owners/$ref' % app['id'], body)
        assert bad.status_code == 400 and error_code(bad) == 'Request_BadRequest', body
    by_key = client.graph(contoso, 'POST', "/applications(appId='%s')/owners/$ref" % other['appId'],
                          {'@odata.id': 'https://graph.microsoft.com/v1.0/servicePrincipals/%s' % other_sp['id']})
    assert by_key.status_code == 204 and other_sp['id'] in owner_ids(client, contoso, other)
    removed = client.graph(contoso, 'DELETE', '/applications/%s/owners/%s/$ref' % (app['id'], other_sp['id']))
    assert removed.status_code == 204
    assert owner_ids(client, contoso, app) == [me['id'], ALICE]
    again = client.graph(contoso, 'DELETE', '/applications/%s/owners/%s/$ref' % (app['id'], other_sp['id']))
    assert again.status_code == 400 and error_code(again) == 'Request_BadRequest'
    assert again.json()['error']['message'] == ("One or more removed object references do not exist for the "
                                                "following modified properties: 'owners'.")
    nobody = client.graph(contoso, 'DELETE', '/applications/%s/owners/00000000-0000-4000-8000-0000000000fd/$ref'
                          % app['id'])
    assert nobody.status_code == 404 and error_code(nobody) == 'Request_ResourceNotFound'
    denied(client.graph(contoso, 'DELETE', '/applications/%s/owners/%s/$ref' % (app['id'], ALICE), operator=1))
    assert client.graph(contoso, 'DELETE', '/servicePrincipals/%s' % other_sp['id']).status_code == 204
    assert other_sp['id'] not in owner_ids(client, contoso, other)  # a deleted principal owns nothing


# Application.ReadWrite.OwnedBy ------------------------------------------------------------------


def test_owned_by_changes_only_owned_apps(admin, contoso):
    client = admin
    _app, principal, token = worker(client, contoso, 'Application.ReadWrite.OwnedBy')
    other = create(client, contoso, displayName='Not the worker\'s', uniqueName='owned-by-other')
    mine = create(client, contoso, token=token, displayName='The worker\'s own')
    assert owner_ids(client, contoso, mine) == [principal['id']]  # the creator owns what it creates

    path = '/applications/%s' % mine['id']
    assert client.graph(contoso, 'GET', path, token=token).status_code == 200
    assert client.graph(contoso, 'PATCH', path, {'notes': 'mine'}, token=token).status_code == 204
    secret = client.graph(contoso, 'POST', path + '/addPassword', {}, token=token)
    assert secret.status_code == 200
    assert client.graph(contoso, 'POST', path + '/removePassword', {'keyId': secret.json()['keyId']},
                        token=token).status_code == 204

    other_path = '/applications/%s' % other['id']
    assert client.graph(contoso, 'GET', other_path, token=token).status_code == 200  # reads reach every app
    listed = client.graph(contoso, 'GET', "/applications?$filter=startswith(displayName,'Not the worker')",
                          token=token).json()['value']
    assert [a['id'] for a in listed] == [other['id']]
    assert owner_ids(client, contoso, other, token=token) == [client.principal(contoso, client.operator(0)['app_id'])
                                                              ['id']]
    denied(client.graph(contoso, 'PATCH', other_path, {'notes': 'no'}, token=token))
    denied(client.graph(contoso, 'PATCH', "/applications(uniqueName='owned-by-other')", {'notes': 'no'},
                        token=token, headers={'Prefer': 'create-if-missing'}))
    denied(client.graph(contoso, 'POST', other_path + '/addPassword', {}, token=token))
    keyed = client.graph(contoso, 'POST', other_path + '/addPassword', {}).json()['keyId']
    denied(client.graph(contoso, 'POST', other_path + '/removePassword', {'keyId': keyed}, token=token))
    denied(client.graph(contoso, 'DELETE', other_path, token=token))
    denied(client.graph(contoso, 'DELETE', '/applications/%s/owners/%s/$ref' % (other['id'], ALICE), token=token))
    assert client.graph(contoso, 'GET', other_path).json()['notes'] is None
    assert client.graph(contoso, 'DELETE', path, token=token).status_code == 204


def test_owned_by_may_not_add_owners_but_may_manage_apps_it_was_made_owner_of(admin, contoso):
    client = admin
    _app, principal, token = worker(client, contoso, 'Application.ReadWrite.OwnedBy', 'Directory.Read.All')
    mine = create(client, contoso, token=token)
    denied(add_owner(client, contoso, mine, ALICE, token=token))  # "will not be sufficient to add another owner"
    other = create(client, contoso, displayName='Handed over')
    denied(client.graph(contoso, 'PATCH', '/applications/%s' % other['id'], {'notes': 'x'}, token=token))
    assert add_owner(client, contoso, other, principal['id']).status_code == 204  # made an owner by an admin
    assert client.graph(contoso, 'PATCH', '/applications/%s' % other['id'], {'notes': 'x'},
                        token=token).status_code == 204
    assert client.graph(contoso, 'POST', '/applications/%s/addPassword' % other['id'], {},
                        token=token).status_code == 200
    assert client.graph(contoso, 'DELETE', '/applications/%s/owners/%s/$ref' % (other['id'], principal['id']),
                        token=token).status_code == 204  # it may give up its own ownership
    denied(client.graph(contoso, 'PATCH', '/applications/%s' % other['id'], {'notes': 'y'}, token=token))


def test_application_readwrite_all_and_read_all_are_not_limited_to_owned_apps(admin, contoso):
    client = admin
    _app, _principal, token = worker(client, contoso, 'Application.ReadWrite.OwnedBy')
    theirs = create(client, contoso, token=token)
    assert client.graph(contoso, 'PATCH', '/applications/%s' % theirs['id'], {'notes': 'admin'}).status_code == 204
    assert client.graph(contoso, 'GET', '/applications/%s' % theirs['id'], operator=1).json()['notes'] == 'admin'
    denied(client.graph(contoso, 'PATCH', '/applications/%s' % theirs['id'], {'notes': 'x'}, operator=1))


# servicePrincipalLockConfiguration --------------------------------------------------------------


def test_a_new_app_has_no_lock_configuration(client, contoso):
    app = create(client, contoso)
    assert app[LOCK] is None
    assert client.graph(contoso, 'GET', '/applications/%s' % app['id']).json()[LOCK] is None


def test_lock_configuration_is_stored_and_returned(client, contoso):
    lock = {'isEnabled': True, 'allProperties': True, 'credentialsWithUsageVerify': True,
            'credentialsWithUsageSign': False, 'tokenEncryptionKeyId': True}
    app = create(client, contoso, **{LOCK: lock})
    assert app[LOCK] == lock
    path = '/applications/%s' % app['id']
    assert client.graph(contoso, 'GET', path).json()[LOCK] == lock
    selected = client.graph(contoso, 'GET', path + '?$select=%s' % LOCK).json()
    assert selected == {'@odata.context': client.emu.endpoints['graph'] + '/v1.0/$metadata#applications(%s)/$entity'
                        % LOCK, 'id': app['id'], LOCK: lock}
    listed = client.graph(contoso, 'GET', "/applications?$filter=appId eq '%s'&$select=%s" % (app['appId'], LOCK))
    assert listed.json()['value'] == [{'id': app['id'], LOCK: lock}]
    assert client.graph(contoso, 'PATCH', path, {LOCK: {'isEnabled': False}}).status_code == 204
    assert client.graph(contoso, 'GET', path).json()[LOCK] == {  # replaced as a whole, omitted members null
        'isEnabled': False, 'allProperties': None, 'credentialsWithUsageVerify': None,
        'credentialsWithUsageSign': None, 'tokenEncryptionKeyId': None}
    assert client.graph(contoso, 'PATCH', path, {'notes': 'other'}).status_code == 204
    assert client.graph(contoso, 'GET', path).json()[LOCK]['isEnabled'] is False  # untouched by other PATCHes
    typed = {'@odata.type': '#microsoft.graph.servicePrincipalLockConfiguration', 'isEnabled': True,
             'allProperties': True}
    assert client.graph(contoso, 'PATCH', path, {LOCK: typed}).status_code == 204
    assert client.graph(contoso, 'GET', path).json()[LOCK] == dict(
        lock, credentialsWithUsageVerify=None, credentialsWithUsageSign=None, tokenEncryptionKeyId=None)
    assert client.graph(contoso, 'PATCH', path, {LOCK: None}).status_code == 204
    assert client.graph(contoso, 'GET', path).json()[LOCK] is None


def test_lock_configuration_through_upsert(client, contoso):
    path = "/applications(uniqueName='locked-upsert')"
    lock = {'isEnabled': True, 'allProperties': True}
    created = client.graph(contoso, 'PATCH', path, {'displayName': 'Locked', LOCK: lock},
                           headers={'Prefer': 'create-if-missing'})
    assert created.status_code == 201
    assert created.json()[LOCK] == dict(lock, credentialsWithUsageVerify=None, credentialsWithUsageSign=None,
                                        tokenEncryptionKeyId=None)
    updated = client.graph(contoso, 'PATCH', path, {LOCK: {'isEnabled': False, 'allProperties': False}},
                           headers={'Prefer': 'create-if-missing'})
    assert updated.status_code == 204
    assert client.graph(contoso, 'GET', path).json()[LOCK]['allProperties'] is False


@pytest.mark.parametrize('lock', [
    {'isEnabled': True, 'identifierUris': True},  # beta only: not in the v1.0 schema
    {'isEnabled': 'true'},
    {'isEnabled': True, 'allProperties': 1},
    {'allProperties': True},  # isEnabled is not nullable
    {'isEnabled': None},
    {'isEnabled': True, '@odata.type': '#microsoft.graph.webApplication'},
    True,
    [{'isEnabled': True}],
])
def test_invalid_lock_configurations_are_refused(client, contoso, lock):
    created = client.graph(contoso, 'POST', '/applications', {'displayName': 'Bad lock', LOCK: lock})
    assert created.status_code == 400 and error_code(created) == 'Request_BadRequest', lock
    app = create(client, contoso)
    patched = client.graph(contoso, 'PATCH', '/applications/%s' % app['id'], {LOCK: lock})
    assert patched.status_code == 400 and error_code(patched) == 'Request_BadRequest', lock


@needs_schema
def test_lock_configuration_members_are_the_schema_ones(client, contoso):
    declared = declared_types('servicePrincipalLockConfiguration')
    app = create(client, contoso, **{LOCK: {'isEnabled': True}})
    assert set(app[LOCK]) == set(declared) and set(declared.values()) == {'Edm.Boolean'}
