"""The secret lifecycle's plan and its run on an in-memory Graph: what is minted, recorded, kept and removed,
and what a run says when another run interferes. The invariants (module docstring of _secret_lifecycle) are
checked on randomly drawn records as well as on the cases that broke them before."""

from __future__ import annotations

import datetime
import random

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _secret_record as tags
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._runtime import TaskState
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_lifecycle import (
    Handoff, HandoffRefused, HandoffUncertain, Lifecycle)
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_plan import Plan
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record
from ansible_collections.bookingsone.office365.plugins.modules import app_secret

from tests.unit.plugins.module_utils.fake_graph import FakeGraph, credential

NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
PARAMS = dict(in_flight_seconds=1200, force_rotate=False, rotate_before_days=30, retire_previous='after_grace',
              grace_days=14, retire_when='grace', unused_days=14)


def plan(record_tags, secrets, stored=None, stale=True, sign_ins=None, **params):
    return Plan(Record(record_tags), secrets, NOW, dict(PARAMS, **params), stored, stale_pending=stale,
                sign_ins=sign_ins)


def keys(credentials):
    return sorted(c['keyId'] for c in credentials)


HELD = credential('held', NOW - 100 * DAY)
EARLIER = credential('earlier', NOW - 400 * DAY)
RECORDED = [tags.MARK, tags.CURRENT + 'held', tags.EARLIER + 'earlier']


def test_a_converged_record_plans_nothing():
    found = plan(RECORDED, [HELD, EARLIER], retire_previous='never')
    assert not found.writes() and found.held is HELD and found.rotate is None


def test_forced_rotation_rotates_and_retires_nothing_in_the_same_run_after_grace():
    found = plan(RECORDED, [HELD, EARLIER], force_rotate=True)
    assert found.rotate == 'forced (force_rotate)' and found.retire == []


def test_the_grace_period_counts_from_the_recorded_secret():
    assert keys(plan(RECORDED, [HELD, EARLIER], grace_days=99).retire) == ['earlier']
    assert plan(RECORDED, [HELD, EARLIER], grace_days=101).retire == []


def test_evidence_retires_an_earlier_secret_only_once_bookings_one_switched_and_stopped_using_it():
    def unused(held_days_ago, earlier_days_ago):
        sign_ins = dict((key, NOW - days * DAY) for key, days in (('held', held_days_ago), ('earlier', earlier_days_ago))
                        if days is not None)
        return plan(RECORDED, [HELD, EARLIER], retire_when='unused', grace_days=0, sign_ins=sign_ins)
    assert keys(unused(1, 30).retire) == ['earlier']
    assert keys(unused(1, None).retire) == ['earlier']  # never used: nothing to wait for
    still = unused(1, 2)
    assert still.retire == [] and 'still in use: earlier' in ' '.join(still.notes), still.notes
    before = unused(None, 30)
    assert before.retire == [] and 'has not signed in with held' in ' '.join(before.notes), before.notes
    assert unused(101, 400).retire == []  # a sign-in from before the held secret existed is no evidence


def test_without_the_report_the_grace_period_applies():
    assert keys(plan(RECORDED, [HELD, EARLIER], retire_when='unused', sign_ins=None).retire) == ['earlier']
    assert plan(RECORDED, [HELD, EARLIER], retire_when='unused', grace_days=101, sign_ins=None).retire == []


def test_an_untagged_secret_is_an_orphan_only_once_it_is_older_than_the_in_flight_window():
    young, old = credential('young', NOW - datetime.timedelta(seconds=60)), credential('old', NOW - 2 * DAY)
    found = plan(RECORDED, [HELD, young, old], retire_previous='now')
    assert keys(found.orphans) == ['old'] and found.in_flight == {'young'}
    assert 'young' not in keys(found.retire)


def test_a_pending_secret_of_a_run_that_is_gone_makes_the_next_run_hand_over_a_new_one():
    pending = credential('pending', NOW - 2 * DAY)
    found = plan(RECORDED + [tags.PENDING + 'pending'], [HELD, pending])
    assert found.rotate.startswith('the hand-off of pending was interrupted')
    assert found.orphans == []  # it may have reached Bookings ONE: never an orphan
    now = plan(RECORDED + [tags.PENDING + 'pending'], [HELD, pending, EARLIER], retire_previous='now')
    assert keys(now.retire) == ['earlier', 'held', 'pending']  # replaced by the new one, which signs in first


