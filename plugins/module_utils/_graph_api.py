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


def _key(name, value):
    return '(%s=%s)' % (name, quote(odata_quote(value), safe="'="))


# https://learn.microsoft.com/graph/api/application-get
def application_path(object_id=None, app_id=None, unique_name=None):
    if object_id:
        return '/applications/%s' % quote(object_id)
    if app_id:
        return '/applications' + _key('appId', app_id)
    return '/applications' + _key('uniqueName', unique_name)


def get_application(graph, **key):
    return graph.get_or_none(application_path(**key))


# https://learn.microsoft.com/graph/api/application-list
def find_applications(graph, display_name):
    return graph.list('/applications', params={'$filter': 'displayName eq %s' % odata_quote(display_name)})


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
    principal = get_service_principal(graph, resource_app_id, select=['id', 'appId', 'displayName', 'appRoles'])
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
