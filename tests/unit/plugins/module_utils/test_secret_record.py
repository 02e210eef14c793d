"""The hand-off record kept in the app's tags, and the input checks the preflight shares."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import (
    check_redirect_uris, check_secret_policy,
)


def secret(key, start='2026-01-01T00:00:00Z', end='2027-01-01T00:00:00Z'):
    return dict(keyId=key, displayName='bookings-one', startDateTime=start, endDateTime=end)


def test_a_record_round_trips_through_tags_and_keeps_other_tags():
    record = secrets.Record(['WindowsAzureActiveDirectoryIntegratedApp'])
    mine = [secret('a'), secret('b')]
    record.hand_off('a', mine)
    record.hand_off('b', mine)
    tags = record.to_tags({'a', 'b'})
    assert tags == ['WindowsAzureActiveDirectoryIntegratedApp', secrets.RECORD_MARK,
                    secrets.RECORD_CURRENT + 'b', secrets.RECORD_EARLIER + 'a']
    again = secrets.Record(tags)
    assert again.current == {'b'} and again.earlier == {'a'} and again.marked


def test_entries_of_deleted_secrets_are_dropped():
    record = secrets.Record([secrets.RECORD_MARK, secrets.RECORD_CURRENT + 'gone', secrets.RECORD_EARLIER + 'old'])
    assert record.to_tags({'old'}) == [secrets.RECORD_MARK, secrets.RECORD_EARLIER + 'old']


def test_classify_names_orphans_only_once_a_record_exists():
    mine = [secret('held'), secret('earlier'), secret('orphan')]
    record = secrets.Record([secrets.RECORD_MARK, secrets.RECORD_CURRENT + 'held', secrets.RECORD_EARLIER + 'earlier'])
    current, earlier, orphans = secrets.classify(record, mine)
    assert current['keyId'] == 'held' and [c['keyId'] for c in earlier] == ['earlier']
    assert [c['keyId'] for c in orphans] == ['orphan']
    # set up by an earlier version: no record, so every secret may be the one Bookings ONE holds
    current, earlier, orphans = secrets.classify(secrets.Record([]), mine)
    assert current is None and len(earlier) == 3 and orphans == []


def test_the_newest_recorded_secret_wins_when_two_runs_recorded_one_each():
    mine = [secret('first', end='2027-01-01T00:00:00Z'), secret('second', end='2027-06-01T00:00:00Z')]
    record = secrets.Record([secrets.RECORD_MARK, secrets.RECORD_CURRENT + 'first', secrets.RECORD_CURRENT + 'second'])
    current, earlier, orphans = secrets.classify(record, mine)
    assert current['keyId'] == 'second' and [c['keyId'] for c in earlier] == ['first'] and orphans == []


def test_more_than_256_redirect_uris_are_refused():
    uris = ['https://contoso.example/cb/%d' % n for n in range(300)]
    with pytest.raises(InputError, match='300 redirect URIs given; Microsoft Entra allows at most 256'):
        check_redirect_uris(uris, 'redirect_uris')
    check_redirect_uris(uris[:256], 'redirect_uris')


@pytest.mark.parametrize('lifetime,rotate,grace,words', [
    (0, 30, 7, 'lifetime_days 0 is out of range'),
    (-5, 30, 7, 'lifetime_days -5 is out of range'),
    (731, 30, 7, 'lifetime_days 731'),
    (365, 800, 7, 'rotate_before_days 800 must be'),
    (365, 365, 7, 'rotate_before_days 365 must be'),
    (365, 30, -1, 'grace_days -1'),
])
def test_secret_policy_inputs_are_refused_naming_the_value(lifetime, rotate, grace, words):
    with pytest.raises(InputError, match=words):
        check_secret_policy(lifetime, rotate, grace, secrets.MAX_LIFETIME_DAYS)
