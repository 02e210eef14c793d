# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-off store: credentials for Bookings ONE in an ansible-vault encrypted file on the
controller, optionally posted to Bookings ONE over HTTPS first."""

from __future__ import annotations

import json
import os

import yaml
from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import AnsibleVaultError, VaultLib, match_encrypt_secret

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient, StaticToken, new_session, tls_verify
from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_lifecycle import (
    Handoff, HandoffRefused, HandoffUncertain)

NO_VAULT = ('no vault secret to encrypt the hand-off file with: run with --vault-id, --vault-password-file or '
            'ANSIBLE_VAULT_PASSWORD_FILE')


class HandoffClient(ServiceClient):
    """The Bookings ONE endpoint, reached through the collection's HTTP layer (retries, timeouts)."""

    service = 'handoff'

    def error_from(self, response, method, url):
        return MicrosoftApiError('handoff', response.status_code, 'HTTP%s' % response.status_code,
                                 'the hand-off endpoint refused the credentials', method=method, url=url)


def vault_secrets(loader):
    secrets = loader._vault.secrets  # pylint: disable=protected-access
    if not secrets:
        raise AnsibleActionFail(NO_VAULT)
    return secrets


def check_url(url):
    if url and not url.lower().startswith('https://'):
        raise AnsibleActionFail('url %r must be an https:// URL' % url)


def check_file_name(name, what='inventory host name'):
    """A name that becomes a file name in the hand-off directory: nothing that leaves it or hides in it."""
    if not name or name in ('.', '..') or '/' in name or '\\' in name or '\0' in name or name.startswith('.') \
            or any(ord(c) < 32 for c in name):
        raise InputError('%s %r cannot name a file in the hand-off directory (no "/", "\\", "..", leading "." or '
                         'control characters); rename the host, e.g. with the tenant\'s domain' % (what, name))


def check_store(loader, host_name, directory, check_mode):
    """The preflight's check of the hand-off store, before any request: the host name names a file in it, and
    outside check mode there is a vault password and the directory can be written."""
    try:
        check_file_name(host_name)
        if not check_mode:
            vault_secrets(loader)
            check_writable(directory)
    except (InputError, AnsibleActionFail) as exc:
        raise AnsibleActionFail('preflight refused the hand-off store, so nothing was written to this tenant: %s' % exc)


def check_path(path):
    """A hand-off file path with no '..' part (a host name such as a/../../x would leave the directory)."""
    if '..' in path.replace('\\', '/').split('/'):
        raise AnsibleActionFail('hand-off path %r goes up a directory ("..")' % path)


def check_writable(directory):
    """The hand-off directory exists and can be written, or can be created; raises InputError otherwise."""
    probe = directory
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        raise InputError('the hand-off directory %s cannot be created: %s is not a directory' % (directory, probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError('the hand-off directory %s cannot be written (%s is not writable)' % (directory, probe))


def post(url, url_token, data, ca_bundle=None, validate_certs=True):
    """POST the credentials to Bookings ONE through the collection's HTTP layer; MicrosoftApiError if refused."""
    client = HandoffClient(url, StaticToken(url_token or ''), new_session(tls_verify(ca_bundle, validate_certs)))
    client.request('POST', url, body=data)


def write_file(loader, path, data, vault_id=None, mode='0600'):
    """The credentials, encrypted with the run's vault secret, in a private file written atomically."""
    vault_id, secret = match_encrypt_secret(vault_secrets(loader), vault_id)
    plaintext = yaml.safe_dump(data, default_flow_style=False, sort_keys=True)
    write_private(path, VaultLib().encrypt(plaintext, secret, vault_id=vault_id), mode)


def read(loader, path):
    """The data of a hand-off file, or None when there is none or it cannot be opened."""
    try:
        with open(path, 'rb') as handle:
            sealed = handle.read()
        data = yaml.safe_load(VaultLib(vault_secrets(loader)).decrypt(sealed))
    except (IOError, OSError, AnsibleVaultError, AnsibleActionFail, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def deliver(loader, path, data, vault_id=None, url=None, url_token=None, mode='0600', ca_bundle=None,
            validate_certs=True):
    """credentials_handoff: POST (when a URL is given), then the file, which only ever holds what was delivered."""
    check_url(url)
    vault_secrets(loader)
    data = json.loads(json.dumps(data))  # plain types: templated values carry Ansible's tags
    if url:
        try:
            post(url, url_token, data, ca_bundle, validate_certs)
        except MicrosoftApiError as exc:
            raise AnsibleActionFail('the POST to the hand-off endpoint failed, %s was not written: %s' % (path, exc))
    write_file(loader, path, data, vault_id, mode)
    return bool(url)


class StoreHandoff(Handoff):
    """The lifecycle's hand-off on the controller: POST to Bookings ONE (when a URL is given), then the file."""

    def __init__(self, loader, spec, ca_bundle=None, validate_certs=True):
        self.loader, self.path = loader, spec['path']
        self.vault_id, self.url, self.url_token = spec.get('vault_id'), spec.get('url'), spec.get('url_token')
        self.ca_bundle, self.validate_certs = ca_bundle, validate_certs
        check_path(self.path)
        check_url(self.url)

    def stored(self):
        return self.opened()[0]

    def opened(self):
        """(what stored() says of the file, its data when readable, else None): one decryption for both."""
        if not os.path.exists(self.path):
            return dict(state='absent', key_id=None, reason='no file %s' % self.path), None
        if not self.loader._vault.secrets:  # pylint: disable=protected-access
            return dict(state='unreadable', key_id=None,
                        reason='%s exists, but no vault password was given' % self.path), None
        data = read(self.loader, self.path)
        if not data or not data.get('secret_key_id'):
            return dict(state='unreadable', key_id=None, reason='%s cannot be opened with the vault password given, '
                                                                'or holds no secret_key_id' % self.path), None
        return dict(state='readable', key_id=data['secret_key_id'], reason=self.path), data

    def check(self):
        try:
            vault_secrets(self.loader)
        except AnsibleActionFail as exc:
            raise InputError('%s; nothing was written' % exc)
        check_writable(os.path.dirname(os.path.abspath(self.path)))

    def deliver(self, data, result):
        """A POST refused with 4xx, or one that never connected, did not hand the secret over; any other
        failure of the POST may have. Once the POST went through, a file that cannot be written is reported,
        not taken for a failed hand-off."""
        data = json.loads(json.dumps(data))
        said = []
        if self.url:
            try:
                post(self.url, self.url_token, data, self.ca_bundle, self.validate_certs)
            except MicrosoftApiError as exc:
                certain = exc.status is not None and 400 <= exc.status < 500 or \
                    exc.status is None and 'could not connect' in str(exc)
                raise (HandoffRefused if certain else HandoffUncertain)('the POST to %s failed: %s' % (self.url, exc))
            said.append('POST to %s' % self.url)
        try:
            write_file(self.loader, self.path, data, self.vault_id)
        except Exception as exc:  # pylint: disable=broad-except
            if not self.url:
                raise HandoffRefused('the hand-off file %s could not be written: %s' % (self.path, exc))
            result.setdefault('notes', []).append('the hand-off file %s could not be written (%s); Bookings ONE '
                                                  'received the secret by POST' % (self.path, exc))
            return said[0]
        said.append('the vault file %s' % self.path)
        return ' and '.join(said)
