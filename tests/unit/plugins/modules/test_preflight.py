"""Pure helpers of the preflight module."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.modules.preflight import lifetime_limit


def test_the_policy_lifetime_is_read_in_days_and_the_shortest_wins():
    restrictions = [{'restrictionType': 'passwordLifetime', 'state': 'enabled', 'maxLifetime': 'P180D'},
                    {'restrictionType': 'passwordLifetime', 'maxLifetime': 'P90DT12H'}]
    assert lifetime_limit(restrictions) == (90, False)


def test_a_disabled_restriction_limits_nothing():
    restriction = {'restrictionType': 'passwordLifetime', 'state': 'disabled', 'maxLifetime': 'P90D'}
    assert lifetime_limit([restriction]) == (None, False)
    assert lifetime_limit(None) == (None, False)


def test_a_restriction_for_newer_apps_spares_an_older_app_but_binds_one_not_created_yet():
    restriction = {'restrictionType': 'passwordLifetime', 'maxLifetime': 'P30D',
                   'restrictForAppsCreatedAfterDateTime': '2026-06-01T00:00:00Z'}
    assert lifetime_limit([restriction], created='2025-01-01T00:00:00Z') == (None, False)
    assert lifetime_limit([restriction], created='2026-07-01T00:00:00Z') == (30, False)
    assert lifetime_limit([restriction], created=None) == (30, False)
    # moments, not strings: 2026-05-31T23:30-02:00 is 01:30 UTC on June 1st, after the restriction's date
    assert lifetime_limit([restriction], created='2026-05-31T23:30:00.1234567-02:00') == (30, False)
    assert lifetime_limit([restriction], created='2026-05-31T23:59:59.9999999Z') == (None, False)


def test_blocked_password_addition_is_reported():
    restrictions = [{'restrictionType': 'passwordAddition', 'state': 'enabled', 'maxLifetime': None}]
    assert lifetime_limit(restrictions) == (None, True)
