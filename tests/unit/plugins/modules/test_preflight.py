"""The preflight module: its pure helpers, and its Graph and Exchange reads at once."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.modules import preflight
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


def test_the_graph_and_exchange_reads_run_at_once_and_their_refusals_keep_their_order(monkeypatch):
    exchange_read = threading.Event()

    def application_roles(graph):
        assert exchange_read.wait(5)  # the Exchange read happens while this one is out: they overlap
        return {}

    def get_recipient(exo, identity):
        exchange_read.set()
        return None

    def resolve_permissions(roles, wanted):
        raise InputError('graph_permissions: unknown Nope.Read')

    monkeypatch.setattr(preflight.graph_api, 'application_roles', application_roles)
    monkeypatch.setattr(preflight.graph_api, 'resolve_permissions', resolve_permissions)
    monkeypatch.setattr(preflight.exchange_api, 'get_recipient', get_recipient)
    params = dict(rooms=None, operator_role=None, secret_lifetime_days=None, redirect_uris=None, handoff_url=None,
                  graph_permissions=['Nope.Read'], delegate='someone@contoso.example')
    state = SimpleNamespace(params=params, result={}, graph=object(), exchange=object())
    with pytest.raises(InputError) as refused:
        preflight.main_logic(state)
    # the Graph part's refusal first, as when they ran one after the other, though the Exchange part ended first
    assert str(refused.value) == ('preflight refused 2 input(s), so nothing was written to this tenant: graph_permissions: '
                                  'unknown Nope.Read; delegate \'someone@contoso.example\' is not a recipient in this tenant')
