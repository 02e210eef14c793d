#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: app_registration
short_description: Ensure a Microsoft Entra app registration and its Microsoft Graph application permissions
version_added: 0.1.0
description:
  - Creates, updates or deletes an app registration (a Microsoft Graph C(application) object).
  - The app is found by O(app_id), else by O(unique_name), else by O(display_name); when several apps
    share the display name the module fails and lists them instead of guessing.
  - Only the properties given are managed; an empty list is managed too and clears the value.
  - Microsoft Graph application permissions are named (for example C(User.Read.All)) and resolved
    from the Microsoft Graph service principal of the tenant. Requesting a permission does not
    consent to it; see M(bookingsone.office365.admin_consent).
author:
  - Bookings ONE engineering (@bookingsone)
options:
  state:
    description: Whether the app registration should exist.
    type: str
    choices: [present, absent]
    default: present
  display_name:
    description:
      - Display name of the app, also the name a new app gets. Required to create an app.
    type: str
  unique_name:
    description:
      - Immutable unique name of the app. When given, the app is created with an upsert, so a
        repeated or retried run can never create a second app.
    type: str
  sign_in_audience:
    description: Which accounts may sign in to the app.
    type: str
    choices: [AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount]
    default: AzureADMultipleOrgs
  web_redirect_uris:
    description:
      - The exact list of redirect URIs of the Web platform. Each must be an https URL
        (http is accepted for localhost only).
      - Not managed when omitted.
    type: list
    elements: str
  graph_permissions:
    description:
      - The exact list of Microsoft Graph application permissions (app roles) the app requests.
      - Delegated permissions and other APIs' permissions are kept as they are.
      - Not managed when omitted.
    type: list
    elements: str
  instance_lock:
    description:
      - App instance property lock (C(servicePrincipalLockConfiguration)) for the app's service principals in
        every tenant, this one and the others of a multitenant app. V(true) locks all sensitive properties
        (credentials used to sign and to verify, token encryption key), so nobody can add a credential to a
        service principal of the app; V(false) turns the lock off.
      - Microsoft's Zero Trust assessment asks for it on multitenant apps.
      - Not managed when omitted.
    type: bool
extends_documentation_fragment:
  - bookingsone.office365.app_key
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Ensure the Bookings ONE app registration
  bookingsone.office365.app_registration:
    tenant_id: contoso.onmicrosoft.com
    client_id: "{{ operator_client_id }}"
    client_secret: "{{ operator_client_secret }}"
    display_name: Bookings ONE
    unique_name: bookingsone
    web_redirect_uris:
      - https://app.bookingsone.example/auth/callback
    graph_permissions:
      - Calendars.ReadWrite
      - Group.Read.All
      - Mail.Send
      - Place.Read.All
      - User.Read.All
  register: app

- name: Remove it
  bookingsone.office365.app_registration:
    tenant_id: contoso.onmicrosoft.com
    app_id: "{{ app.app_id }}"
    state: absent
'''

RETURN = r'''
app_id:
  description: Application (client) ID; null when the app was (or would be) created in check mode or is absent.
  returned: always
  type: str
  sample: 3fa85f64-5717-4562-b3fc-2c963f66afa6
object_id:
  description: Object ID of the application object.
  returned: always
  type: str
tenant_id:
  description: The tenant's GUID, as the access token states it.
  returned: always
  type: str
display_name:
  description: Display name of the app.
  returned: when state is present
  type: str
sign_in_audience:
  description: Which accounts may sign in.
  returned: when state is present
  type: str
web_redirect_uris:
  description: Redirect URIs of the Web platform, sorted.
  returned: when state is present
  type: list
  elements: str
graph_permissions:
  description: Microsoft Graph application permissions the app requests, by name, sorted.
  returned: when state is present
  type: list
  elements: str
instance_lock:
  description: Whether the app instance property lock is on for all sensitive properties.
  returned: when state is present and O(instance_lock) is given
  type: bool
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import check_redirect_uris


def view(app, names_by_id):
    """The app in the module's own terms, normalised so order never counts as drift."""
    shown = dict(
        display_name=app.get('displayName'),
        sign_in_audience=app.get('signInAudience'),
        web_redirect_uris=sorted((app.get('web') or {}).get('redirectUris') or []),
        graph_permissions=sorted(names_by_id.get(i, i) for i in graph_api.graph_role_ids(app)),
    )
    if 'servicePrincipalLockConfiguration' in app:
        shown['instance_lock'] = graph_api.is_locked(app['servicePrincipalLockConfiguration'])
    return shown


def with_graph_roles(current_rra, role_ids):
    """requiredResourceAccess with Graph's application permissions replaced by role_ids."""
    entries = [dict(e) for e in current_rra or [] if e.get('resourceAppId') != graph_api.MICROSOFT_GRAPH_APP_ID]
    graph = [e for e in current_rra or [] if e.get('resourceAppId') == graph_api.MICROSOFT_GRAPH_APP_ID]
    access = [a for e in graph for a in e.get('resourceAccess') or [] if a.get('type') != 'Role']
    access += [dict(id=role_id, type='Role') for role_id in sorted(role_ids)]
    if access:
        entries.append(dict(resourceAppId=graph_api.MICROSOFT_GRAPH_APP_ID, resourceAccess=access))
    return entries


