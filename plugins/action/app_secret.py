# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the app_secret module; with `handoff`, its lifecycle on the controller, handing a new secret over.

A module cannot mark its own return values as no_log; an action plugin can, so a new secret stays out of
every callback's output even when the task forgot `no_log: true`. With `handoff` the module's logic runs
in this worker (plugin_utils/_inprocess.py) with the controller's hand-off store (plugin_utils/_handoff.py):
the lifecycle of module_utils/_secret_lifecycle.py, whose result never holds the secret.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.modules import app_secret
from ansible_collections.bookingsone.office365.plugins.plugin_utils._handoff import StoreHandoff
from ansible_collections.bookingsone.office365.plugins.plugin_utils._inprocess import (
    InProcess, split_connection, validated_args)


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        if self._task.args.get('handoff'):
            result['_ansible_no_log'] = True  # the arguments hold credentials
        validated = validated_args(self, app_secret)
        if not validated['handoff']:
            # the module validates its options again in its own process, with the connection options' fallbacks
            result.update(self._execute_module(module_args=self._task.args, task_vars=task_vars))
            if result.get('secret_text'):
                result['_ansible_no_log'] = True
            return result
        connection_args, args = split_connection(validated)
        runner = InProcess(connection_args, bool(self._task.check_mode), self._task.diff)
        store = StoreHandoff(self._loader, args['handoff'], runner.params['ca_bundle'], runner.params['validate_certs'])
        result.update(runner.run(app_secret, dict(args, handoff=None),
                                 logic=lambda state: app_secret.main_logic(state, store)),
                      retries=runner.retries())
        result.pop('secret_text', None)
        return result
