"""Per-credential sign-in activity: each app-only sign-in recorded in the tenant signed in to, Graph beta's
application credential activity report (GET /beta/reports/appCredentialSignInActivities), the emulator's clock and
the control routes that move it and set the records."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from delegated import user_token
from emulator_client import GRAPH_APP, Client, app_token, error_code, new_app
from oidc_issuer import AUDIENCE, SUBJECT, Issuer

from emulator import seed
from emulator.objects import parse_time

CONTOSO, FABRIKAM = 1, 2
REPORT = '/beta/reports/appCredentialSignInActivities'
DAY = 86400
PROPERTIES = {'id', 'keyId', 'keyType', 'keyUsage', 'appId', 'appObjectId', 'servicePrincipalObjectId', 'resourceId',
              'credentialOrigin', 'expirationDateTime', 'createdDateTime', 'signInActivity'}


@pytest.fixture(scope='module')
def reader(client):
    """An app of Contoso's with AuditLog.Read.All: (appId, service principal id, object id, secret)."""
    return new_app(client, client.tenant(CONTOSO), 'Sign-in report reader', graph=('AuditLog.Read.All',))


@pytest.fixture(scope='module')
def reader_token(client, reader):
    return app_token(client, client.tenant(CONTOSO), reader[0], reader[3])


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def token_request(client, tenant, app_id, **credential):
    """A client credentials token request as msal sends it; the response (its request-id header is the sign-in's)."""
    form = dict(credential, grant_type='client_credentials', client_id=app_id,
                scope='https://graph.microsoft.com/.default')
    return client.http.session.post('%s/%s/oauth2/v2.0/token' % (client.emu.endpoints['login'], tenant), data=form,
                                    verify=client.emu.endpoints['ca_bundle'])


def sign_in(client, tenant, app_id, **credential):
    answer = token_request(client, tenant, app_id, **credential)
    assert answer.status_code == 200, answer.text
    return answer


def report(client, token, query='', tenant=CONTOSO):
    return client.call(client.tenant(tenant), 'GET', REPORT + query, token=token)


def listed(client, token, query='', tenant=CONTOSO):
    answer = report(client, token, query, tenant)
    assert answer.status_code == 200, answer.text
    return answer.json()['value']


def by_key(client, token, key_id):
    found = listed(client, token, "?$filter=keyId eq '%s'" % key_id)
    assert len(found) == 1, found
    return found[0]


def control(client, method, path, body):
    return client.http.session.request(method, client.emu.endpoints['control'] + path, json=body,
                                       verify=client.emu.endpoints['ca_bundle'])


def home_app(client, app_id):
    with client.emu.store.lock:
        return client.emu.store.home_of(app_id)[1]


def operator(client):
    return client.operator(0)['app_id'], client.operator(0)['secrets'][0]['value']


def test_a_secret_sign_in_is_recorded_with_its_key_and_time(client, reader_token):
    app_id, secret = operator(client)
    app = home_app(client, app_id)
    before = utc_now()
    answer = sign_in(client, client.tenant(CONTOSO), app_id, client_secret=secret)
    after = utc_now()
    page = report(client, reader_token, "?$filter=appId eq '%s'" % app_id).json()
    assert page['@odata.context'].endswith('/beta/$metadata#reports/appCredentialSignInActivities')
    key = app['passwordCredentials'][0]
    assert all(a['appId'] == app_id for a in page['value'])
    activity = next(a for a in page['value'] if a['keyId'] == key['keyId'])
    assert set(activity) == PROPERTIES
    assert activity['keyId'] == key['keyId'] and activity['appId'] == app_id
    assert before <= parse_time(activity['signInActivity']['lastSignInDateTime']) <= after
    assert activity['signInActivity']['lastSignInRequestId'] == answer.headers['request-id']
    assert activity['id'] == base64.b64encode(('%s|application' % key['keyId']).encode()).decode()
    assert (activity['keyType'], activity['keyUsage'], activity['credentialOrigin']) == \
        ('clientSecret', 'sign', 'application')
    assert activity['appObjectId'] == app['id'] and activity['resourceId'] == GRAPH_APP
    assert activity['servicePrincipalObjectId'] == client.principal(client.tenant(CONTOSO), app_id)['id']
    assert activity['expirationDateTime'] == key['endDateTime']
    single = client.call(client.tenant(CONTOSO), 'GET', '%s/%s' % (REPORT, activity['id']), token=reader_token)
    assert single.status_code == 200 and single.json()['@odata.context'].endswith('/$entity')
    assert dict((k, v) for k, v in single.json().items() if k != '@odata.context') == activity


