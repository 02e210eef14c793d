# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client secret authentication (OAuth 2.0 client credentials with a shared secret)."""

from __future__ import annotations

import hashlib


class ClientSecretCredential(object):
    name = 'client_secret'

    def __init__(self, params):
        self._secret = params['client_secret']

    def msal_credential(self):
        return self._secret

    def fingerprint(self):
        """Identifies the secret in cache keys without revealing it."""
        return hashlib.sha256(self._secret.encode('utf-8')).hexdigest()
