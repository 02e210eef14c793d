"""Exchange Online admin API listener: POST /adminapi/beta/{tenant}/InvokeCommand.

The endpoint Microsoft's ExchangeOnlineManagement module (v3) uses; app-only
access needs the Exchange.ManageAsApp app role and a supported Microsoft Entra
role for the app's service principal.
https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2

Who may run which cmdlet is the cmdlet registry's (exchange_cmdlets.py: each `@cmdlet` names its roles);
this listener checks the token, then those roles, then runs the cmdlet.

Settings (attributes of the Emulator object, read on every request; documented in README.md):
exchange_concurrency_limit, exchange_concurrency_status, exchange_cmdlet_ms, exchange_error_shapes,
exchange_error_seed, exchange_batch_refusal.
"""

from __future__ import annotations

import base64
import random
import re
import threading
import time
import uuid
import weakref

from emulator import catalog, exchange_batch, exchange_cmdlets, faults, tokens
from emulator.exchange_cmdlets import BINDING, COMMAND_NOT_FOUND, ExchangeError
from emulator.exchange_params import GUID
from emulator.routing import HttpError, service

AUDIENCES = ('https://outlook.office365.com', catalog.EXCHANGE_APP_ID)
# A concurrency limit per tenant on InvokeCommand. Microsoft documents three simultaneous connections per
# account for Exchange Online PowerShell and staff have quoted about ten per tenant
# (https://github.com/MicrosoftDocs/office-docs-powershell/issues/8669); no number is documented for the REST
# endpoint, so the emulator takes the stricter 3, per tenant.
CONCURRENCY_LIMIT = 3
MAXPAGESIZE = re.compile(r'(?:^|[,;\s])odata\.maxpagesize\s*=\s*(\d+)', re.I)


def error_body(request, code, message):
    return {'error': {'code': code, 'message': message,
                      'details': [{'code': 'Context', 'target': '', 'message': '%s|%s|%s' % (
                          code, 'Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException',
                          message)}],
                      'innererror': {'message': message, 'request-id': request.request_id}}}


SERVICE = service('exchange')
SERVICE.error_body = error_body
faults.SELF_TIMED.add('exchange')  # the injected latency is spent in a request's slot (spend_latency)


class _Runtime(object):
    """Per-emulator state of this listener that is not the directory: in-flight counts and the shape RNG."""

    def __init__(self, emulator):
        self.lock = threading.Lock()
        self.in_flight = {}
        self.random = random.Random(getattr(emulator, 'exchange_error_seed', 0))


_RUNTIMES = weakref.WeakKeyDictionary()
_RUNTIMES_LOCK = threading.Lock()


def _runtime(emulator):
    with _RUNTIMES_LOCK:
        if emulator not in _RUNTIMES:
            _RUNTIMES[emulator] = _Runtime(emulator)
        return _RUNTIMES[emulator]


def _shape(request, status):
    """The body shape of the next error: `exchange_error_shapes` = one of exchange_cmdlets.ERROR_SHAPES or 'random'.

    'random' draws from a seeded generator (exchange_error_seed) so a test sees the same sequence each run;
    a 403 may also come back with an empty body.
    """
    setting = getattr(request.emulator, 'exchange_error_shapes', 'details')
    if setting != 'random':
        return setting
    choices = exchange_cmdlets.ERROR_SHAPES + (('empty',) if status == 403 else ())
    runtime = _runtime(request.emulator)
    with runtime.lock:
        return runtime.random.choice(choices)


def spend_latency(request):
    """The injected latency, once per request: inside its concurrency slot, or before it is refused without one."""
    if not getattr(request, 'latency_spent', False):
        request.latency_spent = True
        request.emulator.faults.latency('exchange', by_handler=True)


def fail(request, error, headers=None):
    spend_latency(request)
    raise HttpError(error.status, error.body(_shape(request, error.status)), headers)


def refuse(request, status, exception_type, message):
    fail(request, ExchangeError(status, 'Ex%s' % uuid.uuid4().hex[:6].upper(), exception_type, message))