def test_a_pending_secret_while_another_run_holds_the_lease_is_left_to_that_run():
    pending = credential('pending', NOW - datetime.timedelta(seconds=5))
    found = plan(RECORDED + [tags.PENDING + 'pending'], [HELD, pending], stale=False)
    assert found.rotate is None and not found.writes()
    assert found.notes == ['another run is handing over pending']


def test_a_young_pending_secret_is_never_retired_even_with_retire_now():
    pending = credential('pending', NOW - datetime.timedelta(seconds=30))
    found = plan(RECORDED + [tags.PENDING + 'pending'], [HELD, pending], retire_previous='now')
    assert found.rotate and 'pending' not in keys(found.retire)


def test_two_recorded_secrets_are_a_conflict_the_next_run_heals():
    other = credential('other', NOW - 99 * DAY)
    found = plan(RECORDED + [tags.CURRENT + 'other'], [HELD, other, EARLIER])
    assert found.conflict == ['held', 'other'] and found.rotate.startswith('two runs handed over held and other')


def test_the_store_of_this_controller_records_a_hand_off_the_tenant_missed():
    newer = credential('newer', NOW - DAY)
    found = plan(RECORDED + [tags.PENDING + 'newer'], [HELD, newer, EARLIER], stored='newer')
    assert found.adopt == 'newer' and found.held is newer and found.rotate is None
    stale = plan(RECORDED, [HELD, EARLIER], stored='earlier')
    assert stale.adopt is None and 'an earlier secret' in stale.notes[0]


def test_before_a_record_exists_every_secret_may_be_the_held_one():
    found = plan([], [HELD, EARLIER], retire_previous='after_grace', grace_days=7)
    assert found.held is HELD and found.orphans == [] and keys(found.retire) == ['earlier']


@pytest.mark.parametrize('seed', range(300))
def test_drawn_records_never_remove_what_may_be_held_or_in_flight(seed):
    """I1 on random records: the plan never removes a secret in flight, nor the held one unless it hands a
    new one over; an orphan is untagged and old."""
    rng = random.Random(seed)
    secrets, record = [], [tags.MARK] if rng.random() < 0.9 else []
    for index in range(rng.randint(0, 5)):
        age = rng.choice([30, 600, 5000, 20 * 86400, 700 * 86400])
        secrets.append(credential('k%d' % index, NOW - datetime.timedelta(seconds=age), days=rng.choice([1, 90, 730])))
        state = rng.choice([tags.CURRENT, tags.EARLIER, tags.PENDING, None])
        if state:
            record.append(state + 'k%d' % index)
    params = dict(retire_previous=rng.choice(['never', 'after_grace', 'now']), force_rotate=rng.random() < 0.3,
                  grace_days=rng.choice([0, 14]))
    stale = rng.random() < 0.5
    found = plan(record, secrets, stored=rng.choice([None, 'k0', 'k1']), stale=stale, **params)
    removed = set(keys(found.retire + found.orphans))
    assert not removed & found.in_flight
    if found.held is not None and not found.rotate:
        assert found.held['keyId'] not in removed
    parsed = Record(record)
    for orphan in found.orphans:
        assert parsed.state_of(orphan['keyId']) is None and parsed.marked


# ---------------------------------------------------------------- the run, on an in-memory Graph

class Connection(object):
    tenant_id = 'c0000000-0000-4000-8000-000000000003'

    def __init__(self, graph):
        self.graph = graph


class Store(Handoff):
    """A hand-off that records what it was given, or fails as told."""

    where = 'the test'

    def __init__(self, fail=None, during=None):
        self.given, self.fail, self.during = [], fail, during

    def deliver(self, data, result):
        if self.during:
            self.during()
        if self.fail:
            raise self.fail
        self.given.append(data)
        return 'the test store'


