# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bearer token obtained elsewhere (for example by a pipeline's workload identity).

The token is sent as it is; it is valid for one resource only, so a task that
calls both Graph and Exchange Online needs a client credential instead.
"""

from __future__ import annotations


class AccessTokenCredential(object):
    name = 'access_token'

    def __init__(self, params):
        self._token = params['access_token']

    def token(self):
        return self._token
