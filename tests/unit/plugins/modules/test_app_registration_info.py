"""app_registration_info's hand-off record: what the app's tags record as handed off to Bookings ONE,
a record pointing at a deleted secret, hand-offs under way or interrupted, and secrets nobody holds."""

from __future__ import annotations

import datetime
import time

from ansible_collections.bookingsone.office365.plugins.module_utils import _secret_record as tags
from ansible_collections.bookingsone.office365.plugins.modules.app_registration_info import handoff_record

NOW = datetime.datetime.now(datetime.timezone.utc)
OLD = '2026-01-01T00:00:00Z'


def secret(key, name='bookings-one', start=OLD, end='2028-01-01T00:00:00Z'):
    return dict(keyId=key, displayName=name, startDateTime=start, endDateTime=end)


def app(record, *credentials):
    return dict(tags=record, passwordCredentials=list(credentials))


def recorded(**found):
    return dict(dict(marked=True, recorded_key_id=None, conflict=[], pending=[], interrupted=[], dangling=[],
                     orphans=[], in_flight=[], leased=False), **found)


def test_an_app_set_up_before_the_record_holds_its_newest_secret_and_no_orphans():
    found = handoff_record(app([], secret('a'), secret('b', start='2026-02-01T00:00:00Z')), 'bookings-one', NOW)
    assert found == recorded(marked=False, recorded_key_id='b')


def test_the_recorded_secret_and_the_orphans_beside_it():
    record = ['other-tag', tags.MARK, tags.CURRENT + 'held', tags.EARLIER + 'before']
    found = handoff_record(app(record, secret('held'), secret('before'), secret('stray'), secret('x', name='theirs')),
                           'bookings-one', NOW)
    # the earlier secret is accounted for; a secret of another name is not ours to judge
    assert found == recorded(recorded_key_id='held', orphans=['stray'])


def test_a_young_unrecorded_secret_is_in_flight_not_an_orphan():
    young = NOW.strftime('%Y-%m-%dT%H:%M:%SZ')
    found = handoff_record(app([tags.MARK, tags.CURRENT + 'held'], secret('held'), secret('new', start=young)),
                           'bookings-one', NOW)
    assert found == recorded(recorded_key_id='held', in_flight=['new'])


def test_a_pending_secret_is_interrupted_unless_a_run_holds_the_lease():
    record = [tags.MARK, tags.CURRENT + 'held', tags.PENDING + 'late']
    assert handoff_record(app(record, secret('held'), secret('late')), 'bookings-one', NOW) == recorded(
        recorded_key_id='held', pending=['late'], interrupted=['late'])
    leased = record + [tags.LEASE + 'elsewhere.1.1:%d' % (time.time() + 300)]
    assert handoff_record(app(leased, secret('held'), secret('late')), 'bookings-one', NOW) == recorded(
        recorded_key_id='held', pending=['late'], leased=True)


def test_two_recorded_secrets_are_a_conflict_and_a_deleted_one_dangles():
    record = [tags.MARK, tags.CURRENT + 'one', tags.CURRENT + 'two', tags.CURRENT + 'deleted']
    found = handoff_record(app(record, secret('one'), secret('two', start='2026-02-01T00:00:00Z')), 'bookings-one', NOW)
    assert found == recorded(recorded_key_id='two', conflict=['one', 'two'], dangling=['deleted'])


def test_without_a_secret_name_no_secret_is_ours():
    found = handoff_record(app([tags.MARK, tags.CURRENT + 'held'], secret('held')), None, NOW)
    assert found == recorded()
    assert handoff_record(dict(), 'bookings-one', NOW) == recorded(marked=False)
