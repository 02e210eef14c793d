# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootstraps the operator in a tenant from the controller: the administrator's device code sign-in (its URL and
code shown while the task waits, so they reach the job output), the module's logic on that person's delegated token,
then the operator's own sign-in and reads as proof (the connection options' credential)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_device import (
    GRAPH_COMMAND_LINE_TOOLS, device_sign_in)
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError, TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._runtime import Connection, TaskState
from ansible_collections.bookingsone.office365.plugins.modules import operator_bootstrap
from ansible_collections.bookingsone.office365.plugins.plugin_utils._inprocess import InProcess, split_connection, validated_args

display = Display()

# The delegated permissions the administrator's token needs: create the service principal, grant application
# permissions, assign the directory role (and read who the person is, by their role assignments).
# https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto#permissions
# https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments#permissions
ADMIN_SCOPES = ('Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory')


def without_device_code(operator, args):
    """What the tenant's administrator does instead where the device code flow is blocked (Conditional Access)."""
    role = bookingsone.OPERATOR_ROLES[args['operator_role']]
    url = operator_bootstrap.admin_consent_url(operator.connection.endpoints.login, operator.params['tenant_id'],
                                               args['operator_app_id'])
    left = (' and then assigns the Microsoft Entra role %s to the service principal of app %s (Microsoft Entra admin '
            'center: Roles and administrators)' % (role.directory_role, args['operator_app_id'])) \
        if role.directory_role else ''
    return ('Where the tenant blocks sign-in with a device code, its administrator opens %s (consent to the operator '
            'app\'s permissions, which the app must request)%s; the preflight of every playbook then names whatever '
            'is still missing.' % (url, left))


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        connection_args, args = split_connection(validated_args(self, operator_bootstrap))
        operator = InProcess(connection_args, bool(self._task.check_mode), self._task.diff)
        args['operator_app_id'] = args.get('operator_app_id') or operator.params.get('client_id')
        if args['state'] == 'absent' and args['remove_as'] == 'operator':
            connection = operator.connection  # the operator removes itself with its own credential
        else:
            host = (task_vars or {}).get('inventory_hostname', operator.params['tenant_id'])
            token = self._sign_in(operator, args, host)
            # the same tenant, endpoints and options, signed in as the administrator
            connection = Connection(dict(operator.params, access_token=token, token_cache=False))
        state = TaskState(dict(connection.params, **args), operator.check_mode, operator.diff, connection)
        outcome, failure = state.execute(operator_bootstrap.main_logic)
        result.update(outcome)
        if failure is None and args['verify'] and args['state'] == 'present' and not operator.check_mode:
            failure = self._verify(operator, args, result)
        if failure:
            result.update(failure[1], failed=True, msg=failure[0])
        result['retries'] = dict(operator=operator.retries())
        if connection is not operator.connection:
            result['retries']['administrator'] = connection.policy.retries()
        return result

    @staticmethod
    def _sign_in(operator, args, host):
        """The administrator's delegated token for Microsoft Graph, from a device code sign-in."""
        tenant = operator.params['tenant_id']
        sign_in = dict(dict(client_id=None, timeout=900), **(args.get('sign_in') or {}))
        try:
            token, _claims = device_sign_in(
                operator.connection, sign_in['client_id'] or GRAPH_COMMAND_LINE_TOOLS,
                ['%s/%s' % (operator.connection.endpoints.graph, scope) for scope in ADMIN_SCOPES],
                lambda message: display.display('%s (tenant %s): an administrator of the tenant signs in to bootstrap '
                                                'the operator. %s' % (host, tenant, message), color='yellow'),
                sign_in['timeout'])
        except MicrosoftApiError as exc:
            raise AnsibleActionFail('%s; nothing was written to tenant %s. %s' % (exc, tenant, without_device_code(
                operator, args)))
        return token

    @staticmethod
    def _verify(operator, args, result):
        role = bookingsone.OPERATOR_ROLES[args['operator_role']]
        try:
            result['verified'] = operator_bootstrap.verify(operator.connection, role, args['replication_timeout'])
            return None
        except (MicrosoftApiError, TaskFailed) as exc:
            wrote = ' after this run changed the tenant (see the diff)' if result.get('changed') else ''
            return ('the operator %s holds what %s needs%s, but %s' % (args['operator_app_id'], role.name, wrote, exc),
                    {})
