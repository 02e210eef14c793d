# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin Microsoft Graph calls for app registrations and service principals.

Only request shapes live here; retries and errors are the HTTP layer's, and
decisions are the modules'.
"""

from __future__ import annotations

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import odata_quote

MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'
# How a module finds the app registration (doc fragment bookingsone.office365.app_key): by the first key given.
APP_KEY_BY_ID_SPEC = dict(app_id=dict(type='str'), unique_name=dict(type='str'))
APP_KEY_SPEC = dict(APP_KEY_BY_ID_SPEC, display_name=dict(type='str'))
# What the modules $select of a client's and of a resource API's service principal.
PRINCIPAL_FIELDS = ['id', 'appId', 'displayName']
RESOURCE_FIELDS = PRINCIPAL_FIELDS + ['appRoles']


def _key(name, value):
    return '(%s=%s)' % (name, quote(odata_quote(value), safe="'="))


# https://learn.microsoft.com/graph/api/application-get
def application_path(object_id=None, app_id=None, unique_name=None):
    if object_id:
        return '/applications/%s' % quote(object_id)
    if app_id:
        return '/applications' + _key('appId', app_id)
    return '/applications' + _key('uniqueName', unique_name)


def get_application(graph, select=None, **key):
    return graph.get_or_none(application_path(**key), params={'$select': ','.join(select)} if select else None)


# https://learn.microsoft.com/graph/api/resources/serviceprincipallockconfiguration
INSTANCE_LOCK = dict(isEnabled=True, allProperties=True, credentialsWithUsageSign=True,
                     credentialsWithUsageVerify=True, tokenEncryptionKeyId=True)


def is_locked(configuration):
    """Whether the lock covers every sensitive property (allProperties, or each of them)."""
    get = (configuration or {}).get
    return bool(get('isEnabled')) and (bool(get('allProperties')) or all(
        get(name) for name in ('credentialsWithUsageSign', 'credentialsWithUsageVerify', 'tokenEncryptionKeyId')))


def instance_lock_of(graph, app):
    """The app's servicePrincipalLockConfiguration; asked for by name when a read did not return it."""
    if 'servicePrincipalLockConfiguration' in app:
        return app['servicePrincipalLockConfiguration']
    selected = get_application(graph, object_id=app['id'], select=['servicePrincipalLockConfiguration']) or {}
    return selected.get('servicePrincipalLockConfiguration')


# https://learn.microsoft.com/graph/api/application-list
def find_applications(graph, display_name):
    return graph.list('/applications', params={'$filter': 'displayName eq %s' % odata_quote(display_name)})


def find_app(graph, app_id=None, unique_name=None, display_name=None):
    """The app named by the first key given; None when absent.

    A display name is not unique in Entra: several matches fail rather than guess.
    """
    if app_id:
        return get_application(graph, app_id=app_id)
    if unique_name:
        return get_application(graph, unique_name=unique_name)
    matches = find_applications(graph, display_name)
    if len(matches) > 1:
        raise InputError('%d app registrations are named %r (appId %s); name the one to manage with app_id '
                         'or unique_name' % (len(matches), display_name,
                                             ', '.join(sorted(app['appId'] for app in matches))))
    return matches[0] if matches else None


def graph_role_ids(app):
    """Ids of the Microsoft Graph application permissions an app requests."""
    for entry in app.get('requiredResourceAccess') or []:
        if entry.get('resourceAppId') == MICROSOFT_GRAPH_APP_ID:
            return [access['id'] for access in entry.get('resourceAccess') or [] if access.get('type') == 'Role']
    return []


# https://learn.microsoft.com/graph/api/application-post-applications
def create_application(graph, body):
    return graph.post('/applications', body)


# https://learn.microsoft.com/graph/api/application-upsert
def upsert_application(graph, unique_name, body):
    """Create the app under its unique name, or update it if it is already there.

    Safe to repeat after a lost response: it cannot create a second app.
    Returns the object when it was created, None when it was updated.
    """
    response = graph.patch(application_path(unique_name=unique_name), body,
                           headers={'Prefer': 'create-if-missing'})
    return graph.json_or_none(response) if response.status_code == 201 else None


# https://learn.microsoft.com/graph/api/application-update
def update_application(graph, object_id, body):
    graph.patch(application_path(object_id=object_id), body)


# https://learn.microsoft.com/graph/api/application-delete
def delete_application(graph, object_id):
    graph.delete(application_path(object_id=object_id))


# https://learn.microsoft.com/graph/api/serviceprincipal-get
def get_service_principal(graph, app_id, select=None):
    params = {'$select': ','.join(select)} if select else None
    return graph.get_or_none('/servicePrincipals' + _key('appId', app_id), params=params)


def application_roles(graph, resource_app_id=MICROSOFT_GRAPH_APP_ID):
    """{permission name: app role id} of the application permissions a resource API offers.

    Read from the resource's service principal in the tenant, as the portal does.
    """
    principal = get_service_principal(graph, resource_app_id, select=RESOURCE_FIELDS)
    if principal is None:
        raise InputError('the resource API %s has no service principal in this tenant' % resource_app_id)
    return dict((role['value'], role['id']) for role in principal.get('appRoles') or []
                if 'Application' in (role.get('allowedMemberTypes') or []) and role.get('isEnabled', True))


