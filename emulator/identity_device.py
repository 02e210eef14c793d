"""The OAuth 2.0 device authorization grant on the login listener: a public client asks
for a device code, a person approves it (the control listener stands in for the
verification page: control.py), the client polls the token endpoint and receives a
delegated token for that person.

https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code

Settings (attributes of the Emulator object, read when a code is issued):
device_code_expires_s (900, the documented expires_in), device_code_interval_s (5, the
documented interval; polling sooner than the interval is answered slow_down, and the
interval grows by 5 seconds, as RFC 8628 section 3.5 says).

The client must be a public client (its application has isFallbackPublicClient, or it
is a first-party public client of catalog.PUBLIC_CLIENTS, such as Azure CLI) or
authenticate as a confidential one. The delegated permissions come from consent
(identity_consent.py); the token response, and the refresh token a client that asked
for offline_access gets, are identity_refresh.py's.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
import weakref

from emulator import catalog, identity_consent, identity_refresh
from emulator.identity import (GRANTS, NO_STORE, SERVICE, aadsts, authenticate_client, check_enabled, client_app,
                               oauth_error, required, resource_named, tenant_of, unknown_resource)

GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'
EXPIRES_S, INTERVAL_S = 900, 5
USER_CODE_ALPHABET = string.ascii_uppercase + string.digits


class _Codes(object):
    """The device codes of one emulator (in memory: a code does not outlive the emulator), by device code."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_device_code = {}

    def by_user_code(self, user_code):
        wanted = str(user_code or '').strip().upper()
        return next((c for c in self.by_device_code.values() if c['user_code'] == wanted), None)


_CODES = weakref.WeakKeyDictionary()
_CODES_LOCK = threading.Lock()


def codes(emulator):
    with _CODES_LOCK:
        if emulator not in _CODES:
            _CODES[emulator] = _Codes()
        return _CODES[emulator]


def _invalid_scope(request, message):
    aadsts(request, 400, 'invalid_scope', 70011, "The provided value for the input parameter 'scope' is not valid. "
                                                 "%s" % message)


def parse_scope(request, tenant, text):
    """(resource app id, audience, scope names or None for .default, OIDC scopes) of a sign-in's scope parameter:
    one resource's `<resource>/.default`, or its delegated permissions (`<resource>/<name>` or a bare name, which
    means Microsoft Graph)."""
    words = text.split()
    oidc = [w for w in words if w in catalog.OIDC_SCOPES]
    named = []
    for word in (w for w in words if w not in catalog.OIDC_SCOPES):
        resource, _, name = word.rpartition('/') if '/' in word else ('https://graph.microsoft.com', '', word)
        found = resource_named(request.emulator, resource)
        if found is None:
            unknown_resource(request, resource, tenant)
        named.append((found, name))
    if not named:
        _invalid_scope(request, 'The scope names no resource: ask for a resource\'s delegated permissions or '
                                '<resource>/.default.')
    if len(set(app_id for (app_id, _), _ in named)) > 1:
        aadsts(request, 400, 'invalid_scope', 700022, 'The provided value for the input parameter scope is not valid '
                                                      'because it contains more than one resource.')
    (app_id, audience), names = named[0][0], [name for _, name in named]
    if '.default' in names:
        if len(names) > 1:
            _invalid_scope(request, 'The .default scope cannot be combined with other scopes of the resource.')
        return app_id, audience, None, oidc
    offered = set(s['value'] for s in catalog.FIRST_PARTY[app_id]['oauth2PermissionScopes'])
    unknown = [name for name in names if name not in offered]
    if unknown:
        _invalid_scope(request, 'The scope %s is not valid.' % unknown[0])
    return app_id, audience, sorted(set(names)), oidc


def setting(emulator, name, default):
    return max(1, int(getattr(emulator, name, default)))


# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#device-authorization-request
@SERVICE.route('POST', r'/(?P<tenant>[^/]+)/oauth2/v2\.0/devicecode')
def device_authorization(request):
    tenant = tenant_of(request)
    form = request.form()
    client_id = required(request, form, 'client_id')
    request.claims = {'appid': client_id}
    scope = required(request, form, 'scope')
    with request.store.lock:
        if client_id not in catalog.PUBLIC_CLIENTS:
            client_app(request, tenant, client_id)
    app_id, audience, names, oidc = parse_scope(request, tenant, scope)
    emulator = request.emulator
    expires, interval = setting(emulator, 'device_code_expires_s', EXPIRES_S), \
        setting(emulator, 'device_code_interval_s', INTERVAL_S)
    code = {'device_code': secrets.token_urlsafe(48), 'tenant_id': tenant['id'], 'client_id': client_id,
            'user_code': ''.join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9)), 'resource': app_id,
            'audience': audience, 'scopes': names, 'oidc': oidc, 'expires_at': time.time() + expires,
            'interval': interval, 'last_poll': 0.0, 'state': 'pending', 'user_id': None, 'granted': None}
    registry = codes(emulator)
    with registry.lock:
        registry.by_device_code[code['device_code']] = code
    uri = emulator.endpoints['control'] + '/devicelogin'
    return 200, {'user_code': code['user_code'], 'device_code': code['device_code'], 'verification_uri': uri,
                 'expires_in': expires, 'interval': interval,
                 'message': 'To sign in, use a web browser to open the page %s and enter the code %s to '
                            'authenticate.' % (uri, code['user_code'])}, NO_STORE