def _cmdlet_of(request):
    """Name the cmdlet before any check, so even a refused call is logged as the read or write it was."""
    try:
        name = (request.json() or {}).get('CmdletInput', {}).get('CmdletName')
    except (HttpError, AttributeError):
        name = None
    request.cmdlet = name if isinstance(name, str) else None
    request.write = bool(request.cmdlet) and exchange_cmdlets.is_write(request.cmdlet)


def authenticate(request):
    _cmdlet_of(request)
    claims, problem = tokens.bearer_claims(request, AUDIENCES + (request.emulator.endpoints['exchange'],))
    if claims is None:
        spend_latency(request)
        raise HttpError(401, error_body(request, 'Unauthorized', problem),
                        {'WWW-Authenticate': 'Bearer error="invalid_token"'})
    request.claims = claims
    request.tenant = request.store.tenant(claims['tid'])
    in_path = request.match.group('tenant')
    # Public clients put the tenant GUID in the URL (e.g. https://github.com/KelvinTegelaar/CIPP-API/blob/master/
    # Modules/CIPPCore/Public/GraphHelper/New-ExoRequest.ps1, `$Tenant.customerId`); a domain is refused here,
    # stricter than the service is known to be, so a client that sends one is caught.
    if not GUID.match(in_path):
        refuse(request, 400, 'System.ArgumentException',
               "The organization in the request URL must be the tenant ID (a GUID), not '%s'." % in_path)
    path_tenant = request.store.tenant(in_path)
    if request.tenant is None or path_tenant is not request.tenant:
        refuse(request, 401, 'Microsoft.Exchange.Security.Authorization.AuthorizationException',
               "The token's tenant does not match the organization '%s'." % in_path)
    if 'Exchange.ManageAsApp' not in (claims.get('roles') or []):
        refuse(request, 401, 'Microsoft.Exchange.Security.Authorization.AuthorizationException',
               'The application is not granted the Exchange.ManageAsApp permission.')
    roles = set(claims.get('wids') or [])
    if not roles & exchange_cmdlets.READ:
        refuse(request, 403, 'Microsoft.Exchange.Security.Authorization.AuthorizationException',
               "The role assigned to application %s isn't supported in this scenario. Assign an Exchange "
               "administrator role to its service principal." % claims.get('appid'))
    if not roles & exchange_cmdlets.roles_of(request.cmdlet):
        # RBAC leaves cmdlets outside the caller's roles out of its session, so Exchange answers as for a
        # cmdlet that does not exist (https://learn.microsoft.com/powershell/exchange/find-exchange-cmdlet-permissions).
        refuse(request, 400, COMMAND_NOT_FOUND,
               "The term '%s' is not recognized as a name of a cmdlet, function, script file, or executable "
               "program." % request.cmdlet)


SERVICE.before = authenticate


def _check_anchor(request):
    anchor = request.headers.get('x-anchormailbox')
    if not anchor:
        refuse(request, 400, 'Microsoft.Exchange.Data.Storage.InvalidAnchorMailboxException',
               'The X-AnchorMailbox header is required.')
    if anchor.upper().startswith('APP:'):
        # The system mailbox anchor names the tenant by its GUID, as ExchangeOnlineManagement sends it.
        tenant = anchor.rpartition('@')[2]
        if not GUID.match(tenant) or tenant.lower() != request.tenant['id'].lower():
            refuse(request, 400, 'Microsoft.Exchange.Data.Storage.InvalidAnchorMailboxException',
                   "The anchor mailbox '%s' must name the tenant by its ID (GUID)." % anchor)


class _Slot(object):
    """One of the tenant's concurrent InvokeCommand requests; over the limit Exchange refuses the request.

    The error text ("…maximum number of concurrent requests per tenant…") is the signal a client can match on;
    the status varies: `exchange_concurrency_status` 429 (with Retry-After, default), 500 or 503 (without).
    """

    def __init__(self, request):
        self.runtime = _runtime(request.emulator)
        self.tenant = request.tenant['id']
        limit = getattr(request.emulator, 'exchange_concurrency_limit', CONCURRENCY_LIMIT)
        with self.runtime.lock:
            busy = self.runtime.in_flight.get(self.tenant, 0)
            if limit and busy >= limit:
                self.tenant = None
            else:
                self.runtime.in_flight[self.tenant] = busy + 1
        if self.tenant is None:
            status = getattr(request.emulator, 'exchange_concurrency_status', 429)
            headers = {'Retry-After': '1'} if status == 429 else {}
            fail(request, ExchangeError(
                status, 'Ex4B5D2C', 'Microsoft.Exchange.Admin.OData.Core.ConcurrencyLimitExceededException',
                'The request was rejected because the tenant has exceeded the maximum number of concurrent '
                'requests per tenant (%d). Please retry after some time.' % limit), headers)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        with self.runtime.lock:
            self.runtime.in_flight[self.tenant] -= 1


