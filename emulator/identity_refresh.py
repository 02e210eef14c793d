"""Delegated token responses and the refresh token grant on the login listener.

A sign-in that asked for offline_access (msal always does) gets a refresh token; the client redeems it at the token
endpoint (grant_type refresh_token) for an access token to any resource the user's consent covers, with a new
refresh token. Refresh tokens are opaque and kept in memory for 90 days: an emulator that restarts has forgotten
them, and the client signs in again.

https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
https://learn.microsoft.com/entra/identity-platform/refresh-tokens
"""

from __future__ import annotations

import secrets
import threading
import time
import weakref

from emulator import catalog, identity_consent, tokens
from emulator.identity import GRANTS, NO_STORE, aadsts, required

LIFETIME_S = 90 * 24 * 3600

_SESSIONS = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()


def _sessions(emulator):
    with _LOCK:
        return _SESSIONS.setdefault(emulator, {})


def respond(request, tenant, sign_in, user, wids):
    """The token response for a signed-in user. sign_in: client_id, client_name, resource, audience, granted (the
    delegated permissions), oidc (the OpenID Connect scopes asked for)."""
    signing_key = request.emulator.signing_key
    access = tokens.issue_delegated(signing_key, tenant['id'], sign_in['audience'],
                                    (sign_in['client_id'], sign_in['client_name']), user, sign_in['granted'], wids,
                                    request.appidacr)
    prefix = '' if sign_in['resource'] == catalog.GRAPH_APP_ID else sign_in['audience'] + '/'
    scope = [prefix + name for name in sign_in['granted']] + [s for s in sign_in['oidc'] if s != 'offline_access']
    body = {'token_type': 'Bearer', 'scope': ' '.join(scope), 'expires_in': tokens.LIFETIME,
            'ext_expires_in': tokens.LIFETIME, 'access_token': access}
    if 'openid' in sign_in['oidc']:
        issuer = '%s/%s/v2.0' % (request.base_url, tenant['id'])
        body['id_token'] = tokens.id_token(signing_key, issuer, tenant['id'], sign_in['client_id'], user)
    if 'offline_access' in sign_in['oidc']:
        refresh_token = secrets.token_urlsafe(64)
        with _LOCK:
            _sessions(request.emulator)[refresh_token] = {
                'tenant_id': tenant['id'], 'client_id': sign_in['client_id'], 'user_id': user['id'],
                'expires_at': time.time() + LIFETIME_S}
        body['refresh_token'] = refresh_token
    if request.form().get('client_info') == '1':
        body['client_info'] = tokens.client_info(user['id'], tenant['id'])
    return 200, body, NO_STORE


def _invalid_grant(request, number, message):
    aadsts(request, 400, 'invalid_grant', number, message)


def refresh_token_grant(request, tenant, form, client_id):
    """https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token"""
    from emulator import identity_device  # the device grant's client check and scope parsing (it imports this)
    presented = required(request, form, 'refresh_token')
    scope = required(request, form, 'scope')
    with _LOCK:
        session = _sessions(request.emulator).get(presented)
    if session is None or session['tenant_id'] != tenant['id'] or session['client_id'] != client_id:
        _invalid_grant(request, 9002313, 'Invalid request. Request is malformed or invalid.')
    if time.time() > session['expires_at']:
        _invalid_grant(request, 700082, 'The refresh token has expired due to inactivity.')
    client_name = identity_device.authenticate_device_client(request, tenant, form, client_id)
    resource, audience, names, oidc = identity_device.parse_scope(request, tenant, scope)
    store = request.store
    with store.lock:
        user = next((u for u in tenant['users'] if u['id'] == session['user_id']), None)
        have = identity_consent.consented(tenant, client_id, resource, session['user_id'])
        wids = store.directory_role_ids(tenant, session['user_id'])
    if user is None:
        _invalid_grant(request, 50034, 'The user account does not exist in the directory.')
    if have is None or (names is not None and not set(names) <= have):
        _invalid_grant(request, 65001, "The user or administrator has not consented to use the application with ID "
                                       "'%s'. Send an interactive authorization request for this user and resource."
                       % client_id)
    granted = sorted(have) if names is None else names
    return respond(request, tenant, {'client_id': client_id, 'client_name': client_name, 'resource': resource,
                                     'audience': audience, 'granted': granted, 'oidc': oidc}, user, wids)


GRANTS['refresh_token'] = refresh_token_grant
