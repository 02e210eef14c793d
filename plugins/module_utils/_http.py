# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer: a requests session with timeouts, bounded retries that
honour Retry-After within a per-connection wait budget, token refresh on 401, and
service error mapping.

GraphClient and ExchangeClient are thin subclasses; no module sends HTTP itself.
"""

from __future__ import annotations

import copy
import email.utils
import json
import random
import re
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

try:
    import requests
    from urllib3 import exceptions as urllib3_errors
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import AdaptiveLimit
from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private

USER_AGENT = 'bookingsone.office365/0.1.0'
# Throttled or briefly unavailable: the request was not carried out, so it is safe to repeat.
# https://learn.microsoft.com/graph/throttling
RETRY_STATUSES = frozenset([429, 503, 504])
# A token request changes nothing, so an internal error or a bad gateway is safe to repeat there
# too; on Graph or Exchange a 500 may hide a write that happened.
LOGIN_RETRY_STATUSES = RETRY_STATUSES | frozenset([500, 502])
# How messages name a service (RetryPolicy counts retries under the short names).
SERVICE_NAMES = dict(login='the identity platform', graph='Microsoft Graph', exchange='Exchange Online',
                     handoff='the hand-off endpoint')
DEFAULT_WAIT_BUDGET = 300.0  # the wait_budget connection option's default


def _causes(exc):
    """exc and the exceptions behind it: what requests wraps (urllib3's MaxRetryError and its reason, a
    proxy's original error) and the exceptions each was raised from or while handling."""
    found, pending = [], [exc]
    while pending and len(found) < 32:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        pending.extend(current.args)
        pending.extend([getattr(current, 'reason', None), getattr(current, 'original_error', None),
                        current.__cause__, current.__context__])
    return found


def connect_failure(exc):
    """Why no connection could be made, in a few words ('connection refused', 'name not resolved', 'connection
    timed out'...), or None when the failure came later (a read timeout, a connection dropped after the
    request went out) and the service may have carried the request out.

    Nothing reached the service after a connect failure, so a request is safe to repeat after one, even a POST.
    """
    causes = _causes(exc)
    connect = (urllib3_errors.NewConnectionError, urllib3_errors.ConnectTimeoutError, requests.exceptions.ConnectTimeout)
    if not any(isinstance(cause, connect) for cause in causes):
        return None
    proxy = 'proxy ' if any(isinstance(cause, urllib3_errors.ProxyError) for cause in causes) else ''
    unresolved = (socket.gaierror,) + tuple(
        [urllib3_errors.NameResolutionError] if hasattr(urllib3_errors, 'NameResolutionError') else [])
    if any(isinstance(cause, unresolved) for cause in causes):
        return proxy + 'name not resolved'
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return proxy + 'connection refused'
    timeouts = (socket.timeout, TimeoutError, requests.exceptions.ConnectTimeout)
    if any(isinstance(cause, timeouts) or isinstance(cause, urllib3_errors.ConnectTimeoutError)
           and not isinstance(cause, urllib3_errors.NewConnectionError) for cause in causes):
        return proxy + 'connection timed out'
    for cause in causes:  # e.g. [Errno 101] Network is unreachable
        if isinstance(cause, OSError) and not isinstance(cause, requests.exceptions.RequestException) \
                and cause.errno and cause.strerror:
            return proxy + cause.strerror[0].lower() + cause.strerror[1:]
    return proxy + 'connection failed'


def host_of(url):
    """host[:port] of a URL, as an error message names where a request went."""
    parts = urlsplit(url)
    host = parts.hostname or url
    if ':' in host:
        host = '[%s]' % host  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    return host if port is None else '%s:%d' % (host, port)


def connection_message(exc, url, other='%(error)s'):
    """The message of a request that got no answer: `could not connect to host[:port] (why)` when no
    connection could be made (urllib3's wording left out), else `other` % {url, error}."""
    reason = connect_failure(exc)
    if reason:
        return 'could not connect to %s (%s)' % (host_of(url), reason)
    return other % dict(url=url, error=exc)


def _seconds(value):
    return ('%.2f' % value).rstrip('0').rstrip('.')


class WaitRefused(Exception):
    """RetryPolicy.send did not repeat a request because the wait before it would pass what is left of
    the connection's wait budget. Holds the last answer (`response`) or the last connect failure (`error`)."""

    def __init__(self, service, pause, retry_after, left, budget, response=None, error=None):
        super(WaitRefused, self).__init__(service, pause)
        self.service, self.pause, self.retry_after, self.left, self.budget = service, pause, retry_after, left, budget
        self.response, self.error = response, error

    def describe(self, url, answer=None):
        """The message the request fails with; `answer` is the service's own message of its last answer."""
        budget = "only %s s of this tenant's wait budget are left (wait_budget=%s); the request was not repeated" % (
            _seconds(max(self.left, 0.0)), _seconds(self.budget))
        name = SERVICE_NAMES.get(self.service, self.service)
        if self.error is not None:
            told = '%s; a retry would wait %s s (backoff) but %s' % (connection_message(self.error, url),
                                                                     _seconds(self.pause), budget)
        elif self.retry_after:
            told = '%s asked to wait %s s (Retry-After) but %s' % (name, _seconds(self.pause), budget)
        else:
            told = '%s answered HTTP %s; a retry would wait %s s (backoff) but %s' % (
                name, self.response.status_code, _seconds(self.pause), budget)
        return '%s. Its answer: %s' % (told, answer) if answer else told


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds, possibly fractional, or an HTTP date)."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class _WaitBudget(object):
    """Seconds a connection may still spend waiting between retries, shared by its requests and threads."""

    def __init__(self, total):
        self.total = self.left = float(total)