def test_a_second_secret_is_a_record_of_its_own(client, reader, reader_token):
    app_id, _, object_id, first = reader
    added = client.graph(client.tenant(CONTOSO), 'POST', '/applications/%s/addPassword' % object_id,
                         {'passwordCredential': {'displayName': 'second'}}).json()
    first_key = next(c['keyId'] for c in home_app(client, app_id)['passwordCredentials'] if c['keyId'] !=
                     added['keyId'])
    sign_in(client, client.tenant(CONTOSO), app_id, client_secret=first)
    earlier = by_key(client, reader_token, first_key)['signInActivity']
    answer = sign_in(client, client.tenant(CONTOSO), app_id, client_secret=added['secretText'])
    activities = listed(client, reader_token, "?$filter=appId eq '%s'" % app_id)
    assert sorted(a['keyId'] for a in activities) == sorted([first_key, added['keyId']])
    second = by_key(client, reader_token, added['keyId'])['signInActivity']
    assert second['lastSignInRequestId'] == answer.headers['request-id']
    assert by_key(client, reader_token, first_key)['signInActivity'] == earlier  # untouched by the other secret


def test_a_refused_sign_in_is_not_recorded(client, reader, reader_token):
    app_id, _, _, secret = reader
    before = listed(client, reader_token, "?$filter=appId eq '%s'" % app_id)
    assert token_request(client, client.tenant(CONTOSO), app_id, client_secret=secret + 'x').status_code == 401
    assert listed(client, reader_token, "?$filter=appId eq '%s'" % app_id) == before


def test_a_certificate_sign_in_is_keyed_by_its_key_credential(client, emu, reader_token):
    creds = emu.operator_credentials(client.tenant(CONTOSO))
    with open(creds['certificate_pem'], 'rb') as handle:
        pem = handle.read()
    cert = x509.load_pem_x509_certificate(pem[pem.index(b'-----BEGIN CERTIFICATE-----'):])
    credential = {'private_key': pem.decode(), 'thumbprint': cert.fingerprint(hashes.SHA1()).hex()}
    token, result = client.token(client.tenant(CONTOSO), credential=credential)
    assert token, result
    key = home_app(client, creds['client_id'])['keyCredentials'][0]
    activity = by_key(client, reader_token, key['keyId'])
    assert (activity['keyType'], activity['keyUsage']) == ('certificate', 'verify')
    assert activity['expirationDateTime'] == key['endDateTime']


