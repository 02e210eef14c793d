"""The hand-off record kept in the app's tags, and the input checks the preflight shares."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _secret_record as tags
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import (
    check_redirect_uris, check_secret_policy,
)


def test_a_record_round_trips_through_tags_and_keeps_other_tags():
    record = Record(['WindowsAzureActiveDirectoryIntegratedApp'])
    record.mint('a')
    record.hand_off('a')
    record.mint('b')
    record.take_lease('ctl.1.2', 1900000000)
    written = record.to_tags({'a', 'b'})
    assert written == ['WindowsAzureActiveDirectoryIntegratedApp', tags.MARK, tags.CURRENT + 'a', tags.PENDING + 'b',
                       tags.LEASE + 'ctl.1.2:1900000000']
    again = Record(written)
    assert (again.current, again.pending, again.earlier) == ({'a'}, {'b'}, set())
    assert again.leases == [('ctl.1.2', 1900000000)]
    again.hand_off('b')
    again.release('ctl.1.2')
    assert again.to_tags({'a', 'b'}) == ['WindowsAzureActiveDirectoryIntegratedApp', tags.MARK, tags.CURRENT + 'b',
                                         tags.EARLIER + 'a']


def test_a_key_is_in_one_state_at_a_time():
    record = Record([tags.MARK, tags.CURRENT + 'held', tags.PENDING + 'late'])
    record.conflict('late')  # recorded beside the other run's: both current
    assert record.current == {'held', 'late'} and record.pending == set()
    record.hand_off('new')
    assert record.current == {'new'} and record.earlier == {'held', 'late'}
    record.settle_pending()
    assert record.state_of('held') == 'earlier' and record.state_of('nobody') is None


def test_entries_of_deleted_secrets_are_dropped_and_unreadable_leases_ignored():
    record = Record([tags.MARK, tags.CURRENT + 'gone', tags.EARLIER + 'old', tags.LEASE + 'holder:soon'])
    assert record.leases == []
    assert record.to_tags({'old'}) == [tags.MARK, tags.EARLIER + 'old']


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
        check_secret_policy(lifetime, rotate, grace, bookingsone.SECRET_MAX_LIFETIME_DAYS)
