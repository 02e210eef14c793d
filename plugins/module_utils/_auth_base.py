# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every way of signing in offers the token provider (one small file per method, as
community.hashi_vault's auth methods): the option that selects it, its input checks, the
credential msal takes, and a fingerprint that keys the token cache without revealing it."""

from __future__ import annotations


class CredentialBase(object):
    option = None  # the connection option whose presence selects this method

    def __init__(self, params):
        self.params = params

    @classmethod
    def errors(cls, params):
        """Messages for options that cannot work with this method, checked before any request."""
        if not params.get('client_id'):
            return ['client_id is required with %s' % cls.option]
        return []

    def bearer_token(self):
        """A ready bearer token, sent as it is; None when msal signs in with msal_credential()."""
        return None

    def msal_credential(self):
        raise NotImplementedError

    def fingerprint(self):
        raise NotImplementedError
