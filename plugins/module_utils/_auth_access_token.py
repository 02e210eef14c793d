# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bearer token obtained elsewhere (for example by a pipeline's workload identity).

The token is sent as it is; it is valid for one resource only, so a task that
calls both Graph and Exchange Online needs a client credential instead.
"""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils._auth_base import CredentialBase


class AccessTokenCredential(CredentialBase):
    option = 'access_token'

    @classmethod
    def errors(cls, params):
        return []  # the token names its app and tenant itself

    def bearer_token(self):
        return self.params['access_token']
