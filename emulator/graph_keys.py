"""Credentials of Graph v1.0 applications, apart from their routes (in graph_applications): the keyCredentials
collection as POST and PATCH /applications set it (X.509 certificates, checked as Graph checks them), the proof of
possession addKey and removeKey require, the `key` returned on $select, and the dates a new password or key takes.

A key credential's certificate is kept in the store's `certificates` (PEM, by keyId: Store.register_certificate),
where the login listener checks client assertions (identity.py), as for the seed's operator certificates; in the
application the credential's `key` stays null.

https://learn.microsoft.com/graph/api/resources/keycredential
https://learn.microsoft.com/graph/applications-how-to-add-certificate
https://learn.microsoft.com/graph/application-rollkey-prooftoken
"""

from __future__ import annotations

import base64
import binascii
import copy
import re

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from emulator import app_policies, tls
from emulator.objects import key_credential, parse_time, utc_now

MEMBERS = ('customKeyIdentifier', 'displayName', 'endDateTime', 'key', 'keyId', 'startDateTime', 'type', 'usage')
ODATA_TYPES = ('#microsoft.graph.keyCredential', 'microsoft.graph.keyCredential')
GUID = re.compile(r'^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')
# application-addkey: "aud - Audience needs to be 00000002-0000-0000-c000-000000000000", "exp - Expiration time
# should be nbf + 10 mins": a longer-lived proof is refused.
PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000'
PROOF_LIFETIME_S = 600
# Entra's code for a key credential it refuses, with the messages it is reported to answer: "KeyValue cannot be null
# or empty" (https://github.com/ansible-collections/azure/issues/1872), the usage one
# (https://github.com/microsoftgraph/msgraph-sdk-java/issues/1823), "Key credential end date is invalid."
# (https://github.com/Azure/azure-cli/issues/11146); the others are worded as those [unverified].
INVALID = 'KeyCredentialsInvalidValue'
USAGE_MESSAGE = 'The value for the property "usage" in one of your credentials is invalid. Acceptable values are ' \
                'Sign, Verify.'
# X509CertAndPassword (a PFX with its password, usage Sign; addKey only) is not emulated: refused.
TYPE_MESSAGE = 'The value for the property "type" in one of your credentials is invalid. Acceptable values are ' \
               'AsymmetricX509Cert.'


def _fail(request, message, code=INVALID):
    request.fail(400, code, message)


def moment(request, spec, name, default, resource):
    """A credential's date-time member as an aware datetime, `default` when it is absent or null; 400 otherwise."""
    if spec.get(name) is None:
        return default
    try:
        return parse_time(spec[name])
    except (TypeError, ValueError):
        _fail(request, "Invalid value specified for property '%s' of resource '%s'." % (name, resource),
              'Request_BadRequest')


def obey(request, refusal):
    """The app's own enabled appManagementPolicy, else the enabled tenant default, may refuse a new password or key:
    400 with the (code, message) app_policies gives.
    https://learn.microsoft.com/graph/api/resources/appmanagementpolicy
    https://learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy
    """
    if refusal is not None:
        request.fail(400, *refusal)


def certificate(request, text):
    """The certificate a key credential's `key` holds: "The certificate's raw data in byte array converted to Base64
    string" (DER; a PEM file with its armour lines, a PFX or anything else that is not a certificate is refused)."""
    if text is None or text == '':
        _fail(request, 'KeyValue cannot be null or empty')
    try:  # line breaks are ignored, as Base64 decoders do (Azure CLI sends a PEM's body without its armour lines)
        return x509.load_der_x509_certificate(base64.b64decode(''.join(text.split()), validate=True))
    except (AttributeError, TypeError, ValueError, binascii.Error):
        _fail(request, 'Key value is invalid certificate')


def _der_text(pem):
    cert = x509.load_pem_x509_certificate(pem.encode())
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _check_shape(request, entry):
    """A keyCredential object of the schema's members (an @odata.type, if sent, naming the type)."""
    if not isinstance(entry, dict):
        _fail(request, "Invalid value specified for property 'keyCredentials' of resource 'Application'.")
    for name, value in entry.items():
        if name == '@odata.type' and value in ODATA_TYPES:
            continue
        if name not in MEMBERS:
            _fail(request, "Property '%s' does not exist on type 'microsoft.graph.keyCredential'." % name,
                  'Request_BadRequest')
    if entry.get('keyId') is not None and not GUID.match(str(entry['keyId'])):
        _fail(request, "Invalid value specified for property 'keyId' of resource 'KeyCredential'.")
    if entry.get('displayName') is not None and not isinstance(entry['displayName'], str):
        _fail(request, "Invalid value specified for property 'displayName' of resource 'KeyCredential'.")


