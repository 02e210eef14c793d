#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: operator_bootstrap
short_description: Give the operator identity exactly what its role needs in a customer tenant, with one admin sign-in
version_added: 0.3.0
description:
  - The customer's administrator signs in once with the OAuth 2.0 device authorization grant - the task prints the
    verification URL and the user code (in the job output under AWX) and waits for the sign-in for at most
    O(sign_in.timeout) seconds. Everything else is done with that person's delegated token.
  - The operator app (O(operator_app_id), the ops team's multitenant app, one app ID for every tenant) gets a
    service principal in the tenant; exactly the Microsoft Graph application permissions O(operator_role) needs
    (plus O(optional_permissions)) and, when the role uses Exchange Online, C(Exchange.ManageAsApp), as app role
    assignments (other permissions on the two APIs are revoked); and exactly the one Microsoft Entra role the
    role needs (Global Reader, Exchange Recipient Administrator or Exchange Administrator), assigned through
    C(POST /roleManagement/directory/roleAssignments) (any other directory role of the operator is removed).
  - Before anything is written, the signed-in person must hold Global Administrator, or Privileged Role
    Administrator together with Cloud Application Administrator or Application Administrator; anyone else is
    refused, naming the roles, and nothing is written.
  - Outside check mode the task then signs in as the operator (app-only, with the connection options' credential)
    and makes one read per service it uses, retrying through Microsoft Entra's replication delay for up to
    O(replication_timeout) seconds; only then does it report success.
  - With O(state=absent) the operator's directory role assignments are removed and its service principal is
    deleted (Microsoft Entra removes its app role assignments with it).
  - The table of what each role needs is the README's "The operator identity and what it needs".
author:
  - Bookings ONE engineering (@bookingsone)
options:
  operator_role:
    description:
      - What the operator is for in this tenant; V(audit) (audit.yml), V(rotate) (rotate_secrets.yml), V(onboard)
        (onboard.yml and offboard.yml) or V(onboard_scoped) (the same with C(bookingsone_access_scope=rooms)).
    type: str
    choices: [audit, rotate, onboard, onboard_scoped]
    default: onboard
  operator_app_id:
    description:
      - Application (client) ID of the operator app. Defaults to O(client_id), the app the connection options
        sign in as (C(AZURE_CLIENT_ID)).
    type: str
  optional_permissions:
    description:
      - Microsoft Graph application permissions granted besides the role's, from those the README lists as
        optional (C(Policy.Read.All), C(Place.Read.All)); the audit counts them as needed.
    type: list
    elements: str
    default: []
  state:
    description: V(present) bootstraps the operator; V(absent) removes its role assignments and service principal.
    type: str
    choices: [present, absent]
    default: present
  remove_as:
    description:
      - With O(state=absent), who removes the operator - V(administrator) (a device code sign-in; the directory role
        assignments are removed first, then the service principal) or V(operator) (the operator deletes its own
        service principal with the connection options' credential, as the last step of offboarding; Microsoft Entra
        removes its role assignments and app role assignments with it).
    type: str
    choices: [administrator, operator]
    default: administrator
  replication_timeout:
    description:
      - Seconds to wait out Microsoft Entra replication - for the new service principal to take role assignments,
        and, when verifying, for the operator's token to carry what was granted.
    type: int
    default: 300
  verify:
    description: Sign in as the operator afterwards and make one read per service (not in check mode).
    type: bool
    default: true
  sign_in:
    description: The administrator's sign-in (device code).
    type: dict
    default: {}
    suboptions:
      client_id:
        description:
          - The public client the administrator signs in with; it asks for the delegated permissions
            C(Application.ReadWrite.All), C(AppRoleAssignment.ReadWrite.All) and
            C(RoleManagement.ReadWrite.Directory), to which the administrator consents at sign-in.
          - Defaults to Microsoft Graph Command Line Tools (C(14d82eec-204b-4c2f-b7e8-296a70dab67e)), Microsoft's
            own client; an ops team's own public client app works as well.
        type: str
      timeout:
        description: Seconds to wait for the administrator to enter the code.
        type: int
        default: 900
extends_documentation_fragment:
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
notes:
  - Runs on the controller only (an action plugin), because the verification URL and code must be shown while
    the task waits.
  - A tenant that blocks the device code flow (Conditional Access) is bootstrapped by its administrator opening
    the admin consent URL this task returns (C(admin_consent_url)) and assigning the one directory role it names;
    the preflight of every playbook then says which of the two is still missing.
'''

EXAMPLES = r'''
- name: Bootstrap the operator for onboarding (the tenant's admin signs in once)
  bookingsone.office365.operator_bootstrap:
    tenant_id: contoso.onmicrosoft.com
    operator_role: onboard
'''

RETURN = r'''
operator_app_id:
  description: The operator app's application (client) ID.
  returned: always
  type: str
service_principal_id:
  description: Object ID of the operator's service principal in the tenant; null when it would be created in check mode.
  returned: always
  type: str
graph_permissions:
  description: Microsoft Graph application permissions the operator holds after the run.
  returned: always
  type: list
  elements: str
exchange_permissions:
  description: Office 365 Exchange Online application permissions the operator holds after the run.
  returned: always
  type: list
  elements: str
directory_roles:
  description: The Microsoft Entra roles the operator holds after the run, by name.
  returned: always
  type: list
  elements: str
signed_in_as:
  description: The administrator who signed in (user principal name) and the roles that allowed it.
  returned: unless the operator removed itself (O(remove_as=operator))
  type: dict
verified:
  description: What the operator's own sign-in showed (seconds waited, the reads made); absent in check mode.
  returned: when O(verify=true), outside check mode
  type: dict
admin_consent_url:
  description: The URL a tenant's administrator opens to consent to the operator app without this task.
  returned: always
  type: str
'''

import time

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _consent as consent_logic
from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import is_guid
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError, TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._operator_access import MANAGE_AS_APP, role_names

EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000'
# Graph's answer while a service principal made moments ago is not yet known to role management.
NOT_REPLICATED = ('Request_ResourceNotFound', 'Request_BadRequest')


def admin_consent_url(login, tenant, app_id):
    """The page where a tenant's administrator consents to an app's permissions for the organization.
    https://learn.microsoft.com/entra/identity-platform/v2-admin-consent"""
    return '%s/%s/adminconsent?client_id=%s' % (login, tenant, app_id)


def check_input(params):
    if not is_guid(params['operator_app_id'] or ''):
        raise InputError('operator_app_id %r is not a GUID (the operator app\'s application (client) ID)'
                         % params['operator_app_id'])
    allowed = bookingsone.OPERATOR_OPTIONAL_GRAPH
    odd = [name for name in params['optional_permissions'] if name not in allowed]
    if odd:
        raise InputError('optional_permissions %s: only %s may be granted besides the role\'s'
                         % (', '.join(odd), ', '.join(allowed)))


def signed_in_admin(state):
    """{'user', 'roles'} of the person whose delegated token this task holds; refuses anyone who may not bootstrap."""
    claims = state.connection.token_claims('graph')
    user = claims.get('upn') or claims.get('preferred_username') or claims.get('oid')
    if not claims.get('scp') or not claims.get('oid'):
        raise InputError('operator_bootstrap needs a person\'s delegated token (the device code sign-in); this token '
                         'has no signed-in user')
    held = set(claims.get('wids') or [])
    try:  # the role assignments say it even when the token carries no wids claim
        held.update(a['roleDefinitionId'] for a in graph_api.directory_role_assignments(state.graph, claims['oid']))
    except MicrosoftApiError as exc:
        if exc.status != 403:  # 403: not allowed to read them, so no role that may bootstrap
            raise
    names = role_names(held)
    if not any(set(needed) <= set(names) for needed in bookingsone.BOOTSTRAP_ADMIN_ROLES):
        raise TaskFailed('%s signed in, who holds %s; bootstrapping the operator needs %s, so nothing was written to '
                         'this tenant' % (user, ', '.join(names) or 'no administrator role',
                                          ' or '.join(' with '.join(combo) for combo in
                                                      bookingsone.BOOTSTRAP_ADMIN_ROLES)))
    return dict(user=user, roles=names)


def consent(state, resource_app_id, permissions):
    """Exactly `permissions` of one resource API for the operator (admin_consent's logic, exclusive)."""
    return state.step(consent_logic.main_logic, app_id=state.params['operator_app_id'], resource_app_id=resource_app_id,
                      resource_display_name=None, permissions=list(permissions), exclusive=True, state='present',
                      replication_timeout=state.params['replication_timeout'])


def ensure_directory_role(state, principal_id, role, created):
    """Exactly the role's one directory role for the operator's service principal, at tenant scope."""
    wanted = bookingsone.DIRECTORY_ROLES[role.directory_role] if role.directory_role else None
    held = graph_api.directory_role_assignments(state.graph, principal_id) if principal_id else []
    extra = [a for a in held if a['roleDefinitionId'].lower() != wanted]
    missing = wanted is not None and not any(a['roleDefinitionId'].lower() == wanted for a in held)
    before = role_names(a['roleDefinitionId'] for a in held)
    after = [role.directory_role] if role.directory_role else []
    if missing or extra:
        state.record_change(dict(directory_roles=before), dict(directory_roles=after), header='directory roles')
        if not state.check_mode:
            graph = state.graph.with_retry_budget(state.params['replication_timeout']) if created else state.graph
            if missing:
                graph_api.assign_directory_role(graph, principal_id, wanted,
                                                retry_codes=NOT_REPLICATED if created else ())
            for assignment in extra:
                graph_api.remove_directory_role(state.graph, assignment['id'])
    return after if (missing or extra) else before


def bootstrap(state, role):
    params = state.params
    graph_wanted = sorted(role.graph + tuple(params['optional_permissions']))
    exchange_wanted = [MANAGE_AS_APP] if role.exchange else []
    created = graph_api.get_service_principal(state.graph, params['operator_app_id'],
                                              select=graph_api.PRINCIPAL_FIELDS) is None
    if created and state.check_mode:  # one diff for what a run would make, without asking twice for one principal
        after = dict(service_principal=params['operator_app_id'], graph_permissions=graph_wanted,
                     exchange_permissions=exchange_wanted, directory_roles=[role.directory_role] if role.directory_role
                     else [])
        state.record_change(dict((key, None if key == 'service_principal' else []) for key in after), after,
                            header='operator service principal')
        state.result.update(after, service_principal_id=None)
        state.result.pop('service_principal')
        return
    graph = consent(state, graph_api.MICROSOFT_GRAPH_APP_ID, graph_wanted)
    exchange = consent(state, EXCHANGE_APP_ID, exchange_wanted)
    principal_id = graph['service_principal_id']
    roles = ensure_directory_role(state, principal_id, role, created)
    state.result.update(service_principal_id=principal_id, graph_permissions=graph['permissions'],
                        exchange_permissions=exchange['permissions'], directory_roles=roles)


def remove(state, by_administrator):
    """The operator's directory role assignments (when an administrator removes it), then its service principal,
    with which Microsoft Entra removes its app role assignments (and any role assignment left)."""
    principal = graph_api.get_service_principal(state.graph, state.params['operator_app_id'],
                                                select=graph_api.PRINCIPAL_FIELDS)
    state.result.update(service_principal_id=None, graph_permissions=[], exchange_permissions=[], directory_roles=[])
    if principal is None:
        return
    held = graph_api.directory_role_assignments(state.graph, principal['id']) if by_administrator else []
    before = dict(service_principal=principal['id'])
    if by_administrator:
        before['directory_roles'] = role_names(a['roleDefinitionId'] for a in held)
    state.record_change(before, dict((key, None if key == 'service_principal' else []) for key in before),
                        header='operator service principal')
    if state.check_mode:
        return
    for assignment in held:
        graph_api.remove_directory_role(state.graph, assignment['id'])
    graph_api.delete_service_principal(state.graph, principal['id'])


def replicating(exc):
    """Whether an error of the operator's own sign-in or read means Entra has not replicated the grants yet: the
    sign-in does not find the new service principal (AADSTS700016), or the token lacks the new roles and Graph or
    Exchange Online refuse it (401, 403)."""
    if exc.service == 'login':
        return 'AADSTS700016' in exc.message
    return exc.status in (401, 403)


def verify(connection, role, timeout, sleep=time.sleep, clock=time.monotonic):
    """Sign in as the operator (app-only) with fresh tokens until its Graph token carries the role's permissions
    and one read per service it uses succeeds, for up to `timeout` seconds. Returns what was shown; TaskFailed with
    the last refusal when the time is up."""
    started, pause = clock(), 2.0
    while True:
        try:
            claims = connection.token_claims('graph', refresh=True)
            missing = sorted(set(role.graph) - set(claims.get('roles') or []))
            if not missing:
                graph_api.probe(connection.graph)
                if role.exchange:
                    connection.token_claims('exchange', refresh=True)
                    exchange_api.probe(connection.exchange)
                return dict(seconds=round(clock() - started, 1), reads=['graph'] + (['exchange'] if role.exchange
                                                                                    else []))
            refusal = 'its Microsoft Graph token does not carry %s yet' % ', '.join(missing)
        except MicrosoftApiError as exc:
            if not replicating(exc):
                raise
            refusal = str(exc)
        if clock() - started + pause > timeout:
            raise TaskFailed('the operator could not sign in and read within %d s: %s' % (timeout, refusal))
        sleep(pause)
        pause = min(pause * 2, 15.0)


def main_logic(state):
    """The part done with the administrator's delegated token (the action plugin signs in and verifies)."""
    params = state.params
    check_input(params)
    role = bookingsone.OPERATOR_ROLES[params['operator_role']]
    state.result.update(operator_app_id=params['operator_app_id'], operator_role=role.name,
                        admin_consent_url=admin_consent_url(state.connection.endpoints.login, state.tenant_id,
                                                            params['operator_app_id']))
    by_administrator = params['state'] == 'present' or params['remove_as'] == 'administrator'
    if by_administrator:
        state.result['signed_in_as'] = signed_in_admin(state)
    if params['state'] == 'present':
        bootstrap(state, role)
    else:
        remove(state, by_administrator)


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        operator_role=dict(type='str', default='onboard', choices=sorted(bookingsone.OPERATOR_ROLES)),
        operator_app_id=dict(type='str'),
        optional_permissions=dict(type='list', elements='str', default=[]),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        remove_as=dict(type='str', default='administrator', choices=['administrator', 'operator']),
        replication_timeout=dict(type='int', default=300),
        verify=dict(type='bool', default=True),
        sign_in=dict(type='dict', default={}, options=dict(client_id=dict(type='str'),
                                                           timeout=dict(type='int', default=900))),
    ),
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
