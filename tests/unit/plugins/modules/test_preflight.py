"""Pure helpers of the preflight module."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.modules.preflight import lifetime_limit, repeats


def test_the_tenant_policy_lifetime_is_read_in_days():
    policy = {'isEnabled': True, 'applicationRestrictions': {'passwordCredentials': [
        {'restrictionType': 'passwordLifetime', 'state': 'enabled', 'maxLifetime': 'P180D'}]}}
    assert lifetime_limit(policy) == (180, False)


def test_a_disabled_policy_or_restriction_limits_nothing():
    restriction = {'restrictionType': 'passwordLifetime', 'state': 'disabled', 'maxLifetime': 'P90D'}
    assert lifetime_limit({'isEnabled': True, 'applicationRestrictions': {'passwordCredentials': [restriction]}}) \
        == (None, False)
    assert lifetime_limit({'isEnabled': False, 'applicationRestrictions': {'passwordCredentials': [
        dict(restriction, state='enabled')]}}) == (None, False)


def test_blocked_password_addition_is_reported():
    policy = {'isEnabled': True, 'applicationRestrictions': {'passwordCredentials': [
        {'restrictionType': 'passwordAddition', 'state': 'enabled', 'maxLifetime': None}]}}
    assert lifetime_limit(policy) == (None, True)


def test_repeats_are_removed_case_insensitively_and_noted():
    notes = []
    assert repeats(['a@x.com', 'A@X.com', 'b@x.com'], 'rooms.addresses', notes) == ['a@x.com', 'b@x.com']
    assert notes == ['rooms.addresses: repeated values removed (3 given, 2 kept)']
