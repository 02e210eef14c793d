# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the preflight module after the controller-side checks: unknown variables of the
collection's namespaces are refused, and the hand-off store is checked (a file name from the
host name, and outside check mode the vault password and a writable directory)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.modules import preflight
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _handoff as handoff
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _variables as variables
from ansible_collections.bookingsone.office365.plugins.plugin_utils._inprocess import InProcess, split_connection, validated_args

# the known variable names, read once per run: here, in the main process, before any worker forks
variables.read_once()


# The module's options that need the tenant (or the module's own input checks).
CHECKS = ('secret_lifetime_days', 'redirect_uris', 'graph_permissions', 'delegate', 'rooms', 'handoff_url',
          'operator_role')


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        connection_args, args = split_connection(validated_args(self, preflight))
        known = args.pop('known_variables', None)
        store = args.pop('handoff_store', None)
        if known is not None:
            variables.refuse_unknown(task_vars, known)
        if store:
            handoff.check_store(self._loader, store['name'], store['directory'], self._task.check_mode)
        if any(args.get(name) is not None for name in CHECKS):
            # the module's logic in this worker: no module process for a read-only check
            runner = InProcess(connection_args, bool(self._task.check_mode), self._task.diff)
            result.update(runner.run(preflight, args), retries=runner.retries(), tenant_id=runner.connection.tenant_id)
        else:  # only the controller-side checks were asked for: no module process, no request
            result.update(changed=False, tenant_id=connection_args.get('tenant_id'))
        result.setdefault('notes', [])
        return result