def run(graph, store=None, proof=True, check_mode=False, **params):
    args = dict(app_id=None, unique_name='bookings-one', secret_display_name='bookings-one', state='present',
                lifetime_days=730, rotate_before_days=30, force_rotate=False, retire_previous='after_grace',
                grace_days=14, handed_off_key_id=None, lease_seconds=600, lease_settle_seconds=0.0,
                lock_timeout=5, in_flight_seconds=1200, sign_in_timeout=1, handoff=None, retire_when='grace',
                unused_days=14)
    args.update(params)
    state = TaskState(args, check_mode, True, Connection(graph))
    store = store or Store()

    def logic(task):
        app_secret.check_input(task.params)
        Lifecycle(task, store, lambda app_id, text: dict(signed_in=proof, seconds=0.5, detail='told'),
                  sleep=lambda seconds: None).run()

    result, failure = state.execute(logic)
    return result, failure, store


def test_a_first_run_mints_one_secret_hands_it_over_and_records_it():
    graph = FakeGraph()
    result, failure, store = run(graph)
    assert failure is None, failure
    new = graph.keys()
    assert len(new) == 1 and [d['secret_key_id'] for d in store.given] == new
    assert graph.tags_like(tags.CURRENT) == new and graph.tags_like(tags.PENDING) == []
    assert graph.tags_like(tags.LEASE) == []  # released
    # the lease, pending, the record (read back while the lease is held), the release
    assert [entry[0] for entry in graph.log] == ['PATCH', 'addPassword', 'PATCH', 'PATCH', 'PATCH']
    assert result['changed'] and result['msg'].startswith('minted new secret %s (no secret is recorded as handed off), signed in' % new[0])
    assert 'secret_text' not in result


def test_a_forced_rotation_mints_once_and_records_what_it_handed_over():
    graph = FakeGraph([HELD], [tags.MARK, tags.CURRENT + 'held'])
    result, failure, store = run(graph, force_rotate=True)
    assert failure is None
    minted = [key for verb, key in graph.log if verb == 'addPassword']
    assert len(minted) == 1 and store.given[0]['secret_key_id'] == minted[0]
    assert graph.tags_like(tags.CURRENT) == minted and graph.tags_like(tags.EARLIER) == ['held']
    assert result['recorded_key_id'] == minted[0]
    again, failure, _store = run(graph)  # an ordinary run from a store that never saw it keeps it
    assert failure is None and not again['changed'] and graph.keys() == sorted(['held', minted[0]])


def test_a_rotation_of_an_app_without_a_record_keeps_its_old_secrets_as_earlier():
    graph = FakeGraph([credential('old', NOW - 720 * DAY), credential('older', NOW - 725 * DAY)])
    result, failure, store = run(graph)
    assert failure is None and result['rotated']
    assert graph.tags_like(tags.CURRENT) == [store.given[0]['secret_key_id']]
    assert graph.tags_like(tags.EARLIER) == ['old', 'older']  # recorded, so never taken for orphans later


def test_check_mode_says_what_it_would_do_and_writes_nothing():
    graph = FakeGraph([HELD, credential('orphan', NOW - 3 * DAY)], [tags.MARK, tags.CURRENT + 'held'])
    result, failure, store = run(graph, check_mode=True, force_rotate=True)
    assert failure is None and graph.log == [] and store.given == []
    assert result['changed'] and result['msg'] == ('would add a new secret (forced (force_rotate)); would remove '
                                                   'secret(s) never handed off: orphan')


def test_a_refused_hand_off_removes_the_new_secret_and_says_what_was_written():
    graph = FakeGraph([HELD], [tags.MARK, tags.CURRENT + 'held'])
    result, failure, _store = run(graph, store=Store(fail=HandoffRefused('HTTP 400')), force_rotate=True)
    assert failure is not None and result['changed']
    minted = [key for verb, key in graph.log if verb == 'addPassword'][0]
    assert ('new secret %s was removed again because its hand-off failed: HTTP 400' % minted) in failure[0]
    assert 'added secret %s' % minted in failure[0]
    assert graph.keys() == ['held'] and graph.tags_like(tags.PENDING) == [] and graph.tags_like(tags.LEASE) == []


def test_a_hand_off_that_may_have_arrived_keeps_the_secret_pending():
    graph = FakeGraph([HELD], [tags.MARK, tags.CURRENT + 'held'])
    _result, failure, _store = run(graph, store=Store(fail=HandoffUncertain('timed out')), force_rotate=True)
    minted = [key for verb, key in graph.log if verb == 'addPassword'][0]
    assert 'may or may not have reached Bookings ONE' in failure[0]
    assert graph.tags_like(tags.PENDING) == [minted] and minted in graph.keys()
    healed, failure, store = run(graph)  # the next run hands over a new one; both earlier ones are kept
    assert failure is None and healed['rotated'] and store.given
    assert graph.tags_like(tags.CURRENT) == [store.given[0]['secret_key_id']]
    assert set(graph.tags_like(tags.EARLIER)) == {'held', minted}


