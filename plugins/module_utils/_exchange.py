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
from urllib.parse import urlsplit

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import run_all

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
# JSON batching on the admin API, as a public client uses it (https://github.com/KelvinTegelaar/CIPP-API/blob/master/
# Modules/CIPPCore/Public/GraphHelper/New-ExoBulkRequest.ps1): POST {tenant}/$batch with ten InvokeCommand requests
# at most, each with its own X-AnchorMailbox, and `Prefer: odata.continue-on-error` so that one failed cmdlet does
# not stop the others (https://learn.microsoft.com/graph/json-batching for the format).
BATCH_LIMIT = 10
BATCH_PREFER = 'odata.continue-on-error'
# Batches in flight at once. The admin API is an ASP.NET OData service (its errors name Microsoft.Exchange.Admin.
# OData types), whose batch handler runs a batch's requests one after another (https://github.com/OData/
# AspNetCoreOData/blob/main/src/Microsoft.AspNetCore.OData/Batch/DefaultODataBatchHandler.cs): each batch in flight
# holds one of the tenant's concurrent requests. Three is what Microsoft documents for Exchange Online PowerShell
# connections per account; over the tenant's limit a request is refused and repeated, each repeat another batch,
# and the in-flight limit cuts lower after such a refusal.
BATCH_PARALLEL = 3
# The reads a write may make stale, for the writes a run sends one per room: Set-CalendarProcessing changes a
# room's calendar processing, a mailbox permission write its mailbox permissions (Get-Mailbox is forgotten after
# Set-CalendarProcessing as well: its page does not say whether the delegates it sets show on the mailbox). So a
# run that sets calendar processing keeps the mailbox permissions it read with it, and the next step need not read
# them again. Any other write forgets every read (https://learn.microsoft.com/powershell/module/exchange/
# set-calendarprocessing, https://learn.microsoft.com/powershell/module/exchange/add-mailboxpermission).
STALE_AFTER = {
    'Set-CalendarProcessing': ('Get-CalendarProcessing', 'Get-Mailbox'),
    'Add-MailboxPermission': ('Get-MailboxPermission',),
    'Remove-MailboxPermission': ('Get-MailboxPermission',),
}


def _split(text):
    """(code, exception type, message) of Exchange's `code|ExceptionType|message` (the code may be empty)."""
    parts = (text or '').split('|', 2)
    if len(parts) == 3 and '.' in parts[1] and ' ' not in parts[1]:
        return parts[0], parts[1], parts[2]
    return None, None, text


