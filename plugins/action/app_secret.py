# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the app_secret module; with `handoff`, the whole secret lifecycle of a tenant.

A module cannot mark its own return values as no_log; an action plugin can, so a
new secret stays out of every callback's output even when the task forgot
`no_log: true`.

With `handoff` (on the controller, under the tenant's lock):
  1. the module decides, healing a hand-off the store holds but the tenant does not
     record, and mints a new secret only when the recorded one must be rotated;
  2. the new secret is handed over (POST, then the encrypted file);
  3. the module records it in the tenant and retires what the policy says.
A failed hand-off removes the new secret again; a run killed in between leaves an
orphan the next run removes. The result never holds the secret in this mode.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.modules import app_secret
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _handoff as handoff
from ansible_collections.bookingsone.office365.plugins.plugin_utils._inprocess import validated_args
from ansible_collections.bookingsone.office365.plugins.plugin_utils._secret_lifecycle import lifecycle


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        if self._task.args.get('handoff'):
            result['_ansible_no_log'] = True  # the arguments hold credentials
        # the module validates its options again in its own process, with the connection options' fallbacks
        spec = validated_args(self, app_secret)['handoff']
        args = dict((k, v) for k, v in self._task.args.items() if k != 'handoff')
        if not spec:
            result.update(self._execute_module(module_args=args, task_vars=task_vars))
            if result.get('secret_text'):
                result['_ansible_no_log'] = True
            return result
        handoff.check_url(spec['url'])
        result.update(lifecycle(lambda **extra: self._module(args, task_vars, **extra), self._loader, spec,
                                self._task.check_mode))
        return result

    def _module(self, args, task_vars, **extra):
        return self._execute_module(module_name='bookingsone.office365.app_secret',
                                    module_args=dict(args, record_on_create=False, **extra), task_vars=task_vars)
