# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client secret authentication (OAuth 2.0 client credentials with a shared secret)."""

from __future__ import annotations

import hashlib

from ansible_collections.bookingsone.office365.plugins.module_utils._auth_base import CredentialBase


class ClientSecretCredential(CredentialBase):
    option = 'client_secret'

    def msal_credential(self):
        return self.params['client_secret']

    def fingerprint(self):
        """Identifies the secret in cache keys without revealing it."""
        return hashlib.sha256(self.params['client_secret'].encode('utf-8')).hexdigest()