def to_graph(changes, current, catalog):
    """The Graph request body for changed options of the module's view."""
    body = {}
    if 'display_name' in changes:
        body['displayName'] = changes['display_name']
    if 'sign_in_audience' in changes:
        body['signInAudience'] = changes['sign_in_audience']
    if 'web_redirect_uris' in changes:
        # https://learn.microsoft.com/graph/api/application-update says omitted *properties* keep their values,
        # nothing about the members of a complex one such as web; so its other current members are sent
        # again, except redirectUriSettings, which Graph derives from redirectUris (a stale copy next to new
        # URIs is refused: "Invalid value specified for property 'web'", msgraph-sdk-powershell#3149).
        web = dict((k, v) for k, v in (current.get('web') or {}).items() if k != 'redirectUriSettings')
        body['web'] = dict(web, redirectUris=changes['web_redirect_uris'])
    if 'instance_lock' in changes:
        body['servicePrincipalLockConfiguration'] = graph_api.INSTANCE_LOCK if changes['instance_lock'] else dict(isEnabled=False)
    if 'graph_permissions' in changes:
        body['requiredResourceAccess'] = with_graph_roles(
            current.get('requiredResourceAccess'), graph_api.resolve_permissions(catalog, changes['graph_permissions']))
    return body


def delete(state, current):
    """No app registration matches any more (outside check mode); in check mode the result names the one
    that would be deleted."""
    state.ensure.absent(current, lambda app: graph_api.delete_application(state.graph, app['id']))
    if current and state.check_mode:
        state.result.update(app_id=current['appId'], object_id=current['id'])


def check_creatable(params, current):
    """When no app matches, the options can create one: a display_name is given, and no app_id (Microsoft
    Entra assigns that)."""
    if current is None and not params['display_name']:
        raise InputError('display_name is required to create an app registration (none matched %s)'
                         % ('app_id %r' % params['app_id'] if params['app_id'] else
                            'unique_name %r' % params['unique_name']))
    if current is None and params['app_id']:
        raise InputError('no app registration has app_id %r; an app id is assigned by Microsoft Entra, '
                         'so create the app by display_name or unique_name' % params['app_id'])


def permission_catalog(state, current):
    """{permission name: app role id} of Microsoft Graph, read when permissions are managed or an app exists
    (whose permissions are shown by name), else {}; every permission asked for is known before any write."""
    params = state.params
    catalog = {}
    if params['graph_permissions'] is not None or current is not None:
        catalog = graph_api.application_roles(state.graph)
        graph_api.resolve_permissions(catalog, params['graph_permissions'] or [])  # fails before any write
    return catalog


def desired_view(params):
    """The options in the module's view, lists sorted without repeats; None: not managed."""
    return dict(
        display_name=params['display_name'],
        sign_in_audience=params['sign_in_audience'],
        web_redirect_uris=sorted(set(params['web_redirect_uris'])) if params['web_redirect_uris'] is not None
        else None,
        graph_permissions=sorted(set(params['graph_permissions'])) if params['graph_permissions'] is not None
        else None,
        instance_lock=params['instance_lock'],
    )


def ensure_present(state, current):
    """The app registration exists with the options given (outside check mode), and the result shows it as
    it is, or would be, after the task."""
    params = state.params
    catalog = permission_catalog(state, current)
    names_by_id = dict((role_id, name) for name, role_id in catalog.items())
    desired = desired_view(params)
    if current is not None and params['instance_lock'] is not None:
        current = dict(current, servicePrincipalLockConfiguration=graph_api.instance_lock_of(state.graph, current))

    def create(want):
        body = to_graph(dict((k, v) for k, v in want.items() if v is not None), {}, catalog)
        if params['unique_name']:
            # the key in the URL names it; the body need not repeat it (application-upsert's samples do not)
            created = graph_api.upsert_application(state.graph, params['unique_name'], body)
            return created or graph_api.get_application(state.graph, unique_name=params['unique_name'])
        return graph_api.create_application(state.graph, body)

    def update(changes):
        graph_api.update_application(state.graph, current['id'], to_graph(changes, current, catalog))

    if current is None:
        created = state.ensure.present(None, desired, create, update)
        shown = dict((k, v) for k, v in desired.items() if v is not None)
        if created:
            state.result.update(app_id=created['appId'], object_id=created['id'])
    else:
        shown = state.ensure.present(view(current, names_by_id), desired, create, update)
        state.result.update(app_id=current['appId'], object_id=current['id'])
    state.result.update(shown)


def main_logic(state):
    params = state.params
    check_redirect_uris(params['web_redirect_uris'] or [], 'web_redirect_uris')
    current = graph_api.find_app(state.graph, params['app_id'], params['unique_name'], params['display_name'])
    state.result.update(app_id=None, object_id=None)
    if params['state'] == 'absent':
        delete(state, current)
        return
    check_creatable(params, current)
    ensure_present(state, current)


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        graph_api.APP_KEY_SPEC,
        state=dict(type='str', default='present', choices=['present', 'absent']),
        sign_in_audience=dict(type='str', default='AzureADMultipleOrgs',
                              choices=['AzureADMyOrg', 'AzureADMultipleOrgs',
                                       'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']),
        web_redirect_uris=dict(type='list', elements='str'),
        graph_permissions=dict(type='list', elements='str'),
        instance_lock=dict(type='bool'),
    ),
    required_one_of=[('display_name', 'app_id', 'unique_name')],
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