class RetryPolicy(object):
    """How long and how often to retry: bounded in attempts, in time per request, and in seconds waited
    per connection (the wait budget).

    One object serves every client of a connection (login, Graph, Exchange), so it also
    counts, per service, the retries made and the seconds waited (see retries()), and all
    of them draw their waits from one budget: a tenant that keeps answering with a long
    Retry-After fails its task at once instead of holding the run.
    """

    def __init__(self, max_attempts=7, max_total=300.0, wait_budget=DEFAULT_WAIT_BUDGET, base_delay=0.5,
                 max_delay=30.0, sleep=time.sleep, clock=time.monotonic, jitter=random.random):
        self.max_attempts, self.max_total = max_attempts, max_total
        self.base_delay, self.max_delay = base_delay, max_delay
        self.sleep, self.clock, self.jitter = sleep, clock, jitter  # tests pass their own
        self._lock = threading.Lock()  # modules fan requests out over threads (_parallel.py)
        self._counts = {}
        self._budget = _WaitBudget(DEFAULT_WAIT_BUDGET if wait_budget is None else wait_budget)

    @property
    def wait_budget(self):
        return self._budget.total

    def delay(self, attempt, retry_after=None):
        """The wait before retry number `attempt` (1-based): the service's Retry-After in full, else backoff."""
        if retry_after is not None:
            return retry_after
        # Exponential backoff with full jitter: spreads the retries of many forks.
        return self.jitter() * min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))

    def wait(self, service, attempt, started, retry_after=None):
        """Sleep before the next attempt and count it; False when the limits do not allow one."""
        return self._wait(service, attempt, started, retry_after) is None

    def _wait(self, service, attempt, started, retry_after=None):
        """Sleep before the next attempt and count it. None when it did; else a WaitRefused when the wait
        budget does not allow the wait, or False when the attempts or the request's time are used up.

        The one place every retry passes through, so the counts and the budget cover all of them. A wait
        is taken in full or not at all: retrying before a Retry-After has passed only earns another 429.
        """
        if attempt >= self.max_attempts:
            return False
        pause = self.delay(attempt, retry_after)
        with self._lock:  # the check and the reservation in one step: threads must not overspend the budget
            left = self._budget.left
            if pause > left:
                return WaitRefused(service, pause, retry_after is not None, left, self._budget.total)
            if self.clock() - started + pause > self.max_total:
                return False
            self._budget.left = left - pause
        self.sleep(pause)
        with self._lock:
            retried, waited = self._counts.get(service, (0, 0.0))
            self._counts[service] = (retried + 1, waited + pause)
        return None

    def with_budget(self, max_total, max_delay=10.0):
        """A policy bounded by `max_total` seconds rather than attempts, counting into this one's tally and
        waiting out of this one's wait budget.

        For requests that wait out Entra replication right after a create (minutes, longer than a
        few backoff attempts last).
        """
        derived = RetryPolicy(max_attempts=max(self.max_attempts, int(max_total) + 1), max_total=float(max_total),
                              base_delay=self.base_delay, max_delay=max_delay,
                              sleep=self.sleep, clock=self.clock, jitter=self.jitter)
        derived._lock, derived._counts, derived._budget = self._lock, self._counts, self._budget  # one per connection
        return derived

    def retries(self):
        """{service: {retried, waited_s}} for the services that retried at all (the modules' `retries`)."""
        with self._lock:
            return dict((service, dict(retried=retried, waited_s=round(waited, 2)))
                        for service, (retried, waited) in self._counts.items())

    def send(self, service, send, statuses=RETRY_STATUSES, idempotent=True, retry_when=None):
        """Call send() until its response is not worth repeating, waiting between attempts.

        A response is repeated when its status is in `statuses`, or when `retry_when(response)`
        says so (a service's own transient errors, e.g. replication delay after a create). A
        connection that could not be made is repeated like a 503 (nothing reached the service);
        any other failure without an answer (a read timeout) only when the request is idempotent,
        as the service may have carried it out.

        Returns the last response (an error status too: the caller maps it), or raises the last
        requests exception once it is not (or no longer) retried, or WaitRefused (holding either)
        when the wait budget does not allow the next wait.
        """
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = send()
            except requests.exceptions.RequestException as exc:
                if not (idempotent or connect_failure(exc)):
                    raise
                refused = self._wait(service, attempt, started)
                if refused is None:
                    continue
                if refused is False:
                    raise
                refused.error = exc
                raise refused from exc
            if not (response.status_code in statuses or (retry_when is not None and retry_when(response))):
                return response
            refused = self._wait(service, attempt, started, parse_retry_after(response.headers.get('Retry-After')))
            if refused is None:
                continue
            if refused is False:
                return response
            refused.response = response
            raise refused