def resolve_permissions(catalog, names, api='Microsoft Graph'):
    """App role ids for permission names; unknown names fail, listing the valid ones."""
    unknown = [name for name in names if name not in catalog]
    if unknown:
        raise InputError('unknown %s application permission(s) %s; valid names: %s'
                         % (api, ', '.join(sorted(unknown)), ', '.join(sorted(catalog))))
    return [catalog[name] for name in names]


# https://learn.microsoft.com/graph/api/application-addpassword
def add_password(graph, object_id, display_name, end_date_time):
    return graph.post('/applications/%s/addPassword' % quote(object_id),
                      {'passwordCredential': {'displayName': display_name, 'endDateTime': end_date_time}})


# https://learn.microsoft.com/graph/api/application-removepassword
def remove_password(graph, object_id, key_id):
    graph.request('POST', '/applications/%s/removePassword' % quote(object_id), body={'keyId': key_id})


# https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals
def create_service_principal(graph, app_id, retry_codes=()):
    return graph.json_or_none(graph.request('POST', '/servicePrincipals', body={'appId': app_id},
                                            retry_codes=retry_codes))


def find_service_principals(graph, display_name):
    return graph.list('/servicePrincipals', params={'$filter': 'displayName eq %s' % odata_quote(display_name)})


# https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments
def app_role_assignments(graph, principal_id):
    return graph.list('/servicePrincipals/%s/appRoleAssignments' % quote(principal_id))


# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
def grant_request(resource_id, principal_id, app_role_id):
    """A $batch request granting one application permission (admin consent)."""
    return dict(method='POST', url='/servicePrincipals/%s/appRoleAssignedTo' % resource_id,
                headers={'Content-Type': 'application/json'},
                body=dict(principalId=principal_id, resourceId=resource_id, appRoleId=app_role_id))


# https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto
def revoke_request(resource_id, assignment_id):
    return dict(method='DELETE', url='/servicePrincipals/%s/appRoleAssignedTo/%s' % (resource_id, assignment_id))


def run_batch(graph, requests, retry_codes=()):
    """Send requests through $batch; the first failed one raises its own error.

    `retry_codes`: inner error codes that are transient for these requests (retried like inner 429s).
    """
    numbered = [dict(request, id=str(number)) for number, request in enumerate(requests, 1)]
    for request, response in zip(numbered, graph.batch(numbered, retry_codes=retry_codes)):
        if not response.get('status') or response['status'] >= 400:
            raise graph.inner_error(response, request)


# https://learn.microsoft.com/graph/api/place-list
PLACES_PAGE_SIZE = 100


def rooms(graph, room_list=None):
    """Rooms of the tenant, or of one room list (by its email address).

    Graph leaves out rooms hidden from the address lists; 100 places per page by default, and the
    page names no maximum for $top, so 100 is asked for explicitly and every nextLink followed.
    """
    params = {'$top': PLACES_PAGE_SIZE}
    if room_list:
        return graph.list('/places/%s/microsoft.graph.roomlist/rooms' % quote(room_list, safe='@'), params=params)
    return graph.list('/places/microsoft.graph.room', params=params)


# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-get
def default_app_management_policy(graph):
    return graph.get('/policies/defaultAppManagementPolicy')


# https://learn.microsoft.com/graph/api/appmanagementpolicy-list-appliesto (the reverse: policies on one app)
def app_management_policies_of(graph, object_id):
    return graph.list('/applications/%s/appManagementPolicies' % quote(object_id))


# Microsoft Entra role assignments at tenant scope ('/').
# https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments
def directory_role_assignments(graph, principal_id):
    return graph.list('/roleManagement/directory/roleAssignments',
                      params={'$filter': 'principalId eq %s' % odata_quote(principal_id)})


# https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments
def assign_directory_role(graph, principal_id, role_definition_id, retry_codes=()):
    return graph.json_or_none(graph.request(
        'POST', '/roleManagement/directory/roleAssignments', retry_codes=retry_codes,
        body={'principalId': principal_id, 'roleDefinitionId': role_definition_id, 'directoryScopeId': '/'}))


# https://learn.microsoft.com/graph/api/unifiedroleassignment-delete
def remove_directory_role(graph, assignment_id):
    graph.delete('/roleManagement/directory/roleAssignments/%s' % quote(assignment_id))


# https://learn.microsoft.com/graph/api/serviceprincipal-delete
def delete_service_principal(graph, object_id):
    graph.delete('/servicePrincipals/%s' % quote(object_id))


# https://learn.microsoft.com/graph/api/application-list
def probe(graph):
    """One cheap read: the identity may read app registrations in this tenant."""
    graph.request('GET', '/applications', params={'$top': '1', '$select': 'id'})
