"""Graph v1.0 role management for the directory provider: the built-in role definitions
(catalog.ROLES) and role assignments at tenant scope.

Role assignments are the tenant's `directoryRoles` ({principal object id: [role names]}), the one store the seed's
`directory_roles` (users and service principals) fill, the `wids` claim is made from and Exchange authorizes on. An
assignment's id is derived from it as Entra derives it: the base64url of the role definition id and the principal
id (both as little-endian GUID bytes) and "-1" (the example ids of rbacapplication-post-roleassignments decode so),
so it is the same on every read. Only directoryScopeId "/" (the tenant) is emulated: administrative unit and
application scopes are refused (400), stricter than Graph.

https://learn.microsoft.com/graph/api/resources/unifiedroleassignment
https://learn.microsoft.com/graph/api/resources/unifiedroledefinition
"""

from __future__ import annotations

import base64
import uuid

from emulator import catalog, odata
from emulator.graph_routes import not_found, route

BASE = r'/roleManagement/directory'
# https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions#permissions (and unifiedroledefinition-get)
READ_DEFINITIONS = ('RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory',
                    'Directory.Read.All', 'Directory.ReadWrite.All')
# https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments#permissions (and unifiedroleassignment-get)
READ_ASSIGNMENTS = READ_DEFINITIONS
# https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments#permissions
# (and unifiedroleassignment-delete)
WRITE_ASSIGNMENTS = ('RoleManagement.ReadWrite.Directory',)
WRITABLE = ('principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'condition')
CONFLICT = 'A conflicting object with one or more of the specified property values is present in the directory.'


def definition(name):
    """A built-in role as Graph's unifiedRoleDefinition; rolePermissions lists the actions the emulator enforces
    (a subset of the role's permissions in permissions-reference)."""
    template, description, actions = catalog.ROLES[name]
    return {'id': template, 'description': description, 'displayName': name, 'isBuiltIn': True, 'isEnabled': True,
            'resourceScopes': ['/'], 'templateId': template, 'version': '1',
            'rolePermissions': [{'allowedResourceActions': list(actions), 'condition': None}]}


def assignment_id(role_definition_id, principal_id):
    raw = uuid.UUID(role_definition_id).bytes_le + uuid.UUID(principal_id).bytes_le
    return base64.urlsafe_b64encode(raw).decode().rstrip('=') + '-1'


def assignment(role_name, principal_id):
    template = catalog.DIRECTORY_ROLES[role_name]
    return {'id': assignment_id(template, principal_id), 'principalId': principal_id, 'roleDefinitionId': template,
            'directoryScopeId': '/', 'appScopeId': None, 'condition': None}


def assignments(tenant):
    return [assignment(name, principal_id) for principal_id, names in tenant['directoryRoles'].items()
            for name in names if name in catalog.DIRECTORY_ROLES]


DEFINITION_TEMPLATE = definition(catalog.GLOBAL_ADMINISTRATOR)
ASSIGNMENT_TEMPLATE = assignment(catalog.GLOBAL_ADMINISTRATOR, str(uuid.UUID(int=0)))


# https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions
@route('GET', BASE + r'/roleDefinitions', READ_DEFINITIONS)
def list_definitions(request):
    items = [definition(name) for name in sorted(catalog.ROLES)]
    return 200, odata.collection(request, items, 'unifiedRoleDefinition', 'roleManagement/directory/roleDefinitions',
                                 DEFINITION_TEMPLATE, ('id', 'displayName', 'templateId'))


# https://learn.microsoft.com/graph/api/unifiedroledefinition-get
@route('GET', BASE + r'/roleDefinitions/(?P<id>[^/]+)', READ_DEFINITIONS)
def get_definition(request):
    key = request.match.group('id').lower()
    name = catalog.ROLE_NAMES.get(key)
    if name is None:
        not_found(request, request.match.group('id'))
    return 200, odata.entity(request, definition(name), 'unifiedRoleDefinition',
                             'roleManagement/directory/roleDefinitions')


# https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments
@route('GET', BASE + r'/roleAssignments', READ_ASSIGNMENTS)
def list_assignments(request):
    return 200, odata.collection(request, assignments(request.tenant), 'unifiedRoleAssignment',
                                 'roleManagement/directory/roleAssignments', ASSIGNMENT_TEMPLATE,
                                 ('id', 'principalId', 'roleDefinitionId', 'directoryScopeId'))


def _existing(request):
    found = next((a for a in assignments(request.tenant) if a['id'] == request.match.group('id')), None)
    if found is None:
        not_found(request, request.match.group('id'))
    return found


# https://learn.microsoft.com/graph/api/unifiedroleassignment-get
@route('GET', BASE + r'/roleAssignments/(?P<id>[A-Za-z0-9_-]+)', READ_ASSIGNMENTS)
def get_assignment(request):
    return 200, odata.entity(request, _existing(request), 'unifiedRoleAssignment',
                             'roleManagement/directory/roleAssignments')


def _bad(request, message):
    request.fail(400, 'Request_BadRequest', message)


def _principal_exists(tenant, principal_id):
    return any(sp['id'] == principal_id for sp in tenant['servicePrincipals']) or \
        any(u['id'] == principal_id for u in tenant['users'])


def _validate(request, body):
    """(role name, principal id) of a new assignment, or 400/404 as Graph answers."""
    unknown = [name for name in body if name not in WRITABLE and not name.startswith('@odata')]
    if unknown:
        _bad(request, "Property '%s' is read-only or does not exist on resource 'unifiedRoleAssignment'." % unknown[0])
    for name in ('principalId', 'roleDefinitionId'):
        if not isinstance(body.get(name), str) or not body[name]:
            _bad(request, "A value is required for property '%s' of resource 'unifiedRoleAssignment'." % name)
    if body.get('appScopeId') or body.get('condition'):
        _bad(request, 'Only directory-scoped assignments without conditions are supported here.')
    if body.get('directoryScopeId') != '/':
        _bad(request, "Property 'directoryScopeId' must be '/' (the tenant): administrative unit and application "
                      "scopes are not supported here.")
    name = catalog.ROLE_NAMES.get(body['roleDefinitionId'].lower())
    if name is None:
        not_found(request, body['roleDefinitionId'])
    if not _principal_exists(request.tenant, body['principalId'].lower()):
        not_found(request, body['principalId'])
    return name, body['principalId'].lower()


# https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments
@route('POST', BASE + r'/roleAssignments', WRITE_ASSIGNMENTS)
def create_assignment(request):
    name, principal_id = _validate(request, request.json_object())
    held = request.tenant['directoryRoles'].setdefault(principal_id, [])
    if name in held:
        _bad(request, CONFLICT)
    held.append(name)
    created = assignment(name, principal_id)
    context = odata.context(request, 'roleManagement/directory/roleAssignments', entity=True)
    return 201, dict({'@odata.context': context}, **created)


# https://learn.microsoft.com/graph/api/unifiedroleassignment-delete
@route('DELETE', BASE + r'/roleAssignments/(?P<id>[A-Za-z0-9_-]+)', WRITE_ASSIGNMENTS)
def delete_assignment(request):
    found = _existing(request)
    request.tenant['directoryRoles'][found['principalId']].remove(catalog.ROLE_NAMES[found['roleDefinitionId']])
    return 204, None
