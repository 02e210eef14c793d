"""Helpers of the app_secret module: its input checks, which earlier secrets the retire policy removes,
a hand-off confirmed against the tenant's record, and Entra's policy refusals explained."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules import app_secret
from ansible_collections.bookingsone.office365.plugins.modules.app_secret import (
    add_secret, check_input, confirm, start_of, to_retire)

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def credential(key, start):
    return dict(keyId=key, displayName='bookings-one', startDateTime=start, endDateTime='2028-01-01T00:00:00Z')


OLD, NEW = credential('old', '2026-01-01T00:00:00Z'), credential('new', '2026-06-01T00:00:00Z')


class Module(object):
    def __init__(self, **params):
        self.params = dict(dict(lifetime_days=730, secret_display_name='bookings-one'), **params)
        self.result = dict(notes=[])
        self.graph = object()


def test_check_input_accepts_the_defaults_and_names_a_bad_value():
    check_input(dict(lifetime_days=730, rotate_before_days=30, grace_days=7))
    for bad, words in ((dict(lifetime_days=731), 'lifetime_days 731 is out of range: a client secret lives 1 to 730'),
                       (dict(rotate_before_days=730), 'rotate_before_days 730 must be at least 0 and less than'),
                       (dict(grace_days=-1), 'grace_days -1 must not be negative')):
        with pytest.raises(InputError) as err:
            check_input(dict(dict(lifetime_days=730, rotate_before_days=30, grace_days=7), **bad))
        assert words in str(err.value)


def test_start_of_reads_the_start_date_and_none_for_no_credential():
    assert start_of(OLD) == datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert start_of(None) is None


def test_retire_now_and_never():
    earlier = [OLD]
    assert to_retire(dict(retire_previous='now', grace_days=7), earlier, NOW, NOW) == earlier
    assert to_retire(dict(retire_previous='never', grace_days=7), earlier, NOW - datetime.timedelta(days=365),
                     NOW) == []


def test_after_grace_retires_once_the_successor_is_grace_days_old():
    policy = dict(retire_previous='after_grace', grace_days=7)
    assert to_retire(policy, [OLD], NOW - datetime.timedelta(days=6, hours=23), NOW) == []
    assert to_retire(policy, [OLD], NOW - datetime.timedelta(days=7), NOW) == [OLD]  # the grace is over
    assert to_retire(dict(policy, grace_days=0), [OLD], NOW, NOW) == [OLD]


def record_of(*handed_off):
    record = secrets.Record([])
    for key in handed_off:
        record.hand_off(key, [OLD, NEW])
    return record


def test_confirming_a_newer_secret_records_it_and_the_old_one_becomes_earlier():
    module, record = Module(), record_of('old')
    assert confirm(module, record, [OLD, NEW], 'new') is True
    assert record.current == {'new'} and record.earlier == {'old'} and module.result['confirmed'] == 'new'


def test_confirming_the_recorded_secret_again_changes_nothing():
    module, record = Module(), record_of('new')
    assert confirm(module, record, [OLD, NEW], 'new') is True
    assert record.current == {'new'} and 'confirmed' not in module.result and module.result['notes'] == []


def test_a_stale_copy_older_than_the_record_is_noted_and_the_record_kept():
    module, record = Module(), record_of('new')
    assert confirm(module, record, [OLD, NEW], 'old') is False
    assert record.current == {'new'} and 'confirmed' not in module.result
    assert module.result['notes'] == ['the hand-off names keyId old, older than the recorded new: kept the record']


def test_a_key_the_app_no_longer_has_is_noted():
    module, record = Module(), record_of('old')
    assert confirm(module, record, [OLD], 'gone') is False
    assert module.result['notes'] == ['the hand-off names keyId gone, which this app no longer has']
    assert record.current == {'old'}


def test_the_first_hand_off_of_an_unrecorded_app_is_recorded():
    module, record = Module(), secrets.Record([])
    assert confirm(module, record, [OLD], 'old') is True and record.current == {'old'} and record.marked


def test_a_new_secret_ends_lifetime_days_from_now(monkeypatch):
    sent = []
    monkeypatch.setattr(app_secret.api, 'add_password', lambda graph, object_id, name, end: sent.append(
        (object_id, name, end)) or dict(keyId='k'))
    assert add_secret(Module(lifetime_days=90), dict(id='object-id'), NOW) == dict(keyId='k')
    assert sent == [('object-id', 'bookings-one', '2027-03-01T00:00:00Z')]


@pytest.mark.parametrize('code,words', [
    ('CredentialInvalidLifetimeAsPerAppPolicy', 'does not allow a 90-day secret; lower lifetime_days'),
    ('CredentialTypeNotAllowedAsPerAppPolicy', 'does not allow client secrets at all (asked for 90 days)'),
])
def test_an_app_management_policy_refusal_is_explained_with_graphs_own_words(monkeypatch, code, words):
    refusal = MicrosoftApiError('graph', 400, code, 'Credential lifetime exceeds the max value.', request_id='r-1')

    def refuse(*_args):
        raise refusal
    monkeypatch.setattr(app_secret.api, 'add_password', refuse)
    with pytest.raises(MicrosoftApiError) as err:
        add_secret(Module(lifetime_days=90), dict(id='object-id'), NOW)
    assert words in err.value.message and 'Microsoft Graph said: Credential lifetime exceeds' in err.value.message
    assert err.value.code == code and err.value.request_id == 'r-1' and err.value.__cause__ is refusal


def test_other_graph_errors_pass_unchanged(monkeypatch):
    denied = MicrosoftApiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges')

    def refuse(*_args):
        raise denied
    monkeypatch.setattr(app_secret.api, 'add_password', refuse)
    with pytest.raises(MicrosoftApiError) as err:
        add_secret(Module(), dict(id='object-id'), NOW)
    assert err.value is denied
