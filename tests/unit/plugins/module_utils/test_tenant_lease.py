"""The lease on the hand-off record: who it binds, and two runs taking it on an in-memory Graph."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _secret_record as tags
from ansible_collections.bookingsone.office365.plugins.module_utils import _tenant_lease as lease
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record
from tests.unit.plugins.module_utils.fake_graph import FakeGraph


def test_a_lease_binds_until_it_expires_or_its_process_on_this_controller_ended():
    now = time.time()
    mine = lease.holder_id()
    assert lease.alive(mine, now + 60, now) and not lease.alive(mine, now - 1, now)
    assert lease.alive('0badc0de.1.1', now + 60, now)  # another controller: only its expiry tells
    ended = multiprocessing.Process(target=lambda: None)
    ended.start()
    ended.join()
    gone = '%s.%d.%s' % (mine.split('.')[0], ended.pid, '12345')
    assert not lease.alive(gone, now + 60, now)


def test_the_controller_is_named_by_the_environment_when_set(monkeypatch):
    monkeypatch.setenv('BOOKINGSONE_CONTROLLER_ID', 'awx-node-2')
    first = lease.holder_id()
    monkeypatch.setenv('BOOKINGSONE_CONTROLLER_ID', 'awx-node-3')
    assert first.split('.')[0] != lease.holder_id().split('.')[0] and first.split('.')[1] == str(os.getpid())


def run_lease(graph, holder, **kwargs):
    kwargs.setdefault('sleep', lambda seconds: None)
    return lease.Lease(graph, FakeGraph.APP, 600, 0.0, 5, holder=holder, **kwargs)


def test_a_run_takes_the_lease_writes_under_it_and_gives_it_back():
    graph = FakeGraph()
    mine = run_lease(graph, 'a.1.1')
    mine.acquire()
    assert Record(graph.app['tags']).lease_holders() == ['a.1.1']
    mine.update(lambda record, _existing: record.mint('x'))
    mine.release()
    assert Record(graph.app['tags']).leases == [] and mine.writes == 3


def test_a_write_after_another_run_took_the_lease_is_refused():
    graph = FakeGraph()
    mine = run_lease(graph, 'a.1.1')
    mine.acquire()
    graph.app['tags'] = [tags.LEASE + 'b.2.2:%d' % (time.time() + 600)]  # B's lease replaced A's
    with pytest.raises(lease.LeaseLost, match='no longer this run'):
        mine.update(lambda record, _existing: record.mint('x'))
    mine.update(lambda record, _existing: record.conflict('x'), require=False)  # a hand-off that happened is kept
    assert Record(graph.app['tags']).current == set()  # x does not exist in the fake: dropped from the tags


class Clock(object):
    """time.monotonic and time.sleep of the runs of one test: sleeping advances it."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_lease_write_that_lands_after_another_run_took_the_lease_is_given_back_and_the_other_stops():
    """A reads no lease; B takes the lease (read, write, settle, read) before A's write lands; A's write then
    replaces B's. A wrote too slowly to trust it and gives it back; B finds its lease gone at its next write.
    Never do both go on writing."""
    graph, clock = FakeGraph(), Clock()
    a = lease.Lease(graph, FakeGraph.APP, 600, 1.0, 30, holder='a.1.1', sleep=clock.sleep, monotonic=clock)
    b = lease.Lease(graph, FakeGraph.APP, 600, 1.0, 30, holder='b.2.2', sleep=clock.sleep, monotonic=clock)

    def b_first(method, path, body):
        if body.get('tags') and any(t.startswith(tags.LEASE + 'a.') for t in body['tags']) and not b.held:
            graph.before_write = None
            b.acquire()  # takes a settle time: A's write is now slow
            graph.before_write = b_first
    graph.before_write = b_first
    a.acquire()  # gives back its slow lease, then takes it properly on the next round
    assert a.held and b.held  # each believes so, but only the tags decide who may write
    with pytest.raises(lease.LeaseLost):
        b.update(lambda record, _existing: record.mint('b-secret'))
    a.update(lambda record, _existing: record.mint('a-secret'))
    assert Record(graph.app['tags']).lease_holders() == ['a.1.1']
