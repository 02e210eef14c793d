"""HTTP plumbing: four HTTPS listeners (login, graph, exchange, control), routing,
fault injection and the request log. Services register routes; see README.md."""

from __future__ import annotations

import base64
import json
import os
import random
import re
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from emulator import tls
from emulator.state import Store

SERVICES = ('login', 'graph', 'exchange', 'control')
DEFAULT_FAULTS = dict(latency_ms=0, throttle_rate=0.0, throttle_next=0, retry_after=1, throttle_budget=None,
                      error_rate=0.0, error_next=0, error_status=503, replication_delay_s=0, replication_next=0,
                      services=['graph', 'exchange'], seed=None)
_SECRET_FIELDS = re.compile(r'(client_secret|client_assertion|secretText|access_token)', re.I)


class HttpError(Exception):
    def __init__(self, status, body, headers=None):
        super(HttpError, self).__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Request(object):
    """What a route handler sees."""

    def __init__(self, emulator, service, method, url, headers, raw_body):
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
        self.match = None
        self.tenant = None      # set by the service's authentication
        self.claims = {}
        self.cmdlet = None
        self.write = method not in ('GET', 'HEAD')
        self.request_id = str(uuid.uuid4())

    @property
    def base_url(self):
        return self.emulator.endpoints[self.service]

    def json(self):
        if not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError:
            raise HttpError(400, self.emulator.services[self.service].error_body(
                self, 'BadRequest', 'Unable to read JSON request payload.'))

    def form(self):
        return dict(parse_qsl(self.raw_body.decode('utf-8'), keep_blank_values=True))


def unverified_claims(authorization):
    """Claims of a bearer token without checking it: only to key faults and the log."""
    try:
        payload = authorization.split(' ', 1)[1].split('.')[1]
        return json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
    except (IndexError, ValueError, AttributeError):
        return {}


class Faults(object):
    """Latency, throttling (429 + Retry-After) and server errors, by configuration."""

    def __init__(self, config=None):
        self.lock = threading.Lock()
        self.configure(config or {})

    def configure(self, config):
        with self.lock:
            merged = dict(DEFAULT_FAULTS)
            merged.update(config or {})
            self.config = merged
            self.random = random.Random(merged['seed'])
            self.windows = {}

    def decide(self, service, key):
        """None, or ('throttle' | 'error', retry_after)."""
        with self.lock:
            config = self.config
            if service not in config['services']:
                return None
            if config['throttle_next'] > 0:
                config['throttle_next'] -= 1
                return 'throttle', config['retry_after']
            if config['error_next'] > 0:
                config['error_next'] -= 1
                return 'error', None
            budget = config['throttle_budget']
            if budget:
                started, count = self.windows.get(key, (time.monotonic(), 0))
                if time.monotonic() - started > budget['window_s']:
                    started, count = time.monotonic(), 0
                self.windows[key] = (started, count + 1)
                if count + 1 > budget['requests']:
                    remaining = budget['window_s'] - (time.monotonic() - started)
                    return 'throttle', round(max(remaining, 0.1), 2)
            if config['throttle_rate'] and self.random.random() < config['throttle_rate']:
                return 'throttle', config['retry_after']
            if config['error_rate'] and self.random.random() < config['error_rate']:
                return 'error', None
            return None

    def take(self, name):
        """Use up one of a counted fault (e.g. replication_next); True when there was one."""
        with self.lock:
            if self.config.get(name, 0) > 0:
                self.config[name] -= 1
                return True
            return False

    def latency(self, service):
        if service in self.config['services'] and self.config['latency_ms']:
            time.sleep(self.config['latency_ms'] / 1000.0)


