# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0 client on the shared HTTP layer: errors, paging, JSON batching."""

from __future__ import annotations

import copy

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RETRY_STATUSES, parse_retry_after

# https://learn.microsoft.com/graph/json-batching
BATCH_LIMIT = 20


def odata_quote(value):
    """A string literal for $filter or an alternate key: single quotes doubled."""
    return "'%s'" % value.replace("'", "''")


class GraphClient(ServiceClient):
    service = 'graph'

    def __init__(self, endpoint, tokens, session, version='v1.0', **kwargs):
        super(GraphClient, self).__init__(endpoint.rstrip('/') + '/' + version, tokens, session, **kwargs)

    # https://learn.microsoft.com/graph/errors
    def error_from(self, response, method, url):
        body = self.json_or_none(response) or {}
        return self.error_from_body(response.status_code, body, response.headers, method, url)

    def error_from_body(self, status, body, headers, method, url):
        error = body.get('error') if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        inner = error.get('innerError') or error.get('innererror') or {}
        request_id = inner.get('request-id') or (headers or {}).get('request-id')
        return MicrosoftApiError(
            'graph', status, error.get('code') or 'HTTP%s' % status,
            error.get('message') or 'Microsoft Graph answered HTTP %s' % status,
            request_id=request_id, method=method, url=url,
            details=error.get('details') or [],
        )

    def get(self, path, params=None):
        key = (self.url(path), tuple(sorted((params or {}).items())))
        return self.reads.get(key, lambda: self.json_or_none(self.request('GET', path, params=params)))

    def get_or_none(self, path, params=None):
        """The object, or None when Graph answers 404."""
        try:
            return self.get(path, params=params)
        except MicrosoftApiError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, path, params=None):
        """Every item of a collection, following @odata.nextLink to the last page.

        https://learn.microsoft.com/graph/paging
        """
        items = []
        page = self.get(path, params=params)
        while True:
            items.extend(page.get('value', []))
            next_link = self.next_link(page)
            if not next_link:
                return items
            page = self.get(next_link)

    def post(self, path, body):
        return self.json_or_none(self.request('POST', path, body=body))

    def patch(self, path, body, headers=None):
        return self.request('PATCH', path, body=body, headers=headers)

    def delete(self, path):
        return self.request('DELETE', path)

    def with_retry_budget(self, max_total):
        """This client with a retry budget of `max_total` seconds instead of max_retries attempts.

        For requests that wait out Entra replication right after a create, which takes minutes,
        longer than a few backoff attempts last. Same session, tokens and clock; the retries still
        count in the module's `retries`.
        """
        clone = copy.copy(self)
        clone.policy = self.policy.with_budget(max_total)
        return clone

    def batch(self, requests, retry_codes=()):
        """Run requests ({id, method, url, body?, headers?, dependsOn?}) through /$batch.

        Sent in chunks of 20; inner answers of 429/503/504, and inner errors whose code is in
        `retry_codes` (transient for these requests, as in request(); or a callable that judges an
        inner response), are sent again after their own Retry-After, within the retry policy.
        Returns responses in the order of `requests`; the caller decides what an inner error means.
        """
        transient = retry_codes if callable(retry_codes) else (
            lambda response: bool(retry_codes) and self.inner_code(response) in retry_codes)
        by_id = {}
        for start in range(0, len(requests), BATCH_LIMIT):
            chunk = requests[start:start + BATCH_LIMIT]
            pending = list(chunk)
            started = self.policy.clock()
            attempt = 0
            while pending:
                attempt += 1
                reads_only = all(r.get('method', 'GET').upper() == 'GET' for r in pending)
                answer = self.post_batch(pending, reads_only)
                retry, wait = [], None
                for response in answer.get('responses', []):
                    by_id[response['id']] = response
                    if response.get('status') in RETRY_STATUSES or transient(response):
                        retry.append(response['id'])
                        after = parse_retry_after(_header(response, 'Retry-After'))
                        if after is not None:
                            wait = max(wait or 0.0, after)
                pending = [r for r in pending if r['id'] in retry]
                # the policy's wait counts these inner retries in the module's `retries` too
                if pending and not self.policy.wait(self.service, attempt, started, wait):
                    break  # budget spent: hand back the last (throttled) answers
        return [by_id.get(r['id'], {'id': r['id'], 'status': None, 'body': None}) for r in requests]

    @staticmethod
    def inner_code(response):
        if (response.get('status') or 0) < 400 or not isinstance(response.get('body'), dict):
            return None
        return (response['body'].get('error') or {}).get('code')

    def post_batch(self, requests, reads_only):
        body = {'requests': [dict((k, v) for k, v in r.items() if v is not None) for r in requests]}
        return self.json_or_none(self.request('POST', '/$batch', body=body, idempotent=reads_only)) or {}

    def inner_error(self, response, request):
        """MicrosoftApiError for a failed inner $batch response."""
        return self.error_from_body(response.get('status'), response.get('body') or {}, response.get('headers'),
                                    request.get('method', 'GET'), request.get('url'))


def _header(response, name):
    for key, value in (response.get('headers') or {}).items():
        if key.lower() == name.lower():
            return value
    return None
