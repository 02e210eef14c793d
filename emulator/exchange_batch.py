"""Exchange Online's JSON batching: up to ten InvokeCommand requests in one POST /adminapi/beta/{tenant}/$batch, as a
public client sends them (https://github.com/KelvinTegelaar/CIPP-API/blob/master/Modules/CIPPCore/Public/GraphHelper/
New-ExoBulkRequest.ps1: ten cmdlets to a batch, `Prefer: odata.continue-on-error`, each request with its own
X-AnchorMailbox) in the OData JSON batch format (https://learn.microsoft.com/graph/json-batching; OData JSON Format
4.01, "Batch Requests and Responses": https://docs.oasis-open.org/odata/odata-json-format/v4.01/
odata-json-format-v4.01.html#sec_BatchRequestsandResponses).

Each inner request is handled as if it had come alone (Emulator.handle: faults, token, roles, anchor, a slot of the
tenant's concurrency limit, the log with `batch: true`), one after another as ASP.NET OData's batch handler runs them
(https://github.com/OData/AspNetCoreOData/blob/main/src/Microsoft.AspNetCore.OData/Batch/DefaultODataBatchHandler.cs);
without the continue-on-error preference the first failed request ends the batch, as there. The listener
(exchange_routes.py) routes the envelope here after its token check.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

from emulator.routing import Request, service

MAX_REQUESTS = 10
METHODS = ('GET', 'POST', 'PATCH', 'PUT', 'DELETE')  # OData's literals, any case
# The public host clients name in absolute inner URLs (CIPP writes https://outlook.office365.com/adminapi/beta/…).
PUBLIC_ORIGIN = 'https://outlook.office365.com'
# odata.continue-on-error (OData 4.0 spelling) or continue-on-error (4.01), `=false` turning it off; CIPP sends it
# after odata.maxpagesize, separated by a semicolon.
CONTINUE_ON_ERROR = re.compile(r'(?:^|[,;\s])(?:odata\.)?continue-on-error(?:\s*=\s*(\w+))?', re.I)
PASSED_HEADERS = ('Retry-After', 'Preference-Applied')  # of an inner answer, into its `headers`


def _check(request, items):
    """Refuse the whole batch, as an OData service does, for a malformed or oversized request list."""
    if not isinstance(items, list) or not items:
        request.fail(400, 'BadRequest', 'The batch request must contain a non-empty "requests" array.')
    if len(items) > MAX_REQUESTS:
        # ODataLib's wording (ODataBatchReader_MaxBatchSizeExceeded) for a batch over the service's quota
        request.fail(400, 'BadRequest', "The current batch message contains too many parts. Only batch messages with "
                                        "a maximum number of '%d' query operations and change sets are allowed."
                     % MAX_REQUESTS)
    seen = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get('id'), str) or not item['id'] \
                or not isinstance(item.get('url'), str) or str(item.get('method', '')).upper() not in METHODS:
            request.fail(400, 'BadRequest', 'Each request of a batch needs a string id, a method and a url.')
        if item['id'] in seen:
            request.fail(400, 'BadRequest', "The request id '%s' is used twice in the batch." % item['id'])
        unsupported = sorted(set(item) & {'dependsOn', 'atomicityGroup', 'if'})
        if unsupported:  # no public client of this API sends them: refused rather than guessed at
            request.fail(400, 'BadRequest', "Request '%s': %s is not supported here." % (item['id'], unsupported[0]))
        if not isinstance(item.get('headers') or {}, dict):
            request.fail(400, 'BadRequest', "Request '%s': headers must be an object." % item['id'])
        seen.add(item['id'])


def _target(request, url):
    """The path (and query) an inner URL names: absolute, an absolute path, or relative to the batch URL; None
    when it names another host."""
    resolved = urlsplit(urljoin(request.base_url + request.path, url))
    if '%s://%s' % (resolved.scheme, resolved.netloc) not in (request.base_url, PUBLIC_ORIGIN):
        return None
    return resolved.path + ('?' + resolved.query if resolved.query else '')


def _run(request, item):
    """(status, body, headers) of one inner request, handled with the envelope's token."""
    target = _target(request, item['url'])
    problem = None
    if target is None:
        problem = 'The URL of a request in a batch must be on this service.'
    elif urlsplit(target).path.rstrip('/').endswith('/$batch'):
        problem = 'A request in a batch cannot itself be a batch request.'
    if problem:
        return 400, service(request.service).error_body(request, 'BadRequest', problem), {}
    headers = dict((str(name).lower(), str(value)) for name, value in (item.get('headers') or {}).items())
    headers['authorization'] = request.headers.get('authorization', '')
    headers.setdefault('client-request-id', request.client_request_id)
    body = b'' if item.get('body') is None else json.dumps(item['body']).encode()
    return request.emulator.handle(Request(request.emulator, 'exchange', item['method'].upper(), target, headers,
                                           body, batch=True))


def answer(request):
    """The batch's answer: (200, {responses: [{id, status, headers, body}]}, headers)."""
    items = request.json_object().get('requests')
    _check(request, items)
    found = CONTINUE_ON_ERROR.search(request.headers.get('prefer') or '')
    go_on = bool(found) and (found.group(1) or 'true').lower() != 'false'
    responses = []
    for item in items:
        status, body, headers = _run(request, item)
        named = dict((name.lower(), value) for name, value in headers.items())
        answer_item = dict(id=item['id'], status=status, headers=dict(
            (name, str(named[name.lower()])) for name in PASSED_HEADERS if name.lower() in named))
        if body is not None:
            answer_item['headers']['Content-Type'] = 'application/json'
            answer_item['body'] = body
        responses.append(answer_item)
        if status >= 400 and not go_on:
            break
    return 200, {'responses': responses}, {'Preference-Applied': 'odata.continue-on-error'} if go_on else {}
