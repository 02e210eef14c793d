"""Per-credential sign-in activity, as Entra keeps it for its application credential activity report
(https://learn.microsoft.com/graph/api/resources/appcredentialsigninactivity?view=graph-rest-beta, served by
graph_reports.py): every successful app-only sign-in (client credentials with a client secret, a certificate or a
federated credential) updates, in the RESOURCE tenant (the one the token was asked for), the record of the
credential it used: when, and the sign-in's request id. Only credentials that signed in have a record.

tenant['credentialSignIns'] = {id: appCredentialSignInActivity}, its id base64("<keyId>|<credentialOrigin>"), as
the page's examples decode. The emulator only checks credentials of application objects, so credentialOrigin is
`application`.

The records' "now" is the emulator's clock: real time plus `emu.clock_offset_s` (in memory, 0 at start), so a test
can move it. Control routes (control listener): GET/PUT /clock {"offset_s": N}; POST /signins {tenant, appId, keyId,
lastSignInDateTime (ISO 8601, "-40d" days from the emulator's now, or null to clear), lastSignInRequestId,
resourceId}.

A sign-in changes one small record and saves that tenant (store.save(tenant)), no more: the token endpoint stays fast.
"""

from __future__ import annotations

import base64
import datetime
import re
import uuid

from emulator import catalog, identity, identity_federated
from emulator.objects import iso, parse_time, utc_now
from emulator.routing import service

KEY = 'credentialSignIns'
ORIGIN = 'application'
_RELATIVE = re.compile(r'^([+-]\d+)d$')
MAX_OFFSET_S = 100 * 366 * 86400  # a century either way (NaN and infinity are refused too)


def clock_offset(emulator):
    return float(getattr(emulator, 'clock_offset_s', 0) or 0)


def now(emulator):
    """The emulator's clock: real time moved by clock_offset_s."""
    return utc_now() + datetime.timedelta(seconds=clock_offset(emulator))


def records(tenant):
    return tenant.get(KEY) or {}


def activity_id(key_id, origin=ORIGIN):
    return base64.b64encode(('%s|%s' % (key_id, origin)).encode()).decode()


def _credential(home, app, key_id):
    """(keyType, keyUsage, expiration, creation) of the app's credential with this keyId (a federated credential:
    its id), or None. A federated credential is listed as `unknownFutureValue`, the documented enum naming none."""
    for credential in app['passwordCredentials']:
        if credential['keyId'] == key_id:
            return 'clientSecret', 'sign', credential.get('endDateTime'), credential.get('startDateTime')
    for credential in app['keyCredentials']:
        if credential['keyId'] == key_id:
            return ('certificate', str(credential.get('usage') or 'Verify').lower(), credential.get('endDateTime'),
                    credential.get('startDateTime'))
    if any(credential['id'] == key_id for credential in identity_federated.credentials_of(home, app)):
        return 'unknownFutureValue', 'verify', None, None
    return None


def _activity(store, tenant, home, app, key_id, resource_id, moment, request_id):
    key_type, usage, expiration, creation = _credential(home, app, key_id)
    principal = store.principal_by_app_id(tenant, app['appId'])
    return {'id': activity_id(key_id), 'keyId': key_id, 'keyType': key_type, 'keyUsage': usage, 'appId': app['appId'],
            'appObjectId': app['id'], 'servicePrincipalObjectId': principal and principal['id'],
            'resourceId': resource_id, 'credentialOrigin': ORIGIN, 'expirationDateTime': expiration,
            'createdDateTime': creation,
            'signInActivity': {'lastSignInDateTime': iso(moment), 'lastSignInRequestId': request_id}}


def signed_in(request, tenant, home, app, resource_app_id):
    """identity.SIGNED_IN: record the credential (request.credential_id) a client credentials token was issued to."""
    key_id = getattr(request, 'credential_id', None)
    if key_id is None:
        return
    store = request.store
    with store.lock:
        if _credential(home, app, key_id) is None:  # removed since the check
            return
        activity = _activity(store, tenant, home, app, key_id, resource_app_id, now(request.emulator),
                             request.request_id)
        tenant.setdefault(KEY, {})[activity['id']] = activity
        store.save(tenant)


identity.SIGNED_IN.append(signed_in)

# Control routes --------------------------------------------------------------------------------------------------

CONTROL = service('control')


def _clock(request):
    return 200, {'offset_s': clock_offset(request.emulator), 'now': iso(now(request.emulator))}


@CONTROL.route('GET', r'/clock')
def get_clock(request):
    return _clock(request)


@CONTROL.route('PUT', r'/clock')
def set_clock(request):
    offset = request.json_object().get('offset_s')
    if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not abs(offset) <= MAX_OFFSET_S:
        request.fail(400, 'BadRequest', 'Send {"offset_s": <seconds the clock is ahead (negative: behind), at most '
                                        '%d either way>}.' % MAX_OFFSET_S)
    request.emulator.clock_offset_s = float(offset)
    return _clock(request)


def _moment(request, value):
    relative = _RELATIVE.match(value) if isinstance(value, str) else None
    try:
        if relative:
            return now(request.emulator) + datetime.timedelta(days=int(relative.group(1)))
        return parse_time(value)
    except (TypeError, ValueError, OverflowError):
        request.fail(400, 'BadRequest', 'lastSignInDateTime: an ISO 8601 date-time, "-<N>d" or null.')


def _text(request, body, name, default=None):
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        request.fail(400, 'BadRequest', '%s: a string is required.' % name)
    return value


@CONTROL.route('POST', r'/signins')
def set_signin(request):
    """Set (or, with lastSignInDateTime null, clear) the sign-in record of an application credential in a tenant."""
    body = request.json_object()
    if 'lastSignInDateTime' not in body or body.get('credentialOrigin', ORIGIN) != ORIGIN:
        request.fail(400, 'BadRequest', 'Send {"tenant", "appId", "keyId", "lastSignInDateTime"} (credentialOrigin '
                                        'is application, the only origin emulated).')
    store = request.store
    with store.lock:
        tenant = store.tenant(_text(request, body, 'tenant'))
        home, app = store.home_of(_text(request, body, 'appId'))
        key_id = _text(request, body, 'keyId')
        if tenant is None or app is None or _credential(home, app, key_id) is None:
            request.fail(404, 'NotFound', 'No such tenant, application or credential (keyId) of the application.')
        if store.principal_by_app_id(tenant, app['appId']) is None:
            request.fail(400, 'BadRequest', 'The application has no service principal in that tenant: it cannot '
                                            'sign in there.')
        kept = tenant.setdefault(KEY, {})
        if body['lastSignInDateTime'] is None:
            kept.pop(activity_id(key_id), None)
            store.save(tenant)
            return 204, None
        previous = kept.get(activity_id(key_id)) or {}
        activity = _activity(store, tenant, home, app, key_id,
                             _text(request, body, 'resourceId', previous.get('resourceId') or catalog.GRAPH_APP_ID),
                             _moment(request, body['lastSignInDateTime']),
                             _text(request, body, 'lastSignInRequestId', str(uuid.uuid4())))
        kept[activity['id']] = activity
        store.save(tenant)
        return 200, activity
