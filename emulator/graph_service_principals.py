"""Graph v1.0 service principals and their app role assignments (admin consent
for application permissions)."""

from __future__ import annotations

import copy
import time

from emulator import odata
from emulator.graph_routes import key_value, not_found, roles, route
from emulator.graph_applications import READ, WRITE, remove_principal
from emulator.objects import app_role_assignment, service_principal

# https://learn.microsoft.com/graph/api/serviceprincipal-get#permissions
READ_PRINCIPALS = READ
# https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto#permissions
READ_ASSIGNMENTS = READ + ('AppRoleAssignment.ReadWrite.All',)
# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto#permissions
ASSIGN = ('AppRoleAssignment.ReadWrite.All',)
SETTABLE = ('appId', 'accountEnabled', 'appRoleAssignmentRequired', 'description', 'notes', 'tags',
            'notificationEmailAddresses', 'homepage', 'loginUrl', 'logoutUrl', 'replyUrls')
FILTERABLE = ('appId', 'displayName', 'id', 'servicePrincipalType')
# String collections $filter takes with any(): https://learn.microsoft.com/graph/api/resources/serviceprincipal#properties
# (servicePrincipalNames: what `az ad sp show/list --spn` and `az ad app permission grant` filter on)
ANY_FILTERABLE = ('servicePrincipalNames', 'tags')
KEY = r"(?:/(?P<id>[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})|\(appId='(?P<appid>(?:[^']|'')*)'\))"
TEMPLATE = service_principal('template', 'template', 'template')
ASSIGNMENT_TEMPLATE = app_role_assignment(TEMPLATE, TEMPLATE, 'template')
# The two sides of an assignment, by the navigation property that lists it.
SIDES = {'appRoleAssignedTo': 'resourceId', 'appRoleAssignments': 'principalId'}
ASSIGNMENTS = r'/servicePrincipals' + KEY + r'/(?P<side>appRoleAssignedTo|appRoleAssignments)'


def existing(request):
    """The addressed service principal. One created moments ago is not yet found by appId while
    replication_delay_s lasts (as applications by alternate key; reads by id reach the replica that made it)."""
    tenant = request.tenant
    if request.match.group('appid') is not None:
        found = request.store.principal_by_app_id(tenant, key_value(request, 'appid'))
        if found is not None and request.emulator.faults.replicating(tenant['created'].get(found['id'])):
            found = None
    else:
        found = request.store.principal_by_id(tenant, request.match.group('id').lower())
    if found is None:
        not_found(request, request.match.group('id') or key_value(request, 'appid'))
    return found


def _owns_app(request, app_id):
    """Application.ReadWrite.OwnedBy callers manage service principals of apps they own only."""
    if 'Application.ReadWrite.All' in roles(request):
        return
    app = next((a for a in request.tenant['applications'] if a['appId'] == app_id), None)
    if app is None or request.claims.get('oid') not in request.tenant['owners'].get(app['id'], []):
        request.fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')


def _not_replicated(request, app_id):
    request.fail(400, 'Request_BadRequest', "The appId '%s' of the service principal does not reference a valid "
                                            "application object." % app_id)


def _visible_app(request, app_id):
    """The application a new service principal may be made for: in this tenant, or multitenant elsewhere,
    and already replicated (replication_delay_s after its creation, or a replication_next fault)."""
    home, app = request.store.home_of(app_id)
    if app is None or (home is not request.tenant and app['signInAudience'] == 'AzureADMyOrg'):
        _not_replicated(request, app_id)
    faults = request.emulator.faults
    if faults.replicating(home['created'].get(app_id)) or faults.take('replication_next'):
        _not_replicated(request, app_id)
    return home, app


# https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals
@route('POST', r'/servicePrincipals', WRITE)
def create_service_principal(request):
    body = request.json_object()
    unknown = [name for name in body if name not in SETTABLE and not name.startswith('@odata')]
    if unknown:
        request.fail(400, 'Request_BadRequest', "Property '%s' is read-only or does not exist on resource "
                                                "'ServicePrincipal'." % unknown[0])
    app_id = body.get('appId')
    if not app_id:
        request.fail(400, 'Request_BadRequest', "A value is required for property 'appId' of resource "
                                                "'ServicePrincipal'.")
    tenant = request.tenant
    home, app = _visible_app(request, app_id)
    if home is tenant:
        _owns_app(request, app_id)
    elif 'Application.ReadWrite.All' not in roles(request):
        request.fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
    if request.store.principal_by_app_id(tenant, app_id):
        request.fail(409, 'Request_MultipleObjectsWithSameKeyValue',
                     'The service principal cannot be created, updated, or restored because the service '
                     'principal name %s is already in use.' % app_id)
    principal = service_principal(app_id, app['displayName'], home['id'], app.get('appRoles'),
                                  app['signInAudience'])
    # servicePrincipalNames "Contains the list of identifiersUris, copied over from the associated application"
    principal['servicePrincipalNames'] += [uri for uri in app.get('identifierUris') or [] if uri != app_id]
    # oauth2PermissionScopes: "The delegated permissions exposed by the application" (its api.oauth2PermissionScopes)
    principal['oauth2PermissionScopes'] = copy.deepcopy((app.get('api') or {}).get('oauth2PermissionScopes') or [])
    principal.update((name, value) for name, value in body.items() if name in SETTABLE)
    tenant['servicePrincipals'].append(principal)
    tenant['created'][principal['id']] = time.time()  # for replication_delay_s (keyed by object id)
    return 201, odata.entity(request, principal, 'servicePrincipal', 'servicePrincipals')


