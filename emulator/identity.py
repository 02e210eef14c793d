"""Microsoft identity platform: OpenID discovery and the OAuth 2.0 client
credentials grant with a client secret or a certificate (signed client assertion)."""

from __future__ import annotations

import base64
import datetime
import hmac
import time
import uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from emulator import catalog, tls
from emulator.server import HttpError, Service
from emulator.state import secret_hash

TOKEN_LIFETIME = 3599


def error_body(request, code, message, number=None, error_uri_host='https://login.microsoftonline.com'):
    """The identity platform's error response.

    https://learn.microsoft.com/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application
    """
    trace, correlation = str(uuid.uuid4()), request.headers.get('client-request-id') or str(uuid.uuid4())
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%SZ')
    description = '%s Trace ID: %s Correlation ID: %s Timestamp: %s' % (message, trace, correlation, stamp)
    body = {'error': code, 'error_description': description, 'timestamp': stamp, 'trace_id': trace,
            'correlation_id': correlation}
    if number:
        body['error_codes'] = [number]
        body['error_uri'] = '%s/error?code=%d' % (error_uri_host, number)
    return body


SERVICE = Service('login', lambda request, code, message: error_body(request, code, message))


def _fail(request, status, code, number, message):
    raise HttpError(status, error_body(request, code, 'AADSTS%d: %s' % (number, message), number))


def _tenant(request):
    key = request.match.group('tenant')
    tenant = request.store.tenant(key)
    if tenant is None:
        _fail(request, 400, 'invalid_tenant', 90002,
              "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the "
              "correct cloud." % key)
    request.tenant = tenant
    request.write = False
    return tenant


