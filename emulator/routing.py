"""Routing: the request object handlers see, errors they raise, and the service
registry (one Service per listener, each a route table other modules add to).

A module adds routes to a listener with `service(name).route(METHOD, regex)`;
see README.md, "Adding routes or a service".
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import parse_qsl, urlsplit

LISTENERS = ('login', 'graph', 'exchange', 'control')


class HttpError(Exception):
    """Raised by a handler (or a check it calls) to answer with an error."""

    def __init__(self, status, body, headers=None):
        super(HttpError, self).__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Request(object):
    """What a route handler sees; handlers fill in tenant/claims/cmdlet/write for the log."""

    def __init__(self, emulator, service, method, url, headers, raw_body, batch=False):
        parts = urlsplit(url)
        self.emulator = emulator
        self.store = emulator.store
        self.service = service
        self.method = method
        self.path = parts.path
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.raw_query = parts.query
        self.headers = dict((k.lower(), v) for k, v in headers.items())
        self.raw_body = raw_body or b''
        self.batch = batch
        self.match = None
        self.tenant = None
        self.claims = {}
        self.cmdlet = None
        self.write = method not in ('GET', 'HEAD')
        self.request_id = str(uuid.uuid4())

    @property
    def client_request_id(self):
        return self.headers.get('client-request-id') or self.request_id

    @property
    def base_url(self):
        return self.emulator.endpoints[self.service]

    def fail(self, status, code, message, headers=None):
        """Raise an error in this listener's own error format."""
        raise HttpError(status, service(self.service).error_body(self, code, message), headers)

    def json(self):
        if not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError:
            self.fail(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header '
                                         'is set and payload is of valid JSON format.')

    def json_object(self):
        """The body as a JSON object ({} when empty); anything else is refused."""
        body = self.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            self.fail(400, 'BadRequest', 'Empty Payload. JSON content expected.')
        return body

    def form(self):
        return dict(parse_qsl(self.raw_body.decode('utf-8', 'replace'), keep_blank_values=True))


def _plain_error(request, code, message):
    return {'error': {'code': code, 'message': message}}


class Service(object):
    """The route table of one listener, its error body format and its authentication hook."""

    def __init__(self, name, error_body=_plain_error):
        self.name = name
        self.routes = []
        self.error_body = error_body
        self.before = None  # before(request) runs once a route matched; it may raise HttpError
        self.unknown_status, self.unknown_code = 404, 'NotFound'

    def route(self, method, pattern):
        def register(handler):
            self.routes.append((method, re.compile('^' + pattern + '$', re.I), handler))
            return handler
        return register

    def dispatch(self, request):
        """(status, body, headers) of the matching route; 404/405 when none."""
        known_path = False
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if not match:
                continue
            known_path = True
            if method != request.method:
                continue
            request.match = match
            if self.before:
                self.before(request)
            result = handler(request)
            return result if len(result) == 3 else (result[0], result[1], {})
        if known_path:
            request.fail(405, 'Request_BadRequest', 'The HTTP method %s is not allowed on this resource.'
                         % request.method)
        request.fail(self.unknown_status, self.unknown_code,
                     "Resource not found for the segment '%s'." % request.path.rstrip('/').rsplit('/', 1)[-1])


_REGISTRY = dict((name, Service(name)) for name in LISTENERS)


def service(name):
    """The Service of a listener (login, graph, exchange, control)."""
    return _REGISTRY[name]