# https://learn.microsoft.com/graph/api/serviceprincipal-list
@route('GET', r'/servicePrincipals', READ_PRINCIPALS)
def list_service_principals(request):
    return 200, odata.collection(request, request.tenant['servicePrincipals'], 'servicePrincipal',
                                 'servicePrincipals', TEMPLATE, FILTERABLE, any_filterable=ANY_FILTERABLE)


# https://learn.microsoft.com/graph/api/serviceprincipal-get
@route('GET', r'/servicePrincipals' + KEY, READ_PRINCIPALS)
def get_service_principal(request):
    return 200, odata.entity(request, existing(request), 'servicePrincipal', 'servicePrincipals')


# https://learn.microsoft.com/graph/api/serviceprincipal-delete
@route('DELETE', r'/servicePrincipals' + KEY, WRITE)
def delete_service_principal(request):
    principal = existing(request)
    _owns_app(request, principal['appId'])
    remove_principal(request.tenant, principal)
    return 204, None


# https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto
# https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments
@route('GET', ASSIGNMENTS, READ_ASSIGNMENTS)
def list_assignments(request):
    side = request.match.group('side')
    owner = existing(request)
    items = [a for a in request.tenant['appRoleAssignments'] if a[SIDES[side]] == owner['id']]
    return 200, odata.collection(request, items, 'appRoleAssignment', "servicePrincipals('%s')/%s"
                                 % (owner['id'], side), ASSIGNMENT_TEMPLATE)


def _role_on(request, resource, app_role_id):
    role = next((r for r in resource['appRoles'] if r['id'] == app_role_id), None)
    if role is None or not role.get('isEnabled', True) or 'Application' not in role.get('allowedMemberTypes', []):
        request.fail(400, 'Request_BadRequest', 'Permission being assigned was not found on application')
    return role


# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto (addressed by the resource)
# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments (addressed by the principal)
@route('POST', ASSIGNMENTS, ASSIGN)
def create_assignment(request):
    body = request.json_object()
    side = request.match.group('side')
    tenant, addressed = request.tenant, existing(request)
    for name in ('principalId', 'resourceId', 'appRoleId'):
        if not body.get(name):
            request.fail(400, 'Request_BadRequest', "A value is required for property '%s' of resource "
                                                    "'AppRoleAssignment'." % name)
    if body[SIDES[side]] != addressed['id']:
        request.fail(400, 'Request_BadRequest', "The %s in the request body must be the service principal "
                                                "addressed by the URL." % SIDES[side])
    principal = request.store.principal_by_id(tenant, body['principalId'])
    resource = request.store.principal_by_id(tenant, body['resourceId'])
    if principal is None or resource is None:
        not_found(request, body['principalId'] if principal is None else body['resourceId'])
    # A service principal created moments ago is not yet a valid reference for an assignment: real Graph
    # answers 400 for minutes (not in serviceprincipal-post-approleassignedto; reported in
    # https://github.com/microsoftgraph/msgraph-bicep-types/issues/193).
    faults = request.emulator.faults
    if faults.replicating(tenant['created'].get(principal['id'])) or faults.take('assignment_replication_next'):
        request.fail(400, 'Request_BadRequest', 'Not a valid reference update.')
    _role_on(request, resource, body['appRoleId'])
    if any(a['principalId'] == principal['id'] and a['resourceId'] == resource['id'] and
           a['appRoleId'] == body['appRoleId'] for a in tenant['appRoleAssignments']):
        request.fail(400, 'Request_BadRequest', 'Permission being assigned already exists on the object')
    created = app_role_assignment(principal, resource, body['appRoleId'])
    tenant['appRoleAssignments'].append(created)
    path = "servicePrincipals('%s')/%s" % (addressed['id'], side)
    return 201, dict({'@odata.context': odata.context(request, path, entity=True)}, **created)


# https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto
# https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignments
@route('DELETE', ASSIGNMENTS + r'/(?P<assignment>[A-Za-z0-9_-]+)', ASSIGN)
def delete_assignment(request):
    side = request.match.group('side')
    owner = existing(request)
    tenant = request.tenant
    found = next((a for a in tenant['appRoleAssignments'] if a['id'] == request.match.group('assignment') and
                  a[SIDES[side]] == owner['id']), None)
    if found is None:
        not_found(request, request.match.group('assignment'))
    tenant['appRoleAssignments'].remove(found)
    return 204, None
