"""Fault injection: latency, throttling (429 + Retry-After), server errors and
directory replication delay, configured per emulator and changeable at run time
(Emulator.set_faults, control `PUT /faults`). Random faults use a seedable RNG."""

from __future__ import annotations

import random
import threading
import time

DEFAULTS = dict(latency_ms=0, throttle_rate=0.0, throttle_next=0, retry_after=1, throttle_budget=None,
                error_rate=0.0, error_next=0, error_for_s=0, error_status=503, replication_delay_s=0, replication_next=0,
                assignment_replication_next=0, password_propagation_s=0,
                services=['graph', 'exchange'], tenants=None, seed=None)
ERROR_STATUSES = (500, 503, 504)
FAULTABLE = ('login', 'graph', 'exchange')  # never control: tests steer through it
# Listeners whose handlers sleep the injected latency themselves: exchange_routes.py does it while the request
# holds its slot of the tenant's concurrency limit, so a request counts against the limit for its whole
# duration. The server's sleep before dispatch leaves them out; a fault decided for one sleeps it then.
SELF_TIMED = set()


class Fault(object):
    """A decided fault: status, retry_after (None: no header)."""

    def __init__(self, status, retry_after=None):
        self.status = status
        self.retry_after = retry_after


class Faults(object):

    def __init__(self, config=None):
        self.lock = threading.Lock()
        self.configure(config or {})

    def configure(self, config):
        """Replace the settings (unknown names or bad values are refused: a typo must not pass silently)."""
        merged = dict(DEFAULTS)
        for name, value in (config or {}).items():
            if name not in DEFAULTS:
                raise ValueError('unknown fault setting %r; known: %s' % (name, ', '.join(sorted(DEFAULTS))))
            merged[name] = value
        if merged['error_status'] not in ERROR_STATUSES:
            raise ValueError('error_status must be one of %s' % (ERROR_STATUSES,))
        if not set(merged['services']) <= set(FAULTABLE):
            raise ValueError('services takes listeners among %s' % (FAULTABLE,))
        budget = merged['throttle_budget']
        if budget is not None and not (isinstance(budget, dict) and set(budget) == {'requests', 'window_s'}):
            raise ValueError('throttle_budget takes {requests, window_s}')
        with self.lock:
            self.config = merged
            self.random = random.Random(merged['seed'])
            self.windows = {}
            # error_for_s: an outage from now on, e.g. the login listener down for 2 s
            self.error_until = time.monotonic() + float(merged['error_for_s'] or 0)

    def snapshot(self):
        with self.lock:
            return dict(self.config)

    def applies_to(self, listener):
        return listener in self.config['services']

    def latency(self, listener, by_handler=False):
        """Sleep the injected latency of one request; for a SELF_TIMED listener only when its handler asks."""
        if (by_handler or listener not in SELF_TIMED) and self.applies_to(listener) and self.config['latency_ms']:
            time.sleep(self.config['latency_ms'] / 1000.0)

    def decide(self, listener, caller):
        """The fault for one request of `caller` (tenant id, client id) on a listener, or None."""
        fault = self._decide(listener, caller)
        if fault is not None and listener in SELF_TIMED:
            self.latency(listener, by_handler=True)  # answered here, its handler never runs
        return fault

    def _decide(self, listener, caller):
        with self.lock:
            config = self.config
            if listener not in config['services']:
                return None
            if config['tenants'] is not None and caller[0] not in config['tenants']:
                return None  # faults scoped to some tenants: one tenant down, the others fine
            if config['throttle_next'] > 0:
                config['throttle_next'] -= 1
                return Fault(429, config['retry_after'])
            if config['error_next'] > 0:
                config['error_next'] -= 1
                return self._error()
            if time.monotonic() < self.error_until:
                return self._error()
            throttled = self._over_budget(caller)
            if throttled:
                return throttled
            if config['throttle_rate'] and self.random.random() < config['throttle_rate']:
                return Fault(429, config['retry_after'])
            if config['error_rate'] and self.random.random() < config['error_rate']:
                return self._error()
            return None

    def _error(self):
        status = self.config['error_status']
        return Fault(status, self.config['retry_after'] if status == 503 else None)

    def _over_budget(self, caller):
        """Graph-style limits: N requests per window for each tenant + client pair."""
        budget = self.config['throttle_budget']
        if not budget:
            return None
        now = time.monotonic()
        started, count = self.windows.get(caller, (now, 0))
        if now - started >= budget['window_s']:
            started, count = now, 0
        self.windows[caller] = (started, count + 1)
        if count + 1 <= budget['requests']:
            return None
        return Fault(429, round(max(budget['window_s'] - (now - started), 0.1), 2))

    def take(self, name):
        """Use up one of a counted fault (replication_next, assignment_replication_next); True when there was one left."""
        with self.lock:
            if self.config.get(name, 0) > 0:
                self.config[name] -= 1
                return True
            return False

    def replicating(self, created_at, setting='replication_delay_s'):
        """True while an object created at `created_at` (epoch s) is not yet replicated: for
        replication_delay_s (directory objects) or password_propagation_s (a new client secret)."""
        delay = self.config[setting] or 0
        return bool(delay) and created_at is not None and time.time() - created_at < delay
