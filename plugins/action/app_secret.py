# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the app_secret module and hides its result whenever it carries a secret.

A module cannot mark its own return values as no_log; an action plugin can, so
a new secret stays out of every callback's output even when the task forgot
`no_log: true`. The registered variable still holds it for the hand-off.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result.update(self._execute_module(task_vars=task_vars))
        if result.get('secret_text'):
            result['_ansible_no_log'] = True
        return result
