"""Exchange Online admin API listener: POST /adminapi/beta/{tenant}/InvokeCommand.

The endpoint Microsoft's ExchangeOnlineManagement module (v3) uses; app-only
access needs the Exchange.ManageAsApp app role and an Exchange administrator
role for the app's service principal.
https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2
"""

from __future__ import annotations

import base64
import uuid

from emulator import catalog, exchange, tokens
from emulator.routing import HttpError, service

AUDIENCES = ('https://outlook.office365.com', catalog.EXCHANGE_APP_ID)
ADMIN_ROLES = (catalog.DIRECTORY_ROLES['Exchange Administrator'], catalog.DIRECTORY_ROLES['Global Administrator'])


def error_body(request, code, message):
    return {'error': {'code': code, 'message': message,
                      'details': [{'code': 'Context', 'target': '', 'message': '%s|%s|%s' % (
                          code, 'Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException',
                          message)}],
                      'innererror': {'message': message, 'request-id': request.request_id}}}


SERVICE = service('exchange')
SERVICE.error_body = error_body


def refuse(request, status, exception_type, message):
    raise HttpError(status, exchange.ExchangeError(status, 'Ex%s' % uuid.uuid4().hex[:6].upper(), exception_type,
                                                   message).body())


def _cmdlet_of(request):
    """Name the cmdlet before any check, so even a refused call is logged as the read or write it was."""
    try:
        name = (request.json() or {}).get('CmdletInput', {}).get('CmdletName')
    except (HttpError, AttributeError):
        name = None
    request.cmdlet = name if isinstance(name, str) else None
    request.write = bool(request.cmdlet) and exchange.is_write(request.cmdlet)


def authenticate(request):
    _cmdlet_of(request)
    claims, problem = tokens.bearer_claims(request, AUDIENCES + (request.emulator.endpoints['exchange'],))
    if claims is None:
        raise HttpError(401, error_body(request, 'Unauthorized', problem),
                        {'WWW-Authenticate': 'Bearer error="invalid_token"'})
    request.claims = claims
    request.tenant = request.store.tenant(claims['tid'])
    path_tenant = request.store.tenant(request.match.group('tenant'))
    if request.tenant is None or path_tenant is not request.tenant:
        refuse(request, 401, 'Microsoft.Exchange.Security.Authorization.AuthorizationException',
               "The token's tenant does not match the organization '%s'." % request.match.group('tenant'))
    if 'Exchange.ManageAsApp' not in (claims.get('roles') or []):
        refuse(request, 401, 'Microsoft.Exchange.Security.Authorization.AuthorizationException',
               'The application is not granted the Exchange.ManageAsApp permission.')
    if not set(claims.get('wids') or []) & set(ADMIN_ROLES):
        refuse(request, 403, 'Microsoft.Exchange.Security.Authorization.AuthorizationException',
               "The role assigned to application %s isn't supported in this scenario. Assign an Exchange "
               "administrator role to its service principal." % claims.get('appid'))


SERVICE.before = authenticate


@SERVICE.route('POST', r'/adminapi/beta/(?P<tenant>[^/]+)/InvokeCommand')
def invoke_command(request):
    body = request.json() or {}
    cmdlet_input = body.get('CmdletInput') if isinstance(body, dict) else None
    if not isinstance(cmdlet_input, dict) or not cmdlet_input.get('CmdletName'):
        refuse(request, 400, exchange.BINDING, 'The request body must contain CmdletInput.CmdletName.')
    if not request.headers.get('x-anchormailbox'):
        refuse(request, 400, 'Microsoft.Exchange.Data.Storage.InvalidAnchorMailboxException',
               'The X-AnchorMailbox header is required.')
    store = request.store
    with store.lock:
        try:
            objects, warnings = exchange.invoke(request.tenant['exchange'], request.cmdlet,
                                                cmdlet_input.get('Parameters') or {})
        except exchange.ExchangeError as exc:
            raise HttpError(exc.status, exc.body())
        if request.write:
            store.save()
    start = int(base64.urlsafe_b64decode(request.query['$skiptoken'].encode()).decode()) \
        if '$skiptoken' in request.query else 0
    size = request.emulator.page_size
    base = '%s/adminapi/beta/%s' % (request.base_url, request.match.group('tenant'))
    answer = {'@odata.context': base + '/$metadata#Collection(Exchange.GenericHashTable)',
              'adminapi.warnings@odata.type': '#Collection(String)', '@adminapi.warnings': warnings,
              'value': objects[start:start + size]}
    if start + size < len(objects):
        answer['@odata.nextLink'] = '%s/InvokeCommand?$skiptoken=%s' % (
            base, base64.urlsafe_b64encode(str(start + size).encode()).decode())
    return 200, answer
