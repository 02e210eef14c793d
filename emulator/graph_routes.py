"""Microsoft Graph v1.0 (graph listener): error format, token check and
permission checks shared by the Graph route modules (graph_applications,
graph_service_principals, graph_batch, places, graph_users, graph_roles, ...).

A delegated token (a signed-in user's: `scp`, `idtyp` user) holds the permissions
in its `scp`; its effective rights are those intersected with what the user may
do in the directory (https://learn.microsoft.com/graph/permissions-overview):
authorize_delegated checks the user's directory roles per route.

https://learn.microsoft.com/graph/errors
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote

from emulator import catalog, tokens
from emulator.objects import now_iso
from emulator.routing import service

AUDIENCES = ('https://graph.microsoft.com', catalog.GRAPH_APP_ID)
DENIED = 'Insufficient privileges to complete the operation.'


def error_body(request, code, message):
    """https://learn.microsoft.com/graph/errors#json-representation"""
    return {'error': {'code': code, 'message': message, 'innerError': {
        'date': now_iso(), 'request-id': request.request_id, 'client-request-id': request.client_request_id}}}


SERVICE = service('graph')
SERVICE.error_body = error_body
SERVICE.unknown_status, SERVICE.unknown_code = 400, 'BadRequest'  # Graph: "Resource not found for the segment"


def route(method, pattern, *permissions, locked=True, version='v1.0'):
    """Register a Graph route; `pattern` is the path after /v1.0 (or after /beta, for version='beta': only the
    beta routes the emulator names are served there, any other beta path is an unknown segment).

    Each of `permissions` is a tuple from the route's documented permissions table of which the token
    must hold one (403 otherwise), checked before anything else (an app-only token's `roles`, a delegated
    token's `scp`). The handler runs holding the store's lock (a request sees and changes one consistent
    directory), after, for a delegated token, the signed-in user's directory roles are checked
    (authorize_delegated), and a write that succeeded is saved. `locked=False` is for $batch, whose
    inner requests take the lock one by one.
    """
    def register(handler):
        @functools.wraps(handler)
        def checked(request):
            for accepted in permissions:
                require(request, accepted)
            if not locked:
                return handler(request)
            with request.store.lock:
                if delegated(request):
                    authorize_delegated(request, handler)
                answer = handler(request)
                if request.write and answer[0] < 400:
                    request.store.save(request.tenant)
                return answer
        return SERVICE.route(method, '/' + re.escape(version) + pattern)(checked)
    return register


