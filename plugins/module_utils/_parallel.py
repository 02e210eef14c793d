# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded concurrency for per-object requests (hundreds of rooms in one task).

Throttling is handled per request by the HTTP layer's retry policy, so a
throttled worker waits while the others go on within the service's budget.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError


def run_all(function, items, workers):
    """[(item, result, exception)] in the order of items; every item is attempted."""
    def attempt(item):
        try:
            return item, function(item), None
        except Exception as exc:  # pylint: disable=broad-except
            return item, None, exc

    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        return list(pool.map(attempt, items))


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
        exc.message = '%s %s failed (%d of %d failed): %s' % (action, item, len(failed), len(outcomes), exc.message)
    raise exc
