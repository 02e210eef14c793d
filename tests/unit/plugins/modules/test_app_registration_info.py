"""app_registration_info's hand-off record: what the app's tags record as handed off to Bookings ONE,
a record pointing at a deleted secret, and secrets of ours nobody holds."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.modules.app_registration_info import handoff_record


def secret(key, name='bookings-one', end='2027-01-01T00:00:00Z'):
    return dict(keyId=key, displayName=name, startDateTime='2026-01-01T00:00:00Z', endDateTime=end)


def app(tags, *credentials):
    return dict(tags=tags, passwordCredentials=list(credentials))


def test_an_app_set_up_before_the_record_has_nothing_recorded_and_no_orphans():
    assert handoff_record(app([], secret('a'), secret('b')), 'bookings-one') == dict(
        marked=False, recorded_key_id=None, dangling=[], orphans=[])


def test_the_recorded_secret_and_the_orphans_beside_it():
    tags = ['other-tag', secrets.RECORD_MARK, secrets.RECORD_CURRENT + 'held', secrets.RECORD_EARLIER + 'before']
    record = handoff_record(app(tags, secret('held'), secret('before'), secret('stray'), secret('x', name='theirs')),
                            'bookings-one')
    # the earlier secret is accounted for; a secret of another name is not ours to judge
    assert record == dict(marked=True, recorded_key_id='held', dangling=[], orphans=['stray'])


def test_a_record_of_a_deleted_secret_is_dangling():
    tags = [secrets.RECORD_MARK, secrets.RECORD_CURRENT + 'deleted']
    record = handoff_record(app(tags, secret('left')), 'bookings-one')
    assert record == dict(marked=True, recorded_key_id=None, dangling=['deleted'], orphans=['left'])


def test_without_a_secret_name_no_secret_is_ours():
    tags = [secrets.RECORD_MARK, secrets.RECORD_CURRENT + 'held']
    record = handoff_record(app(tags, secret('held')), None)
    assert record == dict(marked=True, recorded_key_id=None, dangling=[], orphans=[])
    assert handoff_record(dict(), 'bookings-one') == dict(marked=False, recorded_key_id=None, dangling=[], orphans=[])
