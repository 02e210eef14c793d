"""Control listener for tests, benchmarks and the demo: the request log, fault
settings and a state dump. Loopback only; it plays no part of Microsoft's API."""

from __future__ import annotations

import copy
import time

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
