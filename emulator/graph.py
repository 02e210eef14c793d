"""Microsoft Graph v1.0: applications, passwords, service principals, app role
assignments (admin consent), places and JSON batching.

Each route names the page it follows; property names come from the v1.0 schema.
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
import re
import secrets
import time
from urllib.parse import quote, unquote, urlencode

from emulator import catalog, exchange
from emulator.identity import verify
from emulator.server import HttpError, Request, Service
from emulator.state import application, assignment, new_id, now_iso, secret_hash, service_principal

READ_APPS = ('Application.Read.All', 'Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy',
             'Directory.Read.All', 'Directory.ReadWrite.All')
WRITE_APPS = ('Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy')
READ_PRINCIPALS = ('Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All',
                   'Directory.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All')
ASSIGN_ROLES = ('AppRoleAssignment.ReadWrite.All',)
READ_PLACES = ('Place.Read.All', 'Place.ReadWrite.All')
AUDIENCES = ('https://graph.microsoft.com', catalog.GRAPH_APP_ID)
SIGN_IN_AUDIENCES = ('AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount',
                     'PersonalMicrosoftAccount')
READ_ONLY_APP = ('id', 'appId', 'createdDateTime', 'publisherDomain', 'deletedDateTime', 'passwordCredentials')
KEY = r"(?:/(?P<id>[0-9a-fA-F-]{36})|\((?P<keyname>appId|uniqueName)='(?P<keyvalue>(?:[^']|'')*)'\))"
DEFAULT_WEB = {'homePageUrl': None, 'logoutUrl': None, 'redirectUris': [], 'redirectUriSettings': [],
               'implicitGrantSettings': {'enableAccessTokenIssuance': False, 'enableIdTokenIssuance': False}}


def error_body(request, code, message):
    """https://learn.microsoft.com/graph/errors#json-representation"""
    return {'error': {'code': code, 'message': message, 'innerError': {
        'date': now_iso(), 'request-id': request.request_id,
        'client-request-id': request.headers.get('client-request-id', request.request_id)}}}


SERVICE = Service('graph', error_body)


def fail(request, status, code, message):
    raise HttpError(status, error_body(request, code, message))


