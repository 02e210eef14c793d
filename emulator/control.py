"""Control listener for tests, benchmarks and the demo: the request log, fault
settings and a state dump. Loopback only; it plays no part of Microsoft's API."""

from __future__ import annotations

import copy
import time

from emulator import identity_device
from emulator.routing import service

SERVICE = service('control')  # not logged and never faulted: tests use it to watch and steer the others


@SERVICE.route('GET', r'/requests')
def requests(request):
    return 200, {'value': request.emulator.requests(int(request.query.get('since') or 0))}


@SERVICE.route('DELETE', r'/requests')
def clear(request):
    request.emulator.clear_requests()
    return 204, None


@SERVICE.route('PUT', r'/faults')
def faults(request):
    try:
        request.emulator.set_faults(request.json_object())
    except ValueError as exc:
        request.fail(400, 'BadRequest', str(exc))
    return 200, request.emulator.faults.snapshot()


@SERVICE.route('GET', r'/faults')
def current_faults(request):
    return 200, request.emulator.faults.snapshot()


@SERVICE.route('GET', r'/state')
def state(request):
    with request.store.lock:
        dump = copy.deepcopy(request.store.data)
    dump.pop('secrets', None)  # hashes only, but no reason to hand them out
    return 200, dump


# A stand-in for the Bookings ONE endpoint that receives handed-over credentials
# (credentials_handoff's url option), so tests can check what arrives.
@SERVICE.route('POST', r'/handoff')
def receive_handoff(request):
    # handoff_delay_s keeps a run inside its hand-off for a while, so tests can interrupt it there.
    request.emulator.handoff_attempts += 1
    time.sleep(request.emulator.handoff_delay_s)
    request.emulator.handoffs.append(dict(body=request.json(), authorization=request.headers.get('authorization')))
    return 202, None


@SERVICE.route('GET', r'/handoff')
def handoffs(request):
    return 200, {'value': request.emulator.handoffs}


# The device authorization grant's verification page (https://microsoft.com/devicelogin for Entra), where a person
# enters the user code, signs in and consents: POST /devicecode/approve {"user_code", "user": userPrincipalName or
# object id} (identity_device.approve: 400 for an unknown, expired or used code or an unknown user, 403 when the
# user may not consent to what the client asks), POST /devicecode/decline {"user_code"}.
@SERVICE.route('GET', r'/devicelogin')
def device_login(request):
    return 200, {'message': 'POST /devicecode/approve {"user_code": "...", "user": "<userPrincipalName>"} to sign in '
                            'with a code, or POST /devicecode/decline {"user_code": "..."} to refuse it.'}


@SERVICE.route('POST', r'/devicecode/(?P<answer>approve|decline)')
def device_code_answer(request):
    body = request.json_object()
    if not isinstance(body.get('user_code'), str) or (request.match.group('answer') == 'approve' and
                                                      not isinstance(body.get('user'), str)):
        request.fail(400, 'BadRequest', 'Send {"user_code": "..."} and, to approve, {"user": "<userPrincipalName>"}.')
    try:
        if request.match.group('answer') == 'approve':
            return 200, identity_device.approve(request.emulator, body['user_code'], body['user'])
        return 200, identity_device.decline(request.emulator, body['user_code'])
    except identity_device.ApprovalError as exc:
        request.fail(exc.status, 'BadRequest' if exc.status == 400 else 'Forbidden', str(exc))