def authenticate_device_client(request, tenant, form, client_id):
    """A public client sends no credential; a confidential one authenticates as in client credentials."""
    store = request.store
    with store.lock:
        public = catalog.PUBLIC_CLIENTS.get(client_id)
        if public is not None:
            if form.get('client_secret') or form.get('client_assertion'):
                aadsts(request, 401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor "
                                                               "'client_secret' should be presented.")
            request.appidacr = '0'
            return public['displayName']
        home, app = client_app(request, tenant, client_id)
        check_enabled(request, request.store.principal_by_app_id(tenant, client_id))
        if app.get('isFallbackPublicClient') and not (form.get('client_secret') or form.get('client_assertion')):
            request.appidacr = '0'
            return app['displayName']
        pending = authenticate_client(request, form, app, tenant, home)
    if pending is not None:
        pending()
    return app['displayName']


def _poll(request, code):
    """The answer to a poll of a code that is not approved yet (or no longer usable); None once it is approved."""
    now = time.time()
    if now > code['expires_at']:
        aadsts(request, 400, 'expired_token', 70019, 'Verification code expired.')
    too_soon = now < code['last_poll'] + code['interval']
    code['last_poll'] = now
    if too_soon:
        code['interval'] += 5
        oauth_error(request, 400, 'slow_down', 'The client polled sooner than the interval allows. Poll at most '
                                               'every %d seconds.' % code['interval'])
    if code['state'] == 'pending':
        aadsts(request, 400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. '
                                                             'Continue polling.')
    if code['state'] == 'declined':
        aadsts(request, 400, 'authorization_declined', 65004, 'The user declined to consent to access the app.')
    if code['state'] == 'redeemed':
        aadsts(request, 400, 'invalid_grant', 70000, "The provided value for the input parameter 'device_code' "
                                                     "was already redeemed.")


# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#authenticating-the-user
def device_code_grant(request, tenant, form, client_id):
    device_code = required(request, form, 'device_code')
    registry = codes(request.emulator)
    with registry.lock:
        code = registry.by_device_code.get(device_code)
    if code is None or code['client_id'] != client_id or code['tenant_id'] != tenant['id']:
        aadsts(request, 400, 'bad_verification_code', 70018,
               "The provided value for the input parameter 'device_code' is not valid.")
    client_name = authenticate_device_client(request, tenant, form, client_id)
    with registry.lock:
        _poll(request, code)
        code['state'] = 'redeemed'
    store = request.store
    with store.lock:
        user = next((u for u in tenant['users'] if u['id'] == code['user_id']), None)
        wids = store.directory_role_ids(tenant, code['user_id'])
    if user is None:  # deleted between the approval and the poll
        aadsts(request, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.')
    return identity_refresh.respond(request, tenant, dict(code, client_name=client_name), user, wids)


GRANTS[GRANT_TYPE] = device_code_grant


# The verification page's part, for the control listener ---------------------------------------------------------

class ApprovalError(Exception):
    """A person's approval or refusal that the verification page would not accept: (status, AADSTS text)."""

    def __init__(self, status, message):
        super(ApprovalError, self).__init__(message)
        self.status = status


def _pending_code(emulator, user_code):
    code = codes(emulator).by_user_code(user_code)
    if code is None:
        raise ApprovalError(400, 'AADSTS70018: Invalid verification code: no sign-in waits for code %r.' % user_code)
    if time.time() > code['expires_at']:
        raise ApprovalError(400, 'AADSTS70019: Verification code expired.')
    if code['state'] != 'pending':
        raise ApprovalError(400, 'AADSTS90120: The request was already authorized or declined.')
    return code


def approve(emulator, user_code, user_key):
    """A person signs in with the code and consents: the code is approved for that user (by userPrincipalName or
    id, in the code's tenant). The delegated permissions are fixed now (identity_consent)."""
    registry = codes(emulator)
    with registry.lock:
        code = _pending_code(emulator, user_code)
        store = emulator.store
        with store.lock:
            tenant = store.tenant(code['tenant_id'])
            wanted = str(user_key or '').lower()
            user = next((u for u in tenant['users'] if wanted in (u['id'].lower(), u['userPrincipalName'].lower())),
                        None)
            if user is None:
                raise ApprovalError(400, "AADSTS50034: The user account %r does not exist in the '%s' directory."
                                    % (user_key, tenant['displayName']))
            try:
                granted = identity_consent.grant_for_sign_in(store, tenant, code, user)
            except identity_consent.ConsentRequired as exc:
                raise ApprovalError(exc.status, str(exc))
            store.save(tenant)
        code.update(state='approved', user_id=user['id'], granted=granted)
    return {'user_code': code['user_code'], 'userPrincipalName': user['userPrincipalName'], 'scopes': granted}


def decline(emulator, user_code):
    """The person refuses: the client's next poll is answered authorization_declined."""
    registry = codes(emulator)
    with registry.lock:
        code = _pending_code(emulator, user_code)
        code['state'] = 'declined'
    return {'user_code': code['user_code'], 'state': 'declined'}
