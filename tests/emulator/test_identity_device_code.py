"""The device authorization grant: msal's device flow against the emulator, the documented polling errors, the
approval on the control listener (the stand-in for the verification page), consent, and the delegated token."""

from __future__ import annotations

import threading
import time

import msal
import pytest
from delegated import (AZURE_CLI, BOOTSTRAP, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR, approve, claims,
                       control, login, poll, start, user_token)
from emulator_client import GRAPH_APP

from emulator.client import EmulatorHttpClient

WOODGROVE, CONTOSO = 5, 1


@pytest.fixture
def quick(emu):
    """A one-second polling interval, so msal's loop is quick; the defaults come back after the test."""
    emu.device_code_interval_s = 1
    yield emu
    for name in ('device_code_interval_s', 'device_code_expires_s'):
        if hasattr(emu, name):
            delattr(emu, name)


def assert_error(status, body, error, number=None, expected_status=400):
    assert status == expected_status and body['error'] == error, body
    assert body['error_codes'] == ([number] if number else []), body
    if number:
        assert body['error_description'].startswith('AADSTS%d:' % number), body
    for name in ('timestamp', 'trace_id', 'correlation_id'):
        assert body[name]


def test_msal_device_flow_signs_the_admin_in_and_consents(client, quick):
    tenant = client.tenant(WOODGROVE)
    app = msal.PublicClientApplication(BOOTSTRAP, authority='%s/%s' % (quick.endpoints['login'], tenant),
                                       instance_discovery=False, http_client=EmulatorHttpClient(
                                           quick.endpoints['ca_bundle']))
    flow = app.initiate_device_flow(scopes=['https://graph.microsoft.com/.default'])
    assert flow['expires_in'] == 900 and flow['interval'] == 1 and len(flow['user_code']) == 9
    assert flow['verification_uri'] in flow['message'] and flow['user_code'] in flow['message']
    answers = []
    helper = threading.Thread(target=lambda: (time.sleep(0.3), answers.append(
        approve(client, flow['user_code'], 'admin@woodgrove.onmicrosoft.com'))))
    helper.start()
    result = app.acquire_token_by_device_flow(flow)
    helper.join()
    assert answers[0].status_code == 200, answers[0].text
    assert 'access_token' in result, result
    token = claims(result['access_token'])
    assert token['idtyp'] == 'user' and token['upn'] == 'admin@woodgrove.onmicrosoft.com'
    assert token['oid'] == '6c2d3e4f-5a6b-4c7d-8e9f-000000000051' and token['appid'] == BOOTSTRAP
    assert token['tid'] == tenant and token['aud'] == 'https://graph.microsoft.com' and 'roles' not in token
    assert set(token['scp'].split()) == {'Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All',
                                         'RoleManagement.ReadWrite.Directory', 'User.Read.All', 'openid', 'profile',
                                         'offline_access'}
    assert token['wids'] == [GLOBAL_ADMINISTRATOR] and token['appidacr'] == '0'
    assert result['id_token_claims']['preferred_username'] == 'admin@woodgrove.onmicrosoft.com'
    assert result['refresh_token']  # msal asked for offline_access
    # the admin's consent is the tenant's: the client's service principal and an AllPrincipals grant
    bootstrap_sp = client.graph(tenant, 'GET', "/servicePrincipals(appId='%s')" % BOOTSTRAP,
                                token=result['access_token']).json()
    with quick.store.lock:
        grants = [g for g in quick.store.tenant(tenant)['oauth2PermissionGrants']
                  if g['clientId'] == bootstrap_sp['id']]
    assert [g['consentType'] for g in grants] == ['AllPrincipals'] and 'RoleManagement.ReadWrite.Directory' in \
        grants[0]['scope'].split()


def test_polling_before_approval_is_pending_then_the_token_comes(client, quick):
    tenant = client.tenant(WOODGROVE)
    flow = start(client, tenant)
    assert_error(*poll(client, tenant, flow['device_code']), 'authorization_pending', 70016)
    assert approve(client, flow['user_code'], 'ADMIN@woodgrove.onmicrosoft.com').status_code == 200
    time.sleep(flow['interval'] + 0.1)
    status, body = poll(client, tenant, flow['device_code'])
    assert status == 200 and body['token_type'] == 'Bearer' and 'id_token' in body, body
    assert body['scope'].split()[-2:] == ['openid', 'profile'] and body['refresh_token']
    time.sleep(flow['interval'] + 0.1)
    assert_error(*poll(client, tenant, flow['device_code']), 'invalid_grant', 70000)  # a code is redeemed once


def test_polling_faster_than_the_interval_is_slow_down(client, quick):
    tenant = client.tenant(WOODGROVE)
    flow = start(client, tenant)
    assert_error(*poll(client, tenant, flow['device_code']), 'authorization_pending', 70016)
    status, body = poll(client, tenant, flow['device_code'])
    assert_error(status, body, 'slow_down')
    assert 'every 6 seconds' in body['error_description']  # the interval grows by 5 seconds (RFC 8628 3.5)
    time.sleep(1.1)  # the old interval is no longer enough
    assert_error(*poll(client, tenant, flow['device_code']), 'slow_down')


