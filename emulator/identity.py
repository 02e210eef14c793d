"""Microsoft identity platform (login listener): OpenID discovery, signing keys, the
token endpoint and the OAuth 2.0 client credentials grant with a client secret, a
certificate (signed client assertion) or a federated credential (a token of an
external issuer, identity_federated.py). Other grants register themselves in GRANTS
(the device authorization grant: identity_device.py). Errors carry Entra's AADSTS
codes."""

from __future__ import annotations

import base64
import datetime
import hmac
import uuid

import jwt
from cryptography import x509

from emulator import catalog, tls, tokens
from emulator.objects import parse_time, secret_hash
from emulator.routing import HttpError, service

ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
# OAuth error name and AADSTS number a fault (429/5xx) is reported under on this listener, so a
# faulted login answers in the identity platform's error body shape as a real outage does.
# https://learn.microsoft.com/entra/identity-platform/reference-error-codes
_FAULT_ERRORS = {'TooManyRequests': ('temporarily_unavailable', 90055),      # TenantThrottlingError
                 'serviceNotAvailable': ('temporarily_unavailable', 90006),  # ExternalServerRetryableError
                 'generalException': ('server_error', 50000)}                # TokenIssuanceError


def error_body(request, code, message, number=None):
    """https://learn.microsoft.com/entra/identity-platform/reference-error-codes
    (#handling-error-codes-in-your-application)"""
    if code in _FAULT_ERRORS:  # a fault from server.py: (code, message) in Graph's terms
        code, number = _FAULT_ERRORS[code]
        message = 'AADSTS%d: %s' % (number, message)
    trace, correlation = str(uuid.uuid4()), request.headers.get('client-request-id') or str(uuid.uuid4())
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%SZ')
    body = {'error': code,
            'error_description': '%s Trace ID: %s Correlation ID: %s Timestamp: %s'
                                 % (message, trace, correlation, stamp),
            'error_codes': [number] if number else [], 'timestamp': stamp, 'trace_id': trace,
            'correlation_id': correlation}
    if number:
        body['error_uri'] = 'https://login.microsoftonline.com/error?code=%d' % number
    return body


SERVICE = service('login')
SERVICE.error_body = error_body


def aadsts(request, status, error, number, message):
    raise HttpError(status, error_body(request, error, 'AADSTS%d: %s' % (number, message), number))


def oauth_error(request, status, error, message):
    """An OAuth error the identity platform documents without an AADSTS number (error_codes is empty)."""
    raise HttpError(status, error_body(request, error, message))


def tenant_of(request):
    key = request.match.group('tenant')
    tenant = request.store.tenant(key)
    if tenant is None:
        aadsts(request, 400, 'invalid_tenant', 90002,
               "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the "
               "correct cloud. Check with your subscription administrator, this may happen if there are no active "
               "subscriptions for the tenant." % key)
    request.tenant = tenant
    request.write = False  # identity calls never change the directory
    return tenant


