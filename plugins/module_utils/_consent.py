# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Admin consent for application permissions: the app's service principal (created when missing), and app role
assignments from the resource API's service principal to it. The logic of bookingsone.office365.admin_consent,
and a step of operator_bootstrap.
https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
"""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import is_guid
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient


def resource_principal(state):
    params = state.params
    if params['resource_display_name']:
        found = graph_api.find_service_principals(state.graph, params['resource_display_name'])
        if len(found) != 1:
            raise InputError('%d service principals are named %r; give resource_app_id instead'
                             % (len(found), params['resource_display_name']))
        return found[0]
    app_id = params['resource_app_id'] or graph_api.MICROSOFT_GRAPH_APP_ID
    principal = graph_api.get_service_principal(state.graph, app_id, select=graph_api.RESOURCE_FIELDS)
    if principal is None:
        raise InputError('no service principal of resource_app_id %r in this tenant' % app_id)
    return principal


# Entra's answer while a new object has not replicated yet: for the app behind a new service principal
# (https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals) and, for minutes, for
# a new service principal as the principal of an app role assignment ("Not a valid reference update").
REPLICATING = ('Request_BadRequest',)


def replicating_graph(state):
    """Graph with a retry budget of replication_timeout seconds, for the requests right after a create."""
    return state.graph.with_retry_budget(state.params['replication_timeout'])


def create_principal(state):
    """POST /servicePrincipals, retried by the shared policy while Entra has not replicated a new app yet."""
    try:
        return graph_api.create_service_principal(replicating_graph(state), state.params['app_id'],
                                                  retry_codes=REPLICATING)
    except MicrosoftApiError:
        # A concurrent run may have created it a moment ago (409): then it is there to use.
        created = graph_api.get_service_principal(state.graph, state.params['app_id'], select=graph_api.PRINCIPAL_FIELDS)
        if created is not None:
            return created
        raise


def replicating(state, client, resource, names_by_id, grant):
    """Whether a grant refused as a bad request is worth sending again: Entra has not replicated the new service
    principal yet, unless every permission is held by now (a concurrent run granted it first, and Graph refused
    this run's as a duplicate with the same code)."""
    def retry(response):
        if GraphClient.inner_code(response) not in REPLICATING:
            return False
        return bool(set(grant) - set(held_permissions(state, client, resource, names_by_id)))
    return retry


def held_permissions(state, client, resource, names_by_id):
    return dict((names_by_id.get(a['appRoleId'], a['appRoleId']), a)
                for a in graph_api.app_role_assignments(state.graph, client['id']) if a.get('resourceId') == resource['id'])


def main_logic(state):
    params = state.params
    if not is_guid(params['app_id']):
        raise InputError('app_id %r is not a GUID' % params['app_id'])
    resource = resource_principal(state)
    catalog = dict((role['value'], role['id']) for role in resource.get('appRoles') or []
                   if 'Application' in (role.get('allowedMemberTypes') or []))
    graph_api.resolve_permissions(catalog, params['permissions'], api=resource.get('displayName') or 'the resource API')
    names_by_id = dict((role_id, name) for name, role_id in catalog.items())

    client = graph_api.get_service_principal(state.graph, params['app_id'], select=graph_api.PRINCIPAL_FIELDS)
    created = client is None
    if created:
        state.record_change(dict(service_principal=None), dict(service_principal=params['app_id']),
                            header='service principal')
        if not state.check_mode:
            client = create_principal(state)
    held = held_permissions(state, client, resource, names_by_id) if client is not None else {}
    wanted = set(params['permissions'])

    if params['state'] == 'present':
        grant = sorted(wanted - set(held))
        revoke = sorted(set(held) - wanted) if params['exclusive'] else []
    else:
        grant, revoke = [], sorted(wanted & set(held))
    after = sorted((set(held) | set(grant)) - set(revoke))
    state.result.update(service_principal_id=client and client['id'], granted=grant, revoked=revoke,
                        permissions=after)
    if grant or revoke:
        state.record_change(dict(permissions=sorted(held)), dict(permissions=after),
                            header='%s permissions' % (resource.get('displayName') or 'resource'))
        if not state.check_mode:
            # Only the grants to a service principal made by this run wait out replication; any other
            # 400 is a real bad request and fails at once.
            graph, retry = (replicating_graph(state), replicating(state, client, resource, names_by_id, grant)) \
                if created else (state.graph, ())
            try:
                graph_api.run_batch(graph,
                                    [graph_api.grant_request(resource['id'], client['id'], catalog[name])
                                     for name in grant] +
                                    [graph_api.revoke_request(resource['id'], held[name]['id']) for name in revoke],
                                    retry_codes=retry)
            except MicrosoftApiError:
                # A concurrent run may have granted (or revoked) the same permission first, which Graph
                # refuses as a duplicate; the outcome is what counts, so read it back.
                if sorted(held_permissions(state, client, resource, names_by_id)) != after:
                    raise