def test_declined_code_is_answered_authorization_declined(client, emu):
    tenant = client.tenant(WOODGROVE)
    flow = start(client, tenant)
    assert control(client, 'decline', user_code=flow['user_code']).status_code == 200
    assert_error(*poll(client, tenant, flow['device_code']), 'authorization_declined', 65004)
    again = approve(client, flow['user_code'], 'admin@woodgrove.onmicrosoft.com')
    assert again.status_code == 400 and 'AADSTS90120' in again.json()['error']['message']


def test_unknown_device_code_is_bad_verification_code(client, emu):
    tenant = client.tenant(WOODGROVE)
    assert_error(*poll(client, tenant, 'not-a-device-code'), 'bad_verification_code', 70018)
    flow = start(client, tenant)  # a real code, but polled by another client or in another tenant
    assert_error(*poll(client, tenant, flow['device_code'], AZURE_CLI), 'bad_verification_code', 70018)
    assert_error(*poll(client, client.tenant(CONTOSO), flow['device_code']), 'bad_verification_code', 70018)


def test_expired_code(client, quick):
    quick.device_code_expires_s = 1
    tenant = client.tenant(WOODGROVE)
    flow = start(client, tenant)
    assert flow['expires_in'] == 1
    time.sleep(1.2)
    assert_error(*poll(client, tenant, flow['device_code']), 'expired_token', 70019)
    late = approve(client, flow['user_code'], 'admin@woodgrove.onmicrosoft.com')
    assert late.status_code == 400 and 'AADSTS70019' in late.json()['error']['message']


@pytest.mark.parametrize('body,status', [
    ({'user_code': 'NOSUCHCODE', 'user': 'admin@woodgrove.onmicrosoft.com'}, 400),
    ({'user': 'admin@woodgrove.onmicrosoft.com'}, 400),
    ({'user_code': 'ABC'}, 400),
])
def test_approving_an_unknown_code_is_refused(client, emu, body, status):
    assert control(client, 'approve', **body).status_code == status


def test_approval_by_someone_outside_the_tenant_is_refused(client, emu):
    flow = start(client, client.tenant(WOODGROVE))
    refused = approve(client, flow['user_code'], 'globaladmin@contoso.onmicrosoft.com')
    assert refused.status_code == 400 and 'AADSTS50034' in refused.json()['error']['message']


def test_a_confidential_client_must_authenticate(client, emu):
    tenant = client.tenant(CONTOSO)
    operator = client.operator()['app_id']
    flow = start(client, tenant, operator)
    assert approve(client, flow['user_code'], 'globaladmin@contoso.onmicrosoft.com').status_code == 400  # no scopes
    assert_error(*poll(client, tenant, flow['device_code'], operator), 'invalid_client', 7000218, 401)
    assert_error(*poll(client, tenant, flow['device_code'], operator,
                       client_secret=client.operator()['secrets'][0]['value']), 'authorization_pending', 70016)


def test_a_public_first_party_client_sends_no_secret(client, emu):
    flow = start(client, client.tenant(CONTOSO), AZURE_CLI)
    assert_error(*poll(client, client.tenant(CONTOSO), flow['device_code'], AZURE_CLI, client_secret='x'),
                 'invalid_client', 700025, 401)


@pytest.mark.parametrize('form,status,error,number', [
    ({'client_id': '11111111-2222-4333-8444-555555555555'}, 400, 'unauthorized_client', 700016),
    ({'scope': 'https://nothing.example/.default'}, 400, 'invalid_resource', 500011),
    ({'scope': 'https://graph.microsoft.com/.default https://outlook.office365.com/.default'}, 400, 'invalid_scope',
     700022),
    ({'scope': 'https://graph.microsoft.com/.default User.Read'}, 400, 'invalid_scope', 70011),
    ({'scope': 'Things.Do'}, 400, 'invalid_scope', 70011),
    ({'scope': ''}, 400, 'invalid_request', 900144),
])
def test_device_authorization_errors(client, form, status, error, number):
    sent = dict(client_id=BOOTSTRAP, scope='https://graph.microsoft.com/.default')
    sent.update(form)
    assert_error(*login(client, '/%s/oauth2/v2.0/devicecode' % client.tenant(CONTOSO), **sent), error, number,
                 status)


def test_an_ordinary_user_cannot_consent_but_signs_in_once_an_admin_has(client, emu):
    tenant = client.tenant(CONTOSO)
    flow = start(client, tenant)
    refused = approve(client, flow['user_code'], 'diego@contoso.onmicrosoft.com')
    assert refused.status_code == 403 and 'AADSTS90094' in refused.json()['error']['message']
    assert_error(*poll(client, tenant, flow['device_code']), 'authorization_pending', 70016)  # still waiting
    user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com')  # the admin consents for the organization
    token = claims(user_token(client, tenant, 'diego@contoso.onmicrosoft.com'))
    assert token['upn'] == 'diego@contoso.onmicrosoft.com' and token['wids'] == []
    assert 'RoleManagement.ReadWrite.Directory' in token['scp'].split()