def _check_kind(request, entry):
    """type AsymmetricX509Cert, whose usage "must be Verify" (application-addkey)."""
    if entry.get('type') != 'AsymmetricX509Cert':
        _fail(request, TYPE_MESSAGE)
    if entry.get('usage') not in ('Sign', 'Verify'):
        _fail(request, USAGE_MESSAGE)
    if entry['usage'] != 'Verify':
        _fail(request, 'A key credential of type AsymmetricX509Cert must have the usage Verify.')


def _custom_key_identifier(request, entry):
    value = entry.get('customKeyIdentifier')
    if value is None:
        return None
    try:
        base64.b64decode(value, validate=True)  # Edm.Binary
    except (TypeError, ValueError, binascii.Error):
        _fail(request, "Invalid value specified for property 'customKeyIdentifier' of resource 'KeyCredential'.")
    return value


def new_credential(request, app, entry):
    """(keyCredential, certificate PEM) of a key credential a request adds to `app`. Its dates default to the
    certificate's validity and must lie within it; a keyId, if sent, must be free; the app management policies'
    asymmetricKeyLifetime applies."""
    _check_shape(request, entry)
    _check_kind(request, entry)
    cert = certificate(request, entry.get('key'))
    valid_from, valid_to = cert.not_valid_before_utc, cert.not_valid_after_utc
    start = moment(request, entry, 'startDateTime', valid_from, 'KeyCredential')
    end = moment(request, entry, 'endDateTime', valid_to, 'KeyCredential')
    if start < valid_from:
        _fail(request, 'Key credential start date is invalid.')
    if end <= start or end > valid_to:
        _fail(request, 'Key credential end date is invalid.')
    key_id = entry.get('keyId')
    if key_id and (request.store.certificate_pem(key_id) or key_id in request.store.data['secrets']):
        _fail(request, "Another credential with keyId '%s' already exists." % key_id)
    obey(request, app_policies.key_refusal(request.tenant, app, start, end))
    credential = key_credential(entry.get('displayName') or cert.subject.rfc4514_string(), start, end,
                                tls.thumbprints(cert)[0], key_id, 'Verify', _custom_key_identifier(request, entry))
    return credential, tls.certificate_pem(cert)


def _check_kept(request, entry, current):
    """A credential the app has, sent again (as GET returned it, `key` null): kept. Sending other values for it is
    refused, as Entra answers "Update to existing credential with KeyId '…' is not allowed." (a credential is replaced
    by removing it and adding a new one)."""
    pem = request.store.certificate_pem(current['keyId'])
    for name, value in entry.items():
        if name not in MEMBERS or name == 'keyId' or value is None:
            continue
        if name in ('startDateTime', 'endDateTime'):
            same = moment(request, entry, name, None, 'KeyCredential') == parse_time(current[name])
        elif name == 'key':
            same = pem is not None and isinstance(value, str) and ''.join(value.split()) == _der_text(pem)
        else:
            same = value == current.get(name)
        if not same:
            _fail(request, "Update to existing credential with KeyId '%s' is not allowed." % current['keyId'],
                  'Request_BadRequest')


def prepare(request, value, app):
    """The keyCredentials collection a POST or PATCH sets (it replaces the app's), checked: [(credential, PEM of a new
    one or None)]. Nothing is stored until commit()."""
    if not isinstance(value, list):
        _fail(request, "Invalid value specified for property 'keyCredentials' of resource 'Application'.")
    current = dict((c['keyId'].lower(), c) for c in app['keyCredentials'])
    prepared, seen = [], set()
    for entry in value:
        _check_shape(request, entry)
        key_id = str(entry.get('keyId') or '').lower()
        if key_id in current:
            _check_kept(request, entry, current[key_id])
            prepared.append((current[key_id], None))
        else:
            prepared.append(new_credential(request, app, entry))
        key_id = prepared[-1][0]['keyId'].lower()
        if key_id in seen:
            _fail(request, "The keyId '%s' is used by more than one key credential." % key_id)
        seen.add(key_id)
    return prepared


def commit(request, app, prepared):
    """Store a prepared keyCredentials collection: new certificates registered, removed ones forgotten."""
    kept = set(credential['keyId'] for credential, _pem in prepared)
    for old in app['keyCredentials']:
        if old['keyId'] not in kept:
            request.store.forget_certificate(old['keyId'])
    for credential, pem in prepared:
        if pem is not None:
            request.store.register_certificate(credential['keyId'], pem)
    app['keyCredentials'] = [credential for credential, _pem in prepared]


def forget(request, app):
    """An application is deleted: its certificates go with it."""
    for credential in app['keyCredentials']:
        request.store.forget_certificate(credential['keyId'])