def authenticate(request):
    """https://learn.microsoft.com/graph/auth/auth-concepts#access-tokens"""
    accepted = set(a.lower() for a in AUDIENCES) | set([request.emulator.endpoints['graph'].lower()])
    claims, problem = verify(request, accepted)
    if claims is None:
        fail(request, 401, 'InvalidAuthenticationToken', problem)
    request.claims = claims
    request.tenant = request.store.tenant(claims['tid'])
    if request.tenant is None:
        fail(request, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Unknown tenant.')


SERVICE.before = authenticate


def require(request, permissions):
    if not set(request.claims.get('roles') or []) & set(permissions):
        fail(request, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')


# Reading: $select, $filter, paging -------------------------------------------------------------

def select(request, obj, entity):
    fields = request.query.get('$select')
    if not fields:
        return copy.deepcopy(obj)
    chosen = {}
    for name in (f.strip() for f in fields.split(',')):
        if name not in obj:
            fail(request, 400, 'Request_BadRequest',
                 "Could not find a property named '%s' on type 'microsoft.graph.%s'." % (name, entity))
        chosen[name] = copy.deepcopy(obj[name])
    return chosen


_EQ = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")
_STARTS = re.compile(r"^\s*startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$")


def matches_filter(request, items, filterable, entity):
    """https://learn.microsoft.com/graph/filter-query-parameter - the clauses these resources support."""
    text = request.query.get('$filter')
    if not text:
        return items
    for pattern, test in ((_EQ, lambda value, wanted: value == wanted),
                          (_STARTS, lambda value, wanted: (value or '').lower().startswith(wanted.lower()))):
        match = pattern.match(text)
        if match:
            name, wanted = match.group(1), match.group(2).replace("''", "'")
            if name not in filterable:
                break
            return [item for item in items if test(item.get(name), wanted)]
    fail(request, 400, 'Request_UnsupportedQuery',
         "Unsupported or invalid query filter clause specified for resource '%s': %s" % (entity, text))


def page(request, items, entity, context):
    """One page of a collection and its @odata.nextLink. https://learn.microsoft.com/graph/paging"""
    try:
        size = min(int(request.query.get('$top') or request.emulator.page_size), 999)
        start = int(base64.urlsafe_b64decode(request.query['$skiptoken'].encode()).decode()) \
            if '$skiptoken' in request.query else 0
    except ValueError:
        fail(request, 400, 'Request_BadRequest', 'Invalid $top or $skiptoken.')
    chunk = items[start:start + size]
    body = {'@odata.context': '%s/v1.0/$metadata#%s' % (request.base_url, context),
            'value': [select(request, item, entity) for item in chunk]}
    if start + size < len(items):
        query = dict(request.query)
        query['$skiptoken'] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        body['@odata.nextLink'] = '%s%s?%s' % (request.base_url, request.path, urlencode(query))
    return body


# Applications ------------------------------------------------------------------------------------

def _in_replication(request, app):
    """An app created moments ago is not yet visible everywhere (replication_delay_s)."""
    delay = request.emulator.faults.config.get('replication_delay_s') or 0
    return delay and time.time() - request.tenant['created'].get(app['appId'], 0) < delay


def find_app(request, must_exist=True):
    tenant, groups = request.tenant, request.match.groupdict()
    if groups.get('id'):
        found = next((a for a in tenant['applications'] if a['id'] == groups['id']), None)
    else:
        name, value = groups['keyname'], unquote(groups['keyvalue']).replace("''", "'")
        found = next((a for a in tenant['applications'] if a.get(name) == value), None)
        if found is not None and _in_replication(request, found):
            found = None
    if found is None and must_exist:
        fail(request, 404, 'Request_ResourceNotFound',
             "Resource '%s' does not exist or one of its queried reference-property objects are not present."
             % (groups.get('id') or groups.get('keyvalue')))
    return found


def _check_uri(request, uri):
    parts = re.match(r'^(https?)://([^/:#?]+)', uri or '')
    if not parts or '#' in uri:
        fail(request, 400, 'InvalidValue', "Invalid value specified for property 'web.redirectUris' of resource "
                                           "'Application'.")
    if parts.group(1) == 'http' and parts.group(2) not in ('localhost', '127.0.0.1'):
        fail(request, 400, 'InvalidValue', "Invalid value specified for property 'web.redirectUris' of resource "
                                           "'Application': http is allowed for localhost only.")


def validate_app_body(request, body, creating):
    if not isinstance(body, dict):
        fail(request, 400, 'BadRequest', 'Empty Payload. JSON content expected.')
    template = application('x')
    for name in body:
        if name.startswith('@odata'):
            continue
        if name not in template:
            fail(request, 400, 'Request_BadRequest',
                 "Property '%s' does not exist as a declared property or extension property." % name)
        if name in READ_ONLY_APP:
            fail(request, 400, 'Request_BadRequest', "Property '%s' is read-only and cannot be set." % name)
    if 'signInAudience' in body and body['signInAudience'] not in SIGN_IN_AUDIENCES:
        fail(request, 400, 'InvalidValue',
             "Invalid value specified for property 'signInAudience' of resource 'Application'.")
    if creating and not body.get('displayName'):
        fail(request, 400, 'Request_BadRequest', "Property 'displayName' is required.")
    web = body.get('web')
    if web is not None:
        if not isinstance(web, dict) or set(web) - set(DEFAULT_WEB):
            fail(request, 400, 'Request_BadRequest', "Invalid value specified for property 'web'.")
        for uri in web.get('redirectUris') or []:
            _check_uri(request, uri)
    for entry in body.get('requiredResourceAccess') or []:
        for access in entry.get('resourceAccess') or []:
            if access.get('type') not in ('Role', 'Scope'):
                fail(request, 400, 'InvalidValue', "Invalid value for 'resourceAccess.type'.")


def _apply(app, body):
    for name, value in body.items():
        if name.startswith('@odata'):
            continue
        app[name] = dict(copy.deepcopy(DEFAULT_WEB), **value) if name == 'web' else copy.deepcopy(value)


def _create_app(request, body):
    tenant = request.tenant
    if body.get('uniqueName') and any(a.get('uniqueName') == body['uniqueName'] for a in tenant['applications']):
        fail(request, 409, 'Request_MultipleObjectsWithSameKeyValue',
             "Another object with the same value for property uniqueName already exists.")
    app = application(body['displayName'], publisherDomain=tenant['domain'])
    _apply(app, body)
    tenant['applications'].append(app)
    tenant['created'][app['appId']] = time.time()
    request.store.save()
    return app


# https://learn.microsoft.com/graph/api/application-post-applications
@SERVICE.route('POST', r'/v1\.0/applications')
def create_application(request):
    require(request, WRITE_APPS)
    body = request.json()
    validate_app_body(request, body, creating=True)
    with request.store.lock:
        app = _create_app(request, body)
        return 201, dict(copy.deepcopy(app), **{'@odata.context': request.base_url +
                                                '/v1.0/$metadata#applications/$entity'})


# https://learn.microsoft.com/graph/api/application-list
@SERVICE.route('GET', r'/v1\.0/applications')
def list_applications(request):
    require(request, READ_APPS)
    with request.store.lock:
        items = matches_filter(request, request.tenant['applications'], ('displayName', 'appId', 'uniqueName', 'id'),
                               'application')
        return 200, page(request, items, 'application', 'applications')


# https://learn.microsoft.com/graph/api/application-get
@SERVICE.route('GET', r'/v1\.0/applications' + KEY)
def get_application(request):
    require(request, READ_APPS)
    with request.store.lock:
        return 200, dict(select(request, find_app(request), 'application'),
                         **{'@odata.context': request.base_url + '/v1.0/$metadata#applications/$entity'})


# https://learn.microsoft.com/graph/api/application-update and
# https://learn.microsoft.com/graph/api/application-upsert (PATCH by uniqueName with Prefer: create-if-missing)
@SERVICE.route('PATCH', r'/v1\.0/applications' + KEY)
def update_application(request):
    require(request, WRITE_APPS)
    body = request.json()
    upsert = request.match.group('keyname') == 'uniqueName' and \
        'create-if-missing' in request.headers.get('prefer', '').lower()
    with request.store.lock:
        app = find_app(request, must_exist=not upsert)
        if app is None:
            validate_app_body(request, body, creating=True)
            body = dict(body, uniqueName=unquote(request.match.group('keyvalue')).replace("''", "'"))
            created = _create_app(request, body)
            return 201, copy.deepcopy(created)
        validate_app_body(request, body, creating=False)
        if 'uniqueName' in body and app.get('uniqueName') and body['uniqueName'] != app['uniqueName']:
            fail(request, 400, 'Request_BadRequest', "Property 'uniqueName' cannot be changed once set.")
        _apply(app, body)
        request.store.save()
        return 204, None


# https://learn.microsoft.com/graph/api/application-delete
@SERVICE.route('DELETE', r'/v1\.0/applications' + KEY)
def delete_application(request):
    require(request, WRITE_APPS)
    with request.store.lock:
        app = find_app(request)
        tenant = request.tenant
        tenant['applications'].remove(app)
        for principal in [sp for sp in tenant['servicePrincipals'] if sp['appId'] == app['appId']]:
            _delete_principal(tenant, principal)
        request.store.save()
        return 204, None


def _parse_time(request, value, name):
    try:
        return datetime.datetime.strptime(value.rstrip('Z')[:19], '%Y-%m-%dT%H:%M:%S').replace(
            tzinfo=datetime.timezone.utc)
    except (AttributeError, ValueError):
        fail(request, 400, 'Request_BadRequest', "Invalid value specified for property '%s'." % name)


# https://learn.microsoft.com/graph/api/application-addpassword
@SERVICE.route('POST', r'/v1\.0/applications' + KEY + r'/addPassword')
def add_password(request):
    require(request, WRITE_APPS)
    body = request.json() or {}
    spec = body.get('passwordCredential') or {}
    now = datetime.datetime.now(datetime.timezone.utc)
    start = _parse_time(request, spec['startDateTime'], 'startDateTime') if spec.get('startDateTime') else now
    end = _parse_time(request, spec['endDateTime'], 'endDateTime') if spec.get('endDateTime') else \
        start + datetime.timedelta(days=730)
    if end <= start:
        fail(request, 400, 'Request_BadRequest', 'The endDateTime must be later than the startDateTime.')
    with request.store.lock:
        app = find_app(request)
        limit = request.tenant['policy'].get('password_max_lifetime_days')
        if limit and (end - start).days > limit:
            # https://learn.microsoft.com/graph/api/resources/appmanagementpolicy
            fail(request, 400, 'CredentialInvalidLifetimeAsPerAppPolicy',
                 'Credential lifetime exceeds the max value allowed as per assigned policy (%d days).' % limit)
        text = '%s~%s' % (secrets.token_urlsafe(3)[:3], secrets.token_urlsafe(30))
        credential = {'customKeyIdentifier': None, 'displayName': spec.get('displayName'),
                      'endDateTime': end.strftime('%Y-%m-%dT%H:%M:%SZ'), 'hint': text[:3], 'keyId': new_id(),
                      'secretText': None, 'startDateTime': start.strftime('%Y-%m-%dT%H:%M:%SZ')}
        app['passwordCredentials'].append(credential)
        request.store.data['secrets'][credential['keyId']] = secret_hash(text)
        request.store.save()
        return 200, dict(credential, secretText=text, **{'@odata.context': request.base_url +
                                                          '/v1.0/$metadata#microsoft.graph.passwordCredential'})


# https://learn.microsoft.com/graph/api/application-removepassword
@SERVICE.route('POST', r'/v1\.0/applications' + KEY + r'/removePassword')
def remove_password(request):
    require(request, WRITE_APPS)
    key_id = (request.json() or {}).get('keyId')
    with request.store.lock:
        app = find_app(request)
        credential = next((c for c in app['passwordCredentials'] if c['keyId'] == key_id), None)
        if credential is None:
            fail(request, 400, 'Request_BadRequest', "No password credential with keyId '%s' exists." % key_id)
        app['passwordCredentials'].remove(credential)
        request.store.data['secrets'].pop(key_id, None)
        request.store.save()
        return 204, None


# Service principals and app role assignments -------------------------------------------------------

SP_KEY = r"(?:/(?P<id>[0-9a-fA-F-]{36})|\(appId='(?P<appid>[^']*)'\))"


def find_principal(request):
    groups = request.match.groupdict()
    tenant = request.tenant
    if groups.get('appid'):
        found = request.store.principal_by_app_id(tenant, unquote(groups['appid']))
    else:
        found = next((sp for sp in tenant['servicePrincipals'] if sp['id'] == groups['id']), None)
    if found is None:
        fail(request, 404, 'Request_ResourceNotFound', "Resource '%s' does not exist or one of its queried "
             "reference-property objects are not present." % (groups.get('id') or groups.get('appid')))
    return found


def _delete_principal(tenant, principal):
    tenant['servicePrincipals'].remove(principal)
    tenant['appRoleAssignments'] = [a for a in tenant['appRoleAssignments']
                                    if principal['id'] not in (a['principalId'], a['resourceId'])]


# https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals
@SERVICE.route('POST', r'/v1\.0/servicePrincipals')
def create_service_principal(request):
    require(request, WRITE_APPS)
    app_id = (request.json() or {}).get('appId')
    with request.store.lock:
        tenant = request.tenant
        home, app = request.store.home_of(app_id)
        visible = app is not None and (home is tenant or app['signInAudience'] != 'AzureADMyOrg')
        if not visible or _in_replication(request, app) or request.emulator.faults.take('replication_next') or \
                (home is not tenant and time.time() - home['created'].get(app_id, 0) <
                 (request.emulator.faults.config.get('replication_delay_s') or 0)):
            fail(request, 400, 'Request_BadRequest',
                 "The appId '%s' of the service principal does not reference a valid application object." % app_id)
        if request.store.principal_by_app_id(tenant, app_id):
            fail(request, 409, 'Request_MultipleObjectsWithSameKeyValue',
                 'Another object with the same value for property servicePrincipalNames already exists.')
        principal = service_principal(app_id, app['displayName'], home['id'], app.get('appRoles'),
                                      app['signInAudience'])
        tenant['servicePrincipals'].append(principal)
        request.store.save()
        return 201, copy.deepcopy(principal)


# https://learn.microsoft.com/graph/api/serviceprincipal-list
@SERVICE.route('GET', r'/v1\.0/servicePrincipals')
def list_service_principals(request):
    require(request, READ_PRINCIPALS)
    with request.store.lock:
        items = matches_filter(request, request.tenant['servicePrincipals'], ('appId', 'displayName', 'id'),
                               'servicePrincipal')
        return 200, page(request, items, 'servicePrincipal', 'servicePrincipals')


# https://learn.microsoft.com/graph/api/serviceprincipal-get
@SERVICE.route('GET', r'/v1\.0/servicePrincipals' + SP_KEY)
def get_service_principal(request):
    require(request, READ_PRINCIPALS)
    with request.store.lock:
        return 200, select(request, find_principal(request), 'servicePrincipal')


# https://learn.microsoft.com/graph/api/serviceprincipal-delete
@SERVICE.route('DELETE', r'/v1\.0/servicePrincipals' + SP_KEY)
def delete_service_principal(request):
    require(request, WRITE_APPS)
    with request.store.lock:
        _delete_principal(request.tenant, find_principal(request))
        request.store.save()
        return 204, None


def _assignments(request, side):
    """App role assignments where the addressed service principal is the resource or the principal."""
    require(request, READ_PRINCIPALS)
    with request.store.lock:
        owner = find_principal(request)
        items = [a for a in request.tenant['appRoleAssignments'] if a[side] == owner['id']]
        return 200, page(request, items, 'appRoleAssignment', 'appRoleAssignments')


# https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto
@SERVICE.route('GET', r'/v1\.0/servicePrincipals' + SP_KEY + r'/appRoleAssignedTo')
def list_assigned_to(request):
    return _assignments(request, 'resourceId')


# https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments
@SERVICE.route('GET', r'/v1\.0/servicePrincipals' + SP_KEY + r'/appRoleAssignments')
def list_assignments(request):
    return _assignments(request, 'principalId')


# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
@SERVICE.route('POST', r'/v1\.0/servicePrincipals' + SP_KEY + r'/appRoleAssignedTo')
def create_assignment(request):
    require(request, ASSIGN_ROLES)
    body = request.json() or {}
    with request.store.lock:
        tenant = request.tenant
        resource = find_principal(request)
        principal = next((sp for sp in tenant['servicePrincipals'] if sp['id'] == body.get('principalId')), None)
        if body.get('resourceId') != resource['id'] or principal is None:
            fail(request, 400, 'Request_BadRequest', 'Invalid principalId or resourceId.')
        if body.get('appRoleId') not in [role['id'] for role in resource['appRoles']]:
            fail(request, 400, 'Request_BadRequest', 'Permission being assigned was not found on application')
        if any(a['principalId'] == principal['id'] and a['resourceId'] == resource['id'] and
               a['appRoleId'] == body['appRoleId'] for a in tenant['appRoleAssignments']):
            fail(request, 400, 'Request_BadRequest', 'Permission being assigned already exists on the object')
        created = assignment(principal, resource, body['appRoleId'])
        tenant['appRoleAssignments'].append(created)
        request.store.save()
        return 201, copy.deepcopy(created)


# https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto
@SERVICE.route('DELETE', r'/v1\.0/servicePrincipals' + SP_KEY + r'/(?:appRoleAssignedTo|appRoleAssignments)/'
               r'(?P<assignment>[A-Za-z0-9_-]+)')
def delete_assignment(request):
    require(request, ASSIGN_ROLES)
    with request.store.lock:
        owner = find_principal(request)
        tenant = request.tenant
        found = next((a for a in tenant['appRoleAssignments'] if a['id'] == request.match.group('assignment') and
                      owner['id'] in (a['resourceId'], a['principalId'])), None)
        if found is None:
            fail(request, 404, 'Request_ResourceNotFound', "Resource '%s' does not exist."
                 % request.match.group('assignment'))
        tenant['appRoleAssignments'].remove(found)
        request.store.save()
        return 204, None


# Places ------------------------------------------------------------------------------------------------

# https://learn.microsoft.com/graph/api/place-list
@SERVICE.route('GET', r'/v1\.0/places/microsoft\.graph\.room')
def list_rooms(request):
    require(request, READ_PLACES)
    with request.store.lock:
        return 200, page(request, exchange.graph_rooms(request.tenant['exchange']), 'room',
                         'places/microsoft.graph.room')


@SERVICE.route('GET', r'/v1\.0/places/microsoft\.graph\.roomlist')
def list_room_lists(request):
    require(request, READ_PLACES)
    with request.store.lock:
        return 200, page(request, exchange.graph_room_lists(request.tenant['exchange']), 'roomList',
                         'places/microsoft.graph.roomList')


@SERVICE.route('GET', r'/v1\.0/places/(?P<list>[^/]+)/microsoft\.graph\.roomlist/rooms')
def list_rooms_of_list(request):
    require(request, READ_PLACES)
    address = unquote(request.match.group('list'))
    with request.store.lock:
        state = request.tenant['exchange']
        if not any(rl['address'].lower() == address.lower() for rl in state['room_lists']):
            fail(request, 404, 'ErrorItemNotFound', "The room list '%s' was not found." % address)
        return 200, page(request, exchange.graph_rooms(state, address), 'room', 'places/%s/rooms' % quote(address))


# JSON batching -----------------------------------------------------------------------------------------

# https://learn.microsoft.com/graph/json-batching
@SERVICE.route('POST', r'/v1\.0/\$batch')
def batch(request):
    request.write = False  # the envelope; each inner request is logged with its own write flag
    body = request.json() or {}
    inner = body.get('requests')
    if not isinstance(inner, list) or not inner:
        fail(request, 400, 'BadRequest', 'Invalid batch payload format.')
    if len(inner) > 20:
        fail(request, 400, 'BadRequest', 'Number of included requests in batch exceeds the maximum allowed: 20.')
    ids = [str(r.get('id')) for r in inner]
    if len(set(ids)) != len(ids):
        fail(request, 400, 'BadRequest', 'Batch request ids must be unique.')
    statuses, responses = {}, []
    for item in inner:
        failed = [d for d in item.get('dependsOn') or [] if statuses.get(str(d), 424) >= 400]
        if failed:
            status, body_, headers = 424, error_body(request, 'FailedDependency', 'Failed dependency.'), {}
        else:
            url = item.get('url') or ''
            url = url if url.startswith('/') else '/' + url
            headers_in = dict((k.lower(), v) for k, v in (item.get('headers') or {}).items())
            headers_in['authorization'] = request.headers.get('authorization', '')
            payload = item.get('body')
            sub = Request(request.emulator, 'graph', (item.get('method') or 'GET').upper(), '/v1.0' + url,
                          headers_in, json.dumps(payload).encode() if payload is not None else b'')
            status, body_, headers = request.emulator.handle(sub, batch=True)
        statuses[str(item.get('id'))] = status
        response = {'id': str(item.get('id')), 'status': status,
                    'headers': dict((k, str(v)) for k, v in headers.items() if k in ('Retry-After', 'Location'))}
        if body_ is not None:
            response['body'] = body_
        responses.append(response)
    return 200, {'responses': responses}
