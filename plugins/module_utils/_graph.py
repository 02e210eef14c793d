# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0 client on the shared HTTP layer: errors, paging, JSON batching."""

from __future__ import annotations

import copy

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient


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
        """Run requests ({id, method, url, body?, headers?}) through /$batch, by the shared ServiceClient.send_batched
        (20 to a batch, each inner request retried alone after its own Retry-After, within the retry policy).
        Inner errors whose code is in `retry_codes` (transient for these requests, as in request(); or a callable
        that judges an inner answer) are repeated the same way. Returns each request's last answer, in the order
        of `requests`, as {id, status, headers, body}; the caller decides what an inner error means.
        """
        transient = retry_codes if callable(retry_codes) else (lambda answer: self.inner_code(answer) in retry_codes)
        inner = [dict(method=r.get('method', 'GET'), url=r['url'], body=r.get('body'), headers=r.get('headers'),
                      idempotent=r.get('method', 'GET').upper() == 'GET') for r in requests]
        outcomes = self.send_batched('/$batch', inner, raw=True, retry_when=(
            lambda response: transient(_answer(None, response))) if retry_codes else None)
        if not self.batching:
            raise MicrosoftApiError('graph', None, 'BatchRefused', 'Microsoft Graph refused the JSON batch',
                                    method='POST', url=self.url('/$batch'))
        return [_answer(request['id'], outcome) for request, outcome in zip(requests, outcomes)]

    @staticmethod
    def inner_code(response):
        if (response.get('status') or 0) < 400 or not isinstance(response.get('body'), dict):
            return None
        return (response['body'].get('error') or {}).get('code')

    def inner_error(self, response, request):
        """MicrosoftApiError for a failed inner $batch response."""
        return self.error_from_body(response.get('status'), response.get('body') or {}, response.get('headers'),
                                    request.get('method', 'GET'), request.get('url'))


def _answer(request_id, outcome):
    """A batch answer as {id, status, headers, body}: from the InnerResponse it got, or the error it ended with."""
    if isinstance(outcome, MicrosoftApiError):
        return dict(id=request_id, status=outcome.status, headers={},
                    body={'error': {'code': outcome.code, 'message': outcome.message}})
    return dict(id=request_id, status=outcome.status_code, headers=dict(outcome.headers),
                body=outcome.json() if outcome.content else None)
