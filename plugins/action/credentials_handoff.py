# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hands credentials to Bookings ONE: an ansible-vault encrypted file on the
controller, and optionally an HTTPS POST. Runs on the controller only; its
result never holds the credentials and is always hidden from output."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _handoff as handoff

ARGSPEC = dict(
    path=dict(type='path', required=True),
    data=dict(type='dict', required=True, no_log=True),
    vault_id=dict(type='str'),
    mode=dict(type='raw', default='0600'),
    url=dict(type='str'),
    url_token=dict(type='str', no_log=True),
    ca_bundle=dict(type='path'),
    validate_certs=dict(type='bool', default=True),
)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result['_ansible_no_log'] = True  # the arguments hold a secret: keep even errors out of output
        _validation, args = self.validate_argument_spec(argument_spec=ARGSPEC)
        handoff.check_url(args['url'])
        handoff.vault_secrets(self._loader)
        result.update(changed=True, path=args['path'], posted=False)
        if self._task.check_mode:
            return result
        result['posted'] = handoff.deliver(self._loader, args['path'], args['data'], args['vault_id'], args['url'],
                                           args['url_token'], args['mode'], args['ca_bundle'],
                                           args['validate_certs'])
        return result
