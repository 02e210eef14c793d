"""Microsoft Graph v1.0 (graph listener): error format, token check and
permission checks shared by the Graph route modules (graph_applications,
graph_service_principals, graph_batch, places).

https://learn.microsoft.com/graph/errors
"""

from __future__ import annotations

import functools
from urllib.parse import unquote

from emulator import catalog, tokens
from emulator.objects import now_iso
from emulator.routing import service

AUDIENCES = ('https://graph.microsoft.com', catalog.GRAPH_APP_ID)
DENIED = 'Insufficient privileges to complete the operation.'


def error_body(request, code, message):
    """https://learn.microsoft.com/graph/errors#json-representation"""
    return {'error': {'code': code, 'message': message, 'innerError': {
        'date': now_iso(), 'request-id': request.request_id, 'client-request-id': request.client_request_id}}}


SERVICE = service('graph')
SERVICE.error_body = error_body
SERVICE.unknown_status, SERVICE.unknown_code = 400, 'BadRequest'  # Graph: "Resource not found for the segment"


def route(method, pattern, *permissions, locked=True):
    """Register a Graph v1.0 route; `pattern` is the path after /v1.0.

    Each of `permissions` is a tuple from the route's documented permissions table of which the token
    must hold one (403 otherwise), checked before anything else. The handler runs holding the store's
    lock (a request sees and changes one consistent directory), and a write that succeeded is saved.
    `locked=False` is for $batch, whose inner requests take the lock one by one.
    """
    def register(handler):
        @functools.wraps(handler)
        def checked(request):
            for accepted in permissions:
                require(request, accepted)
            if not locked:
                return handler(request)
            with request.store.lock:
                answer = handler(request)
                if request.write and answer[0] < 400:
                    request.store.save()
                return answer
        return SERVICE.route(method, r'/v1\.0' + pattern)(checked)
    return register


def authenticate(request):
    """https://learn.microsoft.com/graph/auth/auth-concepts#access-tokens - every call needs a Graph token."""
    audiences = AUDIENCES + (request.emulator.endpoints['graph'],)
    claims, problem = tokens.bearer_claims(request, audiences)
    if claims is None:
        request.claims = {}
        request.fail(401, 'InvalidAuthenticationToken', problem, {'WWW-Authenticate': 'Bearer realm=""'})
    request.claims = claims
    request.tenant = request.store.tenant(claims['tid'])
    if request.tenant is None:
        request.fail(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid tenant.')


SERVICE.before = authenticate


def roles(request):
    return set(request.claims.get('roles') or [])


def require(request, permissions):
    """403 unless the token holds one of the permissions the route's documentation lists."""
    if not roles(request) & set(permissions):
        request.fail(403, 'Authorization_RequestDenied', DENIED)


def not_found(request, key):
    request.fail(404, 'Request_ResourceNotFound', "Resource '%s' does not exist or one of its queried "
                                                  "reference-property objects are not present." % key)


def key_value(request, group):
    """An alternate key's value from the path: percent-decoded, '' unescaped to '."""
    return unquote(request.match.group(group)).replace("''", "'")
