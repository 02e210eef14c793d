"""Workload identity federation on the token endpoint: a client assertion that is a token of an external issuer
(no certificate thumbprint in its header), accepted when it matches one of the application's federated identity
credentials (graph_federated.py) and verifies with the issuer's published keys.

https://learn.microsoft.com/entra/workload-id/workload-identity-federation
https://learn.microsoft.com/graph/api/resources/federatedidentitycredential

The checks, in Entra's order: a credential whose issuer and subject equal the token's `iss` and `sub` and one of
whose audiences is in its `aud` (else AADSTS70021, worded as Entra answers it:
https://github.com/Azure/azure-workload-identity/blob/main/docs/book/src/troubleshooting.md); the issuer's OpenID
configuration (`{iss}/.well-known/openid-configuration`, whose `issuer` must be the token's) and its `jwks_uri`,
both over HTTPS (else AADSTS90061 "Request to External OIDC endpoint failed.", same page); the signature with the key
the token's `kid` names (else AADSTS50027, InvalidJwtToken, which the error code reference lists for an external ID
token that failed signature verification); the lifetime (else AADSTS700024).

HTTPS to the issuer trusts only the emulator's own CA and the PEM bundles in the Emulator's `trusted_cas` (an
option of Emulator(), a list tests may extend), never a proxy. Keys are fetched on every sign-in (no cache), so a
test that rotates its issuer's key sees it at once.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import jwt

from emulator import identity

ALGORITHMS = ('RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384')
TIMEOUT_S = 5
MAX_DOCUMENT = 1024 * 1024
FEDERATED_KEY = 'federatedIdentityCredentials'  # tenant[...] = {application object id: [credential]}


class _Unreachable(Exception):
    pass


def credentials_of(home, app, create=False):
    """The federated identity credentials of an application (kept in its home tenant); create=True to change them."""
    if create:
        return home.setdefault(FEDERATED_KEY, {}).setdefault(app['id'], [])
    return (home.get(FEDERATED_KEY) or {}).get(app['id'], [])


def _invalid(request, number, message):
    identity.aadsts(request, 400, 'invalid_request', number, message)


def prepare(request, app, home, assertion):
    """Under the store's lock: the credential the assertion claims to match (70021 when none does), and the check to
    run once the lock is released."""
    try:
        claims = jwt.decode(assertion, options={'verify_signature': False})
    except jwt.PyJWTError:
        _invalid(request, 50027, 'Invalid JWT token. The token is malformed.')
    audiences = claims.get('aud') if isinstance(claims.get('aud'), list) else [claims.get('aud')]
    match = next((c for c in credentials_of(home, app) if c['issuer'] == claims.get('iss') and
                  c['subject'] == claims.get('sub') and set(c['audiences']) & set(audiences)), None)
    if match is None:
        _invalid(request, 70021, "No matching federated identity record found for presented assertion. Assertion "
                                 "Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'."
                 % (claims.get('iss'), claims.get('sub'), ','.join(str(a) for a in audiences)))
    request.credential_id = match['id']  # the credential signed in with, once verified (signin_activity.py)
    return lambda: _verify(request, assertion, claims['iss'], list(match['audiences']))


def _context(emulator):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(cafile=emulator.endpoints['ca_bundle'])
    for bundle in getattr(emulator, 'trusted_cas', None) or ():
        context.load_verify_locations(cafile=bundle)
    return context


def _fetch(emulator, url):
    if not isinstance(url, str) or not url.lower().startswith('https://'):
        raise _Unreachable(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=_context(emulator)))
    try:
        with opener.open(url, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read(MAX_DOCUMENT))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _Unreachable(url) from exc


def _issuer_keys(request, issuer):
    """The issuer's signing keys (a PyJWKSet) from its OpenID configuration; 90061 when they cannot be had."""
    try:
        configuration = _fetch(request.emulator, issuer.rstrip('/') + '/.well-known/openid-configuration')
        if not isinstance(configuration, dict) or configuration.get('issuer') != issuer:
            raise _Unreachable(issuer)
        return jwt.PyJWKSet.from_dict(_fetch(request.emulator, configuration.get('jwks_uri')))
    except (_Unreachable, jwt.PyJWTError, TypeError, KeyError):
        _invalid(request, 90061, 'Request to External OIDC endpoint failed.')


def _verify(request, assertion, issuer, audiences):
    keys = _issuer_keys(request, issuer)
    kid = jwt.get_unverified_header(assertion).get('kid')
    candidates = [k for k in keys.keys if kid is None or k.key_id == kid]
    if not candidates:
        _invalid(request, 50027, 'Invalid JWT token. External ID token from issuer failed signature verification: '
                                 "no key '%s' in the issuer's keys." % kid)
    try:
        for number, key in enumerate(candidates, 1):
            try:
                jwt.decode(assertion, key.key, algorithms=list(ALGORITHMS), audience=audiences, issuer=issuer,
                           options={'require': ['exp', 'iss', 'sub', 'aud']}, leeway=0)
                return
            except jwt.InvalidSignatureError:
                if number == len(candidates):
                    raise
    except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
        identity.aadsts(request, 401, 'invalid_client', 700024, 'Client assertion is not within its valid time '
                                                                'range.')
    except jwt.PyJWTError:
        _invalid(request, 50027, 'Invalid JWT token. External ID token from issuer failed signature verification.')


identity.FEDERATED.append(prepare)
