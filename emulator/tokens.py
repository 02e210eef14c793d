"""Access tokens: issued by the login listener, checked by the resource listeners.

https://learn.microsoft.com/entra/identity-platform/access-tokens
"""

from __future__ import annotations

import base64
import hashlib
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


def issue(signing_key, tenant_id, audience, client_id, app_name, principal_id, roles, wids=None):
    """An app-only access token (v1.0 format, as Graph and Exchange receive them)."""
    now = int(time.time())
    claims = {
        'aud': audience, 'iss': 'https://sts.windows.net/%s/' % tenant_id, 'iat': now, 'nbf': now,
        'exp': now + LIFETIME, 'tid': tenant_id, 'appid': client_id, 'appidacr': '1',
        'app_displayname': app_name, 'oid': principal_id, 'sub': principal_id, 'idtyp': 'app', 'ver': '1.0',
        'roles': roles, 'uti': _b64(uuid.uuid4().bytes), 'rh': '0.emulator.',
    }
    if wids is not None:
        claims['wids'] = wids
    return jwt.encode(claims, signing_key, algorithm='RS256', headers={'kid': key_id(signing_key),
                                                                       'x5t': key_id(signing_key)})


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
