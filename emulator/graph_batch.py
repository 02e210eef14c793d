"""Graph v1.0 JSON batching: up to 20 requests in one POST /$batch, each routed
through the same handlers (and faults) as if sent alone."""

from __future__ import annotations

import json

from emulator.graph_routes import error_body, route
from emulator.routing import Request

MAX_REQUESTS = 20
METHODS = ('GET', 'POST', 'PATCH', 'PUT', 'DELETE')
_PASSED_HEADERS = ('Retry-After', 'Location', 'Preference-Applied', 'WWW-Authenticate')


def _inner_request(request, item):
    """The inner request as a Request of its own, carrying the envelope's token."""
    headers = dict((k.lower(), str(v)) for k, v in (item.get('headers') or {}).items())
    if item.get('body') is not None and 'content-type' not in headers:
        request.fail(400, 'BadRequest', "Request '%s': a Content-Type header is required when the body is present."
                     % item['id'])
    headers['authorization'] = request.headers.get('authorization', '')
    headers.setdefault('client-request-id', request.client_request_id)
    url = item['url'] if item['url'].startswith('/') else '/' + item['url']
    body = json.dumps(item['body']).encode() if item.get('body') is not None else b''
    return Request(request.emulator, 'graph', item['method'].upper(), '/v1.0' + url, headers, body, batch=True)


def _validate(request, items):
    if not isinstance(items, list) or not items:
        request.fail(400, 'BadRequest', 'Invalid batch payload format.')
    if len(items) > MAX_REQUESTS:
        request.fail(400, 'BadRequest', 'Number of included requests in batch exceeds the maximum allowed: %d.'
                     % MAX_REQUESTS)
    seen = set()
    for item in items:
        if not isinstance(item, dict) or not item.get('id') or not isinstance(item.get('url'), str) or \
                str(item.get('method', '')).upper() not in METHODS:
            request.fail(400, 'BadRequest', 'Each batch request needs an id, a method and a relative url.')
        item['id'] = str(item['id'])
        if item['id'] in seen:
            request.fail(400, 'BadRequest', "Batch request id '%s' is not unique." % item['id'])
        for dependency in item.get('dependsOn') or []:
            if str(dependency) not in seen:
                request.fail(400, 'BadRequest', "Request '%s' depends on '%s', which is not an earlier request "
                                                "of the batch." % (item['id'], dependency))
        seen.add(item['id'])


def _answer(item_id, status, body, headers):
    answer = {'id': item_id, 'status': status,
              'headers': dict((k, str(v)) for k, v in headers.items() if k in _PASSED_HEADERS)}
    if body is not None:
        answer['headers']['Content-Type'] = 'application/json'
        answer['body'] = body
    return answer


# https://learn.microsoft.com/graph/json-batching
@route('POST', r'/\$batch', locked=False)
def batch(request):
    request.write = False  # the envelope; each inner request is logged with its own write flag
    items = request.json_object().get('requests')
    _validate(request, items)
    statuses, responses = {}, []
    for item in items:
        if '://' in item['url']:
            status, body, headers = 400, error_body(request, 'BadRequest', 'Batch request URLs must be relative.'), {}
        elif any(statuses[str(d)] >= 400 for d in item.get('dependsOn') or []):
            status, body, headers = 424, error_body(request, 'FailedDependency', 'Failed dependency.'), {}
        else:
            status, body, headers = request.emulator.handle(_inner_request(request, item))
        statuses[item['id']] = status
        responses.append(_answer(item['id'], status, body, headers))
    return 200, {'responses': responses}
