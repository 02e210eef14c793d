# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Federated credential authentication (workload identity federation): a token another identity provider
issued (e.g. a Kubernetes service account token, which AWX on Kubernetes can mount) is sent as the client
assertion, and Microsoft Entra accepts it against the app's federated identity credentials. No long-lived
secret exists. The token file is read again for every sign-in, as it is rotated by its issuer.
https://learn.microsoft.com/entra/workload-id/workload-identity-federation
(azure-identity's WorkloadIdentityCredential reads the same AZURE_FEDERATED_TOKEN_FILE.)
"""

from __future__ import annotations

import hashlib
import os

from ansible_collections.bookingsone.office365.plugins.module_utils._auth_base import CredentialBase
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError


class FederatedTokenError(InputError):
    pass


class FederatedCredential(CredentialBase):
    option = 'client_assertion_file'

    @classmethod
    def errors(cls, params):
        found = super(FederatedCredential, cls).errors(params)
        path = params.get(cls.option)
        if path and not os.path.isfile(path):
            found.append('client_assertion_file %r is not a readable file (the federated token)' % path)
        return found

    def _read(self):
        try:
            with open(self.params[self.option]) as handle:
                token = handle.read().strip()
        except (IOError, OSError) as exc:
            raise FederatedTokenError('client_assertion_file %r cannot be read: %s' % (self.params[self.option], exc))
        if token.count('.') != 2:
            raise FederatedTokenError('client_assertion_file %r does not hold a JWT' % self.params[self.option])
        return token

    def msal_credential(self):
        self._read()  # a missing or unreadable file is an input error before the first request
        return {'client_assertion': self._read}  # msal calls it for each token request

    def fingerprint(self):
        """The file's path, not its token: the token changes as the issuer rotates it, the identity does not."""
        return hashlib.sha256(('federated:' + self.params[self.option]).encode('utf-8')).hexdigest()
