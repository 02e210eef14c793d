"""Graph v1.0 delegated permission grants (oAuth2PermissionGrant): list (with $filter), get, create, update (scope)
and delete, and a service principal's grants. Kept in the tenant's `oauth2PermissionGrants`; a deleted service
principal's grants go with it (graph_applications.remove_principal).

https://learn.microsoft.com/graph/api/resources/oauth2permissiongrant
"""

from __future__ import annotations

from emulator import odata
from emulator.graph_applications import directory_object
from emulator.graph_routes import key_value, not_found, route
from emulator.objects import oauth2_permission_grant

# https://learn.microsoft.com/graph/api/oauth2permissiongrant-list#permissions (and -get,
# serviceprincipal-list-oauth2permissiongrants)
READ = ('Directory.Read.All', 'DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All')
# https://learn.microsoft.com/graph/api/oauth2permissiongrant-post#permissions (and -update, -delete)
WRITE = ('DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All')
# oAuth2PermissionGrant: clientId and consentType "Supports $filter (eq only)"; principalId and resourceId too.
FILTERABLE = ('clientId', 'consentType', 'principalId', 'resourceId')
CONSENT_TYPES = ('AllPrincipals', 'Principal')
SETTABLE = ('clientId', 'consentType', 'principalId', 'resourceId', 'scope')
TEMPLATE = oauth2_permission_grant('template', 'AllPrincipals', None, 'template', '')
GRANT = r'/oauth2PermissionGrants/(?P<grant>[A-Za-z0-9_-]+)'
PRINCIPAL = r"/servicePrincipals(?:/(?P<id>[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})" \
            r"|\(appId='(?P<appid>(?:[^']|'')*)'\))"


def grants(tenant):
    return tenant.setdefault('oauth2PermissionGrants', [])


def _bad(request, message):
    request.fail(400, 'Request_BadRequest', message)


def _existing(request):
    wanted = request.match.group('grant')
    found = next((g for g in grants(request.tenant) if g['id'] == wanted), None)
    if found is None:
        not_found(request, wanted)
    return found


def _check_body(request, body, settable):
    for name in body:
        if name.startswith('@odata'):
            continue
        if name not in TEMPLATE:
            _bad(request, "Property '%s' does not exist as a declared property or extension property." % name)
        if name not in settable:
            _bad(request, "Property '%s' is read-only and cannot be set." % name)
    if 'scope' in body and not isinstance(body['scope'], str):
        _bad(request, "Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.")


def _principal(request, body, name):
    """The service principal a grant names by object id (clientId, resourceId)."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        _bad(request, "A value is required for property '%s' of resource 'OAuth2PermissionGrant'." % name)
    found = request.store.principal_by_id(request.tenant, value.lower())
    if found is None:
        not_found(request, value)
    return found


def _check_scope(request, resource, scope):
    """"Each claim value should match the value field of one of the delegated permissions defined by the API": checked
    against the resource's oauth2PermissionScopes when it publishes any (the emulator's first-party principals carry
    their app roles only)."""
    published = set(s.get('value') for s in resource.get('oauth2PermissionScopes') or [] if s.get('isEnabled', True))
    for value in scope.split():
        if published and value not in published:
            _bad(request, "The scope '%s' is not a delegated permission of the resource '%s'."
                 % (value, resource['displayName']))


def _user(request, body):
    """consentType Principal: principalId is the user consented for (required); AllPrincipals: null."""
    principal_id = body.get('principalId')
    if body['consentType'] == 'AllPrincipals':
        if principal_id is not None:
            _bad(request, "principalId must be null when consentType is 'AllPrincipals'.")
        return None
    if not isinstance(principal_id, str) or not principal_id:
        _bad(request, "A value is required for property 'principalId' of resource 'OAuth2PermissionGrant' when "
                      "consentType is 'Principal'.")
    kind, user = directory_object(request.tenant, principal_id)
    if kind != 'user':
        not_found(request, principal_id)
    return user['id']


# https://learn.microsoft.com/graph/api/oauth2permissiongrant-list
@route('GET', r'/oauth2PermissionGrants', READ)
def list_grants(request):
    return 200, odata.collection(request, grants(request.tenant), 'oAuth2PermissionGrant', 'oauth2PermissionGrants',
                                 TEMPLATE, FILTERABLE)


# https://learn.microsoft.com/graph/api/oauth2permissiongrant-get
@route('GET', GRANT, READ)
def get_grant(request):
    return 200, odata.entity(request, _existing(request), 'oAuth2PermissionGrant', 'oauth2PermissionGrants')


# https://learn.microsoft.com/graph/api/oauth2permissiongrant-post
@route('POST', r'/oauth2PermissionGrants', WRITE)
def create_grant(request):
    body = request.json_object()
    _check_body(request, body, SETTABLE)
    if body.get('consentType') not in CONSENT_TYPES:
        _bad(request, "Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'; "
                      "AllPrincipals or Principal.")
    if not isinstance(body.get('scope'), str):
        _bad(request, "A value is required for property 'scope' of resource 'OAuth2PermissionGrant'.")
    client, resource = _principal(request, body, 'clientId'), _principal(request, body, 'resourceId')
    user_id = _user(request, body)
    _check_scope(request, resource, body['scope'])
    if any(g['clientId'] == client['id'] and g['resourceId'] == resource['id'] and
           g['consentType'] == body['consentType'] and g['principalId'] == user_id for g in grants(request.tenant)):
        request.fail(409, 'Request_MultipleObjectsWithSameKeyValue', 'Permission entry already exists.')
    grant = oauth2_permission_grant(client['id'], body['consentType'], user_id, resource['id'],
                                    ' '.join(body['scope'].split()))
    grants(request.tenant).append(grant)
    return 201, odata.entity(request, grant, 'oAuth2PermissionGrant', 'oauth2PermissionGrants')


# https://learn.microsoft.com/graph/api/oauth2permissiongrant-update - "The following table specifies the properties
# that can be updated": scope only.
@route('PATCH', GRANT, WRITE)
def update_grant(request):
    body = request.json_object()
    _check_body(request, body, ('scope',))
    grant = _existing(request)
    if 'scope' in body:
        resource = request.store.principal_by_id(request.tenant, grant['resourceId'])
        _check_scope(request, resource, body['scope'])
        grant['scope'] = ' '.join(body['scope'].split())
    return 204, None


# https://learn.microsoft.com/graph/api/oauth2permissiongrant-delete
@route('DELETE', GRANT, WRITE)
def delete_grant(request):
    grants(request.tenant).remove(_existing(request))
    return 204, None


# https://learn.microsoft.com/graph/api/serviceprincipal-list-oauth2permissiongrants - the grants whose client is
# this service principal.
@route('GET', PRINCIPAL + r'/oauth2PermissionGrants', READ)
def list_principal_grants(request):
    if request.match.group('appid') is not None:
        principal = request.store.principal_by_app_id(request.tenant, key_value(request, 'appid'))
    else:
        principal = request.store.principal_by_id(request.tenant, request.match.group('id').lower())
    if principal is None:
        not_found(request, request.match.group('id') or key_value(request, 'appid'))
    items = [g for g in grants(request.tenant) if g['clientId'] == principal['id']]
    return 200, odata.collection(request, items, 'oAuth2PermissionGrant', "servicePrincipals('%s')/"
                                 "oauth2PermissionGrants" % principal['id'], TEMPLATE, FILTERABLE)