# https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
@SERVICE.route('GET', r'/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration')
def openid_configuration(request):
    tenant = _tenant(request)
    base = '%s/%s' % (request.base_url, tenant['id'])
    return 200, {
        'issuer': 'https://login.microsoftonline.com/%s/v2.0' % tenant['id'],
        'authorization_endpoint': base + '/oauth2/v2.0/authorize',
        'token_endpoint': base + '/oauth2/v2.0/token',
        'jwks_uri': base + '/discovery/v2.0/keys',
        'device_authorization_endpoint': base + '/oauth2/v2.0/devicecode',
        'end_session_endpoint': base + '/oauth2/v2.0/logout',
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
        'subject_types_supported': ['pairwise'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
        'tenant_region_scope': 'EU',
        'cloud_instance_name': 'microsoftonline.com',
    }


def _jwk(public_key, kid):
    numbers = public_key.public_numbers()

    def b64(value):
        raw = value.to_bytes((value.bit_length() + 7) // 8, 'big')
        return base64.urlsafe_b64encode(raw).decode().rstrip('=')
    return {'kty': 'RSA', 'use': 'sig', 'kid': kid, 'n': b64(numbers.n), 'e': b64(numbers.e)}


def key_id(emulator):
    der = emulator.signing_key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(der[-20:]).decode().rstrip('=')


# https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-signature
@SERVICE.route('GET', r'/(?P<tenant>[^/]+)/discovery/v2\.0/keys')
def keys(request):
    _tenant(request)
    return 200, {'keys': [_jwk(request.emulator.signing_key.public_key(), key_id(request.emulator))]}


def resource_of(emulator, scope):
    """(resource app id, audience) of a `<resource>/.default` scope, or None."""
    if not scope.endswith('/.default') or ' ' in scope.strip():
        return None
    resource = scope[:-len('/.default')].rstrip('/')
    for service, app_id, public in (('graph', catalog.GRAPH_APP_ID, 'https://graph.microsoft.com'),
                                    ('exchange', catalog.EXCHANGE_APP_ID, 'https://outlook.office365.com')):
        if resource.lower() in (emulator.endpoints[service].lower(), public, app_id):
            return app_id, resource
    return None


def _check_secret(request, store, app, secret):
    now = time.time()
    for credential in app['passwordCredentials']:
        expected = store.data['secrets'].get(credential['keyId'])
        if expected and hmac.compare_digest(expected, secret_hash(secret)):
            end = datetime.datetime.strptime(credential['endDateTime'][:19], '%Y-%m-%dT%H:%M:%S')
            if end.replace(tzinfo=datetime.timezone.utc).timestamp() < now:
                _fail(request, 401, 'invalid_client', 7000222,
                      "The provided client secret keys for app '%s' are expired." % app['appId'])
            return
    _fail(request, 401, 'invalid_client', 7000215,
          "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
          "not the client secret ID, for a secret added to app '%s'." % app['appId'])


def _check_assertion(request, store, app, assertion, token_endpoint):
    """https://learn.microsoft.com/entra/identity-platform/certificate-credentials"""
    def refuse(reason):
        _fail(request, 401, 'invalid_client', 700027, 'Client assertion failed signature validation. %s' % reason)
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        refuse('The assertion is not a JWT.')
    for credential in app['keyCredentials']:
        pem = store.data['certificates'].get(credential['keyId'])
        if not pem:
            continue
        cert = x509.load_pem_x509_certificate(pem.encode())
        sha1, sha256 = tls.thumbprints(cert)
        wanted = [base64.urlsafe_b64encode(sha1).decode().rstrip('='), base64.urlsafe_b64encode(sha256).decode().rstrip('=')]
        presented = [str(header.get(name) or '').rstrip('=') for name in ('x5t', 'x5t#S256')]
        if not set(presented) & set(wanted):
            continue
        try:
            claims = jwt.decode(assertion, cert.public_key(), algorithms=['RS256', 'PS256'], audience=token_endpoint,
                                options={'require': ['exp', 'aud', 'iss', 'sub']})
        except jwt.PyJWTError as exc:
            refuse(str(exc))
        if claims['iss'] != app['appId'] or claims['sub'] != app['appId']:
            refuse('iss and sub must be the client id.')
        return
    refuse("No certificate registered on app '%s' matches the assertion's key identifier." % app['appId'])


# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
@SERVICE.route('POST', r'/(?P<tenant>[^/]+)/oauth2/v2\.0/token')
def token(request):
    tenant = _tenant(request)
    form = request.form()
    store, emulator = request.store, request.emulator
    if form.get('grant_type') != 'client_credentials':
        _fail(request, 400, 'unsupported_grant_type', 70003,
              "The app requested an unsupported grant type '%s'." % form.get('grant_type'))
    client_id = form.get('client_id', '')
    request.claims = {'appid': client_id}
    with store.lock:
        _home, app = store.home_of(client_id)
        principal = store.principal_by_app_id(tenant, client_id)
        if app is None or principal is None:
            _fail(request, 400, 'unauthorized_client', 700016,
                  "Application with identifier '%s' was not found in the directory '%s'. This can happen if the "
                  "application has not been installed by the administrator of the tenant or consented to by any user "
                  "in the tenant." % (client_id, tenant['displayName']))
        token_endpoint = '%s/%s/oauth2/v2.0/token' % (request.base_url, tenant['id'])
        if form.get('client_secret'):
            _check_secret(request, store, app, form['client_secret'])
        elif form.get('client_assertion'):
            if form.get('client_assertion_type') != 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer':
                _fail(request, 400, 'invalid_request', 90015, 'Requested client assertion type is invalid.')
            _check_assertion(request, store, app, form['client_assertion'], token_endpoint)
        else:
            _fail(request, 401, 'invalid_client', 7000218,
                  "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        resource = resource_of(emulator, form.get('scope', ''))
        if resource is None:
            _fail(request, 400, 'invalid_resource', 500011,
                  "The resource principal named %s was not found in the tenant named %s. This can happen if the "
                  "application has not been installed by the administrator of the tenant or consented to by any user "
                  "in the tenant." % (form.get('scope', '').replace('/.default', ''), tenant['displayName']))
        resource_app_id, audience = resource
        roles = store.roles_of(tenant, principal['id'], resource_app_id)
    issued = int(time.time())
    claims = {
        'aud': audience, 'iss': 'https://sts.windows.net/%s/' % tenant['id'], 'iat': issued, 'nbf': issued,
        'exp': issued + TOKEN_LIFETIME, 'tid': tenant['id'], 'appid': client_id, 'azp': client_id,
        'app_displayname': app['displayName'], 'oid': principal['id'], 'sub': principal['id'], 'idtyp': 'app',
        'ver': '1.0', 'roles': roles, 'uti': str(uuid.uuid4()),
    }
    if resource_app_id == catalog.EXCHANGE_APP_ID:
        # wids: the Entra directory roles of the caller, as role template ids
        claims['wids'] = [catalog.DIRECTORY_ROLES[name] for name in tenant['directoryRoles'].get(principal['id'], [])]
    access = jwt.encode(claims, emulator.signing_key, algorithm='RS256', headers={'kid': key_id(emulator)})
    return 200, {'token_type': 'Bearer', 'expires_in': TOKEN_LIFETIME, 'ext_expires_in': TOKEN_LIFETIME,
                 'access_token': access}


def verify(request, accepted_audiences):
    """Claims of the request's bearer token, checked as the resource checks it; None when absent/invalid."""
    header = request.headers.get('authorization', '')
    if not header.lower().startswith('bearer '):
        return None, 'Access token is empty.'
    try:
        claims = jwt.decode(header[7:], request.emulator.signing_key.public_key(), algorithms=['RS256'],
                            options={'verify_aud': False, 'require': ['exp', 'tid', 'aud']})
    except jwt.ExpiredSignatureError:
        return None, 'Lifetime validation failed, the token is expired.'
    except jwt.PyJWTError:
        return None, 'Access token validation failure. Invalid signature.'
    if claims['aud'].lower().rstrip('/') not in accepted_audiences:
        return None, 'Access token validation failure. Invalid audience.'
    return claims, None
