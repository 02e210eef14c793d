# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer: a requests session with timeouts, retries by the connection's RetryPolicy
(_retry.py: Retry-After honoured within a per-connection wait budget), token refresh on 401, read
caches, and service error mapping.

GraphClient and ExchangeClient are thin subclasses; no module sends HTTP itself.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
import uuid
from urllib.parse import urljoin, urlsplit

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import AdaptiveLimit, run_all
from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import (
    LOGIN_RETRY_STATUSES, RETRY_STATUSES, RetryPolicy, WaitRefused, connection_message, parse_retry_after,
)

USER_AGENT = 'bookingsone.office365/0.1.0'
# How a service that does not serve JSON batching answers its batch URL: no such resource (404, or 400 as an
# OData service answers an unknown segment), the method not allowed, or not implemented.
BATCH_REFUSED = frozenset([400, 404, 405, 501])


def tls_verify(ca_bundle, validate_certs):
    """requests' verify: the CA bundle given, else the one the environment names as requests would read it
    (REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE), else the system's; False only when validation is turned off."""
    if not validate_certs:
        return False
    return ca_bundle or os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True


if HAS_REQUESTS:
    class Session(requests.Session):
        """A requests session that reads the environment's proxy settings once per host.

        requests reads them (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) from the whole environment again
        for every request, about half a millisecond each, tens of milliseconds of a tenant's run. Here the same
        function decides them once for each scheme and host, so a request goes through the same proxy, or none,
        as it would otherwise; the CA bundle the environment names is taken by tls_verify. ~/.netrc is not read:
        every request carries its own credentials, which a netrc login for the host would replace.
        """

        def __init__(self):
            super(Session, self).__init__()
            self.trust_env = False
            self._proxies = {}

        def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
            if kwargs.get('proxies') is None:
                kwargs['proxies'] = self.environment_proxies(url)
            return super(Session, self).request(method, url, *args, **kwargs)

        def environment_proxies(self, url):
            parts = urlsplit(url)
            key = (parts.scheme, parts.netloc)
            if key not in self._proxies:
                self._proxies[key] = requests.utils.get_environ_proxies(url)
            return self._proxies[key]


def new_session(verify):
    session = Session()
    session.verify = verify
    session.headers['User-Agent'] = USER_AGENT
    return session


