# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-off store: credentials for Bookings ONE in an ansible-vault encrypted file
on the controller, optionally posted to Bookings ONE over HTTPS as well."""

from __future__ import annotations

import json

import yaml
from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import AnsibleVaultError, VaultLib, match_encrypt_secret

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient, new_session, tls_verify
from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private


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


def vault_secrets(loader):
    secrets = loader._vault.secrets  # pylint: disable=protected-access
    if not secrets:
        raise AnsibleActionFail('no vault secret to encrypt the hand-off file with: run with --vault-id, '
                                '--vault-password-file or ANSIBLE_VAULT_PASSWORD_FILE')
    return secrets


def check_url(url):
    if url and not url.lower().startswith('https://'):
        raise AnsibleActionFail('url %r must be an https:// URL' % url)


def read(loader, path):
    """The data of an earlier hand-off file, or None when there is none or it cannot be opened."""
    try:
        with open(path, 'rb') as handle:
            sealed = handle.read()
    except (IOError, OSError):
        return None
    try:
        data = yaml.safe_load(VaultLib(vault_secrets(loader)).decrypt(sealed))
    except (AnsibleVaultError, AnsibleActionFail, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def deliver(loader, path, data, vault_id=None, url=None, url_token=None, mode='0600', ca_bundle=None,
            validate_certs=True):
    """POST (when a URL is given), then write the file: the file only ever holds what was delivered."""
    check_url(url)
    vault_id, secret = match_encrypt_secret(vault_secrets(loader), vault_id)
    data = json.loads(json.dumps(data))  # plain types: templated values carry Ansible's tags
    if url:
        verify = tls_verify(ca_bundle, validate_certs)
        client = HandoffClient(url, _StaticToken(url_token or ''), new_session(verify))
        try:
            client.request('POST', url, body=data)
        except MicrosoftApiError as exc:
            raise AnsibleActionFail('the POST to the hand-off endpoint failed, %s was not written: %s' % (path, exc))
    plaintext = yaml.safe_dump(data, default_flow_style=False, sort_keys=True)
    write_private(path, VaultLib().encrypt(plaintext, secret, vault_id=vault_id), mode)
    return bool(url)