# https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
@SERVICE.route('GET', r'/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration')
def openid_configuration(request):
    tenant = tenant_of(request)
    base = '%s/%s' % (request.base_url, tenant['id'])
    return 200, {
        'token_endpoint': base + '/oauth2/v2.0/token',
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        'jwks_uri': base + '/discovery/v2.0/keys',
        'response_modes_supported': ['query', 'fragment', 'form_post'],
        'subject_types_supported': ['pairwise'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
        'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
        'issuer': '%s/%s/v2.0' % (request.base_url, tenant['id']),
        'request_uri_parameter_supported': False,
        'userinfo_endpoint': request.emulator.endpoints['graph'] + '/oidc/userinfo',
        'authorization_endpoint': base + '/oauth2/v2.0/authorize',
        'device_authorization_endpoint': base + '/oauth2/v2.0/devicecode',
        'http_logout_supported': True,
        'frontchannel_logout_supported': True,
        'end_session_endpoint': base + '/oauth2/v2.0/logout',
        'claims_supported': ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
        'kerberos_endpoint': base + '/kerberos',
        'tenant_region_scope': 'EU',
        'cloud_instance_name': 'microsoftonline.com',
        'cloud_graph_host_name': 'graph.windows.net',
        'msgraph_host': 'graph.microsoft.com',
    }


# https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-signature
@SERVICE.route('GET', r'/(?P<tenant>[^/]+)/discovery/v2\.0/keys')
def keys(request):
    tenant_of(request)
    return 200, tokens.jwks(request.emulator.signing_key)


def resource_named(emulator, resource):
    """(resource app id, audience) of a resource named by its URI (Graph's or Exchange's public one or the
    emulator listener's) or app id, or None for an unknown resource."""
    resource = resource.rstrip('/')
    for listener, app_id, public in (('graph', catalog.GRAPH_APP_ID, 'https://graph.microsoft.com'),
                                     ('exchange', catalog.EXCHANGE_APP_ID, 'https://outlook.office365.com')):
        if resource.lower() in (emulator.endpoints[listener].lower(), public, app_id):
            return app_id, resource
    return None


def resource_of(emulator, scope):
    """(resource app id, audience) of a `<resource>/.default` scope, or None for an unknown resource."""
    return resource_named(emulator, scope[:-len('/.default')])


# The sentence AADSTS500011 and AADSTS700016 share (reference-error-codes); each goes on in its own words.
NOT_INSTALLED = ('This can happen if the application has not been installed by the administrator of the tenant or '
                 'consented to by any user in the tenant.')


def unknown_resource(request, resource, tenant):
    aadsts(request, 400, 'invalid_resource', 500011,
           'The resource principal named %s was not found in the tenant named %s. %s You might have sent your '
           'authentication request to the wrong tenant.' % (resource, tenant['displayName'], NOT_INSTALLED))


def _check_secret(request, app, secret, home):
    """https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
    (#first-case-access-token-request-with-a-shared-secret)

    A secret added moments ago is refused as invalid until it has propagated (password_propagation_s),
    as Entra does for seconds after addPassword: https://github.com/microsoftgraph/microsoft-graph-docs/issues/17966
    """
    secrets = request.store.data['secrets']
    for credential in app['passwordCredentials']:
        expected = secrets.get(credential['keyId'])
        if expected and hmac.compare_digest(expected, secret_hash(secret)) and not \
                request.emulator.faults.replicating(home['created'].get(credential['keyId']), 'password_propagation_s'):
            if parse_time(credential['endDateTime']) < datetime.datetime.now(datetime.timezone.utc):
                aadsts(request, 401, 'invalid_client', 7000222,
                       "The provided client secret keys for app '%s' are expired. Visit the Azure portal to create "
                       "new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
                       "credentials for added security: https://aka.ms/certCreds." % app['appId'])
            request.credential_id = credential['keyId']
            return
    aadsts(request, 401, 'invalid_client', 7000215,
           "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
           "not the client secret ID, for a secret added to app '%s'." % app['appId'])


def _registered_certificate(request, app, header):
    """The certificate on the app whose SHA-1 (x5t) or SHA-256 (x5t#S256) thumbprint the header names."""
    presented = set(str(header.get(name) or '').rstrip('=') for name in ('x5t', 'x5t#S256')) - {''}
    for credential in app['keyCredentials']:
        pem = request.store.data['certificates'].get(credential['keyId'])
        if not pem:
            continue
        cert = x509.load_pem_x509_certificate(pem.encode())
        if presented & set(base64.urlsafe_b64encode(t).decode().rstrip('=') for t in tls.thumbprints(cert)):
            return credential, cert
    aadsts(request, 401, 'invalid_client', 700027,
           "The certificate with identifier used to sign the client assertion is not registered on application. "
           "[Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, "
           "Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]"
           % (header.get('x5t') or header.get('x5t#S256') or '', app['appId']))


def _check_assertion(request, app, assertion, audiences, header):
    """https://learn.microsoft.com/entra/identity-platform/certificate-credentials"""
    credential, cert = _registered_certificate(request, app, header)
    if parse_time(credential['endDateTime']) < datetime.datetime.now(datetime.timezone.utc):
        aadsts(request, 401, 'invalid_client', 700027, "Client assertion contains an expired certificate for "
                                                       "app '%s'." % app['appId'])
    try:
        claims = jwt.decode(assertion, cert.public_key(), algorithms=['RS256', 'PS256'], audience=audiences,
                            options={'require': ['aud', 'exp', 'iss', 'sub', 'jti']})
    except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
        aadsts(request, 401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.')
    except jwt.InvalidAudienceError:
        aadsts(request, 401, 'invalid_client', 700027, 'Client assertion contains an invalid audience; it must be '
                                                       'the token endpoint.')
    except jwt.PyJWTError as exc:
        aadsts(request, 401, 'invalid_client', 700027, 'Client assertion failed signature validation. %s' % exc)
    if claims['iss'] != app['appId'] or claims['sub'] != app['appId']:
        aadsts(request, 401, 'invalid_client', 700021,
               "Client assertion application identifier doesn't match 'client_id' parameter.")
    request.credential_id = credential['keyId']


def required(request, form, name):
    if not form.get(name):
        aadsts(request, 400, 'invalid_request', 900144,
               "The request body must contain the following parameter: '%s'." % name)
    return form[name]


# federated(request, app, home, assertion) -> a check to run without the store's lock (it fetches the issuer's
# keys); set by identity_federated. A client assertion without a certificate thumbprint (x5t, x5t#S256) in its
# header is taken for a token of an external issuer.
FEDERATED = []


def authenticate_client(request, form, app, tenant, home):
    """Check the client's credential (run under the store's lock): None, or a check still to run without the lock;
    the `appidacr` its tokens carry is left in request.appidacr (1 a secret, 2 an assertion), the keyId of the
    credential that matched (a federated credential: its id) in request.credential_id."""
    request.appidacr, request.credential_id = '1', None
    if form.get('client_secret'):
        return _check_secret(request, app, form['client_secret'], home)
    if not form.get('client_assertion'):
        aadsts(request, 401, 'invalid_client', 7000218,
               "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    if form.get('client_assertion_type') != ASSERTION_TYPE:
        aadsts(request, 400, 'invalid_request', 50027 if not form.get('client_assertion_type') else 90015,
               "Requested client assertion type is invalid or missing: '%s'." % form.get('client_assertion_type', ''))
    request.appidacr = '2'
    try:
        header = jwt.get_unverified_header(form['client_assertion'])
    except jwt.PyJWTError:
        aadsts(request, 401, 'invalid_client', 700027, 'Client assertion failed signature validation. '
                                                       'The assertion is not a JWT.')
    if FEDERATED and not (header.get('x5t') or header.get('x5t#S256')):
        return FEDERATED[0](request, app, home, form['client_assertion'])
    path_tenant = request.match.group('tenant')
    audiences = ['%s/%s/oauth2/v2.0/token' % (request.base_url, key) for key in (tenant['id'], path_tenant)]
    return _check_assertion(request, app, form['client_assertion'], audiences, header)


def client_app(request, tenant, client_id):
    """(home tenant, application) of a client, which must be registered here or be multitenant; 700016 else."""
    home, app = request.store.home_of(client_id)
    if app is None or (home is not tenant and app['signInAudience'] == 'AzureADMyOrg'):
        not_in_directory(request, tenant, client_id)
    return home, app


def not_in_directory(request, tenant, client_id):
    aadsts(request, 400, 'unauthorized_client', 700016,
           "Application with identifier '%s' was not found in the directory '%s'. %s You may have sent your "
           "authentication request to the wrong tenant." % (client_id, tenant['displayName'], NOT_INSTALLED))


def check_enabled(request, principal):
    """A disabled service principal (accountEnabled false) signs nobody in: AADSTS7000112 (reference-error-codes,
    UnauthorizedClientApplicationDisabled)."""
    if principal is not None and principal.get('accountEnabled') is False:
        aadsts(request, 400, 'unauthorized_client', 7000112, "Application '%s'(%s) is disabled."
               % (principal['appId'], principal['displayName']))


# grant_type -> grant(request, tenant, form, client_id): (status, body[, headers]). Modules add their grants.
GRANTS = {}
# signed_in(request, tenant, home, app, resource app id), called once a client credentials token is issued (the
# credential in request.credential_id): signin_activity records the credential's sign-in.
SIGNED_IN = []
NO_STORE = {'Cache-Control': 'no-store, no-cache', 'Pragma': 'no-cache'}


# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code (grant_type device_code)
@SERVICE.route('POST', r'/(?P<tenant>[^/]+)/oauth2/v2\.0/token')
def token(request):
    tenant = tenant_of(request)
    form = request.form()
    grant_type = required(request, form, 'grant_type')
    if grant_type not in GRANTS:
        aadsts(request, 400, 'unsupported_grant_type', 70003,
               "The app requested an unsupported grant type '%s'." % grant_type)
    client_id = required(request, form, 'client_id')
    request.claims = {'appid': client_id}  # for the log: who asked
    return GRANTS[grant_type](request, tenant, form, client_id)


def client_credentials(request, tenant, form, client_id):
    """https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#get-a-token"""
    scope = required(request, form, 'scope').strip()
    if ' ' in scope or not scope.endswith('/.default'):
        aadsts(request, 400, 'invalid_scope', 1002012,
               'The provided value for scope %s is not valid. Client credential flows must have a scope value with '
               '/.default suffixed to the resource identifier (application ID URI).' % scope)
    store = request.store
    with store.lock:
        home, app = store.home_of(client_id)
        if app is None or store.principal_by_app_id(tenant, client_id) is None:
            not_in_directory(request, tenant, client_id)
        pending = authenticate_client(request, form, app, tenant, home)
        check_enabled(request, store.principal_by_app_id(tenant, client_id))
    if pending is not None:
        pending()  # a federated credential: the issuer's keys are fetched outside the lock
    resource = resource_of(request.emulator, scope)
    if resource is None:
        unknown_resource(request, scope[:-len('/.default')], tenant)
    with store.lock:
        principal = store.principal_by_app_id(tenant, client_id)
        if principal is None:
            not_in_directory(request, tenant, client_id)
        roles = store.roles_of(tenant, principal['id'], resource[0])
        # wids: the caller's Entra directory roles as template ids (roleManagement/directory/roleAssignments)
        wids = store.directory_role_ids(tenant, principal['id'])
    access = tokens.issue(request.emulator.signing_key, tenant['id'], resource[1], client_id, app['displayName'],
                          principal['id'], roles, wids, request.appidacr)
    for signed_in in SIGNED_IN:
        signed_in(request, tenant, home, app, resource[0])
    return 200, {'token_type': 'Bearer', 'expires_in': tokens.LIFETIME, 'ext_expires_in': tokens.LIFETIME,
                 'access_token': access}, NO_STORE


GRANTS['client_credentials'] = client_credentials