def test_a_federated_sign_in_is_keyed_by_its_credential(client, emu, reader_token, tmp_path):
    issuer = Issuer(str(tmp_path))
    emu.trusted_cas.append(issuer.ca_path)
    try:
        tenant = client.tenant(CONTOSO)
        app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Federated workload'}).json()
        client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']})
        made = client.graph(tenant, 'POST', '/applications/%s/federatedIdentityCredentials' % app['id'], {
            'name': 'ci', 'issuer': issuer.url, 'subject': SUBJECT, 'audiences': [AUDIENCE]}).json()
        sign_in(client, tenant, app['appId'], client_assertion=issuer.token(),
                client_assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    finally:
        emu.trusted_cas.remove(issuer.ca_path)
        issuer.stop()
    activity = by_key(client, reader_token, made['id'])
    assert activity['appId'] == app['appId'] and activity['keyType'] == 'unknownFutureValue'
    assert activity['expirationDateTime'] is None


def test_sign_ins_are_kept_in_the_tenant_signed_in_to(client, emu, reader_token):
    app_id, secret = operator(client)
    contoso = by_key(client, reader_token, home_app(client, app_id)['passwordCredentials'][0]['keyId'])
    answer = sign_in(client, client.tenant(FABRIKAM), app_id, client_secret=secret)
    with emu.store.lock:
        fabrikam = emu.store.tenant(client.tenant(FABRIKAM))['credentialSignIns'][contoso['id']]
    assert fabrikam['signInActivity']['lastSignInRequestId'] == answer.headers['request-id']
    assert fabrikam['servicePrincipalObjectId'] != contoso['servicePrincipalObjectId']
    assert by_key(client, reader_token, contoso['keyId']) == contoso


def test_the_clock_offset_moves_sign_in_times(client, reader, reader_token):
    app_id, _, _, secret = reader
    moved = control(client, 'PUT', '/clock', {'offset_s': 40 * DAY})
    try:
        assert moved.status_code == 200 and moved.json()['offset_s'] == 40 * DAY
        assert control(client, 'GET', '/clock', None).json()['offset_s'] == 40 * DAY
        before = utc_now() + datetime.timedelta(days=40)
        answer = sign_in(client, client.tenant(CONTOSO), app_id, client_secret=secret)
        after = utc_now() + datetime.timedelta(days=40)
    finally:
        assert control(client, 'PUT', '/clock', {'offset_s': 0}).json()['offset_s'] == 0
    activity = next(a for a in listed(client, reader_token, "?$filter=appId eq '%s'" % app_id)
                    if a['signInActivity']['lastSignInRequestId'] == answer.headers['request-id'])
    assert before <= parse_time(activity['signInActivity']['lastSignInDateTime']) <= after
    for refused in ('40d', True, 1e12):
        assert control(client, 'PUT', '/clock', {'offset_s': refused}).status_code == 400, refused


def test_control_sets_and_clears_a_record(client, reader, reader_token):
    app_id, _, _, _ = reader
    key_id = home_app(client, app_id)['passwordCredentials'][0]['keyId']
    answer = control(client, 'POST', '/signins', {'tenant': 'contoso.onmicrosoft.com', 'appId': app_id,
                                                  'keyId': key_id, 'lastSignInDateTime': '-40d'})
    assert answer.status_code == 200, answer.text
    when = parse_time(by_key(client, reader_token, key_id)['signInActivity']['lastSignInDateTime'])
    assert abs(when - (utc_now() - datetime.timedelta(days=40))) < datetime.timedelta(minutes=1)
    exact = control(client, 'POST', '/signins', {'tenant': client.tenant(CONTOSO), 'appId': app_id, 'keyId': key_id,
                                                 'lastSignInDateTime': '2026-01-02T03:04:05Z',
                                                 'lastSignInRequestId': 'req-1'})
    assert exact.json()['signInActivity'] == {'lastSignInDateTime': '2026-01-02T03:04:05Z',
                                              'lastSignInRequestId': 'req-1'}
    cleared = control(client, 'POST', '/signins', {'tenant': client.tenant(CONTOSO), 'appId': app_id, 'keyId': key_id,
                                                   'lastSignInDateTime': None})
    assert cleared.status_code == 204
    assert key_id not in [a['keyId'] for a in listed(client, reader_token, "?$filter=appId eq '%s'" % app_id)]
    for body, status in (({'keyId': 'not-a-key', 'lastSignInDateTime': '-1d'}, 404),
                         ({'keyId': key_id, 'lastSignInDateTime': 'yesterday'}, 400),
                         ({'keyId': key_id, 'lastSignInDateTime': '-99999999d'}, 400),
                         ({'keyId': key_id}, 400),
                         ({'keyId': key_id, 'lastSignInDateTime': '-1d', 'tenant': client.tenant(FABRIKAM)}, 400)):
        sent = dict({'tenant': client.tenant(CONTOSO), 'appId': app_id}, **body)
        assert control(client, 'POST', '/signins', sent).status_code == status, body


def test_403_without_audit_log_read_all(client):
    app_id, _, _, secret = new_app(client, client.tenant(CONTOSO), 'User reader', graph=('User.Read.All',))
    refused = report(client, app_token(client, client.tenant(CONTOSO), app_id, secret))  # no AuditLog.Read.All
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'
    app_id, _, _, secret = new_app(client, client.tenant(CONTOSO), 'Directory reader', graph=('Directory.Read.All',))
    assert report(client, app_token(client, client.tenant(CONTOSO), app_id, secret)).status_code == 200


def test_a_tenant_without_a_premium_licence_is_refused(client, emu, reader_token):
    with emu.store.lock:
        emu.store.tenant(client.tenant(CONTOSO))['premium'] = False
    try:
        refused = report(client, reader_token)
    finally:
        with emu.store.lock:
            emu.store.tenant(client.tenant(CONTOSO))['premium'] = True
    assert refused.status_code == 403
    assert error_code(refused) == 'Authentication_RequestFromNonPremiumTenantOrB2CTenant'
    assert refused.json()['error']['message'] == "Tenant is not a B2C tenant and doesn't have premium license"


def test_the_seed_names_a_tenant_without_a_licence(tmp_path):
    tenants = [{'id': 'a', 'domain': 'a.example', 'premium': False}, {'id': 'b', 'domain': 'b.example'}]
    built = seed.build({'tenants': tenants}, str(tmp_path))['tenants']
    assert (built['a']['premium'], built['b']['premium']) == (False, True)
    with pytest.raises(seed.SeedError):
        seed.build({'tenants': [{'id': 'c', 'domain': 'c.example', 'premium': 'no'}]}, str(tmp_path))


def test_filter_and_paging(client, reader, reader_token):
    app_id = reader[0]
    everything = listed(client, reader_token, '?$top=999')
    assert len(everything) >= 3
    mine = listed(client, reader_token, "?$filter=appId eq '%s'" % app_id)
    assert mine and all(a['appId'] == app_id for a in mine)
    both = listed(client, reader_token, "?$filter=appId eq '%s' and keyId eq '%s'" % (app_id, mine[0]['keyId']))
    assert both == [mine[0]]
    page = report(client, reader_token).json()  # the test emulator's page size is 2
    assert len(page['value']) == 2 and '/beta/reports/appCredentialSignInActivities?' in page['@odata.nextLink']
    pages = page['value']
    while '@odata.nextLink' in page:
        page = client.call(client.tenant(CONTOSO), 'GET', page['@odata.nextLink'], token=reader_token).json()
        pages += page['value']
    assert pages == everything
    for query in ("?$filter=startswith(appId, '%s')" % app_id[:4], "?$filter=displayName eq 'x'",
                  "?$filter=appId ne '%s'" % app_id, '?$select=keyId', '?$orderby=keyId', '?$count=true'):
        assert report(client, reader_token, query).status_code == 400, query


def test_beta_serves_this_report_only(client, reader_token):
    for path in ('/beta/applications', '/beta/reports/servicePrincipalSignInActivities',
                 '/v1.0/reports/appCredentialSignInActivities'):
        refused = client.call(client.tenant(CONTOSO), 'GET', path, token=reader_token)
        assert refused.status_code == 400 and error_code(refused) == 'BadRequest', path
        assert refused.json()['error']['message'] == "Resource not found for the segment '%s'." % path.split('/')[-1]
    unknown = client.call(client.tenant(CONTOSO), 'GET', REPORT + '/bm90LWEta2V5fGFwcGxpY2F0aW9u', token=reader_token)
    assert unknown.status_code == 404 and error_code(unknown) == 'Request_ResourceNotFound'


def test_a_signed_in_user_needs_a_reader_role(client, reader_token):
    tenant, scope = client.tenant(CONTOSO), 'https://graph.microsoft.com/AuditLog.Read.All openid offline_access'
    admin = user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com', scope=scope)  # consents for all
    assert report(client, admin).status_code == 200
    member = user_token(client, tenant, 'diego@contoso.onmicrosoft.com', scope=scope)
    refused = report(client, member)
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'


def test_records_survive_a_restart(own_emulator, tmp_path):
    state = tmp_path / 'restart'
    first = own_emulator(state)
    client = Client(first)
    app_id, secret = operator(client)
    sign_in(client, client.tenant(CONTOSO), app_id, client_secret=secret)
    first.stop()
    again = own_emulator(state)
    with again.store.lock:
        kept = again.store.tenant(client.tenant(CONTOSO))['credentialSignIns']
    key_id = home_app(Client(again), app_id)['passwordCredentials'][0]['keyId']
    assert [a['keyId'] for a in kept.values()] == [key_id]
