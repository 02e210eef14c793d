"""The emulator: four HTTPS listeners (login, graph, exchange, control) on
127.0.0.1, dispatch through the route tables with fault injection and the
request log, and the in-process API tests use. See README.md."""

from __future__ import annotations

import importlib
import json
import os
import ssl
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from emulator import tls, tokens
from emulator.faults import Faults
from emulator.log import RequestLog
from emulator.routing import LISTENERS, HttpError, Request, service
from emulator.state import Store, load_seed

# Modules whose import registers routes, or Exchange cmdlets in exchange_cmdlets' registry. A new service or API
# area adds its module here (README.md).
ROUTE_MODULES = ('identity', 'identity_device', 'identity_refresh', 'identity_federated', 'graph_applications',
                 'graph_service_principals', 'graph_grants', 'graph_users', 'graph_roles', 'graph_federated',
                 'graph_batch', 'graph_policies', 'places', 'graph_mail', 'exchange_routes', 'exchange_mailboxes',
                 'graph_groups',
                 'exchange_rooms', 'exchange_groups', 'exchange_rbac', 'control', 'signin_activity', 'graph_reports')
# In the state directory, beside endpoints.json: the absolute path of the seed the running emulator was started with.
SEED_PATH_FILE = 'seed-path'
_FAULT_CODES = {429: 'TooManyRequests', 500: 'generalException', 503: 'serviceNotAvailable',
                504: 'generalException'}
_FAULT_MESSAGES = {429: 'Too many requests. Please retry after the number of seconds in Retry-After.',
                   500: 'An unspecified error has occurred.',
                   503: 'The service is temporarily unavailable. Please retry after a delay.',
                   504: 'The request timed out.'}


def load_route_modules():
    """Import ROUTE_MODULES: the listeners' route tables and the Exchange cmdlet registry are then complete."""
    for name in ROUTE_MODULES:
        importlib.import_module('emulator.' + name)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def _serve(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        request = Request(self.server.emulator, self.server.listener, self.command, self.path, dict(self.headers),
                          body)
        status, payload, headers = self.server.emulator.handle(request)
        data = b'' if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if data:
            self.send_header('Content-Type', 'application/json; charset=utf-8')
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, *args):  # requests go to the request log, which never holds secrets; not to stderr
        pass