def tls_verify(ca_bundle, validate_certs):
    """requests' verify: the CA bundle given, else the system's; False only when validation is turned off."""
    return (ca_bundle or True) if validate_certs else False


def new_session(verify):
    session = requests.Session()
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

    requests lets REQUESTS_CA_BUNDLE override a session's verify setting; passing
    it per request keeps the ca_bundle option in charge. Every msal request (OpenID
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
    """Answers to reads, kept until the next write through the same client.

    Several modules of one tenant run on one connection (plugin_utils/_inprocess.py): each
    object is then read once per run, however many of them look at it. Copies go in and
    out, so a caller changing what it got cannot change what the next one gets.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._answers = {}

    def get(self, key, fetch):
        with self._lock:
            if key in self._answers:
                return copy.deepcopy(self._answers[key])
        answer = fetch()
        with self._lock:
            self._answers[key] = copy.deepcopy(answer)
        return answer

    def clear(self):
        with self._lock:
            self._answers.clear()


class ServiceClient(object):
    """Authenticated JSON requests to one Microsoft service."""

    service = None  # 'graph' or 'exchange': selects the token's resource

    def __init__(self, base_url, tokens, session, timeout=60.0, policy=None):
        self.base_url = base_url.rstrip('/')
        self.tokens = tokens
        self.session = session
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.warnings = []
        self.reads = ReadCache()
        self.in_flight = AdaptiveLimit()

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

    def request(self, method, path, body=None, params=None, headers=None, idempotent=None, retry_codes=()):
        """Send a request, retrying what is safe to retry; returns the requests.Response.

        `retry_codes`: service error codes that are transient for this request (as amazon.aws's
        catch_extra_error_codes), retried with the same policy. Raises MicrosoftApiError for an
        error that is not (or no longer) retried.
        """
        url = self.url(path)
        if idempotent is None:
            idempotent = method.upper() != 'POST'
        if not self.is_read(method, body):
            self.reads.clear()  # what was read before a write may be stale after it
        refreshed = []

        def send():
            started, response = self.in_flight.acquire(), None
            try:
                response = self._send(method, url, body, params, headers, refresh=False)
                if response.status_code == 401 and not refreshed:
                    refreshed.append(True)  # a cached token the service no longer accepts: fetch a new one once
                    response = self._send(method, url, body, params, headers, refresh=True)
            finally:
                self.in_flight.release(started, response is not None and self.overloaded(response))
            return response

        def retry_when(response):
            if self.overloaded(response):
                return True
            return bool(retry_codes) and response.status_code >= 400 and \
                self.error_from(response, method, url).code in retry_codes

        try:
            response = self.policy.send(self.service, send, idempotent=idempotent, retry_when=retry_when)
        except WaitRefused as refused:
            if refused.response is None:
                raise MicrosoftApiError(self.service, None, 'ConnectionError', refused.describe(url),
                                        method=method, url=url)
            if refused.response.status_code < 400:
                return refused.response  # repeated for a service's own reason, but an answer all the same
            error = self.error_from(refused.response, method, url)
            raise error.with_message(refused.describe(url, error.message)) from error
        except requests.exceptions.RequestException as exc:
            raise MicrosoftApiError(self.service, None, 'ConnectionError', connection_message(exc, url),
                                    method=method, url=url)
        if response.status_code >= 400:
            raise self.error_from(response, method, url)
        return response

    def overloaded(self, response):
        """The service refused the request for too many concurrent ones, before carrying it out: it is
        repeated, and fewer requests go in flight from then on. Each service knows its own answer."""
        return False

    def is_read(self, method, body):
        """Whether a request changes nothing (Exchange reads are POSTs of Get-* cmdlets)."""
        return method.upper() == 'GET'

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