def authenticate(request):
    """https://learn.microsoft.com/graph/auth/auth-concepts#access-tokens - every call needs a Graph token."""
    audiences = AUDIENCES + (request.emulator.endpoints['graph'],)
    claims, problem = tokens.bearer_claims(request, audiences)
    if claims is None:
        request.claims = {}
        request.fail(401, 'InvalidAuthenticationToken', problem, {'WWW-Authenticate': 'Bearer realm=""'})
    request.claims = claims
    request.tenant = request.store.tenant(claims['tid'])
    if request.tenant is None:
        request.fail(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid tenant.')


SERVICE.before = authenticate


def delegated(request):
    """Whether the token is a signed-in user's (delegated) rather than an application's."""
    return request.claims.get('idtyp') == 'user' or 'scp' in request.claims


def roles(request):
    """The permissions the token holds: an application's app roles, or a signed-in user's delegated scopes."""
    if delegated(request):
        return set(str(request.claims.get('scp') or '').split())
    return set(request.claims.get('roles') or [])


def require(request, permissions):
    """403 unless the token holds one of the permissions the route's documentation lists."""
    if not roles(request) & set(permissions):
        request.fail(403, 'Authorization_RequestDenied', DENIED)


def not_found(request, key):
    request.fail(404, 'Request_ResourceNotFound', "Resource '%s' does not exist or one of its queried "
                                                  "reference-property objects are not present." % key)


def key_value(request, group):
    """An alternate key's value from the path: percent-decoded, '' unescaped to '."""
    return unquote(request.match.group(group)).replace("''", "'")


# Delegated calls -------------------------------------------------------------------------------------------------
# What the signed-in user's directory roles must allow (one of the Microsoft Entra actions, catalog.py) for a write,
# by handler (module.function); a module's other writes need its default; any other write only a Global
# Administrator may make (stricter where the pages are silent). Reads are open to every member user, as Entra's
# default user permissions let members read the directory
# (https://learn.microsoft.com/entra/fundamentals/users-default-permissions). The roles are read from the directory
# when the call is made (not from the token's wids).
WRITES = {
    'graph_applications.create_application': (catalog.APPLICATIONS_CREATE, catalog.APPLICATIONS_CREATE_AS_OWNER),
    'graph_applications.update_application': (catalog.APPLICATIONS_UPDATE,),
    'graph_applications.delete_application': (catalog.APPLICATIONS_DELETE,),
    'graph_applications.add_owner': (catalog.APPLICATIONS_OWNERS,),
    'graph_applications.remove_owner': (catalog.APPLICATIONS_OWNERS,),
    'graph_policies.assign_policy': (catalog.APPLICATIONS_POLICIES,),
    'graph_policies.unassign_policy': (catalog.APPLICATIONS_POLICIES,),
    'graph_service_principals.create_service_principal': (catalog.PRINCIPALS_CREATE,),
    'graph_service_principals.delete_service_principal': (catalog.PRINCIPALS_DELETE,),
}
MODULE_WRITES = {'graph_applications': (catalog.APPLICATIONS_CREDENTIALS,),  # addPassword, removePassword, keys
                 'graph_federated': (catalog.APPLICATIONS_CREDENTIALS,),
                 'graph_grants': (catalog.PERMISSION_GRANTS,),
                 'graph_roles': (catalog.ROLE_ASSIGNMENTS,)}
# App role assignments: granting (or revoking) an application permission is consent, which Application and Cloud
# Application Administrators may give for any API but Microsoft Graph (and Azure AD Graph); Privileged Role
# Administrators for any (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
APP_ROLE_ASSIGNMENT_HANDLERS = ('graph_service_principals.create_assignment',
                                'graph_service_principals.delete_assignment')
MAILBOX_MODULES = ('graph_mail',)


def _user_roles(request):
    return request.tenant['directoryRoles'].get(request.claims.get('oid'), [])


def _assigned_resource(request):
    """The app id of the resource an app role assignment request is about (None when it cannot be told)."""
    tenant = request.tenant
    if request.method == 'DELETE':
        found = next((a for a in tenant['appRoleAssignments'] if a['id'] == request.match.group('assignment')), None)
        resource_id = found and found['resourceId']
    else:
        body = request.json()
        resource_id = body.get('resourceId') if isinstance(body, dict) else None
    resource = request.store.principal_by_id(tenant, resource_id) if isinstance(resource_id, str) else None
    return resource and resource['appId']


def _may_assign(request, names):
    if not catalog.allows(names, catalog.APP_ROLE_ASSIGNMENTS):
        return False
    if catalog.allows(names, catalog.CONSENT_ANY):
        return True
    return catalog.allows(names, catalog.CONSENT_EXCEPT_GRAPH) and \
        _assigned_resource(request) not in catalog.PRIVILEGED_RESOURCES


def _own_mailbox(request):
    """Delegated mail and calendar calls reach the signed-in user's own mailbox only (shared and delegated
    mailboxes are not emulated): https://learn.microsoft.com/graph/permissions-overview#delegated-permissions."""
    key = unquote(request.match.group('user')).lower()
    claims = request.claims
    if key not in (str(claims.get('oid', '')).lower(), str(claims.get('upn', '')).lower()):
        request.fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')


def authorize_delegated(request, handler):
    """403 unless the signed-in user's directory roles allow the call (run under the store's lock)."""
    module = handler.__module__.rsplit('.', 1)[-1]
    name = '%s.%s' % (module, handler.__name__)
    if module in MAILBOX_MODULES:
        return _own_mailbox(request)
    if request.method in ('GET', 'HEAD'):
        return None
    names = _user_roles(request)
    if name in APP_ROLE_ASSIGNMENT_HANDLERS:
        allowed = _may_assign(request, names)
    else:
        needed = WRITES.get(name) or MODULE_WRITES.get(module)
        allowed = catalog.GLOBAL_ADMINISTRATOR in names if needed is None else \
            any(catalog.allows(names, action) for action in needed)
    if not allowed:
        request.fail(403, 'Authorization_RequestDenied', DENIED)
    return None
