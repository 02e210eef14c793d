"""Replacing bookingsone_delegate: the delegate the room half set up is recorded in the tenant (the Bookings ONE
app's tags), so the next onboarding removes it from the rooms' ResourceDelegates and its Full Access, and keeps
a delegate an admin added by hand. Check mode shows it and writes nothing; a second run changes nothing."""

from __future__ import annotations

from helpers import processing
from lifecycle import Site

FORMER, NEW, ADMIN = 'bookings@contoso.onmicrosoft.com', 'bookings.team@contoso.onmicrosoft.com', 'alice@contoso.onmicrosoft.com'


def full_access(harness):
    with harness.emu.store.lock:
        board = harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['board']
        return sorted(p['User'] for p in board['permissions'] if 'FullAccess' in p['AccessRights']
                      and p['User'] != 'NT AUTHORITY\\SELF')


def test_a_replaced_delegate_loses_its_duty_and_an_admins_delegate_stays(harness, tmp_path):
    harness.rooms_as_seeded(1, ['board'])
    site = Site(harness, tmp_path)
    assert site.run('onboard.yml', 'a').rc == 0
    assert 'bookings' in processing(harness, 1, 'board')['ResourceDelegates'] and FORMER in full_access(harness)
    assert site.tagged('bookingsone:delegate:') == [FORMER]
    with harness.emu.store.lock:  # an admin adds a delegate of their own, with Full Access
        board = harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['board']
        board['calendar_processing']['ResourceDelegates'].append('alice')
        board['permissions'].append({'User': ADMIN, 'AccessRights': ['FullAccess'], 'IsInherited': False,
                                     'Deny': False, 'InheritanceType': 'All'})
    check = site.run('onboard.yml', 'a', '--check', '--diff', bookingsone_delegate=NEW)
    assert check.rc == 0 and check.writes == [], check
    assert 'bookings' in processing(harness, 1, 'board')['ResourceDelegates']
    replaced = site.run('onboard.yml', 'a', bookingsone_delegate=NEW)
    assert replaced.rc == 0, replaced
    delegates = processing(harness, 1, 'board')['ResourceDelegates']
    assert 'bookings' not in delegates and {'bookings.team', 'alice'} <= set(delegates), delegates
    assert full_access(harness) == sorted([ADMIN, NEW])
    assert site.tagged('bookingsone:delegate:') == [NEW]
    again = site.run('onboard.yml', 'a', bookingsone_delegate=NEW)
    assert again.rc == 0 and again.writes == [], again
    harness.rooms_as_seeded(1, ['board'])
