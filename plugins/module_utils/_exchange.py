# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange Online admin REST client on the shared HTTP layer.

The endpoint is the one Microsoft's ExchangeOnlineManagement module uses
(`/adminapi/beta/{tenant}/InvokeCommand`); it is not documented for third
parties, so everything that depends on its shape stays in this class.
"""

from __future__ import annotations

import json

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient

# The arbitration mailbox Exchange routes tenant-wide requests to when no user mailbox is the target;
# ExchangeOnlineManagement names the tenant in it by GUID.
SYSTEM_ANCHOR = 'APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@%s'
# Get-* cmdlets ask for pages of 1000 objects (OData's odata.maxpagesize preference), as Microsoft's
# ExchangeOnlineManagement module does; 1000 is also what a Get-* cmdlet returns by default
# (https://learn.microsoft.com/powershell/module/exchange/get-mailbox#-resultsize). Checked on 2026-12-01.
LIST_PREFER = 'odata.maxpagesize=1000'
# Over its per-tenant concurrency limit Exchange answers 429, 500 or 503, with or without Retry-After and
# in any body shape; this text is the only signal it gives, so it is matched here and nowhere else.
CONCURRENCY_TEXT = 'maximum number of concurrent requests per tenant'
COMMAND_NOT_FOUND = 'System.Management.Automation.CommandNotFoundException'


def _split(text):
    """(code, exception type, message) of Exchange's `code|ExceptionType|message` (the code may be empty)."""
    parts = (text or '').split('|', 2)
    if len(parts) == 3 and '.' in parts[1] and ' ' not in parts[1]:
        return parts[0], parts[1], parts[2]
    return None, None, text


class ExchangeClient(ServiceClient):
    service = 'exchange'

    def __init__(self, endpoint, tenant, tokens, session, **kwargs):
        self.endpoint = endpoint.rstrip('/')
        super(ExchangeClient, self).__init__(self._base(tenant), tokens, session, **kwargs)
        self.tenant = tenant  # as written until the token names the GUID (bind_tenant)
        self._bound = False

    def _base(self, tenant):
        return '%s/adminapi/beta/%s' % (self.endpoint, tenant)

    def bind_tenant(self):
        """The tenant GUID for the URL and the system anchor: the one place it is decided.

        tenant_id may be a domain (fine for sign-in), but Exchange wants the GUID, which the token's
        `tid` states; so the token comes first and the URL is built from it.
        """
        if not self._bound:
            self.tokens.token(self.service)
            self.tenant = getattr(self.tokens, 'tenant_id', None) or self.tenant
            self.base_url = self._base(self.tenant).rstrip('/')
            self._bound = True
        return self.tenant

    def invoke(self, cmdlet, parameters=None, anchor=None):
        """Run one cmdlet; returns every object of its output (all pages).

        `anchor` is the mailbox the cmdlet acts on (routes the request to its server).
        Exchange's warnings are kept in self.warnings for the module to surface.
        """
        if cmdlet.startswith('Get-'):
            key = (cmdlet, json.dumps(parameters or {}, sort_keys=True), anchor)
            return self.reads.get(key, lambda: self._invoke(cmdlet, parameters, anchor))
        return self._invoke(cmdlet, parameters, anchor)

    def _invoke(self, cmdlet, parameters, anchor):
        tenant = self.bind_tenant()
        body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
        headers = {'X-AnchorMailbox': 'UPN:%s' % anchor if anchor else SYSTEM_ANCHOR % tenant}
        # Get-* cmdlets change nothing, so a read timeout may be retried.
        reads_only = cmdlet.startswith('Get-')
        if reads_only:
            headers['Prefer'] = LIST_PREFER
        items = []
        path = '/InvokeCommand'
        while path:
            try:
                response = self.request('POST', path, body=body, headers=headers, idempotent=reads_only)
            except MicrosoftApiError as exc:
                explained = self._explained(exc, cmdlet)
                if explained is None:
                    raise
                raise explained from exc
            page = self.json_or_none(response) or {}
            items.extend(page.get('value', []))
            self.warnings.extend(page.get('@adminapi.warnings') or [])
            path = self.next_link(page)  # public clients post the same body to it
        return items

    @staticmethod
    def _explained(exc, cmdlet):
        # Exchange RBAC leaves cmdlets outside the identity's roles out of its session, so a read-only role
        # (Global Reader, Security Reader) gets "not recognized" for a write: say what that means.
        if COMMAND_NOT_FOUND in exc.details and not cmdlet.startswith('Get-'):
            return exc.with_message(exc.message + (
                ' (Exchange does not offer %s to this identity: its Microsoft Entra role does not hold it, e.g. '
                'Global Reader is read-only and RBAC for Applications needs Exchange Administrator)' % cmdlet))
        return None

    def is_read(self, method, body):
        return str(((body or {}).get('CmdletInput') or {}).get('CmdletName') or '').startswith('Get-')

    def overloaded(self, response):
        """The concurrency limit: the request was refused before the cmdlet ran, so it is safe to repeat."""
        if response.status_code < 400 or not response.content:
            return False
        return CONCURRENCY_TEXT in response.content.decode('utf-8', 'replace').lower()

    def error_from(self, response, method, url):
        """Exchange's error in any of its shapes.

        The top-level message is often generic ("Error executing cmdlet"); the useful text is in
        error.details[].message as `code|ExceptionType|message` (the code may be empty), or only in
        innererror(.internalexception...); a 403 may have an empty or non-JSON body.
        """
        body = self.json_or_none(response)
        error = body.get('error') if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        code = error.get('code') or 'HTTP%s' % response.status_code
        message = error.get('message')
        exception_type = None
        candidates = [(d.get('message'), None) for d in error.get('details') or [] if isinstance(d, dict)]
        inner = error.get('innererror') or error.get('innerError') or {}
        chain = []
        node = inner
        while isinstance(node, dict) and node and len(chain) < 10:
            chain.append(node)
            node = node.get('internalexception') or node.get('internalException')
        candidates += [(n.get('message'), n.get('type')) for n in reversed(chain)]  # innermost first
        for text, kind in candidates:
            detail_code, detail_type, detail = _split(text)
            if detail_type:
                code, exception_type, message = detail_code or code, detail_type, detail
                break
            if kind and text and text != message:
                exception_type, message = kind, text
                break
        if not message:
            message = 'Exchange Online answered HTTP %s with no error text' % response.status_code
            if response.status_code == 403:
                message += ("; the operator's service principal needs Exchange.ManageAsApp and an Exchange "
                            'role (Exchange Administrator; Global Reader to read only)')
        return MicrosoftApiError(
            'exchange', response.status_code, code, message,
            request_id=(inner.get('request-id') if isinstance(inner, dict) else None)
            or response.headers.get('request-id'),
            method=method, url=url,
            details=[exception_type] if exception_type else [],
        )
