"""Names, addresses and ids compared ignoring case, as Entra and Exchange compare them (module_utils/_names.py)."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._names import kept_once, same_name, unique


@pytest.mark.parametrize('left,right,same', [
    ('Bookings ONE', 'bookings one', True),
    ('CN=Rooms,OU=contoso', 'cn=rooms,ou=contoso', True),
    ('a@x.com', 'b@x.com', False),
    ('', '', False),  # nothing given is never the same name
    (None, None, False),
    ('x', None, False),
])
def test_same_name_ignores_case_and_needs_both(left, right, same):
    assert same_name(left, right) is same


def test_unique_keeps_the_first_spelling_in_order():
    assert unique(['b@x.com', 'A@x.com', 'a@X.com', 'B@X.COM', 'c@x.com']) == ['b@x.com', 'A@x.com', 'c@x.com']
    assert unique(None) == [] and unique([]) == []


def test_repeats_are_removed_case_insensitively_and_noted():
    notes = []
    assert kept_once(['a@x.com', 'A@X.com', 'b@x.com'], 'rooms.addresses', notes) == ['a@x.com', 'b@x.com']
    assert notes == ['rooms.addresses: repeated values removed (3 given, 2 kept)']


def test_nothing_repeated_is_no_note():
    notes = []
    assert kept_once(['a@x.com', 'b@x.com'], 'members', notes) == ['a@x.com', 'b@x.com']
    assert kept_once(None, 'members', notes) == [] and notes == []
