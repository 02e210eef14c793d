"""AdaptiveLimit: fewer requests in flight after the service refuses some for concurrency, more again later."""

from __future__ import annotations

import threading

from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import AdaptiveLimit


def fill(limit, count):
    return [limit.acquire() for _place in range(count)]


def test_unlimited_until_a_refusal_then_halved_below_what_was_in_flight():
    limit = AdaptiveLimit()
    starts = fill(limit, 8)
    assert limit.limit is None and limit.peak == 8
    limit.release(starts[0], refused=True)
    assert limit.limit == 4 and limit.lowest == 4


def test_a_burst_of_refusals_is_one_cut():
    limit = AdaptiveLimit()
    starts = fill(limit, 8)
    for started in starts[:4]:
        limit.release(started, refused=True)
    assert limit.limit == 4, 'refusals of requests that started before the cut must not cut again'
    limit.release(starts[4], refused=False)
    started = limit.acquire()
    limit.release(started, refused=True)  # a request sent after the cut is refused too: cut again
    assert limit.limit == 2 and limit.lowest == 2  # half of the 4 that were in flight with it


def test_successes_raise_the_limit_by_one_up_to_the_peak():
    limit = AdaptiveLimit()
    starts = fill(limit, 4)
    limit.release(starts[0], refused=True)
    assert limit.limit == 2
    for started in starts[1:]:
        limit.release(started, refused=False)
    for _success in range(10):
        limit.release(limit.acquire(), refused=False)
    assert limit.limit == 4, 'raised back to the most ever in flight, not beyond'


def test_acquire_waits_while_the_limit_is_reached():
    limit = AdaptiveLimit()
    starts = fill(limit, 2)
    limit.release(starts[0], refused=True)  # limit 1, one still in flight
    entered = threading.Event()

    def second():
        limit.acquire()
        entered.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not entered.wait(0.2), 'a second request went in flight over the limit'
    limit.release(starts[1], refused=False)
    assert entered.wait(5)
    thread.join()
