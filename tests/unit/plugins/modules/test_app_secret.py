"""The app_secret module's input checks, and Entra's policy refusals of a new secret explained (the lifecycle
itself: tests/unit/plugins/module_utils/test_secret_lifecycle.py)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _secret_lifecycle as lifecycle
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules.app_secret import check_input

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


class State(object):
    def __init__(self, **params):
        self.params = dict(dict(lifetime_days=730, secret_display_name='bookings-one'), **params)
        self.result = dict(notes=[])
        self.graph = object()


def add_secret(state, app, now):
    return lifecycle.Lifecycle(state, None, None)._add_password(app, now)


def test_check_input_accepts_the_defaults_and_names_a_bad_value():
    check_input(dict(lifetime_days=730, rotate_before_days=30, grace_days=7))
    for bad, words in ((dict(lifetime_days=731), 'lifetime_days 731 is out of range: a client secret lives 1 to 730'),
                       (dict(rotate_before_days=730), 'rotate_before_days 730 must be at least 0 and less than'),
                       (dict(grace_days=-1), 'grace_days -1 must not be negative')):
        with pytest.raises(InputError) as err:
            check_input(dict(dict(lifetime_days=730, rotate_before_days=30, grace_days=7), **bad))
        assert words in str(err.value)


def test_a_new_secret_ends_lifetime_days_from_now(monkeypatch):
    sent = []
    monkeypatch.setattr(graph_api, 'add_password', lambda graph, object_id, name, end: sent.append(
        (object_id, name, end)) or dict(keyId='k'))
    assert add_secret(State(lifetime_days=90), dict(id='object-id'), NOW) == dict(keyId='k')
    assert sent == [('object-id', 'bookings-one', '2027-03-01T00:00:00Z')]


@pytest.mark.parametrize('code,words', [
    ('CredentialInvalidLifetimeAsPerAppPolicy', 'does not allow a 90-day secret; lower lifetime_days'),
    ('CredentialTypeNotAllowedAsPerAppPolicy', 'does not allow client secrets at all (asked for 90 days)'),
])
def test_an_app_management_policy_refusal_is_explained_with_graphs_own_words(monkeypatch, code, words):
    refusal = MicrosoftApiError('graph', 400, code, 'Credential lifetime exceeds the max value.', request_id='r-1')

    def refuse(*_args):
        raise refusal
    monkeypatch.setattr(graph_api, 'add_password', refuse)
    with pytest.raises(MicrosoftApiError) as err:
        add_secret(State(lifetime_days=90), dict(id='object-id'), NOW)
    assert words in err.value.message and 'Microsoft Graph said: Credential lifetime exceeds' in err.value.message
    assert err.value.code == code and err.value.request_id == 'r-1' and err.value.__cause__ is refusal


def test_other_graph_errors_pass_unchanged(monkeypatch):
    denied = MicrosoftApiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges')

    def refuse(*_args):
        raise denied
    monkeypatch.setattr(graph_api, 'add_password', refuse)
    with pytest.raises(MicrosoftApiError) as err:
        add_secret(State(), dict(id='object-id'), NOW)
    assert err.value is denied