def test_a_secret_that_never_signs_in_is_removed_before_any_hand_off():
    graph = FakeGraph([HELD], [tags.MARK, tags.CURRENT + 'held'])
    _result, failure, store = run(graph, proof=False, force_rotate=True)
    assert 'removed again because it never signed in' in failure[0] and store.given == []
    assert graph.keys() == ['held']


def test_an_unproven_secret_retires_nothing():
    graph = FakeGraph([HELD, EARLIER], RECORDED)
    result, failure, _store = run(graph, proof=None, force_rotate=True, retire_previous='now')
    assert failure is None and result['retired'] == [] and 'earlier' in graph.keys()
    assert 'nothing retired' in ' '.join(result['notes'])


def test_a_record_changed_by_another_run_during_the_hand_off_fails_naming_both_and_keeps_both():
    graph = FakeGraph([HELD], [tags.MARK, tags.CURRENT + 'held'])
    theirs = credential('theirs', NOW)

    def another_run():  # its lease expired this one's, it minted and recorded its own
        graph.app['passwordCredentials'].append(theirs)
        graph.app['tags'] = [tags.MARK, tags.CURRENT + 'theirs', tags.EARLIER + 'held']

    _result, failure, store = run(graph, store=Store(during=another_run), force_rotate=True)
    mine = store.given[0]['secret_key_id']
    assert 'another run recorded' in failure[0] and 'theirs' in failure[0] and mine in failure[0]
    assert sorted(graph.tags_like(tags.CURRENT)) == sorted(['theirs', mine])
    healed, failure, store = run(graph)  # the next run replaces both
    assert failure is None and healed['rotate_reason'].startswith('two runs handed over')
    assert graph.tags_like(tags.CURRENT) == [store.given[0]['secret_key_id']]
    assert {'theirs', mine} <= set(graph.tags_like(tags.EARLIER))


def test_a_live_lease_of_another_run_is_waited_for_then_the_run_plans_again():
    busy = tags.LEASE + 'other.1.1:%d' % (NOW.timestamp() + 3600)
    graph = FakeGraph([credential('due', NOW - 720 * DAY)], [tags.MARK, tags.CURRENT + 'due', busy])
    waited = []

    def sleep(seconds):
        waited.append(seconds)
        if len(waited) == 2:  # the other run finishes: it rotated and released
            graph.app['passwordCredentials'].append(credential('fresh', NOW))
            graph.app['tags'] = [tags.MARK, tags.CURRENT + 'fresh', tags.EARLIER + 'due']

    state = TaskState(dict(app_id=None, unique_name='bookings-one', secret_display_name='bookings-one',
                           state='present', lifetime_days=730, rotate_before_days=30, force_rotate=False,
                           retire_previous='never', grace_days=14, handed_off_key_id=None, lease_seconds=600,
                           lease_settle_seconds=0.0, lock_timeout=60, in_flight_seconds=1200, sign_in_timeout=1,
                           retire_when='grace', unused_days=14),
                      False, True, Connection(graph))
    store = Store()
    result, failure = state.execute(lambda task: Lifecycle(task, store, lambda *a: dict(signed_in=True),
                                                           sleep=sleep).run())
    assert failure is None and store.given == [] and graph.keys() == ['due', 'fresh']
    assert result['msg'].startswith('another run had already done it') and not result['changed']


def test_a_lease_held_too_long_fails_without_writing():
    lease = tags.LEASE + 'other.1.1:%d' % (NOW.timestamp() + 3600)
    graph = FakeGraph([HELD], [tags.MARK, tags.CURRENT + 'held', lease])
    _result, failure, _store = run(graph, force_rotate=True, lock_timeout=0)
    assert 'held the hand-off record of this app for longer than' in failure[0] and 'nothing was written' in failure[0]
    assert graph.log == []


def test_task_failed_is_the_whole_message():
    assert issubclass(TaskFailed, Exception)