class RequestLog(object):
    """Every request, in memory and appended to requests.jsonl; never secrets."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.entries = []

    def add(self, request, status, batch=False):
        with self.lock:
            entry = dict(seq=len(self.entries) + 1, time=time.time(), service=request.service,
                         method=request.method, path=request.path,
                         query=_SECRET_FIELDS.sub('redacted', request.raw_query),
                         tenant=request.tenant['id'] if request.tenant else None,
                         client_id=request.claims.get('appid'), status=status,
                         write=bool(request.write), cmdlet=request.cmdlet, batch=batch)
            self.entries.append(entry)
            with open(self.path, 'a') as handle:
                handle.write(json.dumps(entry) + '\n')
            return entry

    def since(self, seq=0):
        with self.lock:
            return [dict(e) for e in self.entries if e['seq'] > seq]

    def clear(self):
        with self.lock:
            del self.entries[:]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def _serve(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        request = Request(self.server.emulator, self.server.service, self.command, self.path, dict(self.headers),
                          body)
        status, payload, headers = self.server.emulator.handle(request)
        data = b'' if payload is None else payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        if data:
            self.send_header('Content-Type', headers.pop('Content-Type', 'application/json; charset=utf-8'))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, *args):  # the request log replaces stderr noise
        pass


class Emulator(object):
    """The emulator in this process: start(), endpoints, requests(), set_faults(), stop()."""

    def __init__(self, state_dir, seed_path, page_size=100, faults=None, reset=False, host='127.0.0.1', port=0):
        from emulator import control, exchange_api, graph, identity  # noqa: F401 - services register routes
        os.makedirs(state_dir, 0o700, exist_ok=True)
        self.state_dir = state_dir
        self.page_size = page_size
        self.host = host
        self.port = port
        self.store = Store(state_dir, seed_path, reset=reset)
        self.faults = Faults(faults)
        self.log = RequestLog(os.path.join(state_dir, 'requests.jsonl'))
        self.signing_key = tls.signing_key(state_dir)
        self.services = dict(login=identity.SERVICE, graph=graph.SERVICE, exchange=exchange_api.SERVICE,
                             control=control.SERVICE)
        self.servers = []
        self.endpoints = {}
        self.handoffs = []  # what the control listener's /handoff received

    # Lifecycle ------------------------------------------------------------------------------

    def start(self):
        ca, cert, key = tls.ensure_server_tls(self.state_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        for offset, service in enumerate(SERVICES):
            server = ThreadingHTTPServer((self.host, self.port + offset if self.port else 0), _Handler)
            server.daemon_threads = True
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.emulator, server.service = self, service
            self.servers.append(server)
            self.endpoints[service] = 'https://%s:%d' % (self.host, server.server_address[1])
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self.endpoints['ca_bundle'] = ca
        self.endpoints['pid'] = os.getpid()
        with open(os.path.join(self.state_dir, 'endpoints.json'), 'w') as handle:
            json.dump(self.endpoints, handle, indent=2)
        return self

    def stop(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Test helpers ----------------------------------------------------------------------------

    def requests(self, since=0):
        return self.log.since(since)

    def clear_requests(self):
        self.log.clear()

    def set_faults(self, config):
        self.faults.configure(config)

    # Dispatch --------------------------------------------------------------------------------

    def handle(self, request, batch=False):
        """Route one request (or one inner $batch request); returns (status, body, headers)."""
        service = self.services[request.service]
        headers = {'request-id': request.request_id,
                   'client-request-id': request.headers.get('client-request-id', request.request_id)}
        try:
            self.faults.latency(request.service)
            claims = unverified_claims(request.headers.get('authorization'))
            fault = self.faults.decide(request.service, (claims.get('tid'), claims.get('appid')))
            if fault:
                request.claims = claims
                request.tenant = self.store.tenant(claims.get('tid'))
                kind, retry_after = fault
                if kind == 'throttle':
                    raise HttpError(429, service.error_body(request, 'TooManyRequests',
                                                            'Too many requests. Retry after %s seconds.' % retry_after),
                                    {'Retry-After': retry_after})
                status = self.faults.config['error_status']
                raise HttpError(status, service.error_body(request, 'ServiceUnavailable' if status == 503 else
                                                           'InternalServerError', 'The service is unavailable.'),
                                {'Retry-After': self.faults.config['retry_after']} if status == 503 else {})
            status, body, extra = service.dispatch(request)
        except HttpError as exc:
            status, body, extra = exc.status, exc.body, exc.headers
        headers.update(extra or {})
        if request.service != 'control':
            self.log.add(request, status, batch=batch)
        return status, body, headers


class Service(object):
    """Routes of one listener: [(method, compiled path regex, handler)] and its error body."""

    def __init__(self, name, error_body):
        self.name = name
        self.routes = []
        self.error_body = error_body
        self.before = None  # authentication hook: before(request) may raise HttpError

    def route(self, method, pattern):
        def register(handler):
            self.routes.append((method, re.compile('^' + pattern + '$', re.I), handler))
            return handler
        return register

    def dispatch(self, request):
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
            raise HttpError(405, self.error_body(request, 'Request_BadRequest',
                                                 'The HTTP method %s is not allowed here.' % request.method))
        raise HttpError(404, self.error_body(request, 'UnknownError' if self.name == 'graph' else 'NotFound',
                                             'Resource not found for the segment %r.' % request.path))
