# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hands credentials to Bookings ONE: an ansible-vault encrypted file on the
controller, and optionally an HTTPS POST. Runs on the controller only; its
result never holds the credentials and is always hidden from output."""

from __future__ import annotations

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.vault import VaultLib, match_encrypt_secret
from ansible.plugins.action import ActionBase

import yaml

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient, new_session

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


class _StaticToken(object):
    def __init__(self, token):
        self._token = token

    def token(self, service, refresh=False):
        return self._token


class HandoffClient(ServiceClient):
    """The Bookings ONE endpoint, reached through the collection's HTTP layer (retries, timeouts)."""

    service = 'handoff'

    def error_from(self, response, method, url):
        return MicrosoftApiError('handoff', response.status_code, 'HTTP%s' % response.status_code,
                                 'the hand-off endpoint refused the credentials', method=method, url=url)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result['_ansible_no_log'] = True  # the arguments hold a secret: keep even errors out of output
        validation = ArgumentSpecValidator(ARGSPEC).validate(self._task.args)
        if validation.error_messages:
            raise AnsibleActionFail('; '.join(validation.error_messages))
        args = validation.validated_parameters
        if args['url'] and not args['url'].lower().startswith('https://'):
            raise AnsibleActionFail('url %r must be an https:// URL' % args['url'])
        secrets = self._loader._vault.secrets  # pylint: disable=protected-access
        if not secrets:
            raise AnsibleActionFail('no vault secret to encrypt the hand-off file with: run with --vault-id, '
                                    '--vault-password-file or ANSIBLE_VAULT_PASSWORD_FILE')
        result.update(changed=True, path=args['path'], posted=False)
        if self._task.check_mode:
            return result
        vault_id, secret = match_encrypt_secret(secrets, args['vault_id'])
        data = json.loads(json.dumps(args['data']))  # plain types: templated values carry Ansible's tags
        plaintext = yaml.safe_dump(data, default_flow_style=False, sort_keys=True)
        write_private(args['path'], VaultLib().encrypt(plaintext, secret, vault_id=vault_id), args['mode'])
        if args['url']:
            verify = (args['ca_bundle'] or True) if args['validate_certs'] else False
            client = HandoffClient(args['url'], _StaticToken(args['url_token'] or ''), new_session(verify))
            try:
                client.request('POST', args['url'], body=data)
            except MicrosoftApiError as exc:
                raise AnsibleActionFail('credentials written to %s, but the POST failed: %s' % (args['path'], exc))
            result['posted'] = True
        return result


def write_private(path, content, mode):
    """Write atomically, never readable by others even for a moment."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, 0o700, exist_ok=True)  # forks hand over several tenants at once
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.handoff-')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content)
        os.chmod(tmp, int(str(mode), 8))
        os.replace(tmp, path)
    except Exception:
        os.unlink(tmp)
        raise
