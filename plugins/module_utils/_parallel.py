# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded concurrency for per-object requests (hundreds of rooms in one task).

Throttling is handled per request by the HTTP layer's retry policy, so a
throttled worker waits while the others go on within the service's budget.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError

# The `concurrency` option of the modules that handle rooms (doc fragment bookingsone.office365.concurrency).
CONCURRENCY_SPEC = dict(concurrency=dict(type='int', default=8))


def concurrency(params):
    """The validated `concurrency` option."""
    if params['concurrency'] < 1:
        raise InputError('concurrency %d must be at least 1' % params['concurrency'])
    return params['concurrency']


def run_all(function, items, workers):
    """[(item, result, exception)] in the order of items; every item is attempted."""
    def attempt(item):
        try:
            return item, function(item), None
        except Exception as exc:  # pylint: disable=broad-except
            return item, None, exc

    if workers <= 1 or len(items) <= 1:
        return [attempt(item) for item in items]  # one at a time: in this thread, without a pool's hand-offs
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(attempt, items))


class AdaptiveLimit(object):
    """How many requests to one service may be in flight, learnt from the service (AIMD, as TCP does).

    Unlimited (the thread pool bounds it) until the service refuses a request for too many concurrent
    ones; then halved below what was in flight, and raised by one after as many successes as the limit,
    up to the most ever in flight. Refusals of requests that started before the last cut do not cut again:
    a burst of refusals is one signal.
    """

    def __init__(self):
        self.limit = None
        self.in_flight = self.peak = self.successes = 0
        self.lowest = None
        self.cut_at = 0.0
        self.condition = threading.Condition()

    def acquire(self):
        """Wait for a free place; returns the start time to hand back to release()."""
        with self.condition:
            while self.limit is not None and self.in_flight >= self.limit:
                self.condition.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return time.monotonic()

    def release(self, started, refused):
        with self.condition:
            self.in_flight -= 1
            if refused and started >= self.cut_at:
                self.limit = max(1, (self.in_flight + 1) // 2)
                self.lowest = self.limit if self.lowest is None else min(self.lowest, self.limit)
                self.cut_at, self.successes = time.monotonic(), 0
            elif not refused and self.limit is not None:
                self.successes += 1
                if self.successes >= self.limit and self.limit < self.peak:
                    self.limit, self.successes = self.limit + 1, 0
            self.condition.notify_all()


def read_each(read, items, workers, what, is_missing):
    """[(item, result)] of a read per item; items the service does not know fail, all named at once.

    Used before any write, so bad input leaves every object unchanged.
    """
    outcomes = run_all(read, items, workers)
    missing = [item for item, _result, exc in outcomes if exc is not None and is_missing(exc)]
    if missing:
        raise InputError('unknown %s %s; nothing was changed' % (what, ', '.join(missing)))
    raise_failures(outcomes, 'reading')  # names the first item that failed
    return [(item, result) for item, result, _exc in outcomes]


def at_once(parts, run, join):
    """run(part) for every part at once; once all have ended, join(part) for each in the order given, whichever
    ended first, then the first failure in that order is raised. What parts find reads the same as if they had
    run one after another (every part runs, though, where in turn a failure would stop the later ones)."""
    outcomes = run_all(run, parts, len(parts))
    for part in parts:
        join(part)
    failure = first_error(outcomes)
    if failure is not None:
        raise failure


def first_error(outcomes):
    for _item, _result, exc in outcomes:
        if exc is not None:
            return exc
    return None


def raise_failures(outcomes, action):
    """Raise the first failure, naming its item and how many items failed."""
    failed = [(item, exc) for item, _result, exc in outcomes if exc is not None]
    if not failed:
        return
    item, exc = failed[0]
    if isinstance(exc, MicrosoftApiError):
        raise exc.with_message('%s %s failed (%d of %d failed): %s'
                               % (action, item, len(failed), len(outcomes), exc.message)) from exc
    raise exc
