# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a request is repeated: the retry policy (bounded attempts, Retry-After honoured, backoff with
jitter), the wait budget a connection's requests share, and which failures mean no connection was made
(safe to repeat, even a POST) and how a message names them.

The HTTP layer (_http.py) sends every request through RetryPolicy.send; nothing here sends HTTP itself.
"""

from __future__ import annotations

import email.utils
import random
import socket
import threading
import time
from urllib.parse import urlsplit

try:
    import requests
    from urllib3 import exceptions as urllib3_errors
except ImportError:
    pass  # _http.HAS_REQUESTS says so; M365Module fails with missing_required_lib before a request


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
        """Sleep before the next attempt and count it. None when it did; else what reserve() refused with."""
        pause = self.reserve(service, attempt, started, retry_after)
        if pause is False or isinstance(pause, WaitRefused):
            return pause
        self.sleep(pause)
        return None

    def reserve(self, service, attempt, started, retry_after=None):
        """Take the wait before attempt `attempt` + 1 out of the wait budget and count the retry, without
        sleeping: the pause in seconds; else a WaitRefused when the budget does not allow it, or False when
        the attempts or the request's time are used up. A batch sender sleeps once for the inner requests it
        repeats (ServiceClient.send_batched); _wait sleeps it for one request.

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
            retried, waited = self._counts.get(service, (0, 0.0))
            self._counts[service] = (retried + 1, waited + pause)
        return pause

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
