"""Access tokens: issued by the login listener, checked by the resource listeners.

https://learn.microsoft.com/entra/identity-platform/access-tokens
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization

LIFETIME = 3599


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def key_id(signing_key):
    der = signing_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return _b64(hashlib.sha1(der).digest())  # noqa: S324 - a key name, as Entra's kid/x5t


def jwks(signing_key):
    """https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-signature"""
    numbers = signing_key.public_key().public_numbers()

    def number(value):
        return _b64(value.to_bytes((value.bit_length() + 7) // 8, 'big'))
    kid = key_id(signing_key)
    return {'keys': [{'kty': 'RSA', 'use': 'sig', 'kid': kid, 'x5t': kid, 'n': number(numbers.n),
                      'e': number(numbers.e)}]}


def _sign(signing_key, claims):
    return jwt.encode(claims, signing_key, algorithm='RS256', headers={'kid': key_id(signing_key),
                                                                       'x5t': key_id(signing_key)})


def _common(tenant_id, audience, client_id, app_name, subject):
    now = int(time.time())
    return {'aud': audience, 'iss': 'https://sts.windows.net/%s/' % tenant_id, 'iat': now, 'nbf': now,
            'exp': now + LIFETIME, 'tid': tenant_id, 'appid': client_id, 'app_displayname': app_name, 'sub': subject,
            'ver': '1.0', 'uti': _b64(uuid.uuid4().bytes), 'rh': '0.emulator.'}


def issue(signing_key, tenant_id, audience, client_id, app_name, principal_id, roles, wids=None, appidacr='1'):
    """An app-only access token (v1.0 format, as Graph and Exchange receive them). appidacr: how the client
    authenticated (1 a secret, 2 a certificate or other assertion)."""
    claims = _common(tenant_id, audience, client_id, app_name, principal_id)
    claims.update(appidacr=appidacr, oid=principal_id, idtyp='app', roles=roles)
    if wids is not None:
        claims['wids'] = wids
    return _sign(signing_key, claims)


def issue_delegated(signing_key, tenant_id, audience, client, user, scopes, wids, appidacr='0'):
    """An access token for a signed-in user (delegated): `scp` holds the granted delegated permissions, `oid`/`upn`
    the user, `wids` the user's directory role template ids; no `roles`. client = (app id, display name).
    https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference"""
    # sub is pairwise (per user and app) in Entra: here a stable hash of both
    subject = _b64(hashlib.sha256(('%s|%s' % (user['id'], client[0])).encode()).digest())
    claims = _common(tenant_id, audience, client[0], client[1], subject)
    claims.update(appidacr=appidacr, oid=user['id'], idtyp='user', scp=' '.join(scopes), wids=wids,
                  upn=user['userPrincipalName'], unique_name=user['userPrincipalName'],
                  name=user.get('displayName') or user['userPrincipalName'], amr=['pwd', 'mfa'])
    return _sign(signing_key, claims)


def id_token(signing_key, issuer, tenant_id, client_id, user):
    """An OpenID Connect ID token (v2.0) for the client: https://learn.microsoft.com/entra/identity-platform/
    id-token-claims-reference"""
    now = int(time.time())
    return _sign(signing_key, {
        'aud': client_id, 'iss': issuer, 'iat': now, 'nbf': now, 'exp': now + LIFETIME, 'tid': tenant_id,
        'oid': user['id'], 'sub': _b64(hashlib.sha256(('%s|%s' % (user['id'], client_id)).encode()).digest()),
        'preferred_username': user['userPrincipalName'], 'name': user.get('displayName') or '', 'ver': '2.0'})


def client_info(user_id, tenant_id):
    """The client_info a v2.0 token response carries when the client asks for it (msal does): uid and utid."""
    return _b64(json.dumps({'uid': user_id, 'utid': tenant_id}).encode())


def bearer_claims(request, audiences):
    """(claims, None) of the request's bearer token checked as a resource checks it, or (None, why)."""
    header = request.headers.get('authorization', '')
    if not header.lower().startswith('bearer ') or not header[7:].strip():
        return None, 'Access token is empty.'
    try:
        claims = jwt.decode(header[7:].strip(), request.emulator.signing_key.public_key(), algorithms=['RS256'],
                            options={'verify_aud': False, 'require': ['exp', 'nbf', 'tid', 'aud', 'iss']})
    except jwt.ExpiredSignatureError:
        return None, 'Lifetime validation failed, the token is expired.'
    except jwt.PyJWTError:
        return None, 'Access token validation failure. Invalid signature.'
    accepted = set(a.lower().rstrip('/') for a in audiences)
    if claims['aud'].lower().rstrip('/') not in accepted:
        return None, 'Access token validation failure. Invalid audience.'
    if claims['iss'] != 'https://sts.windows.net/%s/' % claims['tid']:
        return None, 'Access token validation failure. Invalid issuer.'
    return claims, None


def unverified_claims(authorization):
    """Claims of a bearer token without checking it: only to key faults before any check."""
    try:
        return jwt.decode(authorization.split(' ', 1)[1], options={'verify_signature': False})
    except (IndexError, AttributeError, jwt.PyJWTError):
        return {}