def json_or_none(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def login_error(status, body, method=None, url=None):
    """MicrosoftApiError from an identity platform error body: code, AADSTS number, trace and correlation ids.

    https://learn.microsoft.com/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application
    """
    body = body if isinstance(body, dict) else {}
    # error_description ends in "Trace ID: … Correlation ID: … Timestamp: …"; the ids are added below once.
    message = re.split(r'\s*Trace ID:', body.get('error_description') or '')[0].strip()
    codes = body.get('error_codes') or []
    if codes and not message.startswith('AADSTS'):
        message = ('AADSTS%s: %s' % (codes[0], message)).rstrip(': ')
    if not message:
        message = 'the identity platform answered HTTP %s' % status if status else 'the identity platform returned no token'
    ids = ['%s %s' % (label, body[key]) for key, label in (('trace_id', 'trace ID'), ('correlation_id', 'correlation ID'))
           if body.get(key)]
    if ids:
        message += ' (%s)' % ', '.join(ids)
    code = body.get('error') or ('HTTP%s' % status if status else 'token_error')
    return MicrosoftApiError('login', status, code, message, request_id=body.get('correlation_id') or body.get('trace_id'),
                             method=method, url=url)


class CachedResponse(object):
    """A stored answer, with what msal reads of a response."""

    def __init__(self, status_code, text, headers):
        self.status_code, self.text, self.headers = status_code, text, headers

    def json(self):
        return json.loads(self.text)


class InnerResponse(object):
    """One answer of a JSON batch (`responses[]`: id, status, headers, body; https://learn.microsoft.com/graph/
    json-batching), with what this layer reads of a requests.Response: the retry rules, the overload test and the
    service's error mapping then judge it as they judge an answer to a request sent alone."""

    def __init__(self, answer):
        status, headers = answer.get('status'), answer.get('headers')
        self.status_code = status if isinstance(status, int) else 0
        self.headers = requests.structures.CaseInsensitiveDict(headers if isinstance(headers, dict) else {})
        self.content = b'' if answer.get('body') is None else json.dumps(answer['body']).encode('utf-8')

    def json(self):
        return json.loads(self.content)


class _Inner(object):
    """An inner request on its way through batches: attempts made, when the first went out, when the next may."""

    def __init__(self, index, request):
        self.index, self.request = index, request
        self.attempt, self.started, self.not_before = 0, None, 0.0


class MetadataCache(object):
    """The identity platform's public metadata msal GETs (OpenID configuration, instance discovery), kept
    in a private JSON file next to the token cache for a day, as msal keeps it in memory.

    msal fetches it again in every process otherwise, i.e. for every task; its own http_cache would need
    pickled msal objects on disk. Only successful answers are kept; an unreadable file is ignored.
    """

    LIFETIME_S = 24 * 3600

    def __init__(self, path, clock=time.time):
        self.path, self.clock = path, clock
        try:
            with open(path) as handle:
                entries = json.load(handle)
        except (IOError, OSError, ValueError):
            entries = {}
        now = clock()
        self.entries = dict((url, entry) for url, entry in entries.items()
                            if isinstance(entry, dict) and 0 <= entry.get('expires', 0) - now <= self.LIFETIME_S) \
            if isinstance(entries, dict) else {}

    def get(self, url, fetch):
        entry = self.entries.get(url)
        if entry is not None:
            return CachedResponse(entry['status_code'], entry['text'], entry['headers'])
        response = fetch()
        if 200 <= response.status_code < 300:
            self.entries[url] = dict(status_code=response.status_code, text=response.text,
                                     headers=dict(response.headers), expires=self.clock() + self.LIFETIME_S)
            try:
                write_private(self.path, json.dumps(self.entries).encode('utf-8'))
            except (IOError, OSError):
                pass  # a cache that cannot be written costs a fetch next time, nothing else
        return response


class ExplicitVerifyClient(object):
    """The session as msal's http_client: verify and timeout on every call, and the retry policy.

    verify goes with each call as well as on the session, so a session that is not new_session's (a plain
    requests.Session reads REQUESTS_CA_BUNDLE over its own verify) still keeps the ca_bundle option in
    charge. Every msal request (OpenID
    discovery, token) passes through here, so the login is retried like Graph and
    Exchange. msal would turn a final 5xx into "HTTP Error: 500" and a 429 into a
    vague dict or ValueError, so those become MicrosoftApiError here; other answers
    (400/401 AADSTS errors) go back to msal, which reports their error body.
    """

    def __init__(self, session, timeout, policy=None, metadata=None):
        self.session = session
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.metadata = metadata  # a MetadataCache for msal's GETs, or None

    def _call(self, method, url, **kwargs):
        kwargs.setdefault('verify', self.session.verify)
        kwargs.setdefault('timeout', self.timeout)
        try:
            response = self.policy.send('login', lambda: self.session.request(method, url, **kwargs),
                                        statuses=LOGIN_RETRY_STATUSES)  # token requests are safe to repeat
        except WaitRefused as refused:
            if refused.response is None:
                raise MicrosoftApiError('login', None, 'ConnectionError', refused.describe(url), method=method, url=url)
            error = login_error(refused.response.status_code, json_or_none(refused.response), method, url)
            raise error.with_message(refused.describe(url, error.message)) from error
        except requests.exceptions.RequestException as exc:
            raise MicrosoftApiError('login', None, 'ConnectionError',
                                    connection_message(exc, url, 'cannot reach %(url)s: %(error)s'), method=method, url=url)
        if response.status_code in LOGIN_RETRY_STATUSES or response.status_code >= 500:
            raise login_error(response.status_code, json_or_none(response), method, url)
        return response

    def get(self, url, **kwargs):
        if self.metadata is None:
            return self._call('GET', url, **kwargs)
        key = url + ('?' + json.dumps(kwargs['params'], sort_keys=True) if kwargs.get('params') else '')
        return self.metadata.get(key, lambda: self._call('GET', url, **kwargs))

    def post(self, url, **kwargs):
        return self._call('POST', url, **kwargs)

    def close(self):
        self.session.close()


class ReadCache(object):
    """Answers to reads, kept until a write through the same client may have made them stale (stale_reads).

    Several modules of one tenant run on one connection (plugin_utils/_inprocess.py): each
    object is then read once per run, however many of them look at it. Copies go in and
    out, so a caller changing what it got cannot change what the next one gets.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._answers = {}

    def get(self, key, fetch):
        found, answer = self.peek(key)
        if found:
            return answer
        answer = fetch()
        self.put(key, answer)
        return answer

    def peek(self, key):
        """(True, the answer) when one is kept, else (False, None): for a batch, which fetches many at once."""
        with self._lock:
            if key not in self._answers:
                return False, None
            kept = self._answers[key]
        return True, json.loads(kept) if isinstance(kept, str) else copy.deepcopy(kept)

    def put(self, key, answer):
        # Kept as JSON text where it is JSON (a service's answer): parsing it again is several times cheaper
        # than a deep copy, and it is a copy all the same.
        try:
            kept = json.dumps(answer)
        except (TypeError, ValueError):
            kept = copy.deepcopy(answer)
        with self._lock:
            self._answers[key] = kept

    def clear(self, stale=None):
        """Forget the answers whose key `stale` holds true of, or all of them."""
        with self._lock:
            for key in [key for key in self._answers if stale is None or stale(key)]:
                del self._answers[key]


class StaticToken(object):
    """A bearer token given as it is, for endpoints that are not Microsoft's (the hand-off endpoint, a webhook)."""

    def __init__(self, token):
        self._token = token

    def token(self, service, refresh=False):
        return self._token


class ServiceClient(object):
    """Authenticated JSON requests to one Microsoft service."""

    service = None  # 'graph' or 'exchange': selects the token's resource
    batch_limit = 20  # inner requests per JSON batch (https://learn.microsoft.com/graph/json-batching)

    def __init__(self, base_url, tokens, session, timeout=60.0, policy=None):
        self.base_url = base_url.rstrip('/')
        self.tokens = tokens
        self.session = session
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.warnings = []
        self.reads = ReadCache()
        self.in_flight = AdaptiveLimit()
        self.batching = True  # False once the service refused its batch URL: this connection sends alone from then on

    def url(self, path):
        return path if path.startswith('https://') else self.base_url + path

    def owns(self, url):
        """Whether a URL the service handed back (a nextLink) points at the same service.

        The bearer token is never sent anywhere else.
        """
        return url == self.base_url or url.startswith(self.base_url + '/')

    def next_link(self, page):
        """The page's @odata.nextLink, or None at the last page; one on another host is refused."""
        link = (page or {}).get('@odata.nextLink')
        if link and not self.owns(link):
            raise MicrosoftApiError(self.service, None, 'UnexpectedNextLink',
                                    'refusing to follow a nextLink to another host: %s' % link)
        return link

    def request(self, method, path, body=None, params=None, headers=None, idempotent=None, retry_codes=(),
                crowded=None):
        """Send a request, retrying what is safe to retry; returns the requests.Response.

        `retry_codes`: service error codes that are transient for this request (as amazon.aws's
        catch_extra_error_codes), retried with the same policy. `crowded(response)`: whether the answer
        says the service refused work for too many requests at once (default: overloaded(); a batch says
        so in its inner answers, which are repeated on their own). Raises MicrosoftApiError for an error
        that is not (or no longer) retried.
        """
        url = self.url(path)
        if idempotent is None:
            idempotent = method.upper() != 'POST'
        if not self.is_read(method, body):
            self.reads.clear(self.stale_reads(method, body))  # what was read before a write may be stale after it
        crowded = crowded or self.overloaded
        refreshed = []

        def send():
            started, response = self.in_flight.acquire(), None
            try:
                response = self._send(method, url, body, params, headers, refresh=False)
                if response.status_code == 401 and not refreshed:
                    refreshed.append(True)  # a cached token the service no longer accepts: fetch a new one once
                    response = self._send(method, url, body, params, headers, refresh=True)
            finally:
                self.in_flight.release(started, response is not None and crowded(response))
            return response

        try:
            response = self.policy.send(self.service, send, idempotent=idempotent,
                                        retry_when=self._retry_when(retry_codes, method, url))
        except WaitRefused as refused:
            if refused.response is None:
                raise MicrosoftApiError(self.service, None, 'ConnectionError', refused.describe(url),
                                        method=method, url=url)
            if refused.response.status_code < 400:
                return refused.response  # repeated for a service's own reason, but an answer all the same
            raise self._refused(refused, method, url) from refused
        except requests.exceptions.RequestException as exc:
            raise MicrosoftApiError(self.service, None, 'ConnectionError', connection_message(exc, url),
                                    method=method, url=url)
        if response.status_code >= 400:
            raise self.error_from(response, method, url)
        return response

    def _retry_when(self, retry_codes, method, url):
        """What is repeated besides RETRY_STATUSES: a refusal for too many requests at once, and `retry_codes`."""
        def retry_when(response):
            if self.overloaded(response):
                return True
            return bool(retry_codes) and response.status_code >= 400 and \
                self.error_from(response, method, url).code in retry_codes
        return retry_when

    def _refused(self, refused, method, url):
        """The error of an answer not repeated for want of wait budget, saying so."""
        error = self.error_from(refused.response, method, url)
        return error.with_message(refused.describe(url, error.message))

    def send_batched(self, path, inner, parallel=1, headers=None, retry_when=None, raw=False):
        """Send inner requests ({method, url, body, headers, idempotent}; url relative to the batch URL `path`, or
        an absolute path) through the service's JSON batch endpoint, batch_limit to a batch and `parallel`
        batches at a time. Returns, in their order, the InnerResponse each got (status < 400), the
        MicrosoftApiError it ended with, or None when the service refused the batch URL (self.batching is then
        False and the caller sends those alone).

        Each inner request is retried alone, as request() retries one sent alone: a throttled, unavailable or
        overloaded one goes again in a later batch once its own Retry-After (or backoff) has passed, within the
        same policy, attempts and wait budget; the others keep their answers. A batch holding a refusal for too
        many requests at once cuts the in-flight limit as that refusal would alone. `retry_when` (an InnerResponse
        of status >= 400: whether it is transient for these requests) repeats more answers the same way; with
        `raw`, each request's last answer is handed back as its InnerResponse whatever its status, for a caller
        that judges them itself.
        """
        results = [None] * len(inner)
        pending = [_Inner(index, request) for index, request in enumerate(inner)]
        while pending and self.batching:
            now = self.policy.clock()
            ready = [item for item in pending if item.not_before <= now]
            if not ready:
                self.policy.sleep(min(item.not_before for item in pending) - now)  # reserved when it was judged
                continue
            count = -(-len(ready) // self.batch_limit)
            size = -(-len(ready) // count)  # even batches: a short last one would idle a worker
            chunks = [ready[start:start + size] for start in range(0, len(ready), size)]
            for chunk, answers, error in run_all(lambda chunk: self._post_batch(path, chunk, headers), chunks, parallel):
                for item in chunk:
                    results[item.index] = error if error is not None else self._judge(item, answers, retry_when, raw)
            pending = [item for item in pending if results[item.index] is None]
        return results

    def _post_batch(self, path, chunk, headers):
        """{id: InnerResponse} of one batch, or None when the service refused the batch URL."""
        wire = [dict((key, value) for key, value in item.request.items() if key != 'idempotent' and value is not None)
                for item in chunk]
        body = {'requests': [dict(request, id=str(item.index)) for item, request in zip(chunk, wire)]}
        for item in chunk:
            item.started = item.started or self.policy.clock()
        try:
            response = self.request('POST', path, body=body, headers=headers,
                                    idempotent=all(item.request.get('idempotent') for item in chunk),
                                    crowded=lambda answer: self.overloaded(answer) or any(
                                        self.overloaded(inner) for inner in self._answers(answer).values()))
        except MicrosoftApiError as exc:
            if exc.status not in BATCH_REFUSED:
                raise
            self.batching = False
            return None
        return self._answers(response)

    def _answers(self, response):
        page = self.json_or_none(response)
        answers = page.get('responses') if isinstance(page, dict) else None
        return dict((str(answer.get('id')), InnerResponse(answer)) for answer in answers or []
                    if isinstance(answer, dict))

    def _judge(self, item, answers, retry_when=None, raw=False):
        """An inner request's answer, its error, or None when it goes again (then not before item.not_before)."""
        if answers is None:
            return None
        item.attempt += 1
        response = answers.get(str(item.index))
        if response is not None and response.status_code < 400:
            return response  # an answer: nothing to repeat (a refusal for too many at once is an error status)
        method, url = item.request['method'], urljoin(self.base_url + '/', item.request['url'])
        if response is None:
            return MicrosoftApiError(self.service, None, 'BatchResponseMissing',
                                     'the batch answer has no response to this request', method=method, url=url)
        if response.status_code in RETRY_STATUSES or self._retry_when((), method, url)(response) or \
                (retry_when is not None and response.status_code >= 400 and retry_when(response)):
            pause = self.policy.reserve(self.service, item.attempt, item.started,
                                        parse_retry_after(response.headers.get('Retry-After')))
            if isinstance(pause, WaitRefused):
                pause.response = response
                return response if raw else self._refused(pause, method, url)
            if pause is not False:
                item.not_before = self.policy.clock() + pause
                return None
        return response if raw or response.status_code < 400 else self.error_from(response, method, url)

    def overloaded(self, response):
        """The service refused the request for too many concurrent ones, before carrying it out: it is
        repeated, and fewer requests go in flight from then on. Each service knows its own answer."""
        return False

    def is_read(self, method, body):
        """Whether a request changes nothing (Exchange reads are POSTs of Get-* cmdlets)."""
        return method.upper() == 'GET'

    def stale_reads(self, method, body):
        """Of the reads kept, which a write may have made stale: a test of their keys, or None for all of them."""
        return None

    def _send(self, method, url, body, params, headers, refresh):
        send_headers = {
            'Authorization': 'Bearer %s' % self.tokens.token(self.service, refresh=refresh),
            'Accept': 'application/json',
            'client-request-id': str(uuid.uuid4()),
        }
        send_headers.update(headers or {})
        return self.session.request(method, url, json=body, params=params, headers=send_headers,
                                    timeout=self.timeout, verify=self.session.verify)

    def error_from(self, response, method, url):
        """Map an error response to MicrosoftApiError; each service knows its body."""
        raise NotImplementedError

    json_or_none = staticmethod(json_or_none)