class ExchangeClient(ServiceClient):
    service = 'exchange'
    batch_limit = BATCH_LIMIT

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
        key = self._read_key(cmdlet, parameters, anchor)
        if key:
            return self.reads.get(key, lambda: self._invoke(cmdlet, parameters, anchor))
        return self._invoke(cmdlet, parameters, anchor)

    @staticmethod
    def _read_key(cmdlet, parameters, anchor):
        return (cmdlet, json.dumps(parameters or {}, sort_keys=True), anchor) if cmdlet.startswith('Get-') else None

    def _request(self, cmdlet, parameters, anchor):
        """The body and headers of one cmdlet's InvokeCommand request, sent alone or in a batch."""
        tenant = self.bind_tenant()  # before the first URL is made
        body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
        headers = {'X-AnchorMailbox': 'UPN:%s' % anchor if anchor else SYSTEM_ANCHOR % tenant}
        if cmdlet.startswith('Get-'):
            headers['Prefer'] = LIST_PREFER
        return body, headers

    def _invoke(self, cmdlet, parameters, anchor):
        body, headers = self._request(cmdlet, parameters, anchor)
        # Get-* cmdlets change nothing, so a read timeout may be retried.
        reads_only = cmdlet.startswith('Get-')
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
            path = self._page(response, items)  # public clients post the same body to the next link
        return items

    def _page(self, response, items):
        """Take one page of a cmdlet's output into `items` (its warnings into self.warnings); the next link."""
        page = self.json_or_none(response) or {}
        items.extend(page.get('value', []))
        self.warnings.extend(page.get('@adminapi.warnings') or [])
        return self.next_link(page)

    def invoke_each(self, calls, workers=1):
        """Run many cmdlets, each (cmdlet, parameters, anchor) as invoke() takes them: [(objects, None) or
        (None, error)] in their order, every call with its own outcome, as if each had been sent alone.

        More calls than may go out at once (`workers`, at most BATCH_PARALLEL) travel in $batch requests of up
        to ten, BATCH_PARALLEL at a time; fewer go alone, all at once, which is sooner (a batch runs its
        requests one after another). Where the tenant refuses $batch, this connection sends alone, `workers`
        at a time, from then on. Reads already made on this connection are not sent again.
        """
        keys, outcomes = [self._read_key(*call) for call in calls], []
        for key in keys:
            found, answer = self.reads.peek(key) if key else (False, None)
            outcomes.append((answer, None) if found else None)
        todo = [index for index, outcome in enumerate(outcomes) if outcome is None]
        parallel = max(1, min(workers, BATCH_PARALLEL))
        if self.batching and len(todo) > parallel:
            for index, outcome in zip(todo, self._batched([calls[index] for index in todo], parallel)):
                outcomes[index] = outcome
                if outcome is not None and outcome[1] is None and keys[index]:
                    self.reads.put(keys[index], outcome[0])
        alone = [index for index, outcome in enumerate(outcomes) if outcome is None]
        for index, objects, error in run_all(lambda index: self.invoke(*calls[index]), alone, workers):
            outcomes[index] = (objects, error)
        return outcomes

    def _batched(self, calls, parallel):
        """invoke_each's outcomes of calls sent in batches; None for those the tenant's refusal left unsent.
        A call whose output has more pages goes on in a later batch, its same body posted to the next link."""
        tenant = self.bind_tenant()
        path = urlsplit(self.url('/InvokeCommand')).path  # an absolute path, as OData JSON batching allows
        inner = []
        for cmdlet, parameters, anchor in calls:
            body, headers = self._request(cmdlet, parameters, anchor)
            inner.append(dict(method='POST', url=path, body=body, headers=headers, idempotent=cmdlet.startswith('Get-')))
        items, outcomes = [[] for _call in calls], [None] * len(calls)
        todo = list(range(len(calls)))
        while todo:
            answers = self.send_batched('/$batch', [inner[index] for index in todo], parallel, headers={
                'Prefer': BATCH_PREFER, 'X-AnchorMailbox': SYSTEM_ANCHOR % tenant})
            following = []
            for index, answer in zip(todo, answers):
                if answer is None:
                    continue  # the tenant refused $batch: invoke_each sends it alone
                try:
                    link = None if isinstance(answer, Exception) else self._page(answer, items[index])
                except MicrosoftApiError as exc:
                    answer = exc  # a next link to another host
                if isinstance(answer, Exception):
                    outcomes[index] = (None, self._explained(answer, calls[index][0]) or answer)
                elif link:
                    parts = urlsplit(link)
                    inner[index] = dict(inner[index], url=parts.path + ('?' + parts.query if parts.query else ''))
                    following.append(index)
                else:
                    outcomes[index] = (items[index], None)
            todo = following
        return outcomes

    @staticmethod
    def _explained(exc, cmdlet):
        # Exchange RBAC leaves cmdlets outside the identity's roles out of its session, so a read-only role
        # (Global Reader, Security Reader) gets "not recognized" for a write: say what that means.
        if isinstance(exc, MicrosoftApiError) and COMMAND_NOT_FOUND in exc.details and not cmdlet.startswith('Get-'):
            return exc.with_message(exc.message + (
                ' (Exchange does not offer %s to this identity: its Microsoft Entra role does not hold it, e.g. '
                'Global Reader is read-only and RBAC for Applications needs Exchange Administrator)' % cmdlet))
        return None

    def is_read(self, method, body):
        return all(cmdlet.startswith('Get-') for cmdlet in self._cmdlets(body))

    @staticmethod
    def _cmdlets(body):
        """The cmdlets a request runs: its own, or each of a batch's requests'."""
        inner = (body or {}).get('requests')
        bodies = [request.get('body') for request in inner] if isinstance(inner, list) else [body]
        return [str(((one or {}).get('CmdletInput') or {}).get('CmdletName') or '') for one in bodies]

    def stale_reads(self, method, body):
        stale = set()
        for cmdlet in self._cmdlets(body):
            if not cmdlet.startswith('Get-'):
                if cmdlet not in STALE_AFTER:
                    return None
                stale.update(STALE_AFTER[cmdlet])
        return lambda key: key[0] in stale  # keys are (cmdlet, parameters, anchor): see _read_key

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
