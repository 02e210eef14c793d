# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange Online admin REST client on the shared HTTP layer.

The endpoint is the one Microsoft's ExchangeOnlineManagement module uses
(`/adminapi/beta/{tenant}/InvokeCommand`); it is not documented for third
parties, so everything that depends on its shape stays in this class.
"""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient

# The arbitration mailbox Exchange routes tenant-wide requests to when no user mailbox is the target.
SYSTEM_ANCHOR = 'APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@%s'


class ExchangeClient(ServiceClient):
    service = 'exchange'

    def __init__(self, endpoint, tenant, tokens, session, **kwargs):
        super(ExchangeClient, self).__init__('%s/adminapi/beta/%s' % (endpoint.rstrip('/'), tenant),
                                             tokens, session, **kwargs)
        self.tenant = tenant

    def invoke(self, cmdlet, parameters=None, anchor=None):
        """Run one cmdlet; returns every object of its output (all pages).

        `anchor` is the mailbox the cmdlet acts on (routes the request to its server).
        Exchange's warnings are kept in self.warnings for the module to surface.
        """
        body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
        headers = {'X-AnchorMailbox': 'UPN:%s' % anchor if anchor else SYSTEM_ANCHOR % self.tenant}
        # Get-* cmdlets change nothing, so a read timeout may be retried.
        reads_only = cmdlet.startswith('Get-')
        items = []
        path = '/InvokeCommand'
        while path:
            page = self.json_or_none(self.request('POST', path, body=body, headers=headers,
                                                  idempotent=reads_only)) or {}
            items.extend(page.get('value', []))
            self.warnings.extend(page.get('@adminapi.warnings') or [])
            path = page.get('@odata.nextLink')
            if path and not self.owns(path):
                raise MicrosoftApiError('exchange', None, 'UnexpectedNextLink',
                                        'refusing to follow a nextLink to another host: %s' % path)
        return items

    def error_from(self, response, method, url):
        """Exchange puts `code|ExceptionType|message` in error.details[].message."""
        body = self.json_or_none(response) or {}
        error = body.get('error') if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        code = error.get('code') or 'HTTP%s' % response.status_code
        message = error.get('message') or 'Exchange Online answered HTTP %s' % response.status_code
        exception_type = None
        for detail in error.get('details') or []:
            parts = (detail.get('message') or '').split('|', 2)
            if len(parts) == 3:
                code, exception_type, message = parts[0] or code, parts[1], parts[2]
                break
        inner = error.get('innererror') or error.get('innerError') or {}
        return MicrosoftApiError(
            'exchange', response.status_code, code, message,
            request_id=inner.get('request-id') or response.headers.get('request-id'),
            method=method, url=url,
            details=[exception_type] if exception_type else [],
        )
