# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""M365Module: a module of the collection as an Ansible module process. Shared connection options
merged in and checked before the first request, the task's logic run on a TaskState (_runtime.py),
and its result or failure (with the retries made) handed to Ansible.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.bookingsone.office365.plugins.module_utils import _auth, _http
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import connection_errors, full_spec
from ansible_collections.bookingsone.office365.plugins.module_utils._runtime import Connection, TaskState


class M365Module(AnsibleModule):
    """An Ansible module on the shared core: options merged, connection checked, errors mapped."""

    def __init__(self, argument_spec, mutually_exclusive=None, **kwargs):
        kwargs.setdefault('supports_check_mode', True)
        self.connection = None  # AnsibleModule fails bad arguments from its __init__, before a connection exists
        super(M365Module, self).__init__(**full_spec(dict(kwargs, argument_spec=argument_spec,
                                                          mutually_exclusive=mutually_exclusive)))
        for present, lib in ((_auth.HAS_MSAL, 'msal'), (_http.HAS_REQUESTS, 'requests')):
            if not present:
                self.fail_json(msg=missing_required_lib(lib))
        errors = connection_errors(self.params)
        if errors:
            self.fail_json(msg='; '.join(errors))
        self.connection = Connection(self.params)
        self.state = TaskState(self.params, self.check_mode, self._diff, self.connection)

    def _with_retries(self, result):
        # `retries` ({service: {retried, waited_s}}) goes with every result, failed ones too;
        # AnsibleModule may fail before the connection exists (bad arguments): nothing was sent then.
        result.setdefault('retries', self.connection.policy.retries() if getattr(self, 'connection', None) else {})
        return result

    def exit_json(self, **kwargs):
        super(M365Module, self).exit_json(**self._with_retries(kwargs))

    def fail_json(self, msg, **kwargs):
        super(M365Module, self).fail_json(msg, **self._with_retries(kwargs))

    def run(self, main):
        """Call main(state) and exit with its result; every known failure becomes fail_json."""
        result, failure = self.state.execute(main)
        for warning in self.connection.take_warnings():
            self.warn(warning)
        if failure:
            msg, extra = failure
            self.fail_json(msg=msg, **dict(result, **extra))
        self.exit_json(**result)