def test_explicit_scopes_and_the_privileged_role_administrator(client, emu):
    tenant = client.tenant(CONTOSO)
    scope = 'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory openid'
    token = claims(user_token(client, tenant, 'roleadmin@contoso.onmicrosoft.com', scope=scope))
    assert token['scp'] == 'RoleManagement.ReadWrite.Directory' and token['wids'] == [PRIVILEGED_ROLE_ADMINISTRATOR]


def test_azure_cli_is_preauthorized_without_role_management(client, emu):
    tenant = client.tenant(CONTOSO)
    token = claims(user_token(client, tenant, 'diego@contoso.onmicrosoft.com', AZURE_CLI))
    assert token['appid'] == AZURE_CLI and 'RoleManagement.ReadWrite.Directory' not in token['scp'].split()
    assert 'Application.ReadWrite.All' in token['scp'].split()
    flow = start(client, tenant, AZURE_CLI, 'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory')
    refused = approve(client, flow['user_code'], 'globaladmin@contoso.onmicrosoft.com')
    assert refused.status_code == 400 and 'AADSTS65002' in refused.json()['error']['message']


def test_the_discovery_document_names_the_device_endpoint(client):
    tenant = client.tenant(WOODGROVE)
    answer = client.http.get('%s/%s/v2.0/.well-known/openid-configuration'
                             % (client.emu.endpoints['login'], tenant)).json()
    assert answer['device_authorization_endpoint'] == '%s/%s/oauth2/v2.0/devicecode' % (
        client.emu.endpoints['login'], tenant)


def test_device_code_requests_are_logged_without_codes(client, emu):
    mark = emu.requests()[-1]['seq'] if emu.requests() else 0
    flow = start(client, client.tenant(WOODGROVE))
    poll(client, client.tenant(WOODGROVE), flow['device_code'])
    entries = [e for e in emu.requests(since=mark) if e['service'] == 'login']
    assert [e['path'].rsplit('/', 1)[-1] for e in entries] == ['devicecode', 'token']
    assert all(e['write'] is False and e['client_id'] == BOOTSTRAP for e in entries)
    with open(emu.log.path) as handle:
        text = handle.read()
    assert flow['device_code'] not in text and flow['user_code'] not in text


def test_graph_service_principal_publishes_its_delegated_permissions(client):
    graph = client.principal(client.tenant(CONTOSO), GRAPH_APP)
    scopes = dict((s['value'], s) for s in graph['oauth2PermissionScopes'])
    assert scopes['RoleManagement.ReadWrite.Directory']['id'] == 'd01b97e9-cbc0-49fe-810a-750afd5527a3'
    assert scopes['User.Read']['type'] == 'User' and scopes['Application.ReadWrite.All']['type'] == 'Admin'


def refresh(client, tenant, refresh_token, scope='https://graph.microsoft.com/.default', client_id=BOOTSTRAP):
    return login(client, '/%s/oauth2/v2.0/token' % tenant, grant_type='refresh_token', client_id=client_id,
                 refresh_token=refresh_token, scope=scope + ' offline_access openid')


def test_a_refresh_token_gives_new_tokens_within_the_consent(client, emu):
    tenant = client.tenant(WOODGROVE)
    flow = start(client, tenant)
    assert approve(client, flow['user_code'], 'admin@woodgrove.onmicrosoft.com').status_code == 200
    first = poll(client, tenant, flow['device_code'])[1]
    status, body = refresh(client, tenant, first['refresh_token'])
    assert status == 200 and body['refresh_token'] and body['refresh_token'] != first['refresh_token'], body
    token = claims(body['access_token'])
    assert token['upn'] == 'admin@woodgrove.onmicrosoft.com' and 'User.Read.All' in token['scp'].split()
    assert token['wids'] == [GLOBAL_ADMINISTRATOR]
    status, body = refresh(client, tenant, first['refresh_token'], 'https://graph.microsoft.com/User.Read.All')
    assert status == 200 and claims(body['access_token'])['scp'] == 'User.Read.All'
    assert_error(*refresh(client, tenant, first['refresh_token'], 'https://graph.microsoft.com/Mail.Send'),
                 'invalid_grant', 65001)
    assert_error(*refresh(client, tenant, 'not-a-refresh-token'), 'invalid_grant', 9002313)
    assert_error(*refresh(client, tenant, first['refresh_token'], client_id=AZURE_CLI), 'invalid_grant', 9002313)
    assert_error(*refresh(client, client.tenant(CONTOSO), first['refresh_token']), 'invalid_grant', 9002313)


def test_a_disabled_service_principal_signs_nobody_in(client):
    tenant = client.tenant(CONTOSO)
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Disabled app'}).json()
    secret = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'],
                          {'passwordCredential': {'displayName': 'x'}}).json()['secretText']
    made = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId'], 'accountEnabled': False})
    assert made.status_code == 201, made.text
    assert_error(*login(client, '/%s/oauth2/v2.0/token' % tenant, grant_type='client_credentials',
                        client_id=app['appId'], client_secret=secret, scope='https://graph.microsoft.com/.default'),
                 'unauthorized_client', 7000112)
