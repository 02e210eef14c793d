# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer: a requests session with timeouts, bounded retries that
honour Retry-After, token refresh on 401, and service error mapping.

GraphClient and ExchangeClient are thin subclasses; no module sends HTTP itself.
"""

from __future__ import annotations

import email.utils
import random
import time
import uuid

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError

USER_AGENT = 'bookingsone.office365/0.1.0'
# Throttled or briefly unavailable: the request was not carried out, so it is safe to repeat.
# https://learn.microsoft.com/graph/throttling
RETRY_STATUSES = frozenset([429, 503, 504])


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


class RetryPolicy(object):
    """How long and how often to retry: bounded in attempts and in total time."""

    def __init__(self, max_attempts=7, max_total=300.0, max_retry_after=120.0, base_delay=0.5, max_delay=30.0,
                 sleep=time.sleep, clock=time.monotonic, jitter=random.random):
        self.max_attempts = max_attempts
        self.max_total = max_total
        self.max_retry_after = max_retry_after
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter

    def delay(self, attempt, retry_after=None):
        """The wait before retry number `attempt` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        # Exponential backoff with full jitter: spreads the retries of many forks.
        return self.jitter() * min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))

    def wait(self, attempt, started, retry_after=None):
        """Sleep before the next attempt; False when the budget does not allow one."""
        if attempt >= self.max_attempts:
            return False
        pause = self.delay(attempt, retry_after)
        if self.clock() - started + pause > self.max_total:
            return False
        self.sleep(pause)
        return True


def new_session(verify):
    session = requests.Session()
    session.verify = verify
    session.headers['User-Agent'] = USER_AGENT
    return session


class ExplicitVerifyClient(object):
    """The session as msal's http_client, with verify and timeout passed on every call.

    requests lets REQUESTS_CA_BUNDLE override a session's verify setting; passing
    it per request keeps the ca_bundle option in charge.
    """

    def __init__(self, session, timeout):
        self.session = session
        self.timeout = timeout

    def _call(self, method, url, **kwargs):
        kwargs.setdefault('verify', self.session.verify)
        kwargs.setdefault('timeout', self.timeout)
        return self.session.request(method, url, **kwargs)

    def get(self, url, **kwargs):
        return self._call('GET', url, **kwargs)

    def post(self, url, **kwargs):
        return self._call('POST', url, **kwargs)

    def close(self):
        self.session.close()


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

    def url(self, path):
        return path if path.startswith('https://') else self.base_url + path

    def owns(self, url):
        """Whether a URL the service handed back (a nextLink) points at the same service.

        The bearer token is never sent anywhere else.
        """
        return url == self.base_url or url.startswith(self.base_url + '/')

    def request(self, method, path, body=None, params=None, headers=None, idempotent=None):
        """Send a request, retrying what is safe to retry; returns the requests.Response.

        Raises MicrosoftApiError for an error status that is not (or no longer) retried.
        """
        url = self.url(path)
        if idempotent is None:
            idempotent = method.upper() != 'POST'
        started = self.policy.clock()
        attempt = 0
        refresh = refreshed = False
        while True:
            attempt += 1
            token = self.tokens.token(self.service, refresh=refresh)
            refresh = False
            send_headers = {
                'Authorization': 'Bearer %s' % token,
                'Accept': 'application/json',
                'client-request-id': str(uuid.uuid4()),
            }
            send_headers.update(self.extra_headers())
            send_headers.update(headers or {})
            try:
                response = self.session.request(method, url, json=body, params=params, headers=send_headers,
                                                timeout=self.timeout, verify=self.session.verify)
            except requests.exceptions.RequestException as exc:
                # A connect failure means nothing reached the service; a read timeout may hide a
                # write that happened, so only idempotent requests are repeated after one.
                safe = idempotent or isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
                    exc, requests.exceptions.ReadTimeout)
                if safe and self.policy.wait(attempt, started):
                    continue
                raise MicrosoftApiError(self.service, None, 'ConnectionError', str(exc), method=method, url=url)
            if response.status_code == 401 and not refreshed:
                refresh = refreshed = True  # a cached token the service no longer accepts: fetch a new one once
                continue
            if response.status_code in RETRY_STATUSES and self.policy.wait(
                    attempt, started, parse_retry_after(response.headers.get('Retry-After'))):
                continue
            if response.status_code >= 400:
                raise self.error_from(response, method, url)
            return response

    def extra_headers(self):
        return {}

    def error_from(self, response, method, url):
        """Map an error response to MicrosoftApiError; each service knows its body."""
        raise NotImplementedError

    @staticmethod
    def json_or_none(response):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None