def _page_size(request):
    """Graph-style paging: the emulator's page size, smaller when the client prefers so (odata.maxpagesize)."""
    size = request.emulator.page_size
    found = MAXPAGESIZE.search(request.headers.get('prefer') or '')
    return min(size, int(found.group(1))) if found and int(found.group(1)) > 0 else size


# https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2 (the REST interface the
# ExchangeOnlineManagement module speaks; a public client of it: https://github.com/KelvinTegelaar/CIPP-API/blob/
# master/Modules/CIPPCore/Public/GraphHelper/New-ExoRequest.ps1)
@SERVICE.route('POST', r'/adminapi/beta/(?P<tenant>[^/]+)/InvokeCommand')
def invoke_command(request):
    body = request.json() or {}
    cmdlet_input = body.get('CmdletInput') if isinstance(body, dict) else None
    if not isinstance(cmdlet_input, dict) or not cmdlet_input.get('CmdletName'):
        refuse(request, 400, BINDING, 'The request body must contain CmdletInput.CmdletName.')
    _check_anchor(request)
    store = request.store
    with _Slot(request):
        spend_latency(request)  # the request counts against the limit for its whole duration, latency included
        delay = getattr(request.emulator, 'exchange_cmdlet_ms', 0)
        if delay:
            time.sleep(delay / 1000.0)  # the cmdlet's own run time, while it holds its slot
        with store.lock:
            try:
                objects, warnings = exchange_cmdlets.invoke(request.tenant['exchange'], request.cmdlet,
                                                            cmdlet_input.get('Parameters') or {})
            except ExchangeError as exc:
                fail(request, exc)
            if request.write:
                store.save(request.tenant)
    start = int(base64.urlsafe_b64decode(request.query['$skiptoken'].encode()).decode()) \
        if '$skiptoken' in request.query else 0
    size = _page_size(request)
    base = '%s/adminapi/beta/%s' % (request.base_url, request.match.group('tenant'))
    answer = {'@odata.context': base + '/$metadata#Collection(Exchange.GenericHashTable)',
              'adminapi.warnings@odata.type': '#Collection(String)', '@adminapi.warnings': warnings,
              'value': objects[start:start + size]}
    if start + size < len(objects):
        answer['@odata.nextLink'] = '%s/InvokeCommand?$skiptoken=%s' % (
            base, base64.urlsafe_b64encode(str(start + size).encode()).decode())
    return 200, answer


# https://learn.microsoft.com/graph/json-batching (the OData JSON batch format; as a public client sends it to this API:
# https://github.com/KelvinTegelaar/CIPP-API/blob/master/Modules/CIPPCore/Public/GraphHelper/New-ExoBulkRequest.ps1)
@SERVICE.route('POST', r'/adminapi/beta/(?P<tenant>[^/]+)/\$batch')
def batch(request):
    """Up to ten InvokeCommand requests, each run as if sent alone (exchange_batch.py). The envelope holds no
    concurrency slot (its requests each take one in turn) and is no write; `exchange_batch_refusal` (400, 404 or
    501) answers as a tenant that does not serve $batch."""
    refusal = getattr(request.emulator, 'exchange_batch_refusal', None)
    if refusal:
        spend_latency(request)
        request.fail(refusal, {400: 'BadRequest', 404: 'NotFound'}.get(refusal, 'NotImplemented'),
                     "Resource not found for the segment '$batch'.")
    _check_anchor(request)
    spend_latency(request)
    return exchange_batch.answer(request)