class Emulator(object):
    """The emulator in this process.

    Emulator(state_dir, seed_path, page_size=100, faults=None, reset=False, host='127.0.0.1', port=0,
             trusted_cas=())
    .start() / .stop() (or `with`), .endpoints, .requests(since), .clear_requests(), .set_faults(dict),
    .operator_credentials(tenant, operator=0), .store (the directory; hold store.lock to read it).
    """

    def __init__(self, state_dir, seed_path, page_size=100, faults=None, reset=False, host='127.0.0.1', port=0,
                 trusted_cas=()):
        load_route_modules()
        # PEM CA bundles trusted, besides the emulator's own CA, for HTTPS to external token issuers (the OpenID
        # configuration and keys of a federated credential's issuer: identity_federated.py)
        self.trusted_cas = list(trusted_cas or ())
        os.makedirs(state_dir, 0o700, exist_ok=True)
        self.state_dir = state_dir
        self.page_size = page_size
        self.host = host
        self.port = port
        self.store = Store(state_dir, seed_path, reset=reset)
        self.faults = Faults(faults)
        self.log = RequestLog(os.path.join(state_dir, 'requests.jsonl'))
        self.signing_key = tls.signing_key(state_dir)
        self.servers = []
        self.endpoints = {}
        self.handoffs = []  # what the control listener's /handoff received
        self.handoff_attempts, self.handoff_delay_s = 0, 0.0

    # Lifecycle ------------------------------------------------------------------------------

    def start(self):
        ca, cert, key = tls.ensure_server_tls(self.state_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        for offset, listener in enumerate(LISTENERS):
            server = ThreadingHTTPServer((self.host, self.port + offset if self.port else 0), _Handler)
            server.daemon_threads = True
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.emulator, server.listener = self, listener
            self.servers.append(server)
            self.endpoints[listener] = 'https://%s:%d' % (self.host, server.server_address[1])
            threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, name='emulator-' + listener,
                             daemon=True).start()
        self.endpoints['ca_bundle'] = os.path.abspath(ca)  # clients may run in another directory
        self.endpoints['pid'] = os.getpid()
        # The seed this emulator serves (its operators' secrets are only there), for `python -m emulator env`.
        with open(os.path.join(self.state_dir, SEED_PATH_FILE), 'w') as handle:
            handle.write(os.path.abspath(self.store.seed_path) + '\n')
        path = os.path.join(self.state_dir, 'endpoints.json')
        with open(path + '.tmp', 'w') as handle:
            json.dump(self.endpoints, handle, indent=2)
        os.replace(path + '.tmp', path)
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

    def operator_credentials(self, tenant, operator=0):
        """What a client needs to sign in to `tenant` (id or domain) as the seed's operator number `operator`:
        authority, client id, secret, certificate files, CA bundle and the two resource scopes."""
        spec = (load_seed(self.store.seed_path).get('operators') or [])[operator]
        with self.store.lock:
            found = self.store.tenant(tenant)
            if found is None:
                raise KeyError('no tenant %r in the emulator' % tenant)
            tenant_id = found['id']
        folder = os.path.join(self.state_dir, 'operators')
        pem, pfx = (os.path.join(folder, spec['app_id'] + ext) for ext in ('.pem', '.pfx'))
        certificate = (spec.get('certificate') or {}).get('generate')
        return {
            'tenant_id': tenant_id, 'authority': '%s/%s' % (self.endpoints['login'], tenant_id),
            'client_id': spec['app_id'],
            'client_secret': (spec.get('secrets') or [{}])[0].get('value'),
            'certificate_pem': pem if certificate else None, 'certificate_pfx': pfx if certificate else None,
            'pfx_password': (spec.get('certificate') or {}).get('pfx_password'),
            'ca_bundle': self.endpoints['ca_bundle'],
            'graph_scope': self.endpoints['graph'] + '/.default',
            'exchange_scope': self.endpoints['exchange'] + '/.default',
        }

    # Dispatch --------------------------------------------------------------------------------

    def handle(self, request):
        """Route one request (or one inner $batch request): (status, body, headers)."""
        headers = {'request-id': request.request_id, 'client-request-id': request.client_request_id}
        try:
            self.faults.latency(request.service)
            self._inject_fault(request)
            status, body, extra = service(request.service).dispatch(request)
        except HttpError as exc:
            status, body, extra = exc.status, exc.body, exc.headers
        except Exception as exc:  # a bug in the emulator: answer as the service would, tell its author where
            frames = ''.join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
            sys.stderr.write('emulator: %s in a handler (message withheld: it may quote request data)\n%s'
                             % (type(exc).__name__, frames))
            status, body, extra = 500, service(request.service).error_body(
                request, 'generalException', _FAULT_MESSAGES[500]), {}
        headers.update(extra or {})
        if request.service != 'control':
            self.log.add(request, status)
        return status, body, headers

    def _inject_fault(self, request):
        if not self.faults.applies_to(request.service):
            return
        claims = tokens.unverified_claims(request.headers.get('authorization'))
        tenant_id = claims.get('tid')
        if request.service == 'login':  # no token yet: the tenant is the path's first segment (id or domain)
            found = self.store.tenant(request.path.strip('/').split('/')[0])
            tenant_id = found and found['id']
        fault = self.faults.decide(request.service, (tenant_id, claims.get('appid')))
        if fault is None:
            return
        request.claims = {'appid': claims.get('appid')}
        request.tenant = self.store.tenant(claims.get('tid'))
        headers = {'Retry-After': fault.retry_after} if fault.retry_after is not None else {}
        request.fail(fault.status, _FAULT_CODES[fault.status], _FAULT_MESSAGES[fault.status], headers)