def shown(request, app):
    """The app as GET of one application answers: with $select naming keyCredentials, each with its `key` ("Returned
    only on $select for a single object ... otherwise, it is always null")."""
    names = [name.strip() for name in request.query.get('$select', '').split(',')]
    if 'keyCredentials' not in names:
        return app
    answer = copy.copy(app)
    answer['keyCredentials'] = []
    for credential in app['keyCredentials']:
        pem = request.store.certificate_pem(credential['keyId'])
        answer['keyCredentials'].append(dict(credential, key=_der_text(pem) if pem else None))
    return answer


# addKey and removeKey ----------------------------------------------------------------------------


def _valid_certificates(request, app):
    """The certificates of the app's key credentials that are valid now (usage Verify, within their dates)."""
    now, found = utc_now(), []
    for credential in app['keyCredentials']:
        pem = request.store.certificate_pem(credential['keyId'])
        if pem and credential.get('usage') == 'Verify' and \
                parse_time(credential['startDateTime']) <= now <= parse_time(credential['endDateTime']):
            found.append(x509.load_pem_x509_certificate(pem.encode()))
    return found


def check_proof(request, app, proof):
    """https://learn.microsoft.com/graph/application-rollkey-prooftoken - a JWT signed with the key of one of the app's
    valid certificates, aud 00000002-0000-0000-c000-000000000000, iss the application's object id, nbf and exp at
    most 10 minutes apart, valid now. An app without a valid certificate "won't be able to use this service action"
    (400); a proof that fails is answered as Graph answers it, 401 Authentication_MissingOrMalformed
    (https://github.com/microsoftgraph/microsoft-graph-docs/issues/22076)."""
    certificates = _valid_certificates(request, app)
    if not certificates:
        _fail(request, "Application '%s' has no valid certificate to prove possession of; use Update application "
                       "to add a key credential." % app['id'], 'Request_BadRequest')
    if not isinstance(proof, str) or not proof:
        _fail(request, "A value is required for parameter 'proof'.", 'Request_BadRequest')
    for cert in certificates:
        try:
            claims = jwt.decode(proof, cert.public_key(), algorithms=['RS256', 'PS256'], audience=PROOF_AUDIENCE,
                                options={'require': ['aud', 'iss', 'nbf', 'exp']})
        except jwt.InvalidSignatureError:
            continue
        except (jwt.PyJWTError, TypeError, ValueError):
            break
        if str(claims['iss']).lower() == app['id'].lower() and 0 < claims['exp'] - claims['nbf'] <= PROOF_LIFETIME_S:
            return
        break
    request.fail(401, 'Authentication_MissingOrMalformed', 'Access Token missing or malformed.')


def add_key(request, app, body):
    """application-addkey: {keyCredential (type, usage, key required), passwordCredential (null unless the type is
    X509CertAndPassword), proof}. The new credential, stored."""
    unknown = sorted(set(body) - {'keyCredential', 'passwordCredential', 'proof'})
    if unknown:
        _fail(request, "Property '%s' does not exist as a parameter of action 'addKey'." % unknown[0],
              'Request_BadRequest')
    spec = body.get('keyCredential')
    if not isinstance(spec, dict):
        _fail(request, "A value is required for parameter 'keyCredential'.", 'Request_BadRequest')
    _check_shape(request, spec)
    _check_kind(request, spec)
    if body.get('passwordCredential') is not None:
        _fail(request, "passwordCredential must be null for a key credential of type '%s'." % spec.get('type'),
              'Request_BadRequest')
    check_proof(request, app, body.get('proof'))
    credential, pem = new_credential(request, app, spec)
    app['keyCredentials'].append(credential)
    request.store.register_certificate(credential['keyId'], pem)
    return credential


def remove_key(request, app, body):
    """application-removekey: {keyId, proof}; the credential and its certificate are removed."""
    unknown = sorted(set(body) - {'keyId', 'proof'})
    if unknown:
        _fail(request, "Property '%s' does not exist as a parameter of action 'removeKey'." % unknown[0],
              'Request_BadRequest')
    key_id = body.get('keyId')
    if not isinstance(key_id, str) or not GUID.match(key_id):
        _fail(request, "A value is required for parameter 'keyId'.", 'Request_BadRequest')
    check_proof(request, app, body.get('proof'))
    found = next((c for c in app['keyCredentials'] if c['keyId'].lower() == key_id.lower()), None)
    if found is None:
        _fail(request, "No key credential with keyId '%s' exists on the application." % key_id, 'Request_BadRequest')
    app['keyCredentials'].remove(found)
    request.store.forget_certificate(found['keyId'])
